/**
 * Service figures: cohort batches end to end on SQLite (validating the file, issuing every row on worker
 * threads, downloading the results), and HTTP verification throughput against a running `createApp` over a
 * real socket, measured with autocannon.
 */
import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import autocannon from 'autocannon'
import { pino } from 'pino'
import {
  batchResults,
  createBatch,
  defaultWorkerCount,
  readBatchRows,
  runBatch,
  startWorkerPool,
  type WorkerPool,
} from '../src/batch/index.js'
import { createSecretsFile } from '../src/claims/secrets-file.js'
import { loadConfig } from '../src/config/load-config.js'
import { createContext, type AppContext } from '../src/context.js'
import { createApp } from '../src/http/app.js'
import { envelope } from '../src/http/issuing-routes.js'
import { addCourse, issueMicrocredential } from '../src/issuer/issue-microcredential.js'
import { createTenantWithIssuer } from '../src/issuer/issuer-identity.js'
import { developmentProfile } from '../src/issuer/issuer-profile.js'
import { createVerifierDeps, verifyCredential } from '../src/verifier/index.js'
import type { KeyAlgorithm } from '../src/storage/storage.js'
import type { ExampleInputs } from './home.js'

export interface ServiceBenchOptions {
  examples: ExampleInputs
  /** The cohorts to issue: format, issuer key type and size. */
  cohorts: Array<{ format: 'elm' | 'edc'; keyType: KeyAlgorithm; learners: number }>
  http: { durationSeconds: number; connections: number }
  onStep: (name: string) => void
}

export interface BatchBenchRow {
  format: 'elm' | 'edc'
  keyType: KeyAlgorithm
  learners: number
  workers: number
  validateMs: number
  issueMs: number
  resultsMs: number
  resultsBytes: number
  /** Learners over validate + issue time. */
  perSecond: number
  rssStartMiB: number
  rssPeakMiB: number
  /** RSS at 25, 50, 75 and 100 % of the rows. */
  rssAtQuartersMiB: number[]
  databaseBytesPerCredential: number
  credentialBytes: number
  verifiedSamples: number
}

export interface HttpBenchRow {
  form: string
  connections: number
  durationSeconds: number
  requests: number
  perSecond: number
  latencyP50: number
  latencyP99: number
  non2xx: number
}

export interface ServiceBenchResult {
  batches: BatchBenchRow[]
  http: HttpBenchRow[]
  runMs: number
}

const MiB = 2 ** 20

interface ServiceHome {
  ctx: AppContext
  home: string
  tenantSlug: string
  courseRef: string
  dispose(): Promise<void>
}

/** A throwaway home with rate limits off (as the benchmark configuration must have them), one tenant, one course. */
async function createServiceHome(
  examples: ExampleInputs,
  keyType: KeyAlgorithm = 'Ed25519',
): Promise<ServiceHome> {
  const home = await mkdtemp(join(tmpdir(), 'microcred-bench-service-'))
  await writeFile(join(home, 'microcred.json'), JSON.stringify({ rateLimit: { enabled: false } }))
  const config = loadConfig({ env: { MICROCRED_HOME: home, MICROCRED_LOG_LEVEL: 'silent' }, cwd: home })
  await mkdir(config.dataDir, { recursive: true, mode: 0o700 })
  await mkdir(config.keysDir, { recursive: true, mode: 0o700 })
  await createSecretsFile(config.secretsFile)
  const ctx = await createContext(config)
  await ctx.storage.migrate()
  const tenantSlug = 'bench'
  await createTenantWithIssuer(ctx, {
    slug: tenantSlug,
    name: 'Benchmark university',
    profile: developmentProfile(),
    keyType,
  })
  const { record } = await addCourse(ctx, { tenantSlug, course: examples.course })
  return {
    ctx,
    home,
    tenantSlug,
    courseRef: record.courseRef,
    async dispose() {
      try {
        await ctx.close()
      } finally {
        await rm(home, { recursive: true, force: true })
      }
    },
  }
}

/** The cohort as JSON lines, generated as it is read: the file never exists in memory as a whole. */
async function* cohortLines(learner: Record<string, unknown>, count: number): AsyncGenerator<string> {
  for (let i = 0; i < count; i++) {
    const row = { ...learner, identifiers: [{ schemeName: 'Student ID', notation: `B-${i}` }] }
    yield `${JSON.stringify(row)}\n`
  }
}

