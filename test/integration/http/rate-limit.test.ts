import { expect } from 'chai'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import request from 'supertest'
import { loadConfig } from '../../../src/config/load-config.js'
import { expectProblem, serviceHome, withConfig, type ServiceHome } from '../../support/service-home.js'

describe('HTTP service: rate limits of the public routes', function () {
  this.timeout(60_000)
  let service: ServiceHome

  before(async () => {
    service = await serviceHome('mc-ratelimit-', { rateLimit: { max: 3, windowSeconds: 60 } })
  })
  after(() => service?.close())

  it('reads rateLimit and trustProxy from microcred.json, with defaults', async () => {
    expect(service.ctx.config.rateLimit).to.deep.equal({ enabled: true, windowSeconds: 60, max: 3 })
    expect(service.ctx.config.trustProxy).to.equal(false)
    await writeFile(join(service.home, 'microcred.json'), '{}')
    const defaults = loadConfig({ env: { MICROCRED_HOME: service.home }, cwd: service.home })
    expect(defaults.rateLimit).to.deep.equal({ enabled: true, windowSeconds: 60, max: 600 })
    expect(defaults.metrics).to.deep.equal({ enabled: true, allowFrom: undefined })
  })

  it('refuses invalid settings, naming them', async () => {
    for (const [config, field] of [
      [{ rateLimit: { max: 0 } }, '/rateLimit/max'],
      [{ rateLimit: { every: 1 } }, '/rateLimit/every'],
      [{ trustProxy: 'yes' }, '/trustProxy'],
      [{ trustProxy: ['10.0.0.0/33'] }, '/trustProxy/0'],
      [{ metrics: { allowFrom: ['10.1'] } }, '/metrics/allowFrom/0'],
    ] as const) {
      await writeFile(join(service.home, 'microcred.json'), JSON.stringify(config))
      expect(() => loadConfig({ env: { MICROCRED_HOME: service.home }, cwd: service.home }))
        .to.throw()
        .with.property('problems')
        .that.satisfies((problems: Array<{ field: string }>) => problems.some((p) => p.field === field))
    }
    await writeFile(
      join(service.home, 'microcred.json'),
      JSON.stringify({ trustProxy: ['loopback', '10.0.0.0/8', '::1'], metrics: { allowFrom: ['::1/128'] } }),
    )
    const config = loadConfig({ env: { MICROCRED_HOME: service.home }, cwd: service.home })
    expect(config.trustProxy).to.deep.equal(['loopback', '10.0.0.0/8', '::1'])
  })

  it('the 4th request within the window is a 429 problem with Retry-After and RateLimit headers', async () => {
    const app = service.app()
    for (let i = 0; i < 3; i++) {
      const res = await request(app).get('/status-lists/none')
      expect(res.status).to.equal(404)
      expect(res.headers.ratelimit).to.match(new RegExp(`^"public"; r=${2 - i}; t=\\d+$`))
      expect(res.headers['ratelimit-policy']).to.match(/^"public"; q=3; w=60; pk=:[^:]+:$/)
    }
    const res = await request(app).get('/status-lists/none')
    expectProblem(res, 429, 'ERR_RATE_LIMITED')
    expect(res.body.type).to.equal('https://microcred.eu/problems#RATE_LIMITED')
    expect(Number(res.headers['retry-after'])).to.be.within(1, 60)
    expect(res.headers.ratelimit).to.match(/^"public"; r=0; t=\d+$/)
  })

  it('limits verification, status lists, DID documents and claim links together, per client', async () => {
    const app = service.app()
    await request(app).post('/credentials/verify').send({ verifiableCredential: 'x' }).expect(422)
    await request(app).get('/.well-known/did.json').expect(404)
    await request(app).get('/issuers/zed/did.json').expect(404)
    expectProblem(await request(app).get('/claims/anything'), 429, 'ERR_RATE_LIMITED')
    expectProblem(await request(app).post('/presentations/verify').send({}), 429, 'ERR_RATE_LIMITED')
    expectProblem(await request(app).get('/Status-Lists/x/'), 429, 'ERR_RATE_LIMITED')
  })

  it('never limits /healthz, /readyz, /metrics or the protected routes', async () => {
    const app = service.app()
    for (let i = 0; i < 4; i++) await request(app).get('/status-lists/none')
    for (let i = 0; i < 5; i++) {
      const health = await request(app).get('/healthz').expect(200)
      expect(health.headers).not.to.have.property('ratelimit')
      await request(app).get('/readyz').expect(200)
      await request(app).get('/metrics').expect(200)
      await request(app).get('/openapi.json').expect(200)
      await request(app).get('/courses').expect(401)
    }
  })

  it('with enabled false, never 429 and no RateLimit headers', async () => {
    const app = service.app({
      ctx: withConfig(service.ctx, { rateLimit: { enabled: false, windowSeconds: 60, max: 3 } }),
    })
    for (let i = 0; i < 10; i++) {
      const res = await request(app).get('/status-lists/none')
      expect(res.status).to.equal(404)
      expect(res.headers).not.to.have.property('ratelimit')
    }
  })

  it('counts by X-Forwarded-For only when trustProxy says so', async () => {
    const behindProxy = service.app({ ctx: withConfig(service.ctx, { trustProxy: ['loopback'] }) })
    const from = (ip: string) => request(behindProxy).get('/status-lists/none').set('X-Forwarded-For', ip)
    for (let i = 0; i < 3; i++) await from('203.0.113.7').expect(404)
    expectProblem(await from('203.0.113.7'), 429, 'ERR_RATE_LIMITED')
    await from('203.0.113.8').expect(404)

    // Without trustProxy the header is the client's own claim: every request counts for the socket's address.
    const direct = service.app()
    for (let i = 0; i < 3; i++) {
      await request(direct).get('/status-lists/none').set('X-Forwarded-For', `203.0.113.${i}`).expect(404)
    }
    const res = await request(direct).get('/status-lists/none').set('X-Forwarded-For', '203.0.113.99')
    expectProblem(res, 429, 'ERR_RATE_LIMITED')
  })
})
