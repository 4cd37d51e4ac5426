/**
 * Building and securing one learner's micro-credential, apart from storage, so that batch issuance can run it
 * on worker threads. Imports only what the `elm` form needs; the Data Integrity stack (JSON-LD, RDF
 * canonicalization) is loaded on the first `edc` credential, which keeps a worker's start short.
 */
import { BITSTRING_STATUS_LIST } from '../document-loader/contexts.js'
import type { DocumentLoader } from '../document-loader/document-loader.js'
import { MalformedCredentialError } from '../errors.js'
import {
  buildMicrocredential,
  buildMicrocredentialForSigning,
  withExtraContexts,
} from '../model/build-microcredential.js'
import type { Course } from '../model/course.js'
import { validateEbsiEdc } from '../model/ebsi-schema.js'
import type { LearnerCompletion } from '../model/learner.js'
import type { Signer } from '../signing/key-store.js'
import type { StatusEntry } from '../status/status-options.js'
import type { IssuerProfile } from '../storage/storage.js'
import { secureWithJose, signCompactJwsBytes } from './secure-jose.js'

export type MicrocredentialFormat = 'elm' | 'edc'

/** Everything needed to build and sign one learner's credential, and nothing that touches storage. */
export interface BuildAndSecureInput {
  course: Course
  learner: LearnerCompletion
  issuer: { did: string; profile: IssuerProfile }
  credentialId: string
  issued: Date
  format: MicrocredentialFormat
  displayImages: Map<string, { contentType: 'image/png'; base64: string }>
  credentialStatus?: StatusEntry[]
  signer: Signer
  documentLoader: DocumentLoader
}

/**
 * Builds the credential (refusing any missing Annex I element), checks the `elm` form against the EBSI
 * schema and secures it. Pure apart from the signer, so that batch issuance runs it on worker threads.
 *
 * @returns the compact JWS for `elm`, the signed JSON-LD document for `edc`.
 */
export async function buildAndSecureMicrocredential(
  input: BuildAndSecureInput,
): Promise<string | Record<string, unknown>> {
  const unsigned = buildChecked(input)
  return input.format === 'elm' ? secureWithJose(unsigned, input.signer) : secureEdc(unsigned, input)
}

/**
 * {@link buildAndSecureMicrocredential} with the `elm` form as the bytes of its compact JWS, for batch
 * issuance, which hands credentials from its worker threads to storage without making strings of them.
 */
export async function buildAndSecureMicrocredentialBytes(
  input: BuildAndSecureInput,
): Promise<Uint8Array | Record<string, unknown>> {
  const unsigned = buildChecked(input)
  return input.format === 'elm' ? signCompactJwsBytes(unsigned, input.signer) : secureEdc(unsigned, input)
}

/** The unsigned credential; the `elm` form checked against the EBSI schema. */
function buildChecked(input: BuildAndSecureInput): Record<string, unknown> {
  // The `elm` form is serialized at once: no deep copy of the tree for it.
  const build = input.format === 'elm' ? buildMicrocredentialForSigning : buildMicrocredential
  const built = build({
    course: input.course,
    learner: input.learner,
    issuer: { did: input.issuer.did, profile: input.issuer.profile },
    credentialId: input.credentialId,
    issued: input.issued,
    format: input.format,
    displayImages: input.displayImages,
    ...(input.credentialStatus ? { credentialStatus: input.credentialStatus } : {}),
  })
  if (input.format === 'edc') {
    // VC 1.1 does not define the Bitstring Status List terms; VC 2.0 does.
    return input.credentialStatus ? withExtraContexts(built, [BITSTRING_STATUS_LIST]) : built
  }
  // The official EBSI schema is the contract for the VC 2.0 envelope: never sign what it refuses. It closes
  // `credentialStatus` to EBSI's own status types, so W3C Bitstring entries are set aside (a documented
  // deviation; see docs/credential-profiles.md).
  const { credentialStatus: _status, ...checked } = built
  const problems = validateEbsiEdc(checked)
  if (problems.length > 0) {
    throw new MalformedCredentialError('The built credential does not pass the EBSI EDC schema', problems)
  }
  return built
}

async function secureEdc(unsigned: Record<string, unknown>, input: BuildAndSecureInput) {
  const { secureWithDataIntegrity } = await import('./secure-data-integrity.js')
  return secureWithDataIntegrity(unsigned, input.signer, {
    documentLoader: input.documentLoader,
    date: input.issued,
  })
}
