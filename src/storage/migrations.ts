/**
 * Schema migrations, shipped in code so that a packaged binary needs no migration folder on disk.
 *
 * Each migration is written once with Kysely's schema builder and runs unchanged on SQLite and PostgreSQL.
 * Names sort in the order they must run (`YYYY_MM_DD_NNN_label`); to change the schema, append a new entry
 * to {@link migrations} and never edit one that has shipped.
 */
import { sql } from 'kysely'
import type { Kysely, Migration, MigrationProvider } from 'kysely'

// Migrations deliberately see an untyped database: they describe the schema as it was at their date,
// not as `Database` describes it today.
type AnyDb = Kysely<any>

/**
 * Runs `fn` in a transaction unless one is already open. Kysely wraps migrations in a transaction on
 * PostgreSQL but not on SQLite, although SQLite DDL is transactional too; without this a failure halfway
 * through a migration would leave a SQLite database with some of its tables and no record of them.
 */
async function atomically(db: AnyDb, fn: (db: AnyDb) => Promise<void>): Promise<void> {
  if (db.isTransaction) return fn(db)
  return db.transaction().execute(fn)
}

/** CHECK expression holding an integer flag to 0 or 1. */
function sqlFlag(column: string) {
  return sql<boolean>`${sql.ref(column)} in (0, 1)`
}

