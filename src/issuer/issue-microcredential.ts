/**
 * Issuing ELM micro-credentials: store a course once (as immutable versions), then issue each learner's
 * credential from it in the `elm` envelope (VC 2.0, VC-JOSE) or the `edc` envelope (VC 1.1, Data
 * Integrity), and record what was issued.
 */
import { createHash, randomUUID } from 'node:crypto'
import canonicalize from 'canonicalize'
import type { Clock } from '../clock.js'
import type { DocumentLoader } from '../document-loader/index.js'
import { NotFoundError, StorageConflictError } from '../errors.js'
import type { KeyStore } from '../signing/key-store.js'
import { parseCourse, parseLearner, type Course } from '../model/index.js'
import { allocateStatusEntries, type StatusOptions, type StatusPurpose } from '../status/index.js'
import type { DisplayImageCache } from '../model/display-image-cache.js'
import type {
  CourseRecord,
  CredentialRecord,
  IssuerRecord,
  Storage,
  TenantRecord,
} from '../storage/storage.js'
import { getIssuerSigner, getTenant } from './issuer-identity.js'
import { buildAndSecureMicrocredential, type MicrocredentialFormat } from './secure-microcredential.js'

/** What issuing needs, injected by the composition root. */
export interface IssueDeps {
  storage: Storage
  keyStore: KeyStore
  clock: Clock
  documentLoader: DocumentLoader
  displayImages: DisplayImageCache
  /** Status lists are published under `${publicBaseUrl}/status-lists/`. */
  publicBaseUrl: string
  /** Status entries each credential carries unless its course says otherwise. */
  statusPurposes: readonly StatusPurpose[]
  /** Status list options (list size in tests only). */
  statusOptions?: StatusOptions
}

export type { MicrocredentialFormat } from './secure-microcredential.js'
export { buildAndSecureMicrocredential } from './secure-microcredential.js'
export type { BuildAndSecureInput } from './secure-microcredential.js'

/** SHA-256 of the RFC 8785 canonical JSON: the same course content always hashes the same. */
export function courseContentHash(course: Course): string {
  return createHash('sha256')
    .update(canonicalize(course) ?? '')
    .digest('hex')
}

/**
 * Validates and stores a course for a tenant. Identical content to the latest version changes nothing;
 * different content becomes a new version (credentials keep pointing at the version they came from).
 */
export async function addCourse(
  deps: Pick<IssueDeps, 'storage' | 'clock'>,
  input: { tenantSlug: string; course: unknown },
): Promise<{ record: CourseRecord; created: boolean }> {
  const course = parseCourse(input.course)
  const tenant = await getTenant(deps.storage, input.tenantSlug)
  const contentHash = courseContentHash(course)
  return deps.storage.transaction(async (tx) => {
    const latest = await tx.courses.getLatest(tenant.id, course.id)
    if (latest?.contentHash === contentHash) return { record: latest, created: false }
    const record: CourseRecord = {
      id: randomUUID(),
      tenantId: tenant.id,
      courseRef: course.id,
      version: (latest?.version ?? 0) + 1,
      contentHash,
      course: course as unknown as Record<string, unknown>,
      createdAt: deps.clock().toISOString(),
    }
    return { record: await tx.courses.add(record), created: true }
  })
}

/** The latest stored version of a course, by the course's own id. */
export async function getCourse(
  deps: Pick<IssueDeps, 'storage'>,
  tenantSlug: string,
  courseRef: string,
): Promise<CourseRecord> {
  const tenant = await getTenant(deps.storage, tenantSlug)
  const record = await deps.storage.courses.getLatest(tenant.id, courseRef)
  if (!record) throw new NotFoundError(`No course ${JSON.stringify(courseRef)} for tenant ${tenantSlug}`)
  return record
}

export interface IssueMicrocredentialInput {
  tenantSlug: string
  /** A stored course version (from {@link addCourse} or {@link getCourse}). */
  course: CourseRecord
  /** The learner's completion record, validated here against `schemas/learner.schema.json`. */
  learner: unknown
  format: MicrocredentialFormat
  /**
   * The credential's `id` (an absolute URI, unique in the instance); a new `urn:uuid:` when absent. Given only
   * where ids must be reproducible, as in the ILA demo scheme.
   */
  credentialId?: string
}

