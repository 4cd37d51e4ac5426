/**
 * Linking submitted credentials to spending records (see `docs/ila.md`, "Linking"): each credential is
 * verified (L0), the records it may be for are found, the rules L1-L10 are evaluated for each, and the outcome
 * decided. The credential's facts are upserted into `ila_credentials` and the attempt appended to
 * `ila_link_results`, where it becomes the credential's current result; earlier attempts stay as history.
 *
 * Finding the record. The commitment `sha256$<salt>$<SHA-256(salt || SHA-256(token))>` has a salt of its
 * own in every credential, so no index can look it up: it is recomputed from each candidate record's
 * `linkTokenDigest`. Candidates are narrowed in SQL first, by what the credential says and indexes serve: the
 * records of the offer it names, of the offers its achievement belongs to, and of the providers whose issuer
 * keys hold its issuer (so that a credential for another course, or from the wrong issuer, still finds its
 * record and fails L3 or L1 instead of matching nothing), whose planned period comes within
 * `candidateWindowDays` of the credential's activity. What remains costs one hash per candidate (about a
 * microsecond): the sessions of one offer around the same dates, whose candidates are read once for all the
 * credentials of a page. Without a commitment in the credential, or a digest in the record, a record of the
 * issuer's provider and the same course whose dates fit is a fallback match (L2 warns).
 *
 * Memory stays flat whatever the number of credentials: credentials are read one at a time, a few verified
 * at once, reduced to their facts, and written a page at a time, each page in one transaction. Results come
 * out once their page is written.
 */
import { createHash, randomUUID } from 'node:crypto'
import type { Clock } from '../clock.js'
import { ValidationError } from '../errors.js'
import { getTenant } from '../issuer/issuer-identity.js'
import type {
  IlaCatalogueRecord,
  IlaCredentialRecord,
  IlaLinkCandidate,
  IlaLinkCandidateQuery,
  IlaLinkOutcome,
  IlaLinkResultRecord,
  IlaProviderRecord,
  IlaRuleResult,
  IlaSpendingRecordRow,
  Storage,
} from '../storage/storage.js'
import { parseVerifiable } from '../verifier/parse-input.js'
import type { VerifierDeps } from '../verifier/types.js'
import { verifyParsedCredential } from '../verifier/verify-credential.js'
import { commitmentMatches, linkTokenDigestBytes } from './commitment.js'
import { credentialFacts, type IlaCredentialFacts } from './credential-facts.js'
import {
  addDays,
  DEFAULT_ILA_LINK_OPTIONS,
  isBefore,
  linkOutcome,
  notACredential,
  ruleL0,
  ruleL1,
  ruleL10,
  ruleL2,
  ruleL3,
  ruleL4,
  ruleL5,
  ruleL6,
  ruleL7,
  ruleL8,
  ruleL9,
  ruleResult,
  type IlaLinkOptions,
  type IlaPairContext,
  type IlaVerificationOutcome,
} from './link-rules.js'

export interface IlaLinkDeps {
  storage: Storage
  clock: Clock
  /**
   * The verifier's dependencies, for L0. Its trusted-issuer registry plays no part: whether an issuer may
   * issue for a provider is the provider registry's to say (L1).
   */
  verifier: VerifierDeps
}

export interface IlaLinkInput {
  /** The operator's tenant; `default` when absent. */
  tenantSlug?: string
  /**
   * The credentials, each in any form the verifier takes: a compact JWS, an `EnvelopedVerifiableCredential`,
   * a Data Integrity credential, or the JSON text of one (see `readCredentialTexts` for files).
   */
  credentials: AsyncIterable<unknown> | Iterable<unknown>
  options?: IlaLinkOptions
}

/** One (credential, record) pair of an attempt, with the rules evaluated for it, L0 first. */
export interface IlaLinkPair {
  /** `null` when no record was a candidate. */
  recordId: string | null
  rules: IlaRuleResult[]
}

