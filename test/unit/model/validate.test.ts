import { readFileSync } from 'node:fs'
import { expect } from 'chai'
import { ValidationError } from '../../../src/errors.js'
import type { FieldProblem } from '../../../src/errors.js'
import { parseCourse, parseLearner } from '../../../src/model/index.js'

type Json = Record<string, any>

const EXAMPLES = new URL('../../../examples/', import.meta.url)

function example(name: string): Json {
  return JSON.parse(readFileSync(new URL(name, EXAMPLES), 'utf8')) as Json
}

/** The problems of the ValidationError `fn` throws (fails the test when it does not throw one). */
function problemsOf(fn: () => unknown): FieldProblem[] {
  try {
    fn()
  } catch (err) {
    expect(err).to.be.instanceOf(ValidationError)
    expect((err as ValidationError).code).to.equal('ERR_VALIDATION')
    return (err as ValidationError).problems
  }
  expect.fail('expected a ValidationError')
}

function courseWith(edit: (course: Json) => void): Json {
  const course = example('course.json')
  edit(course)
  return course
}

function learnerWith(edit: (learner: Json) => void): Json {
  const learner = example('learner.json')
  edit(learner)
  return learner
}

const rules = (problems: FieldProblem[]): Array<[string, string]> => problems.map((p) => [p.field, p.rule])

describe('model/parseCourse', () => {
  it('accepts the example and normalises codes to concept IRIs', () => {
    const input = example('course.json')
    const course = parseCourse(input)
    expect(course.assessmentType).to.equal('http://data.europa.eu/snb/assessment/795dac4096')
    expect(course.mode).to.equal('http://data.europa.eu/snb/learning-assessment/e92d221e4d')
    expect(course.learningSetting).to.equal('http://data.europa.eu/snb/learning-setting/e207a81fc7')
    expect(course.qualityAssurance.type).to.equal('http://data.europa.eu/snb/accreditation/820101cba6')
    expect(course.languages).to.deep.equal(['en', 'fr'])
    // The input is left as it was.
    expect(input.mode).to.equal('e92d221e4d')
  })

  it('the example covers the brief: two languages, 3 ECTS, 75 h, EQF 6, an ILA offer', () => {
    const course = parseCourse(example('course.json'))
    expect(course.languages).to.have.length(2)
    expect([course.ects, course.workloadHours, course.eqfLevel]).to.deep.equal([3, 75, 6])
    expect(course.ilaOffer).to.deep.equal({ registry: 'EDOF', offerId: '40123456789_DDBI-2025' })
  })

  it('accepts full IRIs and the formal / non-formal aliases', () => {
    const course = parseCourse(
      courseWith((c) => {
        c.assessmentType = 'http://data.europa.eu/snb/assessment/6e6cb2cc78'
        c.learningSetting = 'formal'
      }),
    )
    expect(course.assessmentType).to.equal('http://data.europa.eu/snb/assessment/6e6cb2cc78')
    expect(course.learningSetting).to.equal('http://data.europa.eu/snb/learning-setting/6fd4685715')
  })

  const refused: Array<[string, (c: Json) => void, string, string]> = [
    ['a missing title', (c) => delete c.title, '/title', 'required'],
    ['an empty title', (c) => (c.title = {}), '/title', 'minProperties'],
    ['a title key that is not a language code', (c) => (c.title = { EN: 'x' }), '/title/EN', 'propertyNames'],
    [
      'a language outside the EU official languages',
      (c) => (c.languages = ['en', 'xx']),
      '/languages/1',
      'enum',
    ],
    ['a language that is not ISO 639-1', (c) => (c.languages = ['eng']), '/languages/0', 'pattern'],
    ['no language', (c) => (c.languages = []), '/languages', 'minItems'],
    ['a title missing a course language', (c) => delete c.title.fr, '/title/fr', 'required'],
    ['an unknown EQF level', (c) => (c.eqfLevel = 9), '/eqfLevel', 'maximum'],
    ['EQF level 0', (c) => (c.eqfLevel = 0), '/eqfLevel', 'minimum'],
    ['a fractional EQF level', (c) => (c.eqfLevel = 5.5), '/eqfLevel', 'type'],
    ['ects = 0', (c) => (c.ects = 0), '/ects', 'exclusiveMinimum'],
    ['ects < 0', (c) => (c.ects = -3), '/ects', 'exclusiveMinimum'],
    ['ects as a string', (c) => (c.ects = '3'), '/ects', 'type'],
    ['workloadHours = 0', (c) => (c.workloadHours = 0), '/workloadHours', 'exclusiveMinimum'],
    ['an unknown assessment code', (c) => (c.assessmentType = 'ffffffffff'), '/assessmentType', 'enum'],
    [
      'an assessment IRI from another list',
      (c) => (c.assessmentType = 'http://data.europa.eu/snb/learning-assessment/e92d221e4d'),
      '/assessmentType',
      'enum',
    ],
    ['an unknown mode', (c) => (c.mode = 'hybrid'), '/mode', 'enum'],
    ['an unknown learning setting', (c) => (c.learningSetting = 'informal'), '/learningSetting', 'enum'],
    [
      'an unknown quality assurance type',
      (c) => (c.qualityAssurance.type = '0000000000'),
      '/qualityAssurance/type',
      'enum',
    ],
    ['a missing quality assurance', (c) => delete c.qualityAssurance, '/qualityAssurance', 'required'],
    ['an extra property', (c) => (c.colour = 'blue'), '/colour', 'additionalProperties'],
    [
      'an extra nested property',
      (c) => (c.awardingBody.vat = 'x'),
      '/awardingBody/vat',
      'additionalProperties',
    ],
    [
      'a country that is not alpha-2',
      (c) => (c.awardingBody.country = 'FRA'),
      '/awardingBody/country',
      'pattern',
    ],
    ['a country the EU table lacks', (c) => (c.awardingBody.country = 'ZZ'), '/awardingBody/country', 'enum'],
    [
      'a non-ESCO skill',
      (c) => (c.learningOutcomes[0].escoSkills = ['http://example.org/skill/1']),
      '/learningOutcomes/0/escoSkills/0',
      'pattern',
    ],
    ['no learning outcome', (c) => (c.learningOutcomes = []), '/learningOutcomes', 'minItems'],
    ['a bad region code', (c) => (c.awardingBody.region = 'Lyon'), '/awardingBody/region', 'pattern'],
    ['a zero validity', (c) => (c.validityMonths = 0), '/validityMonths', 'minimum'],
  ]
  for (const [what, edit, field, rule] of refused) {
    it(`refuses ${what}: ${field} (${rule})`, () => {
      const problems = problemsOf(() => parseCourse(courseWith(edit)))
      expect(rules(problems)).to.deep.include([field, rule])
    })
  }

  it('reports every problem at once, not only the first', () => {
    const problems = problemsOf(() =>
      parseCourse(
        courseWith((c) => {
          delete c.title
          c.ects = 0
          c.eqfLevel = 9
          c.languages = ['en', 'xx']
          c.assessmentType = 'nope'
          c.extra = true
        }),
      ),
    )
    expect(rules(problems)).to.have.deep.members([
      ['/title', 'required'],
      ['/ects', 'exclusiveMinimum'],
      ['/eqfLevel', 'maximum'],
      ['/languages/1', 'enum'],
      ['/assessmentType', 'enum'],
      ['/extra', 'additionalProperties'],
    ])
    for (const p of problems) expect(p.message).to.be.a('string').and.not.equal('')
  })

  it('refuses something that is not an object', () => {
    expect(rules(problemsOf(() => parseCourse('course')))).to.deep.equal([['/', 'type']])
    expect(rules(problemsOf(() => parseCourse(null)))).to.deep.equal([['/', 'type']])
  })
})

