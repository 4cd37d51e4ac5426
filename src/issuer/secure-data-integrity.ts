/**
 * Data Integrity proofs through `@digitalbazaar/vc`: eddsa-rdfc-2022 for Ed25519 keys, ecdsa-rdfc-2019 for
 * P-256. Canonicalization runs in JSON-LD safe mode over the injected (offline) document loader, so an
 * undefined term or an unknown context refuses the credential instead of signing less than it shows.
 */
import * as vc from '@digitalbazaar/vc'
import { DataIntegrityProof } from '@digitalbazaar/data-integrity'
import { cryptosuite as ecdsaRdfc2019 } from '@digitalbazaar/ecdsa-rdfc-2019-cryptosuite'
import { cryptosuite as eddsaRdfc2022 } from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite'
import { CREDENTIALS_V1, DATA_INTEGRITY_V2, type DocumentLoader } from '../document-loader/index.js'
import { MalformedCredentialError } from '../errors.js'
import type { Signer } from '../signing/key-store.js'
import type { KeyAlgorithm } from '../storage/storage.js'

/** The cryptosuite microcred signs with for each key type. */
export const CRYPTOSUITES = { Ed25519: eddsaRdfc2022, 'P-256': ecdsaRdfc2019 } as const satisfies Record<
  KeyAlgorithm,
  unknown
>

export interface SecureWithDataIntegrityOptions {
  documentLoader: DocumentLoader
  /** Proof `created`, from the injected clock. */
  date: Date
}

/**
 * Adds a `DataIntegrityProof` to a copy of `credential`. A VC 1.1 credential gets the data-integrity v2
 * context appended when absent, since the v1 context does not define the proof terms.
 */
export async function secureWithDataIntegrity(
  credential: Record<string, unknown>,
  signer: Signer,
  options: SecureWithDataIntegrityOptions,
): Promise<Record<string, unknown>> {
  const unsigned = structuredClone(credential)
  const contexts = unsigned['@context']
  if (Array.isArray(contexts) && contexts[0] === CREDENTIALS_V1 && !contexts.includes(DATA_INTEGRITY_V2)) {
    unsigned['@context'] = [...contexts, DATA_INTEGRITY_V2]
  }
  const suite = new DataIntegrityProof({
    signer,
    cryptosuite: CRYPTOSUITES[signer.algorithm],
    date: options.date,
  })
  try {
    return await vc.issue({
      credential: unsigned,
      suite,
      documentLoader: options.documentLoader,
      now: options.date,
    })
  } catch (cause) {
    // The libraries report JSON-LD and data-model failures as plain errors; the message is theirs and safe
    // (it names terms and properties, never key material).
    throw new MalformedCredentialError(
      `Cannot secure the credential with Data Integrity: ${(cause as Error).message}`,
      [],
      {
        cause,
      },
    )
  }
}
