/**
 * Verifying a presentation: the presentation's own checks (data model, contexts, the holder's proof with the
 * relying party's challenge and domain, the holder), then every credential it carries, each verified in full
 * as if it had been received alone.
 *
 * Never throws for a bad presentation: whatever the input, the answer is a {@link VerificationResult}. Only
 * programmer errors throw (`TypeError`): missing dependencies, an unknown policy, bad limits.
 */
import { BUNDLED_CONTEXTS, CREDENTIALS_V1, CREDENTIALS_V2 } from '../document-loader/index.js'
import type { FieldProblem } from '../errors.js'
import { joseHeaderAndClaimProblems } from './checks/format.js'
import { checkHolder } from './checks/holder.js'
import { checkProof } from './checks/proof.js'
import { DEFAULT_MAX_CLOCK_SKEW } from './checks/validity.js'
import { parseVerifiable } from './parse-input.js'
import { applyPolicy, requiredChecks } from './policies.js'
import {
  crashedCheck,
  fieldProblemsToProblems,
  isRecord,
  makeCheck,
  ownProblemType,
  problem,
  PROBLEM_TYPES,
  runGuarded,
  typesOf,
} from './problem-details.js'
import type {
  Check,
  CheckId,
  ParsedPresentation,
  PolicyName,
  ProblemDetails,
  VerificationResult,
  VerifierDeps,
  VerifyOptions,
} from './types.js'
import { CHECK_IDS } from './types.js'
import {
  assertVerifierDeps,
  formatFailureResult,
  policyOf,
  verifyParsedCredential,
  wrongKindResult,
} from './verify-credential.js'

/**
 * Codes of the presentation's own checks, beyond those of the shared checks:
 * - `format`: `FORMAT_OK`; `FORMAT_INVALID` (a data-model rule of the presentation is broken);
 *   `FORMAT_NOT_A_PRESENTATION` (a credential was given where a presentation was expected);
 * - `context`: `CONTEXT_OK`; `CONTEXT_UNKNOWN` (a context that is not bundled); `CONTEXT_INVALID` (no base
 *   context first). Safe-mode JSON-LD expansion of a Data Integrity presentation happens in its proof;
 * - `proof`: the proof check's codes, except that replay protection has its own: `HOLDER_CHALLENGE_REQUIRED`
 *   (fail: the relying party gave no challenge or no domain, or the proof carries no challenge / `nonce`),
 *   `HOLDER_CHALLENGE_MISMATCH` (another challenge / `nonce`), `HOLDER_DOMAIN_MISMATCH` (another domain /
 *   `aud`);
 * - `validity`: `VALIDITY_OK`, `VALIDITY_EXPIRED`, `VALIDITY_NOT_YET_VALID`, `VALIDITY_DATE_UNREADABLE` for
 *   the JWT `nbf` / `exp` of a VC-JOSE presentation; `VALIDITY_NOT_APPLICABLE` (skipped) otherwise;
 * - `schema`, `issuer`, `status`, `trust`, `microcredential`: `<ID>_NOT_APPLICABLE` (skipped): they are
 *   properties of credentials, reported in each credential's own result;
 * - `holder`: see `checks/holder.ts`.
 *
 * A presented credential that is not verified adds an error `PRESENTATION_CREDENTIAL_FAILED` located at the
 * credential (e.g. `/verifiableCredential/0`), whose `detail` lists the failing check ids and codes.
 */
export type PresentationCode =
  | 'FORMAT_NOT_A_PRESENTATION'
  | 'HOLDER_CHALLENGE_REQUIRED'
  | 'HOLDER_CHALLENGE_MISMATCH'
  | 'HOLDER_DOMAIN_MISMATCH'
  | 'VALIDITY_NOT_APPLICABLE'
  | 'PRESENTATION_CREDENTIAL_FAILED'

/** The checks a presentation's own report always holds, in report order. */
const PRESENTATION_CHECK_IDS: readonly CheckId[] = CHECK_IDS

