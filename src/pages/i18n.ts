/**
 * The interface languages of the pages and how one is chosen: `?lang=` first, then the browser's
 * Accept-Language, then English. Credential text is not translated here: it comes from the credential's own
 * language maps (see `credential-view.ts`).
 */
import { DE } from './messages/de.js'
import { EN, type Messages } from './messages/en.js'
import { FR } from './messages/fr.js'

export type { Messages } from './messages/en.js'

export const UI_LANGUAGES = ['en', 'fr', 'de'] as const
export type UiLanguage = (typeof UI_LANGUAGES)[number]

const CATALOGUES: Readonly<Record<UiLanguage, Messages>> = { en: EN, fr: FR, de: DE }

/** Each language's name in itself, for the language switcher. */
export const LANGUAGE_NAMES: Readonly<Record<UiLanguage, string>> = {
  en: 'English',
  fr: 'Français',
  de: 'Deutsch',
}

export function isUiLanguage(value: unknown): value is UiLanguage {
  return typeof value === 'string' && (UI_LANGUAGES as readonly string[]).includes(value)
}

/** Accept-Language ranges with their weights, best first; ranges of weight 0 are dropped. */
function acceptedRanges(header: string): string[] {
  return header
    .split(',')
    .slice(0, 32)
    .map((part, index) => {
      const [range = '', ...params] = part.trim().split(';')
      const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='))
      const weight = q === undefined ? 1 : Number(q.slice(2))
      return { range: range.trim().toLowerCase(), weight: Number.isFinite(weight) ? weight : 0, index }
    })
    .filter((r) => r.range !== '' && r.weight > 0)
    .sort((a, b) => b.weight - a.weight || a.index - b.index)
    .map((r) => r.range)
}

/** The interface language for a request: `?lang=` if it names one, else the best Accept-Language match. */
export function chooseLanguage(query: unknown, acceptLanguage: string | undefined): UiLanguage {
  if (isUiLanguage(query)) return query
  for (const range of acceptedRanges(acceptLanguage ?? '')) {
    const primary = range.split('-')[0]
    if (isUiLanguage(primary)) return primary
  }
  return 'en'
}

export function messagesFor(lang: UiLanguage): Messages {
  return CATALOGUES[lang]
}

/** A date (ISO 8601) as the interface language writes it, in UTC; the text itself when it is no date. */
export function formatDate(lang: UiLanguage, iso: string): string {
  const time = Date.parse(iso)
  if (Number.isNaN(time)) return iso
  return new Intl.DateTimeFormat(lang, { dateStyle: 'long', timeZone: 'UTC' }).format(time)
}

/** A date and time (ISO 8601) in UTC, as the interface language writes it. */
export function formatDateTime(lang: UiLanguage, iso: string): string {
  const time = Date.parse(iso)
  if (Number.isNaN(time)) return iso
  return new Intl.DateTimeFormat(lang, { dateStyle: 'long', timeStyle: 'short', timeZone: 'UTC' }).format(
    time,
  )
}

/** The name of a language (ISO 639-1) in that language, e.g. `français`; the code when unknown. */
export function languageName(code: string): string {
  try {
    return new Intl.DisplayNames([code], { type: 'language' }).of(code) ?? code
  } catch {
    return code
  }
}
