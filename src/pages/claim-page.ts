/**
 * The learner's page at the claim link: the credential rendered from itself, its live verification, the
 * downloads (the original, and a PDF), and the learner's share links with the forms that create and revoke
 * them. The forms post to paths under the claim token: the token is the capability, as for the page itself.
 */
import { DEFAULT_SHARE_LINK_DAYS, SHARE_LINK_DAYS, type ShareLinkState } from '../claims/share-links.js'
import type { ShareLinkRecord } from '../storage/storage.js'
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
import { formatDateTime, messagesFor, type UiLanguage } from './i18n.js'
import { layout } from './layout.js'

export interface ClaimPageInput {
  lang: UiLanguage
  /** `?cl=`: the credential language asked for. */
  credentialLang?: string
  view: CredentialView
  result: VerificationResult
  now: Date
  /** The path of `publicBaseUrl` (`''` at the root). */
  basePath: string
  /** The page's own path, `<basePath>/claims/<token>`: downloads and forms live under it. */
  claimPath: string
  /** Whether the original is a compact JWS (a `.jwt` download) besides its JSON form. */
  hasJwt: boolean
  shares: Array<ShareLinkRecord & { state: ShareLinkState }>
  shareUrl: (id: string) => string
}

export function claimPage(input: ClaimPageInput): string {
  const { lang, view } = input
  const m = messagesFor(lang)
  const credentialLang = chooseCredentialLanguage(view, input.credentialLang, lang)
  const ctx = { ui: lang, messages: m, credentialLang, languages: view.languages }
  const query = { lang, cl: input.credentialLang }
  const stateLabel = { active: m.shareActive, expired: m.shareExpired, revoked: m.shareRevoked }
  const shares =
    input.shares.length === 0
      ? html`<p>${m.sharesNone}</p>`
      : html`<table>
          <caption>
            ${m.sharesCaption}
          </caption>
          <thead>
            <tr>
              <th scope="col">${m.shareColLink}</th>
              <th scope="col">${m.shareColExpires}</th>
              <th scope="col">${m.shareColState}</th>
              <th scope="col">${m.shareColActions}</th>
            </tr>
          </thead>
          <tbody>
            ${input.shares.map((share) => {
              const expires = formatDateTime(lang, share.expiresAt)
              const url = input.shareUrl(share.id)
              return html`<tr data-share-state="${share.state}">
                <td>
                  ${
                    share.state === 'active'
                      ? html`<a class="mono share-url" href="${url}">${url}</a>`
                      : html`<span class="mono">${url}</span>`
                  }
                </td>
                <td>${expires}</td>
                <td>${stateLabel[share.state]}</td>
                <td>
                  ${
                    share.state === 'active'
                      ? html`<div class="actions">
                          <a href="${input.basePath}/s/${share.id}.pdf?lang=${lang}">${m.sharePdf}</a>
                          <form
                            class="inline"
                            method="post"
                            action="${input.claimPath}/share-links/${share.id}/revoke"
                          >
                            <input type="hidden" name="lang" value="${lang}" />
                            <button
                              class="secondary"
                              type="submit"
                              aria-label="${m.shareRevokeLabel(expires)}"
                            >
                              ${m.shareRevoke}
                            </button>
                          </form>
                        </div>`
                      : ''
                  }
                </td>
              </tr>`
            })}
          </tbody>
        </table>`

  const body = html`<h1>${m.claimTitle}</h1>
    <p>${m.claimIntro}</p>
    ${credentialSection(view, ctx, { now: input.now, query, headingId: 'credential-title' })}
    <section aria-labelledby="verification-heading">
      <h2 id="verification-heading">${m.verificationHeading}</h2>
      ${verdictBlock(input.result, m)} ${checkedAt(input.now, lang, m)}
      <details>
        <summary>${m.showChecks}</summary>
        ${checksTable(input.result, lang, m)}
      </details>
    </section>
    <section aria-labelledby="download-heading">
      <h2 id="download-heading">${m.downloadHeading}</h2>
      <ul>
        ${
          input.hasJwt
            ? html`<li><a href="${input.claimPath}/credential.jwt" download>${m.downloadJwt}</a></li>`
            : ''
        }
        <li><a href="${input.claimPath}/credential.json" download>${m.downloadJson}</a></li>
        <li><a href="${input.claimPath}/credential.pdf?lang=${lang}" download>${m.downloadPdf}</a></li>
      </ul>
    </section>
    <section aria-labelledby="share-links">
      <h2 id="share-links">${m.sharesHeading}</h2>
      <p>${m.sharesIntro}</p>
      <form class="share-form" method="post" action="${input.claimPath}/share-links">
        <input type="hidden" name="lang" value="${lang}" />
        <div>
          <label for="share-days">${m.shareValidFor}</label>
          <select id="share-days" name="days">
            ${SHARE_LINK_DAYS.map(
              (days) =>
                html`<option value="${days}" ${days === DEFAULT_SHARE_LINK_DAYS ? html`selected` : ''}>
                  ${m.days(days)}
                </option>`,
            )}
          </select>
        </div>
        <button type="submit">${m.shareCreate}</button>
      </form>
      ${shares}
    </section>`
  return layout({ lang, title: m.claimTitle, body, query, basePath: input.basePath })
}
