/**
 * The OpenAPI 3.1 description of the service, served at `GET /openapi.json`, built from one table of
 * operations ({@link OPERATIONS}). Request bodies are described by the very JSON Schemas in `schemas/` the
 * routes validate with, embedded under `components.schemas`; every error is a problem+json response.
 *
 * Adding a route: add one {@link OperationSpec} to {@link OPERATIONS} (and its request schema file to
 * `schemas/`, if it takes a body). The drift test (`test/integration/http/openapi.test.ts`) fails while a
 * route the app serves is missing here, or the other way round.
 */
import { readFileSync } from 'node:fs'
import type { Scope } from '../tokens/api-tokens.js'

export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete'

/** A JSON Schema (2020-12), or a `$ref` to one under `#/components/schemas/`. */
export type SchemaObject = Record<string, unknown>

export interface ResponseSpec {
  description: string
  /** Schema by media type; none for an empty body. */
  content?: Record<string, SchemaObject>
  /** Response headers by name, each with a description. */
  headers?: Record<string, string>
}

export interface QueryParameterSpec {
  name: string
  description: string
  schema: SchemaObject
  required?: boolean
}

/** One operation of the table. */
export interface OperationSpec {
  method: HttpMethod
  /** OpenAPI form: `{name}` where the Express route has `:name` (or the wildcard `*name`). */
  path: string
  operationId: string
  summary: string
  description?: string
  tag:
    | 'health'
    | 'public'
    | 'verification'
    | 'courses'
    | 'issuing'
    | 'status'
    | 'credentials'
    | 'learners'
    | 'claims'
    | 'batches'
    | 'ila'
    | 'tenants'
    | 'pages'
  /** `public`, or the scope the bearer token needs. */
  access: 'public' | Scope
  /** File name in `schemas/` of the JSON request body, when the operation takes one. */
  requestSchema?: string
  /** The body may be left out (an empty request means the defaults). */
  optionalBody?: boolean
  /** A body that is not JSON (an upload): its schema by media type. */
  upload?: { description: string; content: Record<string, SchemaObject> }
  query?: QueryParameterSpec[]
  /** Success (and route-specific) responses by status. */
  responses: Record<string, ResponseSpec>
  /**
   * Problem statuses besides those every operation gets from its shape: 400 and 413 with a request body,
   * 401 and 403 when protected, 429 when rate-limited, 500 always.
   */
  problems?: number[]
  /** Subject to the public rate limit (see `rate-limit.ts`). */
  rateLimited?: boolean
  /** An HTML page (or a file a page links to): its errors are HTML pages for browsers. */
  page?: boolean
}

const ref = (name: string): SchemaObject => ({ $ref: `#/components/schemas/${name}` })
const json = (description: string, schema: SchemaObject): ResponseSpec => ({
  description,
  content: { 'application/json': schema },
})
const htmlPage = (description: string): ResponseSpec => ({
  description,
  content: { 'text/html': { type: 'string' } },
  headers: { 'Content-Security-Policy': 'The pages policy: this origin only, no inline script or style' },
})
const file = (description: string, mediaType: string): ResponseSpec => ({
  description,
  content: { [mediaType]: { type: 'string' } },
  headers: { 'Content-Disposition': 'attachment; filename="…"' },
})
const backToClaim: ResponseSpec = {
  description: "Done: back to the learner's page",
  headers: { Location: '`/claims/{token}?lang=…#share-links`' },
}
/** The form fields of the share-link forms. */
const shareLinkForm = {
  type: 'object',
  properties: {
    days: { enum: ['1', '7', '30', '90'], description: 'Lifetime of the new link, in days' },
    lang: { enum: ['en', 'fr', 'de'], description: 'Interface language to return to' },
  },
}

const formatQuery: QueryParameterSpec[] = [
  {
    name: 'format',
    description: '`elm` (VC 2.0, VC-JOSE, enveloped) or `edc` (VC 1.1, Data Integrity). Default `elm`.',
    schema: { enum: ['elm', 'edc'], default: 'elm' },
  },
]

