import { expect } from 'chai'
import { messagesFor } from '../../../src/pages/i18n.js'
import { issuerUnknown, reasonsOf, verdictOf } from '../../../src/pages/verdict.js'
import type { Check, CheckId, CheckStatus, VerificationResult } from '../../../src/verifier/index.js'

function result(statuses: Partial<Record<CheckId, [CheckStatus, string]>>): VerificationResult {
  const checks: Check[] = Object.entries(statuses).map(([id, [status, code]]) => ({
    id: id as CheckId,
    status,
    code,
    message: code,
  }))
  const required = ['format', 'context', 'schema', 'proof', 'issuer', 'validity', 'status']
  const verified = checks.every(
    (c) => !required.includes(c.id) || c.status === 'pass' || c.status === 'skipped',
  )
  return { verified, policy: 'default', kind: 'credential', checks, errors: [], warnings: [] }
}

describe('pages: the verdict', () => {
  const en = messagesFor('en')

  it('verified, not verified, or indeterminate when nothing failed but something could not run', () => {
    expect(
      verdictOf(result({ proof: ['pass', 'PROOF_OK'], trust: ['fail', 'TRUST_UNKNOWN_ISSUER'] })),
    ).to.equal('verified')
    expect(verdictOf(result({ proof: ['fail', 'PROOF_INVALID'], status: ['indeterminate', 'X'] }))).to.equal(
      'not-verified',
    )
    expect(verdictOf(result({ proof: ['pass', 'PROOF_OK'], status: ['indeterminate', 'X'] }))).to.equal(
      'indeterminate',
    )
  })

  it('gives the reasons in plain words, failures first, each once', () => {
    const r = result({
      status: ['indeterminate', 'STATUS_LIST_UNREACHABLE'],
      validity: ['fail', 'VALIDITY_EXPIRED'],
      proof: ['fail', 'PROOF_INVALID'],
    })
    expect(reasonsOf(r, en)).to.deep.equal([en.reasonExpired, en.reasonProof, en.reasonStatus])
    expect(reasonsOf(result({ status: ['fail', 'STATUS_REVOKED'] }), messagesFor('de'))).to.deep.equal([
      'Der Aussteller hat diesen Nachweis widerrufen.',
    ])
    expect(issuerUnknown(result({ trust: ['fail', 'TRUST_UNKNOWN_ISSUER'] }))).to.equal(true)
    expect(issuerUnknown(result({ trust: ['pass', 'TRUST_OK'] }))).to.equal(false)
  })
})
