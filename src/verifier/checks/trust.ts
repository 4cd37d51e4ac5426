/**
 * The `trust` check: is the credential's issuer one the relying party trusts, according to the
 * trusted-issuer registry (this instance's own issuers, and the configured registry file). The registry, not
 * the credential, supplies the name shown for the issuer.
 */
import { issuerIdOf, makeCheck, ownProblemType, problem } from '../problem-details.js'
import type { Check, ParsedCredential, TrustedIssuer, TrustedIssuerRegistry } from '../types.js'

/**
 * Codes: `TRUST_OK` (pass); `TRUST_UNKNOWN_ISSUER` (fail: not in the registry, or no issuer id);
 * `TRUST_REGISTRY_UNAVAILABLE` (indeterminate: the registry could not be read).
 */
export type TrustCode = 'TRUST_OK' | 'TRUST_UNKNOWN_ISSUER' | 'TRUST_REGISTRY_UNAVAILABLE'

/** The outcome: the check, and the registry entry when the issuer is trusted (for the summary). */
export interface TrustOutcome {
  check: Check
  issuer?: TrustedIssuer
}

/** Looks the credential's issuer up in `registry`. */
export async function checkTrust(
  parsed: ParsedCredential,
  registry: TrustedIssuerRegistry,
): Promise<TrustOutcome> {
  const did = issuerIdOf(parsed.credential)
  const unknown = (message: string): TrustOutcome => ({
    check: makeCheck('trust', 'fail', 'TRUST_UNKNOWN_ISSUER', message, [
      problem(
        ownProblemType('TRUST_UNKNOWN_ISSUER'),
        'TRUST_UNKNOWN_ISSUER',
        'The issuer is not a trusted issuer',
        message,
        `${parsed.pointer}/issuer`,
      ),
    ]),
  })
  if (did === undefined) return unknown('The credential names no issuer id')
  let entry: TrustedIssuer | undefined
  try {
    entry = await registry.lookup(did)
  } catch {
    const message = 'The trusted-issuer registry could not be read'
    return {
      check: makeCheck('trust', 'indeterminate', 'TRUST_REGISTRY_UNAVAILABLE', message, [
        problem(ownProblemType('TRUST_REGISTRY_UNAVAILABLE'), 'TRUST_REGISTRY_UNAVAILABLE', message),
      ]),
    }
  }
  if (entry === undefined) return unknown(`${did} is not in the trusted-issuer registry`)
  const where = entry.source === 'instance' ? "this instance's issuer" : 'trusted-issuer registry'
  return { check: makeCheck('trust', 'pass', 'TRUST_OK', `${entry.name} (${where})`), issuer: entry }
}
