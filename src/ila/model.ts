/**
 * The scheme-neutral model of Individual Learning Account (ILA) data: the provider registry, the catalogue
 * of eligible training and the spending records (see `docs/ila.md`). Field names and enumerations are those
 * of the ILA domain notes, so that CPF, SkillsFuture, STAP and voucher schemes map onto one model; the JSON
 * Schemas in `schemas/ila-*.schema.json` describe exactly these shapes.
 *
 * Dates are ISO 8601 text: a calendar date (`2026-03-01`) or a date-time, which import normalises to UTC
 * (`2026-03-01T08:00:00.000Z`) so that dates compare as text, in code and in SQL alike.
 */

/** A scheme, e.g. `FR-CPF`, `SG-SFC`, `NL-STAP`, `HR-HZZ-VOUCHER`. */
export type SchemeId = string

/** An ISO 4217 currency code, e.g. `EUR`. */
export type Iso4217 = string

/** A legal identifier of an organisation under one identification scheme. */
export interface ProviderRef {
  /** `SIRET`, `NDA`, `UEN`, `KVK`, `OIB`, `LEI`, `DID`, or another scheme name. */
  scheme: string
  value: string
}

export const ACCREDITATION_STATUSES = ['active', 'suspended', 'withdrawn'] as const
export type AccreditationStatus = (typeof ACCREDITATION_STATUSES)[number]

/** A quality mark or referencing (Qualiopi, EDOF referencing, STAP recognition, SSG approval ...). */
export interface Accreditation {
  type: string
  validFrom: string
  validUntil?: string
  status: AccreditationStatus
}

/** A provider's right to prepare learners for a certification awarded by another body (a certifier). */
export interface Habilitation {
  certificationCode: string
  certifierId: string
  validFrom: string
  validUntil?: string
}

/** One training provider of the operator's registry. */
export interface ProviderRegistryEntry {
  /** The operator's stable id of the provider. */
  providerId: string
  legalIds: ProviderRef[]
  /** DIDs or key ids allowed to sign credentials for this provider. */
  issuerKeys: string[]
  accreditations: Accreditation[]
  /** Certification codes (RNCP, RS ...) the provider may award itself. */
  awardingBodyFor?: string[]
  habilitations?: Habilitation[]
}

/** An amount of money in minor units (`10000` EUR = 100.00 EUR). */
export interface Money {
  amountMinor: number
  currency: Iso4217
}

export const MODALITIES = ['onsite', 'online', 'blended'] as const
export type Modality = (typeof MODALITIES)[number]

/** One offer of the catalogue of eligible training. */
export interface CatalogueEntry {
  /** The registry the offer is listed in: `EDOF`, `MySkillsFuture`, `STAP-RIO`, `HZZ-catalogue` ... */
  registryId: string
  /** The offer's id in that registry (CPF action number, SSG course reference `TGS-…`, RIO id ...). */
  offerId: string
  version?: string
  providerId: string
  /** `RNCP37274`, `RS5678`, a CROQF standard id ... */
  certificationCode?: string
  /** Whether completion produces a (micro-)credential. */
  credentialExpected: boolean
  /** Ids of the OB 3.0 `Achievement` / ELM `LearningAchievementSpecification` the offer leads to. */
  achievementIds?: string[]
  plannedHours?: number
  ectsCredits?: number
  eqfLevel?: number
  modality?: Modality
  listPrice?: Money
  eligibleFrom: string
  eligibleUntil?: string
}

export const FUNDER_TYPES = [
  'ila_entitlement',
  'ila_entitlement_targeted',
  'employer',
  'public_employment_service',
  'region',
  'sectoral_fund',
  'learner_copayment_mandatory',
  'learner_topup',
  'other_public',
  'other',
] as const
export type FunderType = (typeof FUNDER_TYPES)[number]

/** Who pays which part of the agreed price. */
export interface FundingLine {
  funderType: FunderType
  /** The funder: a legal id, or a pseudonymous reference for individuals. */
  funderRef?: ProviderRef | string
  amount: Money
  /** `SFC-base`, `SFC-midcareer`, `CPF-800` ... */
  tier?: string
  /** When the credit tranche expires. */
  expiresAt?: string
  /** Who actually paid a co-payment: `learner`, `employer`, `opco` ... */
  paidBy?: string
}

