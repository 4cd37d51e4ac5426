/**
 * Tenants, their issuer identities and keys: creation, key generation and rotation, and the signer the
 * issuing code uses. Storage, key store and clock are injected.
 */
import { randomUUID } from 'node:crypto'
import type { DIDDocument } from 'did-resolver'
import type { Clock } from '../clock.js'
import { buildIssuerDidDocument } from '../did/did-document.js'
import { didKeyFromMultibase } from '../did/did-key.js'
import { didWebDocumentUrl, didWebFromHostPath } from '../did/did-web.js'
import { KeyNotFoundError, NotFoundError, StorageConflictError, ValidationError } from '../errors.js'
import type { KeyRef, KeyStore, Signer } from '../signing/key-store.js'
import type {
  IssuerKeyRecord,
  IssuerProfile,
  IssuerRecord,
  KeyAlgorithm,
  Storage,
  StorageSession,
  TenantRecord,
} from '../storage/storage.js'
import { developmentProfile, parseIssuerProfile } from './issuer-profile.js'

/** What identity management needs. */
export interface IdentityDeps {
  storage: Storage
  keyStore: KeyStore
  clock: Clock
}

/** Tenant slugs: lower-case, URL- and path-safe. */
export const TENANT_SLUG = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/

export interface CreateTenantInput {
  slug: string
  name: string
  /** The issuer's organisation; the clearly marked development profile when omitted. */
  profile?: IssuerProfile
  /** `host[:path]` for a did:web issuer; omitted for did:key. */
  didWeb?: string
  keyType: KeyAlgorithm
}

export interface IssuerView {
  tenant: TenantRecord
  issuer: IssuerRecord
  keys: IssuerKeyRecord[]
  didDocument: DIDDocument
  /** For did:web: where the DID document must be published. */
  didDocumentUrl?: string
}

function iso(clock: Clock): string {
  return clock().toISOString()
}

/** The kid and controller a new key gets under an issuer's DID method. */
function keyIdentity(didMethod: 'key' | 'web', issuerDid: string | undefined, publicKeyMultibase: string) {
  if (didMethod === 'key') {
    const { did, kid } = didKeyFromMultibase(publicKeyMultibase)
    return { controller: did, kid }
  }
  // did:web keys are named by their multibase so ids stay unique and stable without a counter.
  return { controller: issuerDid as string, kid: `${issuerDid}#${publicKeyMultibase}` }
}

/**
 * Creates a tenant with its default issuer and first (active) key, all or nothing: the key file is created
 * first and only recorded if the whole database transaction commits.
 */
export async function createTenantWithIssuer(
  deps: IdentityDeps,
  input: CreateTenantInput,
): Promise<IssuerView> {
  if (!TENANT_SLUG.test(input.slug)) {
    throw new ValidationError(`Invalid tenant slug ${JSON.stringify(input.slug)}`, [
      { field: 'slug', rule: 'pattern', message: `slug must match ${TENANT_SLUG.source}` },
    ])
  }
  if (!input.name.trim()) {
    throw new ValidationError('Tenant name is empty', [
      { field: 'name', rule: 'minLength', message: 'name must not be empty' },
    ])
  }
  const profile = parseIssuerProfile(input.profile ?? developmentProfile())
  if (await deps.storage.tenants.getBySlug(input.slug)) {
    throw new StorageConflictError(`Tenant ${input.slug} already exists`)
  }
  const didMethod = input.didWeb === undefined ? 'key' : 'web'
  const webDid = input.didWeb === undefined ? undefined : didWebFromHostPath(input.didWeb)
  if (webDid && (await deps.storage.issuers.getByDid(webDid))) {
    throw new StorageConflictError(`An issuer with DID ${webDid} already exists`)
  }
  const now = iso(deps.clock)
  const tenant: TenantRecord = { id: randomUUID(), slug: input.slug, name: input.name.trim(), createdAt: now }
  const keyId = randomUUID()
  const generated = await deps.keyStore.generate({ tenantSlug: tenant.slug, keyId }, input.keyType)
  const { controller, kid } = keyIdentity(didMethod, webDid, generated.publicKeyMultibase)
  const issuer: IssuerRecord = {
    id: randomUUID(),
    tenantId: tenant.id,
    did: controller,
    didMethod,
    profile,
    isDefault: true,
    createdAt: now,
    updatedAt: now,
  }
  const key: IssuerKeyRecord = {
    id: keyId,
    issuerId: issuer.id,
    kid,
    controller,
    algorithm: generated.algorithm,
    publicKeyMultibase: generated.publicKeyMultibase,
    publicJwk: generated.publicJwk,
    active: true,
    createdAt: now,
    retiredAt: null,
  }
  await recordOrDiscard(deps.keyStore, { tenantSlug: tenant.slug, keyId }, () =>
    deps.storage.transaction(async (tx) => {
      await tx.tenants.create(tenant)
      await tx.issuers.create(issuer)
      await tx.keys.add(key)
    }),
  )
  return view(tenant, issuer, [key])
}

