import { expect } from 'chai'
import { migrations } from '../../../src/storage/migrations.js'
import type {
  CredentialRecord,
  IssuerKeyRecord,
  IssuerProfile,
  IssuerRecord,
  Storage,
  TenantRecord,
} from '../../../src/storage/storage.js'
import { forEachDialect } from './dialects.js'

const T0 = '2026-11-25T10:00:00.000Z'
const T1 = '2026-11-25T11:00:00.000Z'
const T2 = '2026-11-25T12:00:00.000Z'

function tenant(id: string, overrides: Partial<TenantRecord> = {}): TenantRecord {
  return { id, slug: id, name: `Tenant ${id}`, createdAt: T0, ...overrides }
}

function profile(overrides: Partial<IssuerProfile> = {}): IssuerProfile {
  return {
    legalName: { en: 'University of Zed', fr: 'Université de Zed', ga: 'Ollscoil Zed' },
    country: 'IE',
    address: { en: '1 Main Street, Dublin "D01", Éire — ☘' },
    eidasIdentifier: { notation: 'IE-123456', country: 'IE' },
    homepage: 'https://zed.example.edu',
    email: 'registrar@zed.example.edu',
    development: false,
    ...overrides,
  }
}

function issuer(id: string, tenantId: string, overrides: Partial<IssuerRecord> = {}): IssuerRecord {
  return {
    id,
    tenantId,
    did: `did:web:${id}.example.edu`,
    didMethod: 'web',
    profile: profile(),
    isDefault: false,
    createdAt: T0,
    updatedAt: T0,
    ...overrides,
  }
}

function key(id: string, issuerId: string, overrides: Partial<IssuerKeyRecord> = {}): IssuerKeyRecord {
  return {
    id,
    issuerId,
    kid: `did:web:${issuerId}.example.edu#${id}`,
    controller: `did:web:${issuerId}.example.edu`,
    algorithm: 'Ed25519',
    publicKeyMultibase: `z6Mk${id}`,
    publicJwk: { kty: 'OKP', crv: 'Ed25519', x: `x-${id}` },
    active: false,
    createdAt: T0,
    retiredAt: null,
    ...overrides,
  }
}

function credential(
  id: string,
  tenantId: string,
  issuerId: string,
  courseId: string | null,
): CredentialRecord {
  return {
    id,
    tenantId,
    issuerId,
    courseId,
    learnerRef: `student-${id}`,
    format: 'vc-jose',
    issuedAt: T1,
    credential: `eyJhbGciOiJFZERTQSJ9.${id}.sig`,
    claimGeneration: 1,
    claimRevokedAt: null,
  }
}

/** Awaits `promise`, expecting it to reject; returns the rejection for assertions on its code. */
async function rejection(promise: Promise<unknown>): Promise<{ code?: unknown }> {
  try {
    await promise
  } catch (err) {
    return err as { code?: unknown }
  }
  expect.fail('expected a rejection')
}

/** A tenant with one default issuer, under unique ids so that tests sharing a database never collide. */
async function seed(storage: Storage, name: string): Promise<{ tenantId: string; issuerId: string }> {
  const tenantId = `t-${name}`
  const issuerId = `i-${name}`
  await storage.tenants.create(tenant(tenantId))
  await storage.issuers.create(issuer(issuerId, tenantId, { isDefault: true }))
  return { tenantId, issuerId }
}

forEachDialect(
  'storage migrations',
  (getStorage) => {
    it('applies every migration once, then nothing', async () => {
      const storage = getStorage()
      expect(await storage.migrate()).to.deep.equal({ applied: Object.keys(migrations) })
      expect(await storage.migrate()).to.deep.equal({ applied: [] })
      expect(await storage.tenants.list()).to.deep.equal([])
    })
  },
  { migrate: false },
)

