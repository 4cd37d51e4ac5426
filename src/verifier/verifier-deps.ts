/**
 * Wiring the verifier's dependencies, for an instance (with its storage) or for a verifier that stands
 * alone (no home folder: `microcred verify` in any directory, a relying party's own code).
 *
 * Status lists: an instance's own lists resolve from its storage, never over the network; any other list is
 * fetched over HTTPS (cached, size- and time-limited). DIDs: `did:key` and `did:jwk` offline; `did:web` from
 * the instance's storage for its own issuers, else over HTTPS (public addresses only, cached). Contexts:
 * bundled only.
 */
import type { Clock } from '../clock.js'
import { createDidDocumentLoader } from '../did/did-document-loader.js'
import {
  composeDidWebLookups,
  createDidResolver,
  type DidResolver,
  type DidWebLookup,
} from '../did/resolver.js'
import { createRemoteDidWebLookup, type RemoteDidWebLookupOptions } from '../did/did-web-remote.js'
import {
  composeDocumentLoaders,
  createStaticDocumentLoader,
  type DocumentLoader,
} from '../document-loader/index.js'
import { lookupLocalDidWeb } from '../issuer/issuer-identity.js'
import type { KeyStore } from '../signing/key-store.js'
import { composeStatusListResolvers } from '../status/compose-resolvers.js'
import {
  createRemoteStatusListResolver,
  type RemoteStatusListResolverOptions,
} from '../status/fetch-status-list.js'
import { createLocalStatusListResolver } from '../status/local-status-list-resolver.js'
import type { Storage } from '../storage/storage.js'
import { createTrustedIssuerRegistry, readTrustedIssuersFile } from './trusted-issuers.js'
import type { TrustedIssuer, VerifierDeps } from './types.js'

/** The parts of an instance's context the verifier uses (an `AppContext` fits). */
export interface VerifierContext {
  readonly config: { readonly trustedIssuersFile?: string | undefined }
  readonly clock: Clock
  readonly storage: Storage
  readonly keyStore: KeyStore
  readonly documentLoader: DocumentLoader
  readonly publicBaseUrl: string
}

/** Options shared by both constructors. */
export interface VerifierDepsOptions {
  /** Remote status list retrieval (fetch, timeout, size, plain-http hosts for tests). */
  remoteStatus?: Omit<RemoteStatusListResolverOptions, 'clock'>
  /** Remote `did:web` resolution options, or `false` to resolve only this instance's own did:web DIDs. */
  remoteDidWeb?: Omit<RemoteDidWebLookupOptions, 'clock'> | false
  /** Trusted issuers in addition to the configured registry file (and the instance's own). */
  trustedIssuers?: readonly TrustedIssuer[]
  /** Tolerated clock difference, seconds (default 300). */
  maxClockSkew?: number
}

function remoteDidWeb(options: VerifierDepsOptions, clock: Clock): DidWebLookup | undefined {
  return options.remoteDidWeb === false
    ? undefined
    : createRemoteDidWebLookup({ ...options.remoteDidWeb, clock })
}

/** Bundled contexts, then DID URLs through `didResolver` (for Data Integrity verification methods). */
function loaderFor(didResolver: DidResolver): DocumentLoader {
  return composeDocumentLoaders(createStaticDocumentLoader(), createDidDocumentLoader(didResolver))
}

function withSkew(deps: VerifierDeps, maxClockSkew: number | undefined): VerifierDeps {
  return maxClockSkew === undefined ? deps : { ...deps, maxClockSkew }
}

/**
 * The verifier's dependencies inside an instance: the instance's DID resolver and document loader, its own
 * status lists from storage (then remote ones over HTTPS), and a trusted-issuer registry holding the
 * instance's issuers plus the `trustedIssuers` registry file, when configured.
 *
 * @throws {ConfigError} when the configured registry file cannot be read or is invalid.
 *
 * @example
 * ```ts
 * const ctx = await createContext(loadConfig({ env, cwd }))
 * const result = await verifyCredential(text, createVerifierDeps(ctx))
 * ```
 */
export function createVerifierDeps(ctx: VerifierContext, options: VerifierDepsOptions = {}): VerifierDeps {
  const file = ctx.config.trustedIssuersFile
  const entries = [
    ...(file === undefined ? [] : readTrustedIssuersFile(file)),
    ...(options.trustedIssuers ?? []),
  ]
  const resolveStatusList = composeStatusListResolvers(
    createLocalStatusListResolver(ctx),
    createRemoteStatusListResolver({ ...options.remoteStatus, clock: ctx.clock }),
  )
  // The instance's own did:web documents come from storage first: never over the network, and current.
  const local: DidWebLookup = (did) => lookupLocalDidWeb(ctx.storage, did)
  const remote = remoteDidWeb(options, ctx.clock)
  const didResolver = createDidResolver({ didWeb: remote ? composeDidWebLookups(local, remote) : local })
  return withSkew(
    {
      documentLoader: loaderFor(didResolver),
      didResolver,
      resolveStatusList,
      trustedIssuers: createTrustedIssuerRegistry({ storage: ctx.storage, entries }),
      clock: ctx.clock,
    },
    options.maxClockSkew,
  )
}

/** Options of {@link createStandaloneVerifierDeps}. */
export interface StandaloneVerifierDepsOptions extends VerifierDepsOptions {
  clock: Clock
  /** A trusted-issuer registry file to read (as the `trustedIssuers` setting names it). */
  trustedIssuersFile?: string
  /** The DID resolver; default: `did:key`, `did:jwk`, and `did:web` over HTTPS (unless `remoteDidWeb` is false). */
  didResolver?: DidResolver
}

/**
 * The verifier's dependencies without an instance: bundled contexts, DIDs offline (`did:key`, `did:jwk`) and
 * `did:web` over HTTPS, status lists over HTTPS only, and only the trusted issuers given (none by default, so
 * the `trust` check fails: under the `default` policy that is a warning).
 *
 * @throws {ConfigError} when `trustedIssuersFile` cannot be read or is invalid.
 */
export function createStandaloneVerifierDeps(options: StandaloneVerifierDepsOptions): VerifierDeps {
  const remote = remoteDidWeb(options, options.clock)
  const didResolver = options.didResolver ?? createDidResolver(remote ? { didWeb: remote } : {})
  const file = options.trustedIssuersFile
  const entries = [
    ...(file === undefined ? [] : readTrustedIssuersFile(file)),
    ...(options.trustedIssuers ?? []),
  ]
  return withSkew(
    {
      documentLoader: loaderFor(didResolver),
      didResolver,
      resolveStatusList: createRemoteStatusListResolver({ ...options.remoteStatus, clock: options.clock }),
      trustedIssuers: createTrustedIssuerRegistry({ entries }),
      clock: options.clock,
    },
    options.maxClockSkew,
  )
}
