import { expect } from 'chai'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { compactVerify, decodeProtectedHeader, importJWK } from 'jose'
import * as vc from '@digitalbazaar/vc'
import { DataIntegrityProof } from '@digitalbazaar/data-integrity'
import { cryptosuite as eddsaRdfc2022 } from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite'
import { cli } from '../../support/cli.js'
import { loadConfig } from '../../../src/config/load-config.js'
import { createContext } from '../../../src/context.js'
import { createDidDocumentLoader } from '../../../src/did/did-document-loader.js'
import { multibaseOfDidKey } from '../../../src/did/did-key.js'
import { createDidResolver } from '../../../src/did/resolver.js'
import { composeDocumentLoaders, createStaticDocumentLoader } from '../../../src/document-loader/index.js'
import { publicJwkFromMultibase } from '../../../src/signing/public-key.js'
import type { CredentialRecord } from '../../../src/storage/storage.js'

const NOW = '2026-11-25T10:00:00Z'
const V1 = 'https://www.w3.org/2018/credentials/v1'
const V2 = 'https://www.w3.org/ns/credentials/v2'
const EXAMPLES = 'https://www.w3.org/ns/credentials/examples/v2'

/** A verifier that knows nothing of this instance: bundled contexts and did:key only. */
const standaloneLoader = composeDocumentLoaders(
  createStaticDocumentLoader(),
  createDidDocumentLoader(createDidResolver()),
)

function alumni(version: '1.1' | '2.0'): Record<string, unknown> {
  return version === '2.0'
    ? {
        '@context': [V2, EXAMPLES],
        type: ['VerifiableCredential', 'ExampleAlumniCredential'],
        credentialSubject: { id: 'did:example:ebfeb1f712ebc6f1c276e12ec21', alumniOf: 'Example University' },
      }
    : {
        '@context': [V1, EXAMPLES],
        type: ['VerifiableCredential', 'ExampleAlumniCredential'],
        issuanceDate: '2026-01-01T00:00:00Z',
        credentialSubject: { id: 'did:example:ebfeb1f712ebc6f1c276e12ec21', alumniOf: 'Example University' },
      }
}

