/** A throwaway did:key issuer with a real key store in a temporary folder, for issuing tests. */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createDidDocumentLoader } from '../../src/did/did-document-loader.js'
import { didKeyFromMultibase } from '../../src/did/did-key.js'
import { createDidResolver } from '../../src/did/resolver.js'
import {
  composeDocumentLoaders,
  createStaticDocumentLoader,
  type DocumentLoader,
} from '../../src/document-loader/index.js'
import { createFileKeyStore } from '../../src/signing/file-key-store.js'
import type { Signer } from '../../src/signing/key-store.js'
import type { KeyAlgorithm } from '../../src/storage/storage.js'

export interface TestIssuer {
  did: string
  signer: Signer
  publicJwk: Record<string, unknown>
  /** Bundled contexts + did:key resolution: what a verifier inside the instance uses. */
  documentLoader: DocumentLoader
  dispose(): Promise<void>
}

export async function createTestIssuer(algorithm: KeyAlgorithm = 'Ed25519'): Promise<TestIssuer> {
  const dir = await mkdtemp(join(tmpdir(), 'mc-issuer-'))
  const store = createFileKeyStore({ directory: dir })
  const ref = { tenantSlug: 'test', keyId: 'k1' }
  const generated = await store.generate(ref, algorithm)
  const { did, kid } = didKeyFromMultibase(generated.publicKeyMultibase)
  return {
    did,
    signer: await store.getSigner(ref, kid),
    publicJwk: generated.publicJwk,
    documentLoader: composeDocumentLoaders(
      createStaticDocumentLoader(),
      createDidDocumentLoader(createDidResolver()),
    ),
    dispose: () => rm(dir, { recursive: true, force: true }),
  }
}
