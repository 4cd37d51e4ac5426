import { expect } from 'chai'
import { compactVerify, decodeProtectedHeader, importJWK } from 'jose'
import * as vc from '@digitalbazaar/vc'
import { DataIntegrityProof } from '@digitalbazaar/data-integrity'
import { cryptosuite as ecdsaRdfc2019 } from '@digitalbazaar/ecdsa-rdfc-2019-cryptosuite'
import { cryptosuite as eddsaRdfc2022 } from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite'
import { secureWithDataIntegrity } from '../../../src/issuer/secure-data-integrity.js'
import { secureWithJose, signCompactJwsBytes } from '../../../src/issuer/secure-jose.js'
import { createTestIssuer, type TestIssuer } from '../../support/issuer-fixture.js'

const date = new Date('2026-11-25T10:00:00Z')

function credential(version: '1.1' | '2.0', issuer: string): Record<string, unknown> {
  return version === '2.0'
    ? {
        '@context': ['https://www.w3.org/ns/credentials/v2', 'https://www.w3.org/ns/credentials/examples/v2'],
        id: 'urn:uuid:2c1a6a4e-3b0e-4a5e-9a57-0c1f6a7d6f10',
        type: ['VerifiableCredential', 'ExampleAlumniCredential'],
        issuer,
        validFrom: '2026-01-01T00:00:00Z',
        credentialSubject: { id: 'did:example:learner', alumniOf: 'Example University' },
      }
    : {
        '@context': [
          'https://www.w3.org/2018/credentials/v1',
          'http://data.europa.eu/snb/model/context/edc-ap',
        ],
        id: 'urn:uuid:7d0e8a51-52c2-4ad0-bb40-2f0b2c7a1b31',
        type: ['VerifiableCredential', 'EuropeanDigitalCredential'],
        issuer,
        issuanceDate: '2026-01-01T00:00:00Z',
        credentialSubject: { id: 'did:example:learner', type: 'Person' },
      }
}

for (const algorithm of ['Ed25519', 'P-256'] as const) {
  describe(`securing credentials with ${algorithm}`, () => {
    let issuer: TestIssuer
    before(async () => {
      issuer = await createTestIssuer(algorithm)
    })
    after(() => issuer.dispose())

    it('VC-JOSE: a compact vc+jwt that jose verifies against the issuer key, payload = the credential', async () => {
      const unsigned = credential('2.0', issuer.did)
      const jws = await secureWithJose(unsigned, issuer.signer)
      expect(jws.split('.')).to.have.length(3)
      const header = decodeProtectedHeader(jws)
      expect(header).to.deep.equal({
        alg: algorithm === 'Ed25519' ? 'EdDSA' : 'ES256',
        typ: 'vc+jwt',
        cty: 'vc',
        kid: issuer.signer.id,
      })
      const key = await importJWK(issuer.publicJwk as never, header.alg)
      const { payload } = await compactVerify(jws, key, { algorithms: [header.alg as string] })
      expect(JSON.parse(new TextDecoder().decode(payload))).to.deep.equal(unsigned)
      const tampered = `${jws.slice(0, -4)}AAAA`
      await expect(compactVerify(tampered, key)).to.be.rejected
    })

    it('VC-JOSE as bytes: the ASCII of a compact JWS that verifies, in a buffer of its own', async () => {
      const unsigned = credential('2.0', issuer.did)
      const bytes = await signCompactJwsBytes(unsigned, issuer.signer)
      // Transferable to another thread: the view covers its whole buffer, which is no slice of a pool.
      expect(bytes.byteOffset).to.equal(0)
      expect(bytes.byteLength).to.equal(bytes.buffer.byteLength)
      const jws = new TextDecoder('ascii').decode(bytes)
      expect(jws).to.match(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{86}$/)
      const key = await importJWK(issuer.publicJwk as never, algorithm === 'Ed25519' ? 'EdDSA' : 'ES256')
      const { payload } = await compactVerify(jws, key)
      expect(JSON.parse(new TextDecoder().decode(payload))).to.deep.equal(unsigned)
      // The string form is the same token.
      const again = await secureWithJose(unsigned, issuer.signer)
      expect(again.split('.').slice(0, 2)).to.deep.equal(jws.split('.').slice(0, 2))
    })

    it('VC-JOSE refuses a signature of the wrong size for its algorithm (ERR_SIGNING)', async () => {
      const short = { ...issuer.signer, sign: async () => new Uint8Array(32) }
      await expect(
        signCompactJwsBytes(credential('2.0', issuer.did), short),
      ).to.be.rejected.and.eventually.have.property('code', 'ERR_SIGNING')
    })

    for (const version of ['1.1', '2.0'] as const) {
      it(`Data Integrity on VC ${version}: verifies with @digitalbazaar/vc; tampering fails`, async () => {
        const signed = await secureWithDataIntegrity(credential(version, issuer.did), issuer.signer, {
          documentLoader: issuer.documentLoader,
          date,
        })
        const proof = signed.proof as Record<string, unknown>
        expect(proof).to.include({
          type: 'DataIntegrityProof',
          cryptosuite: algorithm === 'Ed25519' ? 'eddsa-rdfc-2022' : 'ecdsa-rdfc-2019',
          verificationMethod: issuer.signer.id,
          proofPurpose: 'assertionMethod',
          created: '2026-11-25T10:00:00Z',
        })
        const suite = new DataIntegrityProof({
          cryptosuite: algorithm === 'Ed25519' ? eddsaRdfc2022 : ecdsaRdfc2019,
        })
        const ok = await vc.verifyCredential({
          credential: signed,
          suite,
          documentLoader: issuer.documentLoader,
          now: date,
        })
        expect(ok.verified, String(ok.error)).to.equal(true)
        const tampered = { ...signed, credentialSubject: { id: 'did:example:someone-else', type: 'Person' } }
        const bad = await vc.verifyCredential({
          credential: tampered,
          suite,
          documentLoader: issuer.documentLoader,
          now: date,
        })
        expect(bad.verified).to.equal(false)
      })
    }

    it('refuses a credential with an undefined term (JSON-LD safe mode) with ERR_VC_MALFORMED', async () => {
      const bad = {
        ...credential('2.0', issuer.did),
        '@context': ['https://www.w3.org/ns/credentials/v2'],
        credentialSubject: { id: 'did:example:x', undefinedClaim: 'x' },
      }
      await expect(
        secureWithDataIntegrity(bad, issuer.signer, { documentLoader: issuer.documentLoader, date }),
      ).to.be.rejected.and.eventually.have.property('code', 'ERR_VC_MALFORMED')
    })
  })
}
