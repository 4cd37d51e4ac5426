import { expect } from 'chai'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { fixedClock } from '../../../src/clock.js'
import { runCli } from '../../../src/cli/run-cli.js'
import { loadConfig } from '../../../src/config/load-config.js'
import { createContext, type AppContext } from '../../../src/context.js'
import { createTrustedIssuerRegistry } from '../../../src/verifier/trusted-issuers.js'
import type { Check, VerificationResult, VerifierDeps, VerifyOptions } from '../../../src/verifier/types.js'
import { createVerifierDeps } from '../../../src/verifier/verifier-deps.js'
import { verifyCredential } from '../../../src/verifier/verify-credential.js'

const EXAMPLES = fileURLToPath(new URL('../../../examples/', import.meta.url))
const COURSE = join(EXAMPLES, 'course.json')
const LEARNER = join(EXAMPLES, 'learner.json')
const ISSUED_AT = '2026-11-25T10:00:00Z'
const V1 = 'https://www.w3.org/2018/credentials/v1'
const V2 = 'https://www.w3.org/ns/credentials/v2'
const EXAMPLES_V2 = 'https://www.w3.org/ns/credentials/examples/v2'

/** A home folder initialised with the real CLI, issuing at a fixed time. */
class Home {
  issuerDid = ''
  private constructor(readonly dir: string) {}

  static async create(initArgs: string[] = []): Promise<Home> {
    const home = new Home(await mkdtemp(join(tmpdir(), 'mc-verify-issued-')))
    const init = await home.cli(['init', ...initArgs])
    expect(init.code, init.err).to.equal(0)
    home.issuerDid = JSON.parse(init.out).issuer.did
    return home
  }

  async cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
    let out = ''
    let err = ''
    const code = await runCli(args, {
      env: { MICROCRED_HOME: this.dir, MICROCRED_LOG_LEVEL: 'silent' },
      cwd: this.dir,
      io: { out: (t) => void (out += t), err: (t) => void (err += t) },
      overrides: { clock: fixedClock(ISSUED_AT) },
    })
    return { code, out, err }
  }

  /** Issues the example course (or `course`) and returns the credential id and exactly what was printed. */
  async issue(format: 'elm' | 'edc', course = COURSE): Promise<{ id: string; credential: string }> {
    const run = await this.cli(['issue', '--course', course, '--learner', LEARNER, '--format', format])
    expect(run.code, run.err).to.equal(0)
    return { id: /Issued (urn:uuid:[0-9a-f-]+)/.exec(run.err)?.[1] as string, credential: run.out.trim() }
  }

  /** `microcred sign` of a credential document. */
  async sign(credential: Record<string, unknown>, proof: 'di' | 'jose'): Promise<string> {
    const file = join(this.dir, `unsigned-${Math.random().toString(36).slice(2)}.json`)
    await writeFile(file, JSON.stringify(credential))
    const run = await this.cli(['sign', file, '--proof', proof])
    expect(run.code, run.err).to.equal(0)
    return run.out.trim()
  }

  /** The home's context at `at` (a later time lets a test age credentials). */
  async context(at = ISSUED_AT): Promise<AppContext> {
    return createContext(loadConfig({ env: { MICROCRED_HOME: this.dir }, cwd: this.dir }), {
      clock: fixedClock(at),
    })
  }

  /** Verifies with dependencies wired to this home, closing its context afterwards. */
  async verify(
    input: unknown,
    options: VerifyOptions = {},
    at = ISSUED_AT,
    edit?: (deps: VerifierDeps) => VerifierDeps,
  ): Promise<VerificationResult> {
    const ctx = await this.context(at)
    try {
      const deps = createVerifierDeps(ctx, { remoteDidWeb: false })
      return await verifyCredential(input, edit ? edit(deps) : deps, options)
    } finally {
      await ctx.close()
    }
  }

  dispose(): Promise<void> {
    return rm(this.dir, { recursive: true, force: true })
  }
}

function byId(result: VerificationResult): Record<string, Check> {
  return Object.fromEntries(result.checks.map((c) => [c.id, c]))
}

