/**
 * Reading ILA files row by row: CSV (one item per line, columns named by the item's field paths), JSON lines
 * (one item per line) or a JSON array (one item per element). Rows are yielded as they arrive, so a file of a
 * million records is read in constant memory; a row that cannot be read becomes a row with problems, while a
 * file that cannot be read at all (bad CSV header, malformed CSV, not an array) is a ValidationError.
 */
import { createInterface } from 'node:readline'
import { Readable } from 'node:stream'
import { parse, CsvError } from 'csv-parse'
import { ValidationError, type FieldProblem } from '../errors.js'
import { exceedsJsonDepth } from '../lib/json-depth.js'
import type { IlaImportKind } from './model.js'

export type IlaFileFormat = 'csv' | 'json' | 'jsonl'

/** One data row: the item it holds, or why it could not be read. */
export interface IlaInputRow {
  /** 1-based among data rows (a CSV header is not counted) or array elements. */
  rowNumber: number
  item?: Record<string, unknown>
  problems?: FieldProblem[]
}

/** How a CSV cell is read: as text, a number, a boolean, or JSON (lists and objects). */
export type IlaCsvCellType = 'string' | 'integer' | 'number' | 'boolean' | 'json'

export interface IlaCsvColumn {
  /** The field path with dots: `agreedPrice.amountMinor` is `{"agreedPrice": {"amountMinor": …}}`. */
  name: string
  type: IlaCsvCellType
  /** The header must have it (the field is required). */
  required?: boolean
}

const money = (name: string, required = false): IlaCsvColumn[] => [
  { name: `${name}.amountMinor`, type: 'integer', required },
  { name: `${name}.currency`, type: 'string', required },
]

const dates = (names: string[], required = false): IlaCsvColumn[] =>
  names.map((name) => ({ name, type: 'string', required }))

/** The CSV columns of each kind, in the order `ilaCsvHeader` writes them. */
export const ILA_CSV_COLUMNS: Readonly<Record<IlaImportKind, readonly IlaCsvColumn[]>> = {
  providers: [
    { name: 'providerId', type: 'string', required: true },
    { name: 'legalIds', type: 'json', required: true },
    { name: 'issuerKeys', type: 'json', required: true },
    { name: 'accreditations', type: 'json', required: true },
    { name: 'awardingBodyFor', type: 'json' },
    { name: 'habilitations', type: 'json' },
  ],
  catalogue: [
    { name: 'registryId', type: 'string', required: true },
    { name: 'offerId', type: 'string', required: true },
    { name: 'version', type: 'string' },
    { name: 'providerId', type: 'string', required: true },
    { name: 'certificationCode', type: 'string' },
    { name: 'credentialExpected', type: 'boolean', required: true },
    { name: 'achievementIds', type: 'json' },
    { name: 'plannedHours', type: 'number' },
    { name: 'ectsCredits', type: 'number' },
    { name: 'eqfLevel', type: 'integer' },
    { name: 'modality', type: 'string' },
    ...money('listPrice'),
    ...dates(['eligibleFrom'], true),
    ...dates(['eligibleUntil']),
  ],
  records: [
    { name: 'recordId', type: 'string', required: true },
    { name: 'schemeId', type: 'string', required: true },
    { name: 'schemeRef', type: 'string', required: true },
    { name: 'accountPseudonym', type: 'string', required: true },
    { name: 'linkTokenDigest', type: 'string' },
    { name: 'provider.providerId', type: 'string', required: true },
    { name: 'provider.legalId.scheme', type: 'string', required: true },
    { name: 'provider.legalId.value', type: 'string', required: true },
    { name: 'provider.accreditationSnapshot', type: 'json', required: true },
    { name: 'catalogue.registryId', type: 'string', required: true },
    { name: 'catalogue.offerId', type: 'string', required: true },
    { name: 'catalogue.version', type: 'string' },
    { name: 'catalogue.sessionId', type: 'string' },
    { name: 'catalogue.courseRunId', type: 'string' },
    { name: 'catalogue.certificationCode', type: 'string' },
    ...money('agreedPrice', true),
    { name: 'funding', type: 'json', required: true },
    ...money('amountDebitedFromAccount'),
    ...money('amountPaidToProvider'),
    ...money('amountRecredited'),
    ...money('amountRecovered'),
    { name: 'entitlementUnit', type: 'string', required: true },
    { name: 'hoursCommitted', type: 'number' },
    ...dates(['requestedAt'], true),
    ...dates(['approvedAt', 'learnerConfirmedAt', 'withdrawalDeadline']),
    ...dates(['plannedStart', 'plannedEnd'], true),
    ...dates([
      'actualStart',
      'actualEnd',
      'completionDeclaredAt',
      'completionValidatedAt',
      'completionProofDueBy',
      'invoicedAt',
      'paidAt',
      'cancelledAt',
    ]),
    { name: 'realisationRatePct', type: 'integer' },
    { name: 'attendanceRatePct', type: 'number' },
    { name: 'realisedHours', type: 'number' },
    { name: 'exitReason', type: 'string' },
    { name: 'lifecycle', type: 'string', required: true },
    { name: 'payment', type: 'string', required: true },
    { name: 'control', type: 'string', required: true },
    { name: 'history', type: 'json', required: true },
    { name: 'schemeData', type: 'json' },
  ],
}

