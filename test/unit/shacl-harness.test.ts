import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { expect } from 'chai'
import { BITSTRING_STATUS_LIST, createStaticDocumentLoader } from '../../src/document-loader/index.js'
import { EDC_SHAPE_FILES, flattenResults, validateEdcShacl } from '../support/shacl.js'
import type { ShaclReport } from '../support/shacl.js'

type Json = Record<string, unknown>

const FIXTURES = new URL('../fixtures/elm/', import.meta.url)

function readFixture(name: string): Json {
  return JSON.parse(readFileSync(new URL(name, FIXTURES), 'utf8')) as Json
}

/** The credential inside the JAdES envelope: `payload` is the credential as a JSON string (b64: false). */
function signedPayload(): Json {
  const envelope = readFixture('Sample-MC-Annex1-signed.jsonld')
  if (typeof envelope.payload !== 'string') throw new TypeError('signed sample has no string payload')
  return JSON.parse(envelope.payload) as Json
}

/** Applies `edit` to every object with this `id`: EDC repeats a node inline wherever it is referenced. */
function editNodes(value: unknown, id: string, edit: (node: Json) => void): number {
  if (Array.isArray(value)) return value.reduce<number>((n, v) => n + editNodes(v, id, edit), 0)
  if (typeof value !== 'object' || value === null) return 0
  const node = value as Json
  let count = Object.values(node).reduce<number>((n, v) => n + editNodes(v, id, edit), 0)
  if (node.id === id) {
    edit(node)
    count++
  }
  return count
}

function violations(report: ShaclReport): Array<{ path: string; component: string }> {
  return flattenResults(report.results).map((r) => ({ path: r.path, component: r.component }))
}

