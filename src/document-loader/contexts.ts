/**
 * The JSON-LD context documents microcred ships with, keyed by their exact URL.
 *
 * Contexts are never fetched: a context decides what every term of a credential means, so a context served by
 * the network at verification time could silently change what a signed credential says. Each document here
 * comes either from a pinned npm package or from a byte-identical copy in `contexts/` (provenance and sha256
 * in `contexts/README.md`).
 */
import { readFileSync } from 'node:fs'
import { contexts as credentialsContexts } from '@digitalbazaar/credentials-context'
import { contexts as bitstringStatusListContexts } from '@digitalbazaar/vc-bitstring-status-list-context'
import dataIntegrityContext from '@digitalbazaar/data-integrity-context'
import multikeyContext from '@digitalbazaar/multikey-context'
import didContext from 'did-context'

/** W3C Verifiable Credentials Data Model 1.1. ELM/EDC credentials use this one. */
export const CREDENTIALS_V1 = 'https://www.w3.org/2018/credentials/v1'
/** W3C Verifiable Credentials Data Model 2.0. */
export const CREDENTIALS_V2 = 'https://www.w3.org/ns/credentials/v2'
/** VC 2.0 catch-all vocabulary; shipped by the same package as the VC contexts. */
export const CREDENTIALS_UNDEFINED_TERMS_V2 = 'https://www.w3.org/ns/credentials/undefined-terms/v2'
export const DATA_INTEGRITY_V1 = 'https://w3id.org/security/data-integrity/v1'
export const DATA_INTEGRITY_V2 = 'https://w3id.org/security/data-integrity/v2'
export const MULTIKEY_V1 = 'https://w3id.org/security/multikey/v1'
/** DID Core v1. The package (did-context 3.x) dropped the pre-standard `https://w3id.org/did/v0.11`. */
export const DID_V1 = 'https://www.w3.org/ns/did/v1'
export const BITSTRING_STATUS_LIST = 'https://www.w3.org/ns/credentials/status/v1'
/** VC 2.0 examples vocabulary, for test and demo documents only. */
export const EXAMPLES_V2 = 'https://www.w3.org/ns/credentials/examples/v2'
/**
 * ELM 3.2 / European Digital Credentials application profile. Only this exact `http:` URL is official; an
 * `https:` variant is a different URL and is refused like any other.
 */
export const EDC_AP = 'http://data.europa.eu/snb/model/context/edc-ap'

/** A context document: a JSON object whose `@context` member is the context itself. */
export interface ContextDocument {
  readonly '@context': unknown
}

/**
 * Freezes `value` and everything reachable from it, in place.
 * @internal Shared with the document loader; not part of the public API.
 */
export function deepFreeze<T>(value: T, seen: WeakSet<object> = new WeakSet()): T {
  if (typeof value !== 'object' || value === null || seen.has(value)) return value
  seen.add(value)
  for (const key of Reflect.ownKeys(value)) {
    deepFreeze((value as Record<PropertyKey, unknown>)[key], seen)
  }
  return Object.freeze(value)
}

function isContextDocument(value: unknown): value is ContextDocument {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && '@context' in value
}

function readBundledFile(name: string): ContextDocument {
  // Two levels up lands on the package root both from src/document-loader (tsx) and dist/document-loader (tsc).
  const parsed: unknown = JSON.parse(readFileSync(new URL(`../../contexts/${name}`, import.meta.url), 'utf8'))
  if (!isContextDocument(parsed)) throw new Error(`contexts/${name} is not a JSON-LD context document`)
  return parsed
}

function buildBundle(): ReadonlyMap<string, ContextDocument> {
  const sources: Iterable<readonly [string, ContextDocument]>[] = [
    credentialsContexts,
    dataIntegrityContext.contexts,
    multikeyContext.contexts,
    didContext.contexts,
    bitstringStatusListContexts,
    [
      [EXAMPLES_V2, readBundledFile('credentials-examples-v2.jsonld')],
      [EDC_AP, readBundledFile('edc-ap.jsonld')],
    ],
  ]
  const map = new Map<string, ContextDocument>()
  for (const source of sources) {
    for (const [url, document] of source) {
      // Two sources claiming one URL means a package update changed the bundle: stop rather than pick one.
      if (map.has(url)) throw new Error(`Bundled context defined twice: ${url}`)
      if (!isContextDocument(document)) throw new Error(`Bundled context is not a context document: ${url}`)
      // The package objects are shared with other importers (e.g. @digitalbazaar/vc); freeze our own copy.
      map.set(url, deepFreeze(structuredClone(document)))
    }
  }
  const required = [
    CREDENTIALS_V1,
    CREDENTIALS_V2,
    DATA_INTEGRITY_V1,
    DATA_INTEGRITY_V2,
    MULTIKEY_V1,
    DID_V1,
    BITSTRING_STATUS_LIST,
    EXAMPLES_V2,
    EDC_AP,
  ]
  for (const url of required) {
    if (!map.has(url)) throw new Error(`Bundled context missing (package changed?): ${url}`)
  }
  // Object.freeze does not protect a Map's entries, so the mutators are shadowed as well.
  const refuse = (): never => {
    throw new TypeError('The bundled context map is read-only')
  }
  Object.defineProperties(map, {
    set: { value: refuse },
    delete: { value: refuse },
    clear: { value: refuse },
  })
  return Object.freeze(map)
}

/** Every bundled context, by exact URL (no fragment). Documents are deep-frozen; the map refuses writes. */
export const BUNDLED_CONTEXTS: ReadonlyMap<string, ContextDocument> = buildBundle()
