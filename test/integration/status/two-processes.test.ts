import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { expect } from 'chai'
import pg from 'pg'
import { openPostgresStorage } from '../../../src/storage/postgres.js'
import type { Storage } from '../../../src/storage/storage.js'
import { createTestSchemaUrl, skipOrFailWithoutPostgres } from '../storage/dialects.js'
import { createBareIssuer } from './status-fixtures.js'

const WORKER = fileURLToPath(new URL('./allocation-worker.ts', import.meta.url))
const PER_PROCESS = 5_000
const IN_FLIGHT = 20

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

describe('status list allocation from two processes on one PostgreSQL database', function () {
  // 2 x 5,000 credentials x 2 purposes; about 20 s on a loaded two-core machine.
  this.timeout(180_000)
  let schema: { url: string; dispose(): Promise<void> } | undefined
  let storage: Storage | undefined

  before(async function () {
    try {
      schema = await createTestSchemaUrl()
    } catch (err) {
      skipOrFailWithoutPostgres(this, err)
    }
    storage = await openPostgresStorage({ connectionString: schema.url })
    await storage.migrate()
  })

  after(async () => {
    await storage?.close()
    await schema?.dispose()
  })

  it('hands out 20,000 distinct slots to 10,000 credentials', async () => {
    const db = storage as Storage
    const url = (schema as { url: string }).url
    const { tenant, issuer } = await createBareIssuer(db)
    const env = {
      DATABASE_URL: url,
      TENANT_ID: tenant.id,
      ISSUER_ID: issuer.id,
      COUNT: String(PER_PROCESS),
      IN_FLIGHT: String(IN_FLIGHT),
    }
    const started = performance.now()
    const runs = await Promise.all([runWorker(env), runWorker(env)])
    const seconds = (performance.now() - started) / 1000
    for (const run of runs) expect(run.code, run.stderr).to.equal(0)

    const client = new pg.Client({ connectionString: url })
    await client.connect()
    try {
      const { rows } = await client.query<{
        slots: string
        distinct_slots: string
        credentials: string
        bad_lists: string
      }>(`
        select
          (select count(*) from status_slots) as slots,
          (select count(*) from (select distinct list_id, status_index from status_slots) s) as distinct_slots,
          (select count(distinct credential_id) from status_slots) as credentials,
          (select count(*) from status_lists l
             where l.allocated > l.capacity
                or l.allocated <> (select count(*) from status_slots s where s.list_id = l.id)) as bad_lists`)
      const [row] = rows
      expect(Number(row?.slots)).to.equal(2 * 2 * PER_PROCESS)
      expect(Number(row?.distinct_slots)).to.equal(2 * 2 * PER_PROCESS)
      expect(Number(row?.credentials)).to.equal(2 * PER_PROCESS)
      // Every list's counter matches its slots: no reservation was lost or doubled.
      expect(Number(row?.bad_lists)).to.equal(0)
      // Each credential has exactly one slot per purpose, in lists of that purpose.
      const purposes = await client.query<{ n: string }>(`
        select count(*) as n from status_slots s join status_lists l on l.id = s.list_id
         where s.purpose <> l.purpose`)
      expect(Number(purposes.rows[0]?.n)).to.equal(0)
    } finally {
      await client.end()
    }
    const perProcess = runs.map((r) => JSON.parse(r.stdout) as { ms: number })
    console.log(
      `      (${seconds.toFixed(1)} s for both; ${perProcess.map((p) => `${((PER_PROCESS / p.ms) * 1000).toFixed(0)}`).join(' + ')} credentials/s)`,
    )
  })
})