/** Checks that only credentials have: skipped for the presentation itself. */
const CREDENTIAL_ONLY: Partial<Record<CheckId, string>> = {
  schema: 'A presentation has no credentialSchema; each credential is checked against its own',
  issuer: 'A presentation has no issuer; each credential is checked for its own',
  status: 'A presentation has no status; each credential is checked for its own',
  trust: 'Trust concerns the issuers of the credentials, reported in each credential',
  microcredential: 'Annex I completeness concerns the credentials, reported in each credential',
}

function isUrl(value: unknown): value is string {
  if (typeof value !== 'string') return false
  try {
    new URL(value)
    return true
  } catch {
    return false
  }
}

function contextEntries(document: Record<string, unknown>): unknown[] | undefined {
  const context = document['@context']
  if (typeof context === 'string' || isRecord(context)) return [context]
  return Array.isArray(context) ? (context as unknown[]) : undefined
}

// --- format -------------------------------------------------------------------------------------------

function joseFormatProblems(parsed: ParsedPresentation): FieldProblem[] {
  const problems = joseHeaderAndClaimProblems(parsed.header ?? {}, parsed.presentation, 'presentation')
  if (parsed.version !== '2.0') {
    problems.push({
      field: '/@context/0',
      rule: 'context',
      message: `a VC-JOSE presentation must be VC 2.0 (${CREDENTIALS_V2} first)`,
    })
  }
  const envelope = parsed.envelope
  if (envelope !== undefined) {
    const first = contextEntries(envelope)?.[0]
    if (first !== CREDENTIALS_V2) {
      problems.push({
        field: '/envelope/@context',
        rule: 'context',
        message: `an EnvelopedVerifiablePresentation must have ${CREDENTIALS_V2} as its (first) @context`,
      })
    }
  }
  return problems
}

/**
 * The data model of a presentation (VC Data Model 2.0 §4.13 / 1.1 §4.10): base context first, the type
 * `VerifiablePresentation`, `id` and `holder` URLs when present, `verifiableCredential` one or more
 * credentials (objects, enveloped credentials or compact JWS); for VC-JOSE also the header and envelope
 * rules of VC-JOSE-COSE §3.2. Each credential's own data model is checked in its own result.
 */
export function checkPresentationFormat(parsed: ParsedPresentation): Check {
  const vp = parsed.presentation
  const problems: FieldProblem[] = []
  const contexts = contextEntries(vp)
  if (contexts === undefined || contexts.length === 0) {
    problems.push({ field: '/@context', rule: 'required', message: '@context is required' })
  } else if (contexts[0] !== CREDENTIALS_V2 && contexts[0] !== CREDENTIALS_V1) {
    problems.push({
      field: '/@context/0',
      rule: 'context',
      message: `the first @context must be ${CREDENTIALS_V2} or ${CREDENTIALS_V1}`,
    })
  } else {
    contexts.forEach((entry, i) => {
      if (typeof entry !== 'string' && !isRecord(entry)) {
        problems.push({
          field: `/@context/${i}`,
          rule: 'type',
          message: 'each @context item must be a URL or an object',
        })
      }
    })
  }
  const types = vp.type
  if (typesOf(types).length === 0 || (Array.isArray(types) && typesOf(types).length !== types.length)) {
    problems.push({ field: '/type', rule: 'type', message: 'type must be a string or an array of strings' })
  } else if (!typesOf(types).includes('VerifiablePresentation')) {
    problems.push({ field: '/type', rule: 'contains', message: 'type must include VerifiablePresentation' })
  }
  if ('id' in vp && !isUrl(vp.id))
    problems.push({ field: '/id', rule: 'format', message: 'id must be a URL' })
  if ('holder' in vp) {
    const holder = vp.holder
    const id = isRecord(holder) ? holder.id : holder
    if (!isUrl(id)) {
      problems.push({
        field: isRecord(holder) ? '/holder/id' : '/holder',
        rule: 'format',
        message: 'holder must be a URL, or an object whose id is a URL',
      })
    }
  }
  if ('verifiableCredential' in vp) {
    const raw = vp.verifiableCredential
    const entries: Array<[unknown, string]> = Array.isArray(raw)
      ? (raw as unknown[]).map((entry, i) => [entry, `/verifiableCredential/${i}`])
      : [[raw, '/verifiableCredential']]
    for (const [entry, field] of entries) {
      if (!isRecord(entry) && typeof entry !== 'string') {
        problems.push({
          field,
          rule: 'type',
          message: 'each verifiableCredential must be a credential, an enveloped credential or a compact JWS',
        })
      }
    }
  }
  if (parsed.mechanism === 'vc-jose') problems.push(...joseFormatProblems(parsed))

  if (problems.length === 0) {
    return makeCheck('format', 'pass', 'FORMAT_OK', `A well-formed VC ${parsed.version ?? ''} presentation`)
  }
  return makeCheck(
    'format',
    'fail',
    'FORMAT_INVALID',
    `The presentation breaks ${problems.length} data model rule${problems.length === 1 ? '' : 's'}`,
    fieldProblemsToProblems(problems, {
      type: PROBLEM_TYPES.MALFORMED_VALUE_ERROR,
      code: 'FORMAT_INVALID',
      title: 'The presentation is malformed',
      base: '',
    }),
  )
}

