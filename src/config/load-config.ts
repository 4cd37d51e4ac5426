/**
 * Configuration: `<home>/microcred.json` overridden by environment variables, validated once against
 * `schemas/config.schema.json`, then frozen. Nothing else reads the environment.
 */
import { readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { ConfigError } from '../errors.js'
import { decodeBase64urlSecret } from '../lib/base64url-secret.js'
import { ipAllowListProblems } from '../lib/ip-allow-list.js'
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
  /** Per-client-address limit of the public routes. */
  readonly rateLimit: RateLimitConfig
  /** Express `trust proxy`: which proxies' X-Forwarded-For to believe about the client address. */
  readonly trustProxy: boolean | number | readonly string[]
  /** `GET /metrics`: whether it answers, and to which client addresses (undefined: any). */
  readonly metrics: { readonly enabled: boolean; readonly allowFrom: readonly string[] | undefined }
  /** Absolute path of the secrets file (`secretsFile`, relative to home; default `<home>/secrets.json`). */
  readonly secretsFile: string
  /**
   * The claim-link secret from `MICROCRED_CLAIM_LINK_SECRET` (base64url), shared by instances that must
   * answer each other's claim links; undefined to use the secrets file. A secret: never log it.
   */
  readonly claimLinkSecret: string | undefined
  /** JWT access tokens from an OAuth2 authorization server, accepted besides API tokens; undefined when off. */
  readonly oauth: OAuthConfig | undefined
}

/** The `rateLimit` setting with its defaults applied. */
export interface RateLimitConfig {
  readonly enabled: boolean
  readonly windowSeconds: number
  /** Requests one client address may make per window. */
  readonly max: number
}

/** Names Express's `trust proxy` accepts besides addresses and ranges. */
const PROXY_NAMES = ['loopback', 'linklocal', 'uniquelocal']

/** The `oauth` setting with its defaults applied. */
export interface OAuthConfig {
  /** The exact `iss` of accepted tokens. */
  readonly issuer: string
  /** The `aud` accepted tokens must carry. */
  readonly audience: string
  /** Where the authorization server publishes its key set (https, or http on loopback). */
  readonly jwksUri: string | undefined
  /** Absolute path of a local key set file (`jwksFile`, relative to home). */
  readonly jwksFile: string | undefined
  /** Claim naming the tenant slug; default `tenant`. */
  readonly tenantClaim: string
  /** Claim holding the scopes (space-separated string or array); default `scope`. */
  readonly scopeClaim: string
  /** Accepted JWS algorithms (asymmetric only); default RS256, ES256, EdDSA, PS256. */
  readonly algorithms: readonly string[]
}

/** JWS algorithms accepted from the authorization server unless `oauth.algorithms` says otherwise. */
export const DEFAULT_OAUTH_ALGORITHMS = Object.freeze(['RS256', 'ES256', 'EdDSA', 'PS256'])

interface FileOAuthConfig {
  issuer: string
  audience: string
  jwksUri?: string
  jwksFile?: string
  tenantClaim?: string
  scopeClaim?: string
  algorithms?: string[]
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
  rateLimit?: { enabled?: boolean; windowSeconds?: number; max?: number }
  trustProxy?: boolean | number | string[]
  metrics?: { enabled?: boolean; allowFrom?: string[] }
  secretsFile?: string
  oauth?: FileOAuthConfig
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
  MICROCRED_CLAIM_LINK_SECRET: 'claim-link secret (instead of the secrets file)',
} as const

/** Shortest claim-link secret accepted: a full-strength HMAC-SHA256 key. */
const MIN_CLAIM_LINK_SECRET_BYTES = 32

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
  const claimLinkSecret = env.MICROCRED_CLAIM_LINK_SECRET || undefined
  if (
    claimLinkSecret !== undefined &&
    decodeBase64urlSecret(claimLinkSecret, MIN_CLAIM_LINK_SECRET_BYTES) === undefined
  ) {
    // The message never quotes the value: it is a secret, and may be most of the right one.
    const message = `MICROCRED_CLAIM_LINK_SECRET must be base64url of at least ${MIN_CLAIM_LINK_SECRET_BYTES} bytes`
    throw new ConfigError(`Invalid configuration: ${message}`, [
      { field: 'MICROCRED_CLAIM_LINK_SECRET', rule: 'base64url', message },
    ])
  }
  const valid = merged as FileConfig
  // JSON Schema cannot tell an address or CIDR range from any other string.
  const addressProblems = [
    ...(Array.isArray(valid.trustProxy)
      ? ipAllowListProblems(
          valid.trustProxy.filter((entry) => !PROXY_NAMES.includes(entry)),
          '/trustProxy',
        )
      : []),
    ...ipAllowListProblems(valid.metrics?.allowFrom ?? [], '/metrics/allowFrom'),
  ]
  if (addressProblems.length > 0) {
    const message = addressProblems.map((p) => `${p.field}: ${p.message}`).join('; ')
    throw new ConfigError(`Invalid configuration: ${message}`, addressProblems)
  }
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
    rateLimit: Object.freeze({
      enabled: valid.rateLimit?.enabled ?? true,
      windowSeconds: valid.rateLimit?.windowSeconds ?? 60,
      max: valid.rateLimit?.max ?? 600,
    }),
    trustProxy: Array.isArray(valid.trustProxy)
      ? Object.freeze([...valid.trustProxy])
      : (valid.trustProxy ?? false),
    metrics: Object.freeze({
      enabled: valid.metrics?.enabled ?? true,
      allowFrom: valid.metrics?.allowFrom && Object.freeze([...valid.metrics.allowFrom]),
    }),
    secretsFile: resolve(home, valid.secretsFile ?? 'secrets.json'),
    claimLinkSecret,
    oauth: valid.oauth === undefined ? undefined : oauthConfig(home, valid.oauth),
  })
}

function oauthConfig(home: string, oauth: FileOAuthConfig): OAuthConfig {
  return Object.freeze({
    issuer: oauth.issuer,
    audience: oauth.audience,
    jwksUri: oauth.jwksUri,
    jwksFile: oauth.jwksFile === undefined ? undefined : resolve(home, oauth.jwksFile),
    tenantClaim: oauth.tenantClaim ?? 'tenant',
    scopeClaim: oauth.scopeClaim ?? 'scope',
    algorithms: Object.freeze([...(oauth.algorithms ?? DEFAULT_OAUTH_ALGORITHMS)]),
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
