/**
 * Retrieval of status list credentials published by other issuers, over HTTPS, with an in-memory cache.
 *
 * The resolver only retrieves: it never verifies, so a list is verified again on every status check even when
 * it comes from the cache. Freshness values read from a list before it is verified only decide how long the
 * bytes are kept, never whether they are trusted.
 */
import { readLimitedBody } from '../lib/read-limited-body.js'
import type { Clock } from '../clock.js'
import { StatusRetrievalError, type StatusRetrievalReason } from '../errors.js'
import type { ResolvedStatusList, StatusListResolver } from './status-list-resolver.js'

/** Options of {@link createRemoteStatusListResolver}. */
export interface RemoteStatusListResolverOptions {
  /** The fetch implementation. Default: `globalThis.fetch`. */
  fetch?: typeof globalThis.fetch
  /** Time allowed for one retrieval, redirects and body included, in ms. Default 5000. */
  timeoutMs?: number
  /** Largest body accepted, in bytes, after content decoding. Default 1 MiB (a compressed list is a few KB). */
  maxBytes?: number
  /** Source of "now" for cache freshness. */
  clock: Clock
  /**
   * Host names (no port) that may be reached over plain `http:`, e.g. `['127.0.0.1']` in tests. Default: none,
   * so only `https:` is retrieved.
   */
  allowHttpHosts?: string[]
  /** Most lists kept in the cache; the least recently used is dropped first. Default 500. */
  maxCacheEntries?: number
}

/** Redirects followed before giving up; each target must pass the same scheme and host rules. */
const MAX_REDIRECTS = 3
const DEFAULT_TIMEOUT_MS = 5000
const DEFAULT_MAX_BYTES = 1024 * 1024
const DEFAULT_MAX_CACHE_ENTRIES = 500

const ACCEPT =
  'application/vc+jwt, application/vc, application/vc+ld+json;q=0.9, application/ld+json;q=0.8, application/json;q=0.8'
const JOSE_MEDIA_TYPES = new Set(['application/vc+jwt', 'application/jwt'])
const JSON_MEDIA_TYPES = new Set([
  'application/vc',
  'application/vc+ld+json',
  'application/ld+json',
  'application/json',
])
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/

interface CacheEntry {
  list: ResolvedStatusList
  /** Epoch ms until which the list is served without asking the server. */
  freshUntil: number
  ttlMs: number | undefined
  validUntilMs: number | undefined
}

interface CacheControl {
  noStore: boolean
  noCache: boolean
  maxAgeMs: number | undefined
}

function parseCacheControl(headers: Headers): CacheControl {
  const directives = (headers.get('cache-control') ?? '')
    .toLowerCase()
    .split(',')
    .map((d) => d.trim())
  const maxAge = directives.find((d) => d.startsWith('max-age='))
  const seconds =
    maxAge === undefined ? Number.NaN : Number(maxAge.slice('max-age='.length).replace(/^"|"$/g, ''))
  // RFC 9111 §5.1: `Age` is how long the answer already sat in caches on the way.
  const age = Number(headers.get('age') ?? '0')
  return {
    noStore: directives.includes('no-store'),
    noCache: directives.includes('no-cache'),
    maxAgeMs:
      Number.isFinite(seconds) && seconds >= 0
        ? Math.max(0, seconds - (Number.isFinite(age) ? age : 0)) * 1000
        : undefined,
  }
}

/**
 * Until when a list may be served from the cache: the earliest of its `ttl`, its `validUntil` and
 * `Cache-Control: max-age`. `validUntil` alone only caps: with neither `ttl` nor `max-age` the list is
 * revalidated on every use, since a list may change long before it expires.
 */
function freshUntil(
  now: number,
  control: CacheControl,
  ttlMs: number | undefined,
  validUntilMs: number | undefined,
): number {
  if (control.noCache) return now
  const lifetimes = [ttlMs, control.maxAgeMs].filter((ms): ms is number => ms !== undefined)
  if (lifetimes.length === 0) return now
  const until = now + Math.min(...lifetimes)
  return validUntilMs === undefined ? until : Math.min(until, validUntilMs)
}

function decodeJwsPayload(jws: string): unknown {
  try {
    return JSON.parse(Buffer.from(jws.split('.')[1] ?? '', 'base64url').toString('utf8'))
  } catch {
    return undefined
  }
}