/** The result of linking one credential. */
export interface IlaLinkResult {
  /** 1-based position of the credential in the input. */
  item: number
  /** `null` for input that is no credential (nothing is stored for it). */
  credentialId: string | null
  attemptId: string | null
  outcome: IlaLinkOutcome
  /** The record linked: set for MATCHED and MATCHED_WITH_WARNINGS only. */
  recordId: string | null
  /** Every candidate record, or one pair without a record. */
  pairs: IlaLinkPair[]
}

/** What a run of {@link linkCredentials} did. */
export interface IlaLinkSummary {
  /** Items read. */
  total: number
  /** Credentials whose facts and attempt were stored (items that are no credential are not). */
  stored: number
  outcomes: Record<IlaLinkOutcome, number>
}

export const ILA_LINK_OUTCOMES: readonly IlaLinkOutcome[] = [
  'MATCHED',
  'MATCHED_WITH_WARNINGS',
  'AMBIGUOUS',
  'NO_MATCH',
  'REJECTED',
]

/** Credentials written per transaction. */
const PAGE = 500
/** Credentials verified at once. */
const CONCURRENCY = 8
/** Candidate records read per statement. */
const POOL_PAGE = 1000
/**
 * Candidate records kept for a page of credentials: the credentials of one cohort search the same records,
 * which are then read once for the whole page. A larger set of candidates is read again for each credential.
 */
const POOL_CACHE_ROWS = 20_000
/** Candidate records kept for one credential: more is AMBIGUOUS all the same. */
const MAX_CANDIDATES = 50
/** Entries of each registry cache; a cache is emptied when full. */
const CACHE_LIMIT = 10_000

const MATCHED_OUTCOMES = new Set<string>(['MATCHED', 'MATCHED_WITH_WARNINGS'])

/** A credential verified, read and evaluated, except for L6, which depends on the page it is written with. */
interface Prepared {
  item: number
  l0: IlaVerificationOutcome
  /** Absent for input that is no credential. */
  facts?: IlaCredentialFacts
  /** The candidate records, by record id, each with its rules but L0 and L6. */
  candidates: Array<{ record: IlaSpendingRecordRow; rules: IlaRuleResult[] }>
  /** L2 when no record was a candidate and the facts could be trusted. */
  noCandidate?: IlaRuleResult
  fingerprint: string
}

interface Evaluated {
  result: IlaLinkResult
  credential?: IlaCredentialRecord
  rows: IlaLinkResultRecord[]
}

type Settled<T> = { value: T } | { error: unknown }

function settle<T>(promise: Promise<T>): Promise<Settled<T>> {
  return promise.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  )
}

async function unsettle<T>(promises: Array<Promise<Settled<T>>>): Promise<T[]> {
  const settled = await Promise.all(promises)
  const failed = settled.find((s) => 'error' in s)
  if (failed !== undefined) throw (failed as { error: unknown }).error
  return settled.map((s) => (s as { value: T }).value)
}

/** `load(key)` once per key, the promise shared by concurrent callers; a failure is not kept. */
function cached<T>(cache: Map<string, Promise<T>>, key: string, load: () => Promise<T>): Promise<T> {
  let pending = cache.get(key)
  if (pending === undefined) {
    if (cache.size >= CACHE_LIMIT) cache.clear()
    pending = load()
    cache.set(key, pending)
    pending.catch(() => cache.delete(key))
  }
  return pending
}

function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex')
}

/**
 * The same award, whoever signed it when: issuer, learner, course and activity dates. The learner is the
 * matched record's link token digest, which stays the same when a credential is re-issued with a new salt;
 * failing that the commitment, or the subject id.
 */
function fingerprintOf(facts: IlaCredentialFacts, learner: string | null): string {
  const subject =
    learner ??
    facts.commitments[0]?.notation ??
    (facts.subjectId === null ? '' : `subject:${facts.subjectId}`)
  return sha256(
    JSON.stringify([
      facts.issuerDid,
      subject,
      facts.achievementId ?? facts.courseId,
      facts.offerRegistryId,
      facts.offerId,
      facts.activityStart,
      facts.activityEnd,
    ]),
  )
}

