/**
 * The relational schema as Kysely sees it, and the mapping between rows and the port's records.
 *
 * The schema is portable on purpose: ids are caller-supplied text, timestamps are ISO-8601 text, JSON
 * values are text and booleans are integers 0/1. SQLite and PostgreSQL then store and return the same
 * values, so a single query layer serves both and a database can move from one to the other as plain rows.
 */
import type { Generated, Insertable, Selectable } from 'kysely'
import type {
  ApiTokenRecord,
  BatchRowState,
  BatchState,
  CourseRecord,
  CredentialFormat,
  CredentialRecord,
  DidMethod,
  IssuerKeyRecord,
  IssuerProfile,
  IssuerRecord,
  KeyAlgorithm,
  StatusAction,
  StatusEventRecord,
  StatusListForm,
  StatusListRecord,
  StatusPurpose,
  StatusSlotRecord,
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
  claim_generation: number
  claim_revoked_at: string | null
}

/** Table `status_lists`: one row per bitstring status list; the bits live in `status_slots`. */
export interface StatusListsTable {
  id: string
  tenant_id: string
  issuer_id: string
  issuer_did: string
  purpose: StatusPurpose
  form: StatusListForm
  sequence: number
  size: number
  capacity: number
  allocated: number
  url: string
  published: string | null
  published_at: string | null
  valid_until: string | null
  etag: string | null
  dirty: Flag
  revision: number
  published_revision: number | null
  created_at: string
}

/** Table `status_slots`: primary key (list_id, status_index). */
export interface StatusSlotsTable {
  list_id: string
  status_index: number
  credential_id: string
  purpose: StatusPurpose
  value: Flag
  updated_at: string
}

/** Table `status_events`: append-only audit log. */
export interface StatusEventsTable {
  id: string
  tenant_id: string
  credential_id: string
  list_id: string
  status_index: number
  purpose: StatusPurpose
  action: StatusAction
  value: Flag
  reason: string | null
  actor: string
  at: string
  batch_id: string
  batch_position: number
}

/** Table `api_tokens`. */
export interface ApiTokensTable {
  id: string
  tenant_id: string
  name: string
  /** Scope names as a JSON array. */
  scopes_json: string
  token_hash: string
  created_at: string
  revoked_at: string | null
}

/** Every table the application queries. Kysely's own migration tables are deliberately absent. */
/** Table `batches`. */
export interface BatchesTable {
  id: string
  tenant_id: string
  course_id: string
  course_ref: string
  format: 'elm' | 'edc'
  state: BatchState
  total_rows: number
  issued_rows: number
  already_issued_rows: number
  failed_rows: number
  created_by: string
  created_at: string
  updated_at: string
  completed_at: string | null
  lease_owner: string | null
  lease_until: string | null
}

/** Table `batch_rows`: primary key (batch_id, row_number). */
export interface BatchRowsTable {
  batch_id: string
  row_number: number
  client_key: string
  learner_ref: string | null
  state: BatchRowState
  /** The learner record as JSON text while the row is pending; null afterwards. */
  learner_json: string | null
  credential_id: string | null
  problem_json: string | null
  updated_at: string
}

/** Table `share_links`: a learner's links to one credential, each with its own expiry. */
export interface ShareLinksTable {
  id: string
  tenant_id: string
  credential_id: string
  created_at: string
  expires_at: string
  revoked_at: string | null
}

/** Table `issuance_keys`: primary key (tenant_id, scope, client_key). */
export interface IssuanceKeysTable {
  tenant_id: string
  scope: string
  client_key: string
  credential_id: string
  created_at: string
}

