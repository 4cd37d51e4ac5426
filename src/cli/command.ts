/** The shape shared by every CLI command, and the helpers they use to parse flags. */
import { parseArgs, type ParseArgsConfig } from 'node:util'
import { UsageError, ValidationError } from '../errors.js'
import type { Clock } from '../clock.js'
import type { Config } from '../config/load-config.js'
import type { AppContext } from '../context.js'
import type { IssuerProfile, KeyAlgorithm, LangMap } from '../storage/storage.js'
import { developmentProfile } from '../issuer/issuer-profile.js'

/** Where a command writes: results to `out` (stdout), messages to `err` (stderr). */
export interface CliIo {
  out(text: string): void
  err(text: string): void
  /**
   * Reads standard input as UTF-8 text, stopping once more than `maxBytes` bytes arrived (the caller refuses
   * such input as too large). Absent when there is no standard input to read.
   */
  readStdin?(maxBytes: number): Promise<string>
  /**
   * Standard input as it arrives, for commands that read it item by item whatever its size. Absent when there
   * is no standard input to read.
   */
  stdin?(): AsyncIterable<Buffer | string>
  /** The terminal behind `err`, when it is one: long commands draw a progress bar on it. */
  terminal?: NodeJS.WriteStream
}

export type Options = NonNullable<ParseArgsConfig['options']>
export type Values = Record<string, string | boolean | string[] | boolean[] | undefined>

export interface CommandEnv {
  config: Config
  io: CliIo
  /** The directory relative file arguments are resolved against. */
  cwd: string
  /** Opens the context (database, keys); commands that need no storage never call it. */
  open(): Promise<AppContext>
  /** Whether the home folder holds an instance (a database), so that `open` can succeed without `init`. */
  initialized: boolean
  /** The clock the context would get: for commands that run without opening it. */
  clock: Clock
}

export interface Command {
  /** Words that select it, e.g. `['keys', 'rotate']`. */
  path: string[]
  summary: string
  /** Usage lines after `microcred <path>`. */
  usage: string
  /** Options, each with a line of help. */
  options: Options
  help: Record<string, string>
  positionals?: { min: number; max: number }
  run(env: CommandEnv, values: Values, positionals: string[]): Promise<number>
}

/** Parses argv for a command; unknown flags or missing values become {@link UsageError}. */
export function parseCommandArgs(
  command: Command,
  argv: string[],
): { values: Values; positionals: string[] } {
  let parsed
  try {
    parsed = parseArgs({ args: argv, options: command.options, allowPositionals: true, strict: true })
  } catch (cause) {
    throw new UsageError((cause as Error).message, { cause })
  }
  const { min, max } = command.positionals ?? { min: 0, max: 0 }
  if (parsed.positionals.length < min || parsed.positionals.length > max) {
    throw new UsageError(`Usage: microcred ${command.path.join(' ')} ${command.usage}`)
  }
  return { values: parsed.values as Values, positionals: parsed.positionals }
}

/** Help text of one command. */
export function commandHelp(command: Command): string {
  const lines = [
    `Usage: microcred ${command.path.join(' ')} ${command.usage}`.trimEnd(),
    '',
    command.summary,
    '',
  ]
  const entries = Object.entries(command.options)
  if (entries.length > 0) {
    lines.push('Options:')
    for (const [name, option] of entries) {
      const flag = `${option.short ? `-${option.short}, ` : ''}--${name}${option.type === 'string' ? ' <value>' : ''}`
      lines.push(`  ${flag.padEnd(30)} ${command.help[name] ?? ''}`)
    }
  }
  return `${lines.join('\n')}\n`
}

export const TENANT_OPTION: Options = { tenant: { type: 'string' } }
export const TENANT_HELP = 'tenant slug (default: default)'

export function tenantOf(values: Values): string {
  return typeof values.tenant === 'string' ? values.tenant : 'default'
}

