/**
 * Worker thread of batch issuance: builds, checks and signs credentials on its own core. A key store that
 * holds keys in process hands the worker its `KeyObject`; any other (a KMS) keeps the key on the main thread,
 * and the worker asks it for each signature by message.
 */
import { parentPort } from 'node:worker_threads'
import { signerFromKeyObject } from '../signing/key-object-signer.js'
import type { Signer } from '../signing/key-store.js'
import { prepareSetup, runJob, type JobResult, type PreparedSetup } from './compute.js'
import type { FromWorker, ToWorker, WireResult } from './worker-protocol.js'

const port = parentPort
if (!port) throw new Error('issue-worker must run as a worker thread')

let prepared: Promise<PreparedSetup> | undefined
let signer: Signer | undefined
let nextRequest = 0
const signing = new Map<number, { resolve: (signature: Uint8Array) => void; reject: (err: Error) => void }>()

function post(message: FromWorker, transfer: ArrayBuffer[] = []): void {
  port?.postMessage(message, transfer)
}

/**
 * A few jobs at a time: while one waits for a signature from the main thread, the next is being built; and
 * only a few credentials (50-80 KB each, plus their intermediate strings) are alive at once.
 */
async function runWindowed<T, R>(items: T[], run: (item: T) => Promise<R>, window = 8): Promise<R[]> {
  const results: R[] = []
  for (let i = 0; i < items.length; i += window) {
    results.push(...(await Promise.all(items.slice(i, i + window).map(run))))
  }
  return results
}

const encoder = new TextEncoder()

/** Each credential leaves the heap as soon as it is made: see {@link WireResult}. */
function toWire(result: JobResult): WireResult {
  // TextEncoder gives every credential a buffer of its own, which can be transferred alone.
  if (!result.ok) return result
  const { credential } = result
  return { ok: true, credential: typeof credential === 'string' ? encoder.encode(credential) : credential }
}

port.on('message', (message: ToWorker) => {
  switch (message.type) {
    case 'setup': {
      prepared = prepareSetup(message.setup)
      const meta = message.signer
      if (message.threadKey) {
        signer = signerFromKeyObject(message.threadKey, meta.id, meta.algorithm)
        break
      }
      signer = {
        ...meta,
        sign: ({ data }) =>
          new Promise<Uint8Array>((resolve, reject) => {
            const requestId = nextRequest++
            signing.set(requestId, { resolve, reject })
            // A copy that owns its buffer, so the buffer can be transferred instead of cloned.
            const bytes = new Uint8Array(data)
            post({ type: 'sign', requestId, data: bytes }, [bytes.buffer])
          }),
      }
      break
    }
    case 'signed': {
      const waiting = signing.get(message.requestId)
      signing.delete(message.requestId)
      if (message.signature) waiting?.resolve(message.signature)
      else waiting?.reject(new Error(message.error ?? 'signing failed'))
      break
    }
    case 'jobs': {
      const ready = prepared
      const sign = signer
      if (!ready || !sign) {
        post({ type: 'done', taskId: message.taskId, error: { message: 'worker not set up' } })
        return
      }
      const issued = new Date(message.issued)
      ready
        .then((setup) =>
          runWindowed(message.jobs, async (job) => toWire(await runJob(setup, job, issued, sign))),
        )
        .then(
          (results) =>
            post(
              { type: 'done', taskId: message.taskId, results },
              results.flatMap((r) => (r.ok ? [r.credential.buffer as ArrayBuffer] : [])),
            ),
          (err: unknown) => {
            const e = err as { message?: string; code?: string }
            post({
              type: 'done',
              taskId: message.taskId,
              error: { message: String(e.message ?? err), ...(e.code ? { code: e.code } : {}) },
            })
          },
        )
      break
    }
  }
})
