/**
 * Reconciliation report figures: a million spending records with their funding lines, credentials and link
 * results, generated in a throwaway SQLite file and a throwaway PostgreSQL schema, then `reconcile` timed over
 * them with the process's peak RSS.
 *
 * Generation is set-based too: reference data (providers, catalogue) goes through the repositories, the bulk
 * through `INSERT ... SELECT` over a recursive counter, 100,000 rows a statement, in SQL both databases run
 * alike. Generating row objects in JavaScript would take longer than the report itself.
 *
 * RSS is sampled every 10 ms on a worker thread: better-sqlite3 runs a query on the main thread, which a timer
 * there could not interrupt, and RSS is the process's, whichever thread reads it.
 */
import { randomBytes } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { mkdtemp, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Worker } from 'node:worker_threads'
import SqliteDatabase from 'better-sqlite3'
import pg from 'pg'
import { fixedClock } from '../src/clock.js'
import { StorageUnreachableError } from '../src/errors.js'
import { generateIlaDemo } from '../src/ila/demo.js'
import { importIla } from '../src/ila/import.js'
import { linkCredentials } from '../src/ila/link.js'
import { readCredentialTexts } from '../src/ila/read-credentials.js'
import { reconcile, type ReconciliationReport } from '../src/ila/reconcile.js'
import { maskDatabaseUrl, openPostgresStorage } from '../src/storage/postgres.js'
import { openSqliteStorage } from '../src/storage/sqlite.js'
import type {
  IlaCatalogueRecord,
  IlaLinkOutcome,
  IlaProviderRecord,
  Storage,
} from '../src/storage/storage.js'
import { createVerifierDeps } from '../src/verifier/verifier-deps.js'
import { createBenchHome } from './home.js'

export type IlaBenchDatabase = 'SQLite' | 'PostgreSQL'

export interface IlaBenchOptions {
  /** Spending records to generate; `MICROCRED_BENCH_ILA_RECORDS` or 1,000,000. */
  records: number
  /** Credentials to link, about; `MICROCRED_BENCH_ILA_LINK_CREDENTIALS` or 10,000. */
  linkCredentials: number
  /** Admin URL of the PostgreSQL server; the bench works in a throwaway schema of it. */
  databaseUrl: string
  onStep: (name: string) => void
}

export interface IlaBenchRow {
  database: IlaBenchDatabase
  records: number
  fundingLines: number
  credentials: number
  linkResults: number
  generateMs: number
  /** Bytes of the SQLite file (with its WAL) or of the PostgreSQL schema's tables and indexes. */
  databaseBytes: number
  reconcileMs: number
  rssBeforeMiB: number
  rssPeakMiB: number
  anomalies: number
  highAnomalies: number
  /** `paid = paidWithCredential + paidWithoutCredential + paidNoCredentialExpected` held. */
  amountsAddUp: boolean
}

/** Linking the demo scheme's signed credentials (SQLite). */
export interface IlaLinkBenchRow {
  credentials: number
  elm: number
  edc: number
  linkMs: number
  perSecond: number
  /** Seconds per 10,000 credentials. */
  per10k: number
  outcomes: Record<IlaLinkOutcome, number>
  rssPeakMiB: number
}

export interface IlaBenchResult {
  rows: IlaBenchRow[]
  link: IlaLinkBenchRow
  /** Why PostgreSQL was skipped, if it was. */
  postgresSkipped?: string
  runMs: number
}

const MiB = 2 ** 20
/** Default size: the report's target. */
export const ILA_BENCH_RECORDS = 1_000_000
const CHUNK = 100_000
const PROVIDERS = 1000
const OFFERS = 2000
/** Days of request dates, from 2023-01-02; training starts 30 days after the request and lasts 30 days. */
const DAYS = 1000
const TENANT = 't-ila-bench'
const BULK_TABLES = ['ila_spending_records', 'ila_funding_lines', 'ila_credentials', 'ila_link_results']
/** The report's day: after every generated training has ended. */
const NOW = '2026-06-30T12:00:00Z'
const AT = '2026-01-01T00:00:00.000Z'

