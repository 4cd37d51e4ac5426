import { randomUUID } from 'node:crypto'
import { expect } from 'chai'
import { decodeProtectedHeader } from 'jose'
import { createDidDocumentLoader } from '../../../src/did/did-document-loader.js'
import { createDidResolver } from '../../../src/did/resolver.js'
import {
  composeDocumentLoaders,
  createStaticDocumentLoader,
  CREDENTIALS_V2,
} from '../../../src/document-loader/index.js'
import {
  addIssuerKey,
  createTenantWithIssuer,
  getSignerForDid,
  lookupLocalDidWeb,
  type IssuerView,
} from '../../../src/issuer/issuer-identity.js'
import { developmentProfile } from '../../../src/issuer/issuer-profile.js'
import { checkStatus, type StatusCheckResult } from '../../../src/status/check-status.js'
import {
  allocateStatusEntries,
  changeStatus,
  createLocalStatusListResolver,
  publishStatusList,
  type StatusEntry,
  type StatusListForm,
} from '../../../src/status/index.js'
import type { Storage } from '../../../src/storage/storage.js'
import { forEachDialect } from '../storage/dialects.js'
import {
  createCountingKeyStore,
  createTestClock,
  listDocument,
  PUBLIC_BASE_URL,
  T0,
  type CountingKeyStore,
} from './status-fixtures.js'

/** A credential as far as the status check reads it: its issuer and its status entries. */
interface IssuedCredential {
  id: string
  issuer: string
  entries: StatusEntry[]
}

