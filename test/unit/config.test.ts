import { expect } from 'chai'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadConfig, redactUrl } from '../../src/config/load-config.js'
import type { ConfigError } from '../../src/errors.js'

describe('configuration', () => {
  let home: string
  beforeEach(async () => {
    home = await mkdtemp(join(tmpdir(), 'mc-config-'))
  })
  afterEach(async () => {
    await rm(home, { recursive: true, force: true })
  })

  it('uses the current directory as home and sensible defaults', () => {
    const config = loadConfig({ env: {}, cwd: home })
    expect(config).to.include({
      home,
      sqliteFile: join(home, 'data', 'microcred.db'),
      keysDir: join(home, 'keys'),
    })
    expect(config).to.include({
      databaseUrl: undefined,
      port: 8080,
      publicBaseUrl: 'http://localhost:8080',
      logLevel: 'info',
      keyType: 'Ed25519',
    })
    expect(Object.isFrozen(config)).to.equal(true)
  })

  it('reads microcred.json, and the environment overrides it', async () => {
    await writeFile(
      join(home, 'microcred.json'),
      JSON.stringify({ port: 9000, publicBaseUrl: 'https://creds.example.org/', logLevel: 'warn' }),
    )
    const config = loadConfig({
      env: { MICROCRED_HOME: home, MICROCRED_LOG_LEVEL: 'debug', DATABASE_URL: 'postgres://u:p@db/x' },
      cwd: '/',
    })
    expect(config).to.include({
      port: 9000,
      publicBaseUrl: 'https://creds.example.org',
      logLevel: 'debug',
      databaseUrl: 'postgres://u:p@db/x',
    })
  })

  it('names each invalid setting and the rule it breaks', async () => {
    await writeFile(join(home, 'microcred.json'), JSON.stringify({ port: 0, colour: 'blue' }))
    try {
      loadConfig({
        env: { MICROCRED_LOG_LEVEL: 'loud', DATABASE_URL: 'mysql://x', MICROCRED_PORT: 'eighty' },
        cwd: home,
      })
      expect.fail('should have thrown')
    } catch (err) {
      const error = err as ConfigError
      expect(error.code).to.equal('ERR_CONFIG_INVALID')
      const found = error.problems.map((p) => `${p.field} ${p.rule}`)
      expect(found).to.include.members([
        '/colour additionalProperties',
        '/logLevel enum',
        '/databaseUrl pattern',
        '/port type',
      ])
    }
  })

  it('keeps secrets in <home>/secrets.json unless secretsFile says otherwise', async () => {
    expect(loadConfig({ env: {}, cwd: home })).to.include({
      secretsFile: join(home, 'secrets.json'),
      claimLinkSecret: undefined,
    })
    await writeFile(join(home, 'microcred.json'), JSON.stringify({ secretsFile: 'private/secrets.json' }))
    expect(loadConfig({ env: {}, cwd: home }).secretsFile).to.equal(join(home, 'private', 'secrets.json'))
  })

  it('takes MICROCRED_CLAIM_LINK_SECRET (base64url, at least 32 bytes), refusing anything else by name', () => {
    const secret = Buffer.alloc(32, 5).toString('base64url')
    expect(loadConfig({ env: { MICROCRED_CLAIM_LINK_SECRET: secret }, cwd: home }).claimLinkSecret).to.equal(
      secret,
    )
    const longer = Buffer.alloc(64, 6).toString('base64url')
    expect(loadConfig({ env: { MICROCRED_CLAIM_LINK_SECRET: longer }, cwd: home }).claimLinkSecret).to.equal(
      longer,
    )
    expect(loadConfig({ env: { MICROCRED_CLAIM_LINK_SECRET: '' }, cwd: home }).claimLinkSecret).to.equal(
      undefined,
    )
    for (const bad of [
      Buffer.alloc(31, 5).toString('base64url'),
      Buffer.alloc(32, 5).toString('base64'),
      `${secret}=`,
      `${secret.slice(0, -1)}*`,
      `${secret}AA`,
      'not a secret at all, but long enough to be 32 bytes',
    ]) {
      try {
        loadConfig({ env: { MICROCRED_CLAIM_LINK_SECRET: bad }, cwd: home })
        expect.fail(`should have refused ${bad}`)
      } catch (err) {
        const error = err as ConfigError
        expect(error.code, bad).to.equal('ERR_CONFIG_INVALID')
        expect(error.message).to.include('MICROCRED_CLAIM_LINK_SECRET').and.not.include(bad)
        expect(error.problems.map((p) => p.field)).to.deep.equal(['MICROCRED_CLAIM_LINK_SECRET'])
      }
    }
  })

  it('refuses a microcred.json that is not JSON', async () => {
    await writeFile(join(home, 'microcred.json'), '{ nope')
    expect(() => loadConfig({ env: {}, cwd: home }))
      .to.throw()
      .with.property('code', 'ERR_CONFIG_INVALID')
  })

  it('redacts passwords from URLs', () => {
    expect(redactUrl('postgres://user:secret@db:5432/x')).to.equal('postgres://user:***@db:5432/x')
    expect(redactUrl('postgres://db/x')).to.equal('postgres://db/x')
  })
})