export const LIFECYCLE_STATES = [
  'requested',
  'refused',
  'approved',
  'confirmed',
  'in_training',
  'exited',
  'completion_declared',
  'completion_validated',
  'cancelled_by_learner',
  'cancelled_by_provider',
  'cancelled_by_funder',
  'expired',
] as const
export type LifecycleState = (typeof LIFECYCLE_STATES)[number]

export const PAYMENT_STATES = [
  'not_billable',
  'advance_pending',
  'advance_paid',
  'to_bill',
  'billed',
  'paid',
  'recovery_pending',
  'recovered',
] as const
export type PaymentState = (typeof PAYMENT_STATES)[number]

export const CONTROL_STATES = ['none', 'in_control', 'released'] as const
export type ControlState = (typeof CONTROL_STATES)[number]

export const STATE_AXES = ['lifecycle', 'payment', 'control'] as const
export type StateAxis = (typeof STATE_AXES)[number]

export const EVENT_ACTORS = ['learner', 'provider', 'operator', 'funder', 'system'] as const
export type EventActor = (typeof EVENT_ACTORS)[number]

export const EXIT_REASONS = [
  'completed',
  'partial_learner',
  'partial_force_majeure',
  'abandoned',
  'other',
] as const
export type ExitReason = (typeof EXIT_REASONS)[number]

export const ENTITLEMENT_UNITS = ['money', 'hours'] as const
export type EntitlementUnit = (typeof ENTITLEMENT_UNITS)[number]

/** One transition on one state axis. `from` and `to` are states of that axis. */
export interface StatusEvent {
  at: string
  axis: StateAxis
  from?: string
  to: string
  actor: EventActor
  reasonCode?: string
}

/** The provider a spending record pays, with the accreditations it held at booking. */
export interface SpendingProvider {
  providerId: string
  legalId: ProviderRef
  accreditationSnapshot: string[]
}

/** The catalogue offer a spending record books. */
export interface SpendingCatalogueRef {
  registryId: string
  offerId: string
  version?: string
  sessionId?: string
  courseRunId?: string
  certificationCode?: string
}

/**
 * One training paid (or to be paid) from a learner's account: a CPF dossier, an SFC claim, a STAP
 * application, a voucher. Pseudonymous: no name and no national id, only the operator-keyed
 * `accountPseudonym` and the digest of the enrolment link token.
 */
export interface SpendingRecord {
  /** The operator's id of the record. */
  recordId: string
  schemeId: SchemeId
  /** The scheme's own reference: dossier number, claim id, application number, voucher number. */
  schemeRef: string
  /** HMAC(operator key, canonical national id): never the id itself. */
  accountPseudonym: string
  /** SHA-256 (lowercase hex) of the enrolment link token given to the provider. */
  linkTokenDigest?: string

  provider: SpendingProvider
  catalogue: SpendingCatalogueRef

  /** The price agreed at booking; the funding lines add up to it. */
  agreedPrice: Money
  funding: FundingLine[]
  amountDebitedFromAccount?: Money
  amountPaidToProvider?: Money
  amountRecredited?: Money
  amountRecovered?: Money
  entitlementUnit: EntitlementUnit
  /** Required when `entitlementUnit` is `hours`. */
  hoursCommitted?: number

  requestedAt: string
  approvedAt?: string
  learnerConfirmedAt?: string
  withdrawalDeadline?: string
  plannedStart: string
  plannedEnd: string
  /** Declared entry into training. */
  actualStart?: string
  /** Declared exit. */
  actualEnd?: string
  /** Service done / proof of participation submitted. */
  completionDeclaredAt?: string
  completionValidatedAt?: string
  completionProofDueBy?: string
  invoicedAt?: string
  paidAt?: string
  cancelledAt?: string

  /** Completion facts declared by the provider (not by a credential). Integer 0-100. */
  realisationRatePct?: number
  attendanceRatePct?: number
  realisedHours?: number
  exitReason?: ExitReason

  lifecycle: LifecycleState
  payment: PaymentState
  control: ControlState
  history: StatusEvent[]
  /** Raw scheme fields (EDOF state, SFC cancel code ...), kept as given. */
  schemeData?: Record<string, unknown>
}

/** The three kinds of ILA data an operator imports. */
export const ILA_IMPORT_KINDS = ['records', 'providers', 'catalogue'] as const
export type IlaImportKind = (typeof ILA_IMPORT_KINDS)[number]

/** How a catalogue entry is named: registry, offer and version (absent = unversioned). */
export interface CatalogueKey {
  registryId: string
  offerId: string
  version?: string
}
