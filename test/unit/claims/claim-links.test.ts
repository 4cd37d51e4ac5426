import { expect } from 'chai'
import { createHmac, randomBytes } from 'node:crypto'
import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createClaimLinks, type ClaimLinks } from '../../../src/claims/claim-links.js'
import { createSecretsFile, openClaimLinks, readClaimLinkSecret } from '../../../src/claims/secrets-file.js'

const BASE = 'https://creds.example.edu'
const ID = 'urn:uuid:0f8fad5b-d9cb-469f-a165-70867728950e'
const SECRET = new Uint8Array(32).fill(7)

/** The token part of a claim URL. */
function tokenOf(url: string): string {
  expect(url.startsWith(`${BASE}/claims/`), url).to.equal(true)
  return url.slice(`${BASE}/claims/`.length)
}

/** Replaces one character of `text` at `index` by another base64url character. */
function flip(text: string, index: number): string {
  const c = text[index] === 'A' ? 'B' : 'A'
  return `${text.slice(0, index)}${c}${text.slice(index + 1)}`
}

describe('claim links', () => {
  const links: ClaimLinks = createClaimLinks({ secret: SECRET, publicBaseUrl: BASE })

  it('round-trips a urn:uuid credential id: <uuid>.<generation>.<HMAC-SHA256 of id and generation>', () => {
    const url = links.urlFor(ID, 1)
    const token = tokenOf(url)
    const [uuid, generation, mac] = token.split('.')
    expect(uuid).to.equal(ID.slice('urn:uuid:'.length))
    expect(generation).to.equal('1')
    const expected = createHmac('sha256', SECRET).update(`${ID}\n1`).digest('base64url')
    expect(mac).to.equal(expected).and.have.length(43)
    expect(links.parse(token)).to.deep.equal({ credentialId: ID, generation: 1 })
  })

  it('is deterministic: the same secret makes the same URL, wherever it is computed', () => {
    const again = createClaimLinks({ secret: Uint8Array.from(SECRET), publicBaseUrl: `${BASE}/` })
    expect(again.urlFor(ID, 3)).to.equal(links.urlFor(ID, 3))
  })

  it('base64url-encodes ids that are not urn:uuid, and round-trips them', () => {
    for (const id of [
      'https://creds.example.edu/credentials/1872',
      'urn:uuid:0F8FAD5B-D9CB-469F-A165-70867728950E',
      'did:example:123#cred?x=1&y=☘',
    ]) {
      const token = tokenOf(links.urlFor(id, 2))
      expect(token.split('.')[0]).to.equal(Buffer.from(id, 'utf8').toString('base64url'))
      expect(links.parse(token), id).to.deep.equal({ credentialId: id, generation: 2 })
    }
  })

  it('refuses a tampered MAC, id or generation', () => {
    const token = tokenOf(links.urlFor(ID, 1))
    const [uuid, generation, mac] = token.split('.') as [string, string, string]
    for (let i = 0; i < mac.length; i += 7) {
      expect(links.parse(`${uuid}.${generation}.${flip(mac, i)}`)).to.equal(undefined)
    }
    const otherId = '1f8fad5b-d9cb-469f-a165-70867728950e'
    expect(links.parse(`${otherId}.${generation}.${mac}`)).to.equal(undefined)
    expect(links.parse(`${uuid}.2.${mac}`)).to.equal(undefined)
  })

  it('tells generations apart: a link names exactly one', () => {
    const first = tokenOf(links.urlFor(ID, 1))
    const second = tokenOf(links.urlFor(ID, 2))
    expect(first).to.not.equal(second)
    expect(links.parse(second)).to.deep.equal({ credentialId: ID, generation: 2 })
    const [uuid, , mac1] = first.split('.')
    expect(links.parse(`${uuid}.2.${mac1}`)).to.equal(undefined)
  })

  it('refuses a link made with another secret', () => {
    const other = createClaimLinks({ secret: randomBytes(32), publicBaseUrl: BASE })
    expect(links.parse(tokenOf(other.urlFor(ID, 1)))).to.equal(undefined)
    expect(other.parse(tokenOf(links.urlFor(ID, 1)))).to.equal(undefined)
  })

  it('returns undefined for malformed tokens, never throwing', () => {
    const token = tokenOf(links.urlFor(ID, 1))
    const [uuid, , mac] = token.split('.') as [string, string, string]
    for (const bad of [
      '',
      '.',
      '..',
      token.replace(/\./g, ''),
      `${token}.`,
      `${uuid}.${mac}`,
      `${uuid}.0.${mac}`,
      `${uuid}.01.${mac}`,
      `${uuid}.-1.${mac}`,
      `${uuid}.1e3.${mac}`,
      `${uuid}.99999999999999999.${mac}`,
      `${uuid}.1.${mac}=`,
      `${uuid}.1.${mac.slice(0, -1)}`,
      `${uuid}.1.${mac}A`,
      `${uuid}.1.${mac.slice(0, -1)}+`,
      `${uuid.toUpperCase()}.1.${mac}`,
      `.1.${mac}`,
      `%00.1.${mac}`,
      `${'A'.repeat(5000)}.1.${mac}`,
    ]) {
      expect(links.parse(bad), JSON.stringify(bad)).to.equal(undefined)
    }
  })

  it('without a secret makes no link (ERR_NOT_INITIALIZED) and parses none', () => {
    const none = createClaimLinks({ publicBaseUrl: BASE })
    expect(() => none.urlFor(ID, 1))
      .to.throw(/microcred init/)
      .with.property('code', 'ERR_NOT_INITIALIZED')
    expect(() => none.assertReady())
      .to.throw()
      .with.property('code', 'ERR_NOT_INITIALIZED')
    expect(none.parse(tokenOf(links.urlFor(ID, 1)))).to.equal(undefined)
    expect(() => links.assertReady()).to.not.throw()
  })

  it('refuses a generation that is not a positive integer', () => {
    for (const generation of [0, -1, 1.5, Number.NaN, Number.MAX_SAFE_INTEGER + 1]) {
      expect(() => links.urlFor(ID, generation), String(generation)).to.throw()
    }
  })
})

