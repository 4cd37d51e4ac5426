/**
 * The `format` check of a credential: the data model rules of VC Data Model 2.0 / 1.1 (the same rules the
 * issuer enforces, {@link checkCredentialForIssue}), adapted for verification, plus the VC-JOSE rules on the
 * header and the envelope.
 *
 * Adapted for verification: an issued credential must name its `issuer` (the issuer fills it in at issue
 * time, so its absence is a problem here), and a VC-JOSE payload's `proof` member is not refused (the JWS is
 * what secures it; an embedded proof is simply not used).
 */
import { CREDENTIALS_V2 } from '../../document-loader/index.js'
import type { FieldProblem } from '../../errors.js'
import { checkCredentialForIssue } from '../../issuer/check-credential.js'
import { joseTypOf } from '../parse-input.js'
import { fieldProblemsToProblems, isRecord, makeCheck, PROBLEM_TYPES, typesOf } from '../problem-details.js'
import type { Check, ParsedCredential } from '../types.js'

/**
 * Codes: `FORMAT_OK` (pass); `FORMAT_INVALID` (fail: a data-model rule is broken; each problem has a JSON
 * pointer and the rule in `detail`).
 */
export type FormatCode = 'FORMAT_OK' | 'FORMAT_INVALID'

/** JWT claims of the pre-2.0 "JWT VC" encoding (VC 1.1 §6.3.1): VC-JOSE payloads are the credential itself. */
const LEGACY_CLAIMS = ['vc', 'vp'] as const

/**
 * What a VC-JOSE payload of either kind must carry in its header and may not carry in its claims: a real
 * `alg`, the right `typ`, and none of the VC 1.1 JWT claims (the payload is the document itself).
 */
export function joseHeaderAndClaimProblems(
  header: Record<string, unknown>,
  payload: Record<string, unknown>,
  kind: 'credential' | 'presentation',
): FieldProblem[] {
  const problems: FieldProblem[] = []
  const typ = kind === 'credential' ? 'vc+jwt' : 'vp+jwt'
  if (typeof header.alg !== 'string' || header.alg === '' || header.alg.toLowerCase() === 'none') {
    problems.push({
      field: '/jws/header/alg',
      rule: 'required',
      message: 'the JWS header needs a signature alg',
    })
  }
  if (joseTypOf(header) !== typ) {
    problems.push({
      field: '/jws/header/typ',
      rule: 'typ',
      message: `a VC-JOSE ${kind} must have the JWS header typ ${typ}`,
    })
  }
  for (const claim of LEGACY_CLAIMS) {
    if (claim in payload) {
      problems.push({
        field: `/${claim}`,
        rule: 'legacy',
        message: `the "${claim}" claim of the VC 1.1 JWT encoding is not allowed: the payload is the ${kind} itself`,
      })
    }
  }
  return problems
}

function joseProblems(parsed: ParsedCredential): FieldProblem[] {
  const problems = joseHeaderAndClaimProblems(parsed.header ?? {}, parsed.credential, 'credential')
  const envelope = parsed.envelope
  if (envelope !== undefined) {
    const context = envelope['@context']
    const first = Array.isArray(context) ? (context as unknown[])[0] : context
    if (first !== CREDENTIALS_V2) {
      problems.push({
        field: '/envelope/@context',
        rule: 'context',
        message: `an EnvelopedVerifiableCredential must have ${CREDENTIALS_V2} as its (first) @context`,
      })
    }
    if (!typesOf(envelope.type).includes('EnvelopedVerifiableCredential')) {
      problems.push({
        field: '/envelope/type',
        rule: 'contains',
        message: 'type must include EnvelopedVerifiableCredential',
      })
    }
  }
  return problems
}

/**
 * Checks a parsed credential against the data model (both versions) and, for VC-JOSE, against the rules
 * of VC-JOSE-COSE §3.1.1 (`typ: vc+jwt`, a real `alg`, no legacy `vc`/`vp` claims, a VC 2.0 payload).
 * Pure and synchronous. Problem `instance`s are JSON pointers into the credential document, prefixed by
 * where it sat in the input; header and envelope problems are under `/jws/header` and `/envelope`.
 */
export function checkFormat(parsed: ParsedCredential): Check {
  const credential = parsed.credential
  const jose = parsed.mechanism === 'vc-jose'
  const problems: FieldProblem[] = checkCredentialForIssue(credential, {
    proof: jose ? 'jose' : 'di',
  }).filter(
    // VC-JOSE payloads with an embedded proof are odd but not insecure: the JWS is what is verified.
    (p) => p.rule !== 'proof',
  )
  if (isRecord(credential) && !('issuer' in credential)) {
    problems.push({ field: '/issuer', rule: 'required', message: 'issuer is required' })
  }
  if (jose) problems.push(...joseProblems(parsed))
  if (problems.length === 0) {
    return makeCheck('format', 'pass', 'FORMAT_OK', `A well-formed VC ${parsed.version ?? ''} credential`)
  }
  return makeCheck(
    'format',
    'fail',
    'FORMAT_INVALID',
    `The credential breaks ${problems.length} data model rule${problems.length === 1 ? '' : 's'}`,
    fieldProblemsToProblems(problems, {
      type: PROBLEM_TYPES.MALFORMED_VALUE_ERROR,
      code: 'FORMAT_INVALID',
      title: 'The credential is malformed',
      base: parsed.pointer,
    }),
  )
}
