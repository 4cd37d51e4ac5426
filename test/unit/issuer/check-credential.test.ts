import { expect } from 'chai'
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { createStaticDocumentLoader } from '../../../src/document-loader/index.js'
import {
  checkCredentialForIssue,
  checkJsonLd,
  parseXsdDateTime,
  type CheckCredentialOptions,
} from '../../../src/issuer/check-credential.js'
import { CONTEXT_DIGESTS } from '../../../src/issuer/context-digests.js'

const V1 = 'https://www.w3.org/2018/credentials/v1'
const V2 = 'https://www.w3.org/ns/credentials/v2'
const EXAMPLES = 'https://www.w3.org/ns/credentials/examples/v2'
const EDC_AP = 'http://data.europa.eu/snb/model/context/edc-ap'
const DATA_INTEGRITY_V1 = 'https://w3id.org/security/data-integrity/v1'

const loader = createStaticDocumentLoader()
const di: CheckCredentialOptions = { proof: 'di' }
const jose: CheckCredentialOptions = { proof: 'jose' }

type Credential = Record<string, unknown>

function v2(): Credential {
  return {
    '@context': [V2, EXAMPLES],
    id: 'http://university.example/credentials/3732',
    type: ['VerifiableCredential', 'ExampleDegreeCredential'],
    issuer: { id: 'did:example:76e12ec712ebc6f1c221ebfeb1f', name: 'Example University' },
    validFrom: '2026-01-01T00:00:00Z',
    validUntil: '2030-01-01T00:00:00Z',
    credentialSubject: {
      id: 'did:example:ebfeb1f712ebc6f1c276e12ec21',
      degree: { type: 'ExampleBachelorDegree', name: 'Bachelor of Science and Arts' },
    },
    credentialStatus: {
      id: 'https://university.example/credentials/status/3#94567',
      type: 'BitstringStatusListEntry',
      statusPurpose: 'revocation',
      statusListIndex: '94567',
      statusListCredential: 'https://university.example/credentials/status/3',
    },
    credentialSchema: [{ id: 'https://example.org/examples/degree.json', type: 'JsonSchema' }],
    termsOfUse: { type: 'ExampleTermsPolicy' },
    evidence: [{ id: 'https://university.example/evidence/f2aeec97', type: ['ExampleEvidence'] }],
    refreshService: { type: 'ExampleRefreshService', url: 'https://university.example/refresh' },
    relatedResource: [
      { id: EXAMPLES, digestSRI: 'sha384-zNNbQTWCSUSi0bbz7dbua+RcENv7C6FvlmYJ1Y+I727HsPOHdzwELMYO9Mz68M26' },
      // VC 2.0 example 26: the sha2-256 multihash of the published v2 context.
      { id: V2, digestMultibase: 'uEiBZlVztZpfWHgPyslVv6-UwirFoQoRvW1htfx963sknNA' },
    ],
  }
}

function v11(): Credential {
  return {
    '@context': [V1, EXAMPLES],
    id: 'urn:uuid:58172aac-d8ba-11ed-83dd-0b3aef56cc33',
    type: ['VerifiableCredential', 'ExampleAlumniCredential'],
    issuer: 'did:example:76e12ec712ebc6f1c221ebfeb1f',
    issuanceDate: '2026-01-01T00:00:00Z',
    expirationDate: '2030-01-01T00:00:00Z',
    credentialSubject: [{ id: 'did:example:ebfeb1f712ebc6f1c276e12ec21', alumniOf: 'Example University' }],
  }
}

function changed(base: Credential, changes: Credential): Credential {
  return { ...base, ...changes }
}

function without(base: Credential, ...names: string[]): Credential {
  const copy = { ...base }
  for (const name of names) delete copy[name]
  return copy
}

/** The problems as `field [rule]` strings, so a failure message shows everything that was reported. */
function found(credential: unknown, options: CheckCredentialOptions = di): string[] {
  return checkCredentialForIssue(credential, options).map((p) => `${p.field} [${p.rule}]`)
}

function expectProblem(
  credential: unknown,
  field: string,
  rule: string,
  options: CheckCredentialOptions = di,
): void {
  expect(found(credential, options)).to.include(`${field} [${rule}]`)
}