/** `ttl` and `validUntil` as written in the (not yet verified) list. */
function freshnessHints(list: ResolvedStatusList): {
  ttlMs: number | undefined
  validUntil: string | undefined
  validUntilMs: number | undefined
} {
  const document = typeof list.credential === 'string' ? decodeJwsPayload(list.credential) : list.credential
  const record =
    typeof document === 'object' && document !== null ? (document as Record<string, unknown>) : {}
  const subject = record.credentialSubject
  const ttl =
    typeof subject === 'object' && subject !== null ? (subject as Record<string, unknown>).ttl : undefined
  const until = record.validUntil ?? record.expirationDate
  const validUntil = typeof until === 'string' ? until : undefined
  const validUntilMs = validUntil === undefined ? Number.NaN : Date.parse(validUntil)
  return {
    ttlMs: typeof ttl === 'number' && Number.isFinite(ttl) && ttl >= 0 ? ttl : undefined,
    validUntil,
    validUntilMs: Number.isNaN(validUntilMs) ? undefined : validUntilMs,
  }
}

function assertOptions(options: RemoteStatusListResolverOptions): void {
  if (typeof options?.clock !== 'function')
    throw new TypeError('createRemoteStatusListResolver: "clock" must be a function')
  const positive = (name: string, value: unknown) => {
    if (value !== undefined && !(typeof value === 'number' && Number.isInteger(value) && value > 0)) {
      throw new TypeError(`createRemoteStatusListResolver: "${name}" must be a positive integer`)
    }
  }
  positive('timeoutMs', options.timeoutMs)
  positive('maxBytes', options.maxBytes)
  positive('maxCacheEntries', options.maxCacheEntries)
  if (options.fetch !== undefined && typeof options.fetch !== 'function') {
    throw new TypeError('createRemoteStatusListResolver: "fetch" must be a function')
  }
  if (
    options.allowHttpHosts !== undefined &&
    !(Array.isArray(options.allowHttpHosts) && options.allowHttpHosts.every((h) => typeof h === 'string'))
  ) {
    throw new TypeError('createRemoteStatusListResolver: "allowHttpHosts" must be an array of host names')
  }
}

/**
 * A {@link StatusListResolver} for `https:` URLs (and `http:` for the hosts in `allowHttpHosts`).
 *
 * - Answers `undefined` for any other scheme, so a later resolver may serve it.
 * - Rejects with `StatusRetrievalError` (code `ERR_STATUS_RETRIEVAL`, with a `reason`) when the URL is refused,
 *   the server is unreachable or slow, answers non-2xx, redirects where it may not, or sends too much or
 *   something that is neither a compact JWS nor JSON.
 * - Caches each list until the earliest of its `ttl`, its `validUntil` and `Cache-Control: max-age`
 *   (`no-store` is honoured), then revalidates with `If-None-Match` when the server gave an `ETag`; a 304 keeps
 *   the cached copy.
 * - `application/vc+jwt` or a body shaped like a compact JWS is form `jose`; `application/vc`,
 *   `application/vc+ld+json`, `application/ld+json` and `application/json` are form `di`.
 *
 * @example
 * ```ts
 * const resolveList = composeStatusListResolvers(localResolver, createRemoteStatusListResolver({ clock: systemClock }))
 * ```
 */
