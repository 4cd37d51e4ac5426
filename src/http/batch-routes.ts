/**
 * Cohort batches over HTTP, all behind `credentials:issue` and always for the token's tenant: a CSV or JSON
 * lines file of learners is validated as it streams in (never held in memory whole), stored as a batch, and
 * issued in the background by the app's {@link BatchRunner}; the client polls the batch and downloads its
 * results. Another tenant's batch is a 404, exactly like one that does not exist.
 */
import { once } from 'node:events'
import { Router, type Request, type Response } from 'express'
import type express from 'express'
import {
  batchResults,
  batchView,
  createBatch,
  getBatch,
  readBatchRows,
  type BatchFileFormat,
} from '../batch/index.js'
import type { AppContext } from '../context.js'
import { BatchBusyError, ValidationError, type FieldProblem } from '../errors.js'
import type { BatchRecord } from '../storage/storage.js'
import { callerOf, requireScope } from './auth.js'
import { createBatchRunner, setBatchRunner, type BatchRunnerOptions } from './batch-runner.js'
import type { Metrics } from './metrics.js'
import { limitedBody, uploadFormat } from './upload-body.js'

/** Largest batch upload by default: 256 MB, some 100,000 learners with room to spare. */
export const DEFAULT_BATCH_BODY_BYTES = 256 * 1024 * 1024

/** Media types of batch uploads, and how each is read. */
const BATCH_MEDIA_TYPES: Record<string, BatchFileFormat> = {
  'text/csv': 'csv',
  'application/jsonl': 'jsonl',
  'application/x-ndjson': 'jsonl',
}

export interface BatchRoutesOptions {
  /** Largest upload in bytes; default {@link DEFAULT_BATCH_BODY_BYTES}. */
  bodyLimitBytes?: number | undefined
  /** Counts the credentials the runner issues. */
  metrics?: Metrics | undefined
  /** How the app's runner issues. */
  runner?: BatchRunnerOptions | undefined
}

const QUERY_FORMATS = ['elm', 'edc'] as const

function queryOf(req: Request): { courseRef: string; format: 'elm' | 'edc'; dryRun: boolean } {
  const { course, format = 'elm', dryRun = 'false' } = req.query
  const problems: FieldProblem[] = []
  if (typeof course !== 'string' || course === '')
    problems.push({ field: 'course', rule: 'required', message: 'course (the course id) is required' })
  if (!QUERY_FORMATS.includes(format as 'elm'))
    problems.push({ field: 'format', rule: 'enum', message: 'format must be elm or edc' })
  if (dryRun !== 'true' && dryRun !== 'false')
    problems.push({ field: 'dryRun', rule: 'enum', message: 'dryRun must be true or false' })
  if (problems.length > 0) {
    throw new ValidationError(`Not a batch request: ${problems.map((p) => p.message).join('; ')}`, problems)
  }
  return { courseRef: course as string, format: format as 'elm' | 'edc', dryRun: dryRun === 'true' }
}

function links(batch: BatchRecord) {
  const self = `/batches/${encodeURIComponent(batch.id)}`
  return { self, results: `${self}/results` }
}

/** Writes `text`, waiting while the client's connection is full; false when the client went away. */
async function writeOrWait(res: Response, text: string): Promise<boolean> {
  if (res.destroyed) return false
  if (res.write(text)) return true
  const closed = once(res, 'close').then(() => false)
  return Promise.race([once(res, 'drain').then(() => true), closed])
}

/**
 * The batch routes, and the runner that issues for them (made here, and registered as `app`'s runner: see
 * `batchRunnerOf`).
 */
export function batchRoutes(app: express.Express, ctx: AppContext, options: BatchRoutesOptions = {}): Router {
  const router = Router()
  const scope = requireScope(ctx.storage, 'credentials:issue')
  const limitBytes = options.bodyLimitBytes ?? DEFAULT_BATCH_BODY_BYTES
  const runner = createBatchRunner(ctx, { ...options.runner, metrics: options.metrics })
  setBatchRunner(app, runner)

  router.post('/batches', scope, async (req, res) => {
    const { tenant, subject } = callerOf(req)
    const { courseRef, format, dryRun } = queryOf(req)
    const fileFormat = uploadFormat(req, BATCH_MEDIA_TYPES, 'A batch upload')
    // The results carry the learners' claim links: without a secret, refuse before anything is stored.
    if (!dryRun) ctx.claimLinks.assertReady()
    let report
    try {
      report = await createBatch(ctx, {
        tenantSlug: tenant.slug,
        courseRef,
        format,
        dryRun,
        createdBy: subject,
        rows: readBatchRows(limitedBody(req, limitBytes, 'A batch upload'), fileFormat),
      })
    } catch (err) {
      // What is left of an upload refused half-way is not read: the connection closes after the problem.
      if (!req.complete) res.setHeader('Connection', 'close')
      throw err
    }
    if (dryRun || report.batchId === undefined) {
      res.json(report)
      return
    }
    const batch = await getBatch(ctx.storage, tenant.slug, report.batchId)
    runner.enqueue(tenant.slug, batch.id)
    res
      .status(202)
      .location(links(batch).self)
      .json({ ...batchView(batch, ctx.clock()), report, links: links(batch) })
  })

  router.get('/batches', scope, async (req, res) => {
    const { tenant } = callerOf(req)
    const now = ctx.clock()
    const batches = await ctx.storage.batches.listByTenant(tenant.id)
    res.json({ batches: batches.map((batch) => ({ ...batchView(batch, now), links: links(batch) })) })
  })

  router.get('/batches/:id', scope, async (req, res) => {
    const { tenant } = callerOf(req)
    const batch = await getBatch(ctx.storage, tenant.slug, req.params.id as string)
    res.json({ ...batchView(batch, ctx.clock()), links: links(batch) })
  })

  router.get('/batches/:id/results', scope, async (req, res) => {
    const { tenant } = callerOf(req)
    const batch = await getBatch(ctx.storage, tenant.slug, req.params.id as string)
    // Claim links are capabilities and the lines name learners: nothing may keep a copy.
    res.status(200).setHeader('Cache-Control', 'no-store')
    res.type('application/jsonl')
    for await (const line of batchResults(ctx, batch)) {
      if (!(await writeOrWait(res, `${JSON.stringify(line)}\n`))) return
    }
    res.end()
  })

  router.post('/batches/:id/resume', scope, async (req, res) => {
    const { tenant } = callerOf(req)
    const batch = await getBatch(ctx.storage, tenant.slug, req.params.id as string)
    const view = { ...batchView(batch, ctx.clock()), links: links(batch) }
    if (batch.state === 'completed') {
      res.json(view)
      return
    }
    if (!runner.has(batch.id)) {
      if (batch.state === 'validating') throw new BatchBusyError(`Batch ${batch.id} is still being validated`)
      if (view.running) throw new BatchBusyError(`Batch ${batch.id} is being issued by another runner`)
      runner.enqueue(tenant.slug, batch.id)
    }
    res.status(202).location(view.links.self).json(view)
  })

  return router
}
