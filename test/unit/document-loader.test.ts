import { expect } from 'chai'
import jsonld from 'jsonld'
import type { JsonLdDocument } from 'jsonld'
import { contexts as packageCredentialsContexts } from '@digitalbazaar/credentials-context'
import { DocumentNotFoundError } from '../../src/errors.js'
import {
  BITSTRING_STATUS_LIST,
  BUNDLED_CONTEXTS,
  composeDocumentLoaders,
  createStaticDocumentLoader,
  CREDENTIALS_UNDEFINED_TERMS_V2,
  CREDENTIALS_V1,
  CREDENTIALS_V2,
  DATA_INTEGRITY_V1,
  DATA_INTEGRITY_V2,
  DID_V1,
  EDC_AP,
  EXAMPLES_V2,
  MULTIKEY_V1,
} from '../../src/document-loader/index.js'
import type { DocumentLoader, RemoteDocument } from '../../src/document-loader/index.js'

const NAMED_URLS = [
  CREDENTIALS_V1,
  CREDENTIALS_V2,
  CREDENTIALS_UNDEFINED_TERMS_V2,
  DATA_INTEGRITY_V1,
  DATA_INTEGRITY_V2,
  MULTIKEY_V1,
  DID_V1,
  BITSTRING_STATUS_LIST,
  EXAMPLES_V2,
  EDC_AP,
]

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise
  } catch (err) {
    return err
  }
  throw new Error('expected the promise to reject')
}

async function expectNotFound(loader: DocumentLoader, url: string): Promise<void> {
  const err = await rejection(loader(url))
  expect(err, url).to.be.instanceOf(DocumentNotFoundError)
  expect((err as DocumentNotFoundError).code, url).to.equal('ERR_DOCUMENT_NOT_FOUND')
  expect((err as DocumentNotFoundError).url, url).to.equal(url)
}

type ExpandOptions = NonNullable<Parameters<typeof jsonld.expand>[1]>

/** Expands with the loader passed to jsonld unchanged, in safe mode (any dropped term is an error). */
function expandOffline(doc: object, loader: DocumentLoader): Promise<Array<Record<string, unknown>>> {
  // @types/jsonld lacks `safe` and types `contextUrl` as optional string; jsonld itself accepts `null`.
  const options: ExpandOptions & { safe: boolean } = {
    documentLoader: loader as unknown as ExpandOptions['documentLoader'],
    safe: true,
  }
  return jsonld.expand(doc as JsonLdDocument, options) as Promise<Array<Record<string, unknown>>>
}

