import { expect } from 'chai'
import { createHash } from 'node:crypto'
import { fixedClock } from '../../../src/clock.js'
import { reconcile, type ReconcileInput, type ReconciliationReport } from '../../../src/ila/reconcile.js'
import { reportToCsv, reportToHtml, reportToJson } from '../../../src/ila/render-report.js'
import type { IlaFundingLineRow, IlaSpendingRecordRow, Storage } from '../../../src/storage/storage.js'
import {
  credentialRow,
  linkRows,
  offerRow,
  providerRow,
  recordRow,
  REPORT_NOW,
  UNSUPERVISED,
  writeScheme,
} from '../../support/ila-reconcile.js'
import { forEachDialect } from '../storage/dialects.js'

const clock = fixedClock(REPORT_NOW)

function run(storage: Storage, slug: string, input: ReconcileInput = {}): Promise<ReconciliationReport> {
  return reconcile({ storage, clock }, { tenantSlug: slug, anomalyLimit: 1000, ...input })
}

/** The anomalies of one kind, sorted by record, credential and provider. */
function only(report: ReconciliationReport, kind: string) {
  const key = (a: { recordId?: string; credentialId?: string; providerId?: string }) =>
    `${a.recordId ?? ''}|${a.credentialId ?? ''}|${a.providerId ?? ''}`
  return report.anomalies.filter((a) => a.kind === kind).sort((a, b) => (key(a) < key(b) ? -1 : 1))
}

/** `kind: count` of every signal found. */
function counts(report: ReconciliationReport, code?: string): Record<string, number | null> {
  return Object.fromEntries(
    report.anomalyCounts.filter((c) => code === undefined || c.code === code).map((c) => [c.kind, c.count]),
  )
}

/** Funding lines adding up to `price`: the account, and the 100 EUR co-payment. */
function funded(price: number): IlaFundingLineRow[] {
  const line = (funderType: string, amountMinor: number): IlaFundingLineRow => ({
    funderType,
    funderRef: null,
    amountMinor,
    tier: null,
    expiresAt: null,
    paidBy: null,
  })
  return [line('ila_entitlement', price - 10_000), line('learner_copayment_mandatory', 10_000)]
}

/** A record still in training, the planned end `plannedEnd`. */
function inTraining(plannedEnd: string): Partial<IlaSpendingRecordRow> {
  return {
    plannedStart: '2026-06-01',
    plannedEnd,
    actualStart: '2026-06-01',
    actualEnd: null,
    completionDeclaredAt: null,
    completionValidatedAt: null,
    invoicedAt: null,
    paidAt: null,
    amountPaidMinor: null,
    realisationRatePct: null,
    realisedHours: null,
    exitReason: null,
    lifecycle: 'in_training',
    payment: 'not_billable',
  }
}

/** A record completed (validated) on `end`, paid in full unless `paid` says otherwise. */
function completedOn(end: string, paid: number | null = 150_000): Partial<IlaSpendingRecordRow> {
  return {
    plannedEnd: end,
    actualEnd: end,
    completionDeclaredAt: `${end}T17:00:00.000Z`,
    completionValidatedAt: end,
    amountPaidMinor: paid,
    payment: paid === null ? 'to_bill' : 'paid',
  }
}

function account(label: string): string {
  return `acct-${createHash('sha256').update(label).digest('hex').slice(0, 20)}`
}

/** Every total of the report is the sum of its parts. */
function expectAmountsAddUp(report: ReconciliationReport): void {
  const s = report.summary
  const buckets = [
    s.matched,
    s.matchedWithWarnings,
    s.ambiguous,
    s.unmatchedSpending.pending,
    s.unmatchedSpending.overdue,
    s.unmatchedSpending.cancelled,
    s.unmatchedSpending.notExpected,
  ]
  expect(buckets.reduce((a: number, b) => a + (b ?? 0), 0)).to.equal(s.records)
  const sum = (values: Array<number | null>) => values.reduce((a: number, b) => a + (b ?? 0), 0)
  for (const a of s.amounts) {
    expect(a.paid, `paid ${a.currency}`).to.equal(
      sum([a.paidWithCredential, a.paidWithoutCredential, a.paidNoCredentialExpected]),
    )
    expect(a.atRisk, `at risk ${a.currency}`).to.equal(
      sum([a.atRiskOverdue, a.atRiskCancelled, a.atRiskRevoked]),
    )
    const providers = report.byProvider.filter((p) => p.currency === a.currency)
    const courses = report.byCourse.filter((c) => c.currency === a.currency)
    expect(sum(providers.map((p) => p.records))).to.equal(a.records)
    expect(sum(providers.map((p) => p.paid))).to.equal(a.paid)
    expect(sum(providers.map((p) => p.committed))).to.equal(a.committed)
    expect(sum(providers.map((p) => p.paidWithoutCredential))).to.equal(a.paidWithoutCredential)
    expect(sum(courses.map((c) => c.records))).to.equal(a.records)
    expect(sum(courses.map((c) => c.paid))).to.equal(a.paid)
    const funding = report.metrics.funding.filter((f) => f.currency === a.currency)
    expect(sum(funding.map((f) => f.amount))).to.equal(a.agreed)
  }
  expect(sum(s.amounts.map((a) => a.records))).to.equal(s.records)
  expect(s.anomalies.total).to.equal(sum(report.anomalyCounts.map((c) => c.count)))
  expect(s.anomalies.total).to.equal(
    sum([s.anomalies.high, s.anomalies.medium, s.anomalies.low, s.anomalies.info]),
  )
}

