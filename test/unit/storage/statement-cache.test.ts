import { expect } from 'chai'
import SqliteDatabase from 'better-sqlite3'
import { withStatementCache } from '../../../src/storage/sqlite.js'

describe('storage/SQLite statement cache', () => {
  let sqlite: SqliteDatabase.Database

  beforeEach(() => {
    sqlite = new SqliteDatabase(':memory:')
    sqlite.exec('create table t (n integer)')
    sqlite.exec('insert into t values (1), (2), (3)')
  })
  afterEach(() => {
    if (sqlite.open) sqlite.close()
  })

  it('hands out the same prepared statement for the same query, which runs again with new parameters', () => {
    const db = withStatementCache(sqlite)
    const first = db.prepare('select n from t where n >= ?')
    const second = db.prepare('select n from t where n >= ?')
    expect(second).to.equal(first)
    expect(first.all([2])).to.deep.equal([{ n: 2 }, { n: 3 }])
    expect(second.all([3])).to.deep.equal([{ n: 3 }])
    expect(db.prepare('select n from t where n < ?')).to.not.equal(first)
  })

  it('gives a statement of its own to a query whose cached statement is still being iterated', () => {
    const db = withStatementCache(sqlite)
    const sql = 'select n from t order by n'
    const iterating = db.prepare(sql).iterate([])
    expect(iterating.next().value).to.deep.equal({ n: 1 })
    const other = db.prepare(sql)
    expect(other.all([])).to.deep.equal([{ n: 1 }, { n: 2 }, { n: 3 }])
    expect([...iterating]).to.deep.equal([{ n: 2 }, { n: 3 }])
    // Done iterating: the cached statement is free again.
    expect(db.prepare(sql)).to.not.equal(other)
    expect(db.prepare(sql).all([])).to.have.length(3)
  })

  it('keeps at most `size` statements, dropping the least recently used', () => {
    const db = withStatementCache(sqlite, 2)
    const a = db.prepare('select 1')
    const b = db.prepare('select 2')
    expect(db.prepare('select 1')).to.equal(a) // a is now the most recent
    db.prepare('select 3') // drops b
    expect(db.prepare('select 1')).to.equal(a)
    expect(db.prepare('select 2')).to.not.equal(b)
  })

  it('closes the database', () => {
    withStatementCache(sqlite).close()
    expect(sqlite.open).to.equal(false)
  })
})
