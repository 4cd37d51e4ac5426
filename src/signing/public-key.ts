/** Conversions between the public key encodings microcred publishes: JWK and Multikey (multibase). */
import * as ed25519Multikey from '@digitalbazaar/ed25519-multikey'
import * as ecdsaMultikey from '@digitalbazaar/ecdsa-multikey'
import { UnsupportedKeyError } from '../errors.js'
import type { KeyAlgorithm } from '../storage/storage.js'

// Multibase base58btc prefixes of the two multicodec headers (0xed01 Ed25519, 0x8024 P-256 compressed):
// every key of that type starts with them, so they identify the type before the library validates it.
const ED25519_PREFIX = 'z6Mk'
const P256_PREFIX = 'zDn'

/** Public JWK -> Multikey `publicKeyMultibase`. Refuses private members so a secret is never published. */
export async function publicKeyMultibaseFromJwk(
  algorithm: KeyAlgorithm,
  jwk: Record<string, unknown>,
): Promise<string> {
  if ('d' in jwk) throw new UnsupportedKeyError('Refusing to encode a private JWK as a public key')
  if (algorithm === 'Ed25519') {
    if (jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519')
      throw new UnsupportedKeyError('Expected an Ed25519 OKP JWK')
    return (await ed25519Multikey.fromJwk({ jwk })).publicKeyMultibase
  }
  if (jwk.kty !== 'EC' || jwk.crv !== 'P-256') throw new UnsupportedKeyError('Expected a P-256 EC JWK')
  return (await (await ecdsaMultikey.fromJwk({ jwk })).export({ publicKey: true })).publicKeyMultibase
}

/** The key type a `publicKeyMultibase` encodes, or an error for any other type (fail closed). */
export function algorithmOfMultibase(publicKeyMultibase: string): KeyAlgorithm {
  if (publicKeyMultibase.startsWith(ED25519_PREFIX)) return 'Ed25519'
  if (publicKeyMultibase.startsWith(P256_PREFIX)) return 'P-256'
  throw new UnsupportedKeyError('Only Ed25519 and P-256 Multikeys are supported')
}

/** Multikey `publicKeyMultibase` -> public JWK (validated by the multikey libraries). */
export async function publicJwkFromMultibase(
  publicKeyMultibase: string,
): Promise<{ algorithm: KeyAlgorithm; jwk: Record<string, unknown> }> {
  const algorithm = algorithmOfMultibase(publicKeyMultibase)
  try {
    if (algorithm === 'Ed25519') {
      const keyPair = await ed25519Multikey.from({ publicKeyMultibase })
      return { algorithm, jwk: await ed25519Multikey.toJwk({ keyPair }) }
    }
    const keyPair = await ecdsaMultikey.from({ publicKeyMultibase })
    const { kty, crv, x, y } = await ecdsaMultikey.toJwk({ keyPair })
    return { algorithm, jwk: { kty, crv, x, y } }
  } catch (cause) {
    throw new UnsupportedKeyError('Malformed Multikey public key', { cause })
  }
}
