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
/**
 * A credential to insert in bulk: its text, or its UTF-8 bytes. Batch issuance hands each credential over
 * from a worker thread as bytes, and SQLite stores them as text without a string ever being made of them.
 */
export type NewCredentialRecord = Omit<CredentialRecord, 'credential'> & { credential: string | Uint8Array }

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
  /**
   * Generation of the learner's claim link, from 1: a link names the generation it was made for, so renewing
   * (a new generation) retires every earlier link without storing any of them.
   */
  claimGeneration: number
  /** When the claim link was revoked; null while it works. Renewing clears it. */
  claimRevokedAt: string | null
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
  /** Updates `profile` and `updatedAt` only, so a concurrent DID change (key rotation) is never undone. */
  updateProfile(id: string, profile: IssuerProfile, at: string): Promise<IssuerRecord>
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
  /** Inserts many credentials in one statement per page (batch issuance). */
  insertMany(records: NewCredentialRecord[]): Promise<void>
  get(id: string): Promise<CredentialRecord | undefined>
  /** The credentials among `ids` that exist. */
  getMany(ids: string[]): Promise<CredentialRecord[]>
  list(query: CredentialListQuery): Promise<CredentialRecord[]>
  /**
   * Erases the personal data of every credential of `tenantId` issued to `learnerRef`: clears the credential
   * text and the learner reference, keeping everything status changes need. Returns how many were erased.
   */
  eraseByLearner(tenantId: string, learnerRef: string): Promise<number>
  /**
   * Revokes the credential's claim link (once; revoking again keeps the first time). Returns false when no
   * such credential.
   */
  revokeClaim(id: string, at: string): Promise<boolean>
  /**
   * Moves the claim link to the next generation and clears any revocation, in one statement. Returns the new
   * generation, or undefined when no such credential.
   */
  renewClaim(id: string): Promise<number | undefined>
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
  /** `allocated += count` if that stays within capacity. Returns false (and changes nothing) otherwise. */
  reserveMany(listId: string, count: number): Promise<boolean>
  /**
   * Inserts, in bulk, the slots whose (list, index) is free, and returns the indices it inserted; taken
   * indices are skipped without error, so the caller probes again for those. As with `insertSlot`, a
   * second slot for the same (credential, purpose) is a `StorageConflictError`.
   */
  insertFreeSlots(slots: StatusSlotRecord[]): Promise<Set<number>>
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

/** Where a batch is: rows are being checked, ready to run, being issued, or done. */
export type BatchState = 'validating' | 'ready' | 'running' | 'completed'

/**
 * One cohort batch: the learner rows of one course version to issue in one format. Counters are updated in
 * the same transaction as the rows they count.
 */
export interface BatchRecord {
  id: string
  tenantId: string
  /** Storage id of the course version the batch issues from. */
  courseId: string
  /** The course's own id: the scope of the rows' client keys. */
  courseRef: string
  format: 'elm' | 'edc'
  state: BatchState
  totalRows: number
  issuedRows: number
  /** Rows whose client key had already been issued (by this batch before a resume, or earlier). */
  alreadyIssuedRows: number
  failedRows: number
  /** Who created it (an operator name, `token:<id>`). */
  createdBy: string
  createdAt: string
  updatedAt: string
  completedAt: string | null
  /** The runner holding the batch, and until when; another runner may take over once it expired. */
  leaseOwner: string | null
  leaseUntil: string | null
}

export type BatchRowState = 'pending' | 'issued' | 'already-issued' | 'failed'

/** Why a row was not issued: a stable code, a message and the fields at fault. */
export interface BatchRowProblem {
  code: string
  message: string
  problems?: Array<{ field: string; rule: string; message: string }>
}

/** One learner row of a batch. */
export interface BatchRowRecord {
  batchId: string
  /** 1-based position among the data rows of the uploaded file. */
  rowNumber: number
  /** The row's idempotency key: a key issued once for a course is never issued again. */
  clientKey: string
  learnerRef: string | null
  state: BatchRowState
  /** The validated learner record while the row is pending; null once the row is done or erased. */
  learner: Record<string, unknown> | null
  credentialId: string | null
  problem: BatchRowProblem | null
  updatedAt: string
}

/** A finished row: its state and what came of it. */
export interface BatchRowOutcome {
  rowNumber: number
  state: Exclude<BatchRowState, 'pending'>
  credentialId: string | null
  problem: BatchRowProblem | null
}

