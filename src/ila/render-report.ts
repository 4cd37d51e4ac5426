/**
 * The reconciliation report as JSON, as CSV (one section per table in one text, see `docs/ila.md`) and as a
 * standalone HTML page (no script, no external asset, every value escaped).
 */
import type { ReconciliationReport } from './reconcile.js'
import { SIGNALS } from './signals.js'

export const REPORT_FORMATS = ['json', 'csv', 'html'] as const
export type ReportFormat = (typeof REPORT_FORMATS)[number]

/** The media type of each format. */
export const REPORT_MEDIA_TYPES: Readonly<Record<ReportFormat, string>> = {
  json: 'application/json',
  csv: 'text/csv; charset=utf-8',
  html: 'text/html; charset=utf-8',
}

type Cell = string | number | boolean | null | undefined

/** One table of the report: its name (the CSV section), columns and rows. */
interface Table {
  name: string
  title: string
  columns: Array<{ key: string; label: string; kind?: 'count' | 'amount' | 'rate' | 'json' }>
  rows: Array<Record<string, Cell | unknown>>
  /** For amounts: the currency of a row. */
  currencyOf?: (row: Record<string, unknown>) => string | undefined
}

const count = (key: string, label: string) => ({ key, label, kind: 'count' as const })
const amount = (key: string, label: string) => ({ key, label, kind: 'amount' as const })
const rate = (key: string, label: string) => ({ key, label, kind: 'rate' as const })
const text = (key: string, label: string) => ({ key, label })

