/**
 * The credential's "diploma image": ELM `displayParameter.individualDisplay[].displayDetail.image`.
 *
 * ELM requires one rendered image per display language. The image is rendered once per course and
 * language and reused for every learner of a cohort, so it carries course data only (title, awarding body,
 * ECTS, EQF level, workload) and never learner data. See `display-image-cache.ts` for the reuse.
 */

import { Resvg } from '@resvg/resvg-js'
import type { ResvgRenderOptions } from '@resvg/resvg-js'
import UPNG from 'upng-js'
import { ValidationError } from '../errors.js'
import type { FieldProblem } from '../errors.js'

/** What the image shows. Course data only: the same image is embedded in every learner's credential. */
export interface DisplayImageInput {
  /**
   * Display language: ISO 639-1 (`en`), a BCP 47 tag (`en-IE`), an EU authority code (`ENG`) or its IRI
   * (`http://publications.europa.eu/resource/authority/language/ENG`). Unknown languages get English labels.
   */
  language: string
  /** Course title in that language. */
  title: string
  /** Legal name of the awarding body in that language. */
  awardingBody: string
  /** ECTS credit points (may be fractional, e.g. 2.5). */
  ects: number
  /** EQF level, 1 to 8. */
  eqfLevel: number
  /** Notional workload in hours. */
  workloadHours: number
}

/** A rendered PNG, ready for an ELM `MediaObject` (`content` = `base64`, `contentType` = PNG). */
export interface DisplayImage {
  contentType: 'image/png'
  /** The PNG, base64 (standard alphabet, padded), as ELM `MediaObject.content` expects. */
  base64: string
  /** Size of the decoded PNG in bytes. */
  bytes: number
}

/** Image size in pixels: A4 landscape (297 x 210 mm) at roughly 68 dpi, small enough to embed per language. */
export const DISPLAY_IMAGE_WIDTH = 800
/** See {@link DISPLAY_IMAGE_WIDTH}. */
export const DISPLAY_IMAGE_HEIGHT = 566

/**
 * The heading label, per EU official language (ISO 639-1): the singular of the term each language version
 * of Council Recommendation 2022/C 243/02 uses for "micro-credential". The ga, mt, fi and lv wordings are
 * the least certain and should be checked against EUR-Lex (CELEX 32022H0627(02)).
 */
export const MICRO_CREDENTIAL_LABELS: Readonly<Record<string, string>> = Object.freeze({
  bg: 'Микроквалификация',
  cs: 'Mikrocertifikát',
  da: 'Mikroeksamensbevis',
  de: 'Micro-Credential',
  el: 'Μικροδιαπιστευτήριο',
  en: 'Micro-credential',
  es: 'Microcredencial',
  et: 'Mikrokvalifikatsioon',
  fi: 'Mikrotunnuste',
  fr: 'Microcertification',
  ga: 'Micrea-dhintiúr',
  hr: 'Mikrokvalifikacija',
  hu: 'Mikrotanúsítvány',
  it: 'Microcredenziale',
  lt: 'Mikrokredencialas',
  lv: 'Mikrokvalifikācija',
  mt: 'Mikrokredenzjal',
  nl: 'Microcredential',
  pl: 'Mikropoświadczenie',
  pt: 'Microcredencial',
  ro: 'Microcertificat',
  sk: 'Mikrocertifikát',
  sl: 'Mikrodokazilo',
  sv: 'Mikromerit',
})

// EU Publications Office language authority codes (as used in ELM `op:language/XXX`) -> ISO 639-1.
const EU_AUTHORITY_LANGUAGES: Readonly<Record<string, string>> = {
  BUL: 'bg',
  CES: 'cs',
  DAN: 'da',
  DEU: 'de',
  ELL: 'el',
  ENG: 'en',
  SPA: 'es',
  EST: 'et',
  FIN: 'fi',
  FRA: 'fr',
  GLE: 'ga',
  HRV: 'hr',
  HUN: 'hu',
  ITA: 'it',
  LIT: 'lt',
  LAV: 'lv',
  MLT: 'mt',
  NLD: 'nl',
  POL: 'pl',
  POR: 'pt',
  RON: 'ro',
  SLK: 'sk',
  SLV: 'sl',
  SWE: 'sv',
}

