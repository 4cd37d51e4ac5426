/**
 * The one implementation of the storage port, written against Kysely and shared by SQLite and PostgreSQL.
 *
 * Nothing here knows which driver is underneath: the drivers differ only in how `sqlite.ts` and
 * `postgres.ts` build the `Kysely` instance, and in the error codes mapped by {@link toStorageError}.
 */
import { InsertResult, Migrator, sql } from 'kysely'
import type { Kysely, UpdateResult } from 'kysely'
import {
  KeyNotFoundError,
  MicrocredError,
  NotFoundError,
  StorageConflictError,
  StorageError,
  StorageUnreachableError,
} from '../errors.js'
import {
  apiTokenToRow,
  courseToRow,
  credentialToRow,
  fromFlag,
  issuerKeyToRow,
  issuerToRow,
  rowToApiToken,
  rowToCourse,
  rowToCredential,
  rowToIssuer,
  rowToIssuerKey,
  rowToStatusEvent,
  rowToStatusList,
  rowToStatusSlot,
  rowToTenant,
  statusEventToRow,
  statusListToRow,
  statusSlotToRow,
  tenantToRow,
} from './database.js'
import type { Database } from './database.js'
import { migrationProvider } from './migrations.js'
import { batchRepository, issuanceKeyRepository } from './kysely-batches.js'
import { ilaRepository } from './kysely-ila.js'
import { shareLinkRepository } from './kysely-share-links.js'
import type {
  ApiTokenRecord,
  ApiTokenRepository,
  CourseRepository,
  CredentialRecord,
  CredentialRepository,
  IssuerKeyRecord,
  IssuerRepository,
  KeyRepository,
  MigrationReport,
  StatusListRepository,
  Storage,
  StorageSession,
  TenantRepository,
} from './storage.js'

/**
 * Where queries run: the pool itself or one open transaction (`Transaction<Database>` is a
 * `Kysely<Database>`, so either fits).
 */
export type Executor = Kysely<Database>

/** Page size of `credentials.list` when the caller gives none. */
export const DEFAULT_LIST_LIMIT = 100
/** Largest page `credentials.list` returns, whatever the caller asks. */
export const MAX_LIST_LIMIT = 1000

// Unique violations by code, never by message: messages vary with driver version and server locale.
const UNIQUE_VIOLATION_CODES = new Set([
  'SQLITE_CONSTRAINT_UNIQUE',
  'SQLITE_CONSTRAINT_PRIMARYKEY',
  '23505', // PostgreSQL unique_violation
])

const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now
])

function errorCode(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null || !('code' in err)) return undefined
  const code = (err as { code: unknown }).code
  return typeof code === 'string' ? code : undefined
}

/**
 * Translates a driver error into the typed error the port promises: {@link StorageConflictError} for a
 * unique violation, {@link StorageUnreachableError} when the server went away, {@link StorageError}
 * otherwise. The driver error is kept as `cause`; errors that are already ours pass through.
 *
 * @param what - the thing being written or read, for the message (e.g. `tenant t-1`); never row data.
 */
export function toStorageError(err: unknown, what: string): MicrocredError {
  if (err instanceof MicrocredError) return err
  const code = errorCode(err)
  if (code !== undefined && UNIQUE_VIOLATION_CODES.has(code)) {
    return new StorageConflictError(`${what} conflicts with an existing record`, { cause: err })
  }
  // SQLSTATE class 08 is "connection exception".
  if (code !== undefined && (UNREACHABLE_CODES.has(code) || /^08[0-9A-Z]{3}$/.test(code))) {
    return new StorageUnreachableError(`Database connection lost while accessing ${what}`, { cause: err })
  }
  return new StorageError(`Storage failure while accessing ${what}`, { cause: err })
}

async function guard<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn()
  } catch (err) {
    throw toStorageError(err, what)
  }
}

/** Runs `fn` in a transaction on `db`, or directly when `db` already is one (Kysely cannot nest them). */
async function inTransaction<T>(db: Executor, fn: (tx: Executor) => Promise<T>): Promise<T> {
  if (db.isTransaction) return fn(db)
  return db.transaction().execute(fn)
}

