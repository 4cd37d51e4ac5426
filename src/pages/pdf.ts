/**
 * A credential as an A4 PDF: the rendering of the credential (labels in the interface language, credential
 * text in the credential's own), a QR code and the address where it is verified, and the original credential
 * embedded as a file (`credential.jwt` or `credential.json`), so that the PDF alone is enough to verify it:
 * the verify page reads the embedded file back (`pdf-attachment.ts`).
 *
 * The standard PDF fonts (Helvetica, WinAnsi encoding) cover the Latin-1 letters of English, French, German
 * and most Western European languages. Any other character is written as its unaccented base letter when it
 * has one, else as `?`: a PDF is always produced, and the embedded original keeps the exact text.
 */
import {
  AFRelationship,
  PDFDocument,
  PageSizes,
  StandardFonts,
  rgb,
  type PDFFont,
  type PDFPage,
} from 'pdf-lib'
import { chooseCredentialLanguage, isExpired } from './components.js'
import { pickText, type CredentialView, type LangText } from './credential-view.js'
import { formatDate, messagesFor, type UiLanguage } from './i18n.js'
import { qrPng } from './qr.js'

export interface CredentialPdfInput {
  lang: UiLanguage
  credentialLang?: string
  view: CredentialView
  /** The credential exactly as issued: a compact JWS, or JSON text. */
  original: string
  /** Encoded in the QR code: the share page, or the verify page. */
  qrUrl: string
  /** The verify page, where the PDF itself can be uploaded. */
  verifyUrl: string
  /** The document's dates, from the injected clock. */
  now: Date
}

/** The file name of the embedded original, by its form. */
export function embeddedFileName(original: string): 'credential.jwt' | 'credential.json' {
  return original.trim().startsWith('{') ? 'credential.json' : 'credential.jwt'
}

const [PAGE_WIDTH, PAGE_HEIGHT] = PageSizes.A4
const MARGIN = 50
const FOOTER_SPACE = 70
const QR_SIZE = 118
const LABEL_WIDTH = 150
const INK = rgb(0.1, 0.1, 0.1)
const MUTED = rgb(0.3, 0.33, 0.38)
const ACCENT = rgb(0.04, 0.18, 0.35)

/** Letters that are not a base letter with a mark, so that Unicode decomposition cannot simplify them. */
const BASE_LETTERS: Readonly<Record<string, string>> = {
  Ł: 'L',
  ł: 'l',
  Đ: 'D',
  đ: 'd',
  Ħ: 'H',
  ħ: 'h',
  ı: 'i',
  Ŧ: 'T',
  ŧ: 't',
}

/** Text the font can encode: other characters become their base letter, else `?`; line breaks become spaces. */
export function encodableText(font: PDFFont, text: string): string {
  const supported = new Set(font.getCharacterSet())
  let out = ''
  for (const char of text.replace(/\s+/g, ' ')) {
    const code = char.codePointAt(0) ?? 0
    if (supported.has(code)) {
      out += char
      continue
    }
    const base = BASE_LETTERS[char] ?? char.normalize('NFKD').replace(/\p{M}/gu, '')
    out += base !== '' && [...base].every((c) => supported.has(c.codePointAt(0) ?? 0)) ? base : '?'
  }
  return out
}

/** Words of `text` in lines no wider than `width`; a word wider than a line is cut. */
function wrap(font: PDFFont, size: number, text: string, width: number): string[] {
  const lines: string[] = []
  let line = ''
  for (const word of text.split(' ')) {
    const candidate = line === '' ? word : `${line} ${word}`
    if (font.widthOfTextAtSize(candidate, size) <= width) {
      line = candidate
      continue
    }
    if (line !== '') lines.push(line)
    line = word
    while (font.widthOfTextAtSize(line, size) > width && line.length > 1) {
      let cut = line.length - 1
      while (cut > 1 && font.widthOfTextAtSize(line.slice(0, cut), size) > width) cut--
      lines.push(line.slice(0, cut))
      line = line.slice(cut)
    }
  }
  if (line !== '') lines.push(line)
  return lines
}

/** Writes flowing text top-down over as many pages as it takes. */
class Writer {
  page!: PDFPage
  y = 0
  readonly pages: PDFPage[] = []

  constructor(
    private readonly doc: PDFDocument,
    readonly regular: PDFFont,
    readonly bold: PDFFont,
  ) {
    this.newPage()
  }

