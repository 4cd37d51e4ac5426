import { expect } from 'chai'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import {
  CHECK_IDS,
  type Check,
  type VerificationResult,
  type VerifierDeps,
} from '../../../src/verifier/types.js'
import { verifyPresentation } from '../../../src/verifier/verify-presentation.js'
import { createTestIssuer, type TestIssuer } from '../../support/issuer-fixture.js'
import { createIssuedHome, EXAMPLE_LEARNER, type IssuedHome } from '../../support/issued-home.js'
import {
  createDataIntegrityPresentation,
  createJosePresentation,
  envelopePresentation,
} from '../../support/presentations.js'

/** An hour after issuing: inside every validity window and the status lists' lifetime. */
const VERIFY_AT = '2026-11-25T11:00:00Z'
const CHALLENGE = 'c0a5b0e2-1d5e-4a8e-9f55-0d1b4c2f7e11'
const DOMAIN = 'hr.employer.example'

function check(result: VerificationResult, id: Check['id']): Check {
  const found = result.checks.find((c) => c.id === id)
  expect(found, `check ${id}`).to.not.equal(undefined)
  return found as Check
}

function explain(result: VerificationResult): string {
  return JSON.stringify(
    { errors: result.errors, credentials: result.credentials?.map((c) => c.errors) },
    null,
    2,
  )
}

