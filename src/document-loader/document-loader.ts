/**
 * Offline JSON-LD document loaders.
 *
 * Nothing here touches the network or the file system after module load: a URL is either in memory or refused
 * with {@link DocumentNotFoundError}. Loaders are values passed to each core function, never globals, so a test
 * or a deployment decides exactly which documents exist.
 */
import { DocumentNotFoundError, UsageError } from '../errors.js'
import { BUNDLED_CONTEXTS, deepFreeze } from './contexts.js'

/** What jsonld expects back from a document loader. */
export interface RemoteDocument {
  /** The URL the document was found under: the requested URL without its fragment. */
  documentUrl: string
  /** Deep-frozen: shared between calls, so it must never be changed. */
  document: unknown
  /** Always null: there is no HTTP `Link` header offline. */
  contextUrl: null
}

export type DocumentLoader = (url: string) => Promise<RemoteDocument>

// The fragment never changes which document is fetched (RFC 3986 §3.5); nothing else is normalised, so
// `http:` vs `https:` or a trailing slash is a different, unknown URL (fail closed).
function withoutFragment(url: string): string {
  const hash = url.indexOf('#')
  return hash === -1 ? url : url.slice(0, hash)
}

function snapshotExtra(extra: ReadonlyMap<string, unknown> | Record<string, unknown>): Map<string, unknown> {
  const entries = extra instanceof Map ? [...extra.entries()] : Object.entries(extra)
  const map = new Map<string, unknown>()
  for (const [url, document] of entries) {
    if (typeof url !== 'string' || url === '' || url.includes('#')) {
      throw new UsageError(`Extra document URL must be a non-empty string without a fragment: ${String(url)}`)
    }
    // Letting a caller replace a standard context would let it redefine what signed terms mean.
    if (BUNDLED_CONTEXTS.has(url))
      throw new UsageError(`Extra document may not replace a bundled context: ${url}`)
    // Cloned so later changes to the caller's object do not reach the loader.
    map.set(url, deepFreeze(structuredClone(document)))
  }
  return map
}

/** Bundled contexts + optional extra static documents; every other URL -> DocumentNotFoundError. */
export function createStaticDocumentLoader(
  extra?: ReadonlyMap<string, unknown> | Record<string, unknown>,
): DocumentLoader {
  const extras = extra === undefined ? new Map<string, unknown>() : snapshotExtra(extra)
  return async (url: string): Promise<RemoteDocument> => {
    // jsonld is untyped JavaScript underneath: a non-string must be refused, not crash on `.indexOf`.
    if (typeof url !== 'string') throw new DocumentNotFoundError(String(url))
    const key = withoutFragment(url)
    const document = BUNDLED_CONTEXTS.get(key) ?? extras.get(key)
    if (document === undefined) throw new DocumentNotFoundError(url)
    return { documentUrl: key, document, contextUrl: null }
  }
}

function isDocumentNotFound(err: unknown): boolean {
  // By code, not class: a second copy of this package in node_modules has its own DocumentNotFoundError class.
  return (
    typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 'ERR_DOCUMENT_NOT_FOUND'
  )
}

/** Tries each loader in order; moves on only on DocumentNotFoundError (code ERR_DOCUMENT_NOT_FOUND), rethrows anything else. */
export function composeDocumentLoaders(...loaders: DocumentLoader[]): DocumentLoader {
  const chain = [...loaders]
  return async (url: string): Promise<RemoteDocument> => {
    for (const loader of chain) {
      try {
        return await loader(url)
      } catch (err) {
        // Any other failure (e.g. a resolver error) must surface, not be masked by a later loader's answer.
        if (!isDocumentNotFound(err)) throw err
      }
    }
    throw new DocumentNotFoundError(url)
  }
}
