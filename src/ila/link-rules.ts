/**
 * The linking rules L0-L10 of `docs/ila.md`, each a pure function of what was read: the verifier's result,
 * the credential's facts, one spending record with its provider and catalogue entries. Each gives one
 * `{rule, status, code, message}`: the worst finding decides the status, the first of the worst its code,
 * and the message lists every finding. Messages name record ids, provider ids and dates, never the learner.
 *
 * L6 (cardinality) depends on other credentials and links and is decided in `link.ts`.
 */
import type {
  IlaCatalogueRecord,
  IlaLinkOutcome,
  IlaProviderRecord,
  IlaRuleId,
  IlaRuleResult,
  IlaSpendingRecordRow,
} from '../storage/storage.js'
import type { Check, VerificationResult } from '../verifier/types.js'
import type { IlaCredentialFacts } from './credential-facts.js'

/** Thresholds of the rules; every one has a default (see {@link DEFAULT_ILA_LINK_OPTIONS}). */
export interface IlaLinkOptions {
  /** Records are searched whose planned period comes within this many days of the credential's. */
  candidateWindowDays?: number
  /** L4: the activity may start or end this many days outside the record's period. */
  activityToleranceDays?: number
  /** L4: issuance later than this many days after the record's end is late (warn). */
  maxIssueLagDays?: number
  /** L5: the credential's workload (hours, ECTS) may differ from the catalogue's by this percentage. */
  workloadTolerancePct?: number
  /** L5: the agreed price may exceed the list price by this percentage. */
  priceTolerancePct?: number
  /** L5: below this realisation rate, a credential claiming completion fails. */
  minRealisationPct?: number
  /** L5: below this attendance rate, a credential claiming completion is a warning. */
  minAttendancePct?: number
  /** L10: from this agreed price (minor units of the record's currency), evidence must be supervised. */
  highValueMinor?: number
}

export const DEFAULT_ILA_LINK_OPTIONS: Readonly<Required<IlaLinkOptions>> = Object.freeze({
  candidateWindowDays: 60,
  activityToleranceDays: 7,
  maxIssueLagDays: 90,
  workloadTolerancePct: 20,
  priceTolerancePct: 0,
  minRealisationPct: 25,
  minAttendancePct: 80,
  highValueMinor: 100_000,
})

/** The supervision concept "Unsupervised without ID Verification" (Annex I optional element). */
export const UNSUPERVISED_WITHOUT_ID_CHECK = 'http://data.europa.eu/snb/supervision-verification/c598449d64'

/** One spending record a credential may be for, with what the rules read about it. */
export interface IlaPairContext {
  facts: IlaCredentialFacts
  record: IlaSpendingRecordRow
  /** The record's provider, from the registry. */
  provider: IlaProviderRecord | undefined
  /** Certifiers named by the provider's habilitations, by provider id. */
  certifiers: ReadonlyMap<string, IlaProviderRecord>
  /** The catalogue entries the record books: its version, or every version when it names none. */
  entries: IlaCatalogueRecord[]
  /** Entries that lead to the credential's achievement. */
  achievementEntries: IlaCatalogueRecord[]
  /** Entries of the offer the credential names, every version. */
  offerEntries: IlaCatalogueRecord[]
  /** Providers whose issuer keys hold the credential's issuer or signing key. */
  issuerProviders: string[]
  /** How the record was found: its link token digest recomputes the commitment, or course and dates fit. */
  match: 'commitment' | 'fallback'
  revoked: boolean
  suspended: boolean
  /** The time of linking, UTC. */
  now: string
  options: Readonly<Required<IlaLinkOptions>>
}

// --- Dates: ISO 8601 text; a date without a time stands for its whole day ----------------------------------

function isDay(value: string): boolean {
  return value.length === 10
}

function dayOf(value: string): string {
  return value.slice(0, 10)
}

/** `a` is earlier than `b`; against a date, only the day counts. */
export function isBefore(a: string, b: string): boolean {
  return isDay(a) || isDay(b) ? dayOf(a) < dayOf(b) : a < b
}

/** The day `days` after (or before) the day of `value`. */
export function addDays(value: string, days: number): string {
  const [y, m, d] = dayOf(value).split('-').map(Number) as [number, number, number]
  return new Date(Date.UTC(y, m - 1, d) + days * 86_400_000).toISOString().slice(0, 10)
}