export interface IssuedMicrocredential {
  record: CredentialRecord
  /** The compact JWS for `elm`, the signed JSON-LD document for `edc`. */
  credential: string | Record<string, unknown>
}

export async function defaultIssuer(storage: Storage, tenant: TenantRecord): Promise<IssuerRecord> {
  const issuer = await storage.issuers.getDefault(tenant.id)
  if (!issuer) throw new NotFoundError(`Tenant ${tenant.slug} has no default issuer`)
  return issuer
}

/** The display image of each course language, rendered once per course version and language. */
export function displayImagesFor(cache: DisplayImageCache, record: CourseRecord, course: Course) {
  const images = new Map<string, { contentType: 'image/png'; base64: string }>()
  const primary = course.languages[0] as string
  for (const language of course.languages) {
    const pick = (map: Record<string, string>) =>
      map[language] ?? map[primary] ?? (Object.values(map)[0] as string)
    const image = cache.get({ courseId: record.courseRef, versionHash: record.contentHash }, language, {
      title: pick(course.title),
      awardingBody: pick(course.awardingBody.legalName),
      ects: course.ects,
      eqfLevel: course.eqfLevel,
      workloadHours: course.workloadHours,
    })
    images.set(language, { contentType: image.contentType, base64: image.base64 })
  }
  return images
}

/** The learner reference kept beside the credential: the first identifier, nothing more. */
export function learnerRefOf(learner: {
  identifiers: Array<{ schemeName: string; notation: string }>
}): string | null {
  const first = learner.identifiers[0]
  return first ? `${first.schemeName}:${first.notation}` : null
}

/**
 * Issues one learner's micro-credential from a stored course: validates the learner record, builds the
 * credential (refusing any missing Annex I element), signs it with the tenant's active key and records it.
 * Nothing is recorded unless signing succeeded.
 */
export async function issueMicrocredential(
  deps: IssueDeps,
  input: IssueMicrocredentialInput,
): Promise<IssuedMicrocredential> {
  const learner = parseLearner(input.learner)
  const course = parseCourse(input.course.course)
  const tenant = await getTenant(deps.storage, input.tenantSlug)
  if (input.course.tenantId !== tenant.id)
    throw new NotFoundError(`Course ${input.course.courseRef} is not a course of ${tenant.slug}`)
  const issuer = await defaultIssuer(deps.storage, tenant)
  const signer = await getIssuerSigner(deps, issuer.id)
  if (!signer.id.startsWith(`${issuer.did}#`)) {
    // A did:key rotation committed between the two reads: the key no longer speaks for this DID.
    throw new StorageConflictError(`The issuer's key was rotated while issuing; issue again`)
  }
  const issued = deps.clock()
  const credentialId = input.credentialId ?? `urn:uuid:${randomUUID()}`
  const purposes = course.statusPurposes ?? deps.statusPurposes
  // Slots are committed before signing: a failed signature leaves two slots that stay 0 for ever, which a
  // verifier cannot tell from a valid credential's slots (more herd privacy, never a false revocation).
  const credentialStatus =
    purposes.length === 0
      ? undefined
      : await allocateStatusEntries(
          deps,
          {
            tenantId: tenant.id,
            issuerId: issuer.id,
            credentialId,
            form: input.format === 'elm' ? 'jose' : 'di',
            purposes: [...purposes],
            publicBaseUrl: deps.publicBaseUrl,
            expectedIssuerDid: issuer.did,
          },
          deps.statusOptions,
        )
  const credential = await buildAndSecureMicrocredential({
    course,
    learner,
    issuer,
    credentialId,
    issued,
    format: input.format,
    displayImages: displayImagesFor(deps.displayImages, input.course, course),
    ...(credentialStatus ? { credentialStatus } : {}),
    signer,
    documentLoader: deps.documentLoader,
  })

  const record: CredentialRecord = {
    id: credentialId,
    tenantId: tenant.id,
    issuerId: issuer.id,
    courseId: input.course.id,
    learnerRef: learnerRefOf(learner),
    format: input.format,
    issuedAt: issued.toISOString(),
    credential: typeof credential === 'string' ? credential : JSON.stringify(credential),
    claimGeneration: 1,
    claimRevokedAt: null,
  }
  await deps.storage.credentials.insert(record)
  return { record, credential }
}