/** Longest accepted CSV record, JSON line or array element: a record with a long history stays far below. */
export const MAX_ROW_BYTES = 256 * 1024

/** Deepest nesting of one item: schemeData is free-form, but never needs more. */
const MAX_ITEM_DEPTH = 32

/** The JSON pointer of a dotted column name: `agreedPrice.amountMinor` is `/agreedPrice/amountMinor`. */
function pointerOf(column: string): string {
  return `/${column.split('.').join('/')}`
}

function rowField(rowNumber: number, pointer: string): string {
  return `rows/${rowNumber}${pointer}`
}

function setPath(target: Record<string, unknown>, column: string, value: unknown): void {
  const parts = column.split('.')
  let node = target
  for (const part of parts.slice(0, -1)) {
    node[part] ??= {}
    node = node[part] as Record<string, unknown>
  }
  node[parts[parts.length - 1] as string] = value
}

/** A cell's value for its column type, or the problem with it. */
function readCell(
  column: IlaCsvColumn,
  text: string,
  rowNumber: number,
): { value: unknown } | { problem: FieldProblem } {
  const field = rowField(rowNumber, pointerOf(column.name))
  const problem = (rule: string, message: string) => ({
    problem: { field, rule, message: `row ${rowNumber}: column ${column.name} ${message}` },
  })
  switch (column.type) {
    case 'string':
      return { value: text }
    case 'integer':
      return /^-?\d{1,16}$/.test(text) ? { value: Number(text) } : problem('type', 'must be an integer')
    case 'number': {
      const value = Number(text)
      return /^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text) && Number.isFinite(value)
        ? { value }
        : problem('type', 'must be a number')
    }
    case 'boolean': {
      const lower = text.toLowerCase()
      return lower === 'true' || lower === 'false'
        ? { value: lower === 'true' }
        : problem('type', 'must be true or false')
    }
    case 'json':
      if (exceedsJsonDepth(text, MAX_ITEM_DEPTH)) return problem('maxDepth', `is nested too deep`)
      try {
        return { value: JSON.parse(text) as unknown }
      } catch {
        return problem('json', 'must hold JSON (a list or an object)')
      }
  }
}

