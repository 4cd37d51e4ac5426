/**
 * The key behind a proof: a DID URL resolved to its verification method, checked against the verification
 * relationship the proof claims (`assertionMethod` to issue, `authentication` to present), and turned into
 * a public JWK. Shared by credential, presentation and status list verification.
 */
import type { DIDDocument, VerificationMethod } from 'did-resolver'
import type { DidResolver } from '../../did/resolver.js'
import { isMicrocredError, UnsupportedKeyError } from '../../errors.js'
import { publicJwkFromMultibase } from '../../signing/public-key.js'
import type { KeyAlgorithm } from '../../storage/storage.js'

/** The verification relationships microcred accepts proofs for (DID Core §5.3). */
export type VerificationRelationship = 'assertionMethod' | 'authentication'

/** A verification method that resolved and is authorized for the relationship asked for. */
export interface SigningKey {
  ok: true
  /** The DID URL, as given. */
  didUrl: string
  /** The DID the DID URL belongs to. */
  did: string
  /** The verification method's controller (defaults to the DID document's id). */
  controller: string
  algorithm: KeyAlgorithm
  /** Public members only. */
  jwk: Record<string, unknown>
}

/**
 * Why a key could not be used:
 * - `kid-invalid`: not a DID URL with a fragment;
 * - `unresolvable`: the DID method is unsupported, the DID invalid, or the DID or method not found;
 * - `unsupported`: the method is neither an Ed25519 nor a P-256 key;
 * - `not-authorized`: the DID document does not list the method under the relationship;
 * - `unreachable`: resolution failed for a reason that says nothing about the key (network, a broken
 *   lookup): the caller reports it as indeterminate, never as a pass or a fail.
 */
export type SigningKeyFailureReason =
  'kid-invalid' | 'unresolvable' | 'unsupported' | 'not-authorized' | 'unreachable'

export interface SigningKeyFailure {
  ok: false
  reason: SigningKeyFailureReason
  message: string
  cause?: unknown
}

const UNRESOLVABLE_CODES = new Set(['ERR_DID_UNSUPPORTED', 'ERR_DID_INVALID', 'ERR_NOT_FOUND'])

/** Whether `document` lists `didUrl` (absolute, or as a fragment relative to the document) under `relationship`. */
export function isAuthorizedFor(
  document: DIDDocument,
  relationship: VerificationRelationship,
  didUrl: string,
): boolean {
  const hash = didUrl.indexOf('#')
  const fragment = hash < 0 ? undefined : didUrl.slice(hash)
  const base = hash < 0 ? didUrl : didUrl.slice(0, hash)
  return (document[relationship] ?? []).some((ref) => {
    const id = typeof ref === 'string' ? ref : ref.id
    return id === didUrl || (base === document.id && fragment !== undefined && id === fragment)
  })
}

/** The public JWK of a verification method (`publicKeyMultibase` Multikey, or `publicKeyJwk`). */
export async function publicJwkOfMethod(
  method: VerificationMethod,
): Promise<{ algorithm: KeyAlgorithm; jwk: Record<string, unknown> }> {
  if (typeof method.publicKeyMultibase === 'string') return publicJwkFromMultibase(method.publicKeyMultibase)
  const jwk = method.publicKeyJwk as Record<string, unknown> | undefined
  if (jwk && typeof jwk === 'object') {
    // Public members only, so a document that leaks `d` never turns into a key object holding a secret.
    if (jwk.kty === 'OKP' && jwk.crv === 'Ed25519' && typeof jwk.x === 'string') {
      return { algorithm: 'Ed25519', jwk: { kty: 'OKP', crv: 'Ed25519', x: jwk.x } }
    }
    if (jwk.kty === 'EC' && jwk.crv === 'P-256' && typeof jwk.x === 'string' && typeof jwk.y === 'string') {
      return { algorithm: 'P-256', jwk: { kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y } }
    }
  }
  throw new UnsupportedKeyError(
    'Only Ed25519 and P-256 keys, as publicKeyMultibase or publicKeyJwk, are supported',
  )
}

/**
 * Resolves `didUrl` and checks that its DID document authorizes it for `relationship`. Never throws: every
 * failure is a {@link SigningKeyFailure} with a stable reason.
 */
export async function resolveSigningKey(
  didUrl: string,
  didResolver: DidResolver,
  relationship: VerificationRelationship,
): Promise<SigningKey | SigningKeyFailure> {
  const hash = didUrl.indexOf('#')
  if (!didUrl.startsWith('did:') || hash < 0) {
    return {
      ok: false,
      reason: 'kid-invalid',
      message: `The signing key must be a DID URL with a fragment: ${didUrl}`,
    }
  }
  const did = didUrl.slice(0, hash)
  let method: VerificationMethod
  let document: DIDDocument
  try {
    ;[method, document] = await Promise.all([
      didResolver.resolveVerificationMethod(didUrl),
      didResolver.resolve(did),
    ])
  } catch (cause) {
    if (isMicrocredError(cause) && UNRESOLVABLE_CODES.has(cause.code)) {
      return {
        ok: false,
        reason: 'unresolvable',
        message: `The signing key cannot be resolved: ${cause.message}`,
        cause,
      }
    }
    if (isMicrocredError(cause) && cause.code === 'ERR_KEY_UNSUPPORTED') {
      return {
        ok: false,
        reason: 'unsupported',
        message: `The signing key cannot be used: ${cause.message}`,
        cause,
      }
    }
    // Anything else (a did:web server that is down, a lookup that broke) says nothing about the key.
    return {
      ok: false,
      reason: 'unreachable',
      message: `The signing key could not be resolved: ${didUrl}`,
      cause,
    }
  }
  // A key listed for authentication only must not issue, and a key listed for assertions only must not
  // present: DID Core §5.3 relationships are what the controller allowed each key to do.
  if (!isAuthorizedFor(document, relationship, didUrl)) {
    return {
      ok: false,
      reason: 'not-authorized',
      message: `The signing key is not listed under ${relationship} of ${did}: ${didUrl}`,
    }
  }
  try {
    const { algorithm, jwk } = await publicJwkOfMethod(method)
    return { ok: true, didUrl, did, controller: method.controller, algorithm, jwk }
  } catch (cause) {
    return {
      ok: false,
      reason: 'unsupported',
      message: `The signing key is not an Ed25519 or P-256 key: ${didUrl}`,
      cause,
    }
  }
}
