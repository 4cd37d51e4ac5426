/**
 * Issue throughput for one issuer key type: end-to-end issuing in both envelopes, the library floors they
 * are compared with, and the separate steps (building, EBSI schema validation, RDF canonicalization) that
 * show where the time goes. Also a sequential cohort batch with its memory footprint.
 */
import { isDeepStrictEqual } from 'node:util'
import { Bench, type Task } from 'tinybench'
import { systemClock } from '../src/clock.js'
import type { AppContext } from '../src/context.js'
import { issueMicrocredential, type MicrocredentialFormat } from '../src/issuer/issue-microcredential.js'
import {
  buildMicrocredential,
  parseCourse,
  parseLearner,
  validateEbsiEdc,
  withExtraContexts,
  type BuildInput,
  type DisplayImageContent,
} from '../src/model/index.js'
import type { CourseRecord, KeyAlgorithm } from '../src/storage/storage.js'
import { canonizeForProof, createLocalKey, dataIntegrityIssue, joseCompactSign } from './reference.js'

/** The rows of a key type's table, in display order. */
export const ROWS = [
  { id: 'issue-elm', label: '`issueMicrocredential`, elm (VC-JOSE), end to end', floor: 'floor-jose' },
  { id: 'issue-edc', label: '`issueMicrocredential`, edc (Data Integrity), end to end', floor: 'floor-di' },
  { id: 'floor-jose', label: 'Floor: `jose` `CompactSign` of the same elm payload' },
  { id: 'floor-di', label: 'Floor: `@digitalbazaar/vc` `issue()` of the same edc credential' },
  { id: 'build-elm', label: 'Build only: `buildMicrocredential`, elm' },
  { id: 'build-edc', label: 'Build only: `buildMicrocredential`, edc' },
  { id: 'validate-ebsi', label: 'EBSI schema validation only: `validateEbsiEdc` (elm)' },
  { id: 'canonize', label: 'RDF canonicalization only (RDFC-1.0) of the edc credential' },
] as const satisfies ReadonlyArray<{ id: string; label: string; floor?: string }>

export type RowId = (typeof ROWS)[number]['id']

export interface Measurement {
  opsPerSecond: number
  meanMs: number
  p99Ms: number
  samples: number
}

export interface KeyTypeResult {
  keyType: KeyAlgorithm
  rows: Record<RowId, Measurement>
  /** `statusPurpose` of each status entry the issued credentials carry. */
  statusPurposes: string[]
}

export interface CohortResult {
  keyType: KeyAlgorithm
  format: MicrocredentialFormat
  learners: number
  totalMs: number
  credentialsPerSecond: number
  rssBeforeBytes: number
  peakRssBytes: number
  heapUsedBeforeBytes: number
  peakHeapUsedBytes: number
  memorySamples: number
}

export interface BenchBudget {
  /** Measured time per task, ms (tinybench keeps going until `iterations` is reached too). */
  timeMs: number
  /** Minimum measured iterations per task. */
  iterations: number
  warmupTimeMs: number
  warmupIterations: number
  /** Unmeasured end-to-end issuing before the tasks start, ms. */
  primeMs: number
}

export interface IssueBenchInput {
  ctx: AppContext
  tenantSlug: string
  course: CourseRecord
  learner: unknown
  keyType: KeyAlgorithm
  budget: BenchBudget
  /** Called as each task starts, for progress output. */
  onTask?: (name: string) => void
}

/**
 * The builder input `issueMicrocredential` assembled for `issued`: same tenant issuer, course, learner and
 * display images, and the credential id, issuance time and status entries read back from the credential.
 */