forEachDialect('ILA reconciliation report', (getStorage) => {
  it('a clean scheme: every record matched, pending, cancelled or expecting no credential, and no anomaly', async () => {
    const storage = getStorage()
    await writeScheme(storage, 'clean', (t) => {
      const credential = credentialRow(t, 'urn:c:1')
      return {
        offers: [
          offerRow(t, 'OFFER-1'),
          offerRow(t, 'OFFER-2', { credentialExpected: false, achievementIds: [] }),
        ],
        records: [
          recordRow(t, 'r-matched'),
          recordRow(t, 'r-training', inTraining('2026-12-20')),
          recordRow(t, 'r-booked', {
            ...inTraining('2027-02-28'),
            plannedStart: '2027-02-01',
            actualStart: null,
            lifecycle: 'approved',
          }),
          recordRow(t, 'r-cancelled', {
            ...inTraining('2026-12-20'),
            actualStart: null,
            lifecycle: 'cancelled_by_learner',
          }),
          recordRow(t, 'r-partial', {
            ...completedOn('2026-06-20', 90_000),
            completionDeclaredAt: null,
            completionValidatedAt: null,
            realisationRatePct: 60,
            exitReason: 'partial_learner',
            lifecycle: 'exited',
          }),
          recordRow(t, 'r-no-credential', { offerId: 'OFFER-2' }),
          recordRow(t, 'r-recent', completedOn('2026-11-10', null)),
        ],
        credentials: [credential],
        links: linkRows(t, credential, 'MATCHED', ['r-matched']),
      }
    })
    const report = await run(storage, 'clean')
    expect(report.anomalies).to.deep.equal([])
    expect(report.summary).to.deep.include({
      records: 7,
      recordsCredentialExpected: 5,
      matched: 1,
      matchedWithWarnings: 0,
      ambiguous: 0,
      unmatchedSpending: { pending: 3, overdue: 0, cancelled: 1, notExpected: 2 },
      credentials: 1,
      matchedCredentials: 1,
      matchedPairs: 1,
    })
    expect(report.matches).to.deep.equal([
      {
        recordId: 'r-matched',
        credentialId: 'urn:c:1',
        outcome: 'MATCHED',
        checks: [
          {
            rule: 'L2',
            status: 'pass',
            code: 'L2_COMMITMENT_MATCH',
            message: 'the commitment is the record link token',
          },
        ],
      },
    ])
    expect(report.unmatchedSpending.map((u) => [u.recordId, u.reason])).to.deep.equal([
      ['r-cancelled', 'cancelled'],
      ['r-booked', 'pending'],
      ['r-recent', 'pending'],
      ['r-training', 'pending'],
      ['r-no-credential', 'no_credential_expected'],
      ['r-partial', 'no_credential_expected'],
    ])
    expect(report.unmatchedSpending.find((u) => u.recordId === 'r-recent')?.daysSinceEnd).to.equal(15)
    expectAmountsAddUp(report)
  })

  it('amounts: committed, paid with and without a credential, at risk (overdue, cancelled, revoked), per currency', async () => {
    const storage = getStorage()
    await writeScheme(storage, 'amounts', (t) => {
      const matched = credentialRow(t, 'urn:c:a1')
      const warned = credentialRow(t, 'urn:c:a7')
      const revoked = credentialRow(t, 'urn:c:a4', { revoked: true, verified: false })
      const sgd = credentialRow(t, 'urn:c:a8')
      return {
        offers: [
          offerRow(t, 'OFFER-1'),
          offerRow(t, 'OFFER-2', { credentialExpected: false, achievementIds: [] }),
          offerRow(t, 'OFFER-SG', { listPriceCurrency: 'SGD', listPriceMinor: 60_000 }),
        ],
        records: [
          recordRow(t, 'a1'),
          recordRow(t, 'a2'),
          recordRow(t, 'a3', {
            ...completedOn('2026-06-30', 45_000),
            lifecycle: 'cancelled_by_funder',
            amountRecoveredMinor: 20_000,
          }),
          recordRow(t, 'a4'),
          recordRow(t, 'a5', {
            offerId: 'OFFER-2',
            agreedPriceMinor: 80_000,
            funding: funded(80_000),
            amountPaidMinor: 80_000,
          }),
          recordRow(t, 'a6', completedOn('2026-11-10', null)),
          recordRow(t, 'a7', {
            agreedPriceMinor: 100_000,
            funding: funded(100_000),
            amountPaidMinor: 100_000,
          }),
          recordRow(t, 'a8', {
            schemeId: 'SG-SFC',
            offerId: 'OFFER-SG',
            currency: 'SGD',
            agreedPriceMinor: 50_000,
            funding: funded(50_000),
            amountPaidMinor: 50_000,
          }),
        ],
        credentials: [matched, warned, revoked, sgd],
        links: [
          ...linkRows(t, matched, 'MATCHED', ['a1']),
          ...linkRows(t, warned, 'MATCHED_WITH_WARNINGS', ['a7']),
          ...linkRows(t, revoked, 'REJECTED', ['a4'], { confirmed: true }),
          ...linkRows(t, sgd, 'MATCHED', ['a8']),
        ],
      }
    })
    const report = await run(storage, 'amounts')
    expect(report.summary.amounts).to.deep.equal([
      {
        currency: 'EUR',
        records: 7,
        agreed: 930_000,
        committed: 780_000,
        paid: 675_000,
        paidWithCredential: 250_000,
        paidWithoutCredential: 345_000,
        paidNoCredentialExpected: 80_000,
        atRisk: 325_000,
        atRiskOverdue: 150_000,
        atRiskCancelled: 25_000,
        atRiskRevoked: 150_000,
        recovered: 20_000,
        recredited: 0,
      },
      {
        currency: 'SGD',
        records: 1,
        agreed: 50_000,
        committed: 50_000,
        paid: 50_000,
        paidWithCredential: 50_000,
        paidWithoutCredential: 0,
        paidNoCredentialExpected: 0,
        atRisk: 0,
        atRiskOverdue: 0,
        atRiskCancelled: 0,
        atRiskRevoked: 0,
        recovered: 0,
        recredited: 0,
      },
    ])
    expect(report.summary).to.deep.include({ matched: 2, matchedWithWarnings: 1 })
    expectAmountsAddUp(report)
    expect(report.metrics.funding).to.deep.equal([
      { currency: 'EUR', funderType: 'ila_entitlement', lines: 7, amount: 860_000 },
      { currency: 'EUR', funderType: 'learner_copayment_mandatory', lines: 7, amount: 70_000 },
      { currency: 'SGD', funderType: 'ila_entitlement', lines: 1, amount: 40_000 },
      { currency: 'SGD', funderType: 'learner_copayment_mandatory', lines: 1, amount: 10_000 },
    ])
  })

  it('F1: completion or credential before the start or the booking; the same day is not before', async () => {
    const storage = getStorage()
    await writeScheme(storage, 'f1', (t) => {
      const soon = credentialRow(t, 'urn:c:f1d', { issuedAt: '2026-05-20T08:00:00.000Z', validFrom: null })
      const early = credentialRow(t, 'urn:c:f1e', { issuedAt: null, validFrom: '2026-04-10' })
      return {
        records: [
          recordRow(t, 'f1a', { completionDeclaredAt: '2026-05-28T10:00:00.000Z' }),
          recordRow(t, 'f1b', { completionDeclaredAt: '2026-04-20' }),
          recordRow(t, 'f1c', { plannedStart: '2026-04-25', actualStart: '2026-04-25' }),
          recordRow(t, 'f1d'),
          recordRow(t, 'f1e'),
          recordRow(t, 'f1f', {
            requestedAt: '2026-05-01T15:00:00.000Z',
            plannedStart: '2026-05-01',
            actualStart: '2026-05-01',
          }),
        ],
        credentials: [soon, early],
        links: [
          ...linkRows(t, soon, 'MATCHED_WITH_WARNINGS', ['f1d']),
          ...linkRows(t, early, 'MATCHED_WITH_WARNINGS', ['f1e']),
        ],
      }
    })
    const report = await run(storage, 'f1')
    expect(counts(report, 'F1')).to.deep.equal({
      completion_before_start: 2,
      completion_before_booking: 1,
      credential_before_start: 2,
      credential_before_booking: 1,
      start_before_booking: 1,
    })
    expect(only(report, 'completion_before_start')).to.deep.equal([
      {
        code: 'F1',
        severity: 'high',
        kind: 'completion_before_start',
        recordId: 'f1a',
        providerId: 'prov-a',
        evidence: { completionDeclaredAt: '2026-05-28T10:00:00.000Z', actualStart: '2026-06-01' },
      },
      {
        code: 'F1',
        severity: 'high',
        kind: 'completion_before_start',
        recordId: 'f1b',
        providerId: 'prov-a',
        evidence: { completionDeclaredAt: '2026-04-20', actualStart: '2026-06-01' },
      },
    ])
    expect(only(report, 'completion_before_booking')[0]).to.deep.include({
      recordId: 'f1b',
      severity: 'high',
    })
    expect(only(report, 'start_before_booking')[0]).to.deep.include({
      recordId: 'f1c',
      severity: 'medium',
      evidence: { actualStart: '2026-04-25', requestedAt: '2026-05-01' },
    })
    expect(
      only(report, 'credential_before_start').map((a) => [a.recordId, a.credentialId, a.evidence]),
    ).to.deep.equal([
      ['f1d', 'urn:c:f1d', { issued: '2026-05-20T08:00:00.000Z', actualStart: '2026-06-01' }],
      ['f1e', 'urn:c:f1e', { issued: '2026-04-10', actualStart: '2026-06-01' }],
    ])
    expect(only(report, 'credential_before_booking')[0]).to.deep.include({
      recordId: 'f1e',
      credentialId: 'urn:c:f1e',
      evidence: { issued: '2026-04-10', requestedAt: '2026-05-01' },
    })
  })

  it("F2: a signer bound neither to the provider nor to its certifier, an unknown issuer, a provider's accreditation", async () => {
    const storage = getStorage()
    await writeScheme(storage, 'f2', (t) => {
      const byOther = credentialRow(t, 'urn:c:f2a', { issuerDid: 'did:web:prov-b.example' })
      const byStranger = credentialRow(t, 'urn:c:f2b', { issuerDid: 'did:web:stranger.example' })
      const noRecord = credentialRow(t, 'urn:c:f2c', { issuerDid: 'did:web:nobody.example' })
      const byCertifier = credentialRow(t, 'urn:c:f2d', { issuerDid: 'did:web:prov-c.example' })
      const late = credentialRow(t, 'urn:c:f2f', { issuerDid: 'did:web:prov-w.example' })
      return {
        providers: [
          providerRow(t, 'prov-a'),
          providerRow(t, 'prov-b'),
          providerRow(t, 'prov-c', { issuerKeys: ['did:web:prov-c.example'], awardingBodyFor: ['RNCP1'] }),
          providerRow(t, 'prov-h', {
            habilitations: [
              {
                certificationCode: 'RNCP1',
                certifierId: 'prov-c',
                validFrom: '2020-01-01',
                validUntil: null,
              },
            ],
          }),
          providerRow(t, 'prov-w', {
            accreditations: [
              { type: 'Qualiopi', validFrom: '2020-01-01', validUntil: '2026-06-15', status: 'withdrawn' },
            ],
          }),
        ],
        offers: [
          offerRow(t, 'OFFER-1'),
          offerRow(t, 'OFFER-H', { providerId: 'prov-h', certificationCode: 'RNCP1' }),
          offerRow(t, 'OFFER-W', { providerId: 'prov-w' }),
        ],
        records: [
          recordRow(t, 'f2a'),
          recordRow(t, 'f2b'),
          recordRow(t, 'f2d', { providerId: 'prov-h', offerId: 'OFFER-H' }),
          recordRow(t, 'f2e', {
            providerId: 'prov-w',
            offerId: 'OFFER-W',
            requestedAt: '2026-07-01',
            plannedStart: '2026-11-30',
            plannedEnd: '2026-12-20',
            ...inTraining('2026-12-20'),
            actualStart: null,
            lifecycle: 'approved',
          }),
          recordRow(t, 'f2f', { providerId: 'prov-w', offerId: 'OFFER-W' }),
        ],
        credentials: [byOther, byStranger, noRecord, byCertifier, late],
        links: [
          ...linkRows(t, byOther, 'MATCHED', ['f2a']),
          ...linkRows(t, byStranger, 'REJECTED', ['f2b'], { confirmed: true }),
          ...linkRows(t, noRecord, 'NO_MATCH', [null]),
          ...linkRows(t, byCertifier, 'MATCHED', ['f2d']),
          ...linkRows(t, late, 'MATCHED_WITH_WARNINGS', ['f2f']),
        ],
      }
    })
    const report = await run(storage, 'f2')
    expect(counts(report, 'F2')).to.deep.equal({
      issuer_not_bound: 2,
      unknown_issuer: 1,
      not_accredited_at_booking: 1,
      not_accredited_at_issuance: 1,
      provider_not_accredited: 1,
    })
    expect(only(report, 'issuer_not_bound')).to.deep.equal([
      {
        code: 'F2',
        severity: 'high',
        kind: 'issuer_not_bound',
        recordId: 'f2a',
        credentialId: 'urn:c:f2a',
        providerId: 'prov-a',
        evidence: { issuerDid: 'did:web:prov-b.example' },
      },
      {
        code: 'F2',
        severity: 'high',
        kind: 'issuer_not_bound',
        recordId: 'f2b',
        credentialId: 'urn:c:f2b',
        providerId: 'prov-a',
        evidence: { issuerDid: 'did:web:stranger.example' },
      },
    ])
    expect(only(report, 'unknown_issuer')).to.deep.equal([
      {
        code: 'F2',
        severity: 'high',
        kind: 'unknown_issuer',
        credentialId: 'urn:c:f2c',
        evidence: { issuerDid: 'did:web:nobody.example' },
      },
    ])
    expect(only(report, 'not_accredited_at_booking')[0]).to.deep.include({
      recordId: 'f2e',
      providerId: 'prov-w',
      severity: 'high',
      evidence: { requestedAt: '2026-07-01' },
    })
    expect(only(report, 'not_accredited_at_issuance')[0]).to.deep.include({
      recordId: 'f2f',
      credentialId: 'urn:c:f2f',
      severity: 'medium',
    })
    expect(only(report, 'provider_not_accredited')[0]).to.deep.include({
      providerId: 'prov-w',
      severity: 'medium',
      evidence: { records: 2, paidRecords: 1 },
    })
    expect(only(report, 'provider_not_accredited')[0]).not.to.have.property('recordId')
  })

  it('F3: no credential past the proof window (30 days: medium, 90: high); not for a partial exit', async () => {
    const storage = getStorage()
    await writeScheme(storage, 'f3', (t) => ({
      records: [
        recordRow(t, 'f3a', completedOn('2026-10-01')),
        recordRow(t, 'f3b', completedOn('2026-06-30')),
        recordRow(t, 'f3c', completedOn('2026-11-10')),
        recordRow(t, 'f3d', {
          ...completedOn('2026-06-20', 90_000),
          exitReason: 'abandoned',
          realisationRatePct: 40,
          lifecycle: 'exited',
        }),
        recordRow(t, 'f3e', completedOn('2026-10-26')),
        recordRow(t, 'f3f', completedOn('2026-08-27')),
      ],
    }))
    const report = await run(storage, 'f3')
    expect(counts(report)).to.deep.equal({ no_credential: 2, no_credential_escalated: 1 })
    expect(report.summary.unmatchedSpending).to.deep.include({ overdue: 3, pending: 2, notExpected: 1 })
    expect(only(report, 'no_credential').map((a) => [a.recordId, a.severity, a.evidence])).to.deep.equal([
      ['f3a', 'medium', { endedOn: '2026-10-01', currency: 'EUR', daysSinceEnd: 55, paid: 150_000 }],
      ['f3f', 'medium', { endedOn: '2026-08-27', currency: 'EUR', daysSinceEnd: 90, paid: 150_000 }],
    ])
    expect(only(report, 'no_credential_escalated')[0]).to.deep.include({
      code: 'F3',
      severity: 'high',
      recordId: 'f3b',
      evidence: { endedOn: '2026-06-30', currency: 'EUR', daysSinceEnd: 148, paid: 150_000 },
    })
    expect(report.summary.amounts[0]?.atRiskOverdue).to.equal(450_000)
  })

  it('F4: still in training a month after the planned end', async () => {
    const storage = getStorage()
    await writeScheme(storage, 'f4', (t) => ({
      records: [recordRow(t, 'f4a', inTraining('2026-09-30')), recordRow(t, 'f4b', inTraining('2026-11-01'))],
    }))
    const report = await run(storage, 'f4')
    expect(report.anomalies).to.deep.equal([
      {
        code: 'F4',
        severity: 'low',
        kind: 'stalled',
        recordId: 'f4a',
        providerId: 'prov-a',
        evidence: { plannedEnd: '2026-09-30', daysSincePlannedEnd: 56 },
      },
    ])
  })

  it("F5: every record of a provider's day of many times its usual volume; high when the accounts were dormant", async () => {
    const storage = getStorage()
    await writeScheme(storage, 'f5', (t) => {
      const quiet = (provider: string, prefix: string) =>
        [1, 2, 3, 4].map((d) =>
          recordRow(t, `${prefix}-quiet-${d}`, { providerId: provider, requestedAt: `2026-03-0${d}` }),
        )
      const burst = (provider: string, prefix: string, n: number) =>
        Array.from({ length: n }, (_, i) =>
          recordRow(t, `${prefix}-${String(i).padStart(2, '0')}`, {
            providerId: provider,
            accountPseudonym: account(`${prefix}-${i}`),
            requestedAt: `2026-04-15T${String(8 + Math.floor(i / 6)).padStart(2, '0')}:${String((i % 6) * 9).padStart(2, '0')}:00.000Z`,
          }),
        )
      // Accounts last used three years ago, one day apart, at another provider.
      const old = Array.from({ length: 20 }, (_, i) =>
        recordRow(t, `old-${i}`, {
          accountPseudonym: account(`dormant-${i}`),
          requestedAt: `2023-01-${String(i + 1).padStart(2, '0')}`,
        }),
      )
      const dormant = burst('prov-d', 'dormant', 20).map((r, i) => ({
        ...r,
        accountPseudonym: account(`dormant-${i}`),
      }))
      return {
        providers: [providerRow(t, 'prov-a'), providerRow(t, 'prov-s'), providerRow(t, 'prov-d')],
        records: [
          ...quiet('prov-s', 's'),
          ...burst('prov-s', 'spike', 24),
          ...quiet('prov-d', 'd'),
          ...dormant,
          ...old,
        ],
      }
    })
    const report = await run(storage, 'f5')
    expect(counts(report, 'F5')).to.deep.equal({ volume_spike_dormant: 20, volume_spike: 24 })
    const spike = only(report, 'volume_spike')
    expect(spike.map((a) => a.recordId)).to.deep.equal(
      Array.from({ length: 24 }, (_, i) => `spike-${String(i).padStart(2, '0')}`),
    )
    expect(spike[0]).to.deep.include({
      code: 'F5',
      severity: 'medium',
      providerId: 'prov-s',
      evidence: { day: '2026-04-15', records: 24, usualPerDay: 1, dormantAccounts: 0 },
    })
    expect(only(report, 'volume_spike_dormant')[0]).to.deep.include({
      severity: 'high',
      providerId: 'prov-d',
      evidence: { day: '2026-04-15', records: 20, usualPerDay: 1, dormantAccounts: 20 },
    })
  })

  it('F6: every record of an employer funding many accounts, nearly all at one provider', async () => {
    const storage = getStorage()
    await writeScheme(storage, 'f6', (t) => {
      const employer = (siret: string, i: number, provider: string) =>
        recordRow(t, `${siret}-${String(i).padStart(2, '0')}`, {
          providerId: provider,
          accountPseudonym: account(`${siret}-${i}`),
          funding: [
            { ...funded(150_000)[0], amountMinor: 90_000 } as IlaFundingLineRow,
            {
              funderType: 'employer',
              funderRef: { scheme: 'SIRET', value: siret },
              amountMinor: 60_000,
              tier: null,
              expiresAt: null,
              paidBy: 'employer',
            },
          ],
        })
      return {
        providers: [providerRow(t, 'prov-a'), providerRow(t, 'prov-b')],
        records: [
          ...Array.from({ length: 12 }, (_, i) => employer('11111111100011', i, 'prov-a')),
          ...Array.from({ length: 12 }, (_, i) => employer('22222222200022', i, i < 6 ? 'prov-a' : 'prov-b')),
        ],
      }
    })
    const report = await run(storage, 'f6')
    expect(counts(report, 'F6')).to.deep.equal({ employer_cluster: 12 })
    const cluster = only(report, 'employer_cluster')
    expect(cluster.map((a) => a.recordId)).to.deep.equal(
      Array.from({ length: 12 }, (_, i) => `11111111100011-${String(i).padStart(2, '0')}`),
    )
    expect(cluster[0]).to.deep.include({
      code: 'F6',
      severity: 'medium',
      providerId: 'prov-a',
      evidence: {
        funderRef: { scheme: 'SIRET', value: '11111111100011' },
        accounts: 12,
        records: 12,
        providerShare: 1,
      },
    })
  })

  it('F7: every record of a cohort with one same completion instant, with its credential; a burst of credentials', async () => {
    const storage = getStorage()
    await writeScheme(storage, 'f7', (t) => {
      const records: IlaSpendingRecordRow[] = []
      const credentials = []
      const links = []
      for (let i = 0; i < 10; i++) {
        const id = `cohort-${i}`
        records.push(
          recordRow(t, id, { sessionId: 'S1', completionDeclaredAt: '2026-07-01T23:59:00.000Z' }),
          recordRow(t, `other-${i}`, {
            sessionId: 'S2',
            completionDeclaredAt: `2026-07-01T1${i}:00:00.000Z`,
          }),
        )
        const credential = credentialRow(t, `urn:c:${id}`, {
          issuedAt: `2026-07-07T10:00:0${i}.000Z`,
          validFrom: null,
        })
        credentials.push(credential)
        links.push(...linkRows(t, credential, 'MATCHED', [id]))
      }
      return { records, credentials, links }
    })
    const report = await run(storage, 'f7', { thresholds: { burstMinCredentials: 5 } })
    expect(counts(report, 'F7')).to.deep.equal({ uniform_cohort: 10, issuance_burst: 1 })
    const cohort = only(report, 'uniform_cohort')
    expect(cohort.map((a) => [a.recordId, a.credentialId])).to.deep.equal(
      Array.from({ length: 10 }, (_, i) => [`cohort-${i}`, `urn:c:cohort-${i}`]),
    )
    expect(cohort[0]).to.deep.include({
      severity: 'medium',
      providerId: 'prov-a',
      evidence: {
        offerId: 'OFFER-1',
        cohort: 'S1',
        completionDeclaredAt: '2026-07-01T23:59:00.000Z',
        records: 10,
      },
    })
    expect(only(report, 'issuance_burst')[0]).to.deep.equal({
      code: 'F7',
      severity: 'low',
      kind: 'issuance_burst',
      providerId: 'prov-a',
      evidence: { issuerDid: 'did:web:prov-a.example', minute: '2026-07-07T10:00', credentials: 10 },
    })
  })

  it('F8: a price above the list price (with a tolerance), and prices clustered at a given cap', async () => {
    const storage = getStorage()
    await writeScheme(storage, 'f8', (t) => ({
      providers: [providerRow(t, 'prov-a'), providerRow(t, 'prov-s')],
      offers: [
        offerRow(t, 'OFFER-1'),
        offerRow(t, 'OFFER-STAP', { providerId: 'prov-s', listPriceMinor: 120_000 }),
      ],
      records: [
        recordRow(t, 'f8a', { agreedPriceMinor: 180_000, funding: funded(180_000) }),
        recordRow(t, 'f8b'),
        ...Array.from({ length: 10 }, (_, i) =>
          recordRow(t, `stap-${i}`, {
            schemeId: 'NL-STAP',
            providerId: 'prov-s',
            offerId: 'OFFER-STAP',
            agreedPriceMinor: i < 9 ? 100_000 : 80_000,
            funding: funded(i < 9 ? 100_000 : 80_000),
          }),
        ),
      ],
    }))
    const caps = [{ schemeId: 'NL-STAP', currency: 'EUR', amountMinor: 100_000 }]
    const report = await run(storage, 'f8', { priceCaps: caps })
    expect(counts(report, 'F8')).to.deep.equal({ above_list_price: 1, at_cap: 1 })
    expect(only(report, 'above_list_price')[0]).to.deep.include({
      recordId: 'f8a',
      severity: 'medium',
      evidence: { currency: 'EUR', agreedPrice: 180_000, listPrice: 150_000 },
    })
    expect(only(report, 'at_cap')[0]).to.deep.include({
      providerId: 'prov-s',
      evidence: { schemeId: 'NL-STAP', currency: 'EUR', records: 10, shareAtCap: 0.9, cap: 100_000 },
    })
    expect(report.settings.priceCaps).to.deep.equal(caps)
    const tolerant = await run(storage, 'f8', { thresholds: { priceTolerancePct: 25 } })
    expect(counts(tolerant, 'F8')).to.deep.equal({})
  })

  it('F9: one account in two trainings at once, both in person or more hours a day than anyone attends', async () => {
    const storage = getStorage()
    await writeScheme(storage, 'f9', (t) => {
      const at = (start: string, end: string, hours: number) => ({
        plannedStart: start,
        actualStart: start,
        ...completedOn(end),
        realisedHours: hours,
      })
      return {
        providers: [providerRow(t, 'prov-a'), providerRow(t, 'prov-b')],
        offers: [
          offerRow(t, 'OFFER-1'),
          offerRow(t, 'ONSITE-A', { modality: 'onsite' }),
          offerRow(t, 'ONSITE-B', { providerId: 'prov-b', modality: 'onsite' }),
        ],
        records: [
          recordRow(t, 'f9a', {
            offerId: 'ONSITE-A',
            accountPseudonym: account('x'),
            ...at('2026-06-01', '2026-06-30', 35),
          }),
          recordRow(t, 'f9b', {
            providerId: 'prov-b',
            offerId: 'ONSITE-B',
            accountPseudonym: account('x'),
            ...at('2026-06-15', '2026-07-15', 35),
          }),
          recordRow(t, 'f9c', { accountPseudonym: account('y'), ...at('2026-09-01', '2026-09-02', 20) }),
          recordRow(t, 'f9d', { accountPseudonym: account('y'), ...at('2026-09-02', '2026-09-03', 20) }),
          recordRow(t, 'f9e', { accountPseudonym: account('z'), ...at('2026-09-01', '2026-09-30', 20) }),
          recordRow(t, 'f9f', { accountPseudonym: account('z'), ...at('2026-09-10', '2026-10-10', 20) }),
        ],
      }
    })
    const report = await run(storage, 'f9')
    expect(
      only(report, 'overlapping_sessions').map((a) => [a.recordId, a.providerId, a.evidence]),
    ).to.deep.equal([
      ['f9a', 'prov-a', { otherRecordId: 'f9b', overlapDays: 16, hoursPerDay: 35 / 30 + 35 / 31 }],
      ['f9b', 'prov-b', { otherRecordId: 'f9a', overlapDays: 16, hoursPerDay: 35 / 31 + 35 / 30 }],
      ['f9c', 'prov-a', { otherRecordId: 'f9d', overlapDays: 1, hoursPerDay: 20 }],
      ['f9d', 'prov-a', { otherRecordId: 'f9c', overlapDays: 1, hoursPerDay: 20 }],
    ])
    expect(only(report, 'overlapping_sessions')[0]).to.deep.include({ code: 'F9', severity: 'medium' })
  })

  it("F10: the same award twice, two credentials for one record, one credential for two of a learner's records", async () => {
    const storage = getStorage()
    await writeScheme(storage, 'f10', (t) => {
      const original = credentialRow(t, 'urn:c:10-1', { fingerprint: 'f'.repeat(64) })
      const copy = credentialRow(t, 'urn:c:10-2', {
        fingerprint: 'f'.repeat(64),
        issuedAt: '2026-07-11T10:00:00.000Z',
      })
      const twice = credentialRow(t, 'urn:c:10-3')
      const strangers = credentialRow(t, 'urn:c:10-4')
      return {
        records: [
          recordRow(t, 'f10a'),
          recordRow(t, 'f10b', { accountPseudonym: account('a') }),
          recordRow(t, 'f10c', { accountPseudonym: account('a'), schemeId: 'FR-REGION' }),
          recordRow(t, 'f10d', { accountPseudonym: account('d') }),
          recordRow(t, 'f10e', { accountPseudonym: account('e') }),
        ],
        credentials: [original, copy, twice, strangers],
        links: [
          ...linkRows(t, original, 'MATCHED', ['f10a']),
          ...linkRows(t, copy, 'MATCHED_WITH_WARNINGS', ['f10a']),
          ...linkRows(t, twice, 'AMBIGUOUS', ['f10b', 'f10c']),
          ...linkRows(t, strangers, 'AMBIGUOUS', ['f10d', 'f10e']),
        ],
      }
    })
    const report = await run(storage, 'f10')
    expect(counts(report, 'F10')).to.deep.equal({
      credential_claimed_twice: 1,
      duplicate_award: 1,
      record_claimed_twice: 1,
    })
    expect(only(report, 'duplicate_award')[0]).to.deep.equal({
      code: 'F10',
      severity: 'high',
      kind: 'duplicate_award',
      recordId: 'f10a',
      credentialId: 'urn:c:10-2',
      providerId: 'prov-a',
      evidence: { duplicateOf: 'urn:c:10-1', copies: 2 },
    })
    expect(only(report, 'record_claimed_twice')[0]).to.deep.include({
      recordId: 'f10a',
      evidence: { achievementId: 'urn:achievement:OFFER-1', credentials: 2 },
    })
    expect(only(report, 'credential_claimed_twice')[0]).to.deep.include({
      recordId: 'f10b',
      credentialId: 'urn:c:10-3',
      providerId: 'prov-a',
      evidence: { otherRecordId: 'f10c', records: 2, schemes: 2 },
    })
    expect(report.summary.ambiguous).to.equal(4)
    expect(report.summary.unmatchedCredentials.ambiguous).to.equal(2)
  })

  it('F11: a credential for a cancelled record; revoked (high) or suspended (medium) once the record is paid', async () => {
    const storage = getStorage()
    await writeScheme(storage, 'f11', (t) => {
      const forCancelled = credentialRow(t, 'urn:c:11a')
      const revoked = credentialRow(t, 'urn:c:11b', { revoked: true, verified: false })
      const suspended = credentialRow(t, 'urn:c:11c', { suspended: true, verified: false })
      const unpaid = credentialRow(t, 'urn:c:11d', { revoked: true, verified: false })
      return {
        records: [
          recordRow(t, 'f11a', {
            ...inTraining('2026-12-20'),
            actualStart: null,
            lifecycle: 'cancelled_by_learner',
          }),
          recordRow(t, 'f11b'),
          recordRow(t, 'f11c'),
          recordRow(t, 'f11d', completedOn('2026-06-30', null)),
        ],
        credentials: [forCancelled, revoked, suspended, unpaid],
        links: [
          ...linkRows(t, forCancelled, 'MATCHED_WITH_WARNINGS', ['f11a']),
          ...linkRows(t, revoked, 'REJECTED', ['f11b'], { confirmed: true }),
          ...linkRows(t, suspended, 'MATCHED_WITH_WARNINGS', ['f11c']),
          ...linkRows(t, unpaid, 'REJECTED', ['f11d'], { confirmed: true }),
        ],
      }
    })
    const report = await run(storage, 'f11')
    expect(counts(report, 'F11')).to.deep.equal({
      credential_for_cancelled_record: 1,
      revoked_after_payment: 1,
      suspended_after_payment: 1,
    })
    expect(only(report, 'credential_for_cancelled_record')[0]).to.deep.include({
      recordId: 'f11a',
      credentialId: 'urn:c:11a',
      severity: 'high',
      evidence: { lifecycle: 'cancelled_by_learner' },
    })
    expect(only(report, 'revoked_after_payment')[0]).to.deep.include({
      recordId: 'f11b',
      credentialId: 'urn:c:11b',
      severity: 'high',
      evidence: { payment: 'paid', currency: 'EUR', paid: 150_000 },
    })
    expect(only(report, 'suspended_after_payment')[0]).to.deep.include({
      recordId: 'f11c',
      severity: 'medium',
    })
    expect(report.summary.amounts[0]?.atRiskRevoked).to.equal(150_000)
  })

  it('F12: realisation below the threshold yet paid in full or credited with a full completion', async () => {
    const storage = getStorage()
    await writeScheme(storage, 'f12', (t) => {
      const half = credentialRow(t, 'urn:c:12a')
      const fifth = credentialRow(t, 'urn:c:12b')
      return {
        records: [
          recordRow(t, 'f12a', { realisationRatePct: 55 }),
          recordRow(t, 'f12b', { realisationRatePct: 20 }),
          recordRow(t, 'f12c', {
            realisationRatePct: 60,
            amountPaidMinor: 90_000,
            exitReason: 'partial_learner',
          }),
          recordRow(t, 'f12d', { realisationRatePct: null, attendanceRatePct: 70 }),
        ],
        credentials: [half, fifth],
        links: [
          ...linkRows(t, half, 'MATCHED_WITH_WARNINGS', ['f12a']),
          ...linkRows(t, fifth, 'MATCHED_WITH_WARNINGS', ['f12b']),
        ],
      }
    })
    const report = await run(storage, 'f12')
    expect(counts(report, 'F12')).to.deep.equal({
      very_low_realisation_full_credential: 1,
      low_realisation_full_credential: 1,
      low_realisation_paid_in_full: 3,
    })
    expect(only(report, 'low_realisation_paid_in_full').map((a) => [a.recordId, a.evidence])).to.deep.equal([
      ['f12a', { realisationRatePct: 55, attendanceRatePct: null, paid: 150_000 }],
      ['f12b', { realisationRatePct: 20, attendanceRatePct: null, paid: 150_000 }],
      ['f12d', { realisationRatePct: null, attendanceRatePct: 70, paid: 150_000 }],
    ])
    expect(only(report, 'very_low_realisation_full_credential')[0]).to.deep.include({
      recordId: 'f12b',
      credentialId: 'urn:c:12b',
      severity: 'high',
    })
    expect(only(report, 'low_realisation_full_credential')[0]).to.deep.include({
      recordId: 'f12a',
      severity: 'medium',
    })
  })

  it('F13: an offer outside the catalogue or its eligibility at booking; a certification without habilitation', async () => {
    const storage = getStorage()
    await writeScheme(storage, 'f13', (t) => ({
      providers: [
        providerRow(t, 'prov-a', {
          habilitations: [
            {
              certificationCode: 'RNCP777',
              certifierId: 'prov-c',
              validFrom: '2026-06-01',
              validUntil: null,
            },
          ],
        }),
      ],
      offers: [
        offerRow(t, 'OFFER-1'),
        offerRow(t, 'LATE', { eligibleFrom: '2026-06-01' }),
        offerRow(t, 'CERT', { certificationCode: 'RNCP999' }),
        offerRow(t, 'HABIL', { certificationCode: 'RNCP777' }),
      ],
      records: [
        recordRow(t, 'f13a', { offerId: 'GONE' }),
        recordRow(t, 'f13b', { offerId: 'LATE' }),
        recordRow(t, 'f13c', { offerId: 'CERT' }),
        recordRow(t, 'f13d', { offerId: 'HABIL' }),
        recordRow(t, 'f13e', { offerId: 'HABIL', requestedAt: '2026-07-01', plannedStart: '2026-07-15' }),
      ],
    }))
    const report = await run(storage, 'f13')
    expect(counts(report, 'F13')).to.deep.equal({
      no_habilitation: 2,
      not_eligible_at_booking: 1,
      not_in_catalogue: 1,
    })
    expect(only(report, 'not_in_catalogue')[0]).to.deep.include({
      recordId: 'f13a',
      severity: 'medium',
      evidence: { registryId: 'EDOF', offerId: 'GONE' },
    })
    expect(only(report, 'not_eligible_at_booking')[0]).to.deep.include({
      recordId: 'f13b',
      evidence: { requestedAt: '2026-05-01', eligibleFrom: '2026-06-01', eligibleUntil: null },
    })
    expect(only(report, 'no_habilitation').map((a) => [a.recordId, a.evidence])).to.deep.equal([
      ['f13c', { certificationCode: 'RNCP999' }],
      ['f13d', { certificationCode: 'RNCP777' }],
    ])
  })

  it('F15: a provider whose every learner completes; F16: unsupervised assessment of a high-value record', async () => {
    const storage = getStorage()
    await writeScheme(storage, 'f15', (t) => {
      const credentials = [
        credentialRow(t, 'urn:c:16a', { supervision: UNSUPERVISED }),
        credentialRow(t, 'urn:c:16b', { supervision: 'c598449d64' }),
        credentialRow(t, 'urn:c:16c', { supervision: UNSUPERVISED }),
        credentialRow(t, 'urn:c:16d', { supervision: null }),
      ]
      const high = { agreedPriceMinor: 390_000, funding: funded(390_000), amountPaidMinor: 390_000 }
      return {
        providers: [providerRow(t, 'prov-a'), providerRow(t, 'prov-p')],
        offers: [offerRow(t, 'OFFER-1'), offerRow(t, 'OFFER-P', { providerId: 'prov-p' })],
        records: [
          ...Array.from({ length: 6 }, (_, i) =>
            recordRow(t, `perfect-${i}`, { providerId: 'prov-p', offerId: 'OFFER-P' }),
          ),
          recordRow(t, 'f16a', high),
          recordRow(t, 'f16b', high),
          recordRow(t, 'f16c', {
            agreedPriceMinor: 90_000,
            funding: funded(90_000),
            amountPaidMinor: 90_000,
          }),
          recordRow(t, 'f16d', high),
          recordRow(t, 'partial', {
            exitReason: 'partial_learner',
            realisationRatePct: 50,
            amountPaidMinor: 75_000,
          }),
        ],
        credentials,
        links: credentials.flatMap((c) => linkRows(t, c, 'MATCHED', [`f16${c.credentialId.slice(-1)}`])),
      }
    })
    const report = await run(storage, 'f15', { thresholds: { flawlessMinRecords: 5 } })
    expect(only(report, 'flawless_provider')).to.deep.equal([
      {
        code: 'F15',
        severity: 'low',
        kind: 'flawless_provider',
        providerId: 'prov-p',
        evidence: { started: 6, completionRate: 1, partialExits: 0 },
      },
    ])
    expect(
      only(report, 'unsupervised_high_value').map((a) => [a.recordId, a.credentialId, a.evidence]),
    ).to.deep.equal([
      ['f16a', 'urn:c:16a', { currency: 'EUR', supervision: UNSUPERVISED, agreedPrice: 390_000 }],
      ['f16b', 'urn:c:16b', { currency: 'EUR', supervision: 'c598449d64', agreedPrice: 390_000 }],
    ])
    expect(only(report, 'unsupervised_high_value')[0]).to.deep.include({ code: 'F16', severity: 'low' })
  })

  it('unmatched credentials: reasons and codes; an anomaly only for those with a link commitment', async () => {
    const storage = getStorage()
    await writeScheme(storage, 'unmatched', (t) => {
      const noRecord = credentialRow(t, 'urn:c:u1')
      const plain = credentialRow(t, 'urn:c:u2', { subjectCommitment: null })
      const rejected = credentialRow(t, 'urn:c:u3', { verified: false, verificationCodes: ['PROOF_INVALID'] })
      const never = credentialRow(t, 'urn:c:u4')
      return {
        credentials: [noRecord, plain, rejected, never],
        links: [
          ...linkRows(t, noRecord, 'NO_MATCH', [null]),
          ...linkRows(t, plain, 'NO_MATCH', [null]),
          ...linkRows(t, rejected, 'REJECTED', [null]),
        ],
      }
    })
    const report = await run(storage, 'unmatched')
    expect(report.unmatchedCredentials).to.deep.equal([
      {
        credentialId: 'urn:c:u3',
        issuer: 'did:web:prov-a.example',
        reason: 'rejected',
        hasCommitment: true,
        codes: ['L1_ISSUER_UNKNOWN', 'PROOF_INVALID'],
      },
      {
        credentialId: 'urn:c:u1',
        issuer: 'did:web:prov-a.example',
        reason: 'no_record',
        hasCommitment: true,
        codes: ['L2_NO_RECORD'],
      },
      {
        credentialId: 'urn:c:u2',
        issuer: 'did:web:prov-a.example',
        reason: 'no_record',
        hasCommitment: false,
        codes: ['L2_NO_RECORD'],
      },
      {
        credentialId: 'urn:c:u4',
        issuer: 'did:web:prov-a.example',
        reason: 'not_linked',
        hasCommitment: true,
        codes: [],
      },
    ])
    expect(report.summary.unmatchedCredentials).to.deep.equal({
      noRecord: 2,
      ambiguous: 0,
      rejected: 1,
      notLinked: 1,
    })
    expect(
      only(report, 'commitment_no_record').map((a) => [a.credentialId, a.providerId, a.severity]),
    ).to.deep.equal([['urn:c:u1', 'prov-a', 'medium']])
    expect(only(report, 'commitment_rejected').map((a) => a.credentialId)).to.deep.equal(['urn:c:u3'])
  })

  it('statistics per provider and course, and the monitoring metrics with optional denominators', async () => {
    const storage = getStorage()
    await writeScheme(storage, 'stats', (t) => {
      const seven = credentialRow(t, 'urn:c:s1', { issuedAt: '2026-07-07T10:00:00.000Z', validFrom: null })
      const nine = credentialRow(t, 'urn:c:s2', { issuedAt: '2026-07-09T10:00:00.000Z', validFrom: null })
      const targeted: IlaFundingLineRow[] = [
        {
          funderType: 'ila_entitlement_targeted',
          funderRef: null,
          amountMinor: 150_000,
          tier: 'CPF-800',
          expiresAt: null,
          paidBy: null,
        },
      ]
      return {
        offers: [
          offerRow(t, 'OFFER-1', { plannedHours: 30 }),
          offerRow(t, 'OFFER-2', { plannedHours: 10, listPriceMinor: 50_000 }),
        ],
        records: [
          recordRow(t, 's1', { realisedHours: null }),
          recordRow(t, 's2', { realisedHours: null, funding: targeted }),
          recordRow(t, 's3', { ...completedOn('2026-11-10', null), realisedHours: null }),
          recordRow(t, 's4', {
            offerId: 'OFFER-2',
            agreedPriceMinor: 50_000,
            funding: funded(50_000),
            amountPaidMinor: 25_000,
            realisedHours: 5,
            realisationRatePct: 50,
            exitReason: 'partial_learner',
            lifecycle: 'exited',
          }),
          recordRow(t, 's5', { ...inTraining('2026-12-20') }),
        ],
        credentials: [seven, nine],
        links: [...linkRows(t, seven, 'MATCHED', ['s1']), ...linkRows(t, nine, 'MATCHED', ['s2'])],
      }
    })
    const report = await run(storage, 'stats', {
      denominators: { eligibleAccounts: 50, eligibleMostInNeedAccounts: 4 },
    })
    expect(report.byProvider).to.deep.equal([
      {
        providerId: 'prov-a',
        currency: 'EUR',
        records: 5,
        credentialExpected: 4,
        matched: 2,
        credentialRate: 0.5,
        committed: 650_000,
        paid: 325_000,
        paidWithoutCredential: 0,
        medianIssueLagDays: 8,
        ended: 4,
        partialExits: 1,
        partialRate: 0.25,
        anomalies: 0,
        highAnomalies: 0,
      },
    ])
    expect(report.byCourse).to.deep.equal([
      {
        registryId: 'EDOF',
        offerId: 'OFFER-1',
        currency: 'EUR',
        records: 4,
        credentialExpected: 4,
        matched: 2,
        credentialRate: 0.5,
        committed: 600_000,
        paid: 300_000,
        hours: 120,
        avgPricePerHour: 5000,
      },
      {
        registryId: 'EDOF',
        offerId: 'OFFER-2',
        currency: 'EUR',
        records: 1,
        credentialExpected: 0,
        matched: 0,
        credentialRate: null,
        committed: 50_000,
        paid: 25_000,
        hours: 5,
        avgPricePerHour: 10_000,
      },
    ])
    const m = report.metrics
    expect(m).to.deep.include({
      accounts: 5,
      eligibleAccounts: 50,
      takeUpRate: 0.1,
      accountsMostInNeed: 1,
      eligibleMostInNeedAccounts: 4,
      mostInNeedTakeUpRate: 0.25,
      completion: { started: 5, validated: 3, rate: 0.6 },
      credential: { expected: 4, matched: 2, rate: 0.5 },
      timeToCredentialDays: { pairs: 2, median: 8, mean: 8 },
    })
    expect(m.costPerHour).to.deep.equal([{ currency: 'EUR', hours: 125, agreed: 650_000, perHour: 5200 }])
    expect(m.costPerCompletion).to.deep.equal([
      { currency: 'EUR', completions: 3, paid: 325_000, perCompletion: 325_000 / 3 },
    ])
    expect(m.providerConcentration).to.deep.equal([
      { currency: 'EUR', providers: 1, top10CommittedShare: 1, top10RecordsShare: 1 },
    ])
    expect(m.irregularity).to.deep.equal({ highAnomalies: 0, records: 5, rate: 0 })
    expectAmountsAddUp(report)
  })

  it('narrows to a scheme and a period of request dates; a credential without a record belongs to no scheme', async () => {
    const storage = getStorage()
    await writeScheme(storage, 'filters', (t) => {
      const unlinked = credentialRow(t, 'urn:c:p1', { issuedAt: '2026-03-10T10:00:00.000Z', validFrom: null })
      return {
        records: [
          recordRow(t, 'jan', { requestedAt: '2026-01-15' }),
          recordRow(t, 'mar', { requestedAt: '2026-03-31T22:00:00.000Z' }),
          recordRow(t, 'apr', { requestedAt: '2026-04-01' }),
          recordRow(t, 'stap', { requestedAt: '2026-02-01', schemeId: 'NL-STAP' }),
        ],
        credentials: [unlinked],
        links: linkRows(t, unlinked, 'NO_MATCH', [null]),
      }
    })
    const all = await run(storage, 'filters')
    expect(all.summary.records).to.equal(4)
    expect(all.summary.credentials).to.equal(1)
    expect(counts(all, 'F3')).to.deep.equal({ no_credential_escalated: 4 })

    const cpf = await run(storage, 'filters', { scheme: 'FR-CPF' })
    expect(cpf.schemeId).to.equal('FR-CPF')
    expect(cpf.summary.records).to.equal(3)
    expect(cpf.summary.credentials).to.equal(0)
    expect(cpf.byProvider[0]?.records).to.equal(3)

    const q1 = await run(storage, 'filters', { from: '2026-02-01', to: '2026-03-31' })
    expect(q1.period).to.deep.equal({ from: '2026-02-01', to: '2026-03-31' })
    expect(q1.unmatchedSpending.map((u) => u.recordId).sort()).to.deep.equal(['mar', 'stap'])
    expect(q1.summary.credentials).to.equal(1)
    expect(only(q1, 'no_credential_escalated').map((a) => a.recordId)).to.deep.equal(['mar', 'stap'])

    const later = await run(storage, 'filters', { from: '2026-03-11' })
    expect(later.summary).to.deep.include({ records: 2, credentials: 0 })
  })

  it('refuses malformed dates, limits and thresholds, and an unknown tenant', async () => {
    const storage = getStorage()
    await writeScheme(storage, 'refusals', () => ({}))
    for (const input of [
      { from: '2026-02-30' },
      { to: '2026-3-1' },
      { from: '2026-03-02', to: '2026-03-01' },
      { suppressBelow: 0 },
      { listLimit: -1 },
      { thresholds: { proofWarnDays: -1 } },
      { thresholds: { nonsense: 1 } as never },
      { priceCaps: [{ schemeId: 'NL-STAP', currency: 'eur', amountMinor: 100 }] },
    ] as ReconcileInput[]) {
      await expect(
        run(storage, 'refusals', input),
        JSON.stringify(input),
      ).to.be.rejected.and.eventually.have.property('code', 'ERR_VALIDATION')
    }
    await expect(run(storage, 'nobody')).to.be.rejected.and.eventually.have.property('code', 'ERR_NOT_FOUND')
  })

  it("reads one tenant's data only", async () => {
    const storage = getStorage()
    await writeScheme(storage, 'tenant-a', (t) => ({
      records: [recordRow(t, 'shared-id'), recordRow(t, 'a-only')],
    }))
    await writeScheme(storage, 'tenant-b', (t) => ({
      records: [recordRow(t, 'shared-id', completedOn('2026-11-10'))],
    }))
    const b = await run(storage, 'tenant-b')
    expect(b.summary.records).to.equal(1)
    expect(b.anomalies).to.deep.equal([])
    expect(b.unmatchedSpending.map((u) => [u.recordId, u.reason])).to.deep.equal([['shared-id', 'pending']])
  })

  it('lists stop at their limits, with every anomaly counted', async () => {
    const storage = getStorage()
    await writeScheme(storage, 'limits', (t) => {
      const credentials = [credentialRow(t, 'urn:c:l1'), credentialRow(t, 'urn:c:l2')]
      return {
        records: [
          ...Array.from({ length: 5 }, (_, i) => recordRow(t, `stalled-${i}`, inTraining('2026-09-30'))),
          recordRow(t, 'm1'),
          recordRow(t, 'm2'),
        ],
        credentials,
        links: [
          ...linkRows(t, credentials[0]!, 'MATCHED', ['m1']),
          ...linkRows(t, credentials[1]!, 'MATCHED', ['m2']),
        ],
      }
    })
    const report = await reconcile(
      { storage, clock },
      { tenantSlug: 'limits', anomalyLimit: 2, listLimit: 1 },
    )
    expect(report.anomalyCounts).to.deep.equal([
      { code: 'F4', kind: 'stalled', severity: 'low', count: 5, listed: 2 },
    ])
    expect(report.anomalies.map((a) => a.recordId)).to.deep.equal(['stalled-0', 'stalled-1'])
    expect(report.matches.map((m) => m.recordId)).to.deep.equal(['m1'])
    expect(report.summary.matchedPairs).to.equal(2)
    expect(report.unmatchedSpending).to.have.length(1)
    expect(report.settings).to.deep.include({ listLimit: 1, anomalyLimit: 2 })
  })

  it('suppresses small cells for publication, and leaves record-level lists out', async () => {
    const storage = getStorage()
    await writeScheme(storage, 'suppressed', (t) => {
      const credentials = Array.from({ length: 12 }, (_, i) =>
        credentialRow(t, `urn:c:big-${i}`, { issuerDid: 'did:web:prov-big.example' }),
      )
      return {
        providers: [providerRow(t, 'prov-big'), providerRow(t, 'prov-small')],
        offers: [
          offerRow(t, 'OFFER-1', { providerId: 'prov-big' }),
          offerRow(t, 'OFFER-S', { providerId: 'prov-small' }),
          offerRow(t, 'OFFER-SG', { providerId: 'prov-small', listPriceCurrency: 'SGD' }),
        ],
        records: [
          ...credentials.map((_, i) => recordRow(t, `big-${i}`, { providerId: 'prov-big' })),
          ...[0, 1, 2].map((i) =>
            recordRow(t, `small-${i}`, { providerId: 'prov-small', offerId: 'OFFER-S' }),
          ),
          recordRow(t, 'sgd', {
            providerId: 'prov-small',
            offerId: 'OFFER-SG',
            currency: 'SGD',
            schemeId: 'SG-SFC',
          }),
        ],
        credentials,
        links: credentials.flatMap((c, i) => linkRows(t, c, 'MATCHED', [`big-${i}`])),
      }
    })
    const full = await run(storage, 'suppressed')
    expect(full.summary.unmatchedSpending.overdue).to.equal(4)
    const report = await run(storage, 'suppressed', { suppressBelow: 5 })
    expect(report.suppression).to.deep.equal({ below: 5 })
    expect(report.summary).to.deep.include({
      records: 16,
      matched: 12,
      matchedWithWarnings: 0,
      unmatchedSpending: { pending: 0, overdue: null, cancelled: 0, notExpected: 0 },
    })
    expect(report.matches).to.deep.equal([])
    expect(report.unmatchedSpending).to.deep.equal([])
    expect(report.unmatchedCredentials).to.deep.equal([])
    expect(report.anomalies).to.deep.equal([])
    expect(report.anomalyCounts).to.deep.equal([
      { code: 'F3', kind: 'no_credential_escalated', severity: 'high', count: null, listed: 0 },
    ])
    const eur = report.summary.amounts.find((a) => a.currency === 'EUR')
    expect(eur).to.deep.include({ records: 15, paid: 15 * 150_000 })
    const sgd = report.summary.amounts.find((a) => a.currency === 'SGD')
    expect(Object.entries(sgd ?? {}).filter(([, v]) => v !== null)).to.deep.equal([['currency', 'SGD']])
    const small = report.byProvider.find((p) => p.providerId === 'prov-small' && p.currency === 'EUR')
    expect(small).to.deep.include({ records: null, paid: null, credentialRate: null, anomalies: null })
    const big = report.byProvider.find((p) => p.providerId === 'prov-big')
    expect(big).to.deep.include({ records: 12, matched: 12, credentialRate: 1, anomalies: 0 })
    expect(report.metrics).to.deep.include({ accounts: 16 })
    expect(report.metrics.irregularity).to.deep.equal({ highAnomalies: null, records: 16, rate: null })
  })

  it('renders JSON, CSV (one section per table) and a standalone HTML page that escapes every value', async () => {
    const storage = getStorage()
    const hostile = 'prov-<script>alert("x")</script>'
    await writeScheme(storage, 'render', (t) => ({
      providers: [providerRow(t, hostile)],
      offers: [offerRow(t, 'OFFER-1', { providerId: hostile })],
      records: [
        recordRow(t, '=HYPERLINK("http://evil")', { providerId: hostile }),
        recordRow(t, 'r,2', { providerId: hostile }),
      ],
    }))
    const report = await run(storage, 'render')
    expect(JSON.parse(reportToJson(report))).to.deep.equal(JSON.parse(JSON.stringify(report)))

    const csv = reportToCsv(report)
    const sections = csv.split('\r\n').filter((l) => l.startsWith('# '))
    expect(sections).to.deep.equal([
      '# report',
      '# summary',
      '# amounts',
      '# anomaly_counts',
      '# anomalies',
      '# matches',
      '# unmatched_spending',
      '# unmatched_credentials',
      '# by_provider',
      '# by_course',
      '# metrics',
      '# funding',
    ])
    expect(csv).to.include('\r\n# summary\r\nmetric,value\r\nrecords,2\r\n')
    expect(csv).to.include(`"'=HYPERLINK(""http://evil"")",`)
    expect(csv).to.include('"r,2",')
    expect(csv).to.include(`"prov-<script>alert(""x"")</script>"`)
    expect(csv).to.include(
      '\r\n# anomalies\r\ncode,severity,kind,recordId,credentialId,providerId,evidence\r\n',
    )
    expect(csv).to.match(/F3,high,no_credential_escalated,r,2|"r,2"/)

    const html = reportToHtml(report)
    expect(html.startsWith('<!DOCTYPE html>')).to.equal(true)
    expect(html).not.to.include('<script>')
    expect(html).to.include('prov-&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;')
    expect(html).to.include('=HYPERLINK(&quot;http://evil&quot;)')
    expect(html).to.include(`content="default-src 'none'; style-src 'unsafe-inline'"`)
    expect(html).not.to.match(/<(link|img|iframe)\b|src=|href=/)
    expect(html).to.include('3,000.00 EUR')
    const published = reportToHtml(await run(storage, 'render', { suppressBelow: 3 }))
    expect(published).to.include('&lt; 3')
  })
})