function within(at: string, from: string, until: string | null): boolean {
  return !isBefore(at, from) && (until === null || !isBefore(until, at))
}

// --- Results ----------------------------------------------------------------------------------------------

/** The findings of one rule, turned into its result. */
class Findings {
  private readonly fails: Array<[string, string]> = []
  private readonly warns: Array<[string, string]> = []

  constructor(private readonly rule: IlaRuleId) {}

  fail(code: string, message: string): this {
    this.fails.push([code, message])
    return this
  }

  warn(code: string, message: string): this {
    this.warns.push([code, message])
    return this
  }

  result(passCode: string, passMessage: string): IlaRuleResult {
    const worst = this.fails.length > 0 ? this.fails : this.warns
    const [code, message] = worst[0] ?? [passCode, passMessage]
    const status = this.fails.length > 0 ? 'fail' : this.warns.length > 0 ? 'warn' : 'pass'
    const all = [...this.fails, ...this.warns].map(([, m]) => m)
    return { rule: this.rule, status, code, message: all.length > 1 ? all.join('; ') : message }
  }
}

export function ruleResult(
  rule: IlaRuleId,
  status: IlaRuleResult['status'],
  code: string,
  message: string,
): IlaRuleResult {
  return { rule, status, code, message }
}

// --- L0: the verifier's proof, validity and status checks --------------------------------------------------

/** What L0 found, with what the stored credential facts record about verification. */
export interface IlaVerificationOutcome {
  rule: IlaRuleResult
  /** The proof passed: the facts are the issuer's, and may be linked on. */
  trusted: boolean
  /** Proof, validity and status passed. */
  verified: boolean
  /** Codes of the checks that failed or could not run (the `trust` check is not one: see L1). */
  codes: string[]
  revoked: boolean
  suspended: boolean
}

const BLOCKING = new Set(['fail', 'indeterminate'])

/** L0 for input that is no credential at all. */
export function notACredential(code: string): IlaVerificationOutcome {
  return {
    rule: ruleResult('L0', 'fail', 'L0_NOT_A_CREDENTIAL', `not a credential (${code})`),
    trusted: false,
    verified: false,
    codes: [code],
    revoked: false,
    suspended: false,
  }
}

/**
 * L0 from the verifier's checks. Proof, validity and status decide; the `trust` check plays no part, since
 * whether the issuer may issue for a provider is the registry's to say (L1). Context, schema and Annex I
 * failures are warnings.
 */
export function ruleL0(result: VerificationResult): IlaVerificationOutcome {
  const checks = new Map<string, Check>(result.checks.map((c) => [c.id, c]))
  const status = (id: string) => checks.get(id)?.status ?? 'indeterminate'
  const named = (id: string) => `${id}: ${checks.get(id)?.code ?? 'not run'}`
  const statusCodes = new Set([
    checks.get('status')?.code,
    ...(checks.get('status')?.problems ?? []).map((p) => p.code),
  ])
  const revoked = statusCodes.has('STATUS_REVOKED')
  const suspended = statusCodes.has('STATUS_SUSPENDED')
  const codes = result.checks.filter((c) => c.id !== 'trust' && BLOCKING.has(c.status)).map((c) => c.code)
  const findings = new Findings('L0')
  if (BLOCKING.has(status('format'))) findings.fail('L0_MALFORMED', named('format'))
  if (status('proof') !== 'pass') findings.fail('L0_PROOF_FAILED', named('proof'))
  if (status('validity') !== 'pass') findings.fail('L0_OUTSIDE_VALIDITY', named('validity'))
  if (revoked) findings.fail('L0_REVOKED', 'the credential is revoked')
  if (suspended) findings.fail('L0_SUSPENDED', 'the credential is suspended')
  if (!revoked && !suspended && BLOCKING.has(status('status')))
    findings.fail('L0_STATUS_UNVERIFIED', named('status'))
  if (status('status') === 'skipped')
    findings.warn('L0_NO_STATUS', 'no credentialStatus: a later revocation cannot be reconciled')
  const unconformant = ['context', 'schema', 'issuer', 'microcredential'].filter((id) =>
    BLOCKING.has(status(id)),
  )
  if (unconformant.length > 0) findings.warn('L0_NOT_CONFORMANT', unconformant.map(named).join(', '))
  const rule = findings.result('L0_VERIFIED', 'proof, validity period and status verified')
  return {
    rule,
    trusted: status('proof') === 'pass',
    verified: rule.status !== 'fail',
    codes,
    revoked,
    suspended,
  }
}

