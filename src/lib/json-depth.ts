/**
 * The nesting depth of JSON text, measured before anything recursive (`JSON.parse`, a schema validator,
 * JSON-LD expansion) sees it: a 100,000-level array is refused in linear time instead of overflowing a stack.
 */

/**
 * True when JSON text nests arrays and objects deeper than `maxDepth`, by one linear scan that skips string
 * contents and stops as soon as the limit is passed. Bytes are scanned as UTF-8, where no byte of a multi-byte
 * character can be mistaken for a bracket or a quote. Malformed text is left to the parser, which then sees
 * text no deeper than the limit.
 */
export function exceedsJsonDepth(text: string | Uint8Array, maxDepth: number): boolean {
  const codeAt: (i: number) => number =
    typeof text === 'string' ? (i) => text.charCodeAt(i) : (i) => text[i] as number
  let depth = 0
  let inString = false
  for (let i = 0; i < text.length; i++) {
    const c = codeAt(i)
    if (inString) {
      if (c === 0x5c)
        i++ // backslash: skip the escaped character
      else if (c === 0x22) inString = false
    } else if (c === 0x22) {
      inString = true
    } else if (c === 0x5b || c === 0x7b) {
      depth++
      if (depth > maxDepth) return true
    } else if (c === 0x5d || c === 0x7d) {
      depth--
    }
  }
  return false
}
