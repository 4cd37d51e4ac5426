/**
 * did:web documents of other issuers, retrieved over HTTPS with an in-memory cache.
 *
 * A verifier that resolves did:web on request reaches out to a host the credential names, so it could be
 * made to probe the verifier's own network (SSRF). Hosts on private, loopback, link-local and other
 * non-public addresses are therefore refused unless `allowPrivateNetworks` is set:
 *
 * - the host of every URL (the document URL and each redirect target) is checked by name first: IP literals
 *   against {@link isPublicAddress}, and `localhost` / `*.localhost` (RFC 6761) refused outright;
 * - the default transport (`node:https`) resolves names through {@link createCheckedLookup}, which checks
 *   every address the name resolves to and hands exactly those addresses to the socket. The connection is
 *   therefore made to the address that was checked: there is no second DNS query between the check and the
 *   connect that a rebinding DNS server could answer differently.
 *
 * An injected `fetch` (tests, a proxy) is responsible for its own connect-time checks: only the name-level
 * checks above run before it is called.
 */
import { readLimitedBody } from '../lib/read-limited-body.js'
import { lookup as dnsLookup } from 'node:dns/promises'
import { request as httpsRequest } from 'node:https'
import { isIP, type LookupFunction } from 'node:net'
import type { LookupAddress } from 'node:dns'
import type { IncomingMessage } from 'node:http'
import { Readable } from 'node:stream'
import type { DIDDocument } from 'did-resolver'
import type { Clock } from '../clock.js'
import { DidResolutionError, InvalidDidError, type DidResolutionReason } from '../errors.js'
import { didWebDocumentUrl } from './did-web.js'
import type { DidWebLookup } from './resolver.js'

/** Options of {@link createRemoteDidWebLookup}. */
export interface RemoteDidWebLookupOptions {
  /**
   * The fetch implementation. Default: a `node:https` transport that connects only to checked addresses
   * (see the module comment). An injected fetch gets the name-level host checks only.
   */
  fetch?: typeof globalThis.fetch
  /** Time allowed for one resolution, redirects and body included, in ms. Default 5000. */
  timeoutMs?: number
  /** Largest DID document accepted, in bytes. Default 256 KiB. */
  maxBytes?: number
  /** Source of "now" for the cache. */
  clock: Clock
  /**
   * Allow hosts on private, loopback, link-local and other non-public addresses (a test network, an
   * intranet verifier). Default false.
   */
  allowPrivateNetworks?: boolean
  /** How long a retrieved document is reused, in ms. Default 300000 (5 minutes). */
  cacheTtlMs?: number
  /** Most documents kept in the cache; the least recently used is dropped first. Default 500. */
  maxCacheEntries?: number
  /**
   * Name resolution for the default transport (ignored with an injected `fetch`). Default
   * `dns.promises.lookup(name, { all: true })`. For tests and custom DNS.
   */
  resolveHost?: (hostname: string) => Promise<LookupAddress[]>
}

const MAX_REDIRECTS = 3
const DEFAULT_TIMEOUT_MS = 5000
const DEFAULT_MAX_BYTES = 256 * 1024
const DEFAULT_CACHE_TTL_MS = 300_000
const DEFAULT_MAX_CACHE_ENTRIES = 500
const ACCEPT =
  'application/did+json, application/did+ld+json, application/json;q=0.9, application/ld+json;q=0.9'
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308])
/** The document does not exist (as opposed to a server that failed): the DID is not found. */
const NOT_FOUND_STATUSES = new Set([404, 410])

// ---------------------------------------------------------------------------------------------------------
// Address classification

type Range = readonly [network: bigint, prefix: number]

function ipv4ToNumber(address: string): number | undefined {
  if (isIP(address) !== 4) return undefined
  return address.split('.').reduce((acc, octet) => acc * 256 + Number(octet), 0)
}

