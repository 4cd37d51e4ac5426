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
 * Learners' claim links. The link itself is never stored (it is an HMAC of the credential id and the
 * generation); the credential keeps which generation is current and whether the link was revoked. Existing
 * credentials start at generation 1, so links computed for them before any renewal work as they are.
 */
const claimLinks: Migration = {
  async up(db: AnyDb) {
    await atomically(db, async (db) => {
      await db.schema
        .alterTable('credentials')
        .addColumn('claim_generation', 'integer', (c) => c.notNull().defaultTo(1))
        .execute()
      await db.schema.alterTable('credentials').addColumn('claim_revoked_at', 'text').execute()
    })
  },
  async down(db: AnyDb) {
    await atomically(db, async (db) => {
      await db.schema.alterTable('credentials').dropColumn('claim_revoked_at').execute()
      await db.schema.alterTable('credentials').dropColumn('claim_generation').execute()
    })
  },
}

/**
 * Cohort batches, their rows and the issued client keys. A row keeps the learner record only while it is
 * pending; `issuance_keys` makes "issue this key once" a database guarantee rather than a check.
 */
const batches: Migration = {
  async up(db: AnyDb) {
    await atomically(db, async (db) => {
      await db.schema
        .createTable('batches')
        .addColumn('id', 'text', (c) => c.notNull().primaryKey())
        .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
        .addColumn('course_id', 'text', (c) => c.notNull().references('courses.id'))
        .addColumn('course_ref', 'text', (c) => c.notNull())
        .addColumn('format', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('total_rows', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('issued_rows', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('already_issued_rows', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('failed_rows', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addColumn('completed_at', 'text')
        .addColumn('lease_owner', 'text')
        .addColumn('lease_until', 'text')
        .execute()
      await db.schema
        .createIndex('batches_tenant_created_idx')
        .on('batches')
        .columns(['tenant_id', 'created_at'])
        .execute()

      await db.schema
        .createTable('batch_rows')
        .addColumn('batch_id', 'text', (c) => c.notNull().references('batches.id').onDelete('cascade'))
        .addColumn('row_number', 'integer', (c) => c.notNull())
        .addColumn('client_key', 'text', (c) => c.notNull())
        .addColumn('learner_ref', 'text')
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('learner_json', 'text')
        .addColumn('credential_id', 'text')
        .addColumn('problem_json', 'text')
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('batch_rows_pkey', ['batch_id', 'row_number'])
        .execute()
      await db.schema
        .createIndex('batch_rows_learner_ref_idx')
        .on('batch_rows')
        .column('learner_ref')
        .execute()

      await db.schema
        .createTable('issuance_keys')
        .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
        .addColumn('scope', 'text', (c) => c.notNull())
        .addColumn('client_key', 'text', (c) => c.notNull())
        .addColumn('credential_id', 'text', (c) => c.notNull().references('credentials.id'))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('issuance_keys_pkey', ['tenant_id', 'scope', 'client_key'])
        .execute()
    })
  },
  async down(db: AnyDb) {
    await atomically(db, async (db) => {
      await db.schema.dropTable('issuance_keys').execute()
      await db.schema.dropTable('batch_rows').execute()
      await db.schema.dropTable('batches').execute()
    })
  },
}

/**
 * Individual Learning Account data, every table scoped by tenant (an ILA operator is a tenant). Reconciliation
 * runs as set-based SQL over a million spending records, so every field its rules and signals filter or join on
 * is a column (indexed where the report joins or filters) and lists are child tables, never JSON to unpack.
 * Money is bigint minor units; hours and rates are double precision (SQLite reads the name as REAL).
 *
 * No foreign keys between ILA tables, deliberately. Import checks a record's provider and offer, and a key
 * checked on every record insert would share-lock the provider row that a concurrent registry import updates.
 * Child tables (funding lines, history, a provider's lists) are written and replaced only by their parent's
 * upsert, in its transaction; checking their key made PostgreSQL, before it had statistics on a freshly
 * filled table, scan every record of the tenant for each child row, and an import slowed down with the
 * table's size.
 */
const ila: Migration = {
  async up(db: AnyDb) {
    await atomically(db, async (db) => {
      await db.schema
        .createTable('ila_imports')
        .addColumn('id', 'text', (c) => c.notNull().primaryKey())
        .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute()
      await db.schema
        .createIndex('ila_imports_created_at_idx')
        .on('ila_imports')
        .column('created_at')
        .execute()
      await db.schema
        .createTable('ila_import_rows')
        .addColumn('import_id', 'text', (c) => c.notNull().references('ila_imports.id').onDelete('cascade'))
        .addColumn('item_key', 'text', (c) => c.notNull())
        .addColumn('row_number', 'integer', (c) => c.notNull())
        .addColumn('payload_json', 'text', (c) => c.notNull())
        // The key is what finds a duplicate id in a file without holding every id of the file in memory.
        .addPrimaryKeyConstraint('ila_import_rows_pkey', ['import_id', 'item_key'])
        .execute()
      await db.schema
        .createIndex('ila_import_rows_import_row_key')
        .unique()
        .on('ila_import_rows')
        .columns(['import_id', 'row_number'])
        .execute()

      // --- Provider registry ---------------------------------------------------------------------------
      const providerChild = (name: string) =>
        db.schema
          .createTable(name)
          .addColumn('tenant_id', 'text', (c) => c.notNull())
          .addColumn('provider_id', 'text', (c) => c.notNull())
          .addColumn('position', 'integer', (c) => c.notNull())
          .addPrimaryKeyConstraint(`${name}_pkey`, ['tenant_id', 'provider_id', 'position'])
      await db.schema
        .createTable('ila_providers')
        .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
        .addColumn('provider_id', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('ila_providers_pkey', ['tenant_id', 'provider_id'])
        .execute()
      await providerChild('ila_provider_legal_ids')
        .addColumn('scheme', 'text', (c) => c.notNull())
        .addColumn('value', 'text', (c) => c.notNull())
        .execute()
      // Linking finds the provider of a credential's awarding body by legal id (L9).
      await db.schema
        .createIndex('ila_provider_legal_ids_value_idx')
        .on('ila_provider_legal_ids')
        .columns(['tenant_id', 'scheme', 'value'])
        .execute()
      await providerChild('ila_provider_issuer_keys')
        .addColumn('issuer_key', 'text', (c) => c.notNull())
        .execute()
      // L1 and F2 start from the credential's issuer DID.
      await db.schema
        .createIndex('ila_provider_issuer_keys_key_idx')
        .on('ila_provider_issuer_keys')
        .columns(['tenant_id', 'issuer_key'])
        .execute()
      await providerChild('ila_provider_accreditations')
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('valid_from', 'text', (c) => c.notNull())
        .addColumn('valid_until', 'text')
        .addColumn('status', 'text', (c) => c.notNull())
        .execute()
      await providerChild('ila_provider_certifications')
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('certification_code', 'text', (c) => c.notNull())
        .addColumn('certifier_id', 'text')
        .addColumn('valid_from', 'text')
        .addColumn('valid_until', 'text')
        .execute()
      await db.schema
        .createIndex('ila_provider_certifications_code_idx')
        .on('ila_provider_certifications')
        .columns(['tenant_id', 'certification_code'])
        .execute()

      // --- Catalogue -----------------------------------------------------------------------------------
      // `version` is '' for an unversioned offer: NULL in a primary key would let the same offer in twice.
      await db.schema
        .createTable('ila_catalogue_entries')
        .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
        .addColumn('registry_id', 'text', (c) => c.notNull())
        .addColumn('offer_id', 'text', (c) => c.notNull())
        .addColumn('version', 'text', (c) => c.notNull())
        .addColumn('provider_id', 'text', (c) => c.notNull())
        .addColumn('certification_code', 'text')
        .addColumn('credential_expected', 'integer', (c) => c.notNull().check(sqlFlag('credential_expected')))
        .addColumn('planned_hours', 'double precision')
        .addColumn('ects_credits', 'double precision')
        .addColumn('eqf_level', 'integer')
        .addColumn('modality', 'text')
        .addColumn('list_price_minor', 'bigint')
        .addColumn('list_price_currency', 'text')
        .addColumn('eligible_from', 'text', (c) => c.notNull())
        .addColumn('eligible_until', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('ila_catalogue_entries_pkey', [
          'tenant_id',
          'registry_id',
          'offer_id',
          'version',
        ])
        .execute()
      await db.schema
        .createIndex('ila_catalogue_entries_provider_idx')
        .on('ila_catalogue_entries')
        .columns(['tenant_id', 'provider_id'])
        .execute()
      await db.schema
        .createIndex('ila_catalogue_entries_certification_idx')
        .on('ila_catalogue_entries')
        .columns(['tenant_id', 'certification_code'])
        .execute()
      await db.schema
        .createTable('ila_catalogue_achievements')
        .addColumn('tenant_id', 'text', (c) => c.notNull())
        .addColumn('registry_id', 'text', (c) => c.notNull())
        .addColumn('offer_id', 'text', (c) => c.notNull())
        .addColumn('version', 'text', (c) => c.notNull())
        .addColumn('position', 'integer', (c) => c.notNull())
        .addColumn('achievement_id', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('ila_catalogue_achievements_pkey', [
          'tenant_id',
          'registry_id',
          'offer_id',
          'version',
          'position',
        ])
        .execute()
      // L3 starts from the credential's achievement id.
      await db.schema
        .createIndex('ila_catalogue_achievements_achievement_idx')
        .on('ila_catalogue_achievements')
        .columns(['tenant_id', 'achievement_id'])
        .execute()

      // --- Spending records ----------------------------------------------------------------------------
      await db.schema
        .createTable('ila_spending_records')
        .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
        .addColumn('record_id', 'text', (c) => c.notNull())
        .addColumn('scheme_id', 'text', (c) => c.notNull())
        .addColumn('scheme_ref', 'text', (c) => c.notNull())
        .addColumn('account_pseudonym', 'text', (c) => c.notNull())
        .addColumn('link_token_digest', 'text')
        .addColumn('provider_id', 'text', (c) => c.notNull())
        .addColumn('provider_legal_scheme', 'text', (c) => c.notNull())
        .addColumn('provider_legal_value', 'text', (c) => c.notNull())
        .addColumn('accreditation_snapshot_json', 'text', (c) => c.notNull())
        .addColumn('registry_id', 'text', (c) => c.notNull())
        .addColumn('offer_id', 'text', (c) => c.notNull())
        .addColumn('offer_version', 'text')
        .addColumn('session_id', 'text')
        .addColumn('course_run_id', 'text')
        .addColumn('certification_code', 'text')
        .addColumn('currency', 'text', (c) => c.notNull())
        .addColumn('agreed_price_minor', 'bigint', (c) => c.notNull())
        .addColumn('amount_debited_minor', 'bigint')
        .addColumn('amount_paid_minor', 'bigint')
        .addColumn('amount_recredited_minor', 'bigint')
        .addColumn('amount_recovered_minor', 'bigint')
        .addColumn('entitlement_unit', 'text', (c) => c.notNull())
        .addColumn('hours_committed', 'double precision')
        .addColumn('requested_at', 'text', (c) => c.notNull())
        .addColumn('approved_at', 'text')
        .addColumn('learner_confirmed_at', 'text')
        .addColumn('withdrawal_deadline', 'text')
        .addColumn('planned_start', 'text', (c) => c.notNull())
        .addColumn('planned_end', 'text', (c) => c.notNull())
        .addColumn('actual_start', 'text')
        .addColumn('actual_end', 'text')
        .addColumn('completion_declared_at', 'text')
        .addColumn('completion_validated_at', 'text')
        .addColumn('completion_proof_due_by', 'text')
        .addColumn('invoiced_at', 'text')
        .addColumn('paid_at', 'text')
        .addColumn('cancelled_at', 'text')
        .addColumn('realisation_rate_pct', 'integer')
        .addColumn('attendance_rate_pct', 'double precision')
        .addColumn('realised_hours', 'double precision')
        .addColumn('exit_reason', 'text')
        .addColumn('lifecycle', 'text', (c) => c.notNull())
        .addColumn('payment', 'text', (c) => c.notNull())
        .addColumn('control', 'text', (c) => c.notNull())
        .addColumn('scheme_data_json', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('ila_spending_records_pkey', ['tenant_id', 'record_id'])
        .execute()
      // What the report filters and joins on: --scheme/--from/--to, per provider (F5 spikes over time), per
      // course, lifecycle with the end date (F3 overdue, F4 stalled), payment (paid without credential), the link
      // token digest (L2) and the account (F5 dormant accounts, F9 overlapping sessions, take-up).
      const recordIndexes: Array<[string, string[]]> = [
        ['scheme_requested', ['tenant_id', 'scheme_id', 'requested_at']],
        ['provider_requested', ['tenant_id', 'provider_id', 'requested_at']],
        ['offer', ['tenant_id', 'registry_id', 'offer_id']],
        ['lifecycle_end', ['tenant_id', 'lifecycle', 'actual_end']],
        ['payment', ['tenant_id', 'payment']],
        ['link_token_digest', ['tenant_id', 'link_token_digest']],
        ['account_start', ['tenant_id', 'account_pseudonym', 'planned_start']],
      ]
      for (const [name, columns] of recordIndexes) {
        await db.schema
          .createIndex(`ila_spending_records_${name}_idx`)
          .on('ila_spending_records')
          .columns(columns)
          .execute()
      }
      const recordChild = (name: string) =>
        db.schema
          .createTable(name)
          .addColumn('tenant_id', 'text', (c) => c.notNull())
          .addColumn('record_id', 'text', (c) => c.notNull())
          .addColumn('position', 'integer', (c) => c.notNull())
          .addPrimaryKeyConstraint(`${name}_pkey`, ['tenant_id', 'record_id', 'position'])
      await recordChild('ila_funding_lines')
        .addColumn('funder_type', 'text', (c) => c.notNull())
        .addColumn('funder_ref_json', 'text')
        .addColumn('amount_minor', 'bigint', (c) => c.notNull())
        .addColumn('tier', 'text')
        .addColumn('expires_at', 'text')
        .addColumn('paid_by', 'text')
        .execute()
      // Entitlement versus top-ups: sums per funder type.
      await db.schema
        .createIndex('ila_funding_lines_funder_type_idx')
        .on('ila_funding_lines')
        .columns(['tenant_id', 'funder_type'])
        .execute()
      await recordChild('ila_record_events')
        .addColumn('at', 'text', (c) => c.notNull())
        .addColumn('axis', 'text', (c) => c.notNull())
        .addColumn('from_state', 'text')
        .addColumn('to_state', 'text', (c) => c.notNull())
        .addColumn('actor', 'text', (c) => c.notNull())
        .addColumn('reason_code', 'text')
        .execute()
      // When each record reached a state (time to credential, bursts of transitions).
      await db.schema
        .createIndex('ila_record_events_state_at_idx')
        .on('ila_record_events')
        .columns(['tenant_id', 'axis', 'to_state', 'at'])
        .execute()

      // --- Submitted credentials and link results ------------------------------------------------------
      await db.schema
        .createTable('ila_credentials')
        .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
        .addColumn('credential_id', 'text', (c) => c.notNull())
        .addColumn('credential_digest', 'text', (c) => c.notNull())
        .addColumn('fingerprint', 'text', (c) => c.notNull())
        .addColumn('issuer_did', 'text', (c) => c.notNull())
        .addColumn('subject_commitment', 'text')
        .addColumn('achievement_id', 'text')
        .addColumn('course_id', 'text')
        .addColumn('offer_registry_id', 'text')
        .addColumn('offer_id', 'text')
        .addColumn('awarding_body_id', 'text')
        .addColumn('country', 'text')
        .addColumn('activity_start', 'text')
        .addColumn('activity_end', 'text')
        .addColumn('issued_at', 'text')
        .addColumn('valid_from', 'text')
        .addColumn('valid_until', 'text')
        .addColumn('awarding_date', 'text')
        .addColumn('workload_hours', 'double precision')
        .addColumn('ects_credits', 'double precision')
        .addColumn('full_completion', 'integer', (c) => c.check(sqlFlag('full_completion')))
        .addColumn('supervision', 'text')
        .addColumn('verified', 'integer', (c) => c.notNull().check(sqlFlag('verified')))
        .addColumn('verification_codes_json', 'text', (c) => c.notNull())
        .addColumn('revoked', 'integer', (c) => c.notNull().defaultTo(0).check(sqlFlag('revoked')))
        .addColumn('suspended', 'integer', (c) => c.notNull().defaultTo(0).check(sqlFlag('suspended')))
        .addColumn('submitted_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('ila_credentials_pkey', ['tenant_id', 'credential_id'])
        .execute()
      // Issuer with issuance time (F2, F7 bursts), the link commitment (L2), the course (L3, byCourse), and the
      // two duplicate detectors of L6 / F10: the exact credential and the same award re-signed.
      const credentialIndexes: Array<[string, string[]]> = [
        ['issuer_issued', ['tenant_id', 'issuer_did', 'issued_at']],
        ['commitment', ['tenant_id', 'subject_commitment']],
        ['achievement', ['tenant_id', 'achievement_id']],
        ['offer', ['tenant_id', 'offer_id']],
        ['digest', ['tenant_id', 'credential_digest']],
        ['fingerprint', ['tenant_id', 'fingerprint']],
      ]
      for (const [name, columns] of credentialIndexes) {
        await db.schema
          .createIndex(`ila_credentials_${name}_idx`)
          .on('ila_credentials')
          .columns(columns)
          .execute()
      }
      await db.schema
        .createTable('ila_link_results')
        .addColumn('id', 'text', (c) => c.notNull().primaryKey())
        .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
        .addColumn('attempt_id', 'text', (c) => c.notNull())
        .addColumn('credential_id', 'text', (c) => c.notNull())
        .addColumn('credential_digest', 'text', (c) => c.notNull())
        .addColumn('record_id', 'text')
        .addColumn('outcome', 'text', (c) => c.notNull())
        .addColumn('rules_json', 'text', (c) => c.notNull())
        .addColumn('issuer_did', 'text', (c) => c.notNull())
        .addColumn('achievement_id', 'text')
        .addColumn('course_id', 'text')
        .addColumn('offer_id', 'text')
        .addColumn('issued_at', 'text')
        .addColumn('is_current', 'integer', (c) => c.notNull().defaultTo(1).check(sqlFlag('is_current')))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute()
      // The report reads current results by record (matched / unmatched spending) and by outcome.
      const linkIndexes: Array<[string, string[]]> = [
        ['credential', ['tenant_id', 'credential_id', 'is_current']],
        ['record', ['tenant_id', 'record_id', 'is_current']],
        ['outcome', ['tenant_id', 'is_current', 'outcome']],
        ['attempt', ['tenant_id', 'attempt_id']],
      ]
      for (const [name, columns] of linkIndexes) {
        await db.schema
          .createIndex(`ila_link_results_${name}_idx`)
          .on('ila_link_results')
          .columns(columns)
          .execute()
      }
    })
  },
  async down(db: AnyDb) {
    await atomically(db, async (db) => {
      for (const table of [
        'ila_link_results',
        'ila_credentials',
        'ila_record_events',
        'ila_funding_lines',
        'ila_spending_records',
        'ila_catalogue_achievements',
        'ila_catalogue_entries',
        'ila_provider_certifications',
        'ila_provider_accreditations',
        'ila_provider_issuer_keys',
        'ila_provider_legal_ids',
        'ila_providers',
        'ila_import_rows',
        'ila_imports',
      ]) {
        await db.schema.dropTable(table).execute()
      }
    })
  },
}

/**
 * Learners' share links: each names one credential and expires on its own, so the table holds no personal
 * data. Revoked links are kept (not deleted) so that a revoked id can never be handed out again.
 */
const shareLinks: Migration = {
  async up(db: AnyDb) {
    await atomically(db, async (db) => {
      await db.schema
        .createTable('share_links')
        .addColumn('id', 'text', (c) => c.notNull().primaryKey())
        .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
        .addColumn('credential_id', 'text', (c) => c.notNull().references('credentials.id'))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .addColumn('revoked_at', 'text')
        .execute()
      await db.schema
        .createIndex('share_links_credential_idx')
        .on('share_links')
        .columns(['credential_id', 'created_at'])
        .execute()
    })
  },
  async down(db: AnyDb) {
    await atomically(db, async (db) => {
      await db.schema.dropTable('share_links').execute()
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
  '2026_11_25_005_claim_links': claimLinks,
  '2026_11_25_006_batches': batches,
  '2026_11_25_007_ila': ila,
  '2026_11_25_009_share_links': shareLinks,
}

/** Hands {@link migrations} to Kysely's `Migrator`. */
export const migrationProvider: MigrationProvider = {
  async getMigrations() {
    return { ...migrations }
  },
}
