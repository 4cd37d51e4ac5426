import { expect } from 'chai'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { cli } from '../../support/cli.js'

const EXAMPLES = fileURLToPath(new URL('../../../examples/', import.meta.url))
const COURSE = join(EXAMPLES, 'course.json')
const LEARNER = join(EXAMPLES, 'learner.json')

describe('CLI: revoke, suspend, unsuspend, status in one home folder', function () {
  this.timeout(60_000)
  let home: string
  before(async () => {
    home = await mkdtemp(join(tmpdir(), 'mc-status-'))
    expect((await cli(home, ['init'])).code).to.equal(0)
  })
  after(() => rm(home, { recursive: true, force: true }))

  for (const format of ['elm', 'edc'] as const) {
    it(`${format}: suspend fails the status check, unsuspend restores it, revoke is final`, async () => {
      const file = `cred.${format}`
      const issued = await cli(home, [
        'issue',
        '--course',
        COURSE,
        '--learner',
        LEARNER,
        '--format',
        format,
        '--out',
        file,
      ])
      expect(issued.code, issued.err).to.equal(0)
      const id = /Issued (urn:uuid:[0-9a-f-]+)/.exec(issued.err)?.[1] as string

      const fresh = await cli(home, ['status', file])
      expect(fresh.code, fresh.err).to.equal(0)
      expect(JSON.parse(fresh.out)).to.include({ status: 'pass', code: 'STATUS_OK' })

      expect((await cli(home, ['suspend', id, '--reason', 'Identity check pending'])).code).to.equal(0)
      const suspended = await cli(home, ['status', file])
      expect(suspended.code).to.equal(1)
      expect(JSON.parse(suspended.out)).to.include({ status: 'fail', code: 'STATUS_SUSPENDED' })

      expect((await cli(home, ['unsuspend', id])).code).to.equal(0)
      expect(JSON.parse((await cli(home, ['status', id])).out)).to.include({ status: 'pass' })

      const revoked = await cli(home, ['revoke', id, '--reason', 'Awarded in error'])
      expect(revoked.code, revoked.err).to.equal(0)
      expect(JSON.parse(revoked.out).changed[0]).to.include({ action: 'revoke', outcome: 'changed' })
      const after = await cli(home, ['status', file])
      expect(after.code).to.equal(1)
      expect(JSON.parse(after.out)).to.include({ status: 'fail', code: 'STATUS_REVOKED' })
      expect(
        JSON.parse((await cli(home, ['revoke', id, '--reason', 'again'])).out).changed[0].outcome,
      ).to.equal('unchanged')
    })
  }

  it('after `keys rotate` (a new did:key), earlier credentials still check and revoke; later ones are unaffected', async () => {
    const issue = async (file: string) => {
      const issued = await cli(home, [
        'issue',
        '--course',
        COURSE,
        '--learner',
        LEARNER,
        '--format',
        'elm',
        '--out',
        file,
      ])
      expect(issued.code, issued.err).to.equal(0)
      return /Issued (urn:uuid:[0-9a-f-]+)/.exec(issued.err)?.[1] as string
    }
    const before = await issue('before-rotation.elm')
    const rotated = await cli(home, ['keys', 'rotate'])
    expect(rotated.code, rotated.err).to.equal(0)
    expect(rotated.err).to.match(/The issuer DID is now did:key:/)
    await issue('after-rotation.elm')

    for (const file of ['before-rotation.elm', 'after-rotation.elm']) {
      const checked = await cli(home, ['status', file])
      expect(checked.code, checked.out).to.equal(0)
    }
    expect((await cli(home, ['revoke', before, '--reason', 'Awarded in error'])).code).to.equal(0)
    expect(JSON.parse((await cli(home, ['status', 'before-rotation.elm'])).out)).to.include({
      status: 'fail',
      code: 'STATUS_REVOKED',
    })
    expect(JSON.parse((await cli(home, ['status', 'after-rotation.elm'])).out)).to.include({
      status: 'pass',
      code: 'STATUS_OK',
    })
  })

  it('refuses a revoke or suspend without a reason (usage, exit 2) and unknown credentials (exit 1)', async () => {
    expect((await cli(home, ['revoke', 'urn:uuid:00000000-0000-4000-8000-000000000000'])).code).to.equal(2)
    expect(
      (await cli(home, ['suspend', 'urn:uuid:00000000-0000-4000-8000-000000000000', '--reason', ' '])).code,
    ).to.equal(2)
    const unknown = await cli(home, [
      'revoke',
      'urn:uuid:00000000-0000-4000-8000-000000000000',
      '--reason',
      'x',
    ])
    expect(unknown.code).to.equal(1)
    expect(unknown.err).to.match(/ERR_NOT_FOUND/)
    const missing = await cli(home, ['status', 'no-such-file.jwt'])
    expect(missing.code).to.equal(1)
    expect(missing.err).to.match(/ERR_VALIDATION/)
  })
})