export function createRemoteStatusListResolver(options: RemoteStatusListResolverOptions): StatusListResolver {
  assertOptions(options)
  const fetchImpl = options.fetch ?? globalThis.fetch
  const { clock } = options
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES
  const maxCacheEntries = options.maxCacheEntries ?? DEFAULT_MAX_CACHE_ENTRIES
  const httpHosts = new Set((options.allowHttpHosts ?? []).map((h) => h.toLowerCase()))
  const cache = new Map<string, CacheEntry>()
  const inFlight = new Map<string, Promise<ResolvedStatusList>>()

  const isAllowed = (url: URL): boolean =>
    url.username === '' &&
    url.password === '' &&
    (url.protocol === 'https:' || (url.protocol === 'http:' && httpHosts.has(url.hostname)))

  function remember(key: string, entry: CacheEntry): void {
    cache.delete(key)
    cache.set(key, entry)
    if (cache.size > maxCacheEntries) {
      const oldest = cache.keys().next()
      if (!oldest.done) cache.delete(oldest.value)
    }
  }

  // A copy per caller: a caller changing its document must not change what the next caller gets.
  const copy = (list: ResolvedStatusList): ResolvedStatusList =>
    typeof list.credential === 'string'
      ? { ...list }
      : { ...list, credential: structuredClone(list.credential) }

  function readBody(response: Response, url: string): Promise<Uint8Array> {
    return readLimitedBody(
      response,
      maxBytes,
      () => new StatusRetrievalError(`The status list at ${url} exceeds ${maxBytes} bytes`, url, 'too-large'),
    )
  }

  function parseBody(bytes: Uint8Array, contentType: string | null, url: string): ResolvedStatusList {
    const content = (message: string) =>
      new StatusRetrievalError(`The status list at ${url} ${message}`, url, 'content')
    let text: string
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(bytes).trim()
    } catch (cause) {
      throw new StatusRetrievalError(`The status list at ${url} is not UTF-8`, url, 'content', { cause })
    }
    const mediaType = (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? ''
    if (JOSE_MEDIA_TYPES.has(mediaType) || COMPACT_JWS.test(text)) {
      if (!COMPACT_JWS.test(text)) throw content(`is served as ${mediaType} but is not a compact JWS`)
      return { url, form: 'jose', credential: text }
    }
    if (JSON_MEDIA_TYPES.has(mediaType)) {
      let document: unknown
      try {
        document = JSON.parse(text)
      } catch (cause) {
        throw new StatusRetrievalError(`The status list at ${url} is not valid JSON`, url, 'content', {
          cause,
        })
      }
      if (typeof document !== 'object' || document === null || Array.isArray(document))
        throw content('is not a JSON object')
      return { url, form: 'di', credential: document as Record<string, unknown> }
    }
    throw content(`has an unsupported media type: ${mediaType || '(none)'}`)
  }

  async function retrieve(key: string, cached: CacheEntry | undefined): Promise<ResolvedStatusList> {
    const signal = AbortSignal.timeout(timeoutMs)
    const fail = (reason: StatusRetrievalReason, message: string, cause?: unknown) =>
      new StatusRetrievalError(message, key, reason, cause === undefined ? undefined : { cause })
    try {
      let current = new URL(key)
      let response: Response
      for (let redirects = 0; ; redirects++) {
        const headers: Record<string, string> = { accept: ACCEPT }
        if (cached?.list.etag) headers['if-none-match'] = cached.list.etag
        // Redirects are followed here, not by fetch, so that each target is checked before it is contacted.
        response = await fetchImpl(current.href, { headers, redirect: 'manual', signal })
        if (![301, 302, 303, 307, 308].includes(response.status)) break
        await response.body?.cancel()
        const location = response.headers.get('location')
        if (location === null)
          throw fail('http-status', `The status list server answered ${response.status} without a Location`)
        let next: URL
        try {
          next = new URL(location, current)
        } catch (cause) {
          throw fail('redirect', 'The status list server redirected to an invalid URL', cause)
        }
        if (!isAllowed(next)) throw fail('redirect', `Refusing a redirect to ${next.protocol}//${next.host}`)
        if (redirects + 1 > MAX_REDIRECTS) throw fail('redirect', `More than ${MAX_REDIRECTS} redirects`)
        current = next
      }
      const control = parseCacheControl(response.headers)
      if (response.status === 304) {
        await response.body?.cancel()
        if (!cached)
          throw fail('http-status', 'The status list server answered 304 to an unconditional request')
        const entry = {
          ...cached,
          freshUntil: freshUntil(clock().getTime(), control, cached.ttlMs, cached.validUntilMs),
        }
        if (!control.noStore) remember(key, entry)
        return entry.list
      }
      if (!response.ok) {
        await response.body?.cancel()
        throw fail('http-status', `The status list server answered ${response.status}`)
      }
      const list = parseBody(
        await readBody(response, key),
        response.headers.get('content-type'),
        current.href,
      )
      const hints = freshnessHints(list)
      const etag = response.headers.get('etag') ?? undefined
      const resolved: ResolvedStatusList = { ...list }
      if (etag !== undefined) resolved.etag = etag
      if (hints.validUntil !== undefined) resolved.validUntil = hints.validUntil
      const entry: CacheEntry = {
        list: resolved,
        freshUntil: freshUntil(clock().getTime(), control, hints.ttlMs, hints.validUntilMs),
        ttlMs: hints.ttlMs,
        validUntilMs: hints.validUntilMs,
      }
      if (control.noStore) cache.delete(key)
      else remember(key, entry)
      return resolved
    } catch (err) {
      if (err instanceof StatusRetrievalError) throw err
      if (signal.aborted)
        throw fail('timeout', `The status list at ${key} did not arrive within ${timeoutMs} ms`, err)
      throw fail('network', `The status list at ${key} could not be reached`, err)
    }
  }

  return async (url: string): Promise<ResolvedStatusList | undefined> => {
    let target: URL
    try {
      target = new URL(url)
    } catch {
      return undefined
    }
    if (target.protocol !== 'https:' && target.protocol !== 'http:') return undefined
    if (!isAllowed(target)) {
      throw new StatusRetrievalError(
        `Refusing to retrieve a status list over ${target.protocol} from ${target.host}`,
        url,
        'refused',
      )
    }
    // The fragment is never sent to the server (RFC 3986 §3.5), so it does not name a different list.
    target.hash = ''
    const key = target.href
    const cached = cache.get(key)
    if (cached && clock().getTime() < cached.freshUntil) {
      remember(key, cached)
      return copy(cached.list)
    }
    let pending = inFlight.get(key)
    if (!pending) {
      pending = retrieve(key, cached).finally(() => inFlight.delete(key))
      inFlight.set(key, pending)
    }
    return copy(await pending)
  }
}