/** Tenant repository over `db`. */
export function tenantRepository(db: Executor): TenantRepository {
  return {
    create: (tenant) =>
      guard(`tenant ${tenant.id}`, async () => {
        await db.insertInto('tenants').values(tenantToRow(tenant)).execute()
        return tenant
      }),
    get: (id) =>
      guard(`tenant ${id}`, async () => {
        const row = await db.selectFrom('tenants').selectAll().where('id', '=', id).executeTakeFirst()
        return row && rowToTenant(row)
      }),
    getBySlug: (slug) =>
      guard(`tenant ${slug}`, async () => {
        const row = await db.selectFrom('tenants').selectAll().where('slug', '=', slug).executeTakeFirst()
        return row && rowToTenant(row)
      }),
    list: () =>
      guard('tenants', async () => {
        const rows = await db.selectFrom('tenants').selectAll().orderBy('slug').execute()
        return rows.map(rowToTenant)
      }),
  }
}

/** Issuer repository over `db`. */
export function issuerRepository(db: Executor): IssuerRepository {
  const get = (id: string) =>
    guard(`issuer ${id}`, async () => {
      const row = await db.selectFrom('issuers').selectAll().where('id', '=', id).executeTakeFirst()
      return row && rowToIssuer(row)
    })
  return {
    get,
    create: (issuer) =>
      guard(`issuer ${issuer.id}`, async () => {
        await db.insertInto('issuers').values(issuerToRow(issuer)).execute()
        return issuer
      }),
    getByDid: (did) =>
      guard(`issuer ${did}`, async () => {
        const row = await db.selectFrom('issuers').selectAll().where('did', '=', did).executeTakeFirst()
        return row && rowToIssuer(row)
      }),
    getDefault: (tenantId) =>
      guard(`default issuer of tenant ${tenantId}`, async () => {
        const row = await db
          .selectFrom('issuers')
          .selectAll()
          .where('tenant_id', '=', tenantId)
          .where('is_default', '=', 1)
          .executeTakeFirst()
        return row && rowToIssuer(row)
      }),
    listByTenant: (tenantId) =>
      guard(`issuers of tenant ${tenantId}`, async () => {
        const rows = await db
          .selectFrom('issuers')
          .selectAll()
          .where('tenant_id', '=', tenantId)
          .orderBy('created_at')
          .orderBy('id')
          .execute()
        return rows.map(rowToIssuer)
      }),
    update: async (issuer) => {
      const row = issuerToRow(issuer)
      const result = await guard(`issuer ${issuer.id}`, () =>
        db
          .updateTable('issuers')
          .set({ did: row.did, profile_json: row.profile_json, updated_at: row.updated_at })
          .where('id', '=', issuer.id)
          .executeTakeFirst(),
      )
      if (result.numUpdatedRows === 0n) throw new NotFoundError(`Issuer ${issuer.id} not found`)
      // Read back rather than echo the argument: only three fields were written, the rest is the database's.
      const updated = await get(issuer.id)
      if (!updated) throw new NotFoundError(`Issuer ${issuer.id} not found`)
      return updated
    },
    updateProfile: async (id, profile, at) => {
      const result = await guard(`issuer ${id}`, () =>
        db
          .updateTable('issuers')
          .set({ profile_json: JSON.stringify(profile), updated_at: at })
          .where('id', '=', id)
          .executeTakeFirst(),
      )
      if (result.numUpdatedRows === 0n) throw new NotFoundError(`Issuer ${id} not found`)
      const updated = await get(id)
      if (!updated) throw new NotFoundError(`Issuer ${id} not found`)
      return updated
    },
  }
}

