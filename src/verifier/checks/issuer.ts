/**
 * The `issuer` check: the credential names its issuer by a DID of a method microcred resolves (did:key,
 * did:web, did:jwk), and that DID resolves to a DID document. Whether the issuer is TRUSTED is the `trust`
 * check; whether it SIGNED the credential is the `proof` check.
 */
import { isMicrocredError } from '../../errors.js'
import { issuerIdOf, makeCheck, ownProblemType, problem, PROBLEM_TYPES } from '../problem-details.js'
import type { Check, CheckStatus, ParsedCredential, VerifierDeps } from '../types.js'

/** The DID methods an issuer may use. */
export const ISSUER_DID_METHODS = ['key', 'web', 'jwk'] as const

/**
 * Codes of the `issuer` check:
 * - `ISSUER_RESOLVED` (pass): the issuer's DID document was resolved;
 * - `ISSUER_MISSING` (fail): no issuer id;
 * - `ISSUER_NOT_DID` (fail): the issuer id is not a DID;
 * - `ISSUER_DID_METHOD_UNSUPPORTED` (fail): a DID method other than did:key, did:web, did:jwk (or did:web
 *   when this verifier has no did:web lookup);
 * - `ISSUER_DID_INVALID` (fail): a malformed DID, a document that is not the DID's, or a key type we do not
 *   support inside a did:key / did:jwk;
 * - `ISSUER_NOT_FOUND` (fail): the DID has no DID document (e.g. did:web answering 404);
 * - `ISSUER_UNREACHABLE` (indeterminate): the DID document could not be retrieved (network, timeout,
 *   refused host), or resolution failed for a reason that says nothing about the DID.
 */
export type IssuerCode =
  | 'ISSUER_RESOLVED'
  | 'ISSUER_MISSING'
  | 'ISSUER_NOT_DID'
  | 'ISSUER_DID_METHOD_UNSUPPORTED'
  | 'ISSUER_DID_INVALID'
  | 'ISSUER_NOT_FOUND'
  | 'ISSUER_UNREACHABLE'

const TITLES: Record<Exclude<IssuerCode, 'ISSUER_RESOLVED'>, string> = {
  ISSUER_MISSING: 'The credential names no issuer',
  ISSUER_NOT_DID: 'The issuer is not a DID',
  ISSUER_DID_METHOD_UNSUPPORTED: 'The issuer DID method is not supported',
  ISSUER_DID_INVALID: 'The issuer DID is invalid',
  ISSUER_NOT_FOUND: 'The issuer DID has no DID document',
  ISSUER_UNREACHABLE: 'The issuer DID document could not be retrieved',
}

function failed(
  parsed: ParsedCredential,
  code: Exclude<IssuerCode, 'ISSUER_RESOLVED'>,
  message: string,
  detail?: string,
): Check {
  const status: CheckStatus = code === 'ISSUER_UNREACHABLE' ? 'indeterminate' : 'fail'
  const type =
    code === 'ISSUER_MISSING' || code === 'ISSUER_NOT_DID'
      ? PROBLEM_TYPES.MALFORMED_VALUE_ERROR
      : ownProblemType(code)
  return makeCheck('issuer', status, code, message, [
    problem(type, code, TITLES[code], detail, `${parsed.pointer}/issuer`),
  ])
}

/** Checks the issuer DID of `parsed` and resolves it through `deps.didResolver`. Never throws for bad input. */
export async function checkIssuer(
  parsed: ParsedCredential,
  deps: Pick<VerifierDeps, 'didResolver'>,
): Promise<Check> {
  const did = issuerIdOf(parsed.credential)
  if (did === undefined || did === '')
    return failed(parsed, 'ISSUER_MISSING', 'The credential names no issuer id')
  if (!did.startsWith('did:')) return failed(parsed, 'ISSUER_NOT_DID', 'The issuer id is not a DID')
  // A DID, not a DID URL: a path, query or fragment names something else than the issuer.
  if (/[/?#]/.test(did))
    return failed(parsed, 'ISSUER_DID_INVALID', 'The issuer id is a DID URL, not a DID', did)
  const method = did.split(':')[1] ?? ''
  if (!(ISSUER_DID_METHODS as readonly string[]).includes(method)) {
    return failed(
      parsed,
      'ISSUER_DID_METHOD_UNSUPPORTED',
      `The issuer DID method did:${method} is not supported`,
    )
  }
  try {
    await deps.didResolver.resolve(did)
  } catch (err) {
    const detail = isMicrocredError(err) ? err.message : undefined
    switch (isMicrocredError(err) ? err.code : undefined) {
      case 'ERR_DID_UNSUPPORTED':
        return failed(
          parsed,
          'ISSUER_DID_METHOD_UNSUPPORTED',
          `This verifier does not resolve did:${method}`,
          detail,
        )
      case 'ERR_DID_INVALID':
      case 'ERR_KEY_UNSUPPORTED':
        return failed(parsed, 'ISSUER_DID_INVALID', 'The issuer DID is invalid', detail)
      case 'ERR_NOT_FOUND':
        return failed(parsed, 'ISSUER_NOT_FOUND', 'The issuer DID has no DID document', detail)
      case 'ERR_DID_RESOLUTION':
        return failed(parsed, 'ISSUER_UNREACHABLE', 'The issuer DID document could not be retrieved', detail)
      default:
        // An unexpected failure says nothing about the issuer: it could not be checked.
        return failed(parsed, 'ISSUER_UNREACHABLE', 'The issuer DID could not be resolved')
    }
  }
  return makeCheck('issuer', 'pass', 'ISSUER_RESOLVED', `The issuer ${did} was resolved`)
}
