/**
 * The HTML pages: the learner's page at the claim link (for browsers; `Accept: application/json` keeps the
 * JSON answer of `claim-routes.ts`), the share page `/s/{id}` and its PDF, and the employer's verify page
 * `/verify`. Pages are rendered on the server from `src/pages/`; they need no script, and send a strict
 * Content-Security-Policy that allows only this origin's style sheet and `data:` images (the QR codes).
 *
 * The claim token and the share id are capabilities: pages that carry them are not cached, and the request
 * log shows their routes only (`loggedPath`). Forms that change something (share links) post to paths under
 * the claim token, and are refused unless the browser says they come from this service's own origin.
 */
import express, { Router, type NextFunction, type Request, type Response } from 'express'
import { openClaim } from '../claims/manage-claim-links.js'
import {
  createShareLink,
  listShareLinks,
  openShareLink,
  parseShareLinkDays,
  revokeShareLink,
  shareUrlOf,
} from '../claims/share-links.js'
import type { AppContext } from '../context.js'
import { GoneError, NotFoundError, PROBLEM_BASE, RateLimitedError, ValidationError } from '../errors.js'
import { PAGES_CSS, PAGES_CSS_NAME } from '../pages/assets.js'
import { claimPage } from '../pages/claim-page.js'
import { credentialDocument, credentialView, type CredentialView } from '../pages/credential-view.js'
import { errorPage, type PageErrorKind } from '../pages/error-page.js'
import { chooseLanguage, type UiLanguage } from '../pages/i18n.js'
import { embeddedCredential, isPdf } from '../pages/pdf-attachment.js'
import { credentialPdf } from '../pages/pdf.js'
import { qrDataUrl } from '../pages/qr.js'
import { sharePage } from '../pages/share-page.js'
import { verifyPage, type VerifyInputError } from '../pages/verify-page.js'
import type { CredentialRecord } from '../storage/storage.js'
import { verifyCredential, type VerifierDeps } from '../verifier/index.js'
import { FORM_MEDIA_TYPES, parseFormBody } from './form-body.js'
import { storedCredentialView } from './issuing-routes.js'
import { verificationOutcome, type Metrics } from './metrics.js'
import { HttpProblem } from './problem.js'

/** Only this origin's style sheet, `data:` images, forms posting back here; no framing, no base URL. */
export const PAGES_CSP =
  "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; form-action 'self'; " +
  "frame-ancestors 'none'; base-uri 'none'"

/** Room for a multipart envelope around the largest credential the verify page accepts. */
const FORM_OVERHEAD_BYTES = 64 * 1024

export interface PageRoutesOptions {
  verifier: VerifierDeps
  /** Largest credential (or PDF) the verify page takes, as for `POST /credentials/verify`. */
  bodyLimitBytes: number
  metrics?: Metrics
  /** Receives unexpected errors (never request bodies). */
  logError: (err: unknown) => void
}

interface PageHeaders {
  /** `same-origin` where the page has forms: Chromium sends `Origin: null` for a form posted under `no-referrer`. */
  referrer: 'no-referrer' | 'same-origin'
}

function sendHtml(res: Response, status: number, page: string, headers: PageHeaders): void {
  res.status(status)
  res.setHeader('Content-Type', 'text/html; charset=utf-8')
  res.setHeader('Content-Security-Policy', PAGES_CSP)
  res.setHeader('X-Content-Type-Options', 'nosniff')
  res.setHeader('Cache-Control', 'no-store')
  res.setHeader('Referrer-Policy', headers.referrer)
  res.send(page)
}

function sendFile(res: Response, type: string, name: string, body: Buffer | Uint8Array): void {
  res.setHeader('Content-Type', type)
  res.setHeader('Content-Disposition', `attachment; filename="${name}"`)
  res.setHeader('X-Content-Type-Options', 'nosniff')
  res.setHeader('Cache-Control', 'no-store')
  res.setHeader('Referrer-Policy', 'no-referrer')
  res.send(Buffer.from(body.buffer, body.byteOffset, body.byteLength))
}

