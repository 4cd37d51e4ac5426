import { expect } from 'chai'
import { readFile } from 'node:fs/promises'
import { connect } from 'node:net'
import type { AddressInfo } from 'node:net'
import { fileURLToPath } from 'node:url'
import request from 'supertest'
import { createBatch, readBatchRows } from '../../../src/batch/index.js'
import { createApp } from '../../../src/http/app.js'
import { createLogger } from '../../../src/lib/logger.js'
import { batchRunnerOf, createBatchRunner, resumeInterruptedBatches } from '../../../src/http/batch-runner.js'
import { createMetrics, type Metrics } from '../../../src/http/metrics.js'
import { createApiToken, type Scope } from '../../../src/tokens/api-tokens.js'
import { verifyCredential } from '../../../src/verifier/index.js'
import { createVerifierDeps } from '../../../src/verifier/verifier-deps.js'
import { cli } from '../../support/cli.js'
import { cohortCsv, cohortJsonl, cohortLearners, inPieces } from '../../support/cohort.js'
import { expectProblem, serviceHome, type ServiceHome } from '../../support/service-home.js'

const COURSE = fileURLToPath(new URL('../../../examples/course.json', import.meta.url))
const BASE = 'http://localhost:7790'

type App = ReturnType<typeof createApp>

describe('HTTP service: cohort batches', function () {
  this.timeout(120_000)
  let service: ServiceHome
  let app: App
  let metrics: Metrics
  let courseRef: string
  const tokens: Record<string, string> = {}
  const auth = (name = 'issue') => `Bearer ${tokens[name]}`
  let cohorts = 0
  const freshPrefix = () => `H${++cohorts}`
  const apps: App[] = []

  function appWith(deps: Parameters<ServiceHome['app']>[0] = {}): App {
    // The runner logs each batch it finishes: quiet here.
    const ctx = { ...service.ctx, logger: createLogger('silent') }
    const made = service.app({ ctx, batches: { workers: 0, chunkSize: 2 }, ...deps })
    apps.push(made)
    return made
  }

  const upload = (query: string, type: string, body: string, to: App = app, token = auth()) =>
    request(to).post(`/batches?${query}`).set('Authorization', token).type(type).send(body)

  const courseQuery = () => `course=${encodeURIComponent(courseRef)}`

  /** Polls the batch until it is completed, as a client would. */
  async function pollUntilCompleted(path: string, to: App = app) {
    for (let attempt = 0; attempt < 600; attempt++) {
      const res = await request(to).get(path).set('Authorization', auth()).expect(200)
      if (res.body.state === 'completed') return res.body
      await new Promise((done) => setTimeout(done, 50))
    }
    throw new Error(`batch ${path} did not complete`)
  }

  async function batchCount(): Promise<number> {
    const res = await request(app).get('/batches').set('Authorization', auth()).expect(200)
    return res.body.batches.length
  }

  before(async () => {
    service = await serviceHome('mc-batches-', { rateLimit: { enabled: false } })
    const added = await cli(service.home, ['course', 'add', COURSE])
    expect(added.code, added.err).to.equal(0)
    const other = await cli(service.home, ['tenants', 'add', 'other', '--name', 'Other'])
    expect(other.code, other.err).to.equal(0)
    courseRef = (JSON.parse(await readFile(COURSE, 'utf8')) as { id: string }).id
    metrics = createMetrics()
    app = appWith({ metrics })
    tokens.issue = await service.token(['credentials:issue'])
    tokens.readOnly = await service.token(['credentials:read'])
    const scopes: Scope[] = ['credentials:issue']
    tokens.other = (await createApiToken(service.ctx, { tenantSlug: 'other', scopes })).token
  })

  after(async () => {
    for (const made of apps) await batchRunnerOf(made)?.close()
    await service?.close()
  })

  it('POST a CSV: 202 and Location; polled to completion; results as JSON lines whose claim links work', async () => {
    const prefix = freshPrefix()
    const res = await upload(courseQuery(), 'text/csv', cohortCsv(cohortLearners(3, prefix)))
    expect(res.status, JSON.stringify(res.body)).to.equal(202)
    const id = res.body.id as string
    expect(res.headers.location).to.equal(`/batches/${id}`)
    expect(res.body).to.include({ course: courseRef, format: 'elm', totalRows: 3 })
    expect(res.body.links).to.deep.equal({ self: `/batches/${id}`, results: `/batches/${id}/results` })
    expect(res.body.report).to.include({ dryRun: false, batchId: id, validRows: 3, invalidRows: 0 })

    const done = await pollUntilCompleted(res.body.links.self)
    expect(done).to.include({ issuedRows: 3, pendingRows: 0, progress: 1, running: false })

    const results = await request(app).get(res.body.links.results).set('Authorization', auth()).expect(200)
    expect(results.headers['content-type']).to.match(/^application\/jsonl/)
    expect(results.headers['cache-control']).to.equal('no-store')
    const lines = results.text
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line))
    expect(lines.map((l) => [l.row, l.state, l.clientKey])).to.deep.equal(
      [1, 2, 3].map((i) => [i, 'issued', `Student ID:${prefix}-0000${i}`]),
    )
    const verifier = createVerifierDeps(service.ctx)
    for (const line of lines) {
      expect(line.claimUrl.startsWith(`${BASE}/claims/`), line.claimUrl).to.equal(true)
      const claim = await request(app).get(line.claimUrl.slice(BASE.length)).expect(200)
      expect(claim.body).to.include({ id: line.credentialId, format: 'elm' })
      expect(claim.body.verifiableCredential).to.deep.equal(line.verifiableCredential)
      expect((await verifyCredential(line.verifiableCredential, verifier)).verified).to.equal(true)
    }
    const text = await metrics.registry.getSingleMetricAsString('microcred_credentials_issued_total')
    expect(text).to.include('microcred_credentials_issued_total{format="elm",tenant="default"} 3')
  })

  it('POST JSON lines (application/x-ndjson) for edc', async () => {
    const res = await upload(
      `${courseQuery()}&format=edc`,
      'application/x-ndjson',
      cohortJsonl(cohortLearners(2, freshPrefix())),
    )
    expect(res.status, JSON.stringify(res.body)).to.equal(202)
    const done = await pollUntilCompleted(res.body.links.self)
    expect(done).to.include({ format: 'edc', issuedRows: 2 })
  })

  it('a dry run answers 200 with the report and stores nothing', async () => {
    const before = await batchCount()
    const res = await upload(
      `${courseQuery()}&dryRun=true`,
      'application/jsonl',
      cohortJsonl(cohortLearners(4, freshPrefix())),
    )
    expect(res.status, JSON.stringify(res.body)).to.equal(200)
    expect(res.body).to.include({ dryRun: true, totalRows: 4, validRows: 4, invalidRows: 0 })
    expect(res.body.batchId).to.equal(undefined)
    expect(await batchCount()).to.equal(before)
  })

  it('invalid rows: 422 problem naming rows/<n>/<column>, with invalidRows; nothing stored', async () => {
    const before = await batchCount()
    const learners = cohortLearners(3, freshPrefix())
    learners[1] = { ...learners[1], givenName: '' }
    const res = await upload(courseQuery(), 'text/csv; charset=utf-8', cohortCsv(learners))
    expectProblem(res, 422, 'ERR_BATCH_INVALID')
    expect(res.body.invalidRows).to.equal(1)
    expect(res.body.problems.map((p: { field: string }) => p.field)).to.deep.equal(['rows/2/givenName'])
    expect(await batchCount()).to.equal(before)
  })

  it('refuses what it cannot read: 415 for another media type, 400 for a bad query, 404 for an unknown course', async () => {
    const csv = cohortCsv(cohortLearners(1, freshPrefix()))
    expectProblem(await upload(courseQuery(), 'application/json', '{}'), 415, 'ERR_UNSUPPORTED_MEDIA_TYPE')
    expectProblem(
      await upload(courseQuery(), 'text/csv; charset=latin1', csv),
      415,
      'ERR_UNSUPPORTED_MEDIA_TYPE',
    )
    const noCourse = await upload('format=elm', 'text/csv', csv)
    expectProblem(noCourse, 400, 'ERR_VALIDATION')
    expect(noCourse.body.problems.map((p: { field: string }) => p.field)).to.deep.equal(['course'])
    expectProblem(await upload(`${courseQuery()}&format=pdf`, 'text/csv', csv), 400, 'ERR_VALIDATION')
    expectProblem(await upload('course=urn%3Anone', 'text/csv', csv), 404, 'ERR_NOT_FOUND')
    const header = await upload(courseQuery(), 'text/csv', csv.replace('givenName', 'nickname'))
    expectProblem(header, 400, 'ERR_VALIDATION')
  })

  it('413 for an upload over the limit, declared or streamed; nothing stored', async () => {
    const small = appWith({ limits: { batchBodyBytes: 2048 } })
    const before = await batchCount()
    const csv = cohortCsv(cohortLearners(30, freshPrefix()))
    expect(Buffer.byteLength(csv)).to.be.above(4096)
    expectProblem(await upload(courseQuery(), 'text/csv', csv, small), 413, 'ERR_REQUEST_TOO_LARGE')

    // Without Content-Length (chunked), the limit is found while the rows are read.
    const streamed = request(small)
      .post(`/batches?${courseQuery()}`)
      .set('Authorization', auth())
      .set('Content-Type', 'text/csv')
    for await (const piece of inPieces(csv, 1024)) streamed.write(piece)
    const res = await streamed
    expectProblem(res, 413, 'ERR_REQUEST_TOO_LARGE')
    expect(res.headers.connection).to.equal('close')
    expect(await batchCount()).to.equal(before)
    expect(await service.ctx.storage.batches.listStaleValidating('9999-12-31T00:00:00.000Z')).to.deep.equal(
      [],
    )
  })

  it('a client that goes away half-way through an upload leaves no batch behind', async () => {
    const validating = () => service.ctx.storage.batches.listStaleValidating('9999-12-31T00:00:00.000Z')
    const until = async (done: () => Promise<boolean>) => {
      for (let i = 0; i < 200 && !(await done()); i++) await new Promise((r) => setTimeout(r, 25))
      expect(await done()).to.equal(true)
    }
    const before = await batchCount()
    const server = app.listen(0, '127.0.0.1')
    await new Promise((ready) => server.once('listening', ready))
    try {
      const socket = connect((server.address() as AddressInfo).port, '127.0.0.1')
      socket.on('error', () => {})
      const csv = cohortCsv(cohortLearners(20, freshPrefix()))
      const part = csv.slice(0, 1500)
      socket.write(
        `POST /batches?${courseQuery()} HTTP/1.1\r\nHost: localhost\r\nAuthorization: ${auth()}\r\n` +
          `Content-Type: text/csv\r\nTransfer-Encoding: chunked\r\n\r\n${part.length.toString(16)}\r\n${part}\r\n`,
      )
      await until(async () => (await validating()).length === 1)
      socket.destroy()
      await until(async () => (await validating()).length === 0)
      expect(await batchCount()).to.equal(before)
    } finally {
      server.closeAllConnections()
      await new Promise((closed) => server.close(closed))
    }
  })

  it('GET /batches lists newest first; GET /batches/{id} is 404 for another tenant', async () => {
    const res = await request(app).get('/batches').set('Authorization', auth()).expect(200)
    const created = res.body.batches.map((b: { createdAt: string }) => b.createdAt)
    expect(created).to.deep.equal([...created].sort().reverse())
    const id = res.body.batches[0].id as string
    await request(app).get(`/batches/${id}`).set('Authorization', auth()).expect(200)
    for (const path of [`/batches/${id}`, `/batches/${id}/results`]) {
      expectProblem(await request(app).get(path).set('Authorization', auth('other')), 404, 'ERR_NOT_FOUND')
    }
    expectProblem(
      await request(app).post(`/batches/${id}/resume`).set('Authorization', auth('other')),
      404,
      'ERR_NOT_FOUND',
    )
    const theirs = await request(app).get('/batches').set('Authorization', auth('other')).expect(200)
    expect(theirs.body.batches).to.deep.equal([])
  })

  it('POST /batches/{id}/resume: 202 and runs a batch left unfinished, 409 while another runner holds it, 200 once completed', async () => {
    const report = await createBatch(service.ctx, {
      tenantSlug: 'default',
      courseRef,
      format: 'elm',
      rows: readBatchRows(inPieces(cohortCsv(cohortLearners(2, freshPrefix()))), 'csv'),
      createdBy: 'test',
    })
    const id = report.batchId as string
    const now = service.ctx.clock()
    const until = new Date(now.getTime() + 60_000).toISOString()
    expect(
      await service.ctx.storage.batches.acquireLease(id, 'elsewhere', until, now.toISOString()),
    ).to.equal(true)
    expectProblem(
      await request(app).post(`/batches/${id}/resume`).set('Authorization', auth()),
      409,
      'ERR_BATCH_BUSY',
    )
    await service.ctx.storage.batches.releaseLease(id, 'elsewhere')

    const resumed = await request(app).post(`/batches/${id}/resume`).set('Authorization', auth())
    expect(resumed.status, JSON.stringify(resumed.body)).to.equal(202)
    expect(resumed.headers.location).to.equal(`/batches/${id}`)
    await batchRunnerOf(app)?.idle()
    const completed = await request(app).post(`/batches/${id}/resume`).set('Authorization', auth())
    expect(completed.status).to.equal(200)
    expect(completed.body).to.include({ id, state: 'completed', issuedRows: 2 })
  })

  it('the runner stops a batch at close, and a new one resumes what an earlier process left unfinished', async () => {
    const ctx = { ...service.ctx, logger: createLogger('silent') }
    const report = await createBatch(ctx, {
      tenantSlug: 'default',
      courseRef,
      format: 'elm',
      rows: readBatchRows(inPieces(cohortCsv(cohortLearners(6, freshPrefix()))), 'csv'),
      createdBy: 'test',
    })
    const id = report.batchId as string
    const first = createBatchRunner(ctx, { workers: 0, chunkSize: 2 })
    expect(first.enqueue('default', id)).to.equal(true)
    expect(first.enqueue('default', id)).to.equal(false)
    await first.close()
    const stopped = await ctx.storage.batches.get(id)
    expect(stopped?.state).to.not.equal('completed')
    expect(stopped?.leaseOwner).to.equal(null)

    const next = createBatchRunner(ctx, { workers: 0, chunkSize: 2 })
    expect(await resumeInterruptedBatches(ctx, next)).to.equal(1)
    await next.idle()
    expect(await ctx.storage.batches.get(id)).to.include({ state: 'completed', issuedRows: 6 })
    expect(await resumeInterruptedBatches(ctx, next)).to.equal(0)
    await next.close()
  })

  describe('auth', () => {
    let batchId: string
    before(async () => {
      const res = await request(app).get('/batches').set('Authorization', auth()).expect(200)
      batchId = res.body.batches[0].id
    })

    const routes: Array<[string, 'get' | 'post', () => string, boolean]> = [
      ['POST /batches', 'post', () => `/batches?${courseQuery()}`, true],
      ['GET /batches', 'get', () => '/batches', false],
      ['GET /batches/{id}', 'get', () => `/batches/${batchId}`, true],
      ['GET /batches/{id}/results', 'get', () => `/batches/${batchId}/results`, true],
      ['POST /batches/{id}/resume', 'post', () => `/batches/${batchId}/resume`, true],
    ]
    for (const [name, method, path, tenantResource] of routes) {
      it(`${name}: 401 without a token, 403 without credentials:issue${tenantResource ? ', 404 for another tenant' : ''}`, async () => {
        const before = await batchCount()
        const send = (token?: string) => {
          let req = request(app)[method](path())
          if (token !== undefined) req = req.set('Authorization', token)
          return method === 'post' ? req.type('text/csv').send(cohortCsv(cohortLearners(1, 'AUTH'))) : req
        }
        const none = await send()
        expectProblem(none, 401, 'ERR_AUTH_MISSING')
        expect(none.headers['www-authenticate']).to.equal('Bearer')
        expectProblem(await send(auth('readOnly')), 403, 'ERR_AUTH_FORBIDDEN')
        if (tenantResource) expectProblem(await send(auth('other')), 404, 'ERR_NOT_FOUND')
        expect(await batchCount()).to.equal(before)
      })
    }
  })
})
