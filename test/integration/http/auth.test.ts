import { expect } from 'chai'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { pino } from 'pino'
import request from 'supertest'
import type { Response } from 'supertest'
import { createBatch, readBatchRows } from '../../../src/batch/index.js'
import { fixedClock } from '../../../src/clock.js'
import { loadConfig } from '../../../src/config/load-config.js'
import { createContext, type AppContext } from '../../../src/context.js'
import { createApp } from '../../../src/http/app.js'
import { importIla } from '../../../src/ila/index.js'
import { createApiToken, revokeApiToken, type Scope } from '../../../src/tokens/api-tokens.js'
import { verifyCredential } from '../../../src/verifier/index.js'
import { createVerifierDeps } from '../../../src/verifier/verifier-deps.js'
import { cli, CLI_TEST_NOW } from '../../support/cli.js'
import { cohortCsv, cohortLearners, inPieces } from '../../support/cohort.js'
import { ilaFixture, ilaRecord, jsonl } from '../../support/ila.js'

const EXAMPLES = fileURLToPath(new URL('../../../examples/', import.meta.url))
const BASE = 'http://localhost:7789'
const V2 = 'https://www.w3.org/ns/credentials/v2'
const EXAMPLES_CONTEXT = 'https://www.w3.org/ns/credentials/examples/v2'

interface Route {
  method: 'get' | 'post' | 'delete'
  path: () => string
  scope: Scope
  body?: () => unknown
  /** Content-Type of a body that is not JSON. */
  type?: string
  /** True when the route names a resource of the tenant, so another tenant's token must get a 404. */
  tenantResource: boolean
}

function expectProblem(res: Response, status: number, code: string): void {
  expect(res.status, JSON.stringify(res.body)).to.equal(status)
  expect(res.headers['content-type']).to.match(/^application\/problem\+json/)
  expect(res.body).to.include({ status, code })
  expect(res.body.type).to.be.a('string')
}