describe('sign: generic issuing of a caller-supplied credential', function () {
  this.timeout(60_000)
  let home: string
  let issuerDid: string
  let file = 0

  before(async () => {
    home = await mkdtemp(join(tmpdir(), 'mc-sign-'))
    const init = await cli(home, ['init'])
    expect(init.code, init.err).to.equal(0)
    issuerDid = JSON.parse(init.out).issuer.did
  })
  after(() => rm(home, { recursive: true, force: true }))

  async function credentialFile(credential: unknown): Promise<string> {
    const name = `credential-${++file}.json`
    await writeFile(join(home, name), JSON.stringify(credential))
    return name
  }

  async function records(): Promise<CredentialRecord[]> {
    const ctx = await createContext(loadConfig({ env: { MICROCRED_HOME: home }, cwd: home }))
    try {
      const tenant = await ctx.storage.tenants.getBySlug('default')
      return await ctx.storage.credentials.list({ tenantId: tenant!.id })
    } finally {
      await ctx.close()
    }
  }

  for (const version of ['1.1', '2.0'] as const) {
    it(`Data Integrity on VC ${version}: completed, signed as the issuer, verifies with @digitalbazaar/vc, recorded`, async () => {
      const before = (await records()).length
      const run = await cli(home, ['sign', await credentialFile(alumni(version))])
      expect(run.code, run.err).to.equal(0)
      const credential = JSON.parse(run.out)
      expect(credential.issuer).to.equal(issuerDid)
      expect(credential.id).to.match(/^urn:uuid:[0-9a-f-]{36}$/)
      if (version === '2.0') expect(credential.validFrom).to.equal(NOW)
      else expect(credential.issuanceDate).to.equal('2026-01-01T00:00:00Z')
      expect(credential.proof).to.include({
        type: 'DataIntegrityProof',
        cryptosuite: 'eddsa-rdfc-2022',
        proofPurpose: 'assertionMethod',
      })

      const suite = new DataIntegrityProof({ cryptosuite: eddsaRdfc2022 })
      const result = await vc.verifyCredential({
        credential,
        suite,
        documentLoader: standaloneLoader,
        now: new Date(NOW),
      })
      expect(result.verified, String(result.error)).to.equal(true)

      const after = await records()
      expect(after).to.have.length(before + 1)
      const record = after.find((r) => r.id === credential.id)
      expect(record, 'the record is keyed by the id the issuer gave the credential').to.not.equal(undefined)
      expect(record).to.include({
        format: 'vc-di',
        courseId: null,
        learnerRef: null,
        issuedAt: '2026-11-25T10:00:00.000Z',
      })
      expect(JSON.parse(record!.credential)).to.deep.equal(credential)
    })
  }

  it('VC-JOSE: a vc+jwt that jose verifies against the did:key, written to --out, the payload completed', async () => {
    const given = {
      ...alumni('2.0'),
      id: 'http://university.example/credentials/3732',
      issuer: { id: issuerDid, name: 'Example University' },
    }
    const run = await cli(home, ['sign', await credentialFile(given), '--proof', 'jose', '--out', 'out.jwt'])
    expect(run.code, run.err).to.equal(0)
    expect(run.out).to.equal('')
    expect(run.err).to.contain('vc-jose')
    const jws = (await readFile(join(home, 'out.jwt'), 'utf8')).trim()
    expect(jws).to.match(/^[\w-]+\.[\w-]+\.[\w-]+$/)
    const header = decodeProtectedHeader(jws)
    expect(header).to.include({
      typ: 'vc+jwt',
      alg: 'EdDSA',
      kid: `${issuerDid}#${multibaseOfDidKey(issuerDid)}`,
    })

    const { jwk } = await publicJwkFromMultibase(multibaseOfDidKey(issuerDid))
    const { payload } = await compactVerify(jws, await importJWK(jwk as never, 'EdDSA'), {
      algorithms: ['EdDSA'],
    })
    expect(JSON.parse(new TextDecoder().decode(payload))).to.deep.equal({ ...given, validFrom: NOW })

    const record = (await records()).find((r) => r.credential === jws)
    expect(record, 'the recorded credential is exactly what was written').to.not.equal(undefined)
    expect(record!.format).to.equal('vc-jose')
    expect(record!.id, 'a caller-supplied id is not the storage key').to.match(/^urn:uuid:/)
  })

  it('a lone base context string is accepted, and signed as the equivalent one-item array', async () => {
    const minimal = {
      '@context': V2,
      type: 'VerifiableCredential',
      credentialSubject: { id: 'did:example:a' },
    }
    const run = await cli(home, ['sign', await credentialFile(minimal)])
    expect(run.code, run.err).to.equal(0)
    const credential = JSON.parse(run.out)
    expect(credential['@context']).to.deep.equal([V2])
    const suite = new DataIntegrityProof({ cryptosuite: eddsaRdfc2022 })
    const result = await vc.verifyCredential({
      credential,
      suite,
      documentLoader: standaloneLoader,
      now: new Date(NOW),
    })
    expect(result.verified, String(result.error)).to.equal(true)
  })

  it('signs the same caller-supplied credential twice (its id need not be unique)', async () => {
    const name = await credentialFile({ ...alumni('2.0'), id: 'http://university.example/credentials/1' })
    expect((await cli(home, ['sign', name])).code).to.equal(0)
    expect((await cli(home, ['sign', name])).code).to.equal(0)
  })

  describe('refused input: exit 1, ERR_VC_MALFORMED with the problems, nothing recorded', () => {
    async function refused(credential: unknown, args: string[] = []) {
      const before = (await records()).length
      const run = await cli(home, ['sign', await credentialFile(credential), ...args])
      expect(run.code, run.err).to.equal(1)
      expect(run.out).to.equal('')
      expect(await records(), 'a refused credential leaves no record').to.have.length(before)
      return run
    }

    it('an issuer other than the tenant issuer: the issuer can only sign as itself', async () => {
      const run = await refused({ ...alumni('2.0'), issuer: 'did:example:someone-else' })
      expect(run.err)
        .to.match(/ERR_VC_MALFORMED/)
        .and.match(/\/issuer: .*\[issuer\]/)
      const object = await refused({ ...alumni('1.1'), issuer: { id: 'did:example:someone-else' } }, [
        '--proof',
        'di',
      ])
      expect(object.err).to.match(/\/issuer\/id: .*\[issuer\]/)
    })

    it('an undefined term, under VC-JOSE and under Data Integrity', async () => {
      const undefinedTerm = { ...alumni('2.0'), '@context': [V2] }
      const jose = await refused(undefinedTerm, ['--proof', 'jose'])
      expect(jose.err)
        .to.match(/ERR_VC_MALFORMED/)
        .and.match(/alumniOf.*\[jsonld\]/)
      const di = await refused(undefinedTerm)
      expect(di.err).to.match(/ERR_VC_MALFORMED/)
    })

    it('validUntil before validFrom', async () => {
      const run = await refused({
        ...alumni('2.0'),
        validFrom: '2026-01-02T00:00:00Z',
        validUntil: '2026-01-01T00:00:00Z',
      })
      expect(run.err)
        .to.match(/ERR_VC_MALFORMED/)
        .and.match(/\/validUntil: .*\[range\]/)
    })

    it('VC-JOSE for a VC 1.1 credential, with every other problem reported too', async () => {
      const run = await refused({ ...alumni('1.1'), credentialStatus: { id: 'status 1' } }, [
        '--proof',
        'jose',
      ])
      expect(run.err)
        .to.match(/\/@context\/0: .*\[version\]/)
        .and.match(/\/credentialStatus\/type: .*\[required\]/)
        .and.match(/\/credentialStatus\/id: .*\[format\]/)
    })

    it('a file that is not JSON, and an unknown --proof', async () => {
      await writeFile(join(home, 'broken.json'), '{ "@context": ')
      const broken = await cli(home, ['sign', 'broken.json'])
      expect(broken.code).to.equal(1)
      expect(broken.err).to.match(/ERR_VC_PARSE/)
      const proof = await cli(home, ['sign', await credentialFile(alumni('2.0')), '--proof', 'bbs'])
      expect(proof.code).to.equal(1)
      expect(proof.err).to.match(/--proof: .*\[enum\]/)
    })
  })

  it('usage errors exit 2', async () => {
    const before = (await records()).length
    expect((await cli(home, ['sign'])).code).to.equal(2)
    expect((await cli(home, ['sign', 'a.json', 'b.json'])).code).to.equal(2)
    expect((await cli(home, ['sign', 'a.json', '--format', 'elm'])).code).to.equal(2)
    expect((await cli(home, ['sign', 'a.json', '--proof'])).code).to.equal(2)
    expect(await records()).to.have.length(before)
  })

  it('is listed in the help', async () => {
    const help = await cli(home, ['--help'])
    expect(help.out).to.match(/^ {2}sign /m)
    const own = await cli(home, ['sign', '--help'])
    expect(own.code).to.equal(0)
    expect(own.out).to.contain('--proof')
  })
})
