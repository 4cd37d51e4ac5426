/**
 * Two service instances on one PostgreSQL database and one key folder, as behind a load balancer: both
 * migrate at start, issue concurrently, and each verifies and sees revocations of what the other issued.
 */
import { expect } from 'chai'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { pino } from 'pino'
import request from 'supertest'
import { fixedClock } from '../../../src/clock.js'
import { loadConfig } from '../../../src/config/load-config.js'
import { createContext, type AppContext } from '../../../src/context.js'
import { createApp } from '../../../src/http/app.js'
import { createLogger } from '../../../src/lib/logger.js'
import { createApiToken } from '../../../src/tokens/api-tokens.js'
import { createVerifierDeps } from '../../../src/verifier/verifier-deps.js'
import { cli, CLI_TEST_NOW } from '../../support/cli.js'
import { createTestSchemaUrl, skipOrFailWithoutPostgres } from '../storage/dialects.js'

const EXAMPLES = fileURLToPath(new URL('../../../examples/', import.meta.url))
const CREDENTIALS = 60

interface Instance {
  ctx: AppContext
  server: Server
  url: string
}

async function listen(ctx: AppContext): Promise<Instance> {
  const app = createApp({ ctx, verifier: createVerifierDeps(ctx), logger: pino({ level: 'silent' }) })
  const server = createServer(app)
  await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready))
  return { ctx, server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }
}

describe('HTTP service: two instances on one PostgreSQL database', function () {
  this.timeout(300_000)
  let home: string | undefined
  let database: { url: string; dispose(): Promise<void> } | undefined
  const instances: Instance[] = []
  let token: string
  let courseRef: string
  let learner: Record<string, unknown>
  const issued: Array<{ id: string; format: 'elm' | 'edc'; by: number; vc: Record<string, unknown> }> = []

  before(async function () {
    try {
      database = await createTestSchemaUrl()
    } catch (err) {
      skipOrFailWithoutPostgres(this, err)
    }
    home = await mkdtemp(join(tmpdir(), 'mc-two-'))
    await writeFile(
      join(home, 'microcred.json'),
      JSON.stringify({ databaseUrl: database.url, publicBaseUrl: 'https://issuer.example' }),
    )
    learner = JSON.parse(await readFile(join(EXAMPLES, 'learner.json'), 'utf8')) as Record<string, unknown>
  })

  after(async () => {
    for (const instance of instances) {
      await new Promise<void>((closed) => instance.server.close(() => closed()))
      await instance.ctx.close()
    }
    await database?.dispose()
    if (home) await rm(home, { recursive: true, force: true })
  })

  it('instances starting together migrate the schema exactly once', async () => {
    const config = loadConfig({ env: { MICROCRED_HOME: home as string }, cwd: home as string })
    const starting = await Promise.all(
      [1, 2, 3, 4].map(() => createContext(config, { logger: createLogger('silent') })),
    )
    try {
      const reports = await Promise.all(starting.map((ctx) => ctx.storage.migrate()))
      const applied = reports.map((r) => r.applied.length)
      expect(
        applied.filter((n) => n > 0),
        JSON.stringify(applied),
      ).to.have.length(1)
      expect(applied.filter((n) => n === 0)).to.have.length(3)
    } finally {
      await Promise.all(starting.map((ctx) => ctx.close()))
    }
  })

  it('setup: init once, two instances from the same configuration (shared key folder), a course, a token', async () => {
    const init = await cli(home as string, ['init'])
    expect(init.code, init.err).to.equal(0)
    const config = loadConfig({ env: { MICROCRED_HOME: home as string }, cwd: home as string })
    for (let i = 0; i < 2; i++) {
      const ctx = await createContext(config, {
        clock: fixedClock(CLI_TEST_NOW),
        logger: createLogger('silent'),
      })
      instances.push(await listen(ctx))
    }
    const [a] = instances as [Instance]
    token = (
      await createApiToken(a.ctx, {
        tenantSlug: 'default',
        scopes: ['courses:write', 'credentials:issue', 'credentials:status'],
      })
    ).token
    const course = JSON.parse(await readFile(join(EXAMPLES, 'course.json'), 'utf8')) as Record<
      string,
      unknown
    >
    courseRef = course.id as string
    await request(a.url).post('/courses').set('Authorization', `Bearer ${token}`).send(course).expect(201)
  })

  it(`issues ${CREDENTIALS} credentials concurrently through both instances, elm and edc mixed`, async () => {
    const path = (format: string) => `/courses/${encodeURIComponent(courseRef)}/credentials?format=${format}`
    const results = await Promise.all(
      Array.from({ length: CREDENTIALS }, async (_, i) => {
        const by = i % 2
        const format = Math.floor(i / 2) % 2 === 0 ? 'elm' : 'edc'
        const res = await request((instances[by] as Instance).url)
          .post(path(format))
          .set('Authorization', `Bearer ${token}`)
          .send(learner)
        return { res, by, format: format as 'elm' | 'edc' }
      }),
    )
    for (const { res, by, format } of results) {
      expect(res.status, JSON.stringify(res.body)).to.equal(201)
      issued.push({ id: res.body.id as string, format, by, vc: res.body.verifiableCredential })
    }
    expect(new Set(issued.map((c) => c.id)).size).to.equal(CREDENTIALS)
    expect(issued.filter((c) => c.format === 'edc')).to.have.length(CREDENTIALS / 2)

    const storage = (instances[0] as Instance).ctx.storage
    const slots = new Set<string>()
    for (const credential of issued) {
      const entries = await storage.statusLists.getSlotsByCredential(credential.id)
      expect(entries.map((e) => e.slot.purpose).sort()).to.deep.equal(['revocation', 'suspension'])
      for (const { slot } of entries) slots.add(`${slot.listId}:${slot.index}`)
    }
    expect(slots.size).to.equal(CREDENTIALS * 2)
  })

  it('every credential verifies on the instance that did not issue it', async () => {
    expect(issued).to.have.length(CREDENTIALS)
    const results = await Promise.all(
      issued.map(async (credential) => {
        const other = instances[1 - credential.by] as Instance
        const res = await request(other.url)
          .post('/credentials/verify')
          .send({ verifiableCredential: credential.vc })
        return { credential, res }
      }),
    )
    for (const { credential, res } of results) {
      expect(
        res.status,
        `${credential.format} ${credential.id}: ${JSON.stringify(res.body.errors)}`,
      ).to.equal(200)
      expect(res.body.verified).to.equal(true)
    }
  })

  it('a revocation through instance A is seen by a verify on instance B', async () => {
    const [a, b] = instances as [Instance, Instance]
    for (const format of ['elm', 'edc'] as const) {
      const credential = issued.find((c) => c.format === format) as (typeof issued)[number]
      // Verified once on B before the change, so B has had every chance to keep an old list around.
      await request(b.url)
        .post('/credentials/verify')
        .send({ verifiableCredential: credential.vc })
        .expect(200)
      const revoked = await request(a.url)
        .post('/credentials/status')
        .set('Authorization', `Bearer ${token}`)
        .send({
          credentialId: credential.id,
          credentialStatus: [
            { type: 'BitstringStatusListEntry', status: 'revoke', reason: 'Awarded in error' },
          ],
        })
      expect(revoked.status, JSON.stringify(revoked.body)).to.equal(200)
      const res = await request(b.url)
        .post('/credentials/verify')
        .send({ verifiableCredential: credential.vc })
      expect(res.status).to.equal(422)
      const status = (res.body.checks as Array<{ id: string; code: string }>).find((c) => c.id === 'status')
      expect(status?.code, format).to.equal('STATUS_REVOKED')
    }
  })
})
