import { expect } from 'chai'
import { existsSync } from 'node:fs'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import SqliteDatabase from 'better-sqlite3'
import { cli } from '../../support/cli.js'

const EXAMPLES = fileURLToPath(new URL('../../../examples/', import.meta.url))
const COURSE = join(EXAMPLES, 'course.json')
const LEARNER = join(EXAMPLES, 'learner.json')
const LEARNER_REF = 'Student ID:2025-04711'

describe('CLI: learners erase', function () {
  this.timeout(60_000)
  let home: string
  const ids: string[] = []

  before(async () => {
    home = await mkdtemp(join(tmpdir(), 'mc-erase-'))
    expect((await cli(home, ['init'])).code).to.equal(0)
    for (const format of ['elm', 'edc'] as const) {
      const issued = await cli(home, [
        'issue',
        '--course',
        COURSE,
        '--learner',
        LEARNER,
        '--format',
        format,
        '--out',
        `held.${format}`,
      ])
      expect(issued.code, issued.err).to.equal(0)
      ids.push(/Issued (urn:uuid:[0-9a-f-]+)/.exec(issued.err)?.[1] as string)
    }
  })
  after(() => rm(home, { recursive: true, force: true }))

  it('an unknown learner reference erases nothing', async () => {
    const run = await cli(home, ['learners', 'erase', 'Student ID:nobody'])
    expect(run.code, run.err).to.equal(0)
    expect(run.json()).to.deep.equal({ erased: 0 })
  })

  it("erases the learner's data from every record; revocation still works on the credential the learner holds", async () => {
    const dbFile = join(home, 'data', 'microcred.db')
    const before = new SqliteDatabase(dbFile, { readonly: true })
    const rowsBefore = before
      .prepare('select learner_ref from credentials where id in (?, ?)')
      .all(...ids) as Array<{ learner_ref: string | null }>
    before.close()
    expect(rowsBefore.map((r) => r.learner_ref)).to.deep.equal([LEARNER_REF, LEARNER_REF])

    const run = await cli(home, ['learners', 'erase', LEARNER_REF])
    expect(run.code, run.err).to.equal(0)
    expect(run.json()).to.deep.equal({ erased: 2 })
    expect(run.out + run.err).not.to.include('2025-04711')

    const db = new SqliteDatabase(dbFile)
    try {
      db.pragma('wal_checkpoint(TRUNCATE)')
      const rows = db.prepare('select * from credentials').all() as Array<Record<string, unknown>>
      expect(rows).to.have.length(2)
      for (const row of rows) expect(row).to.include({ credential: '', learner_ref: null })
    } finally {
      db.close()
    }
    for (const file of [dbFile, `${dbFile}-wal`]) {
      if (!existsSync(file)) continue
      const bytes = await readFile(file)
      expect(bytes.includes('Rousseau'), file).to.equal(false)
      expect(bytes.includes('2025-04711'), file).to.equal(false)
    }

    const gone = await cli(home, ['status', ids[0] as string])
    expect(gone.code).to.equal(1)
    expect(gone.err).to.include('erased')

    const revoked = await cli(home, ['revoke', ...ids, '--reason', 'Awarded in error'])
    expect(revoked.code, revoked.err).to.equal(0)
    for (const format of ['elm', 'edc']) {
      const status = await cli(home, ['status', `held.${format}`])
      expect(status.code).to.equal(1)
      expect(status.json()).to.include({ status: 'fail', code: 'STATUS_REVOKED' })
    }

    const again = await cli(home, ['learners', 'erase', LEARNER_REF])
    expect(again.json()).to.deep.equal({ erased: 0 })
  })
})
