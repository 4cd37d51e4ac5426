/**
 * The ILA demo scheme drawn in memory (see `demo.ts`): a seeded generator, the providers and offers of
 * `demo-data.ts` with legal ids of their own, and spending records built event by event so that their states and
 * history always agree. Nothing here stores or writes anything, and every draw happens in a fixed order: a seed
 * always gives the same scheme.
 */
import { createHash, createHmac } from 'node:crypto'
import {
  DEMO_CERTIFICATION_TOPIC,
  DEMO_FAMILY_NAMES,
  DEMO_GIVEN_NAMES,
  DEMO_PROVIDERS,
  type DemoProvider,
  type DemoTopic,
} from './demo-data.js'
import type {
  CatalogueEntry,
  ControlState,
  EventActor,
  FundingLine,
  LifecycleState,
  PaymentState,
  ProviderRegistryEntry,
  SpendingRecord,
} from './model.js'

/** One planted irregularity: the code it must raise and what it concerns. */
export interface IlaDemoAnswer {
  code: string
  recordId?: string
  credentialId?: string
  providerId?: string
}

const SCHEME_ID = 'FR-CPF'
export const REGISTRY_ID = 'EDOF'
export const CURRENCY = 'EUR'
/** The CPF mandatory co-payment: 100.00 EUR. */
export const COPAYMENT_MINOR = 10_000
/**
 * The only supervision concept microcred knows ("unsupervised without ID verification"), so every credential
 * carries it: what tells F16 plants apart is their value, and clean records all stay below 1,000 EUR.
 */
const SUPERVISION = 'c598449d64'
export const DAY_MS = 86_400_000
const ACCREDITATIONS = ['Qualiopi', 'EDOF referencing']
const EDC_SHARE = 0.1
const TOKEN_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-'

/** The EDOF state each lifecycle state maps from (ILA domain notes), kept as the scheme's own field. */
const EDOF_STATE: Readonly<Record<LifecycleState, string>> = {
  requested: 'notProcessed',
  refused: 'refusedByOrganism',
  approved: 'validated',
  confirmed: 'accepted',
  in_training: 'inTraining',
  exited: 'terminated',
  completion_declared: 'serviceDoneDeclared',
  completion_validated: 'serviceDoneValidated',
  cancelled_by_learner: 'canceledByAttendee',
  cancelled_by_provider: 'canceledByOrganism',
  cancelled_by_funder: 'canceledByFinancer',
  expired: 'rejectedWithoutTitulaireSuite',
}

/** mulberry32: small and fast, reproducible across platforms; for test data only, never for secrets. */
class SeededRandom {
  private state: number

