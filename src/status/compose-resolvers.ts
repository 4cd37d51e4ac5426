import type { ResolvedStatusList, StatusListResolver } from './status-list-resolver.js'

/**
 * Chains status list resolvers: each is asked in order and the first answer that is not `undefined` wins. A
 * resolver that rejects ends the chain with its error, so a failed retrieval is never masked by a later
 * resolver's answer for the same URL.
 *
 * @example
 * ```ts
 * const resolveList = composeStatusListResolvers(localResolver, createRemoteStatusListResolver({ clock }))
 * ```
 */
export function composeStatusListResolvers(...resolvers: StatusListResolver[]): StatusListResolver {
  const chain = [...resolvers]
  for (const resolver of chain) {
    if (typeof resolver !== 'function') throw new TypeError('Every status list resolver must be a function')
  }
  return async (url: string): Promise<ResolvedStatusList | undefined> => {
    for (const resolver of chain) {
      const resolved = await resolver(url)
      if (resolved !== undefined) return resolved
    }
    return undefined
  }
}
