import { expect } from 'chai'
import { readFileSync } from 'node:fs'
import { BITSTRING_STATUS_LIST, createStaticDocumentLoader } from '../../../src/document-loader/index.js'
import { EBSI_EDC_SCHEMA_HEX_ID, EBSI_EDC_SCHEMA_ID } from '../../../src/model/ebsi-schema.js'
import { checkContext } from '../../../src/verifier/checks/context.js'
import { checkFormat } from '../../../src/verifier/checks/format.js'
import { checkMicrocredential } from '../../../src/verifier/checks/microcredential.js'
import { checkSchema } from '../../../src/verifier/checks/schema.js'
import { checkTrust } from '../../../src/verifier/checks/trust.js'
import { checkValidity } from '../../../src/verifier/checks/validity.js'
import { createTrustedIssuerRegistry, readTrustedIssuersFile } from '../../../src/verifier/trusted-issuers.js'
import type { ParsedCredential } from '../../../src/verifier/types.js'

const V2 = 'https://www.w3.org/ns/credentials/v2'
const V1 = 'https://www.w3.org/2018/credentials/v1'
const EXAMPLES_V2 = 'https://www.w3.org/ns/credentials/examples/v2'
const EDC_AP = 'http://data.europa.eu/snb/model/context/edc-ap'

function di(credential: Record<string, unknown>, pointer = ''): ParsedCredential {
  return { kind: 'credential', mechanism: 'data-integrity', version: '2.0', credential, pointer }
}

function jose(
  credential: Record<string, unknown>,
  header: Record<string, unknown> = { alg: 'EdDSA', typ: 'vc+jwt' },
): ParsedCredential {
  return {
    kind: 'credential',
    mechanism: 'vc-jose',
    version: '2.0',
    credential,
    header,
    jws: 'a.b.c',
    pointer: '',
  }
}

function v2(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    '@context': [V2, EXAMPLES_V2],
    type: ['VerifiableCredential'],
    issuer: 'did:example:issuer',
    credentialSubject: { id: 'did:example:subject', alumniOf: 'Example University' },
    ...extra,
  }
}

/** The official EDC micro-credential sample (VC 1.1, JSON-LD): the payload of its JAdES envelope. */
function edcSample(): Record<string, unknown> {
  const envelope = JSON.parse(
    readFileSync(new URL('../../fixtures/elm/Sample-MC-Annex1-signed.jsonld', import.meta.url), 'utf8'),
  ) as { payload: string }
  return JSON.parse(envelope.payload) as Record<string, unknown>
}

/** A VC 1.1 Data Integrity credential (the `edc` form); the schema check does not need a proof. */
function di11(credential: Record<string, unknown>): ParsedCredential {
  return { kind: 'credential', mechanism: 'data-integrity', version: '1.1', credential, pointer: '' }
}

/** Applies `edit` to every object with this `id`: EDC repeats a node inline wherever it is referenced. */
function editNodes(value: unknown, id: string, edit: (node: Record<string, unknown>) => void): number {
  if (Array.isArray(value)) return value.reduce<number>((n, v) => n + editNodes(v, id, edit), 0)
  if (typeof value !== 'object' || value === null) return 0
  const node = value as Record<string, unknown>
  let count = Object.values(node).reduce<number>((n, v) => n + editNodes(v, id, edit), 0)
  if (node.id === id) {
    edit(node)
    count++
  }
  return count
}

/** The EBSI example micro-credential (VC 2.0, ELM): valid against the bundled EBSI EDC schema. */
function ebsiExample(): Record<string, unknown> {
  return JSON.parse(
    readFileSync(
      new URL(
        '../../../schemas/vendor/ebsi/vcdm2.0-europass-edc-schema/examples/microcredential-data-and-software-business.json',
        import.meta.url,
      ),
      'utf8',
    ),
  ) as Record<string, unknown>
}

