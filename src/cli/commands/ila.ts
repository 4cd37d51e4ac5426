/** `ila import`: an ILA operator's provider registry, catalogue and spending records (see `docs/ila.md`). */
import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import { basename, extname, resolve } from 'node:path'
import { UsageError, ValidationError } from '../../errors.js'
import { importIla } from '../../ila/import.js'
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
