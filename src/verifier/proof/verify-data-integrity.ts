/**
 * Verification of the Data Integrity proofs of a credential or presentation (W3C VC Data Integrity 1.0),
 * through `@digitalbazaar/vc` with an explicit suite allow-list and the injected, offline document loader.
 * Shared by credentials, presentations and status lists. Never throws.
 *
 * What is checked here, beyond what the library does by default:
 * - every proof must be of an allowed type and cryptosuite (fail closed), claim the expected purpose, and
 *   verify: the library accepts a proof set when ANY proof verifies, microcred only when EVERY proof does;
 * - proof chains (`previousProof`, Data Integrity §4.3): the library has no support for them, so each
 *   chained proof is verified here over the document together with the proofs it names, with the same suite
 *   and purpose objects;
 * - the key of each proof must be authorized for the purpose in its controller's DID document
 *   ({@link DidRelationshipPurpose}); whether a proof was made by the issuer (or holder) is the caller's
 *   decision, from the returned list.
 *
 * What is deliberately NOT checked: credential status (a separate check; `checkStatus` answers verified) and
 * the validity window (a separate check; `maxClockSkew` is infinite so the library never fails on dates).
 */
import { DataIntegrityProof } from '@digitalbazaar/data-integrity'
import { cryptosuite as ecdsaRdfc2019 } from '@digitalbazaar/ecdsa-rdfc-2019-cryptosuite'
import { cryptosuite as eddsaRdfc2022 } from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite'
import * as vc from '@digitalbazaar/vc'
import type { ProofResult } from '@digitalbazaar/vc'
import type { DidResolver } from '../../did/resolver.js'
import type { DocumentLoader } from '../../document-loader/index.js'
import { isMicrocredError } from '../../errors.js'
import { DidRelationshipPurpose, ProofPurposeError } from './did-relationship-purpose.js'
import type { VerificationRelationship } from './signing-key.js'

/** The Data Integrity cryptosuites accepted, each with `type: DataIntegrityProof`. */
export const DATA_INTEGRITY_CRYPTOSUITES = ['eddsa-rdfc-2022', 'ecdsa-rdfc-2019'] as const
export type DataIntegrityCryptosuite = (typeof DATA_INTEGRITY_CRYPTOSUITES)[number]

const CRYPTOSUITES = { 'eddsa-rdfc-2022': eddsaRdfc2022, 'ecdsa-rdfc-2019': ecdsaRdfc2019 } as const

/**
 * Why the proofs were refused:
 * - `missing`: no proof at all;
 * - `malformed`: a proof that is not an object, has no verificationMethod, or a document the library could
 *   not process as a credential/presentation;
 * - `type-unsupported`: a proof type or cryptosuite outside the allow-list;
 * - `purpose`: a proof whose `proofPurpose` is not the one required;
 * - `challenge-missing` / `challenge-mismatch` / `domain-mismatch`: presentations only;
 * - `chain`: a `previousProof` that names no proof of the set;
 * - `key-unresolvable`, `key-unsupported`, `key-unreachable`, `key-not-authorized`: the key of a proof;
 * - `invalid`: a proof that does not verify.
 */
export type DataIntegrityFailureReason =
  | 'missing'
  | 'malformed'
  | 'type-unsupported'
  | 'purpose'
  | 'challenge-missing'
  | 'challenge-mismatch'
  | 'domain-mismatch'
  | 'chain'
  | 'key-unresolvable'
  | 'key-unsupported'
  | 'key-unreachable'
  | 'key-not-authorized'
  | 'invalid'

export interface DataIntegrityFailure {
  ok: false
  reason: DataIntegrityFailureReason
  message: string
  /** The library's message, when there is one. */
  detail?: string
  /** Index of the proof concerned in the proof set, when one is. */
  index?: number
}

/** One proof that verified, and the key it was made with. */
export interface VerifiedProof {
  index: number
  cryptosuite: DataIntegrityCryptosuite
  /** The verification method's id (a DID URL). */
  verificationMethod: string
  /** The verification method's controller. */
  controller: string
}

export interface VerifiedDataIntegrity {
  ok: true
  proofs: VerifiedProof[]
}