async function* readCsv(source: Readable, kind: IlaImportKind): AsyncGenerator<IlaInputRow> {
  const columns = new Map(ILA_CSV_COLUMNS[kind].map((c) => [c.name, c]))
  const parser = source.pipe(
    parse({
      bom: true,
      trim: true,
      skip_empty_lines: true,
      max_record_size: MAX_ROW_BYTES,
      columns: (header: string[]) => {
        const problems: FieldProblem[] = []
        header.forEach((name, i) => {
          if (!columns.has(name)) {
            problems.push({
              field: `columns/${i}`,
              rule: 'enum',
              message: `unknown column ${JSON.stringify(name)}; ${kind} columns are ${[...columns.keys()].join(', ')}`,
            })
          } else if (header.indexOf(name) !== i) {
            problems.push({
              field: `columns/${i}`,
              rule: 'uniqueItems',
              message: `column ${name} appears twice`,
            })
          }
        })
        for (const column of columns.values()) {
          if (column.required && !header.includes(column.name)) {
            problems.push({
              field: `columns/${column.name}`,
              rule: 'required',
              message: `column ${column.name} is missing`,
            })
          }
        }
        if (problems.length > 0) throw new ValidationError(`The ${kind} CSV header is not usable`, problems)
        return header
      },
    }),
  )
  // pipe() does not forward a source's error: without this the parser would wait for data that never comes.
  source.once('error', (err) => parser.destroy(err))
  let rowNumber = 0
  try {
    for await (const record of parser as AsyncIterable<Record<string, string>>) {
      rowNumber++
      const item: Record<string, unknown> = {}
      const problems: FieldProblem[] = []
      for (const [name, text] of Object.entries(record)) {
        // An empty cell is an absent field, so optional columns may stay empty.
        if (text === '') continue
        const cell = readCell(columns.get(name) as IlaCsvColumn, text, rowNumber)
        if ('problem' in cell) problems.push(cell.problem)
        else setPath(item, name, cell.value)
      }
      yield problems.length > 0 ? { rowNumber, problems } : { rowNumber, item }
    }
  } catch (err) {
    if (err instanceof CsvError) {
      // The parser cannot resynchronise after a malformed record, so the file as a whole is refused.
      throw new ValidationError(`The CSV file is malformed at line ${err.lines ?? '?'}: ${err.message}`, [
        { field: `rows/${rowNumber + 1}`, rule: 'csv', message: err.message },
      ])
    }
    throw err
  }
}

/** An item from JSON text, or the row's problem. */
function itemOf(text: string, rowNumber: number): IlaInputRow {
  const fail = (rule: string, message: string): IlaInputRow => ({
    rowNumber,
    problems: [{ field: `rows/${rowNumber}`, rule, message: `row ${rowNumber}: ${message}` }],
  })
  if (Buffer.byteLength(text) > MAX_ROW_BYTES) return fail('maxLength', `at most ${MAX_ROW_BYTES} bytes`)
  if (exceedsJsonDepth(text, MAX_ITEM_DEPTH)) return fail('maxDepth', `nested deeper than ${MAX_ITEM_DEPTH}`)
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return fail('json', 'not a JSON value')
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return fail('type', 'must be a JSON object')
  }
  return { rowNumber, item: value as Record<string, unknown> }
}

async function* readJsonLines(source: Readable): AsyncGenerator<IlaInputRow> {
  const lines = createInterface({ input: source, crlfDelay: Infinity })
  let rowNumber = 0
  for await (const line of lines) {
    if (line.trim() === '') continue
    rowNumber++
    yield itemOf(line, rowNumber)
  }
}

function notAnArray(message: string): ValidationError {
  return new ValidationError(`The JSON file is not an array of items: ${message}`, [
    { field: 'rows', rule: 'type', message },
  ])
}

const WHITESPACE = new Set([0x20, 0x09, 0x0a, 0x0d])

/**
 * The elements of a top-level JSON array, each as its own text, found by one scan that tracks strings and
 * nesting: the array as a whole is never parsed, so its size does not matter. An element larger than
 * {@link MAX_ROW_BYTES} is skipped as it streams and reported as its row's problem.
 */
