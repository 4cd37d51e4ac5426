import { expect } from 'chai'
import { createPublicKey, verify } from 'node:crypto'
import { chmod, mkdtemp, readFile, readdir, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createFileKeyStore } from '../../../src/signing/file-key-store.js'
import { publicJwkFromMultibase, publicKeyMultibaseFromJwk } from '../../../src/signing/public-key.js'

describe('file key store', () => {
  let dir: string
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mc-keys-'))
  })
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  for (const algorithm of ['Ed25519', 'P-256'] as const) {
    it(`generates ${algorithm} keys in owner-only files and signs verifiably`, async () => {
      const store = createFileKeyStore({ directory: dir })
      const ref = { tenantSlug: 'uni', keyId: 'k1' }
      const generated = await store.generate(ref, algorithm)
      expect(generated.publicJwk).to.not.have.property('d')
      expect(generated.publicKeyMultibase).to.match(algorithm === 'Ed25519' ? /^z6Mk/ : /^zDn/)
      const file = join(dir, 'uni', 'k1.jwk')
      expect((await stat(file)).mode & 0o777).to.equal(0o600)
      expect((await stat(join(dir, 'uni'))).mode & 0o777).to.equal(0o700)

      // A fresh store reads the key back from disk, as a second process would.
      const signer = await createFileKeyStore({ directory: dir }).getSigner(ref, 'did:example:1#k1')
      expect(signer.id).to.equal('did:example:1#k1')
      expect(signer.jwsAlgorithm).to.equal(algorithm === 'Ed25519' ? 'EdDSA' : 'ES256')
      const data = new TextEncoder().encode('payload')
      const signature = await signer.sign({ data })
      expect(signature.length).to.equal(64)
      const { jwk } = await publicJwkFromMultibase(generated.publicKeyMultibase)
      const publicKey = createPublicKey({ key: jwk as import('node:crypto').JsonWebKey, format: 'jwk' })
      const ok =
        algorithm === 'Ed25519'
          ? verify(null, data, publicKey, signature)
          : verify('sha256', data, { key: publicKey, dsaEncoding: 'ieee-p1363' }, signature)
      expect(ok).to.equal(true)
    })
  }

  it('never overwrites an existing key', async () => {
    const store = createFileKeyStore({ directory: dir })
    const ref = { tenantSlug: 'uni', keyId: 'k1' }
    await store.generate(ref, 'Ed25519')
    const before = await readFile(join(dir, 'uni', 'k1.jwk'), 'utf8')
    await expect(store.generate(ref, 'Ed25519')).to.be.rejected.and.eventually.have.property(
      'code',
      'ERR_KEY_FILE',
    )
    expect(await readFile(join(dir, 'uni', 'k1.jwk'), 'utf8')).to.equal(before)
  })

  it('refuses a key file readable by group or others', async () => {
    await createFileKeyStore({ directory: dir }).generate({ tenantSlug: 'uni', keyId: 'k1' }, 'Ed25519')
    await chmod(join(dir, 'uni', 'k1.jwk'), 0o644)
    const fresh = createFileKeyStore({ directory: dir })
    await expect(
      fresh.getSigner({ tenantSlug: 'uni', keyId: 'k1' }, 'x'),
    ).to.be.rejected.and.eventually.have.property('code', 'ERR_KEY_FILE')
  })

  it('refuses path segments that could escape the keys folder', async () => {
    const store = createFileKeyStore({ directory: dir })
    for (const ref of [
      { tenantSlug: '..', keyId: 'k' },
      { tenantSlug: 'uni', keyId: '../../etc/passwd' },
      { tenantSlug: 'a/b', keyId: 'k' },
    ]) {
      await expect(store.generate(ref, 'Ed25519')).to.be.rejected.and.eventually.have.property(
        'code',
        'ERR_KEY_FILE',
      )
    }
    expect(await readdir(dir)).to.deep.equal([])
  })

  it('discards a key that was never recorded', async () => {
    const store = createFileKeyStore({ directory: dir })
    const ref = { tenantSlug: 'uni', keyId: 'k1' }
    await store.generate(ref, 'Ed25519')
    expect(await store.has(ref)).to.equal(true)
    await store.discard(ref)
    expect(await store.has(ref)).to.equal(false)
  })

  it('rejects unsupported algorithms and private JWKs as public keys', async () => {
    const store = createFileKeyStore({ directory: dir })
    await expect(
      store.generate({ tenantSlug: 'uni', keyId: 'k' }, 'RSA' as never),
    ).to.be.rejected.and.eventually.have.property('code', 'ERR_KEY_UNSUPPORTED')
    await expect(
      publicKeyMultibaseFromJwk('Ed25519', { kty: 'OKP', crv: 'Ed25519', x: 'AA', d: 'AA' }),
    ).to.be.rejected.and.eventually.have.property('code', 'ERR_KEY_UNSUPPORTED')
    await expect(
      publicJwkFromMultibase('zQ3shokFTS3brHcDQrn82RUDfCZESWL1ZdCEJwekUDPQiYBme'),
    ).to.be.rejected.and.eventually.have.property('code', 'ERR_KEY_UNSUPPORTED')
  })
})