export interface Database {
  tenants: TenantsTable
  issuers: IssuersTable
  issuer_keys: IssuerKeysTable
  courses: CoursesTable
  credentials: CredentialsTable
  status_lists: StatusListsTable
  status_slots: StatusSlotsTable
  status_events: StatusEventsTable
  api_tokens: ApiTokensTable
  batches: BatchesTable
  batch_rows: BatchRowsTable
  issuance_keys: IssuanceKeysTable
  ila_imports: IlaImportsTable
  ila_import_rows: IlaImportRowsTable
  ila_providers: IlaProvidersTable
  ila_provider_legal_ids: IlaProviderLegalIdsTable
  ila_provider_issuer_keys: IlaProviderIssuerKeysTable
  ila_provider_accreditations: IlaProviderAccreditationsTable
  ila_provider_certifications: IlaProviderCertificationsTable
  ila_catalogue_entries: IlaCatalogueEntriesTable
  ila_catalogue_achievements: IlaCatalogueAchievementsTable
  ila_spending_records: IlaSpendingRecordsTable
  ila_funding_lines: IlaFundingLinesTable
  ila_record_events: IlaRecordEventsTable
  ila_credentials: IlaCredentialsTable
  ila_link_results: IlaLinkResultsTable
  share_links: ShareLinksTable
}

/** Table `ila_imports`: imports being validated (rows staged in `ila_import_rows`). */
export interface IlaImportsTable {
  id: string
  tenant_id: string
  kind: string
  created_at: string
}

/** Table `ila_import_rows`: primary key (import_id, item_key). */
export interface IlaImportRowsTable {
  import_id: string
  item_key: string
  row_number: number
  payload_json: string
}

/** Table `ila_providers`: primary key (tenant_id, provider_id); the lists are child tables. */
export interface IlaProvidersTable {
  tenant_id: string
  provider_id: string
  created_at: string
  updated_at: string
}

/** Table `ila_provider_legal_ids`: primary key (tenant_id, provider_id, position). */
export interface IlaProviderLegalIdsTable {
  tenant_id: string
  provider_id: string
  position: number
  scheme: string
  value: string
}

/** Table `ila_provider_issuer_keys`: the DIDs allowed to sign for a provider. */
export interface IlaProviderIssuerKeysTable {
  tenant_id: string
  provider_id: string
  position: number
  issuer_key: string
}

/** Table `ila_provider_accreditations`. */
export interface IlaProviderAccreditationsTable {
  tenant_id: string
  provider_id: string
  position: number
  type: string
  valid_from: string
  valid_until: string | null
  status: string
}

/** Table `ila_provider_certifications`: `awarding` (awardingBodyFor) or `habilitation` rows. */
export interface IlaProviderCertificationsTable {
  tenant_id: string
  provider_id: string
  position: number
  kind: 'awarding' | 'habilitation'
  certification_code: string
  certifier_id: string | null
  valid_from: string | null
  valid_until: string | null
}

/** Table `ila_catalogue_entries`: primary key (tenant_id, registry_id, offer_id, version), `''` = unversioned. */
export interface IlaCatalogueEntriesTable {
  tenant_id: string
  registry_id: string
  offer_id: string
  version: string
  provider_id: string
  certification_code: string | null
  credential_expected: Flag
  planned_hours: number | null
  ects_credits: number | null
  eqf_level: number | null
  modality: string | null
  list_price_minor: number | string | null
  list_price_currency: string | null
  eligible_from: string
  eligible_until: string | null
  created_at: string
  updated_at: string
}

/** Table `ila_catalogue_achievements`: the achievement ids an offer leads to. */
export interface IlaCatalogueAchievementsTable {
  tenant_id: string
  registry_id: string
  offer_id: string
  version: string
  position: number
  achievement_id: string
}

