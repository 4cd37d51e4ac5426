/**
 * Protected routes, each behind a bearer token with one scope (see `auth.ts`): courses, issuing
 * micro-credentials, VC API issuing, status changes, reading issued credentials and managing learners' claim
 * links. Every lookup is by the token's tenant: another tenant's course or credential is a 404, exactly like
 * one that does not exist.
 */
import { readFileSync } from 'node:fs'
import { Router } from 'express'
import { claimUrlOf, renewClaimLink, revokeClaimLink } from '../claims/manage-claim-links.js'
import type { AppContext } from '../context.js'
import { GoneError, NotFoundError, ValidationError } from '../errors.js'
import { addCourse, getCourse, issueMicrocredential } from '../issuer/issue-microcredential.js'
import { signCredential } from '../issuer/sign-credential.js'
import { createAjv, toFieldProblems } from '../lib/schema-validation.js'
import { changeStatus, type StatusAction } from '../status/index.js'
import { eraseLearner } from '../issuer/erase-learner.js'
import { isErased, type CourseRecord, type CredentialRecord } from '../storage/storage.js'
import { actAsTenant, callerOf, requireScope } from './auth.js'
import { jsonBody } from './json-body.js'
import type { Metrics } from './metrics.js'

const VC_V2 = 'https://www.w3.org/ns/credentials/v2'

interface VcApiIssueRequest {
  credential: Record<string, unknown>
  options?: Record<string, never>
}

interface StatusRequest {
  credentialId: string
  credentialStatus: Array<{ type: 'BitstringStatusListEntry'; status: StatusAction; reason?: string }>
}

interface EraseRequest {
  learnerRef: string
}

function loadSchema(name: string): object {
  return JSON.parse(readFileSync(new URL(`../../schemas/${name}`, import.meta.url), 'utf8')) as object
}

const ajv = createAjv()
const validateIssueRequest = ajv.compile<VcApiIssueRequest>(loadSchema('vcapi-issue.request.json'))
const validateStatusRequest = ajv.compile<StatusRequest>(loadSchema('credential-status.request.json'))
const validateEraseRequest = ajv.compile<EraseRequest>(loadSchema('learner-erase.request.json'))

function invalid(what: string, errors: Parameters<typeof toFieldProblems>[0]): ValidationError {
  const problems = toFieldProblems(errors)
  return new ValidationError(`Not a ${what} request: ${problems.map((p) => p.message).join('; ')}`, problems)
}

/** A compact vc+jwt as a VC 2.0 `EnvelopedVerifiableCredential`. */
export function envelope(jws: string): Record<string, unknown> {
  return { '@context': VC_V2, type: 'EnvelopedVerifiableCredential', id: `data:application/vc+jwt,${jws}` }
}

function asVerifiableCredential(credential: string | Record<string, unknown>): Record<string, unknown> {
  return typeof credential === 'string' ? envelope(credential) : credential
}

/** A stored (not erased) credential as the API shows it; JOSE forms as `EnvelopedVerifiableCredential`. */
export function storedCredentialView(record: CredentialRecord) {
  const credential =
    record.format === 'elm' || record.format === 'vc-jose'
      ? envelope(record.credential)
      : (JSON.parse(record.credential) as Record<string, unknown>)
  return {
    id: record.id,
    format: record.format,
    issuedAt: record.issuedAt,
    verifiableCredential: credential,
  }
}

function courseView(record: CourseRecord) {
  return {
    id: record.courseRef,
    version: record.version,
    contentHash: record.contentHash,
    course: record.course,
  }
}

export interface IssuingRoutesOptions {
  /** Counts issued credentials. */
  metrics?: Metrics
  /**
   * Conformance mode: the VC API issuing routes act for this tenant without a token (see `app.ts`); every
   * other route still needs one.
   */
  conformance?: { tenantSlug: string }
}

