import { expect } from 'chai'
import { createPublicKey, verify, type JsonWebKey } from 'node:crypto'
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { cli } from '../../support/cli.js'
import { EXAMPLE_COURSE, EXAMPLE_LEARNER } from '../../support/issued-home.js'
import { loadConfig } from '../../../src/config/load-config.js'
import { createContext } from '../../../src/context.js'
import { getIssuerSigner } from '../../../src/issuer/issuer-identity.js'
import { publicJwkFromMultibase } from '../../../src/signing/public-key.js'
import type { Storage } from '../../../src/storage/storage.js'
import {
  createTestSchemaUrl,
  DIALECTS,
  forEachDialect,
  skipOrFailWithoutPostgres,
} from '../storage/dialects.js'

async function tree(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true })
  return entries.sort()
}

/** Signs with the tenant's current key, then checks the signature against the key its kid resolves to. */
async function signNow(home: string, storage: Storage | undefined, tenant: string) {
  const ctx = await createContext(
    loadConfig({ env: { MICROCRED_HOME: home }, cwd: '/' }),
    storage ? { storage } : {},
  )
  try {
    const t = await ctx.storage.tenants.getBySlug(tenant)
    const issuer = await ctx.storage.issuers.getDefault(t!.id)
    const signer = await getIssuerSigner(ctx, issuer!.id)
    const data = new TextEncoder().encode(`signed by ${signer.id}`)
    return { kid: signer.id, algorithm: signer.algorithm, data, signature: await signer.sign({ data }) }
  } finally {
    await ctx.close()
  }
}

async function verifiesNow(
  home: string,
  storage: Storage | undefined,
  signed: Awaited<ReturnType<typeof signNow>>,
) {
  const ctx = await createContext(
    loadConfig({ env: { MICROCRED_HOME: home }, cwd: '/' }),
    storage ? { storage } : {},
  )
  try {
    const vm = await ctx.didResolver.resolveVerificationMethod(signed.kid)
    const { jwk } = await publicJwkFromMultibase(vm.publicKeyMultibase as string)
    const key = createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' })
    return signed.algorithm === 'Ed25519'
      ? verify(null, signed.data, key, signed.signature)
      : verify('sha256', signed.data, { key, dsaEncoding: 'ieee-p1363' }, signed.signature)
  } finally {
    await ctx.close()
  }
}

