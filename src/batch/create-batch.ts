/**
 * Creating a cohort batch: every row of the file is read and validated before anything is issued. A file
 * with one bad row is refused whole (with the rows and fields at fault), so that the student-information
 * system fixes it and sends it again; a dry run returns the same report without storing anything.
 */
import { createHash, randomUUID } from 'node:crypto'
import type { Clock } from '../clock.js'
import { InvalidBatchError, ValidationError, isMicrocredError, type FieldProblem } from '../errors.js'
import { getTenant } from '../issuer/issuer-identity.js'
import { getCourse, learnerRefOf, type MicrocredentialFormat } from '../issuer/issue-microcredential.js'
import { parseLearner } from '../model/index.js'
import type { BatchRecord, BatchRowRecord, Storage } from '../storage/storage.js'
import type { InputRow } from './read-rows.js'

export interface CreateBatchDeps {
  storage: Storage
  clock: Clock
}

export interface CreateBatchInput {
  tenantSlug: string
  /** The course's own id; the batch issues from its latest version. */
  courseRef: string
  format: MicrocredentialFormat
  rows: AsyncIterable<InputRow>
  /** Validate and report only: nothing is stored. */
  dryRun?: boolean
  createdBy: string
  /** Largest number of rows accepted (default {@link DEFAULT_MAX_ROWS}). */
  maxRows?: number
}

/** What validation found. */
export interface BatchReport {
  dryRun: boolean
  /** The batch created (absent for a dry run). */
  batchId?: string
  courseRef: string
  courseVersion: number
  format: MicrocredentialFormat
  totalRows: number
  validRows: number
  invalidRows: number
  /** Valid rows whose client key was issued before: a run will not issue them again. */
  alreadyIssuedRows: number
  /** The first {@link MAX_REPORTED_PROBLEMS} problems, each naming `rows/<n>/<field>`. */
  problems: FieldProblem[]
  problemsTruncated: boolean
}

export const DEFAULT_MAX_ROWS = 200_000
export const MAX_REPORTED_PROBLEMS = 1000
/** Rows written per transaction while validating. */
const WRITE_PAGE = 500
/** A batch still validating after this long was abandoned (its upload died): it is deleted. */
const STALE_VALIDATING_MS = 60 * 60 * 1000
const MAX_CLIENT_KEY_LENGTH = 200

/**
 * The stored form of a client key: a hash, so that the registry of issued keys holds no student numbers
 * even when the key is one.
 */
export function clientKeyHash(clientKey: string): string {
  return createHash('sha256').update(clientKey, 'utf8').digest('base64url')
}

/**
 * Reads and validates every row; unless it is a dry run, stores them as a batch ready to run.
 *
 * @throws InvalidBatchError when a row is invalid (nothing is kept).
 * @throws ValidationError when the file itself is unusable (header, malformed CSV, no rows, too many rows).
 * @throws NotFoundError for an unknown tenant or course.
 */
