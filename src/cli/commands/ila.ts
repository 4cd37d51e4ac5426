/**
 * `ila import`: an ILA operator's provider registry, catalogue and spending records; `ila link`: linking
 * credentials to the spending records; `ila demo`: a synthetic scheme to try both on; `ila reconcile`: the
 * reconciliation report (see `docs/ila.md`).
 */
import { createReadStream } from 'node:fs'
import { open, stat, writeFile } from 'node:fs/promises'
import { basename, extname, resolve } from 'node:path'
import { UsageError, ValidationError } from '../../errors.js'
import { generateIlaDemo, ILA_DEMO_MAX_RECORDS, ILA_DEMO_MIN_RECORDS } from '../../ila/demo.js'
import { importIla } from '../../ila/import.js'
import { ILA_LINK_OUTCOMES, linkCredentials } from '../../ila/link.js'
import { readCredentialTexts } from '../../ila/read-credentials.js'
import { reconcile } from '../../ila/reconcile.js'
import { REPORT_FORMATS, renderReport, type ReportFormat } from '../../ila/render-report.js'
import { createVerifierDeps } from '../../verifier/verifier-deps.js'
import { ILA_IMPORT_KINDS, type IlaImportKind } from '../../ila/model.js'
import type { IlaFileFormat } from '../../ila/read-rows.js'
import {
  printJson,
  TENANT_HELP,
  TENANT_OPTION,
  tenantOf,
  withContext,
  type Command,
  type Values,
} from '../command.js'

const FORMATS: Record<string, IlaFileFormat> = {
  '.csv': 'csv',
  '.json': 'json',
  '.jsonl': 'jsonl',
  '.ndjson': 'jsonl',
}

/** The kind a file name suggests: `providers.json`, `catalogue.csv`, `spending-records.csv` ... */
function kindOfName(file: string): IlaImportKind | undefined {
  const name = basename(file).toLowerCase()
  if (name.includes('provider')) return 'providers'
  if (name.includes('catalog')) return 'catalogue'
  if (name.includes('record') || name.includes('spending')) return 'records'
  return undefined
}

function kindOf(values: Values, file: string): IlaImportKind {
  const given = values.kind
  if (given !== undefined) {
    if (!(ILA_IMPORT_KINDS as readonly unknown[]).includes(given)) {
      throw new UsageError(`--kind must be one of ${ILA_IMPORT_KINDS.join(', ')}`)
    }
    return given as IlaImportKind
  }
  const kind = kindOfName(file)
  if (kind === undefined) {
    throw new UsageError(
      `Cannot tell what ${file} holds from its name: give --kind ${ILA_IMPORT_KINDS.join('|')}`,
    )
  }
  return kind
}

function formatOf(values: Values, file: string): IlaFileFormat {
  const given = values.format
  if (given !== undefined) {
    if (given !== 'csv' && given !== 'json' && given !== 'jsonl') {
      throw new UsageError('--format must be csv, json or jsonl')
    }
    return given
  }
  const format = FORMATS[extname(file).toLowerCase()]
  if (format === undefined) {
    throw new UsageError(
      `Cannot tell the format of ${file} from its extension (.csv, .json, .jsonl, .ndjson): give --format`,
    )
  }
  return format
}

/** The file's path; a missing or unreadable file is refused input. */
async function readableFile(cwd: string, file: string): Promise<string> {
  const path = resolve(cwd, file)
  let reason: string | undefined
  try {
    if (!(await stat(path)).isFile()) reason = 'not a file'
  } catch (cause) {
    reason = (cause as NodeJS.ErrnoException).code ?? 'unreadable'
  }
  if (reason !== undefined) {
    throw new ValidationError(`Cannot read ${file}`, [
      { field: 'file', rule: 'readable', message: `${file}: ${reason}` },
    ])
  }
  return path
}

export const ilaImportCommand: Command = {
  path: ['ila', 'import'],
  summary:
    'Imports ILA providers, catalogue entries or spending records (CSV, JSON array or JSON lines), upserting by id. ' +
    'A file with an invalid row is refused whole (exit 1, problems on stderr) unless --partial; the report goes to stdout.',
  usage:
    '<file> [--kind records|providers|catalogue] [--format csv|json|jsonl] [--partial] [--tenant <slug>]',
  options: {
    ...TENANT_OPTION,
    kind: { type: 'string' },
    format: { type: 'string' },
    partial: { type: 'boolean' },
  },
  help: {
    tenant: TENANT_HELP,
    kind: 'what the file holds (default: from its name: provider…, catalog…, …record… or spending…)',
    format: 'csv, json (an array) or jsonl (default: from the extension)',
    partial: 'import the valid rows and list the rejected ones, instead of refusing the file',
  },
  positionals: { min: 1, max: 1 },
  async run(env, values, positionals) {
    const file = positionals[0] as string
    const kind = kindOf(values, file)
    const format = formatOf(values, file)
    const path = await readableFile(env.cwd, file)
    return withContext(env, async (ctx) => {
      const source = createReadStream(path)
      try {
        const report = await importIla(ctx, {
          tenantSlug: tenantOf(values),
          kind,
          format,
          source,
          partial: values.partial === true,
        })
        env.io.err(
          `Imported ${report.imported} of ${report.totalRows} ${kind} rows (${report.inserted} new, ` +
            `${report.updated} updated${report.rejected > 0 ? `, ${report.rejected} rejected` : ''})\n`,
        )
        printJson(env.io, report)
        return 0
      } finally {
        source.destroy()
      }
    })
  },
}

