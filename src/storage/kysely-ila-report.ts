/**
 * The reconciliation report's queries over Kysely, the same SQL on SQLite and PostgreSQL.
 *
 * A report over a million spending records is a handful of set-based statements, never a loop over records: the
 * records in scope are first gathered with their catalogue facts and link state into a temporary table
 * (`ila_rpt_facts`), the current link results and credentials into others, then every signal is one
 * `INSERT ... SELECT` into `ila_rpt_anomalies`, and the report reads aggregates and the first rows of each list
 * back. Temporary tables live on one connection, so the whole run holds one (`db.connection()`); they are
 * dropped at the end, and at the start in case an earlier run on the same pooled connection died half-way. No
 * transaction: on SQLite it would take the write lock for the whole report.
 *
 * Dates are ISO 8601 text. Orders within one day compare the first ten characters (a date and a date-time of the
 * same day are not "before" each other); day counts use {@link dayNumber}, plain integer arithmetic that both
 * databases evaluate alike, rather than each dialect's own date functions.
 */
import { sql, type Kysely, type RawBuilder } from 'kysely'
import type { Database } from './database.js'
import type {
  IlaCredentialState,
  IlaLinkOutcome,
  IlaRecordBucket,
  IlaReportAnomalyRow,
  IlaReportData,
  IlaReportQuery,
  IlaReportRepository,
  IlaRuleResult,
  IlaSignalVariant,
} from './storage.js'

type Executor = Kysely<Database>
type Guard = <T>(what: string, fn: () => Promise<T>) => Promise<T>
type Row = Record<string, unknown>

const TEMP_TABLES = [
  'ila_rpt_certs',
  'ila_rpt_pairs',
  'ila_rpt_anomalies',
  'ila_rpt_creds',
  'ila_rpt_credstate',
  'ila_rpt_facts',
  'ila_rpt_recstate',
  'ila_rpt_links',
  'ila_rpt_keys',
  'ila_rpt_offers',
]

/** Issuer keys copied per statement into `ila_rpt_keys`. */
const KEY_PAGE = 500

const CANCELLED = `('refused', 'cancelled_by_learner', 'cancelled_by_provider', 'cancelled_by_funder', 'expired')`
/** A credential for a record in one of these states contradicts the record (L7). */
const NOT_STARTED = `('requested', 'refused', 'cancelled_by_learner', 'cancelled_by_provider', 'cancelled_by_funder', 'expired')`
const ENDED = `('exited', 'completion_declared', 'completion_validated')`
const STARTED = `('in_training', 'exited', 'completion_declared', 'completion_validated')`
const PARTIAL = `('partial_learner', 'partial_force_majeure', 'abandoned')`

/**
 * A rejected pair whose rules found the credential's link commitment to be the record's (the linking rules' stable
 * code): the credential was issued for this record, whatever got it rejected (a revocation, a signer not bound to
 * the provider).
 */
const COMMITMENT_MATCH = sql.lit('%"L2_COMMITMENT_MATCH"%')

/** The link outcome in `column` ranked: 3 and up is a match, 2 ambiguous, 1 no record, 0 rejected. */
function rank(column: string): string {
  return (
    `(case ${column} when 'MATCHED' then 4 when 'MATCHED_WITH_WARNINGS' then 3 when 'AMBIGUOUS' then 2 ` +
    `when 'NO_MATCH' then 1 else 0 end)`
  )
}

/**
 * Days since 1970-01-01 of the date that `expr` (ISO 8601 text, or null) starts with: the days-from-civil
 * algorithm in integer arithmetic, which SQLite and PostgreSQL evaluate alike, where their date functions differ.
 */
function dayNumber(expr: string): string {
  const y = `cast(substr(${expr}, 1, 4) as integer)`
  const m = `cast(substr(${expr}, 6, 2) as integer)`
  const d = `cast(substr(${expr}, 9, 2) as integer)`
  const yy = `(${y} - (case when ${m} <= 2 then 1 else 0 end))`
  return (
    `(365 * ${yy} + ${yy} / 4 - ${yy} / 100 + ${yy} / 400 + ` +
    `(153 * (${m} + (case when ${m} > 2 then -3 else 9 end)) + 2) / 5 + ${d} - 1 - 719468)`
  )
}

/** {@link dayNumber} in JavaScript, for a `YYYY-MM-DD` date. */
function dayOf(date: string): number {
  return Math.floor(Date.parse(`${date.slice(0, 10)}T00:00:00Z`) / 86_400_000)
}

/** The date `days` before `date` (`YYYY-MM-DD`): cut-offs compare as text, with no arithmetic per row. */
function daysBefore(date: string, days: number): string {
  return new Date((dayOf(date) - Math.trunc(days)) * 86_400_000).toISOString().slice(0, 10)
}

const raw = (text: string) => sql.raw(text)
const int = (value: number) => sql`cast(${Math.trunc(value)} as bigint)`
const real = (value: number) => sql`cast(${value} as double precision)`

/** pg hands back bigint and numeric columns as text; SQLite as numbers. */
function num(value: unknown): number {
  return value === null || value === undefined ? 0 : Number(value)
}

function numOrNull(value: unknown): number | null {
  return value === null || value === undefined ? null : Number(value)
}

function text(value: unknown): string | null {
  return value === null || value === undefined ? null : String(value)
}

async function run(db: Executor, query: RawBuilder<unknown>): Promise<Row[]> {
  return (await query.execute(db)).rows as Row[]
}

async function exec(db: Executor, statement: RawBuilder<unknown>): Promise<void> {
  await statement.execute(db)
}

// --- Evidence -----------------------------------------------------------------------------------------

/** The generic evidence columns of `ila_rpt_anomalies`. */
type EvidenceColumn = 't1' | 't2' | 't3' | 'n1' | 'n2' | 'n3'

/** What each signal's select list puts in the anomaly row. */
interface Hit {
  record?: string
  credential?: string
  provider?: string
  /** Evidence, by name in the report: the SQL expression of each. */
  evidence?: Partial<Record<EvidenceColumn, [name: string, expr: string]>>
}

/**
 * Evidence names by variant and column, registered by {@link insertHits} as each signal's statement is built, so
 * that a signal's evidence is named next to its SQL; the same on every run.
 */
const EVIDENCE = new Map<IlaSignalVariant, Partial<Record<EvidenceColumn, string>>>()

const EVIDENCE_COLUMNS: EvidenceColumn[] = ['t1', 't2', 't3', 'n1', 'n2', 'n3']

/**
 * `INSERT INTO ila_rpt_anomalies ... SELECT <hit> <rest>`, with `variant` as a literal when `variantExpr` is not
 * given (one statement may also choose among variants).
 */
function insertHits(
  variant: IlaSignalVariant,
  hit: Hit,
  rest: RawBuilder<unknown>,
  options: { with?: RawBuilder<unknown>; variantExpr?: string; variants?: IlaSignalVariant[] } = {},
): RawBuilder<unknown> {
  const names: Partial<Record<EvidenceColumn, string>> = {}
  const columns = EVIDENCE_COLUMNS.map((c) => {
    const given = hit.evidence?.[c]
    if (given) names[c] = given[0]
    return given ? given[1] : 'null'
  })
  for (const v of options.variants ?? [variant]) EVIDENCE.set(v, names)
  const select = [
    options.variantExpr ?? `'${variant}'`,
    hit.record ?? 'null',
    hit.credential ?? 'null',
    hit.provider ?? 'null',
    ...columns,
  ].join(', ')
  return sql`${options.with ?? sql``} insert into ila_rpt_anomalies
    (variant, record_id, credential_id, provider_id, t1, t2, t3, n1, n2, n3)
    select ${raw(select)} ${rest}`
}

// --- The temporary tables -------------------------------------------------------------------------------

