/**
 * Publishing a status list: its bits (the slots set to 1) encoded as a Bitstring Status List v1.0
 * `encodedList`, wrapped in a `BitstringStatusListCredential` of the list's form, issued as the DID the list
 * was opened under and signed with a key of that DID. The signed text is stored, so that serving a list never
 * signs.
 */
import { createHash } from 'node:crypto'
import { BitstringStatusList } from '@digitalbazaar/vc-bitstring-status-list'
import {
  BITSTRING_STATUS_LIST,
  CREDENTIALS_V1,
  CREDENTIALS_V2,
  DATA_INTEGRITY_V2,
} from '../document-loader/index.js'
import { NotFoundError, StorageConflictError } from '../errors.js'
import { getSignerForDid } from '../issuer/issuer-identity.js'
import { secureWithDataIntegrity } from '../issuer/secure-data-integrity.js'
import { secureWithJose } from '../issuer/secure-jose.js'
import type { StatusListRecord } from '../storage/storage.js'
import type { ResolvedStatusList } from './status-list-resolver.js'
import {
  resolveStatusOptions,
  type StatusDeps,
  type StatusListForm,
  type StatusOptions,
  type StatusPurpose,
} from './status-options.js'

/** A list credential as published and stored. */
export interface PublishedStatusList {
  listId: string
  url: string
  form: StatusListForm
  purpose: StatusPurpose
  /** The compact JWS (`jose`) or the secured JSON document (`di`). */
  credential: string | Record<string, unknown>
  /** The exact text served over HTTP: the JWS, or the JSON document serialized once. */
  published: string
  /** Strong entity tag of `published`: the quoted base64url SHA-256 of its UTF-8 bytes. */
  etag: string
  publishedAt: string
  validUntil: string
}

/** The strong HTTP entity tag of a published text. */
export function statusListEtag(published: string): string {
  return `"${createHash('sha256').update(published, 'utf8').digest('base64url')}"`
}

/**
 * Encodes the bits of a list of `size` bits in which exactly the `setIndices` are 1 (GZIP, multibase
 * base64url `u`, index 0 the left-most bit, as Bitstring Status List v1.0 §3.3 specifies).
 */
export async function encodeStatusBits(size: number, setIndices: Iterable<number>): Promise<string> {
  const list = new BitstringStatusList({ length: size })
  for (const index of setIndices) list.setStatus(index, true)
  return list.encode()
}

/**
 * Builds, signs and stores the list credential of list `listId`, valid from now for the list lifetime, and
 * clears its dirty flag (unless a bit changed meanwhile, in which case it stays dirty and the next reader
 * publishes again). The list credential's `issuer` is the DID the list was opened under, which is the
 * `issuer` of every credential pointing at it; it is signed with the issuer's key for that DID (see
 * {@link getSignerForDid}): the active key, or after a `did:key` rotation the key that DID names.
 *
 * When a concurrent publisher stored a publication of a later state first, that one is kept and returned:
 * a stored list never goes back in time.
 *
 * @throws NotFoundError when the list or its issuer does not exist.
 * @throws KeyNotFoundError when the issuer has no key controlled by the list's DID.
 */
