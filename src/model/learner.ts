/**
 * What one learner achieved in one course: the person (ELM `Person`, the `credentialSubject`), the
 * result (`LearningAssessment`) and the activity (`LearningActivity`). Mirrors
 * `schemas/learner.schema.json`.
 */

/**
 * An identifier of the learner held by the institution, e.g. a student number.
 * @see http://data.europa.eu/snb/model/elm/Identifier
 */
export interface LearnerIdentifier {
  /** ELM `Identifier.schemeName`, e.g. `Student ID`. */
  schemeName: string
  /** ELM `Identifier.notation` (skos:notation). */
  notation: string
}

/** Outcome of the learner's assessment. Only `passed` results are issued. */
export type ResultStatus = 'passed' | 'failed' | 'incomplete'

/**
 * A learner's completion of a course, as {@link parseLearner} returns it. Code-list fields hold concept
 * IRIs once parsed.
 * @see http://data.europa.eu/snb/model/elm/Person
 */
export interface LearnerCompletion {
  /** ELM `Person.givenName` (foaf:givenName, one language only). */
  givenName: string
  /** ELM `Person.familyName` (foaf:familyName, one language only). */
  familyName: string
  /** ELM `Person.identifier` (adms:identifier); at least one (Annex I element 1). */
  identifiers: LearnerIdentifier[]
  /** The learner's DID, when known: becomes the `credentialSubject.id`. */
  did?: string
  /** ELM `Person.contactPoint.emailAddress` (a `Mailbox`, `mailto:` IRI). */
  email?: string
  /** `YYYY-MM-DD`; ELM `Person.dateOfBirth` (issued as midnight UTC). */
  dateOfBirth?: string
  result: {
    /** ELM `LearningAssessment.grade` (a `Note`), e.g. `Pass`, `16/20`. */
    grade: string
    /** Defaults to `passed`. */
    status?: ResultStatus
  }
  /**
   * When the learner took part: ELM `LearningActivity.temporal` (`PeriodOfTime` {startDate, endDate}),
   * `YYYY-MM-DD` each, end not before start.
   */
  activity: { startDate: string; endDate: string }
  /**
   * Supervision and identity verification during assessment: `LearningAssessment.idVerification`, a
   * concept of `http://data.europa.eu/snb/supervision-verification/25831c2`.
   */
  supervision: string
  /** `YYYY-MM-DD`; ELM `AwardingProcess.awardingDate`. Defaults to the issuance time. */
  awardingDate?: string
  /**
   * Opaque enrolment link token from the ILA operator (16 to 128 URL-safe characters). Never issued as
   * such: the credential carries a salted commitment to it (see `ilaLinkCommitment`).
   */
  ilaLinkToken?: string
}