/** Key repository over `db`. `activate` opens its own transaction unless `db` already is one. */
export function keyRepository(db: Executor): KeyRepository {
  return {
    add: (key: IssuerKeyRecord) =>
      guard(`key ${key.kid}`, async () => {
        await db.insertInto('issuer_keys').values(issuerKeyToRow(key)).execute()
        return key
      }),
    get: (id) =>
      guard(`key ${id}`, async () => {
        const row = await db.selectFrom('issuer_keys').selectAll().where('id', '=', id).executeTakeFirst()
        return row && rowToIssuerKey(row)
      }),
    getByKid: (kid) =>
      guard(`key ${kid}`, async () => {
        const row = await db.selectFrom('issuer_keys').selectAll().where('kid', '=', kid).executeTakeFirst()
        return row && rowToIssuerKey(row)
      }),
    listByIssuer: (issuerId) =>
      guard(`keys of issuer ${issuerId}`, async () => {
        const rows = await db
          .selectFrom('issuer_keys')
          .selectAll()
          .where('issuer_id', '=', issuerId)
          .orderBy('created_at')
          .orderBy('id')
          .execute()
        return rows.map(rowToIssuerKey)
      }),
    getActive: (issuerId) =>
      guard(`active key of issuer ${issuerId}`, async () => {
        const row = await db
          .selectFrom('issuer_keys')
          .selectAll()
          .where('issuer_id', '=', issuerId)
          .where('active', '=', 1)
          .executeTakeFirst()
        return row && rowToIssuerKey(row)
      }),
    activate: (issuerId, keyId, at) =>
      guard(`key ${keyId}`, () =>
        inTransaction(db, async (tx) => {
          const key = await tx
            .selectFrom('issuer_keys')
            .select(['issuer_id', 'active'])
            .where('id', '=', keyId)
            .executeTakeFirst()
          if (!key || key.issuer_id !== issuerId) {
            throw new KeyNotFoundError(`Key ${keyId} not found for issuer ${issuerId}`)
          }
          // Re-activating the active key must not stamp it as retired.
          if (fromFlag(key.active)) return
          // Retire first: the partial unique index refuses a second active key even for one statement.
          // Two concurrent activations for one issuer therefore end with one StorageConflictError, never
          // with two active keys.
          await tx
            .updateTable('issuer_keys')
            .set({ active: 0, retired_at: at })
            .where('issuer_id', '=', issuerId)
            .where('active', '=', 1)
            .execute()
          await tx
            .updateTable('issuer_keys')
            .set({ active: 1, retired_at: null })
            .where('id', '=', keyId)
            .execute()
        }),
      ),
  }
}

/** Clamps a requested page size to `1..MAX_LIST_LIMIT`, defaulting to `DEFAULT_LIST_LIMIT`. */
export function pageLimit(limit: number | undefined): number {
  if (limit === undefined || !Number.isFinite(limit)) return DEFAULT_LIST_LIMIT
  return Math.min(Math.max(Math.trunc(limit), 1), MAX_LIST_LIMIT)
}

