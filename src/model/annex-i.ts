/**
 * The mandatory elements of a micro-credential: Annex I of Council Recommendation 2022/C 243/02
 * (elements M1 to M11), checked on the ELM content actually issued.
 *
 * The JSON Schemas already require most course and learner fields, but a course may have been stored
 * under an older schema, and callers may build the model in code. So the check walks the built
 * credential along the ELM paths of the mapping table (`elm-notes`, "Annex I standard elements"): what
 * it reports is what a verifier would find missing. Paths are relative to `credentialSubject.hasClaim`
 * (the `LearningAchievement`) unless they start at the credential's top level.
 */

import { IncompleteMicrocredentialError } from '../errors.js'
import type { FieldProblem } from '../errors.js'
import type { IssuerProfile } from '../storage/storage.js'
import { buildUncheckedMicrocredential } from './build-microcredential.js'
import type { Course } from './course.js'
import type { LearnerCompletion } from './learner.js'
import { VOCABULARIES } from './vocabularies.js'

/** Ids of the mandatory Annex I elements. */
export type AnnexIElement = 'M1' | 'M2' | 'M3' | 'M4' | 'M5' | 'M6' | 'M7' | 'M8' | 'M9' | 'M10' | 'M11'

/** Each mandatory element, in the Recommendation's wording, with the ELM path reported when it is missing. */
export const ANNEX_I_ELEMENTS: Readonly<Record<AnnexIElement, { title: string; path: string }>> =
  Object.freeze({
    M1: { title: 'Identification of the learner', path: 'credentialSubject' },
    M2: { title: 'Title of the micro-credential', path: 'hasClaim.title' },
    M3: { title: 'Country(ies)/Region(s) of the issuer', path: 'issuer.location.address.countryCode' },
    M4: { title: 'Awarding body(ies)', path: 'hasClaim.awardedBy.awardingBody' },
    M5: { title: 'Date of issuing', path: 'issued' },
    M6: { title: 'Learning outcomes', path: 'specifiedBy.learningOutcome' },
    M7: {
      title: 'Notional workload needed to achieve the learning outcomes (in ECTS, wherever possible)',
      path: 'specifiedBy.creditPoint',
    },
    M8: {
      title: 'Level (and cycle, if applicable) of the learning experience (EQF, QF-EHEA)',
      path: 'specifiedBy.eqfLevel',
    },
    M9: { title: 'Type of assessment', path: 'provenBy.specifiedBy.dcType' },
    M10: { title: 'Form of participation in the learning activity', path: 'specifiedBy.mode' },
    M11: {
      title: 'Type of quality assurance used to underpin the micro-credential',
      path: 'specifiedBy.accreditation',
    },
  })

type Json = Record<string, unknown>

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function asArray(value: unknown): unknown[] {
  if (value === undefined || value === null) return []
  return Array.isArray(value) ? value : [value]
}

function objects(value: unknown): Json[] {
  return asArray(value).filter(isObject)
}

/** A language map with some text; values may be strings or arrays of strings (as in EBSI's example). */
function hasText(value: unknown): boolean {
  if (!isObject(value)) return false
  return Object.values(value).some((v) =>
    asArray(v).some((text) => typeof text === 'string' && text.trim().length > 0),
  )
}

function nonEmptyString(value: unknown): boolean {
  return typeof value === 'string' && value.trim().length > 0
}

/** An inline concept with an IRI, optionally in one exact scheme. */
function isConcept(value: unknown, scheme?: string): boolean {
  return objects(value).some(
    (c) =>
      nonEmptyString(c.id) && (scheme === undefined || (isObject(c.inScheme) && c.inScheme.id === scheme)),
  )
}

function noteHasText(value: unknown): boolean {
  return objects(value).some((n) => hasText(n.noteLiteral))
}

const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$/

const COUNTRY_SCHEME = VOCABULARIES.country.scheme
const EQF_SCHEME = VOCABULARIES.eqf.scheme
const ACCREDITATION_SCHEME = VOCABULARIES['europass-accreditation-types'].scheme

function problem(element: AnnexIElement, path: string, detail: string): FieldProblem {
  return {
    field: `${element} ${path}`,
    rule: 'required',
    message: `Annex I ${element} (${ANNEX_I_ELEMENTS[element].title}) is missing: ${detail}`,
  }
}

/**
 * Which mandatory Annex I elements a built micro-credential (either format) lacks.
 *
 * One problem per missing element: `field` is `"<element> <ELM path>"` (e.g.
 * `M7 specifiedBy.creditPoint`), `rule` is `required`. An empty list means all eleven are present.
 */
