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
import { notFoundHandler, problemHandler } from './problem.js'
import { issuingRoutes } from './issuing-routes.js'
import { publicRoutes } from './public-routes.js'
import { verifyRoutes } from './verify-routes.js'

/** Largest issuing request body by default: 1 MB. */
export const DEFAULT_ISSUE_BODY_BYTES = 1024 * 1024

/** Largest verify request body by default: 2 MB. */
export const DEFAULT_VERIFY_BODY_BYTES = 2 * 1024 * 1024

export interface AppDeps {
  ctx: AppContext
  verifier: VerifierDeps
  /** Request log; by default pino at the configured level, on stderr. */
  logger?: Logger
  limits?: { verifyBodyBytes?: number; issueBodyBytes?: number }
}

export function createApp(deps: AppDeps): express.Express {
  const { ctx, verifier } = deps
  const logger = deps.logger ?? pino({ level: ctx.config.logLevel }, pino.destination(2))
  const app = express()
  app.disable('x-powered-by')
  app.set('etag', false)

  // Request id and one log line per request: method, route path, status and duration; never bodies,
  // query strings or headers.
  app.use((req, res, next) => {
    const id = randomUUID()
    const started = process.hrtime.bigint()
    res.setHeader('X-Request-Id', id)
    res.on('finish', () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6
      logger.info(
        { reqId: id, method: req.method, path: req.path, status: res.statusCode, ms: Math.round(ms) },
        'request',
      )
    })
    next()
  })

  app.use(publicRoutes(ctx))
  app.use(verifyRoutes(verifier, deps.limits?.verifyBodyBytes ?? DEFAULT_VERIFY_BODY_BYTES))
  app.use(issuingRoutes(ctx, deps.limits?.issueBodyBytes ?? DEFAULT_ISSUE_BODY_BYTES))
  app.use(notFoundHandler)
  app.use(
    problemHandler((err) => {
      logger.error(
        { err: err instanceof Error ? { name: err.name } : { name: typeof err } },
        'request failed',
      )
    }),
  )
  return app
}