describe('CLI: init in an empty folder (embedded SQLite)', () => {
  let home: string
  beforeEach(async () => {
    home = await mkdtemp(join(tmpdir(), 'mc-home-'))
  })
  afterEach(async () => {
    await rm(home, { recursive: true, force: true })
  })

  it('creates data/ and owner-only keys/, a did:key issuer with a development profile', async () => {
    const run = await cli(home, ['init'])
    expect(run.code).to.equal(0)
    const result = run.json()
    expect(result.created).to.equal(true)
    expect(result.issuer.did).to.match(/^did:key:z6Mk/)
    expect(result.issuer.profile.development).to.equal(true)
    expect(result.keys).to.have.length(1)
    expect(result.keys[0]).to.not.have.any.keys('d', 'privateJwk', 'secretKeyMultibase')
    expect(run.out).to.not.match(/"d"\s*:/)
    expect(run.err).to.match(/DEVELOPMENT profile/)

    expect((await stat(join(home, 'data', 'microcred.db'))).isFile()).to.equal(true)
    expect((await stat(join(home, 'keys'))).mode & 0o777).to.equal(0o700)
    const keyFiles = (await tree(join(home, 'keys'))).filter((f) => f.endsWith('.jwk'))
    expect(keyFiles).to.have.length(1)
    expect((await stat(join(home, 'keys', keyFiles[0] as string))).mode & 0o777).to.equal(0o600)
    expect((await stat(join(home, 'secrets.json'))).mode & 0o777).to.equal(0o600)
    const secrets = JSON.parse(await readFile(join(home, 'secrets.json'), 'utf8'))
    expect(Buffer.from(secrets.claimLinkSecret, 'base64url')).to.have.length(32)
    expect(run.out).to.not.include(secrets.claimLinkSecret)
    expect(run.err).to.not.include(secrets.claimLinkSecret)
  })

  it('changes nothing when run twice', async () => {
    const first = (await cli(home, ['init'])).json()
    const filesBefore = await tree(home)
    const keyBefore = await readFile(join(home, 'keys', 'default', `${first.keys[0].id}.jwk`), 'utf8')
    const secretsBefore = await readFile(join(home, 'secrets.json'), 'utf8')
    const second = await cli(home, [
      'init',
      '--legal-name',
      'Other',
      '--country',
      'FR',
      '--address',
      'x',
      '--eidas-id',
      'y',
    ])
    expect(second.code).to.equal(0)
    expect(second.json().created).to.equal(false)
    expect(second.json().issuer).to.deep.equal(first.issuer)
    expect(second.err).to.match(/nothing changed/)
    const filesAfter = (await tree(home)).filter((f) => !/-(wal|shm)$/.test(f))
    expect(filesAfter).to.deep.equal(filesBefore.filter((f) => !/-(wal|shm)$/.test(f)))
    expect(await readFile(join(home, 'keys', 'default', `${first.keys[0].id}.jwk`), 'utf8')).to.equal(
      keyBefore,
    )
    expect(await readFile(join(home, 'secrets.json'), 'utf8')).to.equal(secretsBefore)
    expect((await cli(home, ['tenants', 'list'])).json()).to.have.length(1)
  })

  it('gives a home initialised before claim links its secret on the next init, and keeps it after', async () => {
    expect((await cli(home, ['init'])).code).to.equal(0)
    await rm(join(home, 'secrets.json'))
    const issue = ['issue', '--course', EXAMPLE_COURSE, '--learner', EXAMPLE_LEARNER]
    const refused = await cli(home, issue)
    expect(refused.code).to.equal(1)
    expect(refused.err)
      .to.match(/ERR_NOT_INITIALIZED/)
      .and.match(/microcred init/)
    expect(refused.out).to.equal('')

    const again = await cli(home, ['init'])
    expect(again.code, again.err).to.equal(0)
    expect(again.err).to.include('added the claim-link secret')
    const secrets = await readFile(join(home, 'secrets.json'), 'utf8')
    expect((await stat(join(home, 'secrets.json'))).mode & 0o777).to.equal(0o600)
    expect((await cli(home, ['init'])).err).to.match(/nothing changed/)
    expect(await readFile(join(home, 'secrets.json'), 'utf8')).to.equal(secrets)
    const issued = await cli(home, issue)
    expect(issued.code, issued.err).to.equal(0)
    expect(issued.err).to.match(
      /Claim link for the learner: http:\/\/localhost:8080\/claims\/[0-9a-f-]{36}\.1\./,
    )
  })

  it('writes a real profile from flags, multilingual, with a P-256 key', async () => {
    const run = await cli(home, [
      'init',
      '--legal-name',
      'en=University of Zed',
      '--legal-name',
      'ga=Ollscoil Zed',
      '--country',
      'IE',
      '--address',
      '1 College Green, Dublin 2, Ireland',
      '--eidas-id',
      'VATIE-1234567X',
      '--homepage',
      'https://zed.example.edu',
      '--key-type',
      'P-256',
    ])
    expect(run.code, run.err).to.equal(0)
    const { issuer, keys } = run.json()
    expect(issuer.profile).to.deep.equal({
      legalName: { en: 'University of Zed', ga: 'Ollscoil Zed' },
      country: 'IE',
      address: { en: '1 College Green, Dublin 2, Ireland' },
      eidasIdentifier: { notation: 'VATIE-1234567X', country: 'IE' },
      homepage: 'https://zed.example.edu',
      development: false,
    })
    expect(issuer.did).to.match(/^did:key:zDn/)
    expect(keys[0].algorithm).to.equal('P-256')
    expect(run.err).to.not.match(/DEVELOPMENT/)
  })

  it('refuses an incomplete profile as a usage error naming the missing flags, and writes nothing', async () => {
    const run = await cli(home, ['init', '--legal-name', 'Zed', '--country', 'IE'])
    expect(run.code).to.equal(2)
    expect(run.err).to.match(/missing: --address, --eidas-id/)
    expect(await readdir(join(home, 'keys'))).to.deep.equal([])
    expect((await cli(home, ['init'])).json().created).to.equal(true)
  })

  it('refuses invalid values with exit 1, naming the field and rule', async () => {
    const run = await cli(home, [
      'init',
      '--legal-name',
      'Zed',
      '--country',
      'Ireland',
      '--address',
      'x',
      '--eidas-id',
      'y',
    ])
    expect(run.code).to.equal(1)
    expect(run.err)
      .to.match(/ERR_VALIDATION/)
      .and.match(/\/country: .*\[pattern\]/)
    expect(await readdir(join(home, 'keys'))).to.deep.equal([])
  })

  it('makes a did:web issuer and the DID document it must publish', async () => {
    const run = await cli(home, ['init', '--did-web', 'zed.example.edu:credentials'])
    expect(run.code, run.err).to.equal(0)
    const result = run.json()
    expect(result.issuer.did).to.equal('did:web:zed.example.edu:credentials')
    expect(result.didDocumentUrl).to.equal('https://zed.example.edu/credentials/did.json')
    expect(result.keys[0].kid).to.equal(
      `did:web:zed.example.edu:credentials#${result.keys[0].publicKeyMultibase}`,
    )
    const doc = (await cli(home, ['issuer', 'show', '--did-document'])).json()
    expect(doc.id).to.equal(result.issuer.did)
    expect(doc.assertionMethod).to.deep.equal([result.keys[0].kid])
  })

  it('tells a command run before init to run init (exit 1), and creates nothing', async () => {
    const run = await cli(home, ['issuer', 'show'])
    expect(run.code).to.equal(1)
    expect(run.err).to.match(/ERR_NOT_INITIALIZED/)
    expect(await readdir(home)).to.deep.equal([])
  })

  it('adds and lists tenants, each with its own issuer; refuses a duplicate slug', async () => {
    await cli(home, ['init'])
    const added = await cli(home, ['tenants', 'add', 'zed', '--name', 'University of Zed'])
    expect(added.code, added.err).to.equal(0)
    const list = (await cli(home, ['tenants', 'list'])).json()
    expect(list.map((t: { slug: string }) => t.slug).sort()).to.deep.equal(['default', 'zed'])
    expect(new Set(list.map((t: { issuer: string }) => t.issuer)).size).to.equal(2)
    const again = await cli(home, ['tenants', 'add', 'zed', '--name', 'x'])
    expect(again.code).to.equal(1)
    expect(again.err).to.match(/ERR_STORAGE_CONFLICT/)
    const bad = await cli(home, ['tenants', 'add', 'Not A Slug', '--name', 'x'])
    expect(bad.code).to.equal(1)
    expect(bad.err).to.match(/slug: .*\[pattern\]/)
  })

  it('answers --help on every command with exit 0, and usage errors with exit 2', async () => {
    const { COMMANDS } = await import('../../../src/cli/run-cli.js')
    for (const command of COMMANDS) {
      const run = await cli(home, [...command.path, '--help'])
      expect(run.code, command.path.join(' ')).to.equal(0)
      expect(run.out).to.match(new RegExp(`^Usage: microcred ${command.path.join(' ')}`))
    }
    expect((await cli(home, ['--help'])).code).to.equal(0)
    expect((await cli(home, ['keys', '--help'])).code).to.equal(0)
    expect((await cli(home, [])).code).to.equal(2)
    expect((await cli(home, ['frobnicate'])).code).to.equal(2)
    expect((await cli(home, ['keys'])).code).to.equal(2)
    expect((await cli(home, ['init', '--no-such-flag'])).code).to.equal(2)
    expect((await cli(home, ['tenants', 'add'])).code).to.equal(2)
    expect(await readdir(home)).to.deep.equal([])
  })
})

