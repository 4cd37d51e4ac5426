/**
 * Importing ILA data (providers, catalogue entries, spending records) from CSV, JSON lines or a JSON array.
 *
 * Every row is checked against its JSON Schema and the model's rules, then against what is stored (a record's
 * provider and catalogue offer, a catalogue entry's provider must exist). A file with one bad row is refused
 * whole: nothing is written, and the refusal names every row and field at fault. With `partial`, the valid
 * rows are written and the rejected ones listed. Items are upserted by their id.
 *
 * How a refused file leaves nothing while memory stays flat for a million rows: validated rows are staged in
 * the database (`ila_import_rows`, one short transaction per page) and applied only once the whole file is
 * known to be acceptable, page by page, each page in one transaction that also unstages it. Holding the file
 * in memory to validate it first would grow with the file; writing it in one transaction would hold the
 * SQLite write lock (and, on SQLite, the only connection) for as long as a client takes to upload. Staging by
 * item key also finds an id repeated anywhere in the file without keeping the ids seen in memory. An import
 * that dies half-way through applying has applied whole pages of valid items: running it again completes it
 * (upserts are idempotent), and its staged rows are deleted an hour later.
 */
import { randomUUID } from 'node:crypto'
import type { Readable } from 'node:stream'
import type { Clock } from '../clock.js'
import { IlaImportRefusedError, ValidationError, type FieldProblem } from '../errors.js'
import { getTenant } from '../issuer/issuer-identity.js'
import type { IlaStagedRow, Storage, StorageSession } from '../storage/storage.js'
import type { CatalogueEntry, IlaImportKind, ProviderRegistryEntry, SpendingRecord } from './model.js'
import { readIlaRows, type IlaFileFormat } from './read-rows.js'
import { catalogueToStored, providerToStored, recordToStored } from './stored.js'
import { catalogueKeyText, checkIlaItem, type IlaItem } from './validate.js'

export interface IlaImportDeps {
  storage: Storage
  clock: Clock
}

export interface IlaImportInput {
  /** The operator's tenant; `default` when absent. */
  tenantSlug?: string
  kind: IlaImportKind
  format: IlaFileFormat
  source: Readable | Iterable<Buffer | string> | AsyncIterable<Buffer | string>
  /** Write the valid rows and list the rejected ones, instead of refusing the file whole. */
  partial?: boolean
}

/** What an import did. */
export interface IlaImportReport {
  kind: IlaImportKind
  partial: boolean
  /** Data rows read. */
  totalRows: number
  /** Rows written: `inserted + updated`. */
  imported: number
  inserted: number
  updated: number
  rejected: number
  /** The first {@link MAX_REPORTED_PROBLEMS} problems, each naming `rows/<n>/<field>`. */
  problems: FieldProblem[]
  problemsTruncated: boolean
  /** Numbers of the rejected rows, ascending, the first {@link MAX_REPORTED_ROWS} of them. */
  rejectedRows: number[]
  rejectedRowsTruncated: boolean
}

export const MAX_REPORTED_PROBLEMS = 1000
export const MAX_REPORTED_ROWS = 10_000
/** Rows checked against storage, staged and applied at a time. */
const PAGE = 500
/** An import still staging after this long was abandoned (its upload died): its rows are deleted. */
const STALE_IMPORT_MS = 60 * 60 * 1000

interface Valid {
  rowNumber: number
  key: string
  item: IlaItem
}

/**
 * Imports one file of `kind` for a tenant.
 *
 * @throws IlaImportRefusedError when a row is invalid and `partial` is not set (nothing is written).
 * @throws ValidationError when the file itself is unusable (CSV header, malformed CSV, not an array, no rows).
 * @throws NotFoundError for an unknown tenant.
 */
