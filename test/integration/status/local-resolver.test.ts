import { createHash, randomUUID } from 'node:crypto'
import { expect } from 'chai'
import type { IssuerView } from '../../../src/issuer/issuer-identity.js'
import {
  allocateStatusEntries,
  changeStatus,
  createLocalStatusListResolver,
  DEFAULT_STATUS_LIST_LIFETIME_MS,
  getStatusListCredential,
  type StatusEntry,
  type StatusListForm,
} from '../../../src/status/index.js'
import type { Storage } from '../../../src/storage/storage.js'
import { forEachDialect } from '../storage/dialects.js'
import {
  createCountingKeyStore,
  createKeyedTenant,
  createTestClock,
  listDocument,
  PUBLIC_BASE_URL,
  readBit,
  T0,
  verifierDocumentLoader,
  type CountingKeyStore,
} from './status-fixtures.js'

forEachDialect('local status list resolver', (getStorage) => {
  const time = createTestClock()
  let keys: CountingKeyStore
  let storage: Storage
  let zed: IssuerView
  const deps = () => ({
    storage,
    keyStore: keys.keyStore,
    clock: time.clock,
    documentLoader: verifierDocumentLoader(),
  })
  const resolver = () => createLocalStatusListResolver({ ...deps(), publicBaseUrl: `${PUBLIC_BASE_URL}/` })

  before(async () => {
    storage = getStorage()
    keys = await createCountingKeyStore()
    zed = await createKeyedTenant({ storage, keyStore: keys.keyStore, clock: time.clock }, 'zed', 'Ed25519')
  })
  after(() => keys.dispose())
  beforeEach(() => time.set(T0))

  /** A fresh issuer's list of `form` (each test gets its own list), with one allocated entry. */
  async function freshEntry(
    form: StatusListForm = 'jose',
  ): Promise<{ credentialId: string; entry: StatusEntry }> {
    const view = await createKeyedTenant(
      { storage, keyStore: keys.keyStore, clock: time.clock },
      `u-${randomUUID().slice(0, 8)}`,
      'Ed25519',
    )
    const credentialId = `urn:uuid:${randomUUID()}`
    const [entry] = await allocateStatusEntries(
      { storage, clock: time.clock },
      {
        tenantId: view.tenant.id,
        issuerId: view.issuer.id,
        credentialId,
        form,
        purposes: ['revocation'],
        publicBaseUrl: PUBLIC_BASE_URL,
      },
    )
    return { credentialId, entry: entry as StatusEntry }
  }

  it('leaves every other URL to the next resolver', async () => {
    const resolve = resolver()
    const { entry } = await freshEntry()
    const path = new URL(entry.statusListCredential).pathname
    expect(await resolve(`https://elsewhere.example.org${path}`)).to.equal(undefined)
    expect(await resolve(`${PUBLIC_BASE_URL}/credentials/x`)).to.equal(undefined)
    expect(await resolve(`${PUBLIC_BASE_URL}.evil.example/status-lists/x`)).to.equal(undefined)
    expect(await resolve('did:key:z6Mk')).to.equal(undefined)
  })

  it('refuses an unknown list under its own prefix instead of letting it go to the network', async () => {
    const url = `${PUBLIC_BASE_URL}/status-lists/${randomUUID()}`
    await expect(resolver()(url)).to.be.rejected.and.eventually.include({
      code: 'ERR_STATUS_RETRIEVAL',
      reason: 'http-status',
      url,
    })
  })

  it('publishes a never-published list on first use, then serves the stored one', async () => {
    const { entry } = await freshEntry()
    const resolve = resolver()
    const before = keys.signatures()
    const first = await resolve(entry.statusListCredential)
    expect(keys.signatures() - before).to.equal(1)
    expect(first).to.include({
      url: entry.statusListCredential,
      form: 'jose',
      validUntil: '2026-11-26T10:00:00.000Z',
    })
    expect(first?.credential).to.be.a('string')
    expect(first?.etag).to.match(/^"[A-Za-z0-9_-]{43}"$/)
    expect(await readBit(first?.credential as string, entry.statusListIndex)).to.equal(false)

    time.advance(60_000)
    const second = await resolve(entry.statusListCredential)
    expect(keys.signatures() - before).to.equal(1)
    expect(second).to.deep.equal(first)
  })

  it('re-publishes a dirty list (a change whose publication did not happen) and shows the change', async () => {
    const { entry } = await freshEntry()
    const resolve = resolver()
    const first = await resolve(entry.statusListCredential)
    // A committed change without the publication that normally follows it (e.g. the signer was down).
    const list = await storage.statusLists.getByUrl(entry.statusListCredential)
    await storage.transaction(async (tx) => {
      await tx.statusLists.setSlotValue(list?.id as string, Number(entry.statusListIndex), 1, T0)
      await tx.statusLists.markChanged(list?.id as string)
    })
    time.advance(1000)
    const before = keys.signatures()
    const second = await resolve(entry.statusListCredential)
    expect(keys.signatures() - before).to.equal(1)
    expect(second?.etag).to.not.equal(first?.etag)
    expect(await readBit(second?.credential as string, entry.statusListIndex)).to.equal(true)
    expect((await storage.statusLists.getByUrl(entry.statusListCredential))?.dirty).to.equal(false)
  })

  it('serves what changeStatus published without signing again', async () => {
    const resolve = createLocalStatusListResolver({ ...deps(), publicBaseUrl: PUBLIC_BASE_URL })
    const credentialId = `urn:uuid:${randomUUID()}`
    const [entry] = await allocateStatusEntries(
      { storage, clock: time.clock },
      {
        tenantId: zed.tenant.id,
        issuerId: zed.issuer.id,
        credentialId,
        form: 'jose',
        purposes: ['revocation'],
        publicBaseUrl: PUBLIC_BASE_URL,
      },
    )
    await changeStatus(deps(), {
      tenantSlug: 'zed',
      actor: 'a',
      changes: [{ credentialId, action: 'revoke', reason: 'x' }],
    })
    const before = keys.signatures()
    const resolved = await resolve(entry?.statusListCredential as string)
    expect(keys.signatures()).to.equal(before)
    expect(await readBit(resolved?.credential as string, entry?.statusListIndex as string)).to.equal(true)
  })

  it('re-publishes an expired list when the clock passes its validUntil', async () => {
    const { entry } = await freshEntry()
    const resolve = resolver()
    const first = await resolve(entry.statusListCredential)
    time.advance(DEFAULT_STATUS_LIST_LIFETIME_MS - 1)
    const before = keys.signatures()
    expect((await resolve(entry.statusListCredential))?.etag).to.equal(first?.etag)
    expect(keys.signatures()).to.equal(before)

    time.advance(1)
    const renewed = await resolve(entry.statusListCredential)
    expect(keys.signatures() - before).to.equal(1)
    expect(renewed?.validUntil).to.equal('2026-11-27T10:00:00.000Z')
    expect(listDocument(renewed?.credential as string)).to.include({ validFrom: '2026-11-26T10:00:00.000Z' })
  })

  it('honours the lifetime and ttl options', async () => {
    const { entry } = await freshEntry()
    const resolve = createLocalStatusListResolver(
      { ...deps(), publicBaseUrl: PUBLIC_BASE_URL },
      { listLifetimeMs: 3_600_000, ttlMs: 60_000 },
    )
    const resolved = await resolve(entry.statusListCredential)
    expect(resolved?.validUntil).to.equal('2026-11-25T11:00:00.000Z')
    expect(listDocument(resolved?.credential as string).credentialSubject).to.include({ ttl: 60_000 })
  })

  it('shares one publication between concurrent reads of a stale list', async () => {
    const { entry } = await freshEntry()
    const resolve = resolver()
    const before = keys.signatures()
    const results = await Promise.all(Array.from({ length: 10 }, () => resolve(entry.statusListCredential)))
    expect(keys.signatures() - before).to.equal(1)
    expect(new Set(results.map((r) => r?.etag)).size).to.equal(1)
  })

  it('returns a Data Integrity list as a JSON document', async () => {
    const { entry } = await freshEntry('di')
    const resolved = await resolver()(entry.statusListCredential)
    expect(resolved?.form).to.equal('di')
    const credential = resolved?.credential as Record<string, unknown>
    expect(credential).to.be.an('object')
    expect(credential).to.include({ id: entry.statusListCredential, expirationDate: resolved?.validUntil })
    expect(credential.proof).to.include({ type: 'DataIntegrityProof', cryptosuite: 'eddsa-rdfc-2022' })
  })

  it('getStatusListCredential gives the exact bytes an HTTP route serves, matching their etag', async () => {
    const { entry } = await freshEntry('di')
    const listId = entry.statusListCredential.split('/').pop() as string
    const before = keys.signatures()
    const first = await getStatusListCredential(deps(), listId)
    const again = await getStatusListCredential(deps(), listId)
    expect(keys.signatures() - before).to.equal(1)
    expect(again).to.deep.equal(first)
    expect(first.etag).to.equal(
      `"${createHash('sha256').update(Buffer.from(first.published, 'utf8')).digest('base64url')}"`,
    )
    expect(JSON.parse(first.published)).to.deep.equal(first.credential)
    await expect(getStatusListCredential(deps(), randomUUID())).to.be.rejected.and.eventually.have.property(
      'code',
      'ERR_NOT_FOUND',
    )
  })
})
