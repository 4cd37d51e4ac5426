import { randomUUID } from 'node:crypto'
import { DataIntegrityProof } from '@digitalbazaar/data-integrity'
import { cryptosuite as ecdsaRdfc2019 } from '@digitalbazaar/ecdsa-rdfc-2019-cryptosuite'
import { cryptosuite as eddsaRdfc2022 } from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite'
import * as vc from '@digitalbazaar/vc'
import { expect } from 'chai'
import { compactVerify, decodeProtectedHeader, importJWK } from 'jose'
import type { IssuerView } from '../../../src/issuer/issuer-identity.js'
import {
  allocateStatusEntries,
  changeStatus,
  publishStatusList,
  type StatusEntry,
  type StatusListForm,
  type StatusPurpose,
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

/** Awaits `promise`, expecting it to reject; returns the rejection. */
async function rejection(
  promise: Promise<unknown>,
): Promise<{ code?: unknown; problems?: Array<{ field: string; rule: string }> }> {
  try {
    await promise
  } catch (err) {
    return err as { code?: unknown }
  }
  throw new Error('expected a rejection')
}

forEachDialect('status changes', (getStorage) => {
  const time = createTestClock()
  let keys: CountingKeyStore
  let storage: Storage
  let zed: IssuerView
  let other: IssuerView
  const deps = () => ({
    storage,
    keyStore: keys.keyStore,
    clock: time.clock,
    documentLoader: verifierDocumentLoader(),
  })

  before(async () => {
    storage = getStorage()
    keys = await createCountingKeyStore()
    zed = await createKeyedTenant({ storage, keyStore: keys.keyStore, clock: time.clock }, 'zed', 'Ed25519')
    other = await createKeyedTenant({ storage, keyStore: keys.keyStore, clock: time.clock }, 'other', 'P-256')
  })
  after(() => keys.dispose())
  beforeEach(() => time.set(T0))

  /** Allocates entries for a fresh credential of `view`'s issuer; returns its id and entries by purpose. */
  async function issue(
    view: IssuerView,
    form: StatusListForm = 'jose',
    purposes: StatusPurpose[] = ['revocation', 'suspension'],
  ) {
    const credentialId = `urn:uuid:${randomUUID()}`
    const entries = await allocateStatusEntries(
      { storage, clock: time.clock },
      {
        tenantId: view.tenant.id,
        issuerId: view.issuer.id,
        credentialId,
        form,
        purposes,
        publicBaseUrl: PUBLIC_BASE_URL,
      },
    )
    const byPurpose = Object.fromEntries(entries.map((e) => [e.statusPurpose, e])) as Partial<
      Record<StatusPurpose, StatusEntry>
    >
    return { credentialId, ...byPurpose }
  }

  /** The bit of `entry` in the list credential as stored for serving (published first if it never was). */
  async function storedBit(entry: StatusEntry | undefined): Promise<boolean> {
    let list = await storage.statusLists.getByUrl(entry?.statusListCredential as string)
    if (list && list.published === null) {
      await publishStatusList(deps(), list.id)
      list = await storage.statusLists.get(list.id)
    }
    return readBit(list?.published as string, entry?.statusListIndex as string)
  }

  it('revokes: sets the bit in the re-published JOSE list, which verifies against the issuer did:key', async () => {
    const c = await issue(zed)
    const before = keys.signatures()
    const result = await changeStatus(deps(), {
      tenantSlug: 'zed',
      actor: 'registrar',
      changes: [{ credentialId: c.credentialId, action: 'revoke', reason: 'Awarded in error' }],
    })
    expect(result.changed).to.deep.equal([
      {
        credentialId: c.credentialId,
        action: 'revoke',
        statusPurpose: 'revocation',
        statusListCredential: c.revocation?.statusListCredential,
        statusListIndex: c.revocation?.statusListIndex,
        outcome: 'changed',
      },
    ])
    expect(result.publishedLists).to.deep.equal([c.revocation?.statusListCredential])
    expect(keys.signatures() - before).to.equal(1)
    expect(await storedBit(c.revocation)).to.equal(true)
    // The suspension list was not touched: still never published.
    expect(
      (await storage.statusLists.getByUrl(c.suspension?.statusListCredential as string))?.published,
    ).to.equal(null)

    const list = await storage.statusLists.getByUrl(c.revocation?.statusListCredential as string)
    const jws = list?.published as string
    const header = decodeProtectedHeader(jws)
    expect(header).to.include({ alg: 'EdDSA', typ: 'vc+jwt', kid: zed.keys[0]?.kid })
    const key = await importJWK(zed.keys[0]?.publicJwk as never, 'EdDSA')
    const { payload } = await compactVerify(jws, key, { algorithms: ['EdDSA'] })
    const document = JSON.parse(new TextDecoder().decode(payload)) as Record<string, unknown>
    expect(document).to.deep.include({
      '@context': ['https://www.w3.org/ns/credentials/v2'],
      id: c.revocation?.statusListCredential,
      type: ['VerifiableCredential', 'BitstringStatusListCredential'],
      issuer: zed.issuer.did,
      validFrom: T0,
      validUntil: '2026-11-26T10:00:00.000Z',
    })
    expect(document.credentialSubject).to.include({
      id: `${c.revocation?.statusListCredential}#list`,
      type: 'BitstringStatusList',
      statusPurpose: 'revocation',
      ttl: 300_000,
    })
    expect(list).to.include({ dirty: false, publishedAt: T0, validUntil: '2026-11-26T10:00:00.000Z' })
    expect(list?.etag).to.match(/^"[A-Za-z0-9_-]{43}"$/)
  })

  it('revoking twice is a no-op reported as such: nothing written, nothing re-signed', async () => {
    const c = await issue(zed)
    const change = { credentialId: c.credentialId, action: 'revoke' as const, reason: 'Fraud' }
    await changeStatus(deps(), { tenantSlug: 'zed', actor: 'registrar', changes: [change] })
    const etag = (await storage.statusLists.getByUrl(c.revocation?.statusListCredential as string))?.etag
    const before = keys.signatures()
    const again = await changeStatus(deps(), { tenantSlug: 'zed', actor: 'registrar', changes: [change] })
    expect(again.changed.map((r) => r.outcome)).to.deep.equal(['unchanged'])
    expect(again.publishedLists).to.deep.equal([])
    expect(keys.signatures()).to.equal(before)
    expect((await storage.statusLists.getByUrl(c.revocation?.statusListCredential as string))?.etag).to.equal(
      etag,
    )
    const events = await storage.statusLists.listEvents({
      tenantId: zed.tenant.id,
      credentialId: c.credentialId,
    })
    expect(events).to.have.length(1)
  })

  it('suspends and unsuspends: the bit round-trips through re-published lists', async () => {
    const c = await issue(zed)
    await changeStatus(deps(), {
      tenantSlug: 'zed',
      actor: 'a',
      changes: [{ credentialId: c.credentialId, action: 'suspend', reason: 'Under review' }],
    })
    expect(await storedBit(c.suspension)).to.equal(true)
    expect(await storedBit(c.revocation)).to.equal(false)
    time.advance(1000)
    const r = await changeStatus(deps(), {
      tenantSlug: 'zed',
      actor: 'a',
      changes: [{ credentialId: c.credentialId, action: 'unsuspend' }],
    })
    expect(r.changed[0]?.outcome).to.equal('changed')
    expect(await storedBit(c.suspension)).to.equal(false)
    // Unsuspending what is not suspended changes nothing.
    const again = await changeStatus(deps(), {
      tenantSlug: 'zed',
      actor: 'a',
      changes: [{ credentialId: c.credentialId, action: 'unsuspend' }],
    })
    expect(again.changed[0]?.outcome).to.equal('unchanged')
    expect(again.publishedLists).to.deep.equal([])
  })

  it('revocation is final: suspension changes of a revoked credential are refused', async () => {
    const c = await issue(zed)
    await changeStatus(deps(), {
      tenantSlug: 'zed',
      actor: 'a',
      changes: [{ credentialId: c.credentialId, action: 'suspend', reason: 'Review' }],
    })
    await changeStatus(deps(), {
      tenantSlug: 'zed',
      actor: 'a',
      changes: [{ credentialId: c.credentialId, action: 'revoke', reason: 'Confirmed fraud' }],
    })
    const err = await rejection(
      changeStatus(deps(), {
        tenantSlug: 'zed',
        actor: 'a',
        changes: [{ credentialId: c.credentialId, action: 'unsuspend' }],
      }),
    )
    expect(err.code).to.equal('ERR_STATUS_TRANSITION')
    expect(await storedBit(c.suspension)).to.equal(true)
  })

  it('requires a reason to revoke or suspend, naming the field; nothing is written', async () => {
    const c = await issue(zed)
    const err = await rejection(
      changeStatus(deps(), {
        tenantSlug: 'zed',
        actor: 'a',
        changes: [
          { credentialId: c.credentialId, action: 'unsuspend' },
          { credentialId: c.credentialId, action: 'revoke' },
          { credentialId: c.credentialId, action: 'suspend', reason: '   ' },
        ],
      }),
    )
    expect(err.code).to.equal('ERR_VALIDATION')
    expect(err.problems?.map((p) => [p.field, p.rule])).to.deep.equal([
      ['/changes/1/reason', 'required'],
      ['/changes/2/reason', 'required'],
    ])
    expect(
      await storage.statusLists.listEvents({ tenantId: zed.tenant.id, credentialId: c.credentialId }),
    ).to.deep.equal([])
    const actorless = await rejection(
      changeStatus(deps(), {
        tenantSlug: 'zed',
        actor: ' ',
        changes: [{ credentialId: c.credentialId, action: 'revoke', reason: 'x' }],
      }),
    )
    expect(actorless.problems?.map((p) => p.field)).to.deep.equal(['actor'])
  })

  it('a batch commits with its audit events in order, and re-signs each touched list once', async () => {
    const creds = await Promise.all([issue(zed), issue(zed), issue(zed), issue(zed)])
    const [a, b, c, d] = creds as [
      Awaited<ReturnType<typeof issue>>,
      ...Array<Awaited<ReturnType<typeof issue>>>,
    ]
    time.advance(60_000)
    const before = keys.signatures()
    const result = await changeStatus(deps(), {
      tenantSlug: 'zed',
      actor: 'registrar@zed.example.edu',
      changes: [
        { credentialId: d?.credentialId as string, action: 'revoke', reason: 'r1' },
        { credentialId: a.credentialId, action: 'revoke', reason: 'r2' },
        { credentialId: c?.credentialId as string, action: 'suspend', reason: 's1' },
        { credentialId: b?.credentialId as string, action: 'suspend', reason: 's2' },
        { credentialId: c?.credentialId as string, action: 'unsuspend', reason: 'cleared' },
        { credentialId: b?.credentialId as string, action: 'revoke', reason: 'r3' },
      ],
    })
    // Three revocations and three suspension changes in two lists: two signatures, not six.
    expect(keys.signatures() - before).to.equal(2)
    expect(result.publishedLists).to.have.members([
      a.revocation?.statusListCredential,
      a.suspension?.statusListCredential,
    ])
    expect(result.changed.map((r) => [r.credentialId, r.action, r.outcome])).to.deep.equal([
      [d?.credentialId, 'revoke', 'changed'],
      [a.credentialId, 'revoke', 'changed'],
      [c?.credentialId, 'suspend', 'changed'],
      [b?.credentialId, 'suspend', 'changed'],
      [c?.credentialId, 'unsuspend', 'changed'],
      [b?.credentialId, 'revoke', 'changed'],
    ])
    for (const x of [a, b, d]) expect(await storedBit(x?.revocation)).to.equal(true)
    expect(await storedBit(c?.revocation)).to.equal(false)
    expect(await storedBit(c?.suspension)).to.equal(false)
    expect(await storedBit(b?.suspension)).to.equal(true)

    const events = await storage.statusLists.listEvents({ tenantId: zed.tenant.id })
    const batch = events.filter((e) => e.at === '2026-11-25T10:01:00.000Z')
    expect(batch.map((e) => [e.credentialId, e.action, e.reason, e.value, e.position])).to.deep.equal([
      [d?.credentialId, 'revoke', 'r1', 1, 0],
      [a.credentialId, 'revoke', 'r2', 1, 1],
      [c?.credentialId, 'suspend', 's1', 1, 2],
      [b?.credentialId, 'suspend', 's2', 1, 3],
      [c?.credentialId, 'unsuspend', 'cleared', 0, 4],
      [b?.credentialId, 'revoke', 'r3', 1, 5],
    ])
    expect(new Set(batch.map((x) => x.batchId)).size).to.equal(1)
    for (const e of batch) {
      expect(e.actor).to.equal('registrar@zed.example.edu')
      const entry = creds.find((x) => x.credentialId === e.credentialId)?.[e.purpose]
      expect(entry?.statusListCredential).to.equal(`${PUBLIC_BASE_URL}/status-lists/${e.listId}`)
      expect(String(e.index)).to.equal(entry?.statusListIndex)
    }

    // Later changes see earlier ones: suspending a credential revoked earlier in the same batch fails the batch.
    const e = await issue(zed)
    const refused = await rejection(
      changeStatus(deps(), {
        tenantSlug: 'zed',
        actor: 'a',
        changes: [
          { credentialId: e.credentialId, action: 'revoke', reason: 'x' },
          { credentialId: e.credentialId, action: 'suspend', reason: 'y' },
        ],
      }),
    )
    expect(refused.code).to.equal('ERR_STATUS_TRANSITION')
    expect(
      await storage.statusLists.listEvents({ tenantId: zed.tenant.id, credentialId: e.credentialId }),
    ).to.deep.equal([])
  })

  it('answers NotFound for an unknown credential and for another tenant’s, and rolls the whole batch back', async () => {
    const mine = await issue(zed)
    const theirs = await issue(other)
    const unknown = await rejection(
      changeStatus(deps(), {
        tenantSlug: 'zed',
        actor: 'a',
        changes: [{ credentialId: 'urn:uuid:nope', action: 'revoke', reason: 'x' }],
      }),
    )
    expect(unknown.code).to.equal('ERR_NOT_FOUND')
    const foreign = await rejection(
      changeStatus(deps(), {
        tenantSlug: 'zed',
        actor: 'a',
        changes: [
          { credentialId: mine.credentialId, action: 'suspend', reason: 'x' },
          { credentialId: theirs.credentialId, action: 'revoke', reason: 'x' },
        ],
      }),
    )
    expect(foreign.code).to.equal('ERR_NOT_FOUND')
    // Same message shape either way: the answer reveals nothing about other tenants' credentials.
    expect((foreign as Error).message.replace(theirs.credentialId, 'ID')).to.equal(
      (unknown as Error).message.replace('urn:uuid:nope', 'ID'),
    )
    expect(
      (await storage.statusLists.getSlotsByCredential(mine.credentialId)).every((s) => s.slot.value === 0),
    ).to.equal(true)
    expect(
      await storage.statusLists.listEvents({ tenantId: zed.tenant.id, credentialId: mine.credentialId }),
    ).to.deep.equal([])
    const noTenant = await rejection(
      changeStatus(deps(), {
        tenantSlug: 'nobody',
        actor: 'a',
        changes: [{ credentialId: mine.credentialId, action: 'unsuspend' }],
      }),
    )
    expect(noTenant.code).to.equal('ERR_NOT_FOUND')
  })

  it('refuses a change the credential has no status entry for with ERR_STATUS_UNSUPPORTED', async () => {
    const revocable = await issue(zed, 'jose', ['revocation'])
    const err = await rejection(
      changeStatus(deps(), {
        tenantSlug: 'zed',
        actor: 'a',
        changes: [{ credentialId: revocable.credentialId, action: 'suspend', reason: 'x' }],
      }),
    )
    expect(err.code).to.equal('ERR_STATUS_UNSUPPORTED')

    // A credential recorded without any status entry at all.
    const credentialId = `urn:uuid:${randomUUID()}`
    await storage.credentials.insert({
      id: credentialId,
      tenantId: zed.tenant.id,
      issuerId: zed.issuer.id,
      courseId: null,
      learnerRef: null,
      format: 'elm',
      issuedAt: T0,
      credential: 'eyJ.x.y',
      claimGeneration: 1,
      claimRevokedAt: null,
    })
    const none = await rejection(
      changeStatus(deps(), {
        tenantSlug: 'zed',
        actor: 'a',
        changes: [{ credentialId, action: 'revoke', reason: 'x' }],
      }),
    )
    expect(none.code).to.equal('ERR_STATUS_UNSUPPORTED')
    // ...but for another tenant the same credential is simply not there.
    const foreign = await rejection(
      changeStatus(deps(), {
        tenantSlug: 'other',
        actor: 'a',
        changes: [{ credentialId, action: 'revoke', reason: 'x' }],
      }),
    )
    expect(foreign.code).to.equal('ERR_NOT_FOUND')
  })

  for (const [label, issuer] of [
    ['Ed25519 / eddsa-rdfc-2022', () => zed],
    ['P-256 / ecdsa-rdfc-2019', () => other],
  ] as const) {
    it(`publishes a Data Integrity list (${label}) that @digitalbazaar/vc verifies`, async () => {
      const view = issuer()
      const c = await issue(view, 'di')
      expect(c.revocation?.type).to.deep.equal(['BitstringStatusListEntry', 'CredentialStatus'])
      await changeStatus(deps(), {
        tenantSlug: view.tenant.slug,
        actor: 'a',
        changes: [{ credentialId: c.credentialId, action: 'revoke', reason: 'x' }],
      })
      const list = await storage.statusLists.getByUrl(c.revocation?.statusListCredential as string)
      const document = listDocument(list?.published as string)
      expect(document).to.deep.include({
        '@context': [
          'https://www.w3.org/2018/credentials/v1',
          'https://www.w3.org/ns/credentials/status/v1',
          'https://w3id.org/security/data-integrity/v2',
        ],
        id: c.revocation?.statusListCredential,
        type: ['VerifiableCredential', 'BitstringStatusListCredential'],
        issuer: view.issuer.did,
        issuanceDate: T0,
        expirationDate: '2026-11-26T10:00:00.000Z',
      })
      expect(await storedBit(c.revocation)).to.equal(true)
      const suite = [
        new DataIntegrityProof({ cryptosuite: eddsaRdfc2022 }),
        new DataIntegrityProof({ cryptosuite: ecdsaRdfc2019 }),
      ]
      const result = await vc.verifyCredential({
        credential: document,
        suite,
        documentLoader: verifierDocumentLoader(),
        now: time.clock(),
      })
      expect(result.verified, String(result.error?.errors?.[0] ?? result.error)).to.equal(true)
      const tampered = {
        ...document,
        credentialSubject: { ...(document.credentialSubject as object), statusPurpose: 'suspension' },
      }
      const bad = await vc.verifyCredential({
        credential: tampered,
        suite,
        documentLoader: verifierDocumentLoader(),
        now: time.clock(),
      })
      expect(bad.verified).to.equal(false)
    })
  }

  it('never lets an older publication overwrite a newer one', async () => {
    const c = await issue(zed)
    const url = c.revocation?.statusListCredential as string
    const first = await publishStatusList(deps(), (await storage.statusLists.getByUrl(url))?.id as string)
    await changeStatus(deps(), {
      tenantSlug: 'zed',
      actor: 'a',
      changes: [{ credentialId: c.credentialId, action: 'revoke', reason: 'x' }],
    })
    const current = await storage.statusLists.getByUrl(url)
    // A publisher that read the list before the revocation stores late: refused, the revocation stays visible.
    const stale = await storage.statusLists.savePublication({
      listId: first.listId,
      revision: (current?.revision as number) - 1,
      published: first.published,
      publishedAt: first.publishedAt,
      validUntil: first.validUntil,
      etag: first.etag,
    })
    expect(stale).to.equal(undefined)
    expect(await storedBit(c.revocation)).to.equal(true)
  })
})
