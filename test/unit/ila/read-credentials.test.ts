import { expect } from 'chai'
import { readCredentialTexts } from '../../../src/ila/read-credentials.js'

const JWS = 'eyJhbGciOiJFZERTQSJ9.eyJpZCI6InVybjp1dWlkOjEifQ.c2lnbmF0dXJl'

async function items(text: string, size = text.length || 1, maxBytes?: number): Promise<string[]> {
  const pieces: Array<Buffer | string> = []
  const bytes = Buffer.from(text, 'utf8')
  // Byte pieces: a multi-byte character may be split between two of them.
  for (let i = 0; i < bytes.length; i += size) pieces.push(bytes.subarray(i, i + size))
  const out: string[] = []
  for await (const item of readCredentialTexts(pieces, maxBytes)) out.push(item)
  return out
}

/** The same items whatever the chunk size. */
async function expectItems(text: string, expected: string[]): Promise<void> {
  for (const size of [1, 2, 3, 7, 64, Math.max(1, Buffer.byteLength(text))]) {
    expect(await items(text, size), `chunks of ${size}`).to.deep.equal(expected)
  }
}

describe('ILA: reading submitted credentials', () => {
  const doc = '{"id":"urn:uuid:2","name":"Ève {\\"}[","list":[1,{"a":"]"}]}'

  it('reads JSON lines of documents, compact JWS and quoted JWS, with CRLF and blank lines', async () => {
    await expectItems(`${doc}\r\n${JWS}\r\n\r\n"${JWS}"\n`, [doc, JWS, `"${JWS}"`])
  })

  it('reads one document printed over many lines, and a last item without a line end', async () => {
    const pretty = JSON.stringify(JSON.parse(doc), null, 2)
    await expectItems(`\ufeff${pretty}\n${JWS}`, [pretty, JWS])
  })

  it('reads the elements of a JSON array, and RFC 7464 record separators', async () => {
    await expectItems(`[\n  ${doc},\n  "${JWS}", ${JWS}\n]\n`, [doc, `"${JWS}"`, JWS])
    await expectItems(`\u001e${doc}\n\u001e${JWS}\n`, [doc, JWS])
  })

  it('gives a stray line as one item, whatever it holds', async () => {
    await expectItems(`${doc}\nthis is no credential\n${JWS}\n`, [doc, 'this is no credential', JWS])
  })

  it('ends a JSON line cut short where the next line starts, so that the lines after it survive', async () => {
    await expectItems(`{"id": "urn:uuid:1", "type": \n${doc}\n`, ['{"id": "urn:uuid:1", "type": \n', doc])
    await expectItems(`{"id": "urn:uu\n${doc}\n`, ['{"id": "urn:uu', doc])
  })

  it('gives what is left open at the end of the input as one item', async () => {
    await expectItems(`${JWS}\n{"id": [1, 2`, [JWS, '{"id": [1, 2'])
  })

  it('cuts an item over the limit to one character more, and goes on with the next', async () => {
    const long = `{"a":"${'x'.repeat(100)}"}`
    expect(await items(`${long}\n{"b":1}\n`, 5, 20)).to.deep.equal([long.slice(0, 21), '{"b":1}'])
    expect(await items(`${'y'.repeat(50)}\nz.z.z\n`, 3, 20)).to.deep.equal(['y'.repeat(21), 'z.z.z'])
  })

  it('reads nothing from an empty or blank input', async () => {
    expect(await items('')).to.deep.equal([])
    expect(await items(' \n\t\r\n')).to.deep.equal([])
  })
})
