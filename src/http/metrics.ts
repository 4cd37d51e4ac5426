/**
 * Prometheus metrics of one app: credentials issued, verifications, request latency, and the process's
 * default metrics. Each app has its own registry, never prom-client's global one, so two apps in one process
 * (tests, or an embedding service) do not collide.
 */
import type express from 'express'
import type { Request, RequestHandler } from 'express'
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client'
import { AddressNotAllowedError, NotFoundError } from '../errors.js'
import { compileIpAllowList } from '../lib/ip-allow-list.js'
import type { VerificationResult } from '../verifier/index.js'
import { registeredRoutes } from './registered-routes.js'

/** The `format` label of {@link Metrics.issued}: the stored credential formats. */
export type IssuedFormat = 'elm' | 'edc' | 'vc-di' | 'vc-jose'

/** The `outcome` label of {@link Metrics.verified}. */
export type VerificationOutcome = 'verified' | 'not-verified' | 'unreadable'

/**
 * The metrics of one app. Counting an issued credential, wherever it is issued:
 * `metrics.issued.inc({ format: 'vc-di', tenant: tenant.slug }, n)`.
 */
export interface Metrics {
  registry: Registry
  /** `microcred_credentials_issued_total{format, tenant}`. */
  issued: Counter<'format' | 'tenant'>
  /** `microcred_verifications_total{kind, outcome}`: `kind` credential or presentation. */
  verified: Counter<'kind' | 'outcome'>
  /** `microcred_http_request_duration_seconds{method, route, status}`; `route` is the route pattern. */
  httpDuration: Histogram<'method' | 'route' | 'status'>
}

/** The `route` label of requests no route answered. */
export const UNMATCHED_ROUTE = 'unmatched'

/** A fresh registry with microcred's metrics and the process's default metrics. */
export function createMetrics(): Metrics {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry })
  return {
    registry,
    issued: new Counter({
      name: 'microcred_credentials_issued_total',
      help: 'Credentials issued, by format (elm, edc, vc-di, vc-jose) and tenant slug',
      labelNames: ['format', 'tenant'] as const,
      registers: [registry],
    }),
    verified: new Counter({
      name: 'microcred_verifications_total',
      help: 'Verifications, by kind (credential, presentation) and outcome (verified, not-verified, unreadable)',
      labelNames: ['kind', 'outcome'] as const,
      registers: [registry],
    }),
    httpDuration: new Histogram({
      name: 'microcred_http_request_duration_seconds',
      help: 'HTTP request duration in seconds, by method, route pattern and status',
      labelNames: ['method', 'route', 'status'] as const,
      registers: [registry],
    }),
  }
}

/** `unreadable` when the input could not be read as a credential or presentation at all. */
export function verificationOutcome(result: VerificationResult): VerificationOutcome {
  if (result.verified) return 'verified'
  const format = result.checks.find((check) => check.id === 'format')
  return format?.status === 'fail' ? 'unreadable' : 'not-verified'
}

/**
 * The route pattern a request matched (`/courses/:id`), mount paths included, or {@link UNMATCHED_ROUTE}.
 * Never the request's own path: paths may carry capability tokens, and a label per path would have no bound.
 */
export function routeLabeler(app: express.Express): (req: Request) => string {
  // Built on first use, when every router is mounted.
  let patterns: Map<object, string> | undefined
  return (req) => {
    const route = req.route as object | undefined
    if (route === undefined) return UNMATCHED_ROUTE
    patterns ??= new Map(registeredRoutes(app).map((r) => [r.route, r.path]))
    return patterns.get(route) ?? UNMATCHED_ROUTE
  }
}

/**
 * `GET /metrics` in the Prometheus text format: a 404 problem when disabled, a 403 problem for a client
 * address outside `allowFrom` (undefined: any address).
 */
export function metricsHandler(
  metrics: Metrics,
  settings: { enabled: boolean; allowFrom: readonly string[] | undefined },
): RequestHandler {
  const allowed = compileIpAllowList(settings.allowFrom)
  return async (req, res) => {
    if (!settings.enabled) throw new NotFoundError('No such resource')
    if (!allowed(req.ip)) throw new AddressNotAllowedError('Metrics are not served to this address')
    const text = await metrics.registry.metrics()
    res.setHeader('Content-Type', metrics.registry.contentType)
    res.send(text)
  }
}
