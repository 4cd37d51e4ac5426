/**
 * ILA repositories over Kysely, for both dialects: providers, catalogue, spending records, submitted
 * credentials, link results and staged imports. Kept apart from `kysely-storage.ts` for size; the conventions
 * (guarded errors, text dates, JSON as text, 0/1 flags) are the same.
 *
 * Upserts are `INSERT ... ON CONFLICT (key) DO UPDATE`, the same SQL on SQLite and PostgreSQL, followed by
 * replacing the child rows of the upserted parents; each call runs in one transaction (the caller's, if open).
 */
import type { Kysely, Selectable } from 'kysely'
import type {
  Database,
  Flag,
  IlaCatalogueEntriesTable,
  IlaCredentialsTable,
  IlaLinkResultsTable,
  IlaSpendingRecordsTable,
} from './database.js'
import type {
  IlaCatalogueKey,
  IlaCatalogueRecord,
  IlaCredentialRecord,
  IlaFundingLineRow,
  IlaLegalId,
  IlaLinkCandidate,
  IlaLinkResultRecord,
  IlaProviderRecord,
  IlaRepository,
  IlaRuleResult,
  IlaSpendingRecordRow,
  IlaStagedRow,
  IlaStateEventRow,
  IlaUpsertResult,
} from './storage.js'
import { ilaReportRepository } from './kysely-ila-report.js'

type Executor = Kysely<Database>
type Guard = <T>(what: string, fn: () => Promise<T>) => Promise<T>
// Upserts and child-table replacement are written once for every table, over table names given as data.
type AnyExecutor = Kysely<any>
type Row = Record<string, unknown>

/**
 * Bound parameters per statement: below SQLite's 32,766 (PostgreSQL allows 65,535), whatever the table's
 * width, so a page of the widest table (spending records, 48 columns) still holds 600 rows.
 */
const MAX_PARAMETERS = 30_000
/** Ids per `IN (...)` list. */
const ID_PAGE = 500

const DEFAULT_LIMIT = 100
const MAX_LIMIT = 1000

function pages<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = []
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size))
  return out
}

function rowsPerStatement(row: Row | undefined): number {
  return Math.max(1, Math.floor(MAX_PARAMETERS / Math.max(1, Object.keys(row ?? {}).length)))
}

/** Drivers hand back bigint columns as strings (pg) or numbers (SQLite); amounts stay within 2^53. */
function num(value: number | string | bigint | null): number | null {
  return value === null ? null : Number(value)
}

function flag(value: boolean): Flag {
  return value ? 1 : 0
}

function limitOf(limit: number | undefined): number {
  if (limit === undefined || !Number.isFinite(limit)) return DEFAULT_LIMIT
  return Math.min(Math.max(Math.trunc(limit), 1), MAX_LIMIT)
}

async function inTransaction<T>(db: Executor, fn: (tx: Executor) => Promise<T>): Promise<T> {
  if (db.isTransaction) return fn(db)
  return db.transaction().execute(fn)
}

/** The last record for each key: one statement may not upsert the same row twice (PostgreSQL refuses). */
function lastByKey<T>(records: readonly T[], keyOf: (record: T) => string): T[] {
  const byKey = new Map<string, T>()
  for (const record of records) {
    const key = keyOf(record)
    byKey.delete(key)
    byKey.set(key, record)
  }
  return [...byKey.values()]
}

/** Inserts `rows` into `table`, replacing on `key` every column but `created_at`. */
async function upsertRows(db: Executor, table: string, key: string[], rows: Row[]): Promise<void> {
  if (rows.length === 0) return
  const updated = Object.keys(rows[0] as Row).filter((c) => !key.includes(c) && c !== 'created_at')
  for (const page of pages(rows, rowsPerStatement(rows[0]))) {
    await (db as AnyExecutor)
      .insertInto(table)
      .values(page)
      .onConflict((oc) =>
        oc
          .columns(key)
          .doUpdateSet((eb) => Object.fromEntries(updated.map((c) => [c, eb.ref(`excluded.${c}`)]))),
      )
      .execute()
  }
}

async function insertRows(db: Executor, table: string, rows: Row[]): Promise<void> {
  if (rows.length === 0) return
  for (const page of pages(rows, rowsPerStatement(rows[0]))) {
    await (db as AnyExecutor).insertInto(table).values(page).execute()
  }
}

/** Deletes the child rows of `ids` (one tenant) from each of `tables`. */
async function deleteChildren(
  db: Executor,
  tables: string[],
  tenantId: string,
  idColumn: string,
  ids: string[],
): Promise<void> {
  for (const table of tables) {
    for (const page of pages(ids, ID_PAGE)) {
      await (db as AnyExecutor)
        .deleteFrom(table)
        .where('tenant_id', '=', tenantId)
        .where(idColumn, 'in', page)
        .execute()
    }
  }
}

/** The ids among `ids` present in `table` for `tenantId`. */
async function existingIds(
  db: Executor,
  table: string,
  idColumn: string,
  tenantId: string,
  ids: string[],
): Promise<Set<string>> {
  const found = new Set<string>()
  for (const page of pages(ids, ID_PAGE)) {
    const rows = (await (db as AnyExecutor)
      .selectFrom(table)
      .select(idColumn)
      .where('tenant_id', '=', tenantId)
      .where(idColumn, 'in', page)
      .execute()) as Row[]
    for (const row of rows) found.add(row[idColumn] as string)
  }
  return found
}

