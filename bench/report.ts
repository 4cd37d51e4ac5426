/** The benchmark write-up: machine description, result tables and an interpretation computed from them. */
import { readFileSync } from 'node:fs'
import os from 'node:os'
import { ROWS, type BenchBudget, type CohortResult, type KeyTypeResult, type Measurement, type RowId } from './issue.bench.js'

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
    lines.push(`| ${row.label} | ${ops(m.opsPerSecond)} | ${ms(m.meanMs)} | ${ms(m.p99Ms)} | ${m.samples} | ${floor} |`)
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
    const others = [mean(r, 'build-edc'), mean(r, 'floor-di') - canonize, mean(r, 'issue-edc') - mean(r, 'floor-di')]
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
    .map((r, i) => `${times(mean(r, 'issue-edc'), mean(r, 'floor-di'))}${i === 0 ? ' the floor' : ''} with ${r.keyType}`)
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
    '# Issue throughput benchmarks',
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
    '',
    '## How to run',
    '',
    '```sh',
    'npm run bench',
    '```',
    '',
    'The run creates a temporary home folder (SQLite file and key files under the OS temp directory), sets up one ' +
      'tenant per key type the way `microcred init` does (did:key issuer, development profile), and deletes the ' +
      `folder at the end. This run took ${seconds(report.runMs)} s.`,
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
    '',
  ].join('\n')
}
