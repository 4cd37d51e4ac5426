import { expect } from 'chai'
import type { LookupAddress } from 'node:dns'
import type { LookupOptions } from 'node:dns'
import type { DIDDocument } from 'did-resolver'
import {
  AddressRefusedError,
  createCheckedLookup,
  createRemoteDidWebLookup,
  isAllowedHostName,
  isPublicAddress,
  type RemoteDidWebLookupOptions,
} from '../../../src/did/did-web-remote.js'
import { composeDidWebLookups, createDidResolver } from '../../../src/did/resolver.js'
import { DID_V1 } from '../../../src/document-loader/index.js'
import { DidResolutionError } from '../../../src/errors.js'
import { checkIssuer } from '../../../src/verifier/checks/issuer.js'
import type { ParsedCredential } from '../../../src/verifier/types.js'

const DID = 'did:web:issuer.example'
const URL_OF_DID = 'https://issuer.example/.well-known/did.json'

function document(id = DID): DIDDocument {
  return { '@context': DID_V1, id }
}

interface Call {
  url: string
  init: RequestInit | undefined
}

/** A fetch answering from `routes` (URL -> response factory), recording every call. */
function fakeFetch(
  routes: Record<string, () => Response | Promise<Response>>,
): typeof globalThis.fetch & { calls: Call[] } {
  const calls: Call[] = []
  const fetch = async (input: string | URL | Request, init?: RequestInit) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url
    calls.push({ url, init })
    const route = routes[url]
    if (!route) return new Response('not here', { status: 404 })
    return route()
  }
  return Object.assign(fetch, { calls })
}

const json = (value: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(value), {
    status: 200,
    headers: { 'content-type': 'application/did+json', ...headers },
  })

function clockAt(start: number): { clock: () => Date; advance(ms: number): void } {
  let now = start
  return { clock: () => new Date(now), advance: (ms) => (now += ms) }
}

function lookupWith(fetch: typeof globalThis.fetch, options: Partial<RemoteDidWebLookupOptions> = {}) {
  return createRemoteDidWebLookup({ fetch, clock: () => new Date('2026-03-01T00:00:00Z'), ...options })
}

function credential(issuer: string): ParsedCredential {
  return {
    kind: 'credential',
    mechanism: 'data-integrity',
    version: '2.0',
    credential: { issuer },
    pointer: '',
  }
}

describe('isPublicAddress', () => {
  const refused = [
    '0.0.0.0',
    '0.1.2.3',
    '10.0.0.1',
    '10.255.255.255',
    '100.64.0.1',
    '100.127.255.254',
    '127.0.0.1',
    '127.1.2.3',
    '169.254.169.254',
    '172.16.0.1',
    '172.31.255.255',
    '192.0.0.8',
    '192.0.2.1',
    '192.168.1.1',
    '198.18.0.1',
    '198.51.100.7',
    '203.0.113.9',
    '224.0.0.1',
    '239.255.255.250',
    '240.0.0.1',
    '255.255.255.255',
    '::',
    '::1',
    '::ffff:127.0.0.1',
    '::ffff:10.1.2.3',
    '::ffff:7f00:1',
    '::ffff:169.254.169.254',
    '::127.0.0.1',
    '64:ff9b::a00:1',
    '64:ff9b::127.0.0.1',
    '2002:7f00:1::',
    '2002:c0a8:101::1',
    'fc00::1',
    'fd12:3456:789a::1',
    'fe80::1',
    'fe80::1%eth0',
    'febf::1',
    'fec0::1',
    'ff02::1',
    '100::1',
    '2001:db8::1',
    '2001::1',
    '3fff::1',
    'not-an-address',
    '',
    '1.2.3',
    '01.02.03.04',
  ]
  const allowed = [
    '1.1.1.1',
    '8.8.8.8',
    '9.9.9.9',
    '100.63.255.255',
    '100.128.0.0',
    '172.15.255.255',
    '172.32.0.0',
    '192.169.0.1',
    '169.253.0.1',
    '11.0.0.1',
    '223.255.255.255',
    '2606:4700:4700::1111',
    '2a00:1450:4001:80b::200e',
    '::ffff:8.8.8.8',
    '64:ff9b::808:808',
    '2002:808:808::1',
  ]
  for (const address of refused) {
    it(`refuses ${JSON.stringify(address)}`, () => expect(isPublicAddress(address)).to.equal(false))
  }
  for (const address of allowed) {
    it(`allows ${address}`, () => expect(isPublicAddress(address)).to.equal(true))
  }
})

