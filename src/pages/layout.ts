/**
 * The shell every page shares: language, title, the style sheet, a skip link, the interface-language
 * switcher and the footer. Pages hand in their body as {@link SafeHtml}; the result is the whole document.
 */
import { PAGES_CSS_PATH } from './assets.js'
import { html, type SafeHtml } from './html.js'
import { LANGUAGE_NAMES, UI_LANGUAGES, messagesFor, type UiLanguage } from './i18n.js'

export interface LayoutOptions {
  lang: UiLanguage
  title: string
  body: SafeHtml
  /** Query parameters to keep when switching language (the credential language, say). */
  query?: Readonly<Record<string, string | undefined>>
  /** The path of `publicBaseUrl` (`''` at the root): links between pages start with it. */
  basePath: string
}

/** A relative URL to this same page with `params` as its query (`?lang=fr&cl=en`). */
export function selfHref(params: Readonly<Record<string, string | undefined>>): string {
  const query = new URLSearchParams()
  for (const [name, value] of Object.entries(params)) if (value !== undefined) query.set(name, value)
  const text = query.toString()
  return text === '' ? '?' : `?${text}`
}

export function layout(options: LayoutOptions): string {
  const { lang } = options
  const messages = messagesFor(lang)
  const languages = UI_LANGUAGES.map(
    (code) =>
      html`<li>
        <a
          href="${selfHref({ ...options.query, lang: code })}"
          lang="${code}"
          hreflang="${code}"
          ${code === lang ? html`aria-current="true"` : ''}
          >${LANGUAGE_NAMES[code]}</a
        >
      </li>`,
  )
  const page = html`<!doctype html>
    <html lang="${lang}">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${options.title} · ${messages.siteName}</title>
        <link rel="stylesheet" href="${options.basePath}${PAGES_CSS_PATH}" />
        <link rel="icon" href="data:," />
      </head>
      <body>
        <a class="skip" href="#main">${messages.skipToContent}</a>
        <header class="site">
          <div class="bar">
            <span class="name">${messages.siteName}</span>
            <a href="${options.basePath}/verify?lang=${lang}">${messages.verifyLink}</a>
            <nav class="langs" aria-label="${messages.languageNav}">
              <ul>
                ${languages}
              </ul>
            </nav>
          </div>
        </header>
        <main id="main" tabindex="-1">${options.body}</main>
        <footer class="site"><p>${messages.footer}</p></footer>
      </body>
    </html> `
  return page.toString()
}