/** Records grouped by tenant, so that every statement is scoped by one tenant id. */
function byTenant<T extends { tenantId: string }>(records: readonly T[]): Map<string, T[]> {
  const groups = new Map<string, T[]>()
  for (const record of records) {
    const group = groups.get(record.tenantId)
    if (group) group.push(record)
    else groups.set(record.tenantId, [record])
  }
  return groups
}

function positioned<T>(items: readonly T[], base: Row, toRow: (item: T) => Row): Row[] {
  return items.map((item, position) => ({ ...base, position, ...toRow(item) }))
}

// --- Providers ----------------------------------------------------------------------------------------

const PROVIDER_CHILDREN = [
  'ila_provider_legal_ids',
  'ila_provider_issuer_keys',
  'ila_provider_accreditations',
  'ila_provider_certifications',
]

async function readProviders(db: Executor, tenantId: string, ids: string[]): Promise<IlaProviderRecord[]> {
  if (ids.length === 0) return []
  const parents = await db
    .selectFrom('ila_providers')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('provider_id', 'in', ids)
    .orderBy('provider_id')
    .execute()
  const records = new Map<string, IlaProviderRecord>()
  for (const row of parents) {
    records.set(row.provider_id, {
      tenantId,
      providerId: row.provider_id,
      legalIds: [],
      issuerKeys: [],
      accreditations: [],
      awardingBodyFor: [],
      habilitations: [],
      createdAt: row.created_at,
      updatedAt: row.updated_at,
    })
  }
  const children = <T extends keyof Database>(table: T) =>
    (db as AnyExecutor)
      .selectFrom(table)
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('provider_id', 'in', ids)
      .orderBy('provider_id')
      .orderBy('position')
      .execute() as Promise<Array<Selectable<Database[T]>>>
  for (const row of await children('ila_provider_legal_ids'))
    records.get(row.provider_id)?.legalIds.push({ scheme: row.scheme, value: row.value })
  for (const row of await children('ila_provider_issuer_keys'))
    records.get(row.provider_id)?.issuerKeys.push(row.issuer_key)
  for (const row of await children('ila_provider_accreditations')) {
    records.get(row.provider_id)?.accreditations.push({
      type: row.type,
      validFrom: row.valid_from,
      validUntil: row.valid_until,
      status: row.status,
    })
  }
  for (const row of await children('ila_provider_certifications')) {
    const record = records.get(row.provider_id)
    if (!record) continue
    if (row.kind === 'awarding') record.awardingBodyFor.push(row.certification_code)
    else {
      record.habilitations.push({
        certificationCode: row.certification_code,
        certifierId: row.certifier_id ?? '',
        validFrom: row.valid_from ?? '',
        validUntil: row.valid_until,
      })
    }
  }
  return [...records.values()]
}

// --- Catalogue ----------------------------------------------------------------------------------------

function catalogueToRow(r: IlaCatalogueRecord): Row {
  return {
    tenant_id: r.tenantId,
    registry_id: r.registryId,
    offer_id: r.offerId,
    version: r.version ?? '',
    provider_id: r.providerId,
    certification_code: r.certificationCode,
    credential_expected: flag(r.credentialExpected),
    planned_hours: r.plannedHours,
    ects_credits: r.ectsCredits,
    eqf_level: r.eqfLevel,
    modality: r.modality,
    list_price_minor: r.listPriceMinor,
    list_price_currency: r.listPriceCurrency,
    eligible_from: r.eligibleFrom,
    eligible_until: r.eligibleUntil,
    created_at: r.createdAt,
    updated_at: r.updatedAt,
  }
}

function rowToCatalogue(
  row: Selectable<IlaCatalogueEntriesTable>,
  achievementIds: string[],
): IlaCatalogueRecord {
  return {
    tenantId: row.tenant_id,
    registryId: row.registry_id,
    offerId: row.offer_id,
    version: row.version === '' ? null : row.version,
    providerId: row.provider_id,
    certificationCode: row.certification_code,
    credentialExpected: Number(row.credential_expected) === 1,
    achievementIds,
    plannedHours: num(row.planned_hours),
    ectsCredits: num(row.ects_credits),
    eqfLevel: num(row.eqf_level),
    modality: row.modality,
    listPriceMinor: num(row.list_price_minor),
    listPriceCurrency: row.list_price_currency,
    eligibleFrom: row.eligible_from,
    eligibleUntil: row.eligible_until,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  }
}

function catalogueKeyOf(key: IlaCatalogueKey): string {
  return JSON.stringify([key.registryId, key.offerId, key.version ?? ''])
}

// --- Spending records ---------------------------------------------------------------------------------

function recordToRow(r: IlaSpendingRecordRow): Row {
  return {
    tenant_id: r.tenantId,
    record_id: r.recordId,
    scheme_id: r.schemeId,
    scheme_ref: r.schemeRef,
    account_pseudonym: r.accountPseudonym,
    link_token_digest: r.linkTokenDigest,
    provider_id: r.providerId,
    provider_legal_scheme: r.providerLegalId.scheme,
    provider_legal_value: r.providerLegalId.value,
    accreditation_snapshot_json: JSON.stringify(r.accreditationSnapshot),
    registry_id: r.registryId,
    offer_id: r.offerId,
    offer_version: r.offerVersion,
    session_id: r.sessionId,
    course_run_id: r.courseRunId,
    certification_code: r.certificationCode,
    currency: r.currency,
    agreed_price_minor: r.agreedPriceMinor,
    amount_debited_minor: r.amountDebitedMinor,
    amount_paid_minor: r.amountPaidMinor,
    amount_recredited_minor: r.amountRecreditedMinor,
    amount_recovered_minor: r.amountRecoveredMinor,
    entitlement_unit: r.entitlementUnit,
    hours_committed: r.hoursCommitted,
    requested_at: r.requestedAt,
    approved_at: r.approvedAt,
    learner_confirmed_at: r.learnerConfirmedAt,
    withdrawal_deadline: r.withdrawalDeadline,
    planned_start: r.plannedStart,
    planned_end: r.plannedEnd,
    actual_start: r.actualStart,
    actual_end: r.actualEnd,
    completion_declared_at: r.completionDeclaredAt,
    completion_validated_at: r.completionValidatedAt,
    completion_proof_due_by: r.completionProofDueBy,
    invoiced_at: r.invoicedAt,
    paid_at: r.paidAt,
    cancelled_at: r.cancelledAt,
    realisation_rate_pct: r.realisationRatePct,
    attendance_rate_pct: r.attendanceRatePct,
    realised_hours: r.realisedHours,
    exit_reason: r.exitReason,
    lifecycle: r.lifecycle,
    payment: r.payment,
    control: r.control,
    scheme_data_json: r.schemeData === null ? null : JSON.stringify(r.schemeData),
    created_at: r.createdAt,
    updated_at: r.updatedAt,
  }
}

