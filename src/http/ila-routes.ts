/**
 * ILA data over HTTP, always for the token's tenant (the ILA operator): imports of the provider registry, the
 * catalogue and spending records behind `ila:write`, reads behind `ila:read`. Upload bodies (a JSON array,
 * JSON lines or CSV) are validated as they stream in, never held in memory whole; a file with an invalid row
 * is a 422 problem naming each row and field, unless `?partial=true`. Another tenant's record is a 404,
 * exactly like one that does not exist.
 */
import { Router, type Request } from 'express'
import type { AppContext } from '../context.js'
import { NotFoundError, ValidationError } from '../errors.js'
import { importIla } from '../ila/import.js'
import type { IlaImportKind } from '../ila/model.js'
import type { IlaFileFormat } from '../ila/read-rows.js'
import { providerFromStored, recordFromStored } from '../ila/stored.js'
import { callerOf, requireScope } from './auth.js'
import { limitedBody, uploadFormat } from './upload-body.js'

/** Largest import upload by default: 2 GiB, a million spending records with room to spare. */
export const DEFAULT_ILA_BODY_BYTES = 2 * 1024 * 1024 * 1024

/** Media types of ILA uploads, and how each is read. */
const ILA_MEDIA_TYPES: Record<string, IlaFileFormat> = {
  'application/json': 'json',
  'text/csv': 'csv',
  'application/jsonl': 'jsonl',
  'application/x-ndjson': 'jsonl',
}

export interface IlaRoutesOptions {
  /** Largest upload in bytes; default {@link DEFAULT_ILA_BODY_BYTES}. */
  bodyLimitBytes?: number | undefined
}

function partialOf(req: Request): boolean {
  const { partial = 'false' } = req.query
  if (partial !== 'true' && partial !== 'false') {
    throw new ValidationError('partial must be true or false', [
      { field: 'partial', rule: 'enum', message: 'partial must be true or false' },
    ])
  }
  return partial === 'true'
}

/** Providers per page of `GET /ila/providers` unless `limit` says otherwise. */
const DEFAULT_PAGE = 100

function limitOf(req: Request): number | undefined {
  const { limit } = req.query
  if (limit === undefined) return undefined
  if (typeof limit !== 'string' || !/^\d{1,4}$/.test(limit) || Number(limit) < 1) {
    throw new ValidationError('limit must be an integer from 1 to 1000', [
      { field: 'limit', rule: 'range', message: 'limit must be an integer from 1 to 1000' },
    ])
  }
  return Number(limit)
}

export function ilaRoutes(ctx: AppContext, options: IlaRoutesOptions = {}): Router {
  const router = Router()
  const write = requireScope(ctx.storage, 'ila:write')
  const read = requireScope(ctx.storage, 'ila:read')
  const limitBytes = options.bodyLimitBytes ?? DEFAULT_ILA_BODY_BYTES

  for (const [path, kind] of [
    ['/ila/providers', 'providers'],
    ['/ila/catalogue', 'catalogue'],
    ['/ila/spending-records', 'records'],
  ] as const satisfies ReadonlyArray<readonly [string, IlaImportKind]>) {
    router.post(path, write, async (req, res) => {
      const { tenant } = callerOf(req)
      const partial = partialOf(req)
      const format = uploadFormat(req, ILA_MEDIA_TYPES, 'An ILA upload')
      try {
        const report = await importIla(ctx, {
          tenantSlug: tenant.slug,
          kind,
          format,
          partial,
          source: limitedBody(req, limitBytes, 'An ILA upload'),
        })
        res.json(report)
      } catch (err) {
        // What is left of an upload refused half-way is not read: the connection closes after the problem.
        if (!req.complete) res.setHeader('Connection', 'close')
        throw err
      }
    })
  }

  router.get('/ila/providers', read, async (req, res) => {
    const { tenant } = callerOf(req)
    const limit = limitOf(req) ?? DEFAULT_PAGE
    const after = typeof req.query.after === 'string' ? req.query.after : undefined
    const records = await ctx.storage.ila.providers.list({
      tenantId: tenant.id,
      limit,
      ...(after !== undefined ? { after } : {}),
    })
    const last = records[records.length - 1]
    res.json({
      providers: records.map(providerFromStored),
      // A full page may have a successor: `after=<next>` reads it.
      ...(last !== undefined && records.length === limit ? { next: last.providerId } : {}),
    })
  })

  router.get('/ila/spending-records/:id', read, async (req, res) => {
    const { tenant } = callerOf(req)
    const id = req.params.id as string
    const record = await ctx.storage.ila.records.get(tenant.id, id)
    if (!record) throw new NotFoundError(`No spending record ${id}`)
    // Pseudonymous, but still personal data: nothing may keep a copy.
    res.setHeader('Cache-Control', 'no-store')
    res.json(recordFromStored(record))
  })

  return router
}
