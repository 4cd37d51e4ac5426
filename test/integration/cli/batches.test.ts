import { expect } from 'chai'
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createBatch, readBatchRows } from '../../../src/batch/index.js'
import { loadConfig } from '../../../src/config/load-config.js'
import { createContext } from '../../../src/context.js'
import { cli, CLI_TEST_NOW } from '../../support/cli.js'
import { cohortCsv, cohortJsonl, cohortLearners, inPieces } from '../../support/cohort.js'
import { fixedClock } from '../../../src/clock.js'

const EXAMPLES = fileURLToPath(new URL('../../../examples/', import.meta.url))
const COURSE = join(EXAMPLES, 'course.json')
const COHORT = join(EXAMPLES, 'cohort.csv')

const linesOf = (text: string) =>
  text
    .trimEnd()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, any>)

describe('CLI: issue-batch and batches', function () {
  this.timeout(120_000)
  let home: string
  let batchId: string
  let courseRef: string

  before(async () => {
    home = await mkdtemp(join(tmpdir(), 'mc-cli-batches-'))
    const init = await cli(home, ['init'])
    expect(init.code, init.err).to.equal(0)
    courseRef = (JSON.parse(await readFile(COURSE, 'utf8')) as { id: string }).id
  })
  after(() => rm(home, { recursive: true, force: true }))

  const batchCount = async () => (await cli(home, ['batches', 'list'])).json().length as number

  it('issues examples/cohort.csv in a fresh home: results in --out, one line per learner', async () => {
    const run = await cli(home, [
      'issue-batch',
      '--course',
      COURSE,
      '--learners',
      COHORT,
      '--workers',
      '0',
      '--out',
      'results.jsonl',
    ])
    expect(run.code, run.err).to.equal(0)
    expect(run.out).to.equal('')
    batchId = /^Batch ([0-9a-f-]{36}): 5 rows/m.exec(run.err)?.[1] as string
    expect(batchId, run.err).to.be.a('string')
    expect(run.err).to.match(/Completed: 5 issued, 0 already issued, 0 failed, of 5 rows/)
    expect(run.err).to.include('100% | 5/5 rows')
    const lines = linesOf(await readFile(join(home, 'results.jsonl'), 'utf8'))
    expect(lines.map((l) => [l.row, l.state, l.clientKey])).to.deep.equal(
      [11, 12, 13, 14, 15].map((n, i) => [i + 1, 'issued', `Student ID:2025-047${n}`]),
    )
    for (const line of lines) {
      expect(line.credentialId).to.match(/^urn:uuid:/)
      expect(line.verifiableCredential.type).to.equal('EnvelopedVerifiableCredential')
      expect(line.claimUrl).to.match(/^http:\/\/localhost:8080\/claims\//)
    }
    expect((await stat(join(home, 'results.jsonl'))).mode & 0o077).to.equal(0)
  })

  it('again: nothing new is issued; the results on stdout name the same credentials', async () => {
    const first = linesOf(await readFile(join(home, 'results.jsonl'), 'utf8'))
    const run = await cli(home, [
      'issue-batch',
      '--course',
      courseRef,
      '--learners',
      COHORT,
      '--workers',
      '0',
    ])
    expect(run.code, run.err).to.equal(0)
    expect(run.err).to.match(/Completed: 0 issued, 5 already issued, 0 failed/)
    const lines = linesOf(run.out)
    expect(lines.map((l) => l.state)).to.deep.equal(Array(5).fill('already-issued'))
    expect(lines.map((l) => l.credentialId)).to.deep.equal(first.map((l) => l.credentialId))
  })

  it('batches list, status and results read the batch back', async () => {
    const list = await cli(home, ['batches', 'list'])
    expect(list.code, list.err).to.equal(0)
    expect(list.json().map((b: { id: string }) => b.id)).to.include(batchId)
    const status = await cli(home, ['batches', 'status', batchId])
    expect(status.code, status.err).to.equal(0)
    expect(status.json()).to.include({ id: batchId, state: 'completed', issuedRows: 5, pendingRows: 0 })
    const results = await cli(home, ['batches', 'results', batchId])
    expect(results.code, results.err).to.equal(0)
    expect(results.out).to.equal(await readFile(join(home, 'results.jsonl'), 'utf8'))
    const missing = await cli(home, ['batches', 'status', 'no-such-batch'])
    expect(missing.code).to.equal(1)
    expect(missing.err).to.include('ERR_NOT_FOUND')
  })

  it('--dry-run prints the report on stdout and stores nothing', async () => {
    const before = await batchCount()
    await writeFile(join(home, 'cohort.jsonl'), cohortJsonl(cohortLearners(3, 'DRY')))
    const run = await cli(home, [
      'issue-batch',
      '--course',
      courseRef,
      '--learners',
      'cohort.jsonl',
      '--dry-run',
    ])
    expect(run.code, run.err).to.equal(0)
    expect(run.json()).to.include({ dryRun: true, totalRows: 3, validRows: 3, invalidRows: 0 })
    expect(await batchCount()).to.equal(before)
  })

  it('an invalid file exits 1 with the problems of each row on stderr; nothing is stored', async () => {
    const before = await batchCount()
    const learners = cohortLearners(3, 'BAD')
    learners[1] = { ...learners[1], givenName: '' }
    learners[2] = { ...learners[2], activity: { startDate: '2025-04-25', endDate: '2025-02-03' } }
    await writeFile(join(home, 'bad.csv'), cohortCsv(learners))
    const run = await cli(home, ['issue-batch', '--course', courseRef, '--learners', 'bad.csv'])
    expect(run.code).to.equal(1)
    expect(run.out).to.equal('')
    expect(run.err).to.include('ERR_BATCH_INVALID').and.include('2 of 3 rows are invalid')
    expect(run.err)
      .to.match(/- rows\/2\/givenName: /)
      .and.match(/- rows\/3\/endDate: /)
    expect(await batchCount()).to.equal(before)

    const dry = await cli(home, ['issue-batch', '--course', courseRef, '--learners', 'bad.csv', '--dry-run'])
    expect(dry.code).to.equal(1)
    expect(dry.json()).to.include({ invalidRows: 2 })
    expect(dry.err).to.match(/- rows\/2\/givenName: /)
  })

  it('usage and unreadable input', async () => {
    const noExtension = await cli(home, ['issue-batch', '--course', courseRef, '--learners', 'cohort.txt'])
    expect(noExtension.code).to.equal(2)
    expect(noExtension.err).to.include('--input-format')
    const missing = await cli(home, ['issue-batch', '--course', courseRef, '--learners', 'none.csv'])
    expect(missing.code).to.equal(1)
    expect(missing.err).to.include('none.csv: ENOENT')
    const workers = await cli(home, [
      'issue-batch',
      '--course',
      courseRef,
      '--learners',
      COHORT,
      '--workers',
      'x',
    ])
    expect(workers.code).to.equal(2)
  })

  it('batches resume issues what is left of an unfinished batch', async () => {
    const ctx = await createContext(loadConfig({ env: { MICROCRED_HOME: home }, cwd: home }), {
      clock: fixedClock(CLI_TEST_NOW),
    })
    let id: string
    try {
      const report = await createBatch(ctx, {
        tenantSlug: 'default',
        courseRef,
        format: 'edc',
        rows: readBatchRows(inPieces(cohortCsv(cohortLearners(2, 'RES'))), 'csv'),
        createdBy: 'test',
      })
      id = report.batchId as string
    } finally {
      await ctx.close()
    }
    const run = await cli(home, ['batches', 'resume', id, '--workers', '0'])
    expect(run.code, run.err).to.equal(0)
    expect(linesOf(run.out).map((l) => l.state)).to.deep.equal(['issued', 'issued'])
    const again = await cli(home, ['batches', 'resume', id, '--workers', '0'])
    expect(again.code, again.err).to.equal(0)
    expect(again.err).to.match(/Completed: 2 issued/)
  })
})
