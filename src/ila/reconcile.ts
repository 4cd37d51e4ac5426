/**
 * The reconciliation report: what an ILA operator paid for, what completion credentials back it, and where the
 * data shows a fraud or irregularity signal (F1-F16 of the ILA domain notes). See `docs/ila.md`.
 *
 * Everything is computed in the database, set-based, through the storage port (`ila.report.run`): this module
 * turns the aggregates into the report, assigns each signal its severity, derives rates and the monitoring
 * metrics of the Council Recommendation, and suppresses small cells for publication. Lists (matches, unmatched
 * spending and credentials, anomalies) are cut at their limits while every count stays exact, so that memory
 * stays flat whatever the number of records.
 */
import type { Clock } from '../clock.js'
import { ValidationError, type FieldProblem } from '../errors.js'
import { getTenant } from '../issuer/issuer-identity.js'
import { VOCABULARIES } from '../model/vocabularies.js'
import type {
  IlaCredentialState,
  IlaPriceCap,
  IlaRecordBucket,
  IlaReportData,
  IlaReportThresholds,
  IlaRuleResult,
  IlaSignalVariant,
  Storage,
} from '../storage/storage.js'
import { DEFAULT_THRESHOLDS, SEVERITIES, SIGNAL_CODES, SIGNALS, type AnomalySeverity } from './signals.js'

export interface ReconcileDeps {
  storage: Storage
  clock: Clock
}

/** Denominators the operator holds outside microcred, for the monitoring rates. */
export interface ReportDenominators {
  /** Accounts entitled to spend: the take-up rate's denominator. */
  eligibleAccounts?: number
  /** Accounts of the most in need (targeted tiers): their take-up rate's denominator. */
  eligibleMostInNeedAccounts?: number
}

export interface ReconcileInput {
  /** The operator's tenant; `default` when absent. */
  tenantSlug?: string
  /** One scheme (`FR-CPF` ...); all of the tenant's when absent. */
  scheme?: string
  /** Records requested on or after this date (`YYYY-MM-DD`). */
  from?: string
  /** Records requested on or before this date (`YYYY-MM-DD`). */
  to?: string
  denominators?: ReportDenominators
  /** Publish: counts from 1 to `suppressBelow - 1` become null, and record-level lists are left out. */
  suppressBelow?: number
  thresholds?: Partial<IlaReportThresholds>
  /** Price caps of capped schemes, for the price clustering signal (F8). */
  priceCaps?: IlaPriceCap[]
  /** Rows per list; default {@link DEFAULT_LIST_LIMIT}. */
  listLimit?: number
  /** Anomalies listed per code; default {@link DEFAULT_ANOMALY_LIMIT}. Every one is counted. */
  anomalyLimit?: number
}

export const DEFAULT_LIST_LIMIT = 1000
export const DEFAULT_ANOMALY_LIMIT = 100
const MAX_LIST_LIMIT = 100_000

/** A count; `null` only where small-cell suppression hid it. */
export type Count = number | null

/** Amounts of one currency, in its minor units. */
export interface AmountSummary {
  currency: string
  records: Count
  /** Agreed prices of every record in scope. */
  agreed: number | null
  /** Agreed prices of the records not refused, cancelled or expired. */
  committed: number | null
  /** Paid to providers: `paidWithCredential + paidWithoutCredential + paidNoCredentialExpected`. */
  paid: number | null
  /** Paid on records with a matched credential. */
  paidWithCredential: number | null
  /** Paid on records that expect a credential and have none matched. */
  paidWithoutCredential: number | null
  /** Paid on unmatched records whose offer expects no credential. */
  paidNoCredentialExpected: number | null
  /** Paid and not recovered where no credential backs it: `atRiskOverdue + atRiskCancelled + atRiskRevoked`. */
  atRisk: number | null
  /** ... on records whose credential is overdue. */
  atRiskOverdue: number | null
  /** ... on records refused, cancelled or expired without a matched credential. */
  atRiskCancelled: number | null
  /** ... on records whose credential (matched, or rejected though issued for the record) is revoked. */
  atRiskRevoked: number | null
  recovered: number | null
  recredited: number | null
}

