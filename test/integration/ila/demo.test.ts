import { expect } from 'chai'
import { createReadStream } from 'node:fs'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fixedClock } from '../../../src/clock.js'
import { loadConfig } from '../../../src/config/load-config.js'
import { createContext, type AppContext } from '../../../src/context.js'
import { StorageConflictError, ValidationError } from '../../../src/errors.js'
import { generateIlaDemo, type IlaDemoAnswer, type IlaDemoResult } from '../../../src/ila/demo.js'
import { importIla } from '../../../src/ila/import.js'
import { linkCredentials } from '../../../src/ila/link.js'
import type { IlaImportKind, SpendingRecord } from '../../../src/ila/model.js'
import { readIlaRows } from '../../../src/ila/read-rows.js'
import { readCredentialTexts } from '../../../src/ila/read-credentials.js'
import { reconcile, type Anomaly, type ReconciliationReport } from '../../../src/ila/reconcile.js'
import { createVerifierDeps } from '../../../src/verifier/verifier-deps.js'
import { verifyCredential } from '../../../src/verifier/verify-credential.js'
import { cli, CLI_TEST_NOW } from '../../support/cli.js'

const RECORDS = 300
const SEED = 7

/** Every code the demo plants: F14 has no field to show in (complaints, marketing flags). */
const PLANTED_CODES = [
  'F1',
  'F2',
  'F3',
  'F4',
  'F5',
  'F6',
  'F7',
  'F8',
  'F9',
  'F10',
  'F11',
  'F12',
  'F13',
  'F15',
  'F16',
  'L2',
  'L3',
  'L5',
]

const ID_KEYS = ['recordId', 'credentialId', 'providerId'] as const

/** A home initialised with the real CLI, its context at the CLI tests' fixed time. */
async function demoHome(): Promise<{ home: string; ctx: AppContext }> {
  const home = await mkdtemp(join(tmpdir(), 'mc-ila-demo-'))
  const init = await cli(home, ['init'])
  expect(init.code, init.err).to.equal(0)
  const ctx = await createContext(loadConfig({ env: { MICROCRED_HOME: home }, cwd: home }), {
    clock: fixedClock(CLI_TEST_NOW),
  })
  return { home, ctx }
}

async function readRecords(file: string): Promise<SpendingRecord[]> {
  const records: SpendingRecord[] = []
  for await (const row of readIlaRows(createReadStream(file), 'records', 'csv')) {
    records.push(row.item as unknown as SpendingRecord)
  }
  return records
}

async function readAnswers(file: string): Promise<IlaDemoAnswer[]> {
  return JSON.parse(await readFile(file, 'utf8')) as IlaDemoAnswer[]
}

/** The credential ids of `credentials.jsonl`, in order: from the JWS payload or the JSON document. */
async function credentialIds(file: string): Promise<string[]> {
  const lines = (await readFile(file, 'utf8')).trim().split('\n')
  return lines.map((line) => {
    if (line.startsWith('{')) return (JSON.parse(line) as { id: string }).id
    const payload = line.split('.')[1] as string
    return (JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { id: string }).id
  })
}

/**
 * The anomaly is about `answer`: it shares an id with it and names none of another. An anomaly about two records
 * (an overlap, a credential claimed twice) names one in its ids and the other in its evidence.
 */
function concerns(anomaly: Anomaly, answer: IlaDemoAnswer): boolean {
  const named = new Set(
    [...ID_KEYS.map((k) => anomaly[k]), ...Object.values(anomaly.evidence)].filter(
      (v) => typeof v === 'string',
    ),
  )
  let shared = 0
  for (const key of ID_KEYS) {
    const wanted = answer[key]
    if (wanted === undefined) continue
    if (named.has(wanted)) shared++
    else if (anomaly[key] !== undefined && anomaly[key] !== null) return false
  }
  return shared > 0
}

/** Whether the report shows `answer`: an anomaly of its code, or for a linking rule, that rule not passing. */
function found(report: ReconciliationReport, answer: IlaDemoAnswer): boolean {
  if (report.anomalies.some((a) => a.code === answer.code && concerns(a, answer))) return true
  if (!answer.code.startsWith('L')) return false
  const inMatches = report.matches.some(
    (m) =>
      (m.credentialId === answer.credentialId || m.recordId === answer.recordId) &&
      m.checks.some((c) => c.rule === answer.code && c.status !== 'pass'),
  )
  const inUnmatched = report.unmatchedCredentials.some(
    (u) => u.credentialId === answer.credentialId && u.codes.some((c) => c.startsWith(`${answer.code}_`)),
  )
  return inMatches || inUnmatched
}

