/**
 * Parts the pages share: a credential rendered from its {@link CredentialView}, and a verification result
 * (the verdict, the reasons in plain words, each check). Credential text is shown in the credential
 * language chosen for the page, falling back to the credential's other languages; text in a language other
 * than the interface's carries its own `lang`, so that screen readers pronounce it right.
 */
import type { CredentialSummary, VerificationResult } from '../verifier/index.js'
import { pickText, type CredentialView, type LangText } from './credential-view.js'
import { html, type SafeHtml } from './html.js'
import { formatDate, formatDateTime, languageName, type Messages, type UiLanguage } from './i18n.js'
import { selfHref } from './layout.js'
import { checkLabel, issuerUnknown, reasonsOf, statusLabel, verdictOf, type Verdict } from './verdict.js'

export interface TextContext {
  ui: UiLanguage
  messages: Messages
  /** The credential language the page shows. */
  credentialLang: string
  /** The credential's languages, primary first: the fallbacks. */
  languages: readonly string[]
}

/** Credential text in the page's credential language, marked with its language when not the interface's. */
export function text(ctx: TextContext, value: LangText | undefined): SafeHtml | undefined {
  const picked = pickText(value, ctx.credentialLang, ctx.languages)
  if (picked === undefined) return undefined
  return picked.lang !== '' && picked.lang !== ctx.ui
    ? html`<span lang="${picked.lang}">${picked.text}</span>`
    : html`${picked.text}`
}

/** The credential language a page shows: the one asked for, else the interface's, else the primary one. */
export function chooseCredentialLanguage(view: CredentialView, asked: unknown, ui: UiLanguage): string {
  if (typeof asked === 'string' && view.languages.includes(asked)) return asked
  if (view.languages.includes(ui)) return ui
  return view.languages[0] ?? ui
}

/** True when the credential's validity ended before `now`. */
export function isExpired(view: CredentialView, now: Date): boolean {
  return view.validUntil !== undefined && Date.parse(view.validUntil) <= now.getTime()
}

function fact(label: string, value: SafeHtml | string | undefined | false): SafeHtml | undefined {
  return value === undefined || value === false || value === ''
    ? undefined
    : html`<dt>${label}</dt>
        <dd>${value}</dd>`
}

export interface CredentialSectionOptions {
  now: Date
  /** The query of this page, kept when switching the credential language. */
  query: Readonly<Record<string, string | undefined>>
  /** The `id` of the title heading, for `aria-labelledby`. */
  headingId: string
}

/** The credential as a card: title, holder, the facts Annex I asks for, outcomes, description. */
export function credentialSection(
  view: CredentialView,
  ctx: TextContext,
  options: CredentialSectionOptions,
): SafeHtml {
  const m = ctx.messages
  const t = (value: LangText | undefined) => text(ctx, value)
  const date = (iso: string | undefined) => (iso === undefined ? undefined : formatDate(ctx.ui, iso))
  const expired = isExpired(view, options.now)
  const languageLinks =
    view.languages.length > 1
      ? html`<nav aria-label="${m.credentialLanguageNav}">
          <p class="hint">
            ${m.credentialLanguageLead}
            ${view.languages.map(
              (code, i) =>
                html`${i > 0 ? ' · ' : ''}<a
                    href="${selfHref({ ...options.query, cl: code })}"
                    lang="${code}"
                    hreflang="${code}"
                    ${code === ctx.credentialLang ? html`aria-current="true"` : ''}
                    >${languageName(code)}</a
                  >`,
            )}
          </p>
        </nav>`
      : undefined
  const qualityAssurance = view.qualityAssurance.map(
    (qa) =>
      html`<div>
        ${t(qa.type)}${qa.agent ? html` ${m.accreditedBy} ${t(qa.agent)}` : ''}${
          qa.decision ? html`<br />${t(qa.decision)}` : ''
        }
      </div>`,
  )
  return html`<article class="card" aria-labelledby="${options.headingId}">
    <p class="kicker">${m.microcredential}</p>
    <h2 id="${options.headingId}">${t(view.title) ?? m.microcredential}</h2>
    ${view.holderName ? html`<p class="holder">${m.holder} <strong>${t(view.holderName)}</strong></p>` : ''}
    ${
      expired && view.validUntil
        ? html`<p><span class="badge expired">${m.expiredBadge}</span></p>
            <p class="notice">${m.expiredNotice(formatDate(ctx.ui, view.validUntil))}</p>`
        : ''
    }
    ${languageLinks}
    <dl class="facts">
      ${fact(m.awardingBody, t(view.awardingBody))}
      ${view.awardingBody === undefined ? fact(m.issuer, t(view.issuerName)) : ''}
      ${fact(m.awardedOn, date(view.awarded))} ${fact(m.issuedOn, date(view.issued))}
      ${fact(m.validUntil, date(view.validUntil))}
      ${fact(
        m.learningPeriod,
        view.period && m.period(formatDate(ctx.ui, view.period.start), formatDate(ctx.ui, view.period.end)),
      )}
      ${fact(m.ects, view.ects === undefined ? undefined : String(view.ects))}
      ${fact(m.eqfLevel, view.eqfLevel === undefined ? undefined : String(view.eqfLevel))}
      ${fact(m.workload, view.workloadHours === undefined ? undefined : m.hours(view.workloadHours))}
      ${fact(m.grade, t(view.grade))} ${fact(m.gradingScheme, t(view.gradingScheme))}
      ${fact(m.assessment, t(view.assessment))} ${fact(m.supervision, t(view.supervision))}
      ${fact(
        m.participation,
        view.participation.length > 0 &&
          html`${view.participation.map((p, i) => html`${i > 0 ? ', ' : ''}${t(p)}`)}`,
      )}
      ${fact(m.learningSetting, t(view.learningSetting))}
      ${fact(m.qualityAssurance, qualityAssurance.length > 0 && html`${qualityAssurance}`)}
      ${fact(m.prerequisites, t(view.prerequisites))}
    </dl>
    ${
      view.learningOutcomes.length > 0
        ? html`<h3>${m.learningOutcomes}</h3>
            <ul class="outcomes">
              ${view.learningOutcomes.map((o) => html`<li>${t(o)}</li>`)}
            </ul>`
        : ''
    }
    ${
      view.description
        ? html`<h3>${m.description}</h3>
            <p>${t(view.description)}</p>`
        : ''
    }
  </article>`
}

