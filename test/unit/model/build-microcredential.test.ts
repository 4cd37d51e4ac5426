import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { expect } from 'chai'
import { ValidationError } from '../../../src/errors.js'
import { createStaticDocumentLoader } from '../../../src/document-loader/index.js'
import {
  EBSI_EDC_SCHEMA_ID,
  EBSI_EDC_SCHEMA_URL,
  ILA_COMMITMENT_SCHEME_NAME,
  VOCABULARIES,
  buildMicrocredential,
  parseCourse,
  parseLearner,
  validateEbsiEdc,
  withExtraContexts,
} from '../../../src/model/index.js'
import type { BuildInput, Course, LearnerCompletion } from '../../../src/model/index.js'
import type { IssuerProfile } from '../../../src/storage/storage.js'
import { flattenResults, validateEdcShacl } from '../../support/shacl.js'

type Json = Record<string, any>

const EXAMPLES = new URL('../../../examples/', import.meta.url)
const example = (name: string): unknown => JSON.parse(readFileSync(new URL(name, EXAMPLES), 'utf8'))
const vendor = (path: string): Json =>
  JSON.parse(readFileSync(new URL(`../../../schemas/vendor/ebsi/${path}`, import.meta.url), 'utf8')) as Json

const PROFILE: IssuerProfile = {
  legalName: { fr: 'Université Rhône-Confluence', en: 'Rhône-Confluence University' },
  country: 'FR',
  address: { fr: '12 quai Claude-Bernard, 69007 Lyon, France' },
  eidasIdentifier: { notation: 'VATFR-40123456789', country: 'FR' },
  homepage: 'https://www.univ-rhone-confluence.example/',
  email: 'scolarite@univ-rhone-confluence.example',
  development: false,
}

const ISSUER_DID = 'did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK'
// A 1x1 PNG is enough: the builder embeds images, it does not render them.
const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=='

function buildInput(
  format: 'elm' | 'edc',
  edit?: { course?: (c: Course) => void; learner?: (l: LearnerCompletion) => void },
): BuildInput {
  const course = parseCourse(example('course.json'))
  const learner = parseLearner(example('learner.json'))
  edit?.course?.(course)
  edit?.learner?.(learner)
  return {
    course,
    learner,
    issuer: { did: ISSUER_DID, profile: PROFILE },
    credentialId: 'urn:uuid:0b8f3c9e-2f4a-4c1d-9a7b-5e6f7a8b9c0d',
    issued: new Date('2025-05-06T09:30:12.345Z'),
    format,
    displayImages: new Map(course.languages.map((lang) => [lang, { contentType: 'image/png', base64: PNG }])),
  }
}

const build = (...args: Parameters<typeof buildInput>): Json =>
  buildMicrocredential(buildInput(...args)) as Json
const claim = (cred: Json): Json => cred.credentialSubject.hasClaim[0]

/** Every object in the tree, depth first. */
function nodes(value: unknown, out: Json[] = []): Json[] {
  if (Array.isArray(value)) for (const v of value) nodes(v, out)
  else if (typeof value === 'object' && value !== null) {
    out.push(value as Json)
    for (const v of Object.values(value)) nodes(v, out)
  }
  return out
}