function offerKey(registryId: string, offerId: string): string {
  return JSON.stringify([registryId, offerId])
}

function checkOptions(options: IlaLinkOptions | undefined): Required<IlaLinkOptions> {
  const resolved = { ...DEFAULT_ILA_LINK_OPTIONS, ...options }
  for (const [name, value] of Object.entries(resolved)) {
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
      throw new TypeError(`ILA link option ${name} must be a non-negative number`)
    }
  }
  return resolved
}

/** One run of linking for one tenant: registry caches, the page being written, the counts. */
class LinkRun {
  readonly summary: IlaLinkSummary = {
    total: 0,
    stored: 0,
    outcomes: { MATCHED: 0, MATCHED_WITH_WARNINGS: 0, AMBIGUOUS: 0, NO_MATCH: 0, REJECTED: 0 },
  }
  // What a page of credentials reads of the registry, the catalogue and the records, read once for the page:
  // a page sees the data as they were when it started.
  private readonly providers = new Map<string, Promise<IlaProviderRecord | undefined>>()
  private readonly issuerProviders = new Map<string, Promise<string[]>>()
  private readonly achievements = new Map<string, Promise<IlaCatalogueRecord[]>>()
  private readonly offers = new Map<string, Promise<IlaCatalogueRecord[]>>()
  /** Candidate records by query; `undefined` when too many to keep. */
  private readonly pools = new Map<string, Promise<PoolRow[] | undefined>>()

  constructor(
    private readonly deps: IlaLinkDeps,
    private readonly tenantId: string,
    private readonly options: Readonly<Required<IlaLinkOptions>>,
  ) {}

  private get ila() {
    return this.deps.storage.ila
  }

  private provider(providerId: string): Promise<IlaProviderRecord | undefined> {
    return cached(this.providers, providerId, () => this.ila.providers.get(this.tenantId, providerId))
  }

  private providersOfIssuer(facts: IlaCredentialFacts): Promise<string[]> {
    const keys = [facts.issuerDid, ...(facts.signingKeyId === null ? [] : [facts.signingKeyId])].filter(
      (k) => k !== '',
    )
    return cached(this.issuerProviders, JSON.stringify(keys), () =>
      keys.length === 0 ? Promise.resolve([]) : this.ila.providers.findByIssuerKey(this.tenantId, keys),
    )
  }

  private entriesOfAchievement(achievementId: string): Promise<IlaCatalogueRecord[]> {
    return cached(this.achievements, achievementId, () =>
      this.ila.catalogue.findByAchievement(this.tenantId, [achievementId]),
    )
  }

  /** Every version of an offer, the unversioned entry first. */
  private entriesOfOffer(registryId: string, offerId: string): Promise<IlaCatalogueRecord[]> {
    return cached(this.offers, offerKey(registryId, offerId), async () => {
      const keys = await this.ila.catalogue.findOffers(this.tenantId, [
        { registryId, offerId, version: null },
      ])
      const entries: IlaCatalogueRecord[] = []
      for (const key of keys.filter((k) => k.registryId === registryId)) {
        const entry = await this.ila.catalogue.get(this.tenantId, key)
        if (entry !== undefined) entries.push(entry)
      }
      return entries.sort((a, b) =>
        a.version === null ? -1 : b.version === null ? 1 : a.version.localeCompare(b.version),
      )
    })
  }

  /** The entries a record books: its version, or every version when it names none. */
  private async entriesOf(record: IlaSpendingRecordRow): Promise<IlaCatalogueRecord[]> {
    const all = await this.entriesOfOffer(record.registryId, record.offerId)
    return record.offerVersion === null ? all : all.filter((e) => e.version === record.offerVersion)
  }