  newPage(): void {
    this.page = this.doc.addPage([PAGE_WIDTH, PAGE_HEIGHT])
    this.pages.push(this.page)
    this.y = PAGE_HEIGHT - MARGIN
  }

  /** Room for `height` points on this page, or a new page. */
  ensure(height: number): void {
    if (this.y - height < FOOTER_SPACE) this.newPage()
  }

  paragraph(
    text: string,
    options: {
      x?: number
      width?: number
      size?: number
      font?: PDFFont
      color?: ReturnType<typeof rgb>
    } = {},
  ): void {
    const font = options.font ?? this.regular
    const size = options.size ?? 10.5
    const x = options.x ?? MARGIN
    const width = options.width ?? PAGE_WIDTH - MARGIN - x
    const leading = size * 1.35
    for (const line of wrap(font, size, encodableText(font, text), width)) {
      this.ensure(leading)
      this.y -= leading
      this.page.drawText(line, { x, y: this.y + size * 0.3, size, font, color: options.color ?? INK })
    }
  }

  /** A label and its value side by side, the value wrapped in its column. */
  fact(label: string, value: string): void {
    const size = 10.5
    const leading = size * 1.35
    const valueX = MARGIN + LABEL_WIDTH
    const lines = wrap(this.regular, size, encodableText(this.regular, value), PAGE_WIDTH - MARGIN - valueX)
    const labelLines = wrap(this.bold, size, encodableText(this.bold, label), LABEL_WIDTH - 10)
    this.ensure(leading * Math.min(Math.max(lines.length, labelLines.length), 3))
    const top = this.y
    labelLines.forEach((line, i) => {
      this.page.drawText(line, {
        x: MARGIN,
        y: top - leading * (i + 1) + size * 0.3,
        size,
        font: this.bold,
        color: MUTED,
      })
    })
    for (const line of lines) {
      this.ensure(leading)
      this.y -= leading
      this.page.drawText(line, { x: valueX, y: this.y + size * 0.3, size, font: this.regular, color: INK })
    }
    this.y = Math.min(this.y, top - leading * labelLines.length) - 4
  }

  space(points: number): void {
    this.y -= points
  }
}

