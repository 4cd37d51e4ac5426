import { expect } from 'chai'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { fixedClock } from '../../../src/clock.js'
import { runCli } from '../../../src/cli/run-cli.js'
import { loadConfig } from '../../../src/config/load-config.js'
import { createContext, type AppContext } from '../../../src/context.js'
import { CHECK_IDS, type VerificationResult } from '../../../src/verifier/types.js'
import { createVerifierDeps } from '../../../src/verifier/verifier-deps.js'
import { verifyCredential } from '../../../src/verifier/verify-credential.js'

const EXAMPLES = fileURLToPath(new URL('../../../examples/', import.meta.url))
const NOW = '2026-11-25T10:00:00Z'

const RESULT_KEYS = ['checks', 'errors', 'kind', 'mechanism', 'policy', 'summary', 'verified', 'warnings']
const CHECK_KEYS = ['code', 'id', 'message', 'problems', 'status']
const PROBLEM_KEYS = ['code', 'detail', 'instance', 'title', 'type']
const SUMMARY_KEYS = [
  'awardingBody',
  'ects',
  'eqfLevel',
  'grade',
  'holderName',
  'issued',
  'issuerDid',
  'issuerName',
  'learningOutcomes',
  'title',
]

describe('verification result shape (pinned), for a credential issued by the real code', function () {
  this.timeout(60_000)
  let home: string
  let ctx: AppContext
  let jws: string

  before(async () => {
    home = await mkdtemp(join(tmpdir(), 'mc-result-shape-'))
    const run = async (args: string[]) => {
      let out = ''
      const code = await runCli(args, {
        env: { MICROCRED_HOME: home, MICROCRED_LOG_LEVEL: 'silent' },
        cwd: home,
        io: { out: (t) => void (out += t), err: () => undefined },
        overrides: { clock: fixedClock(NOW) },
      })
      expect(code).to.equal(0)
      return out
    }
    await run(['init'])
    jws = (
      await run([
        'issue',
        '--course',
        join(EXAMPLES, 'course.json'),
        '--learner',
        join(EXAMPLES, 'learner.json'),
      ])
    ).trim()
    ctx = await createContext(loadConfig({ env: { MICROCRED_HOME: home }, cwd: home }), {
      clock: fixedClock(NOW),
    })
  })
  after(async () => {
    await ctx.close()
    await rm(home, { recursive: true, force: true })
  })

  async function verify(input: unknown): Promise<VerificationResult> {
    return verifyCredential(input, createVerifierDeps(ctx, { remoteDidWeb: false }))
  }

  it('keys, check order (CHECK_IDS without holder), statuses, problem details and summary', async () => {
    const result = await verify(jws)
    expect(Object.keys(result).sort()).to.deep.equal(RESULT_KEYS)
    expect(result).to.include({ verified: true, policy: 'default', kind: 'credential', mechanism: 'vc-jose' })
    expect(result.checks.map((c) => c.id)).to.deep.equal(CHECK_IDS.filter((id) => id !== 'holder'))
    for (const check of result.checks) {
      expect(CHECK_KEYS).to.include.members(Object.keys(check))
      expect(check.status).to.be.oneOf(['pass', 'fail', 'indeterminate', 'skipped'])
      expect(check.code).to.match(/^[A-Z][A-Z0-9_]+$/)
      expect(check.message).to.be.a('string').and.not.equal('')
    }
    expect(result.checks.map((c) => c.status)).to.deep.equal(Array(9).fill('pass'))
    expect(result.errors).to.deep.equal([])
    expect(result.warnings).to.have.length(1)
    const [warning] = result.warnings
    expect(Object.keys(warning ?? {}).sort()).to.deep.equal(PROBLEM_KEYS)
    expect(warning).to.include({
      type: 'https://microcred.eu/problems#SCHEMA_STATUS_DEVIATION',
      code: 'SCHEMA_STATUS_DEVIATION',
      instance: '/credentialStatus',
    })
    expect(Object.keys(result.summary ?? {}).sort()).to.deep.equal(SUMMARY_KEYS)
    // Plain data: survives JSON unchanged (no undefined members, no class instances).
    expect(JSON.parse(JSON.stringify(result))).to.deep.equal(result)
  })

  it('a failed check: errors carry problem details with a spec or own type, a code and a pointer', async () => {
    const [header, payload, signature] = jws.split('.') as [string, string, string]
    const changed = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'))
    changed.validUntil = '2026-01-01T00:00:00Z'
    const result = await verify(
      `${header}.${Buffer.from(JSON.stringify(changed)).toString('base64url')}.${signature}`,
    )
    expect(result.verified).to.equal(false)
    expect(result.summary).to.equal(undefined)
    const validity = result.checks.find((c) => c.id === 'validity')
    expect(validity).to.include({ status: 'fail', code: 'VALIDITY_EXPIRED' })
    expect(result.errors.map((e) => e.code)).to.include.members(['VALIDITY_EXPIRED'])
    for (const error of result.errors) {
      expect(error.type).to.match(/^https:\/\/(www\.w3\.org\/|microcred\.eu\/problems#)/)
      expect(error.title).to.be.a('string')
    }
    expect(result.errors.find((e) => e.code === 'VALIDITY_EXPIRED')?.instance).to.equal('/validUntil')
  })

  it('input that cannot be parsed: only the failed format check', async () => {
    const result = await verify('{"not": "closed"')
    expect(Object.keys(result).sort()).to.deep.equal([
      'checks',
      'errors',
      'kind',
      'policy',
      'verified',
      'warnings',
    ])
    expect(result.checks).to.deep.equal([
      {
        id: 'format',
        status: 'fail',
        code: 'FORMAT_NOT_JSON',
        message: 'The input is not valid JSON',
        problems: [
          {
            type: 'https://www.w3.org/TR/vc-data-model#PARSING_ERROR',
            title: 'The input is not valid JSON',
            code: 'FORMAT_NOT_JSON',
            instance: '',
          },
        ],
      },
    ])
    expect(result.errors).to.deep.equal(result.checks[0]?.problems)
    expect(result.warnings).to.deep.equal([])
  })
})
