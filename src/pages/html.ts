/**
 * The one escaping helper of the pages: `html` is a tagged template whose every interpolation is escaped,
 * except fragments that `html` itself produced. There is no way to insert unescaped text, so a template can
 * only go wrong by what it writes literally.
 *
 * @example
 * html`<p class="name">${name}</p>${items.map((item) => html`<li>${item}</li>`)}`
 */

/** Markup built by {@link html}: safe to insert as is. Not exported, so nothing else can make one. */
class Markup {
  constructor(readonly value: string) {}

  toString(): string {
    return this.value
  }
}

export type SafeHtml = Markup

/** What a template may interpolate: text and numbers are escaped; absent values render as nothing. */
export type Interpolation = SafeHtml | string | number | null | undefined | false | readonly Interpolation[]

const ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
  '`': '&#96;',
}

/** Escapes text for element content and quoted attribute values alike. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"'`]/g, (c) => ESCAPES[c] ?? c)
}

function render(value: Interpolation): string {
  if (value instanceof Markup) return value.value
  if (Array.isArray(value)) return (value as readonly Interpolation[]).map(render).join('')
  if (value === null || value === undefined || value === false) return ''
  return escapeHtml(String(value))
}

export function html(strings: TemplateStringsArray, ...values: Interpolation[]): SafeHtml {
  let out = strings[0] ?? ''
  values.forEach((value, i) => {
    out += render(value) + (strings[i + 1] ?? '')
  })
  return new Markup(out)
}
