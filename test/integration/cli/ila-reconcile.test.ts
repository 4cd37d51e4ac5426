import { expect } from 'chai'
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { ReconciliationReport } from '../../../src/ila/reconcile.js'
import { cli } from '../../support/cli.js'

interface Answer {
  code: string
  recordId?: string
  credentialId?: string
  providerId?: string
}

/** The anomaly answers `answer`: its code, and every id the answer names. */
function answers(answer: Answer, anomaly: ReconciliationReport['anomalies'][number]): boolean {
  return (
    anomaly.code === answer.code &&
    (['recordId', 'credentialId', 'providerId'] as const).every(
      (k) => answer[k] === undefined || answer[k] === anomaly[k],
    )
  )
}

describe('CLI: ila reconcile', function () {
  this.timeout(180_000)
  let home: string
  let key: Answer[]
  let report: ReconciliationReport

  // The demo scheme, imported and linked the way docs/ila.md shows, reconciled on the same day.
  before(async () => {
    home = await mkdtemp(join(tmpdir(), 'mc-cli-ila-reconcile-'))
    const steps = [
      ['init'],
      ['ila', 'demo', '--records', '300', '--out', 'demo', '--seed', '11'],
      ['ila', 'import', 'demo/providers.json'],
      ['ila', 'import', 'demo/catalogue.json'],
      ['ila', 'import', 'demo/spending-records.csv'],
      ['ila', 'link', 'demo/credentials.jsonl'],
    ]
    // The demo dates everything from the real day: the report must be made on that day too.
    for (const args of steps) {
      const step = await cli(home, args, { overrides: { clock: () => new Date() } })
      expect(step.code, `${args.join(' ')}: ${step.err}`).to.equal(0)
    }
    key = JSON.parse(await readFile(join(home, 'demo', 'answer-key.json'), 'utf8')) as Answer[]
    const run = await cli(home, ['ila', 'reconcile', '--limit', '100000'], {
      overrides: { clock: () => new Date() },
    })
    expect(run.code, run.err).to.equal(0)
    expect(run.err).to.match(/^Reconciled 300 spending records: \d+ matched/)
    report = run.json() as ReconciliationReport
  })
  after(() => rm(home, { recursive: true, force: true }))

  it('finds every anomaly planted in the demo scheme, with its code', () => {
    const planted = key.filter((a) => /^F\d+$/.test(a.code))
    expect(planted.length).to.be.greaterThan(50)
    const missed = planted.filter((a) => !report.anomalies.some((x) => answers(a, x)))
    expect(missed).to.deep.equal([])
  })

  it('raises no high-severity anomaly that names nothing planted', () => {
    const named = new Set(key.flatMap((a) => [a.recordId, a.credentialId, a.providerId]))
    const unplanted = report.anomalies.filter(
      (x) =>
        x.severity === 'high' &&
        !key.some((a) => answers(a, x)) &&
        ![x.recordId, x.credentialId, x.providerId].some((id) => id !== undefined && named.has(id)),
    )
    expect(unplanted).to.deep.equal([])
  })

  it('adds the amounts up, and agrees with the demo totals', async () => {
    const [amounts] = report.summary.amounts
    expect(report.summary.amounts).to.have.length(1)
    expect(amounts?.paid).to.equal(
      (amounts?.paidWithCredential ?? 0) +
        (amounts?.paidWithoutCredential ?? 0) +
        (amounts?.paidNoCredentialExpected ?? 0),
    )
    expect(amounts?.atRisk).to.equal(
      (amounts?.atRiskOverdue ?? 0) + (amounts?.atRiskCancelled ?? 0) + (amounts?.atRiskRevoked ?? 0),
    )
    const records = await readFile(join(home, 'demo', 'spending-records.csv'), 'utf8')
    expect(report.summary.records).to.equal(records.trim().split('\n').length - 1)
    expect(report.byProvider.reduce((total, p) => total + (p.paid ?? 0), 0)).to.equal(amounts?.paid)
  })

  it('writes CSV and HTML to --out, readable by the owner only; --suppress-below leaves record-level lists out', async () => {
    for (const format of ['csv', 'html'] as const) {
      const run = await cli(home, ['ila', 'reconcile', '--format', format, '--out', `report.${format}`])
      expect(run.code, run.err).to.equal(0)
      expect(run.out).to.equal('')
      expect(run.err).to.include(`written to report.${format}`)
      const file = join(home, `report.${format}`)
      expect((await stat(file)).mode & 0o777).to.equal(0o600)
      const text = await readFile(file, 'utf8')
      expect(text.startsWith(format === 'csv' ? '# report\r\n' : '<!DOCTYPE html>')).to.equal(true)
    }
    const published = await cli(home, ['ila', 'reconcile', '--suppress-below', '10', '--scheme', 'FR-CPF'])
    expect(published.code, published.err).to.equal(0)
    const json = published.json() as ReconciliationReport
    expect(json).to.deep.include({
      schemeId: 'FR-CPF',
      suppression: { below: 10 },
      anomalies: [],
      matches: [],
    })
  })

  it('refuses a format it does not write (usage, exit 2) and a malformed date (exit 1)', async () => {
    const format = await cli(home, ['ila', 'reconcile', '--format', 'xml'])
    expect(format.code).to.equal(2)
    const date = await cli(home, ['ila', 'reconcile', '--from', '2026-13-01'])
    expect(date.code).to.equal(1)
    expect(date.err).to.include('ERR_VALIDATION')
    const help = await cli(home, ['ila', '--help'])
    expect(help.out).to.include('ila reconcile')
  })
})