export interface VerifyDataIntegrityOptions {
  kind: 'credential' | 'presentation'
  documentLoader: DocumentLoader
  didResolver: DidResolver
  /** Passed to the library with an infinite clock skew: dates are never judged here. */
  now: Date
  /** Presentations: the expected `proof.challenge`. */
  challenge?: string
  /** Presentations: the expected `proof.domain`. */
  domain?: string
  /** Presentations: refuse a proof without a challenge even when no expected challenge is given. */
  requireChallenge?: boolean
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function fail(
  reason: DataIntegrityFailureReason,
  message: string,
  extra: { detail?: string | undefined; index?: number } = {},
): DataIntegrityFailure {
  const failure: DataIntegrityFailure = { ok: false, reason, message }
  if (extra.detail !== undefined) failure.detail = extra.detail.slice(0, 500)
  if (extra.index !== undefined) failure.index = extra.index
  return failure
}

function isAllowedCryptosuite(value: unknown): value is DataIntegrityCryptosuite {
  return (DATA_INTEGRITY_CRYPTOSUITES as readonly unknown[]).includes(value)
}

function suites(): DataIntegrityProof[] {
  // Fresh instances per verification: a suite caches the hash of the last document it saw.
  return DATA_INTEGRITY_CRYPTOSUITES.map(
    (name) => new DataIntegrityProof({ cryptosuite: CRYPTOSUITES[name] }),
  )
}

function messageOf(error: unknown): string | undefined {
  if (Array.isArray(error)) return messageOf(error[0])
  return error instanceof Error ? error.message : undefined
}

/** Our typed error behind a library error, following `cause` and jsonld's `details.cause`. */
function typedCause(error: unknown): unknown {
  let current = Array.isArray(error) ? error[0] : error
  for (let depth = 0; depth < 6 && current !== undefined && current !== null; depth++) {
    if (current instanceof ProofPurposeError || isMicrocredError(current)) return current
    const next: unknown =
      (current as { cause?: unknown }).cause ?? (current as { details?: { cause?: unknown } }).details?.cause
    current = next
  }
  return undefined
}

/** Maps one failed proof's error, by its type (never its message), to a reason. */
function classify(error: unknown, index: number | undefined): DataIntegrityFailure {
  const typed = typedCause(error)
  const detail = messageOf(error)
  const which = index === undefined ? 'A proof' : `Proof ${index}`
  const at = index === undefined ? {} : { index }
  if (typed instanceof ProofPurposeError) {
    const reason: DataIntegrityFailureReason =
      typed.reason === 'not-authorized' ? 'key-not-authorized' : typed.reason
    return fail(reason, `${which}: ${typed.message}`, at)
  }
  if (isMicrocredError(typed)) {
    switch (typed.code) {
      case 'ERR_KEY_UNSUPPORTED':
        return fail('key-unsupported', `The key of ${which.toLowerCase()} is not an Ed25519 or P-256 key`, {
          detail: typed.message,
          ...at,
        })
      case 'ERR_DID_UNSUPPORTED':
      case 'ERR_DID_INVALID':
      case 'ERR_NOT_FOUND':
        return fail('key-unresolvable', `The key of ${which.toLowerCase()} cannot be resolved`, {
          detail: typed.message,
          ...at,
        })
      case 'ERR_DOCUMENT_NOT_FOUND':
        // A context or document the offline loader does not have: the proof cannot be checked against it.
        return fail('invalid', `${which} needs a document that is not available offline`, {
          detail: typed.message,
          ...at,
        })
      default:
        return fail('key-unreachable', `The key of ${which.toLowerCase()} could not be resolved`, {
          detail: typed.message,
          ...at,
        })
    }
  }
  return fail('invalid', `${which} does not verify`, { detail, ...at })
}

const STATUS_NOT_CHECKED_HERE = async () => ({ verified: true })

/** The proofs `previousProof` names, or undefined when a reference is dangling. */
function previousProofsOf(
  proof: Record<string, unknown>,
  all: Record<string, unknown>[],
): Record<string, unknown>[] | undefined {
  const refs = Array.isArray(proof.previousProof) ? proof.previousProof : [proof.previousProof]
  if (refs.length === 0 || !refs.every((ref): ref is string => typeof ref === 'string' && ref !== ''))
    return undefined
  const found: Record<string, unknown>[] = []
  for (const ref of refs) {
    const matches = all.filter((candidate) => candidate !== proof && candidate.id === ref)
    if (matches.length !== 1 || !matches[0]) return undefined
    found.push(matches[0])
  }
  return found
}

/**
 * Verifies every Data Integrity proof of `document` (a credential or presentation). On success, lists each
 * proof with its verification method and controller.
 */
export async function verifyDataIntegrityProofs(
  document: Record<string, unknown>,
  options: VerifyDataIntegrityOptions,
): Promise<VerifiedDataIntegrity | DataIntegrityFailure> {
  const term: VerificationRelationship = options.kind === 'credential' ? 'assertionMethod' : 'authentication'
  // The libraries must not see (or keep) the caller's objects: resolvers may hand out shared, frozen documents.
  const unsecured = structuredClone(document)
  const raw = unsecured.proof
  delete unsecured.proof
  if (raw === undefined || raw === null || (Array.isArray(raw) && raw.length === 0)) {
    return fail('missing', `The ${options.kind} has no proof`)
  }
  const list: unknown[] = Array.isArray(raw) ? raw : [raw]
  const proofs: Record<string, unknown>[] = []
  for (const [index, proof] of list.entries()) {
    if (!isRecord(proof)) return fail('malformed', `Proof ${index} is not an object`, { index })
    if (proof.type !== 'DataIntegrityProof' || !isAllowedCryptosuite(proof.cryptosuite)) {
      const name =
        proof.type === 'DataIntegrityProof'
          ? `DataIntegrityProof/${String(proof.cryptosuite)}`
          : String(proof.type)
      return fail(
        'type-unsupported',
        `Proof ${index} is a ${name} proof; only DataIntegrityProof with ${DATA_INTEGRITY_CRYPTOSUITES.join(' or ')} is accepted`,
        { index },
      )
    }
    if (proof.proofPurpose !== term) {
      return fail(
        'purpose',
        `Proof ${index} has the purpose ${String(proof.proofPurpose)}; a ${options.kind} proof must be for ${term}`,
        { index },
      )
    }
    if (typeof proof.verificationMethod !== 'string' || !proof.verificationMethod.startsWith('did:')) {
      return fail('malformed', `Proof ${index} has no verificationMethod DID URL`, { index })
    }
    if (options.kind === 'presentation') {
      if (options.challenge !== undefined && proof.challenge !== options.challenge) {
        return fail(
          proof.challenge === undefined ? 'challenge-missing' : 'challenge-mismatch',
          `Proof ${index} does not carry the expected challenge`,
          { index },
        )
      }
      if (
        options.challenge === undefined &&
        options.requireChallenge &&
        typeof proof.challenge !== 'string'
      ) {
        return fail('challenge-missing', `Proof ${index} has no challenge`, { index })
      }
      if (options.domain !== undefined) {
        const { domain } = proof
        if (!(domain === options.domain || (Array.isArray(domain) && domain.includes(options.domain)))) {
          return fail('domain-mismatch', `Proof ${index} is not for the expected domain`, { index })
        }
      }
    }
    proofs.push(proof)
  }

  const chained = proofs.filter((proof) => proof.previousProof !== undefined)
  const unchained = proofs.filter((proof) => proof.previousProof === undefined)
  if (unchained.length === 0)
    return fail('chain', 'Every proof names a previous proof: the chain has no start')
  const previous = new Map<Record<string, unknown>, Record<string, unknown>[]>()
  for (const proof of chained) {
    const found = previousProofsOf(proof, proofs)
    if (!found)
      return fail(
        'chain',
        `Proof ${proofs.indexOf(proof)} names a previous proof that is not in the proof set`,
        { index: proofs.indexOf(proof) },
      )
    previous.set(proof, found)
  }

  const purpose = new DidRelationshipPurpose({
    term,
    didResolver: options.didResolver,
    ...(options.challenge === undefined ? {} : { challenge: options.challenge }),
    ...(options.domain === undefined ? {} : { domain: options.domain }),
  })
  const verified: VerifiedProof[] = []
  const record = (
    proof: Record<string, unknown>,
    verificationMethod: Record<string, unknown> | undefined,
  ): DataIntegrityFailure | undefined => {
    const index = proofs.indexOf(proof)
    const id = verificationMethod?.id
    const controller = verificationMethod?.controller
    const controllerId =
      typeof controller === 'string' ? controller : isRecord(controller) ? controller.id : undefined
    if (typeof id !== 'string' || typeof controllerId !== 'string') {
      return fail('malformed', `The verification method of proof ${index} has no id or controller`, { index })
    }
    verified.push({
      index,
      cryptosuite: proof.cryptosuite as DataIntegrityCryptosuite,
      verificationMethod: id,
      controller: controllerId,
    })
    return undefined
  }

  // 1. The proofs that start chains, as a proof set, through the library (which also runs its data-model checks).
  let results: ProofResult[] | undefined
  let topError: unknown
  const securedForLibrary = { ...unsecured, proof: unchained.length === 1 ? unchained[0] : unchained }
  try {
    if (options.kind === 'credential') {
      const result = await vc.verifyCredential({
        credential: securedForLibrary,
        suite: suites(),
        purpose,
        documentLoader: options.documentLoader,
        now: options.now,
        maxClockSkew: Number.POSITIVE_INFINITY,
        checkStatus: STATUS_NOT_CHECKED_HERE,
      })
      results = result.results
      topError = result.error
    } else {
      // The library also verifies each embedded credential, with the same options; those results are
      // ignored here: every embedded credential is verified in full on its own.
      const result = await vc.verify({
        presentation: securedForLibrary,
        suite: suites(),
        presentationPurpose: purpose,
        documentLoader: options.documentLoader,
        now: options.now,
        maxClockSkew: Number.POSITIVE_INFINITY,
        checkStatus: STATUS_NOT_CHECKED_HERE,
      })
      results = result.presentationResult?.results
      topError = result.presentationResult?.error ?? result.error
    }
  } catch (err) {
    // `vc.verify` rejects (instead of resolving) for a document it cannot read as a presentation.
    return fail('malformed', `The ${options.kind} could not be processed`, { detail: messageOf(err) })
  }
  // Results without a `proof` come from the library's own data-model checks, which ran before any proof.
  const perProof = (results ?? []).filter((r) => isRecord(r.proof))
  if (perProof.length !== unchained.length) {
    const typed = typedCause(topError)
    if (typed !== undefined) return classify(topError, undefined)
    return fail(
      perProof.length === 0 && results?.length ? 'malformed' : 'invalid',
      `The ${options.kind}'s proofs could not all be verified`,
      {
        detail: messageOf(topError) ?? messageOf(results?.[0]?.error),
      },
    )
  }
  for (const proof of unchained) {
    // jsonld-signatures reports each proof as a shallow copy with an added `@context`.
    const result = perProof.find(
      (r) =>
        r.proof?.proofValue === proof.proofValue && r.proof?.verificationMethod === proof.verificationMethod,
    )
    if (!result)
      return fail('invalid', `Proof ${proofs.indexOf(proof)} was not verified`, {
        index: proofs.indexOf(proof),
      })
    if (!result.verified) return classify(result.error, proofs.indexOf(proof))
    const failure = record(proof, result.verificationMethod)
    if (failure) return failure
  }

  // 2. Each chained proof, over the document with the proofs it names (Data Integrity §4.4 step "previousProof").
  for (const proof of chained) {
    const index = proofs.indexOf(proof)
    const suite = new DataIntegrityProof({
      cryptosuite: CRYPTOSUITES[proof.cryptosuite as DataIntegrityCryptosuite],
    })
    const withPrevious = { ...unsecured, proof: previous.get(proof) ?? [] }
    // As jsonld-signatures does: the proof is read in the document's context.
    const contextualProof = { '@context': unsecured['@context'], ...proof }
    try {
      const outcome = await suite.verifyProof({
        proof: contextualProof,
        document: withPrevious,
        purpose,
        proofSet: proofs,
        documentLoader: options.documentLoader,
      })
      if (!outcome.verified || !outcome.verificationMethod) return classify(outcome.error, index)
      const validation = await purpose.validate(contextualProof, {
        verificationMethod: outcome.verificationMethod,
      })
      if (!validation.valid) return classify(validation.error, index)
      const failure = record(proof, outcome.verificationMethod)
      if (failure) return failure
    } catch (err) {
      return classify(err, index)
    }
  }
  verified.sort((a, b) => a.index - b.index)
  return { ok: true, proofs: verified }
}
