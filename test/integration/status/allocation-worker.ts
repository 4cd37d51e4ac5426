/**
 * Child process of the two-process allocation tests: allocates `COUNT` credentials' status entries,
 * `IN_FLIGHT` at a time, against the PostgreSQL schema named by `DATABASE_URL` or else the SQLite file
 * `SQLITE_FILE`, and prints a JSON summary on stdout.
 */
import { randomUUID } from 'node:crypto'
import { systemClock } from '../../../src/clock.js'
import { allocateStatusEntries } from '../../../src/status/index.js'
import { openStorage } from '../../../src/storage/open-storage.js'

function required(name: string): string {
  const value = process.env[name]
  if (!value) throw new Error(`${name} is required`)
  return value
}

async function main(): Promise<void> {
  const count = Number(required('COUNT'))
  const inFlight = Number(required('IN_FLIGHT'))
  const tenantId = required('TENANT_ID')
  const issuerId = required('ISSUER_ID')
  // Opened as a deployment opens it (on PostgreSQL the default pool of 10 connections, for which the calls in
  // flight queue), so that the test exercises the production configuration.
  const storage = await openStorage(
    process.env.DATABASE_URL
      ? { databaseUrl: process.env.DATABASE_URL, sqliteFile: '' }
      : { sqliteFile: required('SQLITE_FILE') },
  )
  try {
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
    process.stdout.write(
      `${JSON.stringify({ allocated: count, ms: Math.round(performance.now() - begin) })}\n`,
    )
  } finally {
    await storage.close()
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`)
  process.exitCode = 1
})