describe('checkCredentialForIssue', () => {
  describe('valid credentials pass with zero problems', () => {
    it('VC 2.0 with every extension point and related resources', () => {
      expect(checkCredentialForIssue(v2(), di)).to.deep.equal([])
      expect(checkCredentialForIssue(v2(), jose)).to.deep.equal([])
    })

    it('VC 1.1', () => {
      expect(checkCredentialForIssue(v11(), di)).to.deep.equal([])
    })

    it('VC 2.0 with nothing the issuer fills in (issuer, id, validFrom) and the base context as a lone string', () => {
      const minimal = {
        '@context': V2,
        type: 'VerifiableCredential',
        credentialSubject: { id: 'did:example:subject' },
      }
      expect(checkCredentialForIssue(minimal, jose)).to.deep.equal([])
    })

    it('the valid fixtures also expand in JSON-LD safe mode', async () => {
      expect(await checkJsonLd(v2(), loader)).to.deep.equal([])
      expect(await checkJsonLd(v11(), loader)).to.deep.equal([])
    })

    it('does not change the credential it checks', () => {
      const credential = v2()
      const before = structuredClone(credential)
      checkCredentialForIssue(credential, jose)
      expect(credential).to.deep.equal(before)
    })
  })

  describe('JSON shape and @context', () => {
    it('refuses anything but a JSON object', () => {
      for (const value of [null, [], 'credential', 42]) expectProblem(value, '', 'type')
    })

    it('requires @context', () => expectProblem(without(v2(), '@context'), '/@context', 'required'))
    it('refuses a @context that is neither an array nor a string', () =>
      expectProblem(changed(v2(), { '@context': { a: 1 } }), '/@context', 'type'))
    it('refuses an empty @context', () =>
      expectProblem(changed(v2(), { '@context': [] }), '/@context', 'minItems'))

    it('requires the VC 2.0 or 1.1 base context first', () => {
      expectProblem(changed(v2(), { '@context': [EXAMPLES, V2] }), '/@context/0', 'context')
      expectProblem(
        changed(v2(), { '@context': ['https://www.w3.org/2018/credentials/v2'] }),
        '/@context/0',
        'context',
      )
      expectProblem(changed(v2(), { '@context': EXAMPLES }), '/@context', 'context')
    })

    it('refuses context items that are neither URLs nor objects', () => {
      expectProblem(changed(v2(), { '@context': [V2, 'not a url'] }), '/@context/1', 'format')
      expectProblem(changed(v2(), { '@context': [V2, null] }), '/@context/1', 'type')
      expectProblem(changed(v2(), { '@context': [V2, [EXAMPLES]] }), '/@context/1', 'type')
      expect(
        found(changed(v2(), { '@context': [V2, EXAMPLES, { ex: 'https://example.org/#' }] })),
      ).to.deep.equal([])
    })

    it('refuses mixing the VC 1.1 and 2.0 base contexts', () => {
      expectProblem(changed(v2(), { '@context': [V2, V1] }), '/@context/1', 'context')
    })
  })

  describe('type, id, issuer, credentialSubject', () => {
    it('requires type including VerifiableCredential', () => {
      expectProblem(without(v2(), 'type'), '/type', 'required')
      expectProblem(changed(v2(), { type: ['ExampleDegreeCredential'] }), '/type', 'contains')
      expectProblem(changed(v2(), { type: [] }), '/type', 'minItems')
      expectProblem(changed(v2(), { type: { VerifiableCredential: true } }), '/type', 'type')
      expectProblem(changed(v2(), { type: ['VerifiableCredential', 7] }), '/type/1', 'format')
    })

    it('requires id, when present, to be one URL', () => {
      expectProblem(changed(v2(), { id: 'credential 3732' }), '/id', 'format')
      expectProblem(changed(v2(), { id: ['urn:uuid:1', 'urn:uuid:2'] }), '/id', 'type')
    })

    it('requires issuer, when present, to be a URL or an object with a URL id', () => {
      expectProblem(changed(v2(), { issuer: 'Example University' }), '/issuer', 'format')
      expectProblem(changed(v2(), { issuer: { name: 'Example University' } }), '/issuer/id', 'required')
      expectProblem(changed(v2(), { issuer: { id: 'example university' } }), '/issuer/id', 'format')
      expectProblem(changed(v2(), { issuer: null }), '/issuer', 'type')
    })

    it('requires credentialSubject: objects, each making at least one claim', () => {
      expectProblem(without(v2(), 'credentialSubject'), '/credentialSubject', 'required')
      expectProblem(changed(v2(), { credentialSubject: {} }), '/credentialSubject', 'minProperties')
      expectProblem(changed(v2(), { credentialSubject: [] }), '/credentialSubject', 'minItems')
      expectProblem(
        changed(v2(), { credentialSubject: [{ id: 'did:example:a' }, {}] }),
        '/credentialSubject/1',
        'minProperties',
      )
      expectProblem(changed(v2(), { credentialSubject: 'did:example:a' }), '/credentialSubject', 'type')
      expectProblem(
        changed(v2(), { credentialSubject: { id: 'subject a' } }),
        '/credentialSubject/id',
        'format',
      )
    })
  })

  describe('extension points must say their type', () => {
    for (const name of ['credentialStatus', 'termsOfUse', 'evidence', 'refreshService', 'credentialSchema']) {
      it(`${name} without type is refused, as an object and inside an array`, () => {
        const entry = { id: 'https://example.org/entry/1' }
        expectProblem(changed(v2(), { [name]: entry }), `/${name}/type`, 'required')
        expectProblem(
          changed(v2(), { [name]: [{ ...entry, type: 'ExampleType' }, entry] }),
          `/${name}/1/type`,
          'required',
        )
        expectProblem(changed(v2(), { [name]: 'https://example.org/entry/1' }), `/${name}`, 'type')
      })
    }

    it('credentialStatus id, when present, is a URL; an unknown status type is accepted', () => {
      expectProblem(
        changed(v2(), { credentialStatus: { id: 'status 1', type: 'BitstringStatusListEntry' } }),
        '/credentialStatus/id',
        'format',
      )
      expect(found(changed(v2(), { credentialStatus: { type: 'CredentialStatusList2017' } }))).to.deep.equal(
        [],
      )
    })

    it('credentialSchema needs a URL id', () => {
      expectProblem(
        changed(v2(), { credentialSchema: { type: 'JsonSchema' } }),
        '/credentialSchema/id',
        'required',
      )
    })
  })

  describe('VC 2.0 validity period', () => {
    it('requires XML Schema dateTimeStamps', () => {
      for (const value of [
        '2026-01-01',
        '2026-01-01T00:00:00', // no time zone: a dateTime, not a dateTimeStamp
        '2026-02-29T00:00:00Z', // not a leap year
        '2026-04-31T00:00:00Z',
        '2026-01-01T25:00:00Z',
        '2026-01-01T24:00:01Z',
        '2026-01-01T00:00:00+15:00',
        '2026-01-01 00:00:00Z',
        '26-01-01T00:00:00Z',
        20260101,
      ]) {
        expectProblem(changed(v2(), { validFrom: value }), '/validFrom', 'format')
        expectProblem(changed(v2(), { validUntil: value }), '/validUntil', 'format')
      }
      for (const value of [
        '2024-02-29T00:00:00.123+14:00',
        '2026-12-31T24:00:00Z',
        '2026-06-01T12:30:00-05:30',
      ]) {
        expect(found(changed(v2(), { validFrom: value })), value).to.deep.equal([])
      }
    })

    it('refuses validUntil before validFrom, comparing instants across time zones', () => {
      expectProblem(
        changed(v2(), { validFrom: '2026-01-02T00:00:00Z', validUntil: '2026-01-01T00:00:00Z' }),
        '/validUntil',
        'range',
      )
      expectProblem(
        changed(v2(), { validFrom: '2026-01-01T10:00:00Z', validUntil: '2026-01-01T11:00:00+02:00' }),
        '/validUntil',
        'range',
      )
      expect(
        found(changed(v2(), { validFrom: '2026-01-01T10:00:00+02:00', validUntil: '2026-01-01T09:00:00Z' })),
      ).to.deep.equal([])
      expect(
        found(changed(v2(), { validFrom: '2026-01-01T00:00:00Z', validUntil: '2026-01-01T00:00:00Z' })),
      ).to.deep.equal([])
    })
  })

  describe('VC 1.1 dates', () => {
    it('requires issuanceDate, an XML Schema dateTime', () => {
      expectProblem(without(v11(), 'issuanceDate'), '/issuanceDate', 'required')
      expectProblem(changed(v11(), { issuanceDate: '1 January 2026' }), '/issuanceDate', 'format')
      expect(
        found(changed(v11(), { issuanceDate: '2026-01-01T00:00:00', expirationDate: '2030-01-01T00:00:00' })),
      ).to.deep.equal([])
    })

    it('refuses an invalid expirationDate and one before issuanceDate', () => {
      expectProblem(changed(v11(), { expirationDate: '2030-13-01T00:00:00Z' }), '/expirationDate', 'format')
      expectProblem(changed(v11(), { expirationDate: '2025-12-31T23:59:59Z' }), '/expirationDate', 'range')
    })
  })

  describe('relatedResource', () => {
    const digest = 'sha256-ca3d163bab055381827226140568f3bef7eaac187cebd76878e0b63e9e442356'

    it('accepts digests of resources it cannot fetch after checking their syntax (conformance suite fixtures)', () => {
      expect(
        found(
          changed(v2(), {
            relatedResource: [
              { id: 'https://w3c.github.io/vc-data-model/related-resource.json', digestSRI: digest },
            ],
          }),
        ),
      ).to.deep.equal([])
      const degree =
        'https://raw.githubusercontent.com/w3c-ccg/vc-examples/bf5b8f9b16a204702ba2de0cfadbd9f86dbe299d/docs/edu/university-degree-verifiable-credential.json'
      expect(
        found(
          changed(v2(), {
            relatedResource: [
              {
                id: degree,
                digestMultibase: 'uEiAjCHMnK5-ayOIZLWo_TBoKYVvSAprlkYEjRlm19Cj0uw',
                mediaType: 'application/json',
              },
              {
                id: `${degree}?q=1`,
                digestSRI: 'sha256-MIwhzJyufmsjiGS1qP0waCmFb0gKa5ZGBI0ZZtfQo9Ls=',
                mediaType: 'application/ld+json',
              },
            ],
          }),
        ),
      ).to.deep.equal([])
    })

    it('accepts a single object ("one or more objects")', () => {
      expect(
        found(
          changed(v2(), {
            relatedResource: {
              id: EXAMPLES,
              digestMultibase: 'uEiBXOT-8adbvubm13Jy2uYgLCUQ2Cr_i6vRZyeWM8iedfA',
            },
          }),
        ),
      ).to.deep.equal([])
    })

    it('refuses a list of strings', () =>
      expectProblem(changed(v2(), { relatedResource: [EXAMPLES] }), '/relatedResource/0', 'type'))
    it('requires an id', () =>
      expectProblem(
        changed(v2(), { relatedResource: [{ digestSRI: digest }] }),
        '/relatedResource/0/id',
        'required',
      ))
    it('requires the id to be a URL', () =>
      expectProblem(
        changed(v2(), { relatedResource: [{ id: 'resource', digestSRI: digest }] }),
        '/relatedResource/0/id',
        'format',
      ))

    it('requires unique ids', () => {
      const resource = { id: 'https://example.org/resource', digestSRI: digest }
      expectProblem(
        changed(v2(), { relatedResource: [resource, { ...resource }] }),
        '/relatedResource/1/id',
        'unique',
      )
    })

    it('requires digestSRI or digestMultibase', () => {
      expectProblem(
        changed(v2(), { relatedResource: [{ id: 'https://example.org/resource' }] }),
        '/relatedResource/0',
        'required',
      )
    })

    it('requires SRI syntax with sha256, sha384 or sha512', () => {
      for (const value of [
        'md5-q1MKE+RZFJgrefm34/uplM/R8/si9xzqGvvwK0YMbR0=',
        'sha384',
        'sha384-',
        'sha384 zNNb',
        'sha384-zNN*b',
        42,
      ]) {
        expectProblem(
          changed(v2(), { relatedResource: [{ id: 'https://example.org/resource', digestSRI: value }] }),
          '/relatedResource/0/digestSRI',
          'format',
        )
      }
    })

    it('requires digestMultibase to be a multibase multihash', () => {
      // The conformance suite's negative fixture: base64url of text, not a multihash.
      for (const value of [
        'uZTQ0MjM1NiAgcmVwb3J0cc5jZWxhdGVkLXJlc291cmNlLmpzb24K',
        'EiAjCHMnK5',
        'u',
        'uEiAjCHMnK5-ayOIZLWo_TBoKYVvSAprlkYEjRlm19Cj0',
        'zIl0O',
      ]) {
        expectProblem(
          changed(v2(), {
            relatedResource: [{ id: 'https://example.org/resource', digestMultibase: value }],
          }),
          '/relatedResource/0/digestMultibase',
          'format',
        )
      }
    })

    it('refuses a digest that differs from the pinned digest of a bundled context', () => {
      const wrongSri = 'sha384-zNNbQTWCSUSi0bbz7dbua+RcENv7C6FvlmYJ1Y+I727HsPOHdzwELMYO9Mz68M27'
      expectProblem(
        changed(v2(), { relatedResource: [{ id: EXAMPLES, digestSRI: wrongSri }] }),
        '/relatedResource/0/digestSRI',
        'digest',
      )
      // VC 2.0 example 25 prefixes the base64 value with a multibase "M": not the digest.
      const example25 = 'sha384-MzNNbQTWCSUSi0bbz7dbua+RcENv7C6FvlmYJ1Y+I727HsPOHdzwELMYO9Mz68M26'
      expectProblem(
        changed(v2(), { relatedResource: [{ id: EXAMPLES, digestSRI: example25 }] }),
        '/relatedResource/0/digestSRI',
        'digest',
      )
      // A well-formed sha2-256 multihash, but of the examples context, claimed for the v2 context.
      const examplesDigest = 'uEiBXOT-8adbvubm13Jy2uYgLCUQ2Cr_i6vRZyeWM8iedfA'
      expectProblem(
        changed(v2(), { relatedResource: [{ id: V2, digestMultibase: examplesDigest }] }),
        '/relatedResource/0/digestMultibase',
        'digest',
      )
      expectProblem(
        changed(v2(), { relatedResource: [{ id: V2, digestSRI: digest }] }),
        '/relatedResource/0/digestSRI',
        'digest',
      )
    })

    it('accepts the pinned digests in any base64 alphabet, and a digest in base58btc', () => {
      const url = 'sha384-zNNbQTWCSUSi0bbz7dbua-RcENv7C6FvlmYJ1Y-I727HsPOHdzwELMYO9Mz68M26'
      const hex = `f1220${createHash('sha256')
        .update(readFileSync(new URL('../../../contexts/edc-ap.jsonld', import.meta.url)))
        .digest('hex')}`
      expect(
        found(
          changed(v2(), {
            relatedResource: [
              { id: EXAMPLES, digestSRI: url },
              { id: EDC_AP, digestMultibase: hex },
              {
                id: 'https://example.org/resource',
                digestMultibase: 'zQmSyEbDPZtn9oDcP9bs13xJUMu61zCUp4cTwtYTyrA4nS9',
              },
            ],
          }),
        ),
      ).to.deep.equal([])
    })
  })

  describe('securing mechanism', () => {
    it('VC-JOSE needs VC 2.0', () => expectProblem(v11(), '/@context/0', 'version', jose))

    it('VC-JOSE refuses an embedded proof; Data Integrity keeps it (proof sets)', () => {
      const proof = {
        type: 'DataIntegrityProof',
        cryptosuite: 'eddsa-rdfc-2022',
        proofPurpose: 'assertionMethod',
      }
      expectProblem(changed(v2(), { proof }), '/proof', 'proof', jose)
      expect(found(changed(v2(), { proof }), di)).to.deep.equal([])
    })
  })

  it('reports every problem at once', () => {
    const bad = changed(v2(), {
      type: ['ExampleDegreeCredential'],
      issuer: 'nobody',
      validUntil: '2020-01-01T00:00:00Z',
    })
    expect(found(bad)).to.have.members(['/type [contains]', '/issuer [format]', '/validUntil [range]'])
  })
})

