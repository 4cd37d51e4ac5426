import { expect } from 'chai'
import { createHash } from 'node:crypto'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { pino } from 'pino'
import request from 'supertest'
import { fixedClock, type Clock } from '../../../src/clock.js'
import { loadConfig } from '../../../src/config/load-config.js'
import { createContext, type AppContext } from '../../../src/context.js'
import { createApp } from '../../../src/http/app.js'
import { importIla, type IlaImportKind } from '../../../src/ila/index.js'
import { linkCredentials, type IlaLinkResult, type IlaLinkSummary } from '../../../src/ila/link.js'
import { readCredentialTexts } from '../../../src/ila/read-credentials.js'
import { addCourse, issueMicrocredential } from '../../../src/issuer/issue-microcredential.js'
import { changeStatus } from '../../../src/status/change-status.js'
import type { CourseRecord, IlaRuleResult, Storage } from '../../../src/storage/storage.js'
import { createApiToken } from '../../../src/tokens/api-tokens.js'
import { createVerifierDeps } from '../../../src/verifier/verifier-deps.js'
import { cli } from '../../support/cli.js'
import { ilaRecord, jsonl } from '../../support/ila.js'
import { forEachDialect } from '../storage/dialects.js'

const EXAMPLES = fileURLToPath(new URL('../../../examples/', import.meta.url))
/**
 * When the credentials are issued, unless a test says otherwise, and when every test links: one time, since
 * verifying publishes the status lists as of then, and a list published later than a verification is not yet
 * valid for it.
 */
const ISSUED = '2026-03-25T10:00:00Z'
const LINKED = '2026-10-05T10:00:00Z'
const PY = 'urn:acme:course:python-101'
const SQL = 'urn:acme:course:sql-201'
const EIDAS = 'VATFR-40123456789'

/** The enrolment link token of learner `n` (16 to 128 URL-safe characters), as the operator hands it out. */
const token = (n: number | string) => `enrolment-token-${String(n).padStart(4, '0')}`
const digestOf = (text: string) => createHash('sha256').update(text).digest('hex')

type Credential = string | Record<string, unknown>

/** A spending record of prov-acme for learner `n`, completed and to be paid, with `overrides` on top. */
function record(n: number | string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return ilaRecord(0, {
    recordId: `rec-${n}`,
    schemeRef: `CPF-${n}`,
    linkTokenDigest: digestOf(token(n)),
    provider: {
      providerId: 'prov-acme',
      legalId: { scheme: 'SIRET', value: '12345678900011' },
      accreditationSnapshot: ['Qualiopi'],
    },
    catalogue: { registryId: 'EDOF', offerId: 'ACME-PY-101' },
    agreedPrice: { amountMinor: 50000, currency: 'EUR' },
    funding: [{ funderType: 'ila_entitlement', amount: { amountMinor: 50000, currency: 'EUR' } }],
    requestedAt: '2026-02-01',
    approvedAt: '2026-02-03',
    plannedStart: '2026-03-02',
    plannedEnd: '2026-03-20',
    actualStart: '2026-03-02',
    actualEnd: '2026-03-20',
    completionDeclaredAt: '2026-03-21',
    realisationRatePct: 100,
    exitReason: 'completed',
    lifecycle: 'completion_declared',
    payment: 'to_bill',
    ...overrides,
  })
}

/** The rule `rule` of a pair. */
function rule(rules: IlaRuleResult[], id: string): IlaRuleResult {
  const found = rules.find((r) => r.rule === id)
  expect(found, `rule ${id} in ${JSON.stringify(rules)}`).not.to.equal(undefined)
  return found as IlaRuleResult
}

/** The failed and warned rules of a pair, as `rule:code`. */
function notPassed(rules: IlaRuleResult[]): string[] {
  return rules.filter((r) => r.status !== 'pass').map((r) => `${r.rule}:${r.code}`)
}

