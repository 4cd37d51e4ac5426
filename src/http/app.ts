/**
 * The HTTP service: public routes (health, status lists, did:web documents, verification) and the issuing
 * routes behind tenant bearer tokens. Built from an {@link AppContext} and the verifier's dependencies; reads
 * nothing from the environment.
 */
import { randomUUID } from 'node:crypto'
import express from 'express'
import { pino, type Logger } from 'pino'
import type { AppContext } from '../context.js'
import type { VerifierDeps } from '../verifier/index.js'
import { claimRoutes, loggedPath } from './claim-routes.js'
import { notFoundHandler, problemHandler } from './problem.js'
import { issuingRoutes } from './issuing-routes.js'
import { createBearerAuthenticator, useBearerAuthenticator } from './auth.js'
import { tenantRoutes } from './tenant-routes.js'
import { batchRoutes } from './batch-routes.js'
import { ilaRoutes } from './ila-routes.js'
import { ilaReportRoutes } from './ila-report-routes.js'
import type { BatchRunnerOptions } from './batch-runner.js'
import { publicRoutes } from './public-routes.js'
import { verifyRoutes } from './verify-routes.js'
import { pageRoutes } from './page-routes.js'
import { createMetrics, metricsHandler, routeLabeler, type Metrics } from './metrics.js'
import { buildOpenApiDocument } from './openapi.js'
import { publicRateLimit, RATE_LIMITED_PATHS } from './rate-limit.js'

/** Largest issuing request body by default: 1 MB. */
export const DEFAULT_ISSUE_BODY_BYTES = 1024 * 1024

/** Largest verify request body by default: 2 MB. */
export const DEFAULT_VERIFY_BODY_BYTES = 2 * 1024 * 1024

export interface AppDeps {
  ctx: AppContext
  verifier: VerifierDeps
  /** Request log; by default pino at the configured level, on stderr. */
  logger?: Logger
  limits?: { verifyBodyBytes?: number; issueBodyBytes?: number; batchBodyBytes?: number }
  /** The app's metrics; a fresh registry when absent. */
  metrics?: Metrics
  /**
   * Conformance mode (`microcred serve --conformance`, loopback only): the VC API issuing routes act for this
   * tenant without a token, so that external conformance suites can drive them. Off when absent.
   */
  conformance?: { tenantSlug: string }
  /** How the app's batch runner issues (`batchRunnerOf(app)`); by default one worker thread per core. */
  batches?: BatchRunnerOptions
}

export function createApp(deps: AppDeps): express.Express {
  const { ctx, verifier } = deps
  const logger = deps.logger ?? pino({ level: ctx.config.logLevel }, pino.destination(2))
  const app = express()
  app.disable('x-powered-by')
  app.set('etag', false)
  // Several instances behind a load balancer must see (and rate-limit) the client, not the balancer.
  app.set('trust proxy', ctx.config.trustProxy)
  const metrics = deps.metrics ?? createMetrics()
  if (deps.conformance) {
    logger.warn(
      { tenant: deps.conformance.tenantSlug },
      'conformance mode: POST /credentials/issue, /jose/credentials/issue and /status/credentials/issue ' +
        'issue for this tenant without a token',
    )
  }
  // Built now so that a bad OAuth key set file stops the service at start, not at the first request.
  useBearerAuthenticator(app, createBearerAuthenticator(ctx))

  // Request id and one log line per request: method, route path, status and duration; never bodies,
  // query strings or headers.
  app.use((req, res, next) => {
    const id = randomUUID()
    const started = process.hrtime.bigint()
    res.setHeader('X-Request-Id', id)
    res.on('finish', () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6
      // A claim link's path is its secret: the log shows the route instead.
      const path = loggedPath(req.path)
      logger.info(
        { reqId: id, method: req.method, path, status: res.statusCode, ms: Math.round(ms) },
        'request',
      )
    })
    next()
  })

  // Latency by route pattern, observed when the response is sent, whoever sent it.
  const routeOf = routeLabeler(app)
  app.use((req, res, next) => {
    const stop = metrics.httpDuration.startTimer()
    res.on('finish', () => stop({ method: req.method, route: routeOf(req), status: String(res.statusCode) }))
    next()
  })
  // By path, ahead of every router: routes mounted under these paths later are limited too.
  if (ctx.config.rateLimit.enabled) {
    app.use([...RATE_LIMITED_PATHS], publicRateLimit(ctx.config.rateLimit, logger))
  }

  app.get('/metrics', metricsHandler(metrics, ctx.config.metrics))
  const openApi = JSON.stringify(buildOpenApiDocument({ publicBaseUrl: ctx.publicBaseUrl }))
  app.get('/openapi.json', (_req, res) => {
    res.type('application/json').send(openApi)
  })
  app.use(publicRoutes(ctx))
  const logUnexpected = (err: unknown) => {
    logger.error({ err: err instanceof Error ? { name: err.name } : { name: typeof err } }, 'request failed')
  }
  // Before the claim routes: a browser at a claim link gets the learner's page, any other client the JSON.
  app.use(
    pageRoutes(ctx, {
      verifier,
      bodyLimitBytes: deps.limits?.verifyBodyBytes ?? DEFAULT_VERIFY_BODY_BYTES,
      metrics,
      logError: logUnexpected,
    }),
  )
  app.use(claimRoutes(ctx))
  app.use(verifyRoutes(verifier, deps.limits?.verifyBodyBytes ?? DEFAULT_VERIFY_BODY_BYTES, metrics))
  app.use(
    issuingRoutes(ctx, deps.limits?.issueBodyBytes ?? DEFAULT_ISSUE_BODY_BYTES, {
      metrics,
      conformance: deps.conformance,
    }),
  )
  app.use(tenantRoutes(ctx, deps.limits?.issueBodyBytes ?? DEFAULT_ISSUE_BODY_BYTES))
  app.use(
    batchRoutes(app, ctx, { bodyLimitBytes: deps.limits?.batchBodyBytes, metrics, runner: deps.batches }),
  )
  app.use(ilaRoutes(ctx, { verifier }))
  app.use(ilaReportRoutes(ctx))
  app.use(notFoundHandler)
  app.use(problemHandler(logUnexpected))
  return app
}
