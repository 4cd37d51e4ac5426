import { expect } from 'chai'
import { ValidationError } from '../../../src/errors.js'
import {
  EU_LANGUAGE_CODES,
  UnknownConceptError,
  VOCABULARIES,
  concept,
  conceptIri,
  countryConcept,
  countryIri,
  escoSkillConcept,
  languageConcept,
  languageIri,
  regionConcept,
} from '../../../src/model/index.js'
import type { ListName } from '../../../src/model/index.js'

// The scheme IRIs the EDC SHACL (EDC-generic-full.ttl) and the official samples expect.
const OFFICIAL_SCHEMES: Record<ListName, string> = {
  country: 'http://publications.europa.eu/resource/authority/country',
  'credit-points': 'http://data.europa.eu/snb/education-credit/25831c2',
  eqf: 'http://data.europa.eu/snb/eqf/25831c2',
  'europass-accreditation-types': 'http://data.europa.eu/snb/accreditation/25831c2',
  'europass-credential-types': 'http://data.europa.eu/snb/credential/25831c2',
  'europass-learning-activity-types': 'http://data.europa.eu/snb/learning-activity/25831c2',
  'europass-learning-assessment-types': 'http://data.europa.eu/snb/assessment/25831c2',
  'europass-learning-setting-types': 'http://data.europa.eu/snb/learning-setting/25831c2',
  'europass-modes': 'http://data.europa.eu/snb/learning-assessment/25831c2',
  language: 'http://publications.europa.eu/resource/authority/language',
  'file-type': 'http://publications.europa.eu/resource/authority/file-type',
  encoding: 'http://data.europa.eu/snb/encoding/25831c2',
  'supervision-verification': 'http://data.europa.eu/snb/supervision-verification/25831c2',
}