  /** Verifies, reads and evaluates one item (every rule but L6). */
  async prepare(raw: unknown, item: number): Promise<Prepared> {
    const parsed = parseVerifiable(raw)
    if (parsed.kind === 'unparseable')
      return { item, l0: notACredential(parsed.check.code), candidates: [], fingerprint: '' }
    if (parsed.kind === 'presentation') {
      return { item, l0: notACredential('FORMAT_NOT_A_CREDENTIAL'), candidates: [], fingerprint: '' }
    }
    const verification = await verifyParsedCredential(parsed, this.deps.verifier)
    const l0 = ruleL0(verification)
    const facts = credentialFacts(parsed)
    // An unverified signature says nothing about who issued what for whom: nothing is linked on it.
    if (!l0.trusted) return { item, l0, facts, candidates: [], fingerprint: fingerprintOf(facts, null) }

    const issuerProviders = await this.providersOfIssuer(facts)
    const achievementEntries =
      facts.achievementId === null ? [] : await this.entriesOfAchievement(facts.achievementId)
    const offerEntries =
      facts.offerRegistryId === null || facts.offerId === null
        ? []
        : await this.entriesOfOffer(facts.offerRegistryId, facts.offerId)
    const found = await this.search(facts, issuerProviders, achievementEntries)
    if (found.rows.length === 0) {
      return {
        item,
        l0,
        facts,
        candidates: [],
        noCandidate: noCandidateRule(facts, found.searched, this.options.candidateWindowDays),
        fingerprint: fingerprintOf(facts, null),
      }
    }
    const now = this.deps.clock().toISOString()
    const records = await this.ila.records.getMany(
      this.tenantId,
      found.rows.map((r) => r.recordId),
    )
    const candidates: Prepared['candidates'] = []
    for (const record of records) {
      const provider = await this.provider(record.providerId)
      const certifiers = new Map<string, IlaProviderRecord>()
      for (const h of provider?.habilitations ?? []) {
        const certifier = await this.provider(h.certifierId)
        if (certifier !== undefined) certifiers.set(certifier.providerId, certifier)
      }
      const context: IlaPairContext = {
        facts,
        record,
        provider,
        certifiers,
        entries: await this.entriesOf(record),
        achievementEntries,
        offerEntries,
        issuerProviders,
        match: found.kind,
        revoked: l0.revoked,
        suspended: l0.suspended,
        now,
        options: this.options,
      }
      candidates.push({
        record,
        rules: [
          ruleL1(context),
          ruleL2(context),
          ruleL3(context),
          ruleL4(context),
          ruleL5(context),
          ruleL7(context),
          ruleL8(context),
          ruleL9(context),
          ruleL10(context),
        ],
      })
    }
    const digests = new Set(found.rows.map((r) => r.linkTokenDigest))
    const learner = found.kind === 'commitment' && digests.size === 1 ? ([...digests][0] ?? null) : null
    return { item, l0, facts, candidates, fingerprint: fingerprintOf(facts, learner) }
  }