/** How many spending records to generate: `MICROCRED_BENCH_ILA_RECORDS`, for a quick local run. */
export function ilaBenchRecords(env: NodeJS.ProcessEnv = process.env): number {
  const given = Number(env.MICROCRED_BENCH_ILA_RECORDS ?? ILA_BENCH_RECORDS)
  return Number.isInteger(given) && given >= 1000 ? given : ILA_BENCH_RECORDS
}

/** Default number of credentials the linking figure is measured over. */
export const ILA_BENCH_LINK_CREDENTIALS = 10_000

/** How many credentials to link: `MICROCRED_BENCH_ILA_LINK_CREDENTIALS`, for a quick local run. */
export function ilaBenchLinkCredentials(env: NodeJS.ProcessEnv = process.env): number {
  const given = Number(env.MICROCRED_BENCH_ILA_LINK_CREDENTIALS ?? ILA_BENCH_LINK_CREDENTIALS)
  return Number.isInteger(given) && given >= 100 ? given : ILA_BENCH_LINK_CREDENTIALS
}

/** Runs statements without parameters on one connection of either database. */
interface RawConnection {
  exec(text: string): Promise<void>
  /** The secondary indexes of `tables` (not their primary keys), each with the statement that makes it. */
  indexes(tables: readonly string[]): Promise<Array<{ name: string; definition: string }>>
  close(): Promise<void>
}

function sqliteConnection(file: string): RawConnection {
  const db = new SqliteDatabase(file)
  db.pragma('busy_timeout = 5000')
  return {
    exec: async (text) => void db.exec(text),
    indexes: async (tables) =>
      db
        .prepare(
          `select name, sql as definition from sqlite_master
           where type = 'index' and sql is not null and tbl_name in (${tables.map(() => '?').join(', ')})`,
        )
        .all(...tables) as Array<{ name: string; definition: string }>,
    close: async () => void db.close(),
  }
}

async function postgresConnection(url: string): Promise<RawConnection> {
  const client = new pg.Client({ connectionString: url })
  client.on('error', () => {})
  await client.connect()
  return {
    exec: async (text) => void (await client.query(text)),
    indexes: async (tables) =>
      (
        await client.query<{ name: string; definition: string }>(
          `select i.indexname as name, i.indexdef as definition from pg_indexes i
           where i.schemaname = current_schema() and i.tablename = any($1)
             and not exists (select 1 from pg_constraint c where c.conname = i.indexname)`,
          [tables],
        )
      ).rows,
    close: () => client.end(),
  }
}

/** Runs one statement on its own connection; StorageUnreachableError when the server cannot be reached. */
async function adminQuery(databaseUrl: string, text: string): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 5000 })
  client.on('error', () => {})
  try {
    await client.connect()
  } catch (err) {
    await client.end().catch(() => {})
    throw new StorageUnreachableError(`No PostgreSQL server at ${maskDatabaseUrl(databaseUrl)}`, {
      cause: err,
    })
  }
  try {
    await client.query(text)
  } finally {
    await client.end()
  }
}

/** The registry and catalogue, through the repositories: providers `prov-<n>`, offers `OFFER-<n>` of provider n mod P. */
async function writeReferenceData(storage: Storage): Promise<void> {
  await storage.tenants.create({
    id: TENANT,
    slug: 'ila-bench',
    name: 'ILA benchmark operator',
    createdAt: AT,
  })
  const providers: IlaProviderRecord[] = []
  for (let p = 0; p < PROVIDERS; p++) {
    providers.push({
      tenantId: TENANT,
      providerId: `prov-${p}`,
      legalIds: [{ scheme: 'SIRET', value: String(10_000_000_000_000 + p) }],
      issuerKeys: [`did:web:prov-${p}.example#key-1`],
      // Every 200th provider lost its accreditation: F2 finds its records.
      accreditations: [
        {
          type: 'Qualiopi',
          validFrom: '2020-01-01',
          validUntil: p % 200 === 199 ? '2024-06-30' : null,
          status: p % 200 === 199 ? 'withdrawn' : 'active',
        },
      ],
      awardingBodyFor: [`RS${1000 + (p % 50)}`],
      habilitations: [],
      createdAt: AT,
      updatedAt: AT,
    })
  }
  for (let i = 0; i < providers.length; i += 200)
    await storage.ila.providers.upsertMany(providers.slice(i, i + 200))
  const offers: IlaCatalogueRecord[] = []
  for (let o = 0; o < OFFERS; o++) {
    const p = o % PROVIDERS
    offers.push({
      tenantId: TENANT,
      registryId: 'EDOF',
      offerId: `OFFER-${o}`,
      version: null,
      providerId: `prov-${p}`,
      certificationCode: `RS${1000 + (p % 50)}`,
      credentialExpected: o % 10 !== 9,
      achievementIds: [`urn:achievement:${o}`],
      plannedHours: 20 + (o % 40),
      ectsCredits: null,
      eqfLevel: 4,
      modality: o % 3 === 0 ? 'onsite' : 'online',
      listPriceMinor: 100_000 + (o % 50) * 1000,
      listPriceCurrency: 'EUR',
      eligibleFrom: '2020-01-01',
      eligibleUntil: null,
      createdAt: AT,
      updatedAt: AT,
    })
  }
  for (let i = 0; i < offers.length; i += 500)
    await storage.ila.catalogue.upsertMany(offers.slice(i, i + 500))
}