export function checkAnnexICredential(credential: unknown): FieldProblem[] {
  const cred = isObject(credential) ? credential : {}
  const subject = objects(cred.credentialSubject)[0] ?? {}
  const claim = objects(subject.hasClaim).find((c) => asArray(c.type).includes('LearningAchievement')) ?? {}
  const spec = objects(claim.specifiedBy)[0] ?? {}
  const awardingBodies = objects(claim.awardedBy).flatMap((p) => objects(p.awardingBody))
  const problems: FieldProblem[] = []

  // M1: a name and something that identifies the person beyond it.
  const named = hasText(subject.fullName) || (hasText(subject.givenName) && hasText(subject.familyName))
  const identified =
    objects(subject.identifier).some((id) => nonEmptyString(id.notation)) ||
    objects(subject.nationalID).some((id) => nonEmptyString(id.notation)) ||
    nonEmptyString(subject.dateOfBirth) ||
    objects(subject.contactPoint).some((cp) => objects(cp.emailAddress).some((m) => nonEmptyString(m.id)))
  if (!named) {
    const detail = 'the learner has no name (fullName, or givenName and familyName)'
    problems.push(problem('M1', 'credentialSubject.fullName', detail))
  } else if (!identified) {
    const detail = 'the learner has no identifier, national id, date of birth or e-mail'
    problems.push(problem('M1', 'credentialSubject.identifier', detail))
  }

  if (!hasText(claim.title)) {
    problems.push(problem('M2', 'hasClaim.title', 'the learning achievement has no title'))
  }

  const issuerCountries = objects(cred.issuer)
    .flatMap((org) => objects(org.location))
    .flatMap((loc) => objects(loc.address))
    .filter((address) => isConcept(address.countryCode, COUNTRY_SCHEME))
  if (issuerCountries.length === 0) {
    problems.push(problem('M3', 'issuer.location.address.countryCode', 'the issuer has no address country'))
  }

  if (!awardingBodies.some((org) => hasText(org.legalName))) {
    problems.push(problem('M4', 'hasClaim.awardedBy.awardingBody', 'no awarding body with a legal name'))
  }

  const issued = cred.issued
  if (!(typeof issued === 'string' && DATE_TIME.test(issued) && !Number.isNaN(Date.parse(issued)))) {
    problems.push(problem('M5', 'issued', 'no issuance date-time'))
  }

  const outcomes =
    objects(spec.learningOutcome).some((lo) => hasText(lo.title)) || noteHasText(spec.learningOutcomeSummary)
  if (!outcomes) problems.push(problem('M6', 'specifiedBy.learningOutcome', 'no learning outcome'))

  const workload =
    objects(spec.creditPoint).some((cp) => isConcept(cp.framework) && nonEmptyString(cp.point)) ||
    nonEmptyString(spec.volumeOfLearning)
  if (!workload) {
    problems.push(problem('M7', 'specifiedBy.creditPoint', 'neither credit points nor a volume of learning'))
  }

  const level =
    isConcept(spec.eqfLevel, EQF_SCHEME) || isConcept(spec.nqfLevel) || isConcept(spec.educationLevel)
  if (!level) problems.push(problem('M8', 'specifiedBy.eqfLevel', 'no EQF, NQF or education level'))

  const assessmentSpecs = [
    ...objects(claim.provenBy).flatMap((assessment) => objects(assessment.specifiedBy)),
    ...objects(spec.provenBy),
  ]
  if (!assessmentSpecs.some((s) => isConcept(s.dcType))) {
    problems.push(problem('M9', 'provenBy.specifiedBy.dcType', 'no type of assessment'))
  }

  const participation =
    isConcept(spec.mode) ||
    objects(claim.influencedBy).some((activity) =>
      objects(activity.specifiedBy).some((s) => isConcept(s.mode)),
    )
  if (!participation) problems.push(problem('M10', 'specifiedBy.mode', 'no mode of learning'))

  const accredited = (org: Json): boolean =>
    objects(org.accreditation).some((acc) => isConcept(acc.dcType, ACCREDITATION_SCHEME))
  if (!accredited(spec) && !awardingBodies.some(accredited)) {
    problems.push(
      problem('M11', 'specifiedBy.accreditation', 'no accreditation with a quality assurance type'),
    )
  }
  return problems
}

/**
 * Throws when a built micro-credential lacks mandatory Annex I elements.
 * @throws {IncompleteMicrocredentialError} whose `missing` lists exactly the missing elements.
 */
export function assertAnnexICredential(credential: unknown): void {
  const missing = checkAnnexICredential(credential)
  if (missing.length > 0) {
    const ids = missing.map((p) => p.field.split(' ')[0]).join(', ')
    throw new IncompleteMicrocredentialError(`Micro-credential lacks Annex I element(s): ${ids}`, missing)
  }
}

// Stand-ins for what only issuance supplies; none of them bears on an Annex I element.
const PROBE_CREDENTIAL_ID = 'urn:uuid:00000000-0000-4000-8000-000000000000'
const PROBE_ISSUER_DID = 'did:example:annex-i-check'
const PROBE_ISSUED = new Date(0)
const PROBE_IMAGE = { contentType: 'image/png', base64: 'AA==' } as const

/**
 * Which mandatory Annex I elements the micro-credential for this course, learner and issuer would lack.
 * It builds the credential (with a stand-in id, date and display images) and checks what it contains,
 * so the answer matches what {@link buildMicrocredential} would issue.
 *
 * @throws {ValidationError} when the data cannot be built at all (e.g. a code not in its list).
 */
export function checkAnnexI(
  course: Course,
  learner: LearnerCompletion,
  issuer: IssuerProfile,
): FieldProblem[] {
  const languages = course.languages?.length ? course.languages : ['en']
  const credential = buildUncheckedMicrocredential({
    course,
    learner,
    issuer: { did: PROBE_ISSUER_DID, profile: issuer },
    credentialId: PROBE_CREDENTIAL_ID,
    issued: PROBE_ISSUED,
    format: 'elm',
    displayImages: new Map(languages.map((lang) => [lang, PROBE_IMAGE])),
  })
  return checkAnnexICredential(credential)
}

/**
 * Like {@link checkAnnexI}, but throws.
 * @throws {IncompleteMicrocredentialError} whose `missing` lists exactly the missing elements.
 */
export function assertAnnexI(course: Course, learner: LearnerCompletion, issuer: IssuerProfile): void {
  const missing = checkAnnexI(course, learner, issuer)
  if (missing.length > 0) {
    const ids = missing.map((p) => p.field.split(' ')[0]).join(', ')
    throw new IncompleteMicrocredentialError(`Micro-credential lacks Annex I element(s): ${ids}`, missing)
  }
}
