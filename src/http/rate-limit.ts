/**
 * The rate limit of the public routes: per client address (as Express's `trust proxy` reports it), counted
 * in this process's memory. Mounted by path in `app.ts`, so routes added under these paths later are covered
 * without touching their routers.
 */
import type { RequestHandler } from 'express'
import { rateLimit } from 'express-rate-limit'
import type { Logger } from 'pino'
import type { RateLimitConfig } from '../config/load-config.js'
import { RateLimitedError } from '../errors.js'

/**
 * Express mount paths of the limited routes: verification, status lists, DID documents, claim links and
 * the pages that verify (share pages, the verify page). Health, readiness, metrics and the pages' style sheet
 * are never limited: probes and scrapers must always get an answer.
 */
export const RATE_LIMITED_PATHS: readonly string[] = [
  '/credentials/verify',
  '/presentations/verify',
  '/status-lists',
  '/.well-known',
  '/*path/did.json',
  '/claims',
  '/s',
  '/verify',
]

/** Logs a library error without its stack: what the operator needs is the code and the message. */
function logTo(logger: Logger, level: 'warn' | 'error') {
  return (error: unknown, message?: string) => {
    const code = (error as { code?: unknown } | null)?.code
    logger[level]({ code }, message ?? (error instanceof Error ? error.message : 'rate limiter'))
  }
}

/**
 * The limiter middleware: a 429 `ERR_RATE_LIMITED` problem with `Retry-After` once a client address passed
 * `max` requests in the window, and the `RateLimit` / `RateLimit-Policy` headers (IETF draft 8) on every
 * limited route. One limiter per app: its counters are its own.
 */
export function publicRateLimit(settings: RateLimitConfig, logger: Logger): RequestHandler {
  return rateLimit({
    windowMs: settings.windowSeconds * 1000,
    limit: settings.max,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    identifier: 'public',
    logger: { warn: logTo(logger, 'warn'), error: logTo(logger, 'error') },
    handler: (_req, _res, next) => {
      next(new RateLimitedError('Too many requests from this address: retry after the Retry-After delay'))
    },
  })
}