/**
 * Reduces any accepted language form to a lower-case primary subtag (`en`), the key used for labels and
 * for the image cache. Returns `undefined` for something that is not a language tag at all.
 *
 * @example normalizeDisplayLanguage('http://publications.europa.eu/resource/authority/language/FRA') // 'fr'
 */
export function normalizeDisplayLanguage(language: string): string | undefined {
  const trimmed = language.trim()
  const code = trimmed.startsWith(OP_LANGUAGE) ? trimmed.slice(OP_LANGUAGE.length) : trimmed
  const fromAuthority = /^[A-Za-z]{3}$/.test(code) ? EU_AUTHORITY_LANGUAGES[code.toUpperCase()] : undefined
  if (fromAuthority !== undefined) return fromAuthority
  const primary = /^([A-Za-z]{2,3})(?:[-_][A-Za-z0-9]{1,8})*$/.exec(code)?.[1]
  return primary?.toLowerCase()
}

const OP_LANGUAGE = 'http://publications.europa.eu/resource/authority/language/'

const FONT_FAMILY = 'DejaVu Sans'
const COLOUR_INK = '#1f2937'
const COLOUR_ACCENT = '#1d3f73'
const COLOUR_MUTED = '#4b5563'
// Every pixel is one ink blended over white, so the palette is white plus a ramp per ink.

// Text must stay inside the inner frame with some air; measured in pixels of the 800 px canvas.
const TEXT_MAX_WIDTH = DISPLAY_IMAGE_WIDTH - 2 * 72
const CENTRE_X = DISPLAY_IMAGE_WIDTH / 2

/**
 * Renders the display image for one course and language. Pure and deterministic: the same input on the
 * same fonts yields the same bytes.
 *
 * @throws {ValidationError} when a field is empty or out of range (each problem names the field).
 * @example
 * const img = renderDisplayImage({ language: 'en', title: 'Digital micro-credential creation',
 *   awardingBody: 'University of Zed', ects: 2, eqfLevel: 6, workloadHours: 60 })
 * // img.contentType === 'image/png'; img.base64 goes into displayDetail.image.content
 */
export function renderDisplayImage(input: DisplayImageInput): DisplayImage {
  const svg = buildDisplayImageSvg(input)
  const rendered = new Resvg(svg, RESVG_OPTIONS).render()
  const png = encodeIndexedPng(rendered.width, rendered.height, rendered.pixels)
  return Object.freeze({ contentType: 'image/png', base64: png.toString('base64'), bytes: png.length })
}

const RESVG_OPTIONS: ResvgRenderOptions = {
  font: { loadSystemFonts: true, defaultFontFamily: FONT_FAMILY, sansSerifFamily: FONT_FAMILY },
  fitTo: { mode: 'original' },
  background: '#ffffff',
  logLevel: 'off',
}

/**
 * The SVG behind {@link renderDisplayImage}: exposed so the layout can be inspected and tested without
 * decoding pixels. All text is XML-escaped.
 *
 * @throws {ValidationError} see {@link renderDisplayImage}.
 */