/** `bench_days(k, d)`: day k after 2023-01-02 as `YYYY-MM-DD`, for the generated dates. */
function daysTable(): string[] {
  const start = Date.UTC(2023, 0, 2)
  const values: string[] = []
  for (let k = 0; k < DAYS + 200; k++) {
    values.push(`(${k}, '${new Date(start + k * 86_400_000).toISOString().slice(0, 10)}')`)
  }
  return [
    'create table bench_days (k integer primary key, d text not null)',
    `insert into bench_days (k, d) values ${values.join(', ')}`,
  ]
}

/**
 * The bulk, for records `from` to `to - 1`. Record i: provider i mod 1000, offer i mod 2000 (of that provider),
 * account among 0.6 N, requested on day (i / 1000) mod 1000. By i mod 100: 0-69 completion validated and paid (0-64 with a
 * matched credential a week after the end, 65-69 without), 70-79 in training, 80-84 cancelled, 85-89 exited
 * part-way at 60 %, 90-94 approved, 95-99 completion declared. Every 1000th record also has an unmatched
 * credential, every 500th a credential issued before the start.
 */
function bulkStatements(from: number, to: number, records: number): string[] {
  const accounts = Math.max(1, Math.floor(records * 0.6))
  const n = `with recursive n(i) as (select ${from} union all select i + 1 from n where i < ${to - 1})`
  const lifecycle = `case when i % 100 < 70 then 'completion_validated' when i % 100 < 80 then 'in_training'
    when i % 100 < 85 then 'cancelled_by_learner' when i % 100 < 90 then 'exited' when i % 100 < 95 then 'approved'
    else 'completion_declared' end`
  const price = `(100000 + (i % 50) * 1000)`
  const started = `i % 100 < 80 or i % 100 >= 85 and i % 100 < 90 or i % 100 >= 95`
  const ended = `i % 100 < 70 or i % 100 >= 85 and i % 100 < 90 or i % 100 >= 95`
  const matched = `i % 100 < 65`
  // 40 records in 100,000 go to provider 7 on day 500: a volume spike (F5) whose credentials another provider's
  // key signed (F2).
  const provider = `(case when i % 100000 < 40 then 7 else i % ${PROVIDERS} end)`
  const day = `(case when i % 100000 < 40 then 500 else (i / ${PROVIDERS}) % ${DAYS} end)`
  return [
    `${n} insert into ila_spending_records (tenant_id, record_id, scheme_id, scheme_ref, account_pseudonym,
      link_token_digest, provider_id, provider_legal_scheme, provider_legal_value, accreditation_snapshot_json,
      registry_id, offer_id, currency, agreed_price_minor, amount_paid_minor, entitlement_unit, requested_at,
      planned_start, planned_end, actual_start, actual_end, completion_declared_at, completion_validated_at,
      realisation_rate_pct, realised_hours, exit_reason, lifecycle, payment, control, created_at, updated_at)
    select '${TENANT}', 'rec-' || i, case when i % 10 = 0 then 'NL-STAP' else 'FR-CPF' end, 'REF-' || i,
      'acct-' || ((cast(i as bigint) * 7919) % ${accounts}), 'tok-' || i, 'prov-' || ${provider}, 'SIRET',
      'siret-' || ${provider}, '["Qualiopi"]', 'EDOF', 'OFFER-' || (i % ${OFFERS}), 'EUR', ${price},
      case when i % 100 < 70 then ${price} else null end, 'money', rq.d, st.d, en.d,
      case when ${started} then st.d end, case when ${ended} then en.d end,
      case when i % 100 < 70 or i % 100 >= 95 then en.d || 'T17:00:00.000Z' end,
      case when i % 100 < 70 then en.d end,
      case when i % 100 < 70 or i % 100 >= 95 then 100 when i % 100 >= 85 and i % 100 < 90 then 60 end,
      case when ${ended} then 20 + (i % ${OFFERS}) % 40 end,
      case when i % 100 < 70 or i % 100 >= 95 then 'completed' when i % 100 >= 85 and i % 100 < 90
        then 'partial_learner' end,
      ${lifecycle}, case when i % 100 < 70 then 'paid' else 'not_billable' end, 'none', '${AT}', '${AT}'
    from n join bench_days rq on rq.k = ${day} join bench_days st on st.k = ${day} + 30
      join bench_days en on en.k = ${day} + 60`,
    `${n} insert into ila_funding_lines (tenant_id, record_id, position, funder_type, amount_minor)
    select '${TENANT}', 'rec-' || i, 0, 'ila_entitlement', ${price} - 10000 from n
    union all
    select '${TENANT}', 'rec-' || i, 1, case when i % 20 = 0 then 'employer' else 'learner_copayment_mandatory' end,
      10000 from n`,
    `${n} insert into ila_credentials (tenant_id, credential_id, credential_digest, fingerprint, issuer_did,
      subject_commitment, achievement_id, offer_registry_id, offer_id, activity_start, activity_end, issued_at,
      valid_from, full_completion, verified, verification_codes_json, revoked, suspended, submitted_at, updated_at)
    select '${TENANT}', 'urn:cred:' || i, 'digest-' || i, 'fp-' || i, 'did:web:prov-' || (i % ${PROVIDERS}) || '.example',
      'sha256$salt$' || i, 'urn:achievement:' || (i % ${OFFERS}), 'EDOF', 'OFFER-' || (i % ${OFFERS}), st.d, en.d,
      iss.d || 'T10:00:00.000Z', iss.d || 'T10:00:00.000Z', 1, 1, '[]', 0, 0, '${AT}', '${AT}'
    from n join bench_days st on st.k = ${day} + 30 join bench_days en on en.k = ${day} + 60
      join bench_days iss on iss.k = case when i % 500 = 1 then ${day} + 10 else ${day} + 67 end
    where ${matched} or i % 1000 = 999`,
    `${n} insert into ila_link_results (id, tenant_id, attempt_id, credential_id, credential_digest, record_id,
      outcome, rules_json, issuer_did, achievement_id, offer_id, issued_at, is_current, created_at)
    select 'link-' || i, '${TENANT}', 'attempt-' || i, 'urn:cred:' || i, 'digest-' || i,
      case when ${matched} then 'rec-' || i end, case when ${matched} then 'MATCHED' else 'NO_MATCH' end,
      '[{"rule":"L2","status":"pass","code":"L2_COMMITMENT","message":"commitment matches"}]',
      'did:web:prov-' || (i % ${PROVIDERS}) || '.example', 'urn:achievement:' || (i % ${OFFERS}),
      'OFFER-' || (i % ${OFFERS}), null, 1, '${AT}'
    from n where ${matched} or i % 1000 = 999`,
  ]
}