export interface ReportSummary {
  records: Count
  recordsCredentialExpected: Count
  matched: Count
  matchedWithWarnings: Count
  ambiguous: Count
  unmatchedSpending: { pending: Count; overdue: Count; cancelled: Count; notExpected: Count }
  credentials: Count
  matchedCredentials: Count
  unmatchedCredentials: { noRecord: Count; ambiguous: Count; rejected: Count; notLinked: Count }
  /** Matched (credential, record) pairs. */
  matchedPairs: Count
  anomalies: { total: Count } & Record<AnomalySeverity, Count>
  amounts: AmountSummary[]
}

export interface ReportMatch {
  recordId: string
  credentialId: string
  outcome: 'MATCHED' | 'MATCHED_WITH_WARNINGS'
  checks: IlaRuleResult[]
}

export type UnmatchedSpendingReason =
  'pending' | 'overdue' | 'cancelled' | 'ambiguous' | 'no_credential_expected'

export interface UnmatchedSpending {
  recordId: string
  providerId: string
  lifecycle: string
  reason: UnmatchedSpendingReason
  /** Days since the end of training, when it ended. */
  daysSinceEnd: number | null
  currency: string
  paid: number
}

export type UnmatchedCredentialReason = 'no_record' | 'ambiguous' | 'rejected' | 'not_linked'

export interface UnmatchedCredential {
  credentialId: string
  issuer: string
  reason: UnmatchedCredentialReason
  /** Carries an ILA enrolment commitment. */
  hasCommitment: boolean
  /** Failed rule codes of its link attempt, then failed verification checks. */
  codes: string[]
}

export interface Anomaly {
  code: string
  severity: AnomalySeverity
  /** Which way the data shows the signal (see `docs/ila.md`). */
  kind: IlaSignalVariant
  recordId?: string
  credentialId?: string
  providerId?: string
  evidence: Record<string, unknown>
}

export interface AnomalyCount {
  code: string
  kind: IlaSignalVariant
  severity: AnomalySeverity
  count: Count
  /** How many of them `anomalies` lists. */
  listed: number
}

export interface ProviderStats {
  providerId: string
  currency: string
  records: Count
  credentialExpected: Count
  matched: Count
  /** `matched / credentialExpected`. */
  credentialRate: number | null
  committed: number | null
  paid: number | null
  paidWithoutCredential: number | null
  medianIssueLagDays: number | null
  ended: Count
  partialExits: Count
  /** `partialExits / ended`. */
  partialRate: number | null
  /** Anomalies naming the provider, all currencies. */
  anomalies: Count
  highAnomalies: Count
}

export interface CourseStats {
  registryId: string
  offerId: string
  currency: string
  records: Count
  credentialExpected: Count
  matched: Count
  credentialRate: number | null
  committed: number | null
  paid: number | null
  hours: number | null
  /** Agreed price per training hour, minor units. */
  avgPricePerHour: number | null
}

export interface MonitoringMetrics {
  accounts: Count
  eligibleAccounts: number | null
  /** `accounts / eligibleAccounts`. */
  takeUpRate: number | null
  accountsMostInNeed: Count
  eligibleMostInNeedAccounts: number | null
  mostInNeedTakeUpRate: number | null
  /** `validated / started`: completion validated over records in training or later. */
  completion: { started: Count; validated: Count; rate: number | null }
  /** `matched / expected`: records with a matched credential over records expecting one. */
  credential: { expected: Count; matched: Count; rate: number | null }
  /** From the end of training to the matched credential's issuance. */
  timeToCredentialDays: { pairs: Count; median: number | null; mean: number | null }
  costPerHour: Array<{
    currency: string
    hours: number | null
    agreed: number | null
    perHour: number | null
  }>
  costPerCompletion: Array<{
    currency: string
    completions: Count
    paid: number | null
    perCompletion: number | null
  }>
  /** Entitlement versus top-ups. */
  funding: Array<{ currency: string; funderType: string; lines: Count; amount: number | null }>
  /** Share of the ten largest providers (by committed amount) in the committed amounts and the records. */
  providerConcentration: Array<{
    currency: string
    providers: number
    top10CommittedShare: number | null
    top10RecordsShare: number | null
  }>
  /** High-severity anomalies per record in scope. */
  irregularity: { highAnomalies: Count; records: Count; rate: number | null }
}

