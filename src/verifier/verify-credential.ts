/**
 * Verifying one credential: detect its form, run every check, apply the policy, summarise.
 *
 * Never throws for a bad credential: whatever the input, the answer is a {@link VerificationResult}. Only
 * programmer errors throw (`TypeError`): missing dependencies, an unknown policy, bad limits.
 */
import { checkContext } from './checks/context.js'
import { checkFormat } from './checks/format.js'
import { checkIssuer } from './checks/issuer.js'
import { checkMicrocredential } from './checks/microcredential.js'
import { checkProof } from './checks/proof.js'
import { checkSchema } from './checks/schema.js'
import { checkCredentialStatus } from './checks/status.js'
import { checkTrust, type TrustOutcome } from './checks/trust.js'
import { checkValidity } from './checks/validity.js'
import { parseVerifiable } from './parse-input.js'
import { applyPolicy, isPolicyName } from './policies.js'
import { crashedCheck, isRecord, makeCheck, problem, PROBLEM_TYPES, runGuarded } from './problem-details.js'
import { summarizeCredential } from './summary.js'
import type {
  Check,
  ParsedCredential,
  PolicyName,
  SecuringMechanism,
  VerificationResult,
  VerifierDeps,
  VerifyOptions,
} from './types.js'

/** Checks the dependencies once, so that a wiring mistake is a `TypeError`, not a failed check. */
export function assertVerifierDeps(deps: unknown): asserts deps is VerifierDeps {
  if (!isRecord(deps)) throw new TypeError('verifier: "deps" must be an object')
  if (typeof deps.documentLoader !== 'function')
    throw new TypeError('verifier: "documentLoader" must be a function')
  const { didResolver, trustedIssuers } = deps
  if (
    !isRecord(didResolver) ||
    typeof didResolver.resolve !== 'function' ||
    typeof didResolver.resolveVerificationMethod !== 'function'
  ) {
    throw new TypeError('verifier: "didResolver" must be a DidResolver')
  }
  if (typeof deps.resolveStatusList !== 'function')
    throw new TypeError('verifier: "resolveStatusList" must be a function')
  if (!isRecord(trustedIssuers) || typeof trustedIssuers.lookup !== 'function') {
    throw new TypeError('verifier: "trustedIssuers" must be a TrustedIssuerRegistry')
  }
  if (typeof deps.clock !== 'function') throw new TypeError('verifier: "clock" must be a function')
  const skew = deps.maxClockSkew
  if (skew !== undefined && !(typeof skew === 'number' && Number.isFinite(skew) && skew >= 0)) {
    throw new TypeError('verifier: "maxClockSkew" must be a non-negative number of seconds')
  }
}

/** The policy of `options` (default `default`); an unknown name is a programmer error. */
export function policyOf(options: VerifyOptions | undefined): PolicyName {
  const policy = options?.policy ?? 'default'
  if (!isPolicyName(policy)) throw new TypeError(`Unknown verification policy: ${String(policy)}`)
  return policy
}

/**
 * The result for an input that never got past form detection: its one `format` check, failed. No other
 * check ran, so the report holds only that one.
 */
export function formatFailureResult(
  check: Check,
  policy: PolicyName,
  kind: 'credential' | 'presentation',
  mechanism?: SecuringMechanism,
): VerificationResult {
  const checks = [check]
  const { verified, errors, warnings } = applyPolicy(checks, policy, kind)
  const result: VerificationResult = { verified, policy, kind, checks, errors, warnings }
  if (mechanism !== undefined) result.mechanism = mechanism
  return result
}

/** The result for a presentation given where a credential is expected, or the other way round. */
export function wrongKindResult(
  expected: 'credential' | 'presentation',
  policy: PolicyName,
  mechanism: SecuringMechanism,
): VerificationResult {
  const other = expected === 'credential' ? 'presentation' : 'credential'
  const code = expected === 'credential' ? 'FORMAT_NOT_A_CREDENTIAL' : 'FORMAT_NOT_A_PRESENTATION'
  const message = `The input is a ${other}, not a ${expected}: verify it as a ${other}`
  const check = makeCheck('format', 'fail', code, message, [
    problem(PROBLEM_TYPES.MALFORMED_VALUE_ERROR, code, message, undefined, ''),
  ])
  return formatFailureResult(check, policy, expected, mechanism)
}

