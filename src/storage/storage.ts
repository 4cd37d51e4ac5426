/**
 * The storage port: one interface, implemented on SQLite (embedded default) and PostgreSQL.
 *
 * Core domains depend on this file only (types, no driver). The drivers live in `sqlite.ts` and
 * `postgres.ts` and are chosen in the composition root. Timestamps are ISO-8601 strings (UTC, with `Z`)
 * and JSON values are plain objects: both databases store them as text so the schema stays portable.
 */

/** One university or training provider. */
export interface TenantRecord {
  id: string
  /** URL-safe, unique handle used on the command line and in URLs (`[a-z0-9-]{1,63}`). */
  slug: string
  name: string
  createdAt: string
}

export type DidMethod = 'key' | 'web'

/** Multilingual text: language tag -> text, e.g. `{ en: 'University of Zed', fr: 'Université de Zed' }`. */
export type LangMap = Record<string, string>

/**
 * What ELM and the EBSI / EDC validators require of an issuer (an ELM `Organisation`).
 * `development: true` marks a profile written by `microcred init` without flags; it must never be used
 * for real credentials.
 */
export interface IssuerProfile {
  legalName: LangMap
  /** ISO 3166-1 alpha-2 country code of the registered address, e.g. `IE`. */
  country: string
  /** Full postal address (multilingual note). */
  address: LangMap
  /** eIDAS legal identifier of the organisation: `{notation, country}` (country ISO alpha-2). */
  eidasIdentifier: { notation: string; country: string }
  homepage?: string
  email?: string
  development: boolean
}

export interface IssuerRecord {
  id: string
  tenantId: string
  /** The issuer's DID: for `did:key` the DID of the active key, for `did:web` fixed. */
  did: string
  didMethod: DidMethod
  profile: IssuerProfile
  /** The tenant's default issuer (exactly one per tenant). */
  isDefault: boolean
  createdAt: string
  updatedAt: string
}

export type KeyAlgorithm = 'Ed25519' | 'P-256'

/** The public part of an issuer key. Private parts never reach storage. */
export interface IssuerKeyRecord {
  id: string
  issuerId: string
  /** DID URL of the verification method, e.g. `did:key:z6Mk…#z6Mk…` or `did:web:example.org#key-2`. */
  kid: string
  /** DID that controls this key (for did:key, the key's own DID). */
  controller: string
  algorithm: KeyAlgorithm
  /** Multikey encoding (multibase base58btc, multicodec prefixed). */
  publicKeyMultibase: string
  publicJwk: Record<string, unknown>
  /** The one key used for new signatures. Older keys stay listed so earlier signatures verify. */
  active: boolean
  createdAt: string
  /** When this key stopped being the active key (null while active or never used). */
  retiredAt: string | null
}

/**
 * One version of a course description. Versions are immutable: a credential points at the exact version it
 * was issued from, and changing a course adds a version.
 */
export interface CourseRecord {
  /** Storage id of this version. */
  id: string
  tenantId: string
  /** The course's own id (`course.id` in the course file), stable across versions. */
  courseRef: string
  /** 1, 2, ... per (tenant, courseRef). */
  version: number
  /** SHA-256 (hex) of the canonical course JSON: adding identical content twice changes nothing. */
  contentHash: string
  course: Record<string, unknown>
  createdAt: string
}

export type CredentialFormat = 'elm' | 'edc' | 'vc-di' | 'vc-jose'

/** An issued credential, as recorded at issuance. */
export interface CredentialRecord {
  id: string
  tenantId: string
  issuerId: string
  courseId: string | null
  /** A reference to the learner that holds no more personal data than needed (e.g. a student id). */
  learnerRef: string | null
  format: CredentialFormat
  issuedAt: string
  /**
   * The credential exactly as issued: compact JWS for JOSE forms, JSON text for Data Integrity forms. Empty
   * once the learner's personal data was erased (see {@link isErased}).
   */
  credential: string
}

/** True when the record's credential text was erased: id, issuer, course and status slots remain. */
export function isErased(record: CredentialRecord): boolean {
  return record.credential === ''
}

export interface CredentialListQuery {
  tenantId: string
  courseId?: string
  limit?: number
  /** Opaque cursor from a previous page (the last id seen). */
  after?: string
}

/** What ran when migrating: names applied now (empty when the schema was already current). */
export interface MigrationReport {
  applied: string[]
}

export interface TenantRepository {
  create(tenant: TenantRecord): Promise<TenantRecord>
  get(id: string): Promise<TenantRecord | undefined>
  getBySlug(slug: string): Promise<TenantRecord | undefined>
  list(): Promise<TenantRecord[]>
}

export interface IssuerRepository {
  create(issuer: IssuerRecord): Promise<IssuerRecord>
  get(id: string): Promise<IssuerRecord | undefined>
  getByDid(did: string): Promise<IssuerRecord | undefined>
  getDefault(tenantId: string): Promise<IssuerRecord | undefined>
  listByTenant(tenantId: string): Promise<IssuerRecord[]>
  /** Updates `did`, `profile` and `updatedAt`. */
  update(issuer: IssuerRecord): Promise<IssuerRecord>
}

