import { expect } from 'chai'
import { base64url } from 'jose'
import { didJwkDocument, didJwkFromJwk, jwkOfDidJwk } from '../../../src/did/did-jwk.js'
import { multibaseOfDidKey } from '../../../src/did/did-key.js'
import { createDidResolver } from '../../../src/did/resolver.js'
import { publicJwkFromMultibase } from '../../../src/signing/public-key.js'
import { checkIssuer } from '../../../src/verifier/checks/issuer.js'
import { createTestIssuer } from '../../support/issuer-fixture.js'

// did:jwk specification (https://github.com/quartzjer/did-jwk/blob/main/spec.md), examples: a P-256 key,
// and an X25519 encryption key.
const P256_EXAMPLE =
  'did:jwk:eyJjcnYiOiJQLTI1NiIsImt0eSI6IkVDIiwieCI6ImFjYklRaXVNczNpOF91c3pFakoydHBUdFJNNEVVM3l6OTFQSDZDZEgyVjAiLCJ5IjoiX0tjeUxqOXZXTXB0bm1LdG00NkdxRHo4d2Y3NEk1TEtncmwyR3pIM25TRSJ9'
const X25519_EXAMPLE =
  'did:jwk:eyJrdHkiOiJPS1AiLCJjcnYiOiJYMjU1MTkiLCJ1c2UiOiJlbmMiLCJ4IjoiM3A3YmZYdDl3YlRUVzJIQzdPUTFOei1EUThoYmVHZE5yZngtRkctSUswOCJ9'

const didJwkOf = (jwk: unknown) => `did:jwk:${base64url.encode(JSON.stringify(jwk))}`

describe('did:jwk', () => {
  it('resolves the specification P-256 example to a Multikey #0 in every signing relationship', async () => {
    const resolver = createDidResolver()
    const document = await resolver.resolve(P256_EXAMPLE)
    const vmId = `${P256_EXAMPLE}#0`
    expect(document.id).to.equal(P256_EXAMPLE)
    expect(document.assertionMethod).to.deep.equal([vmId])
    expect(document.authentication).to.deep.equal([vmId])
    const method = await resolver.resolveVerificationMethod(vmId)
    expect(method).to.include({ id: vmId, type: 'Multikey', controller: P256_EXAMPLE })
    // The Multikey is the same key as the JWK.
    const { jwk } = await publicJwkFromMultibase(method.publicKeyMultibase as string)
    expect(jwk).to.deep.include({
      kty: 'EC',
      crv: 'P-256',
      x: 'acbIQiuMs3i8_uszEjJ2tpTtRM4EU3yz91PH6CdH2V0',
      y: '_KcyLj9vWMptnmKtm46GqDz8wf74I5LKgrl2GzH3nSE',
    })
  })

  it('round-trips Ed25519 and P-256 keys: the did:jwk and the did:key name the same key', async () => {
    for (const algorithm of ['Ed25519', 'P-256'] as const) {
      const issuer = await createTestIssuer(algorithm)
      try {
        const { did, kid } = didJwkFromJwk({ ...issuer.publicJwk, kid: 'ignored', alg: 'ignored' })
        expect(kid).to.equal(`${did}#0`)
        expect(jwkOfDidJwk(did).algorithm).to.equal(algorithm)
        const document = await didJwkDocument(did)
        expect(document.verificationMethod?.[0]?.publicKeyMultibase).to.equal(multibaseOfDidKey(issuer.did))
      } finally {
        await issuer.dispose()
      }
    }
  })

  it('refuses encryption keys, other curves, private keys and malformed DIDs with typed errors', async () => {
    const resolver = createDidResolver()
    await expect(resolver.resolve(X25519_EXAMPLE)).to.be.rejected.and.eventually.have.property(
      'code',
      'ERR_KEY_UNSUPPORTED',
    )
    const secp = didJwkOf({ kty: 'EC', crv: 'secp256k1', x: 'AAAA', y: 'AAAA' })
    await expect(resolver.resolve(secp)).to.be.rejected.and.eventually.have.property(
      'code',
      'ERR_KEY_UNSUPPORTED',
    )
    const jwk = jwkOfDidJwk(P256_EXAMPLE).jwk
    await expect(
      resolver.resolve(didJwkOf({ ...jwk, d: 'c2VjcmV0' })),
    ).to.be.rejected.and.eventually.have.property('code', 'ERR_DID_INVALID')
    for (const did of [
      'did:jwk:',
      'did:jwk:!!',
      `did:jwk:${base64url.encode('[1,2]')}`,
      `did:jwk:${base64url.encode('not json')}`,
    ]) {
      await expect(resolver.resolve(did), did).to.be.rejected.and.eventually.have.property(
        'code',
        'ERR_DID_INVALID',
      )
    }
    // Coordinates that are not a point of the curve.
    const offCurve = didJwkOf({
      kty: 'EC',
      crv: 'P-256',
      x: base64url.encode(new Uint8Array(32)),
      y: base64url.encode(new Uint8Array(32)),
    })
    await expect(resolver.resolve(offCurve)).to.be.rejected.and.eventually.have.property(
      'code',
      'ERR_DID_INVALID',
    )
    const shortEd25519 = didJwkOf({ kty: 'OKP', crv: 'Ed25519', x: 'AAAA' })
    await expect(resolver.resolve(shortEd25519)).to.be.rejected.and.eventually.have.property(
      'code',
      'ERR_DID_INVALID',
    )
  })

  it('is an issuer DID the issuer check resolves', async () => {
    const check = await checkIssuer(
      {
        kind: 'credential',
        mechanism: 'vc-jose',
        version: '2.0',
        credential: { issuer: P256_EXAMPLE },
        pointer: '',
      },
      { didResolver: createDidResolver() },
    )
    expect(check).to.include({ id: 'issuer', status: 'pass', code: 'ISSUER_RESOLVED' })
    const invalid = await checkIssuer(
      {
        kind: 'credential',
        mechanism: 'vc-jose',
        version: '2.0',
        credential: { issuer: X25519_EXAMPLE },
        pointer: '',
      },
      { didResolver: createDidResolver() },
    )
    expect(invalid).to.include({ status: 'fail', code: 'ISSUER_DID_INVALID' })
  })
})