function rowToRecord(
  row: Selectable<IlaSpendingRecordsTable>,
  funding: IlaFundingLineRow[],
  history: IlaStateEventRow[],
): IlaSpendingRecordRow {
  return {
    tenantId: row.tenant_id,
    recordId: row.record_id,
    schemeId: row.scheme_id,
    schemeRef: row.scheme_ref,
    accountPseudonym: row.account_pseudonym,
    linkTokenDigest: row.link_token_digest,
    providerId: row.provider_id,
    providerLegalId: { scheme: row.provider_legal_scheme, value: row.provider_legal_value },
    accreditationSnapshot: JSON.parse(row.accreditation_snapshot_json) as string[],
    registryId: row.registry_id,
    offerId: row.offer_id,
    offerVersion: row.offer_version,
    sessionId: row.session_id,
    courseRunId: row.course_run_id,
    certificationCode: row.certification_code,
    currency: row.currency,
    agreedPriceMinor: Number(row.agreed_price_minor),
    amountDebitedMinor: num(row.amount_debited_minor),
    amountPaidMinor: num(row.amount_paid_minor),
    amountRecreditedMinor: num(row.amount_recredited_minor),
    amountRecoveredMinor: num(row.amount_recovered_minor),
    entitlementUnit: row.entitlement_unit,
    hoursCommitted: num(row.hours_committed),
    requestedAt: row.requested_at,
    approvedAt: row.approved_at,
    learnerConfirmedAt: row.learner_confirmed_at,
    withdrawalDeadline: row.withdrawal_deadline,
    plannedStart: row.planned_start,
    plannedEnd: row.planned_end,
    actualStart: row.actual_start,
    actualEnd: row.actual_end,
    completionDeclaredAt: row.completion_declared_at,
    completionValidatedAt: row.completion_validated_at,
    completionProofDueBy: row.completion_proof_due_by,
    invoicedAt: row.invoiced_at,
    paidAt: row.paid_at,
    cancelledAt: row.cancelled_at,
    realisationRatePct: num(row.realisation_rate_pct),
    attendanceRatePct: num(row.attendance_rate_pct),
    realisedHours: num(row.realised_hours),
    exitReason: row.exit_reason,
    lifecycle: row.lifecycle,
    payment: row.payment,
    control: row.control,
    funding,
    history,
    schemeData:
      row.scheme_data_json === null ? null : (JSON.parse(row.scheme_data_json) as Record<string, unknown>),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  }
}

/** Full rows of the records among `ids`, with their funding lines and history, by record id. */
async function readRecords(db: Executor, tenantId: string, ids: string[]): Promise<IlaSpendingRecordRow[]> {
  const out: IlaSpendingRecordRow[] = []
  for (const page of pages([...new Set(ids)].sort(), ID_PAGE)) {
    const parents = await db
      .selectFrom('ila_spending_records')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('record_id', 'in', page)
      .orderBy('record_id')
      .execute()
    if (parents.length === 0) continue
    const funding = new Map<string, IlaFundingLineRow[]>()
    for (const f of await db
      .selectFrom('ila_funding_lines')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('record_id', 'in', page)
      .orderBy('record_id')
      .orderBy('position')
      .execute()) {
      const list = funding.get(f.record_id) ?? []
      list.push({
        funderType: f.funder_type,
        funderRef: f.funder_ref_json === null ? null : (JSON.parse(f.funder_ref_json) as IlaLegalId | string),
        amountMinor: Number(f.amount_minor),
        tier: f.tier,
        expiresAt: f.expires_at,
        paidBy: f.paid_by,
      })
      funding.set(f.record_id, list)
    }
    const history = new Map<string, IlaStateEventRow[]>()
    for (const e of await db
      .selectFrom('ila_record_events')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('record_id', 'in', page)
      .orderBy('record_id')
      .orderBy('position')
      .execute()) {
      const list = history.get(e.record_id) ?? []
      list.push({
        at: e.at,
        axis: e.axis,
        from: e.from_state,
        to: e.to_state,
        actor: e.actor,
        reasonCode: e.reason_code,
      })
      history.set(e.record_id, list)
    }
    for (const row of parents) {
      out.push(rowToRecord(row, funding.get(row.record_id) ?? [], history.get(row.record_id) ?? []))
    }
  }
  return out
}

