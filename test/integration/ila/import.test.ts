import { expect } from 'chai'
import { fixedClock } from '../../../src/clock.js'
import { IlaImportRefusedError, ValidationError, type FieldProblem } from '../../../src/errors.js'
import {
  ilaCsvHeader,
  ilaCsvRow,
  importIla,
  recordFromStored,
  type IlaFileFormat,
  type IlaImportKind,
  type IlaImportReport,
} from '../../../src/ila/index.js'
import type { Storage } from '../../../src/storage/storage.js'
import { fixtureRecords, ilaFixture, ilaRecord, jsonl } from '../../support/ila.js'
import { forEachDialect } from '../storage/dialects.js'

const NOW = '2026-11-25T10:00:00.000Z'

/** Text in small pieces, as an upload arrives: rows and cells are split across chunks. */
function inPieces(text: string, size = 7): string[] {
  const pieces: string[] = []
  for (let i = 0; i < text.length; i += size) pieces.push(text.slice(i, i + size))
  return pieces
}

forEachDialect('ILA import', (getStorage: () => Storage) => {
  const run = (
    kind: IlaImportKind,
    format: IlaFileFormat,
    text: string,
    partial = false,
    tenantSlug = 'op',
  ) =>
    importIla(
      { storage: getStorage(), clock: fixedClock(NOW) },
      { tenantSlug, kind, format, source: inPieces(text), partial },
    )

  /** The refusal of `text`, asserting that it is one. */
  async function refusal(
    kind: IlaImportKind,
    format: IlaFileFormat,
    text: string,
  ): Promise<IlaImportRefusedError> {
    const err: unknown = await run(kind, format, text).then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(err, 'refused').to.be.instanceOf(IlaImportRefusedError)
    return err as IlaImportRefusedError
  }

  /** The single problem of a one-row records file whose row is `record`. */
  async function recordProblems(record: Record<string, unknown>): Promise<FieldProblem[]> {
    const err = await refusal('records', 'jsonl', jsonl([record]))
    expect(err.invalidRows).to.equal(1)
    return err.problems
  }

  const count = async (tenantSlug = 'op') => {
    const tenant = await getStorage().tenants.getBySlug(tenantSlug)
    return getStorage().ila.records.count(tenant?.id as string)
  }
  const storedRecord = async (recordId: string) => {
    const tenant = await getStorage().tenants.getBySlug('op')
    const row = await getStorage().ila.records.get(tenant?.id as string, recordId)
    return row && recordFromStored(row)
  }
  const staged = async () => getStorage().ila.imports.listStale('9999-12-31T00:00:00Z')

  before(async () => {
    await getStorage().tenants.create({ id: 't-op', slug: 'op', name: 'Operator', createdAt: NOW })
    await getStorage().tenants.create({
      id: 't-other',
      slug: 'other',
      name: 'Other operator',
      createdAt: NOW,
    })
  })

  afterEach(async () => {
    // Whatever an import did, it leaves no staged rows behind.
    expect(await staged()).to.deep.equal([])
  })

  describe('reference data', () => {
    it('imports the provider registry (JSON array) and the catalogue (CSV), then the same catalogue as JSON', async () => {
      const providers = await run('providers', 'json', ilaFixture('providers.json'))
      expect(providers).to.deep.include({
        kind: 'providers',
        totalRows: 3,
        imported: 3,
        inserted: 3,
        updated: 0,
      })
      const csv = await run('catalogue', 'csv', ilaFixture('catalogue.csv'))
      expect(csv).to.deep.include({ totalRows: 2, inserted: 2, updated: 0, rejected: 0 })
      const json = await run('catalogue', 'json', ilaFixture('catalogue.json'))
      expect(json).to.deep.include({ totalRows: 2, inserted: 0, updated: 2 })
      const entry = await getStorage().ila.catalogue.get('t-op', {
        registryId: 'EDOF',
        offerId: 'ACME-PY-101',
        version: null,
      })
      expect(entry).to.deep.include({
        providerId: 'prov-acme',
        achievementIds: ['urn:example:achievement:python-basics'],
        listPriceMinor: 150000,
        credentialExpected: true,
      })
      const acme = await getStorage().ila.providers.get('t-op', 'prov-acme')
      // A date-time is stored in UTC, a date as given.
      expect(acme?.accreditations.map((a) => a.validFrom)).to.deep.equal([
        '2024-01-01',
        '2024-02-01T08:00:00.000Z',
      ])
    })

    it('refuses a catalogue entry of an unknown provider, and an eligibility window that ends before it starts', async () => {
      const entries = JSON.parse(ilaFixture('catalogue.json')) as Array<Record<string, unknown>>
      const err = await refusal(
        'catalogue',
        'json',
        JSON.stringify([
          { ...entries[0], offerId: 'NEW-1', providerId: 'prov-nobody' },
          { ...entries[1], offerId: 'NEW-2', eligibleFrom: '2026-01-01', eligibleUntil: '2025-12-31' },
        ]),
      )
      expect(err.problems.map((p) => [p.field, p.rule])).to.deep.equal([
        ['rows/2/eligibleUntil', 'dateOrder'],
        ['rows/1/providerId', 'reference'],
      ])
      expect(err.rejectedRows).to.deep.equal([1, 2])
    })

    it('refuses a provider with an issuer key that is not a DID, and an unknown accreditation status', async () => {
      const err = await refusal(
        'providers',
        'jsonl',
        jsonl([
          {
            providerId: 'p-x',
            legalIds: [{ scheme: 'UEN', value: '1' }],
            issuerKeys: ['https://x'],
            accreditations: [],
          },
          {
            providerId: 'p-y',
            legalIds: [{ scheme: 'UEN', value: '2' }],
            issuerKeys: [],
            accreditations: [{ type: 'SSG', validFrom: '2024-01-01', status: 'pending' }],
          },
        ]),
      )
      expect(err.problems.map((p) => [p.field, p.rule])).to.deep.equal([
        ['rows/1/issuerKeys/0', 'pattern'],
        ['rows/2/accreditations/0/status', 'enum'],
      ])
      expect(err.problems[1]?.message).to.include('active, suspended, withdrawn')
    })
  })

  describe('spending records', () => {
    it('imports the CSV and the JSON lines fixtures to the same records; a second import updates them', async () => {
      const csv = await run('records', 'csv', ilaFixture('spending-records.csv'))
      expect(csv).to.deep.equal({
        kind: 'records',
        partial: false,
        totalRows: 3,
        imported: 3,
        inserted: 3,
        updated: 0,
        rejected: 0,
        problems: [],
        problemsTruncated: false,
        rejectedRows: [],
        rejectedRowsTruncated: false,
      } satisfies IlaImportReport)
      const fromCsv = await Promise.all(['rec-0001', 'rec-0002', 'rec-0003'].map(storedRecord))
      const again = await run('records', 'jsonl', ilaFixture('spending-records.jsonl'))
      expect(again).to.deep.include({ inserted: 0, updated: 3, imported: 3 })
      const fromJsonl = await Promise.all(['rec-0001', 'rec-0002', 'rec-0003'].map(storedRecord))
      expect(fromJsonl).to.deep.equal(fromCsv)

      // As given, except date-times, which are stored in UTC.
      const expected = fixtureRecords()[0] as unknown as Record<string, any>
      expected.requestedAt = '2026-02-01T09:15:00.000Z'
      expected.history = expected.history.map((e: Record<string, string>) => ({
        ...e,
        at: new Date(e.at as string).toISOString(),
      }))
      expect(fromJsonl[0]).to.deep.equal(expected)
    })

    it('upserts by record id: changed fields, funding and history replace the stored ones', async () => {
      const changed = {
        ...fixtureRecords()[1],
        lifecycle: 'exited',
        actualEnd: '2026-05-06',
        exitReason: 'partial_learner',
        funding: [{ funderType: 'ila_entitlement', amount: { amountMinor: 49000, currency: 'EUR' } }],
        history: [],
      }
      const report = await run('records', 'json', JSON.stringify([changed]))
      expect(report).to.deep.include({ inserted: 0, updated: 1 })
      const stored = await storedRecord('rec-0002')
      expect(stored).to.deep.include({
        lifecycle: 'exited',
        actualEnd: '2026-05-06',
        exitReason: 'partial_learner',
      })
      expect(stored?.funding).to.have.length(1)
      expect(stored?.history).to.deep.equal([])
    })

    it('keeps each tenant apart: the same record id for another operator refers to its own registry', async () => {
      const err: unknown = await run('records', 'jsonl', jsonl([ilaRecord(1)]), false, 'other').catch(
        (e: unknown) => e,
      )
      expect(err).to.be.instanceOf(IlaImportRefusedError)
      expect((err as IlaImportRefusedError).problems.map((p) => p.rule)).to.deep.equal([
        'reference',
        'reference',
      ])
      expect(await count('other')).to.equal(0)
    })

    describe('refuses a row, naming the row, the field and the rule', () => {
      const cases: Array<[string, Record<string, unknown>, Array<[string, string]>]> = [
        ['a missing field', { ...ilaRecord(1), schemeRef: undefined }, [['rows/1/schemeRef', 'required']]],
        ['an unknown lifecycle state', ilaRecord(1, { lifecycle: 'done' }), [['rows/1/lifecycle', 'enum']]],
        [
          'a history state of another axis',
          ilaRecord(1, {
            history: [{ at: '2026-02-01', axis: 'payment', to: 'in_training', actor: 'system' }],
          }),
          [['rows/1/history/0/to', 'enum']],
        ],
        [
          'an amount that is not an integer of minor units',
          ilaRecord(1, { agreedPrice: { amountMinor: 1500.5, currency: 'EUR' } }),
          [['rows/1/agreedPrice/amountMinor', 'type']],
        ],
        [
          'a negative amount',
          ilaRecord(1, { amountPaidToProvider: { amountMinor: -1, currency: 'EUR' } }),
          [['rows/1/amountPaidToProvider/amountMinor', 'minimum']],
        ],
        [
          'funding lines that do not add up to the agreed price',
          ilaRecord(1, { agreedPrice: { amountMinor: 160000, currency: 'EUR' } }),
          [['rows/1/funding', 'sum']],
        ],
        [
          'an amount in another currency',
          ilaRecord(1, { amountDebitedFromAccount: { amountMinor: 140000, currency: 'SGD' } }),
          [['rows/1/amountDebitedFromAccount/currency', 'currency']],
        ],
        [
          'an unknown funder type',
          ilaRecord(1, {
            funding: [{ funderType: 'lottery', amount: { amountMinor: 150000, currency: 'EUR' } }],
          }),
          [['rows/1/funding/0/funderType', 'enum']],
        ],
        [
          'an hours entitlement without the hours',
          ilaRecord(1, { entitlementUnit: 'hours' }),
          [['rows/1/hoursCommitted', 'required']],
        ],
        [
          'a planned end before the planned start',
          ilaRecord(1, { plannedEnd: '2026-03-01' }),
          [['rows/1/plannedEnd', 'dateOrder']],
        ],
        [
          'a date that is not ISO 8601',
          ilaRecord(1, { requestedAt: '01/02/2026' }),
          [['rows/1/requestedAt', 'format']],
        ],
        [
          'a link token digest that is not a SHA-256',
          ilaRecord(1, { linkTokenDigest: 'ABC' }),
          [['rows/1/linkTokenDigest', 'pattern']],
        ],
        [
          'an unknown field',
          ilaRecord(1, { learnerName: 'Ann' }),
          [['rows/1/learnerName', 'additionalProperties']],
        ],
        [
          'an unknown provider',
          ilaRecord(1, {
            provider: {
              providerId: 'prov-ghost',
              legalId: { scheme: 'SIRET', value: '1' },
              accreditationSnapshot: [],
            },
          }),
          [['rows/1/provider/providerId', 'reference']],
        ],
        [
          'an offer not in the catalogue',
          ilaRecord(1, { catalogue: { registryId: 'EDOF', offerId: 'ACME-PY-101', version: '7' } }),
          [['rows/1/catalogue/offerId', 'reference']],
        ],
      ]
      for (const [what, record, expected] of cases) {
        it(what, async () => {
          const problems = await recordProblems(record)
          expect(
            problems.map((p) => [p.field, p.rule]),
            JSON.stringify(problems),
          ).to.deep.equal(expected)
          expect(problems[0]?.message).to.match(/^row 1: /)
          expect(await storedRecord('rec-000001')).to.equal(undefined)
        })
      }
    })

    it('accepts what the fraud signals look for: completion declared before entry into training', async () => {
      const report = await run(
        'records',
        'jsonl',
        jsonl([
          ilaRecord(900, {
            actualStart: '2026-03-10',
            completionDeclaredAt: '2026-03-05',
            requestedAt: '2026-03-20',
          }),
        ]),
      )
      expect(report.imported).to.equal(1)
    })

    describe('CSV', () => {
      const csvOf = (...records: Array<Record<string, unknown>>) =>
        ilaCsvHeader('records') + records.map((r) => ilaCsvRow('records', r)).join('')

      it('reads nested fields from dotted columns and JSON cells', async () => {
        const report = await run(
          'records',
          'csv',
          csvOf(ilaRecord(10), ilaRecord(11, { hoursCommitted: 7.5, realisationRatePct: 50 })),
        )
        expect(report.imported).to.equal(2)
        expect(await storedRecord('rec-000011')).to.deep.include({
          hoursCommitted: 7.5,
          realisationRatePct: 50,
        })
      })

      it('refuses a JSON cell that is not JSON, and a number cell that is not a number', async () => {
        const badJson = ilaCsvRow('records', ilaRecord(12)).replace('""funderType""', 'funderType')
        const badNumber = ilaCsvRow('records', ilaRecord(13)).replace(',150000,EUR,', ',15O000,EUR,')
        const err = await refusal('records', 'csv', ilaCsvHeader('records') + badJson + badNumber)
        expect(err.problems.map((p) => [p.field, p.rule])).to.deep.equal([
          ['rows/1/funding', 'json'],
          ['rows/2/agreedPrice/amountMinor', 'type'],
        ])
        expect(err.problems[0]?.message).to.equal(
          'row 1: column funding must hold JSON (a list or an object)',
        )
      })

      it('refuses a header with an unknown or a missing column as a whole (ValidationError)', async () => {
        const header = ilaCsvHeader('records').replace('schemeRef', 'schemeReference')
        const err: unknown = await run('records', 'csv', `${header}x\r\n`).catch((e: unknown) => e)
        expect(err).to.be.instanceOf(ValidationError)
        expect((err as ValidationError).problems.map((p) => [p.field, p.rule])).to.deep.equal([
          ['columns/2', 'enum'],
          ['columns/schemeRef', 'required'],
        ])
      })
    })

    describe('a file with duplicates and bad rows, over several pages', () => {
      const RECORDS = 1200
      const file = () => {
        const items: Array<Record<string, unknown>> = []
        for (let n = 1; n <= RECORDS; n++) items.push(ilaRecord(5000 + n))
        items[9] = ilaRecord(5000 + 10, { lifecycle: 'nowhere' })
        // Row 1101 repeats the id of row 3, two pages earlier; row 1102 repeats row 1101's own page neighbour.
        items[1100] = ilaRecord(5003)
        items[1101] = ilaRecord(5001 + 1099)
        return jsonl(items)
      }

      it('is refused whole: nothing is written, every bad row is named', async () => {
        const before = await count()
        const err = await refusal('records', 'jsonl', file())
        expect(err.invalidRows).to.equal(3)
        expect(err.rejectedRows).to.deep.equal([10, 1101, 1102])
        expect(err.problems.map((p) => [p.field, p.rule, p.message])).to.deep.equal([
          ['rows/10/lifecycle', 'enum', err.problems[0]?.message],
          ['rows/1101/recordId', 'uniqueItems', 'row 1101: the same recordId as row 3'],
          ['rows/1102/recordId', 'uniqueItems', 'row 1102: the same recordId as row 1100'],
        ])
        expect(await count()).to.equal(before)
      })

      it('with partial, writes the valid rows and lists the rejected ones', async () => {
        const before = await count()
        const report = await run('records', 'jsonl', file(), true)
        expect(report).to.deep.include({
          partial: true,
          totalRows: RECORDS,
          imported: RECORDS - 3,
          inserted: RECORDS - 3,
          updated: 0,
          rejected: 3,
          rejectedRows: [10, 1101, 1102],
          rejectedRowsTruncated: false,
        })
        expect(report.problems).to.have.length(3)
        expect(await count()).to.equal(before + RECORDS - 3)
        expect(await storedRecord('rec-005010')).to.equal(undefined)
        expect(await storedRecord('rec-006200')).to.not.equal(undefined)
      })
    })
  })

  describe('files that cannot be read', () => {
    it('a JSON file that is not an array, or an array left open, is a ValidationError', async () => {
      for (const text of ['{"recordId": "x"}', '[{"recordId": "x"}', '', '[1,,2]']) {
        const err: unknown = await run('records', 'json', text).catch((e: unknown) => e)
        expect(err, text).to.be.instanceOf(ValidationError)
      }
    })

    it('an element that is not an object, or a line that is not JSON, is its row’s problem', async () => {
      const err = await refusal('records', 'json', `[${JSON.stringify(ilaRecord(20))}, 42, "x"]`)
      expect(err.problems.map((p) => [p.field, p.rule])).to.deep.equal([
        ['rows/2', 'type'],
        ['rows/3', 'type'],
      ])
      const lines = await refusal('records', 'jsonl', `${JSON.stringify(ilaRecord(21))}\n{"recordId": \n`)
      expect(lines.problems.map((p) => [p.field, p.rule])).to.deep.equal([['rows/2', 'json']])
    })

    it('an empty array, or a CSV with a header only, is a ValidationError (no rows)', async () => {
      for (const [format, text] of [
        ['json', ' [ ] '],
        ['csv', ilaCsvHeader('records')],
      ] as const) {
        const err: unknown = await run('records', format, text).catch((e: unknown) => e)
        expect(err).to.be.instanceOf(ValidationError)
        expect((err as ValidationError).problems[0]).to.include({ field: 'rows', rule: 'minItems' })
      }
    })
  })
})
