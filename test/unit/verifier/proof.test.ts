import { expect } from 'chai'
import * as vc from '@digitalbazaar/vc'
import { DataIntegrityProof } from '@digitalbazaar/data-integrity'
import type { DIDDocument } from 'did-resolver'
import { base64url, CompactSign } from 'jose'
import { fixedClock } from '../../../src/clock.js'
import { createDidDocumentLoader } from '../../../src/did/did-document-loader.js'
import { didJwkFromJwk } from '../../../src/did/did-jwk.js'
import { multibaseOfDidKey } from '../../../src/did/did-key.js'
import { createDidResolver, type DidResolver, type DidWebLookup } from '../../../src/did/resolver.js'
import {
  composeDocumentLoaders,
  createStaticDocumentLoader,
  CREDENTIALS_V1,
  CREDENTIALS_V2,
  DATA_INTEGRITY_V2,
  DID_V1,
  MULTIKEY_V1,
} from '../../../src/document-loader/index.js'
import { DidResolutionError } from '../../../src/errors.js'
import { CRYPTOSUITES } from '../../../src/issuer/secure-data-integrity.js'
import { secureWithDataIntegrity } from '../../../src/issuer/secure-data-integrity.js'
import { secureWithJose } from '../../../src/issuer/secure-jose.js'
import type { Signer } from '../../../src/signing/key-store.js'
import { checkProof } from '../../../src/verifier/checks/proof.js'
import { DidRelationshipPurpose } from '../../../src/verifier/proof/did-relationship-purpose.js'
import type { ParsedCredential, ParsedPresentation, VerifierDeps } from '../../../src/verifier/types.js'
import { createTestIssuer, type TestIssuer } from '../../support/issuer-fixture.js'

type Doc = Record<string, unknown>

const NOW = new Date('2026-03-01T12:00:00Z')
const SIGNED_AT = new Date('2026-03-01T00:00:00Z')
const WEB_DID = 'did:web:issuer.example'
const WEB_KID = `${WEB_DID}#key-1`
const CHALLENGE = 'c-8f2e4a'
const DOMAIN = 'verifier.example'

const encoder = new TextEncoder()

/** A signer that announces `id` but signs with `signer`'s key. */
function withId(signer: Signer, id: string): Signer {
  return {
    id,
    algorithm: signer.algorithm,
    jwsAlgorithm: signer.jwsAlgorithm,
    sign: (input) => signer.sign(input),
  }
}

function credentialV2(issuer: string): Doc {
  return {
    '@context': [CREDENTIALS_V2],
    id: 'urn:uuid:6b1e7c1a-3f0d-4c52-9b7e-2d8a9c4e5f01',
    type: ['VerifiableCredential'],
    issuer: { id: issuer, name: 'Example University' },
    validFrom: '2026-01-01T00:00:00Z',
    credentialSubject: { id: 'did:example:learner' },
  }
}

function credentialV1(issuer: string): Doc {
  return {
    '@context': [CREDENTIALS_V1],
    id: 'urn:uuid:6b1e7c1a-3f0d-4c52-9b7e-2d8a9c4e5f02',
    type: ['VerifiableCredential'],
    issuer,
    issuanceDate: '2026-01-01T00:00:00Z',
    credentialSubject: { id: 'did:example:learner' },
  }
}

function decodeSegment(segment: string): Doc {
  return JSON.parse(new TextDecoder().decode(base64url.decode(segment))) as Doc
}

function parsedJws(jws: string): ParsedCredential {
  const [header = '', payload = ''] = jws.split('.')
  return {
    kind: 'credential',
    mechanism: 'vc-jose',
    version: '2.0',
    credential: decodeSegment(payload),
    jws,
    header: decodeSegment(header),
    pointer: '',
  }
}

function parsedVpJws(jws: string): ParsedPresentation {
  const [header = '', payload = ''] = jws.split('.')
  return {
    kind: 'presentation',
    mechanism: 'vc-jose',
    version: '2.0',
    presentation: decodeSegment(payload),
    jws,
    header: decodeSegment(header),
    credentials: [],
  }
}

function parsedDi(credential: Doc): ParsedCredential {
  const first = (credential['@context'] as unknown[])[0]
  return {
    kind: 'credential',
    mechanism: 'data-integrity',
    version: first === CREDENTIALS_V1 ? '1.1' : '2.0',
    credential,
    pointer: '',
  }
}

function parsedDiVp(presentation: Doc): ParsedPresentation {
  return { kind: 'presentation', mechanism: 'data-integrity', version: '2.0', presentation, credentials: [] }
}