/** Every operation of the service. */
export const OPERATIONS: OperationSpec[] = [
  // --- Health, metrics, this document ---------------------------------------------------------------
  {
    method: 'get',
    path: '/healthz',
    operationId: 'health',
    summary: 'The process runs',
    tag: 'health',
    access: 'public',
    responses: { '200': json('Alive', ref('Health')) },
  },
  {
    method: 'get',
    path: '/readyz',
    operationId: 'readiness',
    summary: 'The database answers and the default issuer can sign',
    tag: 'health',
    access: 'public',
    responses: { '200': json('Ready', ref('Readiness')) },
    problems: [503],
  },
  {
    method: 'get',
    path: '/metrics',
    operationId: 'metrics',
    summary: 'Prometheus metrics (text exposition format)',
    tag: 'health',
    access: 'public',
    responses: {
      '200': { description: 'The metrics', content: { 'text/plain': { type: 'string' } } },
    },
    problems: [403, 404],
  },
  {
    method: 'get',
    path: '/openapi.json',
    operationId: 'openApi',
    summary: 'This OpenAPI document',
    tag: 'health',
    access: 'public',
    responses: { '200': json('The OpenAPI 3.1 document', { type: 'object' }) },
  },
  // --- Public documents -----------------------------------------------------------------------------
  {
    method: 'get',
    path: '/status-lists/{id}',
    operationId: 'getStatusList',
    summary: 'A published Bitstring Status List credential',
    tag: 'public',
    access: 'public',
    rateLimited: true,
    responses: {
      '200': {
        description: 'The list credential as published and signed',
        content: {
          'application/vc+jwt': { type: 'string' },
          'application/vc+ld+json': { type: 'object' },
        },
        headers: { ETag: 'Strong entity tag of the published list', 'Cache-Control': 'public, max-age=…' },
      },
      '304': { description: 'Unchanged since If-None-Match' },
    },
    problems: [404],
  },
  {
    method: 'get',
    path: '/.well-known/did.json',
    operationId: 'getRootDidDocument',
    summary: 'The did:web document named by the host of publicBaseUrl',
    tag: 'public',
    access: 'public',
    rateLimited: true,
    responses: {
      '200': { description: 'DID document', content: { 'application/did+json': ref('DidDocument') } },
    },
    problems: [404],
  },
  {
    method: 'get',
    path: '/{path}/did.json',
    operationId: 'getDidDocument',
    summary: 'The did:web document named by the host of publicBaseUrl and this path',
    description: '`path` is one or more path segments (`issuers/zed`).',
    tag: 'public',
    access: 'public',
    rateLimited: true,
    responses: {
      '200': { description: 'DID document', content: { 'application/did+json': ref('DidDocument') } },
    },
    problems: [404],
  },
  // --- Verification ---------------------------------------------------------------------------------
  {
    method: 'post',
    path: '/credentials/verify',
    operationId: 'verifyCredential',
    summary: 'Verify a credential (VC API)',
    tag: 'verification',
    access: 'public',
    rateLimited: true,
    requestSchema: 'verify-credential.request.json',
    responses: {
      '200': json('Verified', ref('VerificationResult')),
      '422': json('Not verified: the same result, `verified: false`', ref('VerificationResult')),
    },
  },
  {
    method: 'post',
    path: '/presentations/verify',
    operationId: 'verifyPresentation',
    summary: 'Verify a presentation (VC API)',
    tag: 'verification',
    access: 'public',
    rateLimited: true,
    requestSchema: 'verify-presentation.request.json',
    responses: {
      '200': json('Verified', ref('VerificationResult')),
      '422': json('Not verified: the same result, `verified: false`', ref('VerificationResult')),
    },
  },
  // --- Courses and micro-credentials -----------------------------------------------------------------
  {
    method: 'post',
    path: '/courses',
    operationId: 'addCourse',
    summary: 'Store a course (a new version when its content changed)',
    tag: 'courses',
    access: 'courses:write',
    requestSchema: 'course.schema.json',
    responses: {
      '201': json('A new course or version', ref('CourseSummary')),
      '200': json('Unchanged', ref('CourseSummary')),
    },
  },
  {
    method: 'get',
    path: '/courses',
    operationId: 'listCourses',
    summary: "The latest version of each of the tenant's courses",
    tag: 'courses',
    access: 'courses:read',
    responses: { '200': json('Courses', ref('CourseList')) },
  },
  {
    method: 'get',
    path: '/courses/{id}',
    operationId: 'getCourse',
    summary: 'The latest version of a course, by its own id (URL-encoded)',
    tag: 'courses',
    access: 'courses:read',
    responses: { '200': json('The course', ref('CourseView')) },
    problems: [404],
  },
  {
    method: 'post',
    path: '/courses/{id}/credentials',
    operationId: 'issueMicrocredential',
    summary: "Issue a learner's micro-credential from a stored course",
    tag: 'issuing',
    access: 'credentials:issue',
    requestSchema: 'learner.schema.json',
    query: formatQuery,
    responses: { '201': json('Issued', ref('IssuedCredential')) },
    problems: [404, 422],
  },
  // --- VC API issuing and status --------------------------------------------------------------------
  {
    method: 'post',
    path: '/credentials/issue',
    operationId: 'issueCredential',
    summary: 'Secure a credential with a Data Integrity proof (VC API)',
    tag: 'issuing',
    access: 'credentials:issue',
    requestSchema: 'vcapi-issue.request.json',
    responses: { '201': json('Issued', ref('IssueCredentialResponse')) },
  },
  {
    method: 'post',
    path: '/jose/credentials/issue',
    operationId: 'issueJoseCredential',
    summary: 'Secure a VC 2.0 credential as VC-JOSE, returned enveloped (VC API)',
    tag: 'issuing',
    access: 'credentials:issue',
    requestSchema: 'vcapi-issue.request.json',
    responses: { '201': json('Issued', ref('IssueCredentialResponse')) },
  },
  {
    method: 'post',
    path: '/status/credentials/issue',
    operationId: 'issueCredentialWithStatus',
    summary: 'Secure a credential with a Data Integrity proof and a revocation status entry (VC API)',
    description:
      'The issuer adds a `BitstringStatusListEntry` (purpose revocation); `POST /credentials/status` with the ' +
      "credential's `id` revokes it.",
    tag: 'issuing',
    access: 'credentials:issue',
    requestSchema: 'vcapi-issue.request.json',
    responses: { '201': json('Issued', ref('IssueCredentialResponse')) },
    problems: [409],
  },
  {
    method: 'post',
    path: '/credentials/status',
    operationId: 'changeStatus',
    summary: 'Revoke, suspend or unsuspend a credential (VC API)',
    tag: 'status',
    access: 'credentials:status',
    requestSchema: 'credential-status.request.json',
    responses: { '200': json('Applied', ref('StatusChangeResult')) },
    problems: [404, 409, 422],
  },
  {
    method: 'post',
    path: '/learners/erase',
    operationId: 'eraseLearner',
    summary: "Erase a learner's personal data from the stored credentials",
    tag: 'learners',
    access: 'credentials:status',
    requestSchema: 'learner-erase.request.json',
    responses: { '200': json('Erased', ref('EraseResult')) },
  },
  {
    method: 'get',
    path: '/credentials/{id}',
    operationId: 'getCredential',
    summary: 'A credential the tenant issued',
    tag: 'credentials',
    access: 'credentials:read',
    responses: { '200': json('The credential', ref('StoredCredential')) },
    problems: [404, 410],
  },
  // --- Claim links ----------------------------------------------------------------------------------
  {
    method: 'get',
    path: '/claims/{token}',
    operationId: 'openClaim',
    summary: "A learner's credential, by its claim link (the token is the capability)",
    description:
      "A browser (`Accept: text/html`) gets the learner's page (`docs/pages.md`); any other client the JSON.",
    tag: 'claims',
    access: 'public',
    rateLimited: true,
    page: true,
    responses: {
      '200': {
        description: "The credential; the learner's page for `Accept: text/html`",
        content: { 'application/json': ref('StoredCredential'), 'text/html': { type: 'string' } },
      },
    },
    problems: [404, 410],
  },
  {
    method: 'post',
    path: '/credentials/{id}/claim-link',
    operationId: 'renewClaimLink',
    summary: 'A new claim link for a credential (the previous one stops working)',
    tag: 'claims',
    access: 'credentials:issue',
    responses: { '201': json('The new link', ref('ClaimLink')) },
    problems: [404, 410],
  },
  {
    method: 'delete',
    path: '/credentials/{id}/claim-link',
    operationId: 'revokeClaimLink',
    summary: "Revoke a credential's claim link",
    tag: 'claims',
    access: 'credentials:status',
    responses: { '204': { description: 'Revoked' } },
    problems: [404],
  },
  // --- Pages (docs/pages.md) -------------------------------------------------------------------------
  {
    method: 'get',
    path: '/assets/{name}',
    operationId: 'pageAsset',
    summary: "The pages' style sheet (its name carries a digest of its content)",
    tag: 'pages',
    access: 'public',
    page: true,
    responses: { '200': file('The style sheet, cached for a year', 'text/css') },
    problems: [404],
  },
  {
    method: 'get',
    path: '/claims/{token}/credential.json',
    operationId: 'downloadClaimedCredentialJson',
    summary: 'The original credential as JSON (JOSE forms enveloped), as a download',
    tag: 'pages',
    access: 'public',
    rateLimited: true,
    page: true,
    responses: { '200': file('The credential', 'application/json') },
    problems: [404, 410],
  },
  {
    method: 'get',
    path: '/claims/{token}/credential.jwt',
    operationId: 'downloadClaimedCredentialJwt',
    summary: 'The original compact JWS of a VC-JOSE credential, as a download',
    tag: 'pages',
    access: 'public',
    rateLimited: true,
    page: true,
    responses: { '200': file('The credential', 'application/vc+jwt') },
    problems: [404, 410],
  },
  {
    method: 'get',
    path: '/claims/{token}/credential.pdf',
    operationId: 'downloadClaimedCredentialPdf',
    summary: 'The credential as an A4 PDF with a QR code, the original embedded',
    tag: 'pages',
    access: 'public',
    rateLimited: true,
    page: true,
    query: [{ name: 'lang', description: 'Label language', schema: { enum: ['en', 'fr', 'de'] } }],
    responses: { '200': file('The PDF', 'application/pdf') },
    problems: [404, 410],
  },
  {
    method: 'post',
    path: '/claims/{token}/share-links',
    operationId: 'createShareLink',
    summary: "Create a share link for the claim link's credential (form of the learner's page)",
    description: "Refused (403) unless the `Origin` header is this service's own origin.",
    tag: 'pages',
    access: 'public',
    rateLimited: true,
    page: true,
    upload: {
      description: 'The form',
      content: { 'application/x-www-form-urlencoded': shareLinkForm },
    },
    responses: { '303': backToClaim },
    problems: [403, 404, 410],
  },
  {
    method: 'post',
    path: '/claims/{token}/share-links/{id}/revoke',
    operationId: 'revokeShareLink',
    summary: "Revoke one of the credential's share links (form of the learner's page)",
    description: "Refused (403) unless the `Origin` header is this service's own origin.",
    tag: 'pages',
    access: 'public',
    rateLimited: true,
    page: true,
    upload: {
      description: 'The form',
      content: { 'application/x-www-form-urlencoded': shareLinkForm },
    },
    responses: { '303': backToClaim },
    problems: [403, 404],
  },
  {
    method: 'get',
    path: '/s/{id}',
    operationId: 'sharePage',
    summary: 'A shared credential: its rendering, a live verification and a QR code',
    tag: 'pages',
    access: 'public',
    rateLimited: true,
    page: true,
    query: [{ name: 'lang', description: 'Interface language', schema: { enum: ['en', 'fr', 'de'] } }],
    responses: { '200': htmlPage('The share page') },
    problems: [404, 410],
  },
  {
    method: 'get',
    path: '/s/{id}.pdf',
    operationId: 'sharePdf',
    summary: 'A shared credential as an A4 PDF with a QR code of its share page, the original embedded',
    tag: 'pages',
    access: 'public',
    rateLimited: true,
    page: true,
    query: [{ name: 'lang', description: 'Label language', schema: { enum: ['en', 'fr', 'de'] } }],
    responses: { '200': file('The PDF', 'application/pdf') },
    problems: [404, 410],
  },
  {
    method: 'get',
    path: '/verify',
    operationId: 'verifyPage',
    summary: 'The verify page: paste a credential, drop a file (JSON, JWT, PDF) or give a share link',
    tag: 'pages',
    access: 'public',
    rateLimited: true,
    page: true,
    responses: { '200': htmlPage('The form') },
  },
  {
    method: 'post',
    path: '/verify',
    operationId: 'verifyFromPage',
    summary: "The verify page's form: the verdict, the human summary and each check",
    tag: 'pages',
    access: 'public',
    rateLimited: true,
    page: true,
    upload: {
      description: '`credential` (pasted text), `file` (JSON, JWT, or a PDF of this service) or `link`',
      content: {
        'multipart/form-data': {
          type: 'object',
          properties: {
            credential: { type: 'string' },
            file: { type: 'string', contentMediaType: 'application/octet-stream' },
            link: { type: 'string', format: 'uri' },
          },
        },
        'application/x-www-form-urlencoded': {
          type: 'object',
          properties: { credential: { type: 'string' }, link: { type: 'string', format: 'uri' } },
        },
      },
    },
    responses: { '200': htmlPage('The result: `role="status"` with `data-verdict`') },
    problems: [404, 410, 422],
  },
  // --- Cohort batches --------------------------------------------------------------------------------
  {
    method: 'post',
    path: '/batches',
    operationId: 'createBatch',
    summary: "Upload a cohort's learners (CSV or JSON lines) to issue a course's micro-credentials",
    description:
      'Validated as it streams in; `dryRun=true` only validates. The issuing runs in the background.',
    tag: 'batches',
    access: 'credentials:issue',
    query: [
      { name: 'course', description: 'The course id', schema: { type: 'string' }, required: true },
      ...formatQuery,
      { name: 'dryRun', description: 'Only validate', schema: { enum: ['true', 'false'], default: 'false' } },
    ],
    upload: {
      description: 'One learner record per row or line',
      content: {
        'text/csv': { type: 'string' },
        'application/jsonl': { type: 'string' },
        'application/x-ndjson': { type: 'string' },
      },
    },
    responses: {
      '202': {
        description: 'Stored; being issued',
        content: { 'application/json': ref('Batch') },
        headers: { Location: 'The batch' },
      },
      '200': json('Dry run: the validation report', { type: 'object' }),
    },
    problems: [400, 404, 413, 415, 422],
  },
  {
    method: 'get',
    path: '/batches',
    operationId: 'listBatches',
    summary: "The tenant's batches",
    tag: 'batches',
    access: 'credentials:issue',
    responses: { '200': json('Batches', ref('BatchList')) },
  },
  {
    method: 'get',
    path: '/batches/{id}',
    operationId: 'getBatch',
    summary: "A batch's state and progress",
    tag: 'batches',
    access: 'credentials:issue',
    responses: { '200': json('The batch', ref('Batch')) },
    problems: [404],
  },
  {
    method: 'get',
    path: '/batches/{id}/results',
    operationId: 'getBatchResults',
    summary: "A batch's results, one JSON line per learner (with claim links)",
    tag: 'batches',
    access: 'credentials:issue',
    responses: {
      '200': { description: 'The results', content: { 'application/jsonl': { type: 'string' } } },
    },
    problems: [404],
  },
  {
    method: 'post',
    path: '/batches/{id}/resume',
    operationId: 'resumeBatch',
    summary: 'Resume issuing an interrupted batch',
    tag: 'batches',
    access: 'credentials:issue',
    responses: {
      '202': json('Resumed', ref('Batch')),
      '200': json('Already completed', ref('Batch')),
    },
    problems: [404, 409],
  },
  // --- Individual learning accounts ------------------------------------------------------------------
  ...(
    [
      ['/ila/providers', 'importIlaProviders', 'providers of the registry', 'ila-provider.schema'],
      ['/ila/catalogue', 'importIlaCatalogue', 'catalogue entries', 'ila-catalogue-entry.schema'],
      ['/ila/spending-records', 'importIlaSpendingRecords', 'spending records', 'ila-spending-record.schema'],
    ] as const
  ).map(([path, operationId, what, schema]): OperationSpec => ({
    method: 'post',
    path,
    operationId,
    summary: `Import ${what} (a JSON array, JSON lines or CSV), upserting by id`,
    description:
      'Validated as it streams in. A file with an invalid row is refused whole (422, nothing written) ' +
      'unless `partial=true`, which writes the valid rows and lists the rejected ones. CSV columns: `docs/ila.md`.',
    tag: 'ila',
    access: 'ila:write',
    query: [
      {
        name: 'partial',
        description: 'Write the valid rows and list the rejected ones',
        schema: { enum: ['true', 'false'], default: 'false' },
      },
    ],
    upload: {
      description: 'One item per array element, line or CSV row',
      content: {
        'application/json': { type: 'array', items: ref(schema) },
        'application/jsonl': { type: 'string' },
        'application/x-ndjson': { type: 'string' },
        'text/csv': { type: 'string' },
      },
    },
    responses: { '200': json('Imported', ref('IlaImportReport')) },
    problems: [404, 413, 415, 422],
  })),
  {
    method: 'get',
    path: '/ila/providers',
    operationId: 'listIlaProviders',
    summary: "The tenant's provider registry, by provider id",
    tag: 'ila',
    access: 'ila:read',
    query: [
      { name: 'limit', description: 'Providers per page (1-1000, default 100)', schema: { type: 'integer' } },
      { name: 'after', description: 'The `next` of the previous page', schema: { type: 'string' } },
    ],
    responses: { '200': json('Providers', ref('IlaProviderList')) },
  },
  {
    method: 'get',
    path: '/ila/spending-records/{id}',
    operationId: 'getIlaSpendingRecord',
    summary: 'A spending record, by record id (URL-encoded)',
    tag: 'ila',
    access: 'ila:read',
    responses: { '200': json('The record', ref('ila-spending-record.schema')) },
    problems: [404],
  },
  {
    method: 'get',
    path: '/ila/report',
    operationId: 'getIlaReport',
    summary:
      'The reconciliation report: amounts, matches, unmatched spending and credentials, anomalies (F1-F16)',
    description:
      'Computed in the database on each request, over every scheme and the whole period unless `scheme`, `from` ' +
      'and `to` narrow it (by request date). Lists hold their first rows (`limit`), the summary counts them all. ' +
      'With `suppressBelow`, counts below it are hidden and record-level lists left out, for publication. ' +
      'Fields, signals, metrics and the CSV layout: `docs/ila.md`.',
    tag: 'ila',
    access: 'ila:read',
    query: [
      { name: 'scheme', description: 'One scheme, e.g. `FR-CPF`', schema: { type: 'string' } },
      {
        name: 'from',
        description: 'Records requested on or after this date',
        schema: { type: 'string', format: 'date' },
      },
      {
        name: 'to',
        description: 'Records requested on or before this date',
        schema: { type: 'string', format: 'date' },
      },
      {
        name: 'format',
        description: '`json`, `csv` (one section per table) or `html` (a standalone page)',
        schema: { enum: ['json', 'csv', 'html'], default: 'json' },
      },
      {
        name: 'suppressBelow',
        description: 'Hide counts from 1 to this minus one, and leave record-level lists out',
        schema: { type: 'integer', minimum: 1 },
      },
      {
        name: 'eligibleAccounts',
        description: "Accounts entitled to spend: the take-up rate's denominator",
        schema: { type: 'integer', minimum: 1 },
      },
      {
        name: 'eligibleMostInNeedAccounts',
        description: "Accounts of the most in need: their take-up rate's denominator",
        schema: { type: 'integer', minimum: 1 },
      },
      {
        name: 'limit',
        description: 'Rows per list and anomalies per code (default 1000 and 100)',
        schema: { type: 'integer', minimum: 0, maximum: 100000 },
      },
    ],
    responses: {
      '200': {
        description: 'The report',
        content: {
          'application/json': ref('IlaReconciliationReport'),
          'text/csv': { type: 'string' },
          'text/html': { type: 'string' },
        },
      },
    },
    problems: [404],
  },
  {
    method: 'post',
    path: '/ila/link',
    operationId: 'linkIlaCredentials',
    summary: 'Link credentials to spending records (rules L0-L10) and store the results',
    description:
      'A JSON body `{verifiableCredential}` holds one credential or a list of up to 1,000; JSON lines (a ' +
      'credential per line: its JSON, or a compact JWS) stream any number. Each credential is verified, its ' +
      'records found by recomputing its link commitment, and rules L0-L10 checked for each (`docs/ila.md`). ' +
      "The results become the credentials' current link results; they are written out as they come.",
    tag: 'ila',
    access: 'ila:write',
    upload: {
      description: 'Compact JWS, EnvelopedVerifiableCredential or Data Integrity credentials',
      content: {
        'application/json': ref('IlaLinkRequest'),
        'application/jsonl': { type: 'string' },
        'application/x-ndjson': { type: 'string' },
      },
    },
    responses: {
      '200': json('The results, in input order, and the counts per outcome', ref('IlaLinkResponse')),
    },
    problems: [415],
  },
  {
    method: 'get',
    path: '/ila/links',
    operationId: 'listIlaLinks',
    summary: "The tenant's current link results, by result id",
    tag: 'ila',
    access: 'ila:read',
    query: [
      {
        name: 'outcome',
        description: 'Only results of this outcome',
        schema: { enum: ['MATCHED', 'MATCHED_WITH_WARNINGS', 'AMBIGUOUS', 'NO_MATCH', 'REJECTED'] },
      },
      { name: 'limit', description: 'Results per page (1-1000, default 100)', schema: { type: 'integer' } },
      { name: 'after', description: 'The `next` of the previous page', schema: { type: 'string' } },
    ],
    responses: { '200': json('Link results', ref('IlaLinkList')) },
  },
  // --- Instance administration ------------------------------------------------------------------------
  {
    method: 'post',
    path: '/tenants',
    operationId: 'createTenant',
    summary: 'Create a tenant with its issuer and first key',
    tag: 'tenants',
    access: 'tenants:admin',
    requestSchema: 'tenant-create.request.json',
    responses: { '201': json('Created', ref('Tenant')) },
    problems: [409],
  },
  {
    method: 'get',
    path: '/tenants',
    operationId: 'listTenants',
    summary: 'Every tenant',
    tag: 'tenants',
    access: 'tenants:admin',
    responses: { '200': json('Tenants', ref('TenantList')) },
  },
  {
    method: 'get',
    path: '/tenants/{slug}',
    operationId: 'getTenant',
    summary: "A tenant and its default issuer's identity and keys",
    tag: 'tenants',
    access: 'tenants:admin',
    responses: { '200': json('The tenant', ref('Tenant')) },
    problems: [404],
  },
  {
    method: 'put',
    path: '/tenants/{slug}/issuer-profile',
    operationId: 'updateIssuerProfile',
    summary: "Replace the default issuer's profile",
    tag: 'tenants',
    access: 'tenants:admin',
    requestSchema: 'issuer-profile.schema.json',
    responses: { '200': json('Updated', ref('Tenant')) },
    problems: [404],
  },
  {
    method: 'post',
    path: '/tenants/{slug}/keys/rotate',
    operationId: 'rotateKey',
    summary: "Rotate the default issuer's signing key (older public keys stay published)",
    tag: 'tenants',
    access: 'tenants:admin',
    requestSchema: 'key-rotate.request.json',
    optionalBody: true,
    responses: { '201': json('Rotated', ref('Tenant')) },
    problems: [404],
  },
  {
    method: 'post',
    path: '/tenants/{slug}/tokens',
    operationId: 'createToken',
    summary: 'Create an API token for the tenant (its secret is shown once)',
    tag: 'tenants',
    access: 'tenants:admin',
    requestSchema: 'token-create.request.json',
    responses: { '201': json('Created', ref('ApiToken')) },
    problems: [404],
  },
  {
    method: 'get',
    path: '/tenants/{slug}/tokens',
    operationId: 'listTokens',
    summary: "The tenant's API tokens, never their secrets",
    tag: 'tenants',
    access: 'tenants:admin',
    responses: { '200': json('Tokens', ref('ApiTokenList')) },
    problems: [404],
  },
  {
    method: 'delete',
    path: '/tenants/{slug}/tokens/{id}',
    operationId: 'revokeToken',
    summary: 'Revoke an API token',
    tag: 'tenants',
    access: 'tenants:admin',
    responses: { '204': { description: 'Revoked' } },
    problems: [404],
  },
]

