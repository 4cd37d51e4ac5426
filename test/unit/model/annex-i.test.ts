import { readFileSync } from 'node:fs'
import { expect } from 'chai'
import { IncompleteMicrocredentialError } from '../../../src/errors.js'
import {
  ANNEX_I_ELEMENTS,
  assertAnnexI,
  assertAnnexICredential,
  buildMicrocredential,
  checkAnnexI,
  checkAnnexICredential,
  parseCourse,
  parseLearner,
} from '../../../src/model/index.js'
import type { AnnexIElement, BuildInput, Course, LearnerCompletion } from '../../../src/model/index.js'
import type { IssuerProfile } from '../../../src/storage/storage.js'

type Json = Record<string, any>

const EXAMPLES = new URL('../../../examples/', import.meta.url)
const example = (name: string): unknown => JSON.parse(readFileSync(new URL(name, EXAMPLES), 'utf8'))

const PROFILE: IssuerProfile = {
  legalName: { fr: 'Université Rhône-Confluence', en: 'Rhône-Confluence University' },
  country: 'FR',
  address: { fr: '12 quai Claude-Bernard, 69007 Lyon, France' },
  eidasIdentifier: { notation: 'VATFR-40123456789', country: 'FR' },
  development: false,
}

function input(format: 'elm' | 'edc', course = parseCourse(example('course.json'))): BuildInput {
  return {
    course,
    learner: parseLearner(example('learner.json')),
    issuer: { did: 'did:web:credentials.univ-rhone-confluence.example', profile: PROFILE },
    credentialId: 'urn:uuid:3b241101-e2bb-4255-8caf-4136c566a962',
    issued: new Date('2025-05-06T09:30:00Z'),
    format,
    displayImages: new Map(
      course.languages.map((lang) => [lang, { contentType: 'image/png', base64: 'iVBORw0KGgo=' }]),
    ),
  }
}

const achievement = (cred: Json): Json => cred.credentialSubject.hasClaim[0]

/** How to remove each element from a built credential: every ELM place the element may be found. */
const REMOVE: Record<AnnexIElement, (cred: Json) => void> = {
  M1: (cred) => {
    delete cred.credentialSubject.givenName
    delete cred.credentialSubject.familyName
    delete cred.credentialSubject.fullName
  },
  M2: (cred) => delete achievement(cred).title,
  M3: (cred) => delete cred.issuer.location,
  M4: (cred) => delete achievement(cred).awardedBy.awardingBody,
  M5: (cred) => delete cred.issued,
  M6: (cred) => delete achievement(cred).specifiedBy.learningOutcome,
  M7: (cred) => {
    delete achievement(cred).specifiedBy.creditPoint
    delete achievement(cred).specifiedBy.volumeOfLearning
  },
  M8: (cred) => {
    delete achievement(cred).specifiedBy.eqfLevel
    delete achievement(cred).specifiedBy.nqfLevel
  },
  M9: (cred) => delete achievement(cred).provenBy[0].specifiedBy[0].dcType,
  M10: (cred) => {
    delete achievement(cred).specifiedBy.mode
    delete achievement(cred).influencedBy[0].specifiedBy.mode
  },
  M11: (cred) => delete achievement(cred).specifiedBy.accreditation,
}

const EXPECTED_FIELD: Record<AnnexIElement, string> = {
  M1: 'M1 credentialSubject.fullName',
  M2: 'M2 hasClaim.title',
  M3: 'M3 issuer.location.address.countryCode',
  M4: 'M4 hasClaim.awardedBy.awardingBody',
  M5: 'M5 issued',
  M6: 'M6 specifiedBy.learningOutcome',
  M7: 'M7 specifiedBy.creditPoint',
  M8: 'M8 specifiedBy.eqfLevel',
  M9: 'M9 provenBy.specifiedBy.dcType',
  M10: 'M10 specifiedBy.mode',
  M11: 'M11 specifiedBy.accreditation',
}

