import { expect } from 'chai'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
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
import { createVerifierDeps } from '../../../src/verifier/verifier-deps.js'
import { cli, CLI_TEST_NOW } from '../../support/cli.js'

const EXAMPLES = fileURLToPath(new URL('../../../examples/', import.meta.url))
const PORT = 7788
const BASE = `http://localhost:${PORT}`

/** Reads any response body as text (supertest only buffers types it knows). */
function asText(res: Response, done: (err: Error | null, body: string) => void): void {
  // At parse time supertest hands over the raw response stream.
  const stream = res as unknown as NodeJS.ReadableStream
  let text = ''
  stream.setEncoding('utf8')
  stream.on('data', (chunk: string) => (text += chunk))
  stream.on('end', () => done(null, text))
}

function jwsPayload(jws: string): Record<string, any> {
  return JSON.parse(Buffer.from(jws.split('.')[1] as string, 'base64url').toString('utf8'))
}

function listIdOf(credential: Record<string, any>): string {
  const status = [credential.credentialStatus].flat()[0] as { statusListCredential: string }
  expect(status.statusListCredential.startsWith(`${BASE}/status-lists/`)).to.equal(true)
  return status.statusListCredential.slice(`${BASE}/status-lists/`.length)
}

function expectProblem(res: Response, status: number, type: string, code: string): void {
  expect(res.status).to.equal(status)
  expect(res.headers['content-type']).to.match(/^application\/problem\+json/)
  expect(res.body).to.include({ type, status, code })
  expect(res.body.title).to.be.a('string')
  expect(JSON.stringify(res.body)).not.to.match(/\bat .*\.(ts|js):\d+/)
  expect(res.body).not.to.have.property('stack')
}

