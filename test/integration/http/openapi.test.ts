import { expect } from 'chai'
import { readFile } from 'node:fs/promises'
import request from 'supertest'
import { OPERATIONS, type OperationSpec } from '../../../src/http/openapi.js'
import { registeredRoutes } from '../../../src/http/registered-routes.js'
import { serviceHome, type ServiceHome } from '../../support/service-home.js'

type Json = Record<string, any>

/** Express `:id` and `*path` → OpenAPI `{id}` and `{path}`. */
function toOpenApiPath(expressPath: string): string {
  return expressPath.replace(/[:*]([A-Za-z0-9_]+)/g, '{$1}')
}

/** A concrete URL for an OpenAPI path: each parameter becomes `x`. */
function concrete(path: string): string {
  return path.replace(/\{[^}]+\}/g, 'x')
}

function resolveRef(document: Json, schema: Json): Json {
  const ref = schema.$ref as string
  expect(ref, 'request bodies refer to components.schemas').to.match(/^#\/components\/schemas\//)
  return document.components.schemas[ref.slice('#/components/schemas/'.length)]
}

/** Every `$ref` in `value`. */
function refsIn(value: unknown, found: string[] = []): string[] {
  if (Array.isArray(value)) value.forEach((v) => refsIn(v, found))
  else if (typeof value === 'object' && value !== null) {
    for (const [key, v] of Object.entries(value)) {
      if (key === '$ref' && typeof v === 'string') found.push(v)
      else refsIn(v, found)
    }
  }
  return found
}

describe('HTTP service: OpenAPI document', function () {
  this.timeout(60_000)
  let service: ServiceHome
  let app: ReturnType<ServiceHome['app']>
  let document: Json
  const operations = () =>
    Object.entries(document.paths as Json).flatMap(([path, item]) =>
      Object.entries(item as Json).map(([method, operation]) => ({
        path,
        method,
        operation: operation as Json,
      })),
    )

  before(async () => {
    service = await serviceHome('mc-openapi-', { rateLimit: { enabled: false } })
    app = service.app()
    const res = await request(app).get('/openapi.json').expect(200)
    expect(res.headers['content-type']).to.match(/^application\/json/)
    document = res.body as Json
  })
  after(() => service?.close())

  it('is structurally an OpenAPI 3.1 document', () => {
    expect(document.openapi).to.equal('3.1.0')
    expect(document.info.title).to.equal('microcred')
    expect(document.info.version).to.match(/^\d+\.\d+\.\d+/)
    expect(document.servers).to.deep.equal([{ url: 'http://localhost:7790' }])
    expect(document.paths).to.be.an('object')
    expect(document.components.schemas).to.be.an('object')
    const ids = new Set<string>()
    for (const { path, method, operation } of operations()) {
      expect(path).to.match(/^\//)
      expect(['get', 'post', 'put', 'patch', 'delete']).to.include(method)
      expect(ids.has(operation.operationId), `duplicate operationId ${operation.operationId}`).to.equal(false)
      ids.add(operation.operationId)
      expect(Object.keys(operation.responses).length).to.be.greaterThan(0)
      for (const [status, response] of Object.entries(operation.responses as Json)) {
        expect(status).to.match(/^[1-5]\d\d$/)
        expect((response as Json).description).to.be.a('string')
      }
      // Every path template parameter is declared, and nothing else is declared as a path parameter.
      const templated = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]).sort()
      const declared = ((operation.parameters ?? []) as Json[])
        .filter((p) => p.in === 'path')
        .map((p) => p.name as string)
        .sort()
      expect(declared, `${method} ${path}`).to.deep.equal(templated)
    }
    // `#/$defs/…` inside an embedded schema file is relative to that file (its `$id`), not to this document.
    for (const ref of refsIn(document)) {
      if (!ref.startsWith('#/components/')) continue
      const target = ref
        .slice(2)
        .split('/')
        .reduce<unknown>((node, key) => (node as Json | undefined)?.[key], document)
      expect(target, `unresolved ${ref}`).not.to.equal(undefined)
    }
  })

  it('describes exactly the routes the app serves, with the same methods', () => {
    const served = registeredRoutes(app).map((r) => `${r.method.toUpperCase()} ${toOpenApiPath(r.path)}`)
    // The walk reaches every router, not only the app's own routes.
    expect(served).to.include.members([
      'GET /healthz',
      'GET /{path}/did.json',
      'POST /credentials/verify',
      'GET /courses/{id}',
      'POST /status/credentials/issue',
      'GET /metrics',
    ])
    const documented = operations().map(({ path, method }) => `${method.toUpperCase()} ${path}`)
    expect([...new Set(served)].sort()).to.deep.equal([...documented].sort())
  })

  it('each request body schema is the schema file itself', async () => {
    const withBody = operations().filter(
      ({ operation }) => operation.requestBody?.content['application/json'] !== undefined,
    )
    expect(withBody.length).to.be.greaterThan(5)
    for (const { path, method, operation } of withBody) {
      const spec = OPERATIONS.find((op) => op.path === path && op.method === method) as OperationSpec
      // An upload takes a list of items, not the item schema itself.
      if (spec.upload !== undefined) continue
      const file = JSON.parse(
        await readFile(new URL(`../../../schemas/${spec.requestSchema}`, import.meta.url), 'utf8'),
      ) as Json
      const schema = resolveRef(document, operation.requestBody.content['application/json'].schema)
      expect(schema, `${method} ${path}`).to.deep.equal(file)
    }
  })

  it('every protected operation declares the bearer scheme and its scope; public ones declare none', () => {
    expect(document.components.securitySchemes.bearerAuth).to.include({ type: 'http', scheme: 'bearer' })
    for (const spec of OPERATIONS) {
      const operation = document.paths[spec.path][spec.method] as Json
      if (spec.access === 'public') expect(operation.security, spec.path).to.deep.equal([])
      else {
        expect(operation.security, spec.path).to.deep.equal([{ bearerAuth: [spec.access] }])
        expect(Object.keys(operation.responses)).to.include.members(['401', '403'])
      }
    }
  })

  it('the declared scope is the one the route demands, and public routes demand none', async () => {
    const ilaOnly = `Bearer ${await service.token(['ila:read'])}`
    const coursesOnly = `Bearer ${await service.token(['courses:read'])}`
    for (const spec of OPERATIONS) {
      const url = concrete(spec.path)
      const unrelated = spec.access === 'ila:read' ? coursesOnly : ilaOnly
      const res = await request(app)[spec.method](url).set('Authorization', unrelated).send({})
      if (spec.access === 'public') {
        expect(res.status, `${spec.method} ${url}`).not.to.be.oneOf([401, 403])
      } else {
        expect(res.status, `${spec.method} ${url}`).to.equal(403)
        expect(res.body.detail).to.equal(`The token lacks the scope ${spec.access}`)
      }
    }
  })

  it('problem responses use the problem+json schema', () => {
    for (const { operation } of operations()) {
      for (const [status, response] of Object.entries(operation.responses as Json)) {
        if (Number(status) < 400 || status === '422') continue
        expect((response as Json).content['application/problem+json'].schema).to.deep.equal({
          $ref: '#/components/schemas/Problem',
        })
      }
    }
  })
})
