/**
 * Builds the unsigned ELM micro-credential for one learner of one course, in one of two envelopes:
 *
 * - `elm`: VC Data Model 2.0 as EBSI's "Europass EDC credential" JSON Schema (ELM 3.2) expects it, with
 *   the `VerifiableAttestation` type and the schema's registry entry as `credentialSchema`. It is meant to
 *   be secured as a JWT (VC-JOSE): the ELM context cannot be processed as JSON-LD under VC 2.0.
 * - `edc`: VC Data Model 1.1, the Europass EDC form validated by the official SHACL shapes
 *   (`credentialSchema` `ShaclValidator2017`), fit for Data Integrity.
 *
 * Both carry the same ELM body. The output is plain JSON, deterministic for given inputs: node ids are
 * derived from the credential id, the course id and the issuer DID (name-based UUIDs), never random, and
 * every node that appears more than once (the awarding body, the awarding process, concepts) is
 * written identically each time, as JSON-LD merges the copies by `id`.
 */

import { createHash, hash } from 'node:crypto'
import { CREDENTIALS_V1, CREDENTIALS_V2, EDC_AP } from '../document-loader/contexts.js'
import { ValidationError } from '../errors.js'
import type { FieldProblem } from '../errors.js'
import type { IssuerProfile, LangMap } from '../storage/storage.js'
import { assertAnnexICredential } from './annex-i.js'
import type { Course, CourseOrganisationRef } from './course.js'
import { EBSI_EDC_SCHEMA_URL } from './ebsi-schema.js'
import type { LearnerCompletion } from './learner.js'
import {
  concept,
  countryConcept,
  escoSkillConcept,
  languageConcept,
  nqfConcept,
  regionConcept,
} from './vocabularies.js'

/** A rendered display image for one language: the ELM `DisplayDetail.image` content. */
export interface DisplayImageContent {
  contentType: 'image/png' | 'image/jpeg'
  /** The image bytes, base64 (standard alphabet). */
  base64: string
}

/** Everything the builder needs; nothing else is read (no clock, no randomness). */
export interface BuildInput {
  course: Course
  learner: LearnerCompletion
  /** The issuer: its DID becomes `issuer.id`; the profile supplies the ELM `Organisation`. */
  issuer: { did: string; profile: IssuerProfile }
  /** The credential id, e.g. `urn:uuid:…` (supplied by the caller; node ids derive from it). */
  credentialId: string
  /** Issuance time, from the injected clock: `issued`, `validFrom` (whole seconds, UTC). */
  issued: Date
  format: 'elm' | 'edc'
  /** One image per course language (ISO 639-1 key), shown by Europass viewers. */
  displayImages: ReadonlyMap<string, DisplayImageContent>
  /** Status entries added by the status module; passed through unchanged. */
  credentialStatus?: unknown[]
}

/** The VC Data Model 2.0 base context. */
export const VC_V2_CONTEXT = CREDENTIALS_V2
/** The VC Data Model 1.1 base context. */
export const VC_V1_CONTEXT = CREDENTIALS_V1
/** The ELM / EDC application-profile JSON-LD context. */
export const EDC_AP_CONTEXT = EDC_AP
/** The EDC SHACL profile id, the `credentialSchema.id` of the `edc` form (type `ShaclValidator2017`). */
export const EDC_SHACL_SCHEMA_ID = 'http://data.europa.eu/snb/model/ap/edc-generic-full'
/** `Identifier.schemeName` of the ILA link commitment in `credentialSubject.identifier`. */
export const ILA_COMMITMENT_SCHEME_NAME = 'ILA enrolment commitment'
/** `Identifier.schemeName` of the course id on the `Qualification`. */
export const COURSE_IDENTIFIER_SCHEME_NAME = 'Course identifier'

type Node = Record<string, unknown>

/** The "Generic" credential profile: the EDC SHACL shapes this credential is checked against. */
const GENERIC_PROFILE = 'http://data.europa.eu/snb/credential/e34929035b'
const ECTS = 'http://data.europa.eu/snb/education-credit/6fcec5c5af'
const BASE64_ENCODING = 'http://data.europa.eu/snb/encoding/6146cde7dd'

