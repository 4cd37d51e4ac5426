/**
 * Verifies the securing mechanism of a retrieved status list credential and that its signing key belongs to
 * the list's issuer. Both forms end in the same shape: the verified document and its issuer, or a failure
 * with a status code. Nothing here throws for a bad list.
 *
 * The proofs themselves are verified by the code credentials use (`src/verifier/proof/`): the same JWS
 * header rules, algorithm and suite allow-lists, and key authorization (`assertionMethod`).
 */
import type { DidResolver } from '../did/resolver.js'
import type { DocumentLoader } from '../document-loader/index.js'
import {
  DATA_INTEGRITY_CRYPTOSUITES,
  verifyDataIntegrityProofs,
  type DataIntegrityFailureReason,
} from '../verifier/proof/verify-data-integrity.js'
import { VC_JOSE_ALGORITHMS, verifyVcJws, type JwsFailureReason } from '../verifier/proof/verify-jws.js'
import type { StatusCode } from './status-result.js'
import type { ResolvedStatusList } from './status-list-resolver.js'

/** JWS algorithms a status list may be signed with; everything else (`none`, HMAC, RSA) is refused. */
export const STATUS_LIST_JWS_ALGORITHMS = VC_JOSE_ALGORITHMS

/** Data Integrity cryptosuites a status list may be secured with. */
export const STATUS_LIST_CRYPTOSUITES = DATA_INTEGRITY_CRYPTOSUITES

/** A list that could not be used, with the code and status the entries pointing at it receive. */
export interface StatusListFailure {
  ok: false
  status: 'fail' | 'indeterminate'
  code: StatusCode
  message: string
}

/** A list whose proof verified and whose signing key is controlled by `issuer`. */
export interface VerifiedStatusListDocument {
  ok: true
  document: Record<string, unknown>
  issuer: string
}

export interface VerifyStatusListDeps {
  didResolver: DidResolver
  documentLoader: DocumentLoader
  now: Date
}

/** @internal */
export function failure(
  status: StatusListFailure['status'],
  code: StatusCode,
  message: string,
): StatusListFailure {
  return { ok: false, status, code, message }
}

const proofInvalid = (message: string): StatusListFailure =>
  failure('fail', 'STATUS_LIST_PROOF_INVALID', message)
const malformed = (message: string): StatusListFailure => failure('fail', 'STATUS_LIST_MALFORMED', message)
const issuerMismatch = (message: string): StatusListFailure =>
  failure('fail', 'STATUS_LIST_ISSUER_MISMATCH', message)

/** @internal */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** The id of an `issuer` value: the string itself or the object's `id` (VCDM §4.7). */
export function issuerIdOf(issuer: unknown): string | undefined {
  if (typeof issuer === 'string') return issuer || undefined
  if (isRecord(issuer) && typeof issuer.id === 'string' && issuer.id) return issuer.id
  return undefined
}

/** Verifies `resolved` in the form it declares. */
export async function verifyStatusListProof(
  resolved: ResolvedStatusList,
  deps: VerifyStatusListDeps,
): Promise<VerifiedStatusListDocument | StatusListFailure> {
  if (resolved.form === 'jose') return verifyJose(resolved.credential, deps)
  if (resolved.form === 'di') return verifyDataIntegrity(resolved.credential, deps)
  return malformed(`Unknown status list form: ${String(resolved.form as unknown)}`)
}

/** How a signing-key or JWS failure of the shared proof code reads for a status list. */
function listFailure(
  reason: JwsFailureReason | DataIntegrityFailureReason,
  message: string,
): StatusListFailure {
  if (reason === 'key-unreachable') {
    // A did:web server that is down says nothing about the list: it could not be checked.
    return failure(
      'indeterminate',
      'STATUS_LIST_UNREACHABLE',
      `The status list's signing key could not be resolved: ${message}`,
    )
  }
  if (reason === 'payload') return malformed(`The status list JWS payload is not a JSON object: ${message}`)
  return proofInvalid(`The status list's proof is not acceptable: ${message}`)
}

function controlledByIssuer(did: string, controller: string, issuer: string): boolean {
  return did === issuer && controller === issuer
}

async function verifyJose(
  jws: unknown,
  deps: VerifyStatusListDeps,
): Promise<VerifiedStatusListDocument | StatusListFailure> {
  if (typeof jws !== 'string') return malformed('A jose status list must be a compact JWS string')
  const outcome = await verifyVcJws(jws, {
    didResolver: deps.didResolver,
    typ: 'vc+jwt',
    relationship: 'assertionMethod',
  })
  if (!outcome.ok) return listFailure(outcome.reason, outcome.message)
  const { payload: document, key } = outcome
  const issuer = issuerIdOf(document.issuer)
  if (!issuer) return malformed('The status list has no issuer')
  if (!controlledByIssuer(key.did, key.controller, issuer)) {
    return issuerMismatch(
      `The status list is signed with a key its issuer ${issuer} does not control (controller ${key.controller})`,
    )
  }
  return { ok: true, document, issuer }
}

async function verifyDataIntegrity(
  credential: unknown,
  deps: VerifyStatusListDeps,
): Promise<VerifiedStatusListDocument | StatusListFailure> {
  let document: unknown = credential
  if (typeof credential === 'string') {
    try {
      document = JSON.parse(credential)
    } catch {
      return malformed('The status list is not JSON')
    }
  }
  if (!isRecord(document)) return malformed('A di status list must be a JSON object')
  const issuer = issuerIdOf(document.issuer)
  if (!issuer) return malformed('The status list has no issuer')
  const outcome = await verifyDataIntegrityProofs(document, {
    kind: 'credential',
    documentLoader: deps.documentLoader,
    didResolver: deps.didResolver,
    // The validity window is checked by the status check itself, so that an expired list is reported as
    // expired rather than as a proof failure (the shared code never judges dates).
    now: deps.now,
  })
  if (!outcome.ok) {
    const detail =
      outcome.detail === undefined ? outcome.message : `${outcome.message}: ${outcome.detail.slice(0, 200)}`
    return listFailure(outcome.reason, detail)
  }
  // Every proof of a list must be the issuer's: a list is only ever signed by the issuer itself.
  for (const proof of outcome.proofs) {
    const did = proof.verificationMethod.split('#')[0] ?? ''
    if (!controlledByIssuer(did, proof.controller, issuer)) {
      return issuerMismatch(
        `The status list is signed with a key its issuer ${issuer} does not control (controller ${proof.controller})`,
      )
    }
  }
  return { ok: true, document, issuer }
}