// --- context ------------------------------------------------------------------------------------------

/**
 * Every context the presentation names is bundled (contexts are never fetched); VC-JOSE names them by URL
 * only. The JSON-LD expansion in safe mode of a Data Integrity presentation is part of its proof.
 */
function checkPresentationContext(parsed: ParsedPresentation): Check {
  const entries = contextEntries(parsed.presentation) ?? []
  const unknown: FieldProblem[] = []
  const array = Array.isArray(parsed.presentation['@context'])
  entries.forEach((entry, i) => {
    const field = array ? `/@context/${i}` : '/@context'
    if (typeof entry === 'string') {
      if (!BUNDLED_CONTEXTS.has(entry)) {
        unknown.push({ field, rule: 'bundled', message: `the context ${entry} is not one microcred bundles` })
      }
    } else if (parsed.mechanism === 'vc-jose') {
      unknown.push({
        field,
        rule: 'bundled',
        message: 'a VC-JOSE presentation may only name bundled contexts by URL',
      })
    }
  })
  const fail = (code: 'CONTEXT_UNKNOWN' | 'CONTEXT_INVALID', message: string, problems: FieldProblem[]) =>
    makeCheck(
      'context',
      'fail',
      code,
      message,
      fieldProblemsToProblems(problems, {
        type: code === 'CONTEXT_UNKNOWN' ? ownProblemType(code) : PROBLEM_TYPES.PARSING_ERROR,
        code,
        title: message,
        base: '',
      }),
    )
  if (unknown.length > 0)
    return fail('CONTEXT_UNKNOWN', 'The presentation names a context that is not bundled', unknown)
  if (entries[0] !== CREDENTIALS_V2 && entries[0] !== CREDENTIALS_V1) {
    return fail('CONTEXT_INVALID', 'The presentation does not start with a VC base context', [
      {
        field: '/@context/0',
        rule: 'context',
        message: `the first @context must be ${CREDENTIALS_V2} or ${CREDENTIALS_V1}`,
      },
    ])
  }
  return makeCheck('context', 'pass', 'CONTEXT_OK', 'Every context of the presentation is bundled')
}

// --- proof --------------------------------------------------------------------------------------------

/** The proof check's codes for a presentation bound to another request, and the codes reported for them. */
const REPLAY_CODES: Partial<Record<string, PresentationCode>> = {
  PROOF_CHALLENGE_MISSING: 'HOLDER_CHALLENGE_REQUIRED',
  PROOF_CHALLENGE_MISMATCH: 'HOLDER_CHALLENGE_MISMATCH',
  PROOF_DOMAIN_MISMATCH: 'HOLDER_DOMAIN_MISMATCH',
}

/**
 * The holder's proof, bound to this relying party's request: without a challenge and a domain to compare
 * with, a presentation captured elsewhere could be replayed here, so both are required.
 */
