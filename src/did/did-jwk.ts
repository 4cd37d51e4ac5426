/**
 * `did:jwk` (https://github.com/quartzjer/did-jwk/blob/main/spec.md): the DID is the base64url of a public
 * JWK, so, like did:key, the document is derived, never fetched.
 *
 * Only the key types microcred verifies are accepted: Ed25519 (`OKP`) and P-256 (`EC`). The verification
 * method `#0` is published as a `Multikey` rather than as the spec's `JsonWebKey`: the key is the same, and
 * every consumer of DID documents in microcred (Data Integrity cryptosuites, VC-JOSE and status list
 * verification) reads `publicKeyMultibase`.
 */
import { createPublicKey, type JsonWebKey } from 'node:crypto'
import type { DIDDocument } from 'did-resolver'
import { base64url } from 'jose'
import { InvalidDidError, UnsupportedKeyError, isMicrocredError } from '../errors.js'
import { publicKeyMultibaseFromJwk } from '../signing/public-key.js'
import type { KeyAlgorithm } from '../storage/storage.js'
import { DID_CONTEXT_V1, MULTIKEY_CONTEXT_V1 } from './constants.js'

const DID_JWK = /^did:jwk:([A-Za-z0-9_-]+)$/
/** A JWK is a few hundred bytes; anything longer is not a key we would accept. */
const MAX_ENCODED_LENGTH = 2048

/** The public JWK a did:jwk encodes, its key type, and the members that decide how it may be used. */
export interface DidJwkKey {
  algorithm: KeyAlgorithm
  jwk: Record<string, unknown>
}

/** Decodes and checks the JWK inside a did:jwk, or throws {@link InvalidDidError}/{@link UnsupportedKeyError}. */
export function jwkOfDidJwk(did: string): DidJwkKey {
  const match = DID_JWK.exec(did)
  if (!match?.[1] || match[1].length > MAX_ENCODED_LENGTH) throw new InvalidDidError(`Not a did:jwk: ${did}`)
  let jwk: unknown
  try {
    jwk = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(base64url.decode(match[1])))
  } catch (cause) {
    throw new InvalidDidError('A did:jwk must be the base64url of a JSON object', { cause })
  }
  if (typeof jwk !== 'object' || jwk === null || Array.isArray(jwk)) {
    throw new InvalidDidError('A did:jwk must be the base64url of a JSON object')
  }
  const key = jwk as Record<string, unknown>
  // The spec forbids private members; a DID that carries a secret is refused rather than silently trimmed.
  if ('d' in key) throw new InvalidDidError('A did:jwk must not contain a private key')
  if (key.use !== undefined && key.use !== 'sig')
    throw new UnsupportedKeyError('Only signing keys (use "sig") are supported in did:jwk')
  if (key.kty === 'OKP' && key.crv === 'Ed25519') return { algorithm: 'Ed25519', jwk: key }
  if (key.kty === 'EC' && key.crv === 'P-256') return { algorithm: 'P-256', jwk: key }
  throw new UnsupportedKeyError('Only Ed25519 (OKP) and P-256 (EC) keys are supported in did:jwk')
}

/** The did:jwk of a public JWK (only the members a public key needs are kept, in a fixed order). */
export function didJwkFromJwk(jwk: Record<string, unknown>): { did: string; kid: string } {
  const members = jwk.kty === 'EC' ? ['kty', 'crv', 'x', 'y'] : ['kty', 'crv', 'x']
  const publicJwk = Object.fromEntries(members.filter((m) => jwk[m] !== undefined).map((m) => [m, jwk[m]]))
  const did = `did:jwk:${base64url.encode(JSON.stringify(publicJwk))}`
  jwkOfDidJwk(did)
  return { did, kid: `${did}#0` }
}

/**
 * The DID document of a did:jwk: one `Multikey` verification method `#0`, in every signing relationship.
 * `keyAgreement` is left out: microcred never encrypts, and only signing keys are accepted.
 */
export async function didJwkDocument(did: string): Promise<DIDDocument> {
  const { algorithm, jwk } = jwkOfDidJwk(did)
  let publicKeyMultibase: string
  try {
    // OpenSSL checks that an EC point lies on the curve and that an Ed25519 key has the right length; the
    // multikey libraries only re-encode the coordinates.
    createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' })
    publicKeyMultibase = await publicKeyMultibaseFromJwk(algorithm, jwk)
  } catch (cause) {
    if (isMicrocredError(cause)) throw cause
    throw new InvalidDidError('The key inside the did:jwk is malformed', { cause })
  }
  const vmId = `${did}#0`
  return {
    '@context': [DID_CONTEXT_V1, MULTIKEY_CONTEXT_V1],
    id: did,
    verificationMethod: [{ id: vmId, type: 'Multikey', controller: did, publicKeyMultibase }],
    authentication: [vmId],
    assertionMethod: [vmId],
    capabilityInvocation: [vmId],
    capabilityDelegation: [vmId],
  }
}
