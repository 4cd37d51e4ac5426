/**
 * Tunables of the issuer side of status lists, their defaults, and the shapes shared by allocation, status
 * changes and publication.
 */
import type { Clock } from '../clock.js'
import type { DocumentLoader } from '../document-loader/index.js'
import type { KeyStore } from '../signing/key-store.js'
import type { StatusListForm, StatusPurpose, Storage } from '../storage/storage.js'

export type { StatusListForm, StatusPurpose }

/**
 * Bits per list, and the least a production list may have: Bitstring Status List v1.0 §6.1 (herd privacy)
 * sets 131,072 entries (16 KiB) as the minimum, so that one list hides each holder among many.
 */
export const MIN_STATUS_LIST_SIZE = 131_072

/** How long a published list credential stays valid by default: 24 hours. */
export const DEFAULT_STATUS_LIST_LIFETIME_MS = 24 * 60 * 60 * 1000

/** The `ttl` a published list advertises by default: 5 minutes (Bitstring Status List §2.2, milliseconds). */
export const DEFAULT_STATUS_LIST_TTL_MS = 5 * 60 * 1000

/** Largest list size accepted: 2^26 bits (8 MiB uncompressed), far above any need and bounded for memory. */
const MAX_STATUS_LIST_SIZE = 2 ** 26

/** Options of the status functions. Every field has a default; production code passes none of `listSize`. */
export interface StatusOptions {
  /**
   * Bits per new list (default and minimum in production: {@link MIN_STATUS_LIST_SIZE}). A smaller value is
   * accepted only here, for tests that need to fill lists quickly; configuration never sets it. Lists that
   * already exist keep their size. A multiple of 8.
   */
  listSize?: number
  /** Validity of a published list credential, in milliseconds (default 24 h). */
  listLifetimeMs?: number
  /** `ttl` written into published lists, in milliseconds (default 5 min): how long verifiers may cache. */
  ttlMs?: number
}

/** {@link StatusOptions} with every default applied. */
export interface ResolvedStatusOptions {
  listSize: number
  listLifetimeMs: number
  ttlMs: number
}

/**
 * Applies defaults and checks the options. Options come from code, not from users, so a bad value is a
 * programmer error: `TypeError`.
 */
export function resolveStatusOptions(options: StatusOptions = {}): ResolvedStatusOptions {
  const listSize = options.listSize ?? MIN_STATUS_LIST_SIZE
  const listLifetimeMs = options.listLifetimeMs ?? DEFAULT_STATUS_LIST_LIFETIME_MS
  const ttlMs = options.ttlMs ?? DEFAULT_STATUS_LIST_TTL_MS
  // Multiples of 8 only: a decoded bitstring is whole bytes, so any other size would not survive a round trip.
  if (
    !Number.isSafeInteger(listSize) ||
    listSize < 8 ||
    listSize % 8 !== 0 ||
    listSize > MAX_STATUS_LIST_SIZE
  ) {
    throw new TypeError(`listSize must be a multiple of 8 between 8 and ${MAX_STATUS_LIST_SIZE}`)
  }
  if (!Number.isSafeInteger(listLifetimeMs) || listLifetimeMs <= 0) {
    throw new TypeError('listLifetimeMs must be a positive integer')
  }
  if (!Number.isSafeInteger(ttlMs) || ttlMs < 0) throw new TypeError('ttlMs must be a non-negative integer')
  return { listSize, listLifetimeMs, ttlMs }
}

/**
 * Slots a list of `size` bits hands out: three quarters. Random probing then always finds a free index in
 * a few tries (at worst 3 in 4 probes hit a taken one), and a quarter of every list stays 0 forever: decoys,
 * so that a list's set bits never reveal how many credentials it actually serves.
 */
export function capacityOf(size: number): number {
  return Math.floor((size * 3) / 4)
}

/** A `credentialStatus` entry (Bitstring Status List v1.0 §2.1), as allocation returns it. */
export interface StatusEntry {
  /** `${statusListCredential}#${statusListIndex}`. */
  id: string
  /** VC 1.1 (Data Integrity) credentials also name the VC 1.1 `CredentialStatus` type. */
  type: 'BitstringStatusListEntry' | ['BitstringStatusListEntry', 'CredentialStatus']
  statusPurpose: StatusPurpose
  /** The index, as a base-10 string (the spec's type). */
  statusListIndex: string
  /** URL of the list credential: `${publicBaseUrl}/status-lists/${listId}`. */
  statusListCredential: string
}

/** What publishing and status changes need, injected by the composition root. */
export interface StatusDeps {
  storage: Storage
  keyStore: KeyStore
  clock: Clock
  documentLoader: DocumentLoader
}

/** The URL prefix of this instance's status lists, `publicBaseUrl` without trailing slashes. */
export function statusListUrlPrefix(publicBaseUrl: string): string {
  return `${publicBaseUrl.replace(/\/+$/, '')}/status-lists/`
}