/** The catalogue entries named by `keys`, with their achievement ids. */
async function readCatalogue(
  db: Executor,
  tenantId: string,
  keys: IlaCatalogueKey[],
): Promise<IlaCatalogueRecord[]> {
  const out: IlaCatalogueRecord[] = []
  const seen = new Set<string>()
  for (const key of keys) {
    const id = catalogueKeyOf(key)
    if (seen.has(id)) continue
    seen.add(id)
    const row = await db
      .selectFrom('ila_catalogue_entries')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('registry_id', '=', key.registryId)
      .where('offer_id', '=', key.offerId)
      .where('version', '=', key.version ?? '')
      .executeTakeFirst()
    if (!row) continue
    const achievements = await db
      .selectFrom('ila_catalogue_achievements')
      .select('achievement_id')
      .where('tenant_id', '=', tenantId)
      .where('registry_id', '=', key.registryId)
      .where('offer_id', '=', key.offerId)
      .where('version', '=', key.version ?? '')
      .orderBy('position')
      .execute()
    out.push(
      rowToCatalogue(
        row,
        achievements.map((a) => a.achievement_id),
      ),
    )
  }
  return out
}

// --- Credentials and link results ---------------------------------------------------------------------

function credentialToRow(r: IlaCredentialRecord): Row {
  return {
    tenant_id: r.tenantId,
    credential_id: r.credentialId,
    credential_digest: r.credentialDigest,
    fingerprint: r.fingerprint,
    issuer_did: r.issuerDid,
    subject_commitment: r.subjectCommitment,
    achievement_id: r.achievementId,
    course_id: r.courseId,
    offer_registry_id: r.offerRegistryId,
    offer_id: r.offerId,
    awarding_body_id: r.awardingBodyId,
    country: r.country,
    activity_start: r.activityStart,
    activity_end: r.activityEnd,
    issued_at: r.issuedAt,
    valid_from: r.validFrom,
    valid_until: r.validUntil,
    awarding_date: r.awardingDate,
    workload_hours: r.workloadHours,
    ects_credits: r.ectsCredits,
    full_completion: r.fullCompletion === null ? null : flag(r.fullCompletion),
    supervision: r.supervision,
    verified: flag(r.verified),
    verification_codes_json: JSON.stringify(r.verificationCodes),
    revoked: flag(r.revoked),
    suspended: flag(r.suspended),
    // Upserts keep the first submission time: a resubmission is not a new credential.
    submitted_at: r.submittedAt,
    updated_at: r.updatedAt,
  }
}

function rowToCredential(row: Selectable<IlaCredentialsTable>): IlaCredentialRecord {
  return {
    tenantId: row.tenant_id,
    credentialId: row.credential_id,
    credentialDigest: row.credential_digest,
    fingerprint: row.fingerprint,
    issuerDid: row.issuer_did,
    subjectCommitment: row.subject_commitment,
    achievementId: row.achievement_id,
    courseId: row.course_id,
    offerRegistryId: row.offer_registry_id,
    offerId: row.offer_id,
    awardingBodyId: row.awarding_body_id,
    country: row.country,
    activityStart: row.activity_start,
    activityEnd: row.activity_end,
    issuedAt: row.issued_at,
    validFrom: row.valid_from,
    validUntil: row.valid_until,
    awardingDate: row.awarding_date,
    workloadHours: num(row.workload_hours),
    ectsCredits: num(row.ects_credits),
    fullCompletion: row.full_completion === null ? null : Number(row.full_completion) === 1,
    supervision: row.supervision,
    verified: Number(row.verified) === 1,
    verificationCodes: JSON.parse(row.verification_codes_json) as string[],
    revoked: Number(row.revoked) === 1,
    suspended: Number(row.suspended) === 1,
    submittedAt: row.submitted_at,
    updatedAt: row.updated_at,
  }
}

function rowToLinkResult(row: Selectable<IlaLinkResultsTable>): IlaLinkResultRecord {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    attemptId: row.attempt_id,
    credentialId: row.credential_id,
    credentialDigest: row.credential_digest,
    recordId: row.record_id,
    outcome: row.outcome as IlaLinkResultRecord['outcome'],
    rules: JSON.parse(row.rules_json) as IlaRuleResult[],
    issuerDid: row.issuer_did,
    achievementId: row.achievement_id,
    courseId: row.course_id,
    offerId: row.offer_id,
    issuedAt: row.issued_at,
    current: Number(row.is_current) === 1,
    createdAt: row.created_at,
  }
}

