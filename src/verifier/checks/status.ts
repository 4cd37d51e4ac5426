/**
 * The `status` check: {@link checkStatus} (W3C Bitstring Status List v1.0, failing closed) as a check of the
 * report, with the same status and code. Each entry that did not pass becomes a problem located at its
 * `credentialStatus` entry.
 */
import { checkStatus, type StatusCode } from '../../status/check-status.js'
import { makeCheck, ownProblemType, problem, PROBLEM_TYPES } from '../problem-details.js'
import type { Check, ParsedCredential, ProblemDetails, VerifierDeps } from '../types.js'

/** The problem type of a status code: Bitstring Status List §3.5's where it defines one. */
function typeOf(code: StatusCode): string {
  switch (code) {
    case 'STATUS_LIST_UNREACHABLE':
      return PROBLEM_TYPES.STATUS_RETRIEVAL_ERROR
    case 'STATUS_LIST_PROOF_INVALID':
    case 'STATUS_LIST_ISSUER_MISMATCH':
      return PROBLEM_TYPES.STATUS_VERIFICATION_ERROR
    case 'STATUS_INDEX_OUT_OF_RANGE':
      return PROBLEM_TYPES.STATUS_RANGE_ERROR
    case 'STATUS_ENTRY_MALFORMED':
      return PROBLEM_TYPES.MALFORMED_VALUE_ERROR
    default:
      return ownProblemType(code)
  }
}

/** Checks the status entries of a parsed credential against their (verified) status lists. */
export async function checkCredentialStatus(parsed: ParsedCredential, deps: VerifierDeps): Promise<Check> {
  const result = await checkStatus(parsed.credential, {
    resolveList: deps.resolveStatusList,
    didResolver: deps.didResolver,
    documentLoader: deps.documentLoader,
    now: deps.clock(),
    ...(deps.maxClockSkew !== undefined ? { maxClockSkew: deps.maxClockSkew } : {}),
  })
  const single = !Array.isArray(parsed.credential.credentialStatus)
  const problems: ProblemDetails[] = []
  result.entries.forEach((entry, i) => {
    if (entry.status === 'pass' || entry.status === 'skipped') return
    const instance = `${parsed.pointer}/credentialStatus${single ? '' : `/${i}`}`
    const detail = entry.purpose === undefined ? entry.message : `${entry.purpose}: ${entry.message}`
    problems.push(problem(typeOf(entry.code), entry.code, entry.message, detail, instance))
  })
  return makeCheck('status', result.status, result.code, result.message, problems)
}
