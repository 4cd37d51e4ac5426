/** Messages between batch issuance and its worker threads. */
import type { KeyObject } from 'node:crypto'
import type { Signer } from '../signing/key-store.js'
import type { BatchSetup, IssueJob, JobResult } from './compute.js'

export type SignerMeta = Pick<Signer, 'id' | 'algorithm' | 'jwsAlgorithm'>

export type ToWorker =
  | { type: 'setup'; setup: BatchSetup; signer: SignerMeta; threadKey?: KeyObject }
  | { type: 'jobs'; taskId: number; issued: string; jobs: IssueJob[] }
  | { type: 'signed'; requestId: number; signature?: Uint8Array; error?: string }

export type FromWorker =
  | { type: 'sign'; requestId: number; data: Uint8Array }
  | { type: 'done'; taskId: number; results?: JobResult[]; error?: { message: string; code?: string } }