interface Generated {
  fundingLines: number
  credentials: number
  linkResults: number
}

async function generate(
  connection: RawConnection,
  records: number,
  onStep: (name: string) => void,
): Promise<Generated> {
  for (const statement of daysTable()) await connection.exec(statement)
  // Secondary indexes are built once at the end, as a restore does: maintained row by row, they took most of the
  // time of a load.
  const indexes = await connection.indexes(BULK_TABLES)
  for (const index of indexes) await connection.exec(`drop index ${index.name}`)
  for (let from = 0; from < records; from += CHUNK) {
    const to = Math.min(records, from + CHUNK)
    onStep(`generate records ${from}-${to - 1}`)
    await connection.exec('begin')
    for (const statement of bulkStatements(from, to, records)) await connection.exec(statement)
    await connection.exec('commit')
  }
  await connection.exec('drop table bench_days')
  onStep(`index ${indexes.length} indexes`)
  for (const index of indexes) await connection.exec(index.definition)
  const linked = (i: number) => i % 100 < 65 || i % 1000 === 999
  let credentials = 0
  for (let i = 0; i < records; i++) if (linked(i)) credentials++
  return { fundingLines: 2 * records, credentials, linkResults: credentials }
}

/** Peak RSS sampled every 10 ms on a worker thread until `stop()`. */
function rssSampler(): { stop(): Promise<number> } {
  const worker = new Worker(
    `const { parentPort } = require('node:worker_threads')
     let peak = process.memoryUsage.rss()
     const timer = setInterval(() => { peak = Math.max(peak, process.memoryUsage.rss()) }, 10)
     parentPort.on('message', () => { clearInterval(timer); parentPort.postMessage(peak) })`,
    { eval: true },
  )
  return {
    stop: () =>
      new Promise<number>((resolve, reject) => {
        worker.once('message', (peak: number) => {
          void worker.terminate()
          resolve(peak)
        })
        worker.once('error', reject)
        worker.postMessage('stop')
      }),
  }
}

