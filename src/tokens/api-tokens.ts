/**
 * Tenant API bearer tokens with scopes. A token reads `mc_<id>_<secret>`: the id is public and finds the
 * stored record, the secret (32 random bytes, base64url) is known only to its holder. Storage keeps a SHA-256
 * of the secret, never the secret itself.
 */
import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto'
import type { Clock } from '../clock.js'
import { AuthenticationError, NotFoundError, ValidationError } from '../errors.js'
import { getTenant } from '../issuer/issuer-identity.js'
import type { ApiTokenRecord, Storage, TenantRecord } from '../storage/storage.js'

/** Every scope a token can carry. */
export const SCOPES = [
  'credentials:issue',
  'credentials:status',
  'credentials:read',
  'courses:write',
  'courses:read',
  'ila:write',
  'ila:read',
  'tenants:admin',
] as const

export type Scope = (typeof SCOPES)[number]

/** The token record without its hash: what may be shown to an operator. */
export type ApiTokenInfo = Omit<ApiTokenRecord, 'tokenHash'>

const TOKEN_PATTERN = /^mc_([0-9a-f]{32})_([A-Za-z0-9_-]{43})$/

/**
 * SHA-256 of the secret. The secret is 256 random bits, so a fast hash is enough: a slow password hash only
 * helps against guessing low-entropy secrets, and nobody can guess 2^256 values.
 */
function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex')
}

/** Checks scope names against {@link SCOPES}; an unknown one is a ValidationError naming it. */
export function parseScopes(names: readonly string[]): Scope[] {
  const scopes = new Set<Scope>()
  for (const raw of names) {
    const name = raw.trim()
    if (!(SCOPES as readonly string[]).includes(name)) {
      throw new ValidationError(`Unknown scope ${JSON.stringify(name)}`, [
        {
          field: 'scopes',
          rule: 'enum',
          message: `Unknown scope ${JSON.stringify(name)}; known: ${SCOPES.join(', ')}`,
        },
      ])
    }
    scopes.add(name as Scope)
  }
  if (scopes.size === 0) {
    throw new ValidationError('A token needs at least one scope', [
      { field: 'scopes', rule: 'minItems', message: 'A token needs at least one scope' },
    ])
  }
  return [...scopes]
}

function infoOf(record: ApiTokenRecord): ApiTokenInfo {
  const { tokenHash: _hash, ...info } = record
  return info
}

/** Creates a token for a tenant; the returned `token` text is the only copy of the secret. */
export async function createApiToken(
  deps: { storage: Storage; clock: Clock },
  input: { tenantSlug: string; scopes: readonly string[]; name?: string },
): Promise<{ token: string; info: ApiTokenInfo }> {
  const scopes = parseScopes(input.scopes)
  const tenant = await getTenant(deps.storage, input.tenantSlug)
  const id = randomUUID().replace(/-/g, '')
  const secret = randomBytes(32).toString('base64url')
  const record: ApiTokenRecord = {
    id,
    tenantId: tenant.id,
    name: input.name ?? '',
    scopes,
    tokenHash: hashSecret(secret),
    createdAt: deps.clock().toISOString(),
    revokedAt: null,
  }
  await deps.storage.tokens.create(record)
  return { token: `mc_${id}_${secret}`, info: infoOf(record) }
}

/** Revokes a token of a tenant for good. */
export async function revokeApiToken(
  deps: { storage: Storage; clock: Clock },
  input: { tenantSlug: string; id: string },
): Promise<void> {
  const tenant = await getTenant(deps.storage, input.tenantSlug)
  const record = await deps.storage.tokens.getById(input.id)
  if (!record || record.tenantId !== tenant.id) throw new NotFoundError(`No token ${input.id}`)
  await deps.storage.tokens.revoke(input.id, deps.clock().toISOString())
}

/** The tokens of a tenant, without secrets or hashes. */
export async function listApiTokens(deps: { storage: Storage }, tenantSlug: string): Promise<ApiTokenInfo[]> {
  const tenant = await getTenant(deps.storage, tenantSlug)
  return (await deps.storage.tokens.listByTenant(tenant.id)).map(infoOf)
}

/**
 * An authenticated caller, whichever kind of bearer token it presented: the tenant it acts for, the scopes it
 * holds and who it is for audit logs.
 */
export interface Authenticated {
  tenant: TenantRecord
  /** Known scopes only: anything else a token carries grants nothing. */
  scopes: readonly Scope[]
  /** The actor audit logs name: `token:<id>` for an API token, `oauth:<sub>` for a JWT access token. */
  subject: string
  /** The API token, when the caller presented one (absent for JWT access tokens). */
  token?: ApiTokenInfo
}

/** Keeps the known scopes of `names`, dropping the rest. */
export function knownScopes(names: readonly string[]): Scope[] {
  return [...new Set(names.filter((name): name is Scope => (SCOPES as readonly string[]).includes(name)))]
}

/**
 * Resolves a presented token: finds it by id, then compares the secret's hash in constant time. Unknown,
 * malformed and revoked tokens all fail the same way.
 */
export async function authenticateToken(storage: Storage, presented: string): Promise<Authenticated> {
  const match = TOKEN_PATTERN.exec(presented)
  if (!match) throw new AuthenticationError('The bearer token is not valid')
  const [, id, secret] = match as unknown as [string, string, string]
  const record = await storage.tokens.getById(id)
  const expected = Buffer.from(record?.tokenHash ?? '0'.repeat(64), 'hex')
  const actual = Buffer.from(hashSecret(secret), 'hex')
  const equal = expected.length === actual.length && timingSafeEqual(expected, actual)
  if (!record || !equal || record.revokedAt !== null) {
    throw new AuthenticationError('The bearer token is not valid')
  }
  const tenant = await storage.tenants.get(record.tenantId)
  if (!tenant) throw new AuthenticationError('The bearer token is not valid')
  const token = infoOf(record)
  return { tenant, scopes: knownScopes(token.scopes), subject: `token:${token.id}`, token }
}
