/** A {@link Signer} over a private key held in process as a `KeyObject`. */
import { sign as cryptoSign, type KeyObject } from 'node:crypto'
import type { KeyAlgorithm } from '../storage/storage.js'
import { JWS_ALGORITHM, type Signer } from './key-store.js'

/**
 * A signer over a private `KeyObject`. It also offers the key to worker threads ({@link Signer.threadKey}):
 * a `KeyObject` crosses `postMessage` without its bytes ever being exported.
 */
export function signerFromKeyObject(key: KeyObject, kid: string, algorithm: KeyAlgorithm): Signer {
  return {
    id: kid,
    algorithm,
    jwsAlgorithm: JWS_ALGORITHM[algorithm],
    threadKey: key,
    async sign({ data }) {
      // P-256 signatures in IEEE P1363 form: what both JWS (ES256) and Data Integrity expect.
      const signature =
        algorithm === 'Ed25519'
          ? cryptoSign(null, data, key)
          : cryptoSign('sha256', data, { key, dsaEncoding: 'ieee-p1363' })
      return new Uint8Array(signature)
    },
  }
}
