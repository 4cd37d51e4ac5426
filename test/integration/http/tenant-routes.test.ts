import { expect } from 'chai'
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { pino } from 'pino'
import request from 'supertest'
import type { Response } from 'supertest'
import { fixedClock } from '../../../src/clock.js'
import { loadConfig } from '../../../src/config/load-config.js'
import { createContext, type AppContext } from '../../../src/context.js'
import { createApp } from '../../../src/http/app.js'
import { createLogger } from '../../../src/lib/logger.js'
import { createApiToken, type Scope } from '../../../src/tokens/api-tokens.js'
import { createVerifierDeps } from '../../../src/verifier/verifier-deps.js'
import { cli, CLI_TEST_NOW } from '../../support/cli.js'

const EXAMPLES = fileURLToPath(new URL('../../../examples/', import.meta.url))
const BASE = 'http://localhost:7790'

const PROFILE = {
  legalName: { en: 'University of Zed', ga: 'Ollscoil Zed' },
  country: 'IE',
  address: { en: '1 College Green, Dublin 2' },
  eidasIdentifier: { notation: 'VATIE-1234567X', country: 'IE' },
  homepage: 'https://zed.example.edu',
  development: false,
}

function expectProblem(res: Response, status: number, code: string): void {
  expect(res.status, JSON.stringify(res.body)).to.equal(status)
  expect(res.headers['content-type']).to.match(/^application\/problem\+json/)
  expect(res.body).to.include({ status, code })
}

