import { expect } from 'chai'
import { escapeHtml, html } from '../../../src/pages/html.js'
import { chooseLanguage, messagesFor, UI_LANGUAGES } from '../../../src/pages/i18n.js'
import { EN } from '../../../src/pages/messages/en.js'
import { credentialView, langText, pickText } from '../../../src/pages/credential-view.js'
import { parseFormBody } from '../../../src/http/form-body.js'

describe('pages: templates, languages, forms', () => {
  describe('html', () => {
    it('escapes every interpolation, in text and in attributes', () => {
      const evil = `<script>alert("x")</script>' onload='x\``
      const out = html`<p title="${evil}">${evil}</p>`.toString()
      expect(out).to.equal(
        '<p title="&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&#39; onload=&#39;x&#96;">' +
          '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&#39; onload=&#39;x&#96;</p>',
      )
      expect(escapeHtml('a & b')).to.equal('a &amp; b')
    })

    it('inserts only its own fragments as markup; lists join; absent values are empty', () => {
      const items = ['<a>', 'b'].map((x) => html`<li>${x}</li>`)
      // prettier-ignore
      const list = html`<ul>${items}</ul>${undefined}${null}${false}${0}`
      expect(list.toString()).to.equal('<ul><li>&lt;a&gt;</li><li>b</li></ul>0')
      // Something that merely looks like a fragment is text.
      const fake = { value: '<b>', toString: () => '<b>' } as unknown as string
      expect(html`${fake}`.toString()).to.equal('&lt;b&gt;')
    })
  })

  describe('languages', () => {
    it('?lang= first, then Accept-Language by weight, then English', () => {
      expect(chooseLanguage('de', 'fr')).to.equal('de')
      expect(chooseLanguage('xx', 'fr-CH, fr;q=0.9, en;q=0.8')).to.equal('fr')
      expect(chooseLanguage(undefined, 'es, de;q=0.5, fr;q=0.7')).to.equal('fr')
      expect(chooseLanguage(undefined, 'de;q=0, fr;q=0.1')).to.equal('fr')
      expect(chooseLanguage(['fr'], 'es')).to.equal('en')
      expect(chooseLanguage(undefined, undefined)).to.equal('en')
    })

    it('every catalogue has every message, none empty, and parameters are used', () => {
      for (const lang of UI_LANGUAGES) {
        const messages = messagesFor(lang)
        expect(Object.keys(messages).sort(), lang).to.deep.equal(Object.keys(EN).sort())
        for (const [key, value] of Object.entries(messages)) {
          const text = typeof value === 'function' ? (value as (...a: unknown[]) => string)('A', 'B') : value
          expect(text.trim(), `${lang}.${key}`).not.to.equal('')
          if (typeof value === 'function' && value.length > 0) expect(text, `${lang}.${key}`).to.include('A')
        }
      }
      expect(messagesFor('fr').verifyButton).to.equal('Vérifier')
      expect(messagesFor('de').verifyButton).to.equal('Prüfen')
    })
  })

  describe('credential text', () => {
    it('reads language maps, JSON-LD values and plain text', () => {
      expect(langText({ en: 'A', fr: ['B', 'C'] })).to.deep.equal({ en: 'A', fr: 'B' })
      expect(langText([{ '@value': 'Titre', '@language': 'fr' }, 'plain'])).to.deep.equal({
        fr: 'Titre',
        '': 'plain',
      })
      expect(langText({ en: '  ' })).to.equal(undefined)
      expect(pickText({ en: 'A', fr: 'B' }, 'de', ['fr'])).to.deep.equal({ text: 'B', lang: 'fr' })
      expect(pickText({ ga: 'C' }, 'de')).to.deep.equal({ text: 'C', lang: 'ga' })
    })

    it('renders what a generic credential has, and leaves out what it does not', () => {
      const view = credentialView({
        '@context': ['https://www.w3.org/ns/credentials/v2'],
        type: ['VerifiableCredential'],
        issuer: 'did:example:1',
        name: 'Badge',
        validFrom: '2026-01-01T00:00:00Z',
        credentialSubject: { name: 'Ada' },
      })
      expect(view).to.deep.include({
        title: { '': 'Badge' },
        holderName: { '': 'Ada' },
        issuerId: 'did:example:1',
      })
      expect(view.learningOutcomes).to.deep.equal([])
      expect(view.ects).to.equal(undefined)
    })
  })

  describe('form bodies', () => {
    it('reads urlencoded and multipart forms, files apart', () => {
      const urlencoded = parseFormBody('application/x-www-form-urlencoded', Buffer.from('days=7&lang=fr'))
      expect(Object.fromEntries(urlencoded.fields)).to.deep.equal({ days: '7', lang: 'fr' })
      const body = Buffer.from(
        [
          '--XyZ',
          'Content-Disposition: form-data; name="credential"',
          '',
          'é text',
          '--XyZ',
          'Content-Disposition: form-data; name="file"; filename="c.jwt"',
          'Content-Type: application/octet-stream',
          '',
          'a.b.c\r\nline',
          '--XyZ--',
          '',
        ].join('\r\n'),
      )
      const form = parseFormBody('multipart/form-data; boundary="XyZ"', body)
      expect(form.fields.get('credential')).to.equal('é text')
      expect(form.files.get('file')).to.deep.include({
        filename: 'c.jwt',
        contentType: 'application/octet-stream',
      })
      expect(form.files.get('file')?.data.toString()).to.equal('a.b.c\r\nline')
      expect(() => parseFormBody('multipart/form-data', body)).to.throw(/boundary/)
      expect(() =>
        parseFormBody('multipart/form-data; boundary=XyZ', Buffer.from('--XyZ\r\nbroken')),
      ).to.throw(/cut short/)
      expect(parseFormBody('application/json', Buffer.from('{}')).fields.size).to.equal(0)
    })
  })
})