export async function importIla(deps: IlaImportDeps, input: IlaImportInput): Promise<IlaImportReport> {
  const { storage } = deps
  const tenant = await getTenant(storage, input.tenantSlug ?? 'default')
  const partial = input.partial === true
  const now = () => deps.clock().toISOString()
  const stale = new Date(deps.clock().getTime() - STALE_IMPORT_MS).toISOString()
  for (const id of await storage.ila.imports.listStale(stale)) await storage.ila.imports.delete(id)

  const report: IlaImportReport = {
    kind: input.kind,
    partial,
    totalRows: 0,
    imported: 0,
    inserted: 0,
    updated: 0,
    rejected: 0,
    problems: [],
    problemsTruncated: false,
    rejectedRows: [],
    rejectedRowsTruncated: false,
  }
  // Rows are rejected as pages are checked, not in file order; only the lowest numbers are kept, so the list
  // does not grow with a file full of bad rows.
  let rejectedRows: number[] = []
  const keepLowest = () => {
    rejectedRows.sort((a, b) => a - b)
    rejectedRows = rejectedRows.slice(0, MAX_REPORTED_ROWS)
  }
  const reject = (rowNumber: number, problems: FieldProblem[]) => {
    report.rejected++
    rejectedRows.push(rowNumber)
    if (rejectedRows.length > 2 * MAX_REPORTED_ROWS) keepLowest()
    for (const problem of problems) {
      if (report.problems.length < MAX_REPORTED_PROBLEMS) report.problems.push(problem)
      else report.problemsTruncated = true
    }
  }

  const importId = randomUUID()
  await storage.ila.imports.create({ id: importId, tenantId: tenant.id, kind: input.kind, createdAt: now() })
  try {
    let page: Valid[] = []
    const flush = async () => {
      if (page.length === 0) return
      const referenced = await referenceProblems(storage, tenant.id, input.kind, page)
      const staged: IlaStagedRow[] = []
      for (const row of page) {
        const problems = referenced.get(row.rowNumber)
        if (problems) reject(row.rowNumber, problems)
        else {
          staged.push({
            importId,
            rowNumber: row.rowNumber,
            itemKey: row.key,
            payload: JSON.stringify(row.item),
          })
        }
      }
      const duplicates = await storage.ila.imports.stage(staged)
      for (const [rowNumber, first] of duplicates) {
        reject(rowNumber, [
          {
            field: `rows/${rowNumber}/${idField(input.kind)}`,
            rule: 'uniqueItems',
            message: `row ${rowNumber}: the same ${idName(input.kind)} as row ${first}`,
          },
        ])
      }
      page = []
    }

    for await (const row of readIlaRows(input.source, input.kind, input.format)) {
      report.totalRows++
      const checked = row.item
        ? checkIlaItem(input.kind, row.item, row.rowNumber)
        : { problems: row.problems ?? [] }
      if ('problems' in checked) reject(row.rowNumber, checked.problems)
      else page.push({ rowNumber: row.rowNumber, key: checked.key, item: checked.item })
      if (page.length >= PAGE) await flush()
    }
    await flush()
    keepLowest()
    report.rejectedRows = rejectedRows
    report.rejectedRowsTruncated = report.rejected > rejectedRows.length

    if (report.totalRows === 0) {
      throw new ValidationError(`The ${input.kind} file has no rows`, [
        { field: 'rows', rule: 'minItems', message: 'the file holds no rows' },
      ])
    }
    if (report.rejected > 0 && !partial) {
      throw new IlaImportRefusedError(
        `${report.rejected} of ${report.totalRows} rows are invalid; nothing was imported`,
        report.problems,
        report.rejected,
        report.rejectedRows,
      )
    }
    await apply(storage, tenant.id, importId, input.kind, now(), report)
  } finally {
    await storage.ila.imports.delete(importId)
  }
  report.imported = report.inserted + report.updated
  return report
}

function idField(kind: IlaImportKind): string {
  return kind === 'providers' ? 'providerId' : kind === 'catalogue' ? 'offerId' : 'recordId'
}

function idName(kind: IlaImportKind): string {
  return kind === 'providers'
    ? 'providerId'
    : kind === 'catalogue'
      ? 'registryId, offerId and version'
      : 'recordId'
}

