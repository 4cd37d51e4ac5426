/** Hand-built ILA schemes for the reconciliation report: one tenant each, written through the repositories. */
import { createHash } from 'node:crypto'
import type {
  IlaCatalogueRecord,
  IlaCredentialRecord,
  IlaLinkOutcome,
  IlaLinkResultRecord,
  IlaProviderRecord,
  IlaRuleResult,
  IlaSpendingRecordRow,
  Storage,
} from '../../src/storage/storage.js'

/** The day the reports are made. */
export const REPORT_NOW = '2026-11-25T10:00:00Z'
const AT = '2026-11-01T00:00:00.000Z'

export const UNSUPERVISED = 'http://data.europa.eu/snb/supervision-verification/c598449d64'

export function providerRow(
  tenantId: string,
  providerId: string,
  overrides: Partial<IlaProviderRecord> = {},
): IlaProviderRecord {
  return {
    tenantId,
    providerId,
    legalIds: [{ scheme: 'SIRET', value: `${providerId}-siret` }],
    issuerKeys: [`did:web:${providerId}.example#key-1`],
    accreditations: [{ type: 'Qualiopi', validFrom: '2020-01-01', validUntil: null, status: 'active' }],
    awardingBodyFor: ['RS5678'],
    habilitations: [],
    createdAt: AT,
    updatedAt: AT,
    ...overrides,
  }
}

export function offerRow(
  tenantId: string,
  offerId: string,
  overrides: Partial<IlaCatalogueRecord> = {},
): IlaCatalogueRecord {
  return {
    tenantId,
    registryId: 'EDOF',
    offerId,
    version: null,
    providerId: 'prov-a',
    certificationCode: 'RS5678',
    credentialExpected: true,
    achievementIds: [`urn:achievement:${offerId}`],
    plannedHours: 35,
    ectsCredits: null,
    eqfLevel: null,
    modality: 'online',
    listPriceMinor: 150_000,
    listPriceCurrency: 'EUR',
    eligibleFrom: '2020-01-01',
    eligibleUntil: null,
    createdAt: AT,
    updatedAt: AT,
    ...overrides,
  }
}

/** A record completed, validated and paid in full, of `prov-a` for offer `OFFER-1`. */
export function recordRow(
  tenantId: string,
  recordId: string,
  overrides: Partial<IlaSpendingRecordRow> = {},
): IlaSpendingRecordRow {
  const digest = createHash('sha256').update(recordId).digest()
  return {
    tenantId,
    recordId,
    schemeId: 'FR-CPF',
    schemeRef: `CPF-${recordId}`,
    accountPseudonym: `acct-${createHash('sha256').update(recordId).digest('hex').slice(0, 20)}`,
    linkTokenDigest: createHash('sha256').update(`token-${recordId}`).digest('hex'),
    providerId: 'prov-a',
    providerLegalId: { scheme: 'SIRET', value: 'prov-a-siret' },
    accreditationSnapshot: ['Qualiopi'],
    registryId: 'EDOF',
    offerId: 'OFFER-1',
    offerVersion: null,
    sessionId: null,
    courseRunId: null,
    certificationCode: null,
    currency: 'EUR',
    agreedPriceMinor: 150_000,
    amountDebitedMinor: 140_000,
    amountPaidMinor: 150_000,
    amountRecreditedMinor: null,
    amountRecoveredMinor: null,
    entitlementUnit: 'money',
    hoursCommitted: null,
    requestedAt: '2026-05-01',
    approvedAt: '2026-05-03',
    learnerConfirmedAt: null,
    withdrawalDeadline: null,
    plannedStart: '2026-06-01',
    plannedEnd: '2026-06-30',
    actualStart: '2026-06-01',
    actualEnd: '2026-06-30',
    // Each record its own instant: ten records declared at one same instant are a signal (F7).
    completionDeclaredAt: `2026-07-01T09:${two((digest[0] ?? 0) % 60)}:${two((digest[1] ?? 0) % 60)}.000Z`,
    completionValidatedAt: '2026-07-05',
    completionProofDueBy: null,
    invoicedAt: '2026-07-06',
    paidAt: '2026-07-20',
    cancelledAt: null,
    realisationRatePct: 100,
    attendanceRatePct: null,
    realisedHours: 35,
    exitReason: 'completed',
    lifecycle: 'completion_validated',
    payment: 'paid',
    control: 'none',
    funding: [
      {
        funderType: 'ila_entitlement',
        funderRef: null,
        amountMinor: 140_000,
        tier: null,
        expiresAt: null,
        paidBy: null,
      },
      {
        funderType: 'learner_copayment_mandatory',
        funderRef: null,
        amountMinor: 10_000,
        tier: null,
        expiresAt: null,
        paidBy: 'learner',
      },
    ],
    history: [],
    schemeData: null,
    createdAt: AT,
    updatedAt: AT,
    ...overrides,
  }
}