/** Which rows to read: in row order, after `afterRow`. */
export interface BatchRowQuery {
  batchId: string
  afterRow?: number
  limit: number
  state?: BatchRowState
}

export interface BatchRepository {
  create(batch: BatchRecord): Promise<BatchRecord>
  get(id: string): Promise<BatchRecord | undefined>
  /** Newest first. */
  listByTenant(tenantId: string, limit?: number): Promise<BatchRecord[]>
  insertRows(rows: BatchRowRecord[]): Promise<void>
  rows(query: BatchRowQuery): Promise<BatchRowRecord[]>
  /** Records row outcomes (clearing their learner data) and adds them to the batch's counters. */
  completeRows(batchId: string, outcomes: BatchRowOutcome[], at: string): Promise<void>
  /** Sets the state (and `totalRows` while validating). */
  setState(batchId: string, state: BatchState, at: string, totalRows?: number): Promise<void>
  /**
   * Takes or renews the batch for `owner` until `until`, if nobody else holds an unexpired lease and the
   * batch is ready or running. Returns false otherwise.
   */
  acquireLease(batchId: string, owner: string, until: string, now: string): Promise<boolean>
  /** Gives the lease up (only `owner`'s). */
  releaseLease(batchId: string, owner: string): Promise<void>
  /** Deletes a batch and its rows (a batch refused at validation, or abandoned while validating). */
  delete(batchId: string): Promise<void>
  /** Ids of batches still validating that were created before `before`. */
  listStaleValidating(before: string): Promise<string[]>
  /** Clears the learner data and client key of every row of `tenantId` for `learnerRef`; returns the count. */
  eraseLearner(tenantId: string, learnerRef: string): Promise<number>
}

/**
 * A client key that was issued: unique per (tenant, scope), written in the same transaction as the
 * credential, so that a key is issued at most once whatever retries, resumes or concurrent batches do.
 */
export interface IssuanceKeyRecord {
  tenantId: string
  /** The course id (`courseRef`) the key was issued for. */
  scope: string
  clientKey: string
  credentialId: string
  createdAt: string
}

export interface IssuanceKeyRepository {
  /** The credential ids already issued for some of `clientKeys`, by key. */
  find(tenantId: string, scope: string, clientKeys: string[]): Promise<Map<string, string>>
  /** Inserts all or fails with `StorageConflictError` when one key was issued already. */
  insertMany(records: IssuanceKeyRecord[]): Promise<void>
}

/*
 * Individual Learning Account (ILA) data of an operator (a tenant): reference data (providers, catalogue),
 * spending records, the credentials submitted for linking and the link results. The fields that linking and
 * reconciliation filter or join on are columns of their own, so that the report runs as set-based SQL; `null`
 * stands for "not given". Dates are ISO 8601 text: a date (`2026-03-01`) or a UTC date-time with `Z`.
 */

/** A legal identifier of an organisation (`SIRET`, `UEN`, `KVK`, `DID` ...). */
export interface IlaLegalId {
  scheme: string
  value: string
}

/** One accreditation of a provider, with its validity window. */
export interface IlaAccreditationRow {
  type: string
  validFrom: string
  validUntil: string | null
  status: string
}

/** A certification a provider may prepare for, awarded by `certifierId`. */
export interface IlaHabilitationRow {
  certificationCode: string
  certifierId: string
  validFrom: string
  validUntil: string | null
}

/** One provider of the operator's registry. Lists keep their order. */
export interface IlaProviderRecord {
  tenantId: string
  providerId: string
  legalIds: IlaLegalId[]
  /** DIDs or key ids allowed to sign credentials for the provider. */
  issuerKeys: string[]
  accreditations: IlaAccreditationRow[]
  /** Certification codes the provider awards itself. */
  awardingBodyFor: string[]
  habilitations: IlaHabilitationRow[]
  createdAt: string
  updatedAt: string
}

/** Names one catalogue entry: `version` null for an unversioned offer. */
export interface IlaCatalogueKey {
  registryId: string
  offerId: string
  version: string | null
}

