/**
 * Status-list figures: slot allocation throughput on SQLite and PostgreSQL (in one process, and from two
 * processes sharing one database), the status check of an issued credential in both list forms, and a
 * batch of revocations with its re-publications.
 */
import { spawn } from 'node:child_process'
import { randomBytes, randomUUID } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import SqliteDatabase from 'better-sqlite3'
import { decodeJwt } from 'jose'
import pg from 'pg'
import { systemClock } from '../src/clock.js'
import type { AppContext } from '../src/context.js'
import { StorageUnreachableError } from '../src/errors.js'
import { issueMicrocredential, type MicrocredentialFormat } from '../src/issuer/issue-microcredential.js'
import { developmentProfile } from '../src/issuer/issuer-profile.js'
import type { KeyStore } from '../src/signing/key-store.js'
import { checkStatus, type CheckStatusDeps } from '../src/status/check-status.js'
import { decodeEncodedList } from '../src/status/decode-status-list.js'
import { createRemoteStatusListResolver } from '../src/status/fetch-status-list.js'
import {
  allocateStatusEntries,
  changeStatus,
  createLocalStatusListResolver,
  MIN_STATUS_LIST_SIZE,
  publishStatusList,
  type ResolvedStatusList,
  type StatusDeps,
  type StatusListForm,
} from '../src/status/index.js'
import { verifyStatusListProof } from '../src/status/verify-status-list.js'
import { openStorage } from '../src/storage/open-storage.js'
import { maskDatabaseUrl } from '../src/storage/postgres.js'
import type { CourseRecord, IssuerRecord, Storage, TenantRecord } from '../src/storage/storage.js'
import { createBenchHome, type ExampleInputs } from './home.js'
import type { Measurement } from './issue.bench.js'

const WORKER = fileURLToPath(new URL('./allocation-worker.ts', import.meta.url))
const PURPOSES = ['revocation', 'suspension'] as const
const PUBLIC_BASE_URL = 'https://microcred.example.edu'

export type Database = 'SQLite' | 'PostgreSQL'

export interface StatusBenchBudget {
  /** Measured time of each in-process allocation run, ms. */
  allocationMs: number
  /** Allocations in flight in the in-process runs. */
  inFlight: readonly number[]
  /** Two-process runs: credentials per process and allocations in flight per process. */
  twoProcess: Record<Database, { perProcess: number; inFlight: number }>
  /**
   * Status-check tasks run interleaved, so that a change of machine load reaches every row alike: rounds in
   * which every task runs for `roundMs` in turn, unmeasured for at least `warmupMs`, then `rounds` measured.
   */
  check: { warmupMs: number; rounds: number; roundMs: number }
  /** Revocations per batch (half elm, half edc credentials) and how many batches. */
  batchSize: number
  batches: number
  /** Single-revocation batches, and publications per list form timed alone. */
  singles: number
  publishes: number
}

/** What the database holds for one issuer after a run: the slots must all be distinct and counted. */
export interface SlotCheck {
  credentials: number
  slots: number
  distinctSlots: number
  lists: number
  /** Lists whose `allocated` exceeds capacity or differs from their slot count. */
  badLists: number
  /** Slots whose purpose differs from their list's. */
  wrongPurpose: number
  /** Everything as expected: 2 distinct slots per credential, one per purpose, counters exact. */
  ok: boolean
}

export interface AllocationRun {
  database: Database
  inFlight: number
  credentials: number
  totalMs: number
  credentialsPerSecond: number
  /** Latency of one `allocateStatusEntries` call (2 purposes), queueing included. */
  meanMs: number
  p99Ms: number
  verified: SlotCheck
}

export interface TwoProcessRun {
  database: Database
  perProcess: number
  inFlight: number
  /** From the start signal to the last process reporting. */
  wallMs: number
  credentialsPerSecond: number
  /** Each process's own rate, over its own allocation time. */
  processRates: number[]
  verified: SlotCheck
}

export const CHECK_ROWS = [
  { id: 'check-local', label: '`checkStatus`, lists from the local resolver (storage)' },
  { id: 'check-cached', label: '`checkStatus`, lists from a warm remote-resolver cache' },
  { id: 'resolve', label: 'Resolution only: local resolver, both lists' },
  { id: 'verify', label: 'Proof verification only: `verifyStatusListProof`, both lists' },
  { id: 'decode', label: 'Decoding only: `decodeEncodedList`, both lists' },
] as const

