/** The benchmark write-up: machine description, result tables and an interpretation computed from them. */
import { readFileSync } from 'node:fs'
import os from 'node:os'
import {
  ROWS,
  type BenchBudget,
  type CohortResult,
  type KeyTypeResult,
  type Measurement,
  type RowId,
} from './issue.bench.js'
import { CHECK_ROWS, type CheckFormResult, type SlotCheck, type StatusBenchResult } from './status.bench.js'
import {
  VERIFY_ROWS,
  type VerificationReport,
  type VerifyKeyTypeResult,
  type VerifyRowId,
} from './verify.bench.js'

export interface MachineInfo {
  cpuModel: string
  cpuCount: number
  totalMemoryBytes: number
  node: string
  os: string
  date: string
  /** 1-minute load average when the run started: other work on the machine skews the figures. */
  loadAverage: number
}

export function describeMachine(now: Date): MachineInfo {
  const cpus = os.cpus()
  return {
    cpuModel: cpus[0]?.model.trim().replace(/\s+/g, ' ') ?? 'unknown',
    cpuCount: cpus.length,
    totalMemoryBytes: os.totalmem(),
    node: process.version,
    os: `${os.type()} ${os.release()} (${os.platform()}/${os.arch()})`,
    date: now.toISOString(),
    loadAverage: os.loadavg()[0] ?? 0,
  }
}

/** The installed tinybench version, for the record. */
export function tinybenchVersion(): string {
  try {
    const pkg = new URL('../package.json', import.meta.resolve('tinybench'))
    return (JSON.parse(readFileSync(pkg, 'utf8')) as { version: string }).version
  } catch {
    return 'unknown'
  }
}

export interface Report {
  machine: MachineInfo
  budget: BenchBudget
  tinybench: string
  results: KeyTypeResult[]
  cohorts: CohortResult[]
  /** The verification figures. */
  verification: VerificationReport
  /** The status-list figures. */
  status: StatusBenchResult
  /** The service section (batches, HTTP verification), already rendered. */
  service: string
  /** The ILA reconciliation section, already rendered. */
  ila: string
  /** Wall time of the whole run, ms. */
  runMs: number
}

const number = (value: number, digits: number) =>
  value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })

function ms(value: number): string {
  return number(value, value < 1 ? 3 : value < 10 ? 2 : 1)
}

function ops(value: number): string {
  return number(value, value < 100 ? 1 : 0)
}

function mib(bytes: number): string {
  return number(bytes / 2 ** 20, 1)
}

function pct(part: number, whole: number): string {
  return `${number((100 * part) / whole, 0)} %`
}

function times(a: number, b: number): string {
  return `${number(a / b, 2)}×`
}

function seconds(value: number): string {
  return number(value / 1000, value < 10_000 ? 2 : 1)
}

function keyTable(result: KeyTypeResult): string {
  const lines = [
    `### ${result.keyType} issuer key`,
    '',
    '| Step | ops/s | mean ms | p99 ms | samples | vs floor |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
  ]
  for (const row of ROWS) {
    const m = result.rows[row.id]
    const floor = 'floor' in row ? `${times(m.meanMs, result.rows[row.floor].meanMs)}` : ''
    lines.push(
      `| ${row.label} | ${ops(m.opsPerSecond)} | ${ms(m.meanMs)} | ${ms(m.p99Ms)} | ${m.samples} | ${floor} |`,
    )
  }
  return lines.join('\n')
}

