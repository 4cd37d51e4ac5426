/**
 * Reads back the credential a PDF carries as an embedded file (see `pdf.ts`).
 *
 * An uploaded PDF comes from anyone, so it is not loaded as a document: a PDF library inflates every
 * compressed object stream of a file it loads, without bound, and a few kilobytes can inflate to gigabytes.
 * The bytes are scanned for embedded-file streams instead (`/Type /EmbeddedFile`; a stream is never inside
 * an object stream, so this finds them in a PDF however it was saved), and only those are inflated, each
 * within `maxBytes`.
 */
import { inflateSync } from 'node:zlib'

/** What an uploaded PDF gave. */
export type EmbeddedCredential =
  | { kind: 'found'; text: string }
  | { kind: 'none' }
  /** An embedded file inflates past the limit. */
  | { kind: 'too-large' }

/** Embedded files looked at, at most: a PDF of ours has one. */
const MAX_CANDIDATES = 16

/** True for bytes that start as a PDF does (the header may follow up to 1024 bytes of anything). */
export function isPdf(bytes: Uint8Array): boolean {
  return Buffer.from(bytes.subarray(0, 1024)).toString('latin1').includes('%PDF-')
}

const utf8 = new TextDecoder('utf-8', { fatal: true })

/** A credential's shape: JSON text, or a compact JWS. */
function looksLikeCredential(text: string): boolean {
  return text.startsWith('{') || /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/.test(text)
}

/** The raw data of the stream whose dictionary holds `at`, with that dictionary; undefined if unusable. */
function streamAt(bytes: Buffer, latin1: string, at: number): { dict: string; data: Buffer } | undefined {
  const objStart = latin1.lastIndexOf('obj', at)
  const keyword = /stream(\r\n|\n|\r)/g
  keyword.lastIndex = at
  const found = keyword.exec(latin1)
  if (objStart < 0 || !found) return undefined
  const dict = latin1.slice(objStart, found.index)
  // The keyword must belong to the same object.
  if (dict.includes('endobj')) return undefined
  const start = found.index + found[0].length
  const length = /\/Length\s+(\d{1,10})(?!\s+\d+\s+R)/.exec(dict)
  let end = length ? start + Number(length[1]) : -1
  if (end < start || end > bytes.length || !/^\s*endstream/.test(latin1.slice(end, end + 32))) {
    const endstream = latin1.indexOf('endstream', start)
    if (endstream < 0) return undefined
    end = endstream
    while (end > start && (bytes[end - 1] === 0x0a || bytes[end - 1] === 0x0d)) end--
  }
  return { dict, data: bytes.subarray(start, end) }
}

/** The stream's content, decoded: no filter or `FlateDecode` only. */
function decode(dict: string, data: Buffer, maxBytes: number): Buffer | undefined {
  if (/\/DecodeParms/.test(dict)) return undefined
  const filter = /\/Filter\s*(\[[^\]]*\]|\/[A-Za-z0-9#]+)/.exec(dict)?.[1]?.replace(/[[\]\s]/g, '')
  if (filter === undefined || filter === '') return data.length <= maxBytes ? data : undefined
  if (filter !== '/FlateDecode') return undefined
  return inflateSync(data, { maxOutputLength: maxBytes })
}

/**
 * The credential embedded in a PDF: the first embedded file that reads as UTF-8 JSON or a compact JWS.
 * Never throws for a bad file.
 */
export function embeddedCredential(pdf: Uint8Array, maxBytes: number): EmbeddedCredential {
  const bytes = Buffer.from(pdf.buffer, pdf.byteOffset, pdf.byteLength)
  const latin1 = bytes.toString('latin1')
  const marker = /\/Type\s*\/EmbeddedFile\b/g
  let tooLarge = false
  for (let i = 0; i < MAX_CANDIDATES; i++) {
    const match = marker.exec(latin1)
    if (!match) break
    const stream = streamAt(bytes, latin1, match.index)
    if (stream === undefined) continue
    let content: Buffer | undefined
    try {
      content = decode(stream.dict, stream.data, maxBytes)
    } catch (err) {
      // zlib's RangeError: the content inflates past the limit.
      if (err instanceof RangeError) tooLarge = true
      continue
    }
    if (content === undefined) continue
    let text: string
    try {
      text = utf8.decode(content).trim()
    } catch {
      continue
    }
    if (looksLikeCredential(text)) return { kind: 'found', text }
  }
  return tooLarge ? { kind: 'too-large' } : { kind: 'none' }
}