async function dropTemporaryTables(db: Executor): Promise<void> {
  for (const table of TEMP_TABLES) await sql`drop table if exists ${sql.table(table)}`.execute(db)
}

/**
 * `<alias>.tenant_id = <tenant>`, for a scan of most of the tenant's rows, written `(... = ...) = true`: SQLite
 * then scans the table, where through the index on the tenant it would fetch the rows at random, ten times
 * slower; PostgreSQL reduces it to the plain comparison, and estimates it from its statistics.
 */
function ofTenant(alias: string, tenantId: string): RawBuilder<unknown> {
  return sql`(${sql.ref(`${alias}.tenant_id`)} = ${tenantId}) = true`
}

/** The filter of the records in scope, on alias `r`. */
function recordScope(q: IlaReportQuery): RawBuilder<unknown> {
  return sql`${ofTenant('r', q.tenantId)}
    ${q.schemeId !== undefined ? sql`and r.scheme_id = ${q.schemeId}` : sql``}
    ${q.requestedFrom !== undefined ? sql`and r.requested_at >= ${q.requestedFrom}` : sql``}
    ${q.requestedBefore !== undefined ? sql`and r.requested_at < ${q.requestedBefore}` : sql``}`
}

/** The DID of an issuer key: a DID URL without its fragment. */
function didOf(key: string): string {
  const hash = key.indexOf('#')
  return hash < 0 ? key : key.slice(0, hash)
}

async function createTemporaryTables(db: Executor, q: IlaReportQuery): Promise<void> {
  const t = q.tenantId

  // Catalogue facts by exact version, and merged over the versions of an offer for a record that names none.
  await exec(
    db,
    sql`create temporary table ila_rpt_offers as
    select registry_id, offer_id, version, 0 as any_version, credential_expected, planned_hours,
      list_price_minor, list_price_currency, modality, certification_code, eligible_from, eligible_until
    from ila_catalogue_entries where tenant_id = ${t}
    union all
    select registry_id, offer_id, '' as version, 1 as any_version, max(credential_expected), max(planned_hours),
      max(list_price_minor), max(list_price_currency), max(modality), max(certification_code), min(eligible_from),
      case when count(*) = count(eligible_until) then max(eligible_until) end
    from ila_catalogue_entries where tenant_id = ${t} group by registry_id, offer_id`,
  )
  await exec(
    db,
    sql`create index ila_rpt_offers_key on ila_rpt_offers (registry_id, offer_id, any_version, version)`,
  )

  // Issuer keys as DIDs: a credential names its issuer's DID, the registry may list DID URLs.
  await exec(
    db,
    sql`create temporary table ila_rpt_keys (provider_id text not null, issuer_did text not null)`,
  )
  const keys = await run(
    db,
    sql`select provider_id, issuer_key from ila_provider_issuer_keys where tenant_id = ${t}`,
  )
  const pairs = [...new Set(keys.map((k) => JSON.stringify([k.provider_id, didOf(String(k.issuer_key))])))]
  for (let i = 0; i < pairs.length; i += KEY_PAGE) {
    const values = pairs.slice(i, i + KEY_PAGE).map((p) => {
      const [provider, did] = JSON.parse(p) as [string, string]
      return sql`(${provider}, ${did})`
    })
    await exec(db, sql`insert into ila_rpt_keys (provider_id, issuer_did) values ${sql.join(values)}`)
  }
  await exec(db, sql`create index ila_rpt_keys_did on ila_rpt_keys (issuer_did, provider_id)`)
  await exec(
    db,
    sql`create temporary table ila_rpt_certs as
    select provider_id, certification_code, kind, certifier_id, substr(valid_from, 1, 10) as valid_from,
      substr(valid_until, 1, 10) as valid_until
    from ila_provider_certifications where tenant_id = ${t}`,
  )
  await exec(db, sql`create index ila_rpt_certs_key on ila_rpt_certs (provider_id, certification_code)`)

  // The current link results that name a record, with the facts of their credentials.
  await exec(
    db,
    sql`create temporary table ila_rpt_links as
    select x.*, substr(x.issued, 1, 10) as issued_on,
      case when x.rank >= 3 or x.confirmed = 1 then 1 else 0 end as bound
    from (
      select l.id as link_id, l.credential_id, l.record_id, l.outcome, ${raw(rank('l.outcome'))} as rank,
        case when ${raw(rank('l.outcome'))} = 0 and l.rules_json like ${COMMITMENT_MATCH} then 1 else 0 end
          as confirmed,
        coalesce(c.issuer_did, l.issuer_did) as issuer_did, coalesce(c.achievement_id, l.achievement_id) as achievement_id,
        coalesce(c.valid_from, c.issued_at, c.awarding_date, l.issued_at) as issued,
        coalesce(c.revoked, 0) as revoked, coalesce(c.suspended, 0) as suspended, c.full_completion, c.supervision
      from ila_link_results l
      left join ila_credentials c on c.tenant_id = l.tenant_id and c.credential_id = l.credential_id
      where ${ofTenant('l', t)} and l.is_current = 1 and l.record_id is not null
    ) x`,
  )

  await exec(
    db,
    sql`create temporary table ila_rpt_recstate as
    select record_id, max(rank) as state, max(case when bound = 1 and revoked = 1 then 1 else 0 end) as revoked_credential
    from ila_rpt_links group by record_id`,
  )
  await exec(db, sql`create unique index ila_rpt_recstate_record on ila_rpt_recstate (record_id)`)

  // One row per record in scope: what the signals and totals read, with its bucket.
  await exec(
    db,
    sql`create temporary table ila_rpt_facts as
    select y.*,
      case
        when y.link_state = 4 then 'matched'
        when y.link_state = 3 then 'matched_with_warnings'
        when y.link_state = 2 then 'ambiguous'
        when y.cancelled = 1 then 'cancelled'
        when y.credential_expected = 0 then 'not_expected'
        when y.completed = 1 and y.end_on < ${daysBefore(q.today, q.thresholds.proofWarnDays)} then 'overdue'
        else 'pending'
      end as bucket
    from (
      select x.*,
        substr(x.requested_at, 1, 10) as requested_on,
        substr(x.start_at, 1, 10) as start_on,
        substr(x.end_at, 1, 10) as end_on,
        substr(x.actual_start, 1, 10) as actual_start_on,
        substr(x.actual_end, 1, 10) as actual_end_on,
        substr(x.planned_end, 1, 10) as planned_end_on,
        substr(x.completion_declared_at, 1, 10) as declared_on
      from (
        select r.record_id, r.scheme_id, r.provider_id, r.registry_id, r.offer_id,
          coalesce(r.session_id, r.course_run_id, r.planned_start) as cohort_key,
          r.account_pseudonym, r.currency, r.agreed_price_minor as agreed,
          coalesce(r.amount_paid_minor, 0) as paid, coalesce(r.amount_recovered_minor, 0) as recovered,
          coalesce(r.amount_recredited_minor, 0) as recredited,
          r.lifecycle, r.payment, r.realisation_rate_pct, r.attendance_rate_pct,
          coalesce(r.realisation_rate_pct, r.attendance_rate_pct) as rate,
          coalesce(r.realised_hours, r.hours_committed, o.planned_hours) as hours,
          r.requested_at, r.actual_start, r.actual_end, r.planned_end, r.completion_declared_at,
          coalesce(r.actual_start, r.planned_start) as start_at, coalesce(r.actual_end, r.planned_end) as end_at,
          case when r.lifecycle in ${raw(CANCELLED)} then 1 else 0 end as cancelled,
          case when r.lifecycle in ${raw(ENDED)} then 1 else 0 end as ended,
          case when r.lifecycle in ${raw(ENDED)} and coalesce(r.exit_reason, '') not in ${raw(PARTIAL)} then 1 else 0 end
            as completed,
          case when r.lifecycle in ${raw(STARTED)} then 1 else 0 end as started,
          case when r.exit_reason in ${raw(PARTIAL)} then 1 else 0 end as partial,
          case when o.offer_id is null then 0 else 1 end as in_catalogue,
          case when coalesce(r.exit_reason, '') in ${raw(PARTIAL)} then 0 else coalesce(o.credential_expected, 0) end
            as credential_expected,
          o.list_price_minor, o.list_price_currency, o.modality,
          coalesce(r.certification_code, o.certification_code) as certification_code,
          o.eligible_from, o.eligible_until,
          coalesce(s.state, 0) as link_state, coalesce(s.revoked_credential, 0) as revoked_credential
        from ila_spending_records r
        left join ila_rpt_offers o on o.registry_id = r.registry_id and o.offer_id = r.offer_id
          and o.any_version = (case when r.offer_version is null then 1 else 0 end)
          and o.version = coalesce(r.offer_version, '')
        left join ila_rpt_recstate s on s.record_id = r.record_id
        where ${recordScope(q)}
      ) x
    ) y`,
  )
  await exec(db, sql`create unique index ila_rpt_facts_record on ila_rpt_facts (record_id)`)
  await exec(db, sql`create index ila_rpt_facts_account on ila_rpt_facts (account_pseudonym, start_on)`)

  // The pairs of a credential and its own record in scope (matched, or rejected though its commitment is the
  // record's), with what the signals on them read of both sides: one join, instead of one per signal.
  await exec(
    db,
    sql`create temporary table ila_rpt_pairs as
    select l.link_id, l.credential_id, l.record_id, l.outcome, l.rank, l.issuer_did, l.achievement_id, l.issued, l.issued_on,
      l.revoked, l.suspended, l.full_completion, l.supervision,
      f.provider_id, f.scheme_id, f.currency, f.agreed, f.paid, f.payment, f.lifecycle, f.rate,
      f.realisation_rate_pct, f.attendance_rate_pct, f.requested_at, f.requested_on, f.actual_start,
      f.actual_start_on, f.actual_end_on, f.certification_code
    from ila_rpt_links l join ila_rpt_facts f on f.record_id = l.record_id
    where l.bound = 1`,
  )
  await exec(db, sql`create index ila_rpt_pairs_credential on ila_rpt_pairs (credential_id)`)
  await exec(db, sql`create index ila_rpt_pairs_record on ila_rpt_pairs (record_id)`)

  // Credentials in scope: linked to a record in scope; without a scheme, also those that name no record,
  // issued in the period.
  await exec(
    db,
    sql`create temporary table ila_rpt_credstate as
    select l.credential_id, max(${raw(rank('l.outcome'))}) as rank,
      max(case when l.record_id is null then 0 else 1 end) as has_record,
      max(case when f.record_id is null then 0 else 1 end) as in_scope
    from ila_link_results l left join ila_rpt_facts f on f.record_id = l.record_id
    where ${ofTenant('l', t)} and l.is_current = 1
    group by l.credential_id`,
  )
  await exec(db, sql`create unique index ila_rpt_credstate_credential on ila_rpt_credstate (credential_id)`)
  const issued = 'coalesce(c.valid_from, c.issued_at, c.awarding_date)'
  const unlinked =
    q.schemeId !== undefined
      ? sql``
      : sql`or (coalesce(cs.has_record, 0) = 0
          ${q.requestedFrom !== undefined ? sql`and ${raw(issued)} >= ${q.requestedFrom}` : sql``}
          ${q.requestedBefore !== undefined ? sql`and ${raw(issued)} < ${q.requestedBefore}` : sql``})`
  await exec(
    db,
    sql`create temporary table ila_rpt_creds as
    select c.credential_id, c.issuer_did, case when c.subject_commitment is null then 0 else 1 end as has_commitment,
      c.fingerprint, ${raw(issued)} as issued, c.verification_codes_json, cs.rank
    from ila_credentials c left join ila_rpt_credstate cs on cs.credential_id = c.credential_id
    where ${ofTenant('c', t)} and (cs.in_scope = 1 ${unlinked})`,
  )
  await exec(db, sql`create unique index ila_rpt_creds_credential on ila_rpt_creds (credential_id)`)
  await exec(db, sql`create index ila_rpt_creds_fingerprint on ila_rpt_creds (fingerprint)`)
  // Statistics of the tables just filled, which no background process gathers for temporary tables: without them
  // PostgreSQL took an index in credential order to find one record's pairs, and a lookup read half the table.
  for (const table of ['ila_rpt_links', 'ila_rpt_facts', 'ila_rpt_pairs', 'ila_rpt_creds']) {
    await exec(db, sql`analyze ${sql.table(table)}`)
  }

  await exec(
    db,
    sql`create temporary table ila_rpt_anomalies (
    variant text not null, record_id text, credential_id text, provider_id text,
    t1 text, t2 text, t3 text, n1 double precision, n2 double precision, n3 double precision)`,
  )
}

