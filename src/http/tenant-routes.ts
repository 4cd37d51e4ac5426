/**
 * Instance administration over HTTP, behind the `tenants:admin` scope: tenants, their issuer profile, key
 * rotation and API tokens, as `microcred tenants|keys|tokens` do on the command line. A `tenants:admin` token
 * acts on every tenant, whichever tenant it belongs to: it is an instance operator's token.
 */
import { readFileSync } from 'node:fs'
import { Router } from 'express'
import type { AppContext } from '../context.js'
import { ValidationError } from '../errors.js'
import {
  addIssuerKey,
  createTenantWithIssuer,
  describeDefaultIssuer,
  describeIssuer,
  listTenants,
  publicKeyView,
  updateIssuerProfile,
} from '../issuer/issuer-identity.js'
import { createAjv, toFieldProblems } from '../lib/schema-validation.js'
import type { IssuerProfile, KeyAlgorithm } from '../storage/storage.js'
import {
  createApiToken,
  listApiTokens,
  revokeApiToken,
  type ApiTokenInfo,
  type Scope,
} from '../tokens/api-tokens.js'
import { callerOf, requireScope } from './auth.js'
import { jsonBody } from './json-body.js'

interface TenantCreateRequest {
  slug: string
  name: string
  profile?: IssuerProfile
  keyType?: KeyAlgorithm
  didWeb?: string
}

interface TokenCreateRequest {
  scopes: Scope[]
  name?: string
}

interface KeyRotateRequest {
  keyType?: KeyAlgorithm
}

function loadSchema(name: string): object {
  return JSON.parse(readFileSync(new URL(`../../schemas/${name}`, import.meta.url), 'utf8')) as object
}

const ajv = createAjv()
// Compiled first: that registers it under its id, which the tenant request's `profile` refers to.
const validateProfile = ajv.compile<IssuerProfile>(loadSchema('issuer-profile.schema.json'))
const validateTenantCreate = ajv.compile<TenantCreateRequest>(loadSchema('tenant-create.request.json'))
const validateTokenCreate = ajv.compile<TokenCreateRequest>(loadSchema('token-create.request.json'))
const validateKeyRotate = ajv.compile<KeyRotateRequest>(loadSchema('key-rotate.request.json'))

function invalid(what: string, errors: Parameters<typeof toFieldProblems>[0]): ValidationError {
  const problems = toFieldProblems(errors)
  return new ValidationError(`Not a ${what} request: ${problems.map((p) => p.message).join('; ')}`, problems)
}

/** What an operator may see of a token: never its hash, and the tenant is already in the URL. */
function tokenView(info: ApiTokenInfo) {
  return {
    id: info.id,
    name: info.name,
    scopes: info.scopes,
    createdAt: info.createdAt,
    revokedAt: info.revokedAt,
  }
}

export function tenantRoutes(ctx: AppContext, bodyLimitBytes: number): Router {
  const router = Router()
  const json = jsonBody({ limitBytes: bodyLimitBytes })
  const admin = requireScope(ctx.storage, 'tenants:admin')
  const slugOf = (params: Record<string, unknown>) => params.slug as string

  router.post('/tenants', admin, json, async (req, res) => {
    const body: unknown = req.body
    if (!validateTenantCreate(body)) throw invalid('tenant create', validateTenantCreate.errors)
    const view = await createTenantWithIssuer(ctx, {
      slug: body.slug,
      name: body.name,
      keyType: body.keyType ?? ctx.config.keyType,
      ...(body.profile !== undefined ? { profile: body.profile } : {}),
      ...(body.didWeb !== undefined ? { didWeb: body.didWeb } : {}),
    })
    ctx.logger.info('tenant created', { actor: callerOf(req).subject, tenant: view.tenant.slug })
    res
      .status(201)
      .location(`/tenants/${encodeURIComponent(view.tenant.slug)}`)
      .json(describeIssuer(view))
  })

  router.get('/tenants', admin, async (_req, res) => {
    res.json({ tenants: await listTenants(ctx.storage) })
  })

  router.get('/tenants/:slug', admin, async (req, res) => {
    res.json(describeIssuer(await describeDefaultIssuer(ctx.storage, slugOf(req.params))))
  })

  router.put('/tenants/:slug/issuer-profile', admin, json, async (req, res) => {
    const body: unknown = req.body
    if (!validateProfile(body)) throw invalid('issuer profile', validateProfile.errors)
    const view = await updateIssuerProfile(ctx, { tenantSlug: slugOf(req.params), profile: body })
    ctx.logger.info('issuer profile updated', { actor: callerOf(req).subject, tenant: view.tenant.slug })
    res.json(describeIssuer(view))
  })

  router.post('/tenants/:slug/keys/rotate', admin, json, async (req, res) => {
    // The body is optional: an empty request rotates to a key of the configured type.
    const body: unknown = req.body ?? {}
    if (!validateKeyRotate(body)) throw invalid('key rotate', validateKeyRotate.errors)
    const { key, view } = await addIssuerKey(ctx, {
      tenantSlug: slugOf(req.params),
      keyType: body.keyType ?? ctx.config.keyType,
      activate: true,
    })
    ctx.logger.info('key rotated', { actor: callerOf(req).subject, tenant: view.tenant.slug, kid: key.kid })
    res.status(201).json({ key: publicKeyView(key), ...describeIssuer(view) })
  })

  router.post('/tenants/:slug/tokens', admin, json, async (req, res) => {
    const body: unknown = req.body
    if (!validateTokenCreate(body)) throw invalid('token create', validateTokenCreate.errors)
    const { token, info } = await createApiToken(ctx, {
      tenantSlug: slugOf(req.params),
      scopes: body.scopes,
      ...(body.name !== undefined ? { name: body.name } : {}),
    })
    ctx.logger.info('token created', { actor: callerOf(req).subject, token: info.id, scopes: info.scopes })
    // The only time the secret exists outside its holder: no cache may keep it.
    res.setHeader('Cache-Control', 'no-store')
    res.status(201).json({ ...tokenView(info), token })
  })

  router.get('/tenants/:slug/tokens', admin, async (req, res) => {
    res.json({ tokens: (await listApiTokens(ctx, slugOf(req.params))).map(tokenView) })
  })

  router.delete('/tenants/:slug/tokens/:id', admin, async (req, res) => {
    const id = req.params.id as string
    await revokeApiToken(ctx, { tenantSlug: slugOf(req.params), id })
    ctx.logger.info('token revoked', { actor: callerOf(req).subject, token: id })
    res.status(204).end()
  })

  return router
}
