/**
 * Signed verifiable presentations for verifier tests, in the three forms a holder sends them:
 *
 * - Data Integrity (VC Data Model 1.1 or 2.0): `@digitalbazaar/vc` `createPresentation` + `signPresentation`,
 *   an `authentication` proof carrying `challenge` and `domain`;
 * - VC-JOSE: a compact JWS (`typ: vp+jwt`) of a VC 2.0 presentation whose credentials are
 *   `EnvelopedVerifiableCredential`s, with `nonce` / `aud` as the challenge / domain;
 * - enveloped: `{"type": "EnvelopedVerifiablePresentation", "id": "data:application/vp+jwt,<JWS>"}`.
 *
 * The holder is any {@link Signer} with a DID, usually a did:key from `createTestIssuer()`.
 */
import * as vc from '@digitalbazaar/vc'
import { DataIntegrityProof } from '@digitalbazaar/data-integrity'
import { base64url } from 'jose'
import { CREDENTIALS_V1, CREDENTIALS_V2, type DocumentLoader } from '../../src/document-loader/index.js'
import { CRYPTOSUITES } from '../../src/issuer/secure-data-integrity.js'
import type { Signer } from '../../src/signing/key-store.js'

/** Who signs a presentation: a DID and a signer for one of its verification methods. */
export interface PresentationHolder {
  did: string
  signer: Signer
}

// `@digitalbazaar/vc` ships no types and the shared declaration covers only issuing; this is the typed view of
// the two presentation functions the helpers call.
interface VcPresentationApi {
  createPresentation(options: {
    verifiableCredential?: Record<string, unknown> | Array<Record<string, unknown>>
    holder?: string
    id?: string
    now?: Date
    version?: 1.0 | 2.0
  }): Record<string, unknown>
  signPresentation(options: {
    presentation: Record<string, unknown>
    suite: unknown
    challenge?: string
    domain?: string
    purpose?: unknown
    documentLoader: DocumentLoader
  }): Promise<Record<string, unknown>>
  CredentialIssuancePurpose: new (options?: Record<string, unknown>) => unknown
}
const vcApi = vc as unknown as VcPresentationApi

const encoder = new TextEncoder()

/** The VC Data Model version a credential document declares, from its base context. */
function versionOf(credential: Record<string, unknown>): 1.0 | 2.0 {
  const contexts = credential['@context']
  const first = Array.isArray(contexts) ? contexts[0] : contexts
  return first === CREDENTIALS_V1 ? 1.0 : 2.0
}

export interface DataIntegrityPresentationOptions {
  holder: PresentationHolder
  /** Data Integrity credentials (or enveloped credentials, in a 2.0 presentation). */
  credentials: Array<Record<string, unknown>>
  /** The relying party's challenge, signed into the proof. */
  challenge: string
  /** The relying party's domain, signed into the proof; omitted from the proof when undefined. */
  domain?: string
  documentLoader: DocumentLoader
  /** Proof `created`, and the time the credentials are checked against while building. */
  date: Date
  /** The presentation's data model version; by default the first credential's. */
  version?: 1.0 | 2.0
  /** The `holder` written into the presentation; by default the signing holder's DID. */
  holderDid?: string
  /** `assertionMethod` makes a presentation proof with the wrong purpose, for negative tests. */
  proofPurpose?: 'authentication' | 'assertionMethod'
}

/**
 * A presentation of `credentials` with a Data Integrity `authentication` proof by `holder`
 * (eddsa-rdfc-2022 for Ed25519, ecdsa-rdfc-2019 for P-256).
 *
 * @example
 * const vp = await createDataIntegrityPresentation({ holder, credentials: [edc], challenge, domain, documentLoader, date })
 */
export async function createDataIntegrityPresentation(
  options: DataIntegrityPresentationOptions,
): Promise<Record<string, unknown>> {
  const { holder, credentials, challenge, domain, documentLoader, date } = options
  const first = credentials[0]
  const version = options.version ?? (first ? versionOf(first) : 2.0)
  const presentation = vcApi.createPresentation({
    verifiableCredential: structuredClone(credentials),
    holder: options.holderDid ?? holder.did,
    now: date,
    version,
  })
  const suite = new DataIntegrityProof({
    signer: holder.signer,
    cryptosuite: CRYPTOSUITES[holder.signer.algorithm],
    date,
  })
  return vcApi.signPresentation({
    presentation,
    suite,
    documentLoader,
    ...(options.proofPurpose === 'assertionMethod'
      ? { purpose: new vcApi.CredentialIssuancePurpose() }
      : { challenge, ...(domain === undefined ? {} : { domain }) }),
  })
}