describe('isAllowedHostName', () => {
  it('refuses loopback and private literals and localhost names, unless private networks are allowed', () => {
    for (const host of [
      '127.0.0.1',
      '10.0.0.1',
      '[::1]',
      '[fe80::1]',
      'localhost',
      'LOCALHOST',
      'localhost.',
      'api.localhost',
      '',
    ]) {
      expect(isAllowedHostName(host), host).to.equal(false)
    }
    for (const host of ['issuer.example', 'localhost.example', '8.8.8.8', '[2606:4700:4700::1111]']) {
      expect(isAllowedHostName(host), host).to.equal(true)
    }
    expect(isAllowedHostName('127.0.0.1', true)).to.equal(true)
    expect(isAllowedHostName('localhost', true)).to.equal(true)
  })
})

describe('createCheckedLookup', () => {
  const resolveTo =
    (...addresses: LookupAddress[]) =>
    async () =>
      addresses
  function call(
    lookup: ReturnType<typeof createCheckedLookup>,
    options: LookupOptions,
  ): Promise<{ err: Error | null; address: unknown; family: unknown }> {
    return new Promise((resolve) => {
      lookup('host.example', options, (err, address, family) => resolve({ err, address, family }))
    })
  }

  it('answers with the checked addresses, honouring family and all', async () => {
    const lookup = createCheckedLookup({
      resolveHost: resolveTo({ address: '2606:4700::1', family: 6 }, { address: '1.1.1.1', family: 4 }),
    })
    expect(await call(lookup, {})).to.deep.equal({ err: null, address: '2606:4700::1', family: 6 })
    expect(await call(lookup, { family: 4 })).to.deep.equal({ err: null, address: '1.1.1.1', family: 4 })
    const all = await call(lookup, { all: true })
    expect(all.err).to.equal(null)
    expect(all.address).to.deep.equal([
      { address: '2606:4700::1', family: 6 },
      { address: '1.1.1.1', family: 4 },
    ])
  })

  it('refuses a name when any of its addresses is not public (DNS rebinding, mixed answers)', async () => {
    for (const addresses of [
      [{ address: '127.0.0.1', family: 4 }],
      [{ address: '169.254.169.254', family: 4 }],
      [
        { address: '1.1.1.1', family: 4 },
        { address: '10.0.0.5', family: 4 },
      ],
      [{ address: '::ffff:192.168.0.1', family: 6 }],
    ]) {
      const { err } = await call(createCheckedLookup({ resolveHost: resolveTo(...addresses) }), { all: true })
      expect(err, JSON.stringify(addresses)).to.be.instanceOf(AddressRefusedError)
    }
    const allowed = await call(
      createCheckedLookup({
        allowPrivateNetworks: true,
        resolveHost: resolveTo({ address: '127.0.0.1', family: 4 }),
      }),
      {},
    )
    expect(allowed).to.deep.equal({ err: null, address: '127.0.0.1', family: 4 })
  })

  it('passes DNS failures on, and reports a missing family as not found', async () => {
    const failing = createCheckedLookup({
      resolveHost: async () => {
        throw Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' })
      },
    })
    expect((await call(failing, {})).err).to.have.property('code', 'ENOTFOUND')
    const v4only = createCheckedLookup({ resolveHost: resolveTo({ address: '1.1.1.1', family: 4 }) })
    expect((await call(v4only, { family: 6 })).err).to.have.property('code', 'ENOTFOUND')
  })
})

