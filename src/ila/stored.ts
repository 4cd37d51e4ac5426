/**
 * The ILA model and its stored form (the storage port's rows), both ways. The stored form has a column for
 * every field and `null` for an absent one; reading it back gives the item as imported (normalised), with
 * absent fields left out and empty optional lists dropped.
 */
import type { IlaCatalogueRecord, IlaProviderRecord, IlaSpendingRecordRow } from '../storage/storage.js'
import type {
  CatalogueEntry,
  ControlState,
  EntitlementUnit,
  EventActor,
  ExitReason,
  FunderType,
  FundingLine,
  LifecycleState,
  Modality,
  Money,
  PaymentState,
  ProviderRef,
  ProviderRegistryEntry,
  SpendingRecord,
  StateAxis,
  StatusEvent,
  AccreditationStatus,
} from './model.js'

/** `value`, or `null` when absent. */
function orNull<T>(value: T | undefined): T | null {
  return value === undefined ? null : value
}

/** `{[key]: value}` when `value` is given, else nothing: spread into an object to leave absent fields out. */
function given<K extends string, V>(key: K, value: V | null | undefined): { [P in K]?: V } {
  return (value === null || value === undefined ? {} : { [key]: value }) as { [P in K]?: V }
}

function money(amountMinor: number | null, currency: string): Money | undefined {
  return amountMinor === null ? undefined : { amountMinor, currency }
}

export function providerToStored(
  tenantId: string,
  entry: ProviderRegistryEntry,
  at: string,
): IlaProviderRecord {
  return {
    tenantId,
    providerId: entry.providerId,
    legalIds: entry.legalIds.map((l) => ({ scheme: l.scheme, value: l.value })),
    issuerKeys: [...entry.issuerKeys],
    accreditations: entry.accreditations.map((a) => ({
      type: a.type,
      validFrom: a.validFrom,
      validUntil: orNull(a.validUntil),
      status: a.status,
    })),
    awardingBodyFor: [...(entry.awardingBodyFor ?? [])],
    habilitations: (entry.habilitations ?? []).map((h) => ({
      certificationCode: h.certificationCode,
      certifierId: h.certifierId,
      validFrom: h.validFrom,
      validUntil: orNull(h.validUntil),
    })),
    createdAt: at,
    updatedAt: at,
  }
}

export function providerFromStored(record: IlaProviderRecord): ProviderRegistryEntry {
  return {
    providerId: record.providerId,
    legalIds: record.legalIds.map((l) => ({ scheme: l.scheme, value: l.value })),
    issuerKeys: [...record.issuerKeys],
    accreditations: record.accreditations.map((a) => ({
      type: a.type,
      validFrom: a.validFrom,
      ...given('validUntil', a.validUntil),
      status: a.status as AccreditationStatus,
    })),
    ...(record.awardingBodyFor.length > 0 ? { awardingBodyFor: [...record.awardingBodyFor] } : {}),
    ...(record.habilitations.length > 0
      ? {
          habilitations: record.habilitations.map((h) => ({
            certificationCode: h.certificationCode,
            certifierId: h.certifierId,
            validFrom: h.validFrom,
            ...given('validUntil', h.validUntil),
          })),
        }
      : {}),
  }
}

export function catalogueToStored(tenantId: string, entry: CatalogueEntry, at: string): IlaCatalogueRecord {
  return {
    tenantId,
    registryId: entry.registryId,
    offerId: entry.offerId,
    version: orNull(entry.version),
    providerId: entry.providerId,
    certificationCode: orNull(entry.certificationCode),
    credentialExpected: entry.credentialExpected,
    achievementIds: [...(entry.achievementIds ?? [])],
    plannedHours: orNull(entry.plannedHours),
    ectsCredits: orNull(entry.ectsCredits),
    eqfLevel: orNull(entry.eqfLevel),
    modality: orNull(entry.modality),
    listPriceMinor: orNull(entry.listPrice?.amountMinor),
    listPriceCurrency: orNull(entry.listPrice?.currency),
    eligibleFrom: entry.eligibleFrom,
    eligibleUntil: orNull(entry.eligibleUntil),
    createdAt: at,
    updatedAt: at,
  }
}

export function catalogueFromStored(record: IlaCatalogueRecord): CatalogueEntry {
  return {
    registryId: record.registryId,
    offerId: record.offerId,
    ...given('version', record.version),
    providerId: record.providerId,
    ...given('certificationCode', record.certificationCode),
    credentialExpected: record.credentialExpected,
    ...(record.achievementIds.length > 0 ? { achievementIds: [...record.achievementIds] } : {}),
    ...given('plannedHours', record.plannedHours),
    ...given('ectsCredits', record.ectsCredits),
    ...given('eqfLevel', record.eqfLevel),
    ...given('modality', record.modality as Modality | null),
    ...given('listPrice', money(record.listPriceMinor, record.listPriceCurrency ?? '')),
    eligibleFrom: record.eligibleFrom,
    ...given('eligibleUntil', record.eligibleUntil),
  }
}

