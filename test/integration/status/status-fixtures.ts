/** Shared set-up of the status list tests: issuers, a counting key store, a movable clock, list decoding. */
import { randomUUID } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { decodeList } from '@digitalbazaar/vc-bitstring-status-list'
import { decodeJwt } from 'jose'
import type { Clock } from '../../../src/clock.js'
import { createDidDocumentLoader } from '../../../src/did/did-document-loader.js'
import { createDidResolver } from '../../../src/did/resolver.js'
import {
  composeDocumentLoaders,
  createStaticDocumentLoader,
  type DocumentLoader,
} from '../../../src/document-loader/index.js'
import { createTenantWithIssuer, type IssuerView } from '../../../src/issuer/issuer-identity.js'
import { developmentProfile } from '../../../src/issuer/issuer-profile.js'
import { createFileKeyStore } from '../../../src/signing/file-key-store.js'
import type { KeyStore } from '../../../src/signing/key-store.js'
import type { IssuerRecord, KeyAlgorithm, Storage, TenantRecord } from '../../../src/storage/storage.js'

export const PUBLIC_BASE_URL = 'https://microcred.example.edu'
export const T0 = '2026-11-25T10:00:00.000Z'

/** A clock the test moves by hand. */
export interface TestClock {
  clock: Clock
  set(at: string | Date): void
  advance(ms: number): void
}

export function createTestClock(at: string = T0): TestClock {
  let now = new Date(at).getTime()
  return {
    clock: () => new Date(now),
    set: (value) => {
      now = new Date(value).getTime()
    },
    advance: (ms) => {
      now += ms
    },
  }
}

/** A tenant and issuer row, without keys: enough for allocation, which never signs. */
export async function createBareIssuer(storage: Storage, slug: string = `t-${randomUUID().slice(0, 8)}`) {
  const tenant: TenantRecord = { id: randomUUID(), slug, name: `Tenant ${slug}`, createdAt: T0 }
  const issuer: IssuerRecord = {
    id: randomUUID(),
    tenantId: tenant.id,
    did: `did:web:${slug}.example.edu`,
    didMethod: 'web',
    profile: developmentProfile(),
    isDefault: true,
    createdAt: T0,
    updatedAt: T0,
  }
  await storage.transaction(async (tx) => {
    await tx.tenants.create(tenant)
    await tx.issuers.create(issuer)
  })
  return { tenant, issuer }
}

/** A file key store in a temporary folder whose signers count their signatures (one per publication). */
export interface CountingKeyStore {
  keyStore: KeyStore
  signatures(): number
  dispose(): Promise<void>
}

export async function createCountingKeyStore(): Promise<CountingKeyStore> {
  const directory = await mkdtemp(join(tmpdir(), 'mc-status-keys-'))
  const inner = createFileKeyStore({ directory })
  let count = 0
  const keyStore: KeyStore = {
    generate: (ref, algorithm) => inner.generate(ref, algorithm),
    has: (ref) => inner.has(ref),
    discard: (ref) => inner.discard(ref),
    async getSigner(ref, kid) {
      const signer = await inner.getSigner(ref, kid)
      return {
        id: signer.id,
        algorithm: signer.algorithm,
        jwsAlgorithm: signer.jwsAlgorithm,
        sign: (input) => {
          count += 1
          return signer.sign(input)
        },
      }
    },
  }
  return { keyStore, signatures: () => count, dispose: () => rm(directory, { recursive: true, force: true }) }
}

/** A did:key tenant with its default issuer and active key. */
export function createKeyedTenant(
  deps: { storage: Storage; keyStore: KeyStore; clock: Clock },
  slug: string,
  keyType: KeyAlgorithm,
): Promise<IssuerView> {
  return createTenantWithIssuer(deps, {
    slug,
    name: `University ${slug}`,
    profile: developmentProfile(),
    keyType,
  })
}

/** What a verifier inside the instance uses: bundled contexts and did:key resolution, offline. */
export function verifierDocumentLoader(): DocumentLoader {
  return composeDocumentLoaders(createStaticDocumentLoader(), createDidDocumentLoader(createDidResolver()))
}

/** The list credential document inside a published text (JWS payload or DI JSON), unverified. */
export function listDocument(published: string): Record<string, unknown> {
  return published.startsWith('{')
    ? (JSON.parse(published) as Record<string, unknown>)
    : (decodeJwt(published) as Record<string, unknown>)
}

/** Reads bit `index` of a published list credential. */
export async function readBit(published: string, index: number | string): Promise<boolean> {
  const subject = listDocument(published).credentialSubject as { encodedList: string }
  const list = await decodeList({ encodedList: subject.encodedList })
  return list.getStatus(Number(index))
}