const initial: Migration = {
  async up(db: AnyDb) {
    await atomically(db, async (db) => {
      // Ids are NOT NULL explicitly: SQLite, for historical reasons, accepts NULL in a text primary key.
      await db.schema
        .createTable('tenants')
        .addColumn('id', 'text', (c) => c.notNull().primaryKey())
        .addColumn('slug', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute()
      await db.schema.createIndex('tenants_slug_key').unique().on('tenants').column('slug').execute()

      // No CHECK on enumerated text columns (did_method, algorithm, format): SQLite cannot alter a
      // constraint without rebuilding the table, and later releases will add values. The port's types guard
      // them instead. Flags are checked because 0/1 is the whole encoding.
      await db.schema
        .createTable('issuers')
        .addColumn('id', 'text', (c) => c.notNull().primaryKey())
        .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
        .addColumn('did', 'text', (c) => c.notNull())
        .addColumn('did_method', 'text', (c) => c.notNull())
        .addColumn('profile_json', 'text', (c) => c.notNull())
        .addColumn('is_default', 'integer', (c) => c.notNull().defaultTo(0).check(sqlFlag('is_default')))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute()
      await db.schema.createIndex('issuers_did_key').unique().on('issuers').column('did').execute()
      await db.schema.createIndex('issuers_tenant_id_idx').on('issuers').column('tenant_id').execute()
      await db.schema
        .createIndex('issuers_one_default_per_tenant')
        .unique()
        .on('issuers')
        .column('tenant_id')
        .where(sql.ref('is_default'), '=', 1)
        .execute()

      await db.schema
        .createTable('issuer_keys')
        .addColumn('id', 'text', (c) => c.notNull().primaryKey())
        .addColumn('issuer_id', 'text', (c) => c.notNull().references('issuers.id'))
        .addColumn('kid', 'text', (c) => c.notNull())
        .addColumn('controller', 'text', (c) => c.notNull())
        .addColumn('algorithm', 'text', (c) => c.notNull())
        .addColumn('public_key_multibase', 'text', (c) => c.notNull())
        .addColumn('public_jwk_json', 'text', (c) => c.notNull())
        .addColumn('active', 'integer', (c) => c.notNull().defaultTo(0).check(sqlFlag('active')))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('retired_at', 'text')
        .execute()
      await db.schema.createIndex('issuer_keys_kid_key').unique().on('issuer_keys').column('kid').execute()
      await db.schema.createIndex('issuer_keys_issuer_id_idx').on('issuer_keys').column('issuer_id').execute()
      await db.schema
        .createIndex('issuer_keys_one_active_per_issuer')
        .unique()
        .on('issuer_keys')
        .column('issuer_id')
        .where(sql.ref('active'), '=', 1)
        .execute()

      await db.schema
        .createTable('credentials')
        .addColumn('id', 'text', (c) => c.notNull().primaryKey())
        .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
        .addColumn('issuer_id', 'text', (c) => c.notNull().references('issuers.id'))
        .addColumn('course_id', 'text')
        .addColumn('learner_ref', 'text')
        .addColumn('format', 'text', (c) => c.notNull())
        .addColumn('issued_at', 'text', (c) => c.notNull())
        .addColumn('credential', 'text', (c) => c.notNull())
        .execute()
      await db.schema
        .createIndex('credentials_tenant_course_idx')
        .on('credentials')
        .columns(['tenant_id', 'course_id'])
        .execute()
    })
  },

  async down(db: AnyDb) {
    await atomically(db, async (db) => {
      // Reverse order of creation so that no table is dropped while another still references it.
      await db.schema.dropTable('credentials').execute()
      await db.schema.dropTable('issuer_keys').execute()
      await db.schema.dropTable('issuers').execute()
      await db.schema.dropTable('tenants').execute()
    })
  },
}

const courses: Migration = {
  async up(db: AnyDb) {
    await atomically(db, async (db) => {
      await db.schema
        .createTable('courses')
        .addColumn('id', 'text', (c) => c.notNull().primaryKey())
        .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
        .addColumn('course_ref', 'text', (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('content_hash', 'text', (c) => c.notNull())
        .addColumn('course_json', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute()
      await db.schema
        .createIndex('courses_tenant_ref_version_key')
        .unique()
        .on('courses')
        .columns(['tenant_id', 'course_ref', 'version'])
        .execute()
    })
  },
  async down(db: AnyDb) {
    await atomically(db, async (db) => {
      await db.schema.dropTable('courses').execute()
    })
  },
}

/**
 * Status lists (W3C Bitstring Status List). The bitstring itself is not stored: each handed-out index is a
 * row of `status_slots`, whose primary key (list_id, status_index) is what makes concurrent random
 * allocation safe: two writers picking the same index cannot both insert it. The unique
 * (issuer_id, purpose, form, sequence) does the same for two writers opening the next list. Audit events
 * reference lists but not credentials: a slot is allocated before its credential is signed and recorded.
 */
const statusLists: Migration = {
  async up(db: AnyDb) {
    await atomically(db, async (db) => {
      await db.schema
        .createTable('status_lists')
        .addColumn('id', 'text', (c) => c.notNull().primaryKey())
        .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
        .addColumn('issuer_id', 'text', (c) => c.notNull().references('issuers.id'))
        // Not derivable from issuer_id: a did:key issuer changes DID at each rotation, and a list keeps the
        // DID its credentials name.
        .addColumn('issuer_did', 'text', (c) => c.notNull())
        .addColumn('purpose', 'text', (c) => c.notNull())
        .addColumn('form', 'text', (c) => c.notNull())
        .addColumn('sequence', 'integer', (c) => c.notNull())
        .addColumn('size', 'integer', (c) => c.notNull())
        .addColumn('capacity', 'integer', (c) => c.notNull())
        .addColumn('allocated', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('url', 'text', (c) => c.notNull())
        .addColumn('published', 'text')
        .addColumn('published_at', 'text')
        .addColumn('valid_until', 'text')
        .addColumn('etag', 'text')
        .addColumn('dirty', 'integer', (c) => c.notNull().defaultTo(1).check(sqlFlag('dirty')))
        .addColumn('revision', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('published_revision', 'integer')
        .addColumn('created_at', 'text', (c) => c.notNull())
        // The allocation guard in SQL as well as in code: a bug can never hand out more than `capacity`.
        .addCheckConstraint(
          'status_lists_allocation_check',
          sql`${sql.ref('allocated')} >= 0 and ${sql.ref('allocated')} <= ${sql.ref('capacity')} and ${sql.ref('capacity')} < ${sql.ref('size')}`,
        )
        .execute()
      await db.schema.createIndex('status_lists_url_key').unique().on('status_lists').column('url').execute()
      await db.schema
        .createIndex('status_lists_issuer_purpose_form_sequence_key')
        .unique()
        .on('status_lists')
        .columns(['issuer_id', 'purpose', 'form', 'sequence'])
        .execute()
      await db.schema
        .createIndex('status_lists_tenant_id_idx')
        .on('status_lists')
        .column('tenant_id')
        .execute()

      await db.schema
        .createTable('status_slots')
        // No foreign key to status_lists, deliberately: checking one makes every slot insert share-lock the
        // list row that concurrent allocations update, and on PostgreSQL the resulting multixacts slowed
        // allocation from two processes tenfold. Only allocation writes slots, with a list it has just read.
        .addColumn('list_id', 'text', (c) => c.notNull())
        .addColumn('status_index', 'integer', (c) => c.notNull())
        .addColumn('credential_id', 'text', (c) => c.notNull())
        .addColumn('purpose', 'text', (c) => c.notNull())
        .addColumn('value', 'integer', (c) => c.notNull().defaultTo(0).check(sqlFlag('value')))
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('status_slots_pkey', ['list_id', 'status_index'])
        .execute()
      // Unique as well as an index: one bit per credential and purpose, so a status change is unambiguous.
      await db.schema
        .createIndex('status_slots_credential_purpose_key')
        .unique()
        .on('status_slots')
        .columns(['credential_id', 'purpose'])
        .execute()

      await db.schema
        .createTable('status_events')
        .addColumn('id', 'text', (c) => c.notNull().primaryKey())
        .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
        .addColumn('credential_id', 'text', (c) => c.notNull())
        // No foreign key to status_lists, deliberately: checking one makes every slot insert share-lock the
        // list row that concurrent allocations update, and on PostgreSQL the resulting multixacts slowed
        // allocation from two processes tenfold. Only allocation writes slots, with a list it has just read.
        .addColumn('list_id', 'text', (c) => c.notNull())
        .addColumn('status_index', 'integer', (c) => c.notNull())
        .addColumn('purpose', 'text', (c) => c.notNull())
        .addColumn('action', 'text', (c) => c.notNull())
        .addColumn('value', 'integer', (c) => c.notNull().check(sqlFlag('value')))
        .addColumn('reason', 'text')
        .addColumn('actor', 'text', (c) => c.notNull())
        .addColumn('at', 'text', (c) => c.notNull())
        .addColumn('batch_id', 'text', (c) => c.notNull())
        .addColumn('batch_position', 'integer', (c) => c.notNull())
        .execute()
      await db.schema
        .createIndex('status_events_tenant_order_idx')
        .on('status_events')
        .columns(['tenant_id', 'at', 'batch_id', 'batch_position'])
        .execute()
      await db.schema
        .createIndex('status_events_credential_id_idx')
        .on('status_events')
        .column('credential_id')
        .execute()
    })
  },
  async down(db: AnyDb) {
    await atomically(db, async (db) => {
      await db.schema.dropTable('status_events').execute()
      await db.schema.dropTable('status_slots').execute()
      await db.schema.dropTable('status_lists').execute()
    })
  },
}

const apiTokens: Migration = {
  async up(db: AnyDb) {
    await atomically(db, async (db) => {
      await db.schema
        .createTable('api_tokens')
        .addColumn('id', 'text', (c) => c.notNull().primaryKey())
        .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('scopes_json', 'text', (c) => c.notNull())
        .addColumn('token_hash', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('revoked_at', 'text')
        .execute()
      await db.schema
        .createIndex('api_tokens_token_hash_key')
        .unique()
        .on('api_tokens')
        .column('token_hash')
        .execute()
      await db.schema.createIndex('api_tokens_tenant_id_idx').on('api_tokens').column('tenant_id').execute()
    })
  },
  async down(db: AnyDb) {
    await atomically(db, async (db) => {
      await db.schema.dropTable('api_tokens').execute()
    })
  },
}

/**
 * Every migration, keyed by name. Kysely runs them in name order, so a name must sort after every name
 * already here.
 */
export const migrations: Readonly<Record<string, Migration>> = {
  '2026_11_25_001_initial': initial,
  '2026_11_25_002_courses': courses,
  '2026_11_25_003_status_lists': statusLists,
  '2026_11_25_004_api_tokens': apiTokens,
}

/** Hands {@link migrations} to Kysely's `Migrator`. */
export const migrationProvider: MigrationProvider = {
  async getMigrations() {
    return { ...migrations }
  },
}