describe('verifyPresentation: presentations of credentials issued by this instance', function () {
  this.timeout(120_000)
  let home: IssuedHome
  let holder: TestIssuer
  let deps: VerifierDeps
  let elm: string
  let edc: Record<string, unknown>
  let alumni: Record<string, unknown>

  before(async () => {
    home = await createIssuedHome()
    holder = await createTestIssuer()
    // The learner's DID becomes the credentials' credentialSubject.id: the holder presents their own.
    const learner = JSON.parse(await readFile(EXAMPLE_LEARNER, 'utf8')) as Record<string, unknown>
    await writeFile(join(home.home, 'holder-learner.json'), JSON.stringify({ ...learner, did: holder.did }))
    elm = (await home.issue('elm', join(home.home, 'holder-learner.json'))).credential as string
    edc = (await home.issue('edc', join(home.home, 'holder-learner.json'))).credential as Record<
      string,
      unknown
    >
    // A plain VC 2.0 credential with a Data Integrity proof, for a VC 2.0 Data Integrity presentation.
    await writeFile(
      join(home.home, 'alumni.json'),
      JSON.stringify({
        '@context': ['https://www.w3.org/ns/credentials/v2', 'https://www.w3.org/ns/credentials/examples/v2'],
        type: ['VerifiableCredential', 'ExampleAlumniCredential'],
        credentialSubject: { id: holder.did, alumniOf: 'Rhône-Confluence University' },
      }),
    )
    const signed = await home.cli(['sign', 'alumni.json', '--proof', 'di'])
    expect(signed.code, signed.err).to.equal(0)
    alumni = signed.json() as Record<string, unknown>
    deps = await home.verifierDeps(VERIFY_AT)
  })
  after(async () => {
    await home.dispose()
    await holder.dispose()
  })

  const diPresentation = (
    credentials: Array<Record<string, unknown>>,
    overrides: { holderDid?: string } = {},
  ) =>
    createDataIntegrityPresentation({
      holder,
      credentials,
      challenge: CHALLENGE,
      domain: DOMAIN,
      documentLoader: deps.documentLoader,
      date: new Date(VERIFY_AT),
      ...overrides,
    })

  for (const version of ['1.1', '2.0'] as const) {
    it(`a Data Integrity presentation (VC ${version}) verifies under default with the challenge and domain it was made for`, async () => {
      const vp = await diPresentation([version === '1.1' ? edc : alumni])
      const result = await verifyPresentation(vp, deps, { challenge: CHALLENGE, domain: DOMAIN })
      expect(result.verified, explain(result)).to.equal(true)
      expect(result).to.include({ kind: 'presentation', mechanism: 'data-integrity', policy: 'default' })
      expect(result.checks.map((c) => c.id)).to.deep.equal([...CHECK_IDS])
      expect(check(result, 'proof')).to.include({ status: 'pass', code: 'PROOF_OK' })
      expect(check(result, 'holder')).to.include({ status: 'pass', code: 'HOLDER_OK' })
      expect(check(result, 'issuer')).to.include({ status: 'skipped' })
      expect(result.errors).to.deep.equal([])
      expect(result.credentials).to.have.length(1)
      expect(result.credentials?.[0]).to.include({
        verified: true,
        kind: 'credential',
        mechanism: 'data-integrity',
      })
    })
  }

  it('a VC-JOSE presentation of enveloped credentials verifies, as a compact JWS and as an enveloped presentation', async () => {
    const jws = await createJosePresentation({ holder, credentials: [elm], nonce: CHALLENGE, aud: DOMAIN })
    for (const input of [jws, envelopePresentation(jws)]) {
      const result = await verifyPresentation(input, deps, { challenge: CHALLENGE, domain: DOMAIN })
      expect(result.verified, explain(result)).to.equal(true)
      expect(result).to.include({ kind: 'presentation', mechanism: 'vc-jose' })
      expect(check(result, 'proof')).to.include({ status: 'pass', code: 'PROOF_OK' })
      expect(check(result, 'holder')).to.include({ status: 'pass', code: 'HOLDER_OK' })
      expect(result.credentials).to.have.length(1)
      const credential = result.credentials?.[0] as VerificationResult
      expect(credential).to.include({ verified: true, mechanism: 'vc-jose' })
      expect(check(credential, 'status')).to.include({ status: 'pass', code: 'STATUS_OK' })
    }
  })

  it('a presentation with one revoked credential is not verified, and says which credential failed and why', async () => {
    const revoked = await home.issue('elm', join(home.home, 'holder-learner.json'))
    const run = await home.cli(['revoke', revoked.id, '--reason', 'Awarded in error'])
    expect(run.code, run.err).to.equal(0)
    const jws = await createJosePresentation({
      holder,
      credentials: [elm, revoked.credential as string],
      nonce: CHALLENGE,
      aud: DOMAIN,
    })
    const result = await verifyPresentation(jws, deps, { challenge: CHALLENGE, domain: DOMAIN })
    expect(result.verified).to.equal(false)
    // The presentation itself is sound: only the credential fails it.
    expect(result.checks.filter((c) => c.status === 'fail' || c.status === 'indeterminate')).to.deep.equal([])
    expect(result.errors.map((e) => [e.code, e.instance])).to.deep.equal([
      ['PRESENTATION_CREDENTIAL_FAILED', '/verifiableCredential/1'],
    ])
    const [good, bad] = result.credentials as VerificationResult[]
    expect(good?.verified).to.equal(true)
    expect(bad?.verified).to.equal(false)
    expect(check(bad as VerificationResult, 'status')).to.include({ status: 'fail', code: 'STATUS_REVOKED' })
    expect(bad?.errors.map((e) => e.code)).to.deep.equal(['STATUS_REVOKED'])
  })

  it('employer: a holder who is the subject of every credential passes holder binding', async () => {
    const jws = await createJosePresentation({ holder, credentials: [elm], nonce: CHALLENGE, aud: DOMAIN })
    const vp = await diPresentation([edc])
    for (const input of [jws, vp]) {
      const result = await verifyPresentation(input, deps, {
        challenge: CHALLENGE,
        domain: DOMAIN,
        policy: 'employer',
      })
      expect(result.verified, explain(result)).to.equal(true)
      expect(result.policy).to.equal('employer')
      expect(check(result, 'holder')).to.include({ status: 'pass', code: 'HOLDER_OK' })
      expect(check(result.credentials?.[0] as VerificationResult, 'trust')).to.include({ status: 'pass' })
    }
  })

  it('refuses a credential where a presentation is expected (format FORMAT_NOT_A_PRESENTATION)', async () => {
    for (const input of [elm, edc]) {
      const result = await verifyPresentation(input, deps, { challenge: CHALLENGE, domain: DOMAIN })
      expect(result).to.include({ verified: false, kind: 'presentation' })
      expect(result.checks).to.have.length(1)
      expect(check(result, 'format')).to.include({ status: 'fail', code: 'FORMAT_NOT_A_PRESENTATION' })
    }
  })

  it('refuses a presentation whose holder did not sign it', async () => {
    const other = await createTestIssuer()
    try {
      // Signed by `other`, naming `holder` as its holder: as if someone presented another person's wallet.
      const jws = await createJosePresentation({
        holder: other,
        holderDid: holder.did,
        credentials: [elm],
        nonce: CHALLENGE,
        aud: DOMAIN,
      })
      const result = await verifyPresentation(jws, deps, { challenge: CHALLENGE, domain: DOMAIN })
      expect(result.verified).to.equal(false)
      expect(check(result, 'proof')).to.include({ status: 'fail', code: 'PROOF_ISSUER_MISMATCH' })
      expect(check(result, 'holder')).to.include({ status: 'indeterminate', code: 'HOLDER_PROOF_UNVERIFIED' })
    } finally {
      await other.dispose()
    }
  })
})
