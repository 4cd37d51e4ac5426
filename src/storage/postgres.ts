/**
 * PostgreSQL, for deployments that run several processes or already operate a database server.
 */
import { CompiledQuery, Kysely, PostgresDialect } from 'kysely'
import pg from 'pg'
import { ConfigError, StorageUnreachableError } from '../errors.js'
import type { Database } from './database.js'
import { createKyselyStorage } from './kysely-storage.js'
import type { Storage } from './storage.js'

/** Options of {@link openPostgresStorage}. */
export interface PostgresStorageOptions {
  /** `postgres://user:password@host:port/database`. */
  connectionString: string
  /**
   * Schema to work in (becomes the `search_path` of every connection), e.g. to run tests in a throwaway
   * schema. Lowercase letters, digits and `_`, starting with a letter or `_`.
   */
  schema?: string
  /** How long to wait for a connection before failing; 5000 ms by default. */
  connectionTimeoutMillis?: number
  /** Largest number of pooled connections; 10 by default. */
  maxConnections?: number
}

/** Buffers per session for temporary tables (see {@link openPostgresStorage}). */
const TEMP_BUFFERS = '256MB'

// Unquoted identifiers only: the name goes into a `-c search_path=` startup option, where quoting rules
// differ from SQL, and PostgreSQL would fold upper case anyway.
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/

/**
 * The URL with its password (userinfo or `password=` parameter) replaced by `***`, safe for messages and
 * logs. Falls back to masking the `user:password@` part textually when the URL does not parse.
 */
export function maskDatabaseUrl(url: string): string {
  try {
    const parsed = new URL(url)
    if (parsed.password !== '') parsed.password = '***'
    // libpq also accepts the password as a query parameter.
    if (parsed.searchParams.has('password')) parsed.searchParams.set('password', '***')
    return parsed.toString()
  } catch {
    return url.replace(/\/\/([^:/@]*):[^@]*@/, '//$1:***@')
  }
}

/**
 * Connects to PostgreSQL and returns the {@link Storage} over a connection pool. One `select` is run
 * before returning so that a wrong URL fails here, at start-up, rather than on the first request.
 * The schema is not migrated here: call `migrate()`.
 *
 * @throws ConfigError when `schema` is not a plain identifier.
 * @throws StorageUnreachableError when no connection can be made (server down, wrong host, refused
 *   login, unknown database); the driver error is the `cause`, and the message shows the URL with its
 *   password masked.
 */
export async function openPostgresStorage(options: PostgresStorageOptions): Promise<Storage> {
  const { connectionString, schema } = options
  if (schema !== undefined && !SCHEMA_NAME.test(schema)) {
    throw new ConfigError(`Invalid PostgreSQL schema name: ${JSON.stringify(schema)}`, [
      {
        field: 'schema',
        rule: 'pattern',
        message: 'lowercase letters, digits and _, not starting with a digit',
      },
    ])
  }
  const pool = new pg.Pool({
    connectionString,
    connectionTimeoutMillis: options.connectionTimeoutMillis ?? 5000,
    max: options.maxConnections ?? 10,
    ...(schema !== undefined && { options: `-c search_path=${schema}` }),
  })
  // An idle pooled connection that drops (server restart) emits 'error' on the pool; unhandled, that
  // would crash the process. The pool discards the connection and the next query reports the failure.
  pool.on('error', () => {})

  let currentSchema: string | null
  try {
    const result = await pool.query<{ schema: string | null }>('select current_schema() as schema')
    currentSchema = result.rows[0]?.schema ?? null
  } catch (err) {
    await pool.end().catch(() => {})
    throw new StorageUnreachableError(
      `Cannot connect to PostgreSQL at ${maskDatabaseUrl(connectionString)}`,
      {
        cause: err,
      },
    )
  }

  const db = new Kysely<Database>({
    dialect: new PostgresDialect({
      pool,
      // The ILA reconciliation report works in temporary tables, some hundreds of MB for a million records. With
      // the default 8 MB of buffers for them PostgreSQL writes them out and reads them back all along, and the
      // report took half as long again. Only a session that uses temporary tables takes the memory; the setting
      // can only be raised before it first does.
      onCreateConnection: async (connection) => {
        await connection.executeQuery(CompiledQuery.raw(`set temp_buffers = '${TEMP_BUFFERS}'`))
      },
    }),
  })
  // Pin Kysely's migration bookkeeping to our schema: Kysely searches every schema of the database for it.
  const migrationTableSchema = schema ?? currentSchema ?? undefined
  return createKyselyStorage(db, {
    dialect: 'postgres',
    ...(migrationTableSchema !== undefined && { migrationTableSchema }),
  })
}
