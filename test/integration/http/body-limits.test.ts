import { expect } from 'chai'
import request from 'supertest'
import { expectProblem, serviceHome, type ServiceHome } from '../../support/service-home.js'

/** `{"a":` … `}` nested `depth` objects deep, around `inner`. */
function nested(depth: number, inner = '1'): string {
  return '{"a":'.repeat(depth - 1) + `{"a":${inner}}` + '}'.repeat(depth - 1)
}

describe('HTTP service: JSON body depth and size limits', function () {
  this.timeout(60_000)
  let service: ServiceHome
  let app: ReturnType<ServiceHome['app']>
  let auth: string

  before(async () => {
    service = await serviceHome('mc-limits-', { rateLimit: { enabled: false } })
    app = service.app()
    auth = `Bearer ${await service.token(['courses:write', 'credentials:issue', 'credentials:status'])}`
  })
  after(() => service?.close())

  const expectTooDeep = (res: request.Response) => {
    expectProblem(res, 400, 'ERR_VALIDATION')
    expect(res.body.problems).to.deep.equal([
      { field: '', rule: 'maxDepth', message: 'The request body is nested deeper than 64 levels' },
    ])
  }

  const post = (path: string, body: string, withToken = true) => {
    const req = request(app).post(path).set('Content-Type', 'application/json')
    return (withToken ? req.set('Authorization', auth) : req).send(body)
  }

  for (const [path, withToken] of [
    ['/credentials/verify', false],
    ['/presentations/verify', false],
    ['/courses', true],
    ['/credentials/issue', true],
    ['/status/credentials/issue', true],
    ['/credentials/status', true],
    ['/learners/erase', true],
  ] as const) {
    it(`POST ${path}: a body 65 levels deep is a 400 problem naming maxDepth`, async () => {
      expectTooDeep(await post(path, `{"x":${nested(64)}}`, withToken))
    })
  }

  it('a body 64 levels deep passes the parser (and fails only on what it says)', async () => {
    const res = await post('/credentials/verify', `{"verifiableCredential":${nested(63)}}`, false)
    expect(res.status).to.be.oneOf([400, 422])
    expect(JSON.stringify(res.body)).not.to.include('maxDepth')
  })

  it('100,000 levels are refused as too deep, not a stack overflow', async () => {
    const depth = 100_000
    const res = await post('/credentials/verify', '['.repeat(depth) + ']'.repeat(depth), false)
    expectTooDeep(res)
  })

  it('brackets inside strings do not count', async () => {
    const res = await post(
      '/credentials/verify',
      JSON.stringify({ verifiableCredential: '['.repeat(500) }),
      false,
    )
    expect(res.status).to.equal(422)
    expect(res.body.verified).to.equal(false)
  })

  it('application/ld+json bodies are parsed and limited the same way', async () => {
    const res = await request(app)
      .post('/credentials/verify')
      .set('Content-Type', 'application/ld+json')
      .send(`{"x":${nested(70)}}`)
    expectTooDeep(res)
  })

  it('over-size bodies stay 413', async () => {
    const res = await post(
      '/credentials/issue',
      JSON.stringify({ credential: { x: 'y'.repeat(1024 * 1024) } }),
    )
    expectProblem(res, 413, 'ERR_REQUEST_TOO_LARGE')
  })

  it('malformed JSON stays a 400 parse problem', async () => {
    expectProblem(await post('/courses', '{"id": ', true), 400, 'ERR_VC_PARSE')
  })
})
