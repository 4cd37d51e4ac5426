/**
 * The learner's claim link, `GET /claims/{token}`: public, because the token itself is the capability. It
 * must not leak from where it is used: responses are not stored by caches and send no referrer onwards, and
 * the request log shows the route, never the token (see {@link loggedPath}).
 */
import { Router } from 'express'
import { openClaim } from '../claims/manage-claim-links.js'
import type { AppContext } from '../context.js'
import { storedCredentialView } from './issuing-routes.js'

/**
 * The path the request log may show: anything under `/claims/` is a token, and anything under `/s/` a share
 * link id; both are replaced by the route.
 */
export function loggedPath(path: string): string {
  return path.replace(/\/claims\/.*$/is, '/claims/:token').replace(/^\/s\/.+$/is, '/s/:id')
}

export function claimRoutes(ctx: AppContext): Router {
  const router = Router()

  router.get('/claims/:token', async (req, res) => {
    // Set before anything can fail, so that the 404 and 410 problems carry them too.
    res.setHeader('Cache-Control', 'no-store')
    res.setHeader('Referrer-Policy', 'no-referrer')
    const record = await openClaim(ctx, req.params.token)
    res.json(storedCredentialView(record))
  })

  return router
}
