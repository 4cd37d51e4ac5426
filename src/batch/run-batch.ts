/**
 * Running a batch: its pending rows are issued in chunks. Per chunk, the status slots of every credential
 * are allocated in one transaction, the credentials are built and signed on worker threads, and the
 * credentials, their client keys and the rows' outcomes are written in one transaction. While one chunk is
 * being written the next one is already being built.
 *
 * Exactly once: a client key is written with its credential, in the same transaction, under a unique key,
 * so a row is issued at most once whatever happens (a crash, a resume, a second runner, another batch with
 * the same learner), and a resumed batch picks up exactly the rows without an outcome.
 */
import { randomUUID } from 'node:crypto'
import { BatchBusyError, NotFoundError, StorageConflictError } from '../errors.js'
import { getIssuerSigner, getTenant } from '../issuer/issuer-identity.js'
import { defaultIssuer, displayImagesFor, type IssueDeps } from '../issuer/issue-microcredential.js'
import { parseCourse } from '../model/index.js'
import { allocateStatusEntriesForMany, type StatusEntry } from '../status/index.js'
import type {
  BatchRecord,
  BatchRowOutcome,
  BatchRowRecord,
  NewCredentialRecord,
  IssuanceKeyRecord,
} from '../storage/storage.js'
import type { IssueJob, JobResult } from './compute.js'
import { clientKeyHash } from './create-batch.js'
import { createWorkerPool, type WorkerPool } from './worker-pool.js'

export interface RunBatchOptions {
  tenantSlug: string
  batchId: string
  /** Worker threads; 0 runs in-process. Default: one per core. Ignored when `pool` is given. */
  workers?: number
  /**
   * Worker threads already started (see `startWorkerPool`), for instance while the cohort's file was being
   * validated: configured for this batch and left open for the caller to close.
   */
  pool?: WorkerPool
  /** Rows per chunk (default 256). */
  chunkSize?: number
  /** How long this runner's claim on the batch lasts without renewal (default 120 s); renewed every chunk. */
  leaseSeconds?: number
  /** Stops after the chunk in progress; the batch can be resumed later. */
  signal?: AbortSignal
  /** Called after every written chunk with the batch's counters. */
  onProgress?: (progress: BatchProgress) => void
  /** Called with the number of credentials each written chunk issued. */
  onIssued?: (count: number, format: 'elm' | 'edc') => void
}

export interface BatchProgress {
  totalRows: number
  doneRows: number
  issuedRows: number
  alreadyIssuedRows: number
  failedRows: number
}

const DEFAULT_CHUNK = 256
const DEFAULT_LEASE_SECONDS = 120

/**
 * Issues the pending rows of a batch. Returns the batch as it is at the end: `completed`, or still
 * `running` (without a runner) when stopped by the signal.
 *
 * @throws BatchBusyError when another runner holds the batch.
 * @throws NotFoundError for a batch of another tenant, or none.
 */
