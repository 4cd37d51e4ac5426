/**
 * Runs batch jobs on worker threads (or in-process when asked for zero workers). The main thread keeps
 * storage and the key store; workers sign with the key the signer offers to threads, or else send the main
 * thread what to sign and get the signature back.
 */
import { availableParallelism } from 'node:os'
import { Worker } from 'node:worker_threads'
import { SigningError } from '../errors.js'
import type { Signer } from '../signing/key-store.js'
import {
  prepareSetup,
  runJob,
  type BatchSetup,
  type IssueJob,
  type JobResult,
  type PreparedSetup,
} from './compute.js'
import type { FromWorker, ToWorker } from './worker-protocol.js'

export interface WorkerPool {
  readonly size: number
  /**
   * Sets what the next jobs share: the course, issuer and format of one batch, and its signer. Threads start
   * before they are configured, so a caller can start them while it still validates the cohort's file; a
   * pool can be configured again for another batch.
   */
  configure(options: WorkerPoolSetup): void
  /** Makes every job's credential; results are in the order of `jobs`. */
  run(jobs: IssueJob[], issued: Date): Promise<JobResult[]>
  close(): Promise<void>
}

export interface WorkerPoolSetup {
  setup: BatchSetup
  signer: Signer
}

export interface WorkerPoolOptions extends WorkerPoolSetup {
  /** Worker threads; 0 runs in-process. Default: one per core. */
  size?: number
}

/** The worker's module next to this one: `.ts` when running from source, `.js` when built. */
function workerUrl(): URL {
  const extension = import.meta.url.endsWith('.ts') ? '.ts' : '.js'
  return new URL(`./issue-worker${extension}`, import.meta.url)
}

function startWorker(): Worker {
  const url = workerUrl()
  if (url.pathname.endsWith('.ts')) {
    // Running from the TypeScript sources (tests, benchmarks): a worker does not inherit the parent's module
    // loader, so it registers the same one before loading the worker module.
    const loader = import.meta.resolve('tsx/esm/api')
    return new Worker(
      `import(${JSON.stringify(loader)}).then((api) => { api.register(); return import(${JSON.stringify(url.href)}) })`,
      { eval: true },
    )
  }
  return new Worker(url)
}

export function defaultWorkerCount(): number {
  return availableParallelism()
}

/** Starts `size` worker threads (0: none, jobs run in-process), to be configured before the first run. */
export function startWorkerPool(size: number = defaultWorkerCount()): WorkerPool {
  return size <= 0 ? inProcessPool() : threadPool(size)
}

/** Starts a pool and configures it at once. */
export function createWorkerPool(options: WorkerPoolOptions): WorkerPool {
  const pool = startWorkerPool(options.size)
  pool.configure(options)
  return pool
}

const notConfigured = () => new Error('The batch worker pool was not configured')

function inProcessPool(): WorkerPool {
  let current: { prepared: Promise<PreparedSetup>; signer: Signer } | undefined
  return {
    size: 0,
    configure({ setup, signer }) {
      current = { prepared: prepareSetup(setup), signer }
    },
    async run(jobs, issued) {
      if (!current) throw notConfigured()
      const { prepared, signer } = current
      const results: JobResult[] = []
      const setup = await prepared
      for (const job of jobs) results.push(await runJob(setup, job, issued, signer))
      return results
    },
    async close() {},
  }
}

interface Task {
  resolve: (results: JobResult[]) => void
  reject: (err: Error) => void
}

function threadPool(size: number): WorkerPool {
  let signer: Signer | undefined
  const tasks = new Map<number, Task>()
  let nextTask = 0
  let failure: Error | undefined

  const fail = (err: Error) => {
    failure ??= err
    for (const task of tasks.values()) task.reject(err)
    tasks.clear()
  }

  const workers = Array.from({ length: size }, () => {
    const worker = startWorker()
    const send = (message: ToWorker, transfer: ArrayBuffer[] = []) => worker.postMessage(message, transfer)
    worker.on('message', (message: FromWorker) => {
      if (message.type === 'sign') {
        if (!signer) {
          send({ type: 'signed', requestId: message.requestId, error: notConfigured().message })
          return
        }
        signer.sign({ data: message.data }).then(
          (signature) => {
            const bytes = new Uint8Array(signature)
            send({ type: 'signed', requestId: message.requestId, signature: bytes }, [bytes.buffer])
          },
          (err: unknown) =>
            send({ type: 'signed', requestId: message.requestId, error: (err as Error).message }),
        )
        return
      }
      const task = tasks.get(message.taskId)
      tasks.delete(message.taskId)
      if (!task) return
      if (message.results) task.resolve(message.results)
      else task.reject(new SigningError(message.error?.message ?? 'A batch worker failed'))
    })
    worker.on('error', (err) => fail(err))
    worker.on('exit', (code) => {
      if (code !== 0) fail(new Error(`A batch worker stopped with exit code ${code}`))
    })
    return { worker, send }
  })

  const runOn = (index: number, jobs: IssueJob[], issued: Date) =>
    new Promise<JobResult[]>((resolve, reject) => {
      if (failure) return reject(failure)
      if (!signer) return reject(notConfigured())
      const taskId = nextTask++
      tasks.set(taskId, { resolve, reject })
      workers[index]?.send({ type: 'jobs', taskId, issued: issued.toISOString(), jobs })
    })

  return {
    size,
    configure(options) {
      signer = options.signer
      for (const { send } of workers) {
        send({
          type: 'setup',
          setup: options.setup,
          signer: { id: signer.id, algorithm: signer.algorithm, jwsAlgorithm: signer.jwsAlgorithm },
          ...(signer.threadKey ? { threadKey: signer.threadKey } : {}),
        })
      }
    },
    async run(jobs, issued) {
      // Contiguous slices, one per worker: results come back in job order by concatenation.
      const per = Math.ceil(jobs.length / size)
      const slices: Array<Promise<JobResult[]>> = []
      for (let i = 0; i < size && i * per < jobs.length; i++) {
        slices.push(runOn(i, jobs.slice(i * per, (i + 1) * per), issued))
      }
      return (await Promise.all(slices)).flat()
    },
    async close() {
      await Promise.all(workers.map(({ worker }) => worker.terminate()))
    },
  }
}