describe('model/parseLearner', () => {
  it('accepts the example and normalises the supervision code', () => {
    const learner = parseLearner(example('learner.json'))
    expect(learner.supervision).to.equal('http://data.europa.eu/snb/supervision-verification/c598449d64')
    expect(learner.identifiers).to.have.length(1)
    expect(learner.ilaLinkToken).to.match(/^[A-Za-z0-9_-]{16,128}$/)
  })

  it('accepts an end date equal to the start date', () => {
    const learner = parseLearner(
      learnerWith((l) => (l.activity = { startDate: '2025-03-01', endDate: '2025-03-01' })),
    )
    expect(learner.activity.endDate).to.equal('2025-03-01')
  })

  const refused: Array<[string, (l: Json) => void, string, string]> = [
    [
      'an end date before the start date',
      (l) => (l.activity.endDate = '2025-02-02'),
      '/activity/endDate',
      'formatMinimum',
    ],
    ['a bad e-mail', (l) => (l.email = 'camille.rousseau@'), '/email', 'format'],
    ['an impossible date', (l) => (l.activity.startDate = '2025-02-30'), '/activity/startDate', 'format'],
    ['a date-time for a date', (l) => (l.dateOfBirth = '1994-03-17T00:00:00Z'), '/dateOfBirth', 'format'],
    ['no identifier', (l) => (l.identifiers = []), '/identifiers', 'minItems'],
    [
      'an identifier without notation',
      (l) => (l.identifiers = [{ schemeName: 'Student ID' }]),
      '/identifiers/0/notation',
      'required',
    ],
    ['a missing family name', (l) => delete l.familyName, '/familyName', 'required'],
    ['a DID that is not a DID', (l) => (l.did = 'https://example.org/camille'), '/did', 'pattern'],
    ['an unknown supervision code', (l) => (l.supervision = 'abcdef1234'), '/supervision', 'enum'],
    ['an unknown result status', (l) => (l.result.status = 'excellent'), '/result/status', 'enum'],
    ['a missing grade', (l) => delete l.result.grade, '/result/grade', 'required'],
    ['a short ILA link token', (l) => (l.ilaLinkToken = 'short'), '/ilaLinkToken', 'pattern'],
    [
      'an ILA link token with unsafe characters',
      (l) => (l.ilaLinkToken = 'a'.repeat(20) + '/+='),
      '/ilaLinkToken',
      'pattern',
    ],
    ['an extra property', (l) => (l.nationality = 'FR'), '/nationality', 'additionalProperties'],
  ]
  for (const [what, edit, field, rule] of refused) {
    it(`refuses ${what}: ${field} (${rule})`, () => {
      const problems = problemsOf(() => parseLearner(learnerWith(edit)))
      expect(rules(problems)).to.deep.include([field, rule])
    })
  }

  it('reports the date order together with schema errors', () => {
    const problems = problemsOf(() =>
      parseLearner(
        learnerWith((l) => {
          l.activity.endDate = '2024-12-31'
          l.email = 'nope'
        }),
      ),
    )
    expect(rules(problems)).to.have.deep.members([
      ['/activity/endDate', 'formatMinimum'],
      ['/email', 'format'],
    ])
  })
})
