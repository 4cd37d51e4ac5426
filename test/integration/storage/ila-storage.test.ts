import { expect } from 'chai'
import type {
  IlaCatalogueRecord,
  IlaCredentialRecord,
  IlaLinkResultRecord,
  IlaProviderRecord,
  IlaSpendingRecordRow,
  Storage,
} from '../../../src/storage/storage.js'
import { forEachDialect } from './dialects.js'

const T0 = '2026-11-25T10:00:00.000Z'
const T1 = '2026-11-26T10:00:00.000Z'

function provider(
  tenantId: string,
  providerId: string,
  overrides: Partial<IlaProviderRecord> = {},
): IlaProviderRecord {
  return {
    tenantId,
    providerId,
    legalIds: [
      { scheme: 'SIRET', value: `${providerId}-siret` },
      { scheme: 'NDA', value: `${providerId}-nda` },
    ],
    issuerKeys: [`did:web:${providerId}.example`],
    accreditations: [{ type: 'Qualiopi', validFrom: '2024-01-01', validUntil: null, status: 'active' }],
    awardingBodyFor: ['RS5678'],
    habilitations: [
      {
        certificationCode: 'RNCP37274',
        certifierId: 'certifier',
        validFrom: '2024-01-01',
        validUntil: '2027-01-01',
      },
    ],
    createdAt: T0,
    updatedAt: T0,
    ...overrides,
  }
}

function entry(tenantId: string, offerId: string, version: string | null): IlaCatalogueRecord {
  return {
    tenantId,
    registryId: 'EDOF',
    offerId,
    version,
    providerId: 'p1',
    certificationCode: 'RS5678',
    credentialExpected: true,
    achievementIds: ['urn:a:1', 'urn:a:2'],
    plannedHours: 35.5,
    ectsCredits: 2,
    eqfLevel: 4,
    modality: 'blended',
    listPriceMinor: 150000,
    listPriceCurrency: 'EUR',
    eligibleFrom: '2025-01-01',
    eligibleUntil: null,
    createdAt: T0,
    updatedAt: T0,
  }
}

function record(
  tenantId: string,
  recordId: string,
  overrides: Partial<IlaSpendingRecordRow> = {},
): IlaSpendingRecordRow {
  return {
    tenantId,
    recordId,
    schemeId: 'FR-CPF',
    schemeRef: `CPF-${recordId}`,
    accountPseudonym: 'hmac-0123456789abcdef',
    linkTokenDigest: 'a'.repeat(64),
    providerId: 'p1',
    providerLegalId: { scheme: 'SIRET', value: 'p1-siret' },
    accreditationSnapshot: ['Qualiopi'],
    registryId: 'EDOF',
    offerId: 'O-1',
    offerVersion: null,
    sessionId: 'S-1',
    courseRunId: null,
    certificationCode: null,
    currency: 'EUR',
    // Beyond 32 bits: bigint columns must carry it on both databases.
    agreedPriceMinor: 9_000_000_000_123,
    amountDebitedMinor: 9_000_000_000_000,
    amountPaidMinor: null,
    amountRecreditedMinor: null,
    amountRecoveredMinor: 0,
    entitlementUnit: 'money',
    hoursCommitted: 12.5,
    requestedAt: '2026-02-01T09:15:00.000Z',
    approvedAt: '2026-02-03',
    learnerConfirmedAt: null,
    withdrawalDeadline: null,
    plannedStart: '2026-03-02',
    plannedEnd: '2026-03-20',
    actualStart: '2026-03-02',
    actualEnd: null,
    completionDeclaredAt: null,
    completionValidatedAt: null,
    completionProofDueBy: null,
    invoicedAt: null,
    paidAt: null,
    cancelledAt: null,
    realisationRatePct: 80,
    attendanceRatePct: 82.5,
    realisedHours: 28.75,
    exitReason: null,
    lifecycle: 'in_training',
    payment: 'advance_paid',
    control: 'none',
    funding: [
      {
        funderType: 'ila_entitlement',
        funderRef: null,
        amountMinor: 9_000_000_000_000,
        tier: 'CPF-800',
        expiresAt: null,
        paidBy: null,
      },
      {
        funderType: 'employer',
        funderRef: { scheme: 'SIRET', value: 'emp' },
        amountMinor: 123,
        tier: null,
        expiresAt: '2026-12-31',
        paidBy: 'employer',
      },
    ],
    history: [
      {
        at: '2026-02-01T09:15:00.000Z',
        axis: 'lifecycle',
        from: null,
        to: 'requested',
        actor: 'learner',
        reasonCode: null,
      },
      {
        at: '2026-03-02',
        axis: 'lifecycle',
        from: 'requested',
        to: 'in_training',
        actor: 'provider',
        reasonCode: 'X',
      },
    ],
    schemeData: { edofState: 'inTraining', nested: { codes: [51, 52] } },
    createdAt: T0,
    updatedAt: T0,
    ...overrides,
  }
}

