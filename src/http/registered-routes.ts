/**
 * The routes an Express app actually serves, read from its router stack (mounted routers included): what
 * request metrics label requests with, and what the OpenAPI drift test compares the document against.
 */
import type express from 'express'

/** One method of one route, as registered. */
export interface RegisteredRoute {
  /** Lower-case HTTP method. */
  method: string
  /** The full Express pattern, mount paths included (`/courses/:id`, `/*path/did.json`). */
  path: string
  /** Express's route object, the one `req.route` holds for a request it handled. */
  route: object
}

interface RouteLike {
  path: unknown
  methods: Record<string, boolean>
}

interface LayerLike {
  route?: RouteLike
  rawPath?: unknown
  handle?: { stack?: LayerLike[] }
}

function join(prefix: string, path: string): string {
  const joined = `${prefix.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`
  return joined.length > 1 ? joined.replace(/\/+$/, '') : joined
}

function walk(stack: readonly LayerLike[], prefix: string, found: RegisteredRoute[]): void {
  for (const layer of stack) {
    if (layer.route) {
      const paths = [layer.route.path].flat()
      for (const path of paths) {
        if (typeof path !== 'string') continue
        for (const [method, on] of Object.entries(layer.route.methods)) {
          if (on && method !== '_all') found.push({ method, path: join(prefix, path), route: layer.route })
        }
      }
    } else if (Array.isArray(layer.handle?.stack)) {
      // A mounted router; a router mounted under a pattern or several paths is not something we do.
      const mount = typeof layer.rawPath === 'string' ? layer.rawPath : '/'
      walk(layer.handle.stack, join(prefix, mount), found)
    }
  }
}

/** Every method of every route `app` serves, in registration order. */
export function registeredRoutes(app: express.Express): RegisteredRoute[] {
  const found: RegisteredRoute[] = []
  walk((app.router as unknown as { stack: LayerLike[] }).stack, '', found)
  return found
}
