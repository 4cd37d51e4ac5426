/**
 * Checking one ILA item: its JSON Schema (`schemas/ila-*.schema.json`) first, then what a schema cannot say
 * (amounts that must add up, one currency per record, intervals whose end may not precede their start). Valid
 * items come back normalised: date-times in UTC, so that dates compare as text in code and in SQL.
 */
import { readFileSync } from 'node:fs'
import type { ErrorObject } from 'ajv/dist/2020.js'
import type { FieldProblem } from '../errors.js'
import { createAjv, toFieldProblems } from '../lib/schema-validation.js'
import type { CatalogueEntry, IlaImportKind, Money, ProviderRegistryEntry, SpendingRecord } from './model.js'

function readSchema(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(new URL(`../../schemas/${name}`, import.meta.url), 'utf8')) as Record<
    string,
    unknown
  >
}

/** The schema file of each kind. */
export const ILA_SCHEMA_FILES: Readonly<Record<IlaImportKind, string>> = {
  providers: 'ila-provider.schema.json',
  catalogue: 'ila-catalogue-entry.schema.json',
  records: 'ila-spending-record.schema.json',
}

const ajv = createAjv()
const validators = {
  providers: ajv.compile<ProviderRegistryEntry>(readSchema(ILA_SCHEMA_FILES.providers)),
  catalogue: ajv.compile<CatalogueEntry>(readSchema(ILA_SCHEMA_FILES.catalogue)),
  records: ajv.compile<SpendingRecord>(readSchema(ILA_SCHEMA_FILES.records)),
}

/** An item of one kind, by kind. */
export interface IlaItemOf {
  providers: ProviderRegistryEntry
  catalogue: CatalogueEntry
  records: SpendingRecord
}

export type IlaItem = IlaItemOf[IlaImportKind]

/** A checked item with its key (its id within its kind), or the problems of its row. */
export type CheckedItem<K extends IlaImportKind> =
  { item: IlaItemOf[K]; key: string } | { problems: FieldProblem[] }

const DATE_SCHEMA_PATH = '#/$defs/date/anyOf'

/**
 * Ajv errors as problems: one "date or date-time" problem instead of Ajv's three for a bad date, the allowed
 * values for an enumeration, and no echo of `if` (its `then` errors say what is wrong).
 */
function schemaProblems(errors: readonly ErrorObject[] | null | undefined): FieldProblem[] {
  const problems: FieldProblem[] = []
  for (const error of errors ?? []) {
    if (error.keyword === 'if' || error.schemaPath.startsWith(`${DATE_SCHEMA_PATH}/`)) continue
    const field = error.instancePath || '/'
    if (error.schemaPath === DATE_SCHEMA_PATH) {
      problems.push({
        field,
        rule: 'format',
        message: `${field} must be an ISO 8601 date (YYYY-MM-DD) or date-time with a time zone`,
      })
    } else if (error.keyword === 'enum') {
      const allowed = (error.params as { allowedValues: unknown[] }).allowedValues.map(String).join(', ')
      problems.push({ field, rule: 'enum', message: `${field} must be one of: ${allowed}` })
    } else {
      problems.push(...toFieldProblems([error]))
    }
  }
  return problems
}

const DATE_TIME = /^\d{4}-\d{2}-\d{2}[Tt ]/

/** A date stays a date; a date-time becomes UTC with milliseconds and `Z`. */
function normaliseDate(value: string): string {
  if (!DATE_TIME.test(value)) return value
  const date = new Date(value)
  // A leap second (23:59:60) passes the schema but not Date: kept as given.
  return Number.isNaN(date.getTime()) ? value : date.toISOString()
}

function normaliseFields<T extends object>(target: T, fields: readonly string[]): void {
  const record = target as Record<string, unknown>
  for (const field of fields) {
    const value = record[field]
    if (typeof value === 'string') record[field] = normaliseDate(value)
  }
}

const RECORD_DATES = [
  'requestedAt',
  'approvedAt',
  'learnerConfirmedAt',
  'withdrawalDeadline',
  'plannedStart',
  'plannedEnd',
  'actualStart',
  'actualEnd',
  'completionDeclaredAt',
  'completionValidatedAt',
  'completionProofDueBy',
  'invoicedAt',
  'paidAt',
  'cancelledAt',
] as const

const OPTIONAL_AMOUNTS = [
  'amountDebitedFromAccount',
  'amountPaidToProvider',
  'amountRecredited',
  'amountRecovered',
] as const