/** The PDF of a credential (see the module comment). */
export async function credentialPdf(input: CredentialPdfInput): Promise<Uint8Array> {
  const { view, lang } = input
  const m = messagesFor(lang)
  const credentialLang = chooseCredentialLanguage(view, input.credentialLang, lang)
  const t = (value: LangText | undefined) => pickText(value, credentialLang, view.languages)?.text
  const date = (iso: string | undefined) => (iso === undefined ? undefined : formatDate(lang, iso))

  const doc = await PDFDocument.create({ updateMetadata: false })
  const title = t(view.title) ?? m.microcredential
  doc.setTitle(title, { showInWindowTitleBar: true })
  doc.setSubject(m.microcredential)
  doc.setLanguage(lang)
  doc.setCreator('microcred')
  doc.setProducer('microcred')
  doc.setCreationDate(input.now)
  doc.setModificationDate(input.now)

  const regular = await doc.embedFont(StandardFonts.Helvetica)
  const bold = await doc.embedFont(StandardFonts.HelveticaBold)
  const writer = new Writer(doc, regular, bold)

  // The QR code sits in the top right corner of the first page; the title runs beside it.
  const qr = await doc.embedPng(await qrPng(input.qrUrl))
  const first = writer.page
  first.drawImage(qr, {
    x: PAGE_WIDTH - MARGIN - QR_SIZE,
    y: PAGE_HEIGHT - MARGIN - QR_SIZE,
    width: QR_SIZE,
    height: QR_SIZE,
  })
  const caption = encodableText(regular, m.pdfScan)
  first.drawText(caption, {
    x: PAGE_WIDTH - MARGIN - QR_SIZE / 2 - regular.widthOfTextAtSize(caption, 8) / 2,
    y: PAGE_HEIGHT - MARGIN - QR_SIZE - 10,
    size: 8,
    font: regular,
    color: MUTED,
  })
  const beside = PAGE_WIDTH - 2 * MARGIN - QR_SIZE - 20
  writer.paragraph(m.microcredential.toUpperCase(), { size: 9, color: MUTED, width: beside })
  writer.space(4)
  writer.paragraph(title, { size: 20, font: bold, color: ACCENT, width: beside })
  const holder = t(view.holderName)
  if (holder !== undefined) {
    writer.space(6)
    writer.paragraph(`${m.holder} ${holder}`, { size: 13, width: beside })
  }
  if (isExpired(view, input.now) && view.validUntil !== undefined) {
    writer.space(6)
    writer.paragraph(m.expiredNotice(formatDate(lang, view.validUntil)), {
      size: 10,
      color: rgb(0.54, 0.08, 0.08),
      width: beside,
    })
  }
  writer.y = Math.min(writer.y, PAGE_HEIGHT - MARGIN - QR_SIZE - 24)
  writer.space(10)

  const facts: Array<[string, string | undefined]> = [
    [m.awardingBody, t(view.awardingBody)],
    [m.issuer, view.awardingBody === undefined ? t(view.issuerName) : undefined],
    [m.awardedOn, date(view.awarded)],
    [m.issuedOn, date(view.issued)],
    [m.validUntil, date(view.validUntil)],
    [
      m.learningPeriod,
      view.period && m.period(formatDate(lang, view.period.start), formatDate(lang, view.period.end)),
    ],
    [m.ects, view.ects === undefined ? undefined : String(view.ects)],
    [m.eqfLevel, view.eqfLevel === undefined ? undefined : String(view.eqfLevel)],
    [m.workload, view.workloadHours === undefined ? undefined : m.hours(view.workloadHours)],
    [m.grade, t(view.grade)],
    [m.gradingScheme, t(view.gradingScheme)],
    [m.assessment, t(view.assessment)],
    [m.supervision, t(view.supervision)],
    [m.participation, view.participation.map(t).filter(Boolean).join(', ') || undefined],
    [m.learningSetting, t(view.learningSetting)],
    ...view.qualityAssurance.map((qa): [string, string | undefined] => [
      m.qualityAssurance,
      [[t(qa.type), qa.agent && `${m.accreditedBy} ${t(qa.agent)}`].filter(Boolean).join(' '), t(qa.decision)]
        .filter(Boolean)
        .join(' · '),
    ]),
    [m.prerequisites, t(view.prerequisites)],
  ]
  for (const [label, value] of facts) if (value !== undefined && value !== '') writer.fact(label, value)

  if (view.learningOutcomes.length > 0) {
    writer.space(8)
    writer.paragraph(m.learningOutcomes, { size: 12, font: bold, color: ACCENT })
    writer.space(2)
    for (const outcome of view.learningOutcomes) {
      const text = t(outcome)
      if (text === undefined) continue
      writer.ensure(14)
      writer.page.drawText('•', {
        x: MARGIN + 4,
        y: writer.y - 14 + 3,
        size: 10.5,
        font: regular,
        color: INK,
      })
      writer.paragraph(text, { x: MARGIN + 16 })
    }
  }
  const description = t(view.description)
  if (description !== undefined) {
    writer.space(8)
    writer.paragraph(m.description, { size: 12, font: bold, color: ACCENT })
    writer.space(2)
    writer.paragraph(description)
  }

  const fileName = embeddedFileName(input.original)
  const footer = [`${m.pdfVerifyAt}: ${input.qrUrl}`, m.pdfEmbedded(fileName, input.verifyUrl)].map((line) =>
    encodableText(regular, line),
  )
  writer.pages.forEach((page, index) => {
    let y = FOOTER_SPACE - 22
    page.drawLine({
      start: { x: MARGIN, y: FOOTER_SPACE - 8 },
      end: { x: PAGE_WIDTH - MARGIN, y: FOOTER_SPACE - 8 },
      thickness: 0.5,
      color: MUTED,
    })
    for (const line of footer.flatMap((text) => wrap(regular, 8, text, PAGE_WIDTH - 2 * MARGIN - 60))) {
      page.drawText(line, { x: MARGIN, y, size: 8, font: regular, color: MUTED })
      y -= 10
    }
    const number = encodableText(regular, m.pdfPage(index + 1, writer.pages.length))
    page.drawText(number, {
      x: PAGE_WIDTH - MARGIN - regular.widthOfTextAtSize(number, 8),
      y: FOOTER_SPACE - 22,
      size: 8,
      font: regular,
      color: MUTED,
    })
  })

  // Bytes, not a string: pdf-lib would read a string as base64.
  await doc.attach(Buffer.from(input.original, 'utf8'), fileName, {
    mimeType: fileName === 'credential.jwt' ? 'application/vc+jwt' : 'application/json',
    description: m.microcredential,
    creationDate: input.now,
    modificationDate: input.now,
    afRelationship: AFRelationship.Source,
  })
  // Plain objects, no object streams: the verify page reads the attachment back without loading the file.
  return doc.save({ useObjectStreams: false })
}
