/** An initialised home folder with an in-process HTTP app over it, for supertest. */
import { expect } from 'chai'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pino } from 'pino'
import type { Response } from 'supertest'
import { fixedClock } from '../../src/clock.js'
import { loadConfig } from '../../src/config/load-config.js'
import { createContext, type AppContext } from '../../src/context.js'
import { createApp, type AppDeps } from '../../src/http/app.js'
import { createApiToken, type Scope } from '../../src/tokens/api-tokens.js'
import { createVerifierDeps } from '../../src/verifier/verifier-deps.js'
import { cli, CLI_TEST_NOW } from './cli.js'

export interface ServiceHome {
  home: string
  ctx: AppContext
  /** A new app over `ctx` (or over a context derived from it), with a silent logger. */
  app(deps?: Partial<AppDeps>): ReturnType<typeof createApp>
  /** A bearer token of the default tenant with `scopes`. */
  token(scopes: Scope[]): Promise<string>
  close(): Promise<void>
}

/** `microcred init` in a fresh folder whose `microcred.json` holds `config` (plus a fixed publicBaseUrl). */
export async function serviceHome(
  prefix: string,
  config: Record<string, unknown> = {},
): Promise<ServiceHome> {
  const home = await mkdtemp(join(tmpdir(), prefix))
  await writeFile(
    join(home, 'microcred.json'),
    JSON.stringify({ publicBaseUrl: 'http://localhost:7790', ...config }),
  )
  const init = await cli(home, ['init'])
  expect(init.code, init.err).to.equal(0)
  const ctx = await createContext(loadConfig({ env: { MICROCRED_HOME: home }, cwd: home }), {
    clock: fixedClock(CLI_TEST_NOW),
  })
  return {
    home,
    ctx,
    app: (deps = {}) => {
      const appCtx = deps.ctx ?? ctx
      return createApp({
        ctx: appCtx,
        verifier: createVerifierDeps(appCtx),
        logger: pino({ level: 'silent' }),
        ...deps,
      })
    },
    token: async (scopes) => (await createApiToken(ctx, { tenantSlug: 'default', scopes })).token,
    close: async () => {
      await ctx.close()
      await rm(home, { recursive: true, force: true })
    },
  }
}

/** `ctx` with some configuration settings replaced. */
export function withConfig(ctx: AppContext, settings: Partial<AppContext['config']>): AppContext {
  return { ...ctx, config: { ...ctx.config, ...settings } }
}

/** A problem+json response with `status` and `code`. */
export function expectProblem(res: Response, status: number, code: string): void {
  expect(res.status, JSON.stringify(res.body)).to.equal(status)
  expect(res.headers['content-type']).to.match(/^application\/problem\+json/)
  expect(res.body).to.include({ status, code })
  expect(res.body.type).to.be.a('string')
  expect(res.body.title).to.be.a('string')
}
