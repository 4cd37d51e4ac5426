/**
 * Reading a cohort file: CSV (one learner per line, named columns) or JSON lines (one learner record per
 * line, as in `examples/learner.json`, plus an optional `clientKey`). Rows are yielded one at a time, so a
 * file of any length is read in constant memory.
 */
import { createInterface } from 'node:readline'
import { Readable } from 'node:stream'
import { parse, CsvError } from 'csv-parse'
import { ValidationError, type FieldProblem } from '../errors.js'

export type BatchFileFormat = 'csv' | 'jsonl'

/** One data row: the learner record it describes, or why it could not be read. */
export interface InputRow {
  /** 1-based among data rows (a CSV header is not counted). */
  rowNumber: number
  clientKey?: string
  learner?: Record<string, unknown>
  problems?: FieldProblem[]
  /** Maps a learner-record JSON pointer to the name of the field in the file, for problems. */
  fieldOf: (pointer: string) => string
}

/** The CSV columns and where each one goes in the learner record. */
const CSV_COLUMNS: Record<string, string> = {
  clientKey: '',
  givenName: '/givenName',
  familyName: '/familyName',
  identifierScheme: '/identifiers/0/schemeName',
  identifier: '/identifiers/0/notation',
  did: '/did',
  email: '/email',
  dateOfBirth: '/dateOfBirth',
  grade: '/result/grade',
  resultStatus: '/result/status',
  startDate: '/activity/startDate',
  endDate: '/activity/endDate',
  supervision: '/supervision',
  awardingDate: '/awardingDate',
  ilaLinkToken: '/ilaLinkToken',
}

const REQUIRED_CSV_COLUMNS = [
  'givenName',
  'familyName',
  'identifierScheme',
  'identifier',
  'grade',
  'startDate',
  'endDate',
  'supervision',
]

const POINTER_TO_COLUMN = new Map(
  Object.entries(CSV_COLUMNS)
    .filter(([, pointer]) => pointer !== '')
    .map(([column, pointer]) => [pointer, column]),
)

/** The CSV column a learner-record problem is about: the deepest mapped pointer that prefixes it. */
function csvFieldOf(pointer: string): string {
  for (let p = pointer; p !== ''; p = p.slice(0, p.lastIndexOf('/'))) {
    const column = POINTER_TO_COLUMN.get(p)
    if (column) return column
  }
  return pointer.replace(/^\//, '') || 'row'
}

function jsonFieldOf(pointer: string): string {
  return pointer.replace(/^\//, '') || 'row'
}

/** Longest accepted line or record: a learner record is well under 4 KB. */
export const MAX_ROW_BYTES = 64 * 1024

function setPointer(target: Record<string, unknown>, pointer: string, value: unknown): void {
  const parts = pointer.slice(1).split('/')
  let node: Record<string, unknown> | unknown[] = target
  for (let i = 0; i < parts.length - 1; i++) {
    const key = parts[i] as string
    const nextIsIndex = /^\d+$/.test(parts[i + 1] as string)
    const container = node as Record<string, unknown>
    container[key] ??= nextIsIndex ? [] : {}
    node = container[key] as Record<string, unknown> | unknown[]
  }
  ;(node as Record<string, unknown>)[parts[parts.length - 1] as string] = value
}

async function* readCsv(source: Readable): AsyncGenerator<InputRow> {
  const parser = source.pipe(
    parse({
      bom: true,
      trim: true,
      skip_empty_lines: true,
      max_record_size: MAX_ROW_BYTES,
      columns: (header: string[]) => {
        const problems: FieldProblem[] = []
        header.forEach((name, i) => {
          if (!(name in CSV_COLUMNS))
            problems.push({
              field: `columns/${i}`,
              rule: 'enum',
              message: `unknown column ${JSON.stringify(name)}; columns are ${Object.keys(CSV_COLUMNS).join(', ')}`,
            })
          else if (header.indexOf(name) !== i)
            problems.push({
              field: `columns/${i}`,
              rule: 'uniqueItems',
              message: `column ${name} appears twice`,
            })
        })
        for (const name of REQUIRED_CSV_COLUMNS) {
          if (!header.includes(name))
            problems.push({
              field: `columns/${name}`,
              rule: 'required',
              message: `column ${name} is missing`,
            })
        }
        if (problems.length > 0) throw new ValidationError('The CSV header is not usable', problems)
        return header
      },
    }),
  )
  // pipe() does not forward a source's error: without this, a source that fails (an upload cut short or
  // over its size limit) would raise an unhandled 'error' and leave the parser waiting for data forever.
  source.once('error', (err) => parser.destroy(err))
  let rowNumber = 0
  try {
    for await (const record of parser as AsyncIterable<Record<string, string>>) {
      rowNumber++
      const learner: Record<string, unknown> = {}
      let clientKey: string | undefined
      for (const [column, value] of Object.entries(record)) {
        if (value === '') continue
        if (column === 'clientKey') clientKey = value
        else setPointer(learner, CSV_COLUMNS[column] as string, value)
      }
      yield { rowNumber, learner, fieldOf: csvFieldOf, ...(clientKey !== undefined ? { clientKey } : {}) }
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

async function* readJsonLines(source: Readable): AsyncGenerator<InputRow> {
  const lines = createInterface({ input: source, crlfDelay: Infinity })
  let rowNumber = 0
  for await (const line of lines) {
    if (line.trim() === '') continue
    rowNumber++
    const fail = (rule: string, message: string): InputRow => ({
      rowNumber,
      fieldOf: jsonFieldOf,
      problems: [{ field: `rows/${rowNumber}`, rule, message }],
    })
    if (Buffer.byteLength(line) > MAX_ROW_BYTES) {
      yield fail('maxLength', `a line may hold at most ${MAX_ROW_BYTES} bytes`)
      continue
    }
    let value: unknown
    try {
      value = JSON.parse(line)
    } catch {
      yield fail('json', 'not a JSON value')
      continue
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      yield fail('type', 'each line must be a JSON object (a learner record)')
      continue
    }
    const { clientKey, ...learner } = value as Record<string, unknown>
    if (clientKey !== undefined && typeof clientKey !== 'string') {
      yield {
        rowNumber,
        fieldOf: jsonFieldOf,
        problems: [
          { field: `rows/${rowNumber}/clientKey`, rule: 'type', message: 'clientKey must be a string' },
        ],
      }
      continue
    }
    yield { rowNumber, learner, fieldOf: jsonFieldOf, ...(clientKey !== undefined ? { clientKey } : {}) }
  }
}

/** The rows of a cohort file, read as they arrive. */
export function readBatchRows(
  source: Readable | AsyncIterable<Buffer | string>,
  format: BatchFileFormat,
): AsyncGenerator<InputRow> {
  const stream = source instanceof Readable ? source : Readable.from(source)
  return format === 'csv' ? readCsv(stream) : readJsonLines(stream)
}
