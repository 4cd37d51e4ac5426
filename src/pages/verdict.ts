/**
 * The verdict a page shows for a verification result, and the reasons in plain words. `indeterminate` is
 * kept apart from `not-verified`: a status list that could not be reached is no evidence against the
 * credential, and the reader must not take it as such.
 */
import { requiredChecks, type Check, type CheckId, type VerificationResult } from '../verifier/index.js'
import type { Messages } from './i18n.js'

export type Verdict = 'verified' | 'not-verified' | 'indeterminate'

/** The required checks that kept the result from being verified. */
function blockingChecks(result: VerificationResult): Check[] {
  const required = new Set(requiredChecks(result.policy, result.kind))
  return result.checks.filter(
    (c) => required.has(c.id) && (c.status === 'fail' || c.status === 'indeterminate'),
  )
}

/** `indeterminate` when nothing failed but a required check could not run. */
export function verdictOf(result: VerificationResult): Verdict {
  if (result.verified) return 'verified'
  const blocking = blockingChecks(result)
  return blocking.length > 0 && blocking.every((c) => c.status === 'indeterminate')
    ? 'indeterminate'
    : 'not-verified'
}

const CHECK_REASONS: Readonly<Record<CheckId, keyof Messages>> = {
  format: 'reasonFormat',
  context: 'reasonContext',
  schema: 'reasonSchema',
  proof: 'reasonProof',
  issuer: 'reasonIssuer',
  validity: 'reasonValidity',
  status: 'reasonStatus',
  trust: 'reasonTrust',
  microcredential: 'reasonMicrocredential',
  holder: 'reasonHolder',
}

const CODE_REASONS: Readonly<Record<string, keyof Messages>> = {
  VALIDITY_EXPIRED: 'reasonExpired',
  VALIDITY_NOT_YET_VALID: 'reasonNotYetValid',
  STATUS_REVOKED: 'reasonRevoked',
  STATUS_SUSPENDED: 'reasonSuspended',
}

/** Why a result is not verified, one plain sentence per failed check (the failures first). */
export function reasonsOf(result: VerificationResult, messages: Messages): string[] {
  const blocking = blockingChecks(result).sort(
    (a, b) => Number(a.status === 'indeterminate') - Number(b.status === 'indeterminate'),
  )
  const reasons = blocking.map((check) => {
    const key = CODE_REASONS[check.code] ?? CHECK_REASONS[check.id]
    return messages[key] as string
  })
  return [...new Set(reasons)]
}

/** True when the issuer is not in the trusted-issuer registry (whatever the policy made of it). */
export function issuerUnknown(result: VerificationResult): boolean {
  return result.checks.some((c) => c.id === 'trust' && c.code === 'TRUST_UNKNOWN_ISSUER')
}

/** The label of a check, by id. */
export function checkLabel(id: CheckId, messages: Messages): string {
  const labels: Record<CheckId, string> = {
    format: messages.checkFormat,
    context: messages.checkContext,
    schema: messages.checkSchema,
    proof: messages.checkProof,
    issuer: messages.checkIssuer,
    validity: messages.checkValidity,
    status: messages.checkStatus,
    trust: messages.checkTrust,
    microcredential: messages.checkMicrocredential,
    holder: messages.checkHolder,
  }
  return labels[id]
}

/** The label of a check status. */
export function statusLabel(status: Check['status'], messages: Messages): string {
  return {
    pass: messages.statusPass,
    fail: messages.statusFail,
    indeterminate: messages.statusIndeterminate,
    skipped: messages.statusSkipped,
  }[status]
}