// RFC 4122 name-based UUIDs (version 5, SHA-1) in the URL namespace: stable ids without randomness.
const URL_NAMESPACE = Buffer.from('6ba7b8119dad11d180b400c04fd430c8', 'hex')

// The namespace, then the name's UTF-8 bytes: written here rather than in a new buffer for each id.
const uuidInput = Buffer.alloc(1024)
URL_NAMESPACE.copy(uuidInput)

function uuidV5(name: string): string {
  const fits = name.length * 3 <= uuidInput.length - 16
  const input = fits
    ? uuidInput.subarray(0, 16 + uuidInput.write(name, 16, 'utf8'))
    : Buffer.concat([URL_NAMESPACE, Buffer.from(name, 'utf8')])
  const b = hash('sha1', input, 'buffer')
  b[6] = ((b[6] ?? 0) & 0x0f) | 0x50
  b[8] = ((b[8] ?? 0) & 0x3f) | 0x80
  const hex = b.toString('hex', 0, 16)
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
}

/**
 * Ids already computed. The course's and the issuer's nodes get the same ids in every credential of a
 * cohort, so a cohort hashes them once; the nodes of one credential never repeat and are not kept.
 */
const nodeIds = new Map<string, string>()

/** `urn:epass:<kind>:<uuid>`, the id form EDC uses, unique per (kind, scope). */
function nodeId(kind: string, scope: string): string {
  const name = `https://microcred.eu/elm-node#${kind}|${scope}`
  let id = nodeIds.get(name)
  if (id === undefined) {
    id = `urn:epass:${kind}:${uuidV5(name)}`
    if (nodeIds.size >= 4096) nodeIds.clear()
    nodeIds.set(name, id)
  }
  return id
}

/** {@link nodeId} for a node of this credential alone (its scope is the credential's id): computed, not kept. */
function credentialNodeId(kind: string, scope: string): string {
  return `urn:epass:${kind}:${uuidV5(`https://microcred.eu/elm-node#${kind}|${scope}`)}`
}

/** `YYYY-MM-DDTHH:MM:SSZ`: whole seconds, UTC. */
export function toXsdDateTime(date: Date): string {
  if (Number.isNaN(date.getTime())) throw new TypeError('Invalid date')
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z')
}

// Plain dates (`YYYY-MM-DD`) become midnight UTC, so the calendar date reads back unchanged in UTC.
function dateToDateTime(date: string): string {
  return `${date}T00:00:00Z`
}

/** Adds calendar months in UTC; the day is clamped to the target month (31 Jan + 1 month = 28/29 Feb). */
function addMonthsUtc(date: Date, months: number): Date {
  const y = date.getUTCFullYear()
  const m = date.getUTCMonth() + months
  const lastDay = new Date(Date.UTC(y, m + 1, 0)).getUTCDate()
  const day = Math.min(date.getUTCDate(), lastDay)
  return new Date(Date.UTC(y, m, day, date.getUTCHours(), date.getUTCMinutes(), date.getUTCSeconds()))
}

/** ISO 8601 duration for a number of hours, whole minutes (`PT75H`, `PT7H30M`): xsd:duration, no decimals. */
function hoursToDuration(hours: number): string {
  const minutes = Math.round(hours * 60)
  const h = Math.floor(minutes / 60)
  const m = minutes % 60
  if (m === 0) return `PT${h}H`
  return h === 0 ? `PT${m}M` : `PT${h}H${m}M`
}

function hasText(map: LangMap | undefined): map is LangMap {
  return map !== undefined && Object.values(map).some((v) => typeof v === 'string' && v.length > 0)
}

function note(id: string, text: LangMap): Node {
  return { id, type: 'Note', noteLiteral: { ...text } }
}

function isAbsoluteIri(value: string): boolean {
  return /^[A-Za-z][A-Za-z0-9+.-]*:[^\s]+$/.test(value)
}