describe('SHACL harness (EDC generic-full + generic-no-cv)', () => {
  const documentLoader = createStaticDocumentLoader()

  it('the bundled shape files are the official ones (sha256 as in schemas/vendor/elm/README.md)', () => {
    const vendor = new URL('../../schemas/vendor/elm/', import.meta.url)
    const readme = readFileSync(new URL('README.md', vendor), 'utf8')
    for (const file of EDC_SHAPE_FILES) {
      const digest = createHash('sha256')
        .update(readFileSync(new URL(file, vendor)))
        .digest('hex')
      expect(readme, file).to.match(new RegExp(`\\| \`${file}\` \\|.*\\| \`${digest}\` \\|`))
    }
  })

  it('the official signed micro-credential payload conforms', async () => {
    const credential = signedPayload()
    const coldStart = performance.now()
    const report = await validateEdcShacl(credential, documentLoader)
    const cold = performance.now() - coldStart
    expect(report.results).to.deep.equal([])
    expect(report.conforms).to.equal(true)

    const runs: number[] = []
    for (let i = 0; i < 10; i++) {
      const start = performance.now()
      await validateEdcShacl(credential, documentLoader)
      runs.push(performance.now() - start)
    }
    runs.sort((a, b) => a - b)
    // Reported, not asserted: timing depends on the machine.
    console.log(
      `      SHACL (toRDF + validate), one credential: cold ${cold.toFixed(0)} ms, warm median ${runs[5]?.toFixed(1)} ms`,
    )
  })

  it('the unsigned draft does not conform: no `issued`, and an issuer without eIDAS identifier', async () => {
    const report = await validateEdcShacl(readFixture('Sample-MC-Annex1-unsigned.jsonld'), documentLoader)
    expect(report.conforms).to.equal(false)
    expect(
      report.results.map((r) => ({ path: r.path, component: r.component, severity: r.severity })),
    ).to.have.deep.members([
      { path: 'cred:issued', component: 'sh:MinCountConstraintComponent', severity: 'sh:Violation' },
      { path: 'cred:issuer', component: 'sh:NodeConstraintComponent', severity: 'sh:Violation' },
    ])
    const issuer = report.results.find((r) => r.path === 'cred:issuer')
    expect(issuer?.shape).to.equal('edc:EuropeanDigitalCredential-cred_issuer')
    // `eIDASIdentifier` in the JSON is elm:eidasLegalIdentifier in RDF.
    expect(issuer?.details.map((d) => ({ path: d.path, component: d.component }))).to.deep.equal([
      { path: 'elm:eidasLegalIdentifier', component: 'sh:MinCountConstraintComponent' },
    ])
  })

  it('a wrong EQF concept scheme fails the controlled-vocabulary restriction', async () => {
    const credential = signedPayload()
    const edited = editNodes(credential, 'http://data.europa.eu/snb/eqf/6', (concept) => {
      concept.inScheme = { id: 'http://data.europa.eu/snb/qdr/25831c2', type: 'ConceptScheme' }
    })
    expect(edited).to.be.greaterThan(0)
    const report = await validateEdcShacl(credential, documentLoader)
    expect(report.conforms).to.equal(false)
    // `eqfLevel` in the JSON is elm:EQFLevel in RDF; the full profile checks it with sh:node.
    expect(
      report.results.map((r) => ({ path: r.path, component: r.component, focusNode: r.focusNode })),
    ).to.deep.equal([
      {
        path: 'elm:EQFLevel',
        component: 'sh:NodeConstraintComponent',
        focusNode: 'urn:epass:qualification:1',
      },
    ])
    expect(report.results[0]?.message).to.include('EQFLevelRestriction')
    expect(
      report.results[0]?.details.map((d) => ({
        path: d.path,
        component: d.component,
        focusNode: d.focusNode,
      })),
    ).to.deep.equal([
      {
        path: 'skos:inScheme',
        component: 'sh:HasValueConstraintComponent',
        focusNode: 'http://data.europa.eu/snb/eqf/6',
      },
    ])
  })

  describe('credentialStatus (ELM 3.2: sh:class elm:CredentialStatus, IRI, maxCount 1)', () => {
    const statusEntry = (purpose: string, list: string, index: string): Json => ({
      id: `${list}#${index}`,
      // CredentialStatus (ELM) satisfies sh:class; BitstringStatusListEntry is what verifiers act on.
      type: ['BitstringStatusListEntry', 'CredentialStatus'],
      statusPurpose: purpose,
      statusListIndex: index,
      statusListCredential: list,
    })

    function withStatus(entries: Json[]): Json {
      const credential = signedPayload()
      // The Bitstring terms come from the status context, after the ELM one.
      credential['@context'] = [...(credential['@context'] as string[]), BITSTRING_STATUS_LIST]
      credential.credentialStatus = entries
      return credential
    }

    it('one Bitstring entry typed also CredentialStatus conforms', async () => {
      const report = await validateEdcShacl(
        withStatus([statusEntry('revocation', 'https://issuer.example/status/r1', '94567')]),
        documentLoader,
      )
      expect(report.results).to.deep.equal([])
      expect(report.conforms).to.equal(true)
    })

    it('revocation + suspension entries fail on maxCount only (documented deviation)', async () => {
      const report = await validateEdcShacl(
        withStatus([
          statusEntry('revocation', 'https://issuer.example/status/r1', '94567'),
          statusEntry('suspension', 'https://issuer.example/status/s1', '94567'),
        ]),
        documentLoader,
      )
      expect(report.conforms).to.equal(false)
      expect(violations(report)).to.deep.equal([
        { path: 'cred:credentialStatus', component: 'sh:MaxCountConstraintComponent' },
      ])
      expect(report.results[0]?.shape).to.equal('edc:EuropeanDigitalCredential-cred_credentialStatus')
    })
  })

  it('refuses, rather than drops, a term no context defines (safe mode)', async () => {
    const credential = signedPayload()
    credential.undefinedTerm = 'x'
    let error: unknown
    try {
      await validateEdcShacl(credential, documentLoader)
    } catch (err) {
      error = err
    }
    expect(error).to.have.property('name', 'jsonld.ValidationError')
  })
})