describe('createRemoteDidWebLookup', () => {
  it('throws TypeError for bad options', () => {
    expect(() => createRemoteDidWebLookup({} as RemoteDidWebLookupOptions)).to.throw(TypeError)
    expect(() => createRemoteDidWebLookup({ clock: () => new Date(0), timeoutMs: -1 })).to.throw(TypeError)
    expect(() =>
      createRemoteDidWebLookup({ clock: () => new Date(0), fetch: 'no' as unknown as typeof fetch }),
    ).to.throw(TypeError)
  })

  it('retrieves the document from the did:web URL with a GET that does not follow redirects', async () => {
    const fetch = fakeFetch({
      [URL_OF_DID]: () => json(document()),
      'https://issuer.example/issuers/zed/did.json': () =>
        json(document('did:web:issuer.example:issuers:zed')),
      'https://issuer.example:8443/.well-known/did.json': () =>
        json(document('did:web:issuer.example%3A8443')),
    })
    const lookup = lookupWith(fetch)
    expect(await lookup(DID)).to.deep.equal(document())
    expect(await lookup('did:web:issuer.example:issuers:zed')).to.deep.equal(
      document('did:web:issuer.example:issuers:zed'),
    )
    expect(await lookup('did:web:issuer.example%3A8443')).to.deep.equal(
      document('did:web:issuer.example%3A8443'),
    )
    expect(fetch.calls.map((c) => c.url)).to.deep.equal([
      URL_OF_DID,
      'https://issuer.example/issuers/zed/did.json',
      'https://issuer.example:8443/.well-known/did.json',
    ])
    expect(fetch.calls[0]?.init).to.include({ redirect: 'manual' })
    expect(fetch.calls[0]?.init?.signal).to.be.instanceOf(AbortSignal)
    expect((fetch.calls[0]?.init?.headers as Record<string, string>).accept).to.contain(
      'application/did+json',
    )
  })

  it('answers undefined for 404 and 410, and DidResolutionError http-status for other failures', async () => {
    const lookup = lookupWith(
      fakeFetch({
        [URL_OF_DID]: () => new Response('gone', { status: 410 }),
        'https://down.example/.well-known/did.json': () => new Response('oops', { status: 503 }),
      }),
    )
    expect(await lookup(DID)).to.equal(undefined)
    expect(await lookup('did:web:nowhere.example')).to.equal(undefined)
    await expect(lookup('did:web:down.example'))
      .to.be.rejectedWith(DidResolutionError)
      .and.eventually.include({ reason: 'http-status', did: 'did:web:down.example' })
  })

  it('caches a document for cacheTtlMs, hands out copies, and shares one retrieval between concurrent callers', async () => {
    const fetch = fakeFetch({ [URL_OF_DID]: () => json(document()) })
    const time = clockAt(Date.parse('2026-03-01T00:00:00Z'))
    const lookup = createRemoteDidWebLookup({ fetch, clock: time.clock, cacheTtlMs: 60_000 })
    const [a, b] = await Promise.all([lookup(DID), lookup(DID)])
    expect(fetch.calls).to.have.length(1)
    expect(a).to.deep.equal(b)
    expect(a).to.not.equal(b)
    if (a) a.id = 'changed by a caller'
    time.advance(59_000)
    expect(await lookup(DID)).to.deep.equal(document())
    expect(fetch.calls).to.have.length(1)
    time.advance(2_000)
    await lookup(DID)
    expect(fetch.calls).to.have.length(2)
  })

  it('follows https redirects to public hosts only, at most 3', async () => {
    const redirect = (location: string) => () => new Response(null, { status: 302, headers: { location } })
    const ok = fakeFetch({
      [URL_OF_DID]: redirect('https://cdn.example/did.json'),
      'https://cdn.example/did.json': () => json(document()),
    })
    expect(await lookupWith(ok)(DID)).to.deep.equal(document())
    for (const [location, reason] of [
      ['http://cdn.example/did.json', 'redirect'],
      ['https://127.0.0.1/did.json', 'refused'],
      ['https://localhost/did.json', 'refused'],
      ['https://user:pw@cdn.example/did.json', 'redirect'],
    ] as const) {
      const fetch = fakeFetch({ [URL_OF_DID]: redirect(location) })
      await expect(lookupWith(fetch)(DID), location)
        .to.be.rejectedWith(DidResolutionError)
        .and.eventually.have.property('reason', reason)
      expect(fetch.calls, location).to.have.length(1)
    }
    const loop = fakeFetch({ [URL_OF_DID]: redirect(URL_OF_DID) })
    await expect(lookupWith(loop)(DID))
      .to.be.rejectedWith(DidResolutionError)
      .and.eventually.have.property('reason', 'redirect')
    expect(loop.calls).to.have.length(4)
  })

  it('refuses a body over maxBytes, announced or streamed', async () => {
    const big = JSON.stringify({ ...document(), padding: 'x'.repeat(2000) })
    const announced = fakeFetch({
      [URL_OF_DID]: () => new Response(big, { headers: { 'content-length': String(big.length) } }),
    })
    await expect(lookupWith(announced, { maxBytes: 1024 })(DID))
      .to.be.rejectedWith(DidResolutionError)
      .and.eventually.have.property('reason', 'too-large')
    const streamed = fakeFetch({
      [URL_OF_DID]: () =>
        new Response(
          new ReadableStream<Uint8Array>({
            start(controller) {
              for (let i = 0; i < 10; i++) controller.enqueue(new TextEncoder().encode('x'.repeat(200)))
              controller.close()
            },
          }),
        ),
    })
    await expect(lookupWith(streamed, { maxBytes: 1024 })(DID))
      .to.be.rejectedWith(DidResolutionError)
      .and.eventually.have.property('reason', 'too-large')
  })

  it('refuses a body that is not a JSON object with InvalidDidError', async () => {
    for (const body of ['not json', '[1]', 'null']) {
      const fetch = fakeFetch({ [URL_OF_DID]: () => new Response(body) })
      await expect(lookupWith(fetch)(DID), body).to.be.rejected.and.eventually.have.property(
        'code',
        'ERR_DID_INVALID',
      )
    }
  })

  it('reports a connection failure as network and a slow server as timeout', async () => {
    const broken = Object.assign(async () => {
      throw new TypeError('fetch failed')
    }, {}) as typeof globalThis.fetch
    await expect(lookupWith(broken)(DID))
      .to.be.rejectedWith(DidResolutionError)
      .and.eventually.have.property('reason', 'network')
    const slow = (async (_url: string, init?: RequestInit) =>
      new Promise<Response>((_resolve, reject) => {
        init?.signal?.addEventListener('abort', () => reject(init.signal?.reason))
      })) as typeof globalThis.fetch
    await expect(lookupWith(slow, { timeoutMs: 30 })(DID))
      .to.be.rejectedWith(DidResolutionError)
      .and.eventually.have.property('reason', 'timeout')
  })

  it('refuses loopback, private and localhost hosts without any request, unless allowed', async () => {
    for (const did of [
      'did:web:127.0.0.1',
      'did:web:localhost%3A8443',
      'did:web:10.0.0.7',
      'did:web:169.254.169.254',
      'did:web:2130706433',
      'did:web:api.localhost',
    ]) {
      const fetch = fakeFetch({})
      await expect(lookupWith(fetch)(did), did)
        .to.be.rejectedWith(DidResolutionError)
        .and.eventually.have.property('reason', 'refused')
      expect(fetch.calls, did).to.have.length(0)
    }
    const local = fakeFetch({
      'https://localhost:8443/.well-known/did.json': () => json(document('did:web:localhost%3A8443')),
    })
    expect(await lookupWith(local, { allowPrivateNetworks: true })('did:web:localhost%3A8443')).to.deep.equal(
      document('did:web:localhost%3A8443'),
    )
  })

  it('refuses malformed did:web DIDs with InvalidDidError', async () => {
    const fetch = fakeFetch({})
    await expect(lookupWith(fetch)('did:web:exa_mple.org')).to.be.rejected.and.eventually.have.property(
      'code',
      'ERR_DID_INVALID',
    )
    await expect(lookupWith(fetch)('did:key:z6Mk')).to.be.rejected.and.eventually.have.property(
      'code',
      'ERR_DID_INVALID',
    )
    expect(fetch.calls).to.have.length(0)
  })

  describe('default transport (node:https with the checked lookup)', () => {
    it('refuses a name that resolves to loopback before connecting', async () => {
      const resolved: string[] = []
      const lookup = createRemoteDidWebLookup({
        clock: () => new Date(0),
        timeoutMs: 2000,
        resolveHost: async (hostname) => {
          resolved.push(hostname)
          return [{ address: '127.0.0.1', family: 4 }]
        },
      })
      await expect(lookup('did:web:rebind.test'))
        .to.be.rejectedWith(DidResolutionError)
        .and.eventually.have.property('reason', 'refused')
      expect(resolved).to.deep.equal(['rebind.test'])
    })

    it('connects to the checked address when private networks are allowed (here: a closed local port)', async () => {
      const lookup = createRemoteDidWebLookup({
        clock: () => new Date(0),
        timeoutMs: 2000,
        allowPrivateNetworks: true,
        resolveHost: async () => [{ address: '127.0.0.1', family: 4 }],
      })
      // Port 9 (discard) is closed on test machines: the connection is refused, which is a network failure.
      await expect(lookup('did:web:rebind.test%3A9'))
        .to.be.rejectedWith(DidResolutionError)
        .and.eventually.have.property('reason', 'network')
    })
  })
})

