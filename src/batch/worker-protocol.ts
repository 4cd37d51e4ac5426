/** Messages between batch issuance and its worker threads. */
import type { KeyObject } from 'node:crypto'
import type { Signer } from '../signing/key-store.js'
import type { BatchRowProblem } from '../storage/storage.js'
import type { BatchSetup, IssueJob } from './compute.js'

export type SignerMeta = Pick<Signer, 'id' | 'algorithm' | 'jwsAlgorithm'>

export type ToWorker =
  | { type: 'setup'; setup: BatchSetup; signer: SignerMeta; threadKey?: KeyObject }
  | { type: 'jobs'; taskId: number; issued: string; jobs: IssueJob[] }
  | { type: 'signed'; requestId: number; signature?: Uint8Array; error?: string }

/**
 * A job's result on its way back: the credential as UTF-8 bytes, which are handed over (transferred) rather
 * than copied, and which the worker's garbage collector never has to move while the rest of its share of a
 * chunk is made.
 */
export type WireResult = { ok: true; credential: Uint8Array } | { ok: false; problem: BatchRowProblem }

export type FromWorker =
  | { type: 'sign'; requestId: number; data: Uint8Array }
  | { type: 'done'; taskId: number; results?: WireResult[]; error?: { message: string; code?: string } }
