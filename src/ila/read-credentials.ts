/**
 * Reading submitted credentials one at a time from a file, standard input or an upload, whatever the size:
 * JSON lines (a credential per line: a JSON document, or a compact JWS, quoted or not), one document printed
 * over many lines, a JSON array of credentials, or any sequence of these separated by white space. Each item
 * comes out as its text, for the verifier to parse with its own size and depth limits. Text that is neither
 * JSON nor quoted runs to the end of its line: a stray line is one unreadable item, whatever it holds.
 *
 * Items are found by tracking JSON nesting and strings, never by parsing: memory holds one item, and an item
 * over the size limit is cut to one character more than the limit, which the verifier then refuses as too
 * large, while reading goes on with the next item.
 *
 * A line of JSON lines cut short would otherwise swallow every line after it (its brace never closes). So an
 * item that starts a line and is still open at the end of that line ends there when the next line starts with
 * `{`, or when the line ends inside a string (a JSON string cannot hold a line break): it is then reported as
 * unreadable on its own. A document printed over many lines indents its inner lines and is not affected.
 */
import { StringDecoder } from 'node:string_decoder'
import { DEFAULT_MAX_BYTES } from '../verifier/parse-input.js'

/** Where credentials are read from: a stream or any iterable of chunks. */
export type CredentialTextSource = AsyncIterable<Buffer | string> | Iterable<Buffer | string>

const NOT_SPACE = /[^ \t\r\n\u001e\ufeff]/g
const LINE_END = /[\r\n\u001e]/g
const ELEMENT_END = /[\r\n\u001e,\]]/g
const IN_STRING = /["\\\n]/g
const STRUCTURE = /["{}[\]\n]/g

/** Finds items in text that arrives in pieces; see the module comment. */
class ItemScanner {
  private state: 'between' | 'token' | 'json' = 'between'
  /** Inside a top-level JSON array: its elements are the items. */
  private inArray = false
  private depth = 0
  private inString = false
  private escaped = false
  /** The next character starts a line. */
  private lineStart = true
  private itemStartsLine = false
  private itemNewlines = 0
  /** The item's first line just ended: a `{` now starts another item. */
  private checkNextLine = false
  private parts: string[] = []
  private length = 0

  constructor(private readonly maxChars: number) {}

  private add(text: string): void {
    const room = this.maxChars + 1 - this.length
    if (room <= 0 || text === '') return
    const piece = text.length > room ? text.slice(0, room) : text
    this.parts.push(piece)
    this.length += piece.length
  }

  private take(): string {
    const item = this.parts.join('')
    this.parts = []
    this.length = 0
    this.state = 'between'
    return item
  }

  private begin(state: 'token' | 'json', startsLine: boolean): void {
    this.state = state
    this.depth = 0
    this.inString = false
    this.escaped = false
    this.itemStartsLine = startsLine
    this.itemNewlines = 0
    this.checkNextLine = false
  }

  /** The items completed by `chunk`. */
  *feed(chunk: string): Generator<string> {
    let i = 0
    const n = chunk.length
    while (i < n) {
      if (this.state === 'between') {
        NOT_SPACE.lastIndex = i
        const found = NOT_SPACE.exec(chunk)
        const end = found ? found.index : n
        if (end > i) {
          // A byte-order mark or a record separator (RFC 7464) before an item does not indent it.
          const space = chunk.slice(i, end)
          const newline = space.lastIndexOf('\n')
          const indented = /[^\ufeff\u001e]/.test(newline < 0 ? space : space.slice(newline + 1))
          this.lineStart = (newline >= 0 || this.lineStart) && !indented
        }
        if (!found) return
        i = end
        const c = chunk[i] as string
        if (c === '[' && !this.inArray) {
          this.inArray = true
          this.lineStart = false
          i++
        } else if (this.inArray && (c === ',' || c === ']')) {
          if (c === ']') this.inArray = false
          this.lineStart = false
          i++
        } else {
          this.begin(c === '{' || c === '[' || c === '"' ? 'json' : 'token', this.lineStart)
          this.lineStart = false
        }
        continue
      }
      if (this.state === 'token') {
        const pattern = this.inArray ? ELEMENT_END : LINE_END
        pattern.lastIndex = i
        const found = pattern.exec(chunk)
        const end = found ? found.index : n
        this.add(chunk.slice(i, end))
        i = end
        if (found) yield this.take()
        continue
      }
      // Inside a JSON value: jump from one character that matters to the next.
      let j = i
      let ended = false
      while (j < n && !ended) {
        if (this.escaped) {
          this.escaped = false
          j++
          continue
        }
        if (this.checkNextLine) {
          this.checkNextLine = false
          if (!this.inString && chunk[j] === '{') {
            this.add(chunk.slice(i, j))
            yield this.take()
            i = j
            this.begin('json', true)
            continue
          }
        }
        const pattern = this.inString ? IN_STRING : STRUCTURE
        pattern.lastIndex = j
        const found = pattern.exec(chunk)
        if (!found) {
          j = n
          break
        }
        j = found.index
        const c = chunk[j]
        if (c === '\n') {
          const firstLine = this.itemStartsLine && this.itemNewlines === 0
          this.itemNewlines++
          if (firstLine && this.inString) {
            this.add(chunk.slice(i, j))
            yield this.take()
            i = j
            ended = true
            break
          }
          if (firstLine) this.checkNextLine = true
          j++
        } else if (this.inString) {
          if (c === '\\') this.escaped = true
          else {
            this.inString = false
            if (this.depth === 0) ended = true
          }
          j++
        } else if (c === '"') {
          this.inString = true
          j++
        } else if (c === '{' || c === '[') {
          this.depth++
          j++
        } else {
          this.depth--
          j++
          if (this.depth <= 0) ended = true
        }
      }
      if (this.state !== 'json') continue
      this.add(chunk.slice(i, j))
      i = j
      if (ended) yield this.take()
    }
  }

  /** What is left at the end of the input: an item cut short, reported as unreadable. */
  *end(): Generator<string> {
    if (this.state !== 'between') yield this.take()
  }
}

/**
 * The credentials of `source`, one text each, in order (see the module comment). An item longer than
 * `maxBytes` characters comes out cut to `maxBytes + 1` characters.
 *
 * @example
 * ```ts
 * for await (const text of readCredentialTexts(createReadStream('credentials.jsonl'))) ...
 * ```
 */
export async function* readCredentialTexts(
  source: CredentialTextSource,
  maxBytes: number = DEFAULT_MAX_BYTES,
): AsyncGenerator<string> {
  const decoder = new StringDecoder('utf8')
  const scanner = new ItemScanner(maxBytes)
  for await (const chunk of source) {
    yield* scanner.feed(typeof chunk === 'string' ? chunk : decoder.write(chunk))
  }
  yield* scanner.feed(decoder.end())
  yield* scanner.end()
}