export type CheckRowId = (typeof CHECK_ROWS)[number]['id']

export interface CheckFormResult {
  form: StatusListForm
  format: MicrocredentialFormat
  /** Entries of the checked credential, and distinct lists they point at. */
  entries: number
  lists: number
  rows: Record<CheckRowId, Measurement>
  /** Retrievals the remote resolver made while its task was measured: 0 when the cache stayed warm. */
  fetchesWhileMeasured: number
  /** List credentials the local resolver signed while the tasks were measured: 0 when it served the stored ones. */
  publicationsWhileMeasured: number
}

export interface BatchRun {
  changes: number
  changed: number
  ms: number
  /** Distinct lists the batch changed a bit in. */
  listsTouched: number
  /** `publishedLists` of the result, and list credentials signed during the call. */
  published: number
  signatures: number
}

export interface ChangeResult {
  batches: BatchRun[]
  singles: BatchRun[]
  /** `publishStatusList` alone, mean ms, per list form. */
  publishMs: Record<StatusListForm, number>
  publishes: number
}

export interface StatusBenchResult {
  listSize: number
  budget: StatusBenchBudget
  /** Masked PostgreSQL URL, and why PostgreSQL was skipped, if it was. */
  postgresUrl: string
  postgresSkipped?: string
  allocation: AllocationRun[]
  twoProcess: TwoProcessRun[]
  check: CheckFormResult[]
  change: ChangeResult
  runMs: number
}

export interface StatusBenchInput {
  examples: ExampleInputs
  budget: StatusBenchBudget
  /** Admin URL of the PostgreSQL server; the bench works in a throwaway schema of it. */
  databaseUrl: string
  onStep?: (name: string) => void
}

export async function runStatusBench(input: StatusBenchInput): Promise<StatusBenchResult> {
  const started = performance.now()
  const { budget } = input
  const step = (name: string) => input.onStep?.(name)

  const home = await createBenchHome()
  let check: CheckFormResult[]
  let change: ChangeResult
  try {
    const { tenantSlug, course } = await home.addTenant('Ed25519', input.examples.course)
    const issuing = { ctx: home.ctx, tenantSlug, course, learner: input.examples.learner }
    check = []
    for (const format of ['elm', 'edc'] as const) {
      step(`status check, ${format}`)
      check.push(await runCheckBench(issuing, format, budget))
    }
    step(`changeStatus, ${budget.batches} batches of ${budget.batchSize}`)
    change = await runChangeBench(issuing, budget)
  } finally {
    await home.dispose()
  }

  const allocation: AllocationRun[] = []
  const twoProcess: TwoProcessRun[] = []
  const folder = await mkdtemp(join(tmpdir(), 'microcred-bench-status-'))
  try {
    const file = join(folder, 'allocation.db')
    const sqlite = await openStorage({ sqliteFile: file })
    const counter = sqliteSlotCounter(file)
    try {
      await sqlite.migrate()
      for (const inFlight of budget.inFlight) {
        step(`allocation, SQLite, ${inFlight} in flight`)
        allocation.push(await runAllocation(sqlite, counter, 'SQLite', inFlight, budget.allocationMs))
      }
      step('allocation, SQLite, two processes')
      twoProcess.push(
        await runTwoProcesses(sqlite, counter, 'SQLite', { DATABASE_URL: '', SQLITE_FILE: file }, budget),
      )
    } finally {
      await counter.close()
      await sqlite.close()
    }
  } finally {
    await rm(folder, { recursive: true, force: true })
  }

  const postgresUrl = maskDatabaseUrl(input.databaseUrl)
  let postgresSkipped: string | undefined
  let schema: ThrowawaySchema | undefined
  try {
    schema = await createThrowawaySchema(input.databaseUrl)
  } catch (err) {
    if (!(err instanceof StorageUnreachableError)) throw err
    postgresSkipped = `skipped: no PostgreSQL at ${postgresUrl}`
    step(postgresSkipped)
  }
  if (schema) {
    try {
      const postgres = await openStorage({ databaseUrl: schema.url, sqliteFile: '' })
      const counter = postgresSlotCounter(schema.url)
      try {
        await postgres.migrate()
        for (const inFlight of budget.inFlight) {
          step(`allocation, PostgreSQL, ${inFlight} in flight`)
          allocation.push(await runAllocation(postgres, counter, 'PostgreSQL', inFlight, budget.allocationMs))
        }
        step('allocation, PostgreSQL, two processes')
        twoProcess.push(
          await runTwoProcesses(postgres, counter, 'PostgreSQL', { DATABASE_URL: schema.url }, budget),
        )
      } finally {
        await counter.close()
        await postgres.close()
      }
    } finally {
      await schema.dispose()
    }
  }

  return {
    listSize: MIN_STATUS_LIST_SIZE,
    budget,
    postgresUrl,
    ...(postgresSkipped !== undefined && { postgresSkipped }),
    allocation,
    twoProcess,
    check,
    change,
    runMs: performance.now() - started,
  }
}