describe('model/buildMicrocredential', () => {
  describe('elm (VC Data Model 2.0, EBSI EDC schema)', () => {
    it('the official EBSI example validates against the bundled schema (control)', () => {
      const official = vendor(
        'vcdm2.0-europass-edc-schema/examples/microcredential-data-and-software-business.json',
      )
      expect(validateEbsiEdc(official)).to.deep.equal([])
      const broken = structuredClone(official)
      delete broken.issued
      expect(validateEbsiEdc(broken)).to.deep.include({
        field: '/issued',
        rule: 'required',
        message: '/issued is required',
      })
    })

    it('validates against the official EBSI schema with zero errors', () => {
      expect(validateEbsiEdc(build('elm'))).to.deep.equal([])
    })

    it('also validates with a validity period, a learner DID and status entries of the schema', () => {
      const input = buildInput('elm', {
        course: (c) => (c.validityMonths = 36),
        learner: (l) => (l.did = 'did:key:z6MkpTHR8VNsBxYAAWHut2Geadd9jSwuBV8xRoAnwWsdvktH'),
      })
      input.credentialStatus = [{ id: 'https://status.example/lists/1#42', type: 'CredentialStatus' }]
      expect(validateEbsiEdc(buildMicrocredential(input))).to.deep.equal([])
    })

    it('has the VC 2.0 envelope: contexts, types, one JsonSchema entry with the registry id', () => {
      const cred = build('elm')
      expect(cred['@context']).to.deep.equal([
        'https://www.w3.org/ns/credentials/v2',
        'http://data.europa.eu/snb/model/context/edc-ap',
      ])
      expect(cred.type).to.deep.equal([
        'VerifiableCredential',
        'VerifiableAttestation',
        'EuropeanDigitalCredential',
      ])
      const metadata = vendor('vcdm2.0-europass-edc-schema/schema.metadata.json')
      expect(EBSI_EDC_SCHEMA_ID).to.equal(metadata.id.multibase_base58btc)
      expect(cred.credentialSchema).to.deep.equal([
        {
          id: `https://api-pilot.ebsi.eu/trusted-schemas-registry/v3/schemas/${metadata.id.multibase_base58btc}`,
          type: 'JsonSchema',
        },
      ])
      expect(EBSI_EDC_SCHEMA_URL).to.equal(cred.credentialSchema[0].id)
      expect(cred.issued).to.equal('2025-05-06T09:30:12Z')
      expect(cred.validFrom).to.equal('2025-05-06T09:30:12Z')
      expect(cred).not.to.have.any.keys(
        'issuanceDate',
        'expirationDate',
        'validUntil',
        'credentialStatus',
        'proof',
      )
    })
  })

  describe('edc (VC Data Model 1.1, Europass EDC)', () => {
    it('has the VC 1.1 envelope: v1 context, issued and issuanceDate, the ShaclValidator2017 schema', () => {
      const cred = build('edc')
      expect(cred['@context']).to.deep.equal([
        'https://www.w3.org/2018/credentials/v1',
        'http://data.europa.eu/snb/model/context/edc-ap',
      ])
      expect(cred.type).to.deep.equal(['VerifiableCredential', 'EuropeanDigitalCredential'])
      expect(cred.credentialSchema).to.deep.equal([
        { id: 'http://data.europa.eu/snb/model/ap/edc-generic-full', type: 'ShaclValidator2017' },
      ])
      expect(cred.issued).to.equal('2025-05-06T09:30:12Z')
      expect(cred.issuanceDate).to.equal(cred.issued)
      expect(cred.validFrom).to.equal(cred.issued)
    })

    it('carries the same ELM body as the elm form', () => {
      const elm = build('elm')
      const edc = build('edc')
      for (const key of ['credentialSubject', 'issuer', 'displayParameter', 'credentialProfiles']) {
        expect(edc[key], key).to.deep.equal(elm[key])
      }
    })

    it('conforms to the official SHACL shapes (EDC-generic-full + no-cv)', async function () {
      this.timeout(30000)
      const report = await validateEdcShacl(
        build('edc', { course: (c) => (c.validityMonths = 12) }),
        createStaticDocumentLoader(),
      )
      expect(flattenResults(report.results)).to.deep.equal([])
      expect(report.conforms).to.equal(true)
    })
  })

  it('is deterministic: the same input gives the same credential', () => {
    for (const format of ['elm', 'edc'] as const) {
      expect(build(format)).to.deep.equal(build(format))
    }
  })

  it('derives credential nodes from the credential id and course nodes from the course id', () => {
    const a = build('elm')
    const other = buildInput('elm')
    other.credentialId = 'urn:uuid:9c6c1e7a-54b1-4d4b-a1f2-3f3f3f3f3f3f'
    const b = buildMicrocredential(other) as Json
    expect(claim(b).id).not.to.equal(claim(a).id)
    expect(b.credentialSubject.id).not.to.equal(a.credentialSubject.id)
    expect(claim(b).specifiedBy).to.deep.equal(claim(a).specifiedBy)
    expect(claim(b).awardedBy.awardingBody).to.deep.equal(claim(a).awardedBy.awardingBody)
    for (const node of nodes(a)) {
      if (typeof node.id === 'string' && node.id.startsWith('urn:epass:')) {
        expect(node.id).to.match(
          /^urn:epass:[A-Za-z]+:[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
        )
      }
    }
  })

  it('writes a node repeated in several places identically each time', () => {
    const cred = build('edc')
    const byId = new Map<string, Json[]>()
    for (const node of nodes(cred)) {
      if (typeof node.id !== 'string') continue
      byId.set(node.id, [...(byId.get(node.id) ?? []), node])
    }
    const awardingBodyId = claim(cred).awardedBy.awardingBody[0].id as string
    // The achievement, the assessment and the activity share the awarding process; the ILA offer and
    // the (internal) quality assurance name the same organisation.
    expect(byId.get(claim(cred).awardedBy.id)).to.have.length(3)
    expect(byId.get(awardingBodyId)?.length).to.be.greaterThanOrEqual(4)
    for (const [id, copies] of byId) {
      for (const copy of copies) expect(copy, id).to.deep.equal(copies[0])
    }
  })

  it('puts every concept in its official scheme', () => {
    const cred = build('elm')
    const expected: Array<[string, string]> = [
      ...Object.values(VOCABULARIES).map((v): [string, string] => [
        v.scheme.replace(/\/25831c2$/, '/'),
        v.scheme,
      ]),
      ['http://data.europa.eu/esco/skill/', 'http://data.europa.eu/esco/concept-scheme/skills'],
      ['http://data.europa.eu/nuts/code/', 'http://data.europa.eu/nuts'],
    ]
    const concepts = nodes(cred).filter((n) => n.type === 'Concept')
    expect(concepts.length).to.be.greaterThan(20)
    for (const c of concepts) {
      const match = expected.find(([prefix]) =>
        (c.id as string).startsWith(prefix.endsWith('/') ? prefix : `${prefix}/`),
      )
      expect(match, c.id).not.to.equal(undefined)
      expect(c.inScheme, c.id).to.deep.equal({ id: match?.[1], type: 'ConceptScheme' })
    }
    const spec = claim(cred).specifiedBy
    expect(spec.eqfLevel.inScheme.id).to.equal('http://data.europa.eu/snb/eqf/25831c2')
    expect(spec.learningSetting.inScheme.id).to.equal('http://data.europa.eu/snb/learning-setting/25831c2')
    expect(spec.mode[0].inScheme.id).to.equal('http://data.europa.eu/snb/learning-assessment/25831c2')
    expect(spec.creditPoint[0].framework.inScheme.id).to.equal(
      'http://data.europa.eu/snb/education-credit/25831c2',
    )
    expect(spec.accreditation[0].dcType.inScheme.id).to.equal(
      'http://data.europa.eu/snb/accreditation/25831c2',
    )
    expect(claim(cred).provenBy[0].specifiedBy[0].dcType.inScheme.id).to.equal(
      'http://data.europa.eu/snb/assessment/25831c2',
    )
    expect(claim(cred).provenBy[0].idVerification.inScheme.id).to.equal(
      'http://data.europa.eu/snb/supervision-verification/25831c2',
    )
  })

  it('maps the course onto the Qualification', () => {
    const spec = claim(build('elm')).specifiedBy
    expect(spec.type).to.equal('Qualification')
    expect(spec.id).to.equal('urn:univ-rhone-confluence:course:ddbi-2025')
    expect(spec.title).to.have.keys('en', 'fr')
    expect(spec.creditPoint[0].point).to.equal('3')
    expect(spec.volumeOfLearning).to.equal('PT75H')
    expect(spec.eqfLevel.id).to.equal('http://data.europa.eu/snb/eqf/6')
    expect(spec.language.map((l: Json) => l.id)).to.deep.equal([
      'http://publications.europa.eu/resource/authority/language/ENG',
      'http://publications.europa.eu/resource/authority/language/FRA',
    ])
    expect(spec.learningOutcome).to.have.length(3)
    expect(spec.entryRequirement.noteLiteral).to.have.keys('en', 'fr')
    expect(spec.isPartialQualification).to.equal(false)
    expect(spec.accreditation[0].accreditingAgent.legalName.en).to.equal(
      'High Council for the Evaluation of Research and Higher Education',
    )
  })

  it('a slug course id gets an urn:epass id, the slug staying as the identifier', () => {
    const spec = claim(build('elm', { course: (c) => (c.id = 'ddbi-2025') })).specifiedBy
    expect(spec.id).to.match(/^urn:epass:qualification:/)
    expect(spec.identifier).to.include({ schemeName: 'Course identifier', notation: 'ddbi-2025' })
  })

  it('writes fractional workloads as whole minutes (xsd:duration has no decimal hours)', () => {
    expect(
      claim(build('elm', { course: (c) => (c.workloadHours = 7.5) })).specifiedBy.volumeOfLearning,
    ).to.equal('PT7H30M')
  })

  it('issues the learner, with single-language names, identifiers and the e-mail', () => {
    const subject = build('elm').credentialSubject
    expect(subject.type).to.equal('Person')
    expect(subject.id).to.match(/^urn:uuid:/)
    expect(subject.givenName).to.deep.equal({ en: 'Camille' })
    expect(subject.familyName).to.deep.equal({ en: 'Rousseau' })
    expect(subject.fullName).to.deep.equal({ en: 'Camille Rousseau' })
    expect(subject.identifier[0]).to.include({ schemeName: 'Student ID', notation: '2025-04711' })
    expect(subject.contactPoint[0].emailAddress[0].id).to.equal('mailto:camille.rousseau@example.org')
    expect(subject.dateOfBirth).to.equal('1994-03-17T00:00:00Z')
    const did = 'did:key:z6MkpTHR8VNsBxYAAWHut2Geadd9jSwuBV8xRoAnwWsdvktH'
    expect(build('elm', { learner: (l) => (l.did = did) }).credentialSubject.id).to.equal(did)
  })

  it('records the result, the supervision and the activity dates', () => {
    const achievement = claim(build('elm'))
    expect(achievement.provenBy[0].grade.noteLiteral).to.deep.equal({ en: 'Pass' })
    expect(achievement.provenBy[0].idVerification.id).to.equal(
      'http://data.europa.eu/snb/supervision-verification/c598449d64',
    )
    expect(achievement.influencedBy[0].temporal[0]).to.include({
      startDate: '2025-02-03T00:00:00Z',
      endDate: '2025-04-25T00:00:00Z',
    })
    expect(achievement.awardedBy.awardingDate).to.equal('2025-05-06T00:00:00Z')
  })

  it('references the ILA offer and commits to the link token without disclosing it', () => {
    const cred = build('elm')
    const opportunity = claim(cred).learningOpportunity
    expect(opportunity.identifier).to.deep.equal([
      {
        id: opportunity.identifier[0].id,
        type: 'Identifier',
        schemeName: 'EDOF',
        notation: '40123456789_DDBI-2025',
      },
    ])
    expect(opportunity.providedBy.id).to.equal(claim(cred).awardedBy.awardingBody[0].id)

    const token = 'q3X9fVd2LwPz7RkT1sYb8NcE'
    expect(JSON.stringify(cred)).not.to.contain(token)
    const commitment = cred.credentialSubject.identifier.find(
      (i: Json) => i.schemeName === ILA_COMMITMENT_SCHEME_NAME,
    )
    const [algorithm, saltHex, digestHex] = (commitment.notation as string).split('$')
    expect(algorithm).to.equal('sha256')
    // What the ILA operator does: it holds SHA-256(token) and the salt comes from the credential.
    const linkTokenDigest = createHash('sha256').update(token).digest()
    const recomputed = createHash('sha256')
      .update(Buffer.from(saltHex ?? '', 'hex'))
      .update(linkTokenDigest)
      .digest('hex')
    expect(recomputed).to.equal(digestHex)
    expect(saltHex).to.match(/^[0-9a-f]{32}$/)

    const without = build('elm', {
      course: (c) => delete c.ilaOffer,
      learner: (l) => delete l.ilaLinkToken,
    })
    expect(claim(without)).not.to.have.property('learningOpportunity')
    expect(without.credentialSubject.identifier).to.have.length(1)
  })

  it('describes the issuer as an ELM Organisation with its DID and eIDAS identifier', () => {
    const issuer = build('elm').issuer
    expect(issuer.id).to.equal(ISSUER_DID)
    expect(issuer.type).to.equal('Organisation')
    expect(issuer.legalName).to.deep.equal(PROFILE.legalName)
    expect(issuer.eIDASIdentifier).to.include({ type: 'LegalIdentifier', notation: 'VATFR-40123456789' })
    expect(issuer.eIDASIdentifier.spatial.id).to.equal(
      'http://publications.europa.eu/resource/authority/country/FRA',
    )
    expect(issuer.location[0].address[0].countryCode.id).to.equal(
      'http://publications.europa.eu/resource/authority/country/FRA',
    )
    expect(issuer.location[0].address[0].fullAddress.noteLiteral).to.deep.equal(PROFILE.address)
  })

  it('shows one display image per course language', () => {
    const display = build('elm').displayParameter
    expect(display.primaryLanguage.id).to.equal(
      'http://publications.europa.eu/resource/authority/language/ENG',
    )
    expect(display.individualDisplay.map((d: Json) => d.language.id)).to.deep.equal([
      'http://publications.europa.eu/resource/authority/language/ENG',
      'http://publications.europa.eu/resource/authority/language/FRA',
    ])
    const image = display.individualDisplay[1].displayDetail[0].image
    expect(image.content).to.equal(PNG)
    expect(image.contentType.id).to.equal('http://publications.europa.eu/resource/authority/file-type/PNG')
    expect(image.contentEncoding.id).to.equal('http://data.europa.eu/snb/encoding/6146cde7dd')
    expect(display.individualDisplay[1].displayDetail[0].page).to.equal(1)
  })

  it('adds the validity: validUntil (elm) or expirationDate (edc), months clamped to the month end', () => {
    const elm = build('elm', { course: (c) => (c.validityMonths = 12) })
    expect(elm.validUntil).to.equal('2026-05-06T09:30:12Z')
    const input = buildInput('edc', { course: (c) => (c.validityMonths = 1) })
    input.issued = new Date('2028-01-31T23:59:59Z')
    const edc = buildMicrocredential(input) as Json
    expect(edc.expirationDate).to.equal('2028-02-29T23:59:59Z')
    expect(edc).not.to.have.property('validUntil')
  })

  it('passes status entries through unchanged', () => {
    const input = buildInput('edc')
    const entry = {
      id: 'https://status.example/lists/3#94567',
      type: ['BitstringStatusListEntry', 'CredentialStatus'],
      statusPurpose: 'revocation',
      statusListIndex: '94567',
      statusListCredential: 'https://status.example/lists/3',
    }
    input.credentialStatus = [entry]
    expect((buildMicrocredential(input) as Json).credentialStatus).to.deep.equal([entry])
  })

  it('refuses a result that is not passed', () => {
    expect(() => build('elm', { learner: (l) => (l.result.status = 'failed') }))
      .to.throw(ValidationError)
      .with.property('problems')
      .that.deep.equals([
        {
          field: '/result/status',
          rule: 'const',
          message: '/result/status is failed; a credential needs passed',
        },
      ])
  })

  it('refuses a course language without a display image', () => {
    const input = buildInput('elm')
    input.displayImages = new Map([['en', { contentType: 'image/png', base64: PNG }]])
    expect(() => buildMicrocredential(input))
      .to.throw(ValidationError)
      .with.property('problems')
      .that.deep.equals([
        {
          field: 'displayImages/fr',
          rule: 'required',
          message: 'displayImages/fr: no display image for course language fr',
        },
      ])
  })

  it('refuses an issuer country the EU table lacks', () => {
    const input = buildInput('elm')
    input.issuer = { did: ISSUER_DID, profile: { ...PROFILE, country: 'ZZ' } }
    expect(() => buildMicrocredential(input))
      .to.throw(ValidationError)
      .with.property('code', 'ERR_VALIDATION')
  })

  it('refuses an invalid issuance date', () => {
    const input = buildInput('elm')
    input.issued = new Date(Number.NaN)
    expect(() => buildMicrocredential(input)).to.throw(TypeError)
  })

  describe('withExtraContexts', () => {
    it('appends the contexts once, in order, without touching the original', () => {
      const cred = build('edc')
      const urls = [
        'https://w3id.org/security/data-integrity/v2',
        'https://www.w3.org/ns/credentials/status/v1',
      ]
      const extended = withExtraContexts(cred, [...urls, urls[0] ?? ''])
      expect(extended['@context']).to.deep.equal([
        'https://www.w3.org/2018/credentials/v1',
        'http://data.europa.eu/snb/model/context/edc-ap',
        ...urls,
      ])
      expect(cred['@context']).to.have.length(2)
      expect(withExtraContexts(extended, urls)['@context']).to.deep.equal(extended['@context'])
    })
  })
})