// --- L1: the issuer is the provider, or a certifier it was habilitated for ----------------------------------

function holdsKey(provider: IlaProviderRecord, facts: IlaCredentialFacts): boolean {
  return provider.issuerKeys.some(
    (key) => key === facts.issuerDid || (facts.signingKeyId !== null && key === facts.signingKeyId),
  )
}

/** The certification the record leads to: its own code, else its catalogue entry's. */
function certificationOf(c: IlaPairContext): string | null {
  return (
    c.record.certificationCode ??
    c.entries.find((e) => e.certificationCode !== null)?.certificationCode ??
    null
  )
}

/** The certifiers that may award the record's certification: habilitated at booking, awarding the code. */
function habilitatedCertifiers(c: IlaPairContext): IlaProviderRecord[] {
  const code = certificationOf(c)
  if (code === null || c.provider === undefined) return []
  return c.provider.habilitations
    .filter((h) => h.certificationCode === code && within(c.record.requestedAt, h.validFrom, h.validUntil))
    .flatMap((h) => {
      const certifier = c.certifiers.get(h.certifierId)
      return certifier !== undefined && certifier.awardingBodyFor.includes(code) ? [certifier] : []
    })
}

export function ruleL1(c: IlaPairContext): IlaRuleResult {
  const { record, provider, facts } = c
  if (provider === undefined) {
    return ruleResult(
      'L1',
      'fail',
      'L1_PROVIDER_UNKNOWN',
      `provider ${record.providerId} is not in the registry`,
    )
  }
  if (holdsKey(provider, facts)) {
    return ruleResult(
      'L1',
      'pass',
      'L1_ISSUER_ALLOWED',
      `the issuer is a key of provider ${provider.providerId}`,
    )
  }
  const certifier = habilitatedCertifiers(c).find((q) => holdsKey(q, facts))
  if (certifier !== undefined) {
    return ruleResult(
      'L1',
      'pass',
      'L1_CERTIFIER_ALLOWED',
      `the issuer is a key of certifier ${certifier.providerId}, for whose certification ` +
        `${certificationOf(c) ?? ''} provider ${provider.providerId} held a habilitation at booking`,
    )
  }
  if (c.issuerProviders.length > 0) {
    return ruleResult(
      'L1',
      'fail',
      'L1_ISSUER_NOT_ALLOWED',
      `the issuer is a key of ${c.issuerProviders.join(', ')}, not of provider ${provider.providerId} ` +
        'nor of a certifier it was habilitated for',
    )
  }
  return ruleResult(
    'L1',
    'fail',
    'L1_ISSUER_UNKNOWN',
    'the issuer is not a key of any provider of the registry',
  )
}

// --- L2: the learner -----------------------------------------------------------------------------------------

export function ruleL2(c: IlaPairContext): IlaRuleResult {
  return c.match === 'commitment'
    ? ruleResult(
        'L2',
        'pass',
        'L2_COMMITMENT_MATCH',
        "the commitment recomputes from the record's link token digest",
      )
    : ruleResult(
        'L2',
        'warn',
        'L2_FALLBACK_MATCH',
        c.facts.commitments.length === 0
          ? 'the credential carries no link commitment: matched on provider, course and dates only'
          : 'the record has no link token digest: matched on provider, course and dates only',
      )
}

// --- L3: the course -------------------------------------------------------------------------------------------

