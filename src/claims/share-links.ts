/**
 * Learners' share links: `<publicBaseUrl>/s/<id>` shows one credential, with a live verification, to whoever
 * holds the link, until the link expires or the learner revokes it. The id is random (144 bits), stored, and
 * never derived from the credential, so one link can be withdrawn without touching the others or the claim
 * link.
 *
 * A link's expiry is the link's own: an expired credential can still be shared (and then shows as expired),
 * and an expired link says nothing about the credential.
 */
import { randomBytes } from 'node:crypto'
import type { Clock } from '../clock.js'
import { GoneError, NotFoundError, ValidationError } from '../errors.js'
import { isErased, type CredentialRecord, type ShareLinkRecord, type Storage } from '../storage/storage.js'

/** Random bytes of a share-link id: 144 bits, 24 base64url characters. */
export const SHARE_LINK_ID_BYTES = 18

/** The lifetimes a learner may choose, in days. */
export const SHARE_LINK_DAYS = [1, 7, 30, 90] as const
export type ShareLinkDays = (typeof SHARE_LINK_DAYS)[number]

/** The lifetime offered first. */
export const DEFAULT_SHARE_LINK_DAYS: ShareLinkDays = 30

const SHARE_LINK_ID = /^[A-Za-z0-9_-]{24}$/
const DAY_MS = 24 * 60 * 60 * 1000

export interface ShareLinkDeps {
  storage: Storage
  clock: Clock
}

/** Where a share link stands at a given time. */
export type ShareLinkState = 'active' | 'expired' | 'revoked'

/** True for a string shaped like a share-link id; anything else is not looked up at all. */
export function isShareLinkId(value: string): boolean {
  return SHARE_LINK_ID.test(value)
}

/** The public URL of a share link. */
export function shareUrlOf(publicBaseUrl: string, id: string): string {
  return `${publicBaseUrl.replace(/\/+$/, '')}/s/${id}`
}

export function shareLinkState(link: ShareLinkRecord, now: Date): ShareLinkState {
  if (link.revokedAt !== null) return 'revoked'
  return Date.parse(link.expiresAt) <= now.getTime() ? 'expired' : 'active'
}

/** The lifetime in days `value` names, if it is one of {@link SHARE_LINK_DAYS}. */
export function parseShareLinkDays(value: unknown): ShareLinkDays {
  const days = typeof value === 'string' && /^[0-9]{1,3}$/.test(value) ? Number(value) : value
  const allowed = SHARE_LINK_DAYS.find((d) => d === days)
  if (allowed === undefined) {
    const message = `days must be one of ${SHARE_LINK_DAYS.join(', ')}`
    throw new ValidationError(`Not a share-link lifetime: ${message}`, [
      { field: 'days', rule: 'enum', message },
    ])
  }
  return allowed
}

/** Makes a share link for a credential, valid `days` from now. An erased credential cannot be shared. */
export async function createShareLink(
  deps: ShareLinkDeps,
  record: CredentialRecord,
  days: ShareLinkDays,
): Promise<ShareLinkRecord> {
  if (isErased(record)) throw new GoneError(`Credential ${record.id} was erased`)
  const now = deps.clock()
  return deps.storage.shareLinks.create({
    id: randomBytes(SHARE_LINK_ID_BYTES).toString('base64url'),
    tenantId: record.tenantId,
    credentialId: record.id,
    createdAt: now.toISOString(),
    expiresAt: new Date(now.getTime() + days * DAY_MS).toISOString(),
    revokedAt: null,
  })
}

/** Revokes one of a credential's share links; a link of another credential is not found. */
export async function revokeShareLink(deps: ShareLinkDeps, credentialId: string, id: string): Promise<void> {
  const revoked =
    isShareLinkId(id) && (await deps.storage.shareLinks.revoke(id, credentialId, deps.clock().toISOString()))
  if (!revoked) throw new NotFoundError('No such share link')
}

/** A credential's share links, newest first, each with its state now. */
export async function listShareLinks(
  deps: ShareLinkDeps,
  credentialId: string,
): Promise<Array<ShareLinkRecord & { state: ShareLinkState }>> {
  const now = deps.clock()
  const links = await deps.storage.shareLinks.listByCredential(credentialId)
  return links.map((link) => ({ ...link, state: shareLinkState(link, now) }))
}

/** What a share link opens: the credential while the link is active, only the link's state otherwise. */
export type OpenedShareLink =
  | { state: 'active'; link: ShareLinkRecord; record: CredentialRecord }
  | { state: 'expired' | 'revoked'; link: ShareLinkRecord }

/**
 * Opens a share link. An unknown or malformed id is a NotFoundError; a working link to an erased credential
 * is a GoneError. An expired or revoked link is not an error: the caller says the link, not the credential,
 * is no longer valid.
 */
export async function openShareLink(deps: ShareLinkDeps, id: string): Promise<OpenedShareLink> {
  const link = isShareLinkId(id) ? await deps.storage.shareLinks.get(id) : undefined
  if (!link) throw new NotFoundError('No such share link')
  const state = shareLinkState(link, deps.clock())
  if (state !== 'active') return { state, link }
  const record = await deps.storage.credentials.get(link.credentialId)
  if (!record) throw new NotFoundError('No such share link')
  if (isErased(record)) throw new GoneError('The credential of this share link was erased')
  return { state, link, record }
}
