/**
 * DID resolution through `did-resolver`, with only the methods microcred trusts registered: `did:key` and
 * `did:jwk` (both derived offline) and `did:web` (through an injected lookup). Every other method is refused.
 */
import { Resolver, type DIDDocument, type DIDResolutionResult, type VerificationMethod } from 'did-resolver'
import { InvalidDidError, NotFoundError, UnsupportedDidMethodError } from '../errors.js'
import { didJwkDocument } from './did-jwk.js'
import { didKeyDocument } from './did-key.js'

/** Finds the DID document of a did:web, e.g. this instance's own issuers from storage. */
export type DidWebLookup = (did: string) => Promise<DIDDocument | undefined>

export interface DidResolverOptions {
  /**
   * How did:web documents are found. Without it, did:web is refused. Chain several with
   * {@link composeDidWebLookups}, e.g. this instance's own issuers first, then the network.
   */
  didWeb?: DidWebLookup
}

/**
 * One {@link DidWebLookup} out of several, asked in order: the first document found wins. A lookup that
 * throws stops the chain (its error is not masked by a later lookup's answer).
 *
 * @example
 * ```ts
 * const didResolver = createDidResolver({
 *   didWeb: composeDidWebLookups((did) => lookupLocalDidWeb(storage, did), createRemoteDidWebLookup({ clock })),
 * })
 * ```
 */
export function composeDidWebLookups(...lookups: DidWebLookup[]): DidWebLookup {
  if (!lookups.every((lookup) => typeof lookup === 'function')) {
    throw new TypeError('composeDidWebLookups: every lookup must be a function')
  }
  const chain = [...lookups]
  return async (did) => {
    for (const lookup of chain) {
      const document = await lookup(did)
      if (document !== undefined) return document
    }
    return undefined
  }
}

export interface DidResolver {
  /** The DID document of `did` (a DID, not a DID URL). */
  resolve(did: string): Promise<DIDDocument>
  /** The verification method a DID URL (`did:…#fragment`) names, from its DID document. */
  resolveVerificationMethod(didUrl: string): Promise<VerificationMethod>
}

function result(document: DIDDocument | undefined): DIDResolutionResult {
  return document
    ? {
        didResolutionMetadata: { contentType: 'application/did+ld+json' },
        didDocument: document,
        didDocumentMetadata: {},
      }
    : { didResolutionMetadata: { error: 'notFound' }, didDocument: null, didDocumentMetadata: {} }
}

/**
 * Creates a resolver for did:key, did:jwk and (when a lookup is given) did:web.
 *
 * `resolve` rejects with a typed error: `UnsupportedDidMethodError`, `InvalidDidError` (also for a document
 * whose `id` is not the DID), `UnsupportedKeyError` (a did:jwk of a key type we do not verify),
 * `NotFoundError`, or whatever the did:web lookup throws (`DidResolutionError` when the network failed).
 */
export function createDidResolver(options: DidResolverOptions = {}): DidResolver {
  const methods: ConstructorParameters<typeof Resolver>[0] = {
    key: async (did) => {
      try {
        return result(didKeyDocument(did))
      } catch {
        return { didResolutionMetadata: { error: 'invalidDid' }, didDocument: null, didDocumentMetadata: {} }
      }
    },
    // Typed errors (InvalidDidError, UnsupportedKeyError) pass through did-resolver unchanged.
    jwk: async (did) => result(await didJwkDocument(did)),
  }
  const { didWeb } = options
  if (didWeb) methods.web = async (did) => result(await didWeb(did))
  const resolver = new Resolver(methods, { cache: false })

  async function resolve(did: string): Promise<DIDDocument> {
    const res = await resolver.resolve(did)
    const error = res.didResolutionMetadata.error as string | undefined
    if (error === 'unsupportedDidMethod')
      throw new UnsupportedDidMethodError(`DID method not supported: ${did.split(':')[1] ?? ''}`)
    if (error === 'invalidDid') throw new InvalidDidError(`Invalid DID: ${did}`)
    if (error || !res.didDocument) throw new NotFoundError(`DID not found: ${did}`)
    if (res.didDocument.id !== did)
      throw new InvalidDidError(`DID document id ${res.didDocument.id} does not match ${did}`)
    return res.didDocument
  }

  return {
    resolve,
    async resolveVerificationMethod(didUrl) {
      const hash = didUrl.indexOf('#')
      if (hash < 0) throw new InvalidDidError(`A verification method id needs a fragment: ${didUrl}`)
      const document = await resolve(didUrl.slice(0, hash))
      const fragment = didUrl.slice(hash)
      const method = document.verificationMethod?.find((vm) => vm.id === didUrl || vm.id === fragment)
      if (!method) throw new NotFoundError(`Verification method not found: ${didUrl}`)
      return { ...method, id: didUrl, controller: method.controller || document.id }
    },
  }
}