describe('ILA linking', function () {
  this.timeout(180_000)
  let home: string
  let ctx: AppContext
  let now = ISSUED
  const clock: Clock = () => new Date(now)
  const dids: Record<string, string> = {}
  const courses: Record<string, CourseRecord> = {}
  let learner: Record<string, unknown>
  /** Issued credentials, by name. */
  const issued: Record<string, { id: string; credential: Credential }> = {}

  async function issue(
    name: string,
    options: {
      tenant?: string
      course?: string
      format?: 'elm' | 'edc'
      at?: string
      learner?: Record<string, unknown>
    },
  ): Promise<void> {
    now = options.at ?? ISSUED
    const result = await issueMicrocredential(
      { ...ctx, clock },
      {
        tenantSlug: options.tenant ?? 'acme',
        course: courses[`${options.tenant ?? 'acme'}:${options.course ?? PY}`] as CourseRecord,
        learner: { ...learner, ...options.learner },
        format: options.format ?? 'elm',
      },
    )
    issued[name] = { id: result.record.id, credential: result.credential }
  }

  const activity = { startDate: '2026-03-02', endDate: '2026-03-20' }

  before(async () => {
    home = await mkdtemp(join(tmpdir(), 'mc-ila-link-'))
    await writeFile(join(home, 'microcred.json'), JSON.stringify({ publicBaseUrl: 'http://localhost:7791' }))
    expect((await cli(home, ['init'])).code).to.equal(0)
    dids.default = (await cli(home, ['issuer', 'show'])).json().issuer.did as string
    for (const slug of ['acme', 'rogue', 'certif', 'op']) {
      const added = await cli(home, ['tenants', 'add', slug, '--name', slug])
      expect(added.code, added.err).to.equal(0)
      dids[slug] = added.json().issuer.did as string
    }
    ctx = await createContext(loadConfig({ env: { MICROCRED_HOME: home }, cwd: home }), { clock })
    const example = JSON.parse(await readFile(join(EXAMPLES, 'course.json'), 'utf8')) as Record<
      string,
      unknown
    >
    const courseOf = (id: string, offerId: string) => ({
      ...example,
      id,
      ects: 2,
      workloadHours: 35,
      ilaOffer: { registry: 'EDOF', offerId },
      awardingBody: {
        legalName: { en: 'Acme Training', fr: 'Acme Formation' },
        country: 'FR',
        legalIdentifier: { notation: EIDAS, country: 'FR' },
      },
    })
    for (const tenantSlug of ['acme', 'rogue', 'certif', 'default']) {
      for (const [id, offer] of [
        [PY, 'ACME-PY-101'],
        [SQL, 'ACME-SQL-201'],
      ] as const) {
        const added = await addCourse({ ...ctx, clock }, { tenantSlug, course: courseOf(id, offer) })
        courses[`${tenantSlug}:${id}`] = added.record
      }
    }
    learner = {
      ...(JSON.parse(await readFile(join(EXAMPLES, 'learner.json'), 'utf8')) as Record<string, unknown>),
      activity,
    }
    delete learner.awardingDate
    delete learner.ilaLinkToken

    const withToken = (n: number | string, extra: Record<string, unknown> = {}) => ({
      learner: { ilaLinkToken: token(n), ...extra },
    })
    await issue('elm', withToken(1))
    await issue('edc', { ...withToken(2), format: 'edc' })
    await issue('tampered', withToken(3))
    await issue('revoked', { ...withToken(4), format: 'edc' })
    await issue('rogue', { ...withToken(5), tenant: 'rogue' })
    await issue('unknown', { ...withToken(6), tenant: 'default' })
    await issue('certifier', { ...withToken(7), tenant: 'certif' })
    await issue('mismatch', withToken(8))
    await issue('fallback', {
      at: '2026-09-30T10:00:00Z',
      learner: { activity: { startDate: '2026-09-07', endDate: '2026-09-25' } },
    })
    await issue('otherCourse', { ...withToken(10), course: SQL })
    await issue('early', { ...withToken(11), at: '2026-02-25T10:00:00Z' })
    await issue('late', withToken(12, { activity: { startDate: '2025-11-03', endDate: '2025-11-20' } }))
    await issue('notRealised', withToken(13))
    await issue('duplicate', withToken(1))
    await issue('cancelled', withToken(15))
    await issue('unaccredited', withToken(16))
    await issue('foreign', withToken(17))
    await issue('expensive', withToken(18))
    await issue('ambiguous', withToken(19))
    await issue('jsonl1', withToken(20))
    await issue('jsonl2', { ...withToken(21), format: 'edc' })
    await issue('http1', withToken(22))
    await issue('http2', { ...withToken(23), format: 'edc' })
    now = ISSUED
    await changeStatus(
      { ...ctx, clock },
      {
        tenantSlug: 'acme',
        actor: 'registrar@acme.example',
        changes: [
          { credentialId: issued.revoked?.id as string, action: 'revoke', reason: 'Awarded in error' },
        ],
      },
    )
  })

  after(async () => {
    await ctx?.close()
    if (home) await rm(home, { recursive: true, force: true })
  })

  const providers = () => [
    {
      providerId: 'prov-acme',
      legalIds: [
        { scheme: 'SIRET', value: '12345678900011' },
        { scheme: 'EIDAS', value: EIDAS },
      ],
      issuerKeys: [dids.acme],
      accreditations: [
        { type: 'Qualiopi', validFrom: '2024-01-01', validUntil: '2027-12-31', status: 'active' },
      ],
      habilitations: [
        { certificationCode: 'RNCP37274', certifierId: 'prov-certif', validFrom: '2024-01-01' },
      ],
    },
    {
      providerId: 'prov-rogue',
      legalIds: [{ scheme: 'SIRET', value: '99999999900099' }],
      issuerKeys: [dids.rogue],
      accreditations: [{ type: 'Qualiopi', validFrom: '2024-01-01', status: 'active' }],
    },
    {
      providerId: 'prov-certif',
      legalIds: [{ scheme: 'SIRET', value: '55555555500033' }],
      issuerKeys: [dids.certif],
      accreditations: [],
      awardingBodyFor: ['RNCP37274'],
    },
  ]

  const catalogue = [
    {
      registryId: 'EDOF',
      offerId: 'ACME-PY-101',
      providerId: 'prov-acme',
      certificationCode: 'RS5678',
      credentialExpected: true,
      achievementIds: [PY],
      plannedHours: 35,
      ectsCredits: 2,
      listPrice: { amountMinor: 150000, currency: 'EUR' },
      eligibleFrom: '2025-01-01',
    },
    {
      registryId: 'EDOF',
      offerId: 'ACME-SQL-201',
      providerId: 'prov-acme',
      certificationCode: 'RS9999',
      credentialExpected: true,
      achievementIds: [SQL],
      plannedHours: 35,
      listPrice: { amountMinor: 150000, currency: 'EUR' },
      eligibleFrom: '2025-01-01',
    },
  ]

  const records = () => [
    record(1),
    record(2),
    record(3),
    record(4, { payment: 'paid', amountPaidToProvider: { amountMinor: 50000, currency: 'EUR' } }),
    record(5),
    record(6),
    record(7, { catalogue: { registryId: 'EDOF', offerId: 'ACME-PY-101', certificationCode: 'RNCP37274' } }),
    record(8, { linkTokenDigest: digestOf(token('someone-else')) }),
    record(9, {
      plannedStart: '2026-09-07',
      plannedEnd: '2026-09-25',
      actualStart: '2026-09-07',
      actualEnd: '2026-09-25',
      linkTokenDigest: undefined,
    }),
    record(10),
    record(11),
    record(12, {
      requestedAt: '2025-10-01',
      plannedStart: '2025-11-03',
      plannedEnd: '2025-11-20',
      actualStart: '2025-11-03',
      actualEnd: '2025-11-20',
    }),
    record(13, { realisationRatePct: 20, exitReason: 'partial_learner' }),
    record(15, { lifecycle: 'cancelled_by_learner', cancelledAt: '2026-03-05', payment: 'not_billable' }),
    record(16, { requestedAt: '2023-11-15' }),
    record(17, { schemeId: 'SG-SFC' }),
    record(18, {
      agreedPrice: { amountMinor: 150000, currency: 'EUR' },
      funding: [{ funderType: 'ila_entitlement', amount: { amountMinor: 150000, currency: 'EUR' } }],
    }),
    record('19a', { linkTokenDigest: digestOf(token(19)) }),
    record('19b', { linkTokenDigest: digestOf(token(19)) }),
    record(20),
    record(21),
    record(22),
    record(23),
  ]

  /** Imports the registry, catalogue and records into `tenantSlug` of `storage`. */
  async function importData(storage: Storage, tenantSlug: string): Promise<void> {
    const files: Array<[IlaImportKind, unknown[]]> = [
      ['providers', providers()],
      ['catalogue', catalogue],
      ['records', records()],
    ]
    for (const [kind, items] of files) {
      await importIla(
        { storage, clock: fixedClock(ISSUED) },
        { tenantSlug, kind, format: 'jsonl', source: [jsonl(items)] },
      )
    }
  }

  forEachDialect('ILA linking', (getStorage: () => Storage) => {
    before(async () => {
      await getStorage().tenants.create({ id: 't-op', slug: 'op', name: 'Operator', createdAt: ISSUED })
      await importData(getStorage(), 'op')
    })

    /** Links `credentials` at `at`, with the verifier of the issuing instance (its keys and status lists). */
    async function link(
      credentials: unknown[],
    ): Promise<{ results: IlaLinkResult[]; summary: IlaLinkSummary }> {
      const run = linkCredentials(
        {
          storage: getStorage(),
          clock: fixedClock(LINKED),
          verifier: createVerifierDeps({ ...ctx, clock: fixedClock(LINKED) }, { remoteDidWeb: false }),
        },
        { tenantSlug: 'op', credentials },
      )
      const results: IlaLinkResult[] = []
      for (let next = await run.next(); ; next = await run.next()) {
        if (next.done) return { results, summary: next.value }
        results.push(next.value)
      }
    }

    async function linkOne(name: string): Promise<IlaLinkResult> {
      const { results } = await link([issued[name]?.credential])
      expect(results).to.have.length(1)
      return results[0] as IlaLinkResult
    }

    const tenantId = 't-op'

    it('matches an elm credential (VC-JOSE) to its record: every rule passes, facts and result are stored', async () => {
      const result = await linkOne('elm')
      expect(result.outcome, JSON.stringify(result)).to.equal('MATCHED')
      expect(result).to.include({ recordId: 'rec-1', credentialId: issued.elm?.id })
      const [pair] = result.pairs
      expect(pair?.rules.map((r) => r.rule)).to.deep.equal([
        'L0',
        'L1',
        'L2',
        'L3',
        'L4',
        'L5',
        'L6',
        'L7',
        'L8',
        'L9',
        'L10',
      ])
      expect(notPassed(pair?.rules ?? [])).to.deep.equal([])
      expect(rule(pair?.rules ?? [], 'L2').code).to.equal('L2_COMMITMENT_MATCH')

      const stored = await getStorage().ila.credentials.get(tenantId, issued.elm?.id as string)
      expect(stored).to.include({
        issuerDid: dids.acme,
        achievementId: PY,
        courseId: PY,
        offerRegistryId: 'EDOF',
        offerId: 'ACME-PY-101',
        awardingBodyId: EIDAS,
        country: 'FR',
        activityStart: '2026-03-02',
        activityEnd: '2026-03-20',
        issuedAt: '2026-03-25T10:00:00.000Z',
        validFrom: '2026-03-25T10:00:00.000Z',
        workloadHours: 35,
        ectsCredits: 2,
        fullCompletion: true,
        verified: true,
        revoked: false,
      })
      expect(stored?.subjectCommitment).to.match(/^sha256\$[0-9a-f]{32}\$[0-9a-f]{64}$/)
      expect(stored?.credentialDigest).to.equal(digestOf(issued.elm?.credential as string))
      const [row] = await getStorage().ila.linkResults.list({
        tenantId,
        credentialId: issued.elm?.id as string,
      })
      expect(row).to.include({
        recordId: 'rec-1',
        outcome: 'MATCHED',
        current: true,
        attemptId: result.attemptId,
      })
      expect(row?.rules).to.deep.equal(pair?.rules)
    })

    it('matches an edc credential (Data Integrity, VC 1.1) the same way', async () => {
      const result = await linkOne('edc')
      expect(result.outcome, JSON.stringify(result)).to.equal('MATCHED')
      expect(result.recordId).to.equal('rec-2')
      const stored = await getStorage().ila.credentials.get(tenantId, issued.edc?.id as string)
      expect(stored).to.include({ activityStart: '2026-03-02', workloadHours: 35, verified: true })
    })

    it('L0: a tampered credential is REJECTED, and nothing is linked on what it says', async () => {
      const [header, payload, signature] = (issued.tampered?.credential as string).split('.') as [
        string,
        string,
        string,
      ]
      const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>
      claims.validFrom = '2026-03-24T10:00:00Z'
      const forged = `${header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${signature}`
      const result = (await link([forged])).results[0] as IlaLinkResult
      expect(result.outcome).to.equal('REJECTED')
      expect(result.recordId).to.equal(null)
      expect(result.pairs).to.deep.equal([{ recordId: null, rules: [result.pairs[0]?.rules[0]] }])
      expect(rule(result.pairs[0]?.rules ?? [], 'L0')).to.include({ status: 'fail', code: 'L0_PROOF_FAILED' })
      const stored = await getStorage().ila.credentials.get(tenantId, issued.tampered?.id as string)
      expect(stored).to.include({ verified: false })
      expect(stored?.verificationCodes).to.include('PROOF_INVALID')
    })

    it('L0: a revoked credential is REJECTED, and a revocation after payment shows (L7)', async () => {
      const result = await linkOne('revoked')
      expect(result.outcome).to.equal('REJECTED')
      expect(result.recordId).to.equal(null)
      const [pair] = result.pairs
      expect(pair?.recordId).to.equal('rec-4')
      expect(rule(pair?.rules ?? [], 'L0')).to.include({ status: 'fail', code: 'L0_REVOKED' })
      expect(rule(pair?.rules ?? [], 'L7')).to.include({ status: 'fail', code: 'L7_REVOKED_AFTER_PAYMENT' })
      const stored = await getStorage().ila.credentials.get(tenantId, issued.revoked?.id as string)
      expect(stored).to.include({ revoked: true, verified: false })
    })

    it("L1: a credential whose issuer is another provider's key is REJECTED", async () => {
      const result = await linkOne('rogue')
      expect(result.outcome).to.equal('REJECTED')
      const [pair] = result.pairs
      expect(pair?.recordId).to.equal('rec-5')
      expect(rule(pair?.rules ?? [], 'L1')).to.include({ status: 'fail', code: 'L1_ISSUER_NOT_ALLOWED' })
      expect(rule(pair?.rules ?? [], 'L1').message).to.contain('prov-rogue')
      // The verifier trusts every issuer of this instance: legitimacy is the registry's to say, not its.
      expect(rule(pair?.rules ?? [], 'L0').status).to.equal('pass')
    })

    it('L1: a credential from an issuer the registry does not know is REJECTED', async () => {
      const result = await linkOne('unknown')
      expect(result.outcome).to.equal('REJECTED')
      expect(rule(result.pairs[0]?.rules ?? [], 'L1')).to.include({
        status: 'fail',
        code: 'L1_ISSUER_UNKNOWN',
      })
    })

    it('L1: a certifier the provider was habilitated for may issue', async () => {
      const result = await linkOne('certifier')
      expect(result.outcome, JSON.stringify(result)).to.equal('MATCHED')
      expect(rule(result.pairs[0]?.rules ?? [], 'L1').code).to.equal('L1_CERTIFIER_ALLOWED')
    })

    it('L2: a commitment no record recomputes is NO_MATCH', async () => {
      const result = await linkOne('mismatch')
      expect(result.outcome).to.equal('NO_MATCH')
      expect(result.pairs).to.have.length(1)
      expect(result.pairs[0]?.recordId).to.equal(null)
      expect(rule(result.pairs[0]?.rules ?? [], 'L2')).to.include({
        status: 'fail',
        code: 'L2_COMMITMENT_MISMATCH',
      })
      const [row] = await getStorage().ila.linkResults.list({
        tenantId,
        credentialId: issued.mismatch?.id as string,
      })
      expect(row).to.include({ recordId: null, outcome: 'NO_MATCH' })
    })

    it('L2: without a commitment, the one record of provider, course and dates is a fallback match', async () => {
      const result = await linkOne('fallback')
      expect(result.outcome, JSON.stringify(result)).to.equal('MATCHED_WITH_WARNINGS')
      expect(result.recordId).to.equal('rec-9')
      expect(notPassed(result.pairs[0]?.rules ?? [])).to.deep.equal(['L2:L2_FALLBACK_MATCH'])
    })

    it("L3: a credential for another course than the record's fails L3", async () => {
      const result = await linkOne('otherCourse')
      expect(result.outcome).to.equal('NO_MATCH')
      expect(result.pairs[0]?.recordId).to.equal('rec-10')
      expect(notPassed(result.pairs[0]?.rules ?? [])).to.deep.equal(['L3:L3_COURSE_MISMATCH'])
    })

    it('L4: a credential issued before the training started fails L4, on its record', async () => {
      const result = await linkOne('early')
      expect(result.outcome).to.equal('MATCHED_WITH_WARNINGS')
      expect(result.recordId).to.equal('rec-11')
      expect(rule(result.pairs[0]?.rules ?? [], 'L4')).to.include({
        status: 'fail',
        code: 'L4_ISSUED_BEFORE_START',
      })
      expect(notPassed(result.pairs[0]?.rules ?? [])).to.deep.equal(['L4:L4_ISSUED_BEFORE_START'])
    })

    it('L4: a credential issued long after the end is a warning', async () => {
      const result = await linkOne('late')
      expect(result.outcome).to.equal('MATCHED_WITH_WARNINGS')
      expect(notPassed(result.pairs[0]?.rules ?? [])).to.deep.equal(['L4:L4_LATE_ISSUANCE'])
    })

    it('L5: a full completion for a record realised at 20 % fails L5', async () => {
      const result = await linkOne('notRealised')
      expect(result.outcome).to.equal('MATCHED_WITH_WARNINGS')
      expect(rule(result.pairs[0]?.rules ?? [], 'L5')).to.include({
        status: 'fail',
        code: 'L5_COMPLETION_NOT_REALISED',
      })
    })

    it('L6: a second credential for the same award and record fails L6', async () => {
      await linkOne('elm')
      const result = await linkOne('duplicate')
      expect(result.outcome).to.equal('MATCHED_WITH_WARNINGS')
      expect(result.recordId).to.equal('rec-1')
      const l6 = rule(result.pairs[0]?.rules ?? [], 'L6')
      expect(l6).to.include({ status: 'fail', code: 'L6_DUPLICATE_CREDENTIAL' })
      expect(l6.message).to.contain(issued.elm?.id).and.to.contain('already matched')
    })

    it('L7: a credential for a cancelled record fails L7', async () => {
      const result = await linkOne('cancelled')
      expect(result.outcome).to.equal('MATCHED_WITH_WARNINGS')
      expect(notPassed(result.pairs[0]?.rules ?? [])).to.deep.equal(['L7:L7_RECORD_CANCELLED'])
    })

    it('L8: a record booked before the provider was accredited fails L8', async () => {
      const result = await linkOne('unaccredited')
      expect(result.outcome).to.equal('MATCHED_WITH_WARNINGS')
      expect(rule(result.pairs[0]?.rules ?? [], 'L8')).to.include({
        status: 'fail',
        code: 'L8_NOT_ACCREDITED_AT_BOOKING',
      })
    })

    it("L9: an awarding body outside the scheme's country is a warning", async () => {
      const result = await linkOne('foreign')
      expect(result.outcome).to.equal('MATCHED_WITH_WARNINGS')
      expect(notPassed(result.pairs[0]?.rules ?? [])).to.deep.equal(['L9:L9_COUNTRY_MISMATCH'])
    })

    it('L10: an unsupervised assessment for a high-value record is a warning', async () => {
      const result = await linkOne('expensive')
      expect(result.outcome).to.equal('MATCHED_WITH_WARNINGS')
      expect(notPassed(result.pairs[0]?.rules ?? [])).to.deep.equal(['L10:L10_UNSUPERVISED_HIGH_VALUE'])
    })

    it('AMBIGUOUS when two records recompute the commitment: one row per record', async () => {
      const result = await linkOne('ambiguous')
      expect(result.outcome).to.equal('AMBIGUOUS')
      expect(result.recordId).to.equal(null)
      expect(result.pairs.map((p) => p.recordId)).to.deep.equal(['rec-19a', 'rec-19b'])
      for (const pair of result.pairs) {
        expect(rule(pair.rules, 'L6')).to.include({ status: 'fail', code: 'L6_SEVERAL_RECORDS' })
      }
      const rows = await getStorage().ila.linkResults.list({
        tenantId,
        credentialId: issued.ambiguous?.id as string,
      })
      expect(rows.map((r) => [r.recordId, r.outcome]).sort()).to.deep.equal([
        ['rec-19a', 'AMBIGUOUS'],
        ['rec-19b', 'AMBIGUOUS'],
      ])
    })

    it('re-linking a credential replaces its current result and keeps the earlier ones', async () => {
      const id = issued.edc?.id as string
      const before = await getStorage().ila.linkResults.list({ tenantId, credentialId: id, all: true })
      const first = await getStorage().ila.credentials.get(tenantId, id)
      const result = await linkOne('edc')
      expect(result.outcome).to.equal('MATCHED')
      const all = await getStorage().ila.linkResults.list({ tenantId, credentialId: id, all: true })
      expect(all).to.have.length(before.length + 1)
      expect(all.filter((r) => r.current).map((r) => r.attemptId)).to.deep.equal([result.attemptId])
      const current = await getStorage().ila.linkResults.list({ tenantId, recordId: 'rec-2' })
      expect(current.map((r) => r.credentialId)).to.deep.equal([id])
      const again = await getStorage().ila.credentials.get(tenantId, id)
      expect(again?.submittedAt).to.equal(first?.submittedAt)
      expect(again).to.deep.equal(first)
    })

    it('links a JSON-lines file item by item: JWS lines, a pretty-printed document, an unreadable line', async () => {
      const text =
        `${issued.jsonl1?.credential as string}\n` +
        'this is no credential\n' +
        `${JSON.stringify(issued.jsonl2?.credential, null, 2)}\n` +
        `{"@context": ["https://www.w3.org/ns/credentials/v2"], "type": \n` +
        `${JSON.stringify({ id: `data:application/vc+jwt,${issued.jsonl1?.credential as string}`, '@context': 'https://www.w3.org/ns/credentials/v2', type: 'EnvelopedVerifiableCredential' })}\n`
      const pieces: string[] = []
      for (let i = 0; i < text.length; i += 97) pieces.push(text.slice(i, i + 97))
      const { results, summary } = await link(await collect(readCredentialTexts(pieces)))
      expect(results.map((r) => [r.item, r.outcome, r.recordId])).to.deep.equal([
        [1, 'MATCHED', 'rec-20'],
        [2, 'REJECTED', null],
        [3, 'MATCHED', 'rec-21'],
        [4, 'REJECTED', null],
        [5, 'MATCHED', 'rec-20'],
      ])
      expect(rule(results[1]?.pairs[0]?.rules ?? [], 'L0').code).to.equal('L0_NOT_A_CREDENTIAL')
      expect(results[1]?.credentialId).to.equal(null)
      expect(summary).to.deep.equal({
        total: 5,
        stored: 3,
        outcomes: { MATCHED: 3, MATCHED_WITH_WARNINGS: 0, AMBIGUOUS: 0, NO_MATCH: 0, REJECTED: 2 },
      })
      // The enveloped form of the same JWS is the same credential: linked again, it is current once.
      const current = await getStorage().ila.linkResults.list({ tenantId, recordId: 'rec-20' })
      expect(current.map((r) => r.credentialId)).to.deep.equal([issued.jsonl1?.id])
    })

    it('refuses an input without any item', async () => {
      const err = await link([]).then(
        () => undefined,
        (e: unknown) => e,
      )
      expect(err).to.have.property('code', 'ERR_VALIDATION')
    })

    it('pages the current results by outcome', async () => {
      const page = await getStorage().ila.linkResults.page({ tenantId, outcome: 'AMBIGUOUS', limit: 1 })
      expect(page).to.have.length(1)
      const next = await getStorage().ila.linkResults.page({
        tenantId,
        outcome: 'AMBIGUOUS',
        limit: 10,
        after: page[0]?.id as string,
      })
      expect([...page, ...next].map((r) => r.recordId).sort()).to.deep.equal(['rec-19a', 'rec-19b'])
      expect(await getStorage().ila.linkResults.page({ tenantId: 'nobody' })).to.deep.equal([])
    })
  })

  describe('microcred ila link and the HTTP routes', () => {
    before(async () => {
      await importData(ctx.storage, 'op')
    })

    it('links a JSON-lines file: the summary on stdout, each result in --out, exit 0', async () => {
      const file = join(home, 'credentials.jsonl')
      await writeFile(
        file,
        `${issued.http1?.credential as string}\n${JSON.stringify(issued.http2?.credential)}\n`,
      )
      const run = await cli(
        home,
        ['ila', 'link', 'credentials.jsonl', '--tenant', 'op', '--out', 'results.jsonl'],
        {
          overrides: { clock: fixedClock(LINKED) },
        },
      )
      expect(run.code, run.err).to.equal(0)
      expect(run.json()).to.deep.equal({
        total: 2,
        stored: 2,
        outcomes: { MATCHED: 2, MATCHED_WITH_WARNINGS: 0, AMBIGUOUS: 0, NO_MATCH: 0, REJECTED: 0 },
      })
      const lines = (await readFile(join(home, 'results.jsonl'), 'utf8')).trim().split('\n')
      expect(lines.map((l) => (JSON.parse(l) as IlaLinkResult).recordId)).to.deep.equal(['rec-22', 'rec-23'])
      // Nothing of the learner reaches the terminal.
      expect(run.err).not.to.contain('Camille')
    })

    it('reads standard input with -, and refuses an unknown tenant', async () => {
      let out = ''
      let err = ''
      const { runCli } = await import('../../../src/cli/run-cli.js')
      const code = await runCli(['ila', 'link', '-', '--tenant', 'op'], {
        env: { MICROCRED_HOME: home, MICROCRED_LOG_LEVEL: 'silent' },
        cwd: home,
        io: {
          out: (t) => void (out += t),
          err: (t) => void (err += t),
          stdin: async function* () {
            yield Buffer.from(`${issued.http1?.credential as string}\n`)
          },
        },
        overrides: { clock: fixedClock(LINKED) },
      })
      expect(code, err).to.equal(0)
      expect(JSON.parse(out)).to.include({ total: 1, stored: 1 })
      const unknown = await cli(home, ['ila', 'link', 'credentials.jsonl', '--tenant', 'nobody'])
      expect(unknown.code).to.equal(1)
      expect(unknown.err).to.contain('ERR_NOT_FOUND')
    })

    it('POST /ila/link takes a JSON body or JSON lines; GET /ila/links lists the current results', async () => {
      const app = createApp({
        ctx: { ...ctx, clock: fixedClock(LINKED) },
        verifier: createVerifierDeps({ ...ctx, clock: fixedClock(LINKED) }),
        logger: pino({ level: 'silent' }),
      })
      const bearer = (await createApiToken(ctx, { tenantSlug: 'op', scopes: ['ila:write', 'ila:read'] }))
        .token
      const json = await request(app)
        .post('/ila/link')
        .set('Authorization', `Bearer ${bearer}`)
        .send({ verifiableCredential: [issued.http1?.credential, issued.http2?.credential] })
      expect(json.status, json.text).to.equal(200)
      expect(json.headers['cache-control']).to.equal('no-store')
      expect(json.body.results.map((r: IlaLinkResult) => [r.outcome, r.recordId])).to.deep.equal([
        ['MATCHED', 'rec-22'],
        ['MATCHED', 'rec-23'],
      ])
      expect(json.body.summary).to.include({ total: 2, stored: 2 })

      const lines = await request(app)
        .post('/ila/link')
        .set('Authorization', `Bearer ${bearer}`)
        .type('application/jsonl')
        .send(`${issued.http1?.credential as string}\nnot a credential\n`)
      expect(lines.status, lines.text).to.equal(200)
      expect(lines.body.results.map((r: IlaLinkResult) => r.outcome)).to.deep.equal(['MATCHED', 'REJECTED'])

      const empty = await request(app)
        .post('/ila/link')
        .set('Authorization', `Bearer ${bearer}`)
        .send({ verifiableCredential: [] })
      expect(empty.status).to.equal(400)
      const wrongType = await request(app)
        .post('/ila/link')
        .set('Authorization', `Bearer ${bearer}`)
        .type('text/csv')
        .send('a,b\n')
      expect(wrongType.status).to.equal(415)

      const links = await request(app)
        .get('/ila/links?outcome=MATCHED&limit=1')
        .set('Authorization', `Bearer ${bearer}`)
      expect(links.status).to.equal(200)
      expect(links.body.links).to.have.length(1)
      expect(links.body.links[0]).to.include({ outcome: 'MATCHED' }).and.not.to.have.property('tenantId')
      expect(links.body.next).to.equal(links.body.links[0].id)
      const bad = await request(app).get('/ila/links?outcome=MAYBE').set('Authorization', `Bearer ${bearer}`)
      expect(bad.status).to.equal(400)
    })
  })
})

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = []
  for await (const item of items) out.push(item)
  return out
}
