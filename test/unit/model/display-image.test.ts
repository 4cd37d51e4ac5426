import { Resvg } from '@resvg/resvg-js'
import { expect } from 'chai'
import { createDisplayImageCache } from '../../../src/model/display-image-cache.js'
import type { DisplayImageContent } from '../../../src/model/display-image-cache.js'
import {
  DISPLAY_IMAGE_HEIGHT,
  DISPLAY_IMAGE_WIDTH,
  MICRO_CREDENTIAL_LABELS,
  buildDisplayImageSvg,
  normalizeDisplayLanguage,
  renderDisplayImage,
} from '../../../src/model/display-image.js'
import type { DisplayImage, DisplayImageInput } from '../../../src/model/display-image.js'

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])

const course: DisplayImageContent = {
  title: 'Digital micro-credential creation',
  awardingBody: 'University of Zed',
  ects: 2,
  eqfLevel: 6,
  workloadHours: 60,
}

const LONG_TITLE =
  'Grundlagen der nachhaltigen Energieversorgung und Energiewirtschaft für kommunale ' +
  'Entscheidungsträgerinnen und Entscheidungsträger in Europa'

function png(image: DisplayImage): Buffer {
  return Buffer.from(image.base64, 'base64')
}

function tspans(svg: string, cls: string): string[] {
  const block = new RegExp(`<text class="${cls}"[^>]*>(.*?)</text>`).exec(svg)?.[1] ?? ''
  return [...block.matchAll(/<tspan[^>]*>(.*?)<\/tspan>/g)].map((m) => m[1] ?? '')
}

// Text-only bounding box with the real font: proves the width estimate keeps lines inside the frame.
function textBox(svg: string): { left: number; right: number; top: number; bottom: number } {
  const textOnly = svg.replace(/<(rect|line)\b[^>]*\/>/g, '')
  const box = new Resvg(textOnly, {
    font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' },
  }).innerBBox()
  if (box === undefined) throw new Error('nothing rendered')
  return { left: box.x, right: box.x + box.width, top: box.y, bottom: box.y + box.height }
}

