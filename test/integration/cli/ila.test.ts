import { expect } from 'chai'
import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { cli } from '../../support/cli.js'
import { ILA_FIXTURES, ilaRecord, jsonl } from '../../support/ila.js'

describe('CLI: ila import', function () {
  this.timeout(60_000)
  let home: string

  before(async () => {
    home = await mkdtemp(join(tmpdir(), 'mc-cli-ila-'))
    const init = await cli(home, ['init'])
    expect(init.code, init.err).to.equal(0)
    for (const name of ['providers.json', 'catalogue.json', 'spending-records.csv']) {
      await copyFile(join(ILA_FIXTURES, name), join(home, name))
    }
  })
  after(() => rm(home, { recursive: true, force: true }))

  it('infers kind and format from the file names; prints the report on stdout', async () => {
    for (const [file, kind, rows] of [
      ['providers.json', 'providers', 3],
      ['catalogue.json', 'catalogue', 2],
      ['spending-records.csv', 'records', 3],
    ] as const) {
      const run = await cli(home, ['ila', 'import', file])
      expect(run.code, run.err).to.equal(0)
      expect(run.json()).to.deep.include({
        kind,
        totalRows: rows,
        imported: rows,
        inserted: rows,
        rejected: 0,
      })
      expect(run.err).to.equal(`Imported ${rows} of ${rows} ${kind} rows (${rows} new, 0 updated)\n`)
    }
    const again = await cli(home, ['ila', 'import', 'spending-records.csv'])
    expect(again.json()).to.deep.include({ inserted: 0, updated: 3 })
  })

  it('refuses a file with a bad row whole: exit 1, the problems on stderr, nothing on stdout', async () => {
    await writeFile(join(home, 'bad.jsonl'), jsonl([ilaRecord(1), ilaRecord(2, { lifecycle: 'finished' })]))
    const run = await cli(home, ['ila', 'import', 'bad.jsonl', '--kind', 'records'])
    expect(run.code).to.equal(1)
    expect(run.out).to.equal('')
    expect(run.err).to.include('error ERR_ILA_IMPORT_REFUSED: 1 of 2 rows are invalid; nothing was imported')
    expect(run.err).to.include('  - rows/2/lifecycle: row 2: /lifecycle must be one of: requested, refused')
    const partial = await cli(home, ['ila', 'import', 'bad.jsonl', '--kind', 'records', '--partial'])
    expect(partial.code, partial.err).to.equal(0)
    expect(partial.json()).to.deep.include({ imported: 1, rejected: 1, rejectedRows: [2] })
    expect(partial.err).to.include('1 rejected')
  })

  it('imports into the tenant given with --tenant', async () => {
    const add = await cli(home, ['tenants', 'add', 'operator', '--name', 'Operator'])
    expect(add.code, add.err).to.equal(0)
    const run = await cli(home, ['ila', 'import', 'providers.json', '--tenant', 'operator'])
    expect(run.code, run.err).to.equal(0)
    expect(run.json()).to.deep.include({ inserted: 3 })
  })

  it('is a usage error when the kind or the format cannot be told, and refused input for a missing file', async () => {
    await writeFile(join(home, 'data.json'), '[]')
    const noKind = await cli(home, ['ila', 'import', 'data.json'])
    expect(noKind.code).to.equal(2)
    expect(noKind.err).to.include('give --kind')
    const badKind = await cli(home, ['ila', 'import', 'data.json', '--kind', 'learners'])
    expect(badKind.code).to.equal(2)
    const noFormat = await cli(home, ['ila', 'import', 'providers.txt'])
    expect(noFormat.code).to.equal(2)
    expect(noFormat.err).to.include('give --format')
    const missing = await cli(home, ['ila', 'import', 'missing-providers.json'])
    expect(missing.code).to.equal(1)
    expect(missing.err).to.include('ENOENT')
  })

  it('lists ila import in the help of the ila group', async () => {
    const help = await cli(home, ['ila', '--help'])
    expect(help.code).to.equal(0)
    expect(help.out).to.include('ila import')
  })
})
