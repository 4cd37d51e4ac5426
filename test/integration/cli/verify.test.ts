import { expect } from 'chai'
import { existsSync } from 'node:fs'
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { fixedClock } from '../../../src/clock.js'
import { runCli } from '../../../src/cli/run-cli.js'
import type { VerificationResult } from '../../../src/verifier/types.js'

const EXAMPLES = fileURLToPath(new URL('../../../examples/', import.meta.url))
const COURSE = join(EXAMPLES, 'course.json')
const LEARNER = join(EXAMPLES, 'learner.json')
const NOW = '2026-11-25T10:00:00Z'

interface Run {
  code: number
  out: string
  err: string
}

/** `microcred <args>` in `dir` (also the home folder), at a fixed time; `stdin` feeds `-`. */
async function cli(dir: string, args: string[], stdin?: string): Promise<Run> {
  let out = ''
  let err = ''
  const io = {
    out: (t: string) => void (out += t),
    err: (t: string) => void (err += t),
    ...(stdin === undefined ? {} : { readStdin: async () => stdin }),
  }
  const code = await runCli(args, {
    env: { MICROCRED_HOME: dir, MICROCRED_LOG_LEVEL: 'silent' },
    cwd: dir,
    io,
    overrides: { clock: fixedClock(NOW) },
  })
  return { code, out, err }
}

function checksOf(result: VerificationResult): Record<string, string> {
  return Object.fromEntries(result.checks.map((c) => [c.id, c.status]))
}