export interface KeyRepository {
  add(key: IssuerKeyRecord): Promise<IssuerKeyRecord>
  get(id: string): Promise<IssuerKeyRecord | undefined>
  getByKid(kid: string): Promise<IssuerKeyRecord | undefined>
  listByIssuer(issuerId: string): Promise<IssuerKeyRecord[]>
  getActive(issuerId: string): Promise<IssuerKeyRecord | undefined>
  /** Makes `keyId` the only active key of its issuer, retiring the previous one at `at`. Atomic. */
  activate(issuerId: string, keyId: string, at: string): Promise<void>
}

export interface CourseRepository {
  /** Inserts a version; a second version with the same (tenant, courseRef, version) is a conflict. */
  add(record: CourseRecord): Promise<CourseRecord>
  get(id: string): Promise<CourseRecord | undefined>
  getLatest(tenantId: string, courseRef: string): Promise<CourseRecord | undefined>
  /** The latest version of every course of a tenant, by courseRef. */
  listLatest(tenantId: string): Promise<CourseRecord[]>
}

export interface CredentialRepository {
  insert(record: CredentialRecord): Promise<CredentialRecord>
  get(id: string): Promise<CredentialRecord | undefined>
  list(query: CredentialListQuery): Promise<CredentialRecord[]>
  /**
   * Erases the personal data of every credential of `tenantId` issued to `learnerRef`: clears the credential
   * text and the learner reference, keeping everything status changes need. Returns how many were erased.
   */
  eraseByLearner(tenantId: string, learnerRef: string): Promise<number>
}

/**
 * What a status list records (W3C Bitstring Status List v1.0 `statusPurpose`): a set bit means revoked,
 * or suspended, respectively.
 */
export type StatusPurpose = 'revocation' | 'suspension'

/**
 * The securing mechanism of the credentials a list serves, and so of the list credential itself: `jose` for
 * VC 2.0 credentials secured with VC-JOSE (the `elm` form), `di` for VC 1.1 Data Integrity ones (`edc`).
 */
export type StatusListForm = 'jose' | 'di'

/** A status change an operator can request. */
export type StatusAction = 'revoke' | 'suspend' | 'unsuspend'

/**
 * One bitstring status list. The bits themselves are not stored: they are the `value`s of the list's
 * {@link StatusSlotRecord}s, and every other index is 0. A list serves one (issuer, purpose, form) under one
 * issuer DID; when it is full, or the issuer's DID changed, the next one, with `sequence + 1`, takes over.
 */
export interface StatusListRecord {
  id: string
  tenantId: string
  issuerId: string
  /**
   * The issuer DID the list was opened under, fixed for its lifetime: the list credential's `issuer`, and the
   * DID whose key signs it. A `did:key` issuer changes DID at each rotation, while the credentials pointing
   * at the list keep naming the old one.
   */
  issuerDid: string
  purpose: StatusPurpose
  form: StatusListForm
  /** 1, 2, ... per (issuer, purpose, form): the list with the highest sequence receives new slots. */
  sequence: number
  /** Length of the bitstring, in bits. */
  size: number
  /** How many slots the list hands out before the next list takes over (less than `size`). */
  capacity: number
  /** Slots handed out so far; never above `capacity`. */
  allocated: number
  /** The URL credentials name in `statusListCredential`; unique. */
  url: string
  /** The last published list credential exactly as served (compact JWS or JSON text); null before the first. */
  published: string | null
  publishedAt: string | null
  /** End of validity of the published list credential. */
  validUntil: string | null
  /** Strong HTTP entity tag of `published`, quoted. */
  etag: string | null
  /** True when a bit changed (or nothing was ever published) since `published` was made. */
  dirty: boolean
  /** Bumped by every committed bit change: tells a publisher whether what it signed is still current. */
  revision: number
  /** The `revision` that `published` shows; null before the first publication. */
  publishedRevision: number | null
  createdAt: string
}

/** One handed-out index of a status list: the bit of one credential for the list's purpose. */
export interface StatusSlotRecord {
  listId: string
  index: number
  credentialId: string
  purpose: StatusPurpose
  /** The bit: 1 = revoked or suspended. */
  value: 0 | 1
  updatedAt: string
}

/** A slot together with the list it belongs to. */
export interface CredentialStatusSlot {
  slot: StatusSlotRecord
  list: StatusListRecord
}

/** One entry of the append-only status audit log: who changed which bit, when and why. */
export interface StatusEventRecord {
  id: string
  tenantId: string
  credentialId: string
  listId: string
  index: number
  purpose: StatusPurpose
  action: StatusAction
  /** The bit after the change. */
  value: 0 | 1
  reason: string | null
  /** Who asked for the change (an operator name, an API client id). */
  actor: string
  at: string
  /** The batch the change came in; changes of one batch share it. */
  batchId: string
  /** Position of the change within its batch, from 0: keeps the order of changes made at the same instant. */
  position: number
}