describe('HTTP service: bearer tokens and the issuing routes', function () {
  this.timeout(120_000)
  let home: string
  let ctx: AppContext
  let app: ReturnType<typeof createApp>
  let course: Record<string, unknown>
  let learner: Record<string, unknown>
  let courseRef: string
  let credentialId: string
  let batchId: string
  const tokens: Record<string, string> = {}

  const ALL_SCOPES: Scope[] = [
    'credentials:issue',
    'credentials:status',
    'credentials:read',
    'courses:write',
    'courses:read',
    'ila:write',
    'ila:read',
  ]

  const routes: Record<string, Route> = {
    'POST /courses': {
      method: 'post',
      path: () => '/courses',
      scope: 'courses:write',
      body: () => ({ ...course, id: 'urn:test:course:new' }),
      tenantResource: false,
    },
    'GET /courses': { method: 'get', path: () => '/courses', scope: 'courses:read', tenantResource: false },
    'GET /courses/:id': {
      method: 'get',
      path: () => `/courses/${encodeURIComponent(courseRef)}`,
      scope: 'courses:read',
      tenantResource: true,
    },
    'POST /courses/:id/credentials': {
      method: 'post',
      path: () => `/courses/${encodeURIComponent(courseRef)}/credentials?format=elm`,
      scope: 'credentials:issue',
      body: () => learner,
      tenantResource: true,
    },
    'POST /credentials/issue': {
      method: 'post',
      path: () => '/credentials/issue',
      scope: 'credentials:issue',
      body: () => ({ credential: plainCredential() }),
      tenantResource: false,
    },
    'POST /jose/credentials/issue': {
      method: 'post',
      path: () => '/jose/credentials/issue',
      scope: 'credentials:issue',
      body: () => ({ credential: plainCredential() }),
      tenantResource: false,
    },
    'POST /credentials/status': {
      method: 'post',
      path: () => '/credentials/status',
      scope: 'credentials:status',
      body: () => ({
        credentialId,
        credentialStatus: [{ type: 'BitstringStatusListEntry', status: 'revoke', reason: 'test' }],
      }),
      tenantResource: true,
    },
    'POST /learners/erase': {
      method: 'post',
      path: () => '/learners/erase',
      scope: 'credentials:status',
      body: () => ({ learnerRef: 'Student ID:nobody' }),
      tenantResource: false,
    },
    'GET /credentials/:id': {
      method: 'get',
      path: () => `/credentials/${encodeURIComponent(credentialId)}`,
      scope: 'credentials:read',
      tenantResource: true,
    },
    'POST /credentials/:id/claim-link': {
      method: 'post',
      path: () => `/credentials/${encodeURIComponent(credentialId)}/claim-link`,
      scope: 'credentials:issue',
      tenantResource: true,
    },
    'DELETE /credentials/:id/claim-link': {
      method: 'delete',
      path: () => `/credentials/${encodeURIComponent(credentialId)}/claim-link`,
      scope: 'credentials:status',
      tenantResource: true,
    },
    'POST /batches': {
      method: 'post',
      path: () => `/batches?course=${encodeURIComponent(courseRef)}`,
      scope: 'credentials:issue',
      type: 'text/csv',
      body: () => cohortCsv(cohortLearners(2, 'AUTH')),
      tenantResource: true,
    },
    'GET /batches': {
      method: 'get',
      path: () => '/batches',
      scope: 'credentials:issue',
      tenantResource: false,
    },
    'GET /batches/:id': {
      method: 'get',
      path: () => `/batches/${batchId}`,
      scope: 'credentials:issue',
      tenantResource: true,
    },
    'GET /batches/:id/results': {
      method: 'get',
      path: () => `/batches/${batchId}/results`,
      scope: 'credentials:issue',
      tenantResource: true,
    },
    'POST /batches/:id/resume': {
      method: 'post',
      path: () => `/batches/${batchId}/resume`,
      scope: 'credentials:issue',
      tenantResource: true,
    },
    'POST /ila/providers': {
      method: 'post',
      path: () => '/ila/providers',
      scope: 'ila:write',
      type: 'application/json',
      body: () => ilaFixture('providers.json').replace(/prov-/g, 'auth-prov-'),
      tenantResource: false,
    },
    'POST /ila/catalogue': {
      method: 'post',
      path: () => '/ila/catalogue',
      scope: 'ila:write',
      type: 'text/csv',
      body: () => ilaFixture('catalogue.csv'),
      tenantResource: false,
    },
    'POST /ila/spending-records': {
      method: 'post',
      path: () => '/ila/spending-records',
      scope: 'ila:write',
      type: 'application/jsonl',
      body: () => jsonl([ilaRecord(77)]),
      tenantResource: false,
    },
    'GET /ila/providers': {
      method: 'get',
      path: () => '/ila/providers',
      scope: 'ila:read',
      tenantResource: false,
    },
    'GET /ila/spending-records/:id': {
      method: 'get',
      path: () => '/ila/spending-records/rec-0001',
      scope: 'ila:read',
      tenantResource: true,
    },
    'POST /ila/link': {
      method: 'post',
      path: () => '/ila/link',
      scope: 'ila:write',
      type: 'application/jsonl',
      body: () => 'not a credential\n',
      tenantResource: false,
    },
    'GET /ila/links': {
      method: 'get',
      path: () => '/ila/links',
      scope: 'ila:read',
      tenantResource: false,
    },
    'GET /ila/report': {
      method: 'get',
      path: () => '/ila/report?format=csv',
      scope: 'ila:read',
      tenantResource: false,
    },
  }

  function plainCredential(): Record<string, unknown> {
    return {
      '@context': [V2, EXAMPLES_CONTEXT],
      type: ['VerifiableCredential', 'ExampleAlumniCredential'],
      credentialSubject: { id: 'did:example:ebfeb1f712ebc6f1c276e12ec21', alumniOf: 'Example University' },
    }
  }

  function send(route: Route, authorization?: string) {
    let req = request(app)[route.method](route.path())
    if (authorization !== undefined) req = req.set('Authorization', authorization)
    if (route.type !== undefined) req = req.type(route.type)
    return route.body ? req.send(route.body() as object) : req
  }

  /** Everything a protected route could change, for both tenants. */
  async function snapshot(): Promise<string> {
    const state: unknown[] = []
    for (const tenant of await ctx.storage.tenants.list()) {
      const credentials = await ctx.storage.credentials.list({ tenantId: tenant.id, limit: 1000 })
      const courses = await ctx.storage.courses.listLatest(tenant.id)
      const events = await ctx.storage.statusLists.listEvents({ tenantId: tenant.id })
      const batches = await ctx.storage.batches.listByTenant(tenant.id)
      const ilaProviders = await ctx.storage.ila.providers.list({ tenantId: tenant.id })
      state.push({
        tenant: tenant.slug,
        credentials: credentials.map((c) => [c.id, c.claimGeneration, c.claimRevokedAt]),
        courses: courses.map((c) => [c.courseRef, c.version]),
        events: events.length,
        batches: batches.map((b) => [b.id, b.state, b.issuedRows]),
        ila: [
          ilaProviders.map((p) => p.providerId),
          await ctx.storage.ila.records.count(tenant.id),
          (await ctx.storage.ila.linkResults.page({ tenantId: tenant.id, limit: 1000 })).length,
        ],
      })
    }
    return JSON.stringify(state)
  }

  before(async () => {
    home = await mkdtemp(join(tmpdir(), 'mc-auth-'))
    await writeFile(join(home, 'microcred.json'), JSON.stringify({ publicBaseUrl: BASE }))
    expect((await cli(home, ['init'])).code).to.equal(0)
    const other = await cli(home, ['tenants', 'add', 'other', '--name', 'Other'])
    expect(other.code, other.err).to.equal(0)
    course = JSON.parse(await readFile(join(EXAMPLES, 'course.json'), 'utf8')) as Record<string, unknown>
    learner = JSON.parse(await readFile(join(EXAMPLES, 'learner.json'), 'utf8')) as Record<string, unknown>
    courseRef = course.id as string
    const issued = await cli(home, [
      'issue',
      '--course',
      join(EXAMPLES, 'course.json'),
      '--learner',
      join(EXAMPLES, 'learner.json'),
      '--format',
      'edc',
    ])
    expect(issued.code, issued.err).to.equal(0)
    credentialId = /Issued (urn:uuid:[0-9a-f-]+)/.exec(issued.err)?.[1] as string
    ctx = await createContext(loadConfig({ env: { MICROCRED_HOME: home }, cwd: home }), {
      clock: fixedClock(CLI_TEST_NOW),
    })
    app = createApp({ ctx, verifier: createVerifierDeps(ctx), logger: pino({ level: 'silent' }) })
    // A batch of the default tenant, never run: the batch routes name it.
    const batch = await createBatch(ctx, {
      tenantSlug: 'default',
      courseRef,
      format: 'elm',
      rows: readBatchRows(inPieces(cohortCsv(cohortLearners(2, 'AUTH'))), 'csv'),
      createdBy: 'test',
    })
    batchId = batch.batchId as string
    tokens.all = (await createApiToken(ctx, { tenantSlug: 'default', scopes: ALL_SCOPES })).token
    tokens.other = (await createApiToken(ctx, { tenantSlug: 'other', scopes: ALL_SCOPES })).token
    const revoked = await createApiToken(ctx, { tenantSlug: 'default', scopes: ALL_SCOPES })
    await revokeApiToken(ctx, { tenantSlug: 'default', id: revoked.info.id })
    tokens.revoked = revoked.token
    tokens.ilaOnly = (await createApiToken(ctx, { tenantSlug: 'default', scopes: ['ila:read'] })).token
    tokens.coursesOnly = (
      await createApiToken(ctx, { tenantSlug: 'default', scopes: ['courses:read'] })
    ).token
    // ILA data of the default tenant, which the ILA routes name.
    for (const [kind, format, file] of [
      ['providers', 'json', 'providers.json'],
      ['catalogue', 'json', 'catalogue.json'],
      ['records', 'jsonl', 'spending-records.jsonl'],
    ] as const) {
      await importIla(ctx, { kind, format, source: [ilaFixture(file)] })
    }
  })

  after(async () => {
    await ctx?.close()
    await rm(home, { recursive: true, force: true })
  })

  describe('auth matrix', () => {
    for (const [name, route] of Object.entries(routes)) {
      describe(name, () => {
        const refused = (label: string, header: () => string | undefined, status: number, code: string) => {
          it(`${status} ${code} with ${label}, and changes nothing`, async () => {
            const before = await snapshot()
            const res = await send(route, header())
            expectProblem(res, status, code)
            if (status === 401) expect(res.headers['www-authenticate']).to.equal('Bearer')
            expect(await snapshot()).to.equal(before)
          })
        }
        refused('no token', () => undefined, 401, 'ERR_AUTH_MISSING')
        refused('a malformed header', () => `Token ${tokens.all}`, 401, 'ERR_AUTH_MISSING')
        refused('an empty bearer', () => 'Bearer ', 401, 'ERR_AUTH_MISSING')
        refused(
          'an unknown token',
          () => `Bearer mc_${'0'.repeat(32)}_${Buffer.alloc(32, 7).toString('base64url')}`,
          401,
          'ERR_AUTH_MISSING',
        )
        refused(
          'a known id with a wrong secret',
          () => `Bearer ${(tokens.all as string).slice(0, 36)}${Buffer.alloc(32, 9).toString('base64url')}`,
          401,
          'ERR_AUTH_MISSING',
        )
        refused('a revoked token', () => `Bearer ${tokens.revoked}`, 401, 'ERR_AUTH_MISSING')
        refused(
          `a token without ${route.scope}`,
          () => `Bearer ${route.scope === 'ila:read' ? tokens.coursesOnly : tokens.ilaOnly}`,
          403,
          'ERR_AUTH_FORBIDDEN',
        )
        if (route.tenantResource) {
          refused("another tenant's token", () => `Bearer ${tokens.other}`, 404, 'ERR_NOT_FOUND')
        }
      })
    }

    it("GET /courses with another tenant's token lists none of this tenant's courses", async () => {
      const res = await request(app)
        .get('/courses')
        .set('Authorization', `Bearer ${tokens.other}`)
        .expect(200)
      expect(res.body.courses).to.deep.equal([])
    })
  })

  describe('happy paths', () => {
    const auth = () => `Bearer ${tokens.all}`

    it('POST /courses adds a course (201), then 200 when unchanged; GET /courses and /courses/:id read it', async () => {
      const body = { ...course, id: 'urn:test:course:happy' }
      const first = await request(app).post('/courses').set('Authorization', auth()).send(body)
      expect(first.status, JSON.stringify(first.body)).to.equal(201)
      expect(first.body).to.include({ id: 'urn:test:course:happy', version: 1 })
      expect(first.body.contentHash).to.match(/^[0-9a-f]{64}$/)
      const again = await request(app).post('/courses').set('Authorization', auth()).send(body)
      expect(again.status).to.equal(200)
      expect(again.body).to.deep.equal(first.body)
      const list = await request(app).get('/courses').set('Authorization', auth()).expect(200)
      expect(list.body.courses.map((c: { id: string }) => c.id)).to.include('urn:test:course:happy')
      const one = await request(app)
        .get(`/courses/${encodeURIComponent('urn:test:course:happy')}`)
        .set('Authorization', auth())
        .expect(200)
      expect(one.body).to.include({ id: 'urn:test:course:happy', version: 1 })
    })

    it('POST /courses with an invalid course is a 400 problem naming the fields', async () => {
      const res = await request(app).post('/courses').set('Authorization', auth()).send({ id: 'x' })
      expectProblem(res, 400, 'ERR_VALIDATION')
    })

    it('issues elm (enveloped) and edc for a learner; both verify', async () => {
      const verifier = createVerifierDeps(ctx)
      const elm = await request(app)
        .post(`/courses/${encodeURIComponent(courseRef)}/credentials?format=elm`)
        .set('Authorization', auth())
        .send(learner)
      expect(elm.status, JSON.stringify(elm.body)).to.equal(201)
      const envelope = elm.body.verifiableCredential as Record<string, string>
      expect(envelope).to.include({ '@context': V2, type: 'EnvelopedVerifiableCredential' })
      expect(envelope.id?.startsWith('data:application/vc+jwt,ey')).to.equal(true)
      const elmResult = await verifyCredential(envelope, verifier)
      expect(elmResult.verified, JSON.stringify(elmResult)).to.equal(true)

      const edc = await request(app)
        .post(`/courses/${encodeURIComponent(courseRef)}/credentials?format=edc`)
        .set('Authorization', auth())
        .send(learner)
      expect(edc.status, JSON.stringify(edc.body)).to.equal(201)
      expect(edc.body.verifiableCredential.id).to.equal(edc.body.id)
      const edcResult = await verifyCredential(edc.body.verifiableCredential, verifier)
      expect(edcResult.verified, JSON.stringify(edcResult)).to.equal(true)

      const read = await request(app)
        .get(`/credentials/${encodeURIComponent(edc.body.id as string)}`)
        .set('Authorization', auth())
        .expect(200)
      expect(read.body.verifiableCredential).to.deep.equal(edc.body.verifiableCredential)
    })

    it('POST /courses/:id/credentials with an invalid learner is a 400 problem', async () => {
      const before = await snapshot()
      const res = await request(app)
        .post(`/courses/${encodeURIComponent(courseRef)}/credentials?format=elm`)
        .set('Authorization', auth())
        .send({ name: 'nobody' })
      expectProblem(res, 400, 'ERR_VALIDATION')
      expect(await snapshot()).to.equal(before)
    })

    it('VC API: POST /credentials/issue (Data Integrity) and /jose/credentials/issue (enveloped)', async () => {
      const verifier = createVerifierDeps(ctx)
      const di = await request(app)
        .post('/credentials/issue')
        .set('Authorization', auth())
        .send({ credential: plainCredential() })
      expect(di.status, JSON.stringify(di.body)).to.equal(201)
      expect(di.body.verifiableCredential.proof.type).to.equal('DataIntegrityProof')
      const jose = await request(app)
        .post('/jose/credentials/issue')
        .set('Authorization', auth())
        .send({ credential: plainCredential() })
      expect(jose.status, JSON.stringify(jose.body)).to.equal(201)
      expect(jose.body.verifiableCredential.type).to.equal('EnvelopedVerifiableCredential')
      for (const vc of [di.body.verifiableCredential, jose.body.verifiableCredential]) {
        const result = await verifyCredential(vc, verifier)
        expect(result.checks.find((c) => c.id === 'proof')?.status, JSON.stringify(result)).to.equal('pass')
      }
    })

    it('revokes through POST /credentials/status; verification then answers 422 STATUS_REVOKED', async () => {
      const stored = await ctx.storage.credentials.get(credentialId)
      const credential = JSON.parse(stored?.credential as string) as Record<string, unknown>
      const res = await request(app)
        .post('/credentials/status')
        .set('Authorization', auth())
        .send({
          credentialId,
          credentialStatus: [
            { type: 'BitstringStatusListEntry', status: 'revoke', reason: 'Awarded in error' },
          ],
        })
      expect(res.status, JSON.stringify(res.body)).to.equal(200)
      expect(res.body.changed[0]).to.include({ credentialId, action: 'revoke', outcome: 'changed' })
      const events = await ctx.storage.statusLists.listEvents({
        tenantId: stored?.tenantId as string,
        credentialId,
      })
      expect(events.map((e) => e.actor)).to.deep.equal([`token:${tokens.all?.split('_')[1]}`])
      const verify = await request(app).post('/credentials/verify').send({ verifiableCredential: credential })
      expect(verify.status).to.equal(422)
      const status = (verify.body.checks as Array<{ id: string; code: string }>).find(
        (c) => c.id === 'status',
      )
      expect(status?.code).to.equal('STATUS_REVOKED')
    })

    it('POST /credentials/status with a bad body is a 400 problem', async () => {
      const res = await request(app)
        .post('/credentials/status')
        .set('Authorization', auth())
        .send({ credentialId, credentialStatus: [{ type: 'Other', status: 'revoke' }] })
      expectProblem(res, 400, 'ERR_VALIDATION')
    })
  })

  describe('learner erasure (after the happy paths: it erases the example learner)', () => {
    const auth = () => `Bearer ${tokens.all}`

    it('POST /learners/erase: 400 for a bad body, 0 for an unknown learner', async () => {
      expectProblem(
        await request(app).post('/learners/erase').set('Authorization', auth()).send({ learner: 'x' }),
        400,
        'ERR_VALIDATION',
      )
      const res = await request(app)
        .post('/learners/erase')
        .set('Authorization', auth())
        .send({ learnerRef: 'Student ID:nobody' })
      expect(res.status, JSON.stringify(res.body)).to.equal(200)
      expect(res.body).to.deep.equal({ erased: 0 })
    })

    it("another tenant's token erases nothing of this tenant", async () => {
      const res = await request(app)
        .post('/learners/erase')
        .set('Authorization', `Bearer ${tokens.other}`)
        .send({ learnerRef: 'Student ID:2025-04711' })
      expect(res.body).to.deep.equal({ erased: 0 })
      await request(app)
        .get(`/credentials/${encodeURIComponent(credentialId)}`)
        .set('Authorization', auth())
        .expect(200)
    })

    it('erases the example learner; GET /credentials/:id is then 410 Gone, status changes still work', async () => {
      const res = await request(app)
        .post('/learners/erase')
        .set('Authorization', auth())
        .send({ learnerRef: 'Student ID:2025-04711' })
      expect(res.status, JSON.stringify(res.body)).to.equal(200)
      expect(res.body.erased).to.be.at.least(1)
      expectProblem(
        await request(app)
          .get(`/credentials/${encodeURIComponent(credentialId)}`)
          .set('Authorization', auth()),
        410,
        'ERR_GONE',
      )
      const status = await request(app)
        .post('/credentials/status')
        .set('Authorization', auth())
        .send({
          credentialId,
          credentialStatus: [{ type: 'BitstringStatusListEntry', status: 'revoke', reason: 'test' }],
        })
      // Revoked by the happy paths already: the erased record still resolves to its slot.
      expect(status.status, JSON.stringify(status.body)).to.equal(200)
      expect(status.body.changed[0]).to.include({ credentialId, outcome: 'unchanged' })
    })
  })

  describe('CLI', () => {
    it('tokens create prints only the token; tokens list hides secrets; tokens revoke makes it 401', async () => {
      const created = await cli(home, [
        'tokens',
        'create',
        '--scopes',
        'courses:read,credentials:read',
        '--name',
        'ci',
      ])
      expect(created.code, created.err).to.equal(0)
      const token = created.out.trim()
      expect(created.out).to.equal(`${token}\n`)
      expect(token).to.match(/^mc_[0-9a-f]{32}_[A-Za-z0-9_-]{43}$/)
      const id = token.split('_')[1] as string
      expect(created.err).to.include(id).and.include('courses:read,credentials:read').and.include('default')
      await request(app).get('/courses').set('Authorization', `Bearer ${token}`).expect(200)

      const list = await cli(home, ['tokens', 'list'])
      expect(list.code, list.err).to.equal(0)
      expect(list.out).not.to.include(token.slice(36))
      expect(list.out).not.to.match(/[0-9a-f]{64}/)
      expect(list.json().map((t: { id: string }) => t.id)).to.include(id)

      const revoked = await cli(home, ['tokens', 'revoke', id])
      expect(revoked.code, revoked.err).to.equal(0)
      const res = await request(app).get('/courses').set('Authorization', `Bearer ${token}`)
      expectProblem(res, 401, 'ERR_AUTH_MISSING')
    })

    it('tokens create refuses an unknown scope, naming it', async () => {
      const run = await cli(home, ['tokens', 'create', '--scopes', 'courses:read,telepathy'])
      expect(run.code).to.equal(1)
      expect(run.out).to.equal('')
      expect(run.err).to.include('telepathy')
    })
  })
})