// ---------------------------------------------------------------------------------------------------------
// Allocation

/** A tenant and issuer row without keys: allocation never signs. */
async function createBareIssuer(storage: Storage): Promise<IssuerRecord> {
  const slug = `bench-${randomUUID().slice(0, 8)}`
  const at = systemClock().toISOString()
  const tenant: TenantRecord = { id: randomUUID(), slug, name: `Benchmark ${slug}`, createdAt: at }
  const issuer: IssuerRecord = {
    id: randomUUID(),
    tenantId: tenant.id,
    did: `did:web:${slug}.example.edu`,
    didMethod: 'web',
    profile: developmentProfile(),
    isDefault: true,
    createdAt: at,
    updatedAt: at,
  }
  await storage.transaction(async (tx) => {
    await tx.tenants.create(tenant)
    await tx.issuers.create(issuer)
  })
  return issuer
}

function allocateFor(storage: Storage, issuer: IssuerRecord) {
  return allocateStatusEntries(
    { storage, clock: systemClock },
    {
      tenantId: issuer.tenantId,
      issuerId: issuer.id,
      credentialId: `urn:uuid:${randomUUID()}`,
      form: 'jose',
      purposes: [...PURPOSES],
      publicBaseUrl: PUBLIC_BASE_URL,
    },
  )
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))] as number
}

/**
 * Allocates for a fresh issuer, `inFlight` calls at a time, for `durationMs`, after an unmeasured warm-up on
 * another issuer; then checks the slots in the database.
 */
async function runAllocation(
  storage: Storage,
  counter: SlotCounter,
  database: Database,
  inFlight: number,
  durationMs: number,
): Promise<AllocationRun> {
  const warmIssuer = await createBareIssuer(storage)
  const warmUntil = performance.now() + Math.min(500, durationMs / 4)
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (performance.now() < warmUntil) await allocateFor(storage, warmIssuer)
    }),
  )

  const issuer = await createBareIssuer(storage)
  const latencies: number[] = []
  const begin = performance.now()
  const deadline = begin + durationMs
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (performance.now() < deadline) {
        const t0 = performance.now()
        await allocateFor(storage, issuer)
        latencies.push(performance.now() - t0)
      }
    }),
  )
  const totalMs = performance.now() - begin
  latencies.sort((a, b) => a - b)
  const credentials = latencies.length
  return {
    database,
    inFlight,
    credentials,
    totalMs,
    credentialsPerSecond: (credentials * 1000) / totalMs,
    meanMs: latencies.reduce((sum, l) => sum + l, 0) / credentials,
    p99Ms: percentile(latencies, 0.99),
    verified: await counter.count(issuer.id, credentials),
  }
}

/** Counts an issuer's slots and lists straight from the database, outside the storage layer. */
interface SlotCounter {
  count(issuerId: string, expectedCredentials: number): Promise<SlotCheck>
  close(): Promise<void>
}

/** The counting query, with `p` as the issuer placeholder. */
function slotQuery(p: string): string {
  const ofIssuer = `from status_slots s join status_lists l on l.id = s.list_id where l.issuer_id = ${p}`
  return `select
    (select count(*) ${ofIssuer}) as slots,
    (select count(*) from (select distinct s.list_id, s.status_index ${ofIssuer}) d) as distinct_slots,
    (select count(distinct s.credential_id) ${ofIssuer}) as credentials,
    (select count(*) from status_lists l where l.issuer_id = ${p}) as lists,
    (select count(*) from status_lists l where l.issuer_id = ${p}
       and (l.allocated > l.capacity or l.allocated <> (select count(*) from status_slots s where s.list_id = l.id))) as bad_lists,
    (select count(*) ${ofIssuer} and s.purpose <> l.purpose) as wrong_purpose`
}