export function issuingRoutes(
  ctx: AppContext,
  bodyLimitBytes: number,
  options: IssuingRoutesOptions = {},
): Router {
  const router = Router()
  const json = jsonBody({ limitBytes: bodyLimitBytes })
  const scope = (name: Parameters<typeof requireScope>[1]) => requireScope(ctx.storage, name)
  const { metrics, conformance } = options

  router.post('/courses', scope('courses:write'), json, async (req, res) => {
    const { tenant } = callerOf(req)
    const { record, created } = await addCourse(ctx, { tenantSlug: tenant.slug, course: req.body })
    res
      .status(created ? 201 : 200)
      .json({ id: record.courseRef, version: record.version, contentHash: record.contentHash })
  })

  router.get('/courses', scope('courses:read'), async (req, res) => {
    const { tenant } = callerOf(req)
    const records = await ctx.storage.courses.listLatest(tenant.id)
    res.json({ courses: records.map(courseView) })
  })

  router.get('/courses/:id', scope('courses:read'), async (req, res) => {
    const { tenant } = callerOf(req)
    res.json(courseView(await getCourse(ctx, tenant.slug, req.params.id as string)))
  })

  router.post('/courses/:id/credentials', scope('credentials:issue'), json, async (req, res) => {
    const { tenant } = callerOf(req)
    const format = req.query.format ?? 'elm'
    if (format !== 'elm' && format !== 'edc') {
      throw new ValidationError('format must be elm or edc', [
        { field: 'format', rule: 'enum', message: 'format must be elm or edc' },
      ])
    }
    const course = await getCourse(ctx, tenant.slug, req.params.id as string)
    // The answer carries the learner's claim link: without a secret, refuse before anything is issued.
    ctx.claimLinks.assertReady()
    const issued = await issueMicrocredential(ctx, {
      tenantSlug: tenant.slug,
      course,
      learner: req.body,
      format,
    })
    metrics?.issued.inc({ format, tenant: tenant.slug })
    res.status(201).json({
      id: issued.record.id,
      verifiableCredential: asVerifiableCredential(issued.credential),
      claimUrl: claimUrlOf(ctx.claimLinks, issued.record),
    })
  })

  const issueAuth = conformance
    ? actAsTenant(ctx.storage, conformance.tenantSlug, ['credentials:issue'])
    : scope('credentials:issue')
  for (const [path, proof, withStatus] of [
    ['/credentials/issue', 'di', false],
    ['/jose/credentials/issue', 'jose', false],
    ['/status/credentials/issue', 'di', true],
  ] as const) {
    router.post(path, issueAuth, json, async (req, res) => {
      const { tenant } = callerOf(req)
      const body: unknown = req.body
      if (!validateIssueRequest(body)) throw invalid('credential issue', validateIssueRequest.errors)
      const signed = await signCredential(ctx, {
        tenantSlug: tenant.slug,
        credential: body.credential,
        proof,
        withStatus,
      })
      metrics?.issued.inc({ format: signed.record.format, tenant: tenant.slug })
      res.status(201).json({ verifiableCredential: asVerifiableCredential(signed.credential) })
    })
  }

  router.post('/credentials/status', scope('credentials:status'), json, async (req, res) => {
    const { tenant, subject } = callerOf(req)
    const body: unknown = req.body
    if (!validateStatusRequest(body)) throw invalid('credential status', validateStatusRequest.errors)
    const result = await changeStatus(ctx, {
      tenantSlug: tenant.slug,
      actor: subject,
      changes: body.credentialStatus.map((entry) => ({
        credentialId: body.credentialId,
        action: entry.status,
        ...(entry.reason !== undefined ? { reason: entry.reason } : {}),
      })),
    })
    res.json(result)
  })

  router.post('/learners/erase', scope('credentials:status'), json, async (req, res) => {
    const { tenant, subject } = callerOf(req)
    const body: unknown = req.body
    if (!validateEraseRequest(body)) throw invalid('learner erase', validateEraseRequest.errors)
    const result = await eraseLearner(ctx, {
      tenantSlug: tenant.slug,
      learnerRef: body.learnerRef,
      actor: subject,
    })
    // The learner reference is personal data: the log names the actor and the count only.
    ctx.logger.info('learner erased', { actor: subject, erased: result.erased })
    res.json(result)
  })

  router.get('/credentials/:id', scope('credentials:read'), async (req, res) => {
    const { tenant } = callerOf(req)
    const id = req.params.id as string
    const record = await ctx.storage.credentials.get(id)
    if (!record || record.tenantId !== tenant.id) throw new NotFoundError(`No credential ${id}`)
    if (isErased(record)) throw new GoneError(`Credential ${id} was erased`)
    res.json(storedCredentialView(record))
  })

  router.post('/credentials/:id/claim-link', scope('credentials:issue'), async (req, res) => {
    const { tenant } = callerOf(req)
    const { claimUrl } = await renewClaimLink(ctx, {
      tenantSlug: tenant.slug,
      credentialId: req.params.id as string,
    })
    res.status(201).json({ claimUrl })
  })

  router.delete('/credentials/:id/claim-link', scope('credentials:status'), async (req, res) => {
    const { tenant } = callerOf(req)
    await revokeClaimLink(ctx, { tenantSlug: tenant.slug, credentialId: req.params.id as string })
    res.status(204).end()
  })

  return router
}