  /** The candidate records of a credential: see the module comment. */
  private async search(
    facts: IlaCredentialFacts,
    issuerProviders: string[],
    achievementEntries: IlaCatalogueRecord[],
  ): Promise<{ kind: 'commitment' | 'fallback'; rows: IlaLinkCandidate[]; searched: boolean }> {
    const offers = new Map<string, { registryId: string; offerId: string }>()
    if (facts.offerRegistryId !== null && facts.offerId !== null) {
      offers.set(offerKey(facts.offerRegistryId, facts.offerId), {
        registryId: facts.offerRegistryId,
        offerId: facts.offerId,
      })
    }
    for (const e of achievementEntries) {
      offers.set(offerKey(e.registryId, e.offerId), { registryId: e.registryId, offerId: e.offerId })
    }
    if (offers.size === 0 && issuerProviders.length === 0)
      return { kind: 'commitment', rows: [], searched: false }

    const { candidateWindowDays: window, activityToleranceDays: tolerance, maxIssueLagDays } = this.options
    const issued = facts.validFrom ?? facts.issuedAt
    const from = facts.activityStart ?? facts.activityEnd ?? issued
    const until = facts.activityEnd ?? issued ?? from
    // Without activity dates, the training ended some time before issuance: as long as L4 tolerates.
    const before =
      facts.activityStart === null && facts.activityEnd === null ? window + maxIssueLagDays : window
    const fallbackAllowed = !facts.malformedCommitment
    const fits = (row: IlaLinkCandidate) => {
      if (!issuerProviders.includes(row.providerId) || !offers.has(offerKey(row.registryId, row.offerId)))
        return false
      const { activityStart: start, activityEnd: end } = facts
      if (start === null || end === null) return false
      const recordStart = addDays(row.actualStart ?? row.plannedStart, -tolerance)
      const recordEnd = addDays(row.actualEnd ?? row.plannedEnd, tolerance)
      return !isBefore(end, recordStart) && !isBefore(recordEnd, start)
    }
    const matches: IlaLinkCandidate[] = []
    const fallback: IlaLinkCandidate[] = []
    const consider = ({ row, digest }: PoolRow) => {
      if (digest !== undefined && facts.commitments.some((c) => commitmentMatches(c, digest))) {
        if (matches.length < MAX_CANDIDATES) matches.push(row)
      } else if (
        fallbackAllowed &&
        (facts.commitments.length === 0 || digest === undefined) &&
        fallback.length < MAX_CANDIDATES &&
        fits(row)
      ) {
        fallback.push(row)
      }
    }
    const query: IlaLinkCandidateQuery = {
      tenantId: this.tenantId,
      offers: [...offers.values()].sort((a, b) =>
        offerKey(a.registryId, a.offerId).localeCompare(offerKey(b.registryId, b.offerId)),
      ),
      providerIds: issuerProviders,
      ...(until === null ? {} : { plannedStartBefore: addDays(until, window + 1) }),
      ...(from === null ? {} : { plannedEndFrom: addDays(from, -before) }),
      limit: POOL_PAGE,
    }
    const pool = await this.pool(query)
    if (pool !== undefined) pool.forEach(consider)
    else for await (const rows of this.candidatePages(query)) rows.forEach(consider)
    return matches.length > 0
      ? { kind: 'commitment', rows: matches, searched: true }
      : { kind: 'fallback', rows: fallback, searched: true }
  }

  /** The candidate records of `query`, a page of them at a time, with their digests as bytes. */
  private async *candidatePages(query: IlaLinkCandidateQuery): AsyncGenerator<PoolRow[]> {
    let after: string | undefined
    for (;;) {
      const rows = await this.ila.records.findLinkCandidates({
        ...query,
        ...(after === undefined ? {} : { after }),
      })
      yield rows.map((row) => ({
        row,
        digest: row.linkTokenDigest === null ? undefined : linkTokenDigestBytes(row.linkTokenDigest),
      }))
      const last = rows[rows.length - 1]
      if (rows.length < query.limit || last === undefined) return
      after = last.recordId
    }
  }

  /** Every candidate record of `query`, read once for the page; `undefined` when there are too many to keep. */
  private pool(query: IlaLinkCandidateQuery): Promise<PoolRow[] | undefined> {
    return cached(this.pools, JSON.stringify(query), async () => {
      const rows: PoolRow[] = []
      for await (const page of this.candidatePages(query)) {
        rows.push(...page)
        if (rows.length > POOL_CACHE_ROWS) return undefined
      }
      return rows
    })
  }

  /** Decides L6 and the outcome of a page's credentials, writes them, and gives their results in order. */
  async *flush(page: Prepared[]): AsyncGenerator<IlaLinkResult> {
    for (const cache of [this.providers, this.issuerProviders, this.achievements, this.offers, this.pools]) {
      cache.clear()
    }
    const lookups = await this.pageLookups(page)
    const state: PageState = { credentials: new Map(), links: new Map() }
    let batch: Evaluated[] = []
    const inBatch = new Set<string>()
    for (const prepared of page) {
      const id = prepared.facts?.credentialId
      // A credential twice in one page: the first attempt is written before the second replaces it.
      if (id !== undefined && inBatch.has(id)) {
        yield* this.commit(batch)
        batch = []
        inBatch.clear()
      }
      batch.push(this.evaluate(prepared, lookups, state))
      if (id !== undefined) inBatch.add(id)
    }
    yield* this.commit(batch)
  }