describe('claim links: the secrets file', () => {
  let dir: string
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mc-secrets-'))
  })
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('is created once, owner-only, with 32 random bytes, and never overwritten', async () => {
    const file = join(dir, 'secrets.json')
    expect(await createSecretsFile(file)).to.equal(true)
    expect((await stat(file)).mode & 0o777).to.equal(0o600)
    const text = await readFile(file, 'utf8')
    const parsed = JSON.parse(text) as { claimLinkSecret: string }
    expect(Object.keys(parsed)).to.deep.equal(['claimLinkSecret'])
    expect(Buffer.from(parsed.claimLinkSecret, 'base64url')).to.have.length(32)
    expect(await createSecretsFile(file)).to.equal(false)
    expect(await readFile(file, 'utf8')).to.equal(text)
    expect(Buffer.from((await readClaimLinkSecret(file)) as Uint8Array)).to.deep.equal(
      Buffer.from(parsed.claimLinkSecret, 'base64url'),
    )
  })

  it('is optional: without it there is no secret', async () => {
    expect(await readClaimLinkSecret(join(dir, 'secrets.json'))).to.equal(undefined)
  })

  it('is refused when group or others can read it, or when it holds no valid secret', async () => {
    const file = join(dir, 'secrets.json')
    await createSecretsFile(file)
    await chmod(file, 0o640)
    await expect(readClaimLinkSecret(file))
      .to.be.rejectedWith(/chmod 600/)
      .and.eventually.have.property('code', 'ERR_KEY_FILE')
    for (const content of ['{ nope', '{}', '{"claimLinkSecret": "c2hvcnQ"}', '[]', 'null']) {
      await writeFile(file, content, { mode: 0o600 })
      await chmod(file, 0o600)
      await expect(readClaimLinkSecret(file), content)
        .to.be.rejectedWith(/no valid claimLinkSecret/)
        .and.eventually.have.property('code', 'ERR_KEY_FILE')
    }
  })

  it('openClaimLinks: the configured secret wins; an unsafe file fails only where a link is used', async () => {
    const file = join(dir, 'secrets.json')
    await createSecretsFile(file)
    const configured = randomBytes(32).toString('base64url')
    const fromEnv = await openClaimLinks({ secret: configured, secretsFile: file, publicBaseUrl: BASE })
    const expected = createClaimLinks({ secret: Buffer.from(configured, 'base64url'), publicBaseUrl: BASE })
    expect(fromEnv.urlFor(ID, 1)).to.equal(expected.urlFor(ID, 1))

    const fromFile = await openClaimLinks({ secret: undefined, secretsFile: file, publicBaseUrl: BASE })
    expect(fromFile.urlFor(ID, 1)).to.not.equal(expected.urlFor(ID, 1))

    await chmod(file, 0o644)
    const unsafe = await openClaimLinks({ secret: undefined, secretsFile: file, publicBaseUrl: BASE })
    expect(() => unsafe.urlFor(ID, 1))
      .to.throw()
      .with.property('code', 'ERR_KEY_FILE')
    expect(() => unsafe.parse('x.1.y'))
      .to.throw()
      .with.property('code', 'ERR_KEY_FILE')

    const missing = await openClaimLinks({
      secret: undefined,
      secretsFile: join(dir, 'none.json'),
      publicBaseUrl: BASE,
    })
    expect(() => missing.urlFor(ID, 1))
      .to.throw()
      .with.property('code', 'ERR_NOT_INITIALIZED')
  })
})
