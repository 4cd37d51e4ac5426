/**
 * Bearer-token authentication for the protected routes. `Authorization: Bearer <token>` is required; a
 * missing, malformed, unknown or revoked token is a 401 problem with `WWW-Authenticate: Bearer`, a valid token
 * without the route's scope a 403 problem. The tenant a route acts for is always the token's tenant.
 *
 * Two kinds of token are accepted: microcred's own API tokens (`mc_…`), and, when `oauth` is configured, JWT
 * access tokens from the authorization server (told apart by their three-part shape). A JWT that fails is a
 * 401 with `WWW-Authenticate: Bearer error="invalid_token"` (RFC 6750 §3.1).
 */
import type { Express, Request, RequestHandler } from 'express'
import type { Clock } from '../clock.js'
import type { Config } from '../config/load-config.js'
import { AuthenticationError, ForbiddenError, NotFoundError } from '../errors.js'
import type { Storage } from '../storage/storage.js'
import { authenticateToken, type Authenticated, type Scope } from '../tokens/api-tokens.js'
import { createJwtAccessVerifier, looksLikeJwt, type JwtAccessVerifier } from '../tokens/jwt-access.js'

const CALLERS = new WeakMap<Request, Authenticated>()

/** Turns a presented bearer value into a caller. */
export interface BearerAuthenticator {
  /** The caller; {@link AuthenticationError} when the value is no valid token. */
  authenticate(bearer: string): Promise<Authenticated>
  /** True when failures of this value are reported as `invalid_token` (a JWT access token was checked). */
  isAccessToken(bearer: string): boolean
}

// The authenticator of each app, so that every router's `requireScope` accepts the same tokens without each
// route having to be handed the OAuth setting.
const AUTHENTICATORS = new WeakMap<object, BearerAuthenticator>()

/**
 * The authenticator for an instance: API tokens always, JWT access tokens too when `config.oauth` is set.
 *
 * @throws ConfigError when the OAuth key set file cannot be read or its URL is not allowed.
 */
export function createBearerAuthenticator(deps: {
  storage: Storage
  clock: Clock
  config: Pick<Config, 'oauth'>
}): BearerAuthenticator {
  const oauth = deps.config.oauth
  const jwt: JwtAccessVerifier | undefined =
    oauth === undefined ? undefined : createJwtAccessVerifier(oauth, deps)
  const isAccessToken = (bearer: string) => jwt !== undefined && looksLikeJwt(bearer)
  return {
    isAccessToken,
    authenticate: (bearer) =>
      jwt !== undefined && isAccessToken(bearer)
        ? jwt.authenticate(bearer)
        : authenticateToken(deps.storage, bearer),
  }
}

/** Makes `authenticator` the one every {@link requireScope} of `app` uses. */
export function useBearerAuthenticator(app: Express, authenticator: BearerAuthenticator): void {
  AUTHENTICATORS.set(app, authenticator)
}

/** The authenticated caller of a request that passed {@link requireScope}. */
export function callerOf(req: Request): Authenticated {
  const caller = CALLERS.get(req)
  if (!caller) throw new AuthenticationError('The request is not authenticated')
  return caller
}

/**
 * Middleware: authenticates the bearer token, then demands `scope`. Uses the app's authenticator (see
 * {@link useBearerAuthenticator}); without one, API tokens from `storage` only.
 */
export function requireScope(storage: Storage, scope: Scope): RequestHandler {
  return async (req, res, next) => {
    let accessToken = false
    try {
      const header = req.get('Authorization')
      const match = header === undefined ? null : /^Bearer ([\x21-\x7e]+)$/.exec(header)
      if (!match) throw new AuthenticationError('A bearer token is required (Authorization: Bearer <token>)')
      const bearer = match[1] as string
      const authenticator = AUTHENTICATORS.get(req.app)
      accessToken = authenticator?.isAccessToken(bearer) ?? false
      const caller = authenticator
        ? await authenticator.authenticate(bearer)
        : await authenticateToken(storage, bearer)
      if (!caller.scopes.includes(scope)) {
        throw new ForbiddenError(`The token lacks the scope ${scope}`)
      }
      CALLERS.set(req, caller)
      next()
    } catch (err) {
      if (err instanceof AuthenticationError) {
        res.setHeader('WWW-Authenticate', accessToken ? 'Bearer error="invalid_token"' : 'Bearer')
      }
      next(err)
    }
  }
}

/**
 * Middleware of conformance mode (`microcred serve --conformance`, loopback only): the request acts for
 * `tenantSlug` with `scopes` and no token, so that an external test suite can drive the routes it is put on.
 */
export function actAsTenant(storage: Storage, tenantSlug: string, scopes: readonly Scope[]): RequestHandler {
  return async (req, _res, next) => {
    const tenant = await storage.tenants.getBySlug(tenantSlug)
    if (!tenant) throw new NotFoundError(`No tenant ${JSON.stringify(tenantSlug)}`)
    CALLERS.set(req, { tenant, scopes, subject: `conformance:${tenantSlug}` })
    next()
  }
}