describe('checkJsonLd (safe mode, offline)', () => {
  it('refuses an undefined term', async () => {
    const problems = await checkJsonLd(
      { ...v2(), '@context': [V2], credentialSubject: { id: 'did:example:a', alumniOf: 'x' } },
      loader,
    )
    expect(problems).to.have.length(1)
    expect(problems[0]).to.include({ rule: 'jsonld' })
    expect(problems[0]?.message).to.contain('alumniOf')
  })

  it('refuses an undefined type', async () => {
    const problems = await checkJsonLd(
      {
        '@context': [V2],
        type: ['VerifiableCredential', 'Unmapped'],
        credentialSubject: { id: 'did:example:a' },
      },
      loader,
    )
    expect(problems.map((p) => p.rule)).to.deep.equal(['jsonld'])
  })

  it('refuses a protected term redefinition', async () => {
    const redefined = { ...v2(), '@context': [V2, { VerifiableCredential: 'https://example.org/#VC' }] }
    expect(await checkJsonLd(redefined, loader)).to.deep.equal([
      {
        field: '/@context',
        rule: 'jsonld',
        message: 'the protected term "VerifiableCredential" is redefined',
      },
    ])
  })

  it('refuses a context that is not bundled, without fetching it', async () => {
    const problems = await checkJsonLd(
      { ...v2(), '@context': [V2, 'https://example.org/context/v1'] },
      loader,
    )
    expect(problems).to.deep.equal([
      {
        field: '/@context',
        rule: 'jsonld',
        message: 'context https://example.org/context/v1 is not available offline',
      },
    ])
  })

  it('throws, rather than blames the credential, when the loader itself fails', async () => {
    const failure = new Error('storage unreachable')
    const broken = async (): Promise<never> => {
      throw failure
    }
    const err: unknown = await checkJsonLd(v2(), broken).then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(err, 'rejected').to.be.instanceOf(Error)
    expect((err as { details?: { cause?: unknown } }).details?.cause).to.equal(failure)
  })

  it('refuses the ELM envelope (v2 + edc-ap), which is issued with `microcred issue` instead', async () => {
    const elm = {
      '@context': [V2, EDC_AP],
      type: ['VerifiableCredential'],
      credentialSubject: { id: 'did:example:a' },
    }
    expect((await checkJsonLd(elm, loader)).map((p) => p.rule)).to.deep.equal(['jsonld'])
  })
})