async function signJws(header: Doc, payload: Doc, signer: Pick<Signer, 'sign'>): Promise<string> {
  const input = `${base64url.encode(JSON.stringify(header))}.${base64url.encode(JSON.stringify(payload))}`
  if (header.alg === 'none') return `${input}.`
  return `${input}.${base64url.encode(await signer.sign({ data: encoder.encode(input) }))}`
}

/** Replaces one segment of a compact JWS, keeping the others. */
function replaceSegment(jws: string, index: 0 | 1 | 2, change: (segment: string) => string): string {
  const parts = jws.split('.')
  parts[index] = change(parts[index] ?? '')
  return parts.join('.')
}

/**
 * Changes one character in the middle of an encoded value (the last base64url character may carry only
 * padding bits a decoder ignores, so it is never the one changed).
 */
function flipChar(encoded: string): string {
  const at = Math.floor(encoded.length / 2)
  const replacement = encoded[at] === 'A' ? 'B' : 'A'
  return `${encoded.slice(0, at)}${replacement}${encoded.slice(at + 1)}`
}

function deps(didResolver: DidResolver): VerifierDeps {
  return {
    documentLoader: composeDocumentLoaders(
      createStaticDocumentLoader(),
      createDidDocumentLoader(didResolver),
    ),
    didResolver,
    resolveStatusList: async () => undefined,
    trustedIssuers: { lookup: async () => undefined },
    clock: fixedClock(NOW),
  }
}

/** A did:web document for `WEB_DID` with one key, listed under the relationships given. */
function webDocument(
  publicKeyMultibase: string,
  relationships: Array<'assertionMethod' | 'authentication'>,
): DIDDocument {
  const document: DIDDocument = {
    '@context': [DID_V1, MULTIKEY_V1],
    id: WEB_DID,
    verificationMethod: [{ id: WEB_KID, type: 'Multikey', controller: WEB_DID, publicKeyMultibase }],
  }
  for (const relationship of relationships) document[relationship] = [WEB_KID]
  return document
}

function webResolver(lookup: DidWebLookup): DidResolver {
  return createDidResolver({ didWeb: lookup })
}

/** A purpose that writes extra proof terms when signing (a proof `id`, a `previousProof`). */
class PurposeWithTerms extends DidRelationshipPurpose {
  constructor(
    term: 'assertionMethod' | 'authentication',
    private readonly terms: Doc,
  ) {
    super({ term, didResolver: createDidResolver() })
  }
  override async update(proof: Doc): Promise<Doc> {
    return Object.assign(await super.update(proof), this.terms)
  }
}

/** Signs with Data Integrity through the library, with any purpose. */
async function signDi(
  credential: Doc,
  signer: Signer,
  purpose: DidRelationshipPurpose,
  documentLoader: VerifierDeps['documentLoader'],
  date = SIGNED_AT,
): Promise<Doc> {
  const unsigned = structuredClone(credential)
  const contexts = unsigned['@context'] as unknown[]
  if (contexts[0] === CREDENTIALS_V1) unsigned['@context'] = [...contexts, DATA_INTEGRITY_V2]
  const suite = new DataIntegrityProof({ signer, cryptosuite: CRYPTOSUITES[signer.algorithm], date })
  return vc.issue({ credential: unsigned, suite, purpose, documentLoader, now: date })
}