/** A compact JWS over `payload` with exactly the protected `header` given (the caller picks `alg`, `typ`, `kid`). */
export async function signJwsWithHeader(
  header: Record<string, unknown>,
  payload: Record<string, unknown>,
  signer: Pick<Signer, 'sign'>,
): Promise<string> {
  const signingInput = `${base64url.encode(JSON.stringify(header))}.${base64url.encode(JSON.stringify(payload))}`
  const signature = await signer.sign({ data: encoder.encode(signingInput) })
  return `${signingInput}.${base64url.encode(signature)}`
}

/** VC-JOSE-COSE §3.1.2: a `vc+jwt` credential as an `EnvelopedVerifiableCredential`. */
export function envelopeCredential(jws: string): Record<string, unknown> {
  return {
    '@context': CREDENTIALS_V2,
    type: 'EnvelopedVerifiableCredential',
    id: `data:application/vc+jwt,${jws}`,
  }
}

/** VC-JOSE-COSE §3.2.2: a `vp+jwt` presentation as an `EnvelopedVerifiablePresentation`. */
export function envelopePresentation(jws: string): Record<string, unknown> {
  return {
    '@context': CREDENTIALS_V2,
    type: 'EnvelopedVerifiablePresentation',
    id: `data:application/vp+jwt,${jws}`,
  }
}

export interface JosePresentationOptions {
  holder: PresentationHolder
  /** Each a compact `vc+jwt` (enveloped here) or an already-built credential object. */
  credentials: Array<string | Record<string, unknown>>
  /** The relying party's challenge; omitted from the payload when undefined. */
  nonce?: string
  /** The relying party's domain; omitted from the payload when undefined. */
  aud?: string
  /** The `holder` written into the presentation; by default the signing holder's DID. */
  holderDid?: string
  /** Replaces protected header members (e.g. `kid`), for negative tests. */
  header?: Record<string, unknown>
}

/** The VC 2.0 presentation a {@link createJosePresentation} signs, before securing. */
export function josePresentationPayload(
  options: Omit<JosePresentationOptions, 'header'>,
): Record<string, unknown> {
  const payload: Record<string, unknown> = {
    '@context': [CREDENTIALS_V2],
    type: ['VerifiablePresentation'],
    holder: options.holderDid ?? options.holder.did,
    verifiableCredential: options.credentials.map((c) => (typeof c === 'string' ? envelopeCredential(c) : c)),
  }
  if (options.nonce !== undefined) payload.nonce = options.nonce
  if (options.aud !== undefined) payload.aud = options.aud
  return payload
}

/**
 * A compact `vp+jwt` of a VC 2.0 presentation, signed by `holder` with `kid` naming its verification method.
 *
 * @example
 * const jws = await createJosePresentation({ holder, credentials: [elmJws], nonce: challenge, aud: domain })
 */
export function createJosePresentation(options: JosePresentationOptions): Promise<string> {
  const { signer } = options.holder
  const header = { alg: signer.jwsAlgorithm, typ: 'vp+jwt', kid: signer.id, ...options.header }
  return signJwsWithHeader(header, josePresentationPayload(options), signer)
}

/**
 * Any document (a credential, for negative tests) with a Data Integrity proof for the `authentication`
 * purpose instead of `assertionMethod`: what a holder's key makes for a presentation, never for a credential.
 */
export async function signForAuthentication(
  document: Record<string, unknown>,
  signer: Signer,
  options: { challenge: string; documentLoader: DocumentLoader; date: Date },
): Promise<Record<string, unknown>> {
  const { proof: _previous, ...unsigned } = structuredClone(document)
  const suite = new DataIntegrityProof({
    signer,
    cryptosuite: CRYPTOSUITES[signer.algorithm],
    date: options.date,
  })
  return vcApi.signPresentation({
    presentation: unsigned,
    suite,
    challenge: options.challenge,
    documentLoader: options.documentLoader,
  })
}