export function buildDisplayImageSvg(input: DisplayImageInput): string {
  const language = checkInput(input)
  const label = MICRO_CREDENTIAL_LABELS[language] ?? MICRO_CREDENTIAL_LABELS.en ?? 'Micro-credential'
  const textLang = Object.hasOwn(MICRO_CREDENTIAL_LABELS, language) ? language : 'en'

  const title = fitTitle(cleanText(input.title))
  const body = wrapText(cleanText(input.awardingBody), 20, false, TEXT_MAX_WIDTH, 2)
  const facts = `${formatNumber(input.ects, textLang)} ECTS  ·  EQF ${input.eqfLevel}  ·  ${formatNumber(input.workloadHours, textLang)} h`

  // Title block is vertically centred between the heading rule (y=150) and the body (fixed lower zone).
  const titleLineHeight = Math.round(title.size * 1.25)
  const titleBlock = title.lines.length * titleLineHeight
  const titleTop = 150 + Math.max(0, (190 - titleBlock) / 2)
  const titleTspans = title.lines
    .map(
      (line, i) =>
        `<tspan x="${CENTRE_X}" y="${Math.round(titleTop + title.size + i * titleLineHeight)}">${escapeXml(line)}</tspan>`,
    )
    .join('')
  const bodyTspans = body
    .map((line, i) => `<tspan x="${CENTRE_X}" y="${392 + i * 26}">${escapeXml(line)}</tspan>`)
    .join('')

  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${DISPLAY_IMAGE_WIDTH}" height="${DISPLAY_IMAGE_HEIGHT}" viewBox="0 0 ${DISPLAY_IMAGE_WIDTH} ${DISPLAY_IMAGE_HEIGHT}" xml:lang="${textLang}">`,
    `<rect width="${DISPLAY_IMAGE_WIDTH}" height="${DISPLAY_IMAGE_HEIGHT}" fill="#ffffff"/>`,
    `<rect class="frame" x="18" y="18" width="${DISPLAY_IMAGE_WIDTH - 36}" height="${DISPLAY_IMAGE_HEIGHT - 36}" fill="none" stroke="${COLOUR_ACCENT}" stroke-width="4"/>`,
    `<rect class="frame" x="30" y="30" width="${DISPLAY_IMAGE_WIDTH - 60}" height="${DISPLAY_IMAGE_HEIGHT - 60}" fill="none" stroke="${COLOUR_ACCENT}" stroke-width="1"/>`,
    `<g font-family="${FONT_FAMILY}" text-anchor="middle">`,
    `<text class="heading" x="${CENTRE_X}" y="100" font-size="26" letter-spacing="3" fill="${COLOUR_ACCENT}">${escapeXml(label)}</text>`,
    `<line class="frame" x1="${CENTRE_X - 60}" y1="126" x2="${CENTRE_X + 60}" y2="126" stroke="${COLOUR_ACCENT}" stroke-width="2"/>`,
    `<text class="title" font-size="${title.size}" font-weight="bold" fill="${COLOUR_INK}">${titleTspans}</text>`,
    `<text class="body" font-size="20" fill="${COLOUR_INK}">${bodyTspans}</text>`,
    `<line class="frame" x1="72" y1="466" x2="${DISPLAY_IMAGE_WIDTH - 72}" y2="466" stroke="${COLOUR_MUTED}" stroke-width="1"/>`,
    `<text class="footer" x="${CENTRE_X}" y="500" font-size="18" fill="${COLOUR_MUTED}">${escapeXml(facts)}</text>`,
    `</g>`,
    `</svg>`,
  ].join('')
}

function checkInput(input: DisplayImageInput): string {
  const problems: FieldProblem[] = []
  const language = normalizeDisplayLanguage(input.language)
  if (language === undefined) {
    problems.push({
      field: 'language',
      rule: 'format',
      message: 'language must be a language tag or EU authority code',
    })
  }
  if (cleanText(input.title) === '') {
    problems.push({ field: 'title', rule: 'required', message: 'title must not be empty' })
  }
  if (cleanText(input.awardingBody) === '') {
    problems.push({ field: 'awardingBody', rule: 'required', message: 'awardingBody must not be empty' })
  }
  if (!Number.isFinite(input.ects) || input.ects < 0) {
    problems.push({ field: 'ects', rule: 'minimum', message: 'ects must be a finite number >= 0' })
  }
  if (!Number.isInteger(input.eqfLevel) || input.eqfLevel < 1 || input.eqfLevel > 8) {
    problems.push({ field: 'eqfLevel', rule: 'range', message: 'eqfLevel must be an integer from 1 to 8' })
  }
  if (!Number.isFinite(input.workloadHours) || input.workloadHours < 0) {
    problems.push({
      field: 'workloadHours',
      rule: 'minimum',
      message: 'workloadHours must be a finite number >= 0',
    })
  }
  if (problems.length > 0 || language === undefined) {
    throw new ValidationError('Display image input is invalid', problems)
  }
  return language
}

/** Collapses whitespace and drops characters XML 1.0 cannot carry (controls, lone surrogates, U+FFFE/F). */
function cleanText(text: string): string {
  return text
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F\uFFFE\uFFFF]/g, '')
    .replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '')
    .replace(/\s+/g, ' ')
    .trim()
}

function escapeXml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;')
}

function formatNumber(value: number, language: string): string {
  // Node ships full ICU, so this is stable per Node version; the grouping separator is off so "1000 h"
  // never depends on locale-specific spaces.
  return new Intl.NumberFormat(language, { maximumFractionDigits: 2, useGrouping: false }).format(value)
}