/** Status and code of each check; for `proof` and `issuer` (whose codes are theirs to pin) the status only. */
function statuses(result: VerificationResult): Record<string, string> {
  return Object.fromEntries(
    result.checks.map((c) => [
      c.id,
      c.id === 'proof' || c.id === 'issuer' ? c.status : `${c.status} ${c.code}`,
    ]),
  )
}

function explain(result: VerificationResult): string {
  return JSON.stringify({ checks: result.checks, errors: result.errors }, null, 2)
}

function genericV1(): Record<string, unknown> {
  return {
    '@context': [V1, EXAMPLES_V2],
    type: ['VerifiableCredential', 'ExampleAlumniCredential'],
    issuanceDate: '2026-01-01T00:00:00Z',
    credentialSubject: { id: 'did:example:ebfeb1f712ebc6f1c276e12ec21', alumniOf: 'Example University' },
  }
}

function genericV2(): Record<string, unknown> {
  return {
    '@context': [V2, EXAMPLES_V2],
    type: ['VerifiableCredential', 'ExampleAlumniCredential'],
    credentialSubject: { id: 'did:example:ebfeb1f712ebc6f1c276e12ec21', alumniOf: 'Example University' },
  }
}

for (const keyType of ['Ed25519', 'P-256'] as const) {
  describe(`verifyCredential: everything the issuer makes verifies (${keyType})`, function () {
    this.timeout(120_000)
    let home: Home

    before(async () => {
      home = await Home.create(['--key-type', keyType])
    })
    after(() => home.dispose())

    it('elm (VC 2.0, vc+jwt): verified under default and employer, with the EBSI status deviation as a warning', async () => {
      const { credential } = await home.issue('elm')
      const result = await home.verify(credential)
      expect(result.verified, explain(result)).to.equal(true)
      expect(result).to.include({ kind: 'credential', mechanism: 'vc-jose', policy: 'default' })
      expect(statuses(result)).to.deep.equal({
        format: 'pass FORMAT_OK',
        context: 'pass CONTEXT_OK',
        schema: 'pass SCHEMA_OK',
        proof: 'pass',
        issuer: 'pass',
        validity: 'pass VALIDITY_OK',
        status: 'pass STATUS_OK',
        trust: 'pass TRUST_OK',
        microcredential: 'pass MICROCREDENTIAL_OK',
      })
      expect(result.errors).to.deep.equal([])
      expect(result.warnings.map((w) => w.code)).to.deep.equal(['SCHEMA_STATUS_DEVIATION'])
      expect(result.summary).to.deep.include({
        holderName: 'Camille Rousseau',
        title: 'Data-Driven Business Innovation',
        awardingBody: 'Rhône-Confluence University',
        issuerName: 'Development issuer (not a real organisation)',
        issuerDid: home.issuerDid,
        issued: ISSUED_AT,
        ects: 3,
        eqfLevel: 6,
        grade: 'Pass',
      })
      expect(result.summary?.learningOutcomes).to.have.length(3)

      const employer = await home.verify(credential, { policy: 'employer' })
      expect(employer.verified, explain(employer)).to.equal(true)

      const enveloped = {
        '@context': V2,
        type: 'EnvelopedVerifiableCredential',
        id: `data:application/vc+jwt,${credential}`,
      }
      const viaEnvelope = await home.verify(enveloped)
      expect(viaEnvelope.verified, explain(viaEnvelope)).to.equal(true)
      expect(JSON.stringify(viaEnvelope.checks)).to.equal(JSON.stringify(result.checks))
    })

    it('edc (VC 1.1, Data Integrity): verified; the SHACL profile passes with the status deviation as a warning', async () => {
      const { credential } = await home.issue('edc')
      for (const input of [credential, JSON.parse(credential)]) {
        const result = await home.verify(input)
        expect(result.verified, explain(result)).to.equal(true)
        expect(result.mechanism).to.equal('data-integrity')
        expect(statuses(result)).to.deep.equal({
          format: 'pass FORMAT_OK',
          context: 'pass CONTEXT_OK',
          schema: 'pass SCHEMA_OK',
          proof: 'pass',
          issuer: 'pass',
          validity: 'pass VALIDITY_OK',
          status: 'pass STATUS_OK',
          trust: 'pass TRUST_OK',
          microcredential: 'pass MICROCREDENTIAL_OK',
        })
        // The official shapes allow one credentialStatus; the revocation + suspension entries are the one finding.
        expect(result.warnings.map((w) => `${w.code} ${w.instance}`)).to.deep.equal([
          'SCHEMA_STATUS_DEVIATION /credentialStatus',
        ])
        expect(byId(result).schema?.message).to.include('EDC SHACL profile')
        expect(result.summary).to.deep.include({ holderName: 'Camille Rousseau', ects: 3, eqfLevel: 6 })
      }
    })

    const generic: Array<[string, () => Record<string, unknown>, 'di' | 'jose', string]> = [
      ['VC 1.1, Data Integrity', genericV1, 'di', 'data-integrity'],
      ['VC 2.0, Data Integrity', genericV2, 'di', 'data-integrity'],
      ['VC 2.0, VC-JOSE', genericV2, 'jose', 'vc-jose'],
    ]
    for (const [name, make, proof, mechanism] of generic) {
      it(`generic signCredential, ${name}: verified under default and employer`, async () => {
        const signed = await home.sign(make(), proof)
        const result = await home.verify(signed)
        expect(result.verified, explain(result)).to.equal(true)
        expect(result.mechanism).to.equal(mechanism)
        expect(statuses(result)).to.include({
          format: 'pass FORMAT_OK',
          context: 'pass CONTEXT_OK',
          schema: 'skipped SCHEMA_NONE',
          proof: 'pass',
          issuer: 'pass',
          validity: 'pass VALIDITY_OK',
          status: 'skipped STATUS_NONE',
          trust: 'pass TRUST_OK',
          microcredential: 'skipped MICROCREDENTIAL_NOT_APPLICABLE',
        })
        expect((await home.verify(signed, { policy: 'employer' })).verified).to.equal(true)
      })
    }
  })
}