describe('model/vocabularies', () => {
  it('knows exactly the expected lists, each with its official scheme IRI', () => {
    expect(Object.keys(VOCABULARIES)).to.have.members(Object.keys(OFFICIAL_SCHEMES))
    for (const [name, scheme] of Object.entries(OFFICIAL_SCHEMES)) {
      expect(VOCABULARIES[name as ListName].scheme, name).to.equal(scheme)
    }
  })

  it('holds the official lists completely (sizes of the XSD enumerations)', () => {
    const sizes = Object.fromEntries(
      Object.entries(VOCABULARIES).map(([name, v]) => [name, v.concepts.length]),
    )
    expect(sizes).to.include({
      country: 253,
      'credit-points': 2,
      eqf: 8,
      'europass-accreditation-types': 4,
      'europass-credential-types': 5,
      'europass-learning-activity-types': 11,
      'europass-learning-assessment-types': 14,
      'europass-learning-setting-types': 2,
      'europass-modes': 6,
      language: 24,
    })
  })

  it('every concept IRI lives under its scheme (same base path) and is unique', () => {
    for (const [name, vocabulary] of Object.entries(VOCABULARIES)) {
      const base = vocabulary.scheme.replace(/\/25831c2$/, '')
      const ids = vocabulary.concepts.map((c) => c.id)
      expect(new Set(ids).size, name).to.equal(ids.length)
      for (const id of ids) expect(id.startsWith(`${base}/`), `${name}: ${id}`).to.equal(true)
    }
  })

  it('builds the ELM inline concept from a short code or the IRI, identically', () => {
    const byCode = concept('europass-learning-assessment-types', '6e6cb2cc78')
    expect(byCode).to.deep.equal({
      id: 'http://data.europa.eu/snb/assessment/6e6cb2cc78',
      type: 'Concept',
      inScheme: { id: 'http://data.europa.eu/snb/assessment/25831c2', type: 'ConceptScheme' },
      prefLabel: { en: 'written examination' },
    })
    expect(concept('europass-learning-assessment-types', byCode.id)).to.deep.equal(byCode)
    expect(concept('eqf', '6').prefLabel).to.deep.equal({ en: 'Level 6' })
    expect(concept('europass-modes', 'e92d221e4d').prefLabel).to.deep.equal({ en: 'Blended' })
    expect(conceptIri('europass-learning-setting-types', 'non-formal')).to.equal(
      'http://data.europa.eu/snb/learning-setting/e207a81fc7',
    )
  })

  it('adds a label in another language only when the list has one', () => {
    expect(languageConcept('fr').prefLabel).to.deep.equal({ en: 'French' })
    expect(concept('language', 'FRA', 'fr').prefLabel).to.deep.equal({ en: 'French', fr: 'français' })
    expect(concept('eqf', '6', 'fr').prefLabel).to.deep.equal({ en: 'Level 6' })
  })

  it('throws a typed error for an unknown code', () => {
    let error: unknown
    try {
      concept('europass-modes', 'hybrid')
    } catch (err) {
      error = err
    }
    expect(error).to.be.instanceOf(UnknownConceptError).and.instanceOf(ValidationError)
    const e = error as UnknownConceptError
    expect(e.code).to.equal('ERR_VALIDATION')
    expect([e.list, e.value]).to.deep.equal(['europass-modes', 'hybrid'])
    expect(e.problems.map((p) => p.rule)).to.deep.equal(['enum'])
    // A code of another list is unknown too.
    expect(() => concept('eqf', 'e92d221e4d')).to.throw(UnknownConceptError)
  })

  it('maps the 24 EU official languages to the EU language authority, and nothing else', () => {
    expect(EU_LANGUAGE_CODES).to.have.length(24)
    expect(languageIri('en')).to.equal('http://publications.europa.eu/resource/authority/language/ENG')
    expect(languageIri('ga')).to.equal('http://publications.europa.eu/resource/authority/language/GLE')
    expect(languageIri('el')).to.equal('http://publications.europa.eu/resource/authority/language/ELL')
    for (const code of EU_LANGUAGE_CODES) expect(languageIri(code), code).to.be.a('string')
    for (const code of ['no', 'is', 'tr', 'ca', 'xx', 'EN'])
      expect(languageIri(code), code).to.equal(undefined)
    expect(() => languageConcept('no', '/languages/0')).to.throw(UnknownConceptError)
  })

  it('maps ISO alpha-2 countries to the EU country table (all EU/EEA states, and the EU aliases)', () => {
    const europe =
      'AT BE BG HR CY CZ DK EE FI FR DE GR HU IE IT LV LT LU MT NL PL PT RO SK SI ES SE IS LI NO CH'
    for (const code of europe.split(' ')) {
      const iri = countryIri(code)
      expect(iri, code).to.be.a('string')
      expect(
        VOCABULARIES.country.concepts.some((c) => c.id === iri),
        code,
      ).to.equal(true)
    }
    expect(countryIri('IE')).to.equal('http://publications.europa.eu/resource/authority/country/IRL')
    expect(countryIri('EL')).to.equal(countryIri('GR'))
    expect(countryIri('UK')).to.equal(countryIri('GB'))
    expect(countryIri('XK')).to.equal('http://publications.europa.eu/resource/authority/country/1A0')
    expect(countryIri('ZZ')).to.equal(undefined)
    expect(countryConcept('BE')).to.deep.equal({
      id: 'http://publications.europa.eu/resource/authority/country/BEL',
      type: 'Concept',
      inScheme: { id: 'http://publications.europa.eu/resource/authority/country', type: 'ConceptScheme' },
      prefLabel: { en: 'Belgium' },
    })
  })

  it('builds ESCO and region concepts in the schemes the SHACL and ELM expect', () => {
    const skill = 'http://data.europa.eu/esco/skill/7dd94ad3-13d6-43fe-8b94-51fcbf67ced9'
    expect(escoSkillConcept(skill).inScheme.id).to.equal('http://data.europa.eu/esco/concept-scheme/skills')
    expect(regionConcept('IRL_CTH_DUB').id).to.equal(
      'http://publications.europa.eu/resource/authority/atu/IRL_CTH_DUB',
    )
    expect(regionConcept('IRL_CTH_DUB').inScheme.id).to.equal(
      'http://publications.europa.eu/resource/authority/atu',
    )
    expect(regionConcept('IE061').id).to.equal('http://data.europa.eu/nuts/code/IE061')
    expect(() => regionConcept('Dublin', '/awardingBody/region')).to.throw(ValidationError)
  })
})