function tables(report: ReconciliationReport): Table[] {
  const s = report.summary
  const m = report.metrics
  const byCurrency = (row: Record<string, unknown>) => row.currency as string | undefined
  return [
    {
      name: 'report',
      title: 'Report',
      columns: [text('field', 'field'), text('value', 'value')],
      rows: [
        { field: 'tenant', value: report.tenant },
        { field: 'scheme', value: report.schemeId },
        { field: 'from', value: report.period.from },
        { field: 'to', value: report.period.to },
        { field: 'generatedAt', value: report.generatedAt },
        { field: 'suppressBelow', value: report.suppression?.below ?? null },
        { field: 'listLimit', value: report.settings.listLimit },
        { field: 'anomalyLimit', value: report.settings.anomalyLimit },
      ],
    },
    {
      name: 'summary',
      title: 'Summary',
      columns: [text('metric', 'metric'), count('value', 'value')],
      rows: [
        ['records', s.records],
        ['recordsCredentialExpected', s.recordsCredentialExpected],
        ['matched', s.matched],
        ['matchedWithWarnings', s.matchedWithWarnings],
        ['ambiguous', s.ambiguous],
        ['unmatchedSpending.pending', s.unmatchedSpending.pending],
        ['unmatchedSpending.overdue', s.unmatchedSpending.overdue],
        ['unmatchedSpending.cancelled', s.unmatchedSpending.cancelled],
        ['unmatchedSpending.notExpected', s.unmatchedSpending.notExpected],
        ['credentials', s.credentials],
        ['matchedCredentials', s.matchedCredentials],
        ['unmatchedCredentials.noRecord', s.unmatchedCredentials.noRecord],
        ['unmatchedCredentials.ambiguous', s.unmatchedCredentials.ambiguous],
        ['unmatchedCredentials.rejected', s.unmatchedCredentials.rejected],
        ['unmatchedCredentials.notLinked', s.unmatchedCredentials.notLinked],
        ['matchedPairs', s.matchedPairs],
        ['anomalies.total', s.anomalies.total],
        ['anomalies.high', s.anomalies.high],
        ['anomalies.medium', s.anomalies.medium],
        ['anomalies.low', s.anomalies.low],
        ['anomalies.info', s.anomalies.info],
      ].map(([metric, value]) => ({ metric, value })),
    },
    {
      name: 'amounts',
      title: 'Amounts',
      currencyOf: byCurrency,
      columns: [
        text('currency', 'currency'),
        count('records', 'records'),
        amount('agreed', 'agreed'),
        amount('committed', 'committed'),
        amount('paid', 'paid'),
        amount('paidWithCredential', 'paid with credential'),
        amount('paidWithoutCredential', 'paid without credential'),
        amount('paidNoCredentialExpected', 'paid, no credential expected'),
        amount('atRisk', 'at risk'),
        amount('atRiskOverdue', 'at risk: overdue'),
        amount('atRiskCancelled', 'at risk: cancelled'),
        amount('atRiskRevoked', 'at risk: revoked'),
        amount('recovered', 'recovered'),
        amount('recredited', 'recredited'),
      ],
      rows: s.amounts as unknown as Array<Record<string, unknown>>,
    },
    {
      name: 'anomaly_counts',
      title: 'Anomalies by signal',
      columns: [
        text('code', 'code'),
        text('severity', 'severity'),
        text('kind', 'kind'),
        text('title', 'signal'),
        count('count', 'count'),
        text('listed', 'listed'),
      ],
      rows: report.anomalyCounts.map((a) => ({ ...a, title: SIGNALS[a.kind].title })),
    },
    {
      name: 'anomalies',
      title: 'Anomalies',
      columns: [
        text('code', 'code'),
        text('severity', 'severity'),
        text('kind', 'kind'),
        text('recordId', 'record'),
        text('credentialId', 'credential'),
        text('providerId', 'provider'),
        { key: 'evidence', label: 'evidence', kind: 'json' },
      ],
      rows: report.anomalies as unknown as Array<Record<string, unknown>>,
    },
    {
      name: 'matches',
      title: 'Matches',
      columns: [
        text('recordId', 'record'),
        text('credentialId', 'credential'),
        text('outcome', 'outcome'),
        { key: 'checks', label: 'checks', kind: 'json' },
      ],
      rows: report.matches as unknown as Array<Record<string, unknown>>,
    },
    {
      name: 'unmatched_spending',
      title: 'Unmatched spending',
      currencyOf: byCurrency,
      columns: [
        text('recordId', 'record'),
        text('providerId', 'provider'),
        text('lifecycle', 'lifecycle'),
        text('reason', 'reason'),
        text('daysSinceEnd', 'days since end'),
        text('currency', 'currency'),
        amount('paid', 'paid'),
      ],
      rows: report.unmatchedSpending as unknown as Array<Record<string, unknown>>,
    },
    {
      name: 'unmatched_credentials',
      title: 'Unmatched credentials',
      columns: [
        text('credentialId', 'credential'),
        text('issuer', 'issuer'),
        text('reason', 'reason'),
        text('hasCommitment', 'link commitment'),
        text('codes', 'codes'),
      ],
      rows: report.unmatchedCredentials.map((u) => ({ ...u, codes: u.codes.join(' ') })),
    },
    {
      name: 'by_provider',
      title: 'By provider',
      currencyOf: byCurrency,
      columns: [
        text('providerId', 'provider'),
        text('currency', 'currency'),
        count('records', 'records'),
        count('credentialExpected', 'credential expected'),
        count('matched', 'matched'),
        rate('credentialRate', 'credential rate'),
        amount('committed', 'committed'),
        amount('paid', 'paid'),
        amount('paidWithoutCredential', 'paid without credential'),
        text('medianIssueLagDays', 'median issue lag (days)'),
        count('ended', 'ended'),
        count('partialExits', 'partial exits'),
        rate('partialRate', 'partial rate'),
        count('anomalies', 'anomalies'),
        count('highAnomalies', 'high'),
      ],
      rows: report.byProvider as unknown as Array<Record<string, unknown>>,
    },
    {
      name: 'by_course',
      title: 'By course',
      currencyOf: byCurrency,
      columns: [
        text('registryId', 'registry'),
        text('offerId', 'offer'),
        text('currency', 'currency'),
        count('records', 'records'),
        count('credentialExpected', 'credential expected'),
        count('matched', 'matched'),
        rate('credentialRate', 'credential rate'),
        amount('committed', 'committed'),
        amount('paid', 'paid'),
        text('hours', 'hours'),
        amount('avgPricePerHour', 'price per hour'),
      ],
      rows: report.byCourse as unknown as Array<Record<string, unknown>>,
    },
    {
      name: 'metrics',
      title: 'Monitoring metrics',
      columns: [text('metric', 'metric'), text('currency', 'currency'), text('value', 'value')],
      rows: [
        ['accounts', null, m.accounts],
        ['eligibleAccounts', null, m.eligibleAccounts],
        ['takeUpRate', null, m.takeUpRate],
        ['accountsMostInNeed', null, m.accountsMostInNeed],
        ['eligibleMostInNeedAccounts', null, m.eligibleMostInNeedAccounts],
        ['mostInNeedTakeUpRate', null, m.mostInNeedTakeUpRate],
        ['completion.started', null, m.completion.started],
        ['completion.validated', null, m.completion.validated],
        ['completion.rate', null, m.completion.rate],
        ['credential.expected', null, m.credential.expected],
        ['credential.matched', null, m.credential.matched],
        ['credential.rate', null, m.credential.rate],
        ['timeToCredentialDays.pairs', null, m.timeToCredentialDays.pairs],
        ['timeToCredentialDays.median', null, m.timeToCredentialDays.median],
        ['timeToCredentialDays.mean', null, m.timeToCredentialDays.mean],
        ...m.costPerHour.flatMap((c) => [
          ['costPerHour.hours', c.currency, c.hours],
          ['costPerHour.agreed', c.currency, c.agreed],
          ['costPerHour.perHour', c.currency, c.perHour],
        ]),
        ...m.costPerCompletion.flatMap((c) => [
          ['costPerCompletion.completions', c.currency, c.completions],
          ['costPerCompletion.paid', c.currency, c.paid],
          ['costPerCompletion.perCompletion', c.currency, c.perCompletion],
        ]),
        ...m.providerConcentration.flatMap((c) => [
          ['providerConcentration.providers', c.currency, c.providers],
          ['providerConcentration.top10CommittedShare', c.currency, c.top10CommittedShare],
          ['providerConcentration.top10RecordsShare', c.currency, c.top10RecordsShare],
        ]),
        ['irregularity.highAnomalies', null, m.irregularity.highAnomalies],
        ['irregularity.records', null, m.irregularity.records],
        ['irregularity.rate', null, m.irregularity.rate],
      ].map(([metric, currency, value]) => ({ metric, currency, value })),
    },
    {
      name: 'funding',
      title: 'Funding by funder type',
      currencyOf: byCurrency,
      columns: [
        text('currency', 'currency'),
        text('funderType', 'funder type'),
        count('lines', 'lines'),
        amount('amount', 'amount'),
      ],
      rows: m.funding as unknown as Array<Record<string, unknown>>,
    },
  ]
}