forEachDialect('status lists across a key rotation', (getStorage) => {
  const time = createTestClock()
  let keys: CountingKeyStore
  let storage: Storage
  const identityDeps = () => ({ storage, keyStore: keys.keyStore, clock: time.clock })
  // The instance's own verifier: did:key offline, this instance's did:web issuers from storage.
  const didResolver = () => createDidResolver({ didWeb: (did) => lookupLocalDidWeb(storage, did) })
  const documentLoader = () =>
    composeDocumentLoaders(createStaticDocumentLoader(), createDidDocumentLoader(didResolver()))
  const deps = () => ({ ...identityDeps(), documentLoader: documentLoader() })

  before(async () => {
    storage = getStorage()
    keys = await createCountingKeyStore()
  })
  after(() => keys.dispose())
  beforeEach(() => time.set(T0))

  function createTenant(didWeb?: string): Promise<IssuerView> {
    const slug = `r-${randomUUID().slice(0, 8)}`
    return createTenantWithIssuer(identityDeps(), {
      slug,
      name: `University ${slug}`,
      profile: developmentProfile(),
      keyType: 'Ed25519',
      ...(didWeb === undefined ? {} : { didWeb: `${slug}.${didWeb}` }),
    })
  }

  /** What issuing does for status: allocate under the issuer's current DID, then publish the lists. */
  async function issue(view: IssuerView, form: StatusListForm): Promise<IssuedCredential> {
    const issuer = await storage.issuers.get(view.issuer.id)
    const id = `urn:uuid:${randomUUID()}`
    const entries = await allocateStatusEntries(
      { storage, clock: time.clock },
      {
        tenantId: view.tenant.id,
        issuerId: view.issuer.id,
        credentialId: id,
        form,
        purposes: ['revocation', 'suspension'],
        publicBaseUrl: PUBLIC_BASE_URL,
      },
    )
    for (const entry of entries) await publishStatusList(deps(), await listIdOf(entry))
    return { id, issuer: issuer?.did as string, entries }
  }

  async function listIdOf(entry: StatusEntry): Promise<string> {
    const list = await storage.statusLists.getByUrl(entry.statusListCredential)
    if (!list) throw new Error(`no list at ${entry.statusListCredential}`)
    return list.id
  }

  function check(credential: IssuedCredential): Promise<StatusCheckResult> {
    return checkStatus(
      {
        '@context': [CREDENTIALS_V2],
        id: credential.id,
        issuer: credential.issuer,
        credentialStatus: credential.entries,
      },
      {
        resolveList: createLocalStatusListResolver({ ...deps(), publicBaseUrl: PUBLIC_BASE_URL }),
        didResolver: didResolver(),
        documentLoader: documentLoader(),
        now: time.clock(),
      },
    )
  }

  /** The issuer and the signing key id of the list credential stored for `entry`. */
  async function publishedBy(entry: StatusEntry): Promise<{ issuer: unknown; kid: string | undefined }> {
    const published = (await storage.statusLists.getByUrl(entry.statusListCredential))?.published as string
    const document = listDocument(published)
    if (published.startsWith('{')) {
      const proof = document.proof as { verificationMethod?: string }
      return { issuer: document.issuer, kid: proof.verificationMethod }
    }
    return { issuer: document.issuer, kid: decodeProtectedHeader(published).kid }
  }

  for (const form of ['jose', 'di'] as const) {
    it(`did:key (${form}): lists stay with the DID they were opened under, signed by that DID's key`, async () => {
      const view = await createTenant()
      const oldDid = view.issuer.did
      const oldKid = view.keys[0]?.kid
      const a = await issue(view, form)
      expect(a.issuer).to.equal(oldDid)
      expect((await check(a)).code).to.equal('STATUS_OK')

      time.advance(60_000)
      const { view: rotated } = await addIssuerKey(identityDeps(), {
        tenantSlug: view.tenant.slug,
        keyType: 'Ed25519',
        activate: true,
      })
      const newDid = rotated.issuer.did
      const newKid = rotated.keys.find((k) => k.active)?.kid
      expect(newDid).to.not.equal(oldDid)

      const b = await issue(rotated, form)
      expect(b.issuer).to.equal(newDid)
      const oldUrls = a.entries.map((e) => e.statusListCredential)
      for (const entry of b.entries) {
        // New lists, next in sequence, issued as the new DID.
        expect(oldUrls).to.not.include(entry.statusListCredential)
        const list = await storage.statusLists.getByUrl(entry.statusListCredential)
        expect(list).to.include({ issuerDid: newDid, sequence: 2 })
        expect(await publishedBy(entry)).to.deep.equal({ issuer: newDid, kid: newKid })
      }
      expect((await check(b)).code).to.equal('STATUS_OK')

      // A's lists: re-published after the rotation (a new validity), still as the old DID with the old key.
      time.advance(60_000)
      for (const entry of a.entries) await publishStatusList(deps(), await listIdOf(entry))
      for (const entry of a.entries)
        expect(await publishedBy(entry)).to.deep.equal({ issuer: oldDid, kid: oldKid })
      const passed = await check(a)
      expect(passed.status, JSON.stringify(passed.entries)).to.equal('pass')

      await changeStatus(deps(), {
        tenantSlug: view.tenant.slug,
        actor: 'registrar',
        changes: [{ credentialId: a.id, action: 'revoke', reason: 'Awarded in error' }],
      })
      const revoked = (await storage.statusLists.getByUrl(a.entries[0]?.statusListCredential as string))
        ?.published as string
      expect(listDocument(revoked).issuer).to.equal(oldDid)
      expect(await check(a)).to.include({ status: 'fail', code: 'STATUS_REVOKED' })
      expect(await check(b)).to.include({ status: 'pass', code: 'STATUS_OK' })
    })
  }

  it('did:web: the same lists stay in use, re-signed by the new active key', async () => {
    const view = await createTenant('example.edu')
    const did = view.issuer.did
    const a = await issue(view, 'jose')
    expect(a.issuer).to.equal(did)

    time.advance(60_000)
    const { view: rotated } = await addIssuerKey(identityDeps(), {
      tenantSlug: view.tenant.slug,
      keyType: 'Ed25519',
      activate: true,
    })
    expect(rotated.issuer.did).to.equal(did)
    const newKid = rotated.keys.find((k) => k.active)?.kid
    expect(newKid).to.not.equal(view.keys[0]?.kid)

    const b = await issue(rotated, 'jose')
    expect(b.entries.map((e) => e.statusListCredential)).to.deep.equal(
      a.entries.map((e) => e.statusListCredential),
    )
    for (const entry of a.entries)
      expect(await publishedBy(entry)).to.deep.equal({ issuer: did, kid: newKid })
    expect(await check(a)).to.include({ status: 'pass', code: 'STATUS_OK' })

    await changeStatus(deps(), {
      tenantSlug: view.tenant.slug,
      actor: 'registrar',
      changes: [{ credentialId: a.id, action: 'suspend', reason: 'Review' }],
    })
    expect(await check(a)).to.include({ status: 'fail', code: 'STATUS_SUSPENDED' })
    expect(await check(b)).to.include({ status: 'pass', code: 'STATUS_OK' })
  })

  it('getSignerForDid: the active key for the current DID, the retired key for an old one, none for a stranger', async () => {
    const view = await createTenant()
    const oldDid = view.issuer.did
    const { view: rotated } = await addIssuerKey(identityDeps(), {
      tenantSlug: view.tenant.slug,
      keyType: 'P-256',
      activate: true,
    })
    expect((await getSignerForDid(identityDeps(), view.issuer.id, rotated.issuer.did)).id).to.equal(
      rotated.keys.find((k) => k.active)?.kid,
    )
    expect((await getSignerForDid(identityDeps(), view.issuer.id, oldDid)).id).to.equal(view.keys[0]?.kid)
    await expect(
      getSignerForDid(
        identityDeps(),
        view.issuer.id,
        'did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK',
      ),
    ).to.be.rejected.and.eventually.have.property('code', 'ERR_KEY_NOT_FOUND')
    await expect(
      getSignerForDid(identityDeps(), randomUUID(), oldDid),
    ).to.be.rejected.and.eventually.have.property('code', 'ERR_NOT_FOUND')
  })

  it('refuses to allocate for a DID the issuer no longer has (a rotation committed while issuing)', async () => {
    const view = await createTenant()
    const oldDid = view.issuer.did
    await addIssuerKey(identityDeps(), { tenantSlug: view.tenant.slug, keyType: 'Ed25519', activate: true })
    const input = {
      tenantId: view.tenant.id,
      issuerId: view.issuer.id,
      credentialId: `urn:uuid:${randomUUID()}`,
      form: 'jose' as const,
      purposes: ['revocation' as const],
      publicBaseUrl: PUBLIC_BASE_URL,
    }
    await expect(
      allocateStatusEntries({ storage, clock: time.clock }, { ...input, expectedIssuerDid: oldDid }),
    ).to.be.rejected.and.eventually.have.property('code', 'ERR_STORAGE_CONFLICT')
    expect(await allocateStatusEntries({ storage, clock: time.clock }, input)).to.have.length(1)
  })
})