forEachDialect('storage', (getStorage, dialect) => {
  it('reports its dialect', () => {
    expect(getStorage().dialect).to.equal(dialect)
  })

  describe('tenants', () => {
    it('creates, gets, gets by slug and lists', async () => {
      const storage = getStorage()
      const a = tenant('tn-b', { slug: 'beta', name: 'Beta College' })
      const b = tenant('tn-a', { slug: 'alpha', name: 'Alpha Université' })
      expect(await storage.tenants.create(a)).to.deep.equal(a)
      await storage.tenants.create(b)
      expect(await storage.tenants.get('tn-b')).to.deep.equal(a)
      expect(await storage.tenants.getBySlug('alpha')).to.deep.equal(b)
      expect(await storage.tenants.get('nope')).to.equal(undefined)
      expect(await storage.tenants.getBySlug('nope')).to.equal(undefined)
      const listed = await storage.tenants.list()
      expect(listed.filter((t) => t.id.startsWith('tn-'))).to.deep.equal([b, a])
    })

    it('refuses a duplicate slug with ERR_STORAGE_CONFLICT', async () => {
      const storage = getStorage()
      await storage.tenants.create(tenant('tn-dup-1', { slug: 'dup' }))
      const err = await rejection(storage.tenants.create(tenant('tn-dup-2', { slug: 'dup' })))
      expect(err.code).to.equal('ERR_STORAGE_CONFLICT')
      expect(await storage.tenants.get('tn-dup-2')).to.equal(undefined)
    })

    it('refuses a duplicate id with ERR_STORAGE_CONFLICT', async () => {
      const storage = getStorage()
      await storage.tenants.create(tenant('tn-same'))
      const err = await rejection(storage.tenants.create(tenant('tn-same', { slug: 'other-slug' })))
      expect(err.code).to.equal('ERR_STORAGE_CONFLICT')
    })
  })

  describe('issuers', () => {
    it('creates, gets, gets by DID, gets the default and lists by tenant', async () => {
      const storage = getStorage()
      await storage.tenants.create(tenant('t-iss'))
      const def = issuer('i-iss-1', 't-iss', {
        isDefault: true,
        didMethod: 'key',
        did: 'did:key:z6MkDefault',
      })
      const other = issuer('i-iss-2', 't-iss', { createdAt: T1, updatedAt: T1 })
      expect(await storage.issuers.create(def)).to.deep.equal(def)
      await storage.issuers.create(other)
      expect(await storage.issuers.get('i-iss-1')).to.deep.equal(def)
      expect(await storage.issuers.getByDid('did:key:z6MkDefault')).to.deep.equal(def)
      expect(await storage.issuers.getByDid('did:key:unknown')).to.equal(undefined)
      expect(await storage.issuers.getDefault('t-iss')).to.deep.equal(def)
      expect(await storage.issuers.listByTenant('t-iss')).to.deep.equal([def, other])
      expect(await storage.issuers.listByTenant('t-unknown')).to.deep.equal([])
      expect(await storage.issuers.getDefault('t-unknown')).to.equal(undefined)
    })

    it('refuses a second default issuer for one tenant', async () => {
      const storage = getStorage()
      const { tenantId } = await seed(storage, 'two-defaults')
      const err = await rejection(
        storage.issuers.create(issuer('i-two-defaults-b', tenantId, { isDefault: true })),
      )
      expect(err.code).to.equal('ERR_STORAGE_CONFLICT')
      expect(await storage.issuers.get('i-two-defaults-b')).to.equal(undefined)
    })

    it('allows one default issuer in each tenant', async () => {
      const storage = getStorage()
      await seed(storage, 'default-a')
      await seed(storage, 'default-b')
      expect((await storage.issuers.getDefault('t-default-a'))?.id).to.equal('i-default-a')
      expect((await storage.issuers.getDefault('t-default-b'))?.id).to.equal('i-default-b')
    })

    it('refuses a duplicate DID', async () => {
      const storage = getStorage()
      const { tenantId } = await seed(storage, 'dup-did')
      const err = await rejection(
        storage.issuers.create(issuer('i-dup-did-b', tenantId, { did: 'did:web:i-dup-did.example.edu' })),
      )
      expect(err.code).to.equal('ERR_STORAGE_CONFLICT')
    })

    it('round-trips the profile JSON exactly', async () => {
      const storage = getStorage()
      await storage.tenants.create(tenant('t-profile'))
      const minimal = profile({ development: true })
      delete minimal.homepage
      delete minimal.email
      const full = issuer('i-profile-full', 't-profile')
      const bare = issuer('i-profile-bare', 't-profile', { profile: minimal })
      await storage.issuers.create(full)
      await storage.issuers.create(bare)
      const readFull = await storage.issuers.get('i-profile-full')
      const readBare = await storage.issuers.get('i-profile-bare')
      expect(readFull?.profile).to.deep.equal(full.profile)
      expect(JSON.stringify(readFull?.profile)).to.equal(JSON.stringify(full.profile))
      expect(readBare?.profile).to.deep.equal(minimal)
      expect(readBare?.profile).to.not.have.property('homepage')
      expect(readBare?.profile.development).to.equal(true)
    })

    it('updates did, profile and updatedAt only', async () => {
      const storage = getStorage()
      const { tenantId, issuerId } = await seed(storage, 'update')
      const before = await storage.issuers.get(issuerId)
      if (!before) expect.fail('seeded issuer missing')
      const changed: IssuerRecord = {
        ...before,
        did: 'did:web:renamed.example.edu',
        profile: profile({ country: 'FR', legalName: { fr: 'Université Renommée' } }),
        updatedAt: T2,
        // Not part of an update: must be ignored.
        isDefault: false,
        createdAt: T2,
        tenantId: 'ignored',
      }
      const updated = await storage.issuers.update(changed)
      const expected = { ...before, did: changed.did, profile: changed.profile, updatedAt: T2 }
      expect(updated).to.deep.equal(expected)
      expect(await storage.issuers.get(issuerId)).to.deep.equal(expected)
      expect((await storage.issuers.getDefault(tenantId))?.id).to.equal(issuerId)
    })

    it('refuses to update an unknown issuer with ERR_NOT_FOUND', async () => {
      const storage = getStorage()
      const err = await rejection(storage.issuers.update(issuer('i-ghost', 't-ghost')))
      expect(err.code).to.equal('ERR_NOT_FOUND')
    })

    it('refuses an issuer for an unknown tenant (foreign key)', async () => {
      const storage = getStorage()
      const err = await rejection(storage.issuers.create(issuer('i-orphan', 't-does-not-exist')))
      expect(err.code).to.equal('ERR_STORAGE')
      expect(await storage.issuers.get('i-orphan')).to.equal(undefined)
    })
  })

  describe('keys', () => {
    it('adds, gets, gets by kid, lists and gets the active key', async () => {
      const storage = getStorage()
      const { issuerId } = await seed(storage, 'keys')
      const k1 = key('k-keys-1', issuerId, { active: true })
      const k2 = key('k-keys-2', issuerId, {
        createdAt: T1,
        algorithm: 'P-256',
        publicJwk: { kty: 'EC', crv: 'P-256', x: 'xx', y: 'yy', nested: { a: [1, 2, null] } },
      })
      expect(await storage.keys.add(k1)).to.deep.equal(k1)
      await storage.keys.add(k2)
      expect(await storage.keys.get('k-keys-2')).to.deep.equal(k2)
      expect(await storage.keys.getByKid(k1.kid)).to.deep.equal(k1)
      expect(await storage.keys.getByKid('did:web:nope#k')).to.equal(undefined)
      expect(await storage.keys.get('nope')).to.equal(undefined)
      expect(await storage.keys.listByIssuer(issuerId)).to.deep.equal([k1, k2])
      expect(await storage.keys.getActive(issuerId)).to.deep.equal(k1)
    })

    it('has no active key until one is activated', async () => {
      const storage = getStorage()
      const { issuerId } = await seed(storage, 'no-active')
      await storage.keys.add(key('k-no-active', issuerId))
      expect(await storage.keys.getActive(issuerId)).to.equal(undefined)
      await storage.keys.activate(issuerId, 'k-no-active', T1)
      const active = await storage.keys.getActive(issuerId)
      expect(active?.id).to.equal('k-no-active')
      expect(active?.retiredAt).to.equal(null)
    })

    it('activate switches the active key and retires the old one', async () => {
      const storage = getStorage()
      const { issuerId } = await seed(storage, 'rotate')
      await storage.keys.add(key('k-rotate-1', issuerId, { active: true }))
      await storage.keys.add(key('k-rotate-2', issuerId, { createdAt: T1 }))
      await storage.keys.activate(issuerId, 'k-rotate-2', T2)

      const keys = await storage.keys.listByIssuer(issuerId)
      expect(keys.filter((k) => k.active).map((k) => k.id)).to.deep.equal(['k-rotate-2'])
      expect(keys.find((k) => k.id === 'k-rotate-1')).to.include({ active: false, retiredAt: T2 })
      expect(keys.find((k) => k.id === 'k-rotate-2')).to.include({ active: true, retiredAt: null })
      expect((await storage.keys.getActive(issuerId))?.id).to.equal('k-rotate-2')
    })

    it('activate can bring back a retired key, clearing its retiredAt', async () => {
      const storage = getStorage()
      const { issuerId } = await seed(storage, 'back')
      await storage.keys.add(key('k-back-1', issuerId, { active: true }))
      await storage.keys.add(key('k-back-2', issuerId))
      await storage.keys.activate(issuerId, 'k-back-2', T1)
      await storage.keys.activate(issuerId, 'k-back-1', T2)
      expect(await storage.keys.get('k-back-1')).to.include({ active: true, retiredAt: null })
      expect(await storage.keys.get('k-back-2')).to.include({ active: false, retiredAt: T2 })
    })

    it('activating the active key changes nothing', async () => {
      const storage = getStorage()
      const { issuerId } = await seed(storage, 'again')
      const k = key('k-again', issuerId, { active: true })
      await storage.keys.add(k)
      await storage.keys.activate(issuerId, 'k-again', T2)
      expect(await storage.keys.get('k-again')).to.deep.equal(k)
    })

    it('activate refuses an unknown key or a key of another issuer with ERR_KEY_NOT_FOUND', async () => {
      const storage = getStorage()
      const a = await seed(storage, 'owner-a')
      const b = await seed(storage, 'owner-b')
      await storage.keys.add(key('k-owner-a', a.issuerId, { active: true }))
      await storage.keys.add(key('k-owner-b', b.issuerId))
      expect((await rejection(storage.keys.activate(a.issuerId, 'k-missing', T1))).code).to.equal(
        'ERR_KEY_NOT_FOUND',
      )
      expect((await rejection(storage.keys.activate(a.issuerId, 'k-owner-b', T1))).code).to.equal(
        'ERR_KEY_NOT_FOUND',
      )
      expect(await storage.keys.get('k-owner-a')).to.include({ active: true, retiredAt: null })
      expect(await storage.keys.get('k-owner-b')).to.include({ active: false })
    })

    it('activate works inside a transaction', async () => {
      const storage = getStorage()
      const { issuerId } = await seed(storage, 'tx-activate')
      await storage.keys.add(key('k-tx-activate-1', issuerId, { active: true }))
      await storage.transaction(async (tx) => {
        await tx.keys.add(key('k-tx-activate-2', issuerId))
        await tx.keys.activate(issuerId, 'k-tx-activate-2', T2)
      })
      expect((await storage.keys.getActive(issuerId))?.id).to.equal('k-tx-activate-2')
      expect(await storage.keys.get('k-tx-activate-1')).to.include({ active: false, retiredAt: T2 })
    })

    it('refuses a second active key inserted directly', async () => {
      const storage = getStorage()
      const { issuerId } = await seed(storage, 'two-active')
      await storage.keys.add(key('k-two-active-1', issuerId, { active: true }))
      const err = await rejection(storage.keys.add(key('k-two-active-2', issuerId, { active: true })))
      expect(err.code).to.equal('ERR_STORAGE_CONFLICT')
      const active = (await storage.keys.listByIssuer(issuerId)).filter((k) => k.active)
      expect(active.map((k) => k.id)).to.deep.equal(['k-two-active-1'])
    })

    it('allows one active key in each issuer', async () => {
      const storage = getStorage()
      const a = await seed(storage, 'active-a')
      const b = await seed(storage, 'active-b')
      await storage.keys.add(key('k-active-a', a.issuerId, { active: true }))
      await storage.keys.add(key('k-active-b', b.issuerId, { active: true }))
      expect((await storage.keys.getActive(b.issuerId))?.id).to.equal('k-active-b')
    })

    it('refuses a duplicate kid', async () => {
      const storage = getStorage()
      const { issuerId } = await seed(storage, 'dup-kid')
      await storage.keys.add(key('k-dup-kid-1', issuerId, { kid: 'did:web:dup.example.edu#key-1' }))
      const err = await rejection(
        storage.keys.add(key('k-dup-kid-2', issuerId, { kid: 'did:web:dup.example.edu#key-1' })),
      )
      expect(err.code).to.equal('ERR_STORAGE_CONFLICT')
    })

    it('refuses a key for an unknown issuer (foreign key)', async () => {
      const storage = getStorage()
      const err = await rejection(storage.keys.add(key('k-orphan', 'i-does-not-exist')))
      expect(err.code).to.equal('ERR_STORAGE')
      expect(await storage.keys.get('k-orphan')).to.equal(undefined)
    })
  })

  describe('transactions', () => {
    it('commits everything written in the callback and returns its value', async () => {
      const storage = getStorage()
      const result = await storage.transaction(async (tx) => {
        await tx.tenants.create(tenant('t-commit'))
        await tx.issuers.create(issuer('i-commit', 't-commit', { isDefault: true }))
        return 42
      })
      expect(result).to.equal(42)
      expect((await storage.tenants.get('t-commit'))?.id).to.equal('t-commit')
      expect((await storage.issuers.get('i-commit'))?.id).to.equal('i-commit')
    })

    it('rolls back everything when the callback throws, and rethrows its error unchanged', async () => {
      const storage = getStorage()
      const boom = new Error('boom')
      const err = await rejection(
        storage.transaction(async (tx) => {
          await tx.tenants.create(tenant('t-rollback'))
          await tx.issuers.create(issuer('i-rollback', 't-rollback'))
          expect((await tx.tenants.get('t-rollback'))?.id).to.equal('t-rollback')
          throw boom
        }),
      )
      expect(err).to.equal(boom)
      expect(await storage.tenants.get('t-rollback')).to.equal(undefined)
      expect(await storage.issuers.get('i-rollback')).to.equal(undefined)
    })

    it('rolls back earlier writes when a later write conflicts', async () => {
      const storage = getStorage()
      await storage.tenants.create(tenant('t-taken', { slug: 'taken' }))
      const err = await rejection(
        storage.transaction(async (tx) => {
          await tx.tenants.create(tenant('t-partial'))
          await tx.tenants.create(tenant('t-clash', { slug: 'taken' }))
        }),
      )
      expect(err.code).to.equal('ERR_STORAGE_CONFLICT')
      expect(await storage.tenants.get('t-partial')).to.equal(undefined)
    })
  })

  describe('credentials', () => {
    it('inserts and gets a credential', async () => {
      const storage = getStorage()
      const { tenantId, issuerId } = await seed(storage, 'cred')
      const c = credential('c-cred-1', tenantId, issuerId, 'course-1')
      const bare: CredentialRecord = { ...credential('c-cred-2', tenantId, issuerId, null), learnerRef: null }
      expect(await storage.credentials.insert(c)).to.deep.equal(c)
      await storage.credentials.insert(bare)
      expect(await storage.credentials.get('c-cred-1')).to.deep.equal(c)
      expect(await storage.credentials.get('c-cred-2')).to.deep.equal(bare)
      expect(await storage.credentials.get('c-none')).to.equal(undefined)
    })

    it('inserts many at once, a credential given as its UTF-8 bytes stored as the same text', async () => {
      const storage = getStorage()
      const { tenantId, issuerId } = await seed(storage, 'cred-many')
      const text = credential('c-many-text', tenantId, issuerId, null)
      // Non-ASCII on purpose: the bytes are UTF-8, and must read back as the text they encode.
      const json = JSON.stringify({ name: 'Université Rhône-Confluence', title: 'Μικροδιαπιστευτήριο ✓' })
      const bytes = { ...credential('c-many-bytes', tenantId, issuerId, null), credential: json }
      await storage.credentials.insertMany([text, { ...bytes, credential: new TextEncoder().encode(json) }])
      expect(await storage.credentials.get('c-many-text')).to.deep.equal(text)
      expect(await storage.credentials.get('c-many-bytes')).to.deep.equal(bytes)
    })

    it('starts claim links at generation 1, not revoked; revokes once, keeping the first time', async () => {
      const storage = getStorage()
      const { tenantId, issuerId } = await seed(storage, 'claim-revoke')
      const c = credential('c-claim-revoke', tenantId, issuerId, null)
      const other = credential('c-claim-revoke-other', tenantId, issuerId, null)
      await storage.credentials.insert(c)
      await storage.credentials.insert(other)
      expect(await storage.credentials.get(c.id)).to.include({ claimGeneration: 1, claimRevokedAt: null })

      expect(await storage.credentials.revokeClaim(c.id, T1)).to.equal(true)
      expect(await storage.credentials.get(c.id)).to.deep.equal({ ...c, claimRevokedAt: T1 })
      expect(await storage.credentials.revokeClaim(c.id, T2)).to.equal(true)
      expect((await storage.credentials.get(c.id))?.claimRevokedAt).to.equal(T1)
      expect(await storage.credentials.revokeClaim('c-claim-none', T1)).to.equal(false)
      expect(await storage.credentials.get(other.id)).to.deep.equal(other)
    })

    it('renews a claim link: the next generation, revocation cleared; undefined for an unknown id', async () => {
      const storage = getStorage()
      const { tenantId, issuerId } = await seed(storage, 'claim-renew')
      const c = { ...credential('c-claim-renew', tenantId, issuerId, null), claimGeneration: 4 }
      const other = credential('c-claim-renew-other', tenantId, issuerId, null)
      await storage.credentials.insert(c)
      await storage.credentials.insert(other)
      expect(await storage.credentials.get(c.id)).to.deep.equal(c)

      await storage.credentials.revokeClaim(c.id, T1)
      expect(await storage.credentials.renewClaim(c.id)).to.equal(5)
      expect(await storage.credentials.get(c.id)).to.deep.equal({
        ...c,
        claimGeneration: 5,
        claimRevokedAt: null,
      })
      expect(await storage.credentials.renewClaim(c.id)).to.equal(6)
      expect(await storage.credentials.renewClaim('c-claim-none')).to.equal(undefined)
      expect(await storage.credentials.get(other.id)).to.deep.equal(other)
    })

    it('renews inside a transaction, and a rollback keeps the old generation', async () => {
      const storage = getStorage()
      const { tenantId, issuerId } = await seed(storage, 'claim-tx')
      const c = credential('c-claim-tx', tenantId, issuerId, null)
      await storage.credentials.insert(c)
      const failure = new Error('after renewing')
      const err = await rejection(
        storage.transaction(async (tx) => {
          expect(await tx.credentials.renewClaim(c.id)).to.equal(2)
          throw failure
        }),
      )
      expect(err).to.equal(failure)
      expect((await storage.credentials.get(c.id))?.claimGeneration).to.equal(1)
      expect(await storage.transaction((tx) => tx.credentials.renewClaim(c.id))).to.equal(2)
    })

    it('gives concurrent renewals distinct generations', async () => {
      const storage = getStorage()
      const { tenantId, issuerId } = await seed(storage, 'claim-race')
      const c = credential('c-claim-race', tenantId, issuerId, null)
      await storage.credentials.insert(c)
      const generations = await Promise.all(
        Array.from({ length: 5 }, () => storage.transaction((tx) => tx.credentials.renewClaim(c.id))),
      )
      expect([...generations].sort()).to.deep.equal([2, 3, 4, 5, 6])
      expect((await storage.credentials.get(c.id))?.claimGeneration).to.equal(6)
    })

    it("erases a learner's credentials of one tenant only, keeping everything but the text and the reference", async () => {
      const storage = getStorage()
      const { tenantId, issuerId } = await seed(storage, 'erase')
      const other = await seed(storage, 'erase-other')
      const mine = [
        { ...credential('c-erase-1', tenantId, issuerId, 'course-1'), learnerRef: 'student-x' },
        { ...credential('c-erase-2', tenantId, issuerId, null), learnerRef: 'student-x' },
      ]
      const kept = credential('c-erase-3', tenantId, issuerId, 'course-1')
      const elsewhere = {
        ...credential('c-erase-4', other.tenantId, other.issuerId, null),
        learnerRef: 'student-x',
      }
      for (const c of [...mine, kept, elsewhere]) await storage.credentials.insert(c)

      expect(await storage.credentials.eraseByLearner(tenantId, 'student-x')).to.equal(2)
      for (const c of mine) {
        expect(await storage.credentials.get(c.id)).to.deep.equal({ ...c, credential: '', learnerRef: null })
      }
      expect(await storage.credentials.get(kept.id)).to.deep.equal(kept)
      expect(await storage.credentials.get(elsewhere.id)).to.deep.equal(elsewhere)
      expect(await storage.credentials.eraseByLearner(tenantId, 'student-x')).to.equal(0)
      expect(await storage.credentials.eraseByLearner(tenantId, 'student-unknown')).to.equal(0)
    })

    it('lists by tenant in id order, page by page, with a course filter', async () => {
      const storage = getStorage()
      const { tenantId, issuerId } = await seed(storage, 'page')
      const other = await seed(storage, 'page-other')
      // Inserted out of order so that the listing order is the database's doing.
      const ids = ['c-page-05', 'c-page-02', 'c-page-04', 'c-page-01', 'c-page-03']
      for (const [i, id] of ids.entries()) {
        await storage.credentials.insert(
          credential(id, tenantId, issuerId, i % 2 === 0 ? 'course-a' : 'course-b'),
        )
      }
      await storage.credentials.insert(
        credential('c-page-00-other', other.tenantId, other.issuerId, 'course-a'),
      )

      const all = await storage.credentials.list({ tenantId })
      expect(all.map((c) => c.id)).to.deep.equal([...ids].sort())

      const page1 = await storage.credentials.list({ tenantId, limit: 2 })
      expect(page1.map((c) => c.id)).to.deep.equal(['c-page-01', 'c-page-02'])
      const page2 = await storage.credentials.list({ tenantId, limit: 2, after: page1.at(-1)?.id })
      expect(page2.map((c) => c.id)).to.deep.equal(['c-page-03', 'c-page-04'])
      const page3 = await storage.credentials.list({ tenantId, limit: 2, after: page2.at(-1)?.id })
      expect(page3.map((c) => c.id)).to.deep.equal(['c-page-05'])
      expect(await storage.credentials.list({ tenantId, limit: 2, after: 'c-page-05' })).to.deep.equal([])

      const courseA = await storage.credentials.list({ tenantId, courseId: 'course-a' })
      expect(courseA.map((c) => c.id)).to.deep.equal(['c-page-03', 'c-page-04', 'c-page-05'])
      const courseAPage = await storage.credentials.list({
        tenantId,
        courseId: 'course-a',
        limit: 1,
        after: 'c-page-03',
      })
      expect(courseAPage.map((c) => c.id)).to.deep.equal(['c-page-04'])
      expect(await storage.credentials.list({ tenantId, courseId: 'course-z' })).to.deep.equal([])
      expect((await storage.credentials.list({ tenantId: other.tenantId })).map((c) => c.id)).to.deep.equal([
        'c-page-00-other',
      ])
    })

    it('returns 100 credentials per page by default', async () => {
      const storage = getStorage()
      const { tenantId, issuerId } = await seed(storage, 'many')
      await storage.transaction(async (tx) => {
        for (let i = 0; i < 105; i++) {
          await tx.credentials.insert(
            credential(`c-many-${String(i).padStart(3, '0')}`, tenantId, issuerId, null),
          )
        }
      })
      const page = await storage.credentials.list({ tenantId })
      expect(page).to.have.length(100)
      expect(page.at(-1)?.id).to.equal('c-many-099')
      expect(await storage.credentials.list({ tenantId, limit: 5000 })).to.have.length(105)
      expect(await storage.credentials.list({ tenantId, limit: 0 })).to.have.length(1)
    })

    it('refuses a duplicate credential id', async () => {
      const storage = getStorage()
      const { tenantId, issuerId } = await seed(storage, 'dup-cred')
      await storage.credentials.insert(credential('c-dup', tenantId, issuerId, null))
      const err = await rejection(storage.credentials.insert(credential('c-dup', tenantId, issuerId, null)))
      expect(err.code).to.equal('ERR_STORAGE_CONFLICT')
    })

    it('refuses a credential for an unknown tenant or issuer (foreign key)', async () => {
      const storage = getStorage()
      const { tenantId, issuerId } = await seed(storage, 'fk-cred')
      const noTenant = await rejection(
        storage.credentials.insert(credential('c-fk-1', 't-missing', issuerId, null)),
      )
      expect(noTenant.code).to.equal('ERR_STORAGE')
      const noIssuer = await rejection(
        storage.credentials.insert(credential('c-fk-2', tenantId, 'i-missing', null)),
      )
      expect(noIssuer.code).to.equal('ERR_STORAGE')
      expect(await storage.credentials.list({ tenantId })).to.deep.equal([])
    })
  })

  describe('courses', () => {
    function course(id: string, tenantId: string, ref: string, version: number, title: string) {
      return {
        id,
        tenantId,
        courseRef: ref,
        version,
        contentHash: `h-${title}`,
        course: { id: ref, title: { en: title } },
        createdAt: T0,
      }
    }

    it('keeps immutable versions and returns the latest per course', async () => {
      const storage = getStorage()
      const { tenantId } = await seed(storage, 'courses')
      await storage.courses.add(course('c1', tenantId, 'urn:course:a', 1, 'A one'))
      await storage.courses.add(course('c2', tenantId, 'urn:course:a', 2, 'A two'))
      await storage.courses.add(course('c3', tenantId, 'urn:course:b', 1, 'B — ☘ "quoted"'))
      expect((await storage.courses.get('c1'))?.course).to.deep.equal({
        id: 'urn:course:a',
        title: { en: 'A one' },
      })
      expect((await storage.courses.getLatest(tenantId, 'urn:course:a'))?.id).to.equal('c2')
      expect(await storage.courses.getLatest(tenantId, 'urn:course:none')).to.equal(undefined)
      const latest = await storage.courses.listLatest(tenantId)
      expect(latest.map((c) => [c.courseRef, c.version])).to.deep.equal([
        ['urn:course:a', 2],
        ['urn:course:b', 1],
      ])
      expect(latest[1]?.course).to.deep.equal({ id: 'urn:course:b', title: { en: 'B — ☘ "quoted"' } })
    })

    it('refuses a second copy of the same version with ERR_STORAGE_CONFLICT', async () => {
      const storage = getStorage()
      const { tenantId } = await seed(storage, 'courses-dup')
      await storage.courses.add(course('d1', tenantId, 'urn:course:d', 1, 'D'))
      const err = await rejection(storage.courses.add(course('d2', tenantId, 'urn:course:d', 1, 'D again')))
      expect(err.code).to.equal('ERR_STORAGE_CONFLICT')
    })
  })

  describe('api tokens', () => {
    it('creates, gets by id and hash, lists by tenant, revokes once; a duplicate hash conflicts', async () => {
      const storage = getStorage()
      await storage.tenants.create(tenant('tn-tok', { slug: 'tok' }))
      const token = {
        id: 'tok1',
        tenantId: 'tn-tok',
        name: 'ci',
        scopes: ['courses:read', 'credentials:issue'],
        tokenHash: 'a'.repeat(64),
        createdAt: T0,
        revokedAt: null,
      }
      expect(await storage.tokens.create(token)).to.deep.equal(token)
      expect(await storage.tokens.getById('tok1')).to.deep.equal(token)
      expect(await storage.tokens.findByHash('a'.repeat(64))).to.deep.equal(token)
      expect(await storage.tokens.getById('nope')).to.equal(undefined)
      const err = await rejection(storage.tokens.create({ ...token, id: 'tok2' }))
      expect(err.code).to.equal('ERR_STORAGE_CONFLICT')
      expect(await storage.tokens.revoke('tok1', T1)).to.equal(true)
      expect(await storage.tokens.revoke('tok1', T2)).to.equal(true)
      expect(await storage.tokens.revoke('nope', T1)).to.equal(false)
      expect(await storage.tokens.listByTenant('tn-tok')).to.deep.equal([{ ...token, revokedAt: T1 }])
    })
  })
})
