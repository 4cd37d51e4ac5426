/**
 * The status list resolver for this instance's own lists: they are read from storage, never fetched, so a
 * verifier inside the instance sees a change as soon as it is committed and needs no network.
 */
import { StatusRetrievalError } from '../errors.js'
import type { StatusListRecord } from '../storage/storage.js'
import {
  isPublicationCurrent,
  publishedFromRecord,
  publishStatusList,
  toResolvedStatusList,
  type PublishedStatusList,
} from './publish-status-list.js'
import type { ResolvedStatusList, StatusListResolver } from './status-list-resolver.js'
import { statusListUrlPrefix, type StatusDeps, type StatusOptions } from './status-options.js'

/** What the local resolver needs. */
export interface LocalStatusListResolverDeps extends StatusDeps {
  /** Lists under `${publicBaseUrl}/status-lists/` are this instance's. */
  publicBaseUrl: string
}

/**
 * Creates a {@link StatusListResolver} for this instance's own lists. A URL under
 * `${publicBaseUrl}/status-lists/` resolves from storage; a list that changed since it was published, was
 * never published, or whose publication has expired is (re)published first. Any other URL resolves to
 * `undefined` (for the next resolver in a chain).
 *
 * An unknown list under the instance's own prefix rejects with `StatusRetrievalError` (reason
 * `http-status`, what the HTTP route answers with 404) rather than resolving `undefined`: the next resolver
 * would otherwise fetch the instance's own URL over the network.
 *
 * Concurrent calls that find the same list in the same state share one publication.
 *
 * @example
 * ```ts
 * const resolveList = composeStatusListResolvers(
 *   createLocalStatusListResolver({ storage, keyStore, clock, documentLoader, publicBaseUrl }),
 *   remoteResolver,
 * )
 * ```
 */
export function createLocalStatusListResolver(
  deps: LocalStatusListResolverDeps,
  options?: StatusOptions,
): (url: string) => Promise<Required<ResolvedStatusList> | undefined> {
  const prefix = statusListUrlPrefix(deps.publicBaseUrl)
  const publishing = new Map<string, Promise<PublishedStatusList>>()

  // Keyed by revision too: a caller that saw a later change must not be handed a publication begun before it.
  const publishOnce = (list: StatusListRecord): Promise<PublishedStatusList> => {
    const key = `${list.id}@${list.revision}`
    let pending = publishing.get(key)
    if (!pending) {
      pending = publishStatusList(deps, list.id, options).finally(() => publishing.delete(key))
      publishing.set(key, pending)
    }
    return pending
  }

  return async (url: string) => {
    if (!url.startsWith(prefix)) return undefined
    const list = await deps.storage.statusLists.getByUrl(url)
    if (!list) throw new StatusRetrievalError(`No status list at ${url}`, url, 'http-status')
    if (isPublicationCurrent(list, deps.clock())) return toResolvedStatusList(publishedFromRecord(list))
    return toResolvedStatusList(await publishOnce(list))
  }
}
