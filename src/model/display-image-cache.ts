/**
 * Reuse of display images across a cohort.
 *
 * The image holds course data only, so it is rendered once per (course, course version, language) and the
 * same bytes go into every learner's credential. The cache is an object the caller owns (one per issuing
 * run or per service instance), never module state, so tests and tenants cannot leak into each other.
 */

import { UsageError } from '../errors.js'
import { normalizeDisplayLanguage, renderDisplayImage } from './display-image.js'
import type { DisplayImage, DisplayImageInput } from './display-image.js'

/** Identifies what the image depicts: the course and the hash of the course version it was issued from. */
export interface DisplayImageCourseKey {
  courseId: string
  /** Any stable digest of the course version (e.g. the hash stored with the course record). */
  versionHash: string
}

/** The course data shown in the image; the language is passed separately to {@link DisplayImageCache.get}. */
export type DisplayImageContent = Omit<DisplayImageInput, 'language'>

/** A memo of rendered display images. See {@link createDisplayImageCache}. */
export interface DisplayImageCache {
  /**
   * The image for this course version and language, rendered on first use. Languages are compared in
   * normalised form, so `en`, `en-IE`, `ENG` and the EU authority IRI share one entry.
   *
   * @throws {ValidationError} when `content` or `language` is invalid (see `renderDisplayImage`).
   */
  get(courseKey: DisplayImageCourseKey, language: string, content: DisplayImageContent): DisplayImage
  /** Number of images held. */
  readonly size: number
  /** Drops every entry. */
  clear(): void
}

/** Options for {@link createDisplayImageCache}. */
export interface DisplayImageCacheOptions {
  /**
   * Entries kept before the least recently used one is dropped. Default 256 (about 2.5 MB of base64 at
   * typical image sizes).
   */
  maxEntries?: number
  /** The renderer; injectable so callers can count or stub renders. Default `renderDisplayImage`. */
  render?: (input: DisplayImageInput) => DisplayImage
}

/**
 * Creates an empty display-image cache.
 *
 * An entry is keyed by course id, course version hash and language. The content is fingerprinted as well:
 * if a caller reuses a version hash for different content, the image is rendered again rather than showing
 * a stale title on a learner's credential.
 *
 * @throws {UsageError} when `maxEntries` is not a positive integer.
 * @example
 * const images = createDisplayImageCache()
 * for (const learner of cohort) {
 *   const image = images.get({ courseId: course.id, versionHash: course.hash }, 'en', courseContent)
 *   // ... embed image.base64 in learner's credential
 * }
 */
export function createDisplayImageCache(options: DisplayImageCacheOptions = {}): DisplayImageCache {
  const maxEntries = options.maxEntries ?? 256
  if (!Number.isInteger(maxEntries) || maxEntries < 1) {
    throw new UsageError('maxEntries must be a positive integer')
  }
  const render = options.render ?? renderDisplayImage
  // Map keeps insertion order: re-inserting on hit makes the first key the least recently used.
  const entries = new Map<string, { fingerprint: string; image: DisplayImage }>()

  return {
    get(courseKey, language, content) {
      const lang = normalizeDisplayLanguage(language)
      // An unparseable language is not cached; the renderer reports it as a ValidationError.
      if (lang === undefined) return render({ ...content, language })
      const key = JSON.stringify([courseKey.courseId, courseKey.versionHash, lang])
      const fingerprint = JSON.stringify([
        content.title,
        content.awardingBody,
        content.ects,
        content.eqfLevel,
        content.workloadHours,
      ])
      const hit = entries.get(key)
      if (hit !== undefined && hit.fingerprint === fingerprint) {
        entries.delete(key)
        entries.set(key, hit)
        return hit.image
      }
      const image = render({ ...content, language: lang })
      entries.delete(key)
      entries.set(key, { fingerprint, image })
      if (entries.size > maxEntries) {
        const oldest = entries.keys().next()
        if (oldest.done !== true) entries.delete(oldest.value)
      }
      return image
    },
    get size() {
      return entries.size
    },
    clear() {
      entries.clear()
    },
  }
}