export interface ReconciliationReport {
  tenant: string
  schemeId: string | null
  period: { from: string | null; to: string | null }
  generatedAt: string
  settings: {
    thresholds: IlaReportThresholds
    priceCaps: IlaPriceCap[]
    listLimit: number
    anomalyLimit: number
  }
  /** Set when small cells were suppressed for publication. */
  suppression: { below: number } | null
  summary: ReportSummary
  matches: ReportMatch[]
  unmatchedSpending: UnmatchedSpending[]
  unmatchedCredentials: UnmatchedCredential[]
  anomalyCounts: AnomalyCount[]
  anomalies: Anomaly[]
  byProvider: ProviderStats[]
  byCourse: CourseStats[]
  metrics: MonitoringMetrics
}

/** Supervision concepts that say "unsupervised, without identity verification" (F16). */
const UNSUPERVISED_CONCEPTS = VOCABULARIES['supervision-verification'].concepts
  .filter((c) => /^unsupervised without id/i.test(c.label))
  // The concept's IRI, and its short code, which some issuers write instead.
  .flatMap((c) => [c.id, c.id.slice(c.id.lastIndexOf('/') + 1)])

const DATE = /^\d{4}-\d{2}-\d{2}$/

function isDate(value: string): boolean {
  if (!DATE.test(value)) return false
  const ms = Date.parse(`${value}T00:00:00Z`)
  return Number.isFinite(ms) && new Date(ms).toISOString().slice(0, 10) === value
}

function nextDay(date: string): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10)
}

function checkInput(input: ReconcileInput): FieldProblem[] {
  const problems: FieldProblem[] = []
  for (const field of ['from', 'to'] as const) {
    const value = input[field]
    if (value !== undefined && !isDate(value)) {
      problems.push({ field, rule: 'format', message: `${field} must be a date, YYYY-MM-DD` })
    }
  }
  if (input.from !== undefined && input.to !== undefined && isDate(input.from) && isDate(input.to)) {
    if (input.to < input.from) problems.push({ field: 'to', rule: 'dateOrder', message: 'to is before from' })
  }
  if (input.scheme !== undefined && (input.scheme.trim() === '' || input.scheme.length > 200)) {
    problems.push({
      field: 'scheme',
      rule: 'pattern',
      message: 'scheme must be a scheme id (1-200 characters)',
    })
  }
  const integer = (field: string, value: number | undefined, min: number, max: number) => {
    if (value !== undefined && !(Number.isInteger(value) && value >= min && value <= max)) {
      problems.push({ field, rule: 'range', message: `${field} must be an integer from ${min} to ${max}` })
    }
  }
  integer('suppressBelow', input.suppressBelow, 1, 1_000_000)
  integer('listLimit', input.listLimit, 0, MAX_LIST_LIMIT)
  integer('anomalyLimit', input.anomalyLimit, 0, MAX_LIST_LIMIT)
  integer('eligibleAccounts', input.denominators?.eligibleAccounts, 1, Number.MAX_SAFE_INTEGER)
  integer(
    'eligibleMostInNeedAccounts',
    input.denominators?.eligibleMostInNeedAccounts,
    1,
    Number.MAX_SAFE_INTEGER,
  )
  for (const [name, value] of Object.entries(input.thresholds ?? {})) {
    if (!(name in DEFAULT_THRESHOLDS)) {
      problems.push({
        field: `thresholds/${name}`,
        rule: 'additionalProperties',
        message: `unknown threshold ${name}`,
      })
    } else if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
      problems.push({
        field: `thresholds/${name}`,
        rule: 'minimum',
        message: `${name} must be a number, 0 or more`,
      })
    }
  }
  for (const [i, cap] of (input.priceCaps ?? []).entries()) {
    if (!Number.isInteger(cap.amountMinor) || cap.amountMinor <= 0 || !/^[A-Z]{3}$/.test(cap.currency)) {
      problems.push({
        field: `priceCaps/${i}`,
        rule: 'format',
        message: 'a price cap is a scheme, an ISO 4217 currency and a positive amount in minor units',
      })
    }
  }
  return problems
}

const ratio = (part: Count, whole: Count): number | null =>
  part === null || whole === null || whole === 0 ? null : part / whole