/** Runs the step that records a new key; if it fails, the key file is removed so nothing is half-written. */
async function recordOrDiscard(keyStore: KeyStore, ref: KeyRef, record: () => Promise<void>): Promise<void> {
  try {
    await record()
  } catch (err) {
    await keyStore.discard(ref)
    throw err
  }
}

function view(tenant: TenantRecord, issuer: IssuerRecord, keys: IssuerKeyRecord[]): IssuerView {
  const result: IssuerView = { tenant, issuer, keys, didDocument: buildIssuerDidDocument(issuer, keys) }
  if (issuer.didMethod === 'web') result.didDocumentUrl = didWebDocumentUrl(issuer.did)
  return result
}

/** The public parts of an issuer key, as shown to operators (private keys never leave the key store). */
export interface PublicKeyView {
  id: string
  kid: string
  algorithm: KeyAlgorithm
  publicKeyMultibase: string
  active: boolean
  createdAt: string
  retiredAt: string | null
}

/** A tenant's default issuer as operators see it (`microcred issuer show`, `GET /tenants/{slug}`). */
export interface IssuerDescription {
  tenant: { slug: string; name: string }
  issuer: { id: string; did: string; didMethod: IssuerRecord['didMethod']; profile: IssuerProfile }
  keys: PublicKeyView[]
  didDocument: DIDDocument
  didDocumentUrl?: string
}

export function publicKeyView(key: IssuerKeyRecord): PublicKeyView {
  return {
    id: key.id,
    kid: key.kid,
    algorithm: key.algorithm,
    publicKeyMultibase: key.publicKeyMultibase,
    active: key.active,
    createdAt: key.createdAt,
    retiredAt: key.retiredAt,
  }
}

export function describeIssuer(view: IssuerView): IssuerDescription {
  return {
    tenant: { slug: view.tenant.slug, name: view.tenant.name },
    issuer: {
      id: view.issuer.id,
      did: view.issuer.did,
      didMethod: view.issuer.didMethod,
      profile: view.issuer.profile,
    },
    keys: view.keys.map(publicKeyView),
    didDocument: view.didDocument,
    ...(view.didDocumentUrl ? { didDocumentUrl: view.didDocumentUrl } : {}),
  }
}

/** One row of the tenant list. */
export interface TenantSummary {
  slug: string
  name: string
  /** The default issuer's DID (null only for a tenant whose creation never completed). */
  issuer: string | null
  createdAt: string
}

/** Every tenant with its default issuer's DID. */
export async function listTenants(session: StorageSession): Promise<TenantSummary[]> {
  const rows: TenantSummary[] = []
  for (const tenant of await session.tenants.list()) {
    const issuer = await session.issuers.getDefault(tenant.id)
    rows.push({
      slug: tenant.slug,
      name: tenant.name,
      issuer: issuer?.did ?? null,
      createdAt: tenant.createdAt,
    })
  }
  return rows
}

/**
 * Replaces the profile of a tenant's default issuer. Credentials issued before keep the profile they were
 * issued with; only new ones carry the new one.
 */
export async function updateIssuerProfile(
  deps: Pick<IdentityDeps, 'storage' | 'clock'>,
  input: { tenantSlug: string; profile: unknown },
): Promise<IssuerView> {
  const profile = parseIssuerProfile(input.profile)
  const current = await describeDefaultIssuer(deps.storage, input.tenantSlug)
  await deps.storage.issuers.updateProfile(current.issuer.id, profile, iso(deps.clock))
  return describeDefaultIssuer(deps.storage, input.tenantSlug)
}

/** The tenant by slug, or {@link NotFoundError}. */
export async function getTenant(session: StorageSession, slug: string): Promise<TenantRecord> {
  const tenant = await session.tenants.getBySlug(slug)
  if (!tenant) throw new NotFoundError(`No tenant ${JSON.stringify(slug)}`)
  return tenant
}

/** The tenant's default issuer with its keys and DID document. */
export async function describeDefaultIssuer(
  session: StorageSession,
  tenantSlug: string,
): Promise<IssuerView> {
  const tenant = await getTenant(session, tenantSlug)
  const issuer = await session.issuers.getDefault(tenant.id)
  if (!issuer) throw new NotFoundError(`Tenant ${tenantSlug} has no default issuer`)
  return view(tenant, issuer, await session.keys.listByIssuer(issuer.id))
}

/**
 * Adds a key to the tenant's default issuer. With `activate`, it becomes the signing key (a rotation): the
 * previous key is retired but kept, so credentials it signed still verify. For did:key the issuer's DID
 * becomes the new key's DID; for did:web the DID stays and its document lists both keys.
 */
