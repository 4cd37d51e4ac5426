/** Runs the `microcred` command line in-process, as a shell would, and captures what it prints. */
import { fixedClock } from '../../src/clock.js'
import { runCli } from '../../src/cli/run-cli.js'
import type { ContextOverrides } from '../../src/context.js'

export interface CliRun {
  code: number
  out: string
  err: string
  /** stdout parsed as JSON. */
  json: () => any
}

/** The clock every CLI test runs at, unless it passes its own. */
export const CLI_TEST_NOW = '2026-11-25T10:00:00Z'

/**
 * `microcred <args>` with `MICROCRED_HOME=home`, relative paths resolved against `home`, a fixed clock and
 * logging silenced; `env` and `overrides` add to or replace those.
 */
export async function cli(
  home: string,
  args: string[],
  options: { env?: Record<string, string>; overrides?: ContextOverrides } = {},
): Promise<CliRun> {
  let out = ''
  let err = ''
  const code = await runCli(args, {
    env: { MICROCRED_HOME: home, MICROCRED_LOG_LEVEL: 'silent', ...options.env },
    cwd: home,
    io: { out: (t) => void (out += t), err: (t) => void (err += t) },
    overrides: { clock: fixedClock(CLI_TEST_NOW), ...options.overrides },
  })
  return { code, out, err, json: () => JSON.parse(out) }
}