describe('did:web resolution chain and the issuer check', () => {
  it('asks the local lookup first, then the remote one', async () => {
    const fetch = fakeFetch({
      'https://remote.example/.well-known/did.json': () => json(document('did:web:remote.example')),
    })
    const local = async (did: string) => (did === DID ? document() : undefined)
    const resolver = createDidResolver({ didWeb: composeDidWebLookups(local, lookupWith(fetch)) })
    expect((await resolver.resolve(DID)).id).to.equal(DID)
    expect(fetch.calls).to.have.length(0)
    expect((await resolver.resolve('did:web:remote.example')).id).to.equal('did:web:remote.example')
    expect(fetch.calls).to.have.length(1)
    expect(() => composeDidWebLookups(local, 'x' as never)).to.throw(TypeError)
  })

  it('maps resolution outcomes to issuer check results', async () => {
    const fetch = fakeFetch({
      [URL_OF_DID]: () => json(document()),
      'https://wrong.example/.well-known/did.json': () => json(document('did:web:someone-else.example')),
      'https://down.example/.well-known/did.json': () => new Response('', { status: 502 }),
    })
    const deps = { didResolver: createDidResolver({ didWeb: lookupWith(fetch) }) }
    const cases: Array<[string, string, string]> = [
      [DID, 'pass', 'ISSUER_RESOLVED'],
      ['did:web:missing.example', 'fail', 'ISSUER_NOT_FOUND'],
      ['did:web:wrong.example', 'fail', 'ISSUER_DID_INVALID'],
      ['did:web:down.example', 'indeterminate', 'ISSUER_UNREACHABLE'],
      ['did:web:127.0.0.1', 'indeterminate', 'ISSUER_UNREACHABLE'],
      ['did:example:123', 'fail', 'ISSUER_DID_METHOD_UNSUPPORTED'],
      ['did:key:z6MkNOTAKEY', 'fail', 'ISSUER_DID_INVALID'],
      ['https://issuer.example', 'fail', 'ISSUER_NOT_DID'],
      [`${DID}#key-1`, 'fail', 'ISSUER_DID_INVALID'],
    ]
    for (const [issuer, status, code] of cases) {
      expect(await checkIssuer(credential(issuer), deps), issuer).to.include({ id: 'issuer', status, code })
    }
    expect(await checkIssuer({ ...credential(DID), credential: {} }, deps)).to.include({
      status: 'fail',
      code: 'ISSUER_MISSING',
    })
    const noWeb = await checkIssuer(credential(DID), { didResolver: createDidResolver() })
    expect(noWeb).to.include({ status: 'fail', code: 'ISSUER_DID_METHOD_UNSUPPORTED' })
    const broken = await checkIssuer(credential(DID), {
      didResolver: createDidResolver({
        didWeb: async () => {
          throw new Error('bug')
        },
      }),
    })
    expect(broken).to.include({ status: 'indeterminate', code: 'ISSUER_UNREACHABLE' })
  })
})