/** Table `ila_spending_records`: primary key (tenant_id, record_id). Amounts are bigint minor units. */
export interface IlaSpendingRecordsTable {
  tenant_id: string
  record_id: string
  scheme_id: string
  scheme_ref: string
  account_pseudonym: string
  link_token_digest: string | null
  provider_id: string
  provider_legal_scheme: string
  provider_legal_value: string
  accreditation_snapshot_json: string
  registry_id: string
  offer_id: string
  offer_version: string | null
  session_id: string | null
  course_run_id: string | null
  certification_code: string | null
  currency: string
  agreed_price_minor: number | string
  amount_debited_minor: number | string | null
  amount_paid_minor: number | string | null
  amount_recredited_minor: number | string | null
  amount_recovered_minor: number | string | null
  entitlement_unit: string
  hours_committed: number | null
  requested_at: string
  approved_at: string | null
  learner_confirmed_at: string | null
  withdrawal_deadline: string | null
  planned_start: string
  planned_end: string
  actual_start: string | null
  actual_end: string | null
  completion_declared_at: string | null
  completion_validated_at: string | null
  completion_proof_due_by: string | null
  invoiced_at: string | null
  paid_at: string | null
  cancelled_at: string | null
  realisation_rate_pct: number | null
  attendance_rate_pct: number | null
  realised_hours: number | null
  exit_reason: string | null
  lifecycle: string
  payment: string
  control: string
  scheme_data_json: string | null
  created_at: string
  updated_at: string
}

/** Table `ila_funding_lines`: primary key (tenant_id, record_id, position). */
export interface IlaFundingLinesTable {
  tenant_id: string
  record_id: string
  position: number
  funder_type: string
  /** A legal id as JSON, or a pseudonymous reference as JSON text. */
  funder_ref_json: string | null
  amount_minor: number | string
  tier: string | null
  expires_at: string | null
  paid_by: string | null
}

/** Table `ila_record_events`: primary key (tenant_id, record_id, position). */
export interface IlaRecordEventsTable {
  tenant_id: string
  record_id: string
  position: number
  at: string
  axis: string
  from_state: string | null
  to_state: string
  actor: string
  reason_code: string | null
}

/** Table `ila_credentials`: primary key (tenant_id, credential_id). */
export interface IlaCredentialsTable {
  tenant_id: string
  credential_id: string
  credential_digest: string
  fingerprint: string
  issuer_did: string
  subject_commitment: string | null
  achievement_id: string | null
  course_id: string | null
  offer_registry_id: string | null
  offer_id: string | null
  awarding_body_id: string | null
  country: string | null
  activity_start: string | null
  activity_end: string | null
  issued_at: string | null
  valid_from: string | null
  valid_until: string | null
  awarding_date: string | null
  workload_hours: number | null
  ects_credits: number | null
  full_completion: Flag | null
  supervision: string | null
  verified: Flag
  verification_codes_json: string
  revoked: Flag
  suspended: Flag
  submitted_at: string
  updated_at: string
}

/** Table `ila_link_results`: one row per (credential, candidate record) of a link attempt. */
export interface IlaLinkResultsTable {
  id: string
  tenant_id: string
  attempt_id: string
  credential_id: string
  credential_digest: string
  record_id: string | null
  outcome: string
  rules_json: string
  issuer_did: string
  achievement_id: string | null
  course_id: string | null
  offer_id: string | null
  issued_at: string | null
  is_current: Flag
  created_at: string
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
export type StatusListRow = Selectable<StatusListsTable>
export type NewStatusListRow = Insertable<StatusListsTable>
export type StatusSlotRow = Selectable<StatusSlotsTable>
export type NewStatusSlotRow = Insertable<StatusSlotsTable>
export type StatusEventRow = Selectable<StatusEventsTable>
export type NewStatusEventRow = Insertable<StatusEventsTable>

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
    claim_generation: record.claimGeneration,
    claim_revoked_at: record.claimRevokedAt,
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
    claimGeneration: int(row.claim_generation),
    claimRevokedAt: row.claim_revoked_at,
  }
}

/** Reads an integer column; drivers may hand back a string or bigint for wide integer types. */
function int(value: number | bigint | string): number {
  return Number(value)
}

/** Decodes a stored bit; anything but 1 reads as 0. */
function bit(value: number | bigint | string): 0 | 1 {
  return Number(value) === 1 ? 1 : 0
}

