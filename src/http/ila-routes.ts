/**
 * ILA data over HTTP, always for the token's tenant (the ILA operator): imports of the provider registry, the
 * catalogue and spending records behind `ila:write`, reads behind `ila:read`. Upload bodies (a JSON array,
 * JSON lines or CSV) are validated as they stream in, never held in memory whole; a file with an invalid row
 * is a 422 problem naming each row and field, unless `?partial=true`. Another tenant's record is a 404,
 * exactly like one that does not exist.
 */
import { Transform, type Readable } from 'node:stream'
import { Router, type Request } from 'express'
import type { AppContext } from '../context.js'
import { NotFoundError, PROBLEM_BASE, ValidationError } from '../errors.js'
import { importIla } from '../ila/import.js'
import type { IlaImportKind } from '../ila/model.js'
import type { IlaFileFormat } from '../ila/read-rows.js'
import { providerFromStored, recordFromStored } from '../ila/stored.js'
import { callerOf, requireScope } from './auth.js'
import { HttpProblem } from './problem.js'

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

function unsupportedMediaType(message: string): HttpProblem {
  return new HttpProblem(415, 'ERR_UNSUPPORTED_MEDIA_TYPE', `${PROBLEM_BASE}UNSUPPORTED_MEDIA_TYPE`, message)
}

function tooLarge(limitBytes: number): HttpProblem {
  return new HttpProblem(
    413,
    'ERR_REQUEST_TOO_LARGE',
    `${PROBLEM_BASE}REQUEST_TOO_LARGE`,
    `An ILA upload may hold at most ${limitBytes} bytes`,
  )
}

/** The file format of an upload, from its Content-Type; anything else is a 415 problem. */
function uploadFormat(req: Request): IlaFileFormat {
  const [type = '', ...params] = (req.get('Content-Type') ?? '').split(';').map((s) => s.trim().toLowerCase())
  const format = ILA_MEDIA_TYPES[type]
  if (format === undefined) {
    throw unsupportedMediaType(`ILA data is uploaded as ${Object.keys(ILA_MEDIA_TYPES).join(', ')}`)
  }
  const charset = params.find((p) => p.startsWith('charset='))?.slice('charset='.length)
  if (charset !== undefined && !['utf-8', 'utf8', 'us-ascii'].includes(charset.replace(/"/g, ''))) {
    throw unsupportedMediaType('An ILA upload is read as UTF-8')
  }
  const encoding = (req.get('Content-Encoding') ?? 'identity').toLowerCase()
  if (encoding !== 'identity') throw unsupportedMediaType('An ILA upload is not read compressed')
  return format
}

/**
 * The request body, counted as it streams: past `limitBytes` the stream fails with a 413 problem, which ends
 * the import (nothing is written). The request itself is not destroyed, so that the problem can be sent.
 */
function limitedBody(req: Request, limitBytes: number): Readable {
  const declared = Number(req.get('Content-Length') ?? Number.NaN)
  if (Number.isFinite(declared) && declared > limitBytes) throw tooLarge(limitBytes)
  let seen = 0
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      seen += chunk.length
      if (seen > limitBytes) done(tooLarge(limitBytes))
      else done(null, chunk)
    },
  })
  // pipe() forwards data, not failures: a client that goes away must end the rows too.
  req.once('error', (err) => counter.destroy(err))
  return req.pipe(counter)
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
      const format = uploadFormat(req)
      try {
        const report = await importIla(ctx, {
          tenantSlug: tenant.slug,
          kind,
          format,
          partial,
          source: limitedBody(req, limitBytes),
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
