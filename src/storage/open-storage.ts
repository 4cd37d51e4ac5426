/**
 * The composition root of storage: the only place that picks a driver.
 */
import { ConfigError } from '../errors.js'
import { openPostgresStorage } from './postgres.js'
import { openSqliteStorage } from './sqlite.js'
import type { Storage } from './storage.js'

/** Where the data lives, as resolved from configuration. */
export interface StorageConfig {
  /** A `postgres://` or `postgresql://` URL; absent or empty for the embedded SQLite database. */
  databaseUrl?: string
  /** The SQLite database file used when there is no `databaseUrl`. */
  sqliteFile: string
}

const POSTGRES_SCHEMES = ['postgres://', 'postgresql://']

/**
 * Opens the configured storage: PostgreSQL when `databaseUrl` is a PostgreSQL URL, otherwise SQLite at
 * `sqliteFile`. The schema is not migrated here: call `migrate()`.
 *
 * @throws ConfigError when `databaseUrl` has any other scheme (a typo must not silently fall back to a
 *   local file).
 * @throws StorageUnreachableError when the PostgreSQL server cannot be reached.
 * @throws StorageError when the SQLite file cannot be opened.
 */
export async function openStorage(config: StorageConfig): Promise<Storage> {
  const url = config.databaseUrl?.trim()
  if (url === undefined || url === '') return openSqliteStorage({ filename: config.sqliteFile })
  const lower = url.toLowerCase()
  if (POSTGRES_SCHEMES.some((scheme) => lower.startsWith(scheme))) {
    return openPostgresStorage({ connectionString: url })
  }
  // Name the scheme only: the rest of an unknown URL may hold credentials in a form we cannot mask.
  const scheme = /^([a-z][a-z0-9+.-]*):/.exec(lower)?.[1]
  const what = scheme === undefined ? 'is not a URL' : `has unsupported scheme ${scheme}:`
  throw new ConfigError(`databaseUrl ${what}; expected postgres:// or postgresql://`, [
    { field: 'databaseUrl', rule: 'scheme', message: 'must start with postgres:// or postgresql://' },
  ])
}
