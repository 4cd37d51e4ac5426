/**
 * The negative corpus: credentials and presentations that must NOT verify, each with the check that must
 * fail and its code (never the message). What each case is: test/fixtures/corpus/README.md.
 *
 * Fixtures are generated here from a real issuance (the example course and learner, issued through the CLI
 * in a temporary home at a fixed time, in both forms), then changed. A case that needs a valid signature
 * over changed content is signed with the issuer's own key from that home, or with a throwaway did:key.
 * Fixtures that need no key are static files in test/fixtures/corpus/.
 */
import { expect } from 'chai'
import { createHmac } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { base64url } from 'jose'
import { multibaseOfDidKey } from '../../../src/did/did-key.js'
import { describeDefaultIssuer, getIssuerSigner } from '../../../src/issuer/issuer-identity.js'
import { secureWithDataIntegrity } from '../../../src/issuer/secure-data-integrity.js'
import { secureWithJose } from '../../../src/issuer/secure-jose.js'
import type { Signer } from '../../../src/signing/key-store.js'
import { publicJwkFromMultibase } from '../../../src/signing/public-key.js'
import type {
  CheckId,
  CheckStatus,
  VerificationResult,
  VerifierDeps,
  VerifyOptions,
} from '../../../src/verifier/types.js'
import { verifyCredential } from '../../../src/verifier/verify-credential.js'
import { verifyPresentation } from '../../../src/verifier/verify-presentation.js'
import { createTestIssuer, type TestIssuer } from '../../support/issuer-fixture.js'
import {
  createIssuedHome,
  EXAMPLE_COURSE,
  EXAMPLE_LEARNER,
  ISSUED_AT,
  type IssuedHome,
} from '../../support/issued-home.js'
import {
  createDataIntegrityPresentation,
  createJosePresentation,
  signForAuthentication,
  signJwsWithHeader,
} from '../../support/presentations.js'

/** An hour after issuing: inside every validity window and the status lists' lifetime. */
const VERIFY_AT = '2026-11-25T11:00:00Z'
const CHALLENGE = '7d1f0c1e-5b8a-4c47-a1f4-2f8e6b1d9a30'
const DOMAIN = 'hr.employer.example'
const FIXTURES = new URL('../../fixtures/corpus/', import.meta.url)

// Credentials are edited through their JSON paths; the shape is the ELM one both forms share.
type Doc = Record<string, any>

type Form = 'elm' | 'edc'

interface Expected {
  check: CheckId
  code: string
  /** Default `fail`. */
  status?: CheckStatus
}

function decodeJws(jws: string): { header: Doc; payload: Doc; signature: string } {
  const [header, payload, signature] = jws.split('.') as [string, string, string]
  const json = (part: string) => JSON.parse(new TextDecoder().decode(base64url.decode(part))) as Doc
  return { header: json(header), payload: json(payload), signature }
}

/** The same JWS (header and signature unchanged) over another payload. */
function withPayload(jws: string, payload: Doc): string {
  const [header, , signature] = jws.split('.') as [string, string, string]
  return `${header}.${base64url.encode(JSON.stringify(payload))}.${signature}`
}

function expectFailure(result: VerificationResult, expected: Expected): void {
  const status = expected.status ?? 'fail'
  const check = result.checks.find((c) => c.id === expected.check)
  const report = JSON.stringify(result.checks.map((c) => `${c.id} ${c.status} ${c.code}`))
  expect(result.verified, report).to.equal(false)
  expect(check, report).to.not.equal(undefined)
  expect({ status: check?.status, code: check?.code }, report).to.deep.equal({ status, code: expected.code })
  // The failing check is a required one: it is among the errors, under its code.
  expect(result.errors.map((e) => e.code)).to.include(expected.code)
}