describe('CLI: verify', function () {
  this.timeout(120_000)
  let issuing: string
  let empty: string
  let elmFile: string
  let edcFile: string

  before(async () => {
    issuing = await mkdtemp(join(tmpdir(), 'mc-verify-home-'))
    empty = await mkdtemp(join(tmpdir(), 'mc-verify-empty-'))
    expect((await cli(issuing, ['init'])).code).to.equal(0)
    elmFile = join(issuing, 'credential.jwt')
    edcFile = join(issuing, 'credential.json')
    expect(
      (
        await cli(issuing, [
          'issue',
          '--course',
          COURSE,
          '--learner',
          LEARNER,
          '--format',
          'elm',
          '--out',
          elmFile,
        ])
      ).code,
    ).to.equal(0)
    expect(
      (
        await cli(issuing, [
          'issue',
          '--course',
          COURSE,
          '--learner',
          LEARNER,
          '--format',
          'edc',
          '--out',
          edcFile,
        ])
      ).code,
    ).to.equal(0)
  })
  after(async () => {
    await rm(issuing, { recursive: true, force: true })
    await rm(empty, { recursive: true, force: true })
  })

  it('in the issuing home: exit 0, a readable per-check report on stdout', async () => {
    for (const file of [elmFile, edcFile]) {
      const run = await cli(issuing, ['verify', file])
      expect(run.code, run.out + run.err).to.equal(0)
      expect(run.out).to.match(/^VERIFIED: credential, (vc-jose|data-integrity), policy default$/m)
      for (const id of [
        'format',
        'context',
        'schema',
        'proof',
        'issuer',
        'validity',
        'status',
        'trust',
        'microcredential',
      ]) {
        expect(run.out).to.match(new RegExp(`^  ${id} +(pass|skipped) +[A-Z_]+ +\\S`, 'm'))
      }
      expect(run.out).to.match(/^ {2}Holder: +Camille Rousseau$/m)
      expect(run.out).to.match(/^ {2}Issuer: +Development issuer \(not a real organisation\) \(did:key:/m)
      expect(run.out).to.match(/^ {2}ECTS: +3$/m)
    }
    const employer = await cli(issuing, ['verify', elmFile, '--policy', 'employer', '--json'])
    expect(employer.code).to.equal(0)
    expect(JSON.parse(employer.out)).to.include({ verified: true, policy: 'employer' })
  })

  it('--json prints the result object, whatever the verdict', async () => {
    const run = await cli(issuing, ['verify', elmFile, '--json'])
    expect(run.code).to.equal(0)
    const result = JSON.parse(run.out) as VerificationResult
    expect(Object.keys(result).sort()).to.deep.equal([
      'checks',
      'errors',
      'kind',
      'mechanism',
      'policy',
      'summary',
      'verified',
      'warnings',
    ])
    expect(result).to.include({ verified: true, kind: 'credential', mechanism: 'vc-jose' })

    await writeFile(join(empty, 'garbage.txt'), 'not a credential')
    const garbage = await cli(empty, ['verify', 'garbage.txt', '--json'])
    expect(garbage.code).to.equal(1)
    expect(JSON.parse(garbage.out).checks).to.have.length(1)
    expect(JSON.parse(garbage.out).checks[0]).to.include({
      id: 'format',
      status: 'fail',
      code: 'FORMAT_NOT_JSON',
    })

    const missing = await cli(empty, ['verify', 'nope.jwt', '--json'])
    expect(missing.code).to.equal(1)
    expect(JSON.parse(missing.out)).to.deep.include({ verified: false })
    expect(JSON.parse(missing.out).checks[0]).to.include({ code: 'FORMAT_UNREADABLE' })
  })

  it("in an empty folder (no init): the other home's status lists are unreachable, so not verified; nothing is created", async () => {
    const run = await cli(empty, ['verify', elmFile, '--json'])
    expect(run.code).to.equal(1)
    const result = JSON.parse(run.out) as VerificationResult
    expect(result.verified).to.equal(false)
    expect(checksOf(result)).to.deep.equal({
      format: 'pass',
      context: 'pass',
      schema: 'pass',
      proof: 'pass',
      issuer: 'pass',
      validity: 'pass',
      status: 'indeterminate',
      trust: 'fail',
      microcredential: 'pass',
    })
    expect(result.checks.find((c) => c.id === 'status')?.code).to.equal('STATUS_LIST_UNREACHABLE')
    expect(result.errors.map((e) => e.code)).to.deep.equal([
      'STATUS_LIST_UNREACHABLE',
      'STATUS_LIST_UNREACHABLE',
    ])
    expect(result.warnings.map((w) => w.code)).to.include('TRUST_UNKNOWN_ISSUER')
    // The summary is read (the proof passed) but names no issuer: it is not in any registry here.
    expect(result.summary?.issuerName).to.equal(undefined)
    expect(result.summary?.holderName).to.equal('Camille Rousseau')

    const readable = await cli(empty, ['verify', edcFile])
    expect(readable.code).to.equal(1)
    expect(readable.out).to.match(/^NOT VERIFIED: credential, data-integrity, policy default$/m)
    expect(readable.out).to.match(/^ {2}status +indeterminate +STATUS_LIST_UNREACHABLE/m)
    expect(readable.out).to.match(/^Errors:$/m)
    expect(readable.out).to.match(/not in the trusted-issuer registry/)
    expect(existsSync(join(empty, 'data'))).to.equal(false)
    expect(await readdir(empty)).to.not.include('keys')
  })

  it('in an empty folder with a trustedIssuers registry file: the registry names the issuer', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'mc-verify-registry-'))
    try {
      const did = JSON.parse((await cli(issuing, ['issuer', 'show'])).out).issuer.did as string
      await writeFile(
        join(folder, 'trusted.json'),
        JSON.stringify({ issuers: [{ did, name: 'Registered University' }] }),
      )
      await writeFile(join(folder, 'microcred.json'), JSON.stringify({ trustedIssuers: 'trusted.json' }))
      const result = JSON.parse((await cli(folder, ['verify', elmFile, '--json'])).out) as VerificationResult
      expect(result.checks.find((c) => c.id === 'trust')).to.include({ status: 'pass', code: 'TRUST_OK' })
      expect(result.summary?.issuerName).to.equal('Registered University')

      await writeFile(join(folder, 'trusted.json'), JSON.stringify({ issuers: [{ did }] }))
      const invalid = await cli(folder, ['verify', elmFile])
      expect(invalid.code).to.equal(1)
      expect(invalid.err).to.match(/ERR_CONFIG_INVALID/)
    } finally {
      await rm(folder, { recursive: true, force: true })
    }
  })

  it('- reads standard input', async () => {
    const jws = await readFile(elmFile, 'utf8')
    const run = await cli(issuing, ['verify', '-', '--json'], jws)
    expect(run.code, run.out).to.equal(0)
    expect(JSON.parse(run.out)).to.include({ verified: true })
    const edc = await cli(issuing, ['verify', '-'], await readFile(edcFile, 'utf8'))
    expect(edc.code).to.equal(0)
  })

  it('exit 2 on usage errors', async () => {
    for (const args of [
      ['verify'],
      ['verify', elmFile, '--policy', 'lenient'],
      ['verify', elmFile, '--bogus'],
      ['verify', 'a', 'b'],
    ]) {
      const run = await cli(empty, args)
      expect(run.code, args.join(' ')).to.equal(2)
      expect(run.out).to.equal('')
      expect(run.err).to.match(/Usage: microcred verify/)
    }
    // Standard input that this caller cannot provide.
    const noStdin = await cli(empty, ['verify', '-'])
    expect(noStdin.code).to.equal(2)
  })
})
