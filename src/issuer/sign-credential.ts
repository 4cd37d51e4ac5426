/**
 * Generic issuing: secures any well-formed VC 2.0 or 1.1 credential a caller supplies, as the tenant's
 * default issuer, with Data Integrity or VC-JOSE, and records it. The caller's document is checked, never
 * trusted: see {@link checkCredentialForIssue}. ELM micro-credentials are issued with `issueMicrocredential`.
 * With `withStatus` the issuer also gives the credential a revocation status entry of its own lists.
 */
import { randomUUID } from 'node:crypto'
import type { Clock } from '../clock.js'
import { BITSTRING_STATUS_LIST, type DocumentLoader } from '../document-loader/index.js'
import {
  MalformedCredentialError,
  NotFoundError,
  StorageConflictError,
  type FieldProblem,
} from '../errors.js'
import { withExtraContexts } from '../model/index.js'
import { allocateStatusEntries, type StatusOptions } from '../status/index.js'
import type { KeyStore } from '../signing/key-store.js'
import type { CredentialRecord, Storage } from '../storage/storage.js'
import {
  checkCredentialForIssue,
  checkJsonLd,
  vcVersionOf,
  type SecuringMechanism,
} from './check-credential.js'
import { getIssuerSigner, getTenant } from './issuer-identity.js'
import { secureWithDataIntegrity } from './secure-data-integrity.js'
import { secureWithJose } from './secure-jose.js'

/** What generic issuing needs, injected by the composition root. */
export interface SignCredentialDeps {
  storage: Storage
  keyStore: KeyStore
  clock: Clock
  documentLoader: DocumentLoader
  /** Base of this instance's status list URLs; needed with `withStatus`. */
  publicBaseUrl?: string
  /** Status list options (list size in tests only). */
  statusOptions?: StatusOptions
}

export interface SignCredentialInput {
  tenantSlug: string
  /** The credential as the caller sent it (parsed JSON); it is checked and never modified. */
  credential: unknown
  /** `di`: an embedded DataIntegrityProof (VC 1.1 or 2.0); `jose`: a compact `vc+jwt` (VC 2.0 only). */
  proof: SecuringMechanism
  /**
   * The issuer adds a `BitstringStatusListEntry` (purpose revocation) from its own lists; a credential that
   * brings its own `credentialStatus` is refused. The record's id is then the credential's `id`, caller-made
   * or not, because that is the id status changes name it by.
   */
  withStatus?: boolean
}

export interface SignedCredential {
  record: CredentialRecord
  /** The compact JWS for `jose`, the document with its proof for `di`. */
  credential: string | Record<string, unknown>
}

/** A dateTimeStamp in whole seconds, as the data model examples write them. */
function wholeSecondsUtc(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z')
}

function issuerIdOf(issuer: unknown): unknown {
  return typeof issuer === 'object' && issuer !== null ? (issuer as { id?: unknown }).id : issuer
}

/**
 * Checks, completes and secures a caller-supplied credential as the tenant's default issuer, then records
 * it (format `vc-di` or `vc-jose`). Every data-model problem is reported at once as a
 * {@link MalformedCredentialError}; nothing is recorded unless signing succeeded.
 *
 * Completion, on a copy: `issuer` is set to the issuer's DID when absent (a different issuer is refused: the
 * issuer can only sign as itself), `id` becomes a fresh `urn:uuid:` when absent, and a VC 2.0 credential
 * without `validFrom` gets the current time. The record's id is the credential's `id` when the issuer made
 * it, otherwise a fresh `urn:uuid:`, since ids a caller supplies need not be unique (with `withStatus`, always
 * the credential's `id`, which must then be new).
 *
 * @example
 * const { credential } = await signCredential(ctx, { tenantSlug: 'default', credential: vc, proof: 'jose' })
 */