describe('ILA demo scheme', function () {
  this.timeout(300_000)
  let home: string
  let ctx: AppContext
  let demo: IlaDemoResult
  let imported: Promise<void> | undefined

  /** Imports the three files into the default tenant, once, whichever test asks first. */
  const importAll = () =>
    (imported ??= (async () => {
      for (const [kind, file, format] of [
        ['providers', demo.files.providers, 'json'],
        ['catalogue', demo.files.catalogue, 'json'],
        ['records', demo.files.records, 'csv'],
      ] as const) {
        const report = await importIla(ctx, { kind, format, source: createReadStream(file) })
        expect(report, kind).to.deep.include({ rejected: 0, problems: [] })
      }
    })())

  before(async () => {
    ;({ home, ctx } = await demoHome())
    demo = await generateIlaDemo(ctx, { records: RECORDS, outDir: join(home, 'demo'), seed: SEED })
  })
  after(async () => {
    await ctx?.close()
    if (home) await rm(home, { recursive: true, force: true })
  })

  it('writes the five files and counts what it made', async () => {
    expect(demo.seed).to.equal(SEED)
    expect(demo.asOf).to.equal(CLI_TEST_NOW.slice(0, 10))
    expect(demo.tenants).to.include(`ila-demo-${SEED}-p01`)
    const records = await readRecords(demo.files.records)
    expect(records).to.have.length(RECORDS)
    expect(demo.counts.records).to.equal(RECORDS)
    const ids = await credentialIds(demo.files.credentials)
    expect(ids).to.have.length(demo.counts.credentials)
    expect(new Set(ids).size).to.equal(ids.length)
    expect(demo.counts.elm + demo.counts.edc).to.equal(demo.counts.credentials)
    expect(demo.counts.edc).to.be.greaterThan(0)
    expect(demo.counts.elm).to.be.greaterThan(demo.counts.edc)
    const sum = (pick: (r: SpendingRecord) => { amountMinor: number } | undefined) =>
      records.reduce((total, r) => total + (pick(r)?.amountMinor ?? 0), 0)
    expect(demo.counts.amounts).to.deep.equal({
      currency: 'EUR',
      agreedMinor: sum((r) => r.agreedPrice),
      paidMinor: sum((r) => r.amountPaidToProvider),
      recreditedMinor: sum((r) => r.amountRecredited),
      recoveredMinor: sum((r) => r.amountRecovered),
    })
    // Clean records stay under the high-value threshold of evidence (1,000 EUR); only F16 plants exceed it.
    const answers = await readAnswers(demo.files.answerKey)
    const highValue = new Set(answers.filter((a) => a.code === 'F16').map((a) => a.recordId))
    for (const r of records) {
      if (r.agreedPrice.amountMinor >= 100_000) expect(highValue.has(r.recordId), r.recordId).to.equal(true)
    }
  })

  it('is deterministic for a seed: the same records, credential ids and answer key (CLI: ila demo)', async () => {
    const other = await mkdtemp(join(tmpdir(), 'mc-ila-demo-'))
    let otherCtx: AppContext | undefined
    try {
      expect((await cli(other, ['init'])).code).to.equal(0)
      const args = ['ila', 'demo', '--records', String(RECORDS), '--out', 'demo', '--seed', String(SEED)]
      const run = await cli(other, args)
      expect(run.code, run.err).to.equal(0)
      expect(run.err).to.include(
        `Generated ${RECORDS} spending records and ${demo.counts.credentials} credentials`,
      )
      const again = run.json() as IlaDemoResult
      expect(again.files.answerKey).to.equal(join(other, 'demo', 'answer-key.json'))
      expect(again.counts).to.deep.equal(demo.counts)
      for (const file of ['records', 'catalogue', 'answerKey'] as const) {
        expect(await readFile(again.files[file], 'utf8'), file).to.equal(
          await readFile(demo.files[file], 'utf8'),
        )
      }
      expect(await credentialIds(again.files.credentials)).to.deep.equal(
        await credentialIds(demo.files.credentials),
      )
      // Only the issuers' keys are new on every run.
      const strip = async (file: string) =>
        (JSON.parse(await readFile(file, 'utf8')) as Array<{ issuerKeys: string[] }>).map((p) => ({
          ...p,
          issuerKeys: p.issuerKeys.length,
        }))
      expect(await strip(again.files.providers)).to.deep.equal(await strip(demo.files.providers))

      otherCtx = await createContext(loadConfig({ env: { MICROCRED_HOME: other }, cwd: other }), {
        clock: fixedClock(CLI_TEST_NOW),
      })
      const otherSeed = await generateIlaDemo(otherCtx, {
        records: RECORDS,
        outDir: join(other, 'demo-8'),
        seed: SEED + 1,
      })
      const firstIds = (await readRecords(demo.files.records)).map((r) => r.recordId)
      const otherIds = (await readRecords(otherSeed.files.records)).map((r) => r.recordId)
      expect(otherIds.filter((id) => firstIds.includes(id))).to.deep.equal([])
    } finally {
      await otherCtx?.close()
      await rm(other, { recursive: true, force: true })
    }
  })

  it('refuses bad flags on the command line', async () => {
    for (const args of [
      ['--out', 'x'],
      ['--records', 'many', '--out', 'x'],
      ['--records', '300'],
    ]) {
      const run = await cli(home, ['ila', 'demo', ...args])
      expect(run.code, args.join(' ')).to.equal(2)
    }
  })

  it('refuses a seed whose scheme is in the instance already, and out-of-range parameters', async () => {
    const again: unknown = await generateIlaDemo(ctx, {
      records: RECORDS,
      outDir: join(home, 'again'),
      seed: SEED,
    }).catch((e: unknown) => e)
    expect(again).to.be.instanceOf(StorageConflictError)
    for (const input of [
      { records: 299, seed: 1 },
      { records: 1.5, seed: 1 },
      { records: RECORDS, seed: -1 },
      { records: RECORDS, seed: 2 ** 32 },
    ]) {
      const err: unknown = await generateIlaDemo(ctx, { ...input, outDir: join(home, 'bad') }).catch((e) => e)
      expect(err, JSON.stringify(input)).to.be.instanceOf(ValidationError)
    }
  })

  it('writes providers, catalogue and spending records that import without a problem', async () => {
    await importAll()
    const tenant = await ctx.storage.tenants.getBySlug('default')
    expect(await ctx.storage.ila.records.count(tenant?.id as string)).to.equal(RECORDS)
    const counts: Record<IlaImportKind, number> = {
      providers: demo.counts.providers,
      catalogue: demo.counts.catalogueEntries,
      records: RECORDS,
    }
    for (const [kind, file] of [
      ['providers', demo.files.providers],
      ['catalogue', demo.files.catalogue],
    ] as const) {
      const items = JSON.parse(await readFile(file, 'utf8')) as unknown[]
      expect(items, kind).to.have.length(counts[kind])
    }
  })

  it('writes one verifiable credential a line, signed by the providers; the planted revocation fails', async () => {
    const deps = createVerifierDeps(ctx, { remoteDidWeb: false })
    const lines = (await readFile(demo.files.credentials, 'utf8')).trim().split('\n')
    const answers = await readAnswers(demo.files.answerKey)
    const providers = JSON.parse(await readFile(demo.files.providers, 'utf8')) as Array<{
      issuerKeys: string[]
    }>
    const registered = new Set(providers.flatMap((p) => p.issuerKeys))
    const ids = await credentialIds(demo.files.credentials)
    const failed: string[] = []
    const issuers = new Set<string>()
    for (const [i, line] of lines.entries()) {
      const result = await verifyCredential(line.startsWith('{') ? JSON.parse(line) : line, deps)
      issuers.add(result.summary?.issuerDid ?? '?')
      if (!result.verified) {
        const codes = result.checks.filter((c) => c.status !== 'pass' && c.status !== 'skipped')
        failed.push(`${ids[i] ?? '?'} ${codes.map((c) => c.code).join(',')}`)
      }
    }
    expect(lines).to.have.length(demo.counts.credentials)
    const revoked = answers.find(
      (a) => a.code === 'F11' && failed.some((f) => f.startsWith(a.credentialId ?? '-')),
    )
    expect(failed).to.have.length(demo.counts.revoked)
    expect(failed[0]).to.match(/STATUS_REVOKED/)
    expect(revoked, 'the revoked credential is a planted F11').to.not.equal(undefined)
    // One issuer outside the registry signs a planted credential (F2); all the others are registered.
    expect([...issuers].filter((did) => !registered.has(did))).to.have.length(1)
  })

  it('lists every planted code in the answer key, each naming records, credentials and providers of the files', async () => {
    const answers = await readAnswers(demo.files.answerKey)
    expect([...new Set(answers.map((a) => a.code))]).to.deep.equal(PLANTED_CODES)
    expect(demo.counts.planted).to.equal(answers.length)
    const records = new Set((await readRecords(demo.files.records)).map((r) => r.recordId))
    const credentials = new Set(await credentialIds(demo.files.credentials))
    const providers = new Set(
      (JSON.parse(await readFile(demo.files.providers, 'utf8')) as Array<{ providerId: string }>).map(
        (p) => p.providerId,
      ),
    )
    for (const answer of answers) {
      expect(
        ID_KEYS.some((k) => answer[k] !== undefined),
        JSON.stringify(answer),
      ).to.equal(true)
      if (answer.recordId !== undefined) expect(records.has(answer.recordId), answer.recordId).to.equal(true)
      if (answer.credentialId !== undefined) {
        expect(credentials.has(answer.credentialId), answer.credentialId).to.equal(true)
      }
      if (answer.providerId !== undefined) {
        expect(providers.has(answer.providerId), answer.providerId).to.equal(true)
      }
    }
  })

  it('end to end: import, link and reconcile find every planted anomaly, no other high one, and the amounts add up', async () => {
    await importAll()
    const run = linkCredentials(
      { storage: ctx.storage, clock: ctx.clock, verifier: createVerifierDeps(ctx, { remoteDidWeb: false }) },
      { tenantSlug: 'default', credentials: readCredentialTexts(createReadStream(demo.files.credentials)) },
    )
    let next = await run.next()
    while (!next.done) next = await run.next()
    expect(next.value.total).to.equal(demo.counts.credentials)

    const report = await reconcile(
      { storage: ctx.storage, clock: ctx.clock },
      { tenantSlug: 'default', listLimit: 100_000, anomalyLimit: 100_000 },
    )
    const answers = await readAnswers(demo.files.answerKey)
    const missing = answers.filter((answer) => !found(report, answer))
    const plantedRecords = new Set(answers.flatMap((a) => (a.recordId === undefined ? [] : [a.recordId])))
    const plantedCredentials = new Set(
      answers.flatMap((a) => (a.credentialId === undefined ? [] : [a.credentialId])),
    )
    const unplanted = report.anomalies.filter(
      (a) =>
        a.severity === 'high' &&
        !answers.some((answer) => answer.code === a.code && concerns(a, answer)) &&
        !(a.recordId != null && plantedRecords.has(a.recordId)) &&
        !(a.credentialId != null && plantedCredentials.has(a.credentialId)),
    )
    expect(
      { missing, unplanted },
      'planted anomalies not shown; high-severity anomalies nobody planted',
    ).to.deep.equal({ missing: [], unplanted: [] })

    const records = await readRecords(demo.files.records)
    const sum = (pick: (r: SpendingRecord) => number | undefined, of = records) =>
      of.reduce((total, r) => total + (pick(r) ?? 0), 0)
    const amounts = report.summary.amounts
    expect(amounts.map((a) => a.currency)).to.deep.equal(['EUR'])
    const eur = amounts[0] as (typeof amounts)[number]
    const notRun = new Set([
      'refused',
      'cancelled_by_learner',
      'cancelled_by_provider',
      'cancelled_by_funder',
      'expired',
    ])
    expect(eur).to.deep.include({
      records: RECORDS,
      agreed: demo.counts.amounts.agreedMinor,
      committed: sum((r) => (notRun.has(r.lifecycle) ? 0 : r.agreedPrice.amountMinor)),
      paid: demo.counts.amounts.paidMinor,
      recovered: demo.counts.amounts.recoveredMinor,
      recredited: demo.counts.amounts.recreditedMinor,
    })
    expect(eur.paid).to.equal(
      (eur.paidWithCredential ?? 0) + (eur.paidWithoutCredential ?? 0) + (eur.paidNoCredentialExpected ?? 0),
    )
    expect(eur.atRisk).to.equal(
      (eur.atRiskOverdue ?? 0) + (eur.atRiskCancelled ?? 0) + (eur.atRiskRevoked ?? 0),
    )
    expect(report.byProvider.reduce((total, p) => total + (p.paid ?? 0), 0)).to.equal(eur.paid)
    expect(report.byProvider.reduce((total, p) => total + (p.records ?? 0), 0)).to.equal(RECORDS)
  })
})
