/**
 * The trusted-issuer registry: which issuers a relying party trusts, and the name to show for each (the
 * credential's own `issuer.legalName` is a claim, not an identity).
 *
 * Two sources, asked in this order:
 * - this instance's own issuers, from storage: every DID each of them ever had, including the `did:key` DIDs
 *   of rotated keys (`issuer_keys.controller`), so credentials issued before a rotation stay trusted;
 * - entries given by the caller, usually read from the registry file the `trustedIssuers` setting names
 *   ({@link readTrustedIssuersFile}, `schemas/trusted-issuers.schema.json`).
 */
import { readFileSync } from 'node:fs'
import { ConfigError } from '../errors.js'
import { createAjv, toFieldProblems } from '../lib/schema-validation.js'
import type { IssuerRecord, StorageSession } from '../storage/storage.js'
import type { TrustedIssuer, TrustedIssuerRegistry } from './types.js'

/** What the registry reads from storage: issuers by DID, and keys by kid (for rotated `did:key` DIDs). */
export type TrustedIssuerStorage = Pick<StorageSession, 'issuers' | 'keys'>

/** Options of {@link createTrustedIssuerRegistry}. */
export interface TrustedIssuerRegistryOptions {
  /** This instance's storage: its issuers are trusted, with their legal names. */
  storage?: TrustedIssuerStorage
  /** Further trusted issuers (e.g. from the registry file). */
  entries?: readonly TrustedIssuer[]
}

/** The display name of an instance issuer: its legal name in the first language listed. */
function nameOf(issuer: IssuerRecord): string {
  const names = Object.values(issuer.profile.legalName).filter(
    (n) => typeof n === 'string' && n.trim() !== '',
  )
  return names[0] ?? issuer.did
}

async function lookupInstance(
  storage: TrustedIssuerStorage,
  did: string,
): Promise<TrustedIssuer | undefined> {
  const current = await storage.issuers.getByDid(did)
  if (current) return { did, name: nameOf(current), source: 'instance' }
  // A did:key DID names one key, whose kid is `<did>#<multibase>`: a rotated issuer's old DID is found by
  // the key it named, if that key belongs to one of our issuers and was controlled by exactly that DID.
  if (!did.startsWith('did:key:') || did.includes('#')) return undefined
  const key = await storage.keys.getByKid(`${did}#${did.slice('did:key:'.length)}`)
  if (!key || key.controller !== did) return undefined
  const issuer = await storage.issuers.get(key.issuerId)
  return issuer ? { did, name: nameOf(issuer), source: 'instance' } : undefined
}

/**
 * Creates the registry. `entries` are copied (later changes by the caller do not reach it); a DID listed
 * twice among them is a `TypeError`. Lookups are exact string comparisons: no normalisation.
 *
 * @example
 * ```ts
 * const registry = createTrustedIssuerRegistry({ storage: ctx.storage, entries: readTrustedIssuersFile(file) })
 * const entry = await registry.lookup('did:web:univ.example') // { did, name, source } or undefined
 * ```
 */
export function createTrustedIssuerRegistry(
  options: TrustedIssuerRegistryOptions = {},
): TrustedIssuerRegistry {
  const { storage } = options
  const entries = new Map<string, TrustedIssuer>()
  for (const entry of options.entries ?? []) {
    if (
      typeof entry?.did !== 'string' ||
      entry.did === '' ||
      typeof entry.name !== 'string' ||
      entry.name === ''
    ) {
      throw new TypeError('Each trusted issuer needs a did and a name')
    }
    if (entries.has(entry.did)) throw new TypeError(`Trusted issuer listed twice: ${entry.did}`)
    entries.set(entry.did, Object.freeze({ did: entry.did, name: entry.name, source: entry.source }))
  }
  return {
    async lookup(did: string): Promise<TrustedIssuer | undefined> {
      if (typeof did !== 'string' || did === '') return undefined
      if (storage) {
        const own = await lookupInstance(storage, did)
        if (own) return own
      }
      const entry = entries.get(did)
      return entry === undefined ? undefined : { ...entry }
    },
  }
}

interface RegistryFile {
  issuers: Array<{ did: string; name: string }>
}

const validateRegistryFile = createAjv().compile<RegistryFile>(
  JSON.parse(
    readFileSync(new URL('../../schemas/trusted-issuers.schema.json', import.meta.url), 'utf8'),
  ) as object,
)

/**
 * Reads a registry file (`{"issuers": [{"did": "…", "name": "…"}]}`, see
 * `schemas/trusted-issuers.schema.json`) into entries with source `registry`.
 *
 * @throws {ConfigError} when the file cannot be read, is not JSON, does not match the schema or lists a DID
 *   twice: a verifier must not run with a registry other than the one configured.
 */
export function readTrustedIssuersFile(path: string): TrustedIssuer[] {
  let parsed: unknown
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8')) as unknown
  } catch (cause) {
    const reason = (cause as NodeJS.ErrnoException).code ?? 'not JSON'
    throw new ConfigError(`The trusted-issuer registry ${path} cannot be read (${reason})`, [
      { field: 'trustedIssuers', rule: 'readable', message: `${path}: ${reason}` },
    ])
  }
  if (!validateRegistryFile(parsed)) {
    const problems = toFieldProblems(validateRegistryFile.errors)
    throw new ConfigError(`The trusted-issuer registry ${path} is invalid`, problems)
  }
  const seen = new Set<string>()
  for (const { did } of parsed.issuers) {
    if (seen.has(did)) {
      throw new ConfigError(`The trusted-issuer registry ${path} lists ${did} twice`, [
        { field: 'trustedIssuers', rule: 'unique', message: `${did} is listed twice` },
      ])
    }
    seen.add(did)
  }
  return parsed.issuers.map(({ did, name }) => ({ did, name, source: 'registry' }))
}
