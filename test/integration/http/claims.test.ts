import { expect } from 'chai'
import { randomBytes, randomUUID } from 'node:crypto'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { fileURLToPath } from 'node:url'
import { pino } from 'pino'
import request from 'supertest'
import type { Response } from 'supertest'
import { createClaimLinks } from '../../../src/claims/claim-links.js'
import { fixedClock } from '../../../src/clock.js'
import { loadConfig } from '../../../src/config/load-config.js'
import { createContext, type AppContext, type ContextOverrides } from '../../../src/context.js'
import { createApp } from '../../../src/http/app.js'
import { createApiToken, type Scope } from '../../../src/tokens/api-tokens.js'
import { verifyCredential } from '../../../src/verifier/index.js'
import { createVerifierDeps } from '../../../src/verifier/verifier-deps.js'
import { cli, CLI_TEST_NOW } from '../../support/cli.js'
import { isErased } from '../../../src/storage/storage.js'

const EXAMPLES = fileURLToPath(new URL('../../../examples/', import.meta.url))
const BASE = 'http://localhost:7790'

function expectProblem(res: Response, status: number, code: string): void {
  expect(res.status, JSON.stringify(res.body)).to.equal(status)
  expect(res.headers['content-type']).to.match(/^application\/problem\+json/)
  expect(res.body).to.include({ status, code })
}

/** The path part of a claim URL of this instance. */
function pathOf(claimUrl: string): string {
  expect(claimUrl.startsWith(`${BASE}/claims/`), claimUrl).to.equal(true)
  return claimUrl.slice(BASE.length)
}

/** A 404 problem without its per-request `instance`: what must be the same for every refused link. */
function refusal(res: Response) {
  const { instance: _instance, ...rest } = res.body as Record<string, unknown>
  return { status: res.status, body: rest, cache: res.headers['cache-control'] }
}