async function buildInputFor(
  input: IssueBenchInput,
  format: MicrocredentialFormat,
  issued: Record<string, unknown>,
): Promise<BuildInput> {
  const { ctx } = input
  const tenant = await ctx.storage.tenants.getBySlug(input.tenantSlug)
  const issuer = tenant ? await ctx.storage.issuers.getDefault(tenant.id) : undefined
  if (!issuer) throw new Error(`No default issuer for ${input.tenantSlug}`)
  const course = parseCourse(input.course.course)
  const primary = course.languages[0] as string
  const displayImages = new Map<string, DisplayImageContent>()
  for (const language of course.languages) {
    const pick = (map: Record<string, string>) =>
      map[language] ?? map[primary] ?? (Object.values(map)[0] as string)
    const image = ctx.displayImages.get(
      { courseId: input.course.courseRef, versionHash: input.course.contentHash },
      language,
      {
        title: pick(course.title),
        awardingBody: pick(course.awardingBody.legalName),
        ects: course.ects,
        eqfLevel: course.eqfLevel,
        workloadHours: course.workloadHours,
      },
    )
    displayImages.set(language, { contentType: image.contentType, base64: image.base64 })
  }
  const credentialStatus = statusEntriesOf(issued)
  return {
    course,
    learner: parseLearner(input.learner),
    issuer: { did: issuer.did, profile: issuer.profile },
    credentialId: String(issued.id),
    issued: new Date(String(issued.issued)),
    format,
    displayImages,
    ...(credentialStatus.length > 0 ? { credentialStatus } : {}),
  }
}

function statusEntriesOf(credential: Record<string, unknown>): Array<Record<string, unknown>> {
  const status = credential.credentialStatus
  if (status === undefined) return []
  return (Array.isArray(status) ? status : [status]) as Array<Record<string, unknown>>
}

/** The JWS payload of a compact `vc+jwt`. */
function jwsPayload(jws: string): Record<string, unknown> {
  const payload = jws.split('.')[1]
  if (payload === undefined) throw new Error('Not a compact JWS')
  return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>
}

/** The figures of a completed tinybench task; throws for a task that did not complete. */
export function measurementOf(task: Task): Measurement {
  const result = task.result
  if (result.state !== 'completed') {
    throw new Error(`Benchmark task ${task.name} did not complete (${result.state})`, {
      cause: result.state === 'errored' ? result.error : undefined,
    })
  }
  const { latency } = result
  // ops/s from the mean latency, so that ops/s and mean ms in one row always agree.
  return {
    opsPerSecond: 1000 / latency.mean,
    meanMs: latency.mean,
    p99Ms: latency.p99,
    samples: latency.samplesCount,
  }
}

