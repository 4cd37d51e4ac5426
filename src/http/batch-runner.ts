/**
 * The service's batch runner: batches created or resumed over HTTP are issued in this process, in the
 * background, one after another, so that a large cohort never starves the requests the service answers.
 * Batches are resumable by design (see `src/batch/run-batch.ts`): stopping the runner leaves the batch in flight
 * with its finished chunks written, and a later run, here or in another instance, issues only what is left.
 */
import type express from 'express'
import { runBatch } from '../batch/index.js'
import type { AppContext } from '../context.js'
import { BatchBusyError, isMicrocredError } from '../errors.js'
import type { Metrics } from './metrics.js'

/** How the runner issues; tests run small batches in-process (`workers: 0`). */
export interface BatchRunnerOptions {
  /** Worker threads per batch; 0 signs in-process. Default: one per core. */
  workers?: number
  /** Rows per chunk. */
  chunkSize?: number
  /** How long a runner's claim on a batch lasts without renewal. */
  leaseSeconds?: number
}

export interface BatchRunner {
  /** Queues a batch behind those queued before. False (and nothing queued) when it is already here. */
  enqueue(tenantSlug: string, batchId: string): boolean
  /** True while the batch is queued or running in this runner. */
  has(batchId: string): boolean
  /** Resolves once nothing is queued or running. */
  idle(): Promise<void>
  /** Stops taking batches, drops the queue, and stops the running batch after its chunk in flight. */
  close(): Promise<void>
}

interface Job {
  tenantSlug: string
  batchId: string
}

export function createBatchRunner(
  ctx: AppContext,
  options: BatchRunnerOptions & { metrics?: Metrics | undefined } = {},
): BatchRunner {
  const { metrics } = options
  const queue: Job[] = []
  // Queued or running: a batch is never in the runner twice.
  const present = new Set<string>()
  const controller = new AbortController()
  let draining: Promise<void> | undefined
  let closed = false

  // Logs carry batch ids, tenant slugs, counts and codes only: rows and messages may name learners.
  const runOne = async (job: Job) => {
    try {
      const batch = await runBatch(ctx, {
        ...job,
        signal: controller.signal,
        ...(options.workers !== undefined ? { workers: options.workers } : {}),
        ...(options.chunkSize !== undefined ? { chunkSize: options.chunkSize } : {}),
        ...(options.leaseSeconds !== undefined ? { leaseSeconds: options.leaseSeconds } : {}),
        onIssued: (count, format) => metrics?.issued.inc({ format, tenant: job.tenantSlug }, count),
      })
      const counts = {
        batchId: batch.id,
        tenant: job.tenantSlug,
        issued: batch.issuedRows,
        alreadyIssued: batch.alreadyIssuedRows,
        failed: batch.failedRows,
      }
      if (batch.state === 'completed') ctx.logger.info('batch completed', counts)
      else ctx.logger.info('batch stopped; it resumes at the next start', counts)
    } catch (err) {
      if (err instanceof BatchBusyError) {
        ctx.logger.info('batch left to the runner holding it', {
          batchId: job.batchId,
          tenant: job.tenantSlug,
        })
        return
      }
      ctx.logger.error('batch failed', {
        batchId: job.batchId,
        tenant: job.tenantSlug,
        code: isMicrocredError(err) ? err.code : 'ERR_INTERNAL',
      })
    }
  }

  const drain = async () => {
    for (let job = queue.shift(); job !== undefined && !closed; job = queue.shift()) {
      try {
        await runOne(job)
      } finally {
        present.delete(job.batchId)
      }
    }
  }

  const idle = async () => {
    while (draining) await draining
  }

  return {
    enqueue(tenantSlug, batchId) {
      if (closed || present.has(batchId)) return false
      present.add(batchId)
      queue.push({ tenantSlug, batchId })
      // Cleared in `finally`, which always runs after the assignment, even for a queue drained at once.
      draining ??= drain().finally(() => {
        draining = undefined
      })
      return true
    },
    has: (batchId) => present.has(batchId),
    idle,
    async close() {
      closed = true
      queue.length = 0
      present.clear()
      controller.abort()
      await idle()
    },
  }
}

/**
 * Queues the batches an earlier process left unfinished: ready or running, with no runner's lease in force
 * (the process was stopped, or crashed). Returns how many were queued. Another instance sharing the database
 * may queue the same batches: the lease lets one of them run each batch.
 */
export async function resumeInterruptedBatches(ctx: AppContext, runner: BatchRunner): Promise<number> {
  const now = ctx.clock().toISOString()
  let queued = 0
  for (const tenant of await ctx.storage.tenants.list()) {
    for (const batch of await ctx.storage.batches.listByTenant(tenant.id, 1000)) {
      const unfinished = batch.state === 'ready' || batch.state === 'running'
      const unheld = batch.leaseUntil === null || batch.leaseUntil <= now
      if (unfinished && unheld && runner.enqueue(tenant.slug, batch.id)) queued++
    }
  }
  return queued
}

const RUNNERS = new WeakMap<object, BatchRunner>()

/** Makes `runner` the batch runner of `app` (see {@link batchRunnerOf}). */
export function setBatchRunner(app: express.Express, runner: BatchRunner): void {
  RUNNERS.set(app, runner)
}

/** The batch runner of an app made by `createApp`: the service stops it at shutdown, tests await it. */
export function batchRunnerOf(app: express.Express): BatchRunner | undefined {
  return RUNNERS.get(app)
}
