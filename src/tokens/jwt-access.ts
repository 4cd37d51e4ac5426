/**
 * JWT access tokens from the university's OAuth2 authorization server, accepted on the protected routes next
 * to microcred's own API tokens. A token is a signed JWT whose issuer, audience, validity and algorithm match
 * the `oauth` setting; it names its tenant (by slug) in one claim and its scopes in another. Only the scopes
 * microcred knows count. Every refusal is the same {@link AuthenticationError} kind and never repeats the
 * token.
 */
import { readFileSync } from 'node:fs'
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  errors as joseErrors,
  jwtVerify,
  type JSONWebKeySet,
  type JWTPayload,
  type JWTVerifyGetKey,
} from 'jose'
import type { Clock } from '../clock.js'
import type { OAuthConfig } from '../config/load-config.js'
import { AuthenticationError, ConfigError } from '../errors.js'
import { TENANT_SLUG } from '../issuer/issuer-identity.js'
import type { StorageSession } from '../storage/storage.js'
import { knownScopes, type Authenticated } from './api-tokens.js'

/** Tolerated difference between our clock and the authorization server's, seconds. */
export const JWT_CLOCK_TOLERANCE_SECONDS = 60

const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/

/**
 * True when a bearer value has the shape of a compact JWS (three base64url parts). An empty signature part
 * counts, so that an unsecured (`alg: none`) token is refused as an invalid JWT rather than looked up as an
 * API token.
 */
export function looksLikeJwt(value: string): boolean {
  return JWT_SHAPE.test(value)
}

/** What verifying an access token needs besides the setting. */
export interface JwtAccessDeps {
  storage: Pick<StorageSession, 'tenants'>
  clock: Clock
}

/** Checks presented JWT access tokens. */
export interface JwtAccessVerifier {
  /** The caller a valid token stands for; {@link AuthenticationError} otherwise. */
  authenticate(token: string): Promise<Authenticated>
}

/** Key sets served over plain http are accepted on loopback only, where nobody else is on the wire. */
function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname)
}

/** The key set URL, refused unless https or loopback http. */
export function jwksUrl(uri: string): URL {
  let url: URL
  try {
    url = new URL(uri)
  } catch {
    throw new ConfigError('oauth.jwksUri is not a URL', [
      { field: 'oauth.jwksUri', rule: 'format', message: 'oauth.jwksUri must be a URL' },
    ])
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopback(url.hostname))) {
    throw new ConfigError('oauth.jwksUri must use https (http only on a loopback address)', [
      { field: 'oauth.jwksUri', rule: 'pattern', message: 'oauth.jwksUri must use https' },
    ])
  }
  return url
}

/**
 * Reads a JSON Web Key Set file. A key with private members is refused: the file is meant to hold the
 * authorization server's public keys, and a private key there is a leak waiting to be copied further.
 */
export function readJwksFile(path: string): JSONWebKeySet {
  let parsed: unknown
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'))
  } catch (cause) {
    throw new ConfigError(`oauth.jwksFile ${path} is not a readable JSON file`, [
      { field: 'oauth.jwksFile', rule: 'json', message: (cause as Error).message },
    ])
  }
  const keys = (parsed as { keys?: unknown } | null)?.keys
  if (!Array.isArray(keys) || keys.some((key) => typeof key !== 'object' || key === null)) {
    throw new ConfigError(`oauth.jwksFile ${path} is not a JSON Web Key Set`, [
      { field: 'oauth.jwksFile', rule: 'jwks', message: 'the file must hold {"keys": [ ...JWK ]}' },
    ])
  }
  if (keys.some((key: Record<string, unknown>) => 'd' in key || 'k' in key)) {
    throw new ConfigError(`oauth.jwksFile ${path} holds private or secret keys`, [
      { field: 'oauth.jwksFile', rule: 'publicOnly', message: 'the key set must hold public keys only' },
    ])
  }
  return parsed as JSONWebKeySet
}

function keySetOf(config: OAuthConfig): JWTVerifyGetKey {
  if (config.jwksUri !== undefined) {
    return createRemoteJWKSet(jwksUrl(config.jwksUri), { timeoutDuration: 5000, cooldownDuration: 30_000 })
  }
  if (config.jwksFile !== undefined) return createLocalJWKSet(readJwksFile(config.jwksFile))
  throw new ConfigError('oauth needs jwksUri or jwksFile', [
    { field: 'oauth', rule: 'oneOf', message: 'oauth needs exactly one of jwksUri and jwksFile' },
  ])
}

/** Why jose refused a token, in words that name no claim value and no part of the token. */
function reasonOf(err: InstanceType<typeof joseErrors.JOSEError>): string {
  if (err instanceof joseErrors.JWTExpired) return 'it has expired'
  if (err instanceof joseErrors.JWTClaimValidationFailed) return `its ${err.claim} claim is not accepted`
  if (err instanceof joseErrors.JOSEAlgNotAllowed) return 'its algorithm is not accepted'
  if (err instanceof joseErrors.JWKSNoMatchingKey) return 'no key of the authorization server matches it'
  if (err instanceof joseErrors.JWSSignatureVerificationFailed) return 'its signature does not verify'
  return 'it cannot be verified'
}

function invalid(reason: string, cause?: unknown): AuthenticationError {
  return new AuthenticationError(`The access token is not valid: ${reason}`, { cause })
}

function scopesOf(payload: JWTPayload, claim: string): string[] {
  const value = payload[claim]
  if (typeof value === 'string') return value.split(/\s+/).filter((s) => s !== '')
  if (Array.isArray(value)) return value.filter((s): s is string => typeof s === 'string')
  return []
}

/**
 * Builds the verifier for the `oauth` setting. A remote key set is fetched on first use and again when a
 * token names a key it does not hold; a key set file is read now, so a bad file fails at start.
 *
 * @throws ConfigError when the key set file cannot be read or the key set URL is not allowed.
 */
export function createJwtAccessVerifier(config: OAuthConfig, deps: JwtAccessDeps): JwtAccessVerifier {
  const keySet = keySetOf(config)
  const algorithms = [...config.algorithms]
  return {
    async authenticate(token) {
      let payload: JWTPayload
      try {
        ;({ payload } = await jwtVerify(token, keySet, {
          issuer: config.issuer,
          audience: config.audience,
          algorithms,
          currentDate: deps.clock(),
          clockTolerance: JWT_CLOCK_TOLERANCE_SECONDS,
          requiredClaims: ['exp'],
        }))
      } catch (err) {
        // An unreachable key set is a refusal too: the token cannot be shown to be valid.
        throw invalid(err instanceof joseErrors.JOSEError ? reasonOf(err) : 'it cannot be verified', err)
      }
      const subject = payload.sub
      if (typeof subject !== 'string' || subject === '') throw invalid('it names no subject (sub)')
      const slug = payload[config.tenantClaim]
      const tenant =
        typeof slug === 'string' && TENANT_SLUG.test(slug)
          ? await deps.storage.tenants.getBySlug(slug)
          : undefined
      if (!tenant) throw invalid(`its ${config.tenantClaim} claim names no tenant of this instance`)
      return {
        tenant,
        scopes: knownScopes(scopesOf(payload, config.scopeClaim)),
        subject: `oauth:${subject}`,
      }
    },
  }
}
