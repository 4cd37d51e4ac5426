/**
 * Child process of the two-process allocation benchmark (see `bench/status.bench.ts`). Opens the database the
 * way a deployment does (`DATABASE_URL` for PostgreSQL with its default pool, else the SQLite file
 * `SQLITE_FILE`), prints `ready`, waits for a line on stdin, then allocates revocation and suspension entries
 * for `COUNT` credentials, `IN_FLIGHT` at a time, and prints one JSON line: `{ "allocated": n, "ms": t }`.
 */
import { randomUUID } from 'node:crypto'
import { createInterface } from 'node:readline'
import { systemClock } from '../src/clock.js'
import { allocateStatusEntries } from '../src/status/index.js'
import { openStorage } from '../src/storage/open-storage.js'

function required(name: string): string {
  const value = process.env[name]
  if (!value) throw new Error(`${name} is required`)
  return value
}

/** Resolves at the first line on stdin (the parent's start signal), or when stdin closes. */
function startSignal(): Promise<void> {
  return new Promise((resolve) => {
    const lines = createInterface({ input: process.stdin })
    const done = () => {
      lines.close()
      resolve()
    }
    lines.once('line', done)
    lines.once('close', done)
  })
}

async function main(): Promise<void> {
  const count = Number(required('COUNT'))
  const inFlight = Number(required('IN_FLIGHT'))
  const tenantId = required('TENANT_ID')
  const issuerId = required('ISSUER_ID')
  const databaseUrl = process.env.DATABASE_URL
  const storage = await openStorage(
    databaseUrl ? { databaseUrl, sqliteFile: '' } : { sqliteFile: required('SQLITE_FILE') },
  )
  try {
    process.stdout.write('ready\n')
    await startSignal()
    let started = 0
    const begin = performance.now()
    const run = async (): Promise<void> => {
      while (started < count) {
        started++
        await allocateStatusEntries(
          { storage, clock: systemClock },
          {
            tenantId,
            issuerId,
            credentialId: `urn:uuid:${randomUUID()}`,
            form: 'jose',
            purposes: ['revocation', 'suspension'],
            publicBaseUrl: 'https://microcred.example.edu',
          },
        )
      }
    }
    await Promise.all(Array.from({ length: inFlight }, run))
    process.stdout.write(`${JSON.stringify({ allocated: count, ms: performance.now() - begin })}\n`)
  } finally {
    await storage.close()
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`)
  process.exitCode = 1
})