const PROBLEM_DESCRIPTIONS: Record<number, string> = {
  400: 'The request cannot be read (not JSON, nested too deep, or not matching its schema)',
  401: 'No valid bearer token',
  403: 'Not allowed (the token lacks the scope, the address is not allowed, or a form came from another origin)',
  404: 'Not found',
  409: 'Conflict',
  410: 'Gone (erased)',
  413: 'The request body is too large',
  422: 'Refused (incomplete or unsupported)',
  429: 'Rate limit reached; see Retry-After',
  500: 'Unexpected failure',
  503: 'Not ready',
}

/** Response schemas of the routes, beside the request schemas loaded from `schemas/`. */
const RESULT_SCHEMAS: Record<string, SchemaObject> = {
  Problem: {
    description: 'RFC 9457 problem details',
    type: 'object',
    required: ['type', 'title', 'status', 'code'],
    properties: {
      type: { type: 'string', format: 'uri' },
      title: { type: 'string' },
      status: { type: 'integer' },
      detail: { type: 'string' },
      code: { type: 'string', description: 'Stable error code, e.g. ERR_VALIDATION' },
      instance: { type: 'string', description: 'urn:uuid:<request id>' },
      problems: {
        type: 'array',
        items: {
          type: 'object',
          required: ['field', 'rule', 'message'],
          properties: { field: { type: 'string' }, rule: { type: 'string' }, message: { type: 'string' } },
        },
      },
    },
  },
  Health: { type: 'object', required: ['status'], properties: { status: { const: 'ok' } } },
  Readiness: {
    type: 'object',
    required: ['status', 'checks'],
    properties: {
      status: { const: 'ready' },
      checks: {
        type: 'object',
        properties: { database: { const: 'ok' }, keys: { const: 'ok' } },
      },
    },
  },
  DidDocument: { type: 'object', required: ['id'], properties: { id: { type: 'string' } } },
  VerificationResult: {
    type: 'object',
    required: ['verified', 'policy', 'kind', 'checks', 'errors', 'warnings'],
    properties: {
      verified: { type: 'boolean' },
      policy: { type: 'string' },
      kind: { enum: ['credential', 'presentation'] },
      mechanism: { enum: ['data-integrity', 'vc-jose'] },
      checks: {
        type: 'array',
        items: {
          type: 'object',
          required: ['id', 'status', 'code', 'message'],
          properties: {
            id: { type: 'string' },
            status: { type: 'string' },
            code: { type: 'string' },
            message: { type: 'string' },
          },
        },
      },
      errors: { type: 'array', items: { type: 'object' } },
      warnings: { type: 'array', items: { type: 'object' } },
      summary: { type: 'object' },
      credentials: { type: 'array', items: { type: 'object' } },
    },
  },
  VerifiableCredential: {
    description: 'A Data Integrity credential, or an EnvelopedVerifiableCredential holding a vc+jwt',
    type: 'object',
  },
  IssueCredentialResponse: {
    type: 'object',
    required: ['verifiableCredential'],
    properties: { verifiableCredential: ref('VerifiableCredential') },
  },
  IssuedCredential: {
    type: 'object',
    required: ['id', 'verifiableCredential'],
    properties: {
      id: { type: 'string' },
      verifiableCredential: ref('VerifiableCredential'),
      claimUrl: { type: 'string', format: 'uri', description: "The learner's claim link" },
    },
  },
  ClaimLink: {
    type: 'object',
    required: ['claimUrl'],
    properties: { claimUrl: { type: 'string', format: 'uri' } },
  },
  Tenant: {
    description: "A tenant, its default issuer's DID and profile, and the issuer's public keys",
    type: 'object',
  },
  TenantList: {
    type: 'object',
    required: ['tenants'],
    properties: { tenants: { type: 'array', items: { type: 'object' } } },
  },
  ApiToken: {
    type: 'object',
    required: ['id', 'scopes', 'createdAt'],
    properties: {
      id: { type: 'string' },
      name: { type: ['string', 'null'] },
      scopes: { type: 'array', items: { type: 'string' } },
      createdAt: { type: 'string', format: 'date-time' },
      revokedAt: { type: ['string', 'null'] },
      token: { type: 'string', description: 'The secret token: only in the answer that created it' },
    },
  },
  Batch: {
    description: "A batch's state, progress and links",
    type: 'object',
    properties: { links: { type: 'object' } },
  },
  BatchList: {
    type: 'object',
    required: ['batches'],
    properties: { batches: { type: 'array', items: ref('Batch') } },
  },
  ApiTokenList: {
    type: 'object',
    required: ['tokens'],
    properties: { tokens: { type: 'array', items: ref('ApiToken') } },
  },
  StoredCredential: {
    type: 'object',
    required: ['id', 'format', 'issuedAt', 'verifiableCredential'],
    properties: {
      id: { type: 'string' },
      format: { enum: ['elm', 'edc', 'vc-di', 'vc-jose'] },
      issuedAt: { type: 'string', format: 'date-time' },
      verifiableCredential: ref('VerifiableCredential'),
    },
  },
  CourseSummary: {
    type: 'object',
    required: ['id', 'version', 'contentHash'],
    properties: {
      id: { type: 'string' },
      version: { type: 'integer' },
      contentHash: { type: 'string', pattern: '^[0-9a-f]{64}$' },
    },
  },
  CourseView: {
    type: 'object',
    required: ['id', 'version', 'contentHash', 'course'],
    properties: {
      id: { type: 'string' },
      version: { type: 'integer' },
      contentHash: { type: 'string' },
      course: ref('course.schema'),
    },
  },
  CourseList: {
    type: 'object',
    required: ['courses'],
    properties: { courses: { type: 'array', items: ref('CourseView') } },
  },
  StatusChangeResult: {
    type: 'object',
    required: ['changed', 'publishedLists'],
    properties: {
      changed: { type: 'array', items: { type: 'object' } },
      publishedLists: { type: 'array', items: { type: 'string' } },
    },
  },
  EraseResult: { type: 'object', required: ['erased'], properties: { erased: { type: 'integer' } } },
  IlaReconciliationReport: {
    type: 'object',
    required: [
      'tenant',
      'schemeId',
      'period',
      'generatedAt',
      'summary',
      'matches',
      'unmatchedSpending',
      'unmatchedCredentials',
      'anomalyCounts',
      'anomalies',
      'byProvider',
      'byCourse',
      'metrics',
    ],
    properties: {
      tenant: { type: 'string' },
      schemeId: { type: ['string', 'null'] },
      period: { type: 'object' },
      generatedAt: { type: 'string', format: 'date-time' },
      settings: { type: 'object' },
      suppression: { type: ['object', 'null'] },
      summary: { type: 'object' },
      matches: { type: 'array', items: { type: 'object' } },
      unmatchedSpending: { type: 'array', items: { type: 'object' } },
      unmatchedCredentials: { type: 'array', items: { type: 'object' } },
      anomalyCounts: { type: 'array', items: { type: 'object' } },
      anomalies: {
        type: 'array',
        items: {
          type: 'object',
          required: ['code', 'severity', 'kind', 'evidence'],
          properties: {
            code: { type: 'string' },
            severity: { enum: ['info', 'low', 'medium', 'high'] },
            kind: { type: 'string' },
            recordId: { type: 'string' },
            credentialId: { type: 'string' },
            providerId: { type: 'string' },
            evidence: { type: 'object' },
          },
        },
      },
      byProvider: { type: 'array', items: { type: 'object' } },
      byCourse: { type: 'array', items: { type: 'object' } },
      metrics: { type: 'object' },
    },
  },
  IlaImportReport: {
    type: 'object',
    required: ['kind', 'partial', 'totalRows', 'imported', 'inserted', 'updated', 'rejected', 'problems'],
    properties: {
      kind: { enum: ['records', 'providers', 'catalogue'] },
      partial: { type: 'boolean' },
      totalRows: { type: 'integer' },
      imported: { type: 'integer' },
      inserted: { type: 'integer' },
      updated: { type: 'integer' },
      rejected: { type: 'integer' },
      problems: { type: 'array', items: { type: 'object' } },
      problemsTruncated: { type: 'boolean' },
      rejectedRows: { type: 'array', items: { type: 'integer' } },
      rejectedRowsTruncated: { type: 'boolean' },
    },
  },
  IlaRuleResult: {
    type: 'object',
    required: ['rule', 'status', 'code', 'message'],
    properties: {
      rule: { enum: ['L0', 'L1', 'L2', 'L3', 'L4', 'L5', 'L6', 'L7', 'L8', 'L9', 'L10'] },
      status: { enum: ['pass', 'warn', 'fail'] },
      code: { type: 'string', description: 'Stable, e.g. `L4_ISSUED_BEFORE_START` (see `docs/ila.md`)' },
      message: { type: 'string' },
    },
  },
  IlaLinkRequest: {
    type: 'object',
    required: ['verifiableCredential'],
    additionalProperties: false,
    properties: {
      verifiableCredential: {
        oneOf: [
          { type: ['object', 'string'] },
          { type: 'array', minItems: 1, maxItems: 1000, items: { type: ['object', 'string'] } },
        ],
      },
    },
  },
  IlaLinkResponse: {
    type: 'object',
    required: ['results', 'summary'],
    properties: {
      results: {
        type: 'array',
        items: {
          type: 'object',
          required: ['item', 'credentialId', 'attemptId', 'outcome', 'recordId', 'pairs'],
          properties: {
            item: { type: 'integer', description: '1-based position in the input' },
            credentialId: { type: ['string', 'null'] },
            attemptId: { type: ['string', 'null'] },
            outcome: { enum: ['MATCHED', 'MATCHED_WITH_WARNINGS', 'AMBIGUOUS', 'NO_MATCH', 'REJECTED'] },
            recordId: { type: ['string', 'null'], description: 'The record linked (MATCHED*)' },
            pairs: {
              type: 'array',
              items: {
                type: 'object',
                required: ['recordId', 'rules'],
                properties: {
                  recordId: { type: ['string', 'null'] },
                  rules: { type: 'array', items: ref('IlaRuleResult') },
                },
              },
            },
          },
        },
      },
      summary: {
        type: 'object',
        required: ['total', 'stored', 'outcomes'],
        properties: {
          total: { type: 'integer' },
          stored: { type: 'integer' },
          outcomes: { type: 'object', additionalProperties: { type: 'integer' } },
        },
      },
    },
  },
  IlaLinkList: {
    type: 'object',
    required: ['links'],
    properties: {
      links: {
        type: 'array',
        items: {
          type: 'object',
          required: ['id', 'attemptId', 'credentialId', 'recordId', 'outcome', 'rules', 'createdAt'],
          properties: {
            id: { type: 'string' },
            attemptId: { type: 'string' },
            credentialId: { type: 'string' },
            credentialDigest: { type: 'string' },
            recordId: { type: ['string', 'null'] },
            outcome: { enum: ['MATCHED', 'MATCHED_WITH_WARNINGS', 'AMBIGUOUS', 'NO_MATCH', 'REJECTED'] },
            rules: { type: 'array', items: ref('IlaRuleResult') },
            issuerDid: { type: 'string' },
            achievementId: { type: ['string', 'null'] },
            courseId: { type: ['string', 'null'] },
            offerId: { type: ['string', 'null'] },
            issuedAt: { type: ['string', 'null'] },
            createdAt: { type: 'string' },
          },
        },
      },
      next: { type: 'string', description: 'Present when more may follow: pass it as `after`' },
    },
  },
  IlaProviderList: {
    type: 'object',
    required: ['providers'],
    properties: {
      providers: { type: 'array', items: ref('ila-provider.schema') },
      next: { type: 'string', description: 'Present when more may follow: pass it as `after`' },
    },
  },
}

