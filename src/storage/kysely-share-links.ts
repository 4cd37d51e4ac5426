/**
 * The share-link repository over Kysely, for both dialects. Kept apart from `kysely-storage.ts` like the
 * batches; the conventions (guarded errors, text timestamps) are the same.
 */
import type { Kysely, Selectable } from 'kysely'
import type { Database, ShareLinksTable } from './database.js'
import type { ShareLinkRecord, ShareLinkRepository } from './storage.js'

type Executor = Kysely<Database>
type Guard = <T>(what: string, fn: () => Promise<T>) => Promise<T>

/** More links than any learner makes for one credential: the listing stays bounded whatever is stored. */
const MAX_LINKS_LISTED = 200

function rowToShareLink(row: Selectable<ShareLinksTable>): ShareLinkRecord {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    credentialId: row.credential_id,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    revokedAt: row.revoked_at,
  }
}

/** Learners' share links. Ids are capabilities: messages name the credential, never a link id. */
export function shareLinkRepository(db: Executor, guard: Guard): ShareLinkRepository {
  return {
    create: (link) =>
      guard(`a share link of credential ${link.credentialId}`, async () => {
        await db
          .insertInto('share_links')
          .values({
            id: link.id,
            tenant_id: link.tenantId,
            credential_id: link.credentialId,
            created_at: link.createdAt,
            expires_at: link.expiresAt,
            revoked_at: link.revokedAt,
          })
          .execute()
        return link
      }),
    get: (id) =>
      guard('a share link', async () => {
        const row = await db.selectFrom('share_links').selectAll().where('id', '=', id).executeTakeFirst()
        return row && rowToShareLink(row)
      }),
    listByCredential: (credentialId) =>
      guard(`share links of credential ${credentialId}`, async () => {
        const rows = await db
          .selectFrom('share_links')
          .selectAll()
          .where('credential_id', '=', credentialId)
          .orderBy('created_at', 'desc')
          .orderBy('id')
          .limit(MAX_LINKS_LISTED)
          .execute()
        return rows.map(rowToShareLink)
      }),
    revoke: (id, credentialId, at) =>
      guard(`a share link of credential ${credentialId}`, async () => {
        const found = await db
          .selectFrom('share_links')
          .select('id')
          .where('id', '=', id)
          .where('credential_id', '=', credentialId)
          .executeTakeFirst()
        if (!found) return false
        // Only the first revocation counts: revoking twice keeps the original time.
        await db
          .updateTable('share_links')
          .set({ revoked_at: at })
          .where('id', '=', id)
          .where('revoked_at', 'is', null)
          .execute()
        return true
      }),
  }
}
