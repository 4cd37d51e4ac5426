/** The pages' error page: a title and one paragraph in the interface language, nothing from the request. */
import { html } from './html.js'
import { messagesFor, type Messages, type UiLanguage } from './i18n.js'
import { layout } from './layout.js'

/** Which error: each names its title and text in the catalogues. */
export type PageErrorKind =
  'not-found' | 'share-gone' | 'erased' | 'refused' | 'bad-request' | 'too-many' | 'error'

const TEXTS: Readonly<Record<PageErrorKind, [keyof Messages, keyof Messages]>> = {
  'not-found': ['notFoundTitle', 'notFoundBody'],
  'share-gone': ['shareGoneTitle', 'shareGoneBody'],
  erased: ['erasedTitle', 'erasedBody'],
  refused: ['refusedTitle', 'refusedBody'],
  'bad-request': ['badRequestTitle', 'errorNothing'],
  'too-many': ['tooManyTitle', 'tooManyBody'],
  error: ['errorTitle', 'errorBody'],
}

export function errorPage(lang: UiLanguage, kind: PageErrorKind, basePath: string): string {
  const m = messagesFor(lang)
  const [titleKey, bodyKey] = TEXTS[kind]
  const title = m[titleKey] as string
  const body = html`<h1>${title}</h1>
    <p data-error="${kind}">${m[bodyKey] as string}</p>`
  return layout({ lang, title, body, basePath })
}