describe('model/display-image', () => {
  it('renders a PNG of the A4-landscape size, well under 40 KB', () => {
    const image = renderDisplayImage({ ...course, language: 'en' })
    const bytes = png(image)
    expect(image.contentType).to.equal('image/png')
    expect(bytes.subarray(0, 8).equals(PNG_SIGNATURE)).to.equal(true)
    expect(image.bytes).to.equal(bytes.length)
    expect(image.bytes).to.be.below(40 * 1024)
    expect(bytes.readUInt32BE(16)).to.equal(DISPLAY_IMAGE_WIDTH)
    expect(bytes.readUInt32BE(20)).to.equal(DISPLAY_IMAGE_HEIGHT)
    expect(DISPLAY_IMAGE_WIDTH / DISPLAY_IMAGE_HEIGHT).to.be.closeTo(297 / 210, 0.01)
  })

  it('is deterministic for the same input', () => {
    const a = renderDisplayImage({ ...course, language: 'fr' })
    const b = renderDisplayImage({ ...course, language: 'fr' })
    expect(a.base64).to.equal(b.base64)
  })

  it('draws text with a real font (glyphs have ink, not just boxes)', () => {
    // Missing fonts draw nothing, and a missing-glyph fallback draws the same box for every letter:
    // either way two titles of equal length would carry about the same ink.
    const inkA = new Resvg(buildDisplayImageSvg({ ...course, language: 'en', title: 'iiii' }), {
      font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' },
    }).render().pixels
    const inkB = new Resvg(buildDisplayImageSvg({ ...course, language: 'en', title: 'WWWW' }), {
      font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' },
    }).render().pixels
    const dark = (px: Buffer): number => {
      let n = 0
      for (let i = 0; i < px.length; i += 4) if ((px[i] ?? 255) < 128) n++
      return n
    }
    expect(dark(inkB) - dark(inkA)).to.be.greaterThan(1000)
  })

  it('escapes XML-special characters in every text field', () => {
    const nasty = `<script>&"'</script>`
    const input: DisplayImageInput = { ...course, language: 'en', title: nasty, awardingBody: nasty }
    const svg = buildDisplayImageSvg(input)
    expect(svg).not.to.include('<script>')
    expect(svg).to.include('&lt;script&gt;&amp;&quot;&apos;&lt;/script&gt;')
    const image = renderDisplayImage(input)
    expect(png(image).subarray(0, 8).equals(PNG_SIGNATURE)).to.equal(true)
  })

  it('drops characters XML cannot carry instead of failing', () => {
    const image = renderDisplayImage({ ...course, language: 'en', title: 'Bad\u0000\u0007title\uD800' })
    expect(image.bytes).to.be.greaterThan(0)
    expect(
      buildDisplayImageSvg({ ...course, language: 'en', title: 'Bad\u0000\u0007title\uD800' }),
    ).to.include('Badtitle')
  })

  it('wraps long titles over several lines, inside the frame', () => {
    const short = buildDisplayImageSvg({ ...course, language: 'de' })
    const long = buildDisplayImageSvg({ ...course, language: 'de', title: LONG_TITLE })
    expect(tspans(short, 'title')).to.have.length.within(1, 2)
    const lines = tspans(long, 'title')
    expect(lines.length).to.be.within(3, 4)
    expect(lines.join(' ')).to.equal(LONG_TITLE)
    const box = textBox(long)
    expect(box.left).to.be.at.least(40)
    expect(box.right).to.be.at.most(DISPLAY_IMAGE_WIDTH - 40)
  })

  it('breaks unbreakable words and truncates with an ellipsis past four lines', () => {
    const title = `${'W'.repeat(60)} ${'Lorem ipsum dolor sit amet '.repeat(12)}`
    const svg = buildDisplayImageSvg({ ...course, language: 'en', title })
    const lines = tspans(svg, 'title')
    expect(lines).to.have.length(4)
    expect(lines[0]).to.match(/-$/)
    expect(lines[3]).to.match(/…$/)
    const box = textBox(svg)
    expect(box.left).to.be.at.least(40)
    expect(box.right).to.be.at.most(DISPLAY_IMAGE_WIDTH - 40)
  })

  it('labels the image in each of the 24 EU languages and falls back to English', () => {
    expect(Object.keys(MICRO_CREDENTIAL_LABELS)).to.have.length(24)
    const heading = (language: string): string =>
      /<text class="heading"[^>]*>(.*?)<\/text>/.exec(buildDisplayImageSvg({ ...course, language }))?.[1] ??
      ''
    expect(heading('el')).to.equal('Μικροδιαπιστευτήριο')
    expect(heading('http://publications.europa.eu/resource/authority/language/BUL')).to.equal(
      'Микроквалификация',
    )
    expect(heading('pt-PT')).to.equal('Microcredencial')
    expect(heading('ja')).to.equal('Micro-credential')
  })

  it('shows the course facts, with the language decimal separator', () => {
    const svg = buildDisplayImageSvg({ ...course, language: 'fr', ects: 2.5 })
    expect(svg).to.include('2,5 ECTS')
    expect(svg).to.include('EQF 6')
    expect(svg).to.include('60 h')
  })

  it('refuses invalid input with a ValidationError naming each field', () => {
    try {
      renderDisplayImage({
        language: '??',
        title: ' ',
        awardingBody: '',
        ects: -1,
        eqfLevel: 9,
        workloadHours: Number.NaN,
      })
      expect.fail('should have thrown')
    } catch (err) {
      expect(err).to.have.property('code', 'ERR_VALIDATION')
      const fields = (err as { problems: { field: string }[] }).problems.map((p) => p.field)
      expect(fields).to.deep.equal(['language', 'title', 'awardingBody', 'ects', 'eqfLevel', 'workloadHours'])
    }
  })

  it('normalises language forms', () => {
    expect(normalizeDisplayLanguage('EN')).to.equal('en')
    expect(normalizeDisplayLanguage('en-IE')).to.equal('en')
    expect(normalizeDisplayLanguage('ENG')).to.equal('en')
    expect(
      normalizeDisplayLanguage('http://publications.europa.eu/resource/authority/language/GLE'),
    ).to.equal('ga')
    expect(
      normalizeDisplayLanguage('http://publications.europa.eu/resource/authority/language/JPN'),
    ).to.equal('jpn')
    expect(normalizeDisplayLanguage('not a language')).to.equal(undefined)
    expect(normalizeDisplayLanguage('https://example.org/en')).to.equal(undefined)
  })
})

