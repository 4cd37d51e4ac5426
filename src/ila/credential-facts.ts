/**
 * The facts linking reads from a credential: issuer, link commitment, course, dates, workload, awarding body,
 * supervision. Both envelopes microcred issues carry the same ELM body (`elm`: the VC 2.0 payload of a
 * compact JWS; `edc`: a VC 1.1 JSON-LD document), so one reader serves both; it reads the credential as
 * JSON, where the builder places each fact, and tolerates a single node where ELM allows a list.
 *
 * Nothing here is trusted by itself: facts are believed only when the proof check passed (see `link.ts`).
 * The learner's name, birth date and email are never read.
 */
import { createHash } from 'node:crypto'
import canonicalize from 'canonicalize'
import { COURSE_IDENTIFIER_SCHEME_NAME, ILA_COMMITMENT_SCHEME_NAME } from '../model/build-microcredential.js'
import { countryAlpha2 } from '../model/vocabularies.js'
import type { ParsedCredential } from '../verifier/types.js'
import type { IlaCredentialRecord } from '../storage/storage.js'
import { parseIlaCommitment, type IlaCommitment } from './commitment.js'

/** The facts read from the credential and stored as they are read. */
type StoredFact =
  | 'achievementId'
  | 'courseId'
  | 'offerRegistryId'
  | 'offerId'
  | 'awardingBodyId'
  | 'country'
  | 'activityStart'
  | 'activityEnd'
  | 'issuedAt'
  | 'validFrom'
  | 'validUntil'
  | 'awardingDate'
  | 'workloadHours'
  | 'ectsCredits'
  | 'fullCompletion'
  | 'supervision'

/** ECTS, the credit framework of `creditPoint.framework`. */
const ECTS = 'http://data.europa.eu/snb/education-credit/6fcec5c5af'

/**
 * What a credential says, as linking uses it: the facts stored for it (their meaning is documented on
 * {@link IlaCredentialRecord}) plus what linking alone needs. Dates are ISO 8601 text (activity dates as
 * `YYYY-MM-DD` when given as midnight UTC); `null` stands for "not given".
 */
export interface IlaCredentialFacts extends Pick<IlaCredentialRecord, StoredFact> {
  /** The credential's `id`; for a credential without one, `urn:sha256:<credentialDigest>`. */
  credentialId: string
  /** SHA-256 (hex) of the compact JWS, or of the credential's canonical JSON (RFC 8785). */
  credentialDigest: string
  /** `issuer` or `issuer.id`; `''` when there is none. */
  issuerDid: string
  /** The key that signed: the JWS `kid`, or the proof's `verificationMethod`. */
  signingKeyId: string | null
  /** The well-formed link commitments of `credentialSubject.identifier`. */
  commitments: IlaCommitment[]
  /** An identifier of the commitment scheme whose notation is not a commitment. */
  malformedCommitment: boolean
  /** `credentialSubject.id`: only ever hashed into the fingerprint. */
  subjectId: string | null
}

type Node = Record<string, unknown>