function languageOf(req: Request): UiLanguage {
  return chooseLanguage(
    req.query.lang ?? (req.body as { lang?: unknown } | undefined)?.lang,
    req.get('Accept-Language'),
  )
}

function queryString(req: Request, name: string): string | undefined {
  const value = req.query[name]
  return typeof value === 'string' ? value : undefined
}

/** True when the client asks for a page rather than JSON (a browser's Accept header). */
function wantsHtml(req: Request): boolean {
  return req.accepts(['application/json', 'text/html']) === 'text/html'
}

function isJws(record: CredentialRecord): boolean {
  return record.format === 'elm' || record.format === 'vc-jose'
}

function viewOf(record: CredentialRecord): CredentialView {
  const document = credentialDocument(record.credential)
  // A stored credential is one this instance issued: unreadable means the storage itself is damaged.
  if (document === undefined) throw new Error('A stored credential cannot be read')
  return credentialView(document)
}

function refusedOrigin(): HttpProblem {
  return new HttpProblem(
    403,
    'ERR_ORIGIN_REFUSED',
    `${PROBLEM_BASE}ORIGIN_REFUSED`,
    "This form is accepted from this service's own pages only",
  )
}

/** The error page for an error a page route threw; undefined for an unexpected one. */
function pageErrorOf(err: unknown): { status: number; kind: PageErrorKind } | undefined {
  if (err instanceof NotFoundError) return { status: 404, kind: 'not-found' }
  if (err instanceof GoneError) return { status: 410, kind: 'erased' }
  if (err instanceof ValidationError) return { status: 400, kind: 'bad-request' }
  if (err instanceof RateLimitedError) return { status: 429, kind: 'too-many' }
  if (err instanceof HttpProblem) {
    return { status: err.status, kind: err.status === 403 ? 'refused' : 'bad-request' }
  }
  return undefined
}