// --- The signals ----------------------------------------------------------------------------------------

/** A provider's accreditation valid on the day `dateExpr` starts with (a closed window counts whatever its status). */
function accreditedOn(providerExpr: string, dateExpr: string, tenantId: string): RawBuilder<unknown> {
  return sql`exists (select 1 from ila_provider_accreditations a
    where a.tenant_id = ${tenantId} and a.provider_id = ${raw(providerExpr)}
      and substr(a.valid_from, 1, 10) <= substr(${raw(dateExpr)}, 1, 10)
      and (a.valid_until is null or substr(a.valid_until, 1, 10) >= substr(${raw(dateExpr)}, 1, 10))
      and (a.status = 'active' or a.valid_until is not null))`
}

/** Training hours a day of a record of `alias`, when it has hours and a sound period. */
function hoursPerDay(alias: string): string {
  return (
    `(case when ${alias}.hours is not null and ${alias}.end_on >= ${alias}.start_on ` +
    `then ${alias}.hours * 1.0 / (${dayNumber(`${alias}.end_on`)} - ${dayNumber(`${alias}.start_on`)} + 1) end)`
  )
}

function signalStatements(q: IlaReportQuery): RawBuilder<unknown>[] {
  const t = q.tenantId
  const th = q.thresholds
  const today = dayOf(q.today)
  // A credential and its own record: matched, or rejected though its commitment names the record.
  const pairs = sql`from ila_rpt_pairs m`
  const statements: RawBuilder<unknown>[] = [
    // F1: completion or credential before the start, or before the booking.
    insertHits(
      'completion_before_start',
      {
        record: 'f.record_id',
        provider: 'f.provider_id',
        evidence: {
          t1: ['completionDeclaredAt', 'f.completion_declared_at'],
          t2: ['actualStart', 'f.actual_start'],
        },
      },
      sql`from ila_rpt_facts f where f.declared_on < f.actual_start_on`,
    ),
    insertHits(
      'completion_before_booking',
      {
        record: 'f.record_id',
        provider: 'f.provider_id',
        evidence: {
          t1: ['completionDeclaredAt', 'f.completion_declared_at'],
          t2: ['requestedAt', 'f.requested_at'],
        },
      },
      sql`from ila_rpt_facts f where f.declared_on < f.requested_on`,
    ),
    insertHits(
      'start_before_booking',
      {
        record: 'f.record_id',
        provider: 'f.provider_id',
        evidence: { t1: ['actualStart', 'f.actual_start'], t2: ['requestedAt', 'f.requested_at'] },
      },
      sql`from ila_rpt_facts f where f.actual_start_on < f.requested_on`,
    ),
    insertHits(
      'credential_before_start',
      {
        record: 'm.record_id',
        credential: 'm.credential_id',
        provider: 'm.provider_id',
        evidence: { t1: ['issued', 'm.issued'], t2: ['actualStart', 'm.actual_start'] },
      },
      sql`${pairs} where m.issued_on < m.actual_start_on`,
    ),
    insertHits(
      'credential_before_booking',
      {
        record: 'm.record_id',
        credential: 'm.credential_id',
        provider: 'm.provider_id',
        evidence: { t1: ['issued', 'm.issued'], t2: ['requestedAt', 'm.requested_at'] },
      },
      sql`${pairs} where m.issued_on < m.requested_on`,
    ),

    // F2: an issuer not bound to the record's provider (nor to a certifier it holds a habilitation of), an
    // issuer no provider lists, or a provider without accreditation.
    insertHits(
      'issuer_not_bound',
      {
        record: 'm.record_id',
        credential: 'm.credential_id',
        provider: 'm.provider_id',
        evidence: { t1: ['issuerDid', 'm.issuer_did'] },
      },
      sql`${pairs}
        where not exists (select 1 from ila_rpt_keys k where k.issuer_did = m.issuer_did and k.provider_id = m.provider_id)
        and not exists (select 1 from ila_rpt_certs h join ila_rpt_keys k on k.provider_id = h.certifier_id
          where h.provider_id = m.provider_id and h.kind = 'habilitation'
            and h.certification_code = m.certification_code and k.issuer_did = m.issuer_did)`,
    ),
    insertHits(
      'unknown_issuer',
      {
        credential: 'c.credential_id',
        evidence: { t1: ['issuerDid', 'c.issuer_did'] },
      },
      sql`from ila_rpt_creds c where c.has_commitment = 1 and coalesce(c.rank, 0) < 3
        and not exists (select 1 from ila_rpt_keys k where k.issuer_did = c.issuer_did)
        and not exists (select 1 from ila_rpt_pairs m where m.credential_id = c.credential_id)`,
    ),
    insertHits(
      'not_accredited_at_booking',
      {
        record: 'f.record_id',
        provider: 'f.provider_id',
        evidence: { t1: ['requestedAt', 'f.requested_at'] },
      },
      sql`from ila_rpt_facts f where not ${accreditedOn('f.provider_id', 'f.requested_at', t)}`,
    ),
    insertHits(
      'not_accredited_at_issuance',
      {
        record: 'm.record_id',
        credential: 'm.credential_id',
        provider: 'm.provider_id',
        evidence: { t1: ['issued', 'm.issued'] },
      },
      sql`${pairs} where m.rank >= 3 and m.issued is not null and not ${accreditedOn('m.provider_id', 'm.issued', t)}`,
    ),
    insertHits(
      'provider_not_accredited',
      {
        provider: 'p.provider_id',
        evidence: { n1: ['records', 'p.n'], n2: ['paidRecords', 'p.paid_n'] },
      },
      sql`from (select provider_id, count(*) as n, sum(case when paid > 0 then 1 else 0 end) as paid_n
          from ila_rpt_facts group by provider_id) p
        where not exists (select 1 from ila_provider_accreditations a
          where a.tenant_id = ${t} and a.provider_id = p.provider_id and a.status = 'active'
            and substr(a.valid_from, 1, 10) <= ${q.today}
            and (a.valid_until is null or substr(a.valid_until, 1, 10) >= ${q.today}))`,
    ),

    // F3: training over, a credential expected and none matched past the proof window.
    insertHits(
      'no_credential',
      {
        record: 'f.record_id',
        provider: 'f.provider_id',
        evidence: {
          t1: ['endedOn', 'f.end_at'],
          n1: ['daysSinceEnd', `${today} - ${dayNumber('f.end_on')}`],
          n2: ['paid', 'f.paid'],
          t2: ['currency', 'f.currency'],
        },
      },
      sql`from ila_rpt_facts f where f.bucket = 'overdue' and f.end_on >= ${daysBefore(q.today, th.proofEscalateDays)}`,
    ),
    insertHits(
      'no_credential_escalated',
      {
        record: 'f.record_id',
        provider: 'f.provider_id',
        evidence: {
          t1: ['endedOn', 'f.end_at'],
          n1: ['daysSinceEnd', `${today} - ${dayNumber('f.end_on')}`],
          n2: ['paid', 'f.paid'],
          t2: ['currency', 'f.currency'],
        },
      },
      sql`from ila_rpt_facts f where f.bucket = 'overdue' and f.end_on < ${daysBefore(q.today, th.proofEscalateDays)}`,
    ),

    // F4: still in training long after the planned end.
    insertHits(
      'stalled',
      {
        record: 'f.record_id',
        provider: 'f.provider_id',
        evidence: {
          t1: ['plannedEnd', 'f.planned_end'],
          n1: ['daysSincePlannedEnd', `${today} - ${dayNumber('f.planned_end_on')}`],
        },
      },
      sql`from ila_rpt_facts f where f.lifecycle = 'in_training' and f.actual_end is null
        and f.planned_end_on < ${daysBefore(q.today, th.stalledDays)}`,
    ),

    // F6: each record an employer funds, when it funds many accounts nearly all at one provider.
    insertHits(
      'employer_cluster',
      {
        record: 'e.record_id',
        provider: 'e.provider_id',
        evidence: {
          t1: ['funderRef', 'g.ref'],
          n1: ['accounts', 'g.accounts'],
          n2: ['records', 'g.n'],
          n3: ['providerShare', 'tp.n * 1.0 / g.n'],
        },
      },
      sql`from g join tp on tp.ref = g.ref join e on e.ref = tp.ref and e.provider_id = tp.provider_id
        where tp.n * 1.0 / g.n >= ${real(th.clusterProviderShare)}`,
      {
        with: sql`with e as (
            select fl.funder_ref_json as ref, f.record_id, f.provider_id, f.account_pseudonym as account
            from ila_funding_lines fl join ila_rpt_facts f on f.record_id = fl.record_id
            where fl.tenant_id = ${t} and fl.funder_type = 'employer' and fl.funder_ref_json is not null),
          g as (select ref, count(distinct account) as accounts, count(*) as n from e group by ref
            having count(distinct account) >= ${int(th.clusterMinAccounts)}),
          tp as (select e.ref, e.provider_id, count(*) as n from e join g on g.ref = e.ref group by e.ref, e.provider_id)`,
      },
    ),

    // F7: each record of a whole cohort with full realisation declared at one same instant (with its credential);
    // credentials issued in a burst. One ordered pass over the cohorts, rather than a join back from each cohort
    // found: PostgreSQL, expecting one cohort where there are dozens, would scan every record for each.
    insertHits(
      'uniform_cohort',
      {
        record: 'w.record_id',
        credential:
          '(select min(m.credential_id) from ila_rpt_pairs m where m.record_id = w.record_id and m.rank >= 3)',
        provider: 'w.provider_id',
        evidence: {
          t1: ['offerId', 'w.offer_id'],
          t2: ['cohort', 'w.cohort_key'],
          t3: ['completionDeclaredAt', 'w.first_declared'],
          n1: ['records', 'w.n'],
        },
      },
      sql`from (
          select record_id, provider_id, offer_id, cohort_key, count(*) over c as n,
            min(coalesce(rate, -1)) over c as min_rate, count(completion_declared_at) over c as declared,
            min(completion_declared_at) over c as first_declared, max(completion_declared_at) over c as last_declared
          from ila_rpt_facts where cancelled = 0
          window c as (partition by provider_id, registry_id, offer_id, cohort_key)
        ) w
        where w.n >= ${int(th.cohortMinRecords)} and w.min_rate >= 100 and w.declared = w.n
          and w.first_declared = w.last_declared`,
    ),
    insertHits(
      'issuance_burst',
      {
        provider: 'min(m.provider_id)',
        evidence: {
          t1: ['issuerDid', 'm.issuer_did'],
          t2: ['minute', 'substr(m.issued, 1, 16)'],
          n1: ['credentials', 'count(distinct m.credential_id)'],
        },
      },
      sql`${pairs} where m.rank >= 3 and length(m.issued) > 10
        group by m.issuer_did, substr(m.issued, 1, 16)
        having count(distinct m.credential_id) >= ${int(th.burstMinCredentials)}`,
    ),

    // F8: an agreed price above the catalogue's list price.
    insertHits(
      'above_list_price',
      {
        record: 'f.record_id',
        provider: 'f.provider_id',
        evidence: {
          n1: ['agreedPrice', 'f.agreed'],
          n2: ['listPrice', 'f.list_price_minor'],
          t1: ['currency', 'f.currency'],
        },
      },
      sql`from ila_rpt_facts f where f.list_price_minor is not null and f.list_price_currency = f.currency
        and f.agreed * 100.0 > f.list_price_minor * (100.0 + ${real(th.priceTolerancePct)})`,
    ),

    // F9: one learner in two trainings at once, both in person or more hours a day than anyone attends.
    insertHits(
      'overlapping_sessions',
      {
        record: 'a.record_id',
        provider: 'a.provider_id',
        evidence: {
          t1: ['otherRecordId', 'b.record_id'],
          n1: [
            'overlapDays',
            `${dayNumber('(case when a.end_on < b.end_on then a.end_on else b.end_on end)')} - ` +
              `${dayNumber('(case when a.start_on > b.start_on then a.start_on else b.start_on end)')} + 1`,
          ],
          n2: ['hoursPerDay', `${hoursPerDay('a')} + ${hoursPerDay('b')}`],
        },
      },
      sql`from overlapping o join ila_rpt_facts a on a.account_pseudonym = o.account_pseudonym
        join ila_rpt_facts b on b.account_pseudonym = a.account_pseudonym
          and b.record_id <> a.record_id and b.start_on <= a.end_on and a.start_on <= b.end_on
        where a.actual_start is not null and b.actual_start is not null and a.cancelled = 0 and b.cancelled = 0
          and ((a.modality = 'onsite' and b.modality = 'onsite')
            or ${raw(hoursPerDay('a'))} + ${raw(hoursPerDay('b'))} > ${real(th.maxHoursPerDay)})`,
      {
        // The accounts with two trainings at once, found in one ordered pass, before pairing their records.
        with: sql`with w as (
            select account_pseudonym, start_on, max(end_on) over (partition by account_pseudonym order by start_on
              rows between unbounded preceding and 1 preceding) as earlier_end
            from ila_rpt_facts where actual_start is not null and cancelled = 0),
          overlapping as (select distinct account_pseudonym from w where earlier_end >= start_on)`,
      },
    ),

    // F10: the same award twice, two credentials matched to one record for one achievement, one credential
    // matched to two records.
    insertHits(
      'duplicate_award',
      {
        record: 'x.record_id',
        credential: 'x.credential_id',
        provider: 'f.provider_id',
        evidence: { t1: ['duplicateOf', 'x.first_id'], n1: ['copies', 'x.n'] },
      },
      sql`from (
          select c.credential_id, g.first_id, g.n,
            (select min(m.record_id) from ila_rpt_pairs m where m.credential_id = c.credential_id and m.rank >= 3)
              as record_id
          from ila_rpt_creds c join g on g.fingerprint = c.fingerprint
          where c.credential_id <> g.first_id
        ) x left join ila_rpt_facts f on f.record_id = x.record_id`,
      {
        with: sql`with g as (select fingerprint, min(credential_id) as first_id, count(*) as n
          from ila_rpt_creds group by fingerprint having count(*) > 1)`,
      },
    ),
    insertHits(
      'record_claimed_twice',
      {
        record: 'm.record_id',
        provider: 'min(m.provider_id)',
        evidence: {
          t1: ['achievementId', 'm.achievement_id'],
          n1: ['credentials', 'count(distinct m.credential_id)'],
        },
      },
      sql`${pairs} where m.rank >= 3 group by m.record_id, m.achievement_id
        having count(distinct m.credential_id) > 1`,
    ),
    insertHits(
      'credential_claimed_twice',
      {
        record: 'min(l.record_id)',
        credential: 'l.credential_id',
        provider: 'min(f.provider_id)',
        evidence: {
          t1: ['otherRecordId', 'max(l.record_id)'],
          n1: ['records', 'count(distinct l.record_id)'],
          n2: ['schemes', 'count(distinct f.scheme_id)'],
        },
      },
      // One learner's credential found for two of their records (matched, or ambiguous between them): the same
      // training funded twice.
      sql`from ila_rpt_links l join ila_rpt_facts f on f.record_id = l.record_id
        where l.rank >= 2 and l.credential_id in (select credential_id from ila_rpt_links where rank >= 2
          group by credential_id having count(distinct record_id) > 1)
        group by l.credential_id
        having count(distinct l.record_id) > 1 and count(distinct f.account_pseudonym) = 1`,
    ),

    // F11: a credential for a record that never ran, or revoked or suspended once paid for.
    insertHits(
      'credential_for_cancelled_record',
      {
        record: 'm.record_id',
        credential: 'm.credential_id',
        provider: 'm.provider_id',
        evidence: { t1: ['lifecycle', 'm.lifecycle'] },
      },
      sql`${pairs} where m.lifecycle in ${raw(NOT_STARTED)}`,
    ),
    insertHits(
      'revoked_after_payment',
      {
        record: 'm.record_id',
        credential: 'm.credential_id',
        provider: 'm.provider_id',
        evidence: { t1: ['payment', 'm.payment'], n1: ['paid', 'm.paid'], t2: ['currency', 'm.currency'] },
      },
      sql`${pairs} where m.revoked = 1 and m.paid > 0`,
    ),
    insertHits(
      'suspended_after_payment',
      {
        record: 'm.record_id',
        credential: 'm.credential_id',
        provider: 'm.provider_id',
        evidence: { t1: ['payment', 'm.payment'], n1: ['paid', 'm.paid'], t2: ['currency', 'm.currency'] },
      },
      sql`${pairs} where m.suspended = 1 and m.revoked = 0 and m.paid > 0`,
    ),

    // F12: low realisation, yet paid in full or credited with a full completion.
    insertHits(
      'low_realisation_paid_in_full',
      {
        record: 'f.record_id',
        provider: 'f.provider_id',
        evidence: {
          n1: ['realisationRatePct', 'f.realisation_rate_pct'],
          n2: ['attendanceRatePct', 'f.attendance_rate_pct'],
          n3: ['paid', 'f.paid'],
        },
      },
      sql`from ila_rpt_facts f where f.rate < ${real(th.realisationThresholdPct)} and f.agreed > 0 and f.paid >= f.agreed`,
    ),
    insertHits(
      'low_realisation_full_credential',
      {
        record: 'm.record_id',
        credential: 'm.credential_id',
        provider: 'm.provider_id',
        evidence: {
          n1: ['realisationRatePct', 'm.realisation_rate_pct'],
          n2: ['attendanceRatePct', 'm.attendance_rate_pct'],
        },
      },
      sql`${pairs} where m.full_completion = 1 and m.rate < ${real(th.realisationThresholdPct)}`,
      {
        variantExpr: `(case when m.rate < ${Number(th.severeRealisationPct)} then 'very_low_realisation_full_credential' else 'low_realisation_full_credential' end)`,
        variants: ['low_realisation_full_credential', 'very_low_realisation_full_credential'],
      },
    ),

    // F13: an offer outside the catalogue or its eligibility window at booking; a certification the provider
    // neither awards nor holds a habilitation for.
    insertHits(
      'not_in_catalogue',
      {
        record: 'f.record_id',
        provider: 'f.provider_id',
        evidence: { t1: ['registryId', 'f.registry_id'], t2: ['offerId', 'f.offer_id'] },
      },
      sql`from ila_rpt_facts f where f.in_catalogue = 0`,
    ),
    insertHits(
      'not_eligible_at_booking',
      {
        record: 'f.record_id',
        provider: 'f.provider_id',
        evidence: {
          t1: ['requestedAt', 'f.requested_at'],
          t2: ['eligibleFrom', 'f.eligible_from'],
          t3: ['eligibleUntil', 'f.eligible_until'],
        },
      },
      sql`from ila_rpt_facts f where f.in_catalogue = 1
        and (substr(f.requested_at, 1, 10) < substr(f.eligible_from, 1, 10)
          or (f.eligible_until is not null and substr(f.requested_at, 1, 10) > substr(f.eligible_until, 1, 10)))`,
    ),
    insertHits(
      'no_habilitation',
      {
        record: 'f.record_id',
        provider: 'f.provider_id',
        evidence: { t1: ['certificationCode', 'f.certification_code'] },
      },
      sql`from ila_rpt_facts f where f.certification_code is not null
        and not exists (select 1 from ila_rpt_certs pc
          where pc.provider_id = f.provider_id and pc.certification_code = f.certification_code
            and (pc.kind = 'awarding'
              or (pc.valid_from <= f.requested_on and (pc.valid_until is null or pc.valid_until >= f.requested_on))))`,
    ),

    // F15: a large provider whose learners all complete, none leaving part-way.
    insertHits(
      'flawless_provider',
      {
        provider: 'f.provider_id',
        evidence: {
          n1: ['started', 'sum(f.started)'],
          n2: [
            'completionRate',
            "sum(case when f.lifecycle = 'completion_validated' then 1 else 0 end) * 1.0 / nullif(sum(f.started), 0)",
          ],
          n3: ['partialExits', 'sum(f.partial)'],
        },
      },
      sql`from ila_rpt_facts f group by f.provider_id
        having sum(f.started) >= ${int(th.flawlessMinRecords)} and sum(f.partial) = 0
          and sum(case when f.lifecycle = 'completion_validated' then 1 else 0 end) * 1.0 / nullif(sum(f.started), 0)
            >= ${real(th.flawlessCompletionRate)}`,
    ),

    // Unmatched credentials that carry an ILA link commitment: issued for a booking that cannot be found.
    insertHits(
      'commitment_no_record',
      {
        credential: 'c.credential_id',
        provider: '(select min(k.provider_id) from ila_rpt_keys k where k.issuer_did = c.issuer_did)',
        evidence: { t1: ['issuerDid', 'c.issuer_did'] },
      },
      sql`from ila_rpt_creds c where c.has_commitment = 1 and c.rank <= 1`,
      {
        variantExpr: `(case when c.rank = 1 then 'commitment_no_record' else 'commitment_rejected' end)`,
        variants: ['commitment_no_record', 'commitment_rejected'],
      },
    ),
  ]

  // F8: most of a provider's records of a capped scheme priced at the cap.
  for (const cap of q.priceCaps) {
    statements.push(
      insertHits(
        'at_cap',
        {
          provider: 'f.provider_id',
          evidence: {
            t1: ['schemeId', 'f.scheme_id'],
            t2: ['currency', 'f.currency'],
            n1: ['records', 'count(*)'],
            n2: [
              'shareAtCap',
              `sum(case when f.agreed >= ${Math.trunc(cap.amountMinor)} then 1 else 0 end) * 1.0 / count(*)`,
            ],
            n3: ['cap', `${Math.trunc(cap.amountMinor)}`],
          },
        },
        sql`from ila_rpt_facts f where f.scheme_id = ${cap.schemeId} and f.currency = ${cap.currency}
          group by f.provider_id, f.scheme_id, f.currency
          having count(*) >= ${int(th.capMinRecords)}
            and sum(case when f.agreed >= ${int(cap.amountMinor)} then 1 else 0 end) * 1.0 / count(*) >= ${real(th.capShare)}`,
      ),
    )
  }
  // F16: a high-value record whose credential's assessment was unsupervised, without identity check.
  if (q.unsupervisedConcepts.length > 0) {
    statements.push(
      insertHits(
        'unsupervised_high_value',
        {
          record: 'm.record_id',
          credential: 'm.credential_id',
          provider: 'm.provider_id',
          evidence: {
            n1: ['agreedPrice', 'm.agreed'],
            t1: ['currency', 'm.currency'],
            t2: ['supervision', 'm.supervision'],
          },
        },
        sql`${pairs} where m.agreed >= ${int(th.highValueMinor)}
          and m.supervision in (${sql.join(q.unsupervisedConcepts)})`,
      ),
    )
  }
  return statements
}