forEachDialect('CLI: keys', (getStorage) => {
  let home: string
  beforeEach(async () => {
    home = await mkdtemp(join(tmpdir(), 'mc-home-'))
  })
  afterEach(async () => {
    await rm(home, { recursive: true, force: true })
  })

  it('rotation keeps did:key signatures made before it verifiable', async () => {
    const storage = getStorage()
    const slug = `k${Date.now().toString(36)}`
    expect(
      (await cli(home, ['tenants', 'add', slug, '--name', 'Key test'], { overrides: { storage } })).code,
    ).to.equal(0)
    const before = await signNow(home, storage, slug)
    const rotated = await cli(home, ['keys', 'rotate', '--tenant', slug, '--key-type', 'P-256'], {
      overrides: { storage },
    })
    expect(rotated.code, rotated.err).to.equal(0)
    const after = await signNow(home, storage, slug)
    expect(after.kid).to.not.equal(before.kid)
    expect(after.algorithm).to.equal('P-256')
    expect(await verifiesNow(home, storage, before)).to.equal(true)
    expect(await verifiesNow(home, storage, after)).to.equal(true)

    const keys = (await cli(home, ['keys', 'list', '--tenant', slug], { overrides: { storage } })).json()
    expect(keys).to.have.length(2)
    expect(keys.filter((k: { active: boolean }) => k.active)).to.have.length(1)
    expect(keys.find((k: { kid: string }) => k.kid === before.kid).retiredAt).to.equal(
      '2026-11-25T10:00:00.000Z',
    )
    const issuer = (await cli(home, ['issuer', 'show', '--tenant', slug], { overrides: { storage } })).json()
      .issuer
    expect(issuer.did).to.equal(after.kid.split('#')[0])
  })

  it('rotation keeps every did:web key in the DID document; generate adds without activating', async () => {
    const storage = getStorage()
    const slug = `w${Date.now().toString(36)}`
    const host = `${slug}.example.edu`
    expect(
      (
        await cli(home, ['tenants', 'add', slug, '--name', 'Web', '--did-web', host], {
          overrides: { storage },
        })
      ).code,
    ).to.equal(0)
    const before = await signNow(home, storage, slug)
    expect((await cli(home, ['keys', 'rotate', '--tenant', slug], { overrides: { storage } })).code).to.equal(
      0,
    )
    const generated = (
      await cli(home, ['keys', 'generate', '--tenant', slug], { overrides: { storage } })
    ).json()
    expect(generated.active).to.equal(false)
    const after = await signNow(home, storage, slug)
    expect(after.kid).to.not.equal(before.kid)
    expect(after.kid).to.not.equal(generated.kid)
    expect(await verifiesNow(home, storage, before)).to.equal(true)
    expect(await verifiesNow(home, storage, after)).to.equal(true)

    const doc = (
      await cli(home, ['issuer', 'show', '--tenant', slug, '--did-document'], { overrides: { storage } })
    ).json()
    expect(doc.id).to.equal(`did:web:${host}`)
    expect(doc.assertionMethod).to.have.length(3)
    expect(doc.assertionMethod[0]).to.equal(after.kid)
    expect(doc.assertionMethod).to.include(before.kid)
  })
})