/** Results are written to `--out` in pieces of this size, not a line at a time. */
const OUT_BUFFER = 64 * 1024

export const ilaLinkCommand: Command = {
  path: ['ila', 'link'],
  summary:
    'Links credentials (a credential file, JSON lines, or - for standard input) to ILA spending records, ' +
    'checking rules L0-L10, and stores each result. The counts per outcome go to stdout; with --out, each ' +
    "credential's result as a JSON line.",
  usage: '<file | -> [--out <results.jsonl>] [--tenant <slug>]',
  options: { ...TENANT_OPTION, out: { type: 'string' } },
  help: {
    tenant: TENANT_HELP,
    out: "write each credential's result (outcome, record, rules) to this file, one JSON line each",
  },
  positionals: { min: 1, max: 1 },
  async run(env, values, positionals) {
    const file = positionals[0] as string
    if (file === '-' && env.io.stdin === undefined) {
      throw new UsageError('Standard input is not available here; give a file')
    }
    const stream = file === '-' ? undefined : createReadStream(await readableFile(env.cwd, file))
    const source = stream ?? (env.io.stdin as () => AsyncIterable<Buffer | string>)()
    const outFile = typeof values.out === 'string' ? values.out : undefined
    let out: Awaited<ReturnType<typeof open>> | undefined
    try {
      if (outFile !== undefined) {
        try {
          out = await open(resolve(env.cwd, outFile), 'w')
        } catch (cause) {
          const reason = (cause as NodeJS.ErrnoException).code ?? 'unwritable'
          throw new ValidationError(`Cannot write ${outFile}`, [
            { field: '--out', rule: 'writable', message: `${outFile}: ${reason}` },
          ])
        }
      }
      const handle = out
      return await withContext(env, async (ctx) => {
        const run = linkCredentials(
          { storage: ctx.storage, clock: ctx.clock, verifier: createVerifierDeps(ctx) },
          { tenantSlug: tenantOf(values), credentials: readCredentialTexts(source) },
        )
        let pending = ''
        let next = await run.next()
        while (!next.done) {
          if (handle !== undefined) {
            pending += `${JSON.stringify(next.value)}\n`
            if (pending.length >= OUT_BUFFER) {
              await handle.write(pending)
              pending = ''
            }
          }
          next = await run.next()
        }
        if (handle !== undefined && pending !== '') await handle.write(pending)
        const summary = next.value
        const counts = ILA_LINK_OUTCOMES.filter((o) => summary.outcomes[o] > 0).map(
          (o) => `${summary.outcomes[o]} ${o}`,
        )
        env.io.err(`Linked ${summary.total} credentials: ${counts.join(', ')}\n`)
        printJson(env.io, summary)
        return 0
      })
    } finally {
      await out?.close()
      stream?.destroy()
    }
  },
}

/** A whole-number flag, or undefined when absent; anything else is a usage error. */
function wholeNumber(values: Values, name: string): number | undefined {
  const text = values[name]
  if (text === undefined) return undefined
  if (typeof text !== 'string' || !/^\d{1,10}$/.test(text))
    throw new UsageError(`--${name} must be a whole number`)
  return Number(text)
}

const DEMO_USAGE = '--records <n> --out <dir> [--seed <s>]'

export const ilaDemoCommand: Command = {
  path: ['ila', 'demo'],
  summary:
    'Generates a synthetic ILA scheme in this home: a tenant per provider, each with its own did:key issuer, ' +
    "that issues its learners' credentials, and the operator's files to import and link, with planted anomalies " +
    'listed in answer-key.json. The counts and file paths go to stdout.',
  usage: DEMO_USAGE,
  options: { records: { type: 'string' }, out: { type: 'string' }, seed: { type: 'string' } },
  help: {
    records: `spending records to generate, ${ILA_DEMO_MIN_RECORDS} to ${ILA_DEMO_MAX_RECORDS}`,
    out: 'folder for providers.json, catalogue.json, spending-records.csv, credentials.jsonl and answer-key.json',
    seed: 'seed of every random draw (default 1): a seed gives the same records, ids and answer key',
  },
  async run(env, values) {
    const records = wholeNumber(values, 'records')
    const out = values.out
    if (records === undefined || typeof out !== 'string') {
      throw new UsageError(`Usage: microcred ila demo ${DEMO_USAGE}`)
    }
    const seed = wholeNumber(values, 'seed')
    return withContext(env, async (ctx) => {
      const demo = await generateIlaDemo(ctx, {
        records,
        outDir: resolve(env.cwd, out),
        ...(seed === undefined ? {} : { seed }),
      })
      const { counts, files } = demo
      env.io.err(
        `Generated ${counts.records} spending records and ${counts.credentials} credentials of ` +
          `${counts.providers} providers, with ${counts.planted} planted anomalies (seed ${demo.seed})\n` +
          `Next: microcred ila import ${files.providers}; microcred ila import ${files.catalogue}; ` +
          `microcred ila import ${files.records}; microcred ila link ${files.credentials}\n`,
      )
      printJson(env.io, demo)
      return 0
    })
  },
}