  /** What L6 compares against, read once for a page: stored credentials and current links. */
  private async pageLookups(page: Prepared[]): Promise<PageLookups> {
    const credentials = page.filter((p) => p.facts !== undefined)
    const ids = credentials.map((p) => (p.facts as IlaCredentialFacts).credentialId)
    const byId = new Map<string, IlaCredentialRecord>()
    for (const c of await this.ila.credentials.getMany(this.tenantId, ids)) byId.set(c.credentialId, c)
    const byFingerprint = new Map<string, IlaCredentialRecord[]>()
    const fingerprints = credentials.filter((p) => p.candidates.length > 0).map((p) => p.fingerprint)
    for (const c of await this.ila.credentials.findByFingerprint(this.tenantId, fingerprints)) {
      byId.set(c.credentialId, c)
      byFingerprint.set(c.fingerprint, [...(byFingerprint.get(c.fingerprint) ?? []), c])
    }
    const recordIds = credentials.flatMap((p) => p.candidates.map((c) => c.record.recordId))
    const linksByRecord = new Map<string, IlaLinkResultRecord[]>()
    for (const row of await this.ila.linkResults.listCurrentForRecords(this.tenantId, recordIds)) {
      if (!MATCHED_OUTCOMES.has(row.outcome) || row.recordId === null) continue
      linksByRecord.set(row.recordId, [...(linksByRecord.get(row.recordId) ?? []), row])
    }
    const missing = [...linksByRecord.values()]
      .flat()
      .map((r) => r.credentialId)
      .filter((id) => !byId.has(id))
    for (const c of await this.ila.credentials.getMany(this.tenantId, missing)) byId.set(c.credentialId, c)
    return { byId, byFingerprint, linksByRecord }
  }

  private evaluate(prepared: Prepared, lookups: PageLookups, state: PageState): Evaluated {
    const { facts, l0 } = prepared
    if (facts === undefined) {
      return {
        result: {
          item: prepared.item,
          credentialId: null,
          attemptId: null,
          outcome: 'REJECTED',
          recordId: null,
          pairs: [{ recordId: null, rules: [l0.rule] }],
        },
        rows: [],
      }
    }
    const self = facts.credentialId
    const pairs: IlaLinkPair[] =
      prepared.candidates.length === 0
        ? [{ recordId: null, rules: [l0.rule, ...(prepared.noCandidate ? [prepared.noCandidate] : [])] }]
        : prepared.candidates.map(({ record, rules }) => {
            const l6 = ruleL6({
              recordId: record.recordId,
              candidates: prepared.candidates.length,
              idReused: this.idReused(facts, lookups, state),
              sameContent: this.sameContent(self, prepared.fingerprint, lookups, state),
              sameRecord: this.sameRecord(self, record.recordId, facts.achievementId, lookups, state),
            })
            const all = [l0.rule, ...rules, l6]
            return { recordId: record.recordId, rules: all.sort((a, b) => ruleNumber(a) - ruleNumber(b)) }
          })
    const outcome = linkOutcome(l0.rule, prepared.candidates.length === 0 ? [] : pairs.map((p) => p.rules))
    const linked = MATCHED_OUTCOMES.has(outcome) ? (pairs[0]?.recordId ?? null) : null

    state.credentials.set(self, {
      fingerprint: prepared.fingerprint,
      digest: facts.credentialDigest,
      revoked: l0.revoked,
    })
    state.links.set(self, linked === null ? [] : [{ recordId: linked, achievementId: facts.achievementId }])

    const now = this.deps.clock().toISOString()
    const attemptId = randomUUID()
    const credential: IlaCredentialRecord = {
      tenantId: this.tenantId,
      credentialId: self,
      credentialDigest: facts.credentialDigest,
      fingerprint: prepared.fingerprint,
      issuerDid: facts.issuerDid,
      subjectCommitment: facts.commitments[0]?.notation ?? null,
      achievementId: facts.achievementId,
      courseId: facts.courseId,
      offerRegistryId: facts.offerRegistryId,
      offerId: facts.offerId,
      awardingBodyId: facts.awardingBodyId,
      country: facts.country,
      activityStart: facts.activityStart,
      activityEnd: facts.activityEnd,
      issuedAt: facts.issuedAt,
      validFrom: facts.validFrom,
      validUntil: facts.validUntil,
      awardingDate: facts.awardingDate,
      workloadHours: facts.workloadHours,
      ectsCredits: facts.ectsCredits,
      fullCompletion: facts.fullCompletion,
      supervision: facts.supervision,
      verified: l0.verified,
      verificationCodes: l0.codes,
      revoked: l0.revoked,
      suspended: l0.suspended,
      submittedAt: now,
      updatedAt: now,
    }
    const rows = pairs.map((pair): IlaLinkResultRecord => ({
      id: randomUUID(),
      tenantId: this.tenantId,
      attemptId,
      credentialId: self,
      credentialDigest: facts.credentialDigest,
      recordId: pair.recordId,
      outcome,
      rules: pair.rules,
      issuerDid: facts.issuerDid,
      achievementId: facts.achievementId,
      courseId: facts.courseId,
      offerId: facts.offerId,
      issuedAt: facts.issuedAt,
      current: true,
      createdAt: now,
    }))
    return {
      result: { item: prepared.item, credentialId: self, attemptId, outcome, recordId: linked, pairs },
      credential,
      rows,
    }
  }

