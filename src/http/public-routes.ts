/** Read-only public routes: health, readiness, status list credentials and did:web documents. */
import { Router, type Response } from 'express'
import type { AppContext } from '../context.js'
import { didWebFromHostPath } from '../did/did-web.js'
import { InvalidDidError, NotFoundError, NotInitializedError, StorageUnreachableError } from '../errors.js'
import { lookupLocalDidWeb } from '../issuer/issuer-identity.js'
import {
  DEFAULT_STATUS_LIST_TTL_MS,
  getStatusListCredential,
  type PublishedStatusList,
} from '../status/index.js'

const MEDIA_TYPES = { jose: 'application/vc+jwt', di: 'application/vc+ld+json' } as const

/** Sends `text` as is, with exactly `contentType` (no charset added). */
function sendExact(res: Response, contentType: string, text: string): void {
  res.setHeader('Content-Type', contentType)
  res.send(Buffer.from(text, 'utf8'))
}

/** The `ttl` (milliseconds) the list credential advertises, or the default when it names none. */
function ttlOf(published: PublishedStatusList): number {
  let credential: unknown = published.credential
  if (typeof credential === 'string') {
    try {
      const payload = credential.split('.')[1] ?? ''
      credential = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'))
    } catch {
      return DEFAULT_STATUS_LIST_TTL_MS
    }
  }
  const subject = (credential as { credentialSubject?: { ttl?: unknown } } | null)?.credentialSubject
  const ttl = subject?.ttl
  return typeof ttl === 'number' && Number.isFinite(ttl) && ttl >= 0 ? ttl : DEFAULT_STATUS_LIST_TTL_MS
}

/** True when the `If-None-Match` header matches `etag` (weak comparison, RFC 9110 §13.1.2). */
function matchesEtag(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false
  const strip = (tag: string) => tag.trim().replace(/^W\//, '')
  return header.split(',').some((tag) => tag.trim() === '*' || strip(tag) === strip(etag))
}

/**
 * The did:web DID a document URL path names under `publicBaseUrl`: its host (port as `%3A`), the base URL's
 * path segments, then the request's; undefined when that is no valid did:web.
 */
export function didWebFor(publicBaseUrl: string, segments: readonly string[]): string | undefined {
  const base = new URL(publicBaseUrl)
  const all = [...base.pathname.split('/').filter(Boolean), ...segments]
  if (all.some((s) => s.includes(':'))) return undefined
  try {
    return didWebFromHostPath([base.host.replace(/:/g, '%3A'), ...all].join(':'))
  } catch (err) {
    if (err instanceof InvalidDidError) return undefined
    throw err
  }
}

/** Tenant whose default issuer must be able to sign before the service reports ready. */
const READINESS_TENANT = 'default'

/**
 * Why the default tenant's default issuer cannot sign (no tenant, issuer or active key, or a key the key
 * store does not hold: a keys volume not mounted), or undefined when it can.
 */
async function defaultIssuerKeyMissing(ctx: AppContext): Promise<string | undefined> {
  const tenant = await ctx.storage.tenants.getBySlug(READINESS_TENANT)
  if (!tenant) return `no tenant ${READINESS_TENANT} (run microcred init)`
  const issuer = await ctx.storage.issuers.getDefault(tenant.id)
  if (!issuer) return `tenant ${READINESS_TENANT} has no default issuer`
  const key = await ctx.storage.keys.getActive(issuer.id)
  if (!key) return `the default issuer has no active key`
  if (!(await ctx.keyStore.has({ tenantSlug: tenant.slug, keyId: key.id }))) {
    return 'the key store does not hold the private key of the active key'
  }
  return undefined
}

export function publicRoutes(ctx: AppContext): Router {
  const router = Router()
  const listPrefix = `${ctx.publicBaseUrl.replace(/\/+$/, '')}/status-lists/`

  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' })
  })

  router.get('/readyz', async (_req, res) => {
    try {
      await ctx.storage.tenants.list()
    } catch (cause) {
      throw new StorageUnreachableError('Not ready: database: the database does not answer', { cause })
    }
    let missing: string | undefined
    try {
      missing = await defaultIssuerKeyMissing(ctx)
    } catch (cause) {
      throw new NotInitializedError('Not ready: keys: the issuer keys cannot be read', { cause })
    }
    if (missing !== undefined) throw new NotInitializedError(`Not ready: keys: ${missing}`)
    res.json({ status: 'ready', checks: { database: 'ok', keys: 'ok' } })
  })

  router.get('/status-lists/:id', async (req, res) => {
    const id = req.params.id
    const stored = await ctx.storage.statusLists.get(id)
    // Only the lists whose published URL is this route: never another instance's or another base URL's.
    if (!stored || stored.url !== `${listPrefix}${id}`) throw new NotFoundError(`No status list ${id}`)
    const published = await getStatusListCredential(ctx, id)
    const remainingMs = Date.parse(published.validUntil) - ctx.clock().getTime()
    const maxAge = Math.max(0, Math.floor(Math.min(ttlOf(published), remainingMs) / 1000))
    res.setHeader('ETag', published.etag)
    res.setHeader('Cache-Control', `public, max-age=${maxAge}`)
    if (matchesEtag(req.get('If-None-Match'), published.etag)) {
      res.status(304).end()
      return
    }
    sendExact(res, MEDIA_TYPES[published.form], published.published)
  })

  const sendDidDocument = async (segments: readonly string[], res: Response): Promise<void> => {
    const did = didWebFor(ctx.publicBaseUrl, segments)
    const document = did === undefined ? undefined : await lookupLocalDidWeb(ctx.storage, did)
    if (!document) throw new NotFoundError('No DID document here')
    sendExact(res, 'application/did+json', JSON.stringify(document))
  }
  router.get('/.well-known/did.json', async (_req, res) => {
    await sendDidDocument([], res)
  })
  router.get('/*path/did.json', async (req, res) => {
    const path = (req.params as { path?: string[] | string }).path ?? []
    await sendDidDocument(Array.isArray(path) ? path : [path], res)
  })

  return router
}