/** The salt of the ILA commitment: 16 bytes derived from the credential id (public, unique per credential). */
export function ilaCommitmentSalt(credentialId: string): Buffer {
  const seed = `microcred:ila-commitment-salt:${credentialId}`
  return createHash('sha256').update(seed, 'utf8').digest().subarray(0, 16)
}

/**
 * The ILA link commitment: `sha256$<hex salt>$<hex SHA-256(salt || SHA-256(linkToken))>`, where `salt`
 * and the inner digest are raw bytes and the token is UTF-8. The ILA operator, who stores
 * `SHA-256(linkToken)`, recomputes it with the salt from the notation; nobody else can link credentials.
 */
export function ilaLinkCommitment(linkToken: string, salt: Uint8Array): string {
  const tokenDigest = createHash('sha256').update(linkToken, 'utf8').digest()
  const commitment = createHash('sha256').update(salt).update(tokenDigest).digest('hex')
  return `sha256$${Buffer.from(salt).toString('hex')}$${commitment}`
}

interface OrganisationSpec {
  id: string
  /** Scope for the ids of the organisation's own nodes (location, address, …). */
  scope: string
  legalName: LangMap | undefined
  country: string | undefined
  countryField: string
  address?: LangMap | undefined
  region?: string | undefined
  regionField?: string
  eidas?: { notation: string; country: string } | undefined
  eidasField?: string
  homepage?: string | undefined
  email?: string | undefined
}

function organisation(spec: OrganisationSpec): Node {
  const org: Node = { id: spec.id, type: 'Organisation' }
  if (hasText(spec.legalName)) org.legalName = { ...spec.legalName }
  if (spec.country !== undefined) {
    const address: Node = {
      id: nodeId('address', spec.scope),
      type: 'Address',
      countryCode: countryConcept(spec.country, spec.countryField),
    }
    if (hasText(spec.address)) {
      address.fullAddress = note(nodeId('note', `${spec.scope}#fullAddress`), spec.address)
    }
    const location: Node = { id: nodeId('location', spec.scope), type: 'Location', address: [address] }
    if (spec.region !== undefined) location.spatialCode = [regionConcept(spec.region, spec.regionField ?? '')]
    org.location = [location]
  }
  if (spec.eidas !== undefined) {
    org.eIDASIdentifier = {
      id: nodeId('legalIdentifier', `${spec.scope}#eidas`),
      type: 'LegalIdentifier',
      notation: spec.eidas.notation,
      spatial: countryConcept(spec.eidas.country, spec.eidasField ?? ''),
    }
  }
  if (spec.homepage !== undefined) {
    const id = nodeId('webResource', `${spec.scope}#homepage`)
    org.homepage = [{ id, type: 'WebResource', contentURL: spec.homepage }]
  }
  if (spec.email !== undefined) {
    org.contactPoint = [
      {
        id: nodeId('contactPoint', spec.scope),
        type: 'ContactPoint',
        emailAddress: [{ id: `mailto:${spec.email}`, type: 'Mailbox' }],
      },
    ]
  }
  return org
}

function accreditingAgent(agent: CourseOrganisationRef, courseScope: string): Node {
  return organisation({
    id: nodeId('org', `${courseScope}#accreditingAgent`),
    scope: `${courseScope}#accreditingAgent`,
    legalName: agent.legalName,
    country: agent.country,
    countryField: '/qualityAssurance/accreditingAgent/country',
  })
}

const MEDIA_CONTENT_TYPES = {
  'image/png': 'http://publications.europa.eu/resource/authority/file-type/PNG',
  'image/jpeg': 'http://publications.europa.eu/resource/authority/file-type/JPEG',
} as const

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/

/**
 * Images already found to be base64. A cohort shares one image per language, and scanning its 10-20 KB for
 * every learner cost as much as signing; a handful of entries covers every course being issued at a time.
 */
const checkedImages = new Set<string>()

function isBase64(content: string): boolean {
  if (checkedImages.has(content)) return true
  if (!BASE64.test(content)) return false
  if (checkedImages.size >= 64) checkedImages.clear()
  checkedImages.add(content)
  return true
}