  constructor(seed: number) {
    this.state = seed >>> 0
  }

  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0
    let t = this.state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296
  }

  /** An integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1))
  }

  chance(p: number): boolean {
    return this.next() < p
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)] as T
  }

  /** A key of `weights`, drawn in proportion to its weight. */
  weighted<K extends string>(weights: Readonly<Record<K, number>>): K {
    const entries = Object.entries(weights) as Array<[K, number]>
    const total = entries.reduce((sum, [, w]) => sum + w, 0)
    let x = this.next() * total
    for (const [key, w] of entries) {
      x -= w
      if (x < 0) return key
    }
    return (entries[entries.length - 1] as [K, number])[0]
  }

  /** `n` digits, the first not 0, as identifiers are written. */
  digits(n: number): string {
    let text = String(this.int(1, 9))
    while (text.length < n) text += String(this.int(0, 9))
    return text
  }

  text(n: number, alphabet: string): string {
    let text = ''
    while (text.length < n) text += alphabet[this.int(0, alphabet.length - 1)]
    return text
  }

  /** A version 4 UUID made of drawn bits. */
  uuid(): string {
    const hex = this.text(32, '0123456789abcdef').split('')
    hex[12] = '4'
    hex[16] = '89ab'[this.int(0, 3)] as string
    const h = hex.join('')
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`
  }
}

/** `payload` followed by its Luhn check digit, as SIREN and SIRET numbers are. */
function withLuhn(payload: string): string {
  let sum = 0
  for (let i = 0; i < payload.length; i++) {
    let d = Number(payload[payload.length - 1 - i])
    if (i % 2 === 0) {
      d *= 2
      if (d > 9) d -= 9
    }
    sum += d
  }
  return `${payload}${(10 - (sum % 10)) % 10}`
}

function slugify(text: string): string {
  return text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
}

/** Calendar days a course of `hours` spans: about 3.5 hours a working day. */
export function courseDays(hours: number): number {
  return Math.ceil(((hours / 3.5) * 7) / 5)
}

export function ectsFor(hours: number): number {
  return Math.max(0.5, Math.round((hours / 25) * 2) / 2)
}

export const MODES = { onsite: '9191af2ed9', online: '920fbb3cbe', blended: 'e92d221e4d' } as const
export const MODALITY_TEXT = {
  onsite: { fr: 'en présentiel', en: 'onsite' },
  online: { fr: 'à distance', en: 'online' },
  blended: { fr: 'hybride', en: 'blended' },
} as const

export interface Provider {
  spec: DemoProvider
  providerId: string
  siren: string
  siret: string
  nda: string
  eidas: string
  homepage: string
  tenantSlug: string
  offers: Offer[]
  /** The tenant's issuer DID, once created. */
  did?: string
}

export interface Course {
  id: string
  topic: DemoTopic
  offer: Offer
  /** The organisation the course names as awarding body (and that signs its credentials when honest). */
  awardingBody: Provider
}

interface Offer {
  provider: Provider
  topic: DemoTopic
  offerId: string
  certificationCode?: string
  course: Course
}

interface PlannedCredential {
  id: string
  signer: Provider
  course: Course
  learner: Record<string, unknown>
  issuedAt: string
  format: 'elm' | 'edc'
  revokeAt?: string
}

/** The days of a record's training, relative to the day the scheme is generated for. */
interface Training {
  start: number
  end: number
}

export interface Story {
  provider: Provider
  offer: Offer
  outcome:
    | 'requested'
    | 'refused'
    | 'expired'
    | 'booked'
    | 'cancelled_by_learner'
    | 'cancelled_by_provider'
    | 'in_training'
    | 'declared'
    | 'completed'
    | 'partial'
    | 'recovered'
  start: number
  requested?: number
  account?: string
  price?: number
  funding?: FundingLine[]
  /** A link token, `false` for none; by default one when the offer leads to a credential. */
  token?: string | false
  realisation?: number
  /** Pay the full price whatever the realisation. */
  fullPayment?: boolean
  sessionId?: string
  /** Fixed days (and seconds of the day) of the completion steps, instead of drawn ones. */
  steps?: { declared?: number; validated?: number; invoiced?: number; paid?: number; second?: number }
  /** Pay an advance at entry into training. */
  advance?: boolean
}

export interface Draft {
  record: SpendingRecord
  provider: Provider
  offer: Offer
  account: string
  token?: string
  training: Training
}

/** Builds a record's state axes and history together, so that the two always agree. */
class RecordBuilder {
  private lifecycle: LifecycleState | undefined
  private payment: PaymentState = 'not_billable'
  private control: ControlState = 'none'
  private readonly events: SpendingRecord['history'] = []

  life(to: LifecycleState, at: string, actor: EventActor, reasonCode?: string): void {
    this.events.push({
      at,
      axis: 'lifecycle',
      ...(this.lifecycle === undefined ? {} : { from: this.lifecycle }),
      to,
      actor,
      ...(reasonCode === undefined ? {} : { reasonCode }),
    })
    this.lifecycle = to
  }

  pay(to: PaymentState, at: string, actor: EventActor): void {
    this.events.push({ at, axis: 'payment', from: this.payment, to, actor })
    this.payment = to
  }

  check(to: ControlState, at: string, actor: EventActor, reasonCode?: string): void {
    this.events.push({
      at,
      axis: 'control',
      from: this.control,
      to,
      actor,
      ...(reasonCode === undefined ? {} : { reasonCode }),
    })
    this.control = to
  }

  states(): Pick<SpendingRecord, 'lifecycle' | 'payment' | 'control' | 'history' | 'schemeData'> {
    const lifecycle = this.lifecycle ?? 'requested'
    return {
      lifecycle,
      payment: this.payment,
      control: this.control,
      history: this.events,
      schemeData: { edofState: EDOF_STATE[lifecycle] },
    }
  }
}

export const money = (amountMinor: number) => ({ amountMinor, currency: CURRENCY })

/** The whole scheme, drawn before anything is stored: providers, offers, records, credentials, answers. */
export class DemoPlan {
  readonly rng: SeededRandom
  readonly providers: Provider[] = []
  readonly drafts: Draft[] = []
  readonly credentials: PlannedCredential[] = []
  readonly answers: IlaDemoAnswer[] = []
  private readonly operatorKey: string
  private accountCount = 0
  private readonly names = new Map<string, { givenName: string; familyName: string }>()
  private readonly windows = new Map<string, Training[]>()
  private readonly reusable: string[] = []
  private readonly sessions = new Set<string>()
  private readonly learnerNumbers = new Map<string, number>()
  private readonly schemeRefs = new Set<string>()

  constructor(
    readonly seed: number,
    readonly day0: number,
  ) {
    this.rng = new SeededRandom(seed)
    this.operatorKey = `ila-demo-operator-${seed}`
  }

  date(day: number): string {
    return new Date((this.day0 + day) * DAY_MS).toISOString().slice(0, 10)
  }

  /** A date-time on `day`, during working hours unless `second` (of the day) says. */
  time(day: number, second = this.rng.int(8 * 3600, 18 * 3600)): string {
    return new Date((this.day0 + day) * DAY_MS + second * 1000).toISOString().replace('.000Z', 'Z')
  }

  provider(key: string): Provider {
    const provider = this.providers.find((p) => p.spec.key === key)
    if (!provider) throw new TypeError(`No demo provider ${key}`)
    return provider
  }

  offer(providerKey: string, code: string): Offer {
    const offer = this.provider(providerKey).offers.find((o) => o.topic.code === code)
    if (!offer) throw new TypeError(`No demo offer ${code} of ${providerKey}`)
    return offer
  }

  answer(code: string, ids: Omit<IlaDemoAnswer, 'code'>): void {
    this.answers.push({ code, ...ids })
  }

  // --- reference data ----------------------------------------------------------------------------------

  addProviders(): void {
    for (const spec of DEMO_PROVIDERS) {
      const siren = withLuhn(this.rng.digits(8))
      const vatKey = String((12 + 3 * (Number(siren) % 97)) % 97).padStart(2, '0')
      const slug = slugify(spec.name)
      const provider: Provider = {
        spec,
        providerId: `prov-${slug}`,
        siren,
        siret: withLuhn(`${siren}0001`),
        nda: `${spec.postcode.slice(0, 2)}${this.rng.digits(9)}`,
        eidas: `VATFR-${vatKey}${siren}`,
        homepage: `https://www.${slug}.example/`,
        tenantSlug: `ila-demo-${this.seed}-${spec.key}`,
        offers: [],
      }
      this.providers.push(provider)
    }
    const certifier = this.provider('c01')
    for (const provider of this.providers) {
      for (const topic of provider.spec.topics) {
        const offer = this.newOffer(provider, topic, provider)
        if (topic.selfCertified) offer.certificationCode = `RS9${this.rng.digits(3)}`
        if (topic.unhabilitated) offer.certificationCode = `RNCP9${this.rng.digits(4)}`
        provider.offers.push(offer)
      }
    }
    // The certifier's certification, prepared for by p02 under a habilitation: its credentials are signed by
    // the certifier, which L1 accepts through the habilitation.
    const p02 = this.provider('p02')
    const certification = this.newOffer(p02, DEMO_CERTIFICATION_TOPIC, certifier)
    certification.certificationCode = `RS9${this.rng.digits(3)}`
    p02.offers.push(certification)
  }

  private newOffer(provider: Provider, topic: DemoTopic, awardingBody: Provider): Offer {
    const offer = { provider, topic, offerId: `${provider.siret}_${topic.code}` } as Offer
    offer.course = {
      id: `urn:${slugify(awardingBody.spec.name)}:course:${topic.code.toLowerCase()}`,
      topic,
      offer,
      awardingBody,
    }
    return offer
  }

  registryEntries(): ProviderRegistryEntry[] {
    const certifier = this.provider('c01')
    const certification = this.offer('p02', DEMO_CERTIFICATION_TOPIC.code)
    return this.providers
      .filter((p) => p.spec.role !== 'unregistered')
      .map((p) => {
        const withdrawn = p.spec.role === 'withdrawn'
        const accreditations =
          p.spec.role === 'certifier'
            ? [{ type: 'RS certifier registration', validFrom: this.date(-1400), status: 'active' as const }]
            : ACCREDITATIONS.map((type) => ({
                type,
                validFrom: this.date(-1100 - this.rng.int(0, 300)),
                ...(withdrawn ? { validUntil: this.date(WITHDRAWN_DAY) } : { validUntil: this.date(600) }),
                status: withdrawn ? ('withdrawn' as const) : ('active' as const),
              }))
        const entry: ProviderRegistryEntry = {
          providerId: p.providerId,
          legalIds: [
            { scheme: 'SIRET', value: p.siret },
            ...(p.spec.role === 'certifier' ? [] : [{ scheme: 'NDA', value: p.nda }]),
            { scheme: 'EIDAS', value: p.eidas },
          ],
          issuerKeys: p.did === undefined ? [] : [p.did],
          accreditations,
        }
        const awards =
          p === certifier
            ? [certification.certificationCode as string]
            : p.offers
                .filter((o) => o.topic.selfCertified && o.certificationCode !== undefined)
                .map((o) => o.certificationCode as string)
        if (awards.length > 0) entry.awardingBodyFor = awards
        if (p.spec.key === 'p02') {
          entry.habilitations = [
            {
              certificationCode: certification.certificationCode as string,
              certifierId: certifier.providerId,
              validFrom: this.date(-900),
            },
          ]
        }
        return entry
      })
  }

  catalogueEntries(): CatalogueEntry[] {
    return this.providers.flatMap((p) =>
      p.offers.map((o) => {
        const entry: CatalogueEntry = {
          registryId: REGISTRY_ID,
          offerId: o.offerId,
          providerId: p.providerId,
          credentialExpected: o.topic.noCredential !== true,
          plannedHours: o.topic.hours,
          ectsCredits: ectsFor(o.topic.hours),
          eqfLevel: eqfFor(o.topic),
          modality: o.topic.modality,
          listPrice: money(o.topic.priceEur * 100),
          eligibleFrom: this.date(-1000),
          eligibleUntil: this.date(500),
        }
        if (o.certificationCode !== undefined) entry.certificationCode = o.certificationCode
        if (o.topic.noCredential !== true) entry.achievementIds = [o.course.id]
        return entry
      }),
    )
  }

  // --- accounts, tokens, money -------------------------------------------------------------------------

  /** A new account pseudonym: HMAC of a made-up national id under the operator's key. */
  newAccount(): string {
    this.accountCount++
    const account = createHmac('sha256', this.operatorKey)
      .update(`demo-national-id-${this.accountCount}`)
      .digest('hex')
    this.names.set(account, {
      givenName: this.rng.pick(DEMO_GIVEN_NAMES),
      familyName: this.rng.pick(DEMO_FAMILY_NAMES),
    })
    return account
  }

  /** Mostly a new account; sometimes a returning learner whose other trainings do not overlap this one. */
  accountFor(training: Training): string {
    if (this.reusable.length > 0 && this.rng.chance(0.08)) {
      for (let attempt = 0; attempt < 5; attempt++) {
        const account = this.rng.pick(this.reusable)
        const busy = this.windows.get(account) ?? []
        if (busy.every((w) => w.end + 14 < training.start || training.end + 14 < w.start)) return account
      }
    }
    return this.newAccount()
  }

  private occupy(account: string, training: Training): void {
    const list = this.windows.get(account)
    if (list) list.push(training)
    else {
      this.windows.set(account, [training])
      this.reusable.push(account)
    }
  }

  token(): string {
    return this.rng.text(24, TOKEN_ALPHABET)
  }

  newSiret(): string {
    return withLuhn(`${withLuhn(this.rng.digits(8))}0001`)
  }

  /** A price for a clean booking: the list price, or a session discount of 5-20 %. */
  priceFor(offer: Offer): number {
    const list = offer.topic.priceEur * 100
    if (this.rng.chance(0.6)) return list
    return Math.round((list * (1 - this.rng.int(5, 20) / 100)) / 1000) * 1000
  }

  /** Funding lines that add up to `price`, in the mixes CPF bookings show. */
  fundingFor(price: number): FundingLine[] {
    const share = (pct: number) => Math.round((price * pct) / 100 / 1000) * 1000
    const draw = this.rng.next()
    if (draw < 0.7) {
      return [
        { funderType: 'ila_entitlement', amount: money(price - COPAYMENT_MINOR), tier: 'CPF' },
        { funderType: 'learner_copayment_mandatory', amount: money(COPAYMENT_MINOR), paidBy: 'learner' },
      ]
    }
    if (draw < 0.82) {
      // An employer top-up exempts the learner from the co-payment.
      const employer = share(this.rng.int(20, 50))
      return [
        { funderType: 'ila_entitlement', amount: money(price - employer), tier: 'CPF' },
        {
          funderType: 'employer',
          funderRef: { scheme: 'SIRET', value: this.newSiret() },
          amount: money(employer),
          paidBy: 'employer',
        },
      ]
    }
    if (draw < 0.92) {
      const pes = share(this.rng.int(30, 60))
      return [
        { funderType: 'ila_entitlement', amount: money(price - pes), tier: 'CPF' },
        { funderType: 'public_employment_service', amount: money(pes) },
      ]
    }
    const topUp = share(this.rng.int(20, 40))
    return [
      { funderType: 'ila_entitlement', amount: money(price - topUp - COPAYMENT_MINOR), tier: 'CPF' },
      { funderType: 'learner_copayment_mandatory', amount: money(COPAYMENT_MINOR), paidBy: 'learner' },
      { funderType: 'learner_topup', amount: money(topUp), paidBy: 'learner' },
    ]
  }

  /** Marks a session day of `offer` as taken, for a record placed on it on purpose. */
  sessionTaken(offer: Offer, start: number): void {
    this.sessions.add(`${offer.offerId}|${start}`)
  }

  /** Accounts made so far are not offered to later records: planted learners stay as planted. */
  closeAccounts(): void {
    this.reusable.length = 0
  }

  /** A start day in [min, max] on which the offer has no other clean session, so clean cohorts are of one. */
  startFor(offer: Offer, min: number, max: number): number {
    let start = this.rng.int(min, max)
    for (let attempt = 0; attempt < 25 && this.sessions.has(`${offer.offerId}|${start}`); attempt++) {
      start = this.rng.int(min, max)
    }
    this.sessions.add(`${offer.offerId}|${start}`)
    return start
  }

  // --- records -----------------------------------------------------------------------------------------

  /** Draws one record's booking and what became of it, up to the day before the scheme's day. */
  record(story: Story): Draft {
    const { provider, offer, outcome, start } = story
    const rng = this.rng
    const days = courseDays(offer.topic.hours)
    const training: Training = { start, end: start + days }
    const account = story.account ?? this.accountFor(training)
    this.occupy(account, training)
    const token =
      story.token === false
        ? undefined
        : (story.token ?? (offer.topic.noCredential === true ? undefined : this.token()))
    const price = story.price ?? this.priceFor(offer)
    const funding = story.funding ?? this.fundingFor(price)
    const entitlement = funding
      .filter((f) => f.funderType === 'ila_entitlement')
      .reduce((sum, f) => sum + f.amount.amountMinor, 0)
    let schemeRef = `${rng.digits(10)}`
    while (this.schemeRefs.has(schemeRef)) schemeRef = `${rng.digits(10)}`
    this.schemeRefs.add(schemeRef)

    const record: SpendingRecord = {
      recordId: rng.uuid(),
      schemeId: SCHEME_ID,
      schemeRef,
      accountPseudonym: account,
      ...(token === undefined ? {} : { linkTokenDigest: createHash('sha256').update(token).digest('hex') }),
      provider: {
        providerId: provider.providerId,
        legalId: { scheme: 'SIRET', value: provider.siret },
        accreditationSnapshot: [...ACCREDITATIONS],
      },
      catalogue: {
        registryId: REGISTRY_ID,
        offerId: offer.offerId,
        sessionId: story.sessionId ?? `${offer.topic.code}-${this.date(start).replaceAll('-', '')}`,
        ...(offer.certificationCode === undefined ? {} : { certificationCode: offer.certificationCode }),
      },
      agreedPrice: money(price),
      funding,
      entitlementUnit: 'money',
      requestedAt: '',
      plannedStart: this.date(start),
      plannedEnd: this.date(training.end),
      lifecycle: 'requested',
      payment: 'not_billable',
      control: 'none',
      history: [],
    }
    const b = new RecordBuilder()
    const draft: Draft = { record, provider, offer, account, training, ...(token ? { token } : {}) }
    const done = () => {
      Object.assign(record, b.states())
      this.drafts.push(draft)
      return draft
    }

    // Every event lies before the scheme's day: a booking for a future session was made at least a week ago.
    const requested = Math.min(story.requested ?? start - rng.int(15, 60), -8)
    record.requestedAt = this.time(requested)
    b.life('requested', record.requestedAt, 'learner')
    if (outcome === 'requested') return done()
    const approved = requested + rng.int(1, 4)
    if (outcome === 'refused') {
      b.life('refused', this.time(approved), 'provider', 'refusedByOrganism')
      return done()
    }
    record.approvedAt = this.time(approved)
    b.life('approved', record.approvedAt, 'provider')
    if (outcome === 'expired') {
      b.life('expired', this.time(approved + 30), 'system', 'notConfirmedByAttendee')
      return done()
    }
    const confirmed = Math.min(approved + rng.int(0, 3), -1)
    record.learnerConfirmedAt = this.time(confirmed)
    b.life('confirmed', record.learnerConfirmedAt, 'learner')
    if (outcome === 'booked') return done()
    if (outcome === 'cancelled_by_learner' || outcome === 'cancelled_by_provider') {
      const last = Math.min(start - 1, -1)
      const cancelled = last > confirmed ? rng.int(confirmed + 1, last) : confirmed
      record.cancelledAt = this.time(cancelled, 19 * 3600)
      const byLearner = outcome === 'cancelled_by_learner'
      b.life(
        outcome,
        record.cancelledAt,
        byLearner ? 'learner' : 'provider',
        byLearner ? undefined : 'sessionCancelled',
      )
      return done()
    }

    record.actualStart = this.date(start)
    b.life('in_training', this.time(start, 9 * 3600), 'provider')
    record.amountDebitedFromAccount = money(entitlement)
    if (story.advance === true || outcome === 'recovered') {
      const advance = Math.round((price * 0.3) / 100) * 100
      record.amountPaidToProvider = money(advance)
      b.pay('advance_paid', this.time(start + 1), 'operator')
      if (outcome === 'recovered') {
        // A no-show found by the operator's control: the advance is recovered and the rights re-credited.
        b.check('in_control', this.time(training.end + 20), 'operator', 'attendanceCheck')
        b.life('cancelled_by_funder', this.time(training.end + 40), 'operator', 'noShow')
        record.cancelledAt = this.time(training.end + 40)
        b.pay('recovery_pending', this.time(training.end + 40), 'operator')
        b.pay('recovered', this.time(training.end + 70), 'operator')
        b.check('released', this.time(training.end + 70), 'operator')
        record.amountRecovered = money(advance)
        record.amountRecredited = money(entitlement)
        return done()
      }
    }
    if (outcome === 'in_training') return done()

    const partial = outcome === 'partial'
    const realisation = story.realisation ?? (partial ? rng.int(30, 75) : 100)
    const exit = partial ? start + Math.floor((days * realisation) / 100) : training.end
    training.end = exit
    record.actualEnd = this.date(exit)
    record.realisationRatePct = realisation
    record.attendanceRatePct = realisation
    record.realisedHours = Math.round((offer.topic.hours * realisation) / 100)
    record.exitReason = partial
      ? rng.pick(['partial_learner', 'partial_learner', 'partial_force_majeure', 'abandoned'] as const)
      : 'completed'
    b.life('exited', this.time(exit, 17 * 3600), 'provider')
    const due = Math.round((price * (story.fullPayment === true ? 100 : realisation)) / 100)
    const steps = story.steps ?? {}
    const second = steps.second

    if (partial) {
      // A partial exit is paid pro rata and re-credits the rest; it leads to no completion credential.
      const billed = exit + rng.int(3, 10)
      const paid = billed + rng.int(7, 30)
      if (billed > -1) return done()
      b.pay('to_bill', this.time(billed), 'system')
      record.invoicedAt = this.time(billed)
      b.pay('billed', record.invoicedAt, 'provider')
      if (paid > -1) return done()
      record.paidAt = this.time(paid)
      b.pay('paid', record.paidAt, 'operator')
      record.amountPaidToProvider = money(due)
      record.amountRecredited = money(Math.min(entitlement, price - due))
      return done()
    }

    const declared = steps.declared ?? exit + rng.int(1, 5)
    if (declared > -1) return done()
    record.completionDeclaredAt = this.time(declared, second)
    b.life('completion_declared', record.completionDeclaredAt, 'provider')
    if (outcome === 'declared') return done()
    const validated = steps.validated ?? Math.max(declared, exit) + rng.int(2, 10)
    if (validated > -1) return done()
    record.completionValidatedAt = this.time(validated, second)
    b.life('completion_validated', record.completionValidatedAt, 'operator')
    b.pay('to_bill', record.completionValidatedAt, 'system')
    const invoiced = steps.invoiced ?? validated + rng.int(0, 3)
    if (invoiced > -1) return done()
    record.invoicedAt = this.time(invoiced, second)
    b.pay('billed', record.invoicedAt, 'provider')
    const paid = steps.paid ?? invoiced + rng.int(7, 30)
    if (paid > -1) return done()
    record.paidAt = this.time(paid, second)
    b.pay('paid', record.paidAt, 'operator')
    record.amountPaidToProvider = money(due)
    return done()
  }

  credentialId(): string {
    return `urn:uuid:${this.rng.uuid()}`
  }

  /** Plans a credential for `draft`'s learner: by default the honest one, issued 1-40 days after the end. */
  credential(
    draft: Draft,
    options: {
      signer?: Provider
      course?: Course
      day?: number
      second?: number
      token?: string
      grade?: string
      revokeDay?: number
      activity?: Training
      id?: string
    } = {},
  ): PlannedCredential {
    const rng = this.rng
    const course = options.course ?? draft.offer.course
    const token = options.token ?? draft.token
    if (token === undefined) throw new TypeError(`Record ${draft.record.recordId} has no link token`)
    const activity = options.activity ?? draft.training
    const name = this.names.get(draft.account) ?? { givenName: 'Camille', familyName: 'Martin' }
    const signer = options.signer ?? course.awardingBody
    const number = (this.learnerNumbers.get(signer.spec.key) ?? 0) + 1
    this.learnerNumbers.set(signer.spec.key, number)
    const day = Math.min(options.day ?? activity.end + rng.int(1, 40), -2)
    const planned: PlannedCredential = {
      id: options.id ?? this.credentialId(),
      signer,
      course,
      learner: {
        ...name,
        identifiers: [
          { schemeName: 'Numéro de stagiaire', notation: `${signer.spec.key.toUpperCase()}-${number}` },
        ],
        result: {
          grade: options.grade ?? (course.topic.graded ? `${rng.int(10, 19)}/20` : 'Validé'),
          status: 'passed',
        },
        activity: { startDate: this.date(activity.start), endDate: this.date(activity.end) },
        supervision: SUPERVISION,
        ilaLinkToken: token,
      },
      issuedAt: this.time(day, options.second),
      format: rng.chance(EDC_SHARE) ? 'edc' : 'elm',
    }
    if (options.revokeDay !== undefined) planned.revokeAt = this.time(options.revokeDay)
    this.credentials.push(planned)
    return planned
  }
}