describe('model/annex-i', () => {
  it('names the eleven mandatory elements', () => {
    expect(Object.keys(ANNEX_I_ELEMENTS)).to.deep.equal([
      'M1',
      'M2',
      'M3',
      'M4',
      'M5',
      'M6',
      'M7',
      'M8',
      'M9',
      'M10',
      'M11',
    ])
  })

  for (const format of ['elm', 'edc'] as const) {
    describe(`on a built ${format} credential`, () => {
      it('finds all eleven elements', () => {
        expect(checkAnnexICredential(buildMicrocredential(input(format)))).to.deep.equal([])
      })

      for (const element of Object.keys(REMOVE) as AnnexIElement[]) {
        it(`reports exactly ${element} when it is removed`, () => {
          const cred = buildMicrocredential(input(format)) as Json
          REMOVE[element](cred)
          const problems = checkAnnexICredential(cred)
          expect(problems.map((p) => [p.field, p.rule])).to.deep.equal([
            [EXPECTED_FIELD[element], 'required'],
          ])
          expect(problems[0]?.message).to.contain(ANNEX_I_ELEMENTS[element].title)
          try {
            assertAnnexICredential(cred)
            expect.fail('expected an IncompleteMicrocredentialError')
          } catch (err) {
            expect(err).to.be.instanceOf(IncompleteMicrocredentialError)
            expect((err as IncompleteMicrocredentialError).code).to.equal('ERR_MICROCREDENTIAL_INCOMPLETE')
            expect((err as IncompleteMicrocredentialError).missing).to.deep.equal(problems)
          }
        })
      }
    })
  }

  it('M1 needs something that identifies the learner besides the name', () => {
    const cred = buildMicrocredential(input('elm')) as Json
    delete cred.credentialSubject.identifier
    delete cred.credentialSubject.dateOfBirth
    delete cred.credentialSubject.contactPoint
    expect(checkAnnexICredential(cred).map((p) => p.field)).to.deep.equal(['M1 credentialSubject.identifier'])
  })

  it('M8 and M11 check the official scheme, not just a value', () => {
    const cred = buildMicrocredential(input('elm')) as Json
    achievement(cred).specifiedBy.eqfLevel.inScheme.id = 'http://example.org/levels'
    achievement(cred).specifiedBy.accreditation[0].dcType.inScheme.id = 'http://example.org/qa'
    expect(checkAnnexICredential(cred).map((p) => p.field)).to.deep.equal([
      'M8 specifiedBy.eqfLevel',
      'M11 specifiedBy.accreditation',
    ])
  })

  it('reports every element of an empty document', () => {
    expect(checkAnnexICredential({}).map((p) => p.field.split(' ')[0])).to.deep.equal(
      Object.keys(ANNEX_I_ELEMENTS),
    )
  })

  describe('checkAnnexI(course, learner, issuer)', () => {
    const course = (): Course => parseCourse(example('course.json'))
    const learner = (): LearnerCompletion => parseLearner(example('learner.json'))

    it('is empty for complete data', () => {
      expect(checkAnnexI(course(), learner(), PROFILE)).to.deep.equal([])
      expect(() => assertAnnexI(course(), learner(), PROFILE)).not.to.throw()
    })

    it('reports what a course stored under an older version lacks, on the content that would be issued', () => {
      const old = course() as Partial<Course>
      delete old.qualityAssurance
      delete old.ects
      expect(checkAnnexI(old as Course, learner(), PROFILE).map((p) => p.field)).to.deep.equal([
        'M11 specifiedBy.accreditation',
      ])
      delete old.workloadHours
      expect(checkAnnexI(old as Course, learner(), PROFILE).map((p) => p.field)).to.deep.equal([
        'M7 specifiedBy.creditPoint',
        'M11 specifiedBy.accreditation',
      ])
    })

    it('reports an issuer profile without a country as M3', () => {
      const { country: _country, ...profile } = PROFILE
      expect(checkAnnexI(course(), learner(), profile as IssuerProfile).map((p) => p.field)).to.deep.equal([
        'M3 issuer.location.address.countryCode',
      ])
    })

    it('assertAnnexI throws IncompleteMicrocredentialError listing exactly what is missing', () => {
      const partial = course() as Partial<Course>
      delete partial.learningOutcomes
      delete partial.mode
      try {
        assertAnnexI(partial as Course, learner(), PROFILE)
        expect.fail('expected an IncompleteMicrocredentialError')
      } catch (err) {
        expect(err).to.be.instanceOf(IncompleteMicrocredentialError)
        expect((err as IncompleteMicrocredentialError).missing.map((p) => p.field)).to.deep.equal([
          'M6 specifiedBy.learningOutcome',
          'M10 specifiedBy.mode',
        ])
      }
    })

    it('buildMicrocredential refuses to issue an incomplete micro-credential', () => {
      const partial = course() as Partial<Course>
      delete partial.eqfLevel
      expect(() => buildMicrocredential(input('elm', partial as Course)))
        .to.throw(IncompleteMicrocredentialError)
        .with.property('missing')
        .that.deep.equals([
          {
            field: 'M8 specifiedBy.eqfLevel',
            rule: 'required',
            message: `Annex I M8 (${ANNEX_I_ELEMENTS.M8.title}) is missing: no EQF, NQF or education level`,
          },
        ])
    })
  })
})