function displayParameter(input: BuildInput, languages: string[], scope: string): Node {
  const problems: FieldProblem[] = []
  const individual: Node[] = []
  for (const lang of languages) {
    const image = input.displayImages.get(lang)
    const field = `displayImages/${lang}`
    if (image === undefined) {
      const message = `${field}: no display image for course language ${lang}`
      problems.push({ field, rule: 'required', message })
      continue
    }
    const contentType = (MEDIA_CONTENT_TYPES as Record<string, string | undefined>)[image.contentType]
    if (contentType === undefined) {
      const message = `${field}: only PNG and JPEG images`
      problems.push({ field: `${field}/contentType`, rule: 'enum', message })
      continue
    }
    if (!isBase64(image.base64)) {
      problems.push({ field: `${field}/base64`, rule: 'pattern', message: `${field}: content is not base64` })
      continue
    }
    individual.push({
      id: credentialNodeId('individualDisplay', `${scope}#${lang}`),
      type: 'IndividualDisplay',
      language: languageConcept(lang),
      displayDetail: [
        {
          id: credentialNodeId('displayDetail', `${scope}#${lang}/1`),
          type: 'DisplayDetail',
          image: {
            id: credentialNodeId('mediaObject', `${scope}#${lang}/1`),
            type: 'MediaObject',
            content: image.base64,
            contentEncoding: concept('encoding', BASE64_ENCODING),
            contentType: concept('file-type', contentType),
          },
          page: 1,
        },
      ],
    })
  }
  if (problems.length > 0) throw new ValidationError('Display images missing or unusable', problems)
  const primary = languages[0] ?? 'en'
  return {
    id: credentialNodeId('displayParameter', scope),
    type: 'DisplayParameter',
    title: { ...input.course.title },
    language: languages.map((lang) => languageConcept(lang)),
    primaryLanguage: languageConcept(primary),
    individualDisplay: individual,
  }
}

/**
 * The credential without the Annex I check: also used to check incomplete course data, so every
 * missing field leaves its ELM property out instead of failing here.
 */
export function buildUncheckedMicrocredential(input: BuildInput): Record<string, unknown> {
  // A plain tree: shared nodes become identical copies, and callers may edit the result freely.
  return JSON.parse(JSON.stringify(buildTree(input))) as Record<string, unknown>
}

/**
 * The credential as built, where one node may appear at several places (shared objects) and parts of the
 * input may be referenced: to read or serialize only, never to modify. Issuing serializes it at once, so the
 * deep copy {@link buildUncheckedMicrocredential} makes would be wasted work for every learner of a cohort.
 */
