import { expect } from 'chai'
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { exportJWK, exportSPKI, generateKeyPair, importJWK, SignJWT, type CryptoKey, type JWK } from 'jose'
import { pino } from 'pino'
import request from 'supertest'
import type { Response } from 'supertest'
import { fixedClock } from '../../../src/clock.js'
import { loadConfig, type Config } from '../../../src/config/load-config.js'
import { createContext, type AppContext } from '../../../src/context.js'
import { ConfigError } from '../../../src/errors.js'
import { createApp } from '../../../src/http/app.js'
import { addCourse } from '../../../src/issuer/issue-microcredential.js'
import { createLogger } from '../../../src/lib/logger.js'
import { createApiToken } from '../../../src/tokens/api-tokens.js'
import { createVerifierDeps } from '../../../src/verifier/verifier-deps.js'
import { cli, CLI_TEST_NOW } from '../../support/cli.js'

const EXAMPLES = fileURLToPath(new URL('../../../examples/', import.meta.url))
const ISSUER = 'https://login.zed.example.edu/realms/staff'
const AUDIENCE = 'microcred'
/** The injected clock, in seconds: far from the wall clock, so a check against the wall clock would fail. */
const NOW = Date.parse(CLI_TEST_NOW) / 1000

interface SigningKey {
  kid: string
  alg: string
  privateKey: CryptoKey
  publicJwk: JWK
}

async function signingKey(kid: string, alg: string, options: { crv?: string } = {}): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true, ...options })
  return { kid, alg, privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, use: 'sig' } }
}

function expectProblem(res: Response, status: number, code: string): void {
  expect(res.status, JSON.stringify(res.body)).to.equal(status)
  expect(res.headers['content-type']).to.match(/^application\/problem\+json/)
  expect(res.body).to.include({ status, code })
}

/** The `oauth` setting of a test app and the claim names its tokens use. */
interface Variant {
  name: string
  tenantClaim: string
  scopeClaim: string
  app: () => ReturnType<typeof createApp>
}

