/**
 * Verifies the securing mechanism of a retrieved status list credential and that its signing key belongs to
 * the list's issuer. Both forms end in the same shape: the verified document and its issuer, or a failure
 * with a status code. Nothing here throws for a bad list.
 */
import { DataIntegrityProof } from '@digitalbazaar/data-integrity'
import { cryptosuite as ecdsaRdfc2019 } from '@digitalbazaar/ecdsa-rdfc-2019-cryptosuite'
import { cryptosuite as eddsaRdfc2022 } from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite'
import * as vc from '@digitalbazaar/vc'
import { compactVerify, decodeProtectedHeader, importJWK, type ProtectedHeaderParameters } from 'jose'
import type { DidResolver } from '../did/resolver.js'
import type { DocumentLoader } from '../document-loader/index.js'
import { isMicrocredError } from '../errors.js'
import { JWS_ALGORITHM } from '../keys/key-store.js'
import { publicJwkFromMultibase } from '../keys/public-key.js'
import type { KeyAlgorithm } from '../storage/storage.js'
import type { StatusCode } from './status-result.js'
import type { ResolvedStatusList } from './status-list-resolver.js'

/** JWS algorithms a status list may be signed with; everything else (`none`, HMAC, RSA) is refused. */
export const STATUS_LIST_JWS_ALGORITHMS = ['EdDSA', 'ES256'] as const

/** Data Integrity cryptosuites a status list may be secured with. */
export const STATUS_LIST_CRYPTOSUITES = ['eddsa-rdfc-2022', 'ecdsa-rdfc-2019'] as const

/** A list that could not be used, with the code and status the entries pointing at it receive. */
export interface StatusListFailure {
  ok: false
  status: 'fail' | 'indeterminate'
  code: StatusCode
  message: string
}

/** A list whose proof verified and whose signing key is controlled by `issuer`. */
export interface VerifiedStatusListDocument {
  ok: true
  document: Record<string, unknown>
  issuer: string
}

export interface VerifyStatusListDeps {
  didResolver: DidResolver
  documentLoader: DocumentLoader
  now: Date
}

/** @internal */
export function failure(
  status: StatusListFailure['status'],
  code: StatusCode,
  message: string,
): StatusListFailure {
  return { ok: false, status, code, message }
}

const proofInvalid = (message: string): StatusListFailure =>
  failure('fail', 'STATUS_LIST_PROOF_INVALID', message)
const malformed = (message: string): StatusListFailure => failure('fail', 'STATUS_LIST_MALFORMED', message)
const issuerMismatch = (message: string): StatusListFailure =>
  failure('fail', 'STATUS_LIST_ISSUER_MISMATCH', message)

/** @internal */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** The id of an `issuer` value: the string itself or the object's `id` (VCDM §4.7). */
export function issuerIdOf(issuer: unknown): string | undefined {
  if (typeof issuer === 'string') return issuer || undefined
  if (isRecord(issuer) && typeof issuer.id === 'string' && issuer.id) return issuer.id
  return undefined
}

/** Verifies `resolved` in the form it declares. */
export async function verifyStatusListProof(
  resolved: ResolvedStatusList,
  deps: VerifyStatusListDeps,
): Promise<VerifiedStatusListDocument | StatusListFailure> {
  if (resolved.form === 'jose') return verifyJose(resolved.credential, deps)
  if (resolved.form === 'di') return verifyDataIntegrity(resolved.credential, deps)
  return malformed(`Unknown status list form: ${String(resolved.form as unknown)}`)
}

interface SigningKey {
  ok: true
  /** The DID the key's DID URL belongs to. */
  did: string
  controller: string
  algorithm: KeyAlgorithm
  jwk: Record<string, unknown>
}

const KEY_REFUSED_CODES = new Set([
  'ERR_DID_UNSUPPORTED',
  'ERR_DID_INVALID',
  'ERR_NOT_FOUND',
  'ERR_KEY_UNSUPPORTED',
])

async function resolveSigningKey(
  didUrl: string,
  didResolver: DidResolver,
): Promise<SigningKey | StatusListFailure> {
  const hash = didUrl.indexOf('#')
  if (!didUrl.startsWith('did:') || hash < 0)
    return proofInvalid(`The signing key must be a DID URL with a fragment: ${didUrl}`)
  const did = didUrl.slice(0, hash)
  try {
    const [method, document] = await Promise.all([
      didResolver.resolveVerificationMethod(didUrl),
      didResolver.resolve(did),
    ])
    // Only keys the DID document authorizes for assertions may issue; a key listed for authentication only
    // would otherwise be able to publish lists.
    const fragment = didUrl.slice(hash)
    const authorized = (document.assertionMethod ?? []).some((ref) => {
      const id = typeof ref === 'string' ? ref : ref.id
      return id === didUrl || id === fragment
    })
    if (!authorized) return proofInvalid(`The signing key is not an assertion method of ${did}: ${didUrl}`)
    if (typeof method.publicKeyMultibase !== 'string')
      return proofInvalid(`The signing key is not a Multikey: ${didUrl}`)
    const { algorithm, jwk } = await publicJwkFromMultibase(method.publicKeyMultibase)
    return { ok: true, did, controller: method.controller, algorithm, jwk }
  } catch (err) {
    if (isMicrocredError(err) && KEY_REFUSED_CODES.has(err.code)) {
      return proofInvalid(`The signing key cannot be used: ${err.message}`)
    }
    // Anything else (a did:web lookup failing, for instance) says nothing about the list: it could not be checked.
    return failure(
      'indeterminate',
      'STATUS_LIST_UNREACHABLE',
      `The status list's signing key could not be resolved: ${didUrl}`,
    )
  }
}