describe('HTTP service: tenants:admin routes', function () {
  this.timeout(120_000)
  let home: string
  let ctx: AppContext
  let app: ReturnType<typeof createApp>
  let admin: string
  let notAdmin: string
  let learner: Record<string, unknown>
  let course: Record<string, unknown>
  const auth = () => `Bearer ${admin}`

  /** Tenants, issuers, keys, tokens and key files: everything an admin route could change. */
  async function snapshot(): Promise<string> {
    const state: unknown[] = []
    for (const tenant of await ctx.storage.tenants.list()) {
      const issuers = await ctx.storage.issuers.listByTenant(tenant.id)
      const keys = []
      for (const issuer of issuers) keys.push(...(await ctx.storage.keys.listByIssuer(issuer.id)))
      const tokens = await ctx.storage.tokens.listByTenant(tenant.id)
      state.push({ tenant, issuers, keys, tokens })
    }
    const files = []
    for (const folder of await readdir(join(home, 'keys'))) {
      files.push(folder, ...(await readdir(join(home, 'keys', folder))))
    }
    return JSON.stringify({ state, files })
  }

  before(async () => {
    home = await mkdtemp(join(tmpdir(), 'mc-tenants-'))
    await writeFile(join(home, 'microcred.json'), JSON.stringify({ publicBaseUrl: BASE }))
    expect((await cli(home, ['init'])).code).to.equal(0)
    course = JSON.parse(await readFile(join(EXAMPLES, 'course.json'), 'utf8')) as Record<string, unknown>
    learner = JSON.parse(await readFile(join(EXAMPLES, 'learner.json'), 'utf8')) as Record<string, unknown>
    ctx = await createContext(loadConfig({ env: { MICROCRED_HOME: home }, cwd: home }), {
      clock: fixedClock(CLI_TEST_NOW),
      logger: createLogger('silent'),
    })
    app = createApp({ ctx, verifier: createVerifierDeps(ctx), logger: pino({ level: 'silent' }) })
    admin = (await createApiToken(ctx, { tenantSlug: 'default', scopes: ['tenants:admin'], name: 'ops' }))
      .token
    const others: Scope[] = [
      'credentials:issue',
      'credentials:status',
      'credentials:read',
      'courses:write',
      'courses:read',
      'ila:write',
      'ila:read',
    ]
    notAdmin = (await createApiToken(ctx, { tenantSlug: 'default', scopes: others })).token
  })

  after(async () => {
    await ctx?.close()
    await rm(home, { recursive: true, force: true })
  })

  describe('auth matrix', () => {
    const routes: Array<[string, 'get' | 'post' | 'put' | 'delete', string, object?]> = [
      ['POST /tenants', 'post', '/tenants', { slug: 'matrix', name: 'Matrix' }],
      ['GET /tenants', 'get', '/tenants'],
      ['GET /tenants/:slug', 'get', '/tenants/default'],
      ['PUT /tenants/:slug/issuer-profile', 'put', '/tenants/default/issuer-profile', PROFILE],
      ['POST /tenants/:slug/keys/rotate', 'post', '/tenants/default/keys/rotate', {}],
      ['POST /tenants/:slug/tokens', 'post', '/tenants/default/tokens', { scopes: ['courses:read'] }],
      ['GET /tenants/:slug/tokens', 'get', '/tenants/default/tokens'],
      ['DELETE /tenants/:slug/tokens/:id', 'delete', '/tenants/default/tokens/0'],
    ]
    for (const [name, method, path, body] of routes) {
      for (const [label, header, status, code] of [
        ['no token', undefined, 401, 'ERR_AUTH_MISSING'],
        ['an unknown token', `Bearer mc_${'0'.repeat(32)}_${'A'.repeat(43)}`, 401, 'ERR_AUTH_MISSING'],
        ['a token without tenants:admin', 'notAdmin', 403, 'ERR_AUTH_FORBIDDEN'],
      ] as const) {
        it(`${name}: ${status} with ${label}, and changes nothing`, async () => {
          const before = await snapshot()
          let req = request(app)[method](path)
          if (header !== undefined) {
            req = req.set('Authorization', header === 'notAdmin' ? `Bearer ${notAdmin}` : header)
          }
          const res = body === undefined ? await req : await req.send(body)
          expectProblem(res, status, code)
          expect(await snapshot()).to.equal(before)
        })
      }
    }
  })

  describe('tenants', () => {
    it('POST /tenants creates a tenant with the development profile and a did:key issuer (201)', async () => {
      const res = await request(app).post('/tenants').set('Authorization', auth()).send({
        slug: 'alpha',
        name: 'Alpha Academy',
      })
      expect(res.status, JSON.stringify(res.body)).to.equal(201)
      expect(res.headers.location).to.equal('/tenants/alpha')
      expect(res.body.tenant).to.deep.equal({ slug: 'alpha', name: 'Alpha Academy' })
      expect(res.body.issuer.did).to.match(/^did:key:z6Mk/)
      expect(res.body.issuer.profile.development).to.equal(true)
      expect(res.body.keys).to.have.length(1)
      expect(JSON.stringify(res.body)).not.to.match(/"d":/)
      expect(await readdir(join(home, 'keys', 'alpha'))).to.have.length(1)
    })

    it('POST /tenants with a profile, did:web and P-256 (201); the CLI lists it', async () => {
      const res = await request(app).post('/tenants').set('Authorization', auth()).send({
        slug: 'zed',
        name: 'University of Zed',
        profile: PROFILE,
        keyType: 'P-256',
        didWeb: 'zed.example.edu',
      })
      expect(res.status, JSON.stringify(res.body)).to.equal(201)
      expect(res.body.issuer).to.include({ did: 'did:web:zed.example.edu', didMethod: 'web' })
      expect(res.body.issuer.profile).to.deep.equal(PROFILE)
      expect(res.body.keys[0].algorithm).to.equal('P-256')
      expect(res.body.didDocumentUrl).to.equal('https://zed.example.edu/.well-known/did.json')
      const listed = await cli(home, ['tenants', 'list'])
      expect(listed.json().map((t: { slug: string }) => t.slug)).to.include.members([
        'default',
        'alpha',
        'zed',
      ])
    })

    it('POST /tenants for an existing slug is a 409 problem and leaves no key file behind', async () => {
      const before = await snapshot()
      const res = await request(app).post('/tenants').set('Authorization', auth()).send({
        slug: 'alpha',
        name: 'Alpha again',
      })
      expectProblem(res, 409, 'ERR_STORAGE_CONFLICT')
      expect(await snapshot()).to.equal(before)
    })

    it('POST /tenants for a DID another tenant holds is a 409 problem', async () => {
      const before = await snapshot()
      const res = await request(app).post('/tenants').set('Authorization', auth()).send({
        slug: 'zed-two',
        name: 'Zed two',
        didWeb: 'zed.example.edu',
      })
      expectProblem(res, 409, 'ERR_STORAGE_CONFLICT')
      expect(await snapshot()).to.equal(before)
    })

    it('POST /tenants with a bad body is a 400 problem naming the fields, and changes nothing', async () => {
      const before = await snapshot()
      for (const [body, field] of [
        [{ slug: 'Bad Slug', name: 'x' }, '/slug'],
        [{ slug: 'beta' }, '/name'],
        [{ slug: 'beta', name: 'Beta', profile: { ...PROFILE, country: 'Ireland' } }, '/profile/country'],
        [{ slug: 'beta', name: 'Beta', keyType: 'RSA' }, '/keyType'],
        [{ slug: 'beta', name: 'Beta', extra: true }, '/extra'],
      ] as const) {
        const res = await request(app).post('/tenants').set('Authorization', auth()).send(body)
        expectProblem(res, 400, 'ERR_VALIDATION')
        expect(res.body.detail).to.include(field)
      }
      const notJson = await request(app)
        .post('/tenants')
        .set('Authorization', auth())
        .set('Content-Type', 'application/json')
        .send('{')
      expectProblem(notJson, 400, 'ERR_VC_PARSE')
      expect(await snapshot()).to.equal(before)
    })

    it('GET /tenants lists tenants with their issuer DIDs; GET /tenants/:slug shows one; 404 otherwise', async () => {
      const list = await request(app).get('/tenants').set('Authorization', auth()).expect(200)
      const zed = (list.body.tenants as Array<{ slug: string; issuer: string }>).find((t) => t.slug === 'zed')
      expect(zed?.issuer).to.equal('did:web:zed.example.edu')
      const one = await request(app).get('/tenants/zed').set('Authorization', auth()).expect(200)
      expect(one.body.tenant.slug).to.equal('zed')
      expect(one.body.didDocument.id).to.equal('did:web:zed.example.edu')
      expectProblem(
        await request(app).get('/tenants/nobody').set('Authorization', auth()),
        404,
        'ERR_NOT_FOUND',
      )
    })

    it('PUT /tenants/:slug/issuer-profile replaces the profile (200); 400 when invalid; 404 when unknown', async () => {
      const updated = { ...PROFILE, legalName: { en: 'Alpha Academy Ltd' }, country: 'BE' }
      const res = await request(app)
        .put('/tenants/alpha/issuer-profile')
        .set('Authorization', auth())
        .send({ ...updated, eidasIdentifier: { notation: 'BE0123456789', country: 'BE' } })
      expect(res.status, JSON.stringify(res.body)).to.equal(200)
      expect(res.body.issuer.profile.legalName).to.deep.equal({ en: 'Alpha Academy Ltd' })
      expect(res.body.issuer.profile.development).to.equal(false)
      const before = await snapshot()
      const bad = await request(app)
        .put('/tenants/alpha/issuer-profile')
        .set('Authorization', auth())
        .send({ ...PROFILE, email: 'not an email' })
      expectProblem(bad, 400, 'ERR_VALIDATION')
      expect(bad.body.detail).to.include('/email')
      expectProblem(
        await request(app).put('/tenants/nobody/issuer-profile').set('Authorization', auth()).send(PROFILE),
        404,
        'ERR_NOT_FOUND',
      )
      expect(await snapshot()).to.equal(before)
    })
  })

  describe('keys and tokens', () => {
    let alphaToken: string
    let alphaTokenId: string

    it('POST /tenants/:slug/tokens returns the token once (201, no-store); it works for that tenant only', async () => {
      const res = await request(app)
        .post('/tenants/alpha/tokens')
        .set('Authorization', auth())
        .send({ scopes: ['courses:write', 'courses:read', 'credentials:issue'], name: 'registry' })
      expect(res.status, JSON.stringify(res.body)).to.equal(201)
      expect(res.headers['cache-control']).to.equal('no-store')
      expect(res.body).to.include({ name: 'registry', revokedAt: null })
      expect(res.body.scopes).to.deep.equal(['courses:write', 'courses:read', 'credentials:issue'])
      expect(res.body.token).to.match(/^mc_[0-9a-f]{32}_[A-Za-z0-9_-]{43}$/)
      expect(res.body).not.to.have.property('tokenHash')
      alphaToken = res.body.token as string
      alphaTokenId = res.body.id as string
      expect(alphaToken.split('_')[1]).to.equal(alphaTokenId)
      const created = await request(app)
        .post('/courses')
        .set('Authorization', `Bearer ${alphaToken}`)
        .send({ ...course, id: 'urn:alpha:course:1' })
      expect(created.status, JSON.stringify(created.body)).to.equal(201)
      const alpha = await ctx.storage.tenants.getBySlug('alpha')
      expect(
        (await ctx.storage.courses.listLatest(alpha?.id as string)).map((c) => c.courseRef),
      ).to.deep.equal(['urn:alpha:course:1'])
    })

    it('POST /tenants/:slug/tokens refuses unknown scopes (400) and unknown tenants (404), changing nothing', async () => {
      const before = await snapshot()
      const bad = await request(app)
        .post('/tenants/alpha/tokens')
        .set('Authorization', auth())
        .send({ scopes: ['courses:read', 'telepathy'] })
      expectProblem(bad, 400, 'ERR_VALIDATION')
      expectProblem(
        await request(app).post('/tenants/alpha/tokens').set('Authorization', auth()).send({ scopes: [] }),
        400,
        'ERR_VALIDATION',
      )
      expectProblem(
        await request(app)
          .post('/tenants/nobody/tokens')
          .set('Authorization', auth())
          .send({ scopes: ['courses:read'] }),
        404,
        'ERR_NOT_FOUND',
      )
      expect(await snapshot()).to.equal(before)
    })

    it('GET /tenants/:slug/tokens lists ids, names, scopes and dates, never secrets or hashes', async () => {
      const res = await request(app).get('/tenants/alpha/tokens').set('Authorization', auth()).expect(200)
      expect(res.body.tokens).to.deep.equal([
        {
          id: alphaTokenId,
          name: 'registry',
          scopes: ['courses:write', 'courses:read', 'credentials:issue'],
          createdAt: CLI_TEST_NOW.replace('Z', '.000Z'),
          revokedAt: null,
        },
      ])
      expect(res.text).not.to.include(alphaToken.slice(36))
      expect(res.text).not.to.match(/[0-9a-f]{64}/)
      expectProblem(
        await request(app).get('/tenants/nobody/tokens').set('Authorization', auth()),
        404,
        'ERR_NOT_FOUND',
      )
    })

    it('POST /tenants/:slug/keys/rotate rotates that tenant only; earlier credentials still verify', async () => {
      const issued = await request(app)
        .post(`/courses/${encodeURIComponent('urn:alpha:course:1')}/credentials?format=elm`)
        .set('Authorization', `Bearer ${alphaToken}`)
        .send(learner)
      expect(issued.status, JSON.stringify(issued.body)).to.equal(201)
      const defaultBefore = (await request(app).get('/tenants/default').set('Authorization', auth())).body
      const alphaBefore = (await request(app).get('/tenants/alpha').set('Authorization', auth())).body

      const res = await request(app)
        .post('/tenants/alpha/keys/rotate')
        .set('Authorization', auth())
        .send({ keyType: 'P-256' })
      expect(res.status, JSON.stringify(res.body)).to.equal(201)
      expect(res.body.key).to.include({ algorithm: 'P-256', active: true })
      expect(res.body.keys).to.have.length(2)
      // A did:key names one key: the issuer's DID follows the new key.
      expect(res.body.issuer.did).not.to.equal(alphaBefore.issuer.did)
      expect(await readdir(join(home, 'keys', 'alpha'))).to.have.length(2)
      const defaultAfter = (await request(app).get('/tenants/default').set('Authorization', auth())).body
      expect(defaultAfter).to.deep.equal(defaultBefore)

      const verify = await request(app)
        .post('/credentials/verify')
        .send({ verifiableCredential: issued.body.verifiableCredential })
      expect(verify.status, JSON.stringify(verify.body)).to.equal(200)

      const again = await request(app).post('/tenants/alpha/keys/rotate').set('Authorization', auth())
      expect(again.status, JSON.stringify(again.body)).to.equal(201)
      expect(again.body.key.algorithm).to.equal('Ed25519')
      const before = await snapshot()
      expectProblem(
        await request(app)
          .post('/tenants/alpha/keys/rotate')
          .set('Authorization', auth())
          .send({ keyType: 'RSA' }),
        400,
        'ERR_VALIDATION',
      )
      expectProblem(
        await request(app).post('/tenants/nobody/keys/rotate').set('Authorization', auth()),
        404,
        'ERR_NOT_FOUND',
      )
      expect(await snapshot()).to.equal(before)
    })

    it("DELETE /tenants/:slug/tokens/:id revokes (204); another tenant's slug or an unknown id is a 404", async () => {
      const before = await snapshot()
      expectProblem(
        await request(app).delete(`/tenants/zed/tokens/${alphaTokenId}`).set('Authorization', auth()),
        404,
        'ERR_NOT_FOUND',
      )
      expectProblem(
        await request(app)
          .delete(`/tenants/alpha/tokens/${'f'.repeat(32)}`)
          .set('Authorization', auth()),
        404,
        'ERR_NOT_FOUND',
      )
      expect(await snapshot()).to.equal(before)
      const res = await request(app)
        .delete(`/tenants/alpha/tokens/${alphaTokenId}`)
        .set('Authorization', auth())
      expect(res.status).to.equal(204)
      expect(res.text).to.equal('')
      expectProblem(
        await request(app).get('/courses').set('Authorization', `Bearer ${alphaToken}`),
        401,
        'ERR_AUTH_MISSING',
      )
      const list = await request(app).get('/tenants/alpha/tokens').set('Authorization', auth()).expect(200)
      expect(list.body.tokens[0].revokedAt).to.be.a('string')
    })
  })
})