export function ruleL3(c: IlaPairContext): IlaRuleResult {
  const { record, facts } = c
  const sameOffer = (e: { registryId: string; offerId: string }) =>
    e.registryId === record.registryId && e.offerId === record.offerId
  const achievement = facts.achievementId
  const inBooked = achievement !== null && c.entries.some((e) => e.achievementIds.includes(achievement))
  const inOtherVersion = achievement !== null && !inBooked && c.achievementEntries.some((e) => sameOffer(e))
  const named = facts.offerRegistryId !== null && facts.offerId !== null
  const offer = `${record.registryId}/${record.offerId}`
  if (named && facts.offerRegistryId === record.registryId && facts.offerId === record.offerId) {
    if (inOtherVersion) {
      return ruleResult(
        'L3',
        'warn',
        'L3_OTHER_VERSION',
        `the credential names offer ${offer}, but its achievement is that of a version the record did not book`,
      )
    }
    return ruleResult('L3', 'pass', 'L3_OFFER_MATCH', `the credential names the record's offer ${offer}`)
  }
  if (inBooked) {
    return ruleResult('L3', 'pass', 'L3_ACHIEVEMENT_MATCH', `the achievement is one offer ${offer} leads to`)
  }
  if (inOtherVersion) {
    return ruleResult(
      'L3',
      'warn',
      'L3_OTHER_VERSION',
      `the achievement is that of a version of offer ${offer} the record did not book`,
    )
  }
  const code = certificationOf(c)
  if (
    code !== null &&
    [...c.achievementEntries, ...c.offerEntries].some((e) => e.certificationCode === code)
  ) {
    return ruleResult(
      'L3',
      'warn',
      'L3_CERTIFICATION_ONLY',
      `only the certification ${code} is the same: the credential's course is another offer leading to it`,
    )
  }
  if (named || (achievement !== null && c.entries.some((e) => e.achievementIds.length > 0))) {
    const what = named ? `offer ${facts.offerRegistryId ?? ''}/${facts.offerId ?? ''}` : 'another achievement'
    return ruleResult('L3', 'fail', 'L3_COURSE_MISMATCH', `the credential is for ${what}, not offer ${offer}`)
  }
  return ruleResult(
    'L3',
    'warn',
    'L3_COURSE_UNVERIFIED',
    `neither an offer nor an achievement of offer ${offer} identifies the course`,
  )
}

// --- L4: dates -----------------------------------------------------------------------------------------------

export function ruleL4(c: IlaPairContext): IlaRuleResult {
  const { record: r, facts: f, options: o } = c
  const findings = new Findings('L4')
  const start = r.actualStart ?? r.plannedStart
  const startName = r.actualStart === null ? 'planned start' : 'start'
  const end = r.actualEnd ?? r.plannedEnd
  const issued = f.validFrom ?? f.issuedAt
  if (issued !== null) {
    if (isBefore(issued, start))
      findings.fail(
        'L4_ISSUED_BEFORE_START',
        `issued ${dayOf(issued)}, before the ${startName} ${dayOf(start)}`,
      )
    if (isBefore(issued, r.requestedAt)) {
      findings.fail(
        'L4_ISSUED_BEFORE_BOOKING',
        `issued ${dayOf(issued)}, before the booking ${dayOf(r.requestedAt)}`,
      )
    }
    if (isBefore(addDays(c.now, 1), issued))
      findings.fail('L4_ISSUED_IN_FUTURE', `issued ${dayOf(issued)}, later than today`)
    const due = addDays(end, o.maxIssueLagDays)
    if (isBefore(due, issued)) {
      findings.warn(
        'L4_LATE_ISSUANCE',
        `issued ${dayOf(issued)}, more than ${o.maxIssueLagDays} days after the end ${dayOf(end)}`,
      )
    }
  } else {
    findings.warn('L4_NO_ISSUANCE_DATE', 'the credential has no issuance date')
  }
  if (f.activityEnd !== null && isBefore(f.activityEnd, start)) {
    findings.fail(
      'L4_COMPLETED_BEFORE_START',
      `the activity ended ${dayOf(f.activityEnd)}, before the ${startName} ${dayOf(start)}`,
    )
  }
  const tolerance = o.activityToleranceDays
  if (
    (f.activityStart !== null && isBefore(f.activityStart, addDays(start, -tolerance))) ||
    (f.activityEnd !== null && isBefore(addDays(end, tolerance), f.activityEnd))
  ) {
    findings.warn(
      'L4_ACTIVITY_OUTSIDE_PERIOD',
      `the activity ${f.activityStart === null ? '?' : dayOf(f.activityStart)} to ` +
        `${f.activityEnd === null ? '?' : dayOf(f.activityEnd)} is not within ${tolerance} days of the record's ` +
        `${dayOf(start)} to ${dayOf(end)}`,
    )
  }
  if (f.activityStart === null && f.activityEnd === null)
    findings.warn('L4_NO_ACTIVITY_DATES', 'the credential gives no activity dates')
  return findings.result('L4_DATES_CONSISTENT', `issued and taken part within the record's dates`)
}

// --- L5: volume and amounts -------------------------------------------------------------------------------------

function differsBy(value: number, reference: number, pct: number): boolean {
  return Math.abs(value - reference) > (reference * pct) / 100
}