/**
 * F5: each record of a provider's day with many times its usual number of new records; dormant accounts among
 * them. The days are found first, then their records with the days as a list of values: joined back from a query,
 * PostgreSQL would expect one day where there are dozens, and scan every record for each.
 */
async function insertVolumeSpikes(db: Executor, q: IlaReportQuery): Promise<void> {
  const th = q.thresholds
  const base = '(case when p.days > 1 then (p.total - d.n) * 1.0 / (p.days - 1) else 0 end)'
  const spikes = await run(
    db,
    sql`with d as (select provider_id, requested_on, count(*) as n from ila_rpt_facts group by provider_id, requested_on),
        p as (select provider_id, count(*) as days, sum(n) as total from d group by provider_id)
      select d.provider_id, d.requested_on, d.n, ${raw(base)} as base
      from d join p on p.provider_id = d.provider_id
      where d.n >= ${int(th.spikeMinRecords)} and d.n >= ${real(th.spikeFactor)} * ${raw(base)}`,
  )
  for (let i = 0; i < spikes.length; i += KEY_PAGE) {
    const days = spikes
      .slice(i, i + KEY_PAGE)
      .map(
        (d) =>
          sql`(${String(d.provider_id)}, ${String(d.requested_on)}, ${int(num(d.n))}, ${real(num(d.base))})`,
      )
    await exec(
      db,
      insertHits(
        'volume_spike',
        {
          record: 'h.record_id',
          provider: 'h.provider_id',
          evidence: {
            t1: ['day', 'h.requested_on'],
            n1: ['records', 'h.n'],
            n2: ['usualPerDay', 'h.base'],
            n3: ['dormantAccounts', 'coalesce(dm.dormant, 0)'],
          },
        },
        sql`from hits h left join dm on dm.provider_id = h.provider_id and dm.requested_on = h.requested_on`,
        {
          with: sql`with spikes (provider_id, requested_on, n, base) as (values ${sql.join(days)}),
            hits as materialized (
              select f.record_id, f.provider_id, f.requested_on, f.requested_at, f.account_pseudonym, s.n, s.base
              from ila_rpt_facts f join spikes s on s.provider_id = f.provider_id and s.requested_on = f.requested_on),
            -- Materialized: the day number repeats its argument, and an inlined lookup would run once per repetition.
            prev as materialized (
              select h.provider_id, h.requested_on,
                (select max(r2.requested_at) from ila_spending_records r2
                  where r2.tenant_id = ${q.tenantId} and r2.account_pseudonym = h.account_pseudonym
                    and r2.requested_at < h.requested_at) as prev
              from hits h),
            dm as (
              select provider_id, requested_on,
                sum(case when prev is not null
                  and ${raw(dayNumber('requested_on'))} - ${raw(dayNumber('prev'))} > ${int(th.dormantDays)}
                  then 1 else 0 end) as dormant
              from prev group by provider_id, requested_on)`,
          variantExpr: `(case when coalesce(dm.dormant, 0) * 2 >= h.n then 'volume_spike_dormant' else 'volume_spike' end)`,
          variants: ['volume_spike', 'volume_spike_dormant'],
        },
      ),
    )
  }
}