async function timeReconcile(
  storage: Storage,
): Promise<{ report: ReconciliationReport; ms: number; rssBefore: number; rssPeak: number }> {
  global.gc?.()
  const rssBefore = process.memoryUsage.rss()
  const sampler = rssSampler()
  const started = performance.now()
  const report = await reconcile({ storage, clock: fixedClock(NOW) }, { tenantSlug: 'ila-bench' })
  const ms = performance.now() - started
  const rssPeak = Math.max(await sampler.stop(), process.memoryUsage.rss())
  return { report, ms, rssBefore, rssPeak }
}

function rowOf(
  database: IlaBenchDatabase,
  records: number,
  generated: Generated,
  generateMs: number,
  databaseBytes: number,
  timed: Awaited<ReturnType<typeof timeReconcile>>,
): IlaBenchRow {
  const { summary } = timed.report
  const amountsAddUp = summary.amounts.every(
    (a) =>
      a.paid ===
      (a.paidWithCredential ?? 0) + (a.paidWithoutCredential ?? 0) + (a.paidNoCredentialExpected ?? 0),
  )
  if (summary.records !== records) throw new Error(`the report saw ${summary.records} of ${records} records`)
  return {
    database,
    records,
    ...generated,
    generateMs,
    databaseBytes,
    reconcileMs: timed.ms,
    rssBeforeMiB: timed.rssBefore / MiB,
    rssPeakMiB: timed.rssPeak / MiB,
    anomalies: summary.anomalies.total ?? 0,
    highAnomalies: summary.anomalies.high ?? 0,
    amountsAddUp,
  }
}

async function runSqlite(options: IlaBenchOptions): Promise<IlaBenchRow> {
  const folder = await mkdtemp(join(tmpdir(), 'microcred-bench-ila-'))
  const file = join(folder, 'ila.db')
  try {
    const started = performance.now()
    const setup = await openSqliteStorage({ filename: file })
    await setup.migrate()
    await writeReferenceData(setup)
    await setup.close()
    const connection = sqliteConnection(file)
    let generated: Generated
    try {
      generated = await generate(connection, options.records, options.onStep)
      await connection.exec('pragma wal_checkpoint(truncate)')
    } finally {
      await connection.close()
    }
    const generateMs = performance.now() - started
    const bytes = (await stat(file)).size + (await stat(`${file}-wal`).catch(() => ({ size: 0 }))).size
    const storage = await openSqliteStorage({ filename: file })
    try {
      options.onStep(`reconcile ${options.records} records (SQLite)`)
      const timed = await timeReconcile(storage)
      return rowOf('SQLite', options.records, generated, generateMs, bytes, timed)
    } finally {
      await storage.close()
    }
  } finally {
    await rm(folder, { recursive: true, force: true })
  }
}