const RECONCILE_USAGE =
  '[--scheme <id>] [--from <date>] [--to <date>] [--format json|csv|html] [--out <file>] [--suppress-below <k>] ' +
  '[--eligible-accounts <n>] [--eligible-most-in-need <n>] [--limit <n>] [--tenant <slug>]'

export const ilaReconcileCommand: Command = {
  path: ['ila', 'reconcile'],
  summary:
    'Reconciles spending records with the credentials linked to them: amounts, matches, unmatched spending and ' +
    'credentials, anomalies (F1-F16), statistics per provider and course, monitoring metrics. The report goes ' +
    'to stdout or --out, a summary line to stderr.',
  usage: RECONCILE_USAGE,
  options: {
    ...TENANT_OPTION,
    scheme: { type: 'string' },
    from: { type: 'string' },
    to: { type: 'string' },
    format: { type: 'string' },
    out: { type: 'string' },
    'suppress-below': { type: 'string' },
    'eligible-accounts': { type: 'string' },
    'eligible-most-in-need': { type: 'string' },
    limit: { type: 'string' },
  },
  help: {
    tenant: TENANT_HELP,
    scheme: 'one scheme (FR-CPF ...); every scheme by default',
    from: 'records requested on or after this date (YYYY-MM-DD)',
    to: 'records requested on or before this date (YYYY-MM-DD)',
    format: 'json (default), csv (one section per table) or html (a standalone page)',
    out: 'write the report to this file (readable by its owner only) instead of stdout',
    'suppress-below': 'for publication: hide counts below this, and leave record-level lists out',
    'eligible-accounts': "accounts entitled to spend: the take-up rate's denominator",
    'eligible-most-in-need': "accounts of the most in need: their take-up rate's denominator",
    limit: 'rows per list and anomalies per code (default 1000 and 100)',
  },
  async run(env, values) {
    const format = (values.format ?? 'json') as ReportFormat
    if (!REPORT_FORMATS.includes(format))
      throw new UsageError(`--format must be ${REPORT_FORMATS.join(', ')}`)
    const text = (name: string) => (typeof values[name] === 'string' ? (values[name] as string) : undefined)
    const suppressBelow = wholeNumber(values, 'suppress-below')
    const eligibleAccounts = wholeNumber(values, 'eligible-accounts')
    const eligibleMostInNeedAccounts = wholeNumber(values, 'eligible-most-in-need')
    const limit = wholeNumber(values, 'limit')
    const scheme = text('scheme')
    const from = text('from')
    const to = text('to')
    const out = text('out')
    return withContext(env, async (ctx) => {
      const report = await reconcile(ctx, {
        tenantSlug: tenantOf(values),
        ...(scheme !== undefined ? { scheme } : {}),
        ...(from !== undefined ? { from } : {}),
        ...(to !== undefined ? { to } : {}),
        ...(suppressBelow !== undefined ? { suppressBelow } : {}),
        ...(limit !== undefined ? { listLimit: limit, anomalyLimit: limit } : {}),
        denominators: {
          ...(eligibleAccounts !== undefined ? { eligibleAccounts } : {}),
          ...(eligibleMostInNeedAccounts !== undefined ? { eligibleMostInNeedAccounts } : {}),
        },
      })
      const rendered = renderReport(report, format)
      if (out === undefined) env.io.out(rendered)
      else {
        try {
          // Owner-only: record ids are pseudonymous, but still personal data.
          await writeFile(resolve(env.cwd, out), rendered, { mode: 0o600 })
        } catch (cause) {
          const reason = (cause as NodeJS.ErrnoException).code ?? 'unwritable'
          throw new ValidationError(`Cannot write ${out}`, [
            { field: '--out', rule: 'writable', message: `${out}: ${reason}` },
          ])
        }
      }
      const { summary } = report
      const count = (n: number | null) => (n === null ? `<${report.suppression?.below ?? ''}` : String(n))
      env.io.err(
        `Reconciled ${count(summary.records)} spending records: ${count(summary.matched)} matched, ` +
          `${count(summary.matchedWithWarnings)} with warnings, ${count(summary.unmatchedSpending.overdue)} overdue; ` +
          `${count(summary.anomalies.total)} anomalies (${count(summary.anomalies.high)} high)` +
          `${out === undefined ? '' : `; written to ${out}`}\n`,
      )
      return 0
    })
  },
}