function credential(
  tenantId: string,
  credentialId: string,
  overrides: Partial<IlaCredentialRecord> = {},
): IlaCredentialRecord {
  return {
    tenantId,
    credentialId,
    credentialDigest: 'd'.repeat(64),
    fingerprint: 'f'.repeat(64),
    issuerDid: 'did:web:p1.example',
    subjectCommitment: `sha256$${'0'.repeat(32)}$${'1'.repeat(64)}`,
    achievementId: 'urn:a:1',
    courseId: 'course-1',
    offerRegistryId: 'EDOF',
    offerId: 'O-1',
    awardingBodyId: 'SIRET:p1-siret',
    country: 'FR',
    activityStart: '2026-03-02',
    activityEnd: '2026-03-20',
    issuedAt: '2026-03-21T10:00:00.000Z',
    validFrom: '2026-03-21T10:00:00.000Z',
    validUntil: null,
    awardingDate: '2026-03-21',
    workloadHours: 35,
    ectsCredits: 2,
    fullCompletion: true,
    supervision: 'http://data.europa.eu/snb/supervision-verification/0a1a2b1d5a',
    verified: true,
    verificationCodes: [],
    revoked: false,
    suspended: false,
    submittedAt: T0,
    updatedAt: T0,
    ...overrides,
  }
}

function linkResult(
  id: string,
  attemptId: string,
  overrides: Partial<IlaLinkResultRecord> = {},
): IlaLinkResultRecord {
  return {
    id,
    tenantId: 't1',
    attemptId,
    credentialId: 'urn:uuid:c1',
    credentialDigest: 'd'.repeat(64),
    recordId: 'r1',
    outcome: 'MATCHED_WITH_WARNINGS',
    rules: [
      {
        rule: 'L1',
        status: 'pass',
        code: 'L1_ISSUER_ALLOWED',
        message: 'the issuer is a key of the provider',
      },
      { rule: 'L4', status: 'warn', code: 'L4_LATE_ISSUANCE', message: 'issued 120 days after the end' },
    ],
    issuerDid: 'did:web:p1.example',
    achievementId: 'urn:a:1',
    courseId: 'course-1',
    offerId: 'O-1',
    issuedAt: '2026-03-21T10:00:00.000Z',
    current: true,
    createdAt: T0,
    ...overrides,
  }
}

