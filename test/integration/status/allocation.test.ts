import { randomUUID } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect } from 'chai'
import { allocateStatusEntries, MIN_STATUS_LIST_SIZE, type StatusEntry } from '../../../src/status/index.js'
import { openSqliteStorage } from '../../../src/storage/sqlite.js'
import type { Storage } from '../../../src/storage/storage.js'
import { forEachDialect } from '../storage/dialects.js'
import { createBareIssuer, createTestClock, PUBLIC_BASE_URL } from './status-fixtures.js'

const clock = createTestClock().clock

function newCredentialId(): string {
  return `urn:uuid:${randomUUID()}`
}

/** Fraction of consecutive allocations whose index went up: about 1/2 for random indices, 1 for sequential. */
function ascendingFraction(indices: number[]): number {
  let ascending = 0
  for (let i = 1; i < indices.length; i++)
    if ((indices[i] as number) > (indices[i - 1] as number)) ascending++
  return ascending / (indices.length - 1)
}

async function allocateMany(
  storage: Storage,
  ids: { tenantId: string; issuerId: string },
  count: number,
  extra: { listSize?: number; purposes?: Array<'revocation' | 'suspension'>; form?: 'jose' | 'di' } = {},
): Promise<StatusEntry[][]> {
  return Promise.all(
    Array.from({ length: count }, () =>
      allocateStatusEntries(
        { storage, clock },
        {
          ...ids,
          credentialId: newCredentialId(),
          form: extra.form ?? 'jose',
          purposes: extra.purposes ?? ['revocation'],
          publicBaseUrl: PUBLIC_BASE_URL,
        },
        extra.listSize === undefined ? undefined : { listSize: extra.listSize },
      ),
    ),
  )
}

