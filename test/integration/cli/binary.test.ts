import { expect } from 'chai'
import { spawnSync } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const ROOT = fileURLToPath(new URL('../../..', import.meta.url))
const MAIN = join(ROOT, 'src', 'cli', 'main.ts')

/** Runs the real entry point in a child process, as a shell would. */
function microcred(home: string, args: string[]) {
  const result = spawnSync(process.execPath, ['--import', 'tsx', MAIN, ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, MICROCRED_HOME: home },
    encoding: 'utf8',
  })
  return { code: result.status, stdout: result.stdout, stderr: result.stderr }
}

describe('CLI binary: streams and exit codes', function () {
  this.timeout(60_000)
  let home: string
  before(async () => {
    home = await mkdtemp(join(tmpdir(), 'mc-bin-'))
  })
  after(async () => {
    await rm(home, { recursive: true, force: true })
  })

  it('prints the result on stdout and messages on stderr, exit 0', () => {
    const run = microcred(home, ['init'])
    expect(run.code, run.stderr).to.equal(0)
    expect(JSON.parse(run.stdout).issuer.did).to.match(/^did:key:/)
    expect(run.stderr).to.match(/^Database schema updated/m)
  })

  it('exits 1 on refused input and 2 on usage errors', () => {
    expect(
      microcred(home, [
        'tenants',
        'add',
        'x',
        '--name',
        'X',
        '--legal-name',
        'X',
        '--country',
        'xx',
        '--address',
        'a',
        '--eidas-id',
        'e',
      ]).code,
    ).to.equal(1)
    const usage = microcred(home, ['keys', 'rotate', '--bogus'])
    expect(usage.code).to.equal(2)
    expect(usage.stdout).to.equal('')
    expect(usage.stderr).to.match(/Usage: microcred keys rotate/)
  })
})
