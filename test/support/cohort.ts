/** Cohort files for batch tests: learners like `examples/learner.json`, each with its own student id. */
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const EXAMPLE_LEARNER = JSON.parse(
  readFileSync(fileURLToPath(new URL('../../examples/learner.json', import.meta.url)), 'utf8'),
) as Record<string, unknown>

/** A learner record, optionally with the `clientKey` a cohort file may give it. */
export type CohortLearner = Record<string, unknown> & { clientKey?: string }

/** The student id of the `i`-th learner of a cohort made with `prefix`. */
export function studentId(prefix: string, i: number): string {
  return `${prefix}-${String(i).padStart(5, '0')}`
}

/** The learner reference (`<schemeName>:<notation>`) of the `i`-th learner, as erasure takes it. */
export function learnerRefOf(prefix: string, i: number): string {
  return `Student ID:${studentId(prefix, i)}`
}

/** `count` distinct learners (1-based: `S-00001`, ...), each a copy of the example learner. */
export function cohortLearners(count: number, prefix = 'S', from = 1): CohortLearner[] {
  return Array.from({ length: count }, (_, k) => {
    const i = from + k
    return {
      ...structuredClone(EXAMPLE_LEARNER),
      givenName: `Learner${i}`,
      familyName: `Cohort ${prefix}`,
      identifiers: [{ schemeName: 'Student ID', notation: studentId(prefix, i) }],
      email: `learner${i}@example.org`,
    }
  })
}

/** The CSV columns a cohort file is written with (see `CSV_COLUMNS` in `src/batch/read-rows.ts`). */
export const CSV_HEADER = [
  'clientKey',
  'givenName',
  'familyName',
  'identifierScheme',
  'identifier',
  'email',
  'dateOfBirth',
  'grade',
  'resultStatus',
  'startDate',
  'endDate',
  'supervision',
  'awardingDate',
  'ilaLinkToken',
] as const

function csvField(value: unknown): string {
  if (value === undefined || value === null) return ''
  const text = String(value)
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text
}

/** The learners as a CSV file with a header row. */
export function cohortCsv(learners: CohortLearner[]): string {
  const lines = learners.map((l) => {
    const id = (l.identifiers as Array<{ schemeName?: string; notation?: string }> | undefined)?.[0]
    const result = l.result as { grade?: string; status?: string } | undefined
    const activity = l.activity as { startDate?: string; endDate?: string } | undefined
    const cells: Record<(typeof CSV_HEADER)[number], unknown> = {
      clientKey: l.clientKey,
      givenName: l.givenName,
      familyName: l.familyName,
      identifierScheme: id?.schemeName,
      identifier: id?.notation,
      email: l.email,
      dateOfBirth: l.dateOfBirth,
      grade: result?.grade,
      resultStatus: result?.status,
      startDate: activity?.startDate,
      endDate: activity?.endDate,
      supervision: l.supervision,
      awardingDate: l.awardingDate,
      ilaLinkToken: l.ilaLinkToken,
    }
    return CSV_HEADER.map((column) => csvField(cells[column])).join(',')
  })
  return `${[CSV_HEADER.join(','), ...lines].join('\n')}\n`
}

/** The learners as JSON lines, one learner record per line. */
export function cohortJsonl(learners: CohortLearner[]): string {
  return learners.map((l) => `${JSON.stringify(l)}\n`).join('')
}

/** Yields `text` in pieces of `size` bytes: a file arriving over a slow connection. */
export async function* inPieces(text: string, size = 64): AsyncGenerator<Buffer> {
  const bytes = Buffer.from(text, 'utf8')
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size)
}