const sumBy = <T>(rows: readonly T[], value: (row: T) => number): number =>
  rows.reduce((total, row) => total + value(row), 0)

const MATCHED: readonly IlaRecordBucket[] = ['matched', 'matched_with_warnings']

function amountsOf(data: IlaReportData): AmountSummary[] {
  const currencies = [...new Set(data.buckets.map((b) => b.currency))].sort()
  return currencies.map((currency) => {
    const rows = data.buckets.filter((b) => b.currency === currency)
    const of = (keep: (b: (typeof rows)[number]) => boolean, value: (b: (typeof rows)[number]) => number) =>
      sumBy(rows.filter(keep), value)
    const paidWithCredential = of(
      (b) => MATCHED.includes(b.bucket),
      (b) => b.paid,
    )
    const paidWithoutCredential = of(
      (b) => !MATCHED.includes(b.bucket) && b.credentialExpected,
      (b) => b.paid,
    )
    const paidNoCredentialExpected = of(
      (b) => !MATCHED.includes(b.bucket) && !b.credentialExpected,
      (b) => b.paid,
    )
    // Each record in one part at most: a revoked credential first, then an overdue or a cancelled record.
    const atRiskRevoked = of(
      (b) => b.revokedCredential && b.bucket !== 'not_expected',
      (b) => b.unrecovered,
    )
    const atRiskOverdue = of(
      (b) => b.bucket === 'overdue' && !b.revokedCredential,
      (b) => b.unrecovered,
    )
    const atRiskCancelled = of(
      (b) => b.bucket === 'cancelled' && !b.revokedCredential,
      (b) => b.unrecovered,
    )
    return {
      currency,
      records: of(
        () => true,
        (b) => b.records,
      ),
      agreed: of(
        () => true,
        (b) => b.agreed,
      ),
      committed: of(
        () => true,
        (b) => b.committed,
      ),
      paid: paidWithCredential + paidWithoutCredential + paidNoCredentialExpected,
      paidWithCredential,
      paidWithoutCredential,
      paidNoCredentialExpected,
      atRisk: atRiskOverdue + atRiskCancelled + atRiskRevoked,
      atRiskOverdue,
      atRiskCancelled,
      atRiskRevoked,
      recovered: of(
        () => true,
        (b) => b.recovered,
      ),
      recredited: of(
        () => true,
        (b) => b.recredited,
      ),
    }
  })
}

const REASONS: Record<IlaRecordBucket, UnmatchedSpendingReason> = {
  matched: 'pending',
  matched_with_warnings: 'pending',
  ambiguous: 'ambiguous',
  pending: 'pending',
  overdue: 'overdue',
  cancelled: 'cancelled',
  not_expected: 'no_credential_expected',
}

const CREDENTIAL_REASONS: Record<IlaCredentialState, UnmatchedCredentialReason> = {
  matched: 'no_record',
  matched_with_warnings: 'no_record',
  ambiguous: 'ambiguous',
  no_record: 'no_record',
  rejected: 'rejected',
  not_linked: 'not_linked',
}

/** Failed rules of a stored attempt, whatever shape of rule result it was written with. */
function failedCodes(rules: readonly IlaRuleResult[]): string[] {
  return rules
    .filter(
      (r) =>
        (r as { status?: string; result?: string }).status === 'fail' ||
        (r as { result?: string }).result === 'fail',
    )
    .map((r) => r.code)
}

const severityRank = (severity: AnomalySeverity) => SEVERITIES.indexOf(severity)