function cohortTable(cohorts: CohortResult[]): string {
  const lines = [
    '| Key | Format | Learners | Total s | Credentials/s | RSS before MiB | Peak RSS MiB | Heap used before MiB | Peak heap used MiB |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ]
  for (const c of cohorts) {
    lines.push(
      `| ${c.keyType} | ${c.format} | ${c.learners} | ${seconds(c.totalMs)} | ${ops(c.credentialsPerSecond)} | ` +
        `${mib(c.rssBeforeBytes)} | ${mib(c.peakRssBytes)} | ${mib(c.heapUsedBeforeBytes)} | ${mib(c.peakHeapUsedBytes)} |`,
    )
  }
  return lines.join('\n')
}

/** 3–5 sentences, every figure taken from the results. */
function interpretation(results: KeyTypeResult[], cohorts: CohortResult[]): string[] {
  const mean = (r: KeyTypeResult, id: RowId) => (r.rows[id] as Measurement).meanMs
  const sentences: string[] = []

  const perKey = results.map(
    (r) =>
      `${ms(mean(r, 'issue-edc'))} ms against ${ms(mean(r, 'issue-elm'))} ms with ${r.keyType} ` +
      `(${times(mean(r, 'issue-edc'), mean(r, 'issue-elm'))})`,
  )
  const slower = results.every((r) => mean(r, 'issue-edc') > mean(r, 'issue-elm'))
  sentences.push(
    `Issuing in the edc envelope (Data Integrity) ${slower ? 'costs more' : 'does not always cost more'} per credential ` +
      `than the elm envelope (VC-JOSE): ${perKey.join(', ')}.`,
  )

  // Canonicalization against the other parts of edc issuing: building, the rest of the bare `vc.issue()`
  // (proof options, hashing, signature) and what issuing adds around `vc.issue()`.
  const largest = results.every((r) => {
    const canonize = mean(r, 'canonize')
    const others = [
      mean(r, 'build-edc'),
      mean(r, 'floor-di') - canonize,
      mean(r, 'issue-edc') - mean(r, 'floor-di'),
    ]
    return others.every((other) => canonize > other)
  })
  const majority = results.every((r) => mean(r, 'canonize') >= 0.5 * mean(r, 'issue-edc'))
  const canon = results
    .map(
      (r) =>
        `${ms(mean(r, 'canonize'))} ms with ${r.keyType}, ${pct(mean(r, 'canonize'), mean(r, 'floor-di'))} of the bare ` +
        `\`vc.issue()\` floor and ${pct(mean(r, 'canonize'), mean(r, 'issue-edc'))} of end-to-end edc issuing`,
    )
    .join('; ')
  const verdict = majority
    ? 'so canonicalization dominates Data Integrity issuing'
    : largest
      ? 'so canonicalization is the largest single step of Data Integrity issuing'
      : 'a sizeable share of Data Integrity issuing, but not its largest step'
  const diOverhead = results
    .map(
      (r, i) =>
        `${times(mean(r, 'issue-edc'), mean(r, 'floor-di'))}${i === 0 ? ' the floor' : ''} with ${r.keyType}`,
    )
    .join(' and ')
  sentences.push(
    `RDF canonicalization of the credential alone takes ${canon}, ${verdict}; end-to-end edc issuing costs ` +
      `${diOverhead}.`,
  )

  for (const r of results.slice(0, 1)) {
    const total = mean(r, 'issue-elm')
    const build = mean(r, 'build-elm')
    const validate = mean(r, 'validate-ebsi')
    const sign = mean(r, 'floor-jose')
    const rest = total - build - validate - sign
    const parts =
      `building takes ${ms(build)} ms (${pct(build, total)}), EBSI schema validation ${ms(validate)} ms ` +
      `(${pct(validate, total)}) and the bare \`jose\` \`CompactSign\` (serialization and signature) ${ms(sign)} ms ` +
      `(${pct(sign, total)}) of the ` +
      `${ms(total)} ms end-to-end mean`
    const status = r.statusPurposes.length > 0 ? 'status-list slot allocation, ' : ''
    sentences.push(
      rest > 0
        ? `For elm with ${r.keyType}, ${parts}; the remaining ${ms(rest)} ms (${pct(rest, total)}, by difference) goes ` +
            `to ${status}storage look-ups, the display-image cache, the key store and the credential insert.`
        : `For elm with ${r.keyType}, ${parts}; together these reach the end-to-end mean, so the rest of the ` +
            'pipeline (look-ups, storage insert) is within measurement noise.',
    )
  }

  const [first, second] = results
  if (first && second) {
    sentences.push(
      `With ${second.keyType} instead of ${first.keyType}, elm issuing takes ` +
        `${times(mean(second, 'issue-elm'), mean(first, 'issue-elm'))} the time, edc issuing ` +
        `${times(mean(second, 'issue-edc'), mean(first, 'issue-edc'))} and the bare \`jose\` \`CompactSign\` ` +
        `${times(mean(second, 'floor-jose'), mean(first, 'floor-jose'))}.`,
    )
  }

  if (cohorts.length > 0) {
    const described = cohorts
      .map(
        (c) =>
          `${seconds(c.totalMs)} s with ${c.keyType} (${ops(c.credentialsPerSecond)} credentials/s, peak RSS ` +
          `${mib(c.peakRssBytes)} MiB, ${mib(c.peakRssBytes - c.rssBeforeBytes)} MiB above the start of the batch)`,
      )
      .join(' and ')
    const c0 = cohorts[0] as CohortResult
    sentences.push(`A sequential cohort of ${c0.learners} ${c0.format} credentials took ${described}.`)
  }
  return sentences
}

// ---------------------------------------------------------------------------------------------------------
// Verification

/** The label of the `schema` row: what the check did on the edc credential, as verification reported it. */
function schemaRowLabel(result: VerifyKeyTypeResult): string {
  const { status, code, shacl } = result.schema
  return shacl
    ? `edc \`schema\` check alone: EDC SHACL profile (${status} \`${code}\`)`
    : `edc \`schema\` check alone: SHACL not run (${status} \`${code}\`)`
}

function verifyTable(result: VerifyKeyTypeResult): string {
  const lines = [
    `### ${result.keyType} issuer key`,
    '',
    '| Step | ops/s | mean ms | p99 ms | samples | vs floor | share of edc verification |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
  ]
  const edc = result.rows['verify-edc'].meanMs
  for (const row of VERIFY_ROWS) {
    const m = result.rows[row.id]
    const floor = 'floor' in row ? times(m.meanMs, result.rows[row.floor].meanMs) : ''
    const share = 'share' in row ? pct(m.meanMs, edc) : ''
    const label = row.id === 'check-schema' ? schemaRowLabel(result) : row.label
    lines.push(
      `| ${label} | ${ops(m.opsPerSecond)} | ${ms(m.meanMs)} | ${ms(m.p99Ms)} | ${m.samples} | ${floor} | ${share} |`,
    )
  }
  return lines.join('\n')
}

/** 2–3 sentences on the verification figures, every number taken from the results. */
function verificationInterpretation(results: VerifyKeyTypeResult[]): string[] {
  const mean = (r: VerifyKeyTypeResult, id: VerifyRowId) => r.rows[id].meanMs
  const each = (text: (r: VerifyKeyTypeResult) => string) => results.map(text).join(' and ')
  const keys = results.map((r) => r.keyType).join(' and ')
  const sentences: string[] = []

  const forms = results
    .map(
      (r) =>
        `${ms(mean(r, 'verify-elm'))} ms for elm (${ms(mean(r, 'verify-enveloped'))} ms enveloped) and ` +
        `${ms(mean(r, 'verify-edc'))} ms for edc with ${r.keyType}`,
    )
    .join(', ')
  sentences.push(
    `End-to-end \`verifyCredential\` takes ${forms}: edc costs ` +
      `${each((r) => times(mean(r, 'verify-edc'), mean(r, 'verify-elm')))} elm (${keys}), and against the bare ` +
      `libraries elm costs ${each((r) => times(mean(r, 'verify-elm'), mean(r, 'floor-jose')))} \`jose\` ` +
      `\`compactVerify\` and edc ${each((r) => times(mean(r, 'verify-edc'), mean(r, 'floor-di')))} ` +
      `\`@digitalbazaar/vc\` \`verifyCredential()\`; a generic VC 2.0 Data Integrity credential, with no schema and ` +
      `no status entries to check, takes ${each((r) => `${ms(mean(r, 'verify-generic'))} ms`)}.`,
  )

  const first = results[0]
  if (first) {
    const parts: Array<{ id: VerifyRowId; name: string }> = [
      {
        id: 'check-schema',
        name: first.schema.shacl ? 'the SHACL `schema` check' : 'the `schema` check (SHACL not run)',
      },
      { id: 'check-proof', name: 'the `proof` check' },
      { id: 'check-status', name: `the \`status\` check (verifying ${first.statusLists} list proofs)` },
    ]
    parts.sort((a, b) => mean(first, b.id) - mean(first, a.id))
    const figures = parts
      .map(
        (p) =>
          `${p.name} alone takes ${each((r) => `${ms(mean(r, p.id))} ms (${pct(mean(r, p.id), mean(r, 'verify-edc'))})`)}`,
      )
      .join(', ')
      .replace(/, (?=[^,]*$)/, ' and ')
    const sum = (r: VerifyKeyTypeResult) => parts.reduce((total, p) => total + mean(r, p.id), 0)
    // By difference: the rows were measured one after the other, so under a changing machine load the three
    // parts can add up to more than the whole.
    const rest = (r: VerifyKeyTypeResult) => mean(r, 'verify-edc') - sum(r)
    const restText =
      `; the rest, by difference, is ${each((r) => (rest(r) > 0 ? `${ms(rest(r))} ms` : 'nothing measurable'))} ` +
      '(the other checks, parsing and the policy; each row was measured on its own, under a varying machine load)'
    const top = parts[0] as (typeof parts)[number]
    const largest = results.every((r) => parts.every((p) => p === top || mean(r, top.id) > mean(r, p.id)))
    const half = results.every((r) => mean(r, top.id) >= 0.5 * mean(r, 'verify-edc'))
    const lead = largest
      ? `${top.name.replace(/ \(.*\)$/, '').replace(/^the/, 'The')} is the largest part of edc verification with ` +
        `${results.length > 1 ? 'both keys' : 'this key'}${half ? ', half of it or more' : ''}: of the edc mean ` +
        `(${keys}), ${figures}`
      : `Of the edc mean (${keys}), ${figures}`
    sentences.push(`${lead}${restText}.`)
  }

  // What a presentation adds to verifying its one credential alone (the difference of two means: noise can
  // make it negative).
  const over = (vp: number, alone: number, form: string) =>
    vp > alone
      ? `${ms(vp - alone)} ms over its ${form} credential alone`
      : `no more than its ${form} credential alone`
  const vps = results.map(
    (r) =>
      `${ms(mean(r, 'vp-di'))} ms for the Data Integrity presentation (${over(mean(r, 'vp-di'), mean(r, 'verify-edc'), 'edc')}) ` +
      `and ${ms(mean(r, 'vp-jose'))} ms for the VC-JOSE one (${over(mean(r, 'vp-jose'), mean(r, 'verify-elm'), 'elm')}) ` +
      `with ${r.keyType}`,
  )
  sentences.push(`Verifying a presentation of one credential takes ${vps.join('; ')}.`)
  return sentences
}

/** The verification section: what is measured, the tables and their interpretation. */
export function renderVerificationSection(verification: VerificationReport): string {
  const { budget, results } = verification
  const first = results[0]
  const entries = first
    ? `${first.statusEntries} status entries in ${first.statusLists} lists`
    : 'its status entries'
  return [
    '## Verification',
    '',
    'How fast microcred verifies what it issued, in the bench home where it was issued, for an Ed25519 and a ' +
      `P-256 issuer key. This part of the run took ${seconds(verification.runMs)} s.`,
    '',
    '- `verifyCredential` end to end under the `default` policy, with dependencies from `createVerifierDeps(ctx)` ' +
      "(so status lists come from the instance's storage and every issuer is the instance's own): the example " +
      'credential in the `elm` form (compact JWS), the same JWS as an `EnvelopedVerifiableCredential`, the `edc` ' +
      `form (parsed JSON, ${entries}), and a generic VC 2.0 credential secured by \`signCredential\` with a Data ` +
      'Integrity proof. Each must verify once before it is measured.',
    "- Two floors, with nothing else around: `jose` `compactVerify` of the same elm JWS with the issuer's public " +
      'key, imported once; and `@digitalbazaar/vc` `verifyCredential()` of the same edc credential with a ' +
      "`DataIntegrityProof` suite of the matching cryptosuite, the verifier's offline document loader and a " +
      '`checkStatus` that always answers verified. "vs floor" is the end-to-end mean divided by the floor mean.',
    '- Where the edc time goes: the `schema`, `status` and `proof` check functions alone on the parsed edc ' +
      'credential, with the same dependencies. Inside `verifyCredential` every check runs concurrently on one ' +
      'thread, so these times add up; "share" is each mean divided by the end-to-end edc mean. The `schema` row ' +
      'is labelled with what that check reported in an end-to-end verification.',
    '- `verifyPresentation` with a challenge and a domain: a Data Integrity presentation (VC 1.1) of the edc ' +
      'credential and a VC-JOSE `vp+jwt` presentation of the elm credential as an `EnvelopedVerifiableCredential`, ' +
      "both signed by a holder key of the same type as the issuer's. The presentation's result includes the full " +
      'verification of its credential.',
    '',
    `Method: tinybench, each task for at least ${budget.timeMs} ms and ${budget.iterations} iterations after a ` +
      `warm-up of at least ${budget.warmupTimeMs} ms and ${budget.warmupIterations} iterations, after ` +
      `${budget.primeMs} ms of unmeasured elm and edc verification per key type.`,
    '',
    ...results.flatMap((r) => [verifyTable(r), '']),
    '### Interpretation',
    '',
    verificationInterpretation(results).join(' '),
  ].join('\n')
}

// ---------------------------------------------------------------------------------------------------------
// Status lists

function slotCheckText(check: SlotCheck): string {
  if (check.ok) return `all ${number(check.slots, 0)} slots distinct, counters exact`
  return (
    `MISMATCH: ${number(check.credentials, 0)} credentials, ${number(check.slots, 0)} slots, ` +
    `${number(check.distinctSlots, 0)} distinct, ${check.badLists} bad counters, ${check.wrongPurpose} wrong purposes`
  )
}

function allocationTable(status: StatusBenchResult): string {
  const lines = [
    '| Database | Processes × in flight | Credentials | Time s | Credentials/s | Slots/s | Mean ms | p99 ms | Database check |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
  ]
  const label = (database: string) =>
    database === 'SQLite' ? 'SQLite (temp file)' : 'PostgreSQL (throwaway schema)'
  for (const database of ['SQLite', 'PostgreSQL'] as const) {
    if (database === 'PostgreSQL' && status.postgresSkipped !== undefined) {
      lines.push(`| ${label(database)} | | | | | | | | ${status.postgresSkipped} |`)
      continue
    }
    for (const run of status.allocation.filter((r) => r.database === database)) {
      lines.push(
        `| ${label(database)} | 1 × ${run.inFlight} | ${number(run.credentials, 0)} | ${seconds(run.totalMs)} | ` +
          `${ops(run.credentialsPerSecond)} | ${ops(2 * run.credentialsPerSecond)} | ${ms(run.meanMs)} | ${ms(run.p99Ms)} | ` +
          `${slotCheckText(run.verified)} |`,
      )
    }
    for (const run of status.twoProcess.filter((r) => r.database === database)) {
      lines.push(
        `| ${label(database)} | 2 × ${run.inFlight} | ${number(2 * run.perProcess, 0)} | ${seconds(run.wallMs)} | ` +
          `${ops(run.credentialsPerSecond)} (${run.processRates.map((r) => ops(r)).join(' + ')} per process) | ` +
          `${ops(2 * run.credentialsPerSecond)} | | | ${slotCheckText(run.verified)} |`,
      )
    }
  }
  return lines.join('\n')
}

function checkTable(result: CheckFormResult): string {
  const lines = [
    `#### ${result.form} lists (${result.format} credential, ${result.entries} entries in ${result.lists} lists)`,
    '',
    '| Step | ops/s | mean ms | p99 ms | samples | share of the check |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
  ]
  const whole = result.rows['check-local'].meanMs
  for (const row of CHECK_ROWS) {
    const m = result.rows[row.id]
    const share = row.id.startsWith('check-') ? '' : pct(m.meanMs, whole)
    lines.push(
      `| ${row.label} | ${ops(m.opsPerSecond)} | ${ms(m.meanMs)} | ${ms(m.p99Ms)} | ${m.samples} | ${share} |`,
    )
  }
  return lines.join('\n')
}

function changeTable(status: StatusBenchResult): string {
  const { change } = status
  const lines = [
    '| Batch | Revocations | Changed | Time ms | ms per revocation | Lists touched | Lists published | Signatures |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ]
  change.batches.forEach((b, i) => {
    lines.push(
      `| Batch ${i + 1} (half elm, half edc) | ${b.changes} | ${b.changed} | ${ms(b.ms)} | ${ms(b.ms / b.changes)} | ` +
        `${b.listsTouched} | ${b.published} | ${b.signatures} |`,
    )
  })
  const singles = change.singles
  if (singles.length > 0) {
    const mean = singles.reduce((sum, b) => sum + b.ms, 0) / singles.length
    const sum = (pick: (b: (typeof singles)[number]) => number) =>
      singles.reduce((total, b) => total + pick(b), 0)
    lines.push(
      `| Single revocation (elm), mean of ${singles.length} | 1 | ${number(sum((b) => b.changed) / singles.length, 0)} | ` +
        `${ms(mean)} | ${ms(mean)} | ${number(sum((b) => b.listsTouched) / singles.length, 0)} | ` +
        `${number(sum((b) => b.published) / singles.length, 0)} | ${number(sum((b) => b.signatures) / singles.length, 0)} |`,
    )
  }
  lines.push(
    '',
    `\`publishStatusList\` alone (mean of ${change.publishes}): ${ms(change.publishMs.jose)} ms for a jose list, ` +
      `${ms(change.publishMs.di)} ms for a di list.`,
  )
  return lines.join('\n')
}

/** 2–3 sentences on the status figures, every number taken from the results. */
function statusInterpretation(status: StatusBenchResult): string[] {
  const sentences: string[] = []
  const rate = (database: string, inFlight: number) =>
    status.allocation.find((r) => r.database === database && r.inFlight === inFlight)?.credentialsPerSecond
  const inFlight = status.budget.inFlight
  const low = inFlight[0] as number
  const high = inFlight[inFlight.length - 1] as number
  const perDatabase = (['SQLite', 'PostgreSQL'] as const)
    .map((database) => {
      const a = rate(database, low)
      const b = rate(database, high)
      if (a === undefined || b === undefined) return undefined
      const two = status.twoProcess.find((r) => r.database === database)
      const twoText = two
        ? `, and two processes on one ${database === 'SQLite' ? 'file' : 'schema'} together ${ops(two.credentialsPerSecond)} ` +
          `(${times(two.credentialsPerSecond, b)} one process with ${high} in flight)`
        : ''
      return `${database} ${ops(a)} credentials/s with ${low} in flight and ${ops(b)} with ${high}${twoText}`
    })
    .filter((text): text is string => text !== undefined)
  const checks = [...status.allocation.map((r) => r.verified), ...status.twoProcess.map((r) => r.verified)]
  const verdict = checks.every((c) => c.ok)
    ? 'in every run each credential got one slot per purpose, all slots distinct and every list counter equal to its slots'
    : 'at least one run left slots or counters that do not add up (see the database check column)'
  const skipped = status.postgresSkipped === undefined ? '' : `; PostgreSQL ${status.postgresSkipped}`
  // Concurrency that does not pay: more calls in flight and a second process both within 20 % of one call.
  const flat = (['SQLite', 'PostgreSQL'] as const).filter((database) => {
    const a = rate(database, low)
    const b = rate(database, high)
    const two = status.twoProcess.find((r) => r.database === database)?.credentialsPerSecond
    return a !== undefined && b !== undefined && two !== undefined && b < 1.2 * a && two < 1.2 * a
  })
  // Why, as the design has it: SQLite has one connection per process and one writer per file; on PostgreSQL
  // every allocation increments the same two list rows, locked until commit.
  const reason: Record<string, string> = {
    SQLite: "SQLite's one connection per process and one writer per file",
    PostgreSQL:
      "PostgreSQL's allocations all incrementing the same two list rows, which stay locked until commit",
  }
  const flatText =
    flat.length === 0
      ? ''
      : `; on ${flat.join(' and ')}, neither more calls in flight nor a second process adds 20 % or more, ` +
        `consistent with ${flat.map((database) => reason[database]).join(' and with ')}`
  sentences.push(
    `Allocating a credential's two status slots runs at ${perDatabase.join('; ')}${skipped}${flatText}; ${verdict}.`,
  )

  const parts = status.check.map((c) => {
    const whole = c.rows['check-local'].meanMs
    return {
      c,
      whole,
      verify: c.rows.verify.meanMs,
      resolve: c.rows.resolve.meanMs,
      decode: c.rows.decode.meanMs,
    }
  })
  if (parts.length > 0) {
    const dominates = parts.every((p) => p.verify >= 0.5 * p.whole)
    const largest = parts.every((p) => p.verify > p.resolve && p.verify > p.decode)
    const role = dominates
      ? 'so the per-call list verification dominates'
      : largest
        ? 'so the per-call list verification is its largest part'
        : 'so the per-call list verification is not its largest part'
    const figures = parts
      .map(
        (p) =>
          `${ms(p.whole)} ms with ${p.c.form} lists (${ops(p.c.rows['check-local'].opsPerSecond)} checks/s), of which verifying ` +
          `the ${p.c.lists} list proofs takes ${ms(p.verify)} ms (${pct(p.verify, p.whole)}), reading them from storage ` +
          `${ms(p.resolve)} ms (${pct(p.resolve, p.whole)}) and decoding ${ms(p.decode)} ms (${pct(p.decode, p.whole)})`,
      )
      .join('; ')
    const cached = parts.map((p) => `${ms(p.c.rows['check-cached'].meanMs)} ms (${p.c.form})`).join(' and ')
    sentences.push(
      `A status check of a credential with ${parts[0]?.c.entries ?? 0} entries costs ${figures}, ${role}: with the lists ` +
        `already in a warm remote-resolver cache it still costs ${cached}, since every check verifies the lists again.`,
    )
  }

  const { batches, singles } = status.change
  if (batches.length > 0) {
    const meanBatch = batches.reduce((sum, b) => sum + b.ms, 0) / batches.length
    const size = (batches[0] as (typeof batches)[number]).changes
    const onePerList = [...batches, ...singles].every(
      (b) => b.published === b.listsTouched && b.signatures === b.listsTouched,
    )
    const touched = [...new Set(batches.map((b) => b.listsTouched))].join(' or ')
    const single = singles.length > 0 ? singles.reduce((sum, b) => sum + b.ms, 0) / singles.length : undefined
    sentences.push(
      `Revoking ${size} credentials in one \`changeStatus\` batch took ${ms(meanBatch)} ms on average ` +
        `(${ms(meanBatch / size)} ms per revocation${single === undefined ? '' : `, against ${ms(single)} ms for a batch of one`}) ` +
        (onePerList
          ? `and signed exactly one list credential per touched list (${touched} per batch), whatever the number of changes.`
          : 'but the publications did not match the touched lists one to one (see the table).'),
    )
  }
  return sentences
}

/** The status-list section: what is measured, the tables and their interpretation. */
export function renderStatusSection(status: StatusBenchResult): string {
  const { budget } = status
  const pgTwo = budget.twoProcess.PostgreSQL
  const sqliteTwo = budget.twoProcess.SQLite
  return [
    '## Status lists',
    '',
    `Bitstring Status List figures, with ${number(status.listSize, 0)}-entry lists (the production size) and an ` +
      'Ed25519 issuer. This part of the run took ' +
      `${seconds(status.runMs)} s.`,
    '',
    `- Allocation: \`allocateStatusEntries\` with 2 purposes (revocation and suspension) per credential, for a fresh ` +
      `issuer, for ${number(budget.allocationMs, 0)} ms per run with ${budget.inFlight.join(' and ')} calls in flight, ` +
      'after an unmeasured warm-up, on a SQLite file in a temporary folder and in a throwaway PostgreSQL schema ' +
      `(${status.postgresUrl}, dropped afterwards), each opened as a deployment opens it (PostgreSQL: pool of 10). ` +
      `Then two child processes on one database, started together: ${number(pgTwo.perProcess, 0)} credentials each ` +
      `with ${pgTwo.inFlight} in flight on PostgreSQL, ${number(sqliteTwo.perProcess, 0)} each with ` +
      `${sqliteTwo.inFlight} in flight on SQLite; their rate is the total over the wall time from the start signal ` +
      'to the last report. After every run the database is queried directly: slots, distinct (list, index) pairs, ' +
      'credentials, list counters against slot counts, and purposes.',
    '- Status check: `checkStatus` on an issued credential (revocation and suspension entries, so two lists), ' +
      'with the lists from `createLocalStatusListResolver` (read from storage, already published) and from a ' +
      '`createRemoteStatusListResolver` whose cache was filled once by an in-memory fetch, for a `jose` list (elm credential) and a `di` list (edc credential, `eddsa-rdfc-2022`); and its ' +
      'parts alone. The tasks of one form run interleaved, so that a change of machine load reaches every row ' +
      `alike: rounds in which each task runs for ${budget.check.roundMs} ms in turn, unmeasured for at least ` +
      `${budget.check.warmupMs} ms, then ${budget.check.rounds} measured rounds, each starting one task later, in ` +
      'which every call is timed.',
    `- Status changes: \`changeStatus\` revoking ${budget.batchSize} freshly issued credentials in one batch ` +
      `(${budget.batchSize / 2} elm and ${budget.batchSize / 2} edc, so one jose and one di revocation list), ` +
      `${budget.batches} time${budget.batches === 1 ? '' : 's'}, and ${budget.singles} batches of one; list signatures are ` +
      'counted through the key store.',
    '',
    `### Slot allocation (${number(status.listSize, 0)}-entry lists, 2 slots per credential)`,
    '',
    allocationTable(status),
    '',
    '### Status check (Ed25519 issuer)',
    '',
    ...status.check.flatMap((c) => [checkTable(c), '']),
    `While the tasks were measured, the remote resolver made ${status.check
      .map((c) => `${c.fetchesWhileMeasured} retrievals (${c.form})`)
      .join(' and ')} and the local resolver signed ${status.check
      .map((c) => `${c.publicationsWhileMeasured} list credentials (${c.form})`)
      .join(' and ')}${
      status.check.every((c) => c.fetchesWhileMeasured === 0 && c.publicationsWhileMeasured === 0)
        ? ': both served what they already held'
        : ''
    }.`,
    '',
    '### Status changes',
    '',
    changeTable(status),
    '',
    '### Interpretation',
    '',
    statusInterpretation(status).join(' '),
  ].join('\n')
}

/** The result tables and interpretation: printed to stdout and embedded in the document. */
export function renderResults(report: Report): string {
  return [
    '## Results',
    '',
    ...report.results.flatMap((r) => [keyTable(r), '']),
    `### Cohort: ${report.cohorts[0]?.learners ?? 0} learners issued one after the other`,
    '',
    cohortTable(report.cohorts),
    '',
    '## Interpretation',
    '',
    interpretation(report.results, report.cohorts).join(' '),
    '',
    renderVerificationSection(report.verification),
    '',
    renderStatusSection(report.status),
    '',
    report.service,
    '',
    report.ila,
  ].join('\n')
}

/** The status allocation step, as the issued credentials show it. */
function statusText(report: Report): string {
  const purposes = report.results[0]?.statusPurposes ?? []
  return purposes.length === 0 ? '' : `status-list slot allocation (${purposes.join(' and ')} entries), `
}

export function renderDocument(report: Report): string {
  const { machine, budget } = report
  return [
    '# Issue, verification, status-list, service and ILA reconciliation benchmarks',
    '',
    `> Generated by \`npm run bench\` on ${machine.date}. Do not edit by hand: run the command again to refresh ` +
      'every figure below.',
    '',
    '## What is measured',
    '',
    'How fast microcred issues an ELM micro-credential for the example course and learner (`examples/course.json`, ' +
      '`examples/learner.json`), for an Ed25519 and a P-256 issuer key:',
    '',
    '- `issueMicrocredential` end to end, in the `elm` envelope (VC 2.0, VC-JOSE compact JWS) and the `edc` ' +
      'envelope (VC 1.1, Data Integrity `eddsa-rdfc-2022` / `ecdsa-rdfc-2019`): learner validation, storage ' +
      `look-ups, ${statusText(report)}building, the cached display image, EBSI schema validation (elm), signing ` +
      'through the file key store and the SQLite insert.',
    '- Two floors, with a freshly generated key pair held in memory and nothing else around: `jose` `CompactSign` of ' +
      'the same elm payload (serialization included), and `@digitalbazaar/vc` `issue()` of the same edc credential ' +
      'with a `DataIntegrityProof` suite and the same offline document loader. Both sign exactly what issuing ' +
      'signed (read back from an issued credential). "vs floor" is the end-to-end mean divided by the floor mean.',
    '- The separate steps: `buildMicrocredential` alone (no signing; checked to rebuild the issued credentials), ' +
      '`validateEbsiEdc` alone (on the elm payload without its status entries, as issuing does), and the RDF ' +
      'canonicalization (RDFC-1.0, through the cryptosuite) of the edc credential that a Data Integrity proof hashes.',
    '- A cohort batch: 200 learners issued one after the other (elm), with `process.memoryUsage()` sampled after ' +
      'each credential and every 5 ms.',
    '- Verification (`verifyCredential` in every form, the library floors, the edc checks alone, and ' +
      '`verifyPresentation`): see [Verification](#verification).',
    '- Status lists (slot allocation on SQLite and PostgreSQL, from one and two processes; the status check; ' +
      'batches of revocations): see [Status lists](#status-lists).',
    '- The service (cohort batches end to end on SQLite: 10,000 elm learners with an Ed25519 and with a P-256 ' +
      'issuer key, 500 edc learners; `POST ' +
      '/credentials/verify` throughput over HTTP): see [Service](#service).',
    '- The ILA reconciliation report over a million generated spending records, on SQLite and PostgreSQL ' +
      '(`MICROCRED_BENCH_ILA_RECORDS` for fewer): see [ILA reconciliation](#ila-reconciliation).',
    '',
    '## How to run',
    '',
    '```sh',
    'npm run bench',
    '```',
    '',
    'The run creates a temporary home folder (SQLite file and key files under the OS temp directory), sets up one ' +
      'tenant per key type the way `microcred init` does (did:key issuer, development profile), and deletes the ' +
      'folder at the end. The status-list part also uses a PostgreSQL server, at `TEST_DATABASE_URL` (default ' +
      '`postgres://postgres@127.0.0.1:5432/postgres`), in a throwaway schema that it drops at the end; without a ' +
      `server its PostgreSQL rows say "skipped". This run took ${seconds(report.runMs)} s.`,
    '',
    `Method: tinybench ${report.tinybench}; each task runs for at least ${budget.timeMs} ms and ${budget.iterations} ` +
      `iterations after a warm-up of at least ${budget.warmupTimeMs} ms and ${budget.warmupIterations} iterations, ` +
      `and each key type starts with ${budget.primeMs} ms of unmeasured issuing in both envelopes. ` +
      'ops/s is 1000 / mean latency; p99 is taken from the latency samples. Dates and ids come from the system clock.',
    '',
    '## Machine',
    '',
    '| | |',
    '| --- | --- |',
    `| CPU | ${machine.cpuModel} × ${machine.cpuCount} |`,
    `| Memory | ${number(machine.totalMemoryBytes / 2 ** 30, 1)} GiB |`,
    `| Node.js | ${machine.node} |`,
    `| OS | ${machine.os} |`,
    `| Date | ${machine.date} |`,
    `| Load average (1 min) at start | ${number(machine.loadAverage, 2)} |`,
    '',
    renderResults(report),
    '',
    '## Notes',
    '',
    '- Benchmarks are never asserted in tests: timings depend on the machine and its load, so these figures are a ' +
      'record of one run, not a contract.',
    '- The elm row includes the EBSI schema validation that issuing runs before signing; the edc row has none.',
    '- Each end-to-end iteration writes a credential row, so the database grows during the run, as it would in use.',
    '- Allocation runs start from empty lists, each for a fresh issuer. A list hands out at most 3/4 of its ' +
      'entries, so random probing stays at a few tries per slot; the runs here fill only a small part of one list.',
    '- SQLite has one connection per process: calls in flight in one process wait for each other, and two ' +
      "processes take the file's write lock in turn.",
    '',
  ].join('\n')
}