async function checkPresentationProof(
  parsed: ParsedPresentation,
  deps: VerifierDeps,
  options: VerifyOptions,
): Promise<Check> {
  const { challenge, domain } = options
  if (!challenge || !domain) {
    const missing = [...(challenge ? [] : ['challenge']), ...(domain ? [] : ['domain'])]
    const code = 'HOLDER_CHALLENGE_REQUIRED'
    const message = `A presentation is verified only against the relying party's challenge and domain (missing: ${missing.join(', ')})`
    return makeCheck('proof', 'fail', code, message, [problem(ownProblemType(code), code, message)])
  }
  const check = await checkProof(parsed, deps, { challenge, domain, requireChallenge: true })
  const code = REPLAY_CODES[check.code]
  if (code === undefined) return check
  // Same outcome, named for what it protects against: a presentation made for another request.
  const problems = (check.problems ?? []).map((p) => ({ ...p, code }))
  return makeCheck('proof', check.status, code, check.message, problems)
}

// --- validity -----------------------------------------------------------------------------------------

/** RFC 7519 `nbf` / `exp` of a VC-JOSE presentation; a Data Integrity presentation has no validity period. */
function checkPresentationValidity(
  parsed: ParsedPresentation,
  now: Date,
  maxClockSkew = DEFAULT_MAX_CLOCK_SKEW,
): Check {
  const bounds = (['nbf', 'exp'] as const).filter((name) => name in parsed.presentation)
  if (parsed.mechanism !== 'vc-jose' || bounds.length === 0) {
    return makeCheck(
      'validity',
      'skipped',
      'VALIDITY_NOT_APPLICABLE',
      'The presentation has no validity period',
    )
  }
  const at = now.getTime()
  const skewMs = maxClockSkew * 1000
  for (const name of bounds) {
    const value = parsed.presentation[name]
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      const code = 'VALIDITY_DATE_UNREADABLE'
      return makeCheck('validity', 'indeterminate', code, `${name} is not a NumericDate`, [
        problem(
          PROBLEM_TYPES.MALFORMED_VALUE_ERROR,
          code,
          `${name} is not a NumericDate`,
          undefined,
          `/${name}`,
        ),
      ])
    }
    const ms = value * 1000
    if (name === 'exp' && at > ms + skewMs) {
      const code = 'VALIDITY_EXPIRED'
      return makeCheck('validity', 'fail', code, 'The presentation has expired', [
        problem(
          ownProblemType(code),
          code,
          'The presentation has expired',
          `exp ${new Date(ms).toISOString()}`,
          '/exp',
        ),
      ])
    }
    if (name === 'nbf' && at < ms - skewMs) {
      const code = 'VALIDITY_NOT_YET_VALID'
      return makeCheck('validity', 'fail', code, 'The presentation is not valid yet', [
        problem(
          ownProblemType(code),
          code,
          'The presentation is not valid yet',
          `nbf ${new Date(ms).toISOString()}`,
          '/nbf',
        ),
      ])
    }
  }
  return makeCheck('validity', 'pass', 'VALIDITY_OK', 'Within its validity period')
}

// --- credentials --------------------------------------------------------------------------------------

async function verifyEmbedded(
  parsed: ParsedPresentation,
  deps: VerifierDeps,
  policy: PolicyName,
  options: VerifyOptions,
): Promise<VerificationResult[]> {
  // The relying party's challenge and domain bind the presentation, not the credentials inside it.
  const credentialOptions: VerifyOptions = { policy, ...(options.limits ? { limits: options.limits } : {}) }
  return Promise.all(
    parsed.credentials.map(async (entry) => {
      if (entry.kind === 'unparseable') return formatFailureResult(entry.check, policy, 'credential')
      try {
        return await verifyParsedCredential(entry, deps, credentialOptions)
      } catch {
        // verifyParsedCredential guards every check; this only keeps an unforeseen failure from escaping.
        return formatFailureResult(crashedCheck('format'), policy, 'credential', entry.mechanism)
      }
    }),
  )
}

function credentialFailure(pointer: string, result: VerificationResult, policy: PolicyName): ProblemDetails {
  const code = 'PRESENTATION_CREDENTIAL_FAILED'
  const required = requiredChecks(policy, 'credential')
  const failing = result.checks
    .filter((c) => required.includes(c.id) && (c.status === 'fail' || c.status === 'indeterminate'))
    .map((c) => `${c.id}: ${c.code}`)
  // A required check that never ran leaves no failing check behind, only its error.
  const detail =
    failing.length > 0 ? failing.join('; ') : result.errors.map((e) => e.code ?? e.title).join('; ')
  return problem(ownProblemType(code), code, 'A presented credential is not verified', detail, pointer)
}

