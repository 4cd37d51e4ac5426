/**
 * Building blocks of the verification report: RFC 9457 problem details with the problem types of VC Data
 * Model 2.0 §7.1 and Bitstring Status List §3.5 where they exist, our own `https://microcred.eu/problems#…`
 * types otherwise, and the constructor of a {@link Check}.
 */
import { PROBLEM_BASE, type FieldProblem } from '../errors.js'
import type { Check, CheckId, CheckStatus, ProblemDetails } from './types.js'

const VCDM = 'https://www.w3.org/TR/vc-data-model#'
const STATUS_LIST = 'https://www.w3.org/ns/credentials/status-list#'

/** Problem types defined by the specifications. */
export const PROBLEM_TYPES = {
  PARSING_ERROR: `${VCDM}PARSING_ERROR`,
  CRYPTOGRAPHIC_SECURITY_ERROR: `${VCDM}CRYPTOGRAPHIC_SECURITY_ERROR`,
  MALFORMED_VALUE_ERROR: `${VCDM}MALFORMED_VALUE_ERROR`,
  RANGE_ERROR: `${VCDM}RANGE_ERROR`,
  STATUS_RETRIEVAL_ERROR: `${STATUS_LIST}STATUS_RETRIEVAL_ERROR`,
  STATUS_VERIFICATION_ERROR: `${STATUS_LIST}STATUS_VERIFICATION_ERROR`,
  STATUS_LIST_LENGTH_ERROR: `${STATUS_LIST}STATUS_LIST_LENGTH_ERROR`,
  STATUS_RANGE_ERROR: `${STATUS_LIST}RANGE_ERROR`,
} as const

/** Our own problem type for a stable code: `https://microcred.eu/problems#<CODE>`. */
export function ownProblemType(code: string): string {
  return `${PROBLEM_BASE}${code}`
}

/** One problem. `instance` is a JSON pointer into the input, when the problem is located. */
export function problem(
  type: string,
  code: string,
  title: string,
  detail?: string,
  instance?: string,
): ProblemDetails {
  const result: ProblemDetails = { type, title, code }
  if (detail !== undefined) result.detail = detail
  if (instance !== undefined) result.instance = instance
  return result
}

/**
 * The problems of a data-model check (`FieldProblem`s, whose `field` is a JSON pointer relative to the
 * document) as problem details located in the input: `base` is where the document sits (`''` at top level).
 */
export function fieldProblemsToProblems(
  problems: readonly FieldProblem[],
  options: { type: string; code: string; title: string; base: string; pointers?: boolean },
): ProblemDetails[] {
  return problems.map((p) =>
    problem(
      options.type,
      options.code,
      options.title,
      `${p.message} [${p.rule}]`,
      options.pointers === false ? undefined : `${options.base}${p.field}`,
    ),
  )
}

/** A check of the report. `problems` is left out when empty. */
export function makeCheck(
  id: CheckId,
  status: CheckStatus,
  code: string,
  message: string,
  problems?: readonly ProblemDetails[],
): Check {
  const check: Check = { id, status, code, message }
  if (problems !== undefined && problems.length > 0) check.problems = [...problems]
  return check
}

/**
 * A check whose own code failed unexpectedly: `indeterminate` (it could not run), never a pass, and never an
 * exception escaping the verifier. The error's text is not copied: it may carry internals.
 */
export function crashedCheck(id: CheckId): Check {
  const code = `${id.toUpperCase()}_ERROR`
  return makeCheck(id, 'indeterminate', code, `The ${id} check could not be completed`, [
    problem(ownProblemType(code), code, `The ${id} check could not be completed`),
  ])
}

/** Runs a check; anything it throws becomes {@link crashedCheck}. */
export async function runGuarded(id: CheckId, run: () => Check | Promise<Check>): Promise<Check> {
  try {
    return await run()
  } catch {
    return crashedCheck(id)
  }
}

/** True for a JSON object (not an array, not null). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** `type` as a list of strings (a lone string is a one-item list); anything else is empty. */
export function typesOf(value: unknown): string[] {
  if (typeof value === 'string') return [value]
  return Array.isArray(value) ? value.filter((t): t is string => typeof t === 'string') : []
}

/** The issuer's id: `issuer` itself when a string, else `issuer.id`. */
export function issuerIdOf(credential: Record<string, unknown>): string | undefined {
  const issuer = credential.issuer
  if (typeof issuer === 'string') return issuer
  return isRecord(issuer) && typeof issuer.id === 'string' ? issuer.id : undefined
}