/** One offer of the catalogue of eligible training. */
export interface IlaCatalogueRecord extends IlaCatalogueKey {
  tenantId: string
  providerId: string
  certificationCode: string | null
  credentialExpected: boolean
  achievementIds: string[]
  plannedHours: number | null
  ectsCredits: number | null
  eqfLevel: number | null
  modality: string | null
  listPriceMinor: number | null
  listPriceCurrency: string | null
  eligibleFrom: string
  eligibleUntil: string | null
  createdAt: string
  updatedAt: string
}

/** One funding line of a spending record; its currency is the record's. */
export interface IlaFundingLineRow {
  funderType: string
  /** A legal id, or a pseudonymous reference (text). */
  funderRef: IlaLegalId | string | null
  amountMinor: number
  tier: string | null
  expiresAt: string | null
  paidBy: string | null
}

/** One state transition of a spending record. */
export interface IlaStateEventRow {
  at: string
  axis: string
  from: string | null
  to: string
  actor: string
  reasonCode: string | null
}

/**
 * One spending record. Every amount is in minor units of `currency` (the agreed price's: import refuses a
 * record whose amounts mix currencies).
 */
export interface IlaSpendingRecordRow {
  tenantId: string
  recordId: string
  schemeId: string
  schemeRef: string
  accountPseudonym: string
  linkTokenDigest: string | null
  providerId: string
  providerLegalId: IlaLegalId
  accreditationSnapshot: string[]
  registryId: string
  offerId: string
  offerVersion: string | null
  sessionId: string | null
  courseRunId: string | null
  certificationCode: string | null
  currency: string
  agreedPriceMinor: number
  amountDebitedMinor: number | null
  amountPaidMinor: number | null
  amountRecreditedMinor: number | null
  amountRecoveredMinor: number | null
  entitlementUnit: string
  hoursCommitted: number | null
  requestedAt: string
  approvedAt: string | null
  learnerConfirmedAt: string | null
  withdrawalDeadline: string | null
  plannedStart: string
  plannedEnd: string
  actualStart: string | null
  actualEnd: string | null
  completionDeclaredAt: string | null
  completionValidatedAt: string | null
  completionProofDueBy: string | null
  invoicedAt: string | null
  paidAt: string | null
  cancelledAt: string | null
  realisationRatePct: number | null
  attendanceRatePct: number | null
  realisedHours: number | null
  exitReason: string | null
  lifecycle: string
  payment: string
  control: string
  funding: IlaFundingLineRow[]
  history: IlaStateEventRow[]
  schemeData: Record<string, unknown> | null
  createdAt: string
  updatedAt: string
}

/** What an upsert did: rows that were new, and rows that replaced an existing one. */
export interface IlaUpsertResult {
  inserted: number
  updated: number
}

/** A page of a list, in id order, after an opaque cursor (the last id seen). */
export interface IlaListQuery {
  tenantId: string
  limit?: number
  after?: string
}

/**
 * A credential submitted for linking, reduced to the facts linking and the report use. The credential itself
 * is not kept: it names the learner.
 */
export interface IlaCredentialRecord {
  tenantId: string
  /** The credential's `id`; for a credential without one, `urn:sha256:<credentialDigest>`. */
  credentialId: string
  /** SHA-256 (hex) of the credential as submitted (a compact JWS, or canonical JSON). */
  credentialDigest: string
  /**
   * SHA-256 (hex) over issuer, learner (the matched record's link token digest, else the commitment), course and
   * activity dates: the same award twice, even re-issued with a new salt (L6).
   */
  fingerprint: string
  issuerDid: string
  /** The `notation` of the ILA enrolment commitment (`sha256$<salt>$<hex>`), when the credential has one. */
  subjectCommitment: string | null
  /** The achievement (`hasClaim.specifiedBy.id`). */
  achievementId: string | null
  /** The course id (`specifiedBy.identifier` notation) the issuer gave. */
  courseId: string | null
  /** The catalogue offer (`hasClaim.learningOpportunity.identifier`): its scheme and notation. */
  offerRegistryId: string | null
  offerId: string | null
  /** Legal id of the awarding body, as `scheme:value` or the eIDAS notation. */
  awardingBodyId: string | null
  /** ISO 3166-1 alpha-2 country of the awarding body. */
  country: string | null
  activityStart: string | null
  activityEnd: string | null
  issuedAt: string | null
  validFrom: string | null
  validUntil: string | null
  awardingDate: string | null
  workloadHours: number | null
  ectsCredits: number | null
  /** Whether the credential claims a full completion (not a partial result). */
  fullCompletion: boolean | null
  /** Supervision and identity verification type of the assessment (concept IRI). */
  supervision: string | null
  /** L0: proof, validity period and status checks passed. */
  verified: boolean
  /** Codes of the checks that failed or were indeterminate. */
  verificationCodes: string[]
  revoked: boolean
  suspended: boolean
  submittedAt: string
  updatedAt: string
}

