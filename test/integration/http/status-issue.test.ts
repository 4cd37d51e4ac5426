import { expect } from 'chai'
import request from 'supertest'
import { cli } from '../../support/cli.js'
import { expectProblem, serviceHome, type ServiceHome } from '../../support/service-home.js'

const V1 = 'https://www.w3.org/2018/credentials/v1'
const V2 = 'https://www.w3.org/ns/credentials/v2'
const EXAMPLES_V2 = 'https://www.w3.org/ns/credentials/examples/v2'
const BITSTRING_CONTEXT = 'https://www.w3.org/ns/credentials/status/v1'

function alumni(version: '1.1' | '2.0', extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    '@context': [version === '2.0' ? V2 : V1, EXAMPLES_V2],
    type: ['VerifiableCredential', 'ExampleAlumniCredential'],
    ...(version === '1.1' ? { issuanceDate: '2026-01-01T00:00:00Z' } : {}),
    credentialSubject: { id: 'did:example:ebfeb1f712ebc6f1c276e12ec21', alumniOf: 'Example University' },
    ...extra,
  }
}

describe('HTTP service: POST /status/credentials/issue and conformance mode', function () {
  this.timeout(60_000)
  let service: ServiceHome
  let app: ReturnType<ServiceHome['app']>
  let auth: string

  before(async () => {
    service = await serviceHome('mc-status-issue-', { rateLimit: { enabled: false } })
    app = service.app()
    auth = `Bearer ${await service.token(['credentials:issue', 'credentials:status', 'credentials:read'])}`
  })
  after(() => service?.close())

  const issue = (credential: Record<string, unknown>) =>
    request(app).post('/status/credentials/issue').set('Authorization', auth).send({ credential })
  const verify = (vc: unknown) => request(app).post('/credentials/verify').send({ verifiableCredential: vc })
  const revoke = (credentialId: string) =>
    request(app)
      .post('/credentials/status')
      .set('Authorization', auth)
      .send({
        credentialId,
        credentialStatus: [
          { type: 'BitstringStatusListEntry', status: 'revoke', reason: 'Awarded in error' },
        ],
      })

  describe('POST /status/credentials/issue', () => {
    it('issues a VC 2.0 credential with a revocation entry; revoking it makes verification fail on status', async () => {
      const res = await issue(alumni('2.0'))
      expect(res.status, JSON.stringify(res.body)).to.equal(201)
      const vc = res.body.verifiableCredential as Record<string, any>
      expect(vc.proof.type).to.equal('DataIntegrityProof')
      expect(vc.id).to.match(/^urn:uuid:/)
      expect(vc.credentialStatus).to.include({
        type: 'BitstringStatusListEntry',
        statusPurpose: 'revocation',
      })
      expect(vc.credentialStatus.statusListCredential).to.match(/^http:\/\/localhost:7790\/status-lists\//)
      expect(vc['@context']).not.to.include(BITSTRING_CONTEXT)

      const before = await verify(vc)
      expect(before.status, JSON.stringify(before.body.errors)).to.equal(200)
      expect(before.body.checks.find((c: { id: string }) => c.id === 'status')).to.include({ status: 'pass' })

      const revoked = await revoke(vc.id)
      expect(revoked.status, JSON.stringify(revoked.body)).to.equal(200)
      expect(revoked.body.changed[0]).to.include({
        credentialId: vc.id,
        action: 'revoke',
        outcome: 'changed',
      })

      const after = await verify(vc)
      expect(after.status).to.equal(422)
      expect(after.body.verified).to.equal(false)
      expect(after.body.checks.find((c: { id: string }) => c.id === 'status')).to.include({
        status: 'fail',
        code: 'STATUS_REVOKED',
      })
      const read = await request(app)
        .get(`/credentials/${encodeURIComponent(vc.id)}`)
        .set('Authorization', auth)
        .expect(200)
      expect(read.body).to.include({ id: vc.id, format: 'vc-di' })
    })

    it('a VC 1.1 credential gets the Bitstring Status List context too', async () => {
      const res = await issue(alumni('1.1'))
      expect(res.status, JSON.stringify(res.body)).to.equal(201)
      const vc = res.body.verifiableCredential as Record<string, any>
      expect(vc['@context'].slice(0, 3)).to.deep.equal([V1, EXAMPLES_V2, BITSTRING_CONTEXT])
      expect(vc.credentialStatus.type).to.equal('BitstringStatusListEntry')
      const verified = await verify(vc)
      expect(verified.status, JSON.stringify(verified.body.errors)).to.equal(200)
      await revoke(vc.id).expect(200)
      expect((await verify(vc)).status).to.equal(422)
    })

    it("a caller's id is the id to revoke by; issuing the same id again is a 409 problem", async () => {
      const id = 'urn:uuid:6f1b8f5e-6f0a-4d8e-9a3e-1d2c3b4a5f60'
      const first = await issue(alumni('2.0', { id }))
      expect(first.status, JSON.stringify(first.body)).to.equal(201)
      expect(first.body.verifiableCredential.id).to.equal(id)
      expectProblem(await issue(alumni('2.0', { id })), 409, 'ERR_STORAGE_CONFLICT')
      await revoke(id).expect(200)
    })

    it('refuses a credential that brings its own credentialStatus, naming the rule', async () => {
      const res = await issue(
        alumni('2.0', {
          credentialStatus: {
            type: 'BitstringStatusListEntry',
            statusPurpose: 'revocation',
            statusListIndex: '1',
            statusListCredential: 'https://example.org/list',
          },
        }),
      )
      expectProblem(res, 400, 'ERR_VC_MALFORMED')
      expect(res.body.problems).to.deep.include({
        field: '/credentialStatus',
        rule: 'status',
        message: 'the issuer adds the status entry itself: leave credentialStatus out',
      })
    })

    it('needs credentials:issue', async () => {
      expectProblem(
        await request(app)
          .post('/status/credentials/issue')
          .send({ credential: alumni('2.0') }),
        401,
        'ERR_AUTH_MISSING',
      )
      const readOnly = await service.token(['credentials:read'])
      const res = await request(app)
        .post('/status/credentials/issue')
        .set('Authorization', `Bearer ${readOnly}`)
        .send({ credential: alumni('2.0') })
      expectProblem(res, 403, 'ERR_AUTH_FORBIDDEN')
    })
  })

  describe('conformance mode', () => {
    it('issues on the three VC API routes without a token, for the default tenant', async () => {
      const conformance = service.app({ conformance: { tenantSlug: 'default' } })
      for (const path of ['/credentials/issue', '/jose/credentials/issue', '/status/credentials/issue']) {
        const res = await request(conformance)
          .post(path)
          .send({ credential: alumni('2.0') })
        expect(res.status, `${path}: ${JSON.stringify(res.body)}`).to.equal(201)
        const verified = await verify(res.body.verifiableCredential)
        expect(verified.status, JSON.stringify(verified.body.errors)).to.equal(200)
      }
    })

    it('every other protected route still needs a token', async () => {
      const conformance = service.app({ conformance: { tenantSlug: 'default' } })
      expectProblem(
        await request(conformance)
          .post('/credentials/status')
          .send({
            credentialId: 'urn:uuid:x',
            credentialStatus: [{ type: 'BitstringStatusListEntry', status: 'unsuspend' }],
          }),
        401,
        'ERR_AUTH_MISSING',
      )
      expectProblem(await request(conformance).get('/courses'), 401, 'ERR_AUTH_MISSING')
      expectProblem(await request(conformance).get('/credentials/urn:uuid:x'), 401, 'ERR_AUTH_MISSING')
    })

    it('without conformance mode the VC API issuing routes are 401 without a token', async () => {
      for (const path of ['/credentials/issue', '/jose/credentials/issue', '/status/credentials/issue']) {
        expectProblem(
          await request(app)
            .post(path)
            .send({ credential: alumni('2.0') }),
          401,
          'ERR_AUTH_MISSING',
        )
      }
    })

    it('microcred serve --conformance refuses a host other than loopback (usage, exit 2)', async () => {
      for (const host of ['0.0.0.0', '::', '192.0.2.1']) {
        const run = await cli(service.home, ['serve', '--conformance', '--host', host, '--port', '0'])
        expect(run.code, run.err).to.equal(2)
        expect(run.err)
          .to.include('--conformance listens on 127.0.0.1, ::1 or localhost only')
          .and.include(host)
      }
      const configured = await cli(service.home, ['serve', '--conformance', '--port', '0'], {
        env: { MICROCRED_HOST: '0.0.0.0' },
      })
      expect(configured.code, configured.err).to.equal(2)
    })
  })
})