function ipv6ToBigInt(address: string): bigint | undefined {
  const text = address.replace(/%.*$/, '')
  if (isIP(text) !== 6) return undefined
  let head = text
  let tail: number[] = []
  // A trailing dotted quad (`::ffff:10.0.0.1`) stands for the last two groups.
  const dotted = /^(.*:)(\d+\.\d+\.\d+\.\d+)$/.exec(text)
  if (dotted?.[1] !== undefined && dotted[2] !== undefined) {
    const v4 = ipv4ToNumber(dotted[2])
    if (v4 === undefined) return undefined
    head = dotted[1].endsWith('::') ? dotted[1] : dotted[1].slice(0, -1)
    tail = [Math.floor(v4 / 65536), v4 % 65536]
  }
  const [left = '', right] = head.split('::')
  const parse = (part: string) => (part === '' ? [] : part.split(':').map((group) => parseInt(group, 16)))
  const leftGroups = parse(left)
  const rightGroups = right === undefined ? [] : parse(right)
  const missing = 8 - leftGroups.length - rightGroups.length - tail.length
  if (missing < 0 || (right === undefined && missing !== 0)) return undefined
  const groups = [...leftGroups, ...new Array<number>(missing).fill(0), ...rightGroups, ...tail]
  return groups.reduce((acc, group) => (acc << 16n) | BigInt(group), 0n)
}

function v4(text: string, prefix: number): Range {
  return [BigInt(ipv4ToNumber(text) ?? Number.NaN), prefix]
}

function v6(text: string, prefix: number): Range {
  const value = ipv6ToBigInt(text)
  if (value === undefined) throw new Error(`bad range ${text}`)
  return [value, prefix]
}

function inRange(value: bigint, [network, prefix]: Range, bits: number): boolean {
  const shift = BigInt(bits - prefix)
  return value >> shift === network >> shift
}

/** IPv4 ranges that are not publicly routable (RFC 6890 special-purpose registry, and multicast). */
const IPV4_NOT_PUBLIC: readonly Range[] = [
  v4('0.0.0.0', 8), // "this network"
  v4('10.0.0.0', 8), // private
  v4('100.64.0.0', 10), // carrier-grade NAT
  v4('127.0.0.0', 8), // loopback
  v4('169.254.0.0', 16), // link-local (cloud metadata services live here)
  v4('172.16.0.0', 12), // private
  v4('192.0.0.0', 24), // IETF protocol assignments
  v4('192.0.2.0', 24), // documentation
  v4('192.88.99.0', 24), // 6to4 relay anycast (deprecated)
  v4('192.168.0.0', 16), // private
  v4('198.18.0.0', 15), // benchmarking
  v4('198.51.100.0', 24), // documentation
  v4('203.0.113.0', 24), // documentation
  v4('224.0.0.0', 4), // multicast
  v4('240.0.0.0', 4), // reserved, and the broadcast address
]

/** Global unicast IPv6 (RFC 4291); everything outside it is refused. */
const IPV6_GLOBAL_UNICAST = v6('2000::', 3)
/** Non-public ranges inside global unicast (RFC 6890 and later assignments). */
const IPV6_NOT_PUBLIC: readonly Range[] = [
  v6('2001::', 23), // IETF protocol assignments (Teredo, benchmarking, ORCHID)
  v6('2001:db8::', 32), // documentation
  v6('3fff::', 20), // documentation
]
/** IPv6 forms that embed an IPv4 address, judged by that address. */
const IPV4_MAPPED = v6('::ffff:0:0', 96)
const NAT64 = v6('64:ff9b::', 96)
const SIX_TO_FOUR = v6('2002::', 16)

function isPublicIPv4(value: number): boolean {
  return !IPV4_NOT_PUBLIC.some((range) => inRange(BigInt(value), range, 32))
}

/**
 * Whether `address` (an IPv4 or IPv6 literal, as `dns.lookup` returns it) is a public unicast address a
 * verifier may contact. Private (10/8, 172.16/12, 192.168/16, fc00::/7), loopback (127/8, ::1), link-local
 * (169.254/16, fe80::/10), carrier-grade NAT (100.64/10), "this network" (0/8), documentation, benchmarking,
 * multicast and reserved ranges are not; an IPv4 address embedded in IPv6 (`::ffff:a.b.c.d`, NAT64
 * `64:ff9b::/96`, 6to4 `2002::/16`) is judged by the IPv4 address. Anything that is not an IP literal is not.
 */