function isNode(value: unknown): value is Node {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** The nodes of a property that ELM allows to be one node or a list. */
function nodes(value: unknown): Node[] {
  if (Array.isArray(value)) return value.filter(isNode)
  return isNode(value) ? [value] : []
}

function first(value: unknown): Node | undefined {
  return nodes(value)[0]
}

function text(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null
}

/** The `id` of a node, or the value itself when it is an IRI. */
function idOf(value: unknown): string | null {
  return typeof value === 'string' ? text(value) : isNode(value) ? text(value.id) : null
}

/** The IRI of a concept given as a node, an IRI, or a list of either (the first). */
function conceptId(value: unknown): string | null {
  return idOf(Array.isArray(value) ? (value as unknown[])[0] : value)
}

function typesOf(node: Node): string[] {
  const type = node.type
  return Array.isArray(type) ? type.filter((t): t is string => typeof t === 'string') : [String(type)]
}

const DATE = /^\d{4}-\d{2}-\d{2}$/
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/
const MIDNIGHT_UTC = /T00:00:00(\.0+)?(Z|[+-]00:00)$/

/** A date-time in UTC (`2026-03-02T08:00:00.000Z`), as import stores them, so that dates compare as text. */
function instant(value: unknown): string | null {
  if (typeof value !== 'string') return null
  if (DATE.test(value)) return value
  if (!DATE_TIME.test(value)) return null
  const date = new Date(value)
  return Number.isNaN(date.getTime()) ? null : date.toISOString()
}

/** A calendar date the builder issued as midnight UTC reads back as that date; other times stay instants. */
function day(value: unknown): string | null {
  if (typeof value === 'string' && DATE_TIME.test(value) && MIDNIGHT_UTC.test(value))
    return value.slice(0, 10)
  return instant(value)
}

/** Hours of an xsd:duration (`PT75H`, `PT7H30M`, `P2DT4H`); `null` for years, months or weeks. */
function durationHours(value: unknown): number | null {
  if (typeof value !== 'string') return null
  const match =
    /^P(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/.exec(
      value,
    )
  if (!match || value === 'P' || value.endsWith('T')) return null
  const [, d = '0', h = '0', m = '0', s = '0'] = match
  return Number(d) * 24 + Number(h) + Number(m) / 60 + Number(s) / 3600
}

function ectsOf(...lists: unknown[]): number | null {
  for (const list of lists) {
    for (const credit of nodes(list)) {
      if (idOf(credit.framework) !== ECTS) continue
      const point = Number(credit.point)
      if (Number.isFinite(point)) return point
    }
  }
  return null
}

function countryOf(body: Node | undefined): string | null {
  if (!body) return null
  for (const location of nodes(body.location)) {
    for (const address of nodes(location.address)) {
      const iri = idOf(address.countryCode)
      const alpha2 = iri === null ? undefined : countryAlpha2(iri)
      if (alpha2 !== undefined) return alpha2
    }
  }
  const legal = first(body.eIDASIdentifier)
  const spatial = legal === undefined ? null : idOf(legal.spatial)
  return (spatial === null ? undefined : countryAlpha2(spatial)) ?? null
}

function legalIdOf(body: Node | undefined): string | null {
  if (!body) return null
  for (const property of ['eIDASIdentifier', 'registration', 'vatIdentifier']) {
    const notation = text(first(body[property])?.notation)
    if (notation !== null) return notation
  }
  return null
}

/** SHA-256 (hex) of what was submitted: the compact JWS, or the canonical JSON of the document. */
export function credentialDigestOf(parsed: ParsedCredential): string {
  const content = parsed.jws ?? canonicalize(parsed.credential) ?? ''
  return createHash('sha256').update(content, 'utf8').digest('hex')
}

/** Reads the facts of a parsed credential. Never throws: what is missing or malformed is `null`. */
export function credentialFacts(parsed: ParsedCredential): IlaCredentialFacts {
  const credential = parsed.credential
  const digest = credentialDigestOf(parsed)
  const subject = first(credential.credentialSubject)
  const claims = nodes(subject?.hasClaim)
  const achievement = claims.find((c) => typesOf(c).includes('LearningAchievement')) ?? claims[0]
  const specification = first(achievement?.specifiedBy)
  const opportunity = first(achievement?.learningOpportunity)
  const offer = nodes(opportunity?.identifier).find((i) => text(i.schemeName) && text(i.notation))
  const awarding = first(achievement?.awardedBy)
  const body = first(awarding?.awardingBody)
  const activity =
    nodes(achievement?.influencedBy).find((a) => typesOf(a).includes('LearningActivity')) ??
    first(achievement?.influencedBy)
  const period = first(activity?.temporal)
  const proof = first(credential.proof)

  const commitments: IlaCommitment[] = []
  let malformedCommitment = false
  for (const identifier of nodes(subject?.identifier)) {
    if (identifier.schemeName !== ILA_COMMITMENT_SCHEME_NAME) continue
    const commitment =
      typeof identifier.notation === 'string' ? parseIlaCommitment(identifier.notation) : undefined
    if (commitment === undefined) malformedCommitment = true
    else if (!commitments.some((c) => c.notation === commitment.notation)) commitments.push(commitment)
  }

  const validFrom = instant(credential.validFrom) ?? instant(credential.issuanceDate)
  const claimTypes = achievement === undefined ? [] : typesOf(achievement)
  return {
    credentialId: text(credential.id) ?? `urn:sha256:${digest}`,
    credentialDigest: digest,
    issuerDid: idOf(credential.issuer) ?? '',
    signingKeyId: text(parsed.header?.kid) ?? text(proof?.verificationMethod),
    commitments,
    malformedCommitment,
    subjectId: text(subject?.id),
    achievementId: text(specification?.id),
    courseId: text(
      nodes(specification?.identifier).find((i) => i.schemeName === COURSE_IDENTIFIER_SCHEME_NAME)?.notation,
    ),
    offerRegistryId: text(offer?.schemeName),
    offerId: text(offer?.notation),
    awardingBodyId: legalIdOf(body),
    country: countryOf(body),
    activityStart: day(period?.startDate),
    activityEnd: day(period?.endDate),
    issuedAt: instant(credential.issued) ?? validFrom,
    validFrom,
    validUntil: instant(credential.validUntil) ?? instant(credential.expirationDate),
    awardingDate: day(awarding?.awardingDate),
    workloadHours: durationHours(specification?.volumeOfLearning),
    ectsCredits: ectsOf(achievement?.creditReceived, specification?.creditPoint),
    fullCompletion: claimTypes.includes('LearningAchievement')
      ? true
      : claimTypes.includes('LearningActivity')
        ? false
        : null,
    supervision: conceptId(first(achievement?.provenBy)?.idVerification),
  }
}