/** How a link attempt ended (see `docs/ila.md`). */
export type IlaLinkOutcome = 'MATCHED' | 'MATCHED_WITH_WARNINGS' | 'AMBIGUOUS' | 'NO_MATCH' | 'REJECTED'

/** The linking rules, evaluated in this order (see `docs/ila.md`). */
export type IlaRuleId = 'L0' | 'L1' | 'L2' | 'L3' | 'L4' | 'L5' | 'L6' | 'L7' | 'L8' | 'L9' | 'L10'

/** One rule's result in a link attempt. */
export interface IlaRuleResult {
  rule: IlaRuleId
  status: 'pass' | 'warn' | 'fail'
  /** Stable, e.g. `L4_ISSUED_BEFORE_START`. */
  code: string
  /** For people: what was compared. Record ids and dates only, never personal data. */
  message: string
}

/**
 * One (credential, record) pair of a link attempt; `recordId` null when no record was a candidate. An attempt
 * with several candidates (AMBIGUOUS) has one row per candidate. A newer attempt for the same credential makes
 * the earlier rows not current.
 */
export interface IlaLinkResultRecord {
  id: string
  tenantId: string
  /** Rows of one attempt share it. */
  attemptId: string
  credentialId: string
  credentialDigest: string
  recordId: string | null
  outcome: IlaLinkOutcome
  rules: IlaRuleResult[]
  issuerDid: string
  achievementId: string | null
  courseId: string | null
  offerId: string | null
  issuedAt: string | null
  current: boolean
  createdAt: string
}

/**
 * Which spending records may be the one a credential was issued for: those of the given offers or providers
 * whose planned period meets the window. `after` and `limit` page through them by record id.
 */
export interface IlaLinkCandidateQuery {
  tenantId: string
  /** Records booking one of these offers (any version). */
  offers: Array<{ registryId: string; offerId: string }>
  /** Records paying one of these providers. */
  providerIds: string[]
  /** Only records whose `plannedStart` sorts before this date (exclusive); none when absent. */
  plannedStartBefore?: string
  /** Only records whose `plannedEnd` sorts at or after this date; none when absent. */
  plannedEndFrom?: string
  /** The last record id of the previous page. */
  after?: string
  limit: number
}

/** The columns of a spending record that finding a credential's record reads, before its full row. */
export interface IlaLinkCandidate {
  recordId: string
  linkTokenDigest: string | null
  providerId: string
  registryId: string
  offerId: string
  offerVersion: string | null
  plannedStart: string
  plannedEnd: string
  actualStart: string | null
  actualEnd: string | null
}

/** A page of the current link results, by result id. */
export interface IlaLinkResultQuery {
  tenantId: string
  outcome?: IlaLinkOutcome
  limit?: number
  /** The last result id of the previous page. */
  after?: string
}

/** A row of an import being validated, staged until the whole file is known to be accepted. */
export interface IlaStagedRow {
  importId: string
  /** 1-based among the file's data rows. */
  rowNumber: number
  /** The item's id within its kind (record id, provider id, catalogue key). */
  itemKey: string
  /** The validated item, as JSON text. */
  payload: string
}

export interface IlaProviderRepository {
  /** Inserts or replaces (with their lists) the providers, by provider id. */
  upsertMany(records: IlaProviderRecord[]): Promise<IlaUpsertResult>
  get(tenantId: string, providerId: string): Promise<IlaProviderRecord | undefined>
  list(query: IlaListQuery): Promise<IlaProviderRecord[]>
  /** The ids among `providerIds` that exist. */
  existing(tenantId: string, providerIds: string[]): Promise<Set<string>>
  /** The providers among `providerIds` that exist, by provider id. */
  getMany(tenantId: string, providerIds: string[]): Promise<IlaProviderRecord[]>
  /** Ids of the providers whose issuer keys hold one of `keys` (DIDs or DID URLs), sorted. */
  findByIssuerKey(tenantId: string, keys: string[]): Promise<string[]>
}

