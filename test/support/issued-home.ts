/**
 * A throwaway microcred home folder with an initialised issuer, for verifier tests: credentials are issued
 * through the real CLI with a fixed clock, revoked or suspended the same way, and verified with dependencies
 * wired to the home's own storage (its status lists and did:web documents resolve locally).
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { fixedClock } from '../../src/clock.js'
import { loadConfig } from '../../src/config/load-config.js'
import { createContext, type AppContext } from '../../src/context.js'
import { createVerifierDeps } from '../../src/verifier/verifier-deps.js'
import type { VerifierDeps } from '../../src/verifier/types.js'
import { cli as runCliIn, CLI_TEST_NOW, type CliRun } from './cli.js'

const EXAMPLES = fileURLToPath(new URL('../../examples/', import.meta.url))
export const EXAMPLE_COURSE = join(EXAMPLES, 'course.json')
export const EXAMPLE_LEARNER = join(EXAMPLES, 'learner.json')

/** When the home issues: every credential's `validFrom` and proof `created`. */
export const ISSUED_AT = CLI_TEST_NOW

export interface IssuedCredential {
  /** The credential id the CLI reported (`urn:uuid:…`). */
  id: string
  /** The compact `vc+jwt` for `elm`, the signed JSON-LD document for `edc`. */
  credential: string | Record<string, unknown>
}

export interface IssuedHome {
  home: string
  /** The default tenant's issuer DID. */
  issuerDid: string
  cli(args: string[]): Promise<CliRun>
  /** Issues the example course to `learner` (a path; the example learner by default). */
  issue(format: 'elm' | 'edc', learner?: string): Promise<IssuedCredential>
  /** The home's context (storage, key store, DID resolver), opened once and closed by `dispose`. */
  context(): Promise<AppContext>
  /**
   * The verifier's dependencies inside this instance (its own status lists, did:web documents and issuers
   * as trusted issuers), verifying at `at`.
   */
  verifierDeps(at: string): Promise<VerifierDeps>
  dispose(): Promise<void>
}

/** Creates a home folder and runs `init` in it (`initArgs` are passed on, e.g. `--key-type P-256`). */
export async function createIssuedHome(initArgs: string[] = []): Promise<IssuedHome> {
  const home = await mkdtemp(join(tmpdir(), 'mc-verify-'))
  const clock = fixedClock(ISSUED_AT)
  let ctx: AppContext | undefined

  const cli = (args: string[]): Promise<CliRun> => runCliIn(home, args, { overrides: { clock } })

  const context = async (): Promise<AppContext> => {
    ctx ??= await createContext(loadConfig({ env: { MICROCRED_HOME: home }, cwd: home }), { clock })
    return ctx
  }

  const init = await cli(['init', ...initArgs])
  if (init.code !== 0) throw new Error(`init failed: ${init.err}`)
  const issuerDid = (JSON.parse(init.out) as { issuer: { did: string } }).issuer.did

  return {
    home,
    issuerDid,
    cli,
    async issue(format, learner = EXAMPLE_LEARNER) {
      const run = await cli(['issue', '--course', EXAMPLE_COURSE, '--learner', learner, '--format', format])
      if (run.code !== 0) throw new Error(`issue failed: ${run.err}`)
      const id = /Issued (urn:uuid:[0-9a-f-]+)/.exec(run.err)?.[1]
      if (!id) throw new Error(`issue printed no credential id: ${run.err}`)
      const credential = format === 'elm' ? run.out.trim() : (JSON.parse(run.out) as Record<string, unknown>)
      return { id, credential }
    },
    context,
    async verifierDeps(at) {
      return createVerifierDeps({ ...(await context()), clock: fixedClock(at) })
    },
    async dispose() {
      await ctx?.close()
      await rm(home, { recursive: true, force: true })
    },
  }
}