describe('HTTP service: public routes', function () {
  this.timeout(60_000)
  let home: string
  let ctx: AppContext
  let app: ReturnType<typeof createApp>
  let elm: { id: string; jws: string }
  let edc: { id: string; credential: Record<string, any> }

  const issue = async (format: 'elm' | 'edc') => {
    const run = await cli(home, [
      'issue',
      '--course',
      join(EXAMPLES, 'course.json'),
      '--learner',
      join(EXAMPLES, 'learner.json'),
      '--format',
      format,
    ])
    expect(run.code, run.err).to.equal(0)
    const id = /Issued (urn:uuid:[0-9a-f-]+)/.exec(run.err)?.[1] as string
    return { id, out: run.out.trim() }
  }

  before(async () => {
    home = await mkdtemp(join(tmpdir(), 'mc-http-'))
    await writeFile(join(home, 'microcred.json'), JSON.stringify({ publicBaseUrl: BASE }))
    expect((await cli(home, ['init'])).code).to.equal(0)
    const elmRun = await issue('elm')
    elm = { id: elmRun.id, jws: elmRun.out }
    const edcRun = await issue('edc')
    edc = { id: edcRun.id, credential: JSON.parse(edcRun.out) }
    const web = await cli(home, ['tenants', 'add', 'web', '--name', 'W', '--did-web', `localhost%3A${PORT}`])
    expect(web.code, web.err).to.equal(0)
    const zed = await cli(home, [
      'tenants',
      'add',
      'zed',
      '--name',
      'Z',
      '--did-web',
      `localhost%3A${PORT}:issuers:zed`,
    ])
    expect(zed.code, zed.err).to.equal(0)
    ctx = await createContext(loadConfig({ env: { MICROCRED_HOME: home }, cwd: home }), {
      clock: fixedClock(CLI_TEST_NOW),
    })
    app = createApp({ ctx, verifier: createVerifierDeps(ctx), logger: pino({ level: 'silent' }) })
  })

  after(async () => {
    await ctx?.close()
    await rm(home, { recursive: true, force: true })
  })

  describe('health', () => {
    it('GET /healthz answers ok, with a request id and no x-powered-by', async () => {
      const res = await request(app).get('/healthz').expect(200)
      expect(res.body).to.deep.equal({ status: 'ok' })
      expect(res.headers['x-request-id']).to.match(/^[0-9a-f-]{36}$/)
      expect(res.headers).not.to.have.property('x-powered-by')
    })

    it('GET /readyz answers ok while the database answers', async () => {
      await request(app).get('/readyz').expect(200)
    })

    it('GET /readyz answers 503 when the database does not', async () => {
      const broken = {
        ...ctx,
        storage: {
          ...ctx.storage,
          tenants: { ...ctx.storage.tenants, list: () => Promise.reject(new Error('down')) },
        },
      } as AppContext
      const res = await request(
        createApp({ ctx: broken, verifier: createVerifierDeps(ctx), logger: pino({ level: 'silent' }) }),
      ).get('/readyz')
      expectProblem(res, 503, 'https://microcred.eu/problems#STORAGE_UNREACHABLE', 'ERR_STORAGE_UNREACHABLE')
    })

    it('unknown routes are 404 problems', async () => {
      const res = await request(app).get('/nope')
      expectProblem(res, 404, 'https://microcred.eu/problems#NOT_FOUND', 'ERR_NOT_FOUND')
    })
  })

  describe('status lists', () => {
    it('serves a jose list as the stored compact JWS with ETag, Cache-Control and 304', async () => {
      const listId = listIdOf(jwsPayload(elm.jws))
      const res = await request(app).get(`/status-lists/${listId}`).buffer(true).parse(asText).expect(200)
      expect(res.headers['content-type']).to.equal('application/vc+jwt')
      const stored = await ctx.storage.statusLists.get(listId)
      expect(res.body).to.equal(stored?.published)
      expect(res.headers.etag).to.equal(stored?.etag)
      expect(res.headers.etag).to.match(/^"[A-Za-z0-9_-]+"$/)
      const maxAge = Number(/^public, max-age=(\d+)$/.exec(res.headers['cache-control'] as string)?.[1])
      expect(maxAge).to.be.within(1, 300)
      await request(app)
        .get(`/status-lists/${listId}`)
        .set('If-None-Match', res.headers.etag as string)
        .expect(304)
    })

    it('serves a DI list as the stored JSON text', async () => {
      const listId = listIdOf(edc.credential)
      const res = await request(app).get(`/status-lists/${listId}`).buffer(true).parse(asText).expect(200)
      expect(res.headers['content-type']).to.equal('application/vc+ld+json')
      const stored = await ctx.storage.statusLists.get(listId)
      expect(res.body).to.equal(stored?.published)
      expect(res.headers.etag).to.equal(stored?.etag)
    })

    it('unknown list ids are 404 problems', async () => {
      const res = await request(app).get('/status-lists/no-such-list')
      expectProblem(res, 404, 'https://microcred.eu/problems#NOT_FOUND', 'ERR_NOT_FOUND')
    })
  })

  describe('did:web documents', () => {
    it('serves the did:web tenant document at /.well-known/did.json', async () => {
      const res = await request(app).get('/.well-known/did.json').expect(200)
      expect(res.headers['content-type']).to.equal('application/did+json')
      expect(String(res.body.id).toLowerCase()).to.equal(`did:web:localhost%3a${PORT}`)
    })

    it('serves a did:web document with a path at <path>/did.json', async () => {
      const res = await request(app).get('/issuers/zed/did.json').expect(200)
      expect(res.headers['content-type']).to.equal('application/did+json')
      expect(String(res.body.id).toLowerCase()).to.equal(`did:web:localhost%3a${PORT}:issuers:zed`)
    })

    it('answers 404 for paths with no local did:web issuer', async () => {
      const res = await request(app).get('/users/alice/did.json')
      expectProblem(res, 404, 'https://microcred.eu/problems#NOT_FOUND', 'ERR_NOT_FOUND')
    })
  })

  describe('POST /credentials/verify', () => {
    it('200 for the elm credential as a compact JWS string', async () => {
      const res = await request(app).post('/credentials/verify').send({ verifiableCredential: elm.jws })
      expect(res.status, JSON.stringify(res.body.errors)).to.equal(200)
      expect(res.body).to.include({ verified: true, kind: 'credential', mechanism: 'vc-jose' })
    })

    it('200 for the elm credential as an EnvelopedVerifiableCredential, with options.checks', async () => {
      const res = await request(app)
        .post('/credentials/verify')
        .send({
          verifiableCredential: {
            '@context': 'https://www.w3.org/ns/credentials/v2',
            type: 'EnvelopedVerifiableCredential',
            id: `data:application/vc+jwt,${elm.jws}`,
          },
          options: { checks: ['proof', 'credentialStatus'] },
        })
      expect(res.status, JSON.stringify(res.body.errors)).to.equal(200)
      expect(res.body.verified).to.equal(true)
    })

    it('200 for the edc credential (Data Integrity)', async () => {
      const res = await request(app)
        .post('/credentials/verify')
        .send({ verifiableCredential: edc.credential })
      expect(res.status, JSON.stringify(res.body.errors)).to.equal(200)
      expect(res.body).to.include({ verified: true, mechanism: 'data-integrity' })
    })

    it('422 with the result for a credential that does not verify', async () => {
      const tampered = { ...edc.credential, validFrom: '2020-01-01T00:00:00Z' }
      const res = await request(app).post('/credentials/verify').send({ verifiableCredential: tampered })
      expect(res.status).to.equal(422)
      expect(res.headers['content-type']).to.match(/^application\/json/)
      expect(res.body.verified).to.equal(false)
      expect(res.body.checks).to.be.an('array')
    })

    it('400 PARSING_ERROR for malformed JSON', async () => {
      const res = await request(app)
        .post('/credentials/verify')
        .set('Content-Type', 'application/json')
        .send('{"verifiableCredential": ')
      expectProblem(res, 400, 'https://www.w3.org/TR/vc-data-model#PARSING_ERROR', 'ERR_VC_PARSE')
    })

    it('400 MALFORMED_VALUE_ERROR for a bad envelope', async () => {
      const res = await request(app).post('/credentials/verify').send({ credential: edc.credential })
      expectProblem(res, 400, 'https://www.w3.org/TR/vc-data-model#MALFORMED_VALUE_ERROR', 'ERR_VALIDATION')
      expect(res.body.detail).to.include('/verifiableCredential')
    })

    it('400 UNKNOWN_OPTION_PROVIDED for an unknown options.checks name', async () => {
      const res = await request(app)
        .post('/credentials/verify')
        .send({ verifiableCredential: elm.jws, options: { checks: ['proof', 'telepathy'] } })
      expectProblem(res, 400, 'https://www.w3.org/TR/vcalm#UNKNOWN_OPTION_PROVIDED', 'ERR_UNKNOWN_OPTION')
    })

    it('413 for a body over the limit', async () => {
      const res = await request(app)
        .post('/credentials/verify')
        .send({ verifiableCredential: 'x'.repeat(2 * 1024 * 1024 + 10) })
      expectProblem(res, 413, 'https://microcred.eu/problems#REQUEST_TOO_LARGE', 'ERR_REQUEST_TOO_LARGE')
    })
  })

  describe('POST /presentations/verify', () => {
    it('400 for a bad envelope', async () => {
      const res = await request(app).post('/presentations/verify').send({ verifiablePresentation: 42 })
      expectProblem(res, 400, 'https://www.w3.org/TR/vc-data-model#MALFORMED_VALUE_ERROR', 'ERR_VALIDATION')
    })

    it('422 with the result for a credential sent as a presentation', async () => {
      const res = await request(app)
        .post('/presentations/verify')
        .send({ verifiablePresentation: elm.jws, options: { challenge: 'c', domain: 'd' } })
      expect(res.status).to.equal(422)
      expect(res.body).to.include({ verified: false, kind: 'presentation' })
    })
  })

  describe('after a revocation', () => {
    it('serves a new list (new ETag) and verification answers 422 STATUS_REVOKED', async () => {
      const listId = listIdOf(edc.credential)
      const before = await request(app).get(`/status-lists/${listId}`).buffer(true).parse(asText).expect(200)
      expect((await cli(home, ['revoke', edc.id, '--reason', 'Awarded in error'])).code).to.equal(0)
      const after = await request(app).get(`/status-lists/${listId}`).buffer(true).parse(asText).expect(200)
      expect(after.headers.etag).not.to.equal(before.headers.etag)
      await request(app)
        .get(`/status-lists/${listId}`)
        .set('If-None-Match', before.headers.etag as string)
        .expect(200)
      const res = await request(app)
        .post('/credentials/verify')
        .send({ verifiableCredential: edc.credential })
      expect(res.status).to.equal(422)
      const status = (res.body.checks as Array<{ id: string; code: string }>).find((c) => c.id === 'status')
      expect(status?.code).to.equal('STATUS_REVOKED')
    })
  })
})
