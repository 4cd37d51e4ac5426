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
  /** The credential exactly as issued: compact JWS for JOSE forms, JSON text for Data Integrity forms. */
  credential: string
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
}

/** Repositories bound to one connection or one transaction. */
export interface StorageSession {
  tenants: TenantRepository
  issuers: IssuerRepository
  keys: KeyRepository
  courses: CourseRepository
  credentials: CredentialRepository
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