function anomaliesOf(data: IlaReportData, limit: number): { anomalies: Anomaly[]; counts: AnomalyCount[] } {
  const listed = new Map<string, Anomaly[]>()
  const rows = [...data.anomalies].sort(
    (a, b) => severityRank(SIGNALS[a.variant].severity) - severityRank(SIGNALS[b.variant].severity),
  )
  for (const row of rows) {
    const signal = SIGNALS[row.variant]
    const list = listed.get(signal.code) ?? []
    if (list.length >= limit) continue
    list.push({
      code: signal.code,
      severity: signal.severity,
      kind: row.variant,
      ...(row.recordId !== null ? { recordId: row.recordId } : {}),
      ...(row.credentialId !== null ? { credentialId: row.credentialId } : {}),
      ...(row.providerId !== null ? { providerId: row.providerId } : {}),
      evidence: evidenceOf(row.variant, row.evidence),
    })
    listed.set(signal.code, list)
  }
  const anomalies = SIGNAL_CODES.flatMap((code) => listed.get(code) ?? [])
  const counts = data.anomalyCounts
    .map((c) => ({
      code: SIGNALS[c.variant].code,
      kind: c.variant,
      severity: SIGNALS[c.variant].severity,
      count: c.count,
      listed: anomalies.filter((a) => a.kind === c.variant).length,
    }))
    .sort(
      (a, b) =>
        SIGNAL_CODES.indexOf(a.code) - SIGNAL_CODES.indexOf(b.code) ||
        severityRank(a.severity) - severityRank(b.severity) ||
        a.kind.localeCompare(b.kind),
    )
  return { anomalies, counts }
}

/** Evidence as the report shows it: an employer's reference parsed back from its stored JSON. */
function evidenceOf(
  variant: IlaSignalVariant,
  evidence: Record<string, string | number | null>,
): Record<string, unknown> {
  if (variant !== 'employer_cluster' || typeof evidence.funderRef !== 'string') return { ...evidence }
  try {
    return { ...evidence, funderRef: JSON.parse(evidence.funderRef) as unknown }
  } catch {
    return { ...evidence }
  }
}

function providerStatsOf(data: IlaReportData): ProviderStats[] {
  const anomalies = new Map<string, { all: number; high: number }>()
  for (const row of data.anomalyCountsByProvider) {
    const entry = anomalies.get(row.providerId) ?? { all: 0, high: 0 }
    entry.all += row.count
    if (SIGNALS[row.variant].severity === 'high') entry.high += row.count
    anomalies.set(row.providerId, entry)
  }
  return data.byProvider.map((p) => ({
    providerId: p.providerId,
    currency: p.currency,
    records: p.records,
    credentialExpected: p.credentialExpected,
    matched: p.matched,
    credentialRate: ratio(p.matched, p.credentialExpected),
    committed: p.committed,
    paid: p.paid,
    paidWithoutCredential: p.paidWithoutCredential,
    medianIssueLagDays: p.medianIssueLagDays,
    ended: p.ended,
    partialExits: p.partialExits,
    partialRate: ratio(p.partialExits, p.ended),
    anomalies: anomalies.get(p.providerId)?.all ?? 0,
    highAnomalies: anomalies.get(p.providerId)?.high ?? 0,
  }))
}

function courseStatsOf(data: IlaReportData): CourseStats[] {
  return data.byCourse.map((c) => ({
    registryId: c.registryId,
    offerId: c.offerId,
    currency: c.currency,
    records: c.records,
    credentialExpected: c.credentialExpected,
    matched: c.matched,
    credentialRate: ratio(c.matched, c.credentialExpected),
    committed: c.committed,
    paid: c.paid,
    hours: c.hours,
    avgPricePerHour: c.hours > 0 ? c.hoursAgreed / c.hours : null,
  }))
}

