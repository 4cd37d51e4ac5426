import { expect } from 'chai'
import { deflateSync } from 'node:zlib'
import { PDFDocument, StandardFonts } from 'pdf-lib'
import { credentialView } from '../../../src/pages/credential-view.js'
import { embeddedCredential, isPdf } from '../../../src/pages/pdf-attachment.js'
import { credentialPdf, encodableText } from '../../../src/pages/pdf.js'

const LIMIT = 2 * 1024 * 1024

function pdfWithStream(dict: string, data: Buffer): Buffer {
  return Buffer.concat([
    Buffer.from(`%PDF-1.7\n4 0 obj\n<< ${dict} /Length ${data.length} >>\nstream\n`, 'latin1'),
    data,
    Buffer.from('\nendstream\nendobj\n%%EOF\n', 'latin1'),
  ])
}

describe('pages: PDF', function () {
  this.timeout(30_000)

  it('writes what the standard font cannot encode as base letters or ?', async () => {
    const doc = await PDFDocument.create()
    const font = await doc.embedFont(StandardFonts.Helvetica)
    expect(encodableText(font, 'Université Straße — «ça» ’x’')).to.equal('Université Straße — «ça» ’x’')
    expect(encodableText(font, 'Łódź Dvořák\nnext')).to.equal('Lódz Dvorák next')
    expect(encodableText(font, 'Ελληνικά 漢字')).to.equal('???????? ??')
  })

  it('is A4, in the interface language, and carries the original, which reads back', async () => {
    const original = JSON.stringify({
      '@context': ['https://www.w3.org/ns/credentials/v2'],
      name: 'Łódź badge',
    })
    const view = credentialView({
      name: { en: 'Badge', fr: 'Insigne' },
      credentialSubject: { name: 'Zoë' },
      validUntil: '2020-01-01T00:00:00Z',
    })
    const bytes = await credentialPdf({
      lang: 'fr',
      view,
      original,
      qrUrl: 'http://localhost:7790/s/x',
      verifyUrl: 'http://localhost:7790/verify',
      now: new Date('2026-11-25T10:00:00Z'),
    })
    expect(isPdf(bytes)).to.equal(true)
    const doc = await PDFDocument.load(bytes)
    expect(doc.getPageCount()).to.equal(1)
    const { width, height } = doc.getPage(0).getSize()
    expect([Math.round(width), Math.round(height)]).to.deep.equal([595, 842])
    expect(doc.getTitle()).to.equal('Insigne')
    expect(doc.getCreationDate()?.toISOString()).to.equal('2026-11-25T10:00:00.000Z')
    expect(embeddedCredential(bytes, LIMIT)).to.deep.equal({ kind: 'found', text: original })
  })

  it('reads an embedded file uncompressed or deflated, and refuses one that inflates past the limit', () => {
    const jws = 'eyJhbGciOiJFZERTQSJ9.eyJ4IjoxfQ.c2ln'
    expect(embeddedCredential(pdfWithStream('/Type /EmbeddedFile', Buffer.from(jws)), LIMIT)).to.deep.equal({
      kind: 'found',
      text: jws,
    })
    const deflated = pdfWithStream('/Type /EmbeddedFile /Filter /FlateDecode', deflateSync(Buffer.from(jws)))
    expect(embeddedCredential(deflated, LIMIT)).to.deep.equal({ kind: 'found', text: jws })
    const bomb = pdfWithStream(
      '/Type /EmbeddedFile /Filter /FlateDecode',
      deflateSync(Buffer.alloc(8 * LIMIT)),
    )
    expect(bomb.length).to.be.below(64 * 1024)
    expect(embeddedCredential(bomb, LIMIT)).to.deep.equal({ kind: 'too-large' })
    // Other filters, other streams and other content are not credentials.
    expect(
      embeddedCredential(pdfWithStream('/Type /EmbeddedFile /Filter /LZWDecode', Buffer.from(jws)), LIMIT),
    ).to.deep.equal({ kind: 'none' })
    expect(embeddedCredential(pdfWithStream('/Type /XObject', Buffer.from(jws)), LIMIT)).to.deep.equal({
      kind: 'none',
    })
    expect(
      embeddedCredential(pdfWithStream('/Type /EmbeddedFile', Buffer.from('hello')), LIMIT),
    ).to.deep.equal({ kind: 'none' })
    expect(isPdf(Buffer.from('{"a":1}'))).to.equal(false)
  })
})