/** The `components.schemas` name of a schema file: its name without `.json`. */
export function schemaNameOf(file: string): string {
  return file.replace(/\.json$/, '')
}

/** The parsed contents of `schemas/<file>`. */
export function loadSchemaFile(file: string): SchemaObject {
  return JSON.parse(readFileSync(new URL(`../../schemas/${file}`, import.meta.url), 'utf8')) as SchemaObject
}

function problemResponse(status: number, page: boolean): Record<string, unknown> {
  return {
    description: PROBLEM_DESCRIPTIONS[status] ?? 'Problem',
    content: {
      'application/problem+json': { schema: ref('Problem') },
      // A page's own errors are pages too; the rate limiter and unknown routes still answer problems.
      ...(page ? { 'text/html': { schema: { type: 'string' } } } : {}),
    },
  }
}

function responseOf(spec: ResponseSpec): Record<string, unknown> {
  return {
    description: spec.description,
    ...(spec.headers
      ? {
          headers: Object.fromEntries(
            Object.entries(spec.headers).map(([name, description]) => [
              name,
              { description, schema: { type: 'string' } },
            ]),
          ),
        }
      : {}),
    ...(spec.content
      ? {
          content: Object.fromEntries(
            Object.entries(spec.content).map(([type, schema]) => [type, { schema }]),
          ),
        }
      : {}),
  }
}

