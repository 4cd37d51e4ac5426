/**
 * The port through which a status check obtains status list credentials. The instance's own lists and remote
 * lists come from different resolvers, chained with `composeStatusListResolvers`.
 */

/** A status list credential as retrieved, still unverified: the status check verifies it on every use. */
export interface ResolvedStatusList {
  /** The URL the list was retrieved from (after any allowed redirect). */
  url: string
  /**
   * `jose`: a compact JWS (`typ: vc+jwt`) whose payload is a VC 2.0 `BitstringStatusListCredential`.
   * `di`: a JSON document secured with a `DataIntegrityProof`.
   */
  form: 'jose' | 'di'
  /** The compact JWS for `jose`; the parsed JSON document for `di`. */
  credential: string | Record<string, unknown>
  /** The HTTP entity tag, when the list came over HTTP. */
  etag?: string
  /** The list's own `validUntil` / `expirationDate`, as written in it (unverified). */
  validUntil?: string
}

/**
 * Retrieves the status list credential published at `url`. Resolves `undefined` when this resolver does not
 * serve `url` ("not mine, try the next"); rejects (with `StatusRetrievalError`) when it does serve it but
 * could not retrieve it.
 */
export type StatusListResolver = (url: string) => Promise<ResolvedStatusList | undefined>
