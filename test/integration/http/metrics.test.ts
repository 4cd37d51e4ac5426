import { expect } from 'chai'
import { fileURLToPath } from 'node:url'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import request from 'supertest'
import type { AppContext } from '../../../src/context.js'
import { createMetrics } from '../../../src/http/metrics.js'
import { expectProblem, serviceHome, withConfig, type ServiceHome } from '../../support/service-home.js'

const EXAMPLES = fileURLToPath(new URL('../../../examples/', import.meta.url))
const V2 = 'https://www.w3.org/ns/credentials/v2'

function plainCredential(): Record<string, unknown> {
  return {
    '@context': [V2, 'https://www.w3.org/ns/credentials/examples/v2'],
    type: ['VerifiableCredential', 'ExampleAlumniCredential'],
    credentialSubject: { id: 'did:example:ebfeb1f712ebc6f1c276e12ec21', alumniOf: 'Example University' },
  }
}

/** The value of one sample of the Prometheus text, or undefined when absent. */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`)
  for (const line of text.split('\n')) {
    const match = /^([a-z_:]+)\{([^}]*)\} (\S+)$/.exec(line)
    if (!match || match[1] !== name) continue
    const present = (match[2] as string).split(',')
    if (wanted.every((label) => present.includes(label))) return Number(match[3])
  }
  return undefined
}

describe('HTTP service: Prometheus metrics and readiness', function () {
  this.timeout(60_000)
  let service: ServiceHome
  let auth: string

  before(async () => {
    service = await serviceHome('mc-metrics-', { rateLimit: { enabled: false } })
    auth = `Bearer ${await service.token(['credentials:issue', 'courses:write', 'courses:read'])}`
  })
  after(() => service?.close())

  describe('GET /metrics', () => {
    it('counts issued credentials, verifications and latency by route pattern', async () => {
      const app = service.app()
      const course = JSON.parse(await readFile(join(EXAMPLES, 'course.json'), 'utf8')) as { id: string }
      const learner = JSON.parse(await readFile(join(EXAMPLES, 'learner.json'), 'utf8')) as object
      await request(app).post('/courses').set('Authorization', auth).send(course).expect(201)
      const courseUrl = `/courses/${encodeURIComponent(course.id)}`
      await request(app).get(courseUrl).set('Authorization', auth).expect(200)
      await request(app)
        .post(`${courseUrl}/credentials?format=edc`)
        .set('Authorization', auth)
        .send(learner)
        .expect(201)
      const di = await request(app)
        .post('/credentials/issue')
        .set('Authorization', auth)
        .send({ credential: plainCredential() })
        .expect(201)
      await request(app)
        .post('/jose/credentials/issue')
        .set('Authorization', auth)
        .send({ credential: plainCredential() })
        .expect(201)
      await request(app)
        .post('/credentials/verify')
        .send({ verifiableCredential: di.body.verifiableCredential })
        .expect(200)
      const tampered = { ...di.body.verifiableCredential, validFrom: '2020-01-01T00:00:00Z' }
      await request(app).post('/credentials/verify').send({ verifiableCredential: tampered }).expect(422)
      await request(app).post('/credentials/verify').send({ verifiableCredential: 'nonsense' }).expect(422)
      await request(app).post('/presentations/verify').send({ verifiablePresentation: 'x' }).expect(422)
      await request(app).get('/nowhere/at/all').expect(404)

      const res = await request(app).get('/metrics').expect(200)
      expect(res.headers['content-type']).to.match(/^text\/plain; version=0\.0\.4/)
      const text = res.text
      const issued = (format: string) =>
        sample(text, 'microcred_credentials_issued_total', { format, tenant: 'default' })
      expect([issued('edc'), issued('vc-di'), issued('vc-jose'), issued('elm')]).to.deep.equal([
        1,
        1,
        1,
        undefined,
      ])
      const verified = (kind: string, outcome: string) =>
        sample(text, 'microcred_verifications_total', { kind, outcome })
      expect(verified('credential', 'verified')).to.equal(1)
      expect(verified('credential', 'not-verified')).to.equal(1)
      expect(verified('credential', 'unreadable')).to.equal(1)
      expect(verified('presentation', 'unreadable')).to.equal(1)
      const count = (method: string, route: string, status: string) =>
        sample(text, 'microcred_http_request_duration_seconds_count', { method, route, status })
      expect(count('GET', '/courses/:id', '200')).to.equal(1)
      expect(count('POST', '/courses/:id/credentials', '201')).to.equal(1)
      expect(count('POST', '/credentials/verify', '422')).to.equal(2)
      expect(count('GET', 'unmatched', '404')).to.equal(1)
      // Never the raw path: it may carry identifiers or capability tokens.
      expect(text).not.to.include(encodeURIComponent(course.id))
      expect(text).not.to.include('nowhere')
      expect(text).to.match(/^process_cpu_user_seconds_total /m)
      expect(text).to.match(/^nodejs_heap_size_total_bytes /m)
    })

    it('each app counts on its own registry; an injected one is used as is', async () => {
      const metrics = createMetrics()
      const first = service.app({ metrics })
      const second = service.app()
      await request(first).post('/credentials/verify').send({ verifiableCredential: 'x' }).expect(422)
      const a = (await request(first).get('/metrics')).text
      const b = (await request(second).get('/metrics')).text
      expect(sample(a, 'microcred_verifications_total', { outcome: 'unreadable' })).to.equal(1)
      expect(sample(b, 'microcred_verifications_total', { outcome: 'unreadable' })).to.equal(undefined)
      metrics.issued.inc({ format: 'vc-di', tenant: 'zed' }, 5)
      const again = (await request(first).get('/metrics')).text
      expect(sample(again, 'microcred_credentials_issued_total', { tenant: 'zed' })).to.equal(5)
    })

    it('404 problem when disabled', async () => {
      const app = service.app({
        ctx: withConfig(service.ctx, { metrics: { enabled: false, allowFrom: undefined } }),
      })
      expectProblem(await request(app).get('/metrics'), 404, 'ERR_NOT_FOUND')
    })

    it('403 problem for a client outside allowFrom; 200 inside (IPv4, IPv6, CIDR)', async () => {
      const allowing = (allowFrom: string[]) =>
        service.app({ ctx: withConfig(service.ctx, { metrics: { enabled: true, allowFrom } }) })
      const refused = await request(allowing(['10.0.0.0/8', '2001:db8::/32'])).get('/metrics')
      expectProblem(refused, 403, 'ERR_ADDRESS_NOT_ALLOWED')
      await request(allowing(['127.0.0.0/8', '::1']))
        .get('/metrics')
        .expect(200)
      await request(allowing(['127.0.0.1']))
        .get('/metrics')
        .expect(200)
    })

    it('allowFrom judges the client address trustProxy reports', async () => {
      const app = service.app({
        ctx: withConfig(service.ctx, {
          trustProxy: ['loopback'],
          metrics: { enabled: true, allowFrom: ['192.0.2.0/24'] },
        }),
      })
      await request(app).get('/metrics').set('X-Forwarded-For', '192.0.2.10').expect(200)
      expectProblem(
        await request(app).get('/metrics').set('X-Forwarded-For', '198.51.100.1'),
        403,
        'ERR_ADDRESS_NOT_ALLOWED',
      )
    })
  })

  describe('GET /readyz', () => {
    it('200 when the database answers and the default issuer has its private key', async () => {
      const res = await request(service.app()).get('/readyz').expect(200)
      expect(res.body).to.deep.equal({ status: 'ready', checks: { database: 'ok', keys: 'ok' } })
    })

    it('503 naming the keys check when the key store lacks the active key', async () => {
      const ctx: AppContext = {
        ...service.ctx,
        keyStore: { ...service.ctx.keyStore, has: async () => false },
      }
      const res = await request(service.app({ ctx })).get('/readyz')
      expectProblem(res, 503, 'ERR_NOT_INITIALIZED')
      expect(res.body.detail).to.match(/^Not ready: keys: /)
    })

    it('503 naming the keys check when there is no default tenant', async () => {
      const storage = {
        ...service.ctx.storage,
        tenants: { ...service.ctx.storage.tenants, getBySlug: async () => undefined },
      }
      const res = await request(service.app({ ctx: { ...service.ctx, storage } as AppContext })).get(
        '/readyz',
      )
      expectProblem(res, 503, 'ERR_NOT_INITIALIZED')
      expect(res.body.detail).to.include('keys').and.include('no tenant default')
    })

    it('503 naming the database check when the database does not answer', async () => {
      const storage = {
        ...service.ctx.storage,
        tenants: { ...service.ctx.storage.tenants, list: () => Promise.reject(new Error('down')) },
      }
      const res = await request(service.app({ ctx: { ...service.ctx, storage } as AppContext })).get(
        '/readyz',
      )
      expectProblem(res, 503, 'ERR_STORAGE_UNREACHABLE')
      expect(res.body.detail).to.match(/^Not ready: database: /)
    })
  })
})