/** Credential repository over `db`. */
export function credentialRepository(db: Executor, dialect: Storage['dialect']): CredentialRepository {
  // SQLite reads the bytes as UTF-8 text in place; PostgreSQL's driver needs the string.
  const credentialText = (credential: string | Uint8Array) => {
    if (typeof credential === 'string') return credential
    const bytes = Buffer.from(credential.buffer, credential.byteOffset, credential.byteLength)
    return dialect === 'sqlite' ? sql<string>`cast(${bytes} as text)` : bytes.toString('utf8')
  }
  return {
    insert: (record) =>
      guard(`credential ${record.id}`, async () => {
        await db.insertInto('credentials').values(credentialToRow(record)).execute()
        return record
      }),
    insertMany: (records) =>
      guard(`credentials ${records[0]?.id ?? '-'}…`, async () => {
        // Pages of 100: ten bound parameters a row, and credentials of 50 KB or more each.
        for (let i = 0; i < records.length; i += 100) {
          await db
            .insertInto('credentials')
            .values(
              records.slice(i, i + 100).map((record) => ({
                ...credentialToRow({ ...record, credential: '' }),
                credential: credentialText(record.credential),
              })),
            )
            .execute()
        }
      }),
    getMany: (ids) =>
      guard(`credentials ${ids[0] ?? '-'}…`, async () => {
        const out: CredentialRecord[] = []
        for (let i = 0; i < ids.length; i += 500) {
          const rows = await db
            .selectFrom('credentials')
            .selectAll()
            .where('id', 'in', ids.slice(i, i + 500))
            .execute()
          out.push(...rows.map(rowToCredential))
        }
        return out
      }),
    get: (id) =>
      guard(`credential ${id}`, async () => {
        const row = await db.selectFrom('credentials').selectAll().where('id', '=', id).executeTakeFirst()
        return row && rowToCredential(row)
      }),
    list: (query) =>
      guard(`credentials of tenant ${query.tenantId}`, async () => {
        let q = db.selectFrom('credentials').selectAll().where('tenant_id', '=', query.tenantId)
        if (query.courseId !== undefined) q = q.where('course_id', '=', query.courseId)
        // Keyset pagination: stable while rows are inserted, unlike an offset.
        if (query.after !== undefined) q = q.where('id', '>', query.after)
        const rows = await q.orderBy('id').limit(pageLimit(query.limit)).execute()
        return rows.map(rowToCredential)
      }),
    eraseByLearner: (tenantId, learnerRef) =>
      guard(`credentials of tenant ${tenantId}`, async () => {
        const result = await db
          .updateTable('credentials')
          .set({ credential: '', learner_ref: null })
          .where('tenant_id', '=', tenantId)
          .where('learner_ref', '=', learnerRef)
          .executeTakeFirst()
        return Number(result.numUpdatedRows)
      }),
    revokeClaim: (id, at) =>
      guard(`claim link of credential ${id}`, async () => {
        const existing = await db
          .selectFrom('credentials')
          .select('id')
          .where('id', '=', id)
          .executeTakeFirst()
        if (!existing) return false
        await db
          .updateTable('credentials')
          .set({ claim_revoked_at: at })
          .where('id', '=', id)
          .where('claim_revoked_at', 'is', null)
          .execute()
        return true
      }),
    renewClaim: (id) =>
      guard(`claim link of credential ${id}`, async () => {
        // The increment happens in the database, so two concurrent renewals get two distinct generations.
        const row = await db
          .updateTable('credentials')
          .set((eb) => ({ claim_generation: eb('claim_generation', '+', 1), claim_revoked_at: null }))
          .where('id', '=', id)
          .returning('claim_generation')
          .executeTakeFirst()
        return row === undefined ? undefined : Number(row.claim_generation)
      }),
  }
}

/** Course versions. */
export function courseRepository(db: Executor): CourseRepository {
  return {
    add: (record) =>
      guard(`course ${record.courseRef} v${record.version}`, async () => {
        await db.insertInto('courses').values(courseToRow(record)).execute()
        return record
      }),
    get: (id) =>
      guard(`course ${id}`, async () => {
        const row = await db.selectFrom('courses').selectAll().where('id', '=', id).executeTakeFirst()
        return row && rowToCourse(row)
      }),
    getLatest: (tenantId, courseRef) =>
      guard(`course ${courseRef}`, async () => {
        const row = await db
          .selectFrom('courses')
          .selectAll()
          .where('tenant_id', '=', tenantId)
          .where('course_ref', '=', courseRef)
          .orderBy('version', 'desc')
          .limit(1)
          .executeTakeFirst()
        return row && rowToCourse(row)
      }),
    listLatest: (tenantId) =>
      guard(`courses of tenant ${tenantId}`, async () => {
        const latest = db
          .selectFrom('courses')
          .select(['course_ref', (eb) => eb.fn.max('version').as('max_version')])
          .where('tenant_id', '=', tenantId)
          .groupBy('course_ref')
          .as('latest')
        const rows = await db
          .selectFrom('courses')
          .innerJoin(latest, (join) =>
            join
              .onRef('latest.course_ref', '=', 'courses.course_ref')
              .onRef('latest.max_version', '=', 'courses.version'),
          )
          .selectAll('courses')
          .where('courses.tenant_id', '=', tenantId)
          .orderBy('courses.course_ref')
          .execute()
        return rows.map(rowToCourse)
      }),
  }
}

/** Number of rows an insert or update reported. */
function affected(result: InsertResult | UpdateResult): number {
  const n = result instanceof InsertResult ? result.numInsertedOrUpdatedRows : result.numUpdatedRows
  return Number(n ?? 0n)
}

/**
 * Status lists, slots and the audit log. The two inserts that may meet a concurrent writer use
 * `ON CONFLICT ... DO NOTHING` (the same SQL on SQLite and PostgreSQL) and report the outcome, because a
 * failed statement aborts the whole transaction on PostgreSQL: the caller could not retry inside it.
 */