/** A verified credential of `prov-a` for `OFFER-1`, issued a week after the training ended. */
export function credentialRow(
  tenantId: string,
  credentialId: string,
  overrides: Partial<IlaCredentialRecord> = {},
): IlaCredentialRecord {
  const digest = createHash('sha256').update(credentialId).digest('hex')
  return {
    tenantId,
    credentialId,
    credentialDigest: digest,
    fingerprint: createHash('sha256').update(`fp-${credentialId}`).digest('hex'),
    issuerDid: 'did:web:prov-a.example',
    subjectCommitment: `sha256$salt$${digest}`,
    achievementId: 'urn:achievement:OFFER-1',
    courseId: null,
    offerRegistryId: 'EDOF',
    offerId: 'OFFER-1',
    awardingBodyId: 'SIRET:prov-a-siret',
    country: 'FR',
    activityStart: '2026-06-01',
    activityEnd: '2026-06-30',
    issuedAt: '2026-07-07T10:00:00.000Z',
    validFrom: '2026-07-07T10:00:00.000Z',
    validUntil: null,
    awardingDate: '2026-07-07',
    workloadHours: 35,
    ectsCredits: null,
    fullCompletion: true,
    supervision: null,
    verified: true,
    verificationCodes: [],
    revoked: false,
    suspended: false,
    submittedAt: AT,
    updatedAt: AT,
    ...overrides,
  }
}

const two = (n: number) => String(n).padStart(2, '0')

let linkIds = 0

/** The current result of one link attempt: one row per candidate record (none for `NO_MATCH`, `REJECTED`). */
const COMMITMENT_MATCH: IlaRuleResult = {
  rule: 'L2',
  status: 'pass',
  code: 'L2_COMMITMENT_MATCH',
  message: 'the commitment is the record link token',
}

/**
 * The current result of one link attempt: one row per candidate record (`null` for none). A `REJECTED` attempt
 * fails L1; `confirmed` says its commitment still named the record (L2 passed).
 */
export function linkRows(
  tenantId: string,
  credential: IlaCredentialRecord,
  outcome: IlaLinkOutcome,
  recordIds: Array<string | null>,
  options: { confirmed?: boolean } = {},
): IlaLinkResultRecord[] {
  const attemptId = `attempt-${++linkIds}`
  const rejected: IlaRuleResult = {
    rule: 'L1',
    status: 'fail',
    code: 'L1_ISSUER_UNKNOWN',
    message: 'the issuer is not in the registry',
  }
  return recordIds.map((recordId) => ({
    id: `link-${String(++linkIds).padStart(8, '0')}`,
    tenantId,
    attemptId,
    credentialId: credential.credentialId,
    credentialDigest: credential.credentialDigest,
    recordId,
    outcome,
    rules:
      outcome === 'REJECTED'
        ? options.confirmed === true
          ? [rejected, COMMITMENT_MATCH]
          : [rejected]
        : outcome === 'NO_MATCH'
          ? [{ rule: 'L2', status: 'fail', code: 'L2_NO_RECORD', message: 'no record has this commitment' }]
          : [COMMITMENT_MATCH],
    issuerDid: credential.issuerDid,
    achievementId: credential.achievementId,
    courseId: credential.courseId,
    offerId: credential.offerId,
    issuedAt: credential.issuedAt,
    current: true,
    createdAt: AT,
  }))
}

export interface SchemeData {
  providers?: IlaProviderRecord[]
  offers?: IlaCatalogueRecord[]
  records?: IlaSpendingRecordRow[]
  credentials?: IlaCredentialRecord[]
  links?: IlaLinkResultRecord[]
}

/**
 * Creates tenant `slug` and writes `data` for it; `prov-a` and offer `OFFER-1` unless `data` gives providers
 * or offers. Returns the tenant id.
 */
export async function writeScheme(
  storage: Storage,
  slug: string,
  build: (tenantId: string) => SchemeData,
): Promise<string> {
  const tenantId = `t-${slug}`
  await storage.tenants.create({ id: tenantId, slug, name: slug, createdAt: AT })
  const data = build(tenantId)
  await storage.ila.providers.upsertMany(data.providers ?? [providerRow(tenantId, 'prov-a')])
  await storage.ila.catalogue.upsertMany(data.offers ?? [offerRow(tenantId, 'OFFER-1')])
  if (data.records?.length) await storage.ila.records.upsertMany(data.records)
  if (data.credentials?.length) await storage.ila.credentials.upsertMany(data.credentials)
  if (data.links?.length) await storage.ila.linkResults.append(data.links)
  return tenantId
}