/** Which status events to list; the result is in the order the changes were made. */
export interface StatusEventQuery {
  tenantId: string
  credentialId?: string
  listId?: string
}

/** The publication to record on a list (see {@link StatusListRepository.savePublication}). */
export interface StatusListPublication {
  listId: string
  /** The list's `revision` read before its bits were read for this publication. */
  revision: number
  published: string
  publishedAt: string
  validUntil: string
  etag: string
}

/**
 * Status lists, their slots and the audit log. Allocation is built from small race-free steps (an insert
 * that reports a conflict instead of failing, a guarded increment), so that the caller can compose them in
 * one transaction on either database. There is deliberately no way to update or delete audit events.
 */
export interface StatusListRepository {
  get(id: string): Promise<StatusListRecord | undefined>
  getByUrl(url: string): Promise<StatusListRecord | undefined>
  /** The list with the highest sequence for (issuer, purpose, form): the one receiving new slots. */
  getCurrent(key: {
    issuerId: string
    purpose: StatusPurpose
    form: StatusListForm
  }): Promise<StatusListRecord | undefined>
  /** Every list of a tenant, by issuer, purpose, form and sequence. */
  listByTenant(tenantId: string): Promise<StatusListRecord[]>
  /**
   * Inserts `list` unless a list with the same (issuer, purpose, form, sequence) exists. Returns false when
   * another writer created that sequence first; the transaction stays usable (no error is raised).
   */
  createIfAbsent(list: StatusListRecord): Promise<boolean>
  /** `allocated += 1` if `allocated < capacity`. Returns false when the list is full. */
  reserve(listId: string): Promise<boolean>
  /** Declares a list full (`allocated = capacity`), so that the next allocation opens the next list. */
  markFull(listId: string): Promise<void>
  /**
   * Inserts a slot unless its (list, index) is taken. Returns false when it is taken; the transaction
   * stays usable. A second slot for the same (credential, purpose) is a `StorageConflictError`.
   */
  insertSlot(slot: StatusSlotRecord): Promise<boolean>
  /** The slots of a credential, one per purpose it has, with their lists. */
  getSlotsByCredential(credentialId: string): Promise<CredentialStatusSlot[]>
  /** Indices whose bit is 1, ascending. */
  listSetIndices(listId: string): Promise<number[]>
  /** Sets a slot's bit. Returns false (and writes nothing) when the bit already had that value. */
  setSlotValue(listId: string, index: number, value: 0 | 1, at: string): Promise<boolean>
  /** Records that bits of the list changed: `revision + 1` and dirty. */
  markChanged(listId: string): Promise<void>
  /**
   * Stores a publication unless a publication made from a later revision is already stored, and clears
   * `dirty` only if no bit changed since `revision`. Returns the updated list, or undefined when a newer
   * publication won.
   */
  savePublication(publication: StatusListPublication): Promise<StatusListRecord | undefined>
  appendEvent(event: StatusEventRecord): Promise<StatusEventRecord>
  listEvents(query: StatusEventQuery): Promise<StatusEventRecord[]>
}

/** A tenant's API bearer token. Only a hash of its secret is stored, never the secret. */
export interface ApiTokenRecord {
  /** Public id, part of the token text (`mc_<id>_<secret>`). */
  id: string
  tenantId: string
  name: string
  scopes: string[]
  /** SHA-256 (hex) of the secret part. */
  tokenHash: string
  createdAt: string
  revokedAt: string | null
}

export interface ApiTokenRepository {
  create(token: ApiTokenRecord): Promise<ApiTokenRecord>
  getById(id: string): Promise<ApiTokenRecord | undefined>
  findByHash(tokenHash: string): Promise<ApiTokenRecord | undefined>
  /** Sets `revokedAt` (once; revoking again keeps the first time). Returns false when no such token. */
  revoke(id: string, at: string): Promise<boolean>
  listByTenant(tenantId: string): Promise<ApiTokenRecord[]>
}

/** Repositories bound to one connection or one transaction. */
export interface StorageSession {
  tenants: TenantRepository
  issuers: IssuerRepository
  keys: KeyRepository
  courses: CourseRepository
  credentials: CredentialRepository
  statusLists: StatusListRepository
  tokens: ApiTokenRepository
}

export interface Storage extends StorageSession {
  /** `sqlite` or `postgres`: for reports and logs, never for branching in the core. */
  readonly dialect: 'sqlite' | 'postgres'
  /** Brings the schema to the latest version; safe to call on every start. */
  migrate(): Promise<MigrationReport>
  /** Runs `fn` in one transaction: everything it writes commits together or not at all. */
  transaction<T>(fn: (tx: StorageSession) => Promise<T>): Promise<T>
  close(): Promise<void>
}