// --- Reading the report back ----------------------------------------------------------------------------

const BUCKETS: readonly IlaRecordBucket[] = [
  'matched',
  'matched_with_warnings',
  'ambiguous',
  'pending',
  'overdue',
  'cancelled',
  'not_expected',
]

function credentialState(rank: unknown): IlaCredentialState {
  if (rank === null || rank === undefined) return 'not_linked'
  return (
    (['rejected', 'no_record', 'ambiguous', 'matched_with_warnings', 'matched'] as const)[num(rank)] ??
    'rejected'
  )
}

function parseJson<T>(value: unknown, fallback: T): T {
  if (typeof value !== 'string') return fallback
  try {
    return JSON.parse(value) as T
  } catch {
    return fallback
  }
}

function anomalyOf(row: Row): IlaReportAnomalyRow {
  const variant = row.variant as IlaSignalVariant
  const names = EVIDENCE.get(variant) ?? {}
  const evidence: Record<string, string | number | null> = {}
  for (const column of EVIDENCE_COLUMNS) {
    const name = names[column]
    if (name === undefined) continue
    evidence[name] = column.startsWith('n') ? numOrNull(row[column]) : text(row[column])
  }
  return {
    variant,
    recordId: text(row.record_id),
    credentialId: text(row.credential_id),
    providerId: text(row.provider_id),
    evidence,
  }
}

