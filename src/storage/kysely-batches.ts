/**
 * Batch and issuance-key repositories over Kysely, for both dialects. Kept apart from `kysely-storage.ts`
 * only for size; the conventions (guarded errors, text timestamps, JSON as text) are the same.
 */
import type { Kysely, Selectable } from 'kysely'
import type { BatchesTable, BatchRowsTable, Database } from './database.js'
import type {
  BatchRecord,
  BatchRepository,
  BatchRowProblem,
  BatchRowRecord,
  IssuanceKeyRepository,
} from './storage.js'

type Executor = Kysely<Database>
type Guard = <T>(what: string, fn: () => Promise<T>) => Promise<T>

/**
 * Rows per multi-row INSERT: SQLite allows 32,766 bound parameters and PostgreSQL 65,535; the widest table
 * here binds 10 per row.
 */
const INSERT_PAGE = 500

function pages<T>(items: T[], size = INSERT_PAGE): T[][] {
  const out: T[][] = []
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size))
  return out
}

function rowToBatch(row: Selectable<BatchesTable>): BatchRecord {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    courseId: row.course_id,
    courseRef: row.course_ref,
    format: row.format,
    state: row.state,
    totalRows: Number(row.total_rows),
    issuedRows: Number(row.issued_rows),
    alreadyIssuedRows: Number(row.already_issued_rows),
    failedRows: Number(row.failed_rows),
    createdBy: row.created_by,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    completedAt: row.completed_at,
    leaseOwner: row.lease_owner,
    leaseUntil: row.lease_until,
  }
}

function rowToBatchRow(row: Selectable<BatchRowsTable>): BatchRowRecord {
  return {
    batchId: row.batch_id,
    rowNumber: Number(row.row_number),
    clientKey: row.client_key,
    learnerRef: row.learner_ref,
    state: row.state,
    learner: row.learner_json === null ? null : (JSON.parse(row.learner_json) as Record<string, unknown>),
    credentialId: row.credential_id,
    problem: row.problem_json === null ? null : (JSON.parse(row.problem_json) as BatchRowProblem),
    updatedAt: row.updated_at,
  }
}

