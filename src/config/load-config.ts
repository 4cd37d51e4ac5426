/**
 * Configuration: `<home>/microcred.json` overridden by environment variables, validated once against
 * `schemas/config.schema.json`, then frozen. Nothing else reads the environment.
 */
import { readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { ConfigError } from '../errors.js'
import { createAjv, toFieldProblems } from '../lib/schema-validation.js'
import type { KeyAlgorithm } from '../storage/storage.js'

/** The validated, frozen configuration every part of microcred receives from the composition root. */
export interface Config {
  /** The home folder: `$MICROCRED_HOME`, else the current directory. */
  readonly home: string
  /** `<home>/data`, where the SQLite file lives. */
  readonly dataDir: string
  readonly sqliteFile: string
  /** `<home>/keys`: private keys, owner-only. */
  readonly keysDir: string
  /** PostgreSQL URL, or undefined for the embedded SQLite default. May hold a password: never log it. */
  readonly databaseUrl: string | undefined
  readonly publicBaseUrl: string
  readonly port: number
  readonly host: string
  readonly logLevel: 'debug' | 'info' | 'warn' | 'error' | 'silent'
  readonly keyType: KeyAlgorithm
  /** Status entries every credential carries unless its course says otherwise. */
  readonly statusPurposes: ReadonlyArray<'revocation' | 'suspension'>
  /** Absolute path of the trusted-issuer registry file (`trustedIssuers`, relative to home), if configured. */
  readonly trustedIssuersFile: string | undefined
}

interface FileConfig {
  databaseUrl?: string
  publicBaseUrl?: string
  port?: number
  host?: string
  logLevel?: Config['logLevel']
  keyType?: KeyAlgorithm
  statusPurposes?: Array<'revocation' | 'suspension'>
  trustedIssuers?: string
}

const schema = JSON.parse(
  readFileSync(new URL('../../schemas/config.schema.json', import.meta.url), 'utf8'),
) as object
const validateFileConfig = createAjv().compile<FileConfig>(schema)

/** Environment variables microcred reads, and the setting each one overrides. */
export const ENVIRONMENT = {
  MICROCRED_HOME: 'home folder',
  DATABASE_URL: 'databaseUrl',
  MICROCRED_PUBLIC_BASE_URL: 'publicBaseUrl',
  MICROCRED_PORT: 'port',
  MICROCRED_HOST: 'host',
  MICROCRED_LOG_LEVEL: 'logLevel',
  MICROCRED_KEY_TYPE: 'keyType',
} as const

export interface LoadConfigInput {
  env: Readonly<Record<string, string | undefined>>
  /** Used as home when `MICROCRED_HOME` is not set. */
  cwd: string
}

/** Loads, validates and freezes the configuration. Throws {@link ConfigError} naming each bad setting. */
export function loadConfig({ env, cwd }: LoadConfigInput): Config {
  const home = resolve(cwd, env.MICROCRED_HOME || '.')
  const file = join(home, 'microcred.json')
  let fromFile: Record<string, unknown> = {}
  try {
    fromFile = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new ConfigError(`${file} is not readable JSON`, [
        { field: 'microcred.json', rule: 'json', message: (cause as Error).message },
      ])
    }
  }
  const merged: Record<string, unknown> = { ...fromFile }
  const fromEnv: Array<[keyof typeof ENVIRONMENT, keyof FileConfig]> = [
    ['DATABASE_URL', 'databaseUrl'],
    ['MICROCRED_PUBLIC_BASE_URL', 'publicBaseUrl'],
    ['MICROCRED_HOST', 'host'],
    ['MICROCRED_LOG_LEVEL', 'logLevel'],
    ['MICROCRED_KEY_TYPE', 'keyType'],
  ]
  for (const [name, key] of fromEnv) {
    const value = env[name]
    if (value !== undefined && value !== '') merged[key] = value
  }
  if (env.MICROCRED_PORT) {
    merged.port = /^[0-9]+$/.test(env.MICROCRED_PORT) ? Number(env.MICROCRED_PORT) : env.MICROCRED_PORT
  }
  if (!validateFileConfig(merged)) {
    const problems = toFieldProblems(validateFileConfig.errors)
    throw new ConfigError(`Invalid configuration: ${problems.map((p) => p.message).join('; ')}`, problems)
  }
  const valid = merged as FileConfig
  const port = valid.port ?? 8080
  const dataDir = join(home, 'data')
  return Object.freeze({
    home,
    dataDir,
    sqliteFile: join(dataDir, 'microcred.db'),
    keysDir: join(home, 'keys'),
    databaseUrl: valid.databaseUrl,
    publicBaseUrl: (valid.publicBaseUrl ?? `http://localhost:${port}`).replace(/\/+$/, ''),
    port,
    host: valid.host ?? '127.0.0.1',
    logLevel: valid.logLevel ?? 'info',
    keyType: valid.keyType ?? 'Ed25519',
    statusPurposes: Object.freeze([...(valid.statusPurposes ?? ['revocation', 'suspension'])]),
    trustedIssuersFile: valid.trustedIssuers === undefined ? undefined : resolve(home, valid.trustedIssuers),
  })
}

/** A URL with its password replaced by `***`, for messages and logs. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url)
    if (parsed.password) parsed.password = '***'
    return parsed.toString()
  } catch {
    return '<unparseable url>'
  }
}
