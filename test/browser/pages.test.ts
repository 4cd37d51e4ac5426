/**
 * The pages in a real browser: Chromium against the app on a local socket. A learner creates a share link and
 * opens it; an employer verifies a valid, a tampered, a revoked and an expired credential, and a PDF made by
 * the service. Every page is screenshot into `test-artifacts/`; the Content-Security-Policy must block
 * nothing the pages use.
 */
import { expect } from 'chai'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { ARTIFACTS_DIR, launchChromiumOrSkip } from '../support/browser.js'

/** The one browser API the tests call in the page: style as computed. */
interface Window {
  getComputedStyle(element: unknown): { backgroundColor: string }
}
import { pagesHome, type IssuedForPages, type PagesHome } from '../support/pages-home.js'

describe('pages in a browser (Chromium)', function () {
  this.timeout(60_000)
  let browser: Browser | undefined
  let context: BrowserContext
  let server: Server | undefined
  let h: PagesHome | undefined
  let base: string
  const issued: Record<'valid' | 'edc' | 'revoked' | 'expired', IssuedForPages> = {} as never
  /** Console errors (a CSP violation is one) of every page. */
  const consoleErrors: string[] = []

  const open = async (path: string): Promise<Page> => {
    const page = await context.newPage()
    page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(`${path}: ${message.text()}`)
    })
    await page.goto(`${base}${path}`)
    return page
  }
  const shot = (page: Page, name: string) =>
    page.screenshot({ path: join(ARTIFACTS_DIR, `${name}.png`), fullPage: true })
  const verdict = (page: Page) => page.getByRole('status').getAttribute('data-verdict')

  before(async function () {
    browser = await launchChromiumOrSkip(this)
    context = await browser.newContext({
      viewport: { width: 1000, height: 800 },
      locale: 'en-GB',
      acceptDownloads: true,
    })
    server = createServer()
    await new Promise<void>((ready) => server!.listen(0, '127.0.0.1', ready))
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    h = await pagesHome(base)
    server.on('request', h.app)
    // Issued before anything is verified: the clock then only moves forward.
    issued.expired = await h.issueExpired('elm')
    issued.valid = await h.issue('elm')
    issued.edc = await h.issue('edc')
    issued.revoked = await h.issue('elm')
    await h.revoke(issued.revoked.id)
  })

  after(async () => {
    await browser?.close()
    if (server?.listening) await new Promise<void>((closed) => server!.close(() => closed()))
    await h?.close()
  })

  afterEach(() => {
    expect(consoleErrors, 'console errors (CSP violations included)').to.deep.equal([])
  })

  it('the learner creates a share link and opens it', async () => {
    const learner = await open(new URL(issued.valid.claimUrl).pathname)
    expect(await learner.getByRole('heading', { level: 1 }).textContent()).to.equal('Your micro-credential')
    // The style sheet applied: the policy let it through.
    const header = await learner
      .locator('header.site')
      .evaluate((el) => (globalThis as unknown as Window).getComputedStyle(el).backgroundColor)
    expect(header).to.equal('rgb(11, 46, 89)')
    expect(await verdict(learner)).to.equal('verified')
    await shot(learner, 'learner')

    await learner.getByLabel('Link valid for').selectOption('7')
    await learner.getByRole('button', { name: 'Create a share link' }).click()
    await learner.waitForURL(/#share-links$/)
    const link = learner.locator('a.share-url').first()
    const url = await link.getAttribute('href')
    expect(url).to.match(new RegExp(`^${base}/s/[A-Za-z0-9_-]{24}$`))
    await shot(learner, 'learner-share-links')

    await link.click()
    await learner.waitForURL(url!)
    expect(await learner.getByRole('heading', { level: 1 }).textContent()).to.equal('Shared micro-credential')
    expect(await verdict(learner)).to.equal('verified')
    // The QR code is a data: image, which the policy allows.
    const qr = learner.getByRole('img', { name: 'QR code of the address of this page' })
    expect(
      await qr.evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth),
    ).to.be.greaterThan(0)
    // The checks are one click away.
    const proofRow = learner.locator('tr[data-check="proof"]')
    expect(await proofRow.isVisible()).to.equal(false)
    await learner.getByText('Show each check').click()
    expect(await proofRow.isVisible()).to.equal(true)
    await shot(learner, 'share')

    const french = await open(`${new URL(url!).pathname}?lang=fr`)
    expect(await french.getByRole('heading', { level: 1 }).textContent()).to.equal(
      'Microcertification partagée',
    )
    await shot(french, 'share-fr')
  })

  describe('the employer verifies', () => {
    const verifyText = async (text: string, name: string): Promise<string | null> => {
      const page = await open('/verify')
      await page.getByLabel('Credential (JSON or JWT)').fill(text)
      await page.getByRole('button', { name: 'Verify' }).click()
      await page.waitForLoadState()
      const found = await verdict(page)
      await shot(page, name)
      return found
    }

    it('a valid credential: verified', async () => {
      expect(await verifyText(issued.valid.original, 'verify-valid')).to.equal('verified')
    })

    it('a tampered credential: not verified', async () => {
      const edc = JSON.parse(issued.edc.original) as Record<string, any>
      edc.credentialSubject.hasClaim[0].specifiedBy.eqfLevel.id = 'http://data.europa.eu/snb/eqf/8'
      expect(await verifyText(JSON.stringify(edc), 'verify-tampered')).to.equal('not-verified')
    })

    it('a revoked credential: not verified', async () => {
      expect(await verifyText(issued.revoked.original, 'verify-revoked')).to.equal('not-verified')
    })

    it('an expired credential: not verified, and says so', async () => {
      expect(await verifyText(issued.expired.original, 'verify-expired')).to.equal('not-verified')
    })

    it('a PDF downloaded from a share page: verified', async () => {
      const learner = await open(new URL(issued.edc.claimUrl).pathname)
      await learner.getByRole('button', { name: 'Create a share link' }).click()
      await learner.waitForURL(/#share-links$/)
      const share = await open(
        new URL((await learner.locator('a.share-url').first().getAttribute('href'))!).pathname,
      )
      const [download] = await Promise.all([
        share.waitForEvent('download'),
        share.getByRole('link', { name: 'PDF with QR code' }).click(),
      ])
      const pdf = join(ARTIFACTS_DIR, 'credential.pdf')
      await download.saveAs(pdf)

      const page = await open('/verify')
      await page.getByLabel('Or a file: JSON, JWT, or a PDF made by this service').setInputFiles(pdf)
      await page.getByRole('button', { name: 'Verify' }).click()
      await page.waitForLoadState()
      expect(await verdict(page)).to.equal('verified')
      await shot(page, 'verify-pdf')
    })

    it('is usable from the keyboard: skip link first, then the form', async () => {
      const page = await open('/verify?lang=de')
      await page.keyboard.press('Tab')
      expect(await page.evaluate('document.activeElement?.textContent')).to.equal('Zum Inhalt springen')
      // Filled, not typed: the credential carries its display images and is tens of kilobytes long.
      const field = page.getByLabel('Nachweis (JSON oder JWT)')
      await field.fill(issued.valid.original)
      await field.focus()
      for (let i = 0; i < 3; i++) await page.keyboard.press('Tab')
      expect(await page.evaluate('document.activeElement?.textContent?.trim()')).to.equal('Prüfen')
      await page.keyboard.press('Enter')
      await page.waitForLoadState()
      expect(await verdict(page)).to.equal('verified')
      await shot(page, 'verify-de')
    })
  })
})
