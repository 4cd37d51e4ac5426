import { expect } from 'chai'
import express from 'express'
import request from 'supertest'
import { ilaRoutes } from '../../../src/http/ila-routes.js'
import { problemHandler } from '../../../src/http/problem.js'
import { ilaCsvHeader, ilaCsvRow } from '../../../src/ila/index.js'
import { createApiToken } from '../../../src/tokens/api-tokens.js'
import { cli } from '../../support/cli.js'
import { ilaFixture, ilaRecord, jsonl } from '../../support/ila.js'
import { expectProblem, serviceHome, type ServiceHome } from '../../support/service-home.js'

describe('HTTP service: ILA data', function () {
  this.timeout(60_000)
  let service: ServiceHome
  let app: ReturnType<ServiceHome['app']>
  const tokens: Record<string, string> = {}
  const auth = (name = 'write') => `Bearer ${tokens[name]}`

  const upload = (path: string, type: string, body: string, token = auth()) =>
    request(app).post(path).set('Authorization', token).type(type).send(body)

  before(async () => {
    service = await serviceHome('mc-http-ila-', { rateLimit: { enabled: false } })
    app = service.app()
    tokens.write = await service.token(['ila:write'])
    tokens.read = await service.token(['ila:read'])
    tokens.courses = await service.token(['courses:read'])
    const other = await cli(service.home, ['tenants', 'add', 'other', '--name', 'Other'])
    expect(other.code, other.err).to.equal(0)
    tokens.other = (
      await createApiToken(service.ctx, { tenantSlug: 'other', scopes: ['ila:read', 'ila:write'] })
    ).token
  })
  after(() => service?.close())

  describe('auth', () => {
    for (const [method, path, scope] of [
      ['post', '/ila/providers', 'ila:write'],
      ['post', '/ila/catalogue', 'ila:write'],
      ['post', '/ila/spending-records', 'ila:write'],
      ['get', '/ila/providers', 'ila:read'],
      ['get', '/ila/spending-records/rec-0001', 'ila:read'],
    ] as const) {
      it(`${method.toUpperCase()} ${path}: 401 without a token, 403 without ${scope}`, async () => {
        const anonymous = await request(app)[method](path).type('application/json').send('[]')
        expectProblem(anonymous, 401, 'ERR_AUTH_MISSING')
        expect(anonymous.headers['www-authenticate']).to.equal('Bearer')
        const wrong = scope === 'ila:write' ? auth('read') : auth('courses')
        const forbidden = await request(app)
          [method](path)
          .set('Authorization', wrong)
          .type('application/json')
          .send('[]')
        expectProblem(forbidden, 403, 'ERR_AUTH_FORBIDDEN')
        expect(forbidden.body.detail).to.equal(`The token lacks the scope ${scope}`)
      })
    }
  })

  describe('imports', () => {
    it('POST /ila/providers (JSON array), /ila/catalogue (CSV), /ila/spending-records (JSON lines)', async () => {
      const providers = await upload('/ila/providers', 'application/json', ilaFixture('providers.json'))
      expect(providers.status, JSON.stringify(providers.body)).to.equal(200)
      expect(providers.body).to.deep.include({ kind: 'providers', imported: 3, inserted: 3 })
      const catalogue = await upload('/ila/catalogue', 'text/csv', ilaFixture('catalogue.csv'))
      expect(catalogue.status, JSON.stringify(catalogue.body)).to.equal(200)
      expect(catalogue.body).to.deep.include({ kind: 'catalogue', imported: 2 })
      const records = await upload(
        '/ila/spending-records',
        'application/jsonl',
        ilaFixture('spending-records.jsonl'),
      )
      expect(records.status, JSON.stringify(records.body)).to.equal(200)
      expect(records.body).to.deep.include({ kind: 'records', imported: 3, inserted: 3, rejected: 0 })
    })

    it('GET /ila/spending-records/:id reads a record of the tenant; another tenant gets a 404', async () => {
      const res = await request(app)
        .get('/ila/spending-records/rec-0001')
        .set('Authorization', auth('read'))
        .expect(200)
      expect(res.headers['cache-control']).to.equal('no-store')
      expect(res.body).to.deep.include({
        recordId: 'rec-0001',
        lifecycle: 'completion_validated',
        payment: 'paid',
      })
      expect(res.body.requestedAt).to.equal('2026-02-01T09:15:00.000Z')
      const other = await request(app)
        .get('/ila/spending-records/rec-0001')
        .set('Authorization', auth('other'))
      expectProblem(other, 404, 'ERR_NOT_FOUND')
      const missing = await request(app)
        .get('/ila/spending-records/rec-9999')
        .set('Authorization', auth('read'))
      expectProblem(missing, 404, 'ERR_NOT_FOUND')
    })

    it('GET /ila/providers lists the registry in pages', async () => {
      const first = await request(app)
        .get('/ila/providers?limit=2')
        .set('Authorization', auth('read'))
        .expect(200)
      expect(first.body.providers.map((p: { providerId: string }) => p.providerId)).to.deep.equal([
        'prov-acme',
        'prov-beta',
      ])
      expect(first.body.providers[0].issuerKeys).to.include('did:web:acme-training.example')
      expect(first.body.next).to.equal('prov-beta')
      const second = await request(app)
        .get(`/ila/providers?limit=2&after=${first.body.next}`)
        .set('Authorization', auth('read'))
        .expect(200)
      expect(second.body).to.deep.equal({
        providers: [JSON.parse(ilaFixture('providers.json'))[2]],
      })
      const other = await request(app).get('/ila/providers').set('Authorization', auth('other')).expect(200)
      expect(other.body).to.deep.equal({ providers: [] })
      const bad = await request(app).get('/ila/providers?limit=0').set('Authorization', auth('read'))
      expectProblem(bad, 400, 'ERR_VALIDATION')
    })

    it('refuses a file with a bad row whole: 422 with the rows and fields, nothing written', async () => {
      const body = jsonl([ilaRecord(1), ilaRecord(2, { funding: [] }), ilaRecord(3, { control: 'maybe' })])
      const res = await upload('/ila/spending-records', 'application/x-ndjson', body)
      expectProblem(res, 422, 'ERR_ILA_IMPORT_REFUSED')
      expect(res.body.invalidRows).to.equal(2)
      expect(res.body.problems.map((p: { field: string; rule: string }) => [p.field, p.rule])).to.deep.equal([
        ['rows/2/funding', 'sum'],
        ['rows/3/control', 'enum'],
      ])
      await request(app)
        .get('/ila/spending-records/rec-000001')
        .set('Authorization', auth('read'))
        .expect(404)

      const partial = await upload('/ila/spending-records?partial=true', 'application/jsonl', body)
      expect(partial.status, JSON.stringify(partial.body)).to.equal(200)
      expect(partial.body).to.deep.include({ partial: true, imported: 1, rejected: 2, rejectedRows: [2, 3] })
      await request(app)
        .get('/ila/spending-records/rec-000001')
        .set('Authorization', auth('read'))
        .expect(200)
    })

    it('reads a CSV upload of records, and refuses an unusable header with a 400', async () => {
      const csv = ilaCsvHeader('records') + ilaCsvRow('records', ilaRecord(40))
      const res = await upload('/ila/spending-records', 'text/csv; charset=utf-8', csv)
      expect(res.status, JSON.stringify(res.body)).to.equal(200)
      expect(res.body).to.deep.include({ imported: 1 })
      const header = await upload('/ila/spending-records', 'text/csv', 'recordId,nonsense\r\nx,y\r\n')
      expectProblem(header, 400, 'ERR_VALIDATION')
    })

    it('415 for another media type, a charset other than UTF-8 or a compressed body; 400 for a bad partial', async () => {
      expectProblem(
        await upload('/ila/providers', 'application/xml', '<a/>'),
        415,
        'ERR_UNSUPPORTED_MEDIA_TYPE',
      )
      expectProblem(
        await upload('/ila/providers', 'application/json; charset=latin1', '[]'),
        415,
        'ERR_UNSUPPORTED_MEDIA_TYPE',
      )
      const gzip = await request(app)
        .post('/ila/providers')
        .set('Authorization', auth())
        .set('Content-Type', 'application/json')
        .set('Content-Encoding', 'gzip')
        .send('[]')
      expectProblem(gzip, 415, 'ERR_UNSUPPORTED_MEDIA_TYPE')
      expectProblem(
        await upload('/ila/providers?partial=yes', 'application/json', '[]'),
        400,
        'ERR_VALIDATION',
      )
    })

    it('413 past the upload limit, with nothing written', async () => {
      const limited = express()
      limited.use(ilaRoutes(service.ctx, { bodyLimitBytes: 2000 }))
      limited.use(problemHandler(() => {}))
      const items = Array.from({ length: 20 }, (_, i) => ilaRecord(700 + i))
      const res = await request(limited)
        .post('/ila/spending-records')
        .set('Authorization', auth())
        .type('application/jsonl')
        .send(jsonl(items))
      expectProblem(res, 413, 'ERR_REQUEST_TOO_LARGE')
      await request(app)
        .get('/ila/spending-records/rec-000700')
        .set('Authorization', auth('read'))
        .expect(404)
    })
  })
})