export async function signCredential(
  deps: SignCredentialDeps,
  input: SignCredentialInput,
): Promise<SignedCredential> {
  const problems: FieldProblem[] = checkCredentialForIssue(input.credential, { proof: input.proof })
  const tenant = await getTenant(deps.storage, input.tenantSlug)
  const issuer = await deps.storage.issuers.getDefault(tenant.id)
  if (!issuer) throw new NotFoundError(`Tenant ${tenant.slug} has no default issuer`)

  const given = input.credential as Record<string, unknown>
  if (typeof given === 'object' && given !== null && 'issuer' in given) {
    const claimed = issuerIdOf(given.issuer)
    if (typeof claimed === 'string' && claimed !== issuer.did) {
      problems.push({
        field: typeof given.issuer === 'string' ? '/issuer' : '/issuer/id',
        rule: 'issuer',
        message: `the issuer can only sign as itself (${issuer.did})`,
      })
    }
  }
  if (input.withStatus && typeof given === 'object' && given !== null && 'credentialStatus' in given) {
    problems.push({
      field: '/credentialStatus',
      rule: 'status',
      message: 'the issuer adds the status entry itself: leave credentialStatus out',
    })
  }
  if (problems.length > 0) throw new MalformedCredentialError('The credential cannot be issued', problems)

  const unsigned = structuredClone(given)
  if (!('issuer' in unsigned)) unsigned.issuer = issuer.did
  const generatedId = 'id' in unsigned ? undefined : `urn:uuid:${randomUUID()}`
  if (generatedId !== undefined) unsigned.id = generatedId
  const issued = deps.clock()
  const version = vcVersionOf(unsigned)
  if (version === '2.0' && !('validFrom' in unsigned)) unsigned.validFrom = wholeSecondsUtc(issued)
  const recordId = input.withStatus ? (unsigned.id as string) : (generatedId ?? `urn:uuid:${randomUUID()}`)

  if (input.withStatus) {
    if (deps.publicBaseUrl === undefined) throw new TypeError('withStatus needs deps.publicBaseUrl')
    // Checked before allocating, so that a repeated id costs no slots; the insert below still decides a race.
    if (await deps.storage.credentials.get(recordId)) {
      throw new StorageConflictError(
        `A credential ${recordId} was issued already; give the credential a new id`,
      )
    }
    const [entry] = await allocateStatusEntries(
      deps,
      {
        tenantId: tenant.id,
        issuerId: issuer.id,
        credentialId: recordId,
        form: input.proof,
        purposes: ['revocation'],
        publicBaseUrl: deps.publicBaseUrl,
        expectedIssuerDid: issuer.did,
      },
      deps.statusOptions,
    )
    // Data Integrity lists' entries also say `CredentialStatus` for ELM: a term only the ELM context defines.
    unsigned.credentialStatus = { ...entry, type: 'BitstringStatusListEntry' }
    // VC 1.1 does not define the Bitstring Status List terms; VC 2.0 does.
    if (version === '1.1')
      unsigned['@context'] = withExtraContexts(unsigned, [BITSTRING_STATUS_LIST])['@context']
  }

  let credential: string | Record<string, unknown>
  if (input.proof === 'jose') {
    // The JWS signs bytes, so nothing else would notice a term the contexts do not define.
    const jsonLdProblems = await checkJsonLd(unsigned, deps.documentLoader)
    if (jsonLdProblems.length > 0) {
      throw new MalformedCredentialError('The credential cannot be issued', jsonLdProblems)
    }
    credential = await secureWithJose(unsigned, await getIssuerSigner(deps, issuer.id))
  } else {
    // @digitalbazaar/vc reads `@context[0]`; a lone base context string means the same one-item set.
    if (typeof unsigned['@context'] === 'string') unsigned['@context'] = [unsigned['@context']]
    credential = await secureWithDataIntegrity(unsigned, await getIssuerSigner(deps, issuer.id), {
      documentLoader: deps.documentLoader,
      date: issued,
    })
  }

  const record: CredentialRecord = {
    id: recordId,
    tenantId: tenant.id,
    issuerId: issuer.id,
    courseId: null,
    learnerRef: null,
    format: input.proof === 'jose' ? 'vc-jose' : 'vc-di',
    issuedAt: issued.toISOString(),
    credential: typeof credential === 'string' ? credential : JSON.stringify(credential),
    claimGeneration: 1,
    claimRevokedAt: null,
  }
  await deps.storage.credentials.insert(record)
  return { record, credential }
}
