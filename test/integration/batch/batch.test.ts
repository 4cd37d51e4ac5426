import { expect } from 'chai'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import {
  batchResults,
  clientKeyHash,
  createBatch,
  readBatchRows,
  runBatch,
  startWorkerPool,
  type BatchFileFormat,
  type BatchResultLine,
  type InputRow,
  type WorkerPool,
} from '../../../src/batch/index.js'
import { loadConfig } from '../../../src/config/load-config.js'
import { createContext, type AppContext } from '../../../src/context.js'
import { eraseLearner } from '../../../src/issuer/erase-learner.js'
import { getTenant } from '../../../src/issuer/issuer-identity.js'
import type { BatchRecord, TenantRecord } from '../../../src/storage/storage.js'
import { verifyCredential } from '../../../src/verifier/index.js'
import { createVerifierDeps } from '../../../src/verifier/verifier-deps.js'
import { cli, CLI_TEST_NOW } from '../../support/cli.js'
import { createTestSchemaUrl, DIALECTS, skipOrFailWithoutPostgres } from '../storage/dialects.js'
import {
  cohortCsv,
  cohortJsonl,
  cohortLearners,
  inPieces,
  learnerRefOf,
  type CohortLearner,
} from '../../support/cohort.js'

const COURSE = fileURLToPath(new URL('../../../examples/course.json', import.meta.url))

/** Awaits `promise`, expecting it to reject; returns the rejection. */
async function rejection(promise: Promise<unknown>): Promise<any> {
  try {
    await promise
  } catch (err) {
    return err
  }
  throw new Error('expected a rejection')
}

