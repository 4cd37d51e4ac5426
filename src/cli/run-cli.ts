/**
 * The `microcred` command line: dispatches to commands, prints results to stdout and messages to stderr,
 * and maps failures to exit codes (0 ok, 1 refused input or failed check, 2 usage).
 */
import { existsSync, readFileSync } from 'node:fs'
import { systemClock } from '../clock.js'
import { loadConfig, type Config } from '../config/load-config.js'
import { createContext, type AppContext, type ContextOverrides } from '../context.js'
import { isMicrocredError, NotInitializedError, UsageError, type FieldProblem } from '../errors.js'
import { commandHelp, parseCommandArgs, type CliIo, type Command } from './command.js'
import {
  batchesListCommand,
  batchesResultsCommand,
  batchesResumeCommand,
  batchesStatusCommand,
  issueBatchCommand,
} from './commands/batches.js'
import { claimsLinkCommand, claimsRevokeCommand } from './commands/claims.js'
import {
  initCommand,
  issuerShowCommand,
  keysGenerateCommand,
  keysListCommand,
  keysRotateCommand,
  tenantsAddCommand,
  tenantsListCommand,
} from './commands/identity.js'
import { ilaDemoCommand, ilaImportCommand, ilaLinkCommand, ilaReconcileCommand } from './commands/ila.js'
import { learnersEraseCommand } from './commands/learners.js'
import { courseAddCommand, courseListCommand, issueCommand } from './commands/issuing.js'
import { revokeCommand, statusCommand, suspendCommand, unsuspendCommand } from './commands/status.js'
import { serveCommand } from './commands/serve.js'
import { signCommand } from './commands/sign.js'
import { tokensCreateCommand, tokensListCommand, tokensRevokeCommand } from './commands/tokens.js'
import { verifyCommand } from './commands/verify.js'

/** Every command, in the order `--help` lists them. */
export const COMMANDS: readonly Command[] = [
  initCommand,
  issuerShowCommand,
  tenantsAddCommand,
  tenantsListCommand,
  keysGenerateCommand,
  keysListCommand,
  keysRotateCommand,
  courseAddCommand,
  courseListCommand,
  issueCommand,
  issueBatchCommand,
  batchesListCommand,
  batchesStatusCommand,
  batchesResultsCommand,
  batchesResumeCommand,
  revokeCommand,
  suspendCommand,
  unsuspendCommand,
  statusCommand,
  claimsLinkCommand,
  claimsRevokeCommand,
  learnersEraseCommand,
  ilaImportCommand,
  ilaLinkCommand,
  ilaDemoCommand,
  ilaReconcileCommand,
  signCommand,
  verifyCommand,
  serveCommand,
  tokensCreateCommand,
  tokensRevokeCommand,
  tokensListCommand,
]

export const EXIT = { OK: 0, REFUSED: 1, USAGE: 2 } as const

export interface RunCliOptions {
  env: Readonly<Record<string, string | undefined>>
  cwd: string
  io: CliIo
  /** Parts to use instead of the defaults (tests inject a clock). */
  overrides?: ContextOverrides
}

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string
  }
  return pkg.version
}

function mainHelp(): string {
  const lines = [
    'Usage: microcred <command> [options]',
    '',
    'Issues and verifies verifiable micro-credentials. Home folder: $MICROCRED_HOME, else the current directory.',
    '',
    'Commands:',
  ]
  for (const command of COMMANDS)
    lines.push(`  ${command.path.join(' ').padEnd(18)} ${command.summary.split('. ')[0]}`)
  lines.push(
    '',
    "Run 'microcred <command> --help' for a command's options.",
    'Exit codes: 0 ok, 1 refused input or failed check, 2 usage.',
  )
  return `${lines.join('\n')}\n`
}

function groupHelp(group: string): string {
  const members = COMMANDS.filter((c) => c.path[0] === group)
  const lines = [`Usage: microcred ${group} <${members.map((c) => c.path[1]).join('|')}> [options]`, '']
  for (const command of members)
    lines.push(`  ${command.path.join(' ').padEnd(18)} ${command.summary.split('. ')[0]}`)
  return `${lines.join('\n')}\n`
}

function findCommand(argv: string[]): { command: Command; rest: string[] } | undefined {
  for (const command of COMMANDS) {
    if (command.path.every((word, i) => argv[i] === word))
      return { command, rest: argv.slice(command.path.length) }
  }
  return undefined
}

function printProblems(io: CliIo, problems: readonly FieldProblem[]): void {
  for (const problem of problems) io.err(`  - ${problem.field}: ${problem.message} [${problem.rule}]\n`)
}

/** Runs one invocation and returns its exit code; never calls `process.exit`. */
export async function runCli(argv: string[], options: RunCliOptions): Promise<number> {
  const { io } = options
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    const target = argv[0] === 'help' ? findCommand(argv.slice(1)) : undefined
    io.out(target ? commandHelp(target.command) : mainHelp())
    return argv.length === 0 ? EXIT.USAGE : EXIT.OK
  }
  if (argv[0] === '--version' || argv[0] === '-v') {
    io.out(`${version()}\n`)
    return EXIT.OK
  }
  const found = findCommand(argv)
  if (!found) {
    if (COMMANDS.some((c) => c.path[0] === argv[0])) {
      const wantsHelp = argv.includes('--help') || argv.includes('-h')
      ;(wantsHelp ? io.out : io.err)(groupHelp(argv[0] as string))
      return wantsHelp ? EXIT.OK : EXIT.USAGE
    }
    io.err(`Unknown command: ${argv[0]}\n\n${mainHelp()}`)
    return EXIT.USAGE
  }
  const { command, rest } = found
  if (rest.includes('--help') || rest.includes('-h')) {
    io.out(commandHelp(command))
    return EXIT.OK
  }
  try {
    const { values, positionals } = parseCommandArgs(command, rest)
    const config: Config = loadConfig({ env: options.env, cwd: options.cwd })
    const embedded = !config.databaseUrl && !options.overrides?.storage
    const initialized = !embedded || existsSync(config.sqliteFile)
    const open = async (): Promise<AppContext> => {
      // Only `init` may create the embedded database; anywhere else a missing file means a wrong folder.
      if (command !== initCommand && !initialized) {
        throw new NotInitializedError(
          `No microcred database in ${config.home}. Run 'microcred init' there, or set MICROCRED_HOME.`,
        )
      }
      const ctx = await createContext(config, options.overrides)
      if (command !== initCommand) await ctx.storage.migrate()
      return ctx
    }
    const clock = options.overrides?.clock ?? systemClock
    return await command.run({ config, io, cwd: options.cwd, open, initialized, clock }, values, positionals)
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(`${err.message}\n\n${commandHelp(command)}`)
      return EXIT.USAGE
    }
    if (isMicrocredError(err) && err.public) {
      io.err(`error ${err.code}: ${err.message}\n`)
      if ('problems' in err) printProblems(io, err.problems)
      if ('missing' in err) printProblems(io, err.missing)
      return EXIT.REFUSED
    }
    if (isMicrocredError(err)) {
      // Non-public errors (storage, key files, signing) may carry paths or driver text: show the code only,
      // plus the message, which microcred writes itself and never fills with secrets.
      io.err(`error ${err.code}: ${err.message}\n`)
      return EXIT.REFUSED
    }
    throw err
  }
}