export async function publishStatusList(
  deps: StatusDeps,
  listId: string,
  options?: StatusOptions,
): Promise<PublishedStatusList> {
  const { listLifetimeMs, ttlMs } = resolveStatusOptions(options)
  // The list (and so its revision) is read before its bits: a bit changed after this read makes the
  // revision check in savePublication keep the list dirty.
  const list = await deps.storage.statusLists.get(listId)
  if (!list) throw new NotFoundError(`No status list ${listId}`)
  const signer = await getSignerForDid(deps, list.issuerId, list.issuerDid)
  const encodedList = await encodeStatusBits(
    list.size,
    await deps.storage.statusLists.listSetIndices(list.id),
  )

  const now = deps.clock()
  const publishedAt = now.toISOString()
  const validUntil = new Date(now.getTime() + listLifetimeMs).toISOString()
  const credentialSubject = {
    id: `${list.url}#list`,
    type: 'BitstringStatusList',
    statusPurpose: list.purpose,
    encodedList,
    ttl: ttlMs,
  }
  const type = ['VerifiableCredential', 'BitstringStatusListCredential']

  let credential: string | Record<string, unknown>
  let published: string
  if (list.form === 'jose') {
    published = await secureWithJose(
      {
        '@context': [CREDENTIALS_V2],
        id: list.url,
        type,
        issuer: list.issuerDid,
        validFrom: publishedAt,
        validUntil,
        credentialSubject,
      },
      signer,
    )
    credential = published
  } else {
    credential = await secureWithDataIntegrity(
      {
        '@context': [CREDENTIALS_V1, BITSTRING_STATUS_LIST, DATA_INTEGRITY_V2],
        id: list.url,
        type,
        issuer: list.issuerDid,
        issuanceDate: publishedAt,
        expirationDate: validUntil,
        credentialSubject,
      },
      signer,
      { documentLoader: deps.documentLoader, date: now },
    )
    published = JSON.stringify(credential)
  }

  const etag = statusListEtag(published)
  const saved = await deps.storage.statusLists.savePublication({
    listId: list.id,
    revision: list.revision,
    published,
    publishedAt,
    validUntil,
    etag,
  })
  if (saved)
    return {
      listId: list.id,
      url: list.url,
      form: list.form,
      purpose: list.purpose,
      credential,
      published,
      etag,
      publishedAt,
      validUntil,
    }
  const newer = await deps.storage.statusLists.get(list.id)
  if (!newer) throw new NotFoundError(`No status list ${listId}`)
  return publishedFromRecord(newer)
}

/**
 * Whether the stored publication of `list` may be served as it is at `now`: published, no bit changed since,
 * and not expired.
 */
export function isPublicationCurrent(list: StatusListRecord, now: Date): boolean {
  return (
    !list.dirty &&
    list.published !== null &&
    list.validUntil !== null &&
    Date.parse(list.validUntil) > now.getTime()
  )
}

/**
 * The list credential to serve for list `listId`: the stored publication while it is current, otherwise a
 * new one (see {@link publishStatusList}). What an HTTP route serves: `published` as the body, `etag` as
 * the entity tag (they always match, byte for byte).
 *
 * @throws NotFoundError when there is no such list.
 */
export async function getStatusListCredential(
  deps: StatusDeps,
  listId: string,
  options?: StatusOptions,
): Promise<PublishedStatusList> {
  const list = await deps.storage.statusLists.get(listId)
  if (!list) throw new NotFoundError(`No status list ${listId}`)
  if (isPublicationCurrent(list, deps.clock())) return publishedFromRecord(list)
  return publishStatusList(deps, list.id, options)
}

/**
 * The stored publication of `list` in the shape {@link publishStatusList} returns.
 *
 * @throws StorageConflictError when the list has never been published.
 */
export function publishedFromRecord(list: StatusListRecord): PublishedStatusList {
  if (
    list.published === null ||
    list.etag === null ||
    list.publishedAt === null ||
    list.validUntil === null
  ) {
    throw new StorageConflictError(`Status list ${list.id} has not been published`)
  }
  return {
    listId: list.id,
    url: list.url,
    form: list.form,
    purpose: list.purpose,
    credential:
      list.form === 'jose' ? list.published : (JSON.parse(list.published) as Record<string, unknown>),
    published: list.published,
    etag: list.etag,
    publishedAt: list.publishedAt,
    validUntil: list.validUntil,
  }
}

/** The resolver view of a publication. */
export function toResolvedStatusList(published: PublishedStatusList): Required<ResolvedStatusList> {
  return {
    url: published.url,
    form: published.form,
    credential: published.credential,
    etag: published.etag,
    validUntil: published.validUntil,
  }
}