/** Cohort batches and their rows. */
export function batchRepository(db: Executor, guard: Guard): BatchRepository {
  return {
    create: (batch) =>
      guard(`batch ${batch.id}`, async () => {
        await db
          .insertInto('batches')
          .values({
            id: batch.id,
            tenant_id: batch.tenantId,
            course_id: batch.courseId,
            course_ref: batch.courseRef,
            format: batch.format,
            state: batch.state,
            total_rows: batch.totalRows,
            issued_rows: batch.issuedRows,
            already_issued_rows: batch.alreadyIssuedRows,
            failed_rows: batch.failedRows,
            created_by: batch.createdBy,
            created_at: batch.createdAt,
            updated_at: batch.updatedAt,
            completed_at: batch.completedAt,
            lease_owner: batch.leaseOwner,
            lease_until: batch.leaseUntil,
          })
          .execute()
        return batch
      }),
    get: (id) =>
      guard(`batch ${id}`, async () => {
        const row = await db.selectFrom('batches').selectAll().where('id', '=', id).executeTakeFirst()
        return row && rowToBatch(row)
      }),
    listByTenant: (tenantId, limit = 100) =>
      guard(`batches of tenant ${tenantId}`, async () => {
        const rows = await db
          .selectFrom('batches')
          .selectAll()
          .where('tenant_id', '=', tenantId)
          .orderBy('created_at', 'desc')
          .orderBy('id')
          .limit(Math.min(Math.max(Math.trunc(limit), 1), 1000))
          .execute()
        return rows.map(rowToBatch)
      }),
    insertRows: (rows) =>
      guard(`rows of batch ${rows[0]?.batchId ?? '-'}`, async () => {
        for (const page of pages(rows)) {
          await db
            .insertInto('batch_rows')
            .values(
              page.map((row) => ({
                batch_id: row.batchId,
                row_number: row.rowNumber,
                client_key: row.clientKey,
                learner_ref: row.learnerRef,
                state: row.state,
                learner_json: row.learner === null ? null : JSON.stringify(row.learner),
                credential_id: row.credentialId,
                problem_json: row.problem === null ? null : JSON.stringify(row.problem),
                updated_at: row.updatedAt,
              })),
            )
            .execute()
        }
      }),
    rows: (query) =>
      guard(`rows of batch ${query.batchId}`, async () => {
        let q = db
          .selectFrom('batch_rows')
          .selectAll()
          .where('batch_id', '=', query.batchId)
          .where('row_number', '>', query.afterRow ?? 0)
        if (query.state !== undefined) q = q.where('state', '=', query.state)
        const rows = await q.orderBy('row_number').limit(query.limit).execute()
        return rows.map(rowToBatchRow)
      }),
    completeRows: (batchId, outcomes, at) =>
      guard(`rows of batch ${batchId}`, async () => {
        if (outcomes.length === 0) return
        const count = (state: string) => outcomes.filter((o) => o.state === state).length
        for (const outcome of outcomes) {
          await db
            .updateTable('batch_rows')
            .set({
              state: outcome.state,
              credential_id: outcome.credentialId,
              problem_json: outcome.problem === null ? null : JSON.stringify(outcome.problem),
              learner_json: null,
              updated_at: at,
            })
            .where('batch_id', '=', batchId)
            .where('row_number', '=', outcome.rowNumber)
            .execute()
        }
        await db
          .updateTable('batches')
          .set((eb) => ({
            issued_rows: eb('issued_rows', '+', count('issued')),
            already_issued_rows: eb('already_issued_rows', '+', count('already-issued')),
            failed_rows: eb('failed_rows', '+', count('failed')),
            updated_at: at,
          }))
          .where('id', '=', batchId)
          .execute()
      }),
    setState: (batchId, state, at, totalRows) =>
      guard(`batch ${batchId}`, async () => {
        await db
          .updateTable('batches')
          .set({
            state,
            updated_at: at,
            ...(state === 'completed' ? { completed_at: at, lease_owner: null, lease_until: null } : {}),
            ...(totalRows !== undefined ? { total_rows: totalRows } : {}),
          })
          .where('id', '=', batchId)
          .execute()
      }),
    acquireLease: (batchId, owner, until, now) =>
      guard(`batch ${batchId}`, async () => {
        // One conditional update decides between two runners: the database evaluates the WHERE clause on the
        // row as it is when the update runs.
        const result = await db
          .updateTable('batches')
          .set({ lease_owner: owner, lease_until: until, state: 'running', updated_at: now })
          .where('id', '=', batchId)
          .where('state', 'in', ['ready', 'running'])
          .where((eb) =>
            eb.or([
              eb('lease_owner', 'is', null),
              eb('lease_owner', '=', owner),
              eb('lease_until', '<', now),
            ]),
          )
          .executeTakeFirst()
        return Number(result.numUpdatedRows) === 1
      }),
    releaseLease: (batchId, owner) =>
      guard(`batch ${batchId}`, async () => {
        await db
          .updateTable('batches')
          .set({ lease_owner: null, lease_until: null })
          .where('id', '=', batchId)
          .where('lease_owner', '=', owner)
          .execute()
      }),
    delete: (batchId) =>
      guard(`batch ${batchId}`, async () => {
        // Rows first: SQLite enforces ON DELETE CASCADE only with foreign keys on, and a copy of the database
        // opened without them must not keep orphans holding personal data.
        await db.deleteFrom('batch_rows').where('batch_id', '=', batchId).execute()
        await db.deleteFrom('batches').where('id', '=', batchId).execute()
      }),
    listStaleValidating: (before) =>
      guard('stale batches', async () => {
        const rows = await db
          .selectFrom('batches')
          .select('id')
          .where('state', '=', 'validating')
          .where('created_at', '<', before)
          .execute()
        return rows.map((row) => row.id)
      }),
    eraseLearner: (tenantId, learnerRef) =>
      guard(`batch rows of tenant ${tenantId}`, async () => {
        const result = await db
          .updateTable('batch_rows')
          .set({ learner_json: null, learner_ref: null, client_key: '' })
          .where('learner_ref', '=', learnerRef)
          .where('batch_id', 'in', (eb) =>
            eb.selectFrom('batches').select('id').where('tenant_id', '=', tenantId),
          )
          .executeTakeFirst()
        return Number(result.numUpdatedRows)
      }),
  }
}

/** Issued client keys. */
export function issuanceKeyRepository(db: Executor, guard: Guard): IssuanceKeyRepository {
  return {
    find: (tenantId, scope, clientKeys) =>
      guard(`issuance keys of tenant ${tenantId}`, async () => {
        const found = new Map<string, string>()
        for (const page of pages(clientKeys)) {
          const rows = await db
            .selectFrom('issuance_keys')
            .select(['client_key', 'credential_id'])
            .where('tenant_id', '=', tenantId)
            .where('scope', '=', scope)
            .where('client_key', 'in', page)
            .execute()
          for (const row of rows) found.set(row.client_key, row.credential_id)
        }
        return found
      }),
    insertMany: (records) =>
      guard(`issuance keys of tenant ${records[0]?.tenantId ?? '-'}`, async () => {
        for (const page of pages(records)) {
          await db
            .insertInto('issuance_keys')
            .values(
              page.map((r) => ({
                tenant_id: r.tenantId,
                scope: r.scope,
                client_key: r.clientKey,
                credential_id: r.credentialId,
                created_at: r.createdAt,
              })),
            )
            .execute()
        }
      }),
  }
}