export function isPublicAddress(address: string): boolean {
  const ipv4 = ipv4ToNumber(address)
  if (ipv4 !== undefined) return isPublicIPv4(ipv4)
  const ipv6 = ipv6ToBigInt(address)
  if (ipv6 === undefined) return false
  if (inRange(ipv6, IPV4_MAPPED, 128) || inRange(ipv6, NAT64, 128))
    return isPublicIPv4(Number(ipv6 & 0xffffffffn))
  if (inRange(ipv6, SIX_TO_FOUR, 128)) return isPublicIPv4(Number((ipv6 >> 80n) & 0xffffffffn))
  if (!inRange(ipv6, IPV6_GLOBAL_UNICAST, 128)) return false
  return !IPV6_NOT_PUBLIC.some((range) => inRange(ipv6, range, 128))
}

/**
 * Whether a URL host may be contacted before any DNS query: an IP literal must be public, and `localhost`
 * names (RFC 6761 §6.3) are never sent to DNS. Other names are checked when they are resolved.
 */
export function isAllowedHostName(hostname: string, allowPrivateNetworks = false): boolean {
  if (allowPrivateNetworks) return true
  const host = hostname
    .replace(/^\[|\]$/g, '')
    .replace(/\.$/, '')
    .toLowerCase()
  if (host === '') return false
  if (isIP(host) !== 0) return isPublicAddress(host)
  return host !== 'localhost' && !host.endsWith('.localhost')
}

/** Raised by {@link createCheckedLookup} for a name that resolves to a refused address. */
export class AddressRefusedError extends Error {
  readonly code = 'ERR_ADDRESS_REFUSED'
  constructor(
    readonly hostname: string,
    readonly address: string,
  ) {
    super(`${hostname} resolves to ${address}, which is not a public address`)
    this.name = 'AddressRefusedError'
  }
}

/** Options of {@link createCheckedLookup}. */
export interface CheckedLookupOptions {
  allowPrivateNetworks?: boolean
  /** Resolves a name to all its addresses. Default: `dns.promises.lookup(name, { all: true })`. */
  resolveHost?: (hostname: string) => Promise<LookupAddress[]>
}

/**
 * A `lookup` for `net`/`https` connections that refuses a name when ANY of its addresses is not public
 * (a name that mixes public and private addresses is treated as hostile), and otherwise answers with the
 * checked addresses themselves, so the socket connects to an address that passed the check.
 */
export function createCheckedLookup(options: CheckedLookupOptions = {}): LookupFunction {
  const resolveHost =
    options.resolveHost ?? ((hostname: string) => dnsLookup(hostname, { all: true, verbatim: true }))
  const allowPrivate = options.allowPrivateNetworks === true
  return (hostname, lookupOptions, callback) => {
    const answer = async (): Promise<LookupAddress[]> => {
      const addresses = await resolveHost(hostname)
      if (!allowPrivate) {
        const refused = addresses.find((entry) => !isPublicAddress(entry.address))
        if (refused) throw new AddressRefusedError(hostname, refused.address)
      }
      const family =
        lookupOptions.family === 'IPv4' ? 4 : lookupOptions.family === 'IPv6' ? 6 : lookupOptions.family
      const usable =
        family === 4 || family === 6 ? addresses.filter((entry) => entry.family === family) : addresses
      if (usable.length === 0) {
        throw Object.assign(new Error(`No usable address for ${hostname}`), { code: 'ENOTFOUND', hostname })
      }
      return usable
    }
    answer().then(
      (usable) => {
        if (lookupOptions.all) callback(null, usable)
        else callback(null, usable[0]?.address ?? '', usable[0]?.family)
      },
      (err: Error) => callback(err, '', 0),
    )
  }
}

/**
 * The default transport: one GET over `node:https` (certificate checks on, no redirects followed, no
 * connection reuse) with {@link createCheckedLookup}, answered as a WHATWG `Response`.
 */
