/**
 * The relational schema as Kysely sees it, and the mapping between rows and the port's records.
 *
 * The schema is portable on purpose: ids are caller-supplied text, timestamps are ISO-8601 text, JSON
 * values are text and booleans are integers 0/1. SQLite and PostgreSQL then store and return the same
 * values, so a single query layer serves both and a database can move from one to the other as plain rows.
 */
import type { Generated, Insertable, Selectable } from 'kysely'
import type {
  CourseRecord,
  CredentialFormat,
  CredentialRecord,
  DidMethod,
  IssuerKeyRecord,
  IssuerProfile,
  IssuerRecord,
  KeyAlgorithm,
  TenantRecord,
} from './storage.js'

/** Integer flag: `1` for true, `0` for false (SQLite has no boolean type). */
export type Flag = 0 | 1

/** Table `tenants`. */
export interface TenantsTable {
  id: string
  slug: string
  name: string
  created_at: string
}

/** Table `issuers`. */
export interface IssuersTable {
  id: string
  tenant_id: string
  did: string
  did_method: DidMethod
  /** {@link IssuerProfile} as JSON text. */
  profile_json: string
  /** Defaults to `0`; a partial unique index allows one `1` per tenant. */
  is_default: Generated<Flag>
  created_at: string
  updated_at: string
}

/** Table `issuer_keys`. */
export interface IssuerKeysTable {
  id: string
  issuer_id: string
  kid: string
  controller: string
  algorithm: KeyAlgorithm
  public_key_multibase: string
  /** Public JWK as JSON text. */
  public_jwk_json: string
  /** Defaults to `0`; a partial unique index allows one `1` per issuer. */
  active: Generated<Flag>
  created_at: string
  retired_at: string | null
}

/** Table `courses`: immutable course versions. */
export interface CoursesTable {
  id: string
  tenant_id: string
  course_ref: string
  version: number
  content_hash: string
  course_json: string
  created_at: string
}

/** Table `credentials`. */
export interface CredentialsTable {
  id: string
  tenant_id: string
  issuer_id: string
  course_id: string | null
  learner_ref: string | null
  format: CredentialFormat
  issued_at: string
  credential: string
}

/** Every table the application queries. Kysely's own migration tables are deliberately absent. */
export interface Database {
  tenants: TenantsTable
  issuers: IssuersTable
  issuer_keys: IssuerKeysTable
  courses: CoursesTable
  credentials: CredentialsTable
}

export type TenantRow = Selectable<TenantsTable>
export type NewTenantRow = Insertable<TenantsTable>
export type IssuerRow = Selectable<IssuersTable>
export type NewIssuerRow = Insertable<IssuersTable>
export type IssuerKeyRow = Selectable<IssuerKeysTable>
export type NewIssuerKeyRow = Insertable<IssuerKeysTable>
export type CourseRow = Selectable<CoursesTable>
export type NewCourseRow = Insertable<CoursesTable>
export type CredentialRow = Selectable<CredentialsTable>
export type NewCredentialRow = Insertable<CredentialsTable>

/** Encodes a boolean as the integer flag stored in the database. */
export function toFlag(value: boolean): Flag {
  return value ? 1 : 0
}

/**
 * Decodes an integer flag. Compares with `1` rather than relying on truthiness so that a driver handing
 * back a string or bigint is not silently read as true.
 */
export function fromFlag(value: number | bigint | string): boolean {
  return Number(value) === 1
}

/** Maps a tenant record to the row to insert. */
export function tenantToRow(tenant: TenantRecord): NewTenantRow {
  return { id: tenant.id, slug: tenant.slug, name: tenant.name, created_at: tenant.createdAt }
}

/** Maps a `tenants` row to its record. */
export function rowToTenant(row: TenantRow): TenantRecord {
  return { id: row.id, slug: row.slug, name: row.name, createdAt: row.created_at }
}

/** Maps an issuer record to the row to insert. */
export function issuerToRow(issuer: IssuerRecord): NewIssuerRow {
  return {
    id: issuer.id,
    tenant_id: issuer.tenantId,
    did: issuer.did,
    did_method: issuer.didMethod,
    profile_json: JSON.stringify(issuer.profile),
    is_default: toFlag(issuer.isDefault),
    created_at: issuer.createdAt,
    updated_at: issuer.updatedAt,
  }
}

/** Maps an `issuers` row to its record. */
export function rowToIssuer(row: IssuerRow): IssuerRecord {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    did: row.did,
    didMethod: row.did_method,
    profile: JSON.parse(row.profile_json) as IssuerProfile,
    isDefault: fromFlag(row.is_default),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  }
}

/** Maps an issuer key record to the row to insert. */
export function issuerKeyToRow(key: IssuerKeyRecord): NewIssuerKeyRow {
  return {
    id: key.id,
    issuer_id: key.issuerId,
    kid: key.kid,
    controller: key.controller,
    algorithm: key.algorithm,
    public_key_multibase: key.publicKeyMultibase,
    public_jwk_json: JSON.stringify(key.publicJwk),
    active: toFlag(key.active),
    created_at: key.createdAt,
    retired_at: key.retiredAt,
  }
}

/** Maps an `issuer_keys` row to its record. */
export function rowToIssuerKey(row: IssuerKeyRow): IssuerKeyRecord {
  return {
    id: row.id,
    issuerId: row.issuer_id,
    kid: row.kid,
    controller: row.controller,
    algorithm: row.algorithm,
    publicKeyMultibase: row.public_key_multibase,
    publicJwk: JSON.parse(row.public_jwk_json) as Record<string, unknown>,
    active: fromFlag(row.active),
    createdAt: row.created_at,
    retiredAt: row.retired_at,
  }
}

/** Maps a course version to the row to insert. */
export function courseToRow(record: CourseRecord): NewCourseRow {
  return {
    id: record.id,
    tenant_id: record.tenantId,
    course_ref: record.courseRef,
    version: record.version,
    content_hash: record.contentHash,
    course_json: JSON.stringify(record.course),
    created_at: record.createdAt,
  }
}

/** Maps a `courses` row to its record. */
export function rowToCourse(row: CourseRow): CourseRecord {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    courseRef: row.course_ref,
    version: Number(row.version),
    contentHash: row.content_hash,
    course: JSON.parse(row.course_json) as Record<string, unknown>,
    createdAt: row.created_at,
  }
}

/** Maps a credential record to the row to insert. */
export function credentialToRow(record: CredentialRecord): NewCredentialRow {
  return {
    id: record.id,
    tenant_id: record.tenantId,
    issuer_id: record.issuerId,
    course_id: record.courseId,
    learner_ref: record.learnerRef,
    format: record.format,
    issued_at: record.issuedAt,
    credential: record.credential,
  }
}

/** Maps a `credentials` row to its record. */
export function rowToCredential(row: CredentialRow): CredentialRecord {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    issuerId: row.issuer_id,
    courseId: row.course_id,
    learnerRef: row.learner_ref,
    format: row.format,
    issuedAt: row.issued_at,
    credential: row.credential,
  }
}