// Title: prefer a large size; shrink before truncating so long official titles stay complete.
const TITLE_SIZES = [36, 31, 27, 24] as const
const TITLE_MAX_LINES = 4

function fitTitle(title: string): { size: number; lines: string[] } {
  for (const size of TITLE_SIZES) {
    const maxLines = size >= 31 ? 3 : TITLE_MAX_LINES
    const lines = wrapText(title, size, true, TEXT_MAX_WIDTH, Number.POSITIVE_INFINITY)
    if (lines.length <= maxLines) return { size, lines }
  }
  const size = TITLE_SIZES[TITLE_SIZES.length - 1]
  return { size, lines: wrapText(title, size, true, TEXT_MAX_WIDTH, TITLE_MAX_LINES) }
}

/**
 * Greedy word wrap on estimated glyph advances. resvg has no text flow, and measuring with the real font
 * would need a render per candidate line, so the estimate errs wide (see {@link glyphWidthEm}).
 * Over-long words are broken; text beyond `maxLines` ends in an ellipsis.
 */
function wrapText(
  text: string,
  fontSize: number,
  bold: boolean,
  maxWidth: number,
  maxLines: number,
): string[] {
  const width = (s: string): number => measure(s, bold) * fontSize
  const lines: string[] = []
  let current = ''
  for (const word of text.split(' ')) {
    const candidate = current === '' ? word : `${current} ${word}`
    if (width(candidate) <= maxWidth) {
      current = candidate
      continue
    }
    if (current !== '') lines.push(current)
    current = word
    while (width(current) > maxWidth) {
      const cut = longestFittingPrefix(current, (s) => width(`${s}-`) <= maxWidth)
      lines.push(`${current.slice(0, cut)}-`)
      current = current.slice(cut)
    }
  }
  if (current !== '') lines.push(current)
  if (lines.length <= maxLines) return lines

  const kept = lines.slice(0, maxLines)
  const last = `${kept[maxLines - 1]} ${lines.slice(maxLines).join(' ')}`
  const cut = longestFittingPrefix(last, (s) => width(`${s.trimEnd()}…`) <= maxWidth)
  kept[maxLines - 1] = `${last.slice(0, cut).trimEnd()}…`
  return kept
}

// Counts by code point so a surrogate pair is never split.
function longestFittingPrefix(text: string, fits: (prefix: string) => boolean): number {
  const chars = Array.from(text)
  let n = 1
  while (n < chars.length && fits(chars.slice(0, n + 1).join(''))) n++
  return chars.slice(0, n).join('').length
}

function measure(text: string, bold: boolean): number {
  let em = 0
  for (const ch of text) em += glyphWidthEm(ch)
  return bold ? em * 1.1 : em
}

/**
 * Advance widths of DejaVu Sans (Book) in em, by character class, rounded up. DejaVu is wide; Latin,
 * Greek and Cyrillic share its proportions closely enough for wrapping.
 */
function glyphWidthEm(ch: string): number {
  if (ch === ' ') return 0.32
  if ("iljI.,:;'!|".includes(ch)) return 0.3
  if ('frt()[]{}-"/'.includes(ch)) return 0.42
  if ('mwMW'.includes(ch)) return 1.0
  if ('ЖШЩЮжшщюΩΨ@%&'.includes(ch)) return 0.95
  if (/\p{Lu}/u.test(ch)) return 0.76
  if (/\p{Nd}/u.test(ch)) return 0.64
  return 0.63
}

/**
 * Colours of the indexed PNG. Three inks on white, anti-aliased, need few shades: 48 keeps text smooth to the
 * eye while the palette fits 8-bit indexed PNG, which resvg's RGBA output cannot do and which roughly halves
 * the file. UPNG quantises and encodes.
 */
const PALETTE_COLOURS = 48

function encodeIndexedPng(width: number, height: number, rgba: Buffer): Buffer {
  const pixels = rgba.buffer.slice(rgba.byteOffset, rgba.byteOffset + rgba.byteLength) as ArrayBuffer
  return Buffer.from(UPNG.encode([pixels], width, height, PALETTE_COLOURS))
}