describe('verifyCredential: revoked, expired, untrusted, changed', function () {
  this.timeout(120_000)
  let home: Home
  before(async () => {
    home = await Home.create()
  })
  after(() => home.dispose())

  for (const format of ['elm', 'edc'] as const) {
    it(`${format}: revoked fails the status check; suspended too`, async () => {
      const revoked = await home.issue(format)
      expect((await home.cli(['revoke', revoked.id, '--reason', 'Awarded in error'])).code).to.equal(0)
      const result = await home.verify(revoked.credential)
      expect(result.verified).to.equal(false)
      expect(byId(result).status).to.include({ status: 'fail', code: 'STATUS_REVOKED' })
      expect(result.errors.map((e) => e.code)).to.deep.equal(['STATUS_REVOKED'])
      expect(result.errors[0]?.instance).to.equal('/credentialStatus/0')
      expect(byId(result).proof?.status).to.equal('pass')

      const suspended = await home.issue(format)
      expect((await home.cli(['suspend', suspended.id, '--reason', 'Check pending'])).code).to.equal(0)
      const paused = await home.verify(suspended.credential)
      expect(byId(paused).status).to.include({ status: 'fail', code: 'STATUS_SUSPENDED' })
      expect(paused.errors[0]?.instance).to.equal('/credentialStatus/1')
    })
  }

  it('expired: past a course validityMonths (clock advanced) the validity check fails; before it passes', async () => {
    // A home of its own: verifying later republishes its status lists at that later time.
    const aging = await Home.create()
    try {
      await checkExpiry(aging)
    } finally {
      await aging.dispose()
    }
  })

  async function checkExpiry(home: Home): Promise<void> {
    const course = JSON.parse(await readFile(COURSE, 'utf8'))
    course.id = `${course.id}-expiring`
    course.validityMonths = 12
    const file = join(home.dir, 'expiring-course.json')
    await writeFile(file, JSON.stringify(course))
    for (const format of ['elm', 'edc'] as const) {
      const { credential } = await home.issue(format, file)
      const soon = await home.verify(credential, {}, '2027-11-25T09:00:00Z')
      expect(soon.verified, explain(soon)).to.equal(true)
      // Within the tolerated clock skew (300 s) after validUntil: still valid.
      expect(byId(await home.verify(credential, {}, '2027-11-25T10:04:00Z')).validity?.status).to.equal(
        'pass',
      )
      const later = await home.verify(credential, {}, '2027-12-25T10:00:00Z')
      expect(later.verified).to.equal(false)
      expect(byId(later).validity).to.include({ status: 'fail', code: 'VALIDITY_EXPIRED' })
      expect(later.errors.map((e) => `${e.code} ${e.instance}`)).to.deep.equal([
        `VALIDITY_EXPIRED /${format === 'elm' ? 'validUntil' : 'expirationDate'}`,
      ])
      // Not valid yet, for a verifier whose clock is well before the issuance.
      const early = await home.verify(credential, {}, '2026-11-25T09:00:00Z')
      expect(byId(early).validity).to.include({ status: 'fail', code: 'VALIDITY_NOT_YET_VALID' })
    }
  }

  it('untrusted issuer: not verified under employer; verified under default with a trust warning', async () => {
    const { credential } = await home.issue('elm')
    const untrusted = (deps: VerifierDeps): VerifierDeps => ({
      ...deps,
      trustedIssuers: createTrustedIssuerRegistry(),
    })
    const lenient = await home.verify(credential, { policy: 'default' }, ISSUED_AT, untrusted)
    expect(lenient.verified, explain(lenient)).to.equal(true)
    expect(byId(lenient).trust).to.include({ status: 'fail', code: 'TRUST_UNKNOWN_ISSUER' })
    expect(lenient.warnings.map((w) => w.code)).to.have.members([
      'SCHEMA_STATUS_DEVIATION',
      'TRUST_UNKNOWN_ISSUER',
    ])
    // The registry, not the credential, names the issuer: unknown issuer, no name.
    expect(lenient.summary?.issuerName).to.equal(undefined)
    expect(lenient.summary?.issuerDid).to.equal(home.issuerDid)

    const strict = await home.verify(credential, { policy: 'employer' }, ISSUED_AT, untrusted)
    expect(strict.verified).to.equal(false)
    expect(strict.errors.map((e) => e.code)).to.deep.equal(['TRUST_UNKNOWN_ISSUER'])

    // A registry entry trusts it, under the registry's name.
    const listed = (deps: VerifierDeps): VerifierDeps => ({
      ...deps,
      trustedIssuers: createTrustedIssuerRegistry({
        entries: [{ did: home.issuerDid, name: 'Registry Name', source: 'registry' }],
      }),
    })
    const registered = await home.verify(credential, { policy: 'employer' }, ISSUED_AT, listed)
    expect(registered.verified, explain(registered)).to.equal(true)
    expect(registered.summary?.issuerName).to.equal('Registry Name')
  })

  it('a did:key issuer stays trusted for credentials issued before a key rotation', async () => {
    const other = await Home.create()
    try {
      const before = await other.issue('edc')
      const oldDid = other.issuerDid
      const rotated = await other.cli(['keys', 'rotate'])
      expect(rotated.code, rotated.err).to.equal(0)
      const ctx = await other.context()
      try {
        const registry = createVerifierDeps(ctx, { remoteDidWeb: false }).trustedIssuers
        const current = (await ctx.storage.issuers.getByDid(oldDid)) === undefined
        expect(current, 'the rotation gave the issuer a new DID').to.equal(true)
        expect(await registry.lookup(oldDid)).to.deep.equal({
          did: oldDid,
          name: 'Development issuer (not a real organisation)',
          source: 'instance',
        })
      } finally {
        await ctx.close()
      }
      const result = await other.verify(before.credential, { policy: 'employer' })
      expect(byId(result).trust).to.include({ status: 'pass', code: 'TRUST_OK' })
    } finally {
      await other.dispose()
    }
  })

  it('a changed credential: the proof fails, and no summary is read from it', async () => {
    const credential = JSON.parse((await home.issue('edc')).credential)
    credential.credentialSubject.fullName = { en: 'Mallory Forger' }
    const result = await home.verify(credential)
    expect(result.verified).to.equal(false)
    expect(byId(result).proof?.status).to.equal('fail')
    expect(result.summary).to.equal(undefined)
    expect(JSON.stringify(result)).to.not.include('Mallory')
  })

  it('garbage never throws: a failed format check', async () => {
    for (const input of ['', 'nonsense', '{', [], 7, null, { '@context': 5 }]) {
      const result = await home.verify(input)
      expect(result.verified).to.equal(false)
      expect(byId(result).format?.status).to.equal('fail')
    }
  })
})
