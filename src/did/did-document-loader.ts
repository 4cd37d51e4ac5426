/**
 * A JSON-LD document loader for DID URLs, for Data Integrity verification: a DID resolves to its DID
 * document, a DID URL with a fragment to the verification method it names (with its own `@context`, as
 * the Data Integrity libraries expect). Everything else is left to the next loader.
 */
import type { DocumentLoader } from '../document-loader/index.js'
import { DocumentNotFoundError } from '../errors.js'
import { MULTIKEY_CONTEXT_V1 } from './constants.js'
import type { DidResolver } from './resolver.js'

/** Loads `did:` URLs through `resolver`; any other URL is {@link DocumentNotFoundError}. */
export function createDidDocumentLoader(resolver: DidResolver): DocumentLoader {
  return async (url) => {
    if (!url.startsWith('did:')) throw new DocumentNotFoundError(url)
    const document = url.includes('#')
      ? { '@context': MULTIKEY_CONTEXT_V1, ...(await resolver.resolveVerificationMethod(url)) }
      : await resolver.resolve(url)
    return { documentUrl: url, document, contextUrl: null }
  }
}