async function runPostgres(options: IlaBenchOptions): Promise<IlaBenchRow> {
  const schema = `mc_bench_ila_${randomBytes(6).toString('hex')}`
  await adminQuery(options.databaseUrl, `create schema ${schema}`)
  const url = new URL(options.databaseUrl)
  url.searchParams.set('options', `-c search_path=${schema}`)
  try {
    const started = performance.now()
    const storage = await openPostgresStorage({ connectionString: options.databaseUrl, schema })
    try {
      await storage.migrate()
      await writeReferenceData(storage)
      const connection = await postgresConnection(url.toString())
      let generated: Generated
      let bytes = 0
      try {
        generated = await generate(connection, options.records, options.onStep)
        // What autovacuum would soon do on its own: the planner needs row counts of the freshly filled tables.
        await connection.exec('analyze')
      } finally {
        await connection.close()
      }
      const generateMs = performance.now() - started
      const client = new pg.Client({ connectionString: options.databaseUrl })
      await client.connect()
      try {
        const size = await client.query<{ bytes: string }>(
          `select coalesce(sum(pg_total_relation_size(c.oid)), 0) as bytes from pg_class c
           join pg_namespace s on s.oid = c.relnamespace where s.nspname = $1 and c.relkind = 'r'`,
          [schema],
        )
        bytes = Number(size.rows[0]?.bytes ?? 0)
      } finally {
        await client.end()
      }
      options.onStep(`reconcile ${options.records} records (PostgreSQL)`)
      const timed = await timeReconcile(storage)
      return rowOf('PostgreSQL', options.records, generated, generateMs, bytes, timed)
    } finally {
      await storage.close()
    }
  } finally {
    await adminQuery(options.databaseUrl, `drop schema if exists ${schema} cascade`)
  }
}

/**
 * Links the demo scheme's credentials (signed by its providers, a tenth of them `edc`) to its records, imported
 * in an operator's tenant: the whole of `linkCredentials`, verification included, on SQLite.
 */
async function runLinkBench(options: IlaBenchOptions): Promise<IlaLinkBenchRow> {
  const home = await createBenchHome()
  try {
    const { ctx } = home
    await ctx.storage.tenants.create({ id: 't-operator', slug: 'operator', name: 'Operator', createdAt: AT })
    // About five records in eight end with a credential.
    const records = Math.min(100_000, Math.max(300, Math.ceil(options.linkCredentials * 1.6)))
    options.onStep(`demo scheme of ${records} records`)
    const demo = await generateIlaDemo(ctx, { records, outDir: join(home.home, 'demo'), seed: 1 })
    for (const [kind, file, format] of [
      ['providers', demo.files.providers, 'json'],
      ['catalogue', demo.files.catalogue, 'json'],
      ['records', demo.files.records, 'csv'],
    ] as const) {
      await importIla(ctx, { tenantSlug: 'operator', kind, format, source: createReadStream(file) })
    }
    options.onStep(`link ${demo.counts.credentials} credentials`)
    global.gc?.()
    const sampler = rssSampler()
    const started = performance.now()
    const run = linkCredentials(
      { storage: ctx.storage, clock: ctx.clock, verifier: createVerifierDeps(ctx) },
      { tenantSlug: 'operator', credentials: readCredentialTexts(createReadStream(demo.files.credentials)) },
    )
    let next = await run.next()
    while (!next.done) next = await run.next()
    const linkMs = performance.now() - started
    const rssPeak = await sampler.stop()
    const summary = next.value
    return {
      credentials: summary.total,
      elm: demo.counts.elm,
      edc: demo.counts.edc,
      linkMs,
      perSecond: (summary.total / linkMs) * 1000,
      per10k: (linkMs / summary.total) * 10,
      outcomes: summary.outcomes,
      rssPeakMiB: rssPeak / MiB,
    }
  } finally {
    await home.dispose()
  }
}

export async function runIlaBench(options: IlaBenchOptions): Promise<IlaBenchResult> {
  const started = performance.now()
  const rows: IlaBenchRow[] = [await runSqlite(options)]
  let postgresSkipped: string | undefined
  try {
    rows.push(await runPostgres(options))
  } catch (err) {
    if (!(err instanceof StorageUnreachableError)) throw err
    postgresSkipped = `skipped: no PostgreSQL at ${maskDatabaseUrl(options.databaseUrl)}`
  }
  // Last: verifying credentials loads what the reconciliation figures' RSS should not include.
  const link = await runLinkBench(options)
  return {
    rows,
    link,
    ...(postgresSkipped !== undefined ? { postgresSkipped } : {}),
    runMs: performance.now() - started,
  }
}

