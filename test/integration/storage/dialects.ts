/**
 * Runs one storage test suite against every database dialect.
 *
 * `DIALECTS` (comma list, default `sqlite,postgres`) picks the dialects. PostgreSQL is reached at
 * `TEST_DATABASE_URL` (default `postgres://postgres@127.0.0.1:5432/postgres`); each suite works in a fresh
 * schema `mc_test_<random>` that is dropped afterwards. When the server cannot be reached the PostgreSQL
 * suites fail under `CI=true` and are skipped, with a warning, everywhere else.
 */
import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { StorageUnreachableError } from '../../../src/errors.js'
import { maskDatabaseUrl, openPostgresStorage } from '../../../src/storage/postgres.js'
import { openSqliteStorage } from '../../../src/storage/sqlite.js'
import type { Storage } from '../../../src/storage/storage.js'

export type Dialect = Storage['dialect']

const KNOWN: readonly Dialect[] = ['sqlite', 'postgres']

function parseDialects(value: string | undefined): Dialect[] {
  const names = (value ?? 'sqlite,postgres')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
  for (const name of names) {
    if (!KNOWN.includes(name as Dialect)) {
      throw new Error(`DIALECTS: unknown dialect ${JSON.stringify(name)} (known: ${KNOWN.join(', ')})`)
    }
  }
  return names as Dialect[]
}

/** Dialects under test, from env `DIALECTS`. */
export const DIALECTS: readonly Dialect[] = parseDialects(process.env.DIALECTS)

/** PostgreSQL server used by the tests, from env `TEST_DATABASE_URL`. */
export const TEST_DATABASE_URL =
  process.env.TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres'

const IN_CI = process.env.CI === 'true'

let warnedSkip = false

/** Options of {@link forEachDialect}. */
export interface DialectSuiteOptions {
  /** Run `migrate()` before the tests (default true). Turn off to test migrations themselves. */
  migrate?: boolean
}

/** A database opened for one suite, and how to throw it away. */
interface TestDatabase {
  storage: Storage
  dispose(): Promise<void>
}

async function openTestSqlite(): Promise<TestDatabase> {
  const storage = await openSqliteStorage({ filename: ':memory:' })
  return { storage, dispose: () => storage.close() }
}

/** Admin connection to create and drop the suite's schema; throws StorageUnreachableError if down. */
async function adminQuery(text: string): Promise<void> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL, connectionTimeoutMillis: 5000 })
  // A connection dropped by the server would otherwise surface as an unhandled 'error' event.
  client.on('error', () => {})
  try {
    await client.connect()
  } catch (err) {
    await client.end().catch(() => {})
    throw new StorageUnreachableError(`No PostgreSQL server at ${maskDatabaseUrl(TEST_DATABASE_URL)}`, {
      cause: err,
    })
  }
  try {
    await client.query(text)
  } finally {
    await client.end()
  }
}

/**
 * A fresh, empty PostgreSQL schema and a connection URL whose connections use it (`search_path` in the
 * URL's `options`), for tests that go through `DATABASE_URL` like a deployment does.
 */
export async function createTestSchemaUrl(): Promise<{ url: string; dispose(): Promise<void> }> {
  const schema = `mc_test_${randomBytes(6).toString('hex')}`
  await adminQuery(`create schema ${schema}`)
  const url = new URL(TEST_DATABASE_URL)
  url.searchParams.set('options', `-c search_path=${schema}`)
  return { url: url.toString(), dispose: () => adminQuery(`drop schema if exists ${schema} cascade`) }
}

/**
 * The policy for an unreachable PostgreSQL in a `before` hook: fail under `CI=true`, else skip loudly.
 * Rethrows anything that is not {@link StorageUnreachableError}.
 */
export function skipOrFailWithoutPostgres(context: Mocha.Context, err: unknown): never {
  if (!(err instanceof StorageUnreachableError)) throw err
  if (IN_CI) {
    throw new StorageUnreachableError(
      `PostgreSQL tests cannot run (CI=true): no server at ${maskDatabaseUrl(TEST_DATABASE_URL)}. ` +
        'Start PostgreSQL or set TEST_DATABASE_URL.',
      { cause: err },
    )
  }
  if (!warnedSkip) {
    warnedSkip = true
    console.warn(
      `\n  !!! PostgreSQL storage tests SKIPPED: no server at ${maskDatabaseUrl(TEST_DATABASE_URL)}.\n` +
        '  !!! Start PostgreSQL (pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start)\n' +
        '  !!! or set TEST_DATABASE_URL; DIALECTS=sqlite runs SQLite alone. Under CI=true this fails.\n',
    )
  }
  context.skip()
}

async function openTestPostgres(): Promise<TestDatabase> {
  const schema = `mc_test_${randomBytes(6).toString('hex')}`
  await adminQuery(`create schema ${schema}`)
  let storage: Storage
  try {
    storage = await openPostgresStorage({ connectionString: TEST_DATABASE_URL, schema })
  } catch (err) {
    await adminQuery(`drop schema if exists ${schema} cascade`)
    throw err
  }
  return {
    storage,
    async dispose() {
      try {
        await storage.close()
      } finally {
        await adminQuery(`drop schema if exists ${schema} cascade`)
      }
    },
  }
}

/**
 * Declares `body`'s tests once per dialect in {@link DIALECTS}, as `describe(`${title} [dialect]`)`. Each
 * suite gets its own empty database (an in-memory SQLite file or a fresh PostgreSQL schema), migrated
 * unless `options.migrate` is false, shared by the tests of that suite and dropped after them.
 *
 * @param body - declares tests; `getStorage()` returns the suite's storage once `before` has run.
 */
export function forEachDialect(
  title: string,
  body: (getStorage: () => Storage, dialect: Dialect) => void,
  options: DialectSuiteOptions = {},
): void {
  for (const dialect of DIALECTS) {
    describe(`${title} [${dialect}]`, function () {
      let database: TestDatabase | undefined

      before(async function () {
        try {
          database = dialect === 'sqlite' ? await openTestSqlite() : await openTestPostgres()
        } catch (err) {
          if (dialect !== 'postgres') throw err
          skipOrFailWithoutPostgres(this, err)
        }
        if (options.migrate ?? true) await database.storage.migrate()
      })

      after(async function () {
        await database?.dispose()
        database = undefined
      })

      body(() => {
        if (!database) throw new Error(`storage for ${dialect} is not open (before hook failed or skipped)`)
        return database.storage
      }, dialect)
    })
  }
}