const PARTIAL_EXITS = new Set(['partial_learner', 'partial_force_majeure', 'abandoned'])

export function ruleL5(c: IlaPairContext): IlaRuleResult {
  const { record: r, facts: f, options: o } = c
  const findings = new Findings('L5')
  const entry = c.entries[0]
  const tolerance = o.workloadTolerancePct
  if (
    f.workloadHours !== null &&
    entry?.plannedHours &&
    differsBy(f.workloadHours, entry.plannedHours, tolerance)
  ) {
    findings.warn(
      'L5_WORKLOAD_MISMATCH',
      `${f.workloadHours} hours of workload against ${entry.plannedHours} planned (±${tolerance} %)`,
    )
  }
  if (
    f.ectsCredits !== null &&
    entry?.ectsCredits &&
    differsBy(f.ectsCredits, entry.ectsCredits, tolerance)
  ) {
    findings.warn(
      'L5_WORKLOAD_MISMATCH',
      `${f.ectsCredits} ECTS against ${entry.ectsCredits} in the catalogue`,
    )
  }
  if (f.fullCompletion === true) {
    const rate = r.realisationRatePct
    if (rate !== null && rate < o.minRealisationPct) {
      findings.fail(
        'L5_COMPLETION_NOT_REALISED',
        `the credential claims completion, the record a realisation rate of ${rate} %`,
      )
    } else if (rate !== null && rate < 100) {
      findings.warn(
        'L5_PARTIAL_REALISATION',
        `the credential claims completion, the record a realisation rate of ${rate} %`,
      )
    }
    if (r.attendanceRatePct !== null && r.attendanceRatePct < o.minAttendancePct) {
      findings.warn(
        'L5_LOW_ATTENDANCE',
        `the credential claims completion, the record an attendance of ${r.attendanceRatePct} %`,
      )
    }
    if (r.exitReason !== null && PARTIAL_EXITS.has(r.exitReason))
      findings.warn('L5_PARTIAL_EXIT', `the credential claims completion, the record an exit ${r.exitReason}`)
  }
  if (
    entry?.listPriceMinor != null &&
    entry.listPriceCurrency === r.currency &&
    r.agreedPriceMinor > entry.listPriceMinor * (1 + o.priceTolerancePct / 100)
  ) {
    findings.warn(
      'L5_PRICE_ABOVE_LIST',
      `agreed price ${r.agreedPriceMinor} above the list price ${entry.listPriceMinor} ${r.currency}`,
    )
  }
  const funded = r.funding.reduce((sum, line) => sum + line.amountMinor, 0)
  if (funded !== r.agreedPriceMinor) {
    findings.warn(
      'L5_FUNDING_MISMATCH',
      `funding lines add up to ${funded}, not the agreed ${r.agreedPriceMinor}`,
    )
  }
  return findings.result('L5_VOLUME_CONSISTENT', 'workload, realisation and amounts are consistent')
}

// --- L7: lifecycle -------------------------------------------------------------------------------------------

const PAID_STATES = new Set(['paid', 'recovery_pending', 'recovered'])

export function ruleL7(c: IlaPairContext): IlaRuleResult {
  const r = c.record
  const findings = new Findings('L7')
  const paid = PAID_STATES.has(r.payment) || (r.amountPaidMinor ?? 0) > 0
  if (c.revoked && paid)
    findings.fail('L7_REVOKED_AFTER_PAYMENT', `revoked, while record ${r.recordId} is paid`)
  if (c.suspended && paid)
    findings.warn('L7_SUSPENDED_AFTER_PAYMENT', `suspended, while record ${r.recordId} is paid`)
  const state = r.lifecycle
  if (state.startsWith('cancelled_') || state === 'expired')
    findings.fail('L7_RECORD_CANCELLED', `the record is ${state}`)
  else if (state === 'refused') findings.fail('L7_RECORD_REFUSED', 'the record was refused')
  else if (state === 'requested') findings.fail('L7_RECORD_NOT_APPROVED', 'the record is only requested')
  else if (state === 'approved' || state === 'confirmed' || state === 'in_training')
    findings.warn('L7_COMPLETION_NOT_DECLARED', `the record is ${state}: no exit or completion declared`)
  return findings.result('L7_LIFECYCLE_CONSISTENT', `the record is ${state}`)
}

// --- L8: accreditation ----------------------------------------------------------------------------------------