function operationOf(op: OperationSpec): Record<string, unknown> {
  const statuses = new Set(op.problems ?? [])
  if (op.requestSchema || op.upload) [400, 413].forEach((s) => statuses.add(s))
  if (op.access !== 'public') [401, 403].forEach((s) => statuses.add(s))
  if (op.rateLimited) statuses.add(429)
  statuses.add(500)
  const responses: Record<string, unknown> = {}
  for (const [status, spec] of Object.entries(op.responses)) responses[status] = responseOf(spec)
  for (const status of [...statuses].sort((a, b) => a - b)) {
    responses[String(status)] ??= problemResponse(status, op.page === true)
  }
  const pathParameters = [...op.path.matchAll(/\{([^}]+)\}/g)].map((m) => ({
    name: m[1],
    in: 'path',
    required: true,
    schema: { type: 'string' },
  }))
  const queryParameters = (op.query ?? []).map((q) => ({
    name: q.name,
    in: 'query',
    description: q.description,
    required: q.required ?? false,
    schema: q.schema,
  }))
  const parameters = [...pathParameters, ...queryParameters]
  return {
    operationId: op.operationId,
    summary: op.summary,
    ...(op.description !== undefined ? { description: op.description } : {}),
    tags: [op.tag],
    security: op.access === 'public' ? [] : [{ bearerAuth: [op.access] }],
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(op.upload
      ? {
          requestBody: {
            required: true,
            description: op.upload.description,
            content: Object.fromEntries(
              Object.entries(op.upload.content).map(([type, schema]) => [type, { schema }]),
            ),
          },
        }
      : {}),
    ...(op.requestSchema
      ? {
          requestBody: {
            required: op.optionalBody !== true,
            content: { 'application/json': { schema: ref(schemaNameOf(op.requestSchema)) } },
          },
        }
      : {}),
    responses,
  }
}

