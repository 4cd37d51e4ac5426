export {
  BITSTRING_STATUS_LIST,
  BUNDLED_CONTEXTS,
  CREDENTIALS_UNDEFINED_TERMS_V2,
  CREDENTIALS_V1,
  CREDENTIALS_V2,
  DATA_INTEGRITY_V1,
  DATA_INTEGRITY_V2,
  DID_V1,
  EDC_AP,
  EXAMPLES_V2,
  MULTIKEY_V1,
} from './contexts.js'
export type { ContextDocument } from './contexts.js'
export { composeDocumentLoaders, createStaticDocumentLoader } from './document-loader.js'
export type { DocumentLoader, RemoteDocument } from './document-loader.js'