describe('HTTP service: learners’ claim links', function () {
  this.timeout(120_000)
  let home: string
  let ctx: AppContext
  let app: ReturnType<typeof createApp>
  let learner: Record<string, unknown>
  let courseRef: string
  const tokens: Record<string, string> = {}
  const logLines: string[] = []

  const ALL_SCOPES: Scope[] = [
    'credentials:issue',
    'credentials:status',
    'credentials:read',
    'courses:write',
    'courses:read',
  ]

  const auth = (name = 'all') => `Bearer ${tokens[name]}`

  async function openContext(env: Record<string, string> = {}, overrides: ContextOverrides = {}) {
    return createContext(
      loadConfig({ env: { MICROCRED_HOME: home, MICROCRED_LOG_LEVEL: 'silent', ...env }, cwd: home }),
      {
        clock: fixedClock(CLI_TEST_NOW),
        ...overrides,
      },
    )
  }

  function appOf(context: AppContext) {
    return createApp({
      ctx: context,
      verifier: createVerifierDeps(context),
      logger: pino({ level: 'silent' }),
    })
  }

  async function issue(format: 'elm' | 'edc', body: unknown = learner) {
    const res = await request(app)
      .post(`/courses/${encodeURIComponent(courseRef)}/credentials?format=${format}`)
      .set('Authorization', auth())
      .send(body as object)
    expect(res.status, JSON.stringify(res.body)).to.equal(201)
    return res.body as { id: string; verifiableCredential: Record<string, unknown>; claimUrl: string }
  }

  const renew = (id: string, name = 'all') =>
    request(app)
      .post(`/credentials/${encodeURIComponent(id)}/claim-link`)
      .set('Authorization', auth(name))
  const revoke = (id: string, name = 'all') =>
    request(app)
      .delete(`/credentials/${encodeURIComponent(id)}/claim-link`)
      .set('Authorization', auth(name))

  before(async () => {
    home = await mkdtemp(join(tmpdir(), 'mc-claims-'))
    await writeFile(join(home, 'microcred.json'), JSON.stringify({ publicBaseUrl: BASE }))
    expect((await cli(home, ['init'])).code).to.equal(0)
    const other = await cli(home, ['tenants', 'add', 'other', '--name', 'Other'])
    expect(other.code, other.err).to.equal(0)
    const course = JSON.parse(await readFile(join(EXAMPLES, 'course.json'), 'utf8')) as Record<
      string,
      unknown
    >
    learner = JSON.parse(await readFile(join(EXAMPLES, 'learner.json'), 'utf8')) as Record<string, unknown>
    courseRef = course.id as string
    const added = await cli(home, ['course', 'add', join(EXAMPLES, 'course.json')])
    expect(added.code, added.err).to.equal(0)
    ctx = await openContext()
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        logLines.push(chunk.toString('utf8'))
        done()
      },
    })
    app = createApp({ ctx, verifier: createVerifierDeps(ctx), logger: pino({ level: 'info' }, sink) })
    tokens.all = (await createApiToken(ctx, { tenantSlug: 'default', scopes: ALL_SCOPES })).token
    tokens.other = (await createApiToken(ctx, { tenantSlug: 'other', scopes: ALL_SCOPES })).token
    tokens.readOnly = (
      await createApiToken(ctx, { tenantSlug: 'default', scopes: ['credentials:read'] })
    ).token
  })

  after(async () => {
    await ctx?.close()
    await rm(home, { recursive: true, force: true })
  })

  describe('GET /claims/{token}', () => {
    it('issuing answers a claimUrl; the learner gets the credential there, uncached and without referrer', async () => {
      for (const format of ['elm', 'edc'] as const) {
        const issued = await issue(format)
        const res = await request(app).get(pathOf(issued.claimUrl))
        expect(res.status, JSON.stringify(res.body)).to.equal(200)
        expect(res.headers['cache-control']).to.equal('no-store')
        expect(res.headers['referrer-policy']).to.equal('no-referrer')
        expect(res.body).to.deep.equal({
          id: issued.id,
          format,
          issuedAt: new Date(CLI_TEST_NOW).toISOString(),
          verifiableCredential: issued.verifiableCredential,
        })
        if (format === 'elm') {
          expect(res.body.verifiableCredential.type).to.equal('EnvelopedVerifiableCredential')
        }
        const read = await request(app)
          .get(`/credentials/${encodeURIComponent(issued.id)}`)
          .set('Authorization', auth())
          .expect(200)
        expect(res.body).to.deep.equal(read.body)
        const result = await verifyCredential(res.body.verifiableCredential, createVerifierDeps(ctx))
        expect(result.verified, JSON.stringify(result)).to.equal(true)
      }
    })

    it('renewing makes a new link and retires the old one; revoking retires the current one', async () => {
      const issued = await issue('elm')
      const first = pathOf(issued.claimUrl)
      expect(first).to.match(/^\/claims\/[0-9a-f-]{36}\.1\.[A-Za-z0-9_-]{43}$/)

      const renewed = await renew(issued.id)
      expect(renewed.status, JSON.stringify(renewed.body)).to.equal(201)
      expect(Object.keys(renewed.body)).to.deep.equal(['claimUrl'])
      const second = pathOf(renewed.body.claimUrl as string)
      expect(second).to.match(/\.2\./)
      expectProblem(await request(app).get(first), 404, 'ERR_NOT_FOUND')
      await request(app).get(second).expect(200)

      const revoked = await revoke(issued.id)
      expect(revoked.status, JSON.stringify(revoked.body)).to.equal(204)
      expect(revoked.text).to.equal('')
      expectProblem(await request(app).get(second), 404, 'ERR_NOT_FOUND')
      expect((await revoke(issued.id)).status).to.equal(204)

      // Renewing a revoked link makes a working one again; the revoked one stays dead.
      const third = pathOf((await renew(issued.id).expect(201)).body.claimUrl as string)
      expect(third).to.match(/\.3\./)
      await request(app).get(third).expect(200)
      expectProblem(await request(app).get(second), 404, 'ERR_NOT_FOUND')
    })

    it('answers one identical 404 for every link that does not work, whatever the reason', async () => {
      const issued = await issue('elm')
      const current = pathOf(issued.claimUrl)
      const token = current.slice('/claims/'.length)
      const [uuid, , mac] = token.split('.') as [string, string, string]
      const flipped = `${mac.slice(0, 10)}${mac[10] === 'A' ? 'B' : 'A'}${mac.slice(11)}`
      const otherSecret = createClaimLinks({ secret: randomBytes(32), publicBaseUrl: BASE })
      const sameSecret = createClaimLinks({
        secret: Buffer.from(
          (JSON.parse(await readFile(join(home, 'secrets.json'), 'utf8')) as { claimLinkSecret: string })
            .claimLinkSecret,
          'base64url',
        ),
        publicBaseUrl: BASE,
      })
      expect(sameSecret.urlFor(issued.id, 1)).to.equal(issued.claimUrl)
      const refused = {
        garbage: '/claims/nothing-here',
        'tampered mac': `/claims/${uuid}.1.${flipped}`,
        'next generation': `/claims/${uuid}.2.${mac}`,
        'another secret': pathOf(otherSecret.urlFor(issued.id, 1)),
        // A genuine link for a credential this instance does not hold (another instance sharing the secret).
        'unknown credential': pathOf(sameSecret.urlFor(`urn:uuid:${randomUUID()}`, 1)),
      }
      const answers = []
      for (const [label, path] of Object.entries(refused)) {
        const res = await request(app).get(path)
        expectProblem(res, 404, 'ERR_NOT_FOUND')
        expect(res.headers['cache-control'], label).to.equal('no-store')
        expect(res.headers['referrer-policy'], label).to.equal('no-referrer')
        answers.push(refusal(res))
      }
      await renew(issued.id).expect(201)
      answers.push(refusal(await request(app).get(current)))
      await revoke(issued.id).expect(204)
      await renew(issued.id).expect(201)
      await revoke(issued.id).expect(204)
      answers.push(refusal(await request(app).get(pathOf(sameSecret.urlFor(issued.id, 3)))))
      for (const answer of answers) expect(answer).to.deep.equal(answers[0])
    })

    it('answers 410 once the learner was erased; the link cannot be renewed then', async () => {
      const erasable = { ...learner, identifiers: [{ schemeName: 'Student ID', notation: 'claims-erase-1' }] }
      const issued = await issue('edc', erasable)
      await request(app).get(pathOf(issued.claimUrl)).expect(200)
      const erased = await request(app)
        .post('/learners/erase')
        .set('Authorization', auth())
        .send({ learnerRef: 'Student ID:claims-erase-1' })
      expect(erased.body).to.deep.equal({ erased: 1 })
      const gone = await request(app).get(pathOf(issued.claimUrl))
      expectProblem(gone, 410, 'ERR_GONE')
      expect(gone.headers['cache-control']).to.equal('no-store')
      expectProblem(await renew(issued.id), 410, 'ERR_GONE')
      expect((await revoke(issued.id)).status).to.equal(204)
      expectProblem(await request(app).get(pathOf(issued.claimUrl)), 404, 'ERR_NOT_FOUND')
    })

    it('never logs the token: the request log shows /claims/:token', async () => {
      const issued = await issue('elm')
      const token = pathOf(issued.claimUrl).slice('/claims/'.length)
      logLines.length = 0
      await request(app).get(`/claims/${token}`).expect(200)
      await request(app).get(`/claims/${token}x`).expect(404)
      await request(app).get(`/CLAIMS/${token}`).expect(200)
      await request(app).get(`/claims/${token}/more`).expect(404)
      expect(logLines).to.have.length(4)
      for (const line of logLines) {
        expect(line).to.not.include(token.split('.')[2] as string)
        expect(line).to.not.include(token.split('.')[0] as string)
        expect(JSON.parse(line).path).to.match(/^\/claims\/:token$/i)
      }
    })
  })

  describe('instances sharing the secret', () => {
    it('MICROCRED_CLAIM_LINK_SECRET replaces the secrets file: same secret, same links', async () => {
      const issued = await issue('elm')
      const stored = JSON.parse(await readFile(join(home, 'secrets.json'), 'utf8')) as {
        claimLinkSecret: string
      }
      const shared = await openContext({ MICROCRED_CLAIM_LINK_SECRET: stored.claimLinkSecret })
      const different = await openContext({
        MICROCRED_CLAIM_LINK_SECRET: randomBytes(32).toString('base64url'),
      })
      try {
        await request(appOf(shared)).get(pathOf(issued.claimUrl)).expect(200)
        expectProblem(await request(appOf(different)).get(pathOf(issued.claimUrl)), 404, 'ERR_NOT_FOUND')
      } finally {
        await shared.close()
        await different.close()
      }
    })

    it('without a secret, issuing is refused (503 ERR_NOT_INITIALIZED) before anything is recorded', async () => {
      const bare = await openContext({}, { claimLinks: createClaimLinks({ publicBaseUrl: BASE }) })
      try {
        const tenant = await bare.storage.tenants.getBySlug('default')
        const before = await bare.storage.credentials.list({ tenantId: tenant!.id, limit: 1000 })
        const res = await request(appOf(bare))
          .post(`/courses/${encodeURIComponent(courseRef)}/credentials?format=elm`)
          .set('Authorization', auth())
          .send(learner)
        expectProblem(res, 503, 'ERR_NOT_INITIALIZED')
        const after = await bare.storage.credentials.list({ tenantId: tenant!.id, limit: 1000 })
        expect(after).to.deep.equal(before)
        // Any credential whose claim link can still be renewed: not one an earlier test erased.
        const renewable = before.find((record) => !isErased(record))!
        const id = renewable.id
        expectProblem(
          await request(appOf(bare))
            .post(`/credentials/${encodeURIComponent(id)}/claim-link`)
            .set('Authorization', auth()),
          503,
          'ERR_NOT_INITIALIZED',
        )
        // The renewal rolled back: the stored generation is unchanged.
        expect((await bare.storage.credentials.get(id))?.claimGeneration).to.equal(renewable.claimGeneration)
      } finally {
        await bare.close()
      }
    })
  })

  describe('auth: POST and DELETE /credentials/{id}/claim-link', () => {
    let id: string
    before(async () => {
      id = (await issue('elm')).id
    })

    const state = async () => {
      const record = await ctx.storage.credentials.get(id)
      return { generation: record?.claimGeneration, revokedAt: record?.claimRevokedAt }
    }

    for (const [name, send, scope] of [
      ['POST', renew, 'credentials:issue'],
      ['DELETE', revoke, 'credentials:status'],
    ] as const) {
      it(`${name}: 401 without a token, 403 without ${scope}, 404 for another tenant; nothing changes`, async () => {
        const before = await state()
        const method = name === 'POST' ? 'post' : 'delete'
        const none = await request(app)[method](`/credentials/${encodeURIComponent(id)}/claim-link`)
        expectProblem(none, 401, 'ERR_AUTH_MISSING')
        expect(none.headers['www-authenticate']).to.match(/^Bearer/)
        expectProblem(await send(id, 'readOnly'), 403, 'ERR_AUTH_FORBIDDEN')
        expectProblem(await send(id, 'other'), 404, 'ERR_NOT_FOUND')
        expectProblem(await send(`urn:uuid:${randomUUID()}`), 404, 'ERR_NOT_FOUND')
        expect(await state()).to.deep.equal(before)
      })
    }

    it("another tenant's 404 is the same as a missing credential's", async () => {
      const foreign = refusal(await renew(id, 'other'))
      const missing = refusal(await renew('urn:uuid:00000000-0000-4000-8000-000000000000'))
      expect({ ...foreign, body: { ...foreign.body, detail: '' } }).to.deep.equal({
        ...missing,
        body: { ...missing.body, detail: '' },
      })
    })
  })

  describe('CLI', () => {
    it('issue prints the claim URL on stderr, and only the credential on stdout', async () => {
      const run = await cli(home, [
        'issue',
        '--course',
        courseRef,
        '--learner',
        join(EXAMPLES, 'learner.json'),
        '--format',
        'elm',
      ])
      expect(run.code, run.err).to.equal(0)
      expect(run.out).to.match(/^ey[A-Za-z0-9_.-]+\n$/)
      const id = /Issued (urn:uuid:[0-9a-f-]+)/.exec(run.err)?.[1] as string
      const url = /Claim link for the learner: (\S+)\n/.exec(run.err)?.[1] as string
      expect(url.startsWith(`${BASE}/claims/${id.slice('urn:uuid:'.length)}.1.`), url).to.equal(true)
      const res = await request(app).get(pathOf(url)).expect(200)
      expect(res.body.verifiableCredential.id).to.equal(`data:application/vc+jwt,${run.out.trim()}`)
    })

    it('claims link prints only the new URL; claims revoke makes it 404', async () => {
      const issued = await issue('elm')
      const link = await cli(home, ['claims', 'link', issued.id])
      expect(link.code, link.err).to.equal(0)
      const url = link.out.trim()
      expect(link.out).to.equal(`${url}\n`)
      expect(url).to.match(/\.2\.[A-Za-z0-9_-]{43}$/)
      expect(link.err).to.include('earlier links no longer work')
      expectProblem(await request(app).get(pathOf(issued.claimUrl)), 404, 'ERR_NOT_FOUND')
      await request(app).get(pathOf(url)).expect(200)

      const revoked = await cli(home, ['claims', 'revoke', issued.id])
      expect(revoked.code, revoked.err).to.equal(0)
      expect(revoked.out).to.equal('')
      expectProblem(await request(app).get(pathOf(url)), 404, 'ERR_NOT_FOUND')
    })

    it('refuses an unknown credential, or one of another tenant, and changes nothing', async () => {
      const issued = await issue('elm')
      for (const args of [
        ['claims', 'link', `urn:uuid:${randomUUID()}`],
        ['claims', 'revoke', `urn:uuid:${randomUUID()}`],
        ['claims', 'link', issued.id, '--tenant', 'other'],
        ['claims', 'revoke', issued.id, '--tenant', 'other'],
      ]) {
        const run = await cli(home, args)
        expect(run.code, args.join(' ')).to.equal(1)
        expect(run.out).to.equal('')
        expect(run.err).to.match(/ERR_NOT_FOUND/)
      }
      await request(app).get(pathOf(issued.claimUrl)).expect(200)
      expect((await cli(home, ['claims', 'link'])).code).to.equal(2)
    })
  })
})