/** Each claim of the credential a forger would want to change, and how. */
const TAMPERINGS: Record<string, (c: Doc) => void> = {
  'issuer name': (c) => {
    c.issuer.legalName.en = 'Sorbonne University'
  },
  'credentialSubject name': (c) => {
    c.credentialSubject.fullName.en = 'Someone Else'
  },
  validFrom: (c) => {
    c.validFrom = '2024-09-01T00:00:00Z'
  },
  'a learning outcome': (c) => {
    c.credentialSubject.hasClaim[0].specifiedBy.learningOutcome[0].title.en = 'Lead a multinational company'
  },
  ECTS: (c) => {
    c.credentialSubject.hasClaim[0].specifiedBy.creditPoint[0].point = '30'
  },
  'EQF level': (c) => {
    const level = c.credentialSubject.hasClaim[0].specifiedBy.eqfLevel
    level.id = 'http://data.europa.eu/snb/eqf/8'
    level.prefLabel.en = 'Level 8'
  },
  grade: (c) => {
    c.credentialSubject.hasClaim[0].provenBy[0].grade.noteLiteral.en = 'Excellent'
  },
}

describe('verifier negative corpus: what must not verify, and which check says so', function () {
  this.timeout(180_000)
  let home: IssuedHome
  let deps: VerifierDeps
  let issuer: Signer
  let other: TestIssuer
  let holder: TestIssuer
  let elm: string
  let edc: Doc

  before(async () => {
    home = await createIssuedHome()
    elm = (await home.issue('elm')).credential as string
    edc = (await home.issue('edc')).credential as Doc
    const ctx = await home.context()
    // The issuer's real key, from the home's key store: for validly signed credentials with bad content.
    issuer = await getIssuerSigner(ctx, (await describeDefaultIssuer(ctx.storage, 'default')).issuer.id)
    other = await createTestIssuer()
    holder = await createTestIssuer()
    deps = await home.verifierDeps(VERIFY_AT)
  })
  after(async () => {
    await home.dispose()
    await other.dispose()
    await holder.dispose()
  })

  const credential = (form: Form): Doc => structuredClone(form === 'elm' ? decodeJws(elm).payload : edc)

  /** Re-secures an edited credential in its form with `signer` (by default the issuer's own key). */
  async function secure(form: Form, document: Doc, signer: Signer = issuer): Promise<string | Doc> {
    if (form === 'elm') return secureWithJose(document, signer)
    const { proof: _proof, ...unsigned } = document
    return secureWithDataIntegrity(unsigned, signer, {
      documentLoader: deps.documentLoader,
      date: new Date(ISSUED_AT),
    })
  }

  /** A signer that announces `kid` but signs with another key. */
  function impostor(kid: string, key: Signer): Signer {
    return {
      id: kid,
      algorithm: key.algorithm,
      jwsAlgorithm: key.jwsAlgorithm,
      sign: (input) => key.sign(input),
    }
  }

  async function expectCredential(
    input: unknown,
    expected: Expected,
    options: VerifyOptions = {},
  ): Promise<void> {
    expectFailure(await verifyCredential(input, deps, options), expected)
  }

  it('control: the untouched credentials verify, so every failure below is the change it makes', async () => {
    for (const input of [elm, edc]) {
      const result = await verifyCredential(input, deps)
      expect(result.verified, JSON.stringify(result.errors)).to.equal(true)
    }
  })

  describe('tampered payload: each change breaks the proof (PROOF_INVALID)', () => {
    for (const form of ['elm', 'edc'] as const) {
      for (const [field, tamper] of Object.entries(TAMPERINGS)) {
        it(`${form}: ${field}`, async () => {
          const changed = credential(form)
          tamper(changed)
          expect(changed).to.not.deep.equal(credential(form))
          const input = form === 'elm' ? withPayload(elm, changed) : changed
          await expectCredential(input, { check: 'proof', code: 'PROOF_INVALID' })
        })
      }
    }
  })

  describe('keys', () => {
    for (const form of ['elm', 'edc'] as const) {
      it(`${form}: signed by another did:key under the issuer's key id (PROOF_INVALID)`, async () => {
        const input = await secure(form, credential(form), impostor(issuer.id, other.signer))
        await expectCredential(input, { check: 'proof', code: 'PROOF_INVALID' })
      })

      it(`${form}: signed by another did:key naming its own key, claiming the issuer (PROOF_ISSUER_MISMATCH)`, async () => {
        const input = await secure(form, credential(form), other.signer)
        await expectCredential(input, { check: 'proof', code: 'PROOF_ISSUER_MISMATCH' })
      })
    }

    it('a did:web issuer whose DID document does not hold the signing key (PROOF_KEY_NOT_FOUND)', async () => {
      const added = await home.cli([
        'tenants',
        'add',
        'web',
        '--name',
        'Web University',
        '--did-web',
        'issuer.web.example',
      ])
      expect(added.code, added.err).to.equal(0)
      const webDid = (added.json() as { issuer: { did: string } }).issuer.did
      expect(webDid).to.equal('did:web:issuer.web.example')
      // A genuine credential of the did:web issuer, re-signed with a key its DID document does not list.
      const issued = await home.cli([
        'issue',
        '--tenant',
        'web',
        '--course',
        EXAMPLE_COURSE,
        '--learner',
        EXAMPLE_LEARNER,
        '--format',
        'elm',
      ])
      expect(issued.code, issued.err).to.equal(0)
      const payload = decodeJws(issued.out.trim()).payload
      expect(payload.issuer.id).to.equal(webDid)
      const kid = `${webDid}#${multibaseOfDidKey(other.did)}`
      for (const form of ['elm', 'edc'] as const) {
        const document =
          form === 'elm'
            ? payload
            : { ...credential('edc'), issuer: { ...credential('edc').issuer, id: webDid } }
        const input = await secure(form, document, impostor(kid, other.signer))
        await expectCredential(input, { check: 'proof', code: 'PROOF_KEY_NOT_FOUND' })
      }
    })

    it('edc: a Data Integrity proof for the authentication purpose, not assertionMethod (PROOF_PURPOSE_INVALID)', async () => {
      const input = await signForAuthentication(credential('edc'), issuer, {
        challenge: CHALLENGE,
        documentLoader: deps.documentLoader,
        date: new Date(ISSUED_AT),
      })
      expect(input.proof).to.include({ proofPurpose: 'authentication' })
      await expectCredential(input, { check: 'proof', code: 'PROOF_PURPOSE_INVALID' })
    })
  })

  describe('JOSE algorithms', () => {
    it('alg: none, with an empty signature (PROOF_ALG_UNSUPPORTED)', async () => {
      const { header, payload } = decodeJws(elm)
      const unsigned = `${base64url.encode(JSON.stringify({ ...header, alg: 'none' }))}.${base64url.encode(JSON.stringify(payload))}.`
      await expectCredential(unsigned, { check: 'proof', code: 'PROOF_ALG_UNSUPPORTED' })
    })

    it("HS256 keyed with the issuer's public key, as JWK text and as raw key bytes (PROOF_ALG_UNSUPPORTED)", async () => {
      const { header, payload } = decodeJws(elm)
      const { jwk } = await publicJwkFromMultibase(multibaseOfDidKey(home.issuerDid))
      const secrets = [new TextEncoder().encode(JSON.stringify(jwk)), base64url.decode(jwk.x as string)]
      for (const secret of secrets) {
        const hmac = {
          sign: async ({ data }: { data: Uint8Array }) => createHmac('sha256', secret).update(data).digest(),
        }
        const forged = await signJwsWithHeader({ ...header, alg: 'HS256' }, payload, hmac)
        await expectCredential(forged, { check: 'proof', code: 'PROOF_ALG_UNSUPPORTED' })
      }
    })
  })

  describe('validity period, validly signed by the issuer', () => {
    for (const form of ['elm', 'edc'] as const) {
      it(`${form}: expired (VALIDITY_EXPIRED)`, async () => {
        const document = credential(form)
        // VC 2.0 validUntil; VC 1.1 expirationDate.
        document[form === 'elm' ? 'validUntil' : 'expirationDate'] = '2026-11-25T10:30:00Z'
        await expectCredential(await secure(form, document), { check: 'validity', code: 'VALIDITY_EXPIRED' })
      })

      it(`${form}: not yet valid (VALIDITY_NOT_YET_VALID)`, async () => {
        const document = credential(form)
        document.validFrom = '2027-01-01T00:00:00Z'
        if (form === 'edc') document.issuanceDate = '2027-01-01T00:00:00Z'
        await expectCredential(await secure(form, document), {
          check: 'validity',
          code: 'VALIDITY_NOT_YET_VALID',
        })
      })
    }
  })

  describe('status', () => {
    for (const form of ['elm', 'edc'] as const) {
      for (const [action, state, code] of [
        ['revoke', 'revoked', 'STATUS_REVOKED'],
        ['suspend', 'suspended', 'STATUS_SUSPENDED'],
      ] as const) {
        it(`${form}: ${state} (${code})`, async () => {
          const issued = await home.issue(form)
          const run = await home.cli([action, issued.id, '--reason', 'Corpus case'])
          expect(run.code, run.err).to.equal(0)
          await expectCredential(issued.credential, { check: 'status', code })
        })
      }
    }

    it('elm: an unknown status type, StatusList2021Entry, is never a pass (STATUS_TYPE_UNSUPPORTED)', async () => {
      const document = credential('elm')
      for (const entry of document.credentialStatus as Doc[]) entry.type = 'StatusList2021Entry'
      const input = await secure('elm', document)
      await expectCredential(input, {
        check: 'status',
        code: 'STATUS_TYPE_UNSUPPORTED',
        status: 'indeterminate',
      })
    })
  })

  describe('contexts', () => {
    const UNKNOWN_CONTEXT = 'https://contexts.example.org/micro-credentials/v1'

    it('elm: a context that is not bundled, validly signed (CONTEXT_UNKNOWN)', async () => {
      const document = credential('elm')
      document['@context'] = [...(document['@context'] as string[]), UNKNOWN_CONTEXT]
      await expectCredential(await secure('elm', document), { check: 'context', code: 'CONTEXT_UNKNOWN' })
    })

    it('edc: a context that is not bundled (CONTEXT_UNKNOWN)', async () => {
      const document = credential('edc')
      document['@context'] = [...(document['@context'] as string[]), UNKNOWN_CONTEXT]
      await expectCredential(document, { check: 'context', code: 'CONTEXT_UNKNOWN' })
    })

    it('edc: a term no context defines (CONTEXT_INVALID)', async () => {
      const document = credential('edc')
      document.credentialSubject.favouriteColour = 'green'
      await expectCredential(document, { check: 'context', code: 'CONTEXT_INVALID' })
    })
  })

  describe('presentations', () => {
    const make = async (
      form: Form,
      credentials: Array<string | Doc>,
      overrides: { nonce?: string | null } = {},
    ) => {
      if (form === 'elm') {
        const nonce = overrides.nonce === null ? {} : { nonce: overrides.nonce ?? CHALLENGE }
        return createJosePresentation({ holder, credentials, aud: DOMAIN, ...nonce })
      }
      return createDataIntegrityPresentation({
        holder,
        credentials: credentials as Doc[],
        challenge: CHALLENGE,
        domain: DOMAIN,
        documentLoader: deps.documentLoader,
        date: new Date(VERIFY_AT),
      })
    }
    const base = (form: Form) => (form === 'elm' ? elm : edc)

    for (const form of ['elm', 'edc'] as const) {
      it(`${form}: control: the presentation verifies with its challenge and domain`, async () => {
        const result = await verifyPresentation(await make(form, [base(form)]), deps, {
          challenge: CHALLENGE,
          domain: DOMAIN,
        })
        expect(result.verified, JSON.stringify(result.errors)).to.equal(true)
      })

      it(`${form}: replayed with another challenge (HOLDER_CHALLENGE_MISMATCH)`, async () => {
        const vp = await make(form, [base(form)])
        const result = await verifyPresentation(vp, deps, { challenge: 'another-challenge', domain: DOMAIN })
        expectFailure(result, { check: 'proof', code: 'HOLDER_CHALLENGE_MISMATCH' })
      })

      it(`${form}: replayed to another domain (HOLDER_DOMAIN_MISMATCH)`, async () => {
        const vp = await make(form, [base(form)])
        const result = await verifyPresentation(vp, deps, { challenge: CHALLENGE, domain: 'other.example' })
        expectFailure(result, { check: 'proof', code: 'HOLDER_DOMAIN_MISMATCH' })
      })

      it(`${form}: verified without a challenge and domain to compare with (HOLDER_CHALLENGE_REQUIRED)`, async () => {
        const vp = await make(form, [base(form)])
        for (const options of [{}, { challenge: CHALLENGE }, { domain: DOMAIN }]) {
          expectFailure(await verifyPresentation(vp, deps, options), {
            check: 'proof',
            code: 'HOLDER_CHALLENGE_REQUIRED',
          })
        }
      })

      it(`${form}: employer: the holder is not the subject of the credential (HOLDER_NOT_SUBJECT)`, async () => {
        // The example learner has no DID: the credential is about someone the holder's key cannot speak for.
        const vp = await make(form, [base(form)])
        const options = { challenge: CHALLENGE, domain: DOMAIN, policy: 'employer' } as const
        expectFailure(await verifyPresentation(vp, deps, options), {
          check: 'holder',
          code: 'HOLDER_NOT_SUBJECT',
        })
      })
    }

    it('elm: a vp+jwt without nonce (HOLDER_CHALLENGE_REQUIRED)', async () => {
      const vp = await make('elm', [elm], { nonce: null })
      const result = await verifyPresentation(vp, deps, { challenge: CHALLENGE, domain: DOMAIN })
      expectFailure(result, { check: 'proof', code: 'HOLDER_CHALLENGE_REQUIRED' })
    })

    it('edc: a presentation proof for assertionMethod, not authentication (PROOF_PURPOSE_INVALID)', async () => {
      const vp = await createDataIntegrityPresentation({
        holder,
        credentials: [edc],
        challenge: CHALLENGE,
        domain: DOMAIN,
        documentLoader: deps.documentLoader,
        date: new Date(VERIFY_AT),
        proofPurpose: 'assertionMethod',
      })
      const result = await verifyPresentation(vp, deps, { challenge: CHALLENGE, domain: DOMAIN })
      expectFailure(result, { check: 'proof', code: 'PROOF_PURPOSE_INVALID' })
    })
  })

  describe('input that cannot be read', () => {
    const verifiers = [
      ['verifyCredential', (input: unknown) => verifyCredential(input, deps)],
      [
        'verifyPresentation',
        (input: unknown) => verifyPresentation(input, deps, { challenge: CHALLENGE, domain: DOMAIN }),
      ],
    ] as const

    for (const [name, verify] of verifiers) {
      it(`${name}: not JSON (FORMAT_NOT_JSON)`, async () => {
        const text = await readFile(new URL('not-json.txt', FIXTURES), 'utf8')
        expectFailure(await verify(text), { check: 'format', code: 'FORMAT_NOT_JSON' })
      })

      it(`${name}: a 10,000-deep array, as text and as a value built iteratively (FORMAT_TOO_DEEP)`, async () => {
        const text = await readFile(new URL('deep-array-10000.json', FIXTURES), 'utf8')
        expect(text.trim()).to.have.length(20_000)
        const root: unknown[] = []
        let level = root
        for (let i = 1; i < 10_000; i++) {
          const next: unknown[] = []
          level.push(next)
          level = next
        }
        for (const input of [text, root]) {
          expectFailure(await verify(input), { check: 'format', code: 'FORMAT_TOO_DEEP' })
        }
      })
    }
  })
})
