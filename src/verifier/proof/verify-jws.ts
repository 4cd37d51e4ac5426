/**
 * Verification of a VC-JOSE compact JWS (W3C VC-JOSE-COSE §3.1): the header is checked before any key is
 * looked up, the key comes from the `kid` DID URL only, and `jose.compactVerify` runs with an explicit
 * algorithm allow-list. Shared by credentials, presentations and status lists. Never throws.
 */
import { compactVerify, decodeProtectedHeader, importJWK, type ProtectedHeaderParameters } from 'jose'
import type { DidResolver } from '../../did/resolver.js'
import { JWS_ALGORITHM } from '../../signing/key-store.js'
import {
  resolveSigningKey,
  type SigningKey,
  type SigningKeyFailureReason,
  type VerificationRelationship,
} from './signing-key.js'

/** JWS algorithms accepted; everything else (`none`, HMAC, RSA, ES384…) is refused before any key is used. */
export const VC_JOSE_ALGORITHMS = ['EdDSA', 'ES256'] as const
export type VcJoseAlgorithm = (typeof VC_JOSE_ALGORITHMS)[number]

/** The media type a JWS declares in `typ`: a credential or a presentation. */
export type VcJoseTyp = 'vc+jwt' | 'vp+jwt'

/**
 * Why a JWS was refused:
 * - `malformed`: not a compact JWS with a JSON header;
 * - `typ`: `typ` is not the expected media type;
 * - `alg`: `alg` is not on the allow-list;
 * - `header`: a header parameter microcred refuses (`b64`, unknown `crit`);
 * - `kid`: no `kid`, or not a DID URL;
 * - the {@link SigningKeyFailureReason}s, prefixed `key-`;
 * - `alg-key-mismatch`: `alg` does not fit the key type (ES256 with an Ed25519 key);
 * - `signature`: the signature does not verify;
 * - `payload`: the verified payload is not a JSON object.
 */
export type JwsFailureReason =
  | 'malformed'
  | 'typ'
  | 'alg'
  | 'header'
  | 'kid'
  | `key-${Exclude<SigningKeyFailureReason, 'kid-invalid'>}`
  | 'alg-key-mismatch'
  | 'signature'
  | 'payload'

export interface JwsFailure {
  ok: false
  reason: JwsFailureReason
  message: string
  /** The underlying library's message, when there is one. */
  detail?: string
}

export interface VerifiedJws {
  ok: true
  header: ProtectedHeaderParameters
  payload: Record<string, unknown>
  key: SigningKey
}

export interface VerifyJwsOptions {
  didResolver: DidResolver
  typ: VcJoseTyp
  relationship: VerificationRelationship
  /**
   * Resolves a relative `kid` (`#key-1`) against this DID, e.g. the credential's issuer. Without it a
   * relative `kid` is refused.
   */
  baseDid?: string
}

// RFC 7515 §4.1.9: `typ` is a media type, compared case-insensitively, and may omit the `application/` prefix.
function hasTyp(typ: unknown, expected: VcJoseTyp): boolean {
  if (typeof typ !== 'string') return false
  const normalized = typ.toLowerCase()
  return normalized === expected || normalized === `application/${expected}`
}

function isAllowedAlgorithm(alg: unknown): alg is VcJoseAlgorithm {
  return (VC_JOSE_ALGORITHMS as readonly unknown[]).includes(alg)
}

function fail(reason: JwsFailureReason, message: string, detail?: string): JwsFailure {
  return detail === undefined ? { ok: false, reason, message } : { ok: false, reason, message, detail }
}

/** Verifies `jws` as a VC-JOSE credential (`typ: vc+jwt`) or presentation (`typ: vp+jwt`). */
export async function verifyVcJws(
  jws: unknown,
  options: VerifyJwsOptions,
): Promise<VerifiedJws | JwsFailure> {
  if (typeof jws !== 'string') return fail('malformed', 'A VC-JOSE document must be a compact JWS string')
  let header: ProtectedHeaderParameters
  try {
    header = decodeProtectedHeader(jws)
    if (jws.split('.').length !== 3) throw new TypeError('not compact')
  } catch {
    return fail('malformed', 'Not a compact JWS')
  }
  if (!hasTyp(header.typ, options.typ)) {
    return fail('typ', `The JWS typ must be ${options.typ}, not ${String(header.typ)}`)
  }
  const { alg } = header
  if (!isAllowedAlgorithm(alg))
    return fail('alg', `The JWS alg ${String(alg)} is not allowed (only ${VC_JOSE_ALGORITHMS.join(', ')})`)
  // An unencoded payload (RFC 7797) is never produced by VC-JOSE; refusing it keeps one payload encoding.
  if ('b64' in header) return fail('header', 'The JWS must not use the b64 header parameter')
  let { kid } = header
  if (typeof kid !== 'string' || kid === '') return fail('kid', 'The JWS has no kid')
  if (kid.startsWith('#') && options.baseDid?.startsWith('did:')) kid = `${options.baseDid}${kid}`
  const key = await resolveSigningKey(kid, options.didResolver, options.relationship)
  if (!key.ok) {
    const reason: JwsFailureReason = key.reason === 'kid-invalid' ? 'kid' : `key-${key.reason}`
    return fail(reason, key.message)
  }
  if (JWS_ALGORITHM[key.algorithm] !== alg) {
    return fail('alg-key-mismatch', `The JWS alg ${alg} does not fit the ${key.algorithm} key ${kid}`)
  }
  let payloadBytes: Uint8Array
  try {
    const publicKey = await importJWK(key.jwk, alg)
    // The explicit list keeps jose from accepting any other algorithm the key object might allow.
    ;({ payload: payloadBytes } = await compactVerify(jws, publicKey, { algorithms: [alg] }))
  } catch (err) {
    return fail(
      'signature',
      'The JWS signature does not verify',
      err instanceof Error ? err.message : undefined,
    )
  }
  let payload: unknown
  try {
    payload = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(payloadBytes))
  } catch {
    return fail('payload', 'The JWS payload is not UTF-8 JSON')
  }
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    return fail('payload', 'The JWS payload is not a JSON object')
  }
  return { ok: true, header, payload: payload as Record<string, unknown>, key }
}