describe('CLI: init on PostgreSQL through DATABASE_URL', function () {
  let home: string
  let database: { url: string; dispose(): Promise<void> } | undefined

  before(async function () {
    if (!DIALECTS.includes('postgres')) this.skip()
    try {
      database = await createTestSchemaUrl()
    } catch (err) {
      skipOrFailWithoutPostgres(this, err)
    }
  })
  after(async () => {
    await database?.dispose()
  })
  beforeEach(async () => {
    home = await mkdtemp(join(tmpdir(), 'mc-home-'))
  })
  afterEach(async () => {
    await rm(home, { recursive: true, force: true })
  })

  it('keeps tenants and issuers in PostgreSQL, keys on disk, and stays idempotent', async () => {
    const env = { DATABASE_URL: database!.url }
    const first = await cli(home, ['init'], { env })
    expect(first.code, first.err).to.equal(0)
    expect(first.json().created).to.equal(true)
    // No embedded database file: the data went to PostgreSQL.
    expect(await readdir(join(home, 'data'))).to.deep.equal([])
    const second = await cli(home, ['init'], { env })
    expect(second.json()).to.include({ created: false })
    expect(second.json().issuer.did).to.equal(first.json().issuer.did)
    const shown = await cli(home, ['issuer', 'show'], { env })
    expect(shown.json().issuer.did).to.equal(first.json().issuer.did)
  })
})
