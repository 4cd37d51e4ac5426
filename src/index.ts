/**
 * microcred as a library. Every public export is listed by name; `lib/` stays private.
 */
export * from './errors.js'
export { systemClock, fixedClock, type Clock } from './clock.js'
export {
  createStaticDocumentLoader,
  composeDocumentLoaders,
  BUNDLED_CONTEXTS,
  type DocumentLoader,
  type RemoteDocument,
} from './document-loader/index.js'
export { createDidResolver, type DidResolver, type DidResolverOptions, type DidWebLookup } from './did/resolver.js'
export { didKeyFromMultibase, didKeyDocument } from './did/did-key.js'
export { didWebFromHostPath, didWebDocumentUrl } from './did/did-web.js'
export { buildIssuerDidDocument } from './did/did-document.js'
export { JWS_ALGORITHM, type KeyStore, type Signer, type KeyRef, type GeneratedKey, type JwsAlgorithm } from './keys/key-store.js'
export { publicJwkFromMultibase, publicKeyMultibaseFromJwk } from './keys/public-key.js'
export type * from './storage/storage.js'