forEachDialect('status list allocation', (getStorage) => {
  it('gives 500 concurrent allocations 500 distinct, randomly placed slots of one list', async function () {
    this.timeout(60_000)
    const storage = getStorage()
    const { tenant, issuer } = await createBareIssuer(storage)
    const started = performance.now()
    const results = await allocateMany(storage, { tenantId: tenant.id, issuerId: issuer.id }, 500)
    const elapsed = performance.now() - started
    const entries = results.map((r) => r[0] as StatusEntry)

    expect(new Set(entries.map((e) => e.id)).size).to.equal(500)
    const urls = new Set(entries.map((e) => e.statusListCredential))
    expect(urls.size).to.equal(1)
    const [url] = urls
    expect(url).to.match(new RegExp(`^${PUBLIC_BASE_URL}/status-lists/[0-9a-f-]{36}$`))

    // Promise.all keeps call order, so `indices` is in the order the calls were made.
    const indices = entries.map((e) => Number(e.statusListIndex))
    for (const index of indices) expect(index).to.be.within(0, MIN_STATUS_LIST_SIZE - 1)
    // Sequential allocation would give 1.0 (or 0 ascending steps in reverse); random gives ~0.5 (sd ~0.022).
    expect(ascendingFraction(indices)).to.be.within(0.4, 0.6)
    // Uniform over [0, 131072): the mean is ~65536 with sd ~1700 for 500 draws.
    const mean = indices.reduce((a, b) => a + b, 0) / indices.length
    expect(mean).to.be.within(MIN_STATUS_LIST_SIZE * 0.4, MIN_STATUS_LIST_SIZE * 0.6)
    expect(Math.max(...indices) - Math.min(...indices)).to.be.greaterThan(MIN_STATUS_LIST_SIZE / 2)

    const list = await storage.statusLists.getByUrl(url as string)
    expect(list).to.include({
      sequence: 1,
      size: 131_072,
      capacity: 98_304,
      allocated: 500,
      purpose: 'revocation',
      form: 'jose',
    })
    expect(list?.tenantId).to.equal(tenant.id)
    // Reported for the record; asserting on speed would make the test depend on the machine.
    console.log(`      (${(500 / (elapsed / 1000)).toFixed(0)} allocations/s)`)
  })

  it('entries follow the contract; each purpose gets a slot in its own list', async () => {
    const storage = getStorage()
    const { tenant, issuer } = await createBareIssuer(storage)
    const credentialId = newCredentialId()
    const entries = await allocateStatusEntries(
      { storage, clock },
      {
        tenantId: tenant.id,
        issuerId: issuer.id,
        credentialId,
        form: 'jose',
        purposes: ['suspension', 'revocation'],
        publicBaseUrl: `${PUBLIC_BASE_URL}/`,
      },
    )
    expect(entries.map((e) => e.statusPurpose)).to.deep.equal(['suspension', 'revocation'])
    const [suspension, revocation] = entries as [StatusEntry, StatusEntry]
    expect(suspension.statusListCredential).to.not.equal(revocation.statusListCredential)
    for (const entry of entries) {
      expect(entry.type).to.equal('BitstringStatusListEntry')
      expect(entry.statusListCredential.startsWith(`${PUBLIC_BASE_URL}/status-lists/`)).to.equal(true)
      expect(entry.id).to.equal(`${entry.statusListCredential}#${entry.statusListIndex}`)
      expect(entry.statusListIndex).to.match(/^(0|[1-9][0-9]*)$/)
    }
    const slots = await storage.statusLists.getSlotsByCredential(credentialId)
    expect(slots.map((s) => [s.slot.purpose, s.list.purpose, s.slot.value])).to.have.deep.members([
      ['revocation', 'revocation', 0],
      ['suspension', 'suspension', 0],
    ])

    const di = await allocateStatusEntries(
      { storage, clock },
      {
        tenantId: tenant.id,
        issuerId: issuer.id,
        credentialId: newCredentialId(),
        form: 'di',
        purposes: ['revocation'],
        publicBaseUrl: PUBLIC_BASE_URL,
      },
    )
    expect(di[0]?.type).to.deep.equal(['BitstringStatusListEntry', 'CredentialStatus'])
    // A list serves one form: the di credential does not share the jose revocation list.
    expect(di[0]?.statusListCredential).to.not.equal(revocation.statusListCredential)
  })

  it('rolls over to the next list at 3/4 of its size, also under concurrency (listSize 16: capacity 12)', async function () {
    this.timeout(30_000)
    const storage = getStorage()
    const { tenant, issuer } = await createBareIssuer(storage)
    const results = await allocateMany(storage, { tenantId: tenant.id, issuerId: issuer.id }, 50, {
      listSize: 16,
      purposes: ['revocation', 'suspension'],
    })
    const entries = results.flat()
    expect(new Set(entries.map((e) => e.id)).size).to.equal(100)

    const lists = await storage.statusLists.listByTenant(tenant.id)
    for (const purpose of ['revocation', 'suspension'] as const) {
      const ofPurpose = lists.filter((l) => l.purpose === purpose)
      // 50 slots at 12 per list: four full lists and a fifth with 2.
      expect(ofPurpose.map((l) => l.sequence)).to.deep.equal([1, 2, 3, 4, 5])
      expect(ofPurpose.map((l) => l.allocated)).to.deep.equal([12, 12, 12, 12, 2])
      for (const list of ofPurpose) {
        expect(list).to.include({ size: 16, capacity: 12 })
        const inList = entries.filter((e) => e.statusListCredential === list.url)
        expect(inList).to.have.length(list.allocated)
        for (const e of inList) expect(Number(e.statusListIndex)).to.be.within(0, 15)
      }
    }
    // No credential has both its slots in one list: lists never mix purposes.
    for (const [revocation, suspension] of results as Array<[StatusEntry, StatusEntry]>) {
      expect(revocation.statusListCredential).to.not.equal(suspension.statusListCredential)
    }
  })

  it('refuses a second slot of the same purpose for one credential, leaving no trace', async () => {
    const storage = getStorage()
    const { tenant, issuer } = await createBareIssuer(storage)
    const input = {
      tenantId: tenant.id,
      issuerId: issuer.id,
      credentialId: newCredentialId(),
      form: 'jose' as const,
      purposes: ['revocation' as const],
      publicBaseUrl: PUBLIC_BASE_URL,
    }
    await allocateStatusEntries({ storage, clock }, input)
    await expect(
      allocateStatusEntries({ storage, clock }, { ...input, purposes: ['suspension', 'revocation'] }),
    ).to.be.rejected.and.eventually.have.property('code', 'ERR_STORAGE_CONFLICT')
    // The whole allocation rolled back: no suspension slot, and the revocation counter did not move.
    expect(
      (await storage.statusLists.getSlotsByCredential(input.credentialId)).map((s) => s.slot.purpose),
    ).to.deep.equal(['revocation'])
    const lists = await storage.statusLists.listByTenant(tenant.id)
    expect(lists.find((l) => l.purpose === 'revocation')?.allocated).to.equal(1)
    expect(lists.find((l) => l.purpose === 'suspension')?.allocated ?? 0).to.equal(0)
  })

  it('validates its input and refuses an issuer of another tenant', async () => {
    const storage = getStorage()
    const { tenant, issuer } = await createBareIssuer(storage)
    const other = await createBareIssuer(storage)
    const base = {
      tenantId: tenant.id,
      issuerId: issuer.id,
      credentialId: newCredentialId(),
      form: 'jose' as const,
      purposes: ['revocation' as const],
      publicBaseUrl: PUBLIC_BASE_URL,
    }
    const err = await allocateStatusEntries(
      { storage, clock },
      {
        ...base,
        credentialId: '',
        purposes: ['revocation', 'revocation'],
        publicBaseUrl: 'ftp://x',
      },
    ).catch((e: unknown) => e)
    expect(err).to.have.property('code', 'ERR_VALIDATION')
    expect((err as { problems: Array<{ field: string }> }).problems.map((p) => p.field)).to.deep.equal([
      'credentialId',
      'purposes/1',
      'publicBaseUrl',
    ])
    await expect(
      allocateStatusEntries({ storage, clock }, { ...base, purposes: [] }),
    ).to.be.rejected.and.eventually.have.property('code', 'ERR_VALIDATION')
    await expect(
      allocateStatusEntries({ storage, clock }, { ...base, tenantId: other.tenant.id }),
    ).to.be.rejected.and.eventually.have.property('code', 'ERR_NOT_FOUND')
    await expect(allocateStatusEntries({ storage, clock }, base, { listSize: 15 })).to.be.rejectedWith(
      TypeError,
    )
  })
})

describe('status list allocation on a SQLite file', () => {
  let dir: string
  let storage: Storage
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mc-status-sqlite-'))
    storage = await openSqliteStorage({ filename: join(dir, 'microcred.db') })
    await storage.migrate()
  })
  after(async () => {
    await storage.close()
    await rm(dir, { recursive: true, force: true })
  })

  it('serializes 300 concurrent two-purpose allocations without SQLITE_BUSY or deadlock', async function () {
    this.timeout(30_000)
    const { tenant, issuer } = await createBareIssuer(storage)
    const results = await allocateMany(storage, { tenantId: tenant.id, issuerId: issuer.id }, 300, {
      purposes: ['revocation', 'suspension'],
      listSize: 256,
    })
    expect(new Set(results.flat().map((e) => e.id)).size).to.equal(600)
    const lists = await storage.statusLists.listByTenant(tenant.id)
    // 300 slots per purpose at 192 per list.
    expect(lists.map((l) => [l.purpose, l.sequence, l.allocated])).to.deep.equal([
      ['revocation', 1, 192],
      ['revocation', 2, 108],
      ['suspension', 1, 192],
      ['suspension', 2, 108],
    ])
  })
})