/** Runs every row of {@link ROWS} for one key type. */
export async function runIssueBench(input: IssueBenchInput): Promise<KeyTypeResult> {
  const { ctx, tenantSlug, course, learner, keyType, budget } = input
  const issue = (format: MicrocredentialFormat) => () =>
    issueMicrocredential(ctx, { tenantSlug, course, learner, format })

  // Issue in both envelopes for a while first: the first round renders and caches the display image and
  // fails fast on a broken setup; the rest lets the JIT settle so the first measured task is not penalised.
  const primeUntil = performance.now() + budget.primeMs
  do {
    await issue('elm')()
    await issue('edc')()
  } while (performance.now() < primeUntil)

  // The floors sign exactly what issuing signed: the elm JWS payload, and the edc credential without its proof
  // (status entries and every added context included).
  const elmIssued = await issue('elm')()
  const edcIssued = await issue('edc')()
  if (typeof elmIssued.credential !== 'string' || typeof edcIssued.credential === 'string') {
    throw new Error('Unexpected credential forms from issuing')
  }
  const elmPayload = jwsPayload(elmIssued.credential)
  const { proof: _proof, ...edcUnsigned } = edcIssued.credential
  // What issuing validates against the EBSI schema: the payload without the W3C status entries.
  const { credentialStatus: _status, ...elmChecked } = elmPayload

  // The build rows rebuild those same credentials (before any context issuing adds to the edc one).
  const elmInput = await buildInputFor(input, 'elm', elmPayload)
  const edcInput = await buildInputFor(input, 'edc', edcUnsigned)
  if (!isDeepStrictEqual(buildMicrocredential(elmInput), elmPayload)) {
    throw new Error(
      'buildMicrocredential no longer reproduces the issued elm payload; update bench/issue.bench.ts',
    )
  }
  const edcContexts = edcUnsigned['@context'] as string[]
  if (!isDeepStrictEqual(withExtraContexts(buildMicrocredential(edcInput), edcContexts), edcUnsigned)) {
    throw new Error(
      'buildMicrocredential no longer reproduces the issued edc credential; update bench/issue.bench.ts',
    )
  }

  const local = await createLocalKey(keyType)
  const date = systemClock()
  // Check once that each floor really signs and that the payload is valid, or the comparison means nothing.
  if ((await joseCompactSign(elmPayload, local)).split('.').length !== 3)
    throw new Error('jose floor produced no JWS')
  if (!('proof' in (await dataIntegrityIssue(edcUnsigned, local, ctx.documentLoader, date)))) {
    throw new Error('Data Integrity floor produced no proof')
  }
  if (validateEbsiEdc(elmChecked).length > 0)
    throw new Error('The example elm credential fails the EBSI schema')

  const tasks: Record<RowId, () => unknown> = {
    'issue-elm': issue('elm'),
    'issue-edc': issue('edc'),
    'floor-jose': () => joseCompactSign(elmPayload, local),
    'floor-di': () => dataIntegrityIssue(edcUnsigned, local, ctx.documentLoader, date),
    'build-elm': () => buildMicrocredential(elmInput),
    'build-edc': () => buildMicrocredential(edcInput),
    'validate-ebsi': () => validateEbsiEdc(elmChecked),
    canonize: () => canonizeForProof(edcUnsigned, keyType, ctx.documentLoader),
  }

  const bench = new Bench({
    name: `issue ${keyType}`,
    time: budget.timeMs,
    iterations: budget.iterations,
    warmup: true,
    warmupTime: budget.warmupTimeMs,
    warmupIterations: budget.warmupIterations,
    throws: true,
  })
  for (const row of ROWS) bench.add(row.id, tasks[row.id])
  for (const task of bench.tasks)
    task.addEventListener('start', () => input.onTask?.(`${keyType} ${task.name}`))
  await bench.run()
  if ('proof' in edcUnsigned) throw new Error('The prepared edc credential was modified while benchmarking')

  const rows = {} as Record<RowId, Measurement>
  for (const row of ROWS) {
    const task = bench.getTask(row.id)
    if (!task) throw new Error(`Missing benchmark task ${row.id}`)
    rows[row.id] = measurementOf(task)
  }
  return {
    keyType,
    rows,
    statusPurposes: statusEntriesOf(elmPayload).map((entry) => String(entry.statusPurpose)),
  }
}

/** A copy of the example learner with a distinct student id. */
function cohortLearner(learner: unknown, index: number): unknown {
  const copy = structuredClone(learner) as { identifiers: Array<{ notation: string }> }
  const first = copy.identifiers[0]
  if (first) first.notation = `BENCH-${String(index).padStart(4, '0')}`
  return copy
}

/**
 * Issues `learners` credentials one after the other and samples `process.memoryUsage()` after each one
 * (and on a timer, in case an issuance yields to the event loop for long).
 */
export async function runCohort(
  input: Omit<IssueBenchInput, 'budget' | 'onTask'> & { learners: number; format: MicrocredentialFormat },
): Promise<CohortResult> {
  const { ctx, tenantSlug, course, learner, keyType, learners, format } = input
  const cohort = Array.from({ length: learners }, (_, i) => cohortLearner(learner, i + 1))
  const before = process.memoryUsage()
  let peakRss = before.rss
  let peakHeap = before.heapUsed
  let memorySamples = 0
  const sample = () => {
    const usage = process.memoryUsage()
    memorySamples += 1
    if (usage.rss > peakRss) peakRss = usage.rss
    if (usage.heapUsed > peakHeap) peakHeap = usage.heapUsed
  }
  const timer = setInterval(sample, 5)
  const start = performance.now()
  try {
    for (const one of cohort) {
      await issueMicrocredential(ctx, { tenantSlug, course, learner: one, format })
      sample()
    }
  } finally {
    clearInterval(timer)
  }
  const totalMs = performance.now() - start
  return {
    keyType,
    format,
    learners,
    totalMs,
    credentialsPerSecond: (learners * 1000) / totalMs,
    rssBeforeBytes: before.rss,
    peakRssBytes: peakRss,
    heapUsedBeforeBytes: before.heapUsed,
    peakHeapUsedBytes: peakHeap,
    memorySamples,
  }
}
