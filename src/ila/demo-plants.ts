/**
 * The irregularities the ILA demo scheme plants, each answered under the code of the signal (F1-F16) or linking
 * rule (L2, L3, L5) it must trip, and {@link planIlaDemo}, which draws the whole scheme in its fixed order.
 */
import {
  cleanRecord,
  COPAYMENT_MINOR,
  courseDays,
  DemoPlan,
  fillClean,
  money,
  WITHDRAWN_DAY,
  type Draft,
  type Story,
} from './demo-plan.js'

/** Plants every irregularity, each with its answer. */
function plant(plan: DemoPlan): void {
  const rng = plan.rng
  const ids = (draft: Draft) => ({ recordId: draft.record.recordId, providerId: draft.provider.providerId })
  const completed = (providerKey: string, code: string, start: number, extra: Partial<Story> = {}) =>
    plan.record({
      provider: plan.provider(providerKey),
      offer: plan.offer(providerKey, code),
      outcome: 'completed',
      start,
      ...extra,
    })
  const startIn = (providerKey: string, code: string, min: number, max: number) =>
    plan.startFor(plan.offer(providerKey, code), min, max)

  // F1: a credential issued before the training started, one before it was even booked, and a completion
  // declared before the start.
  {
    const start = startIn('p01', 'PYDATA', -300, -120)
    const draft = completed('p01', 'PYDATA', start, { requested: start - rng.int(20, 40) })
    const credential = plan.credential(draft, { day: start - 4 })
    plan.answer('F1', { ...ids(draft), credentialId: credential.id })
  }
  {
    const start = startIn('p02', 'MKTDIGI', -300, -120)
    const draft = completed('p02', 'MKTDIGI', start, { requested: start - 20 })
    const credential = plan.credential(draft, { day: start - 26 })
    plan.answer('F1', { ...ids(draft), credentialId: credential.id })
  }
  {
    const start = startIn('p03', 'PROJET', -300, -120)
    const end = start + courseDays(plan.offer('p03', 'PROJET').topic.hours)
    const draft = completed('p03', 'PROJET', start, { steps: { declared: start - 3, validated: end + 3 } })
    plan.credential(draft)
    plan.answer('F1', ids(draft))
  }

  // F2: a credential signed by another registered provider, one by an issuer outside the registry (neither
  // answer names a provider: the record's is not the signer), and two issued by a provider after its
  // accreditations were withdrawn.
  {
    const draft = completed('p01', 'SQL', startIn('p01', 'SQL', -250, -90))
    const credential = plan.credential(draft, { signer: plan.provider('p03') })
    plan.answer('F2', { recordId: draft.record.recordId, credentialId: credential.id })
  }
  {
    const draft = completed('p05', 'CLOUD', startIn('p05', 'CLOUD', -250, -90))
    const credential = plan.credential(draft, { signer: plan.provider('x01') })
    plan.answer('F2', { recordId: draft.record.recordId, credentialId: credential.id })
  }
  for (let i = 0; i < 2; i++) {
    const start = startIn('p09', 'ENERGIE', -215, -200)
    const draft = completed('p09', 'ENERGIE', start, {
      steps: { declared: start + 14, validated: start + 18, invoiced: start + 19, paid: start + 35 },
    })
    const credential = plan.credential(draft, { day: WITHDRAWN_DAY + rng.int(5, 15) })
    plan.answer('F2', { ...ids(draft), credentialId: credential.id })
  }

  // F3: completed and paid 100 to 200 days ago, and still no credential.
  for (const [key, code] of [
    ['p02', 'ECOM'],
    ['p04', 'PAIE'],
    ['p06', 'UX'],
  ] as const) {
    const days = courseDays(plan.offer(key, code).topic.hours)
    const draft = completed(key, code, startIn(key, code, -200 - days, -100 - days))
    plan.answer('F3', ids(draft))
  }

  // F4: still "in training" four to seven months after the planned end, the advance paid.
  for (const [key, code] of [
    ['p01', 'PYDATA'],
    ['p05', 'RESEAU'],
  ] as const) {
    const days = courseDays(plan.offer(key, code).topic.hours)
    const draft = plan.record({
      provider: plan.provider(key),
      offer: plan.offer(key, code),
      outcome: 'in_training',
      start: startIn(key, code, -200 - days, -120 - days),
      advance: true,
    })
    plan.answer('F4', ids(draft))
  }

  // F5: a quiet provider books twenty-four new accounts within four hours, for one session.
  {
    const provider = plan.provider('p08')
    for (let i = 0; i < 4; i++) cleanRecord(plan, provider, 'completed')
    const offer = plan.offer('p08', 'BUREAU')
    const start = 10
    for (let i = 0; i < 24; i++) {
      const draft = plan.record({
        provider,
        offer,
        outcome: 'booked',
        start,
        requested: -20,
        account: plan.newAccount(),
      })
      draft.record.requestedAt = plan.time(-20, 9 * 3600 + i * 9 * 60 + rng.int(0, 300))
      const first = draft.record.history[0]
      if (first) first.at = draft.record.requestedAt
      plan.answer('F5', ids(draft))
    }
  }

  // F6: one employer (a shell) tops up the bookings of twenty "employees" at one provider over ten weeks.
  {
    const employer = plan.newSiret()
    const offer = plan.offer('p06', 'VENTE')
    const first = rng.int(-300, -240)
    for (let i = 0; i < 20; i++) {
      const requested = first + Math.floor(i * 3.5) + rng.int(0, 2)
      const price = offer.topic.priceEur * 100
      const employerPart = Math.round((price * 0.4) / 1000) * 1000
      const draft = completed('p06', 'VENTE', plan.startFor(offer, requested + 20, requested + 30), {
        requested,
        price,
        funding: [
          { funderType: 'ila_entitlement', amount: money(price - employerPart), tier: 'CPF' },
          {
            funderType: 'employer',
            funderRef: { scheme: 'SIRET', value: employer },
            amount: money(employerPart),
            paidBy: 'employer',
          },
        ],
      })
      plan.credential(draft)
      plan.answer('F6', ids(draft))
    }
  }

  // F7: a whole cohort with full realisation, identical declarations to the second and credentials issued in
  // one burst with identical marks.
  {
    const offer = plan.offer('p03', 'DATAVIZ')
    const start = plan.startFor(offer, -200, -120)
    const end = start + courseDays(offer.topic.hours)
    const second = 23 * 3600 + 59 * 60
    const issued = end + 6
    for (let i = 0; i < 10; i++) {
      const draft = completed('p03', 'DATAVIZ', start, {
        sessionId: `${offer.topic.code}-${plan.date(start).replaceAll('-', '')}`,
        steps: { declared: end + 1, validated: end + 4, invoiced: end + 5, paid: end + 20, second },
      })
      const credential = plan.credential(draft, { day: issued, second: 10 * 3600, grade: '20/20' })
      plan.answer('F7', { ...ids(draft), credentialId: credential.id })
    }
  }

  // F8: agreed prices above the catalogue's list price, by 45 % and by 15 %.
  for (const [key, code, markup] of [
    ['p02', 'RGPD', 1.45],
    ['p04', 'LOGIST', 1.15],
  ] as const) {
    const offer = plan.offer(key, code)
    const price = Math.round((offer.topic.priceEur * 100 * markup) / 1000) * 1000
    const draft = completed(key, code, plan.startFor(offer, -300, -90), {
      price,
      funding: [
        { funderType: 'ila_entitlement', amount: money(price - COPAYMENT_MINOR), tier: 'CPF' },
        { funderType: 'learner_copayment_mandatory', amount: money(COPAYMENT_MINOR), paidBy: 'learner' },
      ],
    })
    plan.credential(draft)
    plan.answer('F8', ids(draft))
  }

  // F9: one learner in two onsite trainings at two providers on the same days.
  {
    const account = plan.newAccount()
    const start = startIn('p04', 'LOGIST', -300, -100)
    const first = completed('p04', 'LOGIST', start, { account })
    plan.sessionTaken(plan.offer('p05', 'BIM'), start + 2)
    const second = completed('p05', 'BIM', start + 2, { account })
    for (const draft of [first, second]) {
      plan.credential(draft)
      // Not the provider: the overlap is the learner's, across two providers.
      plan.answer('F9', { recordId: draft.record.recordId })
    }
  }

  // F10: one credential for two records of the same training (double funding), and one record with the same
  // award issued twice.
  {
    const offer = plan.offer('p05', 'RESEAU')
    const days = courseDays(offer.topic.hours)
    const start = plan.startFor(offer, -30 - days, -26 - days)
    const end = start + days
    const account = plan.newAccount()
    const token = plan.token()
    const steps = { declared: end + 1, validated: end + 3, invoiced: end + 4, paid: end + 14 }
    const first = completed('p05', 'RESEAU', start, { account, token, steps })
    const price = first.record.agreedPrice.amountMinor
    completed('p05', 'RESEAU', start, {
      account,
      token,
      steps,
      price,
      funding: [
        {
          funderType: 'employer',
          funderRef: { scheme: 'SIRET', value: plan.newSiret() },
          amount: money(price),
          paidBy: 'employer',
        },
      ],
    })
    const credential = plan.credential(first, { day: end + 3 })
    plan.answer('F10', { credentialId: credential.id, providerId: first.provider.providerId })
  }
  {
    const draft = completed('p06', 'WEBDEV', startIn('p06', 'WEBDEV', -200, -100))
    const end = draft.training.end
    // Ids in issuance order: however a report orders the pair, the copy is the later credential.
    const [original, copy] = [plan.credentialId(), plan.credentialId()].sort()
    plan.credential(draft, { day: end + 5, id: original })
    const duplicate = plan.credential(draft, { day: end + 9, id: copy })
    plan.answer('F10', { ...ids(draft), credentialId: duplicate.id })
  }

  // F11: a credential for a booking the learner cancelled, and one revoked after the record was paid.
  {
    const offer = plan.offer('p02', 'RGPD')
    const start = plan.startFor(offer, -200, -80)
    const draft = plan.record({
      provider: plan.provider('p02'),
      offer,
      outcome: 'cancelled_by_learner',
      start,
    })
    const credential = plan.credential(draft, { day: draft.training.end + 5 })
    plan.answer('F11', { ...ids(draft), credentialId: credential.id })
  }
  {
    const offer = plan.offer('p01', 'PYDATA')
    const days = courseDays(offer.topic.hours)
    const start = plan.startFor(offer, -30 - days, -24 - days)
    const end = start + days
    const draft = completed('p01', 'PYDATA', start, {
      steps: { declared: end + 1, validated: end + 3, invoiced: end + 4, paid: end + 14 },
    })
    const credential = plan.credential(draft, { day: end + 2, revokeDay: -4 })
    plan.answer('F11', { ...ids(draft), credentialId: credential.id })
  }

  // F12: a fifth and a half of the hours realised, yet paid in full and awarded a full credential.
  for (const [key, code, realisation] of [
    ['p03', 'MANAGER', 20],
    ['p06', 'UX', 55],
  ] as const) {
    const draft = completed(key, code, startIn(key, code, -300, -80), { realisation, fullPayment: true })
    const credential = plan.credential(draft)
    plan.answer('F12', { ...ids(draft), credentialId: credential.id })
  }

  // F13: a certification the provider is neither the awarding body of nor habilitated for.
  for (let i = 0; i < 2; i++) {
    const draft = completed('p04', 'IMMO', startIn('p04', 'IMMO', -330, -90))
    plan.credential(draft)
    plan.answer('F13', ids(draft))
  }

  // F15: the perfect provider is a provider-level signal over its clean records.
  plan.answer('F15', { providerId: plan.provider('p07').providerId })

  // F16: high-value credentials whose assessment was unsupervised, without identity check.
  for (let i = 0; i < 2; i++) {
    const price = 390_000
    const employerPart = 90_000
    const draft = completed('p03', 'DIRDATA', startIn('p03', 'DIRDATA', -330, -100), {
      price,
      funding: [
        { funderType: 'ila_entitlement', amount: money(price - employerPart), tier: 'CPF' },
        {
          funderType: 'employer',
          funderRef: { scheme: 'SIRET', value: plan.newSiret() },
          amount: money(employerPart),
          paidBy: 'employer',
        },
      ],
    })
    const credential = plan.credential(draft)
    plan.answer('F16', { ...ids(draft), credentialId: credential.id })
  }

  // L2: a credential whose link commitment is not the record's (a wrong token), for a record ended lately.
  {
    const offer = plan.offer('p06', 'VENTE')
    const days = courseDays(offer.topic.hours)
    const draft = completed('p06', 'VENTE', plan.startFor(offer, -30 - days, -20 - days))
    const credential = plan.credential(draft, { token: plan.token(), day: draft.training.end + 3 })
    plan.answer('L2', { ...ids(draft), credentialId: credential.id })
  }

  // L3: the record books one course, the credential is for another of the same provider.
  {
    const draft = completed('p01', 'SQL', startIn('p01', 'SQL', -300, -90))
    const credential = plan.credential(draft, { course: plan.offer('p01', 'PYDATA').course })
    plan.answer('L3', { ...ids(draft), credentialId: credential.id })
  }

  // L5: a course whose credential states 28 hours where the catalogue plans 70.
  {
    const draft = completed('p05', 'COMPTA', startIn('p05', 'COMPTA', -300, -90))
    const credential = plan.credential(draft)
    plan.answer('L5', { ...ids(draft), credentialId: credential.id })
  }
}

/** The whole scheme for `seed`, dated from `day0` (days since 1970-01-01): providers, plants, then clean records. */
export function planIlaDemo(seed: number, day0: number, records: number): DemoPlan {
  const plan = new DemoPlan(seed, day0)
  plan.addProviders()
  plant(plan)
  plan.closeAccounts()
  fillClean(plan, records)
  return plan
}