export async function addIssuerKey(
  deps: IdentityDeps,
  input: { tenantSlug: string; keyType: KeyAlgorithm; activate: boolean },
): Promise<{ key: IssuerKeyRecord; view: IssuerView }> {
  const current = await describeDefaultIssuer(deps.storage, input.tenantSlug)
  const keyId = randomUUID()
  const generated = await deps.keyStore.generate({ tenantSlug: input.tenantSlug, keyId }, input.keyType)
  const { controller, kid } = keyIdentity(
    current.issuer.didMethod,
    current.issuer.did,
    generated.publicKeyMultibase,
  )
  const now = iso(deps.clock)
  const key: IssuerKeyRecord = {
    id: keyId,
    issuerId: current.issuer.id,
    kid,
    controller,
    algorithm: generated.algorithm,
    publicKeyMultibase: generated.publicKeyMultibase,
    publicJwk: generated.publicJwk,
    active: false,
    createdAt: now,
    retiredAt: null,
  }
  await recordOrDiscard(deps.keyStore, { tenantSlug: input.tenantSlug, keyId }, () =>
    deps.storage.transaction(async (tx) => {
      await tx.keys.add(key)
      if (!input.activate) return
      await tx.keys.activate(current.issuer.id, key.id, now)
      if (current.issuer.didMethod === 'key') {
        await tx.issuers.update({ ...current.issuer, did: controller, updatedAt: now })
      }
    }),
  )
  const after = await describeDefaultIssuer(deps.storage, input.tenantSlug)
  return { key: after.keys.find((k) => k.id === key.id) ?? key, view: after }
}

/** The signer of the issuer's active key. */
export async function getIssuerSigner(
  deps: Pick<IdentityDeps, 'storage' | 'keyStore'>,
  issuerId: string,
): Promise<Signer> {
  const issuer = await deps.storage.issuers.get(issuerId)
  if (!issuer) throw new NotFoundError(`No issuer ${issuerId}`)
  const key = await deps.storage.keys.getActive(issuerId)
  if (!key) throw new KeyNotFoundError(`Issuer ${issuer.did} has no active key`)
  return signerOf(deps, issuer, key)
}

/**
 * The signer for documents that must be issued as `did`, one of the DIDs issuer `issuerId` has had: the
 * active key when it is controlled by `did` (always for `did:web`, and for `did:key` until a rotation),
 * otherwise the most recently created key controlled by `did`. That is how a `did:key` issuer keeps
 * maintaining what it published under an earlier DID (its status lists): the retired key is the only one
 * that can sign as that DID, which is why retired key files are kept.
 *
 * @throws NotFoundError when the issuer (or its tenant) does not exist.
 * @throws KeyNotFoundError when none of the issuer's keys is controlled by `did`.
 * @example
 * ```ts
 * const signer = await getSignerForDid({ storage, keyStore }, list.issuerId, list.issuerDid)
 * ```
 */
export async function getSignerForDid(
  deps: Pick<IdentityDeps, 'storage' | 'keyStore'>,
  issuerId: string,
  did: string,
): Promise<Signer> {
  const issuer = await deps.storage.issuers.get(issuerId)
  if (!issuer) throw new NotFoundError(`No issuer ${issuerId}`)
  const active = await deps.storage.keys.getActive(issuerId)
  if (active?.controller === did) return signerOf(deps, issuer, active)
  const controlled = (await deps.storage.keys.listByIssuer(issuerId)).filter((key) => key.controller === did)
  // Ordered by creation time (then id), so the last one is the newest.
  const newest = controlled.at(-1)
  if (!newest) throw new KeyNotFoundError(`Issuer ${issuer.did} has no key controlled by ${did}`)
  return signerOf(deps, issuer, newest)
}

async function signerOf(
  deps: Pick<IdentityDeps, 'storage' | 'keyStore'>,
  issuer: IssuerRecord,
  key: IssuerKeyRecord,
): Promise<Signer> {
  const tenant = await deps.storage.tenants.get(issuer.tenantId)
  if (!tenant) throw new NotFoundError(`No tenant for issuer ${issuer.id}`)
  return deps.keyStore.getSigner({ tenantSlug: tenant.slug, keyId: key.id }, key.kid)
}

/** DID documents of this instance's own did:web issuers, for local resolution. */
export async function lookupLocalDidWeb(
  session: StorageSession,
  did: string,
): Promise<DIDDocument | undefined> {
  const issuer = await session.issuers.getByDid(did)
  if (!issuer || issuer.didMethod !== 'web') return undefined
  return buildIssuerDidDocument(issuer, await session.keys.listByIssuer(issuer.id))
}
