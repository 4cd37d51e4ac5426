/**
 * The composition root: the one place that picks the storage driver, the key store, the document loader
 * and the clock from the configuration. The CLI and the service call it; the core only receives its parts.
 */
import type { ClaimLinks } from './claims/claim-links.js'
import { openClaimLinks } from './claims/secrets-file.js'
import type { Clock } from './clock.js'
import { systemClock } from './clock.js'
import type { Config } from './config/load-config.js'
import { createDidResolver, type DidResolver } from './did/resolver.js'
import {
  composeDocumentLoaders,
  createStaticDocumentLoader,
  type DocumentLoader,
} from './document-loader/index.js'
import { createDidDocumentLoader } from './did/did-document-loader.js'
import { lookupLocalDidWeb } from './issuer/issuer-identity.js'
import { createFileKeyStore } from './signing/file-key-store.js'
import type { KeyStore } from './signing/key-store.js'
import { createLogger, type Logger } from './lib/logger.js'
import { createDisplayImageCache, type DisplayImageCache } from './model/display-image-cache.js'
import { openStorage } from './storage/open-storage.js'
import type { StatusPurpose } from './status/index.js'
import type { Storage } from './storage/storage.js'

/** Everything a command or request handler needs, built once. */
export interface AppContext {
  readonly config: Config
  readonly clock: Clock
  readonly storage: Storage
  readonly keyStore: KeyStore
  readonly documentLoader: DocumentLoader
  readonly didResolver: DidResolver
  readonly logger: Logger
  /** Display images rendered once per course version and language, reused for every learner. */
  readonly displayImages: DisplayImageCache
  /** From the configuration: where this instance's status lists and did:web documents live. */
  readonly publicBaseUrl: string
  /** From the configuration: status entries every credential carries unless its course says otherwise. */
  readonly statusPurposes: readonly StatusPurpose[]
  /**
   * Learners' claim links, keyed by the configured or stored secret. Without one (a folder never
   * initialised) making a link fails with `ERR_NOT_INITIALIZED`; everything else works.
   */
  readonly claimLinks: ClaimLinks
  close(): Promise<void>
}

/** Parts a caller (usually a test) supplies instead of the defaults. */
export type ContextOverrides = Partial<
  Pick<AppContext, 'clock' | 'storage' | 'keyStore' | 'documentLoader' | 'logger' | 'claimLinks'>
>

/** Builds the context from a loaded configuration. The storage is opened but not migrated. */
export async function createContext(config: Config, overrides: ContextOverrides = {}): Promise<AppContext> {
  const storage =
    overrides.storage ??
    (await openStorage({ databaseUrl: config.databaseUrl, sqliteFile: config.sqliteFile }))
  // This instance's own did:web documents resolve from storage, never over the network.
  const didResolver = createDidResolver({ didWeb: (did) => lookupLocalDidWeb(storage, did) })
  const documentLoader =
    overrides.documentLoader ??
    composeDocumentLoaders(createStaticDocumentLoader(), createDidDocumentLoader(didResolver))
  return {
    config,
    clock: overrides.clock ?? systemClock,
    storage,
    keyStore: overrides.keyStore ?? createFileKeyStore({ directory: config.keysDir }),
    documentLoader,
    didResolver,
    logger: overrides.logger ?? createLogger(config.logLevel),
    displayImages: createDisplayImageCache(),
    publicBaseUrl: config.publicBaseUrl,
    statusPurposes: config.statusPurposes,
    claimLinks:
      overrides.claimLinks ??
      (await openClaimLinks({
        secret: config.claimLinkSecret,
        secretsFile: config.secretsFile,
        publicBaseUrl: config.publicBaseUrl,
      })),
    // A storage handed in by the caller is the caller's to close.
    close: async () => {
      if (!overrides.storage) await storage.close()
    },
  }
}