export async function runBatch(deps: IssueDeps, options: RunBatchOptions): Promise<BatchRecord> {
  const { storage, clock } = deps
  const tenant = await getTenant(storage, options.tenantSlug)
  const batch = await storage.batches.get(options.batchId)
  if (!batch || batch.tenantId !== tenant.id) throw new NotFoundError(`No batch ${options.batchId}`)
  if (batch.state === 'completed') return batch
  if (batch.state === 'validating') throw new BatchBusyError(`Batch ${batch.id} is still being validated`)

  const owner = randomUUID()
  const leaseMs = (options.leaseSeconds ?? DEFAULT_LEASE_SECONDS) * 1000
  const renewLease = async () => {
    const now = clock()
    const until = new Date(now.getTime() + leaseMs).toISOString()
    if (!(await storage.batches.acquireLease(batch.id, owner, until, now.toISOString()))) {
      throw new BatchBusyError(`Batch ${batch.id} is being issued by another runner`)
    }
  }
  await renewLease()

  let ownPool: WorkerPool | undefined
  try {
    const courseRecord = await storage.courses.get(batch.courseId)
    if (!courseRecord) throw new NotFoundError(`The course version of batch ${batch.id} is gone`)
    const course = parseCourse(courseRecord.course)
    const issuer = await defaultIssuer(storage, tenant)
    const signer = await getIssuerSigner(deps, issuer.id)
    if (!signer.id.startsWith(`${issuer.did}#`)) {
      throw new StorageConflictError(`The issuer's key was rotated while starting the batch; run it again`)
    }
    const purposes = course.statusPurposes ?? deps.statusPurposes
    const poolSetup = {
      signer,
      setup: {
        course,
        issuer: { did: issuer.did, profile: issuer.profile },
        format: batch.format,
        displayImages: [...displayImagesFor(deps.displayImages, courseRecord, course)],
      },
    }
    let pool: WorkerPool
    if (options.pool) {
      pool = options.pool
      pool.configure(poolSetup)
    } else {
      ownPool = createWorkerPool({
        ...(options.workers !== undefined ? { size: options.workers } : {}),
        ...poolSetup,
      })
      pool = ownPool
    }

    const progress: BatchProgress = {
      totalRows: batch.totalRows,
      doneRows: batch.issuedRows + batch.alreadyIssuedRows + batch.failedRows,
      issuedRows: batch.issuedRows,
      alreadyIssuedRows: batch.alreadyIssuedRows,
      failedRows: batch.failedRows,
    }

    /** Writes one chunk's outcomes; returns how many credentials it issued. */
    const writeChunk = async (chunk: PreparedChunk, results: JobResult[]) => {
      const at = clock().toISOString()
      const outcomes: BatchRowOutcome[] = chunk.known.map(({ row, credentialId }) => ({
        rowNumber: row.rowNumber,
        state: 'already-issued',
        credentialId,
        problem: null,
      }))
      const records: NewCredentialRecord[] = []
      const keys: IssuanceKeyRecord[] = []
      chunk.fresh.forEach((row, i) => {
        const result = results[i] as JobResult
        const credentialId = chunk.ids[i] as string
        if (!result.ok) {
          outcomes.push({
            rowNumber: row.rowNumber,
            state: 'failed',
            credentialId: null,
            problem: result.problem,
          })
          return
        }
        records.push({
          id: credentialId,
          tenantId: tenant.id,
          issuerId: issuer.id,
          courseId: courseRecord.id,
          learnerRef: row.learnerRef,
          format: batch.format,
          issuedAt: chunk.issued.toISOString(),
          credential: result.credential,
          claimGeneration: 1,
          claimRevokedAt: null,
        })
        keys.push({
          tenantId: tenant.id,
          scope: batch.courseRef,
          clientKey: clientKeyHash(row.clientKey),
          credentialId,
          createdAt: at,
        })
        outcomes.push({ rowNumber: row.rowNumber, state: 'issued', credentialId, problem: null })
      })
      let issuedCount = records.length
      try {
        await storage.transaction(async (tx) => {
          await tx.credentials.insertMany(records)
          await tx.issuanceKeys.insertMany(keys)
          await tx.batches.completeRows(batch.id, outcomes, at)
        })
      } catch (err) {
        if (!(err instanceof StorageConflictError)) throw err
        // Another batch issued one of these learners meanwhile: settle the rows one by one, so that only the
        // contested ones become already-issued (their freshly signed credentials are never handed out).
        issuedCount = await writeOneByOne(chunk, outcomes, records, keys, at)
      }
      for (const outcome of outcomes) {
        if (outcome.state === 'issued') progress.issuedRows++
        else if (outcome.state === 'already-issued') progress.alreadyIssuedRows++
        else progress.failedRows++
      }
      progress.doneRows += outcomes.length
      return issuedCount
    }

    const writeOneByOne = async (
      chunk: PreparedChunk,
      outcomes: BatchRowOutcome[],
      records: NewCredentialRecord[],
      keys: IssuanceKeyRecord[],
      at: string,
    ) => {
      let issuedCount = 0
      const byId = new Map(
        records.map((record, i) => [record.id, { record, key: keys[i] as IssuanceKeyRecord }]),
      )
      for (const outcome of outcomes) {
        const pair = outcome.credentialId === null ? undefined : byId.get(outcome.credentialId)
        if (outcome.state !== 'issued' || !pair) {
          await storage.batches.completeRows(batch.id, [outcome], at)
          continue
        }
        try {
          await storage.transaction(async (tx) => {
            await tx.credentials.insertMany([pair.record])
            await tx.issuanceKeys.insertMany([pair.key])
            await tx.batches.completeRows(batch.id, [outcome], at)
          })
          issuedCount++
        } catch (err) {
          if (!(err instanceof StorageConflictError)) throw err
          const row = chunk.fresh.find((r) => r.rowNumber === outcome.rowNumber) as BatchRowRecord
          const existing = await storage.issuanceKeys.find(tenant.id, batch.courseRef, [
            clientKeyHash(row.clientKey),
          ])
          outcome.state = 'already-issued'
          outcome.credentialId = existing.values().next().value ?? null
          await storage.batches.completeRows(batch.id, [outcome], at)
        }
      }
      return issuedCount
    }

    const prepareChunk = async (rows: BatchRowRecord[]): Promise<PreparedChunk> => {
      const issuedKeys = await storage.issuanceKeys.find(
        tenant.id,
        batch.courseRef,
        rows.map((row) => clientKeyHash(row.clientKey)),
      )
      const known: PreparedChunk['known'] = []
      const fresh: BatchRowRecord[] = []
      for (const row of rows) {
        const credentialId = issuedKeys.get(clientKeyHash(row.clientKey))
        if (credentialId !== undefined) known.push({ row, credentialId })
        else fresh.push(row)
      }
      const ids = fresh.map(() => `urn:uuid:${randomUUID()}`)
      const statuses: StatusEntry[][] =
        purposes.length === 0 || ids.length === 0
          ? []
          : await allocateStatusEntriesForMany(
              deps,
              {
                tenantId: tenant.id,
                issuerId: issuer.id,
                credentialIds: ids,
                form: batch.format === 'elm' ? 'jose' : 'di',
                purposes: [...purposes],
                publicBaseUrl: deps.publicBaseUrl,
                expectedIssuerDid: issuer.did,
              },
              deps.statusOptions,
            )
      const jobs: IssueJob[] = fresh.map((row, i) => ({
        credentialId: ids[i] as string,
        learner: row.learner as Record<string, unknown>,
        ...(statuses[i] ? { credentialStatus: statuses[i] } : {}),
      }))
      return { known, fresh, ids, jobs, issued: clock() }
    }

    let cursor = 0
    let writing: Promise<void> = Promise.resolve()
    const workers = pool
    try {
      while (!options.signal?.aborted) {
        const rows = await storage.batches.rows({
          batchId: batch.id,
          afterRow: cursor,
          limit: options.chunkSize ?? DEFAULT_CHUNK,
          state: 'pending',
        })
        if (rows.length === 0) break
        cursor = (rows[rows.length - 1] as BatchRowRecord).rowNumber
        await renewLease()
        const chunk = await prepareChunk(rows)
        const computing = chunk.jobs.length > 0 ? workers.run(chunk.jobs, chunk.issued) : Promise.resolve([])
        // Written in order, after the previous chunk, which is written while this one is being signed.
        const previous = writing
        writing = Promise.all([computing, previous]).then(async ([results]) => {
          const count = await writeChunk(chunk, results)
          if (count > 0) options.onIssued?.(count, batch.format)
          options.onProgress?.({ ...progress })
        })
        await previous
      }
    } finally {
      // Settle the chunk in flight whatever stopped the loop: its credentials were signed, its slots taken.
      await writing
    }

    const remaining = await storage.batches.rows({ batchId: batch.id, limit: 1, state: 'pending' })
    if (remaining.length === 0) await storage.batches.setState(batch.id, 'completed', clock().toISOString())
  } finally {
    await ownPool?.close()
    await storage.batches.releaseLease(batch.id, owner)
  }
  // Read once the lease is given up, so that a stopped batch shows no runner.
  return (await storage.batches.get(batch.id)) as BatchRecord
}

interface PreparedChunk {
  /** Rows whose key was issued before, with that credential. */
  known: Array<{ row: BatchRowRecord; credentialId: string }>
  /** Rows to issue now, with their new credential ids and jobs in the same order. */
  fresh: BatchRowRecord[]
  ids: string[]
  jobs: IssueJob[]
  issued: Date
}
