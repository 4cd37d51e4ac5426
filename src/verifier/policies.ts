/**
 * Verification policies: which checks must pass for `verified: true`. A required check passes when its
 * status is `pass` or `skipped` (it does not apply); `fail` and `indeterminate` never pass.
 *
 * - `default`: format, context, schema, proof, issuer, validity, status, and for presentations holder. Trust
 *   and Annex I completeness are reported as warnings.
 * - `employer`: everything `default` requires, plus trust (a registered issuer), microcredential (Annex I
 *   complete, for ELM credentials) and, for presentations, holder binding.
 */
import { makeCheck, ownProblemType, problem } from './problem-details.js'
import type { Check, CheckId, PolicyName, ProblemDetails } from './types.js'

/** The checks each policy requires. `holder` applies to presentations only. */
export const REQUIRED_CHECKS: Record<PolicyName, readonly CheckId[]> = Object.freeze({
  default: Object.freeze([
    'format',
    'context',
    'schema',
    'proof',
    'issuer',
    'validity',
    'status',
    'holder',
  ] as const),
  employer: Object.freeze([
    'format',
    'context',
    'schema',
    'proof',
    'issuer',
    'validity',
    'status',
    'trust',
    'microcredential',
    'holder',
  ] as const),
})

/** The policy names, for argument checking. */
export const POLICY_NAMES: readonly PolicyName[] = Object.freeze(['default', 'employer'])

/** True for a known policy name. */
export function isPolicyName(value: unknown): value is PolicyName {
  return typeof value === 'string' && (POLICY_NAMES as readonly string[]).includes(value)
}

/** The checks `policy` requires of a credential or a presentation. */
export function requiredChecks(policy: PolicyName, kind: 'credential' | 'presentation'): CheckId[] {
  return REQUIRED_CHECKS[policy].filter((id) => kind === 'presentation' || id !== 'holder')
}

function problemsOf(check: Check): ProblemDetails[] {
  if (check.problems !== undefined && check.problems.length > 0) return check.problems
  return [problem(ownProblemType(check.code), check.code, check.message)]
}

/**
 * Applies `policy` to the checks of one credential or presentation.
 *
 * - `verified`: every required check is present and `pass` or `skipped`;
 * - `errors`: the problems of required checks that are `fail` or `indeterminate`. A required check missing
 *   from `checks` fails closed: `verified` is false, and when nothing else failed each missing one is an
 *   error `CHECK_NOT_RUN`;
 * - `warnings`: the problems of other checks that are `fail` or `indeterminate`, and the problems a passing
 *   or skipped check reports (documented deviations such as `SCHEMA_STATUS_DEVIATION`).
 *
 * @example
 * ```ts
 * const { verified, errors, warnings } = applyPolicy(checks, 'employer', 'credential')
 * ```
 */
export function applyPolicy(
  checks: Check[],
  policy: PolicyName,
  kind: 'credential' | 'presentation',
): { verified: boolean; errors: ProblemDetails[]; warnings: ProblemDetails[] } {
  if (!isPolicyName(policy)) throw new TypeError(`Unknown verification policy: ${String(policy)}`)
  const required = new Set(requiredChecks(policy, kind))
  const errors: ProblemDetails[] = []
  const warnings: ProblemDetails[] = []
  let verified = true
  for (const check of checks) {
    const bad = check.status === 'fail' || check.status === 'indeterminate'
    if (bad && required.has(check.id)) {
      verified = false
      errors.push(...problemsOf(check))
    } else if (bad) {
      warnings.push(...problemsOf(check))
    } else if (check.problems !== undefined) {
      warnings.push(...check.problems)
    }
  }
  // Fail closed on a required check nobody ran. Reported only when nothing else failed: an input that could
  // not be parsed has only its `format` check, and its error says enough.
  const missing = [...required].filter((id) => !checks.some((c) => c.id === id))
  if (verified && missing.length > 0) {
    verified = false
    for (const id of missing) {
      errors.push(
        ...problemsOf(
          makeCheck(id, 'indeterminate', 'CHECK_NOT_RUN', `The required ${id} check did not run`),
        ),
      )
    }
  }
  return { verified, errors, warnings }
}