export function statusListRepository(db: Executor): StatusListRepository {
  return {
    get: (id) =>
      guard(`status list ${id}`, async () => {
        const row = await db.selectFrom('status_lists').selectAll().where('id', '=', id).executeTakeFirst()
        return row && rowToStatusList(row)
      }),
    getByUrl: (url) =>
      guard(`status list ${url}`, async () => {
        const row = await db.selectFrom('status_lists').selectAll().where('url', '=', url).executeTakeFirst()
        return row && rowToStatusList(row)
      }),
    getCurrent: ({ issuerId, purpose, form }) =>
      guard(`current ${purpose} list of issuer ${issuerId}`, async () => {
        const row = await db
          .selectFrom('status_lists')
          .selectAll()
          .where('issuer_id', '=', issuerId)
          .where('purpose', '=', purpose)
          .where('form', '=', form)
          .orderBy('sequence', 'desc')
          .limit(1)
          .executeTakeFirst()
        return row && rowToStatusList(row)
      }),
    listByTenant: (tenantId) =>
      guard(`status lists of tenant ${tenantId}`, async () => {
        const rows = await db
          .selectFrom('status_lists')
          .selectAll()
          .where('tenant_id', '=', tenantId)
          .orderBy('issuer_id')
          .orderBy('purpose')
          .orderBy('form')
          .orderBy('sequence')
          .execute()
        return rows.map(rowToStatusList)
      }),
    createIfAbsent: (list) =>
      guard(`status list ${list.id}`, async () => {
        const result = await db
          .insertInto('status_lists')
          .values(statusListToRow(list))
          .onConflict((oc) => oc.columns(['issuer_id', 'purpose', 'form', 'sequence']).doNothing())
          .executeTakeFirst()
        return affected(result) === 1
      }),
    reserve: (listId) =>
      guard(`status list ${listId}`, async () => {
        // The guard is in the WHERE clause, evaluated by the database on the row as it is when the update
        // runs (PostgreSQL re-checks it after waiting for a concurrent writer), never on a value read earlier.
        const result = await db
          .updateTable('status_lists')
          .set((eb) => ({ allocated: eb('allocated', '+', 1) }))
          .where('id', '=', listId)
          .whereRef('allocated', '<', 'capacity')
          .executeTakeFirst()
        return affected(result) === 1
      }),
    reserveMany: (listId, count) =>
      guard(`status list ${listId}`, async () => {
        const result = await db
          .updateTable('status_lists')
          .set((eb) => ({ allocated: eb('allocated', '+', count) }))
          .where('id', '=', listId)
          .where((eb) => eb(eb('allocated', '+', count), '<=', eb.ref('capacity')))
          .executeTakeFirst()
        return affected(result) === 1
      }),
    insertFreeSlots: (slots) =>
      guard(`status slots of list ${slots[0]?.listId ?? '-'}`, async () => {
        const inserted = new Set<number>()
        for (let i = 0; i < slots.length; i += 500) {
          // RETURNING lists only the rows actually inserted (SQLite 3.35+, PostgreSQL): the skipped ones are
          // indices a concurrent writer, or an earlier slot, already holds.
          const rows = await db
            .insertInto('status_slots')
            .values(slots.slice(i, i + 500).map(statusSlotToRow))
            .onConflict((oc) => oc.columns(['list_id', 'status_index']).doNothing())
            .returning('status_index')
            .execute()
          for (const row of rows) inserted.add(Number(row.status_index))
        }
        return inserted
      }),
    markFull: (listId) =>
      guard(`status list ${listId}`, async () => {
        await db
          .updateTable('status_lists')
          .set((eb) => ({ allocated: eb.ref('capacity') }))
          .where('id', '=', listId)
          .execute()
      }),
    insertSlot: (slot) =>
      guard(`status slot ${slot.listId}#${slot.index}`, async () => {
        // The conflict target names the primary key only: a second slot for the same credential and purpose
        // still fails (StorageConflictError) instead of being mistaken for a taken index.
        const result = await db
          .insertInto('status_slots')
          .values(statusSlotToRow(slot))
          .onConflict((oc) => oc.columns(['list_id', 'status_index']).doNothing())
          .executeTakeFirst()
        return affected(result) === 1
      }),
    getSlotsByCredential: (credentialId) =>
      guard(`status of credential ${credentialId}`, async () => {
        const slots = await db
          .selectFrom('status_slots')
          .selectAll()
          .where('credential_id', '=', credentialId)
          .orderBy('purpose')
          .execute()
        if (slots.length === 0) return []
        const lists = await db
          .selectFrom('status_lists')
          .selectAll()
          .where(
            'id',
            'in',
            slots.map((s) => s.list_id),
          )
          .execute()
        const byId = new Map(lists.map((row) => [row.id, rowToStatusList(row)]))
        return slots.flatMap((row) => {
          const list = byId.get(row.list_id)
          return list ? [{ slot: rowToStatusSlot(row), list }] : []
        })
      }),
    listSetIndices: (listId) =>
      guard(`status list ${listId}`, async () => {
        const rows = await db
          .selectFrom('status_slots')
          .select('status_index')
          .where('list_id', '=', listId)
          .where('value', '=', 1)
          .orderBy('status_index')
          .execute()
        return rows.map((row) => Number(row.status_index))
      }),
    setSlotValue: (listId, index, value, at) =>
      guard(`status slot ${listId}#${index}`, async () => {
        // Conditional on the old value, so that of two concurrent identical changes exactly one reports a
        // change (PostgreSQL re-evaluates the condition after the first commits).
        const result = await db
          .updateTable('status_slots')
          .set({ value, updated_at: at })
          .where('list_id', '=', listId)
          .where('status_index', '=', index)
          .where('value', '<>', value)
          .executeTakeFirst()
        return affected(result) === 1
      }),
    markChanged: (listId) =>
      guard(`status list ${listId}`, async () => {
        await db
          .updateTable('status_lists')
          .set((eb) => ({ revision: eb('revision', '+', 1), dirty: 1 }))
          .where('id', '=', listId)
          .execute()
      }),
    savePublication: (p) =>
      guard(`status list ${p.listId}`, async () => {
        const result = await db
          .updateTable('status_lists')
          .set((eb) => ({
            published: p.published,
            published_at: p.publishedAt,
            valid_until: p.validUntil,
            etag: p.etag,
            published_revision: p.revision,
            // Clean only if no bit changed after the publisher read the revision; otherwise stay dirty
            // so that the next reader publishes again.
            dirty: eb
              .case()
              .when('revision', '=', p.revision)
              .then(sql<0 | 1>`0`)
              .else(sql<0 | 1>`1`)
              .end(),
          }))
          .where('id', '=', p.listId)
          .where((eb) =>
            eb.or([eb('published_revision', 'is', null), eb('published_revision', '<=', p.revision)]),
          )
          .executeTakeFirst()
        if (affected(result) !== 1) return undefined
        const row = await db
          .selectFrom('status_lists')
          .selectAll()
          .where('id', '=', p.listId)
          .executeTakeFirst()
        return row && rowToStatusList(row)
      }),
    appendEvent: (event) =>
      guard(`status event ${event.id}`, async () => {
        await db.insertInto('status_events').values(statusEventToRow(event)).execute()
        return event
      }),
    listEvents: (query) =>
      guard(`status events of tenant ${query.tenantId}`, async () => {
        let q = db.selectFrom('status_events').selectAll().where('tenant_id', '=', query.tenantId)
        if (query.credentialId !== undefined) q = q.where('credential_id', '=', query.credentialId)
        if (query.listId !== undefined) q = q.where('list_id', '=', query.listId)
        const rows = await q.orderBy('at').orderBy('batch_id').orderBy('batch_position').execute()
        return rows.map(rowToStatusEvent)
      }),
  }
}