interface SlotRow {
  slots: number | string
  distinct_slots: number | string
  credentials: number | string
  lists: number | string
  bad_lists: number | string
  wrong_purpose: number | string
}

function toSlotCheck(row: SlotRow | undefined, expected: number): SlotCheck {
  if (!row) throw new Error('The slot count returned no row')
  const check = {
    credentials: Number(row.credentials),
    slots: Number(row.slots),
    distinctSlots: Number(row.distinct_slots),
    lists: Number(row.lists),
    badLists: Number(row.bad_lists),
    wrongPurpose: Number(row.wrong_purpose),
  }
  const slots = expected * PURPOSES.length
  const ok =
    check.credentials === expected &&
    check.slots === slots &&
    check.distinctSlots === slots &&
    check.badLists === 0 &&
    check.wrongPurpose === 0
  return { ...check, ok }
}

function sqliteSlotCounter(file: string): SlotCounter {
  let db: SqliteDatabase.Database | undefined
  return {
    count(issuerId, expected) {
      // Opened once the storage has created the file; WAL lets it read beside the writer.
      db ??= new SqliteDatabase(file, { readonly: true })
      return Promise.resolve(
        toSlotCheck(db.prepare(slotQuery('@issuer')).get({ issuer: issuerId }) as SlotRow, expected),
      )
    },
    close() {
      db?.close()
      return Promise.resolve()
    },
  }
}

function postgresSlotCounter(url: string): SlotCounter {
  let client: pg.Client | undefined
  return {
    async count(issuerId, expected) {
      if (!client) {
        client = new pg.Client({ connectionString: url })
        client.on('error', () => {})
        await client.connect()
      }
      const { rows } = await client.query<SlotRow>(slotQuery('$1'), [issuerId])
      return toSlotCheck(rows[0], expected)
    },
    async close() {
      await client?.end()
    },
  }
}