describe('parseXsdDateTime', () => {
  it('reads the instant and whether a time zone was given', () => {
    expect(parseXsdDateTime('2026-01-01T10:00:00+02:00')).to.deep.equal({
      epochMs: Date.parse('2026-01-01T08:00:00Z'),
      hasTimezone: true,
    })
    expect(parseXsdDateTime('2026-12-31T24:00:00Z')?.epochMs).to.equal(Date.parse('2027-01-01T00:00:00Z'))
    expect(parseXsdDateTime('0001-01-01T00:00:00Z')?.epochMs).to.equal(Date.parse('0001-01-01T00:00:00Z'))
    expect(parseXsdDateTime('2026-01-01T00:00:00')?.hasTimezone).to.equal(false)
    expect(parseXsdDateTime('2000-02-29T00:00:00Z')).to.not.equal(undefined)
    expect(parseXsdDateTime('1900-02-29T00:00:00Z')).to.equal(undefined)
  })
})

describe('pinned context digests', () => {
  const files: Record<string, URL> = {
    [EXAMPLES]: new URL('../../../contexts/credentials-examples-v2.jsonld', import.meta.url),
    [EDC_AP]: new URL('../../../contexts/edc-ap.jsonld', import.meta.url),
    [DATA_INTEGRITY_V1]: new URL(
      '../../../node_modules/@digitalbazaar/data-integrity-context/contexts/data-integrity-v1.jsonld',
      import.meta.url,
    ),
  }

  for (const [url, file] of Object.entries(files)) {
    it(`${url}: the table holds the digests of the exact bytes`, () => {
      const bytes = readFileSync(file)
      const expected = Object.fromEntries(
        (['sha256', 'sha384', 'sha512'] as const).map((alg) => [
          alg,
          createHash(alg).update(bytes).digest('base64'),
        ]),
      )
      expect(CONTEXT_DIGESTS[url]).to.deep.equal(expected)
    })
  }

  it('the v2 context: only the SHA-256 that VC 2.0 Appendix B.1 publishes', () => {
    const published = '59955ced6697d61e03f2b2556febe5308ab16842846f5b586d7f1f7adec92734'
    expect(CONTEXT_DIGESTS[V2]).to.deep.equal({ sha256: Buffer.from(published, 'hex').toString('base64') })
  })

  it('pins nothing else', () => {
    expect(Object.keys(CONTEXT_DIGESTS).sort()).to.deep.equal(
      [EDC_AP, DATA_INTEGRITY_V1, V2, EXAMPLES].sort(),
    )
  })
})