describe('model/display-image-cache', () => {
  function countingCache(): {
    cache: ReturnType<typeof createDisplayImageCache>
    calls: DisplayImageInput[]
  } {
    const calls: DisplayImageInput[] = []
    const cache = createDisplayImageCache({
      render: (input) => {
        calls.push(input)
        return renderDisplayImage(input)
      },
    })
    return { cache, calls }
  }

  it('renders once per (course version, language) for a whole cohort', () => {
    const { cache, calls } = countingCache()
    const key = { courseId: 'course-1', versionHash: 'sha256-aaa' }
    const seen = new Set<string>()
    for (let learner = 0; learner < 1000; learner++) {
      for (const language of ['en', 'fr', 'ENG']) seen.add(cache.get(key, language, course).base64)
    }
    expect(calls.map((c) => c.language)).to.deep.equal(['en', 'fr'])
    expect(seen.size).to.equal(2)
    expect(cache.size).to.equal(2)
  })

  it('keeps course versions and courses apart', () => {
    const { cache, calls } = countingCache()
    cache.get({ courseId: 'course-1', versionHash: 'v1' }, 'en', course)
    cache.get({ courseId: 'course-1', versionHash: 'v2' }, 'en', { ...course, title: 'Renamed' })
    cache.get({ courseId: 'course-2', versionHash: 'v1' }, 'en', course)
    cache.get({ courseId: 'course-1', versionHash: 'v1' }, 'en', course)
    expect(calls).to.have.length(3)
  })

  it('renders again when the content changes under the same version hash', () => {
    const { cache, calls } = countingCache()
    const key = { courseId: 'course-1', versionHash: 'v1' }
    const first = cache.get(key, 'en', course)
    const second = cache.get(key, 'en', { ...course, title: 'Changed without a new hash' })
    expect(calls).to.have.length(2)
    expect(second.base64).not.to.equal(first.base64)
    expect(cache.size).to.equal(1)
  })

  it('evicts the least recently used entry beyond maxEntries', () => {
    const calls: string[] = []
    const stub: DisplayImage = Object.freeze({ contentType: 'image/png', base64: '', bytes: 0 })
    const cache = createDisplayImageCache({
      maxEntries: 2,
      render: (input) => (calls.push(input.language), stub),
    })
    const key = { courseId: 'c', versionHash: 'h' }
    cache.get(key, 'en', course)
    cache.get(key, 'fr', course)
    cache.get(key, 'en', course) // en is now the most recent
    cache.get(key, 'de', course) // evicts fr
    cache.get(key, 'en', course)
    cache.get(key, 'fr', course)
    expect(calls).to.deep.equal(['en', 'fr', 'de', 'fr'])
    expect(cache.size).to.equal(2)
  })

  it('is owned by its caller: two caches share nothing', () => {
    const a = countingCache()
    const b = countingCache()
    a.cache.get({ courseId: 'c', versionHash: 'h' }, 'en', course)
    b.cache.get({ courseId: 'c', versionHash: 'h' }, 'en', course)
    expect(a.calls).to.have.length(1)
    expect(b.calls).to.have.length(1)
  })

  it('refuses a non-positive maxEntries', () => {
    expect(() => createDisplayImageCache({ maxEntries: 0 }))
      .to.throw()
      .with.property('code', 'ERR_USAGE')
  })
})