export interface IlaCatalogueRepository {
  /** Inserts or replaces (with their achievement ids) the entries, by (registry, offer, version). */
  upsertMany(records: IlaCatalogueRecord[]): Promise<IlaUpsertResult>
  get(tenantId: string, key: IlaCatalogueKey): Promise<IlaCatalogueRecord | undefined>
  /** Every version of the (registry, offer) entries among `keys`, whatever their `version`. */
  findOffers(tenantId: string, keys: IlaCatalogueKey[]): Promise<IlaCatalogueKey[]>
  /** The entries that lead to one of `achievementIds`, with their achievement ids. */
  findByAchievement(tenantId: string, achievementIds: string[]): Promise<IlaCatalogueRecord[]>
}

export interface IlaSpendingRecordRepository {
  /** Inserts or replaces (with funding lines and history) the records, by record id. */
  upsertMany(records: IlaSpendingRecordRow[]): Promise<IlaUpsertResult>
  get(tenantId: string, recordId: string): Promise<IlaSpendingRecordRow | undefined>
  count(tenantId: string): Promise<number>
  /** The records among `recordIds` that exist, with funding lines and history, by record id. */
  getMany(tenantId: string, recordIds: string[]): Promise<IlaSpendingRecordRow[]>
  /** A page of the records a credential may be for (see {@link IlaLinkCandidateQuery}), by record id. */
  findLinkCandidates(query: IlaLinkCandidateQuery): Promise<IlaLinkCandidate[]>
}

export interface IlaCredentialRepository {
  /** Inserts or replaces the credentials' facts, by credential id. */
  upsertMany(records: IlaCredentialRecord[]): Promise<IlaUpsertResult>
  get(tenantId: string, credentialId: string): Promise<IlaCredentialRecord | undefined>
  /** The credentials among `credentialIds` that exist. */
  getMany(tenantId: string, credentialIds: string[]): Promise<IlaCredentialRecord[]>
  /** The credentials whose content fingerprint is one of `fingerprints` (L6 duplicates). */
  findByFingerprint(tenantId: string, fingerprints: string[]): Promise<IlaCredentialRecord[]>
}

export interface IlaLinkResultRepository {
  /** Appends the rows, making earlier rows of the same credentials not current. */
  append(records: IlaLinkResultRecord[]): Promise<void>
  /** The rows of a credential, or of a record, oldest first; current ones only unless `all`. */
  list(query: {
    tenantId: string
    credentialId?: string
    recordId?: string
    all?: boolean
  }): Promise<IlaLinkResultRecord[]>
  /** The current rows naming one of `recordIds`. */
  listCurrentForRecords(tenantId: string, recordIds: string[]): Promise<IlaLinkResultRecord[]>
  /** A page of the current rows, by id, of one outcome or all. */
  page(query: IlaLinkResultQuery): Promise<IlaLinkResultRecord[]>
}

/** Imports being validated: their rows wait here until the file is accepted. */
export interface IlaImportRepository {
  create(importRecord: { id: string; tenantId: string; kind: string; createdAt: string }): Promise<void>
  /**
   * Stages rows. A row whose item key is already staged (or repeated in `rows`) is not staged: the result maps
   * its row number to the row number that holds the key.
   */
  stage(rows: IlaStagedRow[]): Promise<Map<number, number>>
  /** Staged rows after `afterRow`, in row order. */
  read(importId: string, afterRow: number, limit: number): Promise<IlaStagedRow[]>
  /** Removes the staged rows after `afterRow` up to `upToRow` (once applied). */
  unstage(importId: string, afterRow: number, upToRow: number): Promise<void>
  /** Deletes an import and its staged rows. */
  delete(importId: string): Promise<void>
  /** Ids of imports created before `before`: abandoned. */
  listStale(before: string): Promise<string[]>
}

/*
 * The reconciliation report's queries. The report's policy (which signal is how severe, what the totals mean)
 * is the core's (`src/ila/reconcile.ts`); the port runs the set-based queries and hands back aggregates, the
 * first rows of each list and the anomalies found, each named by its signal variant.
 */

/** Where a spending record stands for the report: linked, or why not (see `docs/ila.md`). */
export type IlaRecordBucket =
  'matched' | 'matched_with_warnings' | 'ambiguous' | 'pending' | 'overdue' | 'cancelled' | 'not_expected'

