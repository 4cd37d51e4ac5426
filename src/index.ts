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
export {
  createDidResolver,
  type DidResolver,
  type DidResolverOptions,
  type DidWebLookup,
} from './did/resolver.js'
export { didKeyFromMultibase, didKeyDocument } from './did/did-key.js'
export { didWebFromHostPath, didWebDocumentUrl } from './did/did-web.js'
export { buildIssuerDidDocument } from './did/did-document.js'
export {
  JWS_ALGORITHM,
  type KeyStore,
  type Signer,
  type KeyRef,
  type GeneratedKey,
  type JwsAlgorithm,
} from './signing/key-store.js'
export { publicJwkFromMultibase, publicKeyMultibaseFromJwk } from './signing/public-key.js'
export type * from './storage/storage.js'
export * from './model/index.js'
export { renderDisplayImage, type DisplayImage, type DisplayImageInput } from './model/display-image.js'
export { createDisplayImageCache, type DisplayImageCache } from './model/display-image-cache.js'
export {
  addCourse,
  getCourse,
  issueMicrocredential,
  courseContentHash,
  type IssueDeps,
  type IssueMicrocredentialInput,
  type IssuedMicrocredential,
  type MicrocredentialFormat,
} from './issuer/issue-microcredential.js'
export { signCredential } from './issuer/sign-credential.js'
export {
  createClaimLinks,
  CLAIM_LINK_SECRET_BYTES,
  type ClaimLinks,
  type ClaimLinksOptions,
  type ClaimToken,
} from './claims/claim-links.js'
export {
  claimUrlOf,
  openClaim,
  renewClaimLink,
  revokeClaimLink,
  type ClaimLinkDeps,
  type ClaimLinkInput,
} from './claims/manage-claim-links.js'
export { checkCredentialForIssue, checkJsonLd } from './issuer/check-credential.js'
export { secureWithJose } from './issuer/secure-jose.js'
export { secureWithDataIntegrity } from './issuer/secure-data-integrity.js'
export {
  createTenantWithIssuer,
  addIssuerKey,
  describeDefaultIssuer,
  getIssuerSigner,
  type IdentityDeps,
  type IssuerView,
} from './issuer/issuer-identity.js'
export { developmentProfile, parseIssuerProfile } from './issuer/issuer-profile.js'
export * from './status/index.js'
export { createDidDocumentLoader } from './did/did-document-loader.js'
export * from './verifier/index.js'
export * from './ila/index.js'
