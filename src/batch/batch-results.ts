/** What a batch's client sees: its status resource and, row by row, what was issued. */
import type { ClaimLinks } from '../claims/claim-links.js'
import { NotFoundError } from '../errors.js'
import { getTenant } from '../issuer/issuer-identity.js'
import { isErased, type BatchRecord, type BatchRowProblem, type Storage } from '../storage/storage.js'

const VC_V2 = 'https://www.w3.org/ns/credentials/v2'

/** The status resource of a batch. */
export interface BatchView {
  id: string
  state: BatchRecord['state']
  course: string
  format: BatchRecord['format']
  totalRows: number
  issuedRows: number
  alreadyIssuedRows: number
  failedRows: number
  pendingRows: number
  /** Done rows over all rows, 0 to 1. */
  progress: number
  createdAt: string
  updatedAt: string
  completedAt: string | null
  /** True while a runner holds the batch. */
  running: boolean
}

export function batchView(batch: BatchRecord, now: Date): BatchView {
  const done = batch.issuedRows + batch.alreadyIssuedRows + batch.failedRows
  return {
    id: batch.id,
    state: batch.state,
    course: batch.courseRef,
    format: batch.format,
    totalRows: batch.totalRows,
    issuedRows: batch.issuedRows,
    alreadyIssuedRows: batch.alreadyIssuedRows,
    failedRows: batch.failedRows,
    pendingRows: batch.totalRows - done,
    progress: batch.totalRows === 0 ? 0 : Math.round((done / batch.totalRows) * 10000) / 10000,
    createdAt: batch.createdAt,
    updatedAt: batch.updatedAt,
    completedAt: batch.completedAt,
    running: batch.leaseUntil !== null && batch.leaseUntil > now.toISOString(),
  }
}

/** The batch of a tenant, or NotFoundError (another tenant's batch is not found either). */
export async function getBatch(storage: Storage, tenantSlug: string, batchId: string): Promise<BatchRecord> {
  const tenant = await getTenant(storage, tenantSlug)
  const batch = await storage.batches.get(batchId)
  if (!batch || batch.tenantId !== tenant.id) throw new NotFoundError(`No batch ${batchId}`)
  return batch
}

/** One line of a batch's results. */
export interface BatchResultLine {
  row: number
  clientKey?: string
  state: 'pending' | 'issued' | 'already-issued' | 'failed'
  credentialId?: string
  /** The credential as issued: `EnvelopedVerifiableCredential` for elm, the signed document for edc. */
  verifiableCredential?: Record<string, unknown>
  /** The learner's claim link (absent when revoked or erased). */
  claimUrl?: string
  /** True when the learner's personal data was erased since. */
  erased?: true
  problem?: BatchRowProblem
}

const RESULTS_PAGE = 200

/**
 * The batch's rows in order, with their credentials and claim links, a page at a time from storage: memory
 * stays flat whatever the cohort size.
 */
export async function* batchResults(
  deps: { storage: Storage; claimLinks: ClaimLinks },
  batch: BatchRecord,
): AsyncGenerator<BatchResultLine> {
  let cursor = 0
  for (;;) {
    const rows = await deps.storage.batches.rows({ batchId: batch.id, afterRow: cursor, limit: RESULTS_PAGE })
    if (rows.length === 0) return
    cursor = rows[rows.length - 1]?.rowNumber ?? cursor
    const ids = rows.flatMap((row) => (row.credentialId === null ? [] : [row.credentialId]))
    const credentials = new Map((await deps.storage.credentials.getMany(ids)).map((c) => [c.id, c]))
    for (const row of rows) {
      const line: BatchResultLine = { row: row.rowNumber, state: row.state }
      if (row.clientKey !== '') line.clientKey = row.clientKey
      if (row.problem) line.problem = row.problem
      const record = row.credentialId === null ? undefined : credentials.get(row.credentialId)
      if (row.credentialId !== null) line.credentialId = row.credentialId
      if (record && isErased(record)) line.erased = true
      else if (record) {
        line.verifiableCredential =
          record.format === 'elm'
            ? {
                '@context': VC_V2,
                type: 'EnvelopedVerifiableCredential',
                id: `data:application/vc+jwt,${record.credential}`,
              }
            : (JSON.parse(record.credential) as Record<string, unknown>)
        if (record.claimRevokedAt === null) {
          line.claimUrl = deps.claimLinks.urlFor(record.id, record.claimGeneration)
        }
      }
      yield line
    }
  }
}