async function runBatchBench(
  examples: ExampleInputs,
  { format, keyType, learners }: { format: 'elm' | 'edc'; keyType: KeyAlgorithm; learners: number },
): Promise<BatchBenchRow> {
  const service = await createServiceHome(examples, keyType)
  let pool: WorkerPool | undefined
  try {
    const { ctx, tenantSlug } = service
    global.gc?.()
    const rssStart = process.memoryUsage().rss
    let rssPeak = rssStart
    const sampler = setInterval(() => {
      rssPeak = Math.max(rssPeak, process.memoryUsage().rss)
    }, 5)
    const quarters: number[] = []
    const started = performance.now()
    // As `microcred issue-batch` does: the worker threads start while the file is being validated.
    pool = startWorkerPool(defaultWorkerCount())
    const report = await createBatch(ctx, {
      tenantSlug,
      courseRef: service.courseRef,
      format,
      rows: readBatchRows(cohortLines(examples.learner, learners), 'jsonl'),
      createdBy: 'bench',
    })
    const validated = performance.now()
    const workers = pool.size
    const batch = await runBatch(ctx, {
      tenantSlug,
      batchId: report.batchId as string,
      pool,
      onProgress: (progress) => {
        const rss = process.memoryUsage().rss
        rssPeak = Math.max(rssPeak, rss)
        while (quarters.length < 4 && progress.doneRows >= ((quarters.length + 1) / 4) * progress.totalRows) {
          quarters.push(rss / MiB)
        }
      },
    })
    const issued = performance.now()
    clearInterval(sampler)
    if (batch.state !== 'completed' || batch.issuedRows !== learners) {
      throw new Error(`batch ended ${batch.state} with ${batch.issuedRows} of ${learners} issued`)
    }
    let bytes = 0
    let lines = 0
    const samples: Array<Record<string, unknown>> = []
    for await (const line of batchResults(ctx, batch)) {
      const text = JSON.stringify(line)
      bytes += text.length + 1
      lines++
      if ((lines === 1 || lines === learners) && line.verifiableCredential)
        samples.push(line.verifiableCredential)
    }
    const downloaded = performance.now()
    // The figures only count if what was issued is genuine: the first and last credentials must verify.
    const verifier = createVerifierDeps(ctx)
    for (const sample of samples) {
      const input = format === 'elm' ? (sample.id as string).slice('data:application/vc+jwt,'.length) : sample
      const result = await verifyCredential(input, verifier)
      if (!result.verified) throw new Error(`an issued ${format} credential does not verify`)
    }
    const database = await stat(ctx.config.sqliteFile)
    const wal = await stat(`${ctx.config.sqliteFile}-wal`).catch(() => ({ size: 0 }))
    const one = samples[0] as Record<string, unknown>
    return {
      format,
      keyType,
      learners,
      workers,
      validateMs: validated - started,
      issueMs: issued - validated,
      resultsMs: downloaded - issued,
      resultsBytes: bytes,
      perSecond: (learners / (issued - started)) * 1000,
      rssStartMiB: rssStart / MiB,
      rssPeakMiB: rssPeak / MiB,
      rssAtQuartersMiB: quarters,
      databaseBytesPerCredential: (database.size + wal.size) / learners,
      credentialBytes: format === 'elm' ? (one.id as string).length : JSON.stringify(one).length,
      verifiedSamples: samples.length,
    }
  } finally {
    await pool?.close()
    await service.dispose()
  }
}

async function runHttpBench(options: ServiceBenchOptions): Promise<HttpBenchRow[]> {
  const service = await createServiceHome(options.examples)
  const { ctx, tenantSlug } = service
  const app = createApp({
    ctx,
    verifier: createVerifierDeps(ctx),
    logger: pino({ level: 'silent' }),
  })
  const server = app.listen(0, '127.0.0.1')
  await new Promise<void>((resolve) => server.once('listening', () => resolve()))
  const { port } = server.address() as AddressInfo
  const rows: HttpBenchRow[] = []
  try {
    const course = await ctx.storage.courses.getLatest(
      (await ctx.storage.tenants.getBySlug(tenantSlug))?.id as string,
      service.courseRef,
    )
    if (!course) throw new Error('bench course missing')
    const forms: Array<[string, unknown]> = []
    for (const format of ['elm', 'edc'] as const) {
      const issued = await issueMicrocredential(ctx, {
        tenantSlug,
        course,
        learner: options.examples.learner,
        format,
      })
      forms.push([
        format === 'elm' ? 'elm (EnvelopedVerifiableCredential)' : 'edc (Data Integrity)',
        typeof issued.credential === 'string' ? envelope(issued.credential) : issued.credential,
      ])
    }
    for (const [form, verifiableCredential] of forms) {
      options.onStep(`http verify ${form}`)
      const body = JSON.stringify({ verifiableCredential })
      const result = await autocannon({
        url: `http://127.0.0.1:${port}/credentials/verify`,
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
        connections: options.http.connections,
        duration: options.http.durationSeconds,
      })
      rows.push({
        form,
        connections: options.http.connections,
        durationSeconds: options.http.durationSeconds,
        requests: result.requests.total,
        perSecond: result.requests.average,
        latencyP50: result.latency.p50,
        latencyP99: result.latency.p99,
        non2xx: result.non2xx,
      })
    }
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()))
    await service.dispose()
  }
  return rows
}