export async function createBatch(deps: CreateBatchDeps, input: CreateBatchInput): Promise<BatchReport> {
  const tenant = await getTenant(deps.storage, input.tenantSlug)
  const course = await getCourse(deps, input.tenantSlug, input.courseRef)
  const maxRows = input.maxRows ?? DEFAULT_MAX_ROWS
  const dryRun = input.dryRun === true
  const now = () => deps.clock().toISOString()

  if (!dryRun) {
    const stale = new Date(deps.clock().getTime() - STALE_VALIDATING_MS).toISOString()
    for (const id of await deps.storage.batches.listStaleValidating(stale))
      await deps.storage.batches.delete(id)
  }
  const batch: BatchRecord = {
    id: randomUUID(),
    tenantId: tenant.id,
    courseId: course.id,
    courseRef: course.courseRef,
    format: input.format,
    state: 'validating',
    totalRows: 0,
    issuedRows: 0,
    alreadyIssuedRows: 0,
    failedRows: 0,
    createdBy: input.createdBy,
    createdAt: now(),
    updatedAt: now(),
    completedAt: null,
    leaseOwner: null,
    leaseUntil: null,
  }
  if (!dryRun) await deps.storage.batches.create(batch)

  const report: BatchReport = {
    dryRun,
    ...(dryRun ? {} : { batchId: batch.id }),
    courseRef: course.courseRef,
    courseVersion: course.version,
    format: input.format,
    totalRows: 0,
    validRows: 0,
    invalidRows: 0,
    alreadyIssuedRows: 0,
    problems: [],
    problemsTruncated: false,
  }
  const addProblems = (problems: FieldProblem[]) => {
    report.invalidRows++
    for (const problem of problems) {
      if (report.problems.length < MAX_REPORTED_PROBLEMS) report.problems.push(problem)
      else report.problemsTruncated = true
    }
  }
  // Keys seen in this file: hashes, so a cohort of 200,000 costs a few MB at most.
  const seenKeys = new Map<string, number>()
  let page: BatchRowRecord[] = []
  const flush = async () => {
    if (page.length === 0) return
    const issued = await deps.storage.issuanceKeys.find(
      tenant.id,
      course.courseRef,
      page.map((row) => clientKeyHash(row.clientKey)),
    )
    report.alreadyIssuedRows += issued.size
    // Rows stay in storage only while the whole file is valid so far: once a row is invalid nothing more is
    // written, and the batch is deleted at the end.
    if (!dryRun && report.invalidRows === 0) await deps.storage.batches.insertRows(page)
    page = []
  }

  try {
    for await (const row of input.rows) {
      report.totalRows++
      if (report.totalRows > maxRows) {
        throw new ValidationError(`A batch holds at most ${maxRows} rows`, [
          { field: 'rows', rule: 'maxItems', message: `a batch holds at most ${maxRows} rows` },
        ])
      }
      const checked = checkRow(row, seenKeys)
      if ('problems' in checked) {
        addProblems(checked.problems)
        continue
      }
      report.validRows++
      page.push({
        batchId: batch.id,
        rowNumber: row.rowNumber,
        clientKey: checked.clientKey,
        learnerRef: checked.learnerRef,
        state: 'pending',
        learner: checked.learner,
        credentialId: null,
        problem: null,
        updatedAt: batch.createdAt,
      })
      if (page.length >= WRITE_PAGE) await flush()
    }
    await flush()
    if (report.totalRows === 0) {
      throw new ValidationError('The batch file has no rows', [
        { field: 'rows', rule: 'minItems', message: 'the file holds no learner rows' },
      ])
    }
    if (report.invalidRows > 0 && !dryRun) {
      throw new InvalidBatchError(
        `${report.invalidRows} of ${report.totalRows} rows are invalid; nothing was issued`,
        report.problems,
        report.invalidRows,
      )
    }
  } catch (err) {
    if (!dryRun) await deps.storage.batches.delete(batch.id)
    throw err
  }
  if (!dryRun) await deps.storage.batches.setState(batch.id, 'ready', now(), report.totalRows)
  return report
}

type CheckedRow =
  | { clientKey: string; learnerRef: string | null; learner: Record<string, unknown> }
  | { problems: FieldProblem[] }

function checkRow(row: InputRow, seenKeys: Map<string, number>): CheckedRow {
  if (row.problems) return { problems: row.problems }
  const at = (field: string) => `rows/${row.rowNumber}/${field}`
  let learnerRef: string | null
  try {
    learnerRef = learnerRefOf(parseLearner(row.learner))
  } catch (err) {
    if (isMicrocredError(err) && err.code === 'ERR_VALIDATION') {
      return {
        problems: err.problems.map((p) => ({
          field: at(row.fieldOf(p.field)),
          rule: p.rule,
          message: `row ${row.rowNumber}: ${p.message}`,
        })),
      }
    }
    throw err
  }
  const clientKey = row.clientKey ?? learnerRef
  if (clientKey === null || clientKey === '' || clientKey.length > MAX_CLIENT_KEY_LENGTH) {
    return {
      problems: [
        {
          field: at('clientKey'),
          rule: 'format',
          message: `row ${row.rowNumber}: clientKey must be 1 to ${MAX_CLIENT_KEY_LENGTH} characters`,
        },
      ],
    }
  }
  const hash = clientKeyHash(clientKey)
  const first = seenKeys.get(hash)
  if (first !== undefined) {
    return {
      problems: [
        {
          field: at('clientKey'),
          rule: 'uniqueItems',
          message: `row ${row.rowNumber}: the same client key as row ${first} (a learner listed twice?)`,
        },
      ],
    }
  }
  seenKeys.set(hash, row.rowNumber)
  return { clientKey, learnerRef, learner: row.learner as Record<string, unknown> }
}
