/**
 * A jsonld-signatures proof purpose that authorizes a verification method through microcred's own
 * {@link DidResolver} (DID Core §5.3 verification relationships), and checks a presentation's `challenge` and
 * `domain`. It replaces the library's `CredentialIssuancePurpose` / `AuthenticationProofPurpose` so that:
 *
 * - a failure is a typed {@link ProofPurposeError} with a stable reason, never a message to parse;
 * - a proof by a key other than the issuer's (a proof set with an endorsement) is judged on its own: the
 *   issuer binding is checked by the caller, once, over all proofs;
 * - a presentation without a challenge can be verified when the caller does not require one (the library's
 *   purpose cannot be built without a challenge).
 */
import type { VerificationMethod } from 'did-resolver'
import type { DidResolver } from '../../did/resolver.js'
import { isMicrocredError } from '../../errors.js'
import { isAuthorizedFor, type VerificationRelationship } from './signing-key.js'

/** Why a proof failed its purpose. */
export type ProofPurposeFailureReason =
  'not-authorized' | 'challenge-mismatch' | 'domain-mismatch' | 'key-unresolvable' | 'key-unreachable'

/** A proof that verified cryptographically but not for the purpose asked. */
export class ProofPurposeError extends Error {
  constructor(
    readonly reason: ProofPurposeFailureReason,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options)
    this.name = 'ProofPurposeError'
  }
}

export interface DidRelationshipPurposeOptions {
  term: VerificationRelationship
  didResolver: DidResolver
  /** When set, `proof.challenge` must equal it. */
  challenge?: string
  /** When set, `proof.domain` must equal it (or, as an array, contain it). */
  domain?: string
}

const UNRESOLVABLE_CODES = new Set([
  'ERR_DID_UNSUPPORTED',
  'ERR_DID_INVALID',
  'ERR_NOT_FOUND',
  'ERR_KEY_UNSUPPORTED',
])

function idOf(value: unknown): string | undefined {
  if (typeof value === 'string') return value
  if (typeof value === 'object' && value !== null && typeof (value as { id?: unknown }).id === 'string') {
    return (value as { id: string }).id
  }
  return undefined
}

/** See the module comment. Also usable to SIGN with a given purpose (`update` writes the proof's terms). */
export class DidRelationshipPurpose {
  readonly term: VerificationRelationship
  readonly #options: DidRelationshipPurposeOptions

  constructor(options: DidRelationshipPurposeOptions) {
    this.term = options.term
    this.#options = options
  }

  async match(proof: Record<string, unknown>): Promise<boolean> {
    return proof.proofPurpose === this.term
  }

  async update(proof: Record<string, unknown>): Promise<Record<string, unknown>> {
    proof.proofPurpose = this.term
    if (this.#options.challenge !== undefined) proof.challenge = this.#options.challenge
    if (this.#options.domain !== undefined) proof.domain = this.#options.domain
    return proof
  }

  async validate(
    proof: Record<string, unknown>,
    { verificationMethod }: { verificationMethod: Record<string, unknown> },
  ): Promise<{ valid: boolean; error?: Error; controller?: unknown }> {
    try {
      const { challenge, domain, didResolver } = this.#options
      if (challenge !== undefined && proof.challenge !== challenge) {
        throw new ProofPurposeError('challenge-mismatch', 'The proof challenge is not the one expected')
      }
      if (domain !== undefined) {
        const actual = proof.domain
        if (!(actual === domain || (Array.isArray(actual) && actual.includes(domain)))) {
          throw new ProofPurposeError('domain-mismatch', 'The proof domain is not the one expected')
        }
      }
      const methodId = idOf(verificationMethod)
      const controllerId = idOf(verificationMethod.controller)
      if (methodId === undefined || controllerId === undefined) {
        throw new ProofPurposeError('not-authorized', 'The verification method has no id or no controller')
      }
      let controller
      try {
        controller = await didResolver.resolve(controllerId)
      } catch (cause) {
        const unresolvable = isMicrocredError(cause) && UNRESOLVABLE_CODES.has(cause.code)
        throw new ProofPurposeError(
          unresolvable ? 'key-unresolvable' : 'key-unreachable',
          `The controller ${controllerId} of the verification method could not be resolved`,
          { cause },
        )
      }
      if (!isAuthorizedFor(controller, this.term, methodId)) {
        throw new ProofPurposeError(
          'not-authorized',
          `${methodId} is not listed under ${this.term} of ${controllerId}`,
        )
      }
      // The library loaded the key through the document loader; it must be the key the DID resolver knows
      // (both are normally built from the same resolver, and a miswired loader must not widen what verifies).
      const methods = [
        ...(controller.verificationMethod ?? []),
        ...(controller[this.term] ?? []).filter(
          (entry): entry is VerificationMethod => typeof entry === 'object',
        ),
      ]
      const known = methods.find((vm) => vm.id === methodId || `${controller.id}${vm.id}` === methodId)
      if (
        !known ||
        known.publicKeyMultibase !== verificationMethod.publicKeyMultibase ||
        JSON.stringify(known.publicKeyJwk) !== JSON.stringify(verificationMethod.publicKeyJwk)
      ) {
        throw new ProofPurposeError(
          'not-authorized',
          `${methodId} is not a key of ${controllerId} as its DID document states it`,
        )
      }
      return { valid: true, controller }
    } catch (error) {
      return { valid: false, error: error as Error }
    }
  }
}