/** The ILA repositories over `db` (the pool or one transaction). */
export function ilaRepository(db: Executor, guard: Guard): IlaRepository {
  /** A tenant's stored credentials whose `column` is one of `values`, by credential id. */
  const credentialsWhereIn = (tenantId: string, column: 'credential_id' | 'fingerprint', values: string[]) =>
    guard(`ILA credentials of tenant ${tenantId}`, async () => {
      const out: IlaCredentialRecord[] = []
      for (const page of pages([...new Set(values)], ID_PAGE)) {
        const rows = await db
          .selectFrom('ila_credentials')
          .selectAll()
          .where('tenant_id', '=', tenantId)
          .where(column, 'in', page)
          .orderBy('credential_id')
          .execute()
        out.push(...rows.map(rowToCredential))
      }
      return out
    })

  return {
    providers: {
      upsertMany: (input) =>
        guard(`ILA providers of tenant ${input[0]?.tenantId ?? '-'}`, () =>
          inTransaction(db, async (tx) => {
            const result: IlaUpsertResult = { inserted: 0, updated: 0 }
            for (const [tenantId, group] of byTenant(input)) {
              const records = lastByKey(group, (r) => r.providerId)
              const ids = records.map((r) => r.providerId)
              const existing = await existingIds(tx, 'ila_providers', 'provider_id', tenantId, ids)
              result.updated += existing.size
              result.inserted += ids.length - existing.size
              await upsertRows(
                tx,
                'ila_providers',
                ['tenant_id', 'provider_id'],
                records.map((r) => ({
                  tenant_id: tenantId,
                  provider_id: r.providerId,
                  created_at: r.createdAt,
                  updated_at: r.updatedAt,
                })),
              )
              if (existing.size > 0) {
                await deleteChildren(tx, PROVIDER_CHILDREN, tenantId, 'provider_id', [...existing])
              }
              const base = (r: IlaProviderRecord) => ({ tenant_id: tenantId, provider_id: r.providerId })
              await insertRows(
                tx,
                'ila_provider_legal_ids',
                records.flatMap((r) =>
                  positioned(r.legalIds, base(r), (l) => ({ scheme: l.scheme, value: l.value })),
                ),
              )
              await insertRows(
                tx,
                'ila_provider_issuer_keys',
                records.flatMap((r) => positioned(r.issuerKeys, base(r), (k) => ({ issuer_key: k }))),
              )
              await insertRows(
                tx,
                'ila_provider_accreditations',
                records.flatMap((r) =>
                  positioned(r.accreditations, base(r), (a) => ({
                    type: a.type,
                    valid_from: a.validFrom,
                    valid_until: a.validUntil,
                    status: a.status,
                  })),
                ),
              )
              await insertRows(
                tx,
                'ila_provider_certifications',
                records.flatMap((r) =>
                  positioned(
                    [
                      ...r.awardingBodyFor.map((code) => ({ kind: 'awarding', certification_code: code })),
                      ...r.habilitations.map((h) => ({
                        kind: 'habilitation',
                        certification_code: h.certificationCode,
                        certifier_id: h.certifierId,
                        valid_from: h.validFrom,
                        valid_until: h.validUntil,
                      })),
                    ],
                    base(r),
                    (c) => ({ certifier_id: null, valid_from: null, valid_until: null, ...c }),
                  ),
                ),
              )
            }
            return result
          }),
        ),
      get: (tenantId, providerId) =>
        guard(`ILA provider ${providerId}`, async () => (await readProviders(db, tenantId, [providerId]))[0]),
      list: (query) =>
        guard(`ILA providers of tenant ${query.tenantId}`, async () => {
          let q = db.selectFrom('ila_providers').select('provider_id').where('tenant_id', '=', query.tenantId)
          if (query.after !== undefined) q = q.where('provider_id', '>', query.after)
          const ids = await q.orderBy('provider_id').limit(limitOf(query.limit)).execute()
          return readProviders(
            db,
            query.tenantId,
            ids.map((r) => r.provider_id),
          )
        }),
      existing: (tenantId, providerIds) =>
        guard(`ILA providers of tenant ${tenantId}`, () =>
          existingIds(db, 'ila_providers', 'provider_id', tenantId, [...new Set(providerIds)]),
        ),
      getMany: (tenantId, providerIds) =>
        guard(`ILA providers of tenant ${tenantId}`, async () => {
          const out: IlaProviderRecord[] = []
          for (const page of pages([...new Set(providerIds)].sort(), ID_PAGE)) {
            out.push(...(await readProviders(db, tenantId, page)))
          }
          return out
        }),
      findByIssuerKey: (tenantId, keys) =>
        guard(`ILA providers of tenant ${tenantId}`, async () => {
          const found = new Set<string>()
          for (const page of pages([...new Set(keys)], ID_PAGE)) {
            const rows = await db
              .selectFrom('ila_provider_issuer_keys')
              .select('provider_id')
              .where('tenant_id', '=', tenantId)
              .where('issuer_key', 'in', page)
              .execute()
            for (const row of rows) found.add(row.provider_id)
          }
          return [...found].sort()
        }),
    },

    catalogue: {
      upsertMany: (input) =>
        guard(`ILA catalogue of tenant ${input[0]?.tenantId ?? '-'}`, () =>
          inTransaction(db, async (tx) => {
            const result: IlaUpsertResult = { inserted: 0, updated: 0 }
            for (const [tenantId, group] of byTenant(input)) {
              const records = lastByKey(group, catalogueKeyOf)
              const found = new Set<string>()
              for (const page of pages([...new Set(records.map((r) => r.offerId))], ID_PAGE)) {
                const rows = await tx
                  .selectFrom('ila_catalogue_entries')
                  .select(['registry_id', 'offer_id', 'version'])
                  .where('tenant_id', '=', tenantId)
                  .where('offer_id', 'in', page)
                  .execute()
                for (const row of rows) {
                  found.add(
                    catalogueKeyOf({
                      registryId: row.registry_id,
                      offerId: row.offer_id,
                      version: row.version,
                    }),
                  )
                }
              }
              const updated = records.filter((r) => found.has(catalogueKeyOf(r))).length
              result.updated += updated
              result.inserted += records.length - updated
              await upsertRows(
                tx,
                'ila_catalogue_entries',
                ['tenant_id', 'registry_id', 'offer_id', 'version'],
                records.map(catalogueToRow),
              )
              // Children are keyed by the whole entry key; offers are few, so they go one entry at a time.
              for (const r of records) {
                await tx
                  .deleteFrom('ila_catalogue_achievements')
                  .where('tenant_id', '=', tenantId)
                  .where('registry_id', '=', r.registryId)
                  .where('offer_id', '=', r.offerId)
                  .where('version', '=', r.version ?? '')
                  .execute()
              }
              await insertRows(
                tx,
                'ila_catalogue_achievements',
                records.flatMap((r) =>
                  positioned(
                    r.achievementIds,
                    {
                      tenant_id: tenantId,
                      registry_id: r.registryId,
                      offer_id: r.offerId,
                      version: r.version ?? '',
                    },
                    (id) => ({ achievement_id: id }),
                  ),
                ),
              )
            }
            return result
          }),
        ),
      get: (tenantId, key) =>
        guard(`ILA catalogue entry ${key.registryId}/${key.offerId}`, async () => {
          const row = await db
            .selectFrom('ila_catalogue_entries')
            .selectAll()
            .where('tenant_id', '=', tenantId)
            .where('registry_id', '=', key.registryId)
            .where('offer_id', '=', key.offerId)
            .where('version', '=', key.version ?? '')
            .executeTakeFirst()
          if (!row) return undefined
          const achievements = await db
            .selectFrom('ila_catalogue_achievements')
            .select('achievement_id')
            .where('tenant_id', '=', tenantId)
            .where('registry_id', '=', key.registryId)
            .where('offer_id', '=', key.offerId)
            .where('version', '=', key.version ?? '')
            .orderBy('position')
            .execute()
          return rowToCatalogue(
            row,
            achievements.map((a) => a.achievement_id),
          )
        }),
      findOffers: (tenantId, keys) =>
        guard(`ILA catalogue of tenant ${tenantId}`, async () => {
          const out: IlaCatalogueKey[] = []
          for (const page of pages([...new Set(keys.map((k) => k.offerId))], ID_PAGE)) {
            const rows = await db
              .selectFrom('ila_catalogue_entries')
              .select(['registry_id', 'offer_id', 'version'])
              .where('tenant_id', '=', tenantId)
              .where('offer_id', 'in', page)
              .execute()
            for (const row of rows) {
              out.push({
                registryId: row.registry_id,
                offerId: row.offer_id,
                version: row.version === '' ? null : row.version,
              })
            }
          }
          return out
        }),
      findByAchievement: (tenantId, achievementIds) =>
        guard(`ILA catalogue of tenant ${tenantId}`, async () => {
          const keys: IlaCatalogueKey[] = []
          for (const page of pages([...new Set(achievementIds)], ID_PAGE)) {
            const rows = await db
              .selectFrom('ila_catalogue_achievements')
              .select(['registry_id', 'offer_id', 'version'])
              .where('tenant_id', '=', tenantId)
              .where('achievement_id', 'in', page)
              .orderBy('registry_id')
              .orderBy('offer_id')
              .orderBy('version')
              .execute()
            for (const row of rows) {
              keys.push({ registryId: row.registry_id, offerId: row.offer_id, version: row.version })
            }
          }
          return readCatalogue(db, tenantId, keys)
        }),
    },

    records: {
      upsertMany: (input) =>
        guard(`ILA spending records of tenant ${input[0]?.tenantId ?? '-'}`, () =>
          inTransaction(db, async (tx) => {
            const result: IlaUpsertResult = { inserted: 0, updated: 0 }
            for (const [tenantId, group] of byTenant(input)) {
              const records = lastByKey(group, (r) => r.recordId)
              const ids = records.map((r) => r.recordId)
              const existing = await existingIds(tx, 'ila_spending_records', 'record_id', tenantId, ids)
              result.updated += existing.size
              result.inserted += ids.length - existing.size
              await upsertRows(
                tx,
                'ila_spending_records',
                ['tenant_id', 'record_id'],
                records.map(recordToRow),
              )
              // Only replaced records can have children: a page of new records skips the deletes.
              if (existing.size > 0) {
                await deleteChildren(tx, ['ila_funding_lines', 'ila_record_events'], tenantId, 'record_id', [
                  ...existing,
                ])
              }
              const base = (r: IlaSpendingRecordRow) => ({ tenant_id: tenantId, record_id: r.recordId })
              await insertRows(
                tx,
                'ila_funding_lines',
                records.flatMap((r) =>
                  positioned(r.funding, base(r), (f) => ({
                    funder_type: f.funderType,
                    funder_ref_json: f.funderRef === null ? null : JSON.stringify(f.funderRef),
                    amount_minor: f.amountMinor,
                    tier: f.tier,
                    expires_at: f.expiresAt,
                    paid_by: f.paidBy,
                  })),
                ),
              )
              await insertRows(
                tx,
                'ila_record_events',
                records.flatMap((r) =>
                  positioned(r.history, base(r), (e) => ({
                    at: e.at,
                    axis: e.axis,
                    from_state: e.from,
                    to_state: e.to,
                    actor: e.actor,
                    reason_code: e.reasonCode,
                  })),
                ),
              )
            }
            return result
          }),
        ),
      get: (tenantId, recordId) =>
        guard(`ILA spending record ${recordId}`, async () => {
          const row = await db
            .selectFrom('ila_spending_records')
            .selectAll()
            .where('tenant_id', '=', tenantId)
            .where('record_id', '=', recordId)
            .executeTakeFirst()
          if (!row) return undefined
          const funding = await db
            .selectFrom('ila_funding_lines')
            .selectAll()
            .where('tenant_id', '=', tenantId)
            .where('record_id', '=', recordId)
            .orderBy('position')
            .execute()
          const events = await db
            .selectFrom('ila_record_events')
            .selectAll()
            .where('tenant_id', '=', tenantId)
            .where('record_id', '=', recordId)
            .orderBy('position')
            .execute()
          return rowToRecord(
            row,
            funding.map((f) => ({
              funderType: f.funder_type,
              funderRef:
                f.funder_ref_json === null ? null : (JSON.parse(f.funder_ref_json) as IlaLegalId | string),
              amountMinor: Number(f.amount_minor),
              tier: f.tier,
              expiresAt: f.expires_at,
              paidBy: f.paid_by,
            })),
            events.map((e) => ({
              at: e.at,
              axis: e.axis,
              from: e.from_state,
              to: e.to_state,
              actor: e.actor,
              reasonCode: e.reason_code,
            })),
          )
        }),
      count: (tenantId) =>
        guard(`ILA spending records of tenant ${tenantId}`, async () => {
          const row = await db
            .selectFrom('ila_spending_records')
            .select((eb) => eb.fn.countAll().as('n'))
            .where('tenant_id', '=', tenantId)
            .executeTakeFirstOrThrow()
          return Number(row.n)
        }),
      getMany: (tenantId, recordIds) =>
        guard(`ILA spending records of tenant ${tenantId}`, () => readRecords(db, tenantId, recordIds)),
      findLinkCandidates: (query) =>
        guard(`ILA spending records of tenant ${query.tenantId}`, async () => {
          const { offers, providerIds } = query
          if (offers.length === 0 && providerIds.length === 0) return []
          // One statement per page, whatever the number of offers: the keys are few (the credential's offer,
          // the offers of its achievement, the providers of its issuer key).
          let q = db
            .selectFrom('ila_spending_records')
            .select([
              'record_id',
              'link_token_digest',
              'provider_id',
              'registry_id',
              'offer_id',
              'offer_version',
              'planned_start',
              'planned_end',
              'actual_start',
              'actual_end',
            ])
            .where('tenant_id', '=', query.tenantId)
            .where((eb) =>
              eb.or([
                ...offers.map((o) =>
                  eb.and([eb('registry_id', '=', o.registryId), eb('offer_id', '=', o.offerId)]),
                ),
                ...(providerIds.length > 0 ? [eb('provider_id', 'in', providerIds)] : []),
              ]),
            )
          if (query.plannedStartBefore !== undefined)
            q = q.where('planned_start', '<', query.plannedStartBefore)
          if (query.plannedEndFrom !== undefined) q = q.where('planned_end', '>=', query.plannedEndFrom)
          if (query.after !== undefined) q = q.where('record_id', '>', query.after)
          const rows = await q.orderBy('record_id').limit(limitOf(query.limit)).execute()
          return rows.map((r): IlaLinkCandidate => ({
            recordId: r.record_id,
            linkTokenDigest: r.link_token_digest,
            providerId: r.provider_id,
            registryId: r.registry_id,
            offerId: r.offer_id,
            offerVersion: r.offer_version,
            plannedStart: r.planned_start,
            plannedEnd: r.planned_end,
            actualStart: r.actual_start,
            actualEnd: r.actual_end,
          }))
        }),
    },

    credentials: {
      upsertMany: (input) =>
        guard(`ILA credentials of tenant ${input[0]?.tenantId ?? '-'}`, () =>
          inTransaction(db, async (tx) => {
            const result: IlaUpsertResult = { inserted: 0, updated: 0 }
            for (const [tenantId, group] of byTenant(input)) {
              const records = lastByKey(group, (r) => r.credentialId)
              const ids = records.map((r) => r.credentialId)
              const existing = await existingIds(tx, 'ila_credentials', 'credential_id', tenantId, ids)
              result.updated += existing.size
              result.inserted += ids.length - existing.size
              const rows = records.map(credentialToRow)
              const updated = Object.keys(rows[0] as Row).filter(
                (c) => !['tenant_id', 'credential_id', 'submitted_at'].includes(c),
              )
              for (const page of pages(rows, rowsPerStatement(rows[0]))) {
                await (tx as AnyExecutor)
                  .insertInto('ila_credentials')
                  .values(page)
                  .onConflict((oc) =>
                    oc
                      .columns(['tenant_id', 'credential_id'])
                      .doUpdateSet((eb) =>
                        Object.fromEntries(updated.map((c) => [c, eb.ref(`excluded.${c}`)])),
                      ),
                  )
                  .execute()
              }
            }
            return result
          }),
        ),
      get: (tenantId, credentialId) =>
        guard(`ILA credential ${credentialId}`, async () => {
          const row = await db
            .selectFrom('ila_credentials')
            .selectAll()
            .where('tenant_id', '=', tenantId)
            .where('credential_id', '=', credentialId)
            .executeTakeFirst()
          return row && rowToCredential(row)
        }),
      getMany: (tenantId, credentialIds) => credentialsWhereIn(tenantId, 'credential_id', credentialIds),
      findByFingerprint: (tenantId, fingerprints) =>
        credentialsWhereIn(tenantId, 'fingerprint', fingerprints),
    },

    linkResults: {
      append: (input) =>
        guard(`ILA link results of tenant ${input[0]?.tenantId ?? '-'}`, () =>
          inTransaction(db, async (tx) => {
            for (const [tenantId, records] of byTenant(input)) {
              const attempts = new Set(records.map((r) => r.attemptId))
              for (const page of pages([...new Set(records.map((r) => r.credentialId))], ID_PAGE)) {
                await tx
                  .updateTable('ila_link_results')
                  .set({ is_current: 0 })
                  .where('tenant_id', '=', tenantId)
                  .where('credential_id', 'in', page)
                  .where('is_current', '=', 1)
                  .where('attempt_id', 'not in', [...attempts])
                  .execute()
              }
              await insertRows(
                tx,
                'ila_link_results',
                records.map((r) => ({
                  id: r.id,
                  tenant_id: tenantId,
                  attempt_id: r.attemptId,
                  credential_id: r.credentialId,
                  credential_digest: r.credentialDigest,
                  record_id: r.recordId,
                  outcome: r.outcome,
                  rules_json: JSON.stringify(r.rules),
                  issuer_did: r.issuerDid,
                  achievement_id: r.achievementId,
                  course_id: r.courseId,
                  offer_id: r.offerId,
                  issued_at: r.issuedAt,
                  is_current: flag(r.current),
                  created_at: r.createdAt,
                })),
              )
            }
          }),
        ),
      list: (query) =>
        guard(`ILA link results of tenant ${query.tenantId}`, async () => {
          let q = db.selectFrom('ila_link_results').selectAll().where('tenant_id', '=', query.tenantId)
          if (query.credentialId !== undefined) q = q.where('credential_id', '=', query.credentialId)
          if (query.recordId !== undefined) q = q.where('record_id', '=', query.recordId)
          if (query.all !== true) q = q.where('is_current', '=', 1)
          const rows = await q.orderBy('created_at').orderBy('id').execute()
          return rows.map(rowToLinkResult)
        }),
      listCurrentForRecords: (tenantId, recordIds) =>
        guard(`ILA link results of tenant ${tenantId}`, async () => {
          const out: IlaLinkResultRecord[] = []
          for (const page of pages([...new Set(recordIds)], ID_PAGE)) {
            const rows = await db
              .selectFrom('ila_link_results')
              .selectAll()
              .where('tenant_id', '=', tenantId)
              .where('record_id', 'in', page)
              .where('is_current', '=', 1)
              .orderBy('created_at')
              .orderBy('id')
              .execute()
            out.push(...rows.map(rowToLinkResult))
          }
          return out
        }),
      page: (query) =>
        guard(`ILA link results of tenant ${query.tenantId}`, async () => {
          let q = db
            .selectFrom('ila_link_results')
            .selectAll()
            .where('tenant_id', '=', query.tenantId)
            .where('is_current', '=', 1)
          if (query.outcome !== undefined) q = q.where('outcome', '=', query.outcome)
          if (query.after !== undefined) q = q.where('id', '>', query.after)
          const rows = await q.orderBy('id').limit(limitOf(query.limit)).execute()
          return rows.map(rowToLinkResult)
        }),
    },

    report: ilaReportRepository(db, guard),

    imports: {
      create: (record) =>
        guard(`ILA import ${record.id}`, async () => {
          await db
            .insertInto('ila_imports')
            .values({
              id: record.id,
              tenant_id: record.tenantId,
              kind: record.kind,
              created_at: record.createdAt,
            })
            .execute()
        }),
      stage: (rows) =>
        guard(`ILA import ${rows[0]?.importId ?? '-'}`, async () => {
          const duplicates = new Map<number, number>()
          if (rows.length === 0) return duplicates
          const importId = (rows[0] as IlaStagedRow).importId
          const staged = new Set<number>()
          for (const page of pages(rows, ID_PAGE)) {
            // DO NOTHING also skips a key repeated within the statement: the first row keeps it.
            const inserted = await db
              .insertInto('ila_import_rows')
              .values(
                page.map((r) => ({
                  import_id: r.importId,
                  item_key: r.itemKey,
                  row_number: r.rowNumber,
                  payload_json: r.payload,
                })),
              )
              .onConflict((oc) => oc.columns(['import_id', 'item_key']).doNothing())
              .returning('row_number')
              .execute()
            for (const row of inserted) staged.add(Number(row.row_number))
          }
          const skipped = rows.filter((r) => !staged.has(r.rowNumber))
          for (const page of pages(skipped, ID_PAGE)) {
            const holders = await db
              .selectFrom('ila_import_rows')
              .select(['item_key', 'row_number'])
              .where('import_id', '=', importId)
              .where(
                'item_key',
                'in',
                page.map((r) => r.itemKey),
              )
              .execute()
            const holderOf = new Map(holders.map((h) => [h.item_key, Number(h.row_number)]))
            for (const r of page) duplicates.set(r.rowNumber, holderOf.get(r.itemKey) ?? r.rowNumber)
          }
          return duplicates
        }),
      read: (importId, afterRow, limit) =>
        guard(`ILA import ${importId}`, async () => {
          const rows = await db
            .selectFrom('ila_import_rows')
            .selectAll()
            .where('import_id', '=', importId)
            .where('row_number', '>', afterRow)
            .orderBy('row_number')
            .limit(limit)
            .execute()
          return rows.map((r) => ({
            importId: r.import_id,
            rowNumber: Number(r.row_number),
            itemKey: r.item_key,
            payload: r.payload_json,
          }))
        }),
      unstage: (importId, afterRow, upToRow) =>
        guard(`ILA import ${importId}`, async () => {
          // A bounded range: from the first row, PostgreSQL would walk every row deleted by earlier pages and
          // not yet vacuumed, each time, and applying a file would slow down quadratically.
          await db
            .deleteFrom('ila_import_rows')
            .where('import_id', '=', importId)
            .where('row_number', '>', afterRow)
            .where('row_number', '<=', upToRow)
            .execute()
        }),
      delete: (importId) =>
        guard(`ILA import ${importId}`, async () => {
          // Rows first: SQLite cascades only with foreign keys on.
          await db.deleteFrom('ila_import_rows').where('import_id', '=', importId).execute()
          await db.deleteFrom('ila_imports').where('id', '=', importId).execute()
        }),
      listStale: (before) =>
        guard('stale ILA imports', async () => {
          const rows = await db
            .selectFrom('ila_imports')
            .select('id')
            .where('created_at', '<', before)
            .execute()
          return rows.map((r) => r.id)
        }),
    },
  }
}
