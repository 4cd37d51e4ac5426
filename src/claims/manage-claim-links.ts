/**
 * Operations on learners' claim links: renew (a new generation retires every earlier link), revoke, and
 * open a link. Renewing and revoking act for one tenant: another tenant's credential is not found, exactly
 * like one that does not exist.
 */
import type { Clock } from '../clock.js'
import { GoneError, NotFoundError } from '../errors.js'
import { getTenant } from '../issuer/issuer-identity.js'
import { isErased, type CredentialRecord, type Storage, type StorageSession } from '../storage/storage.js'
import type { ClaimLinks } from './claim-links.js'

export interface ClaimLinkDeps {
  storage: Storage
  clock: Clock
  claimLinks: ClaimLinks
}

export interface ClaimLinkInput {
  tenantSlug: string
  credentialId: string
}

/** The credential if it is one of the tenant's; NotFoundError otherwise. */
async function tenantCredential(session: StorageSession, input: ClaimLinkInput): Promise<CredentialRecord> {
  const tenant = await getTenant(session, input.tenantSlug)
  const record = await session.credentials.get(input.credentialId)
  if (!record || record.tenantId !== tenant.id) throw new NotFoundError(`No credential ${input.credentialId}`)
  return record
}

/** The claim URL of a credential's current link (whether or not it was revoked). */
export function claimUrlOf(claimLinks: ClaimLinks, record: CredentialRecord): string {
  return claimLinks.urlFor(record.id, record.claimGeneration)
}

/**
 * Makes a new claim link for a credential: the next generation, not revoked. Every earlier link stops
 * working. An erased credential has nothing left to claim (GoneError).
 */
export async function renewClaimLink(
  deps: Pick<ClaimLinkDeps, 'storage' | 'claimLinks'>,
  input: ClaimLinkInput,
): Promise<{ claimUrl: string; generation: number }> {
  return deps.storage.transaction(async (tx) => {
    const record = await tenantCredential(tx, input)
    if (isErased(record)) throw new GoneError(`Credential ${input.credentialId} was erased`)
    const generation = await tx.credentials.renewClaim(record.id)
    if (generation === undefined) throw new NotFoundError(`No credential ${input.credentialId}`)
    // Made inside the transaction: without a secret the renewal rolls back, and the old link keeps working.
    return { claimUrl: deps.claimLinks.urlFor(record.id, generation), generation }
  })
}

/** Revokes a credential's claim link until it is renewed. Revoking again changes nothing. */
export async function revokeClaimLink(
  deps: Pick<ClaimLinkDeps, 'storage' | 'clock'>,
  input: ClaimLinkInput,
): Promise<void> {
  await deps.storage.transaction(async (tx) => {
    const record = await tenantCredential(tx, input)
    await tx.credentials.revokeClaim(record.id, deps.clock().toISOString())
  })
}

/**
 * The credential a claim token opens. A token that is malformed, forged, of an earlier generation, revoked,
 * or for a credential this instance does not hold is one and the same NotFoundError, so that a caller
 * learns nothing about which it was; only a valid link to an erased credential is a GoneError.
 */
export async function openClaim(
  deps: Pick<ClaimLinkDeps, 'storage' | 'claimLinks'>,
  token: string,
): Promise<CredentialRecord> {
  const notFound = () => new NotFoundError('No such claim link')
  const claim = deps.claimLinks.parse(token)
  if (!claim) throw notFound()
  const record = await deps.storage.credentials.get(claim.credentialId)
  if (!record || record.claimGeneration !== claim.generation || record.claimRevokedAt !== null) {
    throw notFound()
  }
  if (isErased(record)) throw new GoneError('The credential of this claim link was erased')
  return record
}