/** API token repository over `db`. */
export function apiTokenRepository(db: Executor): ApiTokenRepository {
  return {
    create: (token: ApiTokenRecord) =>
      guard(`token ${token.id}`, async () => {
        await db.insertInto('api_tokens').values(apiTokenToRow(token)).execute()
        return token
      }),
    getById: (id) =>
      guard(`token ${id}`, async () => {
        const row = await db.selectFrom('api_tokens').selectAll().where('id', '=', id).executeTakeFirst()
        return row && rowToApiToken(row)
      }),
    findByHash: (tokenHash) =>
      guard('token by hash', async () => {
        const row = await db
          .selectFrom('api_tokens')
          .selectAll()
          .where('token_hash', '=', tokenHash)
          .executeTakeFirst()
        return row && rowToApiToken(row)
      }),
    revoke: (id, at) =>
      guard(`token ${id}`, async () => {
        const existing = await db
          .selectFrom('api_tokens')
          .select('id')
          .where('id', '=', id)
          .executeTakeFirst()
        if (!existing) return false
        await db
          .updateTable('api_tokens')
          .set({ revoked_at: at })
          .where('id', '=', id)
          .where('revoked_at', 'is', null)
          .execute()
        return true
      }),
    listByTenant: (tenantId) =>
      guard(`tokens of tenant ${tenantId}`, async () => {
        const rows = await db
          .selectFrom('api_tokens')
          .selectAll()
          .where('tenant_id', '=', tenantId)
          .orderBy('created_at')
          .orderBy('id')
          .execute()
        return rows.map(rowToApiToken)
      }),
  }
}