  /** The id was stored, or seen earlier in the page, with other content. */
  private idReused(facts: IlaCredentialFacts, lookups: PageLookups, state: PageState): boolean {
    const earlier =
      state.credentials.get(facts.credentialId)?.digest ??
      lookups.byId.get(facts.credentialId)?.credentialDigest
    return earlier !== undefined && earlier !== facts.credentialDigest
  }

  private revokedOf(credentialId: string, lookups: PageLookups, state: PageState): boolean {
    return state.credentials.get(credentialId)?.revoked ?? lookups.byId.get(credentialId)?.revoked ?? false
  }

  /** Other credentials of the same award: stored ones (unless re-linked in this page), and this page's. */
  private sameContent(
    self: string,
    fingerprint: string,
    lookups: PageLookups,
    state: PageState,
  ): IlaCardinalityEntry[] {
    const stored = (lookups.byFingerprint.get(fingerprint) ?? [])
      .filter((c) => c.credentialId !== self && !state.credentials.has(c.credentialId))
      .map((c) => ({ credentialId: c.credentialId, revoked: c.revoked }))
    const inPage = [...state.credentials]
      .filter(([id, c]) => id !== self && c.fingerprint === fingerprint)
      .map(([id, c]) => ({ credentialId: id, revoked: c.revoked }))
    return [...stored, ...inPage]
  }

  /** Other credentials matched to the record for the same achievement (either unknown counts as the same). */
  private sameRecord(
    self: string,
    recordId: string,
    achievementId: string | null,
    lookups: PageLookups,
    state: PageState,
  ): IlaCardinalityEntry[] {
    const same = (other: string | null) => other === null || achievementId === null || other === achievementId
    const stored = (lookups.linksByRecord.get(recordId) ?? [])
      .filter((r) => r.credentialId !== self && !state.links.has(r.credentialId) && same(r.achievementId))
      .map((r) => r.credentialId)
    const inPage = [...state.links]
      .filter(
        ([id, links]) => id !== self && links.some((l) => l.recordId === recordId && same(l.achievementId)),
      )
      .map(([id]) => id)
    return [...new Set([...stored, ...inPage])].map((credentialId) => ({
      credentialId,
      revoked: this.revokedOf(credentialId, lookups, state),
    }))
  }

