/**
 * The HTML pages over supertest: the learner's page at the claim link, share links (created and revoked with
 * the Origin check), the share page and its PDF, and the verify page with every kind of input.
 */
import { expect } from 'chai'
import { Writable } from 'node:stream'
import { pino } from 'pino'
import request from 'supertest'
import type { Response } from 'supertest'
import { PAGES_CSS_PATH } from '../../../src/pages/assets.js'
import { embeddedCredential } from '../../../src/pages/pdf-attachment.js'
import { createApp } from '../../../src/http/app.js'
import { PAGES_CSP } from '../../../src/http/page-routes.js'
import { createVerifierDeps } from '../../../src/verifier/verifier-deps.js'
import { pagesHome, type IssuedForPages, type PagesHome } from '../../support/pages-home.js'

const BASE = 'http://localhost:7790'
const ORIGIN = BASE
const DAY_MS = 24 * 60 * 60 * 1000

function verdictOf(res: Response): string | undefined {
  const found = [...res.text.matchAll(/role="status" data-verdict="([^"]+)"/g)]
  expect(found.length, 'exactly one verdict element').to.be.at.most(1)
  return found[0]?.[1]
}

function expectPage(res: Response, status: number): void {
  expect(res.status, res.text.slice(0, 500)).to.equal(status)
  expect(res.headers['content-type']).to.equal('text/html; charset=utf-8')
  expect(res.headers['content-security-policy']).to.equal(PAGES_CSP)
  expect(res.headers['cache-control']).to.equal('no-store')
  expect(res.headers['x-content-type-options']).to.equal('nosniff')
  // Nothing inline that the policy would block, and nothing from elsewhere.
  expect(res.text).not.to.match(/<script|style="|\son[a-z]+="/i)
  expect(res.text).not.to.match(/\ssrc="(?:https?:)?\/\/|<link[^>]*href="(?:https?:)?\/\//i)
}

/** A binary response body (PDF) as a Buffer. */
function binary(res: request.Response): Buffer {
  return res.body as Buffer
}

const asBuffer = (req: request.Test) =>
  req.buffer(true).parse((res, done) => {
    const chunks: Buffer[] = []
    res.on('data', (chunk: Buffer) => chunks.push(chunk))
    res.on('end', () => done(null, Buffer.concat(chunks)))
  })

describe('HTTP service: pages', function () {
  this.timeout(120_000)
  let h: PagesHome
  let elm: IssuedForPages
  let edc: IssuedForPages
  let expiredElm: IssuedForPages

  const page = (path: string, lang?: string) => {
    const req = request(h.app).get(path).set('Accept', 'text/html,application/xhtml+xml;q=0.9,*/*;q=0.8')
    return lang === undefined ? req : req.set('Accept-Language', lang)
  }
  /** `origin: null` sends no Origin header at all. */
  const createShare = (claimPath: string, days = '30', origin: string | null = ORIGIN) => {
    const req = request(h.app).post(`${claimPath}/share-links`).type('form')
    return (origin === null ? req : req.set('Origin', origin)).send({ days, lang: 'en' })
  }
  /** The share ids listed on a learner's page, newest first. */
  const sharesOf = async (claimPath: string): Promise<Array<{ id: string; state: string }>> => {
    const res = await page(claimPath)
    return [...res.text.matchAll(/data-share-state="(\w+)">[\s\S]*?\/s\/([A-Za-z0-9_-]{24})/g)].map((m) => ({
      state: m[1] as string,
      id: m[2] as string,
    }))
  }
  /** Creates a share link and returns its id (the one not listed before: the clock may not have moved). */
  const newShare = async (claimPath: string, days = '30'): Promise<string> => {
    const known = new Set((await sharesOf(claimPath)).map((s) => s.id))
    const res = await createShare(claimPath, days)
    expect(res.status, res.text).to.equal(303)
    const added = (await sharesOf(claimPath)).filter((s) => !known.has(s.id))
    expect(added).to.have.length(1)
    return added[0]!.id
  }

  // The clock only ever moves forward: a status list published at some time is not valid before it.
  before(async () => {
    h = await pagesHome(BASE)
    expiredElm = await h.issueExpired('elm')
    elm = await h.issue('elm', { learnerId: 'pages-elm' })
    edc = await h.issue('edc', { learnerId: 'pages-edc' })
  })
  after(() => h?.close())

  describe("the learner's page at the claim link", () => {
    it('serves the page to browsers and keeps the JSON for everyone else', async () => {
      const json = await request(h.app).get(elm.claimPath).expect(200)
      expect(json.headers['content-type']).to.match(/^application\/json/)
      expect(json.headers['referrer-policy']).to.equal('no-referrer')
      expect(json.body.id).to.equal(elm.id)
      const explicit = await request(h.app).get(elm.claimPath).set('Accept', 'application/json').expect(200)
      expect(explicit.body).to.deep.equal(json.body)

      const res = await page(elm.claimPath)
      expectPage(res, 200)
      // Forms post under the claim path: the browser must send its Origin to this same origin.
      expect(res.headers['referrer-policy']).to.equal('same-origin')
      expect(res.text).to.include('<html lang="en">')
      expect(res.text).to.include(`<link rel="stylesheet" href="${PAGES_CSS_PATH}" />`)
      expect(res.text).to.include('Data-Driven Business Innovation')
      expect(res.text).to.include('Camille Rousseau')
      expect(res.text).to.include('Rhône-Confluence University')
      for (const text of ['ECTS credits', 'EQF level', 'Learning outcomes', 'Quality assurance', 'Blended']) {
        expect(res.text).to.include(text)
      }
      expect(verdictOf(res)).to.equal('verified')
      expect(res.text).to.include(`href="${elm.claimPath}/credential.jwt"`)
      expect(res.text).to.include(`action="${elm.claimPath}/share-links"`)
    })

    it('speaks French or German by ?lang= or Accept-Language, with the credential text in its own languages', async () => {
      const fr = await page(elm.claimPath, 'fr-CH, fr;q=0.9, en;q=0.5')
      expect(fr.text).to.include('<html lang="fr">')
      expect(fr.text).to.include('Votre microcertification')
      expect(fr.text).to.include('Innovation d&#39;entreprise fondée sur les données')
      expect(fr.text).to.include('Université Rhône-Confluence')

      // German interface; the credential carries no German, so its primary language (English) is shown.
      const de = await page(`${elm.claimPath}?lang=de`, 'fr')
      expect(de.text).to.include('<html lang="de">')
      expect(de.text).to.include('Ihr Microcredential')
      expect(de.text).to.include('<span lang="en">Data-Driven Business Innovation</span>')

      const chosen = await page(`${elm.claimPath}?lang=de&cl=fr`)
      expect(chosen.text).to.include(
        '<span lang="fr">Innovation d&#39;entreprise fondée sur les données</span>',
      )
    })

    it('downloads the original as JWT and JSON, and a PDF that carries it', async () => {
      const jwt = await request(h.app).get(`${elm.claimPath}/credential.jwt`).expect(200)
      expect(jwt.headers['content-type']).to.equal('application/vc+jwt')
      expect(jwt.headers['content-disposition']).to.equal('attachment; filename="credential.jwt"')
      expect(jwt.text).to.equal(elm.original)
      const json = await request(h.app).get(`${elm.claimPath}/credential.json`).expect(200)
      expect(JSON.parse(json.text)).to.include({ type: 'EnvelopedVerifiableCredential' })

      const edcJson = await request(h.app).get(`${edc.claimPath}/credential.json`).expect(200)
      expect(JSON.parse(edcJson.text)).to.deep.equal(JSON.parse(edc.original))
      expectPage(await page(`${edc.claimPath}/credential.jwt`), 404)

      const pdf = binary(
        await asBuffer(request(h.app).get(`${edc.claimPath}/credential.pdf?lang=de`)).expect(200),
      )
      expect(pdf.subarray(0, 5).toString('latin1')).to.equal('%PDF-')
      expect(embeddedCredential(pdf, 2 * 1024 * 1024)).to.deep.equal({ kind: 'found', text: edc.original })
    })

    it('answers a page, not JSON, for a link that does not work or a credential that was erased', async () => {
      const bad = await page('/claims/nothing-here')
      expectPage(bad, 404)
      expect(bad.text).to.include('data-error="not-found"')
      const erasable = await h.issue('elm', { learnerId: 'pages-erased' })
      await h.erase('pages-erased')
      const gone = await page(erasable.claimPath)
      expectPage(gone, 410)
      expect(gone.text).to.include('data-error="erased"')
    })
  })

  describe('share links', () => {
    it('are created and revoked only from this origin, under the claim token', async () => {
      const before = (await sharesOf(elm.claimPath)).length
      for (const origin of [null, 'null', 'https://evil.example', 'http://localhost:7791']) {
        const refused = await createShare(elm.claimPath, '7', origin)
        expectPage(refused, 403)
        expect(refused.text).to.include('data-error="refused"')
      }
      expect((await sharesOf(elm.claimPath)).length).to.equal(before)
      expectPage(await createShare('/claims/nothing-here'), 404)
      expectPage(await createShare(elm.claimPath, '365'), 400)

      const created = await createShare(elm.claimPath, '7')
      expect(created.status).to.equal(303)
      expect(created.headers.location).to.equal(`${elm.claimPath}?lang=en#share-links`)
      const [share] = await sharesOf(elm.claimPath)
      expect(share).to.include({ state: 'active' })
      expect((await sharesOf(elm.claimPath)).length).to.equal(before + 1)

      const revokePath = `${elm.claimPath}/share-links/${share!.id}/revoke`
      expectPage(await request(h.app).post(revokePath).type('form').send({}), 403)
      // Another credential's claim link cannot revoke it.
      const foreign = await request(h.app)
        .post(`${edc.claimPath}/share-links/${share!.id}/revoke`)
        .set('Origin', ORIGIN)
        .type('form')
        .send({})
      expectPage(foreign, 404)
      const revoked = await request(h.app)
        .post(revokePath)
        .set('Origin', ORIGIN)
        .type('form')
        .send({ lang: 'fr' })
      expect(revoked.status).to.equal(303)
      expect(revoked.headers.location).to.equal(`${elm.claimPath}?lang=fr#share-links`)
      expect((await sharesOf(elm.claimPath)).find((s) => s.id === share!.id)?.state).to.equal('revoked')
      const gone = await page(`/s/${share!.id}`)
      expectPage(gone, 410)
      expect(gone.text).to.include('data-error="share-gone"')
    })

    it('the share page renders the credential, verifies it on every view and shows a QR code', async () => {
      const id = await newShare(elm.claimPath)
      const res = await page(`/s/${id}`)
      expectPage(res, 200)
      expect(res.headers['referrer-policy']).to.equal('no-referrer')
      expect(verdictOf(res)).to.equal('verified')
      expect(res.text).to.match(
        /<img src="data:image\/png;base64,[A-Za-z0-9+/=]+" alt="QR code of the address of this page"/,
      )
      expect(res.text).to.include(`${BASE}/s/${id}`)
      expect(res.text).to.include('<details>')

      // Live: revoking the credential shows on the next view of the same link.
      const revocable = await h.issue('elm')
      const shared = await newShare(revocable.claimPath)
      expect(verdictOf(await page(`/s/${shared}`))).to.equal('verified')
      await h.revoke(revocable.id)
      const after = await page(`/s/${shared}`)
      expect(verdictOf(after)).to.equal('not-verified')
      expect(after.text).to.include('The issuer has revoked this credential.')
    })

    it('a link expires on its own date, not with the credential; an expired credential shares as expired', async () => {
      const id = await newShare(elm.claimPath, '1')
      expect(verdictOf(await page(`/s/${id}`))).to.equal('verified')
      h.setNow(new Date(h.now().getTime() + DAY_MS + 1000).toISOString())
      const expired = await page(`/s/${id}`)
      expectPage(expired, 410)
      expect(expired.text).to.include('This share link has expired')
      expect(expired.text).to.include('says nothing about the credential')
      expectPage(await page(`/s/${id}.pdf`), 410)
      expect((await sharesOf(elm.claimPath)).find((s) => s.id === id)?.state).to.equal('expired')

      const learnerPage = await page(expiredElm.claimPath)
      expect(learnerPage.text).to.include('class="badge expired"')
      const shareId = await newShare(expiredElm.claimPath)
      const shared = await page(`/s/${shareId}`)
      expectPage(shared, 200)
      expect(verdictOf(shared)).to.equal('not-verified')
      expect(shared.text).to.include('The credential has expired.')
      expect(shared.text).to.include('Expired')
    })

    it('the share PDF is A4, carries the original, and names the share page', async () => {
      const id = await newShare(edc.claimPath)
      const res = await asBuffer(request(h.app).get(`/s/${id}.pdf?lang=fr`)).expect(200)
      expect(res.headers['content-type']).to.equal('application/pdf')
      expect(res.headers['content-disposition']).to.equal('attachment; filename="credential.pdf"')
      const pdf = binary(res)
      expect(pdf.toString('latin1')).to.match(/\/MediaBox \[ 0 0 595\.28 841\.89 \]/)
      expect(embeddedCredential(pdf, 2 * 1024 * 1024)).to.deep.equal({ kind: 'found', text: edc.original })
    })

    it('pages of unknown or malformed ids are 404 pages', async () => {
      for (const path of ['/s/AAAAAAAAAAAAAAAAAAAAAAAA', '/s/short', '/s/%3Cscript%3E']) {
        expectPage(await page(path), 404)
      }
    })
  })

  describe('the verify page', () => {
    const verify = () => request(h.app).post('/verify')

    it('is a labelled form with one Verify button', async () => {
      const res = await page('/verify')
      expectPage(res, 200)
      expect(res.text).to.include('<label for="credential">Credential (JSON or JWT)</label>')
      expect(res.text).to.match(/<textarea\s+id="credential"\s+name="credential"/)
      expect(res.text).to.include('<label for="file">')
      expect(res.text).to.include('<label for="link">')
      expect(res.text).to.include('enctype="multipart/form-data"')
      expect([...res.text.matchAll(/<button[^>]*>\s*Verify\s*<\/button>/g)]).to.have.length(1)
      expect(verdictOf(res)).to.equal(undefined)
    })

    it('verifies pasted text: valid, tampered, revoked, expired', async () => {
      const valid = await verify().type('form').send({ credential: elm.original })
      expectPage(valid, 200)
      expect(verdictOf(valid)).to.equal('verified')
      expect(valid.text).to.include('Camille Rousseau')
      expect(valid.text).to.include('data-check="proof" data-status="pass"')

      const [header, payload, signature] = elm.original.split('.') as [string, string, string]
      const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, any>
      claims.credentialSubject.fullName = { en: 'Mallory Forger' }
      const forged = `${header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${signature}`
      const tampered = await verify().type('form').send({ credential: forged })
      expect(verdictOf(tampered)).to.equal('not-verified')
      expect(tampered.text).to.include('data-check="proof" data-status="fail"')
      expect(tampered.text).not.to.include('Mallory')

      const revocable = await h.issue('edc')
      await h.revoke(revocable.id)
      const revoked = await verify().type('form').send({ credential: revocable.original })
      expect(verdictOf(revoked)).to.equal('not-verified')
      expect(revoked.text).to.include('The issuer has revoked this credential.')

      const expired = await verify().type('form').send({ credential: expiredElm.original })
      expect(verdictOf(expired)).to.equal('not-verified')
      expect(expired.text).to.include('The credential has expired.')
    })

    it('verifies a dropped file: JWT, JSON, or one of our PDFs', async () => {
      const jwt = await verify().attach('file', Buffer.from(elm.original), 'credential.jwt')
      expect(verdictOf(jwt)).to.equal('verified')
      const json = await verify().attach('file', Buffer.from(edc.original), 'credential.json')
      expect(verdictOf(json)).to.equal('verified')
      const pdf = binary(await asBuffer(request(h.app).get(`${elm.claimPath}/credential.pdf`)).expect(200))
      const fromPdf = await verify().field('credential', '').attach('file', pdf, 'credential.pdf')
      expect(verdictOf(fromPdf)).to.equal('verified')

      const plain = Buffer.from('%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\n%%EOF\n', 'latin1')
      const none = await verify().attach('file', plain, 'other.pdf')
      expectPage(none, 422)
      expect(none.text).to.include('data-error="errorPdfNoCredential"')
    })

    it('verifies a share link of this service, and explains the others', async () => {
      const id = await newShare(elm.claimPath)
      const res = await verify()
        .type('form')
        .send({ link: `${BASE}/s/${id}` })
      expect(verdictOf(res)).to.equal('verified')
      for (const [link, status, error] of [
        ['https://elsewhere.example/s/AAAAAAAAAAAAAAAAAAAAAAAA', 400, 'errorLinkNotOurs'],
        ['not a url', 400, 'errorLinkNotOurs'],
        [`${BASE}/s/AAAAAAAAAAAAAAAAAAAAAAAA`, 404, 'errorLinkUnknown'],
        ['', 400, 'errorNothing'],
      ] as const) {
        const refused = await verify().type('form').send({ link })
        expectPage(refused, status)
        expect(refused.text).to.include(`data-error="${error}"`)
      }
    })

    it('says "indeterminate" in plain words, and explains an unknown issuer', async () => {
      // Another instance: its status list is not reachable from here (http is never fetched), its issuer unknown.
      const other = await pagesHome('http://other.example:7791')
      try {
        const foreign = await other.issue('elm')
        const res = await verify().type('form').send({ credential: foreign.original })
        expect(verdictOf(res)).to.equal('indeterminate')
        expect(res.text).to.include('This does not mean the credential is false')
        expect(res.text).to.include('is not on the list of issuers this service trusts')
        expect(res.text).to.include('data-check="status" data-status="indeterminate"')
      } finally {
        await other.close()
      }
    })

    it('refuses what is too large with a page, and escapes whatever was pasted', async () => {
      const small = await pagesHome(BASE)
      try {
        const app = small.app
        const res = await request(app)
          .post('/verify')
          .type('form')
          .send({ credential: '<script>alert(1)</script>' })
        expectPage(res, 200)
        expect(verdictOf(res)).to.equal('not-verified')
        expect(res.text).to.include('&lt;script&gt;alert(1)&lt;/script&gt;')
        const huge = await request(app)
          .post('/verify')
          .type('form')
          .send({ credential: 'x'.repeat(3 * 1024 * 1024) })
        expectPage(huge, 413)
        expect(huge.text).to.include('data-error="errorTooLarge"')
      } finally {
        await small.close()
      }
    })
  })

  it('never logs a claim token or a share id: the request log shows the routes', async () => {
    const id = await newShare(elm.claimPath)
    const lines: string[] = []
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString('utf8'))
        done()
      },
    })
    const app = createApp({
      ctx: h.ctx,
      verifier: createVerifierDeps(h.ctx),
      logger: pino({ level: 'info' }, sink),
    })
    const token = elm.claimPath.slice('/claims/'.length)
    await request(app).get(elm.claimPath).set('Accept', 'text/html').expect(200)
    await request(app).get(`${elm.claimPath}/credential.jwt`).expect(200)
    await request(app).get(`/s/${id}`).expect(200)
    await request(app).get(`/s/${id}.pdf`).expect(200)
    expect(lines.map((line) => JSON.parse(line).path)).to.deep.equal([
      '/claims/:token',
      '/claims/:token',
      '/s/:id',
      '/s/:id',
    ])
    for (const line of lines) {
      expect(line).not.to.include(id)
      expect(line).not.to.include(token.split('.')[2] as string)
    }
  })

  it('links between pages under the path of publicBaseUrl', async () => {
    const prefixed = await pagesHome('http://localhost:7790/creds')
    try {
      const issued = await prefixed.issue('elm')
      expect(issued.claimPath.startsWith('/creds/claims/')).to.equal(true)
      // A proxy strips the prefix: the app itself serves from the root.
      const claimPath = issued.claimPath.slice('/creds'.length)
      const res = await request(prefixed.app).get(claimPath).set('Accept', 'text/html').expect(200)
      expect(res.text).to.include(`href="/creds${PAGES_CSS_PATH}"`)
      expect(res.text).to.include('href="/creds/verify?lang=en"')
      expect(res.text).to.include(`action="${issued.claimPath}/share-links"`)
      const created = await request(prefixed.app)
        .post(`${claimPath}/share-links`)
        .set('Origin', 'http://localhost:7790')
        .type('form')
        .send({ days: '7' })
      expect(created.status).to.equal(303)
      expect(created.headers.location).to.equal(`${issued.claimPath}?lang=en#share-links`)
      const listed = await request(prefixed.app).get(claimPath).set('Accept', 'text/html')
      const url = /href="(http:\/\/localhost:7790\/creds\/s\/[A-Za-z0-9_-]{24})"/.exec(listed.text)?.[1]
      expect(url).to.be.a('string')
      const verified = await request(prefixed.app).post('/verify').type('form').send({ link: url })
      expect(verdictOf(verified)).to.equal('verified')
    } finally {
      await prefixed.close()
    }
  })

  it('serves the style sheet for a year, and nothing else under /assets', async () => {
    const css = await request(h.app).get(PAGES_CSS_PATH).expect(200)
    expect(css.headers['content-type']).to.match(/^text\/css/)
    expect(css.headers['cache-control']).to.equal('public, max-age=31536000, immutable')
    expect((await request(h.app).get('/assets/other.css')).status).to.equal(404)
  })
})
