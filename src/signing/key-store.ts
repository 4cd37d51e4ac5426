/**
 * The key seam. Issuing code asks a {@link KeyStore} for a {@link Signer} and never touches secret bytes,
 * so a KMS or HSM can replace the file store without changing the core.
 */
import type { KeyObject } from 'node:crypto'
import type { KeyAlgorithm } from '../storage/storage.js'

/** JWS `alg` for each supported key type (RFC 8037 EdDSA, RFC 7518 ES256). */
export const JWS_ALGORITHM = { Ed25519: 'EdDSA', 'P-256': 'ES256' } as const satisfies Record<
  KeyAlgorithm,
  string
>
export type JwsAlgorithm = (typeof JWS_ALGORITHM)[KeyAlgorithm]

/**
 * Signs bytes with one key. `algorithm` follows the Data Integrity signer convention (`Ed25519`, `P-256`);
 * signatures are raw: 64 bytes for Ed25519, IEEE P1363 `r||s` for P-256, which is also the JWS encoding.
 */
export interface Signer {
  /** DID URL of the verification method (`kid` in JOSE, `verificationMethod` in Data Integrity). */
  readonly id: string
  readonly algorithm: KeyAlgorithm
  readonly jwsAlgorithm: JwsAlgorithm
  sign(input: { data: Uint8Array }): Promise<Uint8Array>
  /**
   * The private key as a `KeyObject` that may be handed to worker threads, for key stores that hold keys in
   * process (the file store). Absent for a KMS or HSM: batch workers then ask this signer for each signature.
   */
  readonly threadKey?: KeyObject
}

/** Where a private key lives: the tenant it belongs to and the key's storage id. */
export interface KeyRef {
  tenantSlug: string
  keyId: string
}

/** The public half of a freshly generated key. */
export interface GeneratedKey {
  algorithm: KeyAlgorithm
  publicJwk: Record<string, unknown>
  publicKeyMultibase: string
}

export interface KeyStore {
  /** Creates a new private key at `ref` (refuses to overwrite one) and returns its public half. */
  generate(ref: KeyRef, algorithm: KeyAlgorithm): Promise<GeneratedKey>
  /** A signer for the key at `ref`, announcing itself as `kid`. */
  getSigner(ref: KeyRef, kid: string): Promise<Signer>
  /** Whether a private key exists at `ref`. */
  has(ref: KeyRef): Promise<boolean>
  /** Deletes a key that was generated but never recorded, when the step that records it failed. */
  discard(ref: KeyRef): Promise<void>
}