const fmt = (value: number, digits = 0) =>
  value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })

/** The ILA section of `docs/benchmarks.md`. */
export function renderIlaSection(result: IlaBenchResult): string {
  const l = result.link
  const outcomes = Object.entries(l.outcomes)
    .filter(([, n]) => n > 0)
    .map(([outcome, n]) => `${fmt(n)} ${outcome}`)
    .join(', ')
  const rows = result.rows.map(
    (r) =>
      `| ${r.database} | ${fmt(r.records)} | ${fmt(r.fundingLines)} | ${fmt(r.credentials)} | ` +
      `${fmt(r.generateMs / 1000, 1)} | ${fmt(r.databaseBytes / MiB, 0)} MiB | **${fmt(r.reconcileMs / 1000, 1)}** | ` +
      `${fmt(r.rssBeforeMiB, 0)} → **${fmt(r.rssPeakMiB, 0)}** | ${fmt(r.anomalies)} (${fmt(r.highAnomalies)} high) | ` +
      `${r.amountsAddUp ? 'yes' : '**no**'} |`,
  )
  const verdicts = result.rows.map((r) => {
    const within = r.reconcileMs < 60_000 && r.rssPeakMiB < 1024
    return (
      `${r.database}: ${fmt(r.records)} records reconciled in ${fmt(r.reconcileMs / 1000, 1)} s with a peak RSS of ` +
      `${fmt(r.rssPeakMiB, 0)} MiB, ${within ? 'within' : '**outside**'} the 60 s and 1 GB target.`
    )
  })
  return [
    '## ILA reconciliation',
    '',
    `This part of the run took ${fmt(result.runMs / 1000, 1)} s.`,
    '',
    '`reconcile` (the whole report: summary and amounts, matches, unmatched spending and credentials, every ' +
      'signal, per-provider and per-course statistics, monitoring metrics) over generated data: 1,000 providers, ' +
      '2,000 offers, spending records requested over 1,000 days with two funding lines each, a credential and a ' +
      'MATCHED link result for 65 % of them (plus unmatched ones), some planted anomalies. Generation writes the ' +
      'registry and catalogue through the repositories and the bulk with `INSERT ... SELECT`, 100,000 records a ' +
      'transaction, the secondary indexes dropped for the load and built after it, as a restore does; PostgreSQL ' +
      'is then analysed, as autovacuum would. The report runs with the default ' +
      'thresholds and limits. RSS is the benchmark process (with SQLite in it; the PostgreSQL server is apart), ' +
      'sampled every 10 ms on a worker thread.',
    '',
    '| database | records | funding lines | credentials | generate (s) | on disk | reconcile (s) | RSS before → peak (MiB) | anomalies | amounts add up |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
    ...rows,
    ...(result.postgresSkipped !== undefined
      ? [`| PostgreSQL | ${result.postgresSkipped} | | | | | | | | |`]
      : []),
    '',
    ...verdicts.flatMap((v) => [v, '']),
    '### Linking',
    '',
    `\`linkCredentials\` over the credentials of the demo scheme (\`generateIlaDemo\`, seed 1: ${fmt(l.elm)} elm, ` +
      `${fmt(l.edc)} edc, signed by its providers), imported with its registry, catalogue and records into an ` +
      "operator's tenant on SQLite: each credential verified (L0), its candidate records found, rules L1-L10 " +
      'evaluated and the result stored.',
    '',
    '| credentials | link (s) | credentials/s | s per 10,000 | peak RSS (MiB) | outcomes |',
    '| ---: | ---: | ---: | ---: | ---: | --- |',
    `| ${fmt(l.credentials)} | ${fmt(l.linkMs / 1000, 1)} | **${fmt(l.perSecond)}** | ${fmt(l.per10k, 1)} | ` +
      `${fmt(l.rssPeakMiB, 0)} | ${outcomes} |`,
  ].join('\n')
}