describe('document loader', () => {
  const fetchCalls: string[] = []
  const realFetch = globalThis.fetch

  before(() => {
    globalThis.fetch = (async (input: unknown) => {
      fetchCalls.push(String(input))
      throw new Error('network is disabled in this test')
    }) as typeof fetch
  })
  after(() => {
    globalThis.fetch = realFetch
  })
  beforeEach(() => {
    fetchCalls.length = 0
  })

  describe('bundled contexts', () => {
    it('bundles every named context', () => {
      for (const url of NAMED_URLS) expect(BUNDLED_CONTEXTS.has(url), url).to.equal(true)
      expect([...BUNDLED_CONTEXTS.keys()]).to.have.members(NAMED_URLS)
    })

    it('resolves every bundled URL to an object with @context', async () => {
      const load = createStaticDocumentLoader()
      for (const url of BUNDLED_CONTEXTS.keys()) {
        const remote: RemoteDocument = await load(url)
        expect(remote.documentUrl).to.equal(url)
        expect(remote.contextUrl).to.equal(null)
        expect(remote.document, url).to.be.an('object').that.has.property('@context')
      }
    })

    it('serves the ELM context from contexts/edc-ap.jsonld', async () => {
      const { document } = await createStaticDocumentLoader()(EDC_AP)
      const context = (document as { '@context': Record<string, unknown> })['@context']
      expect(context['elm']).to.equal('http://data.europa.eu/snb/model/elm/')
      expect(context['EuropeanDigitalCredential']).to.equal('elm:EuropeanDigitalCredential')
    })

    it('ignores the fragment but nothing else', async () => {
      const remote = await createStaticDocumentLoader()(`${CREDENTIALS_V2}#VerifiableCredential`)
      expect(remote.documentUrl).to.equal(CREDENTIALS_V2)
      expect(remote.document).to.equal(BUNDLED_CONTEXTS.get(CREDENTIALS_V2))
    })
  })

  describe('refusals', () => {
    const load = createStaticDocumentLoader()
    const refused = [
      'https://example.org/contexts/v1',
      'http://www.w3.org/2018/credentials/v1',
      'https://data.europa.eu/snb/model/context/edc-ap',
      `${CREDENTIALS_V2}/`,
      'HTTPS://www.w3.org/ns/credentials/v2',
      'https://w3id.org/did/v0.11',
      'https://www.w3.org/2018/credentials/examples/v1',
      'did:example:123',
      'did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK#z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK',
      'file:///etc/passwd',
      '',
    ]
    for (const url of refused) {
      it(`refuses ${JSON.stringify(url)}`, async () => {
        await expectNotFound(load, url)
      })
    }
  })

  describe('extra documents', () => {
    const didDoc = { '@context': DID_V1, id: 'did:example:issuer' }

    it('serves extra documents given as a record or a map', async () => {
      const fromRecord = createStaticDocumentLoader({ 'did:example:issuer': didDoc })
      const fromMap = createStaticDocumentLoader(new Map([['did:example:issuer', didDoc]]))
      for (const load of [fromRecord, fromMap]) {
        const remote = await load('did:example:issuer#key-1')
        expect(remote).to.deep.equal({
          documentUrl: 'did:example:issuer',
          document: didDoc,
          contextUrl: null,
        })
        // Bundled contexts stay available next to the extras.
        await load(CREDENTIALS_V2)
        await expectNotFound(load, 'did:example:other')
      }
    })

    it('keeps its own copy: later changes to the caller object do not leak in', async () => {
      const source: Record<string, unknown> = { 'urn:example:doc': { value: 1 } }
      const load = createStaticDocumentLoader(source)
      ;(source['urn:example:doc'] as { value: number }).value = 2
      source['urn:example:added'] = { value: 3 }
      expect((await load('urn:example:doc')).document).to.deep.equal({ value: 1 })
      await expectNotFound(load, 'urn:example:added')
    })

    it('does not let an extra document replace a bundled context', () => {
      expect(() => createStaticDocumentLoader({ [CREDENTIALS_V2]: { '@context': {} } }))
        .to.throw()
        .with.property('code', 'ERR_USAGE')
    })

    it('refuses an extra key with a fragment, which could never be looked up', () => {
      expect(() => createStaticDocumentLoader({ 'did:example:issuer#key-1': {} }))
        .to.throw()
        .with.property('code', 'ERR_USAGE')
    })
  })

  describe('composeDocumentLoaders', () => {
    const first = createStaticDocumentLoader({ 'urn:example:a': { from: 'first' } })
    const second = createStaticDocumentLoader({
      'urn:example:a': { from: 'second' },
      'urn:example:b': { from: 'second' },
    })

    it('returns the first answer and falls through on not-found', async () => {
      const load = composeDocumentLoaders(first, second)
      expect((await load('urn:example:a')).document).to.deep.equal({ from: 'first' })
      expect((await load('urn:example:b')).document).to.deep.equal({ from: 'second' })
      await expectNotFound(load, 'urn:example:c')
    })

    it('stops at any other error and does not ask later loaders', async () => {
      const boom = new Error('resolver failed')
      let laterCalls = 0
      const failing: DocumentLoader = async () => {
        throw boom
      }
      const later: DocumentLoader = async (url) => {
        laterCalls++
        return second(url)
      }
      const err = await rejection(composeDocumentLoaders(failing, later)('urn:example:b'))
      expect(err).to.equal(boom)
      expect(laterCalls).to.equal(0)
    })

    it('falls through on the code alone, whatever the class', async () => {
      const foreignNotFound: DocumentLoader = async () => {
        throw Object.assign(new Error('not here'), { code: 'ERR_DOCUMENT_NOT_FOUND' })
      }
      expect((await composeDocumentLoaders(foreignNotFound, second)('urn:example:b')).document).to.deep.equal(
        {
          from: 'second',
        },
      )
    })

    it('refuses everything when composed of nothing', async () => {
      await expectNotFound(composeDocumentLoaders(), CREDENTIALS_V2)
    })
  })

  describe('immutability', () => {
    it('returns deep-frozen documents; a mutation attempt does not affect later loads', async () => {
      const load = createStaticDocumentLoader()
      const before = structuredClone((await load(CREDENTIALS_V2)).document)
      const { document } = await load(CREDENTIALS_V2)
      const context = (document as { '@context': Record<string, unknown> })['@context']
      expect(Object.isFrozen(document)).to.equal(true)
      expect(Object.isFrozen(context['VerifiableCredential'])).to.equal(true)
      expect(() => {
        context['name'] = 'https://evil.example/name'
      }).to.throw(TypeError)
      expect(() => {
        delete context['VerifiableCredential']
      }).to.throw(TypeError)
      expect((await load(CREDENTIALS_V2)).document).to.deep.equal(before)
      expect((await createStaticDocumentLoader()(CREDENTIALS_V2)).document).to.deep.equal(before)
    })

    it('freezes extra documents too', async () => {
      const { document } = await createStaticDocumentLoader({ 'urn:example:doc': { nested: { value: 1 } } })(
        'urn:example:doc',
      )
      expect(() => {
        ;(document as { nested: { value: number } }).nested.value = 2
      }).to.throw(TypeError)
    })

    it('refuses writes to the bundle map', () => {
      const map = BUNDLED_CONTEXTS as Map<string, object>
      expect(() => map.set('https://evil.example/context', {})).to.throw(TypeError)
      expect(() => map.delete(CREDENTIALS_V2)).to.throw(TypeError)
      expect(() => map.clear()).to.throw(TypeError)
      expect(BUNDLED_CONTEXTS.has(CREDENTIALS_V2)).to.equal(true)
      expect(BUNDLED_CONTEXTS.has('https://evil.example/context')).to.equal(false)
    })

    it('leaves the context packages’ own shared objects untouched', () => {
      expect(Object.isFrozen(packageCredentialsContexts.get(CREDENTIALS_V2))).to.equal(false)
      expect(BUNDLED_CONTEXTS.get(CREDENTIALS_V2)).to.not.equal(
        packageCredentialsContexts.get(CREDENTIALS_V2),
      )
      expect(BUNDLED_CONTEXTS.get(CREDENTIALS_V2)).to.deep.equal(
        packageCredentialsContexts.get(CREDENTIALS_V2),
      )
    })
  })

  describe('no network', () => {
    it('the fetch stub does catch jsonld’s own network loader (so the checks below mean something)', async () => {
      await rejection(
        jsonld.expand({ '@context': 'https://example.invalid/context', a: 1 } as JsonLdDocument),
      )
      expect(fetchCalls.length).to.be.greaterThan(0)
    })

    it('never calls fetch, for bundled, extra or refused URLs, nor during expansion', async () => {
      const load = createStaticDocumentLoader({ 'did:example:issuer': { id: 'did:example:issuer' } })
      for (const url of BUNDLED_CONTEXTS.keys()) await load(url)
      await load('did:example:issuer')
      await rejection(load('https://example.org/contexts/v1'))
      await rejection(expandOffline({ '@context': 'https://example.org/contexts/v1', a: 1 }, load))
      await expandOffline(
        { '@context': [CREDENTIALS_V2], type: 'VerifiableCredential', issuer: 'did:example:issuer' },
        load,
      )
      expect(fetchCalls).to.deep.equal([])
    })
  })

  describe('with jsonld', () => {
    const load = createStaticDocumentLoader()

    it('expands a VC 1.1 ELM credential with [credentials v1, edc-ap] in safe mode', async () => {
      const vc = {
        '@context': [CREDENTIALS_V1, EDC_AP],
        id: 'urn:uuid:2f7b4c0e-6f0a-4a52-9d0e-1d2b3c4d5e6f',
        type: ['VerifiableCredential', 'EuropeanDigitalCredential'],
        issuer: { id: 'did:example:issuer', type: 'Organisation', legalName: { en: 'Example University' } },
        issuanceDate: '2024-01-01T00:00:00Z',
        issued: '2024-01-01T00:00:00Z',
        credentialSubject: { id: 'did:example:learner', type: 'Person', givenName: { en: 'Ada' } },
      }
      const [expanded] = await expandOffline(vc, load)
      expect(expanded?.['@type']).to.have.members([
        'https://www.w3.org/2018/credentials#VerifiableCredential',
        'http://data.europa.eu/snb/model/elm/EuropeanDigitalCredential',
      ])
      const [subject] = expanded?.['https://www.w3.org/2018/credentials#credentialSubject'] as Array<
        Record<string, unknown>
      >
      expect(subject?.['http://xmlns.com/foaf/0.1/givenName']).to.deep.equal([
        { '@value': 'Ada', '@language': 'en' },
      ])
    })

    it('expands a VC 2.0 credential with [credentials v2] in safe mode', async () => {
      const vc = {
        '@context': [CREDENTIALS_V2],
        id: 'urn:uuid:0b1c2d3e-4f50-4a61-8b72-93a4b5c6d7e8',
        type: ['VerifiableCredential'],
        name: 'Example',
        issuer: 'did:example:issuer',
        validFrom: '2024-01-01T00:00:00Z',
        credentialSubject: { id: 'did:example:learner' },
        credentialStatus: {
          id: 'https://issuer.example/status/1#5',
          type: 'BitstringStatusListEntry',
          statusPurpose: 'revocation',
          statusListIndex: '5',
          statusListCredential: 'https://issuer.example/status/1',
        },
      }
      const [expanded] = await expandOffline(vc, load)
      expect(expanded?.['@type']).to.deep.equal(['https://www.w3.org/2018/credentials#VerifiableCredential'])
      expect(expanded?.['https://www.w3.org/2018/credentials#validFrom']).to.deep.equal([
        { '@type': 'http://www.w3.org/2001/XMLSchema#dateTime', '@value': '2024-01-01T00:00:00Z' },
      ])
    })

    // Why the `elm` envelope is never JSON-LD expanded: the ELM 3.2 context redefines `description`,
    // which the VC 2.0 context protects.
    it('fails to expand [credentials v2, edc-ap]: protected term redefinition', async () => {
      const vc = {
        '@context': [CREDENTIALS_V2, EDC_AP],
        type: ['VerifiableCredential'],
        issuer: 'did:example:issuer',
        credentialSubject: { id: 'did:example:learner' },
      }
      const err = await rejection(expandOffline(vc, load))
      expect(err).to.have.property('name', 'jsonld.SyntaxError')
      expect(err).to.have.nested.property('details.code', 'protected term redefinition')
    })

    it('fails to expand a document whose context is not bundled, with our refusal as the cause', async () => {
      const err = await rejection(
        expandOffline({ '@context': 'https://example.org/contexts/v1', a: 1 }, load),
      )
      expect(err).to.have.nested.property('details.code', 'loading remote context failed')
      expect(err).to.have.nested.property('details.cause.code', 'ERR_DOCUMENT_NOT_FOUND')
    })
  })
})
