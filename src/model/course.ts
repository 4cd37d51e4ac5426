/**
 * A short course, described once by the awarding institution and issued to every learner who completes
 * it. It becomes the ELM `Qualification` that specifies the learner's `LearningAchievement`
 * (`credentialSubject.hasClaim.specifiedBy`). Mirrors `schemas/course.schema.json`.
 *
 * ELM terms are linked by their IRI in the ELM 3.2 ontology (`http://data.europa.eu/snb/model/elm/…`).
 */

import type { LangMap } from '../storage/storage.js'

export type { LangMap }

/** EQF level, 1 to 8. */
export type EqfLevel = 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8

/**
 * One intended learning outcome.
 * @see http://data.europa.eu/snb/model/elm/LearningOutcome
 */
export interface CourseLearningOutcome {
  /** ELM `LearningOutcome.title` (dc:title). */
  title: LangMap
  /**
   * ESCO skills the outcome relates to, as ESCO IRIs (`http://data.europa.eu/esco/skill/<id>`).
   * @see http://data.europa.eu/snb/model/elm/relatedESCOSkill
   */
  escoSkills?: string[]
}

/** An organisation named by its legal name and country only (an accrediting agency, say). */
export interface CourseOrganisationRef {
  /** ELM `Organisation.legalName` (rov:legalName). */
  legalName: LangMap
  /** ISO 3166-1 alpha-2; becomes `location.address.countryCode`. */
  country: string
}

/**
 * Annex I element 11, type of quality assurance: ELM `Qualification.accreditation`.
 * @see http://data.europa.eu/snb/model/elm/Accreditation
 */
export interface CourseQualityAssurance {
  /**
   * ELM `Accreditation.dcType`: a concept of `europass-accreditation-types`
   * (scheme `http://data.europa.eu/snb/accreditation/25831c2`). An IRI once parsed.
   */
  type: string
  /**
   * ELM `Accreditation.accreditingAgent` (mandatory in ELM). When absent, the awarding body is named:
   * quality assurance carried out by the institution itself.
   */
  accreditingAgent?: CourseOrganisationRef
  /** The quality decision, as text; issued as `Accreditation.description` in the course's primary language. */
  decision?: string
  /** The accreditation's own IRI (e.g. its record in the Europass accreditation database); the node `id`. */
  id?: string
}

/**
 * The awarding body: ELM `AwardingProcess.awardingBody` (Annex I element 4).
 * @see http://data.europa.eu/snb/model/elm/Organisation
 */
export interface CourseAwardingBody {
  /** ELM `Organisation.legalName`. */
  legalName: LangMap
  /** ISO 3166-1 alpha-2; becomes `location.address.countryCode` (Annex I element 3). */
  country: string
  /** ATU (`IRL_CTH_DUB`) or NUTS (`IE061`) code; becomes `location.spatialCode`. */
  region?: string
  /**
   * eIDAS-style legal identifier `{notation, country}` (e.g. `VATIE-6388047V`, `IE`): ELM
   * `Organisation.eIDASIdentifier` (elm:eidasLegalIdentifier), a `LegalIdentifier` with `spatial` country.
   */
  legalIdentifier: { notation: string; country: string }
  /** ELM `Organisation.homepage` (a `WebResource`). */
  homepage?: string
}

/** A reference to the offer in an individual learning account (ILA) catalogue. */
export interface CourseIlaOffer {
  /** The catalogue (ILA registry), e.g. `EDOF`: `LearningOpportunity.identifier.schemeName`. */
  registry: string
  /** The offer's id in that catalogue: `LearningOpportunity.identifier.notation`. */
  offerId: string
}

/**
 * A course, as stored and as {@link parseCourse} returns it. Code-list fields hold concept IRIs once
 * parsed (input may give the short code, e.g. `6e6cb2cc78`).
 * @see http://data.europa.eu/snb/model/elm/Qualification
 */
export interface Course {
  /**
   * Stable course id (`urn:…` or a slug). An absolute IRI becomes the `Qualification` id; any id is
   * also issued as the `Qualification.identifier`.
   */
  id: string
  /** ELM `Qualification.title`, and the `LearningAchievement.title` (Annex I element 2). */
  title: LangMap
  /** ELM `Qualification.description`. */
  description: LangMap
  /** ELM `Qualification.learningOutcome` (Annex I element 6). */
  learningOutcomes: CourseLearningOutcome[]
  /**
   * ECTS credit points: ELM `Qualification.creditPoint` {framework ECTS, point} (Annex I element 7).
   * @see http://data.europa.eu/snb/model/elm/creditPoint
   */
  ects: number
  /**
   * Notional workload in hours: ELM `Qualification.volumeOfLearning` (`PT<n>H`).
   * @see http://data.europa.eu/snb/model/elm/volumeOfLearning
   */
  workloadHours: number
  /**
   * ELM `Qualification.eqfLevel` (elm:EQFLevel), scheme `http://data.europa.eu/snb/eqf/25831c2`
   * (Annex I element 8).
   */
  eqfLevel: EqfLevel
  /** ELM `Qualification.nqfLevel` (elm:NQFLevel), scheme `http://data.europa.eu/snb/qdr/25831c2`. */
  nqfLevel?: { id: string; label: LangMap }
  /**
   * Type of assessment: `LearningAssessmentSpecification.dcType` (Annex I element 9), a concept of
   * `europass-learning-assessment-types` (`http://data.europa.eu/snb/assessment/25831c2`).
   */
  assessmentType: string
  /**
   * Form of participation: `Qualification.mode` (Annex I element 10), a concept of `europass-modes`
   * (`http://data.europa.eu/snb/learning-assessment/25831c2`).
   */
  mode: string
  /**
   * ELM `Qualification.learningSetting`: formal or non-formal learning
   * (`http://data.europa.eu/snb/learning-setting/25831c2`). Input also accepts `formal` / `non-formal`.
   */
  learningSetting: string
  /**
   * Teaching languages, ISO 639-1 codes of EU official languages; the first is the primary language of
   * the credential. ELM `Qualification.language` and `displayParameter.language`.
   */
  languages: string[]
  /** Annex I element 11. */
  qualityAssurance: CourseQualityAssurance
  /** ELM `Qualification.entryRequirement` (a `Note`). */
  prerequisites?: LangMap
  /** ELM `LearningAssessmentSpecification.gradingScheme`. */
  gradingScheme?: { title: LangMap; description?: LangMap }
  awardingBody: CourseAwardingBody
  /** Issued as `LearningAchievement.learningOpportunity.identifier`. */
  ilaOffer?: CourseIlaOffer
  /** ELM `Qualification.isPartialQualification` (Annex I optional element "integration / stackability"). */
  isPartialQualification?: boolean
  /** How long the credential stays valid, in months from issuance: `validUntil` / `expirationDate`. */
  validityMonths?: number
  /** Status entries each credential carries; absent = the instance default, `[]` = none. */
  statusPurposes?: Array<'revocation' | 'suspension'>
}