export async function runServiceBench(options: ServiceBenchOptions): Promise<ServiceBenchResult> {
  const started = performance.now()
  const batches: BatchBenchRow[] = []
  for (const cohort of options.cohorts) {
    options.onStep(`batch of ${cohort.learners} (${cohort.format}, ${cohort.keyType})`)
    batches.push(await runBatchBench(options.examples, cohort))
  }
  const http = await runHttpBench(options)
  return { batches, http, runMs: performance.now() - started }
}

const fmt = (value: number, digits = 0) =>
  value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })

/** The service section of `docs/benchmarks.md`. */
export function renderServiceSection(result: ServiceBenchResult): string {
  const batchRows = result.batches.map(
    (b) =>
      `| ${b.format} | ${b.keyType} | ${fmt(b.learners)} | ${b.workers} | ${fmt(b.validateMs)} | ${fmt(b.issueMs / 1000, 2)} | ` +
      `**${fmt(b.perSecond)}** | ${fmt(b.resultsMs / 1000, 2)} (${fmt(b.resultsBytes / MiB, 1)} MiB) | ` +
      `${fmt(b.rssStartMiB, 1)} → ${fmt(b.rssPeakMiB, 1)} | ${b.rssAtQuartersMiB.map((v) => fmt(v, 0)).join(' / ')} | ` +
      `${fmt(b.credentialBytes / 1024, 1)} KB | ${fmt(b.databaseBytesPerCredential / 1024, 1)} KB |`,
  )
  const httpRows = result.http.map(
    (h) =>
      `| ${h.form} | ${h.connections} | ${h.durationSeconds} s | ${fmt(h.requests)} | **${fmt(h.perSecond)}** | ` +
      `${fmt(h.latencyP50, 1)} | ${fmt(h.latencyP99, 1)} | ${h.non2xx} |`,
  )
  const target = 1500
  const verdict = result.batches
    .filter((b) => b.format === 'elm')
    .map(
      (b) =>
        `The elm cohort of ${fmt(b.learners)} (issuer key ${b.keyType}) ran at ${fmt(b.perSecond)} ` +
        `credentials/s end to end, ${b.perSecond >= target ? 'above' : '**below**'} the ${fmt(target)}/s target.`,
    )
    .join(' ')
  return [
    '## Service',
    '',
    `This part runs first, in a fresh process, and took ${fmt(result.runMs / 1000, 1)} s.`,
    '',
    '### Cohort batches (SQLite)',
    '',
    'A cohort file of JSON lines (the example learner with a distinct student id per row, generated while it is ' +
      'read) goes through `createBatch` (every row validated, rows stored; the worker threads start meanwhile, as ' +
      '`microcred issue-batch` starts them) and `runBatch` (status slots allocated per chunk of 256, credentials ' +
      'built, checked against the precompiled EBSI schema and signed on one worker thread per core, written with ' +
      'their client keys in one transaction per chunk), then the results are read back as ' +
      'the JSON lines `GET /batches/{id}/results` serves. The first and last credentials are verified afterwards. ' +
      'Rate = learners / (validation + issuing). RSS is sampled every 5 ms and at each quarter of the rows.',
    '',
    '| format | issuer key | learners | workers | validate (ms) | issue (s) | credentials/s | results (s) | RSS start → peak (MiB) | RSS at 25/50/75/100 % (MiB) | credential | on disk per credential |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...batchRows,
    '',
    verdict,
    '',
    '### HTTP verification',
    '',
    '`POST /credentials/verify` on `createApp` listening on 127.0.0.1 (rate limits off, logs silent, the default ' +
      'policy, status lists from storage), driven by autocannon in the same process, which takes a share of the ' +
      'same two cores.',
    '',
    '| form | connections | duration | requests | requests/s | p50 (ms) | p99 (ms) | non-2xx |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...httpRows,
  ].join('\n')
}
