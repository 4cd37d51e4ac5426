import { spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import SqliteDatabase from 'better-sqlite3'
import { expect } from 'chai'
import { openSqliteStorage } from '../../../src/storage/sqlite.js'
import { createBareIssuer } from '../status/status-fixtures.js'

const WORKER = fileURLToPath(new URL('../status/allocation-worker.ts', import.meta.url))
const PER_PROCESS = 300
const IN_FLIGHT = 10

interface WorkerRun {
  code: number | null
  stdout: string
  stderr: string
}

function runWorker(env: Record<string, string>): Promise<WorkerRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', WORKER], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, stdout, stderr }))
  })
}

// A CLI command next to a running service: two processes, one connection each, on one database file. With
// deferred transactions one of them fails with SQLITE_BUSY within the first few allocations.
describe('two processes writing one SQLite file', function () {
  // About 2 s, most of it the two processes starting.
  this.timeout(30_000)
  let dir: string
  let file: string

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mc-sqlite-processes-'))
    file = join(dir, 'microcred.db')
  })
  after(() => rm(dir, { recursive: true, force: true }))

  it('allocates 300 credentials each, 10 in flight, without an error: 1,200 distinct slots', async () => {
    const storage = await openSqliteStorage({ filename: file })
    let ids: { tenantId: string; issuerId: string }
    try {
      await storage.migrate()
      const { tenant, issuer } = await createBareIssuer(storage)
      ids = { tenantId: tenant.id, issuerId: issuer.id }
    } finally {
      await storage.close()
    }

    const env = {
      SQLITE_FILE: file,
      TENANT_ID: ids.tenantId,
      ISSUER_ID: ids.issuerId,
      COUNT: String(PER_PROCESS),
      IN_FLIGHT: String(IN_FLIGHT),
    }
    const started = performance.now()
    const runs = await Promise.all([runWorker(env), runWorker(env)])
    const seconds = (performance.now() - started) / 1000
    for (const run of runs) expect(run.code, run.stderr).to.equal(0)

    const db = new SqliteDatabase(file, { readonly: true })
    try {
      const row = db
        .prepare(
          `select
             (select count(*) from status_slots) as slots,
             (select count(*) from (select distinct list_id, status_index from status_slots)) as distinct_slots,
             (select count(distinct credential_id) from status_slots) as credentials,
             (select count(*) from status_slots s join status_lists l on l.id = s.list_id where s.purpose <> l.purpose) as misplaced,
             (select count(*) from status_lists l
                where l.allocated <> (select count(*) from status_slots s where s.list_id = l.id)) as bad_lists`,
        )
        .get() as {
        slots: number
        distinct_slots: number
        credentials: number
        misplaced: number
        bad_lists: number
      }
      expect(row).to.deep.equal({
        slots: 2 * 2 * PER_PROCESS,
        distinct_slots: 2 * 2 * PER_PROCESS,
        credentials: 2 * PER_PROCESS,
        // Each slot is in a list of its own purpose, and every list's counter matches its slots.
        misplaced: 0,
        bad_lists: 0,
      })
    } finally {
      db.close()
    }
    console.log(`      (${seconds.toFixed(1)} s for both processes, start-up included)`)
  })
})