export function ruleL8(c: IlaPairContext): IlaRuleResult {
  const { record: r, provider } = c
  const findings = new Findings('L8')
  if (provider === undefined) {
    return ruleResult('L8', 'fail', 'L8_PROVIDER_UNKNOWN', `provider ${r.providerId} is not in the registry`)
  }
  // The snapshot names what the provider held at booking; without one, any accreditation will do.
  const types = r.accreditationSnapshot.length > 0 ? r.accreditationSnapshot : [undefined]
  const covered = (at: string, active: boolean) =>
    types.filter(
      (type) =>
        !provider.accreditations.some(
          (a) =>
            (type === undefined || a.type === type) &&
            within(at, a.validFrom, a.validUntil) &&
            (!active || a.status === 'active'),
        ),
    )
  const name = (missing: Array<string | undefined>) => missing.map((t) => t ?? 'any accreditation').join(', ')
  const atBooking = covered(r.requestedAt, false)
  if (atBooking.length > 0) {
    findings.fail(
      'L8_NOT_ACCREDITED_AT_BOOKING',
      `provider ${provider.providerId} held no ${name(atBooking)} at booking ${dayOf(r.requestedAt)}`,
    )
  }
  const issued = c.facts.validFrom ?? c.facts.issuedAt
  if (issued !== null && atBooking.length === 0) {
    const atIssuance = covered(issued, true)
    if (atIssuance.length > 0) {
      findings.warn(
        'L8_LAPSED_BEFORE_ISSUANCE',
        `provider ${provider.providerId} held no active ${name(atIssuance)} at issuance ${dayOf(issued)}`,
      )
    }
  }
  if (c.entries.length === 0) {
    findings.fail('L8_OFFER_UNKNOWN', `offer ${r.registryId}/${r.offerId} is not in the catalogue`)
  } else if (!c.entries.some((e) => within(r.requestedAt, e.eligibleFrom, e.eligibleUntil))) {
    findings.fail(
      'L8_OFFER_NOT_ELIGIBLE',
      `offer ${r.registryId}/${r.offerId} was not eligible at booking ${dayOf(r.requestedAt)}`,
    )
  }
  return findings.result('L8_ACCREDITED', 'accredited at booking and at issuance; the offer was eligible')
}

// --- L9: jurisdiction --------------------------------------------------------------------------------------------

/** The scheme's country, from its id (`FR-CPF`); EU aliases read as ISO codes. */
function schemeCountry(schemeId: string): string | undefined {
  const code = /^([A-Z]{2})-/.exec(schemeId)?.[1]
  return code === 'EL' ? 'GR' : code === 'UK' ? 'GB' : code
}

export function ruleL9(c: IlaPairContext): IlaRuleResult {
  const { record: r, facts: f } = c
  const findings = new Findings('L9')
  const country = schemeCountry(r.schemeId)
  if (f.awardingBodyId === null && f.country === null) {
    findings.warn('L9_AWARDING_BODY_MISSING', 'the credential names no awarding body legal id or country')
  }
  if (country !== undefined && f.country !== null && f.country !== country) {
    findings.warn(
      'L9_COUNTRY_MISMATCH',
      `the awarding body is in ${f.country}, scheme ${r.schemeId} in ${country}`,
    )
  }
  if (f.awardingBodyId !== null) {
    const bodies = [...(c.provider ? [c.provider] : []), ...habilitatedCertifiers(c)]
    const id = f.awardingBodyId
    const known = bodies.some((b) =>
      b.legalIds.some(
        (l) => id === l.value || id === `${l.scheme}:${l.value}` || id === `${l.scheme}-${l.value}`,
      ),
    )
    if (!known) {
      findings.warn(
        'L9_AWARDING_BODY_UNKNOWN',
        `the awarding body's legal id is not one of provider ${r.providerId} or of a certifier it was habilitated for`,
      )
    }
  }
  return findings.result(
    'L9_JURISDICTION_CONSISTENT',
    `the awarding body is the provider's, in the scheme's country`,
  )
}

// --- L10: evidence strength --------------------------------------------------------------------------------------