function metricsOf(
  data: IlaReportData,
  summary: ReportSummary,
  denominators: ReportDenominators,
  highAnomalies: number,
): MonitoringMetrics {
  const started = sumBy(
    data.lifecycles.filter((l) =>
      ['in_training', 'exited', 'completion_declared', 'completion_validated'].includes(l.lifecycle),
    ),
    (l) => l.records,
  )
  const validated = sumBy(
    data.lifecycles.filter((l) => l.lifecycle === 'completion_validated'),
    (l) => l.records,
  )
  const expected = sumBy(
    data.buckets.filter((b) => b.credentialExpected),
    (b) => b.records,
  )
  const matched = sumBy(
    data.buckets.filter((b) => b.credentialExpected && MATCHED.includes(b.bucket)),
    (b) => b.records,
  )
  const currencies = summary.amounts.map((a) => a.currency)
  const eligible = denominators.eligibleAccounts ?? null
  const eligibleInNeed = denominators.eligibleMostInNeedAccounts ?? null
  return {
    accounts: data.accounts,
    eligibleAccounts: eligible,
    takeUpRate: ratio(data.accounts, eligible),
    accountsMostInNeed: data.accountsMostInNeed,
    eligibleMostInNeedAccounts: eligibleInNeed,
    mostInNeedTakeUpRate: ratio(data.accountsMostInNeed, eligibleInNeed),
    completion: { started, validated, rate: ratio(validated, started) },
    credential: { expected, matched, rate: ratio(matched, expected) },
    timeToCredentialDays: {
      pairs: data.timeToCredential.pairs,
      median: data.timeToCredential.medianDays,
      mean: data.timeToCredential.meanDays,
    },
    costPerHour: currencies.map((currency) => {
      const courses = data.byCourse.filter((c) => c.currency === currency)
      const hours = sumBy(courses, (c) => c.hours)
      const agreed = sumBy(courses, (c) => c.hoursAgreed)
      return { currency, hours, agreed, perHour: hours > 0 ? agreed / hours : null }
    }),
    costPerCompletion: currencies.map((currency) => {
      const rows = data.lifecycles.filter((l) => l.currency === currency)
      const completions = sumBy(
        rows.filter((l) => l.lifecycle === 'completion_validated'),
        (l) => l.records,
      )
      const paid = sumBy(rows, (l) => l.paid)
      return { currency, completions, paid, perCompletion: completions > 0 ? paid / completions : null }
    }),
    funding: data.funding.map((f) => ({
      currency: f.currency,
      funderType: f.funderType,
      lines: f.lines,
      amount: f.amount,
    })),
    providerConcentration: currencies.map((currency) => {
      const providers = data.byProvider
        .filter((p) => p.currency === currency)
        .sort((a, b) => b.committed - a.committed || a.providerId.localeCompare(b.providerId))
      const top = providers.slice(0, 10)
      const committed = sumBy(providers, (p) => p.committed)
      const records = sumBy(providers, (p) => p.records)
      return {
        currency,
        providers: providers.length,
        top10CommittedShare: committed > 0 ? sumBy(top, (p) => p.committed) / committed : null,
        top10RecordsShare: records > 0 ? sumBy(top, (p) => p.records) / records : null,
      }
    }),
    irregularity: {
      highAnomalies,
      records: summary.records,
      rate: ratio(highAnomalies, summary.records),
    },
  }
}

/** Counts from 1 to `below - 1` become null: they could single out people. */
function suppressCount(value: Count, below: number): Count {
  return value !== null && value > 0 && value < below ? null : value
}

/**
 * The report made fit for publication: small counts hidden (and the rates and amounts computed from them),
 * record-level lists left out. Aggregates of organisations (providers, offers) stay, with their small cells hidden.
 */
