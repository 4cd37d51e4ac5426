/**
 * ILA data over HTTP, always for the token's tenant (the ILA operator): imports of the provider registry, the
 * catalogue and spending records, and linking credentials to the records, behind `ila:write`; reads behind
 * `ila:read`. Upload bodies (a JSON array,
 * JSON lines or CSV) are validated as they stream in, never held in memory whole; a file with an invalid row
 * is a 422 problem naming each row and field, unless `?partial=true`. Another tenant's record is a 404,
 * exactly like one that does not exist.
 */
import { Router, type Request, type Response } from 'express'
import type { AppContext } from '../context.js'
import { NotFoundError, ValidationError } from '../errors.js'
import { importIla } from '../ila/import.js'
import { ILA_LINK_OUTCOMES, linkCredentials } from '../ila/link.js'
import type { IlaImportKind } from '../ila/model.js'
import { readCredentialTexts } from '../ila/read-credentials.js'
import type { IlaFileFormat } from '../ila/read-rows.js'
import { providerFromStored, recordFromStored } from '../ila/stored.js'
import type { IlaLinkOutcome, IlaLinkResultRecord } from '../storage/storage.js'
import type { VerifierDeps } from '../verifier/types.js'
import { createVerifierDeps } from '../verifier/verifier-deps.js'
import { callerOf, requireScope } from './auth.js'
import { jsonBody } from './json-body.js'
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

/** Largest JSON body of `POST /ila/link` by default: 16 MiB. JSON lines are streamed, up to the upload limit. */
export const DEFAULT_ILA_LINK_JSON_BYTES = 16 * 1024 * 1024

/** Most credentials in the JSON body of `POST /ila/link`: more go as JSON lines. */
export const MAX_ILA_LINK_JSON_CREDENTIALS = 1000

/** Media types of `POST /ila/link`, and how each is read. */
const LINK_MEDIA_TYPES: Record<string, 'json' | 'jsonl'> = {
  'application/json': 'json',
  'application/jsonl': 'jsonl',
  'application/x-ndjson': 'jsonl',
}

export interface IlaRoutesOptions {
  /** Largest upload in bytes; default {@link DEFAULT_ILA_BODY_BYTES}. */
  bodyLimitBytes?: number | undefined
  /** Largest JSON body of `POST /ila/link`; default {@link DEFAULT_ILA_LINK_JSON_BYTES}. */
  linkJsonBytes?: number | undefined
  /** The verifier's dependencies for linking (L0); by default the instance's. */
  verifier?: VerifierDeps | undefined
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

/** Items per page of `GET /ila/providers` and `GET /ila/links` unless `limit` says otherwise. */
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

/** The credentials of a JSON body `{verifiableCredential}`: one credential, or a list of them. */
function credentialsOfBody(body: unknown): unknown[] {
  const refuse = (field: string, rule: string, message: string) =>
    new ValidationError(message, [{ field, rule, message }])
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw refuse('', 'type', 'The body must be a JSON object {"verifiableCredential": ...}')
  }
  const extra = Object.keys(body).find((key) => key !== 'verifiableCredential')
  if (extra !== undefined) throw refuse(`/${extra}`, 'additionalProperties', `Unknown property ${extra}`)
  const given = (body as { verifiableCredential?: unknown }).verifiableCredential
  if (given === undefined)
    throw refuse('/verifiableCredential', 'required', 'verifiableCredential is required')
  const list = Array.isArray(given) ? (given as unknown[]) : [given]
  if (list.length === 0) throw refuse('/verifiableCredential', 'minItems', 'verifiableCredential is empty')
  if (list.length > MAX_ILA_LINK_JSON_CREDENTIALS) {
    throw refuse(
      '/verifiableCredential',
      'maxItems',
      `At most ${MAX_ILA_LINK_JSON_CREDENTIALS} credentials in a JSON body: send more as application/jsonl`,
    )
  }
  return list
}

function outcomeOf(req: Request): IlaLinkOutcome | undefined {
  const { outcome } = req.query
  if (outcome === undefined) return undefined
  if (typeof outcome !== 'string' || !(ILA_LINK_OUTCOMES as readonly string[]).includes(outcome)) {
    const message = `outcome must be one of ${ILA_LINK_OUTCOMES.join(', ')}`
    throw new ValidationError(message, [{ field: 'outcome', rule: 'enum', message }])
  }
  return outcome as IlaLinkOutcome
}

/** A stored link result as the API shows it: without the tenant, which is the caller's. */
function linkView(row: IlaLinkResultRecord): Omit<IlaLinkResultRecord, 'tenantId' | 'current'> {
  const { tenantId: _tenant, current: _current, ...view } = row
  return view
}

/** Resolves once `res` can take more, or is gone. */
function drained(res: Response): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done)
      res.off('close', done)
      resolve()
    }
    res.on('drain', done)
    res.on('close', done)
  })
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

  const verifier = options.verifier ?? createVerifierDeps(ctx)
  const linkJson = jsonBody({ limitBytes: options.linkJsonBytes ?? DEFAULT_ILA_LINK_JSON_BYTES })
  router.post('/ila/link', write, linkJson, async (req, res) => {
    const { tenant } = callerOf(req)
    const format = uploadFormat(req, LINK_MEDIA_TYPES, 'A credential submission')
    const credentials =
      format === 'json'
        ? credentialsOfBody(req.body)
        : readCredentialTexts(limitedBody(req, limitBytes, 'A credential submission'))
    const run = linkCredentials(
      { storage: ctx.storage, clock: ctx.clock, verifier },
      { tenantSlug: tenant.slug, credentials },
    )
    // Results are written as they come, so that a file of any size answers in flat memory; once the first is
    // written, a failure can only cut the response short.
    let started = false
    try {
      let next = await run.next()
      while (!next.done) {
        const text = JSON.stringify(next.value)
        if (!started) {
          res.status(200).type('application/json').setHeader('Cache-Control', 'no-store')
          res.write(`{"results":[${text}`)
          started = true
        } else if (!res.destroyed && !res.write(`,${text}`)) {
          await drained(res)
        }
        next = await run.next()
      }
      const summary = JSON.stringify(next.value)
      if (started) res.end(`],"summary":${summary}}`)
      else res.status(200).type('application/json').send(`{"results":[],"summary":${summary}}`)
    } catch (err) {
      if (started) {
        res.destroy(err instanceof Error ? err : undefined)
        return
      }
      // What is left of an upload refused half-way is not read: the connection closes after the problem.
      if (!req.complete) res.setHeader('Connection', 'close')
      throw err
    }
  })

  router.get('/ila/links', read, async (req, res) => {
    const { tenant } = callerOf(req)
    const limit = limitOf(req) ?? DEFAULT_PAGE
    const outcome = outcomeOf(req)
    const after = typeof req.query.after === 'string' ? req.query.after : undefined
    const rows = await ctx.storage.ila.linkResults.page({
      tenantId: tenant.id,
      limit,
      ...(outcome !== undefined ? { outcome } : {}),
      ...(after !== undefined ? { after } : {}),
    })
    const last = rows[rows.length - 1]
    res.setHeader('Cache-Control', 'no-store')
    res.json({
      links: rows.map(linkView),
      ...(last !== undefined && rows.length === limit ? { next: last.id } : {}),
    })
  })

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