/** Rows whose references are not stored, with their problems. */
async function referenceProblems(
  session: StorageSession,
  tenantId: string,
  kind: IlaImportKind,
  page: Valid[],
): Promise<Map<number, FieldProblem[]>> {
  const problems = new Map<number, FieldProblem[]>()
  const add = (rowNumber: number, problem: FieldProblem) => {
    const list = problems.get(rowNumber)
    if (list) list.push(problem)
    else problems.set(rowNumber, [problem])
  }
  if (kind === 'providers') return problems
  const providerOf = (item: IlaItem) =>
    kind === 'catalogue' ? (item as CatalogueEntry).providerId : (item as SpendingRecord).provider.providerId
  const providers = await session.ila.providers.existing(
    tenantId,
    page.map((row) => providerOf(row.item)),
  )
  const providerField = kind === 'catalogue' ? 'providerId' : 'provider/providerId'
  for (const row of page) {
    const providerId = providerOf(row.item)
    if (!providers.has(providerId)) {
      add(row.rowNumber, {
        field: `rows/${row.rowNumber}/${providerField}`,
        rule: 'reference',
        message: `row ${row.rowNumber}: provider ${JSON.stringify(providerId)} is not in the provider registry`,
      })
    }
  }
  if (kind !== 'records') return problems
  const refs = page.map((row) => (row.item as SpendingRecord).catalogue)
  const offers = await session.ila.catalogue.findOffers(
    tenantId,
    refs.map((r) => ({ registryId: r.registryId, offerId: r.offerId, version: r.version ?? null })),
  )
  const exact = new Set(offers.map((o) => catalogueKeyText({ ...o, version: o.version ?? '' })))
  const anyVersion = new Set(
    offers.map((o) => catalogueKeyText({ registryId: o.registryId, offerId: o.offerId })),
  )
  for (const row of page) {
    const ref = (row.item as SpendingRecord).catalogue
    // A record that names no version books the offer whatever its version.
    const known =
      ref.version === undefined
        ? anyVersion.has(catalogueKeyText({ registryId: ref.registryId, offerId: ref.offerId }))
        : exact.has(catalogueKeyText(ref))
    if (!known) {
      const version = ref.version === undefined ? '' : ` version ${JSON.stringify(ref.version)}`
      add(row.rowNumber, {
        field: `rows/${row.rowNumber}/catalogue/offerId`,
        rule: 'reference',
        message: `row ${row.rowNumber}: offer ${JSON.stringify(ref.offerId)}${version} of ${JSON.stringify(ref.registryId)} is not in the catalogue`,
      })
    }
  }
  return problems
}

/** Writes the staged rows, one transaction per page, and counts what was inserted and what replaced. */
async function apply(
  storage: Storage,
  tenantId: string,
  importId: string,
  kind: IlaImportKind,
  at: string,
  report: IlaImportReport,
): Promise<void> {
  let after = 0
  for (;;) {
    const staged = await storage.ila.imports.read(importId, after, PAGE)
    if (staged.length === 0) return
    const last = (staged[staged.length - 1] as IlaStagedRow).rowNumber
    const items = staged.map((row) => JSON.parse(row.payload) as unknown)
    const result = await storage.transaction(async (tx) => {
      const written =
        kind === 'providers'
          ? await tx.ila.providers.upsertMany(
              items.map((item) => providerToStored(tenantId, item as ProviderRegistryEntry, at)),
            )
          : kind === 'catalogue'
            ? await tx.ila.catalogue.upsertMany(
                items.map((item) => catalogueToStored(tenantId, item as CatalogueEntry, at)),
              )
            : await tx.ila.records.upsertMany(
                items.map((item) => recordToStored(tenantId, item as SpendingRecord, at)),
              )
      await tx.ila.imports.unstage(importId, after, last)
      return written
    })
    report.inserted += result.inserted
    report.updated += result.updated
    after = last
  }
}
