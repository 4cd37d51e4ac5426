/**
 * Child process of two-processes.test.ts: allocates `COUNT` credentials' status entries against the
 * PostgreSQL schema named by `DATABASE_URL`, `IN_FLIGHT` at a time, and prints a JSON summary on stdout.
 */
import { randomUUID } from 'node:crypto'
import { systemClock } from '../../../src/clock.js'
import { allocateStatusEntries } from '../../../src/status/index.js'
import { openPostgresStorage } from '../../../src/storage/postgres.js'

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
  // The default pool (10 connections), as a deployment has it: the 20 calls in flight queue for connections.
  const storage = await openPostgresStorage({ connectionString: required('DATABASE_URL') })
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
    process.stdout.write(`${JSON.stringify({ allocated: count, ms: Math.round(performance.now() - begin) })}\n`)
  } finally {
    await storage.close()
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`)
  process.exitCode = 1
})