const VERDICT_ICONS: Readonly<Record<Verdict, string>> = {
  verified: '✓',
  'not-verified': '✗',
  indeterminate: '?',
}

/**
 * The verdict: one `role="status"` element with `data-verdict`, its text led by a screen-reader label, the
 * explanation, the reasons in plain words, and a plain-words note when the issuer is not a trusted one.
 */
export function verdictBlock(result: VerificationResult, messages: Messages): SafeHtml {
  const verdict = verdictOf(result)
  const title = {
    verified: messages.verdictVerified,
    'not-verified': messages.verdictNotVerified,
    indeterminate: messages.verdictIndeterminate,
  }[verdict]
  const explanation = {
    verified: messages.explainVerified,
    'not-verified': messages.explainNotVerified,
    indeterminate: messages.explainIndeterminate,
  }[verdict]
  const reasons = verdict === 'verified' ? [] : reasonsOf(result, messages)
  const issuer = result.summary?.issuerDid ?? ''
  return html`<div class="verdict" role="status" data-verdict="${verdict}">
    <strong
      ><span class="sr-only">${messages.verdictLabel} </span
      ><span class="verdict-icon" aria-hidden="true">${VERDICT_ICONS[verdict]}</span>${title}</strong
    >
    <p>${explanation}</p>
    ${
      verdict === 'not-verified' && reasons.length > 0
        ? html`<ul>
            ${reasons.map((r) => html`<li>${r}</li>`)}
          </ul>`
        : ''
    }
    ${issuerUnknown(result) ? html`<p>${messages.unknownIssuer(issuer === '' ? '?' : issuer)}</p>` : ''}
  </div>`
}

/** Each check with its status and the verifier's own message (in English, and marked so). */
export function checksTable(result: VerificationResult, ui: UiLanguage, messages: Messages): SafeHtml {
  return html`<table>
    <caption>
      ${messages.checksCaption}
    </caption>
    <thead>
      <tr>
        <th scope="col">${messages.colCheck}</th>
        <th scope="col">${messages.colStatus}</th>
        <th scope="col">${messages.colMessage}</th>
      </tr>
    </thead>
    <tbody>
      ${result.checks.map(
        (check) =>
          html`<tr data-check="${check.id}" data-status="${check.status}">
            <th scope="row">${checkLabel(check.id, messages)}</th>
            <td class="st-${check.status}">${statusLabel(check.status, messages)}</td>
            <td>
              <span ${ui === 'en' ? '' : html`lang="en"`}>${check.message}</span>
              <br /><code>${check.code}</code>
            </td>
          </tr>`,
      )}
    </tbody>
  </table>`
}

/** The verifier's human summary (only ever present once the proof passed), as a list of facts. */
export function summaryList(summary: CredentialSummary, ui: UiLanguage, messages: Messages): SafeHtml {
  const m = messages
  return html`<dl class="facts">
    ${fact(m.holder, summary.holderName)} ${fact(m.microcredential, summary.title)}
    ${fact(m.awardingBody, summary.awardingBody)}
    ${fact(m.issuer, summary.issuerName ?? (summary.issuerDid && html`<span class="mono">${summary.issuerDid}</span>`))}
    ${fact(m.issuedOn, summary.issued && formatDate(ui, summary.issued))}
    ${fact(m.ects, summary.ects === undefined ? undefined : String(summary.ects))}
    ${fact(m.eqfLevel, summary.eqfLevel === undefined ? undefined : String(summary.eqfLevel))}
    ${fact(m.grade, summary.grade)}
    ${fact(
      m.learningOutcomes,
      summary.learningOutcomes &&
        html`<ul class="outcomes">
          ${summary.learningOutcomes.map((o) => html`<li>${o}</li>`)}
        </ul>`,
    )}
  </dl>`
}

/** "Checked on …": when the verification ran, from the injected clock. */
export function checkedAt(now: Date, ui: UiLanguage, messages: Messages): SafeHtml {
  return html`<p class="hint">${messages.checkedAt(formatDateTime(ui, now.toISOString()))}</p>`
}