/** The catalogue key of an entry or a record's catalogue reference, as one text. */
export function catalogueKeyText(key: { registryId: string; offerId: string; version?: string }): string {
  return JSON.stringify([key.registryId, key.offerId, key.version ?? ''])
}

/** A problem when an interval's end precedes its start. */
function interval(
  problems: FieldProblem[],
  start: string | undefined,
  end: string | undefined,
  field: string,
  what: string,
): void {
  if (start !== undefined && end !== undefined && end < start) {
    problems.push({ field, rule: 'dateOrder', message: `${field} (${end}) is before the ${what} (${start})` })
  }
}

function checkProvider(entry: ProviderRegistryEntry): FieldProblem[] {
  const problems: FieldProblem[] = []
  entry.accreditations.forEach((a, i) => {
    normaliseFields(a, ['validFrom', 'validUntil'])
    interval(problems, a.validFrom, a.validUntil, `/accreditations/${i}/validUntil`, 'validFrom')
  })
  entry.habilitations?.forEach((h, i) => {
    normaliseFields(h, ['validFrom', 'validUntil'])
    interval(problems, h.validFrom, h.validUntil, `/habilitations/${i}/validUntil`, 'validFrom')
  })
  return problems
}

function checkCatalogue(entry: CatalogueEntry): FieldProblem[] {
  const problems: FieldProblem[] = []
  normaliseFields(entry, ['eligibleFrom', 'eligibleUntil'])
  interval(problems, entry.eligibleFrom, entry.eligibleUntil, '/eligibleUntil', 'eligibleFrom')
  return problems
}

/**
 * The rules of a record that hold whatever happened: one currency, funding that adds up to the agreed price
 * (ila-domain: "sum(funding) === agreedPrice (checked)"), a planned period that ends after it starts. Other
 * orders (completion before entry, entry before booking, ...) are not refused: they are what the fraud signals
 * look for (F1), so they must reach the database.
 */
function checkRecord(record: SpendingRecord): FieldProblem[] {
  const problems: FieldProblem[] = []
  const currency = record.agreedPrice.currency
  const sameCurrency = (money: Money | undefined, field: string) => {
    if (money !== undefined && money.currency !== currency) {
      problems.push({
        field,
        rule: 'currency',
        message: `${field} is in ${money.currency}, the agreed price in ${currency}: one record, one currency`,
      })
    }
  }
  for (const name of OPTIONAL_AMOUNTS) sameCurrency(record[name], `/${name}/currency`)
  record.funding.forEach((line, i) => sameCurrency(line.amount, `/funding/${i}/amount/currency`))
  const funded = record.funding.reduce((sum, line) => sum + line.amount.amountMinor, 0)
  if (funded !== record.agreedPrice.amountMinor) {
    problems.push({
      field: '/funding',
      rule: 'sum',
      message: `/funding adds up to ${funded}, not to the agreed price ${record.agreedPrice.amountMinor} (minor units)`,
    })
  }
  normaliseFields(record, RECORD_DATES)
  record.funding.forEach((line) => normaliseFields(line, ['expiresAt']))
  record.history.forEach((event) => normaliseFields(event, ['at']))
  interval(problems, record.plannedStart, record.plannedEnd, '/plannedEnd', 'plannedStart')
  return problems
}

/** Checks and normalises one item of `kind` (in place); problems name `rows/<rowNumber>/<field>`. */
export function checkIlaItem<K extends IlaImportKind>(
  kind: K,
  value: Record<string, unknown>,
  rowNumber: number,
): CheckedItem<K> {
  const validate = validators[kind]
  let problems: FieldProblem[]
  let key = ''
  if (!validate(value)) problems = schemaProblems(validate.errors)
  else if (kind === 'providers') {
    const entry = value as unknown as ProviderRegistryEntry
    problems = checkProvider(entry)
    key = entry.providerId
  } else if (kind === 'catalogue') {
    const entry = value as unknown as CatalogueEntry
    problems = checkCatalogue(entry)
    key = catalogueKeyText(entry)
  } else {
    const record = value as unknown as SpendingRecord
    problems = checkRecord(record)
    key = record.recordId
  }
  if (problems.length > 0) {
    return {
      problems: problems.map((p) => ({
        field: `rows/${rowNumber}${p.field === '/' ? '' : p.field}`,
        rule: p.rule,
        message: `row ${rowNumber}: ${p.message}`,
      })),
    }
  }
  return { item: value as unknown as IlaItemOf[K], key }
}