async function* readJsonArray(source: Readable): AsyncGenerator<IlaInputRow> {
  let state: 'before' | 'between' | 'element' | 'after' = 'before'
  let depth = 0
  let inString = false
  let escaped = false
  let parts: string[] = []
  let size = 0
  let tooLarge = false
  let rowNumber = 0
  const decoder = new TextDecoder('utf-8', { fatal: false })
  const finish = (): IlaInputRow => {
    rowNumber++
    const row = tooLarge
      ? {
          rowNumber,
          problems: [
            {
              field: `rows/${rowNumber}`,
              rule: 'maxLength',
              message: `row ${rowNumber}: at most ${MAX_ROW_BYTES} bytes`,
            },
          ],
        }
      : itemOf(parts.join(''), rowNumber)
    parts = []
    size = 0
    tooLarge = false
    return row
  }
  for await (const chunk of source) {
    const text = typeof chunk === 'string' ? chunk : decoder.decode(chunk as Buffer, { stream: true })
    let start = 0
    const rows: IlaInputRow[] = []
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i)
      if (state === 'element') {
        if (inString) {
          if (escaped) escaped = false
          else if (c === 0x5c) escaped = true
          else if (c === 0x22) inString = false
          continue
        }
        if (c === 0x22) inString = true
        else if (c === 0x5b || c === 0x7b) depth++
        else if (c === 0x5d || c === 0x7d) {
          if (depth === 0) {
            // The array's own closing bracket ends the last element.
            if (c === 0x7d) throw notAnArray('unbalanced braces')
            if (!tooLarge) parts.push(text.slice(start, i))
            rows.push(finish())
            state = 'after'
            continue
          }
          depth--
        } else if (c === 0x2c && depth === 0) {
          if (!tooLarge) parts.push(text.slice(start, i))
          rows.push(finish())
          state = 'between'
        }
        continue
      }
      if (WHITESPACE.has(c)) continue
      if (state === 'before') {
        if (c !== 0x5b) throw notAnArray('the file must start with [')
        state = 'between'
      } else if (state === 'between') {
        if (c === 0x5d && rowNumber === 0) state = 'after'
        else if (c === 0x5d || c === 0x2c)
          throw notAnArray(`unexpected ${String.fromCharCode(c)} after row ${rowNumber}`)
        else {
          state = 'element'
          start = i
          depth = 0
          i-- // the element's first character is scanned as part of it
        }
      } else if (state === 'after') {
        throw notAnArray('text after the closing ]')
      }
    }
    if (state === 'element' && !tooLarge) {
      const rest = text.slice(start)
      size += Buffer.byteLength(rest)
      if (size > MAX_ROW_BYTES) {
        tooLarge = true
        parts = []
      } else parts.push(rest)
    }
    yield* rows
  }
  // Read through a widened type: the compiler does not follow assignments made inside the loop above.
  const ended = state as string
  if (ended !== 'after')
    throw notAnArray(ended === 'before' ? 'the file is empty' : 'the array is not closed')
}

/** The rows of an ILA file of `kind`, read as they arrive. */
export function readIlaRows(
  source: Readable | Iterable<Buffer | string> | AsyncIterable<Buffer | string>,
  kind: IlaImportKind,
  format: IlaFileFormat,
): AsyncGenerator<IlaInputRow> {
  const stream = source instanceof Readable ? source : Readable.from(source)
  if (format === 'csv') return readCsv(stream, kind)
  return format === 'jsonl' ? readJsonLines(stream) : readJsonArray(stream)
}

function csvCell(value: unknown, type: IlaCsvCellType): string {
  if (value === undefined || value === null) return ''
  const text = type === 'json' ? JSON.stringify(value) : String(value)
  return /[",\r\n]/.test(text) || text !== text.trim() ? `"${text.replace(/"/g, '""')}"` : text
}

/** The CSV header line of `kind` (with its line break), for files that `importIla` reads. */
export function ilaCsvHeader(kind: IlaImportKind): string {
  return `${ILA_CSV_COLUMNS[kind].map((c) => c.name).join(',')}\r\n`
}

/** One item as a CSV line of `kind` (with its line break), in the columns of {@link ilaCsvHeader}. */
export function ilaCsvRow(kind: IlaImportKind, item: object): string {
  const cells = ILA_CSV_COLUMNS[kind].map((column) => {
    let value: unknown = item
    for (const part of column.name.split('.')) value = (value as Record<string, unknown> | undefined)?.[part]
    return csvCell(value, column.type)
  })
  return `${cells.join(',')}\r\n`
}