export function suppressSmallCells(report: ReconciliationReport, below: number): ReconciliationReport {
  const c = (value: Count) => suppressCount(value, below)
  const s = report.summary
  const records = c(s.records)
  const amounts = s.amounts.map((a) => {
    const hidden = c(a.records) === null
    const out: AmountSummary = { ...a, records: c(a.records) }
    if (hidden) {
      for (const key of Object.keys(out) as Array<keyof AmountSummary>) {
        if (key !== 'currency') (out as unknown as Record<string, null>)[key] = null
      }
    }
    return out
  })
  const summary: ReportSummary = {
    records,
    recordsCredentialExpected: c(s.recordsCredentialExpected),
    matched: c(s.matched),
    matchedWithWarnings: c(s.matchedWithWarnings),
    ambiguous: c(s.ambiguous),
    unmatchedSpending: {
      pending: c(s.unmatchedSpending.pending),
      overdue: c(s.unmatchedSpending.overdue),
      cancelled: c(s.unmatchedSpending.cancelled),
      notExpected: c(s.unmatchedSpending.notExpected),
    },
    credentials: c(s.credentials),
    matchedCredentials: c(s.matchedCredentials),
    unmatchedCredentials: {
      noRecord: c(s.unmatchedCredentials.noRecord),
      ambiguous: c(s.unmatchedCredentials.ambiguous),
      rejected: c(s.unmatchedCredentials.rejected),
      notLinked: c(s.unmatchedCredentials.notLinked),
    },
    matchedPairs: c(s.matchedPairs),
    anomalies: {
      total: c(s.anomalies.total),
      high: c(s.anomalies.high),
      medium: c(s.anomalies.medium),
      low: c(s.anomalies.low),
      info: c(s.anomalies.info),
    },
    amounts,
  }
  const byProvider = report.byProvider.map((p): ProviderStats => {
    if (c(p.records) === null) {
      return {
        ...p,
        records: null,
        credentialExpected: null,
        matched: null,
        credentialRate: null,
        committed: null,
        paid: null,
        paidWithoutCredential: null,
        medianIssueLagDays: null,
        ended: null,
        partialExits: null,
        partialRate: null,
        anomalies: c(p.anomalies),
        highAnomalies: c(p.highAnomalies),
      }
    }
    const expected = c(p.credentialExpected)
    const matched = c(p.matched)
    const ended = c(p.ended)
    const partial = c(p.partialExits)
    return {
      ...p,
      credentialExpected: expected,
      matched,
      credentialRate: ratio(matched, expected),
      medianIssueLagDays: matched === null ? null : p.medianIssueLagDays,
      ended,
      partialExits: partial,
      partialRate: ratio(partial, ended),
      anomalies: c(p.anomalies),
      highAnomalies: c(p.highAnomalies),
    }
  })
  const byCourse = report.byCourse.map((course): CourseStats => {
    if (c(course.records) === null) {
      return {
        ...course,
        records: null,
        credentialExpected: null,
        matched: null,
        credentialRate: null,
        committed: null,
        paid: null,
        hours: null,
        avgPricePerHour: null,
      }
    }
    const expected = c(course.credentialExpected)
    const matched = c(course.matched)
    return { ...course, credentialExpected: expected, matched, credentialRate: ratio(matched, expected) }
  })
  const m = report.metrics
  const accounts = c(m.accounts)
  const inNeed = c(m.accountsMostInNeed)
  const started = c(m.completion.started)
  const validated = c(m.completion.validated)
  const expected = c(m.credential.expected)
  const matched = c(m.credential.matched)
  const pairs = c(m.timeToCredentialDays.pairs)
  const high = c(m.irregularity.highAnomalies)
  const metrics: MonitoringMetrics = {
    ...m,
    accounts,
    takeUpRate: ratio(accounts, m.eligibleAccounts),
    accountsMostInNeed: inNeed,
    mostInNeedTakeUpRate: ratio(inNeed, m.eligibleMostInNeedAccounts),
    completion: { started, validated, rate: ratio(validated, started) },
    credential: { expected, matched, rate: ratio(matched, expected) },
    timeToCredentialDays: {
      pairs,
      median: pairs === null ? null : m.timeToCredentialDays.median,
      mean: pairs === null ? null : m.timeToCredentialDays.mean,
    },
    costPerCompletion: m.costPerCompletion.map((x) => {
      const completions = c(x.completions)
      return completions === null ? { ...x, completions, paid: null, perCompletion: null } : x
    }),
    funding: m.funding.map((f) => {
      const lines = c(f.lines)
      return lines === null ? { ...f, lines, amount: null } : f
    }),
    irregularity: { highAnomalies: high, records, rate: ratio(high, records) },
  }
  return {
    ...report,
    suppression: { below },
    summary,
    matches: [],
    unmatchedSpending: [],
    unmatchedCredentials: [],
    anomalyCounts: report.anomalyCounts.map((a) => ({ ...a, count: c(a.count), listed: 0 })),
    anomalies: [],
    byProvider,
    byCourse,
    metrics,
  }
}

/**
 * Reconciles a tenant's spending records with the credentials linked to them: every scheme and the whole
 * period unless `scheme`, `from` and `to` narrow it (by the records' request date).
 *
 * @throws ValidationError for a malformed date, limit, threshold or price cap.
 * @throws NotFoundError for an unknown tenant.
 */