forEachDialect('ILA storage', (getStorage: () => Storage) => {
  const ila = () => getStorage().ila

  before(async () => {
    for (const id of ['t1', 't2']) {
      await getStorage().tenants.create({ id, slug: id, name: id, createdAt: T0 })
    }
  })

  describe('providers', () => {
    it('upserts by provider id with their lists, in order, and counts inserted and updated', async () => {
      const first = await ila().providers.upsertMany([provider('t1', 'p1'), provider('t1', 'p2')])
      expect(first).to.deep.equal({ inserted: 2, updated: 0 })
      expect(await ila().providers.get('t1', 'p1')).to.deep.equal(provider('t1', 'p1'))

      const changed = provider('t1', 'p1', {
        legalIds: [{ scheme: 'KVK', value: '123' }],
        issuerKeys: ['did:web:b.example', 'did:web:a.example'],
        accreditations: [],
        awardingBodyFor: [],
        habilitations: [],
        createdAt: T1,
        updatedAt: T1,
      })
      const second = await ila().providers.upsertMany([changed, provider('t1', 'p3')])
      expect(second).to.deep.equal({ inserted: 1, updated: 1 })
      // The first import's time stays: an update is not a creation.
      expect(await ila().providers.get('t1', 'p1')).to.deep.equal({ ...changed, createdAt: T0 })
    })

    it('is scoped by tenant: the same provider id in two tenants are two providers', async () => {
      await ila().providers.upsertMany([provider('t2', 'p1', { issuerKeys: [] })])
      expect((await ila().providers.get('t2', 'p1'))?.issuerKeys).to.deep.equal([])
      expect((await ila().providers.get('t1', 'p1'))?.issuerKeys).to.have.length(2)
      expect(await ila().providers.get('t2', 'p2')).to.equal(undefined)
      expect([...(await ila().providers.existing('t2', ['p1', 'p2', 'p1']))]).to.deep.equal(['p1'])
    })

    it('lists by provider id, in pages', async () => {
      const page1 = await ila().providers.list({ tenantId: 't1', limit: 2 })
      expect(page1.map((p) => p.providerId)).to.deep.equal(['p1', 'p2'])
      const page2 = await ila().providers.list({ tenantId: 't1', limit: 2, after: 'p2' })
      expect(page2.map((p) => p.providerId)).to.deep.equal(['p3'])
    })
  })

  describe('catalogue', () => {
    it('upserts by (registry, offer, version), an absent version being its own key', async () => {
      const result = await ila().catalogue.upsertMany([
        entry('t1', 'O-1', null),
        entry('t1', 'O-1', '2'),
        entry('t1', 'O-2', '1'),
      ])
      expect(result).to.deep.equal({ inserted: 3, updated: 0 })
      expect(
        await ila().catalogue.get('t1', { registryId: 'EDOF', offerId: 'O-1', version: null }),
      ).to.deep.equal(entry('t1', 'O-1', null))
      const again = await ila().catalogue.upsertMany([
        { ...entry('t1', 'O-1', null), achievementIds: ['urn:a:9'] },
      ])
      expect(again).to.deep.equal({ inserted: 0, updated: 1 })
      const read = await ila().catalogue.get('t1', { registryId: 'EDOF', offerId: 'O-1', version: null })
      expect(read?.achievementIds).to.deep.equal(['urn:a:9'])
      expect(
        (await ila().catalogue.get('t1', { registryId: 'EDOF', offerId: 'O-1', version: '2' }))
          ?.achievementIds,
      ).to.deep.equal(['urn:a:1', 'urn:a:2'])
    })

    it('finds every version of the offers asked for, in the tenant only', async () => {
      const found = await ila().catalogue.findOffers('t1', [
        { registryId: 'EDOF', offerId: 'O-1', version: null },
      ])
      expect(found.map((k) => k.version).sort()).to.deep.equal(['2', null].sort())
      expect(
        await ila().catalogue.findOffers('t2', [{ registryId: 'EDOF', offerId: 'O-1', version: null }]),
      ).to.deep.equal([])
    })
  })

  describe('spending records', () => {
    it('round-trips every column, 53-bit amounts and nested scheme data included', async () => {
      expect(await ila().records.upsertMany([record('t1', 'r1')])).to.deep.equal({ inserted: 1, updated: 0 })
      expect(await ila().records.get('t1', 'r1')).to.deep.equal(record('t1', 'r1'))
      expect(await ila().records.get('t2', 'r1')).to.equal(undefined)
    })

    it('replaces funding lines and history on update, and keeps one row per id in one call', async () => {
      const updated = record('t1', 'r1', {
        lifecycle: 'exited',
        funding: [],
        history: [
          { at: T1, axis: 'payment', from: 'to_bill', to: 'paid', actor: 'system', reasonCode: null },
        ],
        schemeData: null,
        updatedAt: T1,
      })
      const result = await ila().records.upsertMany([record('t1', 'r2'), record('t1', 'r1'), updated])
      expect(result).to.deep.equal({ inserted: 1, updated: 1 })
      expect(await ila().records.get('t1', 'r1')).to.deep.equal({ ...updated, createdAt: T0 })
      expect(await ila().records.count('t1')).to.equal(2)
      expect(await ila().records.count('t2')).to.equal(0)
    })

    it('writes pages wider than one statement allows', async () => {
      const many = Array.from({ length: 1300 }, (_, i) => record('t2', `bulk-${String(i).padStart(4, '0')}`))
      expect(await ila().records.upsertMany(many)).to.deep.equal({ inserted: 1300, updated: 0 })
      expect(await ila().records.count('t2')).to.equal(1300)
      expect(await ila().records.get('t2', 'bulk-1299')).to.deep.equal(record('t2', 'bulk-1299'))
    })

    it('rolls back with the surrounding transaction', async () => {
      const failure = new Error('stop')
      await expect(
        getStorage().transaction(async (tx) => {
          await tx.ila.records.upsertMany([record('t1', 'r-rolled-back')])
          throw failure
        }),
      ).to.be.rejectedWith(failure)
      expect(await ila().records.get('t1', 'r-rolled-back')).to.equal(undefined)
    })
  })

  describe('credentials and link results', () => {
    it('upserts credentials by id, keeping the first submission time', async () => {
      expect(await ila().credentials.upsertMany([credential('t1', 'urn:uuid:c1')])).to.deep.equal({
        inserted: 1,
        updated: 0,
      })
      expect(await ila().credentials.get('t1', 'urn:uuid:c1')).to.deep.equal(credential('t1', 'urn:uuid:c1'))
      const revoked = credential('t1', 'urn:uuid:c1', {
        revoked: true,
        verified: false,
        verificationCodes: ['STATUS_REVOKED'],
        fullCompletion: null,
        submittedAt: T1,
        updatedAt: T1,
      })
      expect(await ila().credentials.upsertMany([revoked])).to.deep.equal({ inserted: 0, updated: 1 })
      expect(await ila().credentials.get('t1', 'urn:uuid:c1')).to.deep.equal({ ...revoked, submittedAt: T0 })
      expect(await ila().credentials.get('t2', 'urn:uuid:c1')).to.equal(undefined)
    })

    it('appends link results; a later attempt makes the earlier rows of the credential not current', async () => {
      await ila().linkResults.append([
        linkResult('l1', 'a1', { outcome: 'AMBIGUOUS', recordId: 'r1' }),
        linkResult('l2', 'a1', { outcome: 'AMBIGUOUS', recordId: 'r2' }),
      ])
      expect(
        (await ila().linkResults.list({ tenantId: 't1', credentialId: 'urn:uuid:c1' })).map((r) => r.id),
      ).to.deep.equal(['l1', 'l2'])
      await ila().linkResults.append([linkResult('l3', 'a2', { createdAt: T1 })])
      const current = await ila().linkResults.list({ tenantId: 't1', credentialId: 'urn:uuid:c1' })
      expect(current).to.deep.equal([linkResult('l3', 'a2', { createdAt: T1 })])
      const all = await ila().linkResults.list({ tenantId: 't1', credentialId: 'urn:uuid:c1', all: true })
      expect(all.map((r) => [r.id, r.current])).to.deep.equal([
        ['l1', false],
        ['l2', false],
        ['l3', true],
      ])
      expect(
        (await ila().linkResults.list({ tenantId: 't1', recordId: 'r1' })).map((r) => r.id),
      ).to.deep.equal(['l3'])
      expect(await ila().linkResults.list({ tenantId: 't2', credentialId: 'urn:uuid:c1' })).to.deep.equal([])
    })

    it('keeps a link attempt without a candidate record', async () => {
      await ila().linkResults.append([
        linkResult('l4', 'a3', {
          credentialId: 'urn:uuid:c2',
          recordId: null,
          outcome: 'NO_MATCH',
          rules: [],
        }),
      ])
      const [row] = await ila().linkResults.list({ tenantId: 't1', credentialId: 'urn:uuid:c2' })
      expect(row).to.include({ recordId: null, outcome: 'NO_MATCH' })
    })
  })

  describe('staged imports', () => {
    it('stages rows, reports a key repeated in the same page or a later one with the row holding it', async () => {
      const imports = ila().imports
      await imports.create({ id: 'i1', tenantId: 't1', kind: 'records', createdAt: T0 })
      const row = (rowNumber: number, itemKey: string) => ({
        importId: 'i1',
        rowNumber,
        itemKey,
        payload: `{"n":${rowNumber}}`,
      })
      const first = await imports.stage([row(1, 'a'), row(2, 'b'), row(3, 'a')])
      expect([...first]).to.deep.equal([[3, 1]])
      const second = await imports.stage([row(4, 'c'), row(5, 'b')])
      expect([...second]).to.deep.equal([[5, 2]])
      expect((await imports.read('i1', 0, 10)).map((r) => [r.rowNumber, r.itemKey])).to.deep.equal([
        [1, 'a'],
        [2, 'b'],
        [4, 'c'],
      ])
      await imports.unstage('i1', 0, 2)
      expect((await imports.read('i1', 0, 10)).map((r) => r.rowNumber)).to.deep.equal([4])
      expect(await imports.listStale(T1)).to.deep.equal(['i1'])
      expect(await imports.listStale(T0)).to.deep.equal([])
      await imports.delete('i1')
      expect(await imports.read('i1', 0, 10)).to.deep.equal([])
      expect(await imports.listStale(T1)).to.deep.equal([])
    })
  })
})