/** Request schemas are read once: they are part of the installed package and never change while running. */
let requestSchemas: Record<string, SchemaObject> | undefined

function loadRequestSchemas(operations: readonly OperationSpec[]): Record<string, SchemaObject> {
  const files = new Set(operations.flatMap((op) => (op.requestSchema ? [op.requestSchema] : [])))
  // The course schema is also a response part (CourseView); the ILA schemas describe uploads and responses.
  for (const file of [
    'course.schema.json',
    'ila-provider.schema.json',
    'ila-catalogue-entry.schema.json',
    'ila-spending-record.schema.json',
  ]) {
    files.add(file)
  }
  return Object.fromEntries([...files].map((file) => [schemaNameOf(file), loadSchemaFile(file)]))
}

function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string
  }
  return pkg.version
}

export interface OpenApiOptions {
  /** This instance's public base URL, the document's only server. */
  publicBaseUrl: string
  /** `info.version`; default the package's version. */
  version?: string
  /** Operations to describe; default {@link OPERATIONS}. */
  operations?: readonly OperationSpec[]
}

/** The OpenAPI 3.1 document of the service, as a plain object. */
export function buildOpenApiDocument(options: OpenApiOptions): Record<string, unknown> {
  const operations = options.operations ?? OPERATIONS
  const schemas =
    options.operations === undefined
      ? (requestSchemas ??= loadRequestSchemas(OPERATIONS))
      : loadRequestSchemas(operations)
  const paths: Record<string, Record<string, unknown>> = {}
  for (const op of operations) (paths[op.path] ??= {})[op.method] = operationOf(op)
  return {
    openapi: '3.1.0',
    info: {
      title: 'microcred',
      version: options.version ?? packageVersion(),
      summary: 'Issue and verify verifiable micro-credentials (W3C VC, ELM), VC API compatible',
      license: { name: 'EUPL-1.2', identifier: 'EUPL-1.2' },
    },
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    servers: [{ url: options.publicBaseUrl }],
    tags: [...new Set(operations.map((op) => op.tag))].map((name) => ({ name })),
    paths,
    components: {
      schemas: { ...structuredClone(schemas), ...RESULT_SCHEMAS },
      securitySchemes: {
        bearerAuth: {
          type: 'http',
          scheme: 'bearer',
          description:
            "A tenant's API token (`mc_<id>_<secret>`) or, when configured, an OAuth2 JWT access token. The " +
            "operation's security requirement names the scope the token needs.",
        },
      },
    },
  }
}