interface ThrowawaySchema {
  /** Connection URL whose connections work in the schema (`search_path` in `options`). */
  url: string
  dispose(): Promise<void>
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

/** A fresh schema `mc_bench_<random>` in the server's database, dropped by `dispose`. */
async function createThrowawaySchema(databaseUrl: string): Promise<ThrowawaySchema> {
  const schema = `mc_bench_${randomBytes(6).toString('hex')}`
  await adminQuery(databaseUrl, `create schema ${schema}`)
  const url = new URL(databaseUrl)
  url.searchParams.set('options', `-c search_path=${schema}`)
  return {
    url: url.toString(),
    dispose: () => adminQuery(databaseUrl, `drop schema if exists ${schema} cascade`),
  }
}

interface AllocationWorker {
  ready: Promise<void>
  /** The process's report, and when it arrived (`performance.now()` of this process). */
  result: Promise<{ allocated: number; ms: number; at: number }>
  go(): void
  kill(): void
}

function startWorker(env: Record<string, string>): AllocationWorker {
  const child = spawn(process.execPath, ['--import', 'tsx', WORKER], {
    env: { ...process.env, ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  })
  // The start signal may meet a process that already died; its exit is reported through 'close'.
  child.stdin.on('error', () => {})
  let stderr = ''
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  type Report = { allocated: number; ms: number; at: number }
  let onReady!: () => void
  let onResult!: (report: Report) => void
  let rejectReady!: (err: Error) => void
  let rejectResult!: (err: Error) => void
  const ready = new Promise<void>((resolve, reject) => {
    onReady = resolve
    rejectReady = reject
  })
  const result = new Promise<Report>((resolve, reject) => {
    onResult = resolve
    rejectResult = reject
  })
  // Rejecting a settled promise does nothing: a failure only reaches what is still pending.
  const onFailure = (err: Error) => {
    rejectReady(err)
    rejectResult(err)
  }
  // Awaited later (or not at all when the other process failed first): never an unhandled rejection.
  ready.catch(() => {})
  result.catch(() => {})
  createInterface({ input: child.stdout }).on('line', (line) => {
    if (line === 'ready') onReady()
    else if (line.startsWith('{'))
      onResult({ ...(JSON.parse(line) as { allocated: number; ms: number }), at: performance.now() })
  })
  child.on('error', (err) => onFailure(err))
  child.on('close', (code) => {
    if (code !== 0) onFailure(new Error(`Allocation worker exited with ${String(code)}: ${stderr.trim()}`))
    else onFailure(new Error('Allocation worker exited without a result'))
  })
  return {
    ready,
    result,
    go: () => child.stdin.end('go\n'),
    kill: () => {
      if (child.exitCode === null) child.kill()
    },
  }
}

/**
 * Two child processes allocate for one issuer on one database at the same time (both open their storage,
 * then start on one signal); then the slots are checked.
 */
async function runTwoProcesses(
  storage: Storage,
  counter: SlotCounter,
  database: Database,
  env: Record<string, string>,
  budget: StatusBenchBudget,
): Promise<TwoProcessRun> {
  const { perProcess, inFlight } = budget.twoProcess[database]
  const issuer = await createBareIssuer(storage)
  const workerEnv = {
    ...env,
    TENANT_ID: issuer.tenantId,
    ISSUER_ID: issuer.id,
    COUNT: String(perProcess),
    IN_FLIGHT: String(inFlight),
  }
  const workers = [startWorker(workerEnv), startWorker(workerEnv)]
  const guard = setTimeout(() => workers.forEach((w) => w.kill()), 180_000)
  try {
    await Promise.all(workers.map((w) => w.ready))
    const begin = performance.now()
    for (const worker of workers) worker.go()
    const results = await Promise.all(workers.map((w) => w.result))
    const wallMs = Math.max(...results.map((r) => r.at)) - begin
    const total = results.reduce((sum, r) => sum + r.allocated, 0)
    return {
      database,
      perProcess,
      inFlight,
      wallMs,
      credentialsPerSecond: (total * 1000) / wallMs,
      processRates: results.map((r) => (r.allocated * 1000) / r.ms),
      verified: await counter.count(issuer.id, total),
    }
  } finally {
    clearTimeout(guard)
    workers.forEach((w) => w.kill())
  }
}

// ---------------------------------------------------------------------------------------------------------
// Status check and status changes

interface IssuingInput {
  ctx: AppContext
  tenantSlug: string
  course: CourseRecord
  learner: unknown
}

/** The issued credential as a JSON document (the JWS payload for elm) and its id. */
async function issueOne(
  input: IssuingInput,
  format: MicrocredentialFormat,
): Promise<{ id: string; document: Record<string, unknown> }> {
  const { ctx, tenantSlug, course, learner } = input
  const issued = await issueMicrocredential(ctx, { tenantSlug, course, learner, format })
  const document =
    typeof issued.credential === 'string'
      ? (decodeJwt(issued.credential) as Record<string, unknown>)
      : issued.credential
  return { id: issued.record.id, document }
}

function statusDeps(ctx: AppContext, keyStore: KeyStore = ctx.keyStore): StatusDeps {
  return { storage: ctx.storage, keyStore, clock: ctx.clock, documentLoader: ctx.documentLoader }
}

function listUrls(document: Record<string, unknown>): string[] {
  const raw = document.credentialStatus
  const entries = (Array.isArray(raw) ? raw : [raw]) as Array<{ statusListCredential: string }>
  return [...new Set(entries.map((e) => e.statusListCredential))]
}

function encodedListOf(list: ResolvedStatusList): string {
  const document =
    typeof list.credential === 'string'
      ? (decodeJwt(list.credential) as Record<string, unknown>)
      : list.credential
  return (document.credentialSubject as { encodedList: string }).encodedList
}

/**
 * The status check of one issued credential (revocation and suspension entries, so two lists), with the
 * lists resolved from storage or from a warm remote-resolver cache, and its parts alone.
 */
async function runCheckBench(
  input: IssuingInput,
  format: MicrocredentialFormat,
  budget: StatusBenchBudget,
): Promise<CheckFormResult> {
  const { ctx } = input
  const form: StatusListForm = format === 'elm' ? 'jose' : 'di'
  const { document } = await issueOne(input, format)
  const entries = (document.credentialStatus as unknown[]).length
  const urls = listUrls(document)
  const counting = countingKeyStore(ctx.keyStore)
  const resolveLocal = createLocalStatusListResolver({
    ...statusDeps(ctx, counting.keyStore),
    publicBaseUrl: ctx.publicBaseUrl,
  })
  const now = ctx.clock()
  const common: Omit<CheckStatusDeps, 'resolveList'> = {
    didResolver: ctx.didResolver,
    documentLoader: ctx.documentLoader,
    now,
  }
  const localDeps: CheckStatusDeps = { ...common, resolveList: resolveLocal }

  // The first check publishes the two new lists; every later one reads the stored publications.
  const first = await checkStatus(document, localDeps)
  if (first.status !== 'pass' || first.entries.length !== entries) {
    throw new Error(
      `The status check of a fresh ${format} credential did not pass: ${first.code} ${first.message}`,
    )
  }
  const resolved = await Promise.all(urls.map(async (url) => (await resolveLocal(url)) as ResolvedStatusList))
  const encoded = resolved.map(encodedListOf)

  // A remote resolver whose fetch serves the same publications from memory, primed once: later calls are
  // cache hits for the lists' `ttl`.
  const served = new Map(resolved.map((list) => [list.url, list]))
  let fetches = 0
  const fetchStub = (async (url: string | URL | Request) => {
    fetches += 1
    const list = served.get(String(url))
    if (!list) return new Response('', { status: 404 })
    const body = typeof list.credential === 'string' ? list.credential : JSON.stringify(list.credential)
    const contentType = list.form === 'jose' ? 'application/vc+jwt' : 'application/vc+ld+json'
    return new Response(body, {
      status: 200,
      headers: { 'content-type': contentType, etag: list.etag ?? '' },
    })
  }) as typeof globalThis.fetch
  const resolveRemote = createRemoteStatusListResolver({
    clock: ctx.clock,
    fetch: fetchStub,
    allowHttpHosts: [new URL(ctx.publicBaseUrl).hostname],
  })
  const cachedDeps: CheckStatusDeps = { ...common, resolveList: resolveRemote }
  const primed = await checkStatus(document, cachedDeps)
  if (primed.status !== 'pass')
    throw new Error(`The status check through the remote resolver did not pass: ${primed.code}`)
  for (const list of resolved) {
    const verified = await verifyStatusListProof(list, common)
    if (!verified.ok) throw new Error(`The ${form} list does not verify: ${verified.message}`)
  }

  const tasks: Record<CheckRowId, () => Promise<unknown>> = {
    'check-local': () => checkStatus(document, localDeps),
    'check-cached': () => checkStatus(document, cachedDeps),
    resolve: () => Promise.all(urls.map((url) => resolveLocal(url))),
    verify: () => Promise.all(resolved.map((list) => verifyStatusListProof(list, common))),
    decode: () => Promise.resolve(encoded.map((list) => decodeEncodedList(list))),
  }
  const fetchesBefore = fetches
  const signaturesBefore = counting.signatures()
  const rows = await measureInterleaved(tasks, budget.check)
  return {
    form,
    format,
    entries,
    lists: urls.length,
    rows,
    fetchesWhileMeasured: fetches - fetchesBefore,
    publicationsWhileMeasured: counting.signatures() - signaturesBefore,
  }
}

/**
 * Runs the tasks in turn, `roundMs` each (at least one call), unmeasured for at least `warmupMs`, then for
 * `rounds` measured rounds, each starting one task later than the one before, timing every call. ops/s is 1000 / mean latency, as in the issuing tables.
 */
async function measureInterleaved<Id extends string>(
  tasks: Record<Id, () => Promise<unknown>>,
  budget: StatusBenchBudget['check'],
): Promise<Record<Id, Measurement>> {
  const ids = Object.keys(tasks) as Id[]
  const samples = new Map<Id, number[]>(ids.map((id) => [id, []]))
  const runFor = async (id: Id, ms: number, record: boolean) => {
    const until = performance.now() + ms
    do {
      const t0 = performance.now()
      await tasks[id]()
      if (record) samples.get(id)?.push(performance.now() - t0)
    } while (performance.now() < until)
  }
  // Warm-up in the same interleaved order: the JIT settles on every task before the first one is timed.
  const warmUntil = performance.now() + budget.warmupMs
  do {
    for (const id of ids) await runFor(id, budget.roundMs, false)
  } while (performance.now() < warmUntil)
  // Each round starts one task later, so that no task always runs right after the same one (and pays for the
  // garbage it left).
  for (let round = 0; round < budget.rounds; round++) {
    for (let i = 0; i < ids.length; i++)
      await runFor(ids[(round + i) % ids.length] as Id, budget.roundMs, true)
  }
  const rows = {} as Record<Id, Measurement>
  for (const id of ids) {
    const latencies = (samples.get(id) ?? []).sort((a, b) => a - b)
    const meanMs = latencies.reduce((sum, l) => sum + l, 0) / latencies.length
    rows[id] = {
      opsPerSecond: 1000 / meanMs,
      meanMs,
      p99Ms: percentile(latencies, 0.99),
      samples: latencies.length,
    }
  }
  return rows
}

/** The issuer's key store, counting the signatures made through it (one per list publication). */
function countingKeyStore(inner: KeyStore): { keyStore: KeyStore; signatures(): number } {
  let count = 0
  return {
    signatures: () => count,
    keyStore: {
      generate: (ref, algorithm) => inner.generate(ref, algorithm),
      has: (ref) => inner.has(ref),
      discard: (ref) => inner.discard(ref),
      async getSigner(ref, kid) {
        const signer = await inner.getSigner(ref, kid)
        return {
          id: signer.id,
          algorithm: signer.algorithm,
          jwsAlgorithm: signer.jwsAlgorithm,
          sign: (data) => {
            count += 1
            return signer.sign(data)
          },
        }
      },
    },
  }
}

/** Revokes the given credentials in one `changeStatus` call, counting list signatures. */
async function revokeBatch(ctx: AppContext, tenantSlug: string, ids: string[]): Promise<BatchRun> {
  const counting = countingKeyStore(ctx.keyStore)
  const begin = performance.now()
  const result = await changeStatus(statusDeps(ctx, counting.keyStore), {
    tenantSlug,
    actor: 'benchmark',
    changes: ids.map((credentialId) => ({ credentialId, action: 'revoke', reason: 'Benchmark batch' })),
  })
  const ms = performance.now() - begin
  const changed = result.changed.filter((c) => c.outcome === 'changed')
  return {
    changes: ids.length,
    changed: changed.length,
    ms,
    listsTouched: new Set(changed.map((c) => c.statusListCredential)).size,
    published: result.publishedLists.length,
    signatures: counting.signatures(),
  }
}

/**
 * Batches of revocations of freshly issued credentials (half elm, half edc: two revocation lists, one per
 * form), single revocations for comparison, and `publishStatusList` alone per form.
 */
async function runChangeBench(input: IssuingInput, budget: StatusBenchBudget): Promise<ChangeResult> {
  const { ctx, tenantSlug } = input
  const issueMany = async (count: number): Promise<string[]> => {
    const ids: string[] = []
    for (let i = 0; i < count; i++) ids.push((await issueOne(input, i % 2 === 0 ? 'elm' : 'edc')).id)
    return ids
  }
  // One unmeasured round first: the lists of this tenant exist and are published, and the code is warm.
  await revokeBatch(ctx, tenantSlug, await issueMany(4))

  const batches: BatchRun[] = []
  for (let round = 0; round < budget.batches; round++) {
    batches.push(await revokeBatch(ctx, tenantSlug, await issueMany(budget.batchSize)))
  }
  const singles: BatchRun[] = []
  for (let round = 0; round < budget.singles; round++) {
    singles.push(await revokeBatch(ctx, tenantSlug, [(await issueOne(input, 'elm')).id]))
  }

  const publishMs = { jose: 0, di: 0 } as Record<StatusListForm, number>
  for (const format of ['elm', 'edc'] as const) {
    const { document } = await issueOne(input, format)
    const entries = document.credentialStatus as Array<{
      statusPurpose: string
      statusListCredential: string
    }>
    const url = entries.find((e) => e.statusPurpose === 'revocation')?.statusListCredential
    const list = url === undefined ? undefined : await ctx.storage.statusLists.getByUrl(url)
    if (!list) throw new Error(`No revocation list for the ${format} credential`)
    await publishStatusList(statusDeps(ctx), list.id)
    const begin = performance.now()
    for (let i = 0; i < budget.publishes; i++) await publishStatusList(statusDeps(ctx), list.id)
    publishMs[list.form] = (performance.now() - begin) / budget.publishes
  }
  return { batches, singles, publishMs, publishes: budget.publishes }
}
