/**
 * The embedded default: one SQLite file opened with better-sqlite3.
 */
import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import SqliteDatabase from 'better-sqlite3'
import { CompiledQuery, Kysely, SqliteDialect, SqliteDriver } from 'kysely'
import type {
  DatabaseConnection,
  Driver,
  SqliteDatabase as KyselySqliteDatabase,
  SqliteDialectConfig,
} from 'kysely'
import { StorageError } from '../errors.js'
import type { Database } from './database.js'
import { createKyselyStorage } from './kysely-storage.js'
import type { Storage } from './storage.js'

/**
 * Kysely's better-sqlite3 driver, except that transactions begin with `BEGIN IMMEDIATE`.
 *
 * A plain (deferred) `BEGIN` takes the write lock only at the first write. When two processes on one file
 * have both read inside a transaction and then write, the one that writes second holds a snapshot the other's
 * commit has made stale, and fails with SQLITE_BUSY whatever the busy timeout: waiting cannot make an old
 * snapshot current. Taking the write lock at `BEGIN`, before anything is read, makes every writer wait (up to
 * the busy timeout) instead, so concurrent writers queue. Reads outside transactions still never wait (WAL).
 */
class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'))
  }
}

/** {@link SqliteDialect} with {@link ImmediateSqliteDriver}. */
class ImmediateSqliteDialect extends SqliteDialect {
  // The base class keeps its config private, so the driver's copy is kept here.
  readonly #config: SqliteDialectConfig

  constructor(config: SqliteDialectConfig) {
    super(config)
    this.#config = config
  }

  override createDriver(): Driver {
    return new ImmediateSqliteDriver(this.#config)
  }
}

/** Statements kept prepared per connection: more than the distinct queries the product sends. */
const STATEMENT_CACHE_SIZE = 256

/**
 * The connection as Kysely sees it, with its statements kept prepared. Kysely prepares every query anew; a
 * cohort batch sends the same few statements, one of them with a thousand parameters, hundreds of times, and
 * preparing them was a tenth of the writer's time. A statement still being iterated (a streamed read) is
 * busy, so the same query meanwhile gets a statement of its own.
 */
export function withStatementCache(
  sqlite: SqliteDatabase.Database,
  size: number = STATEMENT_CACHE_SIZE,
): KyselySqliteDatabase {
  const cache = new Map<string, SqliteDatabase.Statement>()
  return {
    close: () => sqlite.close(),
    prepare(sql) {
      const cached = cache.get(sql)
      if (cached !== undefined) {
        if (cached.busy) return sqlite.prepare(sql)
        // Most recently used last, so the first key is the one to drop.
        cache.delete(sql)
        cache.set(sql, cached)
        return cached
      }
      const statement = sqlite.prepare(sql)
      cache.set(sql, statement)
      if (cache.size > size) cache.delete(cache.keys().next().value as string)
      return statement
    },
  }
}

/** Options of {@link openSqliteStorage}. */
export interface SqliteStorageOptions {
  /** Path of the database file (its folder is created if missing), or `:memory:` for a throwaway database. */
  filename: string
}

/**
 * Opens (creating if needed) the SQLite database at `filename` and returns the {@link Storage} over it.
 * The schema is not migrated here: call `migrate()`.
 *
 * @throws StorageError when the folder cannot be created or the file cannot be opened.
 */
export async function openSqliteStorage(options: SqliteStorageOptions): Promise<Storage> {
  const { filename } = options
  let sqlite: SqliteDatabase.Database
  try {
    if (filename !== ':memory:' && filename !== '') mkdirSync(dirname(filename), { recursive: true })
    sqlite = new SqliteDatabase(filename)
  } catch (err) {
    throw new StorageError(`Cannot open SQLite database ${filename}`, { cause: err })
  }
  try {
    // Takes effect only on a new, empty file (before WAL is on). Issued credentials are 40-80 KB each; with
    // 16 KB pages they span a quarter of the overflow pages they would at 4 KB, which makes a cohort's
    // inserts about a third cheaper.
    sqlite.pragma('page_size = 16384')
    // WAL lets readers (a verifier, a status-list request) proceed while an issuance writes.
    sqlite.pragma('journal_mode = WAL')
    // Checkpoint at 64 MB of WAL rather than 16 MB (1000 pages): one chunk of a cohort batch writes about
    // 15 MB, and copying the WAL back after nearly every chunk cost the writer as much as the inserts.
    sqlite.pragma('wal_autocheckpoint = 4096')
    // SQLite ignores foreign keys unless asked, per connection.
    sqlite.pragma('foreign_keys = ON')
    // A second process (CLI next to a running server) waits for the lock instead of failing at once.
    sqlite.pragma('busy_timeout = 5000')
    // Freed space is zeroed, so that erased personal data does not linger in the file's free pages.
    sqlite.pragma('secure_delete = ON')
  } catch (err) {
    sqlite.close()
    throw new StorageError(`Cannot configure SQLite database ${filename}`, { cause: err })
  }
  const db = new Kysely<Database>({
    dialect: new ImmediateSqliteDialect({ database: withStatementCache(sqlite) }),
  })
  return createKyselyStorage(db, { dialect: 'sqlite' })
}
