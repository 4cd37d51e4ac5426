import { expect } from 'chai'
import request from 'supertest'
import type { ReconciliationReport } from '../../../src/ila/reconcile.js'
import { credentialRow, linkRows, offerRow, providerRow, recordRow } from '../../support/ila-reconcile.js'
import { serviceHome, type ServiceHome } from '../../support/service-home.js'

describe('HTTP service: GET /ila/report', function () {
  this.timeout(60_000)
  let service: ServiceHome
  let app: ReturnType<ServiceHome['app']>
  let auth: string

  before(async () => {
    service = await serviceHome('mc-http-ila-report-')
    app = service.app()
    auth = `Bearer ${await service.token(['ila:read'])}`
    // The default tenant's scheme: one record matched, one overdue in another scheme.
    const { storage } = service.ctx
    const t = (await storage.tenants.getBySlug('default'))?.id as string
    const credential = credentialRow(t, 'urn:c:h1')
    await storage.ila.providers.upsertMany([providerRow(t, 'prov-a')])
    await storage.ila.catalogue.upsertMany([offerRow(t, 'OFFER-1')])
    await storage.ila.records.upsertMany([
      recordRow(t, 'h1'),
      recordRow(t, 'h2', { schemeId: 'NL-STAP', requestedAt: '2026-02-01' }),
    ])
    await storage.ila.credentials.upsertMany([credential])
    await storage.ila.linkResults.append(linkRows(t, credential, 'MATCHED', ['h1']))
  })
  after(() => service?.close())

  it('answers JSON by default: the whole report, not to be stored', async () => {
    const res = await request(app).get('/ila/report').set('Authorization', auth).expect(200)
    expect(res.headers['content-type']).to.match(/^application\/json/)
    expect(res.headers['cache-control']).to.equal('no-store')
    const report = res.body as ReconciliationReport
    expect(report).to.deep.include({ tenant: 'default', schemeId: null })
    expect(report.summary).to.deep.include({ records: 2, matched: 1 })
    expect(report.anomalyCounts.map((a) => a.kind)).to.deep.equal(['no_credential_escalated'])
  })

  it('narrows with scheme, from and to; CSV as an attachment; HTML with a policy that runs and loads nothing', async () => {
    const stap = await request(app).get('/ila/report?scheme=NL-STAP').set('Authorization', auth).expect(200)
    expect(stap.body.summary.records).to.equal(1)
    const period = await request(app)
      .get('/ila/report?from=2026-04-01&to=2026-12-31')
      .set('Authorization', auth)
      .expect(200)
    expect(period.body.summary.records).to.equal(1)
    expect(period.body.period).to.deep.equal({ from: '2026-04-01', to: '2026-12-31' })

    const csv = await request(app).get('/ila/report?format=csv').set('Authorization', auth).expect(200)
    expect(csv.headers['content-type']).to.equal('text/csv; charset=utf-8')
    expect(csv.headers['content-disposition']).to.equal('attachment; filename="ila-report-default.csv"')
    expect(csv.text.startsWith('# report\r\nfield,value\r\ntenant,default\r\n')).to.equal(true)

    const html = await request(app)
      .get('/ila/report?format=html&suppressBelow=5')
      .set('Authorization', auth)
      .expect(200)
    expect(html.headers['content-type']).to.equal('text/html; charset=utf-8')
    expect(html.headers['content-security-policy']).to.equal("default-src 'none'; style-src 'unsafe-inline'")
    expect(html.text).to.include('Counts below 5 are suppressed.')
  })

  it('takes the optional denominators and a list limit', async () => {
    const res = await request(app)
      .get('/ila/report?eligibleAccounts=20&eligibleMostInNeedAccounts=4&limit=0')
      .set('Authorization', auth)
      .expect(200)
    expect(res.body.metrics).to.deep.include({ accounts: 2, eligibleAccounts: 20, takeUpRate: 0.1 })
    expect(res.body.anomalies).to.deep.equal([])
    expect(res.body.matches).to.deep.equal([])
    expect(res.body.summary.anomalies.total).to.equal(1)
  })

  it('is a 400 problem for an unknown format or parameter, a malformed number or date', async () => {
    for (const query of [
      'format=xml',
      'schema=FR-CPF',
      'suppressBelow=-1',
      'from=2026-02-30',
      'to=x',
      'scheme=a&scheme=b',
    ]) {
      const res = await request(app).get(`/ila/report?${query}`).set('Authorization', auth)
      expect(res.status, query).to.equal(400)
      expect(res.headers['content-type']).to.match(/^application\/problem\+json/)
      expect(res.body.code, query).to.equal('ERR_VALIDATION')
    }
  })
})
