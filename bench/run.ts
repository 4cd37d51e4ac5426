/**
 * `npm run bench`: issue throughput per envelope and proof, for an Ed25519 and a P-256 issuer key, with the
 * library floors and the separate steps, plus a cohort batch; verification throughput per form, with its
 * floors, the edc checks alone and presentations; then the status-list figures (allocation on SQLite and
 * PostgreSQL, the status check, batches of revocations); the service; the ILA reconciliation report over a
 * million spending records on SQLite and PostgreSQL. Prints the tables and writes `docs/benchmarks.md`.
 */
import { writeFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import type { KeyAlgorithm } from '../src/storage/storage.js'
import { createBenchHome, loadExamples } from './home.js'
import {
  runCohort,
  runIssueBench,
  type BenchBudget,
  type CohortResult,
  type KeyTypeResult,
} from './issue.bench.js'
import { describeMachine, renderDocument, renderResults, tinybenchVersion } from './report.js'
import { ilaBenchLinkCredentials, ilaBenchRecords, renderIlaSection, runIlaBench } from './ila.bench.js'
import { renderServiceSection, runServiceBench } from './service.bench.js'
import { runStatusBench, type StatusBenchBudget } from './status.bench.js'
import { runVerifyBench, type VerifyKeyTypeResult } from './verify.bench.js'

const KEY_TYPES: readonly KeyAlgorithm[] = ['Ed25519', 'P-256']
const COHORT_SIZE = 200
const BUDGET: BenchBudget = {
  timeMs: 1500,
  iterations: 20,
  warmupTimeMs: 250,
  warmupIterations: 5,
  primeMs: 1000,
}
/** Shorter than issuing's: eleven tasks per key type, three of them near 100 ms a call. */
const VERIFY_BUDGET: BenchBudget = {
  timeMs: 800,
  iterations: 10,
  warmupTimeMs: 150,
  warmupIterations: 3,
  primeMs: 500,
}
const STATUS_BUDGET: StatusBenchBudget = {
  allocationMs: 1500,
  inFlight: [1, 20],
  twoProcess: { PostgreSQL: { perProcess: 1000, inFlight: 20 }, SQLite: { perProcess: 500, inFlight: 20 } },
  check: { warmupMs: 800, rounds: 8, roundMs: 100 },
  batchSize: 100,
  batches: 3,
  singles: 10,
  publishes: 10,
}
/** Cohort sizes of the batch figures: the elm one is the size the throughput target is set for. */
const SERVICE_COHORTS = [
  { format: 'elm', keyType: 'Ed25519', learners: 10_000 },
  { format: 'elm', keyType: 'P-256', learners: 10_000 },
  { format: 'edc', keyType: 'Ed25519', learners: 500 },
] as const satisfies Array<{ format: 'elm' | 'edc'; keyType: KeyAlgorithm; learners: number }>
const SERVICE_HTTP = { durationSeconds: 10, connections: 10 }
/** The PostgreSQL server of the status-list part (a throwaway schema is created in it and dropped). */
const DATABASE_URL = process.env.TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres'
const OUTPUT = new URL('../docs/benchmarks.md', import.meta.url)

async function main(): Promise<void> {
  const started = performance.now()
  const machine = describeMachine(new Date())
  const examples = await loadExamples()
  // First, in a fresh process: a cohort batch or a verification service runs in a process of its own, not in
  // one whose heap the micro-benchmarks below have grown to a gigabyte.
  const service = await runServiceBench({
    examples,
    cohorts: [...SERVICE_COHORTS],
    http: SERVICE_HTTP,
    onStep: (name) => process.stderr.write(`bench: ${name}\n`),
  })
  const home = await createBenchHome()
  const results: KeyTypeResult[] = []
  const cohorts: CohortResult[] = []
  const verification: VerifyKeyTypeResult[] = []
  let verifyMs = 0
  try {
    for (const keyType of KEY_TYPES) {
      const { tenantSlug, course } = await home.addTenant(keyType, examples.course)
      const common = { ctx: home.ctx, tenantSlug, course, learner: examples.learner, keyType }
      results.push(
        await runIssueBench({
          ...common,
          budget: BUDGET,
          onTask: (name) => process.stderr.write(`bench: ${name}\n`),
        }),
      )
      process.stderr.write(`bench: ${keyType} cohort of ${COHORT_SIZE}\n`)
      cohorts.push(await runCohort({ ...common, learners: COHORT_SIZE, format: 'elm' }))
      const verifyStarted = performance.now()
      verification.push(
        await runVerifyBench({
          ...common,
          budget: VERIFY_BUDGET,
          onTask: (name) => process.stderr.write(`bench: verify ${name}\n`),
        }),
      )
      verifyMs += performance.now() - verifyStarted
    }
  } finally {
    await home.dispose()
  }
  const status = await runStatusBench({
    examples,
    budget: STATUS_BUDGET,
    databaseUrl: DATABASE_URL,
    onStep: (name) => process.stderr.write(`bench: ${name}\n`),
  })
  const ila = await runIlaBench({
    records: ilaBenchRecords(),
    linkCredentials: ilaBenchLinkCredentials(),
    databaseUrl: DATABASE_URL,
    onStep: (name) => process.stderr.write(`bench: ila ${name}\n`),
  })
  const report = {
    machine,
    budget: BUDGET,
    tinybench: tinybenchVersion(),
    results,
    cohorts,
    verification: { budget: VERIFY_BUDGET, results: verification, runMs: verifyMs },
    status,
    service: renderServiceSection(service),
    ila: renderIlaSection(ila),
    runMs: performance.now() - started,
  }
  await writeFile(OUTPUT, renderDocument(report), 'utf8')
  process.stdout.write(
    `${renderResults(report)}\n\nWhole run: ${(report.runMs / 1000).toFixed(1)} s. Written to ${fileURLToPath(OUTPUT)}\n`,
  )
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`)
  process.exitCode = 1
})