function createHttpsTransport(lookup: LookupFunction): typeof globalThis.fetch {
  return (input, init) =>
    new Promise<Response>((resolve, reject) => {
      const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url)
      const headers = (init?.headers ?? {}) as Record<string, string>
      const signal = init?.signal ?? undefined
      const req = httpsRequest(
        url,
        { method: 'GET', headers, lookup, agent: false, ...(signal ? { signal } : {}) },
        (res: IncomingMessage) => {
          const responseHeaders = new Headers()
          for (const [name, value] of Object.entries(res.headers)) {
            if (Array.isArray(value)) for (const item of value) responseHeaders.append(name, item)
            else if (value !== undefined) responseHeaders.set(name, value)
          }
          const status = res.statusCode ?? 502
          const nullBody = status === 204 || status === 205 || status === 304
          if (nullBody) res.resume()
          const body = nullBody ? null : (Readable.toWeb(res) as unknown as ReadableStream<Uint8Array>)
          resolve(new Response(body, { status, headers: responseHeaders }))
        },
      )
      req.on('error', reject)
      req.end()
    })
}

// ---------------------------------------------------------------------------------------------------------
// The lookup

interface CacheEntry {
  document: DIDDocument
  expires: number
}

function assertOptions(options: RemoteDidWebLookupOptions): void {
  if (typeof options?.clock !== 'function')
    throw new TypeError('createRemoteDidWebLookup: "clock" must be a function')
  for (const name of ['timeoutMs', 'maxBytes', 'cacheTtlMs', 'maxCacheEntries'] as const) {
    const value = options[name]
    if (value !== undefined && !(typeof value === 'number' && Number.isInteger(value) && value >= 0)) {
      throw new TypeError(`createRemoteDidWebLookup: "${name}" must be a non-negative integer`)
    }
  }
  for (const name of ['fetch', 'resolveHost'] as const) {
    if (options[name] !== undefined && typeof options[name] !== 'function') {
      throw new TypeError(`createRemoteDidWebLookup: "${name}" must be a function`)
    }
  }
}

function findRefusal(err: unknown): AddressRefusedError | undefined {
  for (let current = err, depth = 0; current !== undefined && current !== null && depth < 5; depth++) {
    if (current instanceof AddressRefusedError) return current
    current = (current as { cause?: unknown }).cause
  }
  return undefined
}

/**
 * A {@link DidWebLookup} that retrieves did:web documents from their HTTPS URL (did:web §3.2 Read).
 *
 * - Answers `undefined` when the server says the document does not exist (404, 410).
 * - Rejects with {@link DidResolutionError} (code `ERR_DID_RESOLUTION`, with a `reason`) when the host is
 *   refused, the server is unreachable or slow, answers another non-2xx status, redirects to a non-https or
 *   refused URL (or more than 3 times), or sends more than `maxBytes`.
 * - Rejects with {@link InvalidDidError} for a malformed did:web or a body that is not a JSON object.
 * - Keeps each document for `cacheTtlMs`, and shares one retrieval between concurrent callers.
 *
 * @example
 * ```ts
 * const didResolver = createDidResolver({
 *   didWeb: composeDidWebLookups(localLookup, createRemoteDidWebLookup({ clock: systemClock })),
 * })
 * ```
 */