// Exactly-once rests on the database (unique keys, conditional lease updates): every dialect is tried.
for (const dialect of DIALECTS)
  describe(`cohort batches (core) [${dialect}]`, function () {
    this.timeout(120_000)
    let home: string | undefined
    let schema: { url: string; dispose(): Promise<void> } | undefined
    let ctx: AppContext
    let tenant: TenantRecord
    let courseRef: string
    let now = new Date(CLI_TEST_NOW).getTime()
    let cohorts = 0

    /** A prefix no other test's learners share: every test issues to its own learners. */
    const freshPrefix = () => `C${++cohorts}`

    before(async function () {
      const env: Record<string, string> = {}
      if (dialect === 'postgres') {
        try {
          schema = await createTestSchemaUrl()
        } catch (err) {
          skipOrFailWithoutPostgres(this, err)
        }
        env.DATABASE_URL = schema.url
      }
      home = await mkdtemp(join(tmpdir(), 'mc-batch-'))
      await writeFile(
        join(home, 'microcred.json'),
        JSON.stringify({ publicBaseUrl: 'http://localhost:7791' }),
      )
      const init = await cli(home, ['init'], { env })
      expect(init.code, init.err).to.equal(0)
      const added = await cli(home, ['course', 'add', COURSE], { env })
      expect(added.code, added.err).to.equal(0)
      courseRef = (JSON.parse(await readFile(COURSE, 'utf8')) as { id: string }).id
      ctx = await createContext(
        loadConfig({ env: { MICROCRED_HOME: home, MICROCRED_LOG_LEVEL: 'silent', ...env }, cwd: home }),
        { clock: () => new Date(now) },
      )
      tenant = await getTenant(ctx.storage, 'default')
    })

    after(async () => {
      await ctx?.close()
      await schema?.dispose()
      if (home) await rm(home, { recursive: true, force: true })
    })

    const rowsOf = (learners: CohortLearner[], format: BatchFileFormat = 'csv') =>
      readBatchRows(inPieces(format === 'csv' ? cohortCsv(learners) : cohortJsonl(learners)), format)

    const create = (
      rows: AsyncIterable<InputRow>,
      options: { format?: 'elm' | 'edc'; dryRun?: boolean } = {},
    ) =>
      createBatch(ctx, {
        tenantSlug: 'default',
        courseRef,
        format: options.format ?? 'elm',
        rows,
        createdBy: 'test',
        ...(options.dryRun !== undefined ? { dryRun: options.dryRun } : {}),
      })

    const run = (batchId: string, options: Partial<Parameters<typeof runBatch>[1]> = {}) =>
      runBatch(ctx, { tenantSlug: 'default', batchId, workers: 0, ...options })

    async function results(batchId: string): Promise<BatchResultLine[]> {
      const batch = (await ctx.storage.batches.get(batchId)) as BatchRecord
      const lines: BatchResultLine[] = []
      for await (const line of batchResults(ctx, batch)) lines.push(line)
      return lines
    }

    /** The stored credentials issued to the learners of `prefix`. */
    async function credentialsOf(prefix: string) {
      const all = await ctx.storage.credentials.list({ tenantId: tenant.id, limit: 1000 })
      return all.filter((c) => c.learnerRef?.startsWith(`Student ID:${prefix}-`))
    }

    /** The issued client keys among those of `learners` (default keys: their learner references). */
    async function issuedKeys(prefix: string, count: number) {
      const keys = Array.from({ length: count }, (_, k) => clientKeyHash(learnerRefOf(prefix, k + 1)))
      return ctx.storage.issuanceKeys.find(tenant.id, courseRef, keys)
    }

    /** What a refused file must leave unchanged. */
    async function snapshot() {
      const batches = await ctx.storage.batches.listByTenant(tenant.id, 1000)
      const credentials = await ctx.storage.credentials.list({ tenantId: tenant.id, limit: 1000 })
      const validating = await ctx.storage.batches.listStaleValidating('9999-12-31T00:00:00.000Z')
      return JSON.stringify({
        batches: batches.map((b) => b.id),
        credentials: credentials.length,
        validating,
      })
    }

    for (const [fileFormat, format] of [
      ['csv', 'elm'],
      ['jsonl', 'edc'],
    ] as const) {
      it(`${fileFormat} (${format}): issues every row exactly once; each credential verifies, with its own status slots`, async () => {
        const prefix = freshPrefix()
        const report = await create(rowsOf(cohortLearners(4, prefix), fileFormat), { format })
        expect(report).to.include({ dryRun: false, totalRows: 4, validRows: 4, invalidRows: 0, format })
        const batch = await run(report.batchId as string)
        expect(batch).to.include({ state: 'completed', issuedRows: 4, alreadyIssuedRows: 0, failedRows: 0 })

        const lines = await results(batch.id)
        expect(lines.map((l) => [l.row, l.state, l.clientKey])).to.deep.equal(
          [1, 2, 3, 4].map((i) => [i, 'issued', learnerRefOf(prefix, i)]),
        )
        const verifier = createVerifierDeps(ctx)
        const slots = new Set<string>()
        for (const line of lines) {
          expect(line.claimUrl).to.match(/^http:\/\/localhost:7791\/claims\//)
          const result = await verifyCredential(line.verifiableCredential, verifier)
          expect(result.verified, JSON.stringify(result.errors)).to.equal(true)
          for (const { slot } of await ctx.storage.statusLists.getSlotsByCredential(
            line.credentialId as string,
          ))
            slots.add(`${slot.listId}#${slot.index}`)
        }
        expect(slots.size).to.equal(4 * ctx.statusPurposes.length)
        expect(await credentialsOf(prefix)).to.have.length(4)
        expect((await issuedKeys(prefix, 4)).size).to.equal(4)
      })
    }

    it('refuses a file with invalid rows, naming rows/<n>/<column>; nothing is stored', async () => {
      const before = await snapshot()
      const learners = cohortLearners(4, freshPrefix())
      learners[1] = { ...learners[1], givenName: '' }
      learners[2] = { ...learners[2], activity: { startDate: '2025-04-25', endDate: '2025-02-03' } }
      const err = await rejection(create(rowsOf(learners)))
      expect(err.code).to.equal('ERR_BATCH_INVALID')
      expect(err.invalidRows).to.equal(2)
      const fields = (err.problems as Array<{ field: string }>).map((p) => p.field)
      expect(fields).to.include('rows/2/givenName').and.include('rows/3/endDate')
      expect(await snapshot()).to.equal(before)
    })

    it('names JSON lines problems by the learner record field, and refuses a line that is not JSON', async () => {
      const learners = cohortLearners(2, freshPrefix())
      const text = `${JSON.stringify({ ...learners[0], result: {} })}\nnot json\n`
      const err = await rejection(create(readBatchRows(inPieces(text), 'jsonl')))
      expect(err.code).to.equal('ERR_BATCH_INVALID')
      const fields = (err.problems as Array<{ field: string }>).map((p) => p.field)
      expect(fields).to.include('rows/1/result/grade').and.include('rows/2')
    })

    it('refuses a client key given twice in one file (a learner listed twice)', async () => {
      const before = await snapshot()
      const learners = cohortLearners(3, freshPrefix())
      learners[2] = { ...learners[2], identifiers: learners[0]?.identifiers }
      const err = await rejection(create(rowsOf(learners)))
      expect(err.code).to.equal('ERR_BATCH_INVALID')
      expect(err.problems).to.deep.include.members([
        {
          field: 'rows/3/clientKey',
          rule: 'uniqueItems',
          message: 'row 3: the same client key as row 1 (a learner listed twice?)',
        },
      ])
      const keyed = cohortLearners(2, freshPrefix()).map((l) => ({ ...l, clientKey: 'enrolment-1' }))
      const again = await rejection(create(rowsOf(keyed)))
      expect(again.problems.map((p: { field: string }) => p.field)).to.deep.equal(['rows/2/clientKey'])
      expect(await snapshot()).to.equal(before)
    })

    it('refuses an unknown CSV column as a whole-file problem; nothing is stored', async () => {
      const before = await snapshot()
      const csv = cohortCsv(cohortLearners(2, freshPrefix())).replace('givenName', 'firstName')
      const err = await rejection(create(readBatchRows(inPieces(csv), 'csv')))
      expect(err.code).to.equal('ERR_VALIDATION')
      expect(err.problems).to.deep.include.members([
        { field: 'columns/givenName', rule: 'required', message: 'column givenName is missing' },
      ])
      expect(err.problems.map((p: { field: string; rule: string }) => `${p.field} ${p.rule}`)).to.include(
        'columns/1 enum',
      )
      expect(await snapshot()).to.equal(before)
    })

    it('a dry run reports, valid or not, and stores nothing', async () => {
      const before = await snapshot()
      const prefix = freshPrefix()
      const ok = await create(rowsOf(cohortLearners(3, prefix)), { dryRun: true })
      expect(ok).to.include({
        dryRun: true,
        totalRows: 3,
        validRows: 3,
        invalidRows: 0,
        alreadyIssuedRows: 0,
      })
      expect(ok.batchId).to.equal(undefined)
      const learners = cohortLearners(3, prefix)
      learners[0] = { ...learners[0], supervision: '' }
      const bad = await create(rowsOf(learners), { dryRun: true })
      expect(bad).to.include({ totalRows: 3, validRows: 2, invalidRows: 1 })
      expect(bad.problems.map((p) => p.field)).to.deep.equal(['rows/1/supervision'])
      expect(await snapshot()).to.equal(before)
    })

    it('deletes the batch being created when the file fails half-way (an upload cut short)', async () => {
      const before = await snapshot()
      const csv = cohortCsv(cohortLearners(600, freshPrefix()))
      async function* cutShort() {
        yield* inPieces(csv.slice(0, csv.length - 200), 4096)
        throw Object.assign(new Error('connection reset'), { code: 'ECONNRESET' })
      }
      const err = await rejection(create(readBatchRows(cutShort(), 'csv')))
      expect(err.code).to.equal('ECONNRESET')
      expect(await snapshot()).to.equal(before)
    })

    it('a batch interrupted half-way and resumed issues each learner exactly once', async () => {
      const prefix = freshPrefix()
      const report = await create(rowsOf(cohortLearners(7, prefix)))
      const controller = new AbortController()
      const stopped = await run(report.batchId as string, {
        chunkSize: 2,
        signal: controller.signal,
        onProgress: () => controller.abort(),
      })
      expect(stopped.state).to.equal('running')
      expect(stopped.leaseOwner).to.equal(null)
      expect(stopped.issuedRows).to.be.within(2, 4)
      expect(await credentialsOf(prefix)).to.have.length(stopped.issuedRows)

      const resumed = await run(report.batchId as string, { chunkSize: 2 })
      expect(resumed).to.include({ state: 'completed', issuedRows: 7, alreadyIssuedRows: 0, failedRows: 0 })
      const lines = await results(report.batchId as string)
      expect(lines.map((l) => l.state)).to.deep.equal(Array(7).fill('issued'))
      const ids = lines.map((l) => l.credentialId)
      expect(new Set(ids).size).to.equal(7)
      const stored = await credentialsOf(prefix)
      expect(stored.map((c) => c.id).sort()).to.deep.equal([...ids].sort())
      const keys = await issuedKeys(prefix, 7)
      expect([...keys.values()].sort()).to.deep.equal([...ids].sort())
    })

    it('a second batch with the same learners issues nothing new: already issued, the same credentials', async () => {
      const prefix = freshPrefix()
      const first = await create(rowsOf(cohortLearners(3, prefix)))
      await run(first.batchId as string)
      const firstIds = (await results(first.batchId as string)).map((l) => l.credentialId)

      const second = await create(rowsOf(cohortLearners(3, prefix)))
      expect(second.alreadyIssuedRows).to.equal(3)
      const batch = await run(second.batchId as string)
      expect(batch).to.include({ state: 'completed', issuedRows: 0, alreadyIssuedRows: 3 })
      const lines = await results(second.batchId as string)
      expect(lines.map((l) => l.state)).to.deep.equal(['already-issued', 'already-issued', 'already-issued'])
      expect(lines.map((l) => l.credentialId)).to.deep.equal(firstIds)
      expect(await credentialsOf(prefix)).to.have.length(3)
    })

    it('a lease held by another runner refuses the batch (ERR_BATCH_BUSY) until it expires', async () => {
      const report = await create(rowsOf(cohortLearners(2, freshPrefix())))
      const batchId = report.batchId as string
      const at = new Date(now)
      const until = new Date(now + 120_000).toISOString()
      expect(
        await ctx.storage.batches.acquireLease(batchId, 'another-runner', until, at.toISOString()),
      ).to.equal(true)
      const err = await rejection(run(batchId))
      expect(err.code).to.equal('ERR_BATCH_BUSY')
      expect((await ctx.storage.batches.get(batchId))?.issuedRows).to.equal(0)
      now += 121_000
      try {
        const batch = await run(batchId)
        expect(batch).to.include({ state: 'completed', issuedRows: 2 })
      } finally {
        now -= 121_000
      }
    })

    it("erasing a learner clears their pending row's data, and the row is never issued", async () => {
      const prefix = freshPrefix()
      const report = await create(rowsOf(cohortLearners(3, prefix)))
      const batchId = report.batchId as string
      await eraseLearner(ctx, { tenantSlug: 'default', learnerRef: learnerRefOf(prefix, 2), actor: 'test' })
      const rows = await ctx.storage.batches.rows({ batchId, limit: 10 })
      expect(rows.map((r) => [r.rowNumber, r.learner === null, r.learnerRef, r.clientKey])).to.deep.equal([
        [1, false, learnerRefOf(prefix, 1), learnerRefOf(prefix, 1)],
        [2, true, null, ''],
        [3, false, learnerRefOf(prefix, 3), learnerRefOf(prefix, 3)],
      ])
      const batch = await run(batchId)
      expect(batch).to.include({ state: 'completed', issuedRows: 2, failedRows: 1 })
      const lines = await results(batchId)
      expect(lines[1]).to.include({ row: 2, state: 'failed' })
      expect(lines[1]?.clientKey).to.equal(undefined)
      expect((await credentialsOf(prefix)).map((c) => c.learnerRef).sort()).to.deep.equal([
        learnerRefOf(prefix, 1),
        learnerRefOf(prefix, 3),
      ])
    })

    it('signs on worker threads (workers: 2); the credentials verify', async () => {
      const prefix = freshPrefix()
      const report = await create(rowsOf(cohortLearners(3, prefix)))
      const batch = await run(report.batchId as string, { workers: 2 })
      expect(batch).to.include({ state: 'completed', issuedRows: 3 })
      const verifier = createVerifierDeps(ctx)
      for (const line of await results(batch.id)) {
        const result = await verifyCredential(line.verifiableCredential, verifier)
        expect(result.verified, JSON.stringify(result.errors)).to.equal(true)
      }
    })

    it('runs on a pool started before the file was validated, configured per batch and left open', async () => {
      const started = startWorkerPool(1)
      const calls = { configure: 0, run: 0, close: 0 }
      const pool: WorkerPool = {
        size: started.size,
        configure: (options) => {
          calls.configure++
          started.configure(options)
        },
        run: (jobs, issued) => {
          calls.run++
          return started.run(jobs, issued)
        },
        close: () => {
          calls.close++
          return started.close()
        },
      }
      try {
        expect(pool.size).to.equal(1)
        const verifier = createVerifierDeps(ctx)
        for (const format of ['elm', 'edc'] as const) {
          const prefix = freshPrefix()
          const report = await create(rowsOf(cohortLearners(3, prefix)), { format })
          const batch = await run(report.batchId as string, { pool, chunkSize: 2 })
          expect(batch).to.include({ state: 'completed', issuedRows: 3, alreadyIssuedRows: 0, failedRows: 0 })
          const lines = await results(batch.id)
          expect(lines.map((l) => [l.row, l.state, l.clientKey])).to.deep.equal(
            [1, 2, 3].map((i) => [i, 'issued', learnerRefOf(prefix, i)]),
          )
          for (const line of lines) {
            const result = await verifyCredential(line.verifiableCredential, verifier)
            expect(result.verified, JSON.stringify(result.errors)).to.equal(true)
          }
          expect(await credentialsOf(prefix)).to.have.length(3)
          expect((await issuedKeys(prefix, 3)).size).to.equal(3)
        }
        expect(calls).to.deep.equal({ configure: 2, run: 4, close: 0 })
      } finally {
        await started.close()
      }
    })
  })

describe('batch worker pool', () => {
  const job = { credentialId: 'urn:uuid:00000000-0000-4000-8000-000000000000', learner: {} }

  for (const size of [1, 0])
    it(`refuses to run before it is configured (size ${size})`, async () => {
      const pool = startWorkerPool(size)
      try {
        expect(pool.size).to.equal(size)
        const err = await rejection(Promise.resolve().then(() => pool.run([job], new Date(CLI_TEST_NOW))))
        expect(err).to.be.instanceOf(Error)
        expect(err.message).to.equal('The batch worker pool was not configured')
      } finally {
        await pool.close()
      }
    })
})