// --- CSV ----------------------------------------------------------------------------------------------

/**
 * One CSV cell (RFC 4180). Text that a spreadsheet would run as a formula (starting with `=`, `+`, `-`, `@`, a tab
 * or a carriage return) is prefixed with `'`: ids and evidence come from operators' and providers' data.
 */
function csvCell(value: unknown): string {
  if (value === null || value === undefined) return ''
  let out =
    typeof value === 'string' ? value : typeof value === 'object' ? JSON.stringify(value) : String(value)
  if (typeof value !== 'number' && /^[=+\-@\t\r]/.test(out)) out = `'${out}`
  return /[",\r\n]/.test(out) ? `"${out.replace(/"/g, '""')}"` : out
}

/**
 * The report as CSV: for each table a line `# <name>`, a header line, its rows, then an empty line. Amounts are in
 * minor units; an empty cell is null (not applicable, or hidden by suppression).
 */
export function reportToCsv(report: ReconciliationReport): string {
  const lines: string[] = []
  for (const table of tables(report)) {
    lines.push(`# ${table.name}`, table.columns.map((c) => csvCell(c.key)).join(','))
    for (const row of table.rows) lines.push(table.columns.map((c) => csvCell(row[c.key])).join(','))
    lines.push('')
  }
  return `${lines.join('\r\n')}\r\n`
}

// --- JSON ---------------------------------------------------------------------------------------------

export function reportToJson(report: ReconciliationReport): string {
  return `${JSON.stringify(report, null, 2)}\n`
}

// --- HTML ---------------------------------------------------------------------------------------------

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
}

/** Text for HTML content or a quoted attribute. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] as string)
}

/** Digits after the decimal point of a currency (2 for EUR, 0 for JPY); 2 when the code is unknown. */
function minorDigits(currency: string): number {
  try {
    return (
      new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ??
      2
    )
  } catch {
    return 2
  }
}

function formatAmount(minor: number, currency: string | undefined): string {
  const digits = currency === undefined ? 2 : minorDigits(currency)
  const major = minor / 10 ** digits
  const formatted = major.toLocaleString('en-US', {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  })
  return currency === undefined ? formatted : `${formatted} ${currency}`
}

function htmlCell(
  value: unknown,
  kind: Table['columns'][number]['kind'],
  currency: string | undefined,
  suppressBelow: number | undefined,
): string {
  if (value === null || value === undefined) {
    const hidden = suppressBelow !== undefined && (kind === 'count' || kind === 'amount' || kind === 'rate')
    return hidden ? `<span class="muted">&lt; ${suppressBelow}</span>` : '<span class="muted">–</span>'
  }
  if (kind === 'amount' && typeof value === 'number') return escapeHtml(formatAmount(value, currency))
  if (kind === 'rate' && typeof value === 'number') return `${(value * 100).toFixed(1)} %`
  if (kind === 'json') {
    if (Array.isArray(value)) {
      return value
        .map((v) => {
          const check = v as { rule?: string; code?: string; status?: string; result?: string }
          return escapeHtml(`${check.code ?? check.rule ?? '?'}: ${check.status ?? check.result ?? '?'}`)
        })
        .join('<br>')
    }
    return Object.entries(value as Record<string, unknown>)
      .map(([k, v]) => `${escapeHtml(k)}: ${escapeHtml(typeof v === 'string' ? v : JSON.stringify(v))}`)
      .join('<br>')
  }
  if (typeof value === 'number')
    return escapeHtml(value.toLocaleString('en-US', { maximumFractionDigits: 2 }))
  return escapeHtml(String(value))
}

const STYLE = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:2rem auto;max-width:1200px;padding:0 1rem;color:#1b1f24}
h1{font-size:1.5rem;margin-bottom:.25rem}h2{font-size:1.15rem;margin-top:2rem;border-bottom:1px solid #d0d7de;padding-bottom:.25rem}
.meta{color:#57606a}.muted{color:#8c959f}
.cards{display:flex;flex-wrap:wrap;gap:.75rem;margin:1rem 0}.card{border:1px solid #d0d7de;border-radius:6px;padding:.5rem .75rem;min-width:9rem}
.card b{display:block;font-size:1.3rem}
table{border-collapse:collapse;width:100%;margin:.5rem 0;font-size:13px}th,td{border:1px solid #d0d7de;padding:.25rem .5rem;text-align:left;vertical-align:top}
th{background:#f6f8fa}td.n{text-align:right;font-variant-numeric:tabular-nums}
.sev-high{color:#a40e26;font-weight:600}.sev-medium{color:#9a6700;font-weight:600}.sev-low{color:#0969da}
`

function htmlTable(table: Table, suppressBelow: number | undefined): string {
  if (table.rows.length === 0) return '<p class="muted">None.</p>'
  const head = table.columns.map((c) => `<th>${escapeHtml(c.label)}</th>`).join('')
  const body = table.rows
    .map((row) => {
      const currency = table.currencyOf?.(row as Record<string, unknown>)
      const cells = table.columns.map((c) => {
        const value = row[c.key]
        const numeric =
          typeof value === 'number' || c.kind === 'count' || c.kind === 'amount' || c.kind === 'rate'
        const severity =
          c.key === 'severity' && typeof value === 'string' ? ` class="sev-${escapeHtml(value)}"` : ''
        return `<td${numeric ? ' class="n"' : severity}>${htmlCell(value, c.kind, currency, suppressBelow)}</td>`
      })
      return `<tr>${cells.join('')}</tr>`
    })
    .join('\n')
  return `<table><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table>`
}

/** The report as a standalone HTML page. */
export function reportToHtml(report: ReconciliationReport): string {
  const suppressBelow = report.suppression?.below
  const s = report.summary
  const all = tables(report)
  const card = (label: string, value: unknown, kind: 'count' | 'amount' = 'count', currency?: string) =>
    `<div class="card">${escapeHtml(label)}<b>${htmlCell(value, kind, currency, suppressBelow)}</b></div>`
  const scope = [
    report.schemeId === null ? 'all schemes' : `scheme ${report.schemeId}`,
    report.period.from === null && report.period.to === null
      ? 'the whole period'
      : `requested ${report.period.from ?? '…'} to ${report.period.to ?? '…'}`,
  ].join(', ')
  const sections = all
    .filter((t) => t.name !== 'report')
    .map((t) => {
      const note =
        t.name === 'anomalies' || t.name === 'matches' || t.name.startsWith('unmatched_')
          ? `<p class="muted">${
              suppressBelow !== undefined
                ? 'Record-level rows are left out of a report published with small-cell suppression.'
                : `The first ${t.name === 'anomalies' ? `${report.settings.anomalyLimit} per code` : report.settings.listLimit}; the summary counts them all.`
            }</p>`
          : ''
      return `<h2 id="${escapeHtml(t.name)}">${escapeHtml(t.title)}</h2>\n${note}\n${htmlTable(t, suppressBelow)}`
    })
  const cards = [
    card('Records', s.records),
    card('Matched', s.matched),
    card('Matched with warnings', s.matchedWithWarnings),
    card('Overdue', s.unmatchedSpending.overdue),
    card('Anomalies', s.anomalies.total),
    card('High', s.anomalies.high),
    ...s.amounts.flatMap((a) => [
      card(`Paid (${a.currency})`, a.paid, 'amount', a.currency),
      card(`Paid without credential (${a.currency})`, a.paidWithoutCredential, 'amount', a.currency),
      card(`At risk (${a.currency})`, a.atRisk, 'amount', a.currency),
    ]),
  ]
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(`ILA reconciliation report: ${report.tenant}`)}</title>`,
    `<style>${STYLE}</style>`,
    '</head>',
    '<body>',
    `<h1>${escapeHtml(`ILA reconciliation report: ${report.tenant}`)}</h1>`,
    `<p class="meta">${escapeHtml(`${scope}. Generated ${report.generatedAt}.`)}${
      suppressBelow !== undefined ? escapeHtml(` Counts below ${suppressBelow} are suppressed.`) : ''
    }</p>`,
    `<div class="cards">${cards.join('')}</div>`,
    ...sections,
    '</body>',
    '</html>',
    '',
  ].join('\n')
}

/** The report in `format`. */
export function renderReport(report: ReconciliationReport, format: ReportFormat): string {
  if (format === 'csv') return reportToCsv(report)
  if (format === 'html') return reportToHtml(report)
  return reportToJson(report)
}