export function recordToStored(tenantId: string, record: SpendingRecord, at: string): IlaSpendingRecordRow {
  return {
    tenantId,
    recordId: record.recordId,
    schemeId: record.schemeId,
    schemeRef: record.schemeRef,
    accountPseudonym: record.accountPseudonym,
    linkTokenDigest: orNull(record.linkTokenDigest),
    providerId: record.provider.providerId,
    providerLegalId: { scheme: record.provider.legalId.scheme, value: record.provider.legalId.value },
    accreditationSnapshot: [...record.provider.accreditationSnapshot],
    registryId: record.catalogue.registryId,
    offerId: record.catalogue.offerId,
    offerVersion: orNull(record.catalogue.version),
    sessionId: orNull(record.catalogue.sessionId),
    courseRunId: orNull(record.catalogue.courseRunId),
    certificationCode: orNull(record.catalogue.certificationCode),
    currency: record.agreedPrice.currency,
    agreedPriceMinor: record.agreedPrice.amountMinor,
    amountDebitedMinor: orNull(record.amountDebitedFromAccount?.amountMinor),
    amountPaidMinor: orNull(record.amountPaidToProvider?.amountMinor),
    amountRecreditedMinor: orNull(record.amountRecredited?.amountMinor),
    amountRecoveredMinor: orNull(record.amountRecovered?.amountMinor),
    entitlementUnit: record.entitlementUnit,
    hoursCommitted: orNull(record.hoursCommitted),
    requestedAt: record.requestedAt,
    approvedAt: orNull(record.approvedAt),
    learnerConfirmedAt: orNull(record.learnerConfirmedAt),
    withdrawalDeadline: orNull(record.withdrawalDeadline),
    plannedStart: record.plannedStart,
    plannedEnd: record.plannedEnd,
    actualStart: orNull(record.actualStart),
    actualEnd: orNull(record.actualEnd),
    completionDeclaredAt: orNull(record.completionDeclaredAt),
    completionValidatedAt: orNull(record.completionValidatedAt),
    completionProofDueBy: orNull(record.completionProofDueBy),
    invoicedAt: orNull(record.invoicedAt),
    paidAt: orNull(record.paidAt),
    cancelledAt: orNull(record.cancelledAt),
    realisationRatePct: orNull(record.realisationRatePct),
    attendanceRatePct: orNull(record.attendanceRatePct),
    realisedHours: orNull(record.realisedHours),
    exitReason: orNull(record.exitReason),
    lifecycle: record.lifecycle,
    payment: record.payment,
    control: record.control,
    funding: record.funding.map((f) => ({
      funderType: f.funderType,
      funderRef: f.funderRef === undefined ? null : f.funderRef,
      amountMinor: f.amount.amountMinor,
      tier: orNull(f.tier),
      expiresAt: orNull(f.expiresAt),
      paidBy: orNull(f.paidBy),
    })),
    history: record.history.map((e) => ({
      at: e.at,
      axis: e.axis,
      from: orNull(e.from),
      to: e.to,
      actor: e.actor,
      reasonCode: orNull(e.reasonCode),
    })),
    schemeData: orNull(record.schemeData),
    createdAt: at,
    updatedAt: at,
  }
}

export function recordFromStored(row: IlaSpendingRecordRow): SpendingRecord {
  const c = row.currency
  const funding: FundingLine[] = row.funding.map((f) => ({
    funderType: f.funderType as FunderType,
    ...given<'funderRef', ProviderRef | string>('funderRef', f.funderRef),
    amount: { amountMinor: f.amountMinor, currency: c },
    ...given('tier', f.tier),
    ...given('expiresAt', f.expiresAt),
    ...given('paidBy', f.paidBy),
  }))
  const history: StatusEvent[] = row.history.map((e) => ({
    at: e.at,
    axis: e.axis as StateAxis,
    ...given('from', e.from),
    to: e.to,
    actor: e.actor as EventActor,
    ...given('reasonCode', e.reasonCode),
  }))
  return {
    recordId: row.recordId,
    schemeId: row.schemeId,
    schemeRef: row.schemeRef,
    accountPseudonym: row.accountPseudonym,
    ...given('linkTokenDigest', row.linkTokenDigest),
    provider: {
      providerId: row.providerId,
      legalId: { scheme: row.providerLegalId.scheme, value: row.providerLegalId.value },
      accreditationSnapshot: [...row.accreditationSnapshot],
    },
    catalogue: {
      registryId: row.registryId,
      offerId: row.offerId,
      ...given('version', row.offerVersion),
      ...given('sessionId', row.sessionId),
      ...given('courseRunId', row.courseRunId),
      ...given('certificationCode', row.certificationCode),
    },
    agreedPrice: { amountMinor: row.agreedPriceMinor, currency: c },
    funding,
    ...given('amountDebitedFromAccount', money(row.amountDebitedMinor, c)),
    ...given('amountPaidToProvider', money(row.amountPaidMinor, c)),
    ...given('amountRecredited', money(row.amountRecreditedMinor, c)),
    ...given('amountRecovered', money(row.amountRecoveredMinor, c)),
    entitlementUnit: row.entitlementUnit as EntitlementUnit,
    ...given('hoursCommitted', row.hoursCommitted),
    requestedAt: row.requestedAt,
    ...given('approvedAt', row.approvedAt),
    ...given('learnerConfirmedAt', row.learnerConfirmedAt),
    ...given('withdrawalDeadline', row.withdrawalDeadline),
    plannedStart: row.plannedStart,
    plannedEnd: row.plannedEnd,
    ...given('actualStart', row.actualStart),
    ...given('actualEnd', row.actualEnd),
    ...given('completionDeclaredAt', row.completionDeclaredAt),
    ...given('completionValidatedAt', row.completionValidatedAt),
    ...given('completionProofDueBy', row.completionProofDueBy),
    ...given('invoicedAt', row.invoicedAt),
    ...given('paidAt', row.paidAt),
    ...given('cancelledAt', row.cancelledAt),
    ...given('realisationRatePct', row.realisationRatePct),
    ...given('attendanceRatePct', row.attendanceRatePct),
    ...given('realisedHours', row.realisedHours),
    ...given('exitReason', row.exitReason as ExitReason | null),
    lifecycle: row.lifecycle as LifecycleState,
    payment: row.payment as PaymentState,
    control: row.control as ControlState,
    history,
    ...given('schemeData', row.schemeData),
  }
}
