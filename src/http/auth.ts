/**
 * Bearer-token authentication for the protected routes. `Authorization: Bearer <token>` is required; a
 * missing, malformed, unknown or revoked token is a 401 problem with `WWW-Authenticate: Bearer`, a valid token
 * without the route's scope a 403 problem. The tenant a route acts for is always the token's tenant.
 */
import type { Request, RequestHandler } from 'express'
import { AuthenticationError, ForbiddenError } from '../errors.js'
import type { Storage } from '../storage/storage.js'
import { authenticateToken, type Authenticated, type Scope } from '../tokens/api-tokens.js'

const CALLERS = new WeakMap<Request, Authenticated>()

/** The authenticated caller of a request that passed {@link requireScope}. */
export function callerOf(req: Request): Authenticated {
  const caller = CALLERS.get(req)
  if (!caller) throw new AuthenticationError('The request is not authenticated')
  return caller
}

/** Middleware: authenticates the bearer token, then demands `scope`. */
export function requireScope(storage: Storage, scope: Scope): RequestHandler {
  return async (req, res, next) => {
    try {
      const header = req.get('Authorization')
      const match = header === undefined ? null : /^Bearer ([\x21-\x7e]+)$/.exec(header)
      if (!match) throw new AuthenticationError('A bearer token is required (Authorization: Bearer <token>)')
      const caller = await authenticateToken(storage, match[1] as string)
      if (!caller.token.scopes.includes(scope)) {
        throw new ForbiddenError(`The token lacks the scope ${scope}`)
      }
      CALLERS.set(req, caller)
      next()
    } catch (err) {
      if (err instanceof AuthenticationError) res.setHeader('WWW-Authenticate', 'Bearer')
      next(err)
    }
  }
}
