/**
 * The reference floors: what the libraries alone cost for the same credential, with a key held in memory
 * and no storage, lookups or validation around them.
 *
 * - JOSE: `jose`'s `CompactSign` of the serialized elm credential (same header as microcred writes), and
 *   `compactVerify` of an issued elm JWS with the issuer's public key, imported once.
 * - Data Integrity: `@digitalbazaar/vc` `issue()` with a `DataIntegrityProof` suite and the same offline
 *   document loader as issuing, signing with Node's crypto (what the file key store does too); and
 *   `verifyCredential()` of an issued edc credential with the verifier's offline document loader and a
 *   status check that always answers verified.
 */
import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  sign as cryptoSign,
  type KeyObject,
} from 'node:crypto'
import * as vc from '@digitalbazaar/vc'
import { DataIntegrityProof } from '@digitalbazaar/data-integrity'
import { CompactSign, compactVerify, importJWK, type CryptoKey, type JWK } from 'jose'
import { didKeyFromMultibase } from '../src/did/did-key.js'
import type { DidResolver } from '../src/did/resolver.js'
import type { DocumentLoader } from '../src/document-loader/index.js'
import { CRYPTOSUITES } from '../src/issuer/secure-data-integrity.js'
import { JWS_ALGORITHM, type Signer } from '../src/signing/key-store.js'
import { publicKeyMultibaseFromJwk } from '../src/signing/public-key.js'
import { publicJwkOfMethod } from '../src/verifier/proof/signing-key.js'
import type { KeyAlgorithm } from '../src/storage/storage.js'

/** A freshly generated key pair, usable by both `jose` and the Data Integrity suite. */
export interface LocalKey {
  algorithm: KeyAlgorithm
  kid: string
  joseKey: CryptoKey | Uint8Array
  signer: Signer
}

export async function createLocalKey(algorithm: KeyAlgorithm): Promise<LocalKey> {
  const pair =
    algorithm === 'Ed25519'
      ? generateKeyPairSync('ed25519')
      : generateKeyPairSync('ec', { namedCurve: 'P-256' })
  const privateJwk = pair.privateKey.export({ format: 'jwk' }) as Record<string, unknown>
  const publicJwk = createPublicKey(pair.privateKey).export({ format: 'jwk' }) as Record<string, unknown>
  const { kid } = didKeyFromMultibase(await publicKeyMultibaseFromJwk(algorithm, publicJwk))
  const jwsAlgorithm = JWS_ALGORITHM[algorithm]
  const joseKey = await importJWK(privateJwk as JWK, jwsAlgorithm)
  const key: KeyObject = createPrivateKey({
    key: privateJwk as import('node:crypto').JsonWebKey,
    format: 'jwk',
  })
  const signer: Signer = {
    id: kid,
    algorithm,
    jwsAlgorithm,
    async sign({ data }) {
      const signature =
        algorithm === 'Ed25519'
          ? cryptoSign(null, data, key)
          : cryptoSign('sha256', data, { key, dsaEncoding: 'ieee-p1363' })
      return new Uint8Array(signature)
    },
  }
  return { algorithm, kid, joseKey, signer }
}

const encoder = new TextEncoder()

/** Serializes and signs `payload` as a compact JWS with `jose`. */
export function joseCompactSign(payload: Record<string, unknown>, key: LocalKey): Promise<string> {
  return new CompactSign(encoder.encode(JSON.stringify(payload)))
    .setProtectedHeader({ alg: key.signer.jwsAlgorithm, typ: 'vc+jwt', cty: 'vc', kid: key.kid })
    .sign(key.joseKey)
}

/**
 * `vc.issue()` of an unsigned credential that already carries every context it needs. `issue()` sets `proof`
 * on the object it is given, so it gets a shallow copy: the credential stays unsigned across iterations.
 */
export function dataIntegrityIssue(
  credential: Record<string, unknown>,
  key: LocalKey,
  documentLoader: DocumentLoader,
  date: Date,
): Promise<Record<string, unknown>> {
  const suite = new DataIntegrityProof({ signer: key.signer, cryptosuite: CRYPTOSUITES[key.algorithm], date })
  return vc.issue({ credential: { ...credential }, suite, documentLoader, now: date })
}

interface Canonizer {
  canonize(
    input: unknown,
    options: { documentLoader: DocumentLoader; base: null; safe: true },
  ): Promise<string>
}

/**
 * RDF canonicalization only (RDFC-1.0 to N-Quads), through the cryptosuite's own `canonize` with the options
 * the Data Integrity proof passes: the step that turns the JSON-LD credential into the bytes that are hashed.
 */
export function canonizeForProof(
  credential: Record<string, unknown>,
  algorithm: KeyAlgorithm,
  documentLoader: DocumentLoader,
): Promise<string> {
  // The vendor typings declare only the suite's name; `canonize` is part of the cryptosuite interface.
  const suite = CRYPTOSUITES[algorithm] as unknown as Canonizer
  return suite.canonize(credential, { documentLoader, base: null, safe: true })
}

/** The public key a compact JWS names in its `kid`, resolved and imported once, with the JWS algorithm. */
export interface JwsPublicKey {
  algorithm: string
  key: CryptoKey | Uint8Array
}

export async function importJwsPublicKey(jws: string, didResolver: DidResolver): Promise<JwsPublicKey> {
  const header = JSON.parse(Buffer.from(jws.split('.')[0] ?? '', 'base64url').toString('utf8')) as {
    alg?: unknown
    kid?: unknown
  }
  if (typeof header.kid !== 'string' || typeof header.alg !== 'string')
    throw new Error('The JWS names no kid or alg')
  const { jwk } = await publicJwkOfMethod(await didResolver.resolveVerificationMethod(header.kid))
  return { algorithm: header.alg, key: await importJWK(jwk as JWK, header.alg) }
}

/** `jose` `compactVerify` of a compact JWS with an already imported key, for that key's algorithm only. */
export async function joseCompactVerify(jws: string, publicKey: JwsPublicKey): Promise<Uint8Array> {
  const { payload } = await compactVerify(jws, publicKey.key, { algorithms: [publicKey.algorithm] })
  return payload
}

const STATUS_VERIFIED = () => Promise.resolve({ verified: true })

/**
 * `vc.verifyCredential()` of a Data Integrity credential: a `DataIntegrityProof` suite with the cryptosuite of
 * `algorithm` (a fresh suite per call, as the verifier makes one: a suite keeps the hash of the last document
 * it saw), the library's default proof purpose (`assertionMethod`), and a `checkStatus` that always answers
 * verified. Resolves to whether it verified.
 */
export async function dataIntegrityVerify(
  credential: Record<string, unknown>,
  algorithm: KeyAlgorithm,
  documentLoader: DocumentLoader,
): Promise<boolean> {
  const suite = new DataIntegrityProof({ cryptosuite: CRYPTOSUITES[algorithm] })
  const result = await vc.verifyCredential({
    credential,
    suite,
    documentLoader,
    checkStatus: STATUS_VERIFIED,
  })
  return result.verified
}
