import { expect } from 'chai'
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http'
import type { AddressInfo } from 'node:net'
import { base64url } from 'jose'
import { createList } from '@digitalbazaar/vc-bitstring-status-list'
import type { Clock } from '../../../src/clock.js'
import { createDidResolver } from '../../../src/did/resolver.js'
import { CREDENTIALS_V2 } from '../../../src/document-loader/index.js'
import { StatusRetrievalError } from '../../../src/errors.js'
import { secureWithJose } from '../../../src/issuer/secure-jose.js'
import { checkStatus } from '../../../src/status/check-status.js'
import { composeStatusListResolvers } from '../../../src/status/compose-resolvers.js'
import {
  createRemoteStatusListResolver,
  type RemoteStatusListResolverOptions,
} from '../../../src/status/fetch-status-list.js'
import type { ResolvedStatusList, StatusListResolver } from '../../../src/status/status-list-resolver.js'
import { createTestIssuer } from '../../support/issuer-fixture.js'

type Handler = (req: IncomingMessage, res: ServerResponse) => void

interface TestServer {
  /** Base URL, `http://127.0.0.1:<port>`. */
  base: string
  port: number
  /** Headers of every request received, in order. */
  requests: Array<{ url: string; headers: IncomingHttpHeaders }>
  handle(handler: Handler): void
}