/** Where a submitted credential stands: its current link outcome, or not linked yet. */
export type IlaCredentialState =
  'matched' | 'matched_with_warnings' | 'ambiguous' | 'no_record' | 'rejected' | 'not_linked'

/** Each way the data can show a fraud or irregularity signal (F1-F16, see `docs/ila.md`). */
export type IlaSignalVariant =
  | 'completion_before_start'
  | 'completion_before_booking'
  | 'start_before_booking'
  | 'credential_before_start'
  | 'credential_before_booking'
  | 'issuer_not_bound'
  | 'unknown_issuer'
  | 'not_accredited_at_booking'
  | 'not_accredited_at_issuance'
  | 'provider_not_accredited'
  | 'no_credential'
  | 'no_credential_escalated'
  | 'stalled'
  | 'volume_spike'
  | 'volume_spike_dormant'
  | 'employer_cluster'
  | 'uniform_cohort'
  | 'issuance_burst'
  | 'above_list_price'
  | 'at_cap'
  | 'overlapping_sessions'
  | 'duplicate_award'
  | 'record_claimed_twice'
  | 'credential_claimed_twice'
  | 'credential_for_cancelled_record'
  | 'revoked_after_payment'
  | 'suspended_after_payment'
  | 'low_realisation_paid_in_full'
  | 'low_realisation_full_credential'
  | 'very_low_realisation_full_credential'
  | 'not_in_catalogue'
  | 'not_eligible_at_booking'
  | 'no_habilitation'
  | 'flawless_provider'
  | 'unsupervised_high_value'
  | 'commitment_no_record'
  | 'commitment_rejected'

/** The thresholds of the signals; `docs/ila.md` says what each one means and its default. */
export interface IlaReportThresholds {
  proofWarnDays: number
  proofEscalateDays: number
  stalledDays: number
  spikeMinRecords: number
  spikeFactor: number
  dormantDays: number
  clusterMinAccounts: number
  clusterProviderShare: number
  cohortMinRecords: number
  burstMinCredentials: number
  priceTolerancePct: number
  capMinRecords: number
  capShare: number
  maxHoursPerDay: number
  realisationThresholdPct: number
  severeRealisationPct: number
  flawlessMinRecords: number
  flawlessCompletionRate: number
  highValueMinor: number
}

/** A scheme's price cap (STAP: 1,000 EUR), for the price clustering signal. */
export interface IlaPriceCap {
  schemeId: string
  currency: string
  amountMinor: number
}

/** What a report covers, and how. */
export interface IlaReportQuery {
  tenantId: string
  /** Records of this scheme only. */
  schemeId?: string
  /** Records requested on or after this date (`YYYY-MM-DD`). */
  requestedFrom?: string
  /** Records requested before this date (`YYYY-MM-DD`, exclusive). */
  requestedBefore?: string
  /** The report's day (`YYYY-MM-DD`), from the injected clock. */
  today: string
  thresholds: IlaReportThresholds
  priceCaps: IlaPriceCap[]
  /** Supervision concepts that mean "unsupervised, no identity check" (F16). */
  unsupervisedConcepts: string[]
  /** Rows kept per list (matches, unmatched spending, unmatched credentials). */
  listLimit: number
  /** Anomalies kept per signal variant; every one is counted. */
  anomalyLimit: number
}

/** Records and amounts (minor units) of one currency, bucket, expectation and revocation. */
export interface IlaReportBucketRow {
  currency: string
  bucket: IlaRecordBucket
  credentialExpected: boolean
  /** A credential issued for the record (matched, or rejected though its commitment names it) is revoked. */
  revokedCredential: boolean
  records: number
  agreed: number
  /** Agreed prices of records not refused, cancelled or expired. */
  committed: number
  paid: number
  /** `paid - recovered` of each record, where positive. */
  unrecovered: number
  recovered: number
  recredited: number
}

export interface IlaReportAnomalyRow {
  variant: IlaSignalVariant
  recordId: string | null
  credentialId: string | null
  providerId: string | null
  evidence: Record<string, string | number | null>
}

export interface IlaReportProviderRow {
  providerId: string
  currency: string
  records: number
  credentialExpected: number
  /** Matched records among those expecting a credential. */
  matched: number
  committed: number
  paid: number
  paidWithoutCredential: number
  /** Records whose training ended (`exited`, `completion_*`). */
  ended: number
  /** Exits `partial_learner`, `partial_force_majeure` or `abandoned`. */
  partialExits: number
  /** Median days from the end of training to the matched credential's issuance. */
  medianIssueLagDays: number | null
}