describe('verifier checks', () => {
  describe('format', () => {
    it('passes a well-formed credential; an issued credential must name its issuer', () => {
      expect(checkFormat(di(v2()))).to.include({ status: 'pass', code: 'FORMAT_OK' })
      const { issuer: _issuer, ...anonymous } = v2()
      const check = checkFormat(di(anonymous, '/verifiableCredential/0'))
      expect(check).to.include({ status: 'fail', code: 'FORMAT_INVALID' })
      expect(check.problems?.map((p) => p.instance)).to.deep.equal(['/verifiableCredential/0/issuer'])
    })

    it('VC-JOSE: typ vc+jwt, a real alg, no legacy claims, VC 2.0 only; an embedded proof is not refused', () => {
      expect(checkFormat(jose(v2({ proof: { type: 'DataIntegrityProof' } })))).to.include({ status: 'pass' })
      const bad = checkFormat(
        jose(
          { ...v2(), '@context': [V1], issuanceDate: '2026-01-01T00:00:00Z', vc: {} },
          { alg: 'none', typ: 'JWT' },
        ),
      )
      expect(bad.problems?.map((p) => p.instance)).to.have.members([
        '/@context/0',
        '/jws/header/alg',
        '/jws/header/typ',
        '/vc',
      ])
      const envelope = {
        '@context': 'https://example.org/',
        type: 'Something',
        id: 'data:application/vc+jwt,a.b.c',
      }
      const enveloped = checkFormat({ ...jose(v2()), envelope })
      expect(enveloped.problems?.map((p) => p.instance)).to.deep.equal([
        '/envelope/@context',
        '/envelope/type',
      ])
    })
  })

  describe('context', () => {
    const loader = createStaticDocumentLoader()
    it('Data Integrity: bundled contexts, every term defined (safe-mode expansion)', async () => {
      expect(await checkContext(di(v2()), loader)).to.include({ status: 'pass', code: 'CONTEXT_OK' })
      const undefinedTerm = await checkContext(di({ ...v2(), '@context': [V2], extra: 1 }), loader)
      expect(undefinedTerm).to.include({ status: 'fail', code: 'CONTEXT_INVALID' })
      const unknown = await checkContext(di({ ...v2(), '@context': [V2, 'https://example.org/ctx'] }), loader)
      expect(unknown).to.include({ status: 'fail', code: 'CONTEXT_UNKNOWN' })
      expect(unknown.problems?.[0]?.instance).to.equal('/@context/1')
    })

    it('Data Integrity: an inline context may not reach anything but bundled contexts', async () => {
      const scoped = di({
        ...v2(),
        '@context': [V2, { '@context': 'did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK' }],
      })
      expect(await checkContext(scoped, loader)).to.include({ status: 'fail' })
    })

    it('VC-JOSE: bundled URLs only, v2 first, and no expansion (the elm envelope v2 + edc-ap passes)', async () => {
      expect(await checkContext(jose({ ...v2(), '@context': [V2, EDC_AP] }), loader)).to.include({
        status: 'pass',
      })
      expect(
        await checkContext(
          jose({ ...v2(), '@context': [V2, { '@vocab': 'https://example.org/#' }] }),
          loader,
        ),
      ).to.include({
        code: 'CONTEXT_UNKNOWN',
      })
      expect(await checkContext(jose({ ...v2(), '@context': [EXAMPLES_V2, V2] }), loader)).to.include({
        code: 'CONTEXT_INVALID',
      })
      expect(await checkContext(jose({ ...v2(), '@context': 'https://example.org/x' }), loader)).to.include({
        code: 'CONTEXT_UNKNOWN',
      })
    })
  })

  describe('schema', () => {
    const loader = createStaticDocumentLoader()
    const SHACL_SCHEMA = {
      id: 'http://data.europa.eu/snb/model/ap/edc-generic-full',
      type: 'ShaclValidator2017',
    }

    it('no credentialSchema: skipped; an unknown schema: indeterminate, never a pass', async () => {
      expect(await checkSchema(di(v2()), loader)).to.include({ status: 'skipped', code: 'SCHEMA_NONE' })
      expect(await checkSchema(di(v2({ credentialSchema: [] })), loader)).to.include({
        status: 'skipped',
        code: 'SCHEMA_NONE',
      })
      const unknown = await checkSchema(
        di(v2({ credentialSchema: { id: 'https://example.org/schema.json', type: 'JsonSchema' } })),
        loader,
      )
      expect(unknown).to.include({ status: 'indeterminate', code: 'SCHEMA_UNSUPPORTED' })
      expect(unknown.problems?.[0]?.instance).to.equal('/credentialSchema')
    })

    describe('EDC SHACL profile (VC 1.1 JSON-LD)', function () {
      // The first validation loads the RDF packages and compiles the shapes.
      this.timeout(60_000)

      it('the official sample conforms: SCHEMA_OK, no problems', async () => {
        const check = await checkSchema(di11(edcSample()), loader)
        expect(check, JSON.stringify(check.problems)).to.include({ status: 'pass', code: 'SCHEMA_OK' })
        expect(check.problems).to.equal(undefined)
      })

      it('without `issued`: fails SCHEMA_SHACL_VIOLATION, with the path and message', async () => {
        const { issued: _issued, ...credential } = edcSample()
        const check = await checkSchema(di11(credential), loader)
        expect(check).to.include({ status: 'fail', code: 'SCHEMA_SHACL_VIOLATION' })
        expect(check.problems?.map((p) => `${p.code} ${p.instance} ${p.detail}`)).to.deep.equal([
          'SCHEMA_SHACL_VIOLATION  cred:issued: Less than 1 values [sh:MinCountConstraintComponent]',
        ])
      })

      it('a wrong EQF inScheme: fails SCHEMA_SHACL_VIOLATION, naming the nested constraint', async () => {
        const credential = edcSample()
        const edited = editNodes(credential, 'http://data.europa.eu/snb/eqf/6', (concept) => {
          concept.inScheme = { id: 'http://data.europa.eu/snb/qdr/25831c2', type: 'ConceptScheme' }
        })
        expect(edited).to.be.greaterThan(0)
        const check = await checkSchema(di11(credential), loader)
        expect(check).to.include({ status: 'fail', code: 'SCHEMA_SHACL_VIOLATION' })
        expect(check.problems).to.have.length(1)
        const detail = check.problems?.[0]?.detail ?? ''
        expect(detail).to.match(
          /^elm:EQFLevel: .*EQFLevelRestriction.* \[sh:NodeConstraintComponent\]; because /,
        )
        expect(detail).to.include('elm:EQFLevel/skos:inScheme: ')
        expect(detail).to.include('[sh:HasValueConstraintComponent]')
      })

      it('two status entries: pass with the SCHEMA_STATUS_DEVIATION warning (maxCount only)', async () => {
        const credential = edcSample()
        credential['@context'] = [...(credential['@context'] as string[]), BITSTRING_STATUS_LIST]
        credential.credentialStatus = ['revocation', 'suspension'].map((purpose, i) => ({
          id: `https://issuer.example/status/${i}#94567`,
          type: ['BitstringStatusListEntry', 'CredentialStatus'],
          statusPurpose: purpose,
          statusListIndex: '94567',
          statusListCredential: `https://issuer.example/status/${i}`,
        }))
        const check = await checkSchema({ ...di11(credential), pointer: '/verifiableCredential/0' }, loader)
        expect(check).to.include({ status: 'pass', code: 'SCHEMA_OK' })
        expect(check.problems?.map((p) => `${p.code} ${p.instance}`)).to.deep.equal([
          'SCHEMA_STATUS_DEVIATION /verifiableCredential/0/credentialStatus',
        ])
        // Another violation besides: a failure, reported without the deviation (set aside, as for EBSI).
        const { issued: _issued, ...incomplete } = credential
        const failed = await checkSchema(di11(incomplete), loader)
        expect(failed).to.include({ status: 'fail', code: 'SCHEMA_SHACL_VIOLATION' })
        expect(failed.message).to.include('1 violation')
        expect(failed.problems?.map((p) => `${p.code} ${p.detail}`)).to.deep.equal([
          'SCHEMA_SHACL_VIOLATION cred:issued: Less than 1 values [sh:MinCountConstraintComponent]',
        ])
      })

      it('the proof is set aside; a term no context defines fails (no RDF conversion in safe mode)', async () => {
        // A proof the VC 1.1 + ELM contexts cannot expand: harmless, since SHACL validates the credential graph.
        const signed = {
          ...edcSample(),
          proof: { type: 'DataIntegrityProof', cryptosuite: 'eddsa-rdfc-2022' },
        }
        expect(await checkSchema(di11(signed), loader)).to.include({ status: 'pass', code: 'SCHEMA_OK' })
        const check = await checkSchema(di11({ ...edcSample(), undefinedTerm: 'x' }), loader)
        expect(check).to.include({ status: 'fail', code: 'SCHEMA_SHACL_VIOLATION' })
        expect(check.problems?.[0]?.detail).to.include('"undefinedTerm" is not defined')
      })

      it('on a VC 2.0 credential, or another ShaclValidator2017 id: indeterminate SCHEMA_UNSUPPORTED', async () => {
        const v2Shacl = await checkSchema(di(v2({ credentialSchema: [SHACL_SCHEMA] })), loader)
        expect(v2Shacl).to.include({ status: 'indeterminate', code: 'SCHEMA_UNSUPPORTED' })
        expect(v2Shacl.problems?.[0]?.instance).to.equal('/credentialSchema/0')
        const otherId = {
          ...edcSample(),
          credentialSchema: { ...SHACL_SCHEMA, id: 'https://example.org/shapes' },
        }
        expect(await checkSchema(di11(otherId), loader)).to.include({
          status: 'indeterminate',
          code: 'SCHEMA_UNSUPPORTED',
        })
      })
    })

    it("EBSI's example (VC 2.0) names the SHACL profile and a schema id not bundled: indeterminate", async () => {
      const check = await checkSchema(jose(ebsiExample()), loader)
      expect(check).to.include({ status: 'indeterminate', code: 'SCHEMA_UNSUPPORTED' })
      expect(check.problems?.map((p) => p.instance)).to.deep.equal([
        '/credentialSchema/0',
        '/credentialSchema/1',
      ])
    })

    it('the EBSI EDC schema by pilot or conformance host, multibase or hex id', async () => {
      const example = ebsiExample()
      const ids = [
        `https://api-pilot.ebsi.eu/trusted-schemas-registry/v3/schemas/${EBSI_EDC_SCHEMA_ID}`,
        `https://api-conformance.ebsi.eu/trusted-schemas-registry/v3/schemas/${EBSI_EDC_SCHEMA_ID}`,
        `https://api-pilot.ebsi.eu/trusted-schemas-registry/v3/schemas/${EBSI_EDC_SCHEMA_HEX_ID}`,
        `https://api-conformance.ebsi.eu/trusted-schemas-registry/v3/schemas/${EBSI_EDC_SCHEMA_HEX_ID.toUpperCase().replace('0X', '0x')}`,
      ]
      for (const id of ids) {
        const check = await checkSchema(
          jose({ ...example, credentialSchema: { id, type: 'JsonSchema' } }),
          loader,
        )
        expect(check, id).to.include({ status: 'pass', code: 'SCHEMA_OK' })
        expect(check.problems).to.equal(undefined)
      }
      const elsewhere = `https://api.example.org/trusted-schemas-registry/v3/schemas/${EBSI_EDC_SCHEMA_ID}`
      expect(
        await checkSchema(
          jose({ ...example, credentialSchema: { id: elsewhere, type: 'JsonSchema' } }),
          loader,
        ),
      ).to.include({
        status: 'indeterminate',
      })
    })

    it('EBSI: W3C status entries are a documented deviation (warning); other problems fail', async () => {
      const example = ebsiExample()
      const withStatus: Record<string, unknown> = {
        ...example,
        credentialSchema: {
          id: `https://api-pilot.ebsi.eu/trusted-schemas-registry/v3/schemas/${EBSI_EDC_SCHEMA_ID}`,
          type: 'JsonSchema',
        },
        credentialStatus: [
          {
            id: 'https://example.org/status/1#5',
            type: 'BitstringStatusListEntry',
            statusPurpose: 'revocation',
            statusListIndex: '5',
            statusListCredential: 'https://example.org/status/1',
          },
        ],
      }
      const deviation = await checkSchema(jose(withStatus), loader)
      expect(deviation).to.include({ status: 'pass', code: 'SCHEMA_OK' })
      expect(deviation.problems?.map((p) => `${p.code} ${p.instance}`)).to.deep.equal([
        'SCHEMA_STATUS_DEVIATION /credentialStatus',
      ])
      const { credentialSubject: _subject, ...broken } = withStatus
      const invalid = await checkSchema(jose(broken), loader)
      expect(invalid).to.include({ status: 'fail', code: 'SCHEMA_INVALID' })
      expect(invalid.problems?.some((p) => p.code === 'SCHEMA_STATUS_DEVIATION')).to.equal(false)
    })
  })

  describe('validity', () => {
    const now = new Date('2026-06-01T12:00:00Z')
    it('VC 2.0 validFrom / validUntil and VC 1.1 issuanceDate / expirationDate, with 300 s skew by default', () => {
      expect(checkValidity(di(v2({ validFrom: '2026-06-01T12:04:59Z' })), now)).to.include({ status: 'pass' })
      expect(checkValidity(di(v2({ validFrom: '2026-06-01T12:05:01Z' })), now)).to.include({
        code: 'VALIDITY_NOT_YET_VALID',
      })
      expect(checkValidity(di(v2({ validUntil: '2026-06-01T11:55:01Z' })), now)).to.include({
        status: 'pass',
      })
      const expired = checkValidity(di(v2({ validUntil: '2026-06-01T11:54:59Z' })), now)
      expect(expired).to.include({ status: 'fail', code: 'VALIDITY_EXPIRED' })
      expect(expired.problems?.[0]?.instance).to.equal('/validUntil')
      expect(checkValidity(di(v2({ issuanceDate: '2027-01-01T00:00:00Z' })), now)).to.include({
        code: 'VALIDITY_NOT_YET_VALID',
      })
      expect(checkValidity(di(v2({ expirationDate: '2026-01-01T00:00:00Z' })), now)).to.include({
        code: 'VALIDITY_EXPIRED',
      })
      expect(checkValidity(di(v2({ validUntil: '2026-06-01T11:59:00Z' })), now, 0)).to.include({
        code: 'VALIDITY_EXPIRED',
      })
    })

    it('VC-JOSE nbf / exp claims count; an unreadable date is indeterminate', () => {
      const at = now.getTime() / 1000
      expect(checkValidity(jose(v2({ exp: at - 600 })), now)).to.include({ code: 'VALIDITY_EXPIRED' })
      expect(checkValidity(jose(v2({ nbf: at + 600 })), now)).to.include({ code: 'VALIDITY_NOT_YET_VALID' })
      expect(checkValidity(di(v2({ exp: at - 600 })), now)).to.include({ status: 'pass' })
      expect(checkValidity(di(v2({ validUntil: 'tomorrow' })), now)).to.include({
        status: 'indeterminate',
        code: 'VALIDITY_DATE_UNREADABLE',
      })
    })
  })

  describe('trust and microcredential', () => {
    it('trust: the registry decides and names the issuer; a failing registry is indeterminate', async () => {
      const registry = createTrustedIssuerRegistry({
        entries: [{ did: 'did:example:issuer', name: 'Example U', source: 'registry' }],
      })
      const trusted = await checkTrust(di(v2()), registry)
      expect(trusted.check).to.include({ status: 'pass', code: 'TRUST_OK' })
      expect(trusted.issuer).to.deep.equal({
        did: 'did:example:issuer',
        name: 'Example U',
        source: 'registry',
      })
      expect((await checkTrust(di(v2({ issuer: { id: 'did:example:other' } })), registry)).check).to.include({
        status: 'fail',
        code: 'TRUST_UNKNOWN_ISSUER',
      })
      const broken = { lookup: () => Promise.reject(new Error('down')) }
      expect((await checkTrust(di(v2()), broken)).check).to.include({
        status: 'indeterminate',
        code: 'TRUST_REGISTRY_UNAVAILABLE',
      })
      expect(() =>
        createTrustedIssuerRegistry({
          entries: [
            { did: 'a:b', name: 'x', source: 'registry' },
            { did: 'a:b', name: 'y', source: 'registry' },
          ],
        }),
      ).to.throw(TypeError)
    })

    it('the registry file is validated against its schema (ConfigError)', () => {
      expect(() => readTrustedIssuersFile('/nonexistent/trusted.json'))
        .to.throw()
        .with.property('code', 'ERR_CONFIG_INVALID')
    })

    it('microcredential: Annex I for ELM credentials only', () => {
      expect(checkMicrocredential(di(v2()))).to.include({
        status: 'skipped',
        code: 'MICROCREDENTIAL_NOT_APPLICABLE',
      })
      const incomplete = checkMicrocredential(
        di(v2({ type: ['VerifiableCredential', 'EuropeanDigitalCredential'] })),
      )
      expect(incomplete).to.include({ status: 'fail', code: 'MICROCREDENTIAL_INCOMPLETE' })
      expect(incomplete.problems).to.have.length(11)
      // EBSI's own example micro-credential lacks four Annex I elements.
      const example = checkMicrocredential(jose(ebsiExample()))
      expect(example).to.include({ status: 'fail', code: 'MICROCREDENTIAL_INCOMPLETE' })
      expect(example.problems?.map((p) => p.detail?.split(' ')[0])).to.deep.equal(['M8', 'M9', 'M10', 'M11'])
    })
  })
})