async function startServer(): Promise<TestServer & { server: Server }> {
  let handler: Handler = (_req, res) => res.writeHead(404).end()
  const requests: TestServer['requests'] = []
  const server = createServer((req, res) => {
    requests.push({ url: req.url ?? '', headers: req.headers })
    handler(req, res)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return { server, base: `http://127.0.0.1:${port}`, port, requests, handle: (h) => (handler = h) }
}

/** A compact JWS-shaped list (the resolver never verifies, so the signature bytes do not matter here). */
function fakeJws(subject: Record<string, unknown> = {}, top: Record<string, unknown> = {}): string {
  const header = base64url.encode(JSON.stringify({ alg: 'EdDSA', typ: 'vc+jwt', kid: 'did:example:1#k' }))
  const payload = base64url.encode(
    JSON.stringify({ credentialSubject: { type: 'BitstringStatusList', ...subject }, ...top }),
  )
  return `${header}.${payload}.${base64url.encode('signature')}`
}

function mutableClock(start: string): Clock & { advance(ms: number): void } {
  let now = Date.parse(start)
  return Object.assign(() => new Date(now), { advance: (ms: number) => void (now += ms) })
}

function expectRetrievalError(err: unknown, reason: StatusRetrievalError['reason']): void {
  expect(err).to.be.instanceOf(StatusRetrievalError)
  expect(err).to.include({ code: 'ERR_STATUS_RETRIEVAL', reason })
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise
  } catch (err) {
    return err
  }
  throw new Error('expected a rejection')
}

describe('createRemoteStatusListResolver', () => {
  let srv: TestServer & { server: Server }
  let clock: ReturnType<typeof mutableClock>

  function resolver(options: Partial<RemoteStatusListResolverOptions> = {}): StatusListResolver {
    return createRemoteStatusListResolver({ clock, allowHttpHosts: ['127.0.0.1'], ...options })
  }

  beforeEach(async () => {
    srv = await startServer()
    clock = mutableClock('2026-03-01T12:00:00Z')
  })
  afterEach(async () => {
    srv.server.closeAllConnections()
    await new Promise((resolve) => srv.server.close(resolve))
  })

  describe('caching', () => {
    it('serves a list from the cache within its ttl, then retrieves it again', async () => {
      const jws = fakeJws({ ttl: 60_000 })
      srv.handle((_req, res) => res.writeHead(200, { 'content-type': 'application/vc+jwt' }).end(jws))
      const resolve = resolver()
      const url = `${srv.base}/status/1`
      const first = await resolve(url)
      expect(first).to.deep.equal({ url, form: 'jose', credential: jws })
      clock.advance(59_000)
      expect(await resolve(`${url}#list`)).to.deep.equal(first)
      expect(srv.requests).to.have.length(1)
      clock.advance(2_000)
      await resolve(url)
      expect(srv.requests).to.have.length(2)
    })

    it('revalidates with If-None-Match once stale, and keeps the cached copy on 304', async () => {
      const jws = fakeJws({ ttl: 1_000 })
      srv.handle((req, res) => {
        if (req.headers['if-none-match'] === '"v1"') res.writeHead(304, { etag: '"v1"' }).end()
        else res.writeHead(200, { 'content-type': 'application/vc+jwt', etag: '"v1"' }).end(jws)
      })
      const resolve = resolver()
      const url = `${srv.base}/status/1`
      expect(await resolve(url)).to.deep.equal({ url, form: 'jose', credential: jws, etag: '"v1"' })
      clock.advance(2_000)
      expect(await resolve(url)).to.deep.equal({ url, form: 'jose', credential: jws, etag: '"v1"' })
      expect(srv.requests.map((r) => r.headers['if-none-match'])).to.deep.equal([undefined, '"v1"'])
      // The 304 renewed the ttl.
      await resolve(url)
      expect(srv.requests).to.have.length(2)
    })

    it('keeps a list no longer than Cache-Control max-age or validUntil allow', async () => {
      const url = `${srv.base}/status/1`
      srv.handle((_req, res) =>
        res
          .writeHead(200, { 'content-type': 'application/vc+jwt', 'cache-control': 'max-age=10' })
          .end(fakeJws({ ttl: 600_000 })),
      )
      const resolve = resolver()
      await resolve(url)
      clock.advance(11_000)
      await resolve(url)
      expect(srv.requests).to.have.length(2)

      const until = new Date(clock().getTime() + 5_000).toISOString()
      const short = fakeJws({ ttl: 600_000 }, { validUntil: until })
      srv.handle((_req, res) => res.writeHead(200, { 'content-type': 'application/vc+jwt' }).end(short))
      const other = `${srv.base}/status/2`
      expect(await resolve(other)).to.deep.equal({
        url: other,
        form: 'jose',
        credential: short,
        validUntil: until,
      })
      clock.advance(6_000)
      await resolve(other)
      expect(srv.requests).to.have.length(4)
    })

    it('does not cache a list served with no-store, nor one without ttl or max-age', async () => {
      let noStore = true
      srv.handle((_req, res) =>
        res
          .writeHead(200, {
            'content-type': 'application/vc+jwt',
            ...(noStore ? { 'cache-control': 'no-store' } : {}),
          })
          .end(fakeJws(noStore ? { ttl: 60_000 } : {})),
      )
      const resolve = resolver()
      await resolve(`${srv.base}/a`)
      await resolve(`${srv.base}/a`)
      noStore = false
      await resolve(`${srv.base}/b`)
      await resolve(`${srv.base}/b`)
      expect(srv.requests).to.have.length(4)
    })

    it('retrieves a list once for concurrent callers', async () => {
      srv.handle((_req, res) =>
        setTimeout(
          () => res.writeHead(200, { 'content-type': 'application/vc+jwt' }).end(fakeJws({ ttl: 60_000 })),
          50,
        ),
      )
      const resolve = resolver()
      await Promise.all([resolve(`${srv.base}/s`), resolve(`${srv.base}/s`), resolve(`${srv.base}/s`)])
      expect(srv.requests).to.have.length(1)
    })
  })

  describe('media types', () => {
    it('reads JSON media types as form di and a JWS-shaped body as form jose', async () => {
      const document = {
        '@context': [CREDENTIALS_V2],
        type: ['VerifiableCredential', 'BitstringStatusListCredential'],
      }
      const resolve = resolver()
      for (const type of [
        'application/vc+ld+json',
        'application/ld+json; charset=utf-8',
        'application/json',
        'application/vc',
      ]) {
        srv.handle((_req, res) => res.writeHead(200, { 'content-type': type }).end(JSON.stringify(document)))
        const resolved = await resolve(`${srv.base}/${encodeURIComponent(type)}`)
        expect(resolved, type).to.include({ form: 'di' })
        expect(resolved?.credential).to.deep.equal(document)
      }
      const jws = fakeJws()
      srv.handle((_req, res) => res.writeHead(200, { 'content-type': 'text/plain' }).end(`${jws}\n`))
      expect(await resolve(`${srv.base}/plain`)).to.include({ form: 'jose', credential: jws })
    })

    it('refuses a body that is neither a JWS nor JSON, and JSON that does not parse', async () => {
      const resolve = resolver()
      srv.handle((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<html></html>'))
      expectRetrievalError(await rejection(resolve(`${srv.base}/html`)), 'content')
      srv.handle((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"broken"'))
      expectRetrievalError(await rejection(resolve(`${srv.base}/json`)), 'content')
    })
  })

  describe('limits and failures', () => {
    it('refuses a body larger than maxBytes, announced or streamed', async () => {
      const resolve = resolver({ maxBytes: 1024 })
      srv.handle((_req, res) =>
        res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ pad: 'x'.repeat(2048) })),
      )
      expectRetrievalError(await rejection(resolve(`${srv.base}/announced`)), 'too-large')
      // Chunked, without Content-Length: the limit is enforced while reading.
      srv.handle((_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' })
        res.write(`{"pad":"${'x'.repeat(800)}`)
        res.write('x'.repeat(800))
        res.end('"}')
      })
      expectRetrievalError(await rejection(resolve(`${srv.base}/streamed`)), 'too-large')
    })

    it('gives up after timeoutMs on a server that never answers', async () => {
      srv.handle(() => undefined)
      const started = Date.now()
      expectRetrievalError(await rejection(resolver({ timeoutMs: 200 })(`${srv.base}/slow`)), 'timeout')
      expect(Date.now() - started).to.be.below(5_000)
    })

    it('gives up after timeoutMs on a body that stalls', async () => {
      srv.handle((_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' })
        res.write('{')
      })
      expectRetrievalError(await rejection(resolver({ timeoutMs: 200 })(`${srv.base}/stall`)), 'timeout')
    })

    for (const status of [404, 500, 503]) {
      it(`refuses a ${status} answer`, async () => {
        srv.handle((_req, res) =>
          res.writeHead(status, { 'content-type': 'application/vc+jwt' }).end(fakeJws()),
        )
        const err = await rejection(resolver()(`${srv.base}/x`))
        expectRetrievalError(err, 'http-status')
      })
    }

    it('reports a refused connection as a network failure', async () => {
      const closed = await startServer()
      await new Promise((resolve) => closed.server.close(resolve))
      expectRetrievalError(await rejection(resolver()(`${closed.base}/x`)), 'network')
    })
  })

  describe('schemes and redirects', () => {
    it('retrieves only https by default: an http URL is refused without any request', async () => {
      const resolve = createRemoteStatusListResolver({ clock })
      expectRetrievalError(await rejection(resolve(`${srv.base}/status/1`)), 'refused')
      expect(srv.requests).to.have.length(0)
    })

    it('refuses credentials in the URL and leaves other schemes to the next resolver', async () => {
      const resolve = resolver()
      expectRetrievalError(await rejection(resolve(`http://user:pw@127.0.0.1:${srv.port}/x`)), 'refused')
      expect(await resolve('urn:uuid:1f0e8a51-52c2-4ad0-bb40-2f0b2c7a1b31')).to.equal(undefined)
      expect(await resolve('did:example:123')).to.equal(undefined)
      expect(await resolve('not a url')).to.equal(undefined)
      expect(srv.requests).to.have.length(0)
    })

    it('follows a redirect to an allowed URL and refuses one to a host that is not allowed', async () => {
      const jws = fakeJws()
      srv.handle((req, res) => {
        if (req.url === '/moved') res.writeHead(302, { location: '/status/1' }).end()
        else if (req.url === '/away')
          res.writeHead(301, { location: `http://localhost:${srv.port}/status/1` }).end()
        else res.writeHead(200, { 'content-type': 'application/vc+jwt' }).end(jws)
      })
      const resolve = resolver()
      expect(await resolve(`${srv.base}/moved`)).to.deep.equal({
        url: `${srv.base}/status/1`,
        form: 'jose',
        credential: jws,
      })
      const before = srv.requests.length
      expectRetrievalError(await rejection(resolve(`${srv.base}/away`)), 'redirect')
      expect(srv.requests.map((r) => r.url).slice(before)).to.deep.equal(['/away'])
    })

    it('gives up after too many redirects', async () => {
      srv.handle((req, res) => res.writeHead(307, { location: `${req.url ?? ''}x` }).end())
      expectRetrievalError(await rejection(resolver()(`${srv.base}/r`)), 'redirect')
      expect(srv.requests.length).to.be.at.most(4)
    })
  })

  it('throws TypeError for bad options', () => {
    expect(() => createRemoteStatusListResolver({} as RemoteStatusListResolverOptions)).to.throw(TypeError)
    expect(() => createRemoteStatusListResolver({ clock, timeoutMs: 0 })).to.throw(TypeError)
    expect(() => createRemoteStatusListResolver({ clock, maxBytes: -1 })).to.throw(TypeError)
  })

  it('feeds checkStatus end to end: a signed list over HTTP passes, a server failure is indeterminate', async () => {
    const issuer = await createTestIssuer('Ed25519')
    try {
      const url = `${srv.base}/status/revocation/1`
      const list = await createList({ length: 131_072 })
      list.setStatus(3, true)
      const jws = await secureWithJose(
        {
          '@context': [CREDENTIALS_V2],
          id: url,
          type: ['VerifiableCredential', 'BitstringStatusListCredential'],
          issuer: issuer.did,
          validFrom: '2026-03-01T00:00:00Z',
          credentialSubject: {
            id: `${url}#list`,
            type: 'BitstringStatusList',
            statusPurpose: 'revocation',
            encodedList: await list.encode(),
            ttl: 60_000,
          },
        },
        issuer.signer,
      )
      srv.handle((_req, res) => res.writeHead(200, { 'content-type': 'application/vc+jwt' }).end(jws))
      const notMine: StatusListResolver = async () => undefined
      const resolveList = composeStatusListResolvers(notMine, resolver())
      const deps = {
        resolveList,
        didResolver: createDidResolver(),
        documentLoader: issuer.documentLoader,
        now: clock(),
      }
      const entry = (index: number) => ({
        id: `${url}#${index}`,
        type: 'BitstringStatusListEntry',
        statusPurpose: 'revocation',
        statusListIndex: String(index),
        statusListCredential: url,
      })
      const vcWith = (index: number) => ({
        '@context': [CREDENTIALS_V2],
        type: ['VerifiableCredential'],
        issuer: issuer.did,
        credentialStatus: entry(index),
      })
      expect(await checkStatus(vcWith(0), deps)).to.include({ status: 'pass', code: 'STATUS_OK' })
      expect(await checkStatus(vcWith(3), deps)).to.include({ status: 'fail', code: 'STATUS_REVOKED' })
      expect(srv.requests).to.have.length(1)

      srv.handle((_req, res) => res.writeHead(503).end())
      const fresh = composeStatusListResolvers(resolver())
      expect(await checkStatus(vcWith(0), { ...deps, resolveList: fresh })).to.include({
        status: 'indeterminate',
        code: 'STATUS_LIST_UNREACHABLE',
      })
    } finally {
      await issuer.dispose()
    }
  })
})

describe('composeStatusListResolvers', () => {
  const list = (url: string, credential: string): ResolvedStatusList => ({ url, form: 'jose', credential })

  it('answers with the first resolver that does not answer undefined', async () => {
    const calls: string[] = []
    const none: StatusListResolver = async (url) => void calls.push(`none:${url}`)
    const first: StatusListResolver = async (url) => (
      calls.push(`first:${url}`),
      url.endsWith('/a') ? list(url, 'A') : undefined
    )
    const second: StatusListResolver = async (url) => (calls.push(`second:${url}`), list(url, 'B'))
    const resolve = composeStatusListResolvers(none, first, second)
    expect(await resolve('https://x.example/a')).to.deep.equal(list('https://x.example/a', 'A'))
    expect(await resolve('https://x.example/b')).to.deep.equal(list('https://x.example/b', 'B'))
    expect(calls).to.deep.equal([
      'none:https://x.example/a',
      'first:https://x.example/a',
      'none:https://x.example/b',
      'first:https://x.example/b',
      'second:https://x.example/b',
    ])
    expect(await composeStatusListResolvers()('https://x.example/a')).to.equal(undefined)
  })

  it('stops at a resolver that fails instead of asking the next one', async () => {
    const failing: StatusListResolver = () =>
      Promise.reject(new StatusRetrievalError('down', 'https://x.example/a', 'network'))
    let asked = false
    const next: StatusListResolver = async (url) => ((asked = true), list(url, 'B'))
    await expect(composeStatusListResolvers(failing, next)('https://x.example/a')).to.be.rejectedWith(
      StatusRetrievalError,
    )
    expect(asked).to.equal(false)
  })

  it('throws TypeError for something that is not a resolver', () => {
    expect(() => composeStatusListResolvers(undefined as unknown as StatusListResolver)).to.throw(TypeError)
  })
})
