/** `issue-batch`, `batches list|status|results|resume`: a cohort's micro-credentials from one file. */
import { once } from 'node:events'
import { createReadStream, createWriteStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import { extname, resolve } from 'node:path'
import { performance } from 'node:perf_hooks'
import cliProgress from 'cli-progress'
import {
  batchResults,
  batchView,
  createBatch,
  defaultWorkerCount,
  getBatch,
  readBatchRows,
  runBatch,
  startWorkerPool,
  type WorkerPool,
  type BatchFileFormat,
  type BatchProgress,
} from '../../batch/index.js'
import type { AppContext } from '../../context.js'
import { UsageError, ValidationError } from '../../errors.js'
import { addCourse, type MicrocredentialFormat } from '../../issuer/issue-microcredential.js'
import { getTenant } from '../../issuer/issuer-identity.js'
import type { BatchRecord } from '../../storage/storage.js'
import {
  printJson,
  TENANT_HELP,
  TENANT_OPTION,
  tenantOf,
  withContext,
  type CliIo,
  type Command,
  type CommandEnv,
  type Values,
} from '../command.js'
import { looksLikeFile, readJsonFile } from './issuing.js'
import { actorOf } from './status.js'

const INPUT_FORMATS: Record<string, BatchFileFormat> = {
  '.csv': 'csv',
  '.jsonl': 'jsonl',
  '.ndjson': 'jsonl',
}

function formatOf(values: Values): MicrocredentialFormat {
  const format = values.format ?? 'elm'
  if (format !== 'elm' && format !== 'edc') {
    throw new ValidationError('--format must be elm or edc', [
      { field: '--format', rule: 'enum', message: '--format must be elm or edc' },
    ])
  }
  return format
}

function inputFormatOf(values: Values, file: string): BatchFileFormat {
  const given = values['input-format']
  if (given !== undefined) {
    if (given !== 'csv' && given !== 'jsonl') throw new UsageError('--input-format must be csv or jsonl')
    return given
  }
  const format = INPUT_FORMATS[extname(file).toLowerCase()]
  if (!format) {
    throw new UsageError(
      `Cannot tell the format of ${file} from its extension (.csv, .jsonl, .ndjson): give --input-format`,
    )
  }
  return format
}

function workersOf(values: Values): number {
  if (values.workers === undefined) return defaultWorkerCount()
  const text = String(values.workers)
  if (!/^\d{1,3}$/.test(text)) throw new UsageError('--workers must be an integer from 0 (in-process) to 999')
  return Number(text)
}

/** The learners file as a stream; a missing or unreadable file is refused input, like a bad JSON file. */
async function learnersStream(cwd: string, file: string) {
  const path = resolve(cwd, file)
  let reason: string | undefined
  try {
    if (!(await stat(path)).isFile()) reason = 'not a file'
  } catch (cause) {
    reason = (cause as NodeJS.ErrnoException).code ?? 'unreadable'
  }
  if (reason !== undefined) {
    throw new ValidationError(`Cannot read the learners file ${file}`, [
      { field: 'learners', rule: 'readable', message: `${file}: ${reason}` },
    ])
  }
  return createReadStream(path)
}

/** `--tenant <slug>` as the user must repeat it in a later command; nothing for the default tenant. */
function tenantFlag(values: Values): string {
  return values.tenant === undefined ? '' : ` --tenant ${tenantOf(values)}`
}

interface ProgressReporter {
  update(progress: BatchProgress): void
  stop(): void
}

/** A bar on a terminal (rows done of all, rate, ETA); elsewhere a line at every tenth of the batch. */
function progressReporter(io: CliIo, batch: BatchRecord): ProgressReporter {
  const started = performance.now()
  const doneAtStart = batch.issuedRows + batch.alreadyIssuedRows + batch.failedRows
  const rate = (done: number) => {
    const seconds = (performance.now() - started) / 1000
    return seconds > 0 ? ((done - doneAtStart) / seconds).toFixed(1) : '0.0'
  }
  let stopped = false
  if (io.terminal) {
    const bar = new cliProgress.SingleBar(
      {
        stream: io.terminal,
        format: '  {bar} {percentage}% | {value}/{total} rows | {rate} rows/s | ETA {eta_formatted}',
        hideCursor: true,
      },
      cliProgress.Presets.shades_classic,
    )
    bar.start(batch.totalRows, doneAtStart, { rate: '0.0' })
    return {
      update: (p) => {
        if (!stopped) bar.update(p.doneRows, { rate: rate(p.doneRows) })
      },
      stop: () => {
        if (!stopped) bar.stop()
        stopped = true
      },
    }
  }
  let tenth = Math.floor((doneAtStart * 10) / Math.max(batch.totalRows, 1))
  return {
    update: (p) => {
      const now = Math.floor((p.doneRows * 10) / Math.max(p.totalRows, 1))
      if (stopped || now <= tenth) return
      tenth = now
      io.err(`  ${now * 10}% | ${p.doneRows}/${p.totalRows} rows | ${rate(p.doneRows)} rows/s\n`)
    },
    stop: () => {
      stopped = true
    },
  }
}

/**
 * Issues the batch's pending rows with progress on stderr. The first Ctrl-C stops after the chunk in flight
 * (everything issued so far is kept, and the batch can be resumed); a second one quits at once.
 */
async function runWithProgress(
  env: CommandEnv,
  ctx: AppContext,
  values: Values,
  batch: BatchRecord,
  pool?: WorkerPool,
): Promise<BatchRecord> {
  const tenantSlug = tenantOf(values)
  const progress = progressReporter(env.io, batch)
  const controller = new AbortController()
  const onInterrupt = () => {
    progress.stop()
    env.io.err('\nStopping after the chunk in flight (Ctrl-C again to quit at once)...\n')
    controller.abort()
  }
  process.once('SIGINT', onInterrupt)
  const started = performance.now()
  const issuedBefore = batch.issuedRows
  let result: BatchRecord
  try {
    result = await runBatch(ctx, {
      tenantSlug,
      batchId: batch.id,
      ...(pool ? { pool } : { workers: workersOf(values) }),
      signal: controller.signal,
      onProgress: (p) => progress.update(p),
    })
  } finally {
    process.off('SIGINT', onInterrupt)
    progress.stop()
  }
  const seconds = (performance.now() - started) / 1000
  const issuedNow = result.issuedRows - issuedBefore
  const done = result.issuedRows + result.alreadyIssuedRows + result.failedRows
  env.io.err(
    `${result.state === 'completed' ? 'Completed' : 'Stopped'}: ${result.issuedRows} issued, ` +
      `${result.alreadyIssuedRows} already issued, ${result.failedRows} failed, of ${result.totalRows} rows ` +
      `(this run: ${issuedNow} in ${seconds.toFixed(1)} s, ${(issuedNow / Math.max(seconds, 0.001)).toFixed(1)}/s)\n`,
  )
  if (result.state !== 'completed') {
    env.io.err(
      `${result.totalRows - done} rows are left. Resume with: microcred batches resume ${result.id}${tenantFlag(values)}\n`,
    )
  } else if (result.failedRows > 0) {
    env.io.err(`${result.failedRows} rows failed: each result line with "state":"failed" says why\n`)
  }
  return result
}

/** The batch's result lines, to `--out` or stdout. */
async function writeResults(env: CommandEnv, ctx: AppContext, batch: BatchRecord, out: unknown) {
  const lines = batchResults(ctx, batch)
  if (typeof out !== 'string') {
    for await (const line of lines) env.io.out(`${JSON.stringify(line)}\n`)
    return
  }
  // Owner-only: the lines carry learners' claim links, which hand over their credentials.
  const file = createWriteStream(resolve(env.cwd, out), { mode: 0o600 })
  try {
    for await (const line of lines) {
      if (!file.write(`${JSON.stringify(line)}\n`)) await once(file, 'drain')
    }
  } finally {
    file.end()
    await once(file, 'close')
  }
  env.io.err(`Results of batch ${batch.id} written to ${out}\n`)
}

/** Runs a batch to its end (or a Ctrl-C), then writes its results if it completed. */
async function issueAndReport(
  env: CommandEnv,
  ctx: AppContext,
  values: Values,
  batch: BatchRecord,
  pool?: WorkerPool,
) {
  const result = await runWithProgress(env, ctx, values, batch, pool)
  if (result.state !== 'completed') return 1
  await writeResults(env, ctx, result, values.out)
  return result.failedRows > 0 ? 1 : 0
}

const RUN_OPTIONS = {
  workers: { type: 'string' },
  out: { type: 'string' },
} as const

const RUN_HELP = {
  workers: 'worker threads that sign (default: one per core; 0 signs in this thread)',
  out: 'write the result lines (JSON lines, with claim links) to this file instead of stdout',
}

export const issueBatchCommand: Command = {
  path: ['issue-batch'],
  summary:
    "Issues a cohort's micro-credentials from a CSV or JSON lines file of learners. Every row is checked first: " +
    'a file with an invalid row is refused whole, naming each row and field. Each client key (default: the ' +
    "learner's first identifier) is issued at most once per course; an interrupted batch resumes where it stopped.",
  usage:
    '--course <id|course.json> --learners <file.csv|file.jsonl> [--format elm|edc] [--dry-run] [--workers <n>] ' +
    '[--out <results.jsonl>] [--tenant <slug>]',
  options: {
    ...TENANT_OPTION,
    ...RUN_OPTIONS,
    course: { type: 'string' },
    learners: { type: 'string' },
    format: { type: 'string' },
    'input-format': { type: 'string' },
    'dry-run': { type: 'boolean' },
  },
  help: {
    tenant: TENANT_HELP,
    ...RUN_HELP,
    course: 'a stored course id, or a course file (stored first, as a new version if it changed)',
    learners: 'the learners: CSV with a header row, or JSON lines (one learner record per line)',
    format: 'elm (default): VC 2.0 + VC-JOSE; edc: VC 1.1 + Data Integrity',
    'input-format': 'csv or jsonl (default: from the extension: .csv, .jsonl, .ndjson)',
    'dry-run': 'check the file and print the report; issue nothing (a course file is still stored)',
  },
  async run(env, values) {
    if (typeof values.course !== 'string' || typeof values.learners !== 'string') {
      throw new UsageError('issue-batch needs --course and --learners')
    }
    const format = formatOf(values)
    const inputFormat = inputFormatOf(values, values.learners)
    const dryRun = values['dry-run'] === true
    if (!dryRun) workersOf(values)
    const courseArg = values.course
    const courseFile = looksLikeFile(courseArg) ? await readJsonFile(env.cwd, courseArg, 'course') : undefined
    const source = await learnersStream(env.cwd, values.learners)
    try {
      return await withContext(env, async (ctx) => {
        const tenantSlug = tenantOf(values)
        // The results carry the learners' claim links: without a secret, store and issue nothing.
        if (!dryRun) ctx.claimLinks.assertReady()
        const courseRef = courseFile
          ? (await addCourse(ctx, { tenantSlug, course: courseFile })).record.courseRef
          : courseArg
        // The worker threads start (about half a second) while the file is being checked.
        const pool = dryRun ? undefined : startWorkerPool(workersOf(values))
        try {
          const report = await createBatch(ctx, {
            tenantSlug,
            courseRef,
            format,
            dryRun,
            createdBy: actorOf(values),
            rows: readBatchRows(source, inputFormat),
          })
          if (dryRun) {
            printJson(env.io, report)
            if (report.invalidRows === 0) return 0
            env.io.err(`${report.invalidRows} of ${report.totalRows} rows are invalid:\n`)
            for (const p of report.problems) env.io.err(`  - ${p.field}: ${p.message} [${p.rule}]\n`)
            return 1
          }
          const batch = await getBatch(ctx.storage, tenantSlug, report.batchId as string)
          env.io.err(
            `Batch ${batch.id}: ${report.totalRows} rows of ${report.courseRef} (version ${report.courseVersion}), ` +
              `${report.alreadyIssuedRows} issued before\n`,
          )
          const tenant = await getTenant(ctx.storage, tenantSlug)
          const issuer = await ctx.storage.issuers.getDefault(tenant.id)
          if (issuer?.profile.development) {
            env.io.err(
              'note: issuing under a DEVELOPMENT issuer profile: for trying microcred out, not for real learners.\n',
            )
          }
          return await issueAndReport(env, ctx, values, batch, pool)
        } finally {
          await pool?.close()
        }
      })
    } finally {
      source.destroy()
    }
  },
}

export const batchesListCommand: Command = {
  path: ['batches', 'list'],
  summary: "Lists a tenant's batches, newest first, with their progress.",
  usage: '[--tenant <slug>]',
  options: { ...TENANT_OPTION },
  help: { tenant: TENANT_HELP },
  async run(env, values) {
    return withContext(env, async (ctx) => {
      const tenant = await getTenant(ctx.storage, tenantOf(values))
      const now = ctx.clock()
      const batches = await ctx.storage.batches.listByTenant(tenant.id)
      printJson(
        env.io,
        batches.map((batch) => batchView(batch, now)),
      )
      return 0
    })
  },
}

export const batchesStatusCommand: Command = {
  path: ['batches', 'status'],
  summary: "Prints a batch's state and counters.",
  usage: '<batchId> [--tenant <slug>]',
  options: { ...TENANT_OPTION },
  help: { tenant: TENANT_HELP },
  positionals: { min: 1, max: 1 },
  async run(env, values, positionals) {
    return withContext(env, async (ctx) => {
      const batch = await getBatch(ctx.storage, tenantOf(values), positionals[0] as string)
      printJson(env.io, batchView(batch, ctx.clock()))
      return 0
    })
  },
}

export const batchesResultsCommand: Command = {
  path: ['batches', 'results'],
  summary:
    "Prints a batch's results as JSON lines, one per row: its state, credential and the learner's claim link.",
  usage: '<batchId> [--out <file>] [--tenant <slug>]',
  options: { ...TENANT_OPTION, out: RUN_OPTIONS.out },
  help: { tenant: TENANT_HELP, out: RUN_HELP.out },
  positionals: { min: 1, max: 1 },
  async run(env, values, positionals) {
    return withContext(env, async (ctx) => {
      const batch = await getBatch(ctx.storage, tenantOf(values), positionals[0] as string)
      await writeResults(env, ctx, batch, values.out)
      return 0
    })
  },
}

export const batchesResumeCommand: Command = {
  path: ['batches', 'resume'],
  summary:
    'Issues what is left of an interrupted batch (each row still at most once), then prints its results as for ' +
    'issue-batch.',
  usage: '<batchId> [--workers <n>] [--out <results.jsonl>] [--tenant <slug>]',
  options: { ...TENANT_OPTION, ...RUN_OPTIONS },
  help: { tenant: TENANT_HELP, ...RUN_HELP },
  positionals: { min: 1, max: 1 },
  async run(env, values, positionals) {
    workersOf(values)
    return withContext(env, async (ctx) => {
      ctx.claimLinks.assertReady()
      const batch = await getBatch(ctx.storage, tenantOf(values), positionals[0] as string)
      return issueAndReport(env, ctx, values, batch)
    })
  },
}