function buildTree(input: BuildInput): Record<string, unknown> {
  const { course, learner, issuer } = input
  const c = input.credentialId
  const k = course.id
  const i = issuer.did
  const languages = course.languages?.length ? [...course.languages] : ['en']
  const primary = languages[0] ?? 'en'

  const status = learner.result?.status ?? 'passed'
  if (status !== 'passed') {
    const message = `/result/status is ${status}; a credential needs passed`
    throw new ValidationError('Only passed results are issued', [
      { field: '/result/status', rule: 'const', message },
    ])
  }

  const issued = toXsdDateTime(input.issued)

  // --- the awarding body and the nodes that repeat it (built once, reused by reference) ---------------
  const body = course.awardingBody
  const awardingBody =
    body === undefined
      ? undefined
      : organisation({
          id: nodeId('org', `${k}#awardingBody`),
          scope: `${k}#awardingBody`,
          legalName: body.legalName,
          country: body.country,
          countryField: '/awardingBody/country',
          region: body.region,
          regionField: '/awardingBody/region',
          eidas: body.legalIdentifier,
          eidasField: '/awardingBody/legalIdentifier/country',
          homepage: body.homepage,
        })
  const awardingProcess: Node = { id: credentialNodeId('awardingProcess', c), type: 'AwardingProcess' }
  if (awardingBody !== undefined) awardingProcess.awardingBody = [awardingBody]
  awardingProcess.awardingDate =
    learner.awardingDate === undefined ? issued : dateToDateTime(learner.awardingDate)

  const mode = course.mode === undefined ? undefined : concept('europass-modes', course.mode)
  const languageConcepts = languages.map((lang, index) => languageConcept(lang, `/languages/${index}`))

  // --- the specification: a Qualification -----------------------------------------------------------
  const qualification: Node = {
    id: isAbsoluteIri(k) ? k : nodeId('qualification', k),
    type: 'Qualification',
    identifier: {
      id: nodeId('identifier', `${k}#course`),
      type: 'Identifier',
      schemeName: COURSE_IDENTIFIER_SCHEME_NAME,
      notation: k,
    },
  }
  if (hasText(course.title)) qualification.title = { ...course.title }
  if (hasText(course.description)) qualification.description = { ...course.description }
  const outcomes = (course.learningOutcomes ?? []).filter((lo) => hasText(lo.title))
  if (outcomes.length > 0) {
    qualification.learningOutcome = outcomes.map((lo, index) => {
      const outcome: Node = {
        id: nodeId('learningOutcome', `${k}#${index}`),
        type: 'LearningOutcome',
        title: { ...lo.title },
      }
      if (lo.escoSkills?.length) outcome.relatedESCOSkill = lo.escoSkills.map(escoSkillConcept)
      return outcome
    })
  }
  const creditPoint =
    course.ects === undefined
      ? undefined
      : {
          id: nodeId('creditPoint', k),
          type: 'CreditPoint',
          framework: concept('credit-points', ECTS),
          point: String(course.ects),
        }
  if (creditPoint !== undefined) qualification.creditPoint = [creditPoint]
  if (course.workloadHours !== undefined)
    qualification.volumeOfLearning = hoursToDuration(course.workloadHours)
  if (course.eqfLevel !== undefined) qualification.eqfLevel = concept('eqf', String(course.eqfLevel))
  if (course.nqfLevel !== undefined) {
    qualification.nqfLevel = [nqfConcept(course.nqfLevel.id, course.nqfLevel.label)]
  }
  if (mode !== undefined) qualification.mode = [mode]
  if (course.learningSetting !== undefined) {
    qualification.learningSetting = concept('europass-learning-setting-types', course.learningSetting)
  }
  qualification.language = languageConcepts
  if (hasText(course.prerequisites)) {
    qualification.entryRequirement = note(nodeId('note', `${k}#entryRequirement`), course.prerequisites)
  }
  const qa = course.qualityAssurance
  if (qa?.type !== undefined) {
    const type = concept('europass-accreditation-types', qa.type)
    const agent = qa.accreditingAgent === undefined ? awardingBody : accreditingAgent(qa.accreditingAgent, k)
    const accreditation: Node = {
      id: qa.id ?? nodeId('accreditation', k),
      type: 'Accreditation',
      dcType: type,
      title: { en: type.prefLabel?.en ?? qa.type },
    }
    if (qa.decision !== undefined) accreditation.description = { [primary]: qa.decision }
    if (agent !== undefined) accreditation.accreditingAgent = agent
    qualification.accreditation = [accreditation]
  }
  if (course.isPartialQualification !== undefined) {
    qualification.isPartialQualification = course.isPartialQualification
  }

  // --- the assessment (Annex I 9; supervision and grade are optional elements) -----------------------
  const assessmentSpec: Node = {
    id: nodeId('learningAssessmentSpec', k),
    type: 'LearningAssessmentSpecification',
  }
  if (hasText(course.title)) assessmentSpec.title = { ...course.title }
  if (course.assessmentType !== undefined) {
    assessmentSpec.dcType = concept('europass-learning-assessment-types', course.assessmentType)
  }
  if (course.gradingScheme !== undefined && hasText(course.gradingScheme.title)) {
    const scheme: Node = {
      id: nodeId('gradingScheme', k),
      type: 'GradingScheme',
      title: { ...course.gradingScheme.title },
    }
    if (hasText(course.gradingScheme.description))
      scheme.description = { ...course.gradingScheme.description }
    assessmentSpec.gradingScheme = scheme
  }
  const assessment: Node = { id: credentialNodeId('learningAssessment', c), type: 'LearningAssessment' }
  if (hasText(course.title)) assessment.title = { ...course.title }
  if (learner.result?.grade !== undefined) {
    assessment.grade = note(credentialNodeId('note', `${c}#grade`), { [primary]: learner.result.grade })
  }
  if (learner.supervision !== undefined) {
    assessment.idVerification = concept('supervision-verification', learner.supervision)
  }
  assessment.awardedBy = awardingProcess
  assessment.specifiedBy = [assessmentSpec]

  // --- the learning activity: when the learner took part -----------------------------------------------
  const activitySpec: Node = { id: nodeId('learningActivitySpec', k), type: 'LearningActivitySpecification' }
  if (hasText(course.title)) activitySpec.title = { ...course.title }
  if (mode !== undefined) activitySpec.mode = [mode]
  if (course.workloadHours !== undefined)
    activitySpec.volumeOfLearning = hoursToDuration(course.workloadHours)
  activitySpec.language = languageConcepts
  const activity: Node = { id: credentialNodeId('activity', c), type: 'LearningActivity' }
  if (hasText(course.title)) activity.title = { ...course.title }
  activity.awardedBy = awardingProcess
  if (learner.activity !== undefined) {
    activity.temporal = [
      {
        id: credentialNodeId('period', c),
        type: 'PeriodOfTime',
        startDate: dateToDateTime(learner.activity.startDate),
        endDate: dateToDateTime(learner.activity.endDate),
      },
    ]
  }
  activity.specifiedBy = activitySpec

  // --- the claim ---------------------------------------------------------------------------------------
  const achievement: Node = { id: credentialNodeId('learningAchievement', c), type: 'LearningAchievement' }
  if (hasText(course.title)) achievement.title = { ...course.title }
  achievement.awardedBy = awardingProcess
  achievement.specifiedBy = qualification
  achievement.provenBy = [assessment]
  achievement.influencedBy = [activity]
  if (creditPoint !== undefined) achievement.creditReceived = [creditPoint]
  if (course.ilaOffer !== undefined) {
    const opportunity: Node = {
      id: nodeId('learningOpportunity', `${k}#${course.ilaOffer.registry}/${course.ilaOffer.offerId}`),
      type: 'LearningOpportunity',
    }
    if (hasText(course.title)) opportunity.title = { ...course.title }
    opportunity.identifier = [
      {
        id: nodeId('identifier', `${k}#ilaOffer/${course.ilaOffer.registry}/${course.ilaOffer.offerId}`),
        type: 'Identifier',
        schemeName: course.ilaOffer.registry,
        notation: course.ilaOffer.offerId,
      },
    ]
    if (awardingBody !== undefined) opportunity.providedBy = awardingBody
    achievement.learningOpportunity = opportunity
  }

  // --- the learner -------------------------------------------------------------------------------------
  // Person names are single-language in ELM (SHACL maxCount 1): the primary language carries them.
  const person: Node = {
    id: learner.did ?? `urn:uuid:${uuidV5(`https://microcred.eu/elm-node#person|${c}`)}`,
    type: 'Person',
  }
  const identifiers: Node[] = (learner.identifiers ?? []).map((identifier, index) => ({
    id: credentialNodeId('identifier', `${c}#learner/${index}`),
    type: 'Identifier',
    schemeName: identifier.schemeName,
    notation: identifier.notation,
  }))
  if (learner.ilaLinkToken !== undefined) {
    identifiers.push({
      id: credentialNodeId('identifier', `${c}#ilaCommitment`),
      type: 'Identifier',
      schemeName: ILA_COMMITMENT_SCHEME_NAME,
      notation: ilaLinkCommitment(learner.ilaLinkToken, ilaCommitmentSalt(c)),
    })
  }
  if (identifiers.length > 0) person.identifier = identifiers
  if (learner.givenName) person.givenName = { [primary]: learner.givenName }
  if (learner.familyName) person.familyName = { [primary]: learner.familyName }
  if (learner.givenName && learner.familyName) {
    person.fullName = { [primary]: `${learner.givenName} ${learner.familyName}` }
  }
  if (learner.dateOfBirth !== undefined) person.dateOfBirth = dateToDateTime(learner.dateOfBirth)
  if (learner.email !== undefined) {
    person.contactPoint = [
      {
        id: credentialNodeId('contactPoint', `${c}#learner`),
        type: 'ContactPoint',
        emailAddress: [{ id: `mailto:${learner.email}`, type: 'Mailbox' }],
      },
    ]
  }
  person.hasClaim = [achievement]

  // --- the issuer --------------------------------------------------------------------------------------
  const profile = issuer.profile
  const issuerNode = organisation({
    id: i,
    scope: `${i}#issuer`,
    legalName: profile.legalName,
    country: profile.country,
    countryField: 'issuer.profile.country',
    address: profile.address,
    eidas: profile.eidasIdentifier,
    eidasField: 'issuer.profile.eidasIdentifier.country',
    homepage: profile.homepage,
    email: profile.email,
  })

  // --- the envelope ------------------------------------------------------------------------------------
  const validUntil =
    course.validityMonths === undefined
      ? undefined
      : toXsdDateTime(addMonthsUtc(input.issued, course.validityMonths))
  const credential: Node =
    input.format === 'elm'
      ? {
          '@context': [VC_V2_CONTEXT, EDC_AP_CONTEXT],
          id: c,
          type: ['VerifiableCredential', 'VerifiableAttestation', 'EuropeanDigitalCredential'],
          credentialSchema: [{ id: EBSI_EDC_SCHEMA_URL, type: 'JsonSchema' }],
        }
      : {
          '@context': [VC_V1_CONTEXT, EDC_AP_CONTEXT],
          id: c,
          type: ['VerifiableCredential', 'EuropeanDigitalCredential'],
          credentialSchema: [{ id: EDC_SHACL_SCHEMA_ID, type: 'ShaclValidator2017' }],
        }
  credential.credentialProfiles = [concept('europass-credential-types', GENERIC_PROFILE)]
  credential.displayParameter = displayParameter(input, languages, c)
  credential.issuer = issuerNode
  credential.issued = issued
  if (input.format === 'edc') credential.issuanceDate = issued
  credential.validFrom = issued
  if (validUntil !== undefined) {
    credential[input.format === 'elm' ? 'validUntil' : 'expirationDate'] = validUntil
  }
  credential.credentialSubject = person
  if (input.credentialStatus !== undefined && input.credentialStatus.length > 0) {
    credential.credentialStatus = input.credentialStatus
  }
  return credential
}