describe('checkProof', () => {
  let ed: TestIssuer
  let p256: TestIssuer
  let other: TestIssuer
  const keyDeps = deps(createDidResolver())

  before(async () => {
    ;[ed, p256, other] = await Promise.all([
      createTestIssuer('Ed25519'),
      createTestIssuer('P-256'),
      createTestIssuer('Ed25519'),
    ])
  })
  after(async () => {
    await Promise.all([ed.dispose(), p256.dispose(), other.dispose()])
  })

  describe('VC-JOSE credentials', () => {
    for (const algorithm of ['Ed25519', 'P-256'] as const) {
      it(`passes a vc+jwt signed with ${algorithm === 'Ed25519' ? 'EdDSA' : 'ES256'} by the issuer's did:key`, async () => {
        const issuer = algorithm === 'Ed25519' ? ed : p256
        const jws = await secureWithJose(credentialV2(issuer.did), issuer.signer)
        const check = await checkProof(parsedJws(jws), keyDeps)
        expect(check).to.deep.include({ id: 'proof', status: 'pass', code: 'PROOF_OK' })
      })
    }

    it('fails PROOF_INVALID for a changed payload, header or signature', async () => {
      const jws = await secureWithJose(credentialV2(ed.did), ed.signer)
      const payload = replaceSegment(jws, 1, (segment) => {
        const doc = decodeSegment(segment)
        doc.credentialSubject = { id: 'did:example:someone-else' }
        return base64url.encode(JSON.stringify(doc))
      })
      const header = replaceSegment(jws, 0, (segment) =>
        base64url.encode(JSON.stringify({ ...decodeSegment(segment), cty: 'vc+ld+json' })),
      )
      const signature = replaceSegment(jws, 2, flipChar)
      for (const [name, tampered] of Object.entries({ payload, header, signature })) {
        const check = await checkProof(parsedJws(tampered), keyDeps)
        expect(check, name).to.include({ status: 'fail', code: 'PROOF_INVALID' })
        expect(check.problems?.[0], name).to.include({
          code: 'PROOF_INVALID',
          type: 'https://www.w3.org/TR/vc-data-model#CRYPTOGRAPHIC_SECURITY_ERROR',
        })
      }
    })

    it('fails PROOF_INVALID when another key signed under the issuer kid', async () => {
      const jws = await secureWithJose(credentialV2(ed.did), withId(other.signer, ed.signer.id))
      expect(await checkProof(parsedJws(jws), keyDeps)).to.include({ status: 'fail', code: 'PROOF_INVALID' })
    })

    it('fails PROOF_INVALID when the document checked is not the signed payload', async () => {
      const parsed = parsedJws(await secureWithJose(credentialV2(ed.did), ed.signer))
      parsed.credential = { ...parsed.credential, name: 'changed after parsing' }
      expect(await checkProof(parsed, keyDeps)).to.include({ status: 'fail', code: 'PROOF_INVALID' })
    })

    it('fails PROOF_ISSUER_MISMATCH when the kid DID is not the issuer, or iss disagrees', async () => {
      const jws = await secureWithJose(credentialV2(other.did), ed.signer)
      expect(await checkProof(parsedJws(jws), keyDeps)).to.include({
        status: 'fail',
        code: 'PROOF_ISSUER_MISMATCH',
      })
      const withIss = await secureWithJose({ ...credentialV2(ed.did), iss: other.did }, ed.signer)
      expect(await checkProof(parsedJws(withIss), keyDeps)).to.include({
        status: 'fail',
        code: 'PROOF_ISSUER_MISMATCH',
      })
      const noIssuer = credentialV2(ed.did)
      delete noIssuer.issuer
      expect(await checkProof(parsedJws(await secureWithJose(noIssuer, ed.signer)), keyDeps)).to.include({
        code: 'PROOF_ISSUER_MISMATCH',
      })
    })

    it('fails PROOF_KEY_NOT_AUTHORIZED for a key its DID document lists under authentication only', async () => {
      const mb = multibaseOfDidKey(ed.did)
      const signer = withId(ed.signer, WEB_KID)
      const jws = await secureWithJose(credentialV2(WEB_DID), signer)
      const authOnly = deps(webResolver(async () => webDocument(mb, ['authentication'])))
      expect(await checkProof(parsedJws(jws), authOnly)).to.include({
        status: 'fail',
        code: 'PROOF_KEY_NOT_AUTHORIZED',
      })
      // The control case: the same key under assertionMethod.
      const assertion = deps(webResolver(async () => webDocument(mb, ['assertionMethod'])))
      expect(await checkProof(parsedJws(jws), assertion)).to.include({ status: 'pass', code: 'PROOF_OK' })
    })

    it('fails PROOF_ALG_UNSUPPORTED for alg none and for HS256 keyed with the public key', async () => {
      const payload = credentialV2(ed.did)
      const none = await signJws({ alg: 'none', typ: 'vc+jwt', kid: ed.signer.id }, payload, ed.signer)
      expect(await checkProof(parsedJws(none), keyDeps)).to.include({
        status: 'fail',
        code: 'PROOF_ALG_UNSUPPORTED',
      })
      for (const secret of [
        encoder.encode(JSON.stringify(ed.publicJwk)),
        base64url.decode(ed.publicJwk.x as string),
      ]) {
        const hs = await new CompactSign(encoder.encode(JSON.stringify(payload)))
          .setProtectedHeader({ alg: 'HS256', typ: 'vc+jwt', kid: ed.signer.id })
          .sign(secret)
        expect(await checkProof(parsedJws(hs), keyDeps)).to.include({
          status: 'fail',
          code: 'PROOF_ALG_UNSUPPORTED',
        })
      }
    })

    it('fails PROOF_INVALID for an allowed alg that does not fit the key (ES256 with Ed25519)', async () => {
      const jws = await signJws(
        { alg: 'ES256', typ: 'vc+jwt', kid: ed.signer.id },
        credentialV2(ed.did),
        ed.signer,
      )
      expect(await checkProof(parsedJws(jws), keyDeps)).to.include({ status: 'fail', code: 'PROOF_INVALID' })
    })

    for (const typ of ['JWT', undefined, 'vp+jwt', 'vc+ld+jwt']) {
      it(`fails PROOF_TYP_INVALID for typ ${String(typ)}`, async () => {
        const jws = await signJws({ alg: 'EdDSA', typ, kid: ed.signer.id }, credentialV2(ed.did), ed.signer)
        expect(await checkProof(parsedJws(jws), keyDeps)).to.include({
          status: 'fail',
          code: 'PROOF_TYP_INVALID',
        })
      })
    }

    it('accepts typ application/vc+jwt and a kid relative to the issuer', async () => {
      const fragment = ed.signer.id.slice(ed.signer.id.indexOf('#'))
      const jws = await signJws(
        { alg: 'EdDSA', typ: 'application/vc+jwt', kid: fragment },
        credentialV2(ed.did),
        ed.signer,
      )
      expect(await checkProof(parsedJws(jws), keyDeps)).to.include({ status: 'pass' })
    })

    it('fails PROOF_LEGACY_CLAIMS for a payload with the VC-JWT 1.1 vc claim', async () => {
      const jws = await secureWithJose(
        { ...credentialV2(ed.did), vc: { type: ['VerifiableCredential'] } },
        ed.signer,
      )
      expect(await checkProof(parsedJws(jws), keyDeps)).to.include({
        status: 'fail',
        code: 'PROOF_LEGACY_CLAIMS',
      })
    })

    it('fails PROOF_KID_INVALID without a DID URL kid, PROOF_KEY_NOT_FOUND for a kid that does not resolve', async () => {
      const payload = credentialV2(ed.did)
      for (const kid of [undefined, 'https://issuer.example/keys/1', ed.did]) {
        const jws = await signJws({ alg: 'EdDSA', typ: 'vc+jwt', kid }, payload, ed.signer)
        expect(await checkProof(parsedJws(jws), keyDeps), String(kid)).to.include({
          status: 'fail',
          code: 'PROOF_KID_INVALID',
        })
      }
      for (const kid of ['did:example:123#key-1', `${ed.did}#nope`, 'did:key:z6Mk#x']) {
        const jws = await signJws({ alg: 'EdDSA', typ: 'vc+jwt', kid }, payload, ed.signer)
        expect(await checkProof(parsedJws(jws), keyDeps), kid).to.include({
          status: 'fail',
          code: 'PROOF_KEY_NOT_FOUND',
        })
      }
    })

    it('is indeterminate PROOF_KEY_UNREACHABLE when the issuer did:web cannot be retrieved', async () => {
      const jws = await secureWithJose(credentialV2(WEB_DID), withId(ed.signer, WEB_KID))
      const down = deps(
        webResolver(async (did) => {
          throw new DidResolutionError('down', did, 'network')
        }),
      )
      expect(await checkProof(parsedJws(jws), down)).to.include({
        status: 'indeterminate',
        code: 'PROOF_KEY_UNREACHABLE',
      })
    })

    it('verifies a did:jwk issuer through its #0 key', async () => {
      const { did, kid } = didJwkFromJwk(p256.publicJwk)
      const jws = await secureWithJose(credentialV2(did), withId(p256.signer, kid))
      expect(await checkProof(parsedJws(jws), keyDeps)).to.include({ status: 'pass', code: 'PROOF_OK' })
    })

    it('fails PROOF_MALFORMED or PROOF_MISSING for input that is not a JWS, without throwing', async () => {
      const parsed = parsedJws(await secureWithJose(credentialV2(ed.did), ed.signer))
      expect(await checkProof({ ...parsed, jws: 'not.a.jws' }, keyDeps)).to.include({
        status: 'fail',
        code: 'PROOF_MALFORMED',
      })
      const { jws: _jws, ...withoutJws } = parsed
      expect(await checkProof(withoutJws, keyDeps)).to.include({ status: 'fail', code: 'PROOF_MISSING' })
    })
  })

  describe('VC-JOSE presentations', () => {
    function presentation(holder: string | undefined, claims: Doc = {}): Doc {
      const doc: Doc = { '@context': [CREDENTIALS_V2], type: ['VerifiablePresentation'], ...claims }
      if (holder !== undefined) doc.holder = holder
      return doc
    }
    const vpJws = (payload: Doc, signer: Signer, typ = 'vp+jwt') =>
      signJws({ alg: signer.jwsAlgorithm, typ, kid: signer.id }, payload, signer)

    it('passes with nonce = challenge and aud = domain, and reports each mismatch', async () => {
      const jws = await vpJws(presentation(ed.did, { nonce: CHALLENGE, aud: DOMAIN }), ed.signer)
      const parsed = parsedVpJws(jws)
      expect(
        await checkProof(parsed, keyDeps, { challenge: CHALLENGE, domain: DOMAIN, requireChallenge: true }),
      ).to.include({ status: 'pass' })
      expect(await checkProof(parsed, keyDeps, { challenge: 'other', domain: DOMAIN })).to.include({
        code: 'PROOF_CHALLENGE_MISMATCH',
      })
      expect(await checkProof(parsed, keyDeps, { challenge: CHALLENGE, domain: 'other.example' })).to.include(
        { code: 'PROOF_DOMAIN_MISMATCH' },
      )
    })

    it('fails PROOF_CHALLENGE_MISSING without a nonce when one is required', async () => {
      const parsed = parsedVpJws(await vpJws(presentation(ed.did), ed.signer))
      expect(await checkProof(parsed, keyDeps, { requireChallenge: true })).to.include({
        status: 'fail',
        code: 'PROOF_CHALLENGE_MISSING',
      })
      expect(await checkProof(parsed, keyDeps, { challenge: CHALLENGE })).to.include({
        code: 'PROOF_CHALLENGE_MISSING',
      })
      expect(await checkProof(parsed, keyDeps)).to.include({ status: 'pass' })
    })

    it('fails PROOF_TYP_INVALID for a presentation typed vc+jwt, and PROOF_ISSUER_MISMATCH for a holder that did not sign', async () => {
      expect(
        await checkProof(parsedVpJws(await vpJws(presentation(ed.did), ed.signer, 'vc+jwt')), keyDeps),
      ).to.include({ code: 'PROOF_TYP_INVALID' })
      expect(
        await checkProof(parsedVpJws(await vpJws(presentation(other.did), ed.signer)), keyDeps),
      ).to.include({ code: 'PROOF_ISSUER_MISMATCH' })
      expect(
        await checkProof(parsedVpJws(await vpJws(presentation(undefined), ed.signer)), keyDeps),
      ).to.include({ status: 'pass' })
    })

    it('fails PROOF_KEY_NOT_AUTHORIZED for a key listed under assertionMethod only, and PROOF_LEGACY_CLAIMS for vp', async () => {
      const mb = multibaseOfDidKey(ed.did)
      const assertionOnly = deps(webResolver(async () => webDocument(mb, ['assertionMethod'])))
      const jws = await vpJws(presentation(WEB_DID), withId(ed.signer, WEB_KID))
      expect(await checkProof(parsedVpJws(jws), assertionOnly)).to.include({
        code: 'PROOF_KEY_NOT_AUTHORIZED',
      })
      const legacy = await vpJws(presentation(ed.did, { vp: {} }), ed.signer)
      expect(await checkProof(parsedVpJws(legacy), keyDeps)).to.include({ code: 'PROOF_LEGACY_CLAIMS' })
    })
  })

  describe('Data Integrity credentials', () => {
    for (const version of ['1.1', '2.0'] as const) {
      for (const algorithm of ['Ed25519', 'P-256'] as const) {
        const suite = algorithm === 'Ed25519' ? 'eddsa-rdfc-2022' : 'ecdsa-rdfc-2019'
        it(`passes a VC ${version} credential with ${suite}`, async () => {
          const issuer = algorithm === 'Ed25519' ? ed : p256
          const unsigned = version === '1.1' ? credentialV1(issuer.did) : credentialV2(issuer.did)
          const signed = await secureWithDataIntegrity(unsigned, issuer.signer, {
            documentLoader: issuer.documentLoader,
            date: SIGNED_AT,
          })
          expect(await checkProof(parsedDi(signed), keyDeps)).to.deep.include({
            id: 'proof',
            status: 'pass',
            code: 'PROOF_OK',
          })
        })

        it(`fails PROOF_INVALID for a changed VC ${version} credential with ${suite}`, async () => {
          const issuer = algorithm === 'Ed25519' ? ed : p256
          const unsigned = version === '1.1' ? credentialV1(issuer.did) : credentialV2(issuer.did)
          const signed = await secureWithDataIntegrity(unsigned, issuer.signer, {
            documentLoader: issuer.documentLoader,
            date: SIGNED_AT,
          })
          signed.credentialSubject = { id: 'did:example:someone-else' }
          const check = await checkProof(parsedDi(signed), keyDeps)
          expect(check).to.include({ status: 'fail', code: 'PROOF_INVALID' })
          expect(check.problems?.[0]).to.include({
            type: 'https://w3id.org/security#PROOF_VERIFICATION_ERROR',
            instance: '/proof',
          })
          expect(check.problems?.[0]?.detail).to.be.a('string')
        })
      }
    }

    it('does not fail on dates or status: those are separate checks', async () => {
      const unsigned: Doc = { ...credentialV2(ed.did), validUntil: '2026-01-02T00:00:00Z' }
      unsigned.credentialStatus = {
        id: 'https://issuer.example/status/1#0',
        type: 'BitstringStatusListEntry',
        statusPurpose: 'revocation',
        statusListIndex: '0',
        statusListCredential: 'https://issuer.example/status/1',
      }
      const signed = await secureWithDataIntegrity(unsigned, ed.signer, {
        documentLoader: ed.documentLoader,
        date: SIGNED_AT,
      })
      expect(await checkProof(parsedDi(signed), keyDeps)).to.include({ status: 'pass' })
    })

    it('fails PROOF_PURPOSE_INVALID for a proof made for authentication', async () => {
      const signed = await signDi(
        credentialV2(ed.did),
        ed.signer,
        new PurposeWithTerms('authentication', {}),
        ed.documentLoader,
      )
      expect((signed.proof as Doc).proofPurpose).to.equal('authentication')
      const check = await checkProof(parsedDi(signed), keyDeps)
      expect(check).to.include({ status: 'fail', code: 'PROOF_PURPOSE_INVALID' })
      expect(check.problems?.[0]?.type).to.equal('https://w3id.org/security#MISMATCHED_PROOF_PURPOSE_ERROR')
    })

    it('fails PROOF_TYPE_UNSUPPORTED for an unknown cryptosuite or proof type', async () => {
      const signed = await secureWithDataIntegrity(credentialV2(ed.did), ed.signer, {
        documentLoader: ed.documentLoader,
        date: SIGNED_AT,
      })
      for (const change of [
        { cryptosuite: 'bbs-2023' },
        { cryptosuite: 'eddsa-jcs-2022' },
        { type: 'Ed25519Signature2020' },
      ]) {
        const altered = { ...signed, proof: { ...(signed.proof as Doc), ...change } }
        expect(await checkProof(parsedDi(altered), keyDeps), JSON.stringify(change)).to.include({
          status: 'fail',
          code: 'PROOF_TYPE_UNSUPPORTED',
        })
      }
    })

    it('fails PROOF_MISSING without a proof, PROOF_MALFORMED for a proof that is not an object', async () => {
      expect(await checkProof(parsedDi(credentialV2(ed.did)), keyDeps)).to.include({
        status: 'fail',
        code: 'PROOF_MISSING',
      })
      expect(await checkProof(parsedDi({ ...credentialV2(ed.did), proof: [] }), keyDeps)).to.include({
        code: 'PROOF_MISSING',
      })
      expect(await checkProof(parsedDi({ ...credentialV2(ed.did), proof: 'x' }), keyDeps)).to.include({
        code: 'PROOF_MALFORMED',
      })
    })

    it('fails PROOF_ISSUER_MISMATCH for a valid proof by a key that is not the issuer', async () => {
      const signed = await secureWithDataIntegrity(credentialV2(other.did), ed.signer, {
        documentLoader: ed.documentLoader,
        date: SIGNED_AT,
      })
      expect(await checkProof(parsedDi(signed), keyDeps)).to.include({
        status: 'fail',
        code: 'PROOF_ISSUER_MISMATCH',
      })
    })

    it('fails PROOF_KEY_NOT_AUTHORIZED for a key listed under authentication only, passes under assertionMethod', async () => {
      const mb = multibaseOfDidKey(ed.did)
      const authOnly = deps(webResolver(async () => webDocument(mb, ['authentication'])))
      const assertion = deps(webResolver(async () => webDocument(mb, ['assertionMethod'])))
      const signed = await secureWithDataIntegrity(credentialV2(WEB_DID), withId(ed.signer, WEB_KID), {
        documentLoader: assertion.documentLoader,
        date: SIGNED_AT,
      })
      expect(await checkProof(parsedDi(signed), authOnly)).to.include({
        status: 'fail',
        code: 'PROOF_KEY_NOT_AUTHORIZED',
      })
      expect(await checkProof(parsedDi(signed), assertion)).to.include({ status: 'pass' })
    })

    it('is indeterminate PROOF_KEY_UNREACHABLE when the did:web document cannot be retrieved', async () => {
      const assertion = deps(
        webResolver(async () => webDocument(multibaseOfDidKey(ed.did), ['assertionMethod'])),
      )
      const signed = await secureWithDataIntegrity(credentialV2(WEB_DID), withId(ed.signer, WEB_KID), {
        documentLoader: assertion.documentLoader,
        date: SIGNED_AT,
      })
      const down = deps(
        webResolver(async (did) => {
          throw new DidResolutionError('timeout', did, 'timeout')
        }),
      )
      expect(await checkProof(parsedDi(signed), down)).to.include({
        status: 'indeterminate',
        code: 'PROOF_KEY_UNREACHABLE',
      })
    })

    describe('proof sets and chains', () => {
      async function twoProofs(): Promise<{ unsecured: Doc; first: Doc; second: Doc }> {
        const unsecured = credentialV2(ed.did)
        const a = await secureWithDataIntegrity(unsecured, ed.signer, {
          documentLoader: ed.documentLoader,
          date: SIGNED_AT,
        })
        const b = await secureWithDataIntegrity(unsecured, p256.signer, {
          documentLoader: ed.documentLoader,
          date: SIGNED_AT,
        })
        return { unsecured, first: a.proof as Doc, second: b.proof as Doc }
      }

      it('passes a set of two valid proofs (the issuer and an endorser)', async () => {
        const { unsecured, first, second } = await twoProofs()
        expect(await checkProof(parsedDi({ ...unsecured, proof: [first, second] }), keyDeps)).to.include({
          status: 'pass',
        })
      })

      it('fails when one proof of two does not verify, whichever it is', async () => {
        const { unsecured, first, second } = await twoProofs()
        const broken = { ...second, proofValue: flipChar(second.proofValue as string) }
        const check = await checkProof(parsedDi({ ...unsecured, proof: [first, broken] }), keyDeps)
        expect(check).to.include({ status: 'fail', code: 'PROOF_INVALID' })
        expect(check.problems?.[0]?.instance).to.equal('/proof/1')
        const brokenFirst = { ...first, proofValue: flipChar(first.proofValue as string) }
        expect(
          await checkProof(parsedDi({ ...unsecured, proof: [brokenFirst, second] }), keyDeps),
        ).to.include({ code: 'PROOF_INVALID' })
      })

      it('fails when one proof of two is of an unsupported type (fail closed)', async () => {
        const { unsecured, first, second } = await twoProofs()
        const unknown = { ...second, cryptosuite: 'bbs-2023' }
        expect(await checkProof(parsedDi({ ...unsecured, proof: [first, unknown] }), keyDeps)).to.include({
          code: 'PROOF_TYPE_UNSUPPORTED',
        })
      })

      it('fails PROOF_ISSUER_MISMATCH when no proof of the set is the issuer', async () => {
        const { unsecured, second } = await twoProofs()
        expect(await checkProof(parsedDi({ ...unsecured, proof: [second] }), keyDeps)).to.include({
          code: 'PROOF_ISSUER_MISMATCH',
        })
      })

      it('passes a chain (previousProof) and fails it when the previous proof changes or is missing', async () => {
        const unsecured = credentialV2(ed.did)
        const signed = await signDi(
          unsecured,
          ed.signer,
          new PurposeWithTerms('assertionMethod', { id: 'urn:uuid:proof-1' }),
          ed.documentLoader,
        )
        const first = signed.proof as Doc
        const { proof: _proof, ...document } = signed
        const suite = new DataIntegrityProof({
          signer: p256.signer,
          cryptosuite: CRYPTOSUITES['P-256'],
          date: SIGNED_AT,
        })
        const second = await suite.createProof({
          document: { ...document, proof: [first] },
          purpose: new PurposeWithTerms('assertionMethod', {
            id: 'urn:uuid:proof-2',
            previousProof: 'urn:uuid:proof-1',
          }),
          proofSet: [first],
          documentLoader: ed.documentLoader,
        })
        expect(await checkProof(parsedDi({ ...document, proof: [first, second] }), keyDeps)).to.include({
          status: 'pass',
        })

        // The second proof signed the first one: it breaks when the first is swapped for another proof that
        // is valid on its own (same id, same document, signed at another time).
        const resigned = await signDi(
          unsecured,
          ed.signer,
          new PurposeWithTerms('assertionMethod', { id: 'urn:uuid:proof-1' }),
          ed.documentLoader,
          new Date('2026-02-01T00:00:00Z'),
        )
        const swapped = resigned.proof as Doc
        expect(await checkProof(parsedDi({ ...document, proof: [swapped] }), keyDeps)).to.include({
          status: 'pass',
        })
        const check = await checkProof(parsedDi({ ...document, proof: [swapped, second] }), keyDeps)
        expect(check).to.include({ status: 'fail', code: 'PROOF_INVALID' })
        expect(check.problems?.[0]?.instance).to.equal('/proof/1')

        // Without the chain's context (previousProof verified against the document alone), the proof fails.
        expect(await checkProof(parsedDi({ ...document, proof: [second] }), keyDeps)).to.include({
          code: 'PROOF_CHAIN_INVALID',
        })
        const dangling = { ...second, previousProof: 'urn:uuid:nowhere' }
        expect(await checkProof(parsedDi({ ...document, proof: [first, dangling] }), keyDeps)).to.include({
          code: 'PROOF_CHAIN_INVALID',
        })
      })
    })
  })

  describe('Data Integrity presentations', () => {
    async function presentation(
      options: {
        holder?: string
        challenge?: string
        domain?: string
        purpose?: DidRelationshipPurpose
      } = {},
    ): Promise<Doc> {
      const credential = await secureWithDataIntegrity(credentialV2(p256.did), p256.signer, {
        documentLoader: ed.documentLoader,
        date: SIGNED_AT,
      })
      const unsigned: Doc = {
        '@context': [CREDENTIALS_V2],
        type: ['VerifiablePresentation'],
        verifiableCredential: [credential],
      }
      if (options.holder !== undefined) unsigned.holder = options.holder
      const suite = new DataIntegrityProof({
        signer: ed.signer,
        cryptosuite: CRYPTOSUITES.Ed25519,
        date: SIGNED_AT,
      })
      const purpose =
        options.purpose ??
        new DidRelationshipPurpose({
          term: 'authentication',
          didResolver: createDidResolver(),
          ...(options.challenge === undefined ? {} : { challenge: options.challenge }),
          ...(options.domain === undefined ? {} : { domain: options.domain }),
        })
      return vc.signPresentation({
        presentation: unsigned,
        suite,
        purpose,
        documentLoader: ed.documentLoader,
      })
    }

    it('passes with the expected challenge and domain, and reports each mismatch', async () => {
      const vp = parsedDiVp(await presentation({ holder: ed.did, challenge: CHALLENGE, domain: DOMAIN }))
      expect(
        await checkProof(vp, keyDeps, { challenge: CHALLENGE, domain: DOMAIN, requireChallenge: true }),
      ).to.include({ status: 'pass', code: 'PROOF_OK' })
      const wrongChallenge = await checkProof(vp, keyDeps, { challenge: 'other', domain: DOMAIN })
      expect(wrongChallenge).to.include({ status: 'fail', code: 'PROOF_CHALLENGE_MISMATCH' })
      expect(wrongChallenge.problems?.[0]?.type).to.equal('https://w3id.org/security#INVALID_CHALLENGE_ERROR')
      expect(await checkProof(vp, keyDeps, { challenge: CHALLENGE, domain: 'other.example' })).to.include({
        code: 'PROOF_DOMAIN_MISMATCH',
      })
    })

    it('fails PROOF_INVALID for a changed presentation', async () => {
      const signed = await presentation({ holder: ed.did, challenge: CHALLENGE })
      const changed = { ...signed, id: 'urn:uuid:another-presentation' }
      expect(await checkProof(parsedDiVp(changed), keyDeps, { challenge: CHALLENGE })).to.include({
        code: 'PROOF_INVALID',
      })
    })

    it('without a challenge in the proof: passes unless one is required', async () => {
      const vp = parsedDiVp(await presentation({ holder: ed.did }))
      expect(await checkProof(vp, keyDeps)).to.include({ status: 'pass' })
      expect(await checkProof(vp, keyDeps, { requireChallenge: true })).to.include({
        code: 'PROOF_CHALLENGE_MISSING',
      })
      expect(await checkProof(vp, keyDeps, { challenge: CHALLENGE })).to.include({
        code: 'PROOF_CHALLENGE_MISSING',
      })
    })

    it('fails PROOF_PURPOSE_INVALID for an assertionMethod proof, PROOF_ISSUER_MISMATCH for another holder', async () => {
      const assertion = await presentation({
        holder: ed.did,
        purpose: new PurposeWithTerms('assertionMethod', { challenge: CHALLENGE }),
      })
      expect(await checkProof(parsedDiVp(assertion), keyDeps, { challenge: CHALLENGE })).to.include({
        code: 'PROOF_PURPOSE_INVALID',
      })
      const otherHolder = await presentation({ holder: other.did, challenge: CHALLENGE })
      expect(await checkProof(parsedDiVp(otherHolder), keyDeps, { challenge: CHALLENGE })).to.include({
        code: 'PROOF_ISSUER_MISMATCH',
      })
    })

    it('fails PROOF_MALFORMED for a document the library cannot read as a presentation, without throwing', async () => {
      const signed = await presentation({ holder: ed.did, challenge: CHALLENGE })
      const check = await checkProof(
        parsedDiVp({ ...signed, '@context': ['https://example.org/not-a-vc-context'] }),
        keyDeps,
        { challenge: CHALLENGE },
      )
      expect(check.status).to.equal('fail')
      expect(check.code).to.equal('PROOF_MALFORMED')
    })
  })
})