export function ruleL10(c: IlaPairContext): IlaRuleResult {
  const { record: r, facts: f, options: o } = c
  if (r.agreedPriceMinor < o.highValueMinor) {
    return ruleResult(
      'L10',
      'pass',
      'L10_EVIDENCE_SUFFICIENT',
      `agreed price below ${o.highValueMinor} ${r.currency}`,
    )
  }
  if (f.supervision === null) {
    return ruleResult(
      'L10',
      'warn',
      'L10_SUPERVISION_UNKNOWN',
      `agreed price ${r.agreedPriceMinor} ${r.currency}: the credential does not say how the assessment was supervised`,
    )
  }
  if (f.supervision === UNSUPERVISED_WITHOUT_ID_CHECK) {
    return ruleResult(
      'L10',
      'warn',
      'L10_UNSUPERVISED_HIGH_VALUE',
      `agreed price ${r.agreedPriceMinor} ${r.currency}: assessed unsupervised, without an identity check`,
    )
  }
  return ruleResult(
    'L10',
    'pass',
    'L10_EVIDENCE_SUFFICIENT',
    'the assessment was supervised or identity-checked',
  )
}

// --- Outcome ----------------------------------------------------------------------------------------------------

/** The rules that say whether credential and record belong together: the learner and the course. */
const IDENTITY_RULES = new Set(['L2', 'L3'])

/**
 * The outcome of a link attempt from its pairs' rules. L0 and L1 decide whether the credential counts at all,
 * L2 and L3 whether it is this record's (its learner, its course); L4-L10 only qualify a link that holds, so
 * that what they find (a credential issued before the start, for a cancelled record ...) stays attached to
 * its record. So: REJECTED when L0 failed, or L1 for every candidate; NO_MATCH without a candidate, or when
 * the one candidate fails L2 or L3; AMBIGUOUS with two candidates or more; MATCHED when every rule passes, else
 * MATCHED_WITH_WARNINGS.
 */
export function linkOutcome(
  l0: IlaRuleResult,
  pairs: ReadonlyArray<readonly IlaRuleResult[]>,
): IlaLinkOutcome {
  if (l0.status === 'fail') return 'REJECTED'
  if (pairs.length === 0) return 'NO_MATCH'
  const l1Fails = (rules: readonly IlaRuleResult[]) =>
    rules.some((r) => r.rule === 'L1' && r.status === 'fail')
  if (pairs.every(l1Fails)) return 'REJECTED'
  if (pairs.length > 1) return 'AMBIGUOUS'
  const rules = pairs[0] as readonly IlaRuleResult[]
  if (rules.some((r) => IDENTITY_RULES.has(r.rule) && r.status === 'fail')) return 'NO_MATCH'
  return rules.some((r) => r.status !== 'pass') ? 'MATCHED_WITH_WARNINGS' : 'MATCHED'
}

// --- L6: cardinality ---------------------------------------------------------------------------------------------

/** What L6 compares a credential against, for one candidate record. */
export interface IlaCardinality {
  recordId: string
  /** How many records the credential matches. */
  candidates: number
  /** A credential with this id but other content was linked before. */
  idReused: boolean
  /** Other credentials with the same content fingerprint (the same award), and whether each is revoked. */
  sameContent: Array<{ credentialId: string; revoked: boolean }>
  /** Other credentials currently matched to the record for the same achievement. */
  sameRecord: Array<{ credentialId: string; revoked: boolean }>
}

export function ruleL6(c: IlaCardinality): IlaRuleResult {
  const findings = new Findings('L6')
  if (c.candidates > 1)
    findings.fail('L6_SEVERAL_RECORDS', `the credential matches ${c.candidates} spending records`)
  if (c.idReused)
    findings.fail('L6_ID_REUSED', 'a credential with this id and other content was linked before')
  const duplicate = c.sameContent.find((d) => !d.revoked)
  if (duplicate !== undefined)
    findings.fail('L6_DUPLICATE_CREDENTIAL', `the same award as credential ${duplicate.credentialId}`)
  const linked = c.sameRecord.find((d) => !d.revoked)
  if (linked !== undefined) {
    findings.fail(
      'L6_RECORD_ALREADY_LINKED',
      `record ${c.recordId} is already matched to credential ${linked.credentialId} for the same achievement`,
    )
  }
  const replaced = [...c.sameContent, ...c.sameRecord].find((d) => d.revoked)
  if (replaced !== undefined)
    findings.warn('L6_REISSUED', `replaces credential ${replaced.credentialId}, which is revoked`)
  return findings.result('L6_UNIQUE', `the only credential for record ${c.recordId} and its achievement`)
}
