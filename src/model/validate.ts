/**
 * Parsing of course and learner input: JSON Schema first (every error, each with its JSON pointer and
 * the Ajv keyword it broke), then the checks a schema cannot express (official code lists, date order).
 * On success the code-list fields are normalised to concept IRIs.
 */

import { readFileSync } from 'node:fs'
import { ValidationError } from '../errors.js'
import type { FieldProblem } from '../errors.js'
import { createAjv, toFieldProblems } from '../lib/schema-validation.js'
import type { Course } from './course.js'
import type { LearnerCompletion } from './learner.js'
import { VOCABULARIES, conceptIri, countryIri, languageIri } from './vocabularies.js'
import type { ListName } from './vocabularies.js'

function readSchema(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(new URL(`../../schemas/${name}`, import.meta.url), 'utf8')) as Record<
    string,
    unknown
  >
}

/** `schemas/course.schema.json` (`$id` `https://microcred.eu/schemas/course.json`). */
export const COURSE_SCHEMA: Readonly<Record<string, unknown>> = Object.freeze(
  readSchema('course.schema.json'),
)
/** `schemas/learner.schema.json` (`$id` `https://microcred.eu/schemas/learner.json`). */
export const LEARNER_SCHEMA: Readonly<Record<string, unknown>> = Object.freeze(
  readSchema('learner.schema.json'),
)

const ajv = createAjv()
const validateCourseShape = ajv.compile<Course>(COURSE_SCHEMA)
const validateLearnerShape = ajv.compile<LearnerCompletion>(LEARNER_SCHEMA)

type Json = Record<string, unknown>

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** Checks `obj[key]` against a code list, when it is a string (the schema reports other types). */
function checkCode(obj: unknown, key: string, list: ListName, field: string, problems: FieldProblem[]): void {
  if (!isObject(obj)) return
  const value = obj[key]
  if (typeof value !== 'string') return
  if (conceptIri(list, value) === undefined) {
    const allowed = VOCABULARIES[list].concepts
      .map((c) => `${c.id.slice(c.id.lastIndexOf('/') + 1)} (${c.label})`)
      .join(', ')
    const message = `${field} ${JSON.stringify(value)} is not in the official ${list} list; allowed: ${allowed}`
    problems.push({ field, rule: 'enum', message })
  }
}

function checkCountry(obj: unknown, key: string, field: string, problems: FieldProblem[]): void {
  if (!isObject(obj)) return
  const value = obj[key]
  if (typeof value === 'string' && /^[A-Z]{2}$/.test(value) && countryIri(value) === undefined) {
    const message = `${field} ${value} is not a country of the EU country table`
    problems.push({ field, rule: 'enum', message })
  }
}

function courseContentProblems(input: unknown): FieldProblem[] {
  const problems: FieldProblem[] = []
  if (!isObject(input)) return problems
  checkCode(input, 'assessmentType', 'europass-learning-assessment-types', '/assessmentType', problems)
  checkCode(input, 'mode', 'europass-modes', '/mode', problems)
  checkCode(input, 'learningSetting', 'europass-learning-setting-types', '/learningSetting', problems)
  checkCode(
    input.qualityAssurance,
    'type',
    'europass-accreditation-types',
    '/qualityAssurance/type',
    problems,
  )
  if (Array.isArray(input.languages)) {
    input.languages.forEach((lang, i) => {
      if (typeof lang !== 'string' || !/^[a-z]{2}$/.test(lang)) return
      if (languageIri(lang) === undefined) {
        problems.push({
          field: `/languages/${i}`,
          rule: 'enum',
          message: `/languages/${i} ${lang} is not one of the 24 official EU languages (ISO 639-1)`,
        })
      } else if (isObject(input.title) && input.title[lang] === undefined) {
        // The credential is displayed in every course language, each display headed by the title.
        problems.push({
          field: `/title/${lang}`,
          rule: 'required',
          message: `/title/${lang} is required: ${lang} is a course language`,
        })
      }
    })
  }
  const body = input.awardingBody
  checkCountry(body, 'country', '/awardingBody/country', problems)
  if (isObject(body)) {
    checkCountry(body.legalIdentifier, 'country', '/awardingBody/legalIdentifier/country', problems)
  }
  const qa = input.qualityAssurance
  if (isObject(qa)) {
    checkCountry(qa.accreditingAgent, 'country', '/qualityAssurance/accreditingAgent/country', problems)
  }
  return problems
}

function learnerExtraProblems(input: unknown): FieldProblem[] {
  const problems: FieldProblem[] = []
  if (!isObject(input)) return problems
  checkCode(input, 'supervision', 'supervision-verification', '/supervision', problems)
  const activity = input.activity
  if (isObject(activity)) {
    const { startDate, endDate } = activity
    const isDate = (v: unknown): v is string => typeof v === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(v)
    // ISO dates of equal length compare in calendar order as strings.
    if (isDate(startDate) && isDate(endDate)) {
      if (endDate < startDate) {
        problems.push({
          field: '/activity/endDate',
          rule: 'formatMinimum',
          message: `/activity/endDate ${endDate} is before /activity/startDate ${startDate}`,
        })
      }
    }
  }
  return problems
}

function sortProblems(problems: FieldProblem[]): FieldProblem[] {
  return problems.sort((a, b) => (a.field < b.field ? -1 : a.field > b.field ? 1 : a.rule < b.rule ? -1 : 1))
}

/**
 * Validates and normalises a course: the JSON Schema, then the official code lists (rule `enum`).
 * Short codes (`6e6cb2cc78`, `formal`) become concept IRIs; the input is not modified.
 *
 * @throws {ValidationError} listing every problem, each with the field's JSON pointer and the rule.
 */
export function parseCourse(input: unknown): Course {
  const valid = validateCourseShape(input)
  const problems = valid ? [] : toFieldProblems(validateCourseShape.errors)
  problems.push(...courseContentProblems(input))
  if (!valid || problems.length > 0) {
    throw new ValidationError(`Invalid course: ${problems.length} problem(s)`, sortProblems(problems))
  }
  const course = structuredClone(input)
  // The code checks above passed, so every lookup below succeeds.
  const iri = (list: ListName, code: string): string => conceptIri(list, code) ?? code
  course.assessmentType = iri('europass-learning-assessment-types', course.assessmentType)
  course.mode = iri('europass-modes', course.mode)
  course.learningSetting = iri('europass-learning-setting-types', course.learningSetting)
  course.qualityAssurance.type = iri('europass-accreditation-types', course.qualityAssurance.type)
  return course
}

/**
 * Validates and normalises one learner's completion: the JSON Schema, the supervision code list (rule
 * `enum`) and the activity dates (end not before start, rule `formatMinimum`). The supervision short
 * code becomes its concept IRI; the input is not modified.
 *
 * @throws {ValidationError} listing every problem, each with the field's JSON pointer and the rule.
 */
export function parseLearner(input: unknown): LearnerCompletion {
  const valid = validateLearnerShape(input)
  const problems = valid ? [] : toFieldProblems(validateLearnerShape.errors)
  problems.push(...learnerExtraProblems(input))
  if (!valid || problems.length > 0) {
    const message = `Invalid learner completion: ${problems.length} problem(s)`
    throw new ValidationError(message, sortProblems(problems))
  }
  const learner = structuredClone(input)
  learner.supervision = conceptIri('supervision-verification', learner.supervision) ?? learner.supervision
  return learner
}
