/** `serve`: runs the HTTP service (public routes) until SIGINT or SIGTERM. */
import { readFileSync } from 'node:fs'
import { createServer as createHttpServer, type Server } from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import type { AddressInfo } from 'node:net'
import { resolve } from 'node:path'
import { pino } from 'pino'
import { UsageError } from '../../errors.js'
import { createApp } from '../../http/app.js'
import { batchRunnerOf, resumeInterruptedBatches } from '../../http/batch-runner.js'
import { createVerifierDeps } from '../../verifier/verifier-deps.js'
import type { Command, Values } from '../command.js'

function portOf(values: Values, fallback: number): number {
  if (values.port === undefined) return fallback
  const text = String(values.port)
  const port = Number(text)
  if (!/^\d+$/.test(text) || port > 65535) throw new UsageError('--port must be an integer from 0 to 65535')
  return port
}

function urlOf(server: Server, tls: boolean): string {
  const address = server.address() as AddressInfo
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address
  return `${tls ? 'https' : 'http'}://${host}:${address.port}`
}

/** `signal` resolves at the first SIGINT or SIGTERM; `dispose` removes the handlers. */
function watchSignals(): { signal: Promise<NodeJS.Signals>; dispose: () => void } {
  let onSignal: (signal: NodeJS.Signals) => void = () => {}
  const signal = new Promise<NodeJS.Signals>((done) => {
    onSignal = (received) => {
      dispose()
      done(received)
    }
  })
  const dispose = () => {
    process.off('SIGINT', onSignal)
    process.off('SIGTERM', onSignal)
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  return { signal, dispose }
}

function readPem(cwd: string, flag: string, file: string): Buffer {
  try {
    return readFileSync(resolve(cwd, file))
  } catch (cause) {
    const reason = (cause as NodeJS.ErrnoException).code ?? 'unreadable'
    throw new UsageError(`${flag}: cannot read ${file}: ${reason}`, { cause })
  }
}

/** The hosts conformance mode may listen on: nothing but this machine may reach its token-less routes. */
const LOOPBACK_HOSTS = ['127.0.0.1', '::1', 'localhost']

/** The tenant conformance mode issues for. */
const CONFORMANCE_TENANT = 'default'

export const serveCommand: Command = {
  path: ['serve'],
  summary:
    'Runs the HTTP service: health, status lists, did:web documents and verification. Stops cleanly on ' +
    'SIGINT or SIGTERM.',
  usage: '[--port <n>] [--host <h>] [--tls-cert <file> --tls-key <file>] [--conformance]',
  options: {
    port: { type: 'string' },
    host: { type: 'string' },
    'tls-cert': { type: 'string' },
    'tls-key': { type: 'string' },
    conformance: { type: 'boolean' },
  },
  help: {
    port: 'TCP port (default: the configured port; 0 picks a free one)',
    host: 'address to listen on (default: the configured host)',
    'tls-cert': 'serve HTTPS with this PEM certificate (needs --tls-key)',
    'tls-key': 'the PEM private key of --tls-cert',
    conformance:
      'W3C conformance suites: the VC API issuing routes issue for the default tenant without a token ' +
      '(loopback hosts only; never in production)',
  },
  async run(env, values) {
    const port = portOf(values, env.config.port)
    const host = typeof values.host === 'string' ? values.host : env.config.host
    const conformance = values.conformance === true
    if (conformance && !LOOPBACK_HOSTS.includes(host)) {
      throw new UsageError(
        `--conformance listens on 127.0.0.1, ::1 or localhost only (it issues without a token), not ${host}`,
      )
    }
    const certFile = values['tls-cert']
    const keyFile = values['tls-key']
    if ((certFile === undefined) !== (keyFile === undefined))
      throw new UsageError('--tls-cert and --tls-key go together')
    const tls =
      typeof certFile === 'string' && typeof keyFile === 'string'
        ? { cert: readPem(env.cwd, '--tls-cert', certFile), key: readPem(env.cwd, '--tls-key', keyFile) }
        : undefined

    const ctx = await env.open()
    try {
      const logger = pino({ level: env.config.logLevel }, pino.destination(2))
      const app = createApp({
        ctx,
        verifier: createVerifierDeps(ctx),
        logger,
        ...(conformance ? { conformance: { tenantSlug: CONFORMANCE_TENANT } } : {}),
      })
      const server: Server = tls ? createHttpsServer(tls, app) : createHttpServer(app)
      const signals = watchSignals()
      try {
        await new Promise<void>((ready, fail) => {
          server.once('error', fail)
          server.listen(port, host, () => {
            server.off('error', fail)
            ready()
          })
        })
      } catch (cause) {
        signals.dispose()
        const reason = (cause as NodeJS.ErrnoException).code ?? 'failed'
        throw new UsageError(`Cannot listen on ${host}:${port}: ${reason}`, { cause })
      }
      if (conformance)
        env.io.err('Conformance mode: VC API issuing without a token, for the default tenant\n')
      env.io.err(`Listening on ${urlOf(server, tls !== undefined)}\n`)
      const batches = batchRunnerOf(app)
      // Batches an earlier process left half-issued (stopped, or crashed) carry on where they stopped.
      // A failure here must not stop a service that is already listening: the batches can be resumed by hand.
      const resumed = batches ? await resumeInterruptedBatches(ctx, batches).catch(() => -1) : 0
      if (resumed > 0) env.io.err(`Resuming ${resumed} unfinished batch${resumed === 1 ? '' : 'es'}\n`)
      if (resumed < 0)
        env.io.err('Could not look for unfinished batches; resume them with POST /batches/{id}/resume\n')
      const signal = await signals.signal
      env.io.err(`${signal}: shutting down\n`)
      // The running batch stops after its chunk in flight, before the database closes; it resumes at the next
      // start.
      await Promise.all([
        new Promise<void>((closed) => {
          server.close(() => closed())
          server.closeIdleConnections()
        }),
        batches?.close(),
      ])
      return 0
    } finally {
      await ctx.close()
    }
  },
}