  /** Writes a batch in one transaction, then gives its results. */
  private async *commit(batch: Evaluated[]): AsyncGenerator<IlaLinkResult> {
    const credentials = batch.flatMap((e) => (e.credential === undefined ? [] : [e.credential]))
    if (credentials.length > 0) {
      await this.deps.storage.transaction(async (tx) => {
        await tx.ila.credentials.upsertMany(credentials)
        await tx.ila.linkResults.append(batch.flatMap((e) => e.rows))
      })
    }
    for (const { result, credential } of batch) {
      this.summary.total++
      if (credential !== undefined) this.summary.stored++
      this.summary.outcomes[result.outcome]++
      yield result
    }
  }
}

type IlaCardinalityEntry = { credentialId: string; revoked: boolean }

/** A candidate record, with its link token digest as bytes (none when absent or malformed). */
interface PoolRow {
  row: IlaLinkCandidate
  digest: Buffer | undefined
}

interface PageLookups {
  byId: Map<string, IlaCredentialRecord>
  byFingerprint: Map<string, IlaCredentialRecord[]>
  /** Current MATCHED / MATCHED_WITH_WARNINGS rows by record. */
  linksByRecord: Map<string, IlaLinkResultRecord[]>
}

/** What the page's earlier credentials will have written, once it is committed. */
interface PageState {
  credentials: Map<string, { fingerprint: string; digest: string; revoked: boolean }>
  links: Map<string, Array<{ recordId: string; achievementId: string | null }>>
}

function ruleNumber(rule: IlaRuleResult): number {
  return Number(rule.rule.slice(1))
}

/** L2 when no record is a candidate. */
function noCandidateRule(facts: IlaCredentialFacts, searched: boolean, window: number): IlaRuleResult {
  if (facts.malformedCommitment && facts.commitments.length === 0) {
    return ruleResult(
      'L2',
      'fail',
      'L2_COMMITMENT_MALFORMED',
      'the ILA enrolment commitment is not of the form sha256$<salt>$<digest>',
    )
  }
  const where = searched
    ? `of the credential's offer, achievement or issuer planned within ${window} days of its dates`
    : 'could be searched: the credential names no catalogue offer or achievement, and its issuer is no provider key'
  return facts.commitments.length > 0
    ? ruleResult(
        'L2',
        'fail',
        'L2_COMMITMENT_MISMATCH',
        `no spending record ${where} recomputes the commitment`,
      )
    : ruleResult('L2', 'fail', 'L2_NO_CANDIDATE', `no link commitment, and no record ${where} fits`)
}

/**
 * Links credentials to the tenant's spending records, storing each credential's facts and attempt, and gives
 * each result once its page is written; the summary is the generator's return value.
 *
 * @throws ValidationError when the input holds no item at all.
 * @throws NotFoundError for an unknown tenant.
 *
 * @example
 * ```ts
 * const run = linkCredentials({ storage, clock, verifier }, { tenantSlug: 'op', credentials: [jws] })
 * for (let next = await run.next(); ; next = await run.next()) {
 *   if (next.done) { console.log(next.value.outcomes); break }
 *   console.log(next.value.outcome, next.value.recordId)
 * }
 * ```
 */
export async function* linkCredentials(
  deps: IlaLinkDeps,
  input: IlaLinkInput,
): AsyncGenerator<IlaLinkResult, IlaLinkSummary, undefined> {
  const options = checkOptions(input.options)
  const tenant = await getTenant(deps.storage, input.tenantSlug ?? 'default')
  const run = new LinkRun(deps, tenant.id, options)
  let page: Array<Promise<Settled<Prepared>>> = []
  let item = 0
  for await (const raw of input.credentials) {
    item++
    page.push(settle(run.prepare(raw, item)))
    // At most CONCURRENCY + 1 credentials in verification at once.
    if (page.length > CONCURRENCY) await page[page.length - 1 - CONCURRENCY]
    if (page.length >= PAGE) {
      yield* run.flush(await unsettle(page))
      page = []
    }
  }
  if (page.length > 0) yield* run.flush(await unsettle(page))
  if (run.summary.total === 0) {
    throw new ValidationError('No credentials to link', [
      { field: 'credentials', rule: 'minItems', message: 'the input holds no credential' },
    ])
  }
  return run.summary
}
