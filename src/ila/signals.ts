/**
 * The fraud and irregularity signals of the reconciliation report (F1-F16 of the ILA domain notes), each way
 * the data can show one, with its severity, and the thresholds they use. `docs/ila.md` explains each.
 */
import type { IlaReportThresholds, IlaSignalVariant } from '../storage/storage.js'

export type AnomalySeverity = 'info' | 'low' | 'medium' | 'high'

export const SEVERITIES: readonly AnomalySeverity[] = ['high', 'medium', 'low', 'info']

export interface SignalDefinition {
  /** `F1` ... `F16`, or `UNMATCHED_CREDENTIAL`. */
  code: string
  severity: AnomalySeverity
  /** One line for people. */
  title: string
}

/**
 * Every signal variant. Fails (in the sense of the linking rules) and contradictions that only fraud or a
 * serious error explain are `high`; what needs a look but has innocent explanations is `medium`; patterns
 * worth watching, `low`.
 */
export const SIGNALS: Readonly<Record<IlaSignalVariant, SignalDefinition>> = {
  completion_before_start: { code: 'F1', severity: 'high', title: 'Completion declared before the start' },
  completion_before_booking: {
    code: 'F1',
    severity: 'high',
    title: 'Completion declared before the booking',
  },
  start_before_booking: { code: 'F1', severity: 'medium', title: 'Training started before the booking' },
  credential_before_start: { code: 'F1', severity: 'high', title: 'Credential issued before the start' },
  credential_before_booking: { code: 'F1', severity: 'high', title: 'Credential issued before the booking' },
  issuer_not_bound: {
    code: 'F2',
    severity: 'high',
    title: "Credential signed by a key bound neither to the record's provider nor to its certifier",
  },
  unknown_issuer: {
    code: 'F2',
    severity: 'high',
    title: 'Credential with a link commitment signed by a key no provider lists',
  },
  not_accredited_at_booking: { code: 'F2', severity: 'high', title: 'Provider not accredited at booking' },
  not_accredited_at_issuance: {
    code: 'F2',
    severity: 'medium',
    title: 'Provider accreditation lapsed before the credential was issued',
  },
  provider_not_accredited: {
    code: 'F2',
    severity: 'medium',
    title: 'Provider with records in scope and no active accreditation today',
  },
  no_credential: {
    code: 'F3',
    severity: 'medium',
    title: 'Training ended, no credential within the proof window',
  },
  no_credential_escalated: {
    code: 'F3',
    severity: 'high',
    title: 'Training ended, still no credential past the escalation window',
  },
  stalled: { code: 'F4', severity: 'low', title: 'Still in training long after the planned end' },
  volume_spike: {
    code: 'F5',
    severity: 'medium',
    title: "Record of a day with many times the provider's usual new records",
  },
  volume_spike_dormant: {
    code: 'F5',
    severity: 'high',
    title: 'Volume spike, at least half of it on dormant accounts',
  },
  employer_cluster: {
    code: 'F6',
    severity: 'medium',
    title: 'Record funded by an employer that funds many accounts, nearly all at one provider',
  },
  uniform_cohort: {
    code: 'F7',
    severity: 'medium',
    title: 'Record of a whole cohort at 100 % realisation, completion declared at one instant',
  },
  issuance_burst: { code: 'F7', severity: 'low', title: 'Many credentials of one issuer in one minute' },
  above_list_price: { code: 'F8', severity: 'medium', title: 'Agreed price above the list price' },
  at_cap: { code: 'F8', severity: 'medium', title: "Most of a provider's prices at the scheme's cap" },
  overlapping_sessions: {
    code: 'F9',
    severity: 'medium',
    title: 'One account in two overlapping trainings (both in person, or too many hours a day)',
  },
  duplicate_award: { code: 'F10', severity: 'high', title: 'The same award in two credentials' },
  record_claimed_twice: {
    code: 'F10',
    severity: 'high',
    title: 'Two matched credentials for one record and achievement',
  },
  credential_claimed_twice: {
    code: 'F10',
    severity: 'high',
    title: "One credential found for two of one learner's records (double funding)",
  },
  credential_for_cancelled_record: {
    code: 'F11',
    severity: 'high',
    title: 'Credential for a record requested, refused, cancelled or expired',
  },
  revoked_after_payment: { code: 'F11', severity: 'high', title: 'Matched credential revoked, record paid' },
  suspended_after_payment: {
    code: 'F11',
    severity: 'medium',
    title: 'Matched credential suspended, record paid',
  },
  low_realisation_paid_in_full: {
    code: 'F12',
    severity: 'medium',
    title: 'Realisation below the threshold, paid in full',
  },
  low_realisation_full_credential: {
    code: 'F12',
    severity: 'medium',
    title: 'Realisation below the threshold, credential claims full completion',
  },
  very_low_realisation_full_credential: {
    code: 'F12',
    severity: 'high',
    title: 'Realisation below the severe threshold, credential claims full completion',
  },
  not_in_catalogue: { code: 'F13', severity: 'medium', title: 'Offer not in the catalogue' },
  not_eligible_at_booking: { code: 'F13', severity: 'medium', title: 'Offer not eligible at booking' },
  no_habilitation: {
    code: 'F13',
    severity: 'medium',
    title: 'Certification the provider neither awards nor is habilitated for at booking',
  },
  flawless_provider: {
    code: 'F15',
    severity: 'low',
    title: 'Large provider with near-total completion and no partial exit',
  },
  unsupervised_high_value: {
    code: 'F16',
    severity: 'low',
    title: 'High-value record, assessment unsupervised without identity check',
  },
  commitment_no_record: {
    code: 'UNMATCHED_CREDENTIAL',
    severity: 'medium',
    title: 'Credential with an ILA link commitment and no matching record',
  },
  commitment_rejected: {
    code: 'UNMATCHED_CREDENTIAL',
    severity: 'medium',
    title: 'Credential with an ILA link commitment, rejected',
  },
}

/** Codes in report order. */
export const SIGNAL_CODES: readonly string[] = [
  ...Array.from({ length: 16 }, (_, i) => `F${i + 1}`),
  'UNMATCHED_CREDENTIAL',
]

/** The thresholds unless the caller gives others (see `docs/ila.md`). */
export const DEFAULT_THRESHOLDS: Readonly<IlaReportThresholds> = Object.freeze({
  // STAP's three-month proof window: a month to warn, three to escalate.
  proofWarnDays: 30,
  proofEscalateDays: 90,
  stalledDays: 30,
  spikeMinRecords: 20,
  spikeFactor: 5,
  dormantDays: 730,
  clusterMinAccounts: 10,
  clusterProviderShare: 0.9,
  cohortMinRecords: 10,
  burstMinCredentials: 50,
  priceTolerancePct: 0,
  capMinRecords: 10,
  capShare: 0.8,
  maxHoursPerDay: 10,
  // STAP pays for a participation of 80 %; the linking rules fail a full completion below 25 %.
  realisationThresholdPct: 80,
  severeRealisationPct: 25,
  flawlessMinRecords: 40,
  flawlessCompletionRate: 0.98,
  highValueMinor: 100_000,
})