export function pageRoutes(ctx: AppContext, options: PageRoutesOptions): Router {
  const router = Router()
  const base = ctx.publicBaseUrl.replace(/\/+$/, '')
  const origin = new URL(base).origin
  const basePath = new URL(base).pathname.replace(/\/+$/, '')
  const verifyUrl = `${base}/verify`
  const shareDeps = { storage: ctx.storage, clock: ctx.clock }
  const small = express.urlencoded({ extended: false, limit: '4kb', parameterLimit: 8 })
  const verifyBody = express.raw({
    type: FORM_MEDIA_TYPES,
    limit: options.bodyLimitBytes + FORM_OVERHEAD_BYTES,
  })
  const limits = { maxBytes: options.bodyLimitBytes }

  router.get('/assets/:name', (req, res) => {
    if (req.params.name !== PAGES_CSS_NAME) throw new NotFoundError('No such asset')
    // The name carries a digest of the content: a changed style sheet is a new URL.
    res.setHeader('Cache-Control', 'public, max-age=31536000, immutable')
    res.setHeader('X-Content-Type-Options', 'nosniff')
    res.type('text/css').send(PAGES_CSS)
  })

  // --- the learner's page -------------------------------------------------------------------------------
  router.get('/claims/:token', async (req, res, next) => {
    if (!wantsHtml(req)) {
      next('route')
      return
    }
    const token = req.params.token
    const record = await openClaim(ctx, token)
    const now = ctx.clock()
    const [result, shares] = await Promise.all([
      verifyCredential(record.credential, options.verifier, { limits }),
      listShareLinks(shareDeps, record.id),
    ])
    const page = claimPage({
      lang: languageOf(req),
      credentialLang: queryString(req, 'cl'),
      view: viewOf(record),
      result,
      now,
      basePath,
      claimPath: `${basePath}/claims/${token}`,
      hasJwt: isJws(record),
      shares,
      shareUrl: (id) => shareUrlOf(base, id),
    })
    sendHtml(res, 200, page, { referrer: 'same-origin' })
  })

  router.get('/claims/:token/credential.json', async (req, res) => {
    const record = await openClaim(ctx, req.params.token)
    const json = JSON.stringify(storedCredentialView(record).verifiableCredential, null, 2)
    sendFile(res, 'application/json', 'credential.json', Buffer.from(`${json}\n`, 'utf8'))
  })

  router.get('/claims/:token/credential.jwt', async (req, res) => {
    const record = await openClaim(ctx, req.params.token)
    if (!isJws(record)) throw new NotFoundError('This credential has no JWT form')
    sendFile(res, 'application/vc+jwt', 'credential.jwt', Buffer.from(record.credential, 'utf8'))
  })

  router.get('/claims/:token/credential.pdf', async (req, res) => {
    const record = await openClaim(ctx, req.params.token)
    // No share link is implied: the QR code leads to the verify page, where the PDF itself is checked.
    const pdf = await credentialPdf({
      lang: languageOf(req),
      credentialLang: queryString(req, 'cl'),
      view: viewOf(record),
      original: record.credential,
      qrUrl: verifyUrl,
      verifyUrl,
      now: ctx.clock(),
    })
    sendFile(res, 'application/pdf', 'credential.pdf', pdf)
  })

  const backToClaim = (req: Request, res: Response) => {
    const lang = languageOf(req)
    res.setHeader('Referrer-Policy', 'same-origin')
    res.redirect(303, `${basePath}/claims/${req.params.token as string}?lang=${lang}#share-links`)
  }

  router.post('/claims/:token/share-links', small, async (req, res) => {
    const record = await openClaim(ctx, req.params.token)
    sameOriginOrThrow(req, origin)
    const days = parseShareLinkDays((req.body as { days?: unknown } | undefined)?.days)
    await createShareLink(shareDeps, record, days)
    backToClaim(req, res)
  })

  router.post('/claims/:token/share-links/:id/revoke', small, async (req, res) => {
    const record = await openClaim(ctx, req.params.token)
    sameOriginOrThrow(req, origin)
    await revokeShareLink(shareDeps, record.id, req.params.id)
    backToClaim(req, res)
  })

  // --- the share page -----------------------------------------------------------------------------------
  router.get('/s/:id.pdf', async (req, res) => {
    const opened = await openShareLink(shareDeps, req.params.id)
    if (opened.state !== 'active') {
      sendHtml(res, 410, errorPage(languageOf(req), 'share-gone', basePath), { referrer: 'no-referrer' })
      return
    }
    const pdf = await credentialPdf({
      lang: languageOf(req),
      credentialLang: queryString(req, 'cl'),
      view: viewOf(opened.record),
      original: opened.record.credential,
      qrUrl: shareUrlOf(base, opened.link.id),
      verifyUrl,
      now: ctx.clock(),
    })
    sendFile(res, 'application/pdf', 'credential.pdf', pdf)
  })

  router.get('/s/:id', async (req, res) => {
    const lang = languageOf(req)
    const opened = await openShareLink(shareDeps, req.params.id)
    if (opened.state !== 'active') {
      sendHtml(res, 410, errorPage(lang, 'share-gone', basePath), { referrer: 'no-referrer' })
      return
    }
    const url = shareUrlOf(base, opened.link.id)
    const [result, qr] = await Promise.all([
      verifyCredential(opened.record.credential, options.verifier, { limits }),
      qrDataUrl(url),
    ])
    const page = sharePage({
      lang,
      credentialLang: queryString(req, 'cl'),
      view: viewOf(opened.record),
      result,
      now: ctx.clock(),
      id: opened.link.id,
      basePath,
      url,
      qrDataUrl: qr,
    })
    sendHtml(res, 200, page, { referrer: 'no-referrer' })
  })

  // --- the verify page ----------------------------------------------------------------------------------
  router.get('/verify', (req, res) => {
    sendHtml(res, 200, verifyPage({ lang: languageOf(req), basePath, now: ctx.clock() }), {
      referrer: 'no-referrer',
    })
  })

  /** The share link a pasted URL names, if it is one of ours: `<publicBaseUrl>/s/<id>` (or its PDF). */
  const shareIdOf = (text: string): string | undefined => {
    let url: URL
    try {
      url = new URL(text)
    } catch {
      return undefined
    }
    if (url.origin !== origin) return undefined
    const match = /^\/s\/([A-Za-z0-9_-]+)(?:\.pdf)?$/.exec(url.pathname.slice(basePath.length))
    return url.pathname.startsWith(`${basePath}/`) ? match?.[1] : undefined
  }

  /** What to verify from the form: a file first, then pasted text, then a share link. */
  const inputOf = async (
    req: Request,
  ): Promise<{ input: string; pasted?: string } | { error: VerifyInputError; status: number }> => {
    const form = parseFormBody(req.get('Content-Type'), req.body)
    const file = form.files.get('file')
    if (file !== undefined && file.data.length > 0) {
      if (!isPdf(file.data)) return { input: file.data.toString('utf8') }
      const embedded = embeddedCredential(file.data, options.bodyLimitBytes)
      if (embedded.kind === 'found') return { input: embedded.text }
      return embedded.kind === 'too-large'
        ? { error: 'errorTooLarge', status: 413 }
        : { error: 'errorPdfNoCredential', status: 422 }
    }
    const pasted = form.fields.get('credential')?.trim() ?? ''
    if (pasted !== '') return { input: pasted, pasted }
    const link = form.fields.get('link')?.trim() ?? ''
    if (link === '') return { error: 'errorNothing', status: 400 }
    const id = shareIdOf(link)
    if (id === undefined) return { error: 'errorLinkNotOurs', status: 400 }
    try {
      const opened = await openShareLink(shareDeps, id)
      if (opened.state !== 'active') return { error: 'errorLinkExpired', status: 410 }
      return { input: opened.record.credential }
    } catch (err) {
      if (err instanceof NotFoundError || err instanceof GoneError)
        return { error: 'errorLinkUnknown', status: 404 }
      throw err
    }
  }

  router.post('/verify', verifyBody, async (req, res) => {
    const lang = languageOf(req)
    const now = ctx.clock()
    const link = parseFormBody(req.get('Content-Type'), req.body).fields.get('link')
    const chosen = await inputOf(req)
    if ('error' in chosen) {
      sendHtml(res, chosen.status, verifyPage({ lang, basePath, now, link, error: chosen.error }), {
        referrer: 'no-referrer',
      })
      return
    }
    const result = await verifyCredential(chosen.input, options.verifier, { policy: 'default', limits })
    options.metrics?.verified.inc({ kind: 'credential', outcome: verificationOutcome(result) })
    sendHtml(res, 200, verifyPage({ lang, basePath, now, pasted: chosen.pasted, link, result }), {
      referrer: 'no-referrer',
    })
  })

  // Errors of these routes are pages too, in the language asked for; anything unexpected is logged.
  router.use((err: unknown, req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) {
      next(err)
      return
    }
    const lang = languageOf(req)
    const tooLarge = (err as { type?: unknown } | null)?.type === 'entity.too.large'
    if (tooLarge && req.path === '/verify') {
      sendHtml(res, 413, verifyPage({ lang, basePath, now: ctx.clock(), error: 'errorTooLarge' }), {
        referrer: 'no-referrer',
      })
      return
    }
    const known = pageErrorOf(err)
    if (known === undefined) options.logError(err)
    const { status, kind } = known ?? {
      status: tooLarge ? 413 : 500,
      kind: tooLarge ? 'bad-request' : 'error',
    }
    sendHtml(res, status, errorPage(lang, kind, basePath), { referrer: 'no-referrer' })
  })

  return router
}

/** Forms that change something must come from our own pages: a missing or foreign Origin is refused. */
function sameOriginOrThrow(req: Request, origin: string): void {
  if (req.get('Origin') !== origin) throw refusedOrigin()
}
