/**
 * The embedded default: one SQLite file opened with better-sqlite3.
 */
import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import SqliteDatabase from 'better-sqlite3'
import { Kysely, SqliteDialect } from 'kysely'
import { StorageError } from '../errors.js'
import type { Database } from './database.js'
import { createKyselyStorage } from './kysely-storage.js'
import type { Storage } from './storage.js'

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
    // WAL lets readers (a verifier, a status-list request) proceed while an issuance writes.
    sqlite.pragma('journal_mode = WAL')
    // SQLite ignores foreign keys unless asked, per connection.
    sqlite.pragma('foreign_keys = ON')
    // A second process (CLI next to a running server) waits for the lock instead of failing at once.
    sqlite.pragma('busy_timeout = 5000')
  } catch (err) {
    sqlite.close()
    throw new StorageError(`Cannot configure SQLite database ${filename}`, { cause: err })
  }
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) })
  return createKyselyStorage(db, { dialect: 'sqlite' })
}