/** Maps a status list record to the row to insert. */
export function statusListToRow(list: StatusListRecord): NewStatusListRow {
  return {
    id: list.id,
    tenant_id: list.tenantId,
    issuer_id: list.issuerId,
    issuer_did: list.issuerDid,
    purpose: list.purpose,
    form: list.form,
    sequence: list.sequence,
    size: list.size,
    capacity: list.capacity,
    allocated: list.allocated,
    url: list.url,
    published: list.published,
    published_at: list.publishedAt,
    valid_until: list.validUntil,
    etag: list.etag,
    dirty: toFlag(list.dirty),
    revision: list.revision,
    published_revision: list.publishedRevision,
    created_at: list.createdAt,
  }
}

/** Maps a `status_lists` row to its record. */
export function rowToStatusList(row: StatusListRow): StatusListRecord {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    issuerId: row.issuer_id,
    issuerDid: row.issuer_did,
    purpose: row.purpose,
    form: row.form,
    sequence: int(row.sequence),
    size: int(row.size),
    capacity: int(row.capacity),
    allocated: int(row.allocated),
    url: row.url,
    published: row.published,
    publishedAt: row.published_at,
    validUntil: row.valid_until,
    etag: row.etag,
    dirty: fromFlag(row.dirty),
    revision: int(row.revision),
    publishedRevision: row.published_revision === null ? null : int(row.published_revision),
    createdAt: row.created_at,
  }
}

/** Maps a slot record to the row to insert. */
export function statusSlotToRow(slot: StatusSlotRecord): NewStatusSlotRow {
  return {
    list_id: slot.listId,
    status_index: slot.index,
    credential_id: slot.credentialId,
    purpose: slot.purpose,
    value: slot.value,
    updated_at: slot.updatedAt,
  }
}

/** Maps a `status_slots` row to its record. */
export function rowToStatusSlot(row: StatusSlotRow): StatusSlotRecord {
  return {
    listId: row.list_id,
    index: int(row.status_index),
    credentialId: row.credential_id,
    purpose: row.purpose,
    value: bit(row.value),
    updatedAt: row.updated_at,
  }
}

/** Maps an audit event to the row to insert. */
export function statusEventToRow(event: StatusEventRecord): NewStatusEventRow {
  return {
    id: event.id,
    tenant_id: event.tenantId,
    credential_id: event.credentialId,
    list_id: event.listId,
    status_index: event.index,
    purpose: event.purpose,
    action: event.action,
    value: event.value,
    reason: event.reason,
    actor: event.actor,
    at: event.at,
    batch_id: event.batchId,
    batch_position: event.position,
  }
}

/** Maps a `status_events` row to its record. */
export function rowToStatusEvent(row: StatusEventRow): StatusEventRecord {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    credentialId: row.credential_id,
    listId: row.list_id,
    index: int(row.status_index),
    purpose: row.purpose,
    action: row.action,
    value: bit(row.value),
    reason: row.reason,
    actor: row.actor,
    at: row.at,
    batchId: row.batch_id,
    position: int(row.batch_position),
  }
}

export type ApiTokenRow = Selectable<ApiTokensTable>
export type NewApiTokenRow = Insertable<ApiTokensTable>

/** Maps a token record to the row to insert. */
export function apiTokenToRow(token: ApiTokenRecord): NewApiTokenRow {
  return {
    id: token.id,
    tenant_id: token.tenantId,
    name: token.name,
    scopes_json: JSON.stringify(token.scopes),
    token_hash: token.tokenHash,
    created_at: token.createdAt,
    revoked_at: token.revokedAt,
  }
}

/** Maps an `api_tokens` row to its record. */
export function rowToApiToken(row: ApiTokenRow): ApiTokenRecord {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    name: row.name,
    scopes: JSON.parse(row.scopes_json) as string[],
    tokenHash: row.token_hash,
    createdAt: row.created_at,
    revokedAt: row.revoked_at,
  }
}