function keyControlFailure(key: SigningKey, issuer: string): StatusListFailure | undefined {
  if (key.did === issuer && key.controller === issuer) return undefined
  return issuerMismatch(
    `The status list is signed with a key its issuer ${issuer} does not control (controller ${key.controller})`,
  )
}

// RFC 7515 §4.1.9: `typ` is a media type, compared case-insensitively, and may omit the `application/` prefix.
function isVcJwtTyp(typ: unknown): boolean {
  if (typeof typ !== 'string') return false
  const normalized = typ.toLowerCase()
  return normalized === 'vc+jwt' || normalized === 'application/vc+jwt'
}

function isAllowedJwsAlgorithm(alg: unknown): alg is (typeof STATUS_LIST_JWS_ALGORITHMS)[number] {
  return (STATUS_LIST_JWS_ALGORITHMS as readonly unknown[]).includes(alg)
}

async function verifyJose(
  jws: unknown,
  deps: VerifyStatusListDeps,
): Promise<VerifiedStatusListDocument | StatusListFailure> {
  if (typeof jws !== 'string') return malformed('A jose status list must be a compact JWS string')
  let header: ProtectedHeaderParameters
  try {
    header = decodeProtectedHeader(jws)
  } catch {
    return proofInvalid('The status list is not a compact JWS')
  }
  if (!isVcJwtTyp(header.typ))
    return proofInvalid(`The status list JWS typ must be vc+jwt, not ${String(header.typ)}`)
  const { alg, kid } = header
  if (!isAllowedJwsAlgorithm(alg))
    return proofInvalid(`The status list JWS alg ${String(alg)} is not allowed`)
  // An unencoded payload (RFC 7797) is never produced by VC-JOSE; refusing it keeps one payload encoding.
  if ('b64' in header) return proofInvalid('The status list JWS must not use the b64 header')
  if (typeof kid !== 'string') return proofInvalid('The status list JWS has no kid')
  const key = await resolveSigningKey(kid, deps.didResolver)
  if (!key.ok) return key
  if (JWS_ALGORITHM[key.algorithm] !== alg)
    return proofInvalid(`The status list JWS alg ${alg} does not fit the ${key.algorithm} key`)
  let payload: Uint8Array
  try {
    const publicKey = await importJWK(key.jwk, alg)
    ;({ payload } = await compactVerify(jws, publicKey, { algorithms: [...STATUS_LIST_JWS_ALGORITHMS] }))
  } catch {
    return proofInvalid('The status list JWS signature does not verify')
  }
  let document: unknown
  try {
    document = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(payload))
  } catch {
    return malformed('The status list JWS payload is not JSON')
  }
  if (!isRecord(document)) return malformed('The status list JWS payload is not a JSON object')
  const issuer = issuerIdOf(document.issuer)
  if (!issuer) return malformed('The status list has no issuer')
  const mismatch = keyControlFailure(key, issuer)
  if (mismatch) return mismatch
  return { ok: true, document, issuer }
}

function dataIntegritySuites(): unknown[] {
  return [
    new DataIntegrityProof({ cryptosuite: eddsaRdfc2022 }),
    new DataIntegrityProof({ cryptosuite: ecdsaRdfc2019 }),
  ]
}

function firstReason(error: (Error & { errors?: Error[] }) | undefined): string {
  const reason = error?.errors?.[0]?.message ?? error?.message
  return reason ? `: ${reason.slice(0, 200)}` : ''
}

async function verifyDataIntegrity(
  credential: unknown,
  deps: VerifyStatusListDeps,
): Promise<VerifiedStatusListDocument | StatusListFailure> {
  let document: unknown = credential
  if (typeof credential === 'string') {
    try {
      document = JSON.parse(credential)
    } catch {
      return malformed('The status list is not JSON')
    }
  }
  if (!isRecord(document)) return malformed('A di status list must be a JSON object')
  const issuer = issuerIdOf(document.issuer)
  if (!issuer) return malformed('The status list has no issuer')
  const proofs = (Array.isArray(document.proof) ? document.proof : [document.proof]).filter(isRecord)
  const allowed = proofs.filter(
    (proof) =>
      proof.type === 'DataIntegrityProof' &&
      (STATUS_LIST_CRYPTOSUITES as readonly unknown[]).includes(proof.cryptosuite),
  )
  if (allowed.length === 0)
    return proofInvalid('The status list has no DataIntegrityProof with an allowed cryptosuite')
  // Checked before the proof so that a valid proof by someone else's key is reported as what it is; the
  // library would only say that the proof purpose failed.
  for (const proof of allowed) {
    if (typeof proof.verificationMethod !== 'string')
      return proofInvalid('A status list proof has no verificationMethod')
    const key = await resolveSigningKey(proof.verificationMethod, deps.didResolver)
    if (!key.ok) return key
    const mismatch = keyControlFailure(key, issuer)
    if (mismatch) return mismatch
  }
  const result = await vc.verifyCredential({
    // The library must not see (or keep) the caller's object: resolvers may hand out shared, frozen documents.
    credential: structuredClone(document),
    suite: dataIntegritySuites(),
    documentLoader: deps.documentLoader,
    now: deps.now,
    // The validity window is checked by the status check itself, so that an expired list is reported as
    // expired rather than as a proof failure.
    maxClockSkew: Number.POSITIVE_INFINITY,
  })
  if (!result.verified)
    return proofInvalid(`The status list's Data Integrity proof does not verify${firstReason(result.error)}`)
  return { ok: true, document, issuer }
}
