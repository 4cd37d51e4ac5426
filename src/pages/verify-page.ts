/**
 * The employer's verify page, `/verify`: one form (a pasted credential, a file, or a share link) that posts
 * back to the page, and the result of the last verification: the verdict, the human summary and each check.
 * It works without any script: the file field itself takes a dropped file.
 */
import type { VerificationResult } from '../verifier/index.js'
import { checkedAt, checksTable, summaryList, verdictBlock } from './components.js'
import { html } from './html.js'
import { messagesFor, type Messages, type UiLanguage } from './i18n.js'
import { layout } from './layout.js'

/** Why a submission could not be verified at all, by its catalogue message. */
export type VerifyInputError = Extract<
  keyof Messages,
  | 'errorNothing'
  | 'errorPdfNoCredential'
  | 'errorPdfUnreadable'
  | 'errorLinkNotOurs'
  | 'errorLinkUnknown'
  | 'errorLinkExpired'
  | 'errorTooLarge'
>

export interface VerifyPageInput {
  lang: UiLanguage
  /** The path of `publicBaseUrl` (`''` at the root). */
  basePath: string
  /** The text pasted last time, to show again (never a file's content). */
  pasted?: string
  link?: string
  result?: VerificationResult
  error?: VerifyInputError
  now: Date
}

export function verifyPage(input: VerifyPageInput): string {
  const { lang } = input
  const m = messagesFor(lang)
  const result = input.result
  const outcome =
    input.error !== undefined
      ? html`<section aria-labelledby="result-heading">
          <h2 id="result-heading">${m.resultHeading}</h2>
          <p class="error" role="alert" data-error="${input.error}">${m[input.error]}</p>
        </section>`
      : result !== undefined
        ? html`<section aria-labelledby="result-heading">
            <h2 id="result-heading">${m.resultHeading}</h2>
            ${verdictBlock(result, m)} ${checkedAt(input.now, lang, m)}
            ${
              result.summary
                ? html`<h3>${m.summaryHeading}</h3>
                    ${summaryList(result.summary, lang, m)}`
                : ''
            }
            <h3>${m.checksHeading}</h3>
            ${checksTable(result, lang, m)}
          </section>`
        : ''
  const body = html`<h1>${m.verifyTitle}</h1>
    <p>${m.verifyIntro}</p>
    <form
      method="post"
      action="${input.basePath}/verify?lang=${lang}"
      enctype="multipart/form-data"
      class="card"
    >
      <label for="credential">${m.pasteLabel}</label>
      <textarea id="credential" name="credential" spellcheck="false" autocomplete="off">
${input.pasted ?? ''}</textarea>
      <label for="file">${m.fileLabel}</label>
      <p class="hint" id="file-hint">${m.fileHint}</p>
      <input
        id="file"
        name="file"
        type="file"
        accept=".json,.jwt,.pdf,application/json,application/pdf,application/vc+jwt,text/plain"
        aria-describedby="file-hint"
      />
      <label for="link">${m.linkLabel}</label>
      <input
        id="link"
        name="link"
        type="url"
        inputmode="url"
        autocomplete="off"
        value="${input.link ?? ''}"
      />
      <div class="actions"><button type="submit">${m.verifyButton}</button></div>
    </form>
    ${outcome}`
  return layout({ lang, title: m.verifyTitle, body, query: { lang }, basePath: input.basePath })
}
