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