/**
 * Verifies a presentation that {@link parseVerifiable} already read. The presentation's own checks and its
 * credentials run in parallel; a check that throws becomes `indeterminate`.
 */
export async function verifyParsedPresentation(
  parsed: ParsedPresentation,
  deps: VerifierDeps,
  options: VerifyOptions = {},
): Promise<VerificationResult> {
  assertVerifierDeps(deps)
  const policy = policyOf(options)
  const now = deps.clock()
  const proofRun = runGuarded('proof', () => checkPresentationProof(parsed, deps, options))
  const [own, credentials] = await Promise.all([
    Promise.all([
      runGuarded('format', () => checkPresentationFormat(parsed)),
      runGuarded('context', () => checkPresentationContext(parsed)),
      proofRun,
      runGuarded('validity', () => checkPresentationValidity(parsed, now, deps.maxClockSkew)),
      proofRun.then((proof) => runGuarded('holder', () => checkHolder(parsed, deps, { policy, proof }))),
    ]),
    verifyEmbedded(parsed, deps, policy, options),
  ])
  const byId = new Map<CheckId, Check>()
  for (const check of own) byId.set(check.id, check)
  const checks = PRESENTATION_CHECK_IDS.map((id) => {
    const check = byId.get(id)
    if (check) return check
    const reason = CREDENTIAL_ONLY[id]
    return reason === undefined
      ? crashedCheck(id)
      : makeCheck(id, 'skipped', `${id.toUpperCase()}_NOT_APPLICABLE`, reason)
  })

  const outcome = applyPolicy(checks, policy, 'presentation')
  const errors = [...outcome.errors]
  parsed.credentials.forEach((entry, i) => {
    const result = credentials[i]
    if (result && !result.verified) errors.push(credentialFailure(entry.pointer, result, policy))
  })
  return {
    verified: outcome.verified && credentials.every((c) => c.verified),
    policy,
    kind: 'presentation',
    mechanism: parsed.mechanism,
    checks,
    errors,
    warnings: outcome.warnings,
    credentials,
  }
}

/**
 * Verifies a presentation: a Data Integrity presentation (VC 1.1 or 2.0, a JSON object or its text), a
 * VC-JOSE compact JWS (`vp+jwt`), or an `EnvelopedVerifiablePresentation`
 * (`data:application/vp+jwt,<JWS>`).
 *
 * The presentation's own report holds every check id: `format`, `context`, `proof` (made by a key of the
 * holder for the `authentication` purpose, with `options.challenge` / `options.domain`, both required:
 * Data Integrity `challenge` / `domain`, VC-JOSE `nonce` / `aud`), `validity` (VC-JOSE `nbf` / `exp`),
 * `holder` (the holder made the proof; under `employer`, also the subject of every credential); the others
 * are `skipped` for the presentation and reported per credential. Every credential is verified in full,
 * under the same policy, into `credentials`. The presentation is verified only when its own required checks
 * pass and every credential is verified; a failing credential also appears among the presentation's errors
 * as `PRESENTATION_CREDENTIAL_FAILED`.
 *
 * A credential where a presentation is expected fails `format` with `FORMAT_NOT_A_PRESENTATION`.
 *
 * Never throws for bad input; throws `TypeError` for missing dependencies or an unknown policy.
 *
 * @example
 * ```ts
 * const result = await verifyPresentation(body.verifiablePresentation, createVerifierDeps(ctx), {
 *   challenge: session.challenge,
 *   domain: 'employer.example',
 *   policy: 'employer',
 * })
 * if (!result.verified) for (const e of result.errors) console.log(e.code, e.instance)
 * ```
 */
export async function verifyPresentation(
  input: unknown,
  deps: VerifierDeps,
  options: VerifyOptions = {},
): Promise<VerificationResult> {
  assertVerifierDeps(deps)
  const policy = policyOf(options)
  const parsed = parseVerifiable(input, options.limits)
  if (parsed.kind === 'unparseable') return formatFailureResult(parsed.check, policy, 'presentation')
  if (parsed.kind === 'credential') return wrongKindResult('presentation', policy, parsed.mechanism)
  return verifyParsedPresentation(parsed, deps, options)
}
