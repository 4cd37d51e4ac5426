import { expect } from 'chai'
import { applyPolicy, REQUIRED_CHECKS, requiredChecks } from '../../../src/verifier/policies.js'
import { makeCheck } from '../../../src/verifier/problem-details.js'
import { CHECK_IDS, type Check, type CheckId, type CheckStatus } from '../../../src/verifier/types.js'

/** One check per id (holder excluded unless asked), all passing, with `changes` applied. */
function checks(changes: Partial<Record<CheckId, CheckStatus>> = {}, withHolder = false): Check[] {
  return CHECK_IDS.filter((id) => withHolder || id !== 'holder').map((id) => {
    const status = changes[id] ?? 'pass'
    return makeCheck(id, status, `${id.toUpperCase()}_${status.toUpperCase()}`, `${id} ${status}`)
  })
}

describe('verification policies', () => {
  it('default requires the integrity checks; employer adds trust and Annex I completeness', () => {
    expect(REQUIRED_CHECKS.default).to.deep.equal([
      'format',
      'context',
      'schema',
      'proof',
      'issuer',
      'validity',
      'status',
      'holder',
    ])
    expect(REQUIRED_CHECKS.employer).to.include.members([
      ...REQUIRED_CHECKS.default,
      'trust',
      'microcredential',
    ])
    expect(requiredChecks('default', 'credential')).to.not.include('holder')
    expect(requiredChecks('employer', 'presentation')).to.include('holder')
  })

  it('all pass, or skipped: verified, no errors', () => {
    expect(applyPolicy(checks(), 'default', 'credential')).to.deep.equal({
      verified: true,
      errors: [],
      warnings: [],
    })
    const skipped = applyPolicy(
      checks({ schema: 'skipped', status: 'skipped', microcredential: 'skipped' }),
      'employer',
      'credential',
    )
    expect(skipped).to.deep.equal({ verified: true, errors: [], warnings: [] })
  })

  for (const id of ['format', 'context', 'schema', 'proof', 'issuer', 'validity', 'status'] as const) {
    for (const status of ['fail', 'indeterminate'] as const) {
      it(`${id} ${status}: not verified under either policy, one error`, () => {
        for (const policy of ['default', 'employer'] as const) {
          const { verified, errors, warnings } = applyPolicy(checks({ [id]: status }), policy, 'credential')
          expect(verified).to.equal(false)
          expect(errors.map((e) => e.code)).to.deep.equal([`${id.toUpperCase()}_${status.toUpperCase()}`])
          expect(warnings).to.deep.equal([])
        }
      })
    }
  }

  for (const id of ['trust', 'microcredential'] as const) {
    it(`${id} fail: a warning under default, an error under employer`, () => {
      const lenient = applyPolicy(checks({ [id]: 'fail' }), 'default', 'credential')
      expect(lenient.verified).to.equal(true)
      expect(lenient.warnings.map((w) => w.code)).to.deep.equal([`${id.toUpperCase()}_FAIL`])
      const strict = applyPolicy(checks({ [id]: 'fail' }), 'employer', 'credential')
      expect(strict.verified).to.equal(false)
      expect(strict.errors.map((e) => e.code)).to.deep.equal([`${id.toUpperCase()}_FAIL`])
    })
  }

  it('holder: required for presentations; a missing required check fails closed', () => {
    expect(applyPolicy(checks({ holder: 'fail' }, true), 'default', 'presentation').verified).to.equal(false)
    const missing = applyPolicy(checks(), 'default', 'presentation')
    expect(missing.verified).to.equal(false)
    expect(missing.errors.map((e) => e.code)).to.deep.equal(['CHECK_NOT_RUN'])
  })

  it("a passing check's problems (documented deviations) are warnings", () => {
    const list = checks()
    list[2] = makeCheck('schema', 'pass', 'SCHEMA_OK', 'ok', [
      {
        type: 'https://microcred.eu/problems#SCHEMA_STATUS_DEVIATION',
        title: 't',
        code: 'SCHEMA_STATUS_DEVIATION',
      },
    ])
    const result = applyPolicy(list, 'employer', 'credential')
    expect(result.verified).to.equal(true)
    expect(result.warnings.map((w) => w.code)).to.deep.equal(['SCHEMA_STATUS_DEVIATION'])
  })

  it('an unknown policy is a programmer error', () => {
    expect(() => applyPolicy(checks(), 'lenient' as never, 'credential')).to.throw(TypeError)
  })
})