/** Median and mean of values given as a histogram (value, count), sorted by value. */
function medianOf(histogram: ReadonlyArray<[value: number, count: number]>): {
  median: number
  mean: number
  n: number
} {
  const n = histogram.reduce((total, [, count]) => total + count, 0)
  const sum = histogram.reduce((total, [value, count]) => total + value * count, 0)
  // The middle element, or the two middle ones: positions floor((n + 1) / 2) and floor((n + 2) / 2), from 1.
  const at = (position: number) => {
    let seen = 0
    for (const [value, count] of histogram) {
      seen += count
      if (seen >= position) return value
    }
    return Number.NaN
  }
  return { median: (at(Math.floor((n + 1) / 2)) + at(Math.floor((n + 2) / 2))) / 2, mean: sum / n, n }
}

async function collect(db: Executor, q: IlaReportQuery): Promise<IlaReportData> {
  const today = dayOf(q.today)
  // One pass for the totals (by bucket, and by lifecycle), one for providers and courses.
  const totals = await run(
    db,
    sql`select currency, bucket, credential_expected, revoked_credential, lifecycle, count(*) as records,
        sum(agreed) as agreed, sum(case when cancelled = 1 then 0 else agreed end) as committed, sum(paid) as paid,
        sum(case when paid > recovered then paid - recovered else 0 end) as unrecovered,
        sum(recovered) as recovered, sum(recredited) as recredited
      from ila_rpt_facts group by currency, bucket, credential_expected, revoked_credential, lifecycle`,
  )
  const offers = await run(
    db,
    sql`select provider_id, registry_id, offer_id, currency, count(*) as records,
        sum(credential_expected) as expected,
        sum(case when link_state >= 3 and credential_expected = 1 then 1 else 0 end) as matched,
        sum(case when cancelled = 1 then 0 else agreed end) as committed, sum(paid) as paid,
        sum(case when link_state < 3 and credential_expected = 1 then paid else 0 end) as paid_without,
        sum(ended) as ended, sum(partial) as partial,
        sum(case when cancelled = 0 and hours > 0 then hours else 0 end) as hours,
        sum(case when cancelled = 0 and hours > 0 then agreed else 0 end) as hours_agreed
      from ila_rpt_facts group by provider_id, registry_id, offer_id, currency`,
  )
  const credentials = await run(
    db,
    sql`select coalesce(rank, -1) as rank, count(*) as n, sum(has_commitment) as with_commitment
      from ila_rpt_creds group by coalesce(rank, -1)`,
  )
  const matchedPairs = await run(db, sql`select count(*) as n from ila_rpt_pairs where rank >= 3`)
  const matches = await run(
    db,
    sql`select m.record_id, m.credential_id, m.outcome, lr.rules_json
      from (select record_id, credential_id, outcome, link_id from ila_rpt_pairs where rank >= 3
        order by record_id, credential_id limit ${int(q.listLimit)}) m
      join ila_link_results lr on lr.id = m.link_id
      order by m.record_id, m.credential_id`,
  )
  const unmatchedSpending = await run(
    db,
    sql`select record_id, provider_id, lifecycle, bucket, currency, paid,
        case when ended = 1 then end_at end as ended_on,
        case when ended = 1 then ${int(today)} - ${raw(dayNumber('end_on'))} end as days
      from ila_rpt_facts where bucket not in ('matched', 'matched_with_warnings')
      order by case bucket when 'overdue' then 0 when 'cancelled' then 1 when 'ambiguous' then 2 when 'pending' then 3
        else 4 end, record_id
      limit ${int(q.listLimit)}`,
  )
  const unmatchedCredentials = await run(
    db,
    sql`select credential_id, issuer_did, rank, has_commitment, verification_codes_json from ila_rpt_creds
      where coalesce(rank, -1) < 3
      order by case coalesce(rank, -1) when 0 then 0 when 1 then 1 when 2 then 2 else 3 end, credential_id
      limit ${int(q.listLimit)}`,
  )
  const rulesOf = new Map<string, IlaRuleResult[]>()
  const ids = unmatchedCredentials.map((r) => String(r.credential_id))
  for (let i = 0; i < ids.length; i += KEY_PAGE) {
    const rows = await run(
      db,
      sql`select credential_id, rules_json from ila_link_results
        where tenant_id = ${q.tenantId} and is_current = 1 and credential_id in (${sql.join(ids.slice(i, i + KEY_PAGE))})
        order by credential_id, id`,
    )
    for (const row of rows) {
      const id = String(row.credential_id)
      if (!rulesOf.has(id)) rulesOf.set(id, parseJson<IlaRuleResult[]>(row.rules_json, []))
    }
  }
  const anomalyCounts = await run(
    db,
    sql`select variant, count(*) as n from ila_rpt_anomalies group by variant order by variant`,
  )
  const byProviderCounts = await run(
    db,
    sql`select provider_id, variant, count(*) as n from ila_rpt_anomalies where provider_id is not null
      group by provider_id, variant order by provider_id, variant`,
  )
  const anomalies = await run(
    db,
    sql`select * from (
        select a.*, row_number() over (partition by variant
          order by coalesce(record_id, ''), coalesce(credential_id, ''), coalesce(provider_id, ''), coalesce(t1, '')) as rn
        from ila_rpt_anomalies a
      ) x where rn <= ${int(q.anomalyLimit)} order by variant, rn`,
  )
  // Days from the end of training to issuance, as a histogram per provider: whole days take few distinct values,
  // and medians come out of the counts exactly, without sorting every pair.
  const lags = await run(
    db,
    sql`select provider_id, d, count(*) as n from (
        select provider_id, ${raw(dayNumber('issued_on'))} - ${raw(dayNumber('actual_end_on'))} as d
        from ila_rpt_pairs where rank >= 3 and issued_on is not null and actual_end_on is not null
      ) x group by provider_id, d`,
  )
  const accounts = await run(db, sql`select count(distinct account_pseudonym) as n from ila_rpt_facts`)
  const mostInNeed = await run(
    db,
    sql`select count(distinct f.account_pseudonym) as n
      from ila_funding_lines fl join ila_rpt_facts f on f.record_id = fl.record_id
      where fl.tenant_id = ${q.tenantId} and fl.funder_type = 'ila_entitlement_targeted'`,
  )
  const funding = await run(
    db,
    sql`select f.currency, fl.funder_type, count(*) as lines, sum(fl.amount_minor) as amount
      from ila_funding_lines fl join ila_rpt_facts f on f.record_id = fl.record_id
      where ${ofTenant('fl', q.tenantId)} group by f.currency, fl.funder_type`,
  )

  const byText =
    <T>(key: (row: T) => string) =>
    (a: T, b: T) =>
      key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0
  const providerLags = new Map<string, Array<[number, number]>>()
  const allLags = new Map<number, number>()
  for (const row of lags) {
    const provider = String(row.provider_id)
    const d = num(row.d)
    const n = num(row.n)
    const list = providerLags.get(provider) ?? []
    list.push([d, n])
    providerLags.set(provider, list)
    allLags.set(d, (allLags.get(d) ?? 0) + n)
  }
  const lagOf = (provider: string): number | null => {
    const histogram = providerLags.get(provider)
    return histogram ? medianOf(histogram.sort((a, b) => a[0] - b[0])).median : null
  }
  const overall = allLags.size > 0 ? medianOf([...allLags].sort((a, b) => a[0] - b[0])) : undefined

  const sumRows = <K extends string>(rows: Row[], keyOf: (row: Row) => string, fields: readonly K[]) => {
    const out = new Map<string, { row: Row } & Record<K, number>>()
    for (const row of rows) {
      const key = keyOf(row)
      const entry =
        out.get(key) ??
        ({ row, ...Object.fromEntries(fields.map((f) => [f, 0])) } as { row: Row } & Record<K, number>)
      for (const field of fields)
        (entry as Record<string, unknown>)[field] = (entry[field] as number) + num(row[field])
      out.set(key, entry)
    }
    return [...out.values()]
  }
  const totalFields = [
    'records',
    'agreed',
    'committed',
    'paid',
    'unrecovered',
    'recovered',
    'recredited',
  ] as const
  const offerFields = [
    'records',
    'expected',
    'matched',
    'committed',
    'paid',
    'paid_without',
    'ended',
    'partial',
    'hours',
    'hours_agreed',
  ] as const
  const buckets = sumRows(
    totals,
    (r) => JSON.stringify([r.currency, r.bucket, num(r.credential_expected), num(r.revoked_credential)]),
    totalFields,
  ).sort(
    byText((b) =>
      JSON.stringify([
        b.row.currency,
        b.row.bucket,
        num(b.row.credential_expected),
        num(b.row.revoked_credential),
      ]),
    ),
  )
  const lifecycles = sumRows(totals, (r) => JSON.stringify([r.currency, r.lifecycle]), [
    'records',
    'paid',
  ] as const).sort(byText((l) => JSON.stringify([l.row.currency, l.row.lifecycle])))
  const providers = sumRows(offers, (r) => JSON.stringify([r.provider_id, r.currency]), offerFields).sort(
    byText((p) => JSON.stringify([p.row.provider_id, p.row.currency])),
  )
  const courses = sumRows(
    offers,
    (r) => JSON.stringify([r.registry_id, r.offer_id, r.currency]),
    offerFields,
  ).sort(byText((c) => JSON.stringify([c.row.registry_id, c.row.offer_id, c.row.currency])))

  return {
    buckets: buckets.map((b) => ({
      currency: String(b.row.currency),
      bucket: (BUCKETS.includes(b.row.bucket as IlaRecordBucket)
        ? b.row.bucket
        : 'pending') as IlaRecordBucket,
      credentialExpected: num(b.row.credential_expected) === 1,
      revokedCredential: num(b.row.revoked_credential) === 1,
      records: b.records,
      agreed: b.agreed,
      committed: b.committed,
      paid: b.paid,
      unrecovered: b.unrecovered,
      recovered: b.recovered,
      recredited: b.recredited,
    })),
    lifecycles: lifecycles.map((l) => ({
      currency: String(l.row.currency),
      lifecycle: String(l.row.lifecycle),
      records: l.records,
      paid: l.paid,
    })),
    credentials: credentials.map((r) => ({
      state: credentialState(num(r.rank) < 0 ? null : r.rank),
      credentials: num(r.n),
      withCommitment: num(r.with_commitment),
    })),
    matchedPairs: num(matchedPairs[0]?.n),
    matches: matches.map((r) => ({
      recordId: String(r.record_id),
      credentialId: String(r.credential_id),
      outcome: r.outcome as IlaLinkOutcome,
      rules: parseJson<IlaRuleResult[]>(r.rules_json, []),
    })),
    unmatchedSpending: unmatchedSpending.map((r) => ({
      recordId: String(r.record_id),
      providerId: String(r.provider_id),
      lifecycle: String(r.lifecycle),
      bucket: r.bucket as IlaRecordBucket,
      endedOn: text(r.ended_on),
      daysSinceEnd: numOrNull(r.days),
      currency: String(r.currency),
      paid: num(r.paid),
    })),
    unmatchedCredentials: unmatchedCredentials.map((r) => ({
      credentialId: String(r.credential_id),
      issuerDid: String(r.issuer_did),
      state: credentialState(r.rank),
      hasCommitment: num(r.has_commitment) === 1,
      verificationCodes: parseJson<string[]>(r.verification_codes_json, []),
      rules: rulesOf.get(String(r.credential_id)) ?? [],
    })),
    anomalyCounts: anomalyCounts.map((r) => ({ variant: r.variant as IlaSignalVariant, count: num(r.n) })),
    anomalyCountsByProvider: byProviderCounts.map((r) => ({
      providerId: String(r.provider_id),
      variant: r.variant as IlaSignalVariant,
      count: num(r.n),
    })),
    anomalies: anomalies.map(anomalyOf),
    byProvider: providers.map((p) => ({
      providerId: String(p.row.provider_id),
      currency: String(p.row.currency),
      records: p.records,
      credentialExpected: p.expected,
      matched: p.matched,
      committed: p.committed,
      paid: p.paid,
      paidWithoutCredential: p.paid_without,
      ended: p.ended,
      partialExits: p.partial,
      medianIssueLagDays: lagOf(String(p.row.provider_id)),
    })),
    byCourse: courses.map((c) => ({
      registryId: String(c.row.registry_id),
      offerId: String(c.row.offer_id),
      currency: String(c.row.currency),
      records: c.records,
      credentialExpected: c.expected,
      matched: c.matched,
      committed: c.committed,
      paid: c.paid,
      hours: c.hours,
      hoursAgreed: c.hours_agreed,
    })),
    accounts: num(accounts[0]?.n),
    accountsMostInNeed: num(mostInNeed[0]?.n),
    funding: funding
      .map((r) => ({
        currency: String(r.currency),
        funderType: String(r.funder_type),
        lines: num(r.lines),
        amount: num(r.amount),
      }))
      .sort(byText((f) => `${f.currency} ${f.funderType}`)),
    timeToCredential: {
      pairs: overall?.n ?? 0,
      medianDays: overall?.median ?? null,
      meanDays: overall?.mean ?? null,
    },
  }
}

/** Runs `fn` on one connection: the pool's, held for the whole call, or the open transaction's. */
async function onOneConnection<T>(db: Executor, fn: (db: Executor) => Promise<T>): Promise<T> {
  if (db.isTransaction) return fn(db)
  return db.connection().execute(fn)
}

/** The report repository over `db` (the pool or one transaction). */
export function ilaReportRepository(db: Executor, guard: Guard): IlaReportRepository {
  return {
    run: (query) =>
      guard(`ILA report of tenant ${query.tenantId}`, () =>
        onOneConnection(db, async (conn) => {
          await dropTemporaryTables(conn)
          try {
            await createTemporaryTables(conn, query)
            for (const statement of signalStatements(query)) await exec(conn, statement)
            await insertVolumeSpikes(conn, query)
            return await collect(conn, query)
          } finally {
            // A failed drop leaves tables that the next run on this connection drops first.
            await dropTemporaryTables(conn).catch(() => undefined)
          }
        }),
      ),
  }
}
