/**
 * The share page, `/s/<id>`: the credential rendered from itself, a QR code of the page's address, the PDF,
 * and the verification that ran for this very view, its checks one click away.
 */
import type { VerificationResult } from '../verifier/index.js'
import {
  checkedAt,
  checksTable,
  chooseCredentialLanguage,
  credentialSection,
  verdictBlock,
} from './components.js'
import type { CredentialView } from './credential-view.js'
import { html } from './html.js'
import { messagesFor, type UiLanguage } from './i18n.js'
import { layout } from './layout.js'

export interface SharePageInput {
  lang: UiLanguage
  credentialLang?: string
  view: CredentialView
  result: VerificationResult
  now: Date
  /** The share link's id: the page is `<basePath>/s/<id>`. */
  id: string
  /** The path of `publicBaseUrl` (`''` at the root). */
  basePath: string
  /** The page's public address, as the QR code carries it. */
  url: string
  qrDataUrl: string
}

export function sharePage(input: SharePageInput): string {
  const { lang, view } = input
  const m = messagesFor(lang)
  const credentialLang = chooseCredentialLanguage(view, input.credentialLang, lang)
  const ctx = { ui: lang, messages: m, credentialLang, languages: view.languages }
  const query = { lang, cl: input.credentialLang }
  const body = html`<h1>${m.shareTitle}</h1>
    <p>${m.shareIntro}</p>
    <section aria-labelledby="verification-heading">
      <h2 id="verification-heading">${m.verificationHeading}</h2>
      ${verdictBlock(input.result, m)} ${checkedAt(input.now, lang, m)}
      <details>
        <summary>${m.showChecks}</summary>
        ${checksTable(input.result, lang, m)}
      </details>
    </section>
    <div class="cols">
      ${credentialSection(view, ctx, { now: input.now, query, headingId: 'credential-title' })}
      <aside aria-labelledby="qr-heading">
        <h2 id="qr-heading" class="sr-only">${m.qrHeading}</h2>
        <figure class="qr">
          <img src="${input.qrDataUrl}" alt="${m.qrAlt}" width="160" height="160" />
          <figcaption><span class="mono">${input.url}</span></figcaption>
        </figure>
        <p>
          <a class="button" href="${input.basePath}/s/${input.id}.pdf?lang=${lang}" download
            >${m.downloadPdf}</a
          >
        </p>
      </aside>
    </div>`
  return layout({ lang, title: m.shareTitle, body, query, basePath: input.basePath })
}