export function createRemoteDidWebLookup(options: RemoteDidWebLookupOptions): DidWebLookup {
  assertOptions(options)
  const { clock } = options
  const allowPrivate = options.allowPrivateNetworks === true
  const fetchImpl =
    options.fetch ??
    createHttpsTransport(
      createCheckedLookup({
        allowPrivateNetworks: allowPrivate,
        ...(options.resolveHost === undefined ? {} : { resolveHost: options.resolveHost }),
      }),
    )
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES
  const cacheTtlMs = options.cacheTtlMs ?? DEFAULT_CACHE_TTL_MS
  const maxCacheEntries = options.maxCacheEntries ?? DEFAULT_MAX_CACHE_ENTRIES
  const cache = new Map<string, CacheEntry>()
  const inFlight = new Map<string, Promise<DIDDocument | undefined>>()

  function remember(did: string, document: DIDDocument): void {
    if (cacheTtlMs === 0 || maxCacheEntries === 0) return
    cache.delete(did)
    cache.set(did, { document, expires: clock().getTime() + cacheTtlMs })
    if (cache.size > maxCacheEntries) {
      const oldest = cache.keys().next()
      if (!oldest.done) cache.delete(oldest.value)
    }
  }

  function readBody(
    response: Response,
    fail: (reason: DidResolutionReason, message: string) => DidResolutionError,
  ): Promise<Uint8Array> {
    return readLimitedBody(response, maxBytes, () =>
      fail('too-large', `The DID document exceeds ${maxBytes} bytes`),
    )
  }

  function parseDocument(bytes: Uint8Array, did: string): DIDDocument {
    let parsed: unknown
    try {
      parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes))
    } catch (cause) {
      throw new InvalidDidError(`The DID document of ${did} is not UTF-8 JSON`, { cause })
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new InvalidDidError(`The DID document of ${did} is not a JSON object`)
    }
    return parsed as DIDDocument
  }

  async function retrieve(did: string, documentUrl: string): Promise<DIDDocument | undefined> {
    const signal = AbortSignal.timeout(timeoutMs)
    const fail = (reason: DidResolutionReason, message: string, cause?: unknown) =>
      new DidResolutionError(message, did, reason, cause === undefined ? undefined : { cause })
    try {
      let current = new URL(documentUrl)
      let response: Response
      for (let redirects = 0; ; redirects++) {
        // Redirects are followed here, not by the transport, so each target is checked before it is contacted.
        response = await fetchImpl(current.href, { headers: { accept: ACCEPT }, redirect: 'manual', signal })
        if (!REDIRECT_STATUSES.has(response.status)) break
        await response.body?.cancel()
        const location = response.headers.get('location')
        if (location === null)
          throw fail('http-status', `The DID document server answered ${response.status} without a Location`)
        let next: URL
        try {
          next = new URL(location, current)
        } catch (cause) {
          throw fail('redirect', 'The DID document server redirected to an invalid URL', cause)
        }
        if (next.protocol !== 'https:' || next.username !== '' || next.password !== '') {
          throw fail('redirect', `Refusing a redirect to ${next.protocol}//${next.host}`)
        }
        if (!isAllowedHostName(next.hostname, allowPrivate))
          throw fail('refused', `Refusing a redirect to ${next.host}`)
        if (redirects + 1 > MAX_REDIRECTS) throw fail('redirect', `More than ${MAX_REDIRECTS} redirects`)
        current = next
      }
      if (NOT_FOUND_STATUSES.has(response.status)) {
        await response.body?.cancel()
        return undefined
      }
      if (!response.ok) {
        await response.body?.cancel()
        throw fail('http-status', `The DID document server answered ${response.status}`)
      }
      return parseDocument(await readBody(response, fail), did)
    } catch (err) {
      if (err instanceof DidResolutionError || err instanceof InvalidDidError) throw err
      const refusal = findRefusal(err)
      if (refusal) throw fail('refused', `Refusing to contact ${refusal.hostname}: not a public address`, err)
      if (signal.aborted)
        throw fail('timeout', `The DID document of ${did} did not arrive within ${timeoutMs} ms`, err)
      throw fail('network', `The DID document of ${did} could not be retrieved`, err)
    }
  }

  return async (did: string): Promise<DIDDocument | undefined> => {
    const documentUrl = didWebDocumentUrl(did)
    const host = new URL(documentUrl).hostname
    if (!isAllowedHostName(host, allowPrivate)) {
      throw new DidResolutionError(`Refusing to resolve ${did}: ${host} is not a public host`, did, 'refused')
    }
    const cached = cache.get(did)
    if (cached && clock().getTime() < cached.expires) {
      cache.delete(did)
      cache.set(did, cached)
      return structuredClone(cached.document)
    }
    let pending = inFlight.get(did)
    if (!pending) {
      pending = retrieve(did, documentUrl)
        .then((document) => {
          if (document) remember(did, document)
          return document
        })
        .finally(() => inFlight.delete(did))
      inFlight.set(did, pending)
    }
    const document = await pending
    // A copy per caller: a caller changing its document must not change what the next caller gets.
    return document === undefined ? undefined : structuredClone(document)
  }
}