/**
 * Builds the unsigned micro-credential (see the module comment for the two formats) and checks that it
 * carries every mandatory element of Annex I of the Council Recommendation on micro-credentials.
 *
 * @throws {ValidationError} for a code not in its official list, a result other than `passed`, or a
 *   missing / unusable display image.
 * @throws {IncompleteMicrocredentialError} listing exactly which Annex I elements are missing.
 */
export function buildMicrocredential(input: BuildInput): Record<string, unknown> {
  const credential = buildUncheckedMicrocredential(input)
  assertAnnexICredential(credential)
  return credential
}

/**
 * {@link buildMicrocredential} without the final deep copy, for a caller that only serializes the result
 * (signing a compact JWS): read-only, since nodes and input parts may be shared.
 */
export function buildMicrocredentialForSigning(input: BuildInput): Readonly<Record<string, unknown>> {
  const credential = buildTree(input)
  assertAnnexICredential(credential)
  return credential
}

/**
 * A copy of `credential` with `urls` appended to its `@context` (those already present are skipped),
 * e.g. the status-list and data-integrity contexts added by the signing code.
 */
export function withExtraContexts<T extends Record<string, unknown>>(
  credential: T,
  urls: readonly string[],
): T {
  const current = credential['@context']
  const contexts: unknown[] = Array.isArray(current) ? [...current] : current === undefined ? [] : [current]
  for (const url of urls) if (!contexts.includes(url)) contexts.push(url)
  return { ...credential, '@context': contexts }
}
