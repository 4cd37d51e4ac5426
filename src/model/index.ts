/**
 * The micro-credential domain model: course and learner input, the official ELM code lists, the
 * Annex I check and the unsigned ELM credential in its two envelopes.
 */

export type {
  Course,
  CourseAwardingBody,
  CourseIlaOffer,
  CourseLearningOutcome,
  CourseOrganisationRef,
  CourseQualityAssurance,
  EqfLevel,
  LangMap,
} from './course.js'
export type { LearnerCompletion, LearnerIdentifier, ResultStatus } from './learner.js'
export { COURSE_SCHEMA, LEARNER_SCHEMA, parseCourse, parseLearner } from './validate.js'
export {
  ATU_SCHEME,
  ESCO_SKILL_PATTERN,
  ESCO_SKILL_SCHEME,
  EU_LANGUAGE_CODES,
  NQF_SCHEME,
  NUTS_SCHEME,
  UnknownConceptError,
  VOCABULARIES,
  concept,
  conceptIri,
  countryConcept,
  countryIri,
  escoSkillConcept,
  findConcept,
  languageConcept,
  languageIri,
  nqfConcept,
  regionConcept,
} from './vocabularies.js'
export type { ElmConcept, ListName, Vocabulary, VocabularyConcept } from './vocabularies.js'
export {
  ANNEX_I_ELEMENTS,
  assertAnnexI,
  assertAnnexICredential,
  checkAnnexI,
  checkAnnexICredential,
} from './annex-i.js'
export type { AnnexIElement } from './annex-i.js'
export {
  COURSE_IDENTIFIER_SCHEME_NAME,
  EDC_AP_CONTEXT,
  EDC_SHACL_SCHEMA_ID,
  ILA_COMMITMENT_SCHEME_NAME,
  VC_V1_CONTEXT,
  VC_V2_CONTEXT,
  buildMicrocredential,
  ilaCommitmentSalt,
  ilaLinkCommitment,
  toXsdDateTime,
  withExtraContexts,
} from './build-microcredential.js'
export type { BuildInput, DisplayImageContent } from './build-microcredential.js'
export {
  EBSI_EDC_SCHEMA_HEX_ID,
  EBSI_EDC_SCHEMA_ID,
  EBSI_EDC_SCHEMA_URL,
  EBSI_TSR_SCHEMAS_URL,
  isEbsiEdcSchemaUrl,
  validateEbsiEdc,
} from './ebsi-schema.js'
