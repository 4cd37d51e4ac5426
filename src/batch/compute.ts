/**
 * The CPU-bound part of batch issuance: building, checking and signing one learner's credential. The same
 * function runs in-process and on worker threads; storage never reaches it.
 */
import type { DocumentLoader } from '../document-loader/document-loader.js'
import { isMicrocredError } from '../errors.js'
import {
  buildAndSecureMicrocredentialBytes,
  type MicrocredentialFormat,
} from '../issuer/secure-microcredential.js'
import type { Course } from '../model/course.js'
import { parseLearner } from '../model/validate.js'
import type { Signer } from '../signing/key-store.js'
import type { StatusEntry } from '../status/status-options.js'
import type { BatchRowProblem, IssuerProfile } from '../storage/storage.js'

/** What every credential of one batch shares; sent once to each worker. */
export interface BatchSetup {
  course: Course
  issuer: { did: string; profile: IssuerProfile }
  format: MicrocredentialFormat
  displayImages: Array<[string, { contentType: 'image/png'; base64: string }]>
}

/** One credential to make. */
export interface IssueJob {
  credentialId: string
  learner: Record<string, unknown>
  credentialStatus?: StatusEntry[]
}

/** A credential as text, or (from a worker thread) as its UTF-8 bytes. */
export type JobResult =
  { ok: true; credential: string | Uint8Array } | { ok: false; problem: BatchRowProblem }

export interface PreparedSetup {
  setup: BatchSetup
  images: Map<string, { contentType: 'image/png'; base64: string }>
  /** Bundled contexts only: no DID is resolved while issuing. Absent for `elm`, which never expands JSON-LD. */
  documentLoader: DocumentLoader | undefined
}

/** Builds what {@link runJob} reuses across the jobs of a batch. */
export async function prepareSetup(setup: BatchSetup): Promise<PreparedSetup> {
  const documentLoader =
    setup.format === 'edc'
      ? (await import('../document-loader/document-loader.js')).createStaticDocumentLoader()
      : undefined
  return { setup, images: new Map(setup.displayImages), documentLoader }
}

/** A loader for the `elm` form, which never needs one: anything asking is a programming error. */
const noDocumentLoader: DocumentLoader = (url) => Promise.reject(new Error(`No document loader for ${url}`))

/**
 * Makes one credential. A failure of this row alone (a learner the builder refuses) is a result, so that one
 * bad row never stops a cohort; anything else (the signer failing) is thrown.
 */
export async function runJob(
  prepared: PreparedSetup,
  job: IssueJob,
  issued: Date,
  signer: Signer,
): Promise<JobResult> {
  const { setup } = prepared
  try {
    const credential = await buildAndSecureMicrocredentialBytes({
      course: setup.course,
      learner: parseLearner(job.learner),
      issuer: setup.issuer,
      credentialId: job.credentialId,
      issued,
      format: setup.format,
      displayImages: prepared.images,
      ...(job.credentialStatus ? { credentialStatus: job.credentialStatus } : {}),
      signer,
      documentLoader: prepared.documentLoader ?? noDocumentLoader,
    })
    return {
      ok: true,
      credential: credential instanceof Uint8Array ? credential : JSON.stringify(credential),
    }
  } catch (err) {
    if (isMicrocredError(err) && err.code !== 'ERR_SIGNING' && err.status < 500) {
      return {
        ok: false,
        problem: {
          code: err.code,
          message: err.message,
          ...('problems' in err && Array.isArray(err.problems) ? { problems: err.problems } : {}),
        },
      }
    }
    throw err
  }
}
