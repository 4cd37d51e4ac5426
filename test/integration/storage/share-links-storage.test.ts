import { expect } from 'chai'
import type { ShareLinkRecord, Storage } from '../../../src/storage/storage.js'
import { forEachDialect } from './dialects.js'

const T0 = '2026-11-25T10:00:00.000Z'
const T1 = '2026-11-25T11:00:00.000Z'
const T2 = '2026-11-25T12:00:00.000Z'

/** A tenant, its issuer and one credential, under unique ids. */
async function seed(storage: Storage, name: string): Promise<{ tenantId: string; credentialId: string }> {
  const tenantId = `t-${name}`
  await storage.tenants.create({ id: tenantId, slug: tenantId, name, createdAt: T0 })
  await storage.issuers.create({
    id: `i-${name}`,
    tenantId,
    did: `did:web:${name}.example.edu`,
    didMethod: 'web',
    profile: {
      legalName: { en: 'University of Zed' },
      country: 'IE',
      address: { en: '1 Main Street' },
      eidasIdentifier: { notation: 'IE-1', country: 'IE' },
      development: false,
    },
    isDefault: true,
    createdAt: T0,
    updatedAt: T0,
  })
  const credentialId = `urn:uuid:${name}`
  await storage.credentials.insert({
    id: credentialId,
    tenantId,
    issuerId: `i-${name}`,
    courseId: null,
    learnerRef: null,
    format: 'vc-jose',
    issuedAt: T0,
    credential: 'eyJhbGciOiJFZERTQSJ9.e30.sig',
    claimGeneration: 1,
    claimRevokedAt: null,
  })
  return { tenantId, credentialId }
}

function link(id: string, tenantId: string, credentialId: string, createdAt: string): ShareLinkRecord {
  return { id, tenantId, credentialId, createdAt, expiresAt: T2, revokedAt: null }
}

forEachDialect('storage: share links', (getStorage) => {
  it('creates, reads and lists a credential’s links, newest first', async () => {
    const storage = getStorage()
    const { tenantId, credentialId } = await seed(storage, 'share-list')
    const other = await seed(storage, 'share-list-other')
    const first = link('AAAAAAAAAAAAAAAAAAAAAAA1', tenantId, credentialId, T0)
    const second = link('AAAAAAAAAAAAAAAAAAAAAAA2', tenantId, credentialId, T1)
    expect(await storage.shareLinks.create(first)).to.deep.equal(first)
    await storage.shareLinks.create(second)
    await storage.shareLinks.create(link('AAAAAAAAAAAAAAAAAAAAAAA3', other.tenantId, other.credentialId, T1))
    expect(await storage.shareLinks.get(first.id)).to.deep.equal(first)
    expect(await storage.shareLinks.get('nothing')).to.equal(undefined)
    expect(await storage.shareLinks.listByCredential(credentialId)).to.deep.equal([second, first])
    const err = await storage.shareLinks.create(first).catch((e: unknown) => e)
    expect(err).to.have.property('code', 'ERR_STORAGE_CONFLICT')
  })

  it('revokes a link of its own credential once, and no other credential’s', async () => {
    const storage = getStorage()
    const { tenantId, credentialId } = await seed(storage, 'share-revoke')
    const other = await seed(storage, 'share-revoke-other')
    const shared = link('BBBBBBBBBBBBBBBBBBBBBBB1', tenantId, credentialId, T0)
    await storage.shareLinks.create(shared)
    expect(await storage.shareLinks.revoke(shared.id, other.credentialId, T1)).to.equal(false)
    expect((await storage.shareLinks.get(shared.id))?.revokedAt).to.equal(null)
    expect(await storage.shareLinks.revoke(shared.id, credentialId, T1)).to.equal(true)
    expect(await storage.shareLinks.revoke(shared.id, credentialId, T2)).to.equal(true)
    expect((await storage.shareLinks.get(shared.id))?.revokedAt).to.equal(T1)
    expect(await storage.shareLinks.revoke('nothing', credentialId, T1)).to.equal(false)
  })

  it('refuses a link to a credential that does not exist', async () => {
    const storage = getStorage()
    const { tenantId } = await seed(storage, 'share-fk')
    const err = await storage.shareLinks
      .create(link('CCCCCCCCCCCCCCCCCCCCCCC1', tenantId, 'urn:uuid:missing', T0))
      .catch((e: unknown) => e)
    expect(err).to.have.property('code', 'ERR_STORAGE')
  })
})