/**
 * Verifies a credential that {@link parseVerifiable} already read (a top-level credential, or one embedded
 * in a presentation). Runs every check independently, in parallel; a check that throws becomes
 * `indeterminate`. The summary is read only when the proof and the issuer check passed.
 */
export async function verifyParsedCredential(
  parsed: ParsedCredential,
  deps: VerifierDeps,
  options: VerifyOptions = {},
): Promise<VerificationResult> {
  assertVerifierDeps(deps)
  const policy = policyOf(options)
  const now = deps.clock()
  let trusted: TrustOutcome | undefined
  const checks: Check[] = await Promise.all([
    runGuarded('format', () => checkFormat(parsed)),
    runGuarded('context', () => checkContext(parsed, deps.documentLoader)),
    runGuarded('schema', () => checkSchema(parsed, deps.documentLoader)),
    runGuarded('proof', () => checkProof(parsed, deps)),
    runGuarded('issuer', () => checkIssuer(parsed, deps)),
    runGuarded('validity', () => checkValidity(parsed, now, deps.maxClockSkew)),
    runGuarded('status', () => checkCredentialStatus(parsed, deps)),
    runGuarded('trust', async () => {
      trusted = await checkTrust(parsed, deps.trustedIssuers)
      return trusted.check
    }),
    runGuarded('microcredential', () => checkMicrocredential(parsed)),
  ])
  // A check implementation must answer for its own id; anything else is treated as a crash of that check.
  const ids = [
    'format',
    'context',
    'schema',
    'proof',
    'issuer',
    'validity',
    'status',
    'trust',
    'microcredential',
  ] as const
  ids.forEach((id, i) => {
    if (checks[i]?.id !== id) checks[i] = crashedCheck(id)
  })
  const { verified, errors, warnings } = applyPolicy(checks, policy, 'credential')
  const result: VerificationResult = {
    verified,
    policy,
    kind: 'credential',
    mechanism: parsed.mechanism,
    checks,
    errors,
    warnings,
  }
  const passed = (id: string) => checks.some((c) => c.id === id && c.status === 'pass')
  if (passed('proof') && passed('issuer')) {
    const issuer = passed('trust') ? trusted?.issuer : undefined
    result.summary = summarizeCredential(parsed.credential, issuer)
  }
  return result
}

/**
 * Verifies a credential: a Data Integrity credential (VC 1.1 or 2.0, a JSON object or its text), a VC-JOSE
 * compact JWS (`vc+jwt`), or an `EnvelopedVerifiableCredential`.
 *
 * The checks, in report order: `format`, `context`, `schema`, `proof`, `issuer`, `validity`, `status`,
 * `trust`, `microcredential`, each `pass`, `fail`, `indeterminate` or `skipped` with a stable code. Input
 * that cannot be read (not JSON, over the size or depth limit, no credential) gives one failed `format`
 * check. A presentation is refused here (`FORMAT_NOT_A_CREDENTIAL`): use `verifyPresentation`.
 *
 * Never throws for bad input; throws `TypeError` for missing dependencies or an unknown policy.
 *
 * @example
 * ```ts
 * const result = await verifyCredential(jws, createVerifierDeps(ctx), { policy: 'employer' })
 * if (!result.verified) for (const e of result.errors) console.log(e.code, e.detail)
 * ```
 */
export async function verifyCredential(
  input: unknown,
  deps: VerifierDeps,
  options: VerifyOptions = {},
): Promise<VerificationResult> {
  assertVerifierDeps(deps)
  const policy = policyOf(options)
  const parsed = parseVerifiable(input, options.limits)
  if (parsed.kind === 'unparseable') return formatFailureResult(parsed.check, policy, 'credential')
  if (parsed.kind === 'presentation') return wrongKindResult('credential', policy, parsed.mechanism)
  return verifyParsedCredential(parsed, deps, options)
}
