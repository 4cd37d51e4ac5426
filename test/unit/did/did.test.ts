import { expect } from 'chai'
import { didKeyDocument, didKeyFromMultibase, multibaseOfDidKey } from '../../../src/did/did-key.js'
import { didWebDocumentUrl, didWebFromHostPath } from '../../../src/did/did-web.js'
import { createDidResolver } from '../../../src/did/resolver.js'

// did:key test vectors from the W3C CCG did:key specification (§ Ed25519 and P-256 examples).
const ED25519 = 'z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK'
const P256 = 'zDnaerDaTF5BXEavCrfRZEk316dpbLsfPDZ3WJ5hRTPFU2169'

describe('did:key', () => {
  it('derives the DID, kid and document of Ed25519 and P-256 keys', () => {
    for (const mb of [ED25519, P256]) {
      const { did, kid } = didKeyFromMultibase(mb)
      expect(did).to.equal(`did:key:${mb}`)
      expect(kid).to.equal(`did:key:${mb}#${mb}`)
      const doc = didKeyDocument(did)
      expect(doc.id).to.equal(did)
      expect(doc.verificationMethod).to.deep.equal([
        { id: kid, type: 'Multikey', controller: did, publicKeyMultibase: mb },
      ])
      expect(doc.assertionMethod).to.deep.equal([kid])
      expect(multibaseOfDidKey(did)).to.equal(mb)
    }
  })

  it('refuses other key types and malformed DIDs', () => {
    expect(() => didKeyFromMultibase('zQ3shokFTS3brHcDQrn82RUDfCZESWL1ZdCEJwekUDPQiYBme'))
      .to.throw()
      .with.property('code', 'ERR_KEY_UNSUPPORTED')
    expect(() => multibaseOfDidKey('did:key:0abc'))
      .to.throw()
      .with.property('code', 'ERR_DID_INVALID')
    expect(() => multibaseOfDidKey('did:web:example.org'))
      .to.throw()
      .with.property('code', 'ERR_DID_INVALID')
  })
})

describe('did:web', () => {
  it('builds DIDs and document URLs', () => {
    expect(didWebFromHostPath('Example.org')).to.equal('did:web:example.org')
    expect(didWebDocumentUrl('did:web:example.org')).to.equal('https://example.org/.well-known/did.json')
    expect(didWebFromHostPath('example.org:issuers:zed')).to.equal('did:web:example.org:issuers:zed')
    expect(didWebDocumentUrl('did:web:example.org:issuers:zed')).to.equal(
      'https://example.org/issuers/zed/did.json',
    )
    expect(didWebDocumentUrl(didWebFromHostPath('localhost%3A8443'))).to.equal(
      'https://localhost:8443/.well-known/did.json',
    )
  })

  it('refuses hosts and paths that are not DNS names or safe segments', () => {
    for (const bad of [
      '',
      'exa mple.org',
      'example.org/x',
      'example.org:a/b',
      'user@example.org',
      '-bad.org',
      'example.org:',
    ]) {
      expect(() => didWebFromHostPath(bad), bad)
        .to.throw()
        .with.property('code', 'ERR_DID_INVALID')
    }
  })
})

describe('DID resolver', () => {
  it('resolves did:key offline and its verification methods', async () => {
    const resolver = createDidResolver()
    const did = `did:key:${ED25519}`
    expect((await resolver.resolve(did)).id).to.equal(did)
    const vm = await resolver.resolveVerificationMethod(`${did}#${ED25519}`)
    expect(vm).to.include({ type: 'Multikey', controller: did, publicKeyMultibase: ED25519 })
    await expect(
      resolver.resolveVerificationMethod(`${did}#other`),
    ).to.be.rejected.and.eventually.have.property('code', 'ERR_NOT_FOUND')
    await expect(resolver.resolveVerificationMethod(did)).to.be.rejected.and.eventually.have.property(
      'code',
      'ERR_DID_INVALID',
    )
  })

  it('fails closed on unknown methods, and on did:web without a lookup', async () => {
    const resolver = createDidResolver()
    await expect(resolver.resolve('did:ebsi:zabc')).to.be.rejected.and.eventually.have.property(
      'code',
      'ERR_DID_UNSUPPORTED',
    )
    await expect(resolver.resolve('did:web:example.org')).to.be.rejected.and.eventually.have.property(
      'code',
      'ERR_DID_UNSUPPORTED',
    )
    await expect(resolver.resolve('did:key:znotakey')).to.be.rejected.and.eventually.have.property(
      'code',
      'ERR_DID_INVALID',
    )
  })

  it('resolves did:web through the injected lookup and checks the document id', async () => {
    const docs: Record<string, object> = {
      'did:web:a.example': {
        id: 'did:web:a.example',
        verificationMethod: [
          {
            id: 'did:web:a.example#k',
            type: 'Multikey',
            controller: 'did:web:a.example',
            publicKeyMultibase: ED25519,
          },
        ],
      },
      'did:web:b.example': { id: 'did:web:evil.example' },
    }
    const resolver = createDidResolver({ didWeb: async (did) => docs[did] as never })
    expect((await resolver.resolveVerificationMethod('did:web:a.example#k')).publicKeyMultibase).to.equal(
      ED25519,
    )
    await expect(resolver.resolve('did:web:b.example')).to.be.rejected.and.eventually.have.property(
      'code',
      'ERR_DID_INVALID',
    )
    await expect(resolver.resolve('did:web:c.example')).to.be.rejected.and.eventually.have.property(
      'code',
      'ERR_NOT_FOUND',
    )
  })
})