export function keyTypeOf(values: Values, fallback: KeyAlgorithm): KeyAlgorithm {
  const value = values['key-type']
  if (value === undefined) return fallback
  if (value === 'Ed25519' || value === 'P-256') return value
  throw new ValidationError(`--key-type must be Ed25519 or P-256`, [
    { field: '--key-type', rule: 'enum', message: '--key-type must be Ed25519 or P-256' },
  ])
}

/** Flags that describe an issuer organisation, shared by `init` and `tenants add`. */
export const PROFILE_OPTIONS: Options = {
  'legal-name': { type: 'string', multiple: true },
  country: { type: 'string' },
  address: { type: 'string', multiple: true },
  'eidas-id': { type: 'string' },
  'eidas-country': { type: 'string' },
  homepage: { type: 'string' },
  email: { type: 'string' },
  'did-web': { type: 'string' },
  'key-type': { type: 'string' },
}

export const PROFILE_HELP: Record<string, string> = {
  'legal-name': 'legal name, as text or lang=text; repeat for each language',
  country: 'country of the registered address (ISO 3166-1 alpha-2, e.g. IE)',
  address: 'full postal address, as text or lang=text; repeat for each language',
  'eidas-id': 'eIDAS legal identifier notation, e.g. VATIE-1234567X',
  'eidas-country': 'country of the eIDAS identifier (default: --country)',
  homepage: 'homepage URL',
  email: 'contact email',
  'did-web': 'use did:web with host[:path] (port as %3A) instead of did:key',
  'key-type': 'Ed25519 (default) or P-256',
}

function langMap(flag: string, values: string[]): LangMap {
  const map: LangMap = {}
  for (const value of values) {
    const match = /^([a-z]{2})=(.*)$/s.exec(value)
    const [lang, text] = match ? [match[1] as string, match[2] as string] : ['en', value]
    if (map[lang] !== undefined) {
      throw new ValidationError(`${flag} given twice for language ${lang}`, [
        { field: flag, rule: 'uniqueLanguage', message: `${flag} has two values for ${lang}` },
      ])
    }
    map[lang] = text
  }
  return map
}

/**
 * The issuer profile the flags describe, or the development profile when none of them is given. Giving
 * some but not all of the required ones is a usage error that names the missing flags.
 */
export function profileFromFlags(values: Values): IssuerProfile {
  const required = ['legal-name', 'country', 'address', 'eidas-id'] as const
  const optional = ['eidas-country', 'homepage', 'email'] as const
  const given = [...required, ...optional].filter((flag) => values[flag] !== undefined)
  if (given.length === 0) return developmentProfile()
  const missing = required.filter((flag) => values[flag] === undefined)
  if (missing.length > 0) {
    throw new UsageError(
      `An issuer profile needs ${required.map((f) => `--${f}`).join(', ')}; missing: ${missing.map((f) => `--${f}`).join(', ')}`,
    )
  }
  const country = String(values.country)
  const profile: IssuerProfile = {
    legalName: langMap('--legal-name', values['legal-name'] as string[]),
    country,
    address: langMap('--address', values.address as string[]),
    eidasIdentifier: {
      notation: String(values['eidas-id']),
      country: typeof values['eidas-country'] === 'string' ? values['eidas-country'] : country,
    },
    development: false,
  }
  if (typeof values.homepage === 'string') profile.homepage = values.homepage
  if (typeof values.email === 'string') profile.email = values.email
  return profile
}

/** Opens the context, runs `fn` with it, and closes it whatever happens. */
export async function withContext<T>(env: CommandEnv, fn: (ctx: AppContext) => Promise<T>): Promise<T> {
  const ctx = await env.open()
  try {
    return await fn(ctx)
  } finally {
    await ctx.close()
  }
}

/** Prints a result as indented JSON on stdout. */
export function printJson(io: CliIo, value: unknown): void {
  io.out(`${JSON.stringify(value, null, 2)}\n`)
}