/** All repositories bound to `db` (the pool or one transaction). */
export function createSession(db: Executor, dialect: Storage['dialect']): StorageSession {
  return {
    tenants: tenantRepository(db),
    issuers: issuerRepository(db),
    keys: keyRepository(db),
    courses: courseRepository(db),
    credentials: credentialRepository(db, dialect),
    statusLists: statusListRepository(db),
    tokens: apiTokenRepository(db),
    batches: batchRepository(db, guard),
    issuanceKeys: issuanceKeyRepository(db, guard),
    ila: ilaRepository(db, guard),
    shareLinks: shareLinkRepository(db, guard),
  }
}

/** Options of {@link createKyselyStorage}. */
export interface KyselyStorageOptions {
  dialect: Storage['dialect']
  /**
   * Schema holding Kysely's migration bookkeeping tables (PostgreSQL only). Kysely looks for them across
   * every schema of the database, so without it a second schema in the same database (a test run, another
   * deployment) would be mistaken for this one.
   */
  migrationTableSchema?: string
}

/**
 * Builds the {@link Storage} over an open `Kysely<Database>`. The storage owns `db`: `close()` destroys it.
 *
 * On SQLite every query shares one connection, so code inside `transaction(fn)` must use the session it
 * is handed, never the outer storage, or it waits for its own transaction to end.
 */
export function createKyselyStorage(db: Kysely<Database>, options: KyselyStorageOptions): Storage {
  let closing: Promise<void> | undefined
  return {
    dialect: options.dialect,
    ...createSession(db, options.dialect),

    async migrate(): Promise<MigrationReport> {
      const migrator = new Migrator({
        db,
        provider: migrationProvider,
        ...(options.migrationTableSchema !== undefined && {
          migrationTableSchema: options.migrationTableSchema,
        }),
      })
      const { error, results = [] } = await migrator.migrateToLatest()
      if (error !== undefined) {
        const failed = results.find((r) => r.status === 'Error')?.migrationName
        const message = failed ? `Migration ${failed} failed` : 'Migration failed'
        const mapped = toStorageError(error, 'migrations')
        throw mapped instanceof StorageUnreachableError ? mapped : new StorageError(message, { cause: error })
      }
      return { applied: results.filter((r) => r.status === 'Success').map((r) => r.migrationName) }
    },

    async transaction<T>(fn: (tx: StorageSession) => Promise<T>): Promise<T> {
      // The caller's own errors must come back exactly as thrown (repository calls inside `fn` are already
      // mapped); only failures of the transaction itself (begin, commit, rollback) are translated.
      let thrownByFn: { error: unknown } | undefined
      try {
        return await db.transaction().execute(async (tx) => {
          try {
            return await fn(createSession(tx, options.dialect))
          } catch (error) {
            thrownByFn = { error }
            throw error
          }
        })
      } catch (err) {
        if (thrownByFn !== undefined && thrownByFn.error === err) throw err
        throw toStorageError(err, 'transaction')
      }
    },

    close(): Promise<void> {
      // Idempotent: the pg pool refuses a second `end()`, and shutdown paths often close twice.
      closing ??= db.destroy()
      return closing
    },
  }
}
