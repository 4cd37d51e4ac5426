import { expect } from 'chai'
import { spawn, spawnSync, type ChildProcessByStdio } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { get } from 'node:https'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Readable } from 'node:stream'
import { fileURLToPath } from 'node:url'
import { cli } from '../../support/cli.js'

const ROOT = fileURLToPath(new URL('../../..', import.meta.url))
const MAIN = join(ROOT, 'src', 'cli', 'main.ts')

type Child = ChildProcessByStdio<null, Readable, Readable>

/** Starts `microcred serve <args>` in `home` and waits for the URL it prints. */
async function startServe(home: string, args: string[]): Promise<{ child: Child; url: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, 'serve', ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, MICROCRED_HOME: home, MICROCRED_LOG_LEVEL: 'silent' },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stderr = ''
  const url = await new Promise<string>((found, fail) => {
    child.stderr.setEncoding('utf8')
    child.stderr.on('data', (chunk: string) => {
      stderr += chunk
      const match = /Listening on (https?:\/\/\S+)/.exec(stderr)
      if (match) found(match[1] as string)
    })
    child.once('exit', () => fail(new Error(`serve exited early: ${stderr}`)))
  })
  return { child, url }
}

/** SIGTERM, then the exit code. */
async function stop(child: Child): Promise<number | null> {
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)))
  child.kill('SIGTERM')
  return exited
}

describe('microcred serve (child process)', function () {
  this.timeout(60_000)
  let home: string
  before(async () => {
    home = await mkdtemp(join(tmpdir(), 'mc-serve-'))
    expect((await cli(home, ['init'])).code).to.equal(0)
  })
  after(async () => {
    await rm(home, { recursive: true, force: true })
  })

  it('listens on a free port, answers /healthz, and exits 0 on SIGTERM', async () => {
    const { child, url } = await startServe(home, ['--port', '0', '--host', '127.0.0.1'])
    try {
      expect(url).to.match(/^http:\/\/127\.0\.0\.1:\d+$/)
      const res = await fetch(`${url}/healthz`)
      expect(res.status).to.equal(200)
      expect(await res.json()).to.deep.equal({ status: 'ok' })
      expect(await stop(child)).to.equal(0)
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL')
    }
  })

  it('serves HTTPS with --tls-cert and --tls-key', async function () {
    const cert = join(home, 'cert.pem')
    const key = join(home, 'key.pem')
    const made = spawnSync('openssl', [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
      '-keyout',
      key,
      '-out',
      cert,
    ])
    if (made.error || made.status !== 0) this.skip()
    const { child, url } = await startServe(home, [
      '--port',
      '0',
      '--host',
      '127.0.0.1',
      '--tls-cert',
      cert,
      '--tls-key',
      key,
    ])
    try {
      expect(url).to.match(/^https:\/\//)
      const ca = await readFile(cert)
      const status = await new Promise<number | undefined>((done, fail) => {
        get(`${url}/healthz`, { ca }, (res) => {
          res.resume()
          done(res.statusCode)
        }).once('error', fail)
      })
      expect(status).to.equal(200)
      expect(await stop(child)).to.equal(0)
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL')
    }
  })
})