describe('HTTP service: OAuth2 JWT access tokens', function () {
  this.timeout(120_000)
  let home: string
  let ctx: AppContext
  let jwks: Server
  let jwksRequests = 0
  let remoteApp: ReturnType<typeof createApp>
  let fileApp: ReturnType<typeof createApp>
  let plainApp: ReturnType<typeof createApp>
  let course: Record<string, unknown>
  let learner: Record<string, unknown>
  let rsa: SigningKey
  let ec: SigningKey
  let ed: SigningKey
  let rs384: SigningKey
  let stranger: SigningKey
  let courseCount = 0

  const variants: Variant[] = [
    { name: 'jwksUri', tenantClaim: 'tenant', scopeClaim: 'scope', app: () => remoteApp },
    {
      name: 'jwksFile',
      tenantClaim: 'https://microcred.eu/claims/tenant',
      scopeClaim: 'scp',
      app: () => fileApp,
    },
  ]

  /** A signed access token: valid for `zed` with courses:write unless `claims` or `header` say otherwise. */
  async function token(
    variant: Variant,
    options: {
      key?: SigningKey
      alg?: string
      kid?: string
      claims?: Record<string, unknown>
      omit?: string[]
    } = {},
  ): Promise<string> {
    const key = options.key ?? rsa
    const claims: Record<string, unknown> = {
      iss: ISSUER,
      aud: AUDIENCE,
      sub: 'svc-registry',
      iat: NOW - 10,
      exp: NOW + 300,
      [variant.tenantClaim]: 'zed',
      [variant.scopeClaim]: 'openid courses:write courses:read',
      ...options.claims,
    }
    for (const name of options.omit ?? []) delete claims[name]
    return new SignJWT(claims)
      .setProtectedHeader({ alg: options.alg ?? key.alg, kid: options.kid ?? key.kid, typ: 'at+jwt' })
      .sign(key.privateKey)
  }

  async function postCourse(app: ReturnType<typeof createApp>, authorization: string) {
    courseCount += 1
    return request(app)
      .post('/courses')
      .set('Authorization', authorization)
      .send({ ...course, id: `urn:jwt:course:${courseCount}` })
  }

  /** Courses, credentials and status events of every tenant. */
  async function snapshot(): Promise<string> {
    const state: unknown[] = []
    for (const tenant of await ctx.storage.tenants.list()) {
      const courses = await ctx.storage.courses.listLatest(tenant.id)
      const credentials = await ctx.storage.credentials.list({ tenantId: tenant.id, limit: 1000 })
      const events = await ctx.storage.statusLists.listEvents({ tenantId: tenant.id })
      state.push([tenant.slug, courses.map((c) => c.courseRef), credentials.map((c) => c.id), events.length])
    }
    return JSON.stringify(state)
  }

  function loadWith(settings: Record<string, unknown>): Promise<Config> {
    return writeFile(join(home, 'microcred.json'), JSON.stringify(settings)).then(() =>
      loadConfig({ env: { MICROCRED_HOME: home }, cwd: home }),
    )
  }

  before(async () => {
    home = await mkdtemp(join(tmpdir(), 'mc-jwt-'))
    expect((await cli(home, ['init'])).code).to.equal(0)
    expect((await cli(home, ['tenants', 'add', 'zed', '--name', 'Zed'])).code).to.equal(0)
    course = JSON.parse(await readFile(join(EXAMPLES, 'course.json'), 'utf8')) as Record<string, unknown>
    learner = JSON.parse(await readFile(join(EXAMPLES, 'learner.json'), 'utf8')) as Record<string, unknown>

    rsa = await signingKey('rsa-1', 'RS256')
    ec = await signingKey('ec-1', 'ES256')
    ed = await signingKey('ed-1', 'EdDSA', { crv: 'Ed25519' })
    rs384 = await signingKey('rsa-384', 'RS384')
    stranger = await signingKey('stranger', 'RS256')
    const keySet = { keys: [rsa, ec, ed, rs384].map((k) => k.publicJwk) }

    jwks = createServer((req, res) => {
      jwksRequests += 1
      if (req.url !== '/jwks.json') {
        res.writeHead(404).end()
        return
      }
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(keySet))
    })
    await new Promise<void>((ready) => jwks.listen(0, '127.0.0.1', ready))
    const port = (jwks.address() as AddressInfo).port

    await mkdir(join(home, 'oauth'))
    await writeFile(join(home, 'oauth', 'jwks.json'), JSON.stringify(keySet))

    const clock = fixedClock(CLI_TEST_NOW)
    const remoteConfig = await loadWith({
      oauth: { issuer: ISSUER, audience: AUDIENCE, jwksUri: `http://127.0.0.1:${port}/jwks.json` },
    })
    const fileConfig = await loadWith({
      oauth: {
        issuer: ISSUER,
        audience: AUDIENCE,
        jwksFile: 'oauth/jwks.json',
        tenantClaim: variants[1]?.tenantClaim,
        scopeClaim: variants[1]?.scopeClaim,
      },
    })
    const plainConfig = await loadWith({})
    ctx = await createContext(remoteConfig, { clock, logger: createLogger('silent') })
    const logger = pino({ level: 'silent' })
    const appFor = (config: Config) =>
      createApp({ ctx: { ...ctx, config }, verifier: createVerifierDeps(ctx), logger })
    remoteApp = appFor(remoteConfig)
    fileApp = appFor(fileConfig)
    plainApp = appFor(plainConfig)
  })

  after(async () => {
    await ctx?.close()
    await new Promise<void>((closed) => (jwks ? jwks.close(() => closed()) : closed()))
    await rm(home, { recursive: true, force: true })
  })

  describe('configuration', () => {
    const base = { issuer: ISSUER, audience: AUDIENCE }

    it('applies the defaults and resolves a relative jwksFile against the home folder', async () => {
      const config = await loadWith({ oauth: { ...base, jwksFile: 'oauth/jwks.json' } })
      expect(config.oauth).to.deep.equal({
        issuer: ISSUER,
        audience: AUDIENCE,
        jwksUri: undefined,
        jwksFile: join(home, 'oauth', 'jwks.json'),
        tenantClaim: 'tenant',
        scopeClaim: 'scope',
        algorithms: ['RS256', 'ES256', 'EdDSA', 'PS256'],
      })
    })

    for (const [label, oauth, field] of [
      [
        'both jwksUri and jwksFile',
        { ...base, jwksUri: 'https://a.example/jwks', jwksFile: 'x.json' },
        '/oauth',
      ],
      ['neither jwksUri nor jwksFile', base, '/oauth'],
      [
        'a plain-http jwksUri off loopback',
        { ...base, jwksUri: 'http://login.example/jwks' },
        '/oauth/jwksUri',
      ],
      ['a look-alike loopback host', { ...base, jwksUri: 'http://127.0.0.1.example/jwks' }, '/oauth/jwksUri'],
      [
        'a shared-secret algorithm',
        { ...base, jwksFile: 'x.json', algorithms: ['HS256'] },
        '/oauth/algorithms/0',
      ],
      ['no audience', { issuer: ISSUER, jwksFile: 'x.json' }, '/oauth/audience'],
    ] as const) {
      it(`refuses ${label}`, async () => {
        let error: unknown
        try {
          await loadWith({ oauth })
        } catch (err) {
          error = err
        }
        expect(error).to.be.instanceOf(ConfigError)
        expect((error as ConfigError).problems.map((p) => p.field)).to.include(field)
      })
    }

    it('refuses to start with a key set file that is missing or holds private keys', async () => {
      const missing = await loadWith({ oauth: { ...base, jwksFile: 'oauth/missing.json' } })
      expect(() =>
        createApp({ ctx: { ...ctx, config: missing }, verifier: createVerifierDeps(ctx) }),
      ).to.throw(ConfigError)
      const { privateKey } = await generateKeyPair('ES256', { extractable: true })
      await writeFile(
        join(home, 'oauth', 'private.json'),
        JSON.stringify({ keys: [await exportJWK(privateKey)] }),
      )
      const leaky = await loadWith({ oauth: { ...base, jwksFile: 'oauth/private.json' } })
      expect(() => createApp({ ctx: { ...ctx, config: leaky }, verifier: createVerifierDeps(ctx) })).to.throw(
        ConfigError,
        /private/,
      )
    })
  })

  for (const variant of variants) {
    describe(`key set from ${variant.name}`, () => {
      const app = () => variant.app()

      it('a valid RS256 token acts for its tenant: 201 on POST /courses', async () => {
        const fetchedBefore = jwksRequests
        const res = await postCourse(app(), `Bearer ${await token(variant)}`)
        expect(res.status, JSON.stringify(res.body)).to.equal(201)
        const zed = await ctx.storage.tenants.getBySlug('zed')
        const refs = (await ctx.storage.courses.listLatest(zed?.id as string)).map((c) => c.courseRef)
        expect(refs).to.include(res.body.id)
        // The remote key set came over loopback HTTP; the file variant never asks the server.
        if (variant.name === 'jwksUri') expect(jwksRequests).to.be.greaterThan(0)
        else expect(jwksRequests).to.equal(fetchedBefore)
      })

      it('ES256 and EdDSA tokens, and scopes as an array, are accepted', async () => {
        for (const key of [ec, ed]) {
          const res = await postCourse(app(), `Bearer ${await token(variant, { key })}`)
          expect(res.status, `${key.alg}: ${JSON.stringify(res.body)}`).to.equal(201)
        }
        const listed = await token(variant, { claims: { [variant.scopeClaim]: ['courses:write'] } })
        expect((await postCourse(app(), `Bearer ${listed}`)).status).to.equal(201)
      })

      it('tolerates 60 s of clock difference on exp and nbf', async () => {
        const late = await token(variant, { claims: { exp: NOW - 30 } })
        expect((await postCourse(app(), `Bearer ${late}`)).status).to.equal(201)
        const early = await token(variant, { claims: { nbf: NOW + 30 } })
        expect((await postCourse(app(), `Bearer ${early}`)).status).to.equal(201)
      })

      it('issues and revokes; the audit log names the token subject', async () => {
        const scopes = 'credentials:issue credentials:status'
        const bearer = `Bearer ${await token(variant, { claims: { [variant.scopeClaim]: scopes } })}`
        await addCourse(ctx, { tenantSlug: 'zed', course })
        const issued = await request(app())
          .post(`/courses/${encodeURIComponent(course.id as string)}/credentials?format=elm`)
          .set('Authorization', bearer)
          .send(learner)
        expect(issued.status, JSON.stringify(issued.body)).to.equal(201)
        const revoked = await request(app())
          .post('/credentials/status')
          .set('Authorization', bearer)
          .send({
            credentialId: issued.body.id,
            credentialStatus: [{ type: 'BitstringStatusListEntry', status: 'revoke', reason: 'test' }],
          })
        expect(revoked.status, JSON.stringify(revoked.body)).to.equal(200)
        const zed = await ctx.storage.tenants.getBySlug('zed')
        const events = await ctx.storage.statusLists.listEvents({
          tenantId: zed?.id as string,
          credentialId: issued.body.id as string,
        })
        expect(events.map((e) => e.actor)).to.deep.equal(['oauth:svc-registry'])
      })

      const refusals: Array<[string, () => Promise<string>]> = [
        ['a wrong issuer', () => token(variant, { claims: { iss: 'https://login.evil.example' } })],
        ['a wrong audience', () => token(variant, { claims: { aud: 'another-service' } })],
        ['an expired token', () => token(variant, { claims: { exp: NOW - 120 } })],
        ['a token not valid yet', () => token(variant, { claims: { nbf: NOW + 120 } })],
        ['a token without exp', () => token(variant, { omit: ['exp'] })],
        ['an algorithm not allowed (RS384)', () => token(variant, { key: rs384 })],
        ['an unknown kid', () => token(variant, { key: stranger })],
        ["another key's signature under a known kid", () => token(variant, { key: stranger, kid: rsa.kid })],
        ['an unknown tenant', () => token(variant, { claims: { [variant.tenantClaim]: 'nobody' } })],
        ['no tenant claim', () => token(variant, { omit: [variant.tenantClaim] })],
        [
          'a tenant claim that is no slug',
          () => token(variant, { claims: { [variant.tenantClaim]: ['zed'] } }),
        ],
        ['no subject', () => token(variant, { omit: ['sub'] })],
        [
          'alg: none',
          async () => {
            const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url')
            const claims = {
              iss: ISSUER,
              aud: AUDIENCE,
              sub: 'x',
              exp: NOW + 300,
              [variant.tenantClaim]: 'zed',
              [variant.scopeClaim]: 'courses:write',
            }
            return `${part({ alg: 'none', typ: 'JWT' })}.${part(claims)}.`
          },
        ],
        [
          'HS256 signed with the RSA public key',
          async () => {
            const pem = await exportSPKI((await importJWK(rsa.publicJwk, 'RS256')) as CryptoKey)
            return new SignJWT({
              iss: ISSUER,
              aud: AUDIENCE,
              sub: 'x',
              exp: NOW + 300,
              [variant.tenantClaim]: 'zed',
              [variant.scopeClaim]: 'courses:write',
            })
              .setProtectedHeader({ alg: 'HS256', kid: rsa.kid })
              .sign(new TextEncoder().encode(pem))
          },
        ],
        [
          'a tampered payload',
          async () => {
            const [header, , signature] = (await token(variant)).split('.')
            const other = await token(variant, { claims: { [variant.tenantClaim]: 'default' } })
            return `${header}.${other.split('.')[1]}.${signature}`
          },
        ],
      ]
      for (const [label, make] of refusals) {
        it(`401 invalid_token for ${label}; the problem does not echo the token; nothing changes`, async () => {
          const jwt = await make()
          const before = await snapshot()
          const res = await postCourse(app(), `Bearer ${jwt}`)
          expectProblem(res, 401, 'ERR_AUTH_MISSING')
          expect(res.headers['www-authenticate']).to.equal('Bearer error="invalid_token"')
          for (const part of jwt.split('.').filter((p) => p.length > 8)) expect(res.text).not.to.include(part)
          expect(await snapshot()).to.equal(before)
        })
      }

      for (const [label, scope] of [
        ['without the route scope', 'openid courses:read'],
        ['with only unknown scopes', 'courses:write:all admin'],
        ['without a scope claim', undefined],
      ] as const) {
        it(`403 for a valid token ${label}; nothing changes`, async () => {
          const jwt =
            scope === undefined
              ? await token(variant, { omit: [variant.scopeClaim] })
              : await token(variant, { claims: { [variant.scopeClaim]: scope } })
          const before = await snapshot()
          expectProblem(await postCourse(app(), `Bearer ${jwt}`), 403, 'ERR_AUTH_FORBIDDEN')
          expect(await snapshot()).to.equal(before)
        })
      }

      it('API tokens keep working alongside', async () => {
        const { token: opaque } = await createApiToken(ctx, { tenantSlug: 'zed', scopes: ['courses:write'] })
        expect((await postCourse(app(), `Bearer ${opaque}`)).status).to.equal(201)
        const res = await postCourse(app(), `Bearer ${opaque.slice(0, -2)}AA`)
        expectProblem(res, 401, 'ERR_AUTH_MISSING')
        expect(res.headers['www-authenticate']).to.equal('Bearer')
      })
    })
  }

  it('an unreachable key set server refuses the token (401 invalid_token), it is no server error', async () => {
    const closed = createServer()
    await new Promise<void>((ready) => closed.listen(0, '127.0.0.1', ready))
    const port = (closed.address() as AddressInfo).port
    await new Promise<void>((done) => closed.close(() => done()))
    const config = await loadWith({
      oauth: { issuer: ISSUER, audience: AUDIENCE, jwksUri: `http://127.0.0.1:${port}/jwks.json` },
    })
    const app = createApp({
      ctx: { ...ctx, config },
      verifier: createVerifierDeps(ctx),
      logger: pino({ level: 'silent' }),
    })
    const before = await snapshot()
    const res = await postCourse(app, `Bearer ${await token(variants[0] as Variant)}`)
    expectProblem(res, 401, 'ERR_AUTH_MISSING')
    expect(res.headers['www-authenticate']).to.equal('Bearer error="invalid_token"')
    expect(await snapshot()).to.equal(before)
  })

  it('without oauth configured, a JWT is just an unknown bearer token (401, nothing changes)', async () => {
    const before = await snapshot()
    const res = await postCourse(plainApp, `Bearer ${await token(variants[0] as Variant)}`)
    expectProblem(res, 401, 'ERR_AUTH_MISSING')
    expect(res.headers['www-authenticate']).to.equal('Bearer')
    expect(await snapshot()).to.equal(before)
  })
})