export interface IlaReportCourseRow {
  registryId: string
  offerId: string
  currency: string
  records: number
  credentialExpected: number
  /** Matched records among those expecting a credential. */
  matched: number
  committed: number
  paid: number
  /** Training hours of the records that have them (not cancelled), and their agreed prices. */
  hours: number
  hoursAgreed: number
}

/** What the report's queries found. Lists hold their first rows only; counts and sums are exact. */
export interface IlaReportData {
  buckets: IlaReportBucketRow[]
  lifecycles: Array<{ currency: string; lifecycle: string; records: number; paid: number }>
  credentials: Array<{ state: IlaCredentialState; credentials: number; withCommitment: number }>
  /** Matched (credential, record) pairs in scope; `matches` holds the first of them. */
  matchedPairs: number
  matches: Array<{ recordId: string; credentialId: string; outcome: IlaLinkOutcome; rules: IlaRuleResult[] }>
  unmatchedSpending: Array<{
    recordId: string
    providerId: string
    lifecycle: string
    bucket: IlaRecordBucket
    /** End of training, when it ended. */
    endedOn: string | null
    daysSinceEnd: number | null
    currency: string
    paid: number
  }>
  unmatchedCredentials: Array<{
    credentialId: string
    issuerDid: string
    state: IlaCredentialState
    hasCommitment: boolean
    verificationCodes: string[]
    /** The rules of its current link attempt (the first row of it). */
    rules: IlaRuleResult[]
  }>
  anomalyCounts: Array<{ variant: IlaSignalVariant; count: number }>
  anomalyCountsByProvider: Array<{ providerId: string; variant: IlaSignalVariant; count: number }>
  /** The first `anomalyLimit` anomalies of each variant. */
  anomalies: IlaReportAnomalyRow[]
  byProvider: IlaReportProviderRow[]
  byCourse: IlaReportCourseRow[]
  /** Distinct accounts with a record; those with a targeted-entitlement funding line. */
  accounts: number
  accountsMostInNeed: number
  funding: Array<{ currency: string; funderType: string; lines: number; amount: number }>
  timeToCredential: { pairs: number; medianDays: number | null; meanDays: number | null }
}

export interface IlaReportRepository {
  /**
   * Runs the report's queries on one connection (they share temporary tables), leaving nothing behind.
   * Memory stays flat whatever the number of records: lists and anomalies are cut at their limits.
   */
  run(query: IlaReportQuery): Promise<IlaReportData>
}

/** The ILA repositories of a session, every one scoped by tenant. */
export interface IlaRepository {
  providers: IlaProviderRepository
  catalogue: IlaCatalogueRepository
  records: IlaSpendingRecordRepository
  credentials: IlaCredentialRepository
  linkResults: IlaLinkResultRepository
  imports: IlaImportRepository
  report: IlaReportRepository
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
  batches: BatchRepository
  issuanceKeys: IssuanceKeyRepository
  ila: IlaRepository
  shareLinks: ShareLinkRepository
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

/**
 * A learner's share link: an unguessable id that shows one credential to whoever holds it, until it expires
 * or the learner revokes it. Its expiry is the link's own, never the credential's.
 */
export interface ShareLinkRecord {
  /** Random, at least 128 bits, base64url: the link is `<publicBaseUrl>/s/<id>`. */
  id: string
  tenantId: string
  credentialId: string
  createdAt: string
  expiresAt: string
  /** When the learner revoked it; null while it works (until `expiresAt`). */
  revokedAt: string | null
}

export interface ShareLinkRepository {
  /** Inserts a link; an id already taken is a `StorageConflictError`. */
  create(link: ShareLinkRecord): Promise<ShareLinkRecord>
  get(id: string): Promise<ShareLinkRecord | undefined>
  /** The links of a credential, newest first, revoked and expired ones included. */
  listByCredential(credentialId: string): Promise<ShareLinkRecord[]>
  /**
   * Revokes the link `id` if it belongs to `credentialId` (once; revoking again keeps the first time). Returns
   * false when the credential has no such link.
   */
  revoke(id: string, credentialId: string, at: string): Promise<boolean>
}