export async function reconcile(
  deps: ReconcileDeps,
  input: ReconcileInput = {},
): Promise<ReconciliationReport> {
  const problems = checkInput(input)
  if (problems.length > 0) throw new ValidationError('The report cannot be made as asked', problems)
  const tenant = await getTenant(deps.storage, input.tenantSlug ?? 'default')
  const now = deps.clock()
  const thresholds: IlaReportThresholds = { ...DEFAULT_THRESHOLDS, ...input.thresholds }
  const priceCaps = input.priceCaps ?? []
  const listLimit = input.listLimit ?? DEFAULT_LIST_LIMIT
  const anomalyLimit = input.anomalyLimit ?? DEFAULT_ANOMALY_LIMIT
  const data = await deps.storage.ila.report.run({
    tenantId: tenant.id,
    ...(input.scheme !== undefined ? { schemeId: input.scheme } : {}),
    ...(input.from !== undefined ? { requestedFrom: input.from } : {}),
    ...(input.to !== undefined ? { requestedBefore: nextDay(input.to) } : {}),
    today: now.toISOString().slice(0, 10),
    thresholds,
    priceCaps,
    unsupervisedConcepts: UNSUPERVISED_CONCEPTS,
    listLimit,
    anomalyLimit,
  })

  const bucketCount = (bucket: IlaRecordBucket) =>
    sumBy(
      data.buckets.filter((b) => b.bucket === bucket),
      (b) => b.records,
    )
  const credentialCount = (state: IlaCredentialState) =>
    sumBy(
      data.credentials.filter((c) => c.state === state),
      (c) => c.credentials,
    )
  const { anomalies, counts } = anomaliesOf(data, anomalyLimit)
  const bySeverity = (severity: AnomalySeverity) =>
    sumBy(
      counts.filter((c) => c.severity === severity),
      (c) => c.count ?? 0,
    )
  const summary: ReportSummary = {
    records: sumBy(data.buckets, (b) => b.records),
    recordsCredentialExpected: sumBy(
      data.buckets.filter((b) => b.credentialExpected),
      (b) => b.records,
    ),
    matched: bucketCount('matched'),
    matchedWithWarnings: bucketCount('matched_with_warnings'),
    ambiguous: bucketCount('ambiguous'),
    unmatchedSpending: {
      pending: bucketCount('pending'),
      overdue: bucketCount('overdue'),
      cancelled: bucketCount('cancelled'),
      notExpected: bucketCount('not_expected'),
    },
    credentials: sumBy(data.credentials, (c) => c.credentials),
    matchedCredentials: credentialCount('matched') + credentialCount('matched_with_warnings'),
    unmatchedCredentials: {
      noRecord: credentialCount('no_record'),
      ambiguous: credentialCount('ambiguous'),
      rejected: credentialCount('rejected'),
      notLinked: credentialCount('not_linked'),
    },
    matchedPairs: data.matchedPairs,
    anomalies: {
      total: sumBy(counts, (c) => c.count ?? 0),
      high: bySeverity('high'),
      medium: bySeverity('medium'),
      low: bySeverity('low'),
      info: bySeverity('info'),
    },
    amounts: amountsOf(data),
  }
  const report: ReconciliationReport = {
    tenant: tenant.slug,
    schemeId: input.scheme ?? null,
    period: { from: input.from ?? null, to: input.to ?? null },
    generatedAt: now.toISOString(),
    settings: { thresholds, priceCaps, listLimit, anomalyLimit },
    suppression: null,
    summary,
    matches: data.matches.map((m) => ({
      recordId: m.recordId,
      credentialId: m.credentialId,
      outcome: m.outcome === 'MATCHED' ? 'MATCHED' : 'MATCHED_WITH_WARNINGS',
      checks: m.rules,
    })),
    unmatchedSpending: data.unmatchedSpending.map((u) => ({
      recordId: u.recordId,
      providerId: u.providerId,
      lifecycle: u.lifecycle,
      reason: REASONS[u.bucket],
      daysSinceEnd: u.daysSinceEnd,
      currency: u.currency,
      paid: u.paid,
    })),
    unmatchedCredentials: data.unmatchedCredentials.map((u) => ({
      credentialId: u.credentialId,
      issuer: u.issuerDid,
      reason: CREDENTIAL_REASONS[u.state],
      hasCommitment: u.hasCommitment,
      codes: [...new Set([...failedCodes(u.rules), ...u.verificationCodes])],
    })),
    anomalyCounts: counts,
    anomalies,
    byProvider: providerStatsOf(data),
    byCourse: courseStatsOf(data),
    metrics: metricsOf(data, summary, input.denominators ?? {}, bySeverity('high')),
  }
  return input.suppressBelow !== undefined && input.suppressBelow > 1
    ? suppressSmallCells(report, input.suppressBelow)
    : report
}