/** The day the withdrawn provider lost its accreditations (F2). */
export const WITHDRAWN_DAY = -150

export function eqfFor(topic: DemoTopic): number {
  if (topic.priceEur > 1000) return 6
  return topic.hours >= 42 ? 5 : 4
}

const CLEAN_OUTCOMES = {
  completed: 0.64,
  declared: 0.02,
  in_training: 0.07,
  booked: 0.07,
  requested: 0.015,
  refused: 0.015,
  expired: 0.01,
  cancelled_by_learner: 0.05,
  cancelled_by_provider: 0.01,
  partial: 0.08,
  recovered: 0.01,
} as const

/**
 * The provider whose every learner completes (F15): no partial exit, no cancellation, nobody still in
 * training; only bookings for later sessions besides.
 */
const PERFECT_OUTCOMES = { completed: 0.9, booked: 0.1 } as const
/** Records of the perfect provider at least: the signal is about large providers. */
const PERFECT_MIN_RECORDS = 60

type CleanOutcome = keyof typeof CLEAN_OUTCOMES

/** A clean record of `provider`, with its honest credential when it has one. */
export function cleanRecord(
  plan: DemoPlan,
  provider: Provider,
  outcome: CleanOutcome,
  offerCode?: string,
): void {
  const rng = plan.rng
  const offers = provider.offers.filter((o) => o.topic.reserved !== true)
  const offer = offerCode === undefined ? rng.pick(offers) : plan.offer(provider.spec.key, offerCode)
  const days = courseDays(offer.topic.hours)
  let start: number
  switch (outcome) {
    case 'completed':
      start = plan.startFor(offer, -360, -(days + 46))
      break
    case 'declared':
      start = plan.startFor(offer, -8 - days, -3 - days)
      break
    case 'in_training':
      start = plan.startFor(offer, Math.max(-days + 1, -60), -1)
      break
    case 'booked':
      start = plan.startFor(offer, 7, 90)
      break
    case 'requested':
      start = plan.startFor(offer, 20, 70)
      break
    case 'partial':
      start = plan.startFor(offer, -360, -(days + 30))
      break
    case 'recovered':
      start = plan.startFor(offer, -330, -(days + 90))
      break
    default:
      start = plan.startFor(offer, -330, outcome.startsWith('cancelled') ? 60 : -30)
  }
  const story: Story = { provider, offer, outcome, start }
  if (outcome === 'requested') story.requested = rng.int(-12, -8)
  const draft = plan.record(story)
  if (outcome === 'completed' && draft.token !== undefined) plan.credential(draft)
}

/** Clean records up to `records` in all: the perfect provider's share (at least its minimum), then the rest. */
export function fillClean(plan: DemoPlan, records: number): void {
  const rng = plan.rng
  const perfect = plan.providers.find((p) => p.spec.role === 'perfect') as Provider
  const regular = plan.providers.filter((p) => p.spec.role === 'regular')
  const perfectRecords = Math.max(
    PERFECT_MIN_RECORDS,
    Math.round((records - plan.drafts.length) * perfect.spec.share),
  )
  for (let i = 0; i < perfectRecords; i++) cleanRecord(plan, perfect, rng.weighted(PERFECT_OUTCOMES))
  const shares = Object.fromEntries(regular.map((p) => [p.spec.key, p.spec.share]))
  while (plan.drafts.length < records) {
    cleanRecord(plan, plan.provider(rng.weighted(shares)), rng.weighted(CLEAN_OUTCOMES))
  }
}
