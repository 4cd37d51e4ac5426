/**
 * Form detection: what was received, and how it is secured.
 *
 * Accepted forms:
 * - a Data Integrity credential or presentation (a JSON object, VC 1.1 or 2.0);
 * - a VC-JOSE compact JWS (`typ: vc+jwt` or `vp+jwt`), as text;
 * - an `EnvelopedVerifiableCredential` / `EnvelopedVerifiablePresentation` whose `id` is a
 *   `data:application/vc+jwt,<JWS>` / `data:application/vp+jwt,<JWS>` URL.
 *
 * Size and depth are checked before anything recursive touches the input: on the raw text, by a linear scan,
 * before `JSON.parse`; on an already-parsed value, by an iterative walk. So a 100,000-level array is refused
 * in linear time instead of overflowing the stack of `JSON.parse`, of JSON-LD expansion or of a schema
 * validator. Decoded JWS payloads are scanned the same way before they are parsed.
 *
 * Nothing is verified here: a JWS header is decoded, not trusted.
 */
import { CREDENTIALS_V1, CREDENTIALS_V2 } from '../document-loader/index.js'
import { exceedsJsonDepth } from '../lib/json-depth.js'
import { makeCheck, isRecord, problem, PROBLEM_TYPES, typesOf } from './problem-details.js'
import type { Check, InputLimits, ParsedCredential, ParsedPresentation, SecuringMechanism } from './types.js'

/** Default largest input: 1 MiB. */
export const DEFAULT_MAX_BYTES = 1024 * 1024
/** Default deepest nesting: 64 levels of arrays and objects. */
export const DEFAULT_MAX_DEPTH = 64
/** Most credentials read from one presentation. */
export const MAX_EMBEDDED_CREDENTIALS = 256

/** The input could not be read as any accepted form; `check` is the failed `format` check saying why. */
export interface UnparseableInput {
  kind: 'unparseable'
  pointer: string
  check: Check
}

/**
 * The stable codes of a refused input (`format` check, status `fail`):
 * - `FORMAT_TOO_LARGE`, `FORMAT_TOO_DEEP`: over the limits;
 * - `FORMAT_NOT_JSON`: text that is neither JSON nor a compact JWS, or a value JSON cannot hold;
 * - `FORMAT_JWS_MALFORMED`: a compact JWS whose header or payload is not a base64url JSON object;
 * - `FORMAT_ENVELOPE_INVALID`: an enveloped credential or presentation without a usable `data:` URL;
 * - `FORMAT_UNRECOGNIZED`: JSON that is no credential or presentation (e.g. an array, a number, `{}`);
 * - `FORMAT_NESTED_PRESENTATION`: a presentation where a presentation's credential was expected;
 * - `FORMAT_TOO_MANY_CREDENTIALS`: more than {@link MAX_EMBEDDED_CREDENTIALS} in one presentation;
 * - `FORMAT_UNREADABLE`: the input could not be read at all (a file that does not exist; set by callers).
 */
export type ParseFailureCode =
  | 'FORMAT_TOO_LARGE'
  | 'FORMAT_TOO_DEEP'
  | 'FORMAT_NOT_JSON'
  | 'FORMAT_JWS_MALFORMED'
  | 'FORMAT_ENVELOPE_INVALID'
  | 'FORMAT_UNRECOGNIZED'
  | 'FORMAT_NESTED_PRESENTATION'
  | 'FORMAT_TOO_MANY_CREDENTIALS'
  | 'FORMAT_UNREADABLE'

interface Limits {
  maxBytes: number
  maxDepth: number
}

/** A failure while reading; carried up to the caller as an {@link UnparseableInput}. */
class Refusal {
  constructor(
    readonly code: ParseFailureCode,
    readonly message: string,
  ) {}
}

/** The failed `format` check for an input that cannot be read. */
export function unparseable(pointer: string, code: ParseFailureCode, message: string): UnparseableInput {
  const type =
    code === 'FORMAT_TOO_LARGE' || code === 'FORMAT_TOO_DEEP' || code === 'FORMAT_TOO_MANY_CREDENTIALS'
      ? PROBLEM_TYPES.RANGE_ERROR
      : code === 'FORMAT_UNRECOGNIZED' || code === 'FORMAT_NESTED_PRESENTATION'
        ? PROBLEM_TYPES.MALFORMED_VALUE_ERROR
        : PROBLEM_TYPES.PARSING_ERROR
  return {
    kind: 'unparseable',
    pointer,
    check: makeCheck('format', 'fail', code, message, [problem(type, code, message, undefined, pointer)]),
  }
}

function resolveLimits(limits: InputLimits | undefined): Limits {
  const maxBytes = limits?.maxBytes ?? DEFAULT_MAX_BYTES
  const maxDepth = limits?.maxDepth ?? DEFAULT_MAX_DEPTH
  if (!Number.isSafeInteger(maxBytes) || maxBytes < 1)
    throw new TypeError('maxBytes must be a positive integer')
  if (!Number.isSafeInteger(maxDepth) || maxDepth < 1)
    throw new TypeError('maxDepth must be a positive integer')
  return { maxBytes, maxDepth }
}

// --- Raw text -------------------------------------------------------------------------------------------

function checkTextSize(text: string, limits: Limits, what: string): void {
  // A UTF-8 encoding is never shorter than the number of UTF-16 code units, so the cheap test comes first.
  if (text.length > limits.maxBytes || Buffer.byteLength(text, 'utf8') > limits.maxBytes) {
    throw new Refusal('FORMAT_TOO_LARGE', `The ${what} is larger than ${limits.maxBytes} bytes`)
  }
}

/** Refuses JSON text nested deeper than the limit (see {@link exceedsJsonDepth}). */
function checkTextDepth(text: string, limits: Limits, what: string): void {
  if (exceedsJsonDepth(text, limits.maxDepth)) {
    throw new Refusal('FORMAT_TOO_DEEP', `The ${what} is nested deeper than ${limits.maxDepth} levels`)
  }
}

/** `JSON.parse` after the size and depth checks. */
function parseJsonText(text: string, limits: Limits, what: string): unknown {
  checkTextSize(text, limits, what)
  checkTextDepth(text, limits, what)
  try {
    return JSON.parse(text) as unknown
  } catch {
    throw new Refusal('FORMAT_NOT_JSON', `The ${what} is not valid JSON`)
  }
}

// --- Parsed values --------------------------------------------------------------------------------------

/**
 * Depth and estimated serialised size of a value already parsed by the caller, by an iterative walk that
 * stops at the first limit passed (a cyclic value is refused as too deep). Values JSON cannot hold
 * (functions, symbols, bigints) are refused.
 */
function checkValue(value: unknown, limits: Limits): void {
  const stack: Array<{ value: unknown; depth: number }> = [{ value, depth: 1 }]
  let bytes = 0
  while (stack.length > 0) {
    const item = stack.pop() as { value: unknown; depth: number }
    const v = item.value
    switch (typeof v) {
      case 'string':
        bytes += v.length + 2
        break
      case 'number':
      case 'boolean':
        bytes += 5
        break
      case 'undefined':
        break
      case 'object': {
        if (v === null) {
          bytes += 4
          break
        }
        if (item.depth > limits.maxDepth) {
          throw new Refusal('FORMAT_TOO_DEEP', `The input is nested deeper than ${limits.maxDepth} levels`)
        }
        bytes += 2
        if (Array.isArray(v)) {
          for (const element of v as unknown[]) {
            bytes += 1
            stack.push({ value: element, depth: item.depth + 1 })
          }
        } else {
          for (const [key, element] of Object.entries(v)) {
            bytes += key.length + 4
            stack.push({ value: element, depth: item.depth + 1 })
          }
        }
        break
      }
      default:
        throw new Refusal('FORMAT_NOT_JSON', `The input holds a ${typeof v}, which JSON cannot represent`)
    }
    if (bytes > limits.maxBytes) {
      throw new Refusal('FORMAT_TOO_LARGE', `The input is larger than ${limits.maxBytes} bytes`)
    }
  }
}

// --- Forms ----------------------------------------------------------------------------------------------

const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/
const ENVELOPED_CREDENTIAL = 'EnvelopedVerifiableCredential'
const ENVELOPED_PRESENTATION = 'EnvelopedVerifiablePresentation'

/** True for text shaped like a compact JWS (three base64url segments). */
export function isCompactJws(text: string): boolean {
  return COMPACT_JWS.test(text)
}

function versionOf(document: Record<string, unknown>): '1.1' | '2.0' | undefined {
  const context = document['@context']
  const first = Array.isArray(context) ? (context as unknown[])[0] : context
  return first === CREDENTIALS_V2 ? '2.0' : first === CREDENTIALS_V1 ? '1.1' : undefined
}

function decodeSegment(segment: string, limits: Limits, what: string): Record<string, unknown> {
  // base64url has no encoding of a length that leaves one character over.
  if (segment.length % 4 === 1) throw new Refusal('FORMAT_JWS_MALFORMED', `The JWS ${what} is not base64url`)
  const text = Buffer.from(segment, 'base64url').toString('utf8')
  let value: unknown
  try {
    value = parseJsonText(text, limits, `JWS ${what}`)
  } catch (err) {
    if (err instanceof Refusal && err.code === 'FORMAT_NOT_JSON') {
      throw new Refusal('FORMAT_JWS_MALFORMED', `The JWS ${what} is not a base64url-encoded JSON object`)
    }
    throw err
  }
  if (!isRecord(value)) {
    throw new Refusal('FORMAT_JWS_MALFORMED', `The JWS ${what} is not a JSON object`)
  }
  return value
}

/** The media type of a JOSE `typ`, lower-case and without the optional `application/` (RFC 7515 §4.1.9). */
export function joseTypOf(header: Record<string, unknown> | undefined): string | undefined {
  const typ = header?.typ
  if (typeof typ !== 'string') return undefined
  const lower = typ.toLowerCase()
  return lower.startsWith('application/') ? lower.slice('application/'.length) : lower
}

type Parsed = ParsedCredential | ParsedPresentation

function fromJws(
  jws: string,
  pointer: string,
  limits: Limits,
  envelope: Record<string, unknown> | undefined,
): Parsed {
  const [headerPart, payloadPart] = jws.split('.') as [string, string, string]
  const header = decodeSegment(headerPart, limits, 'header')
  const payload = decodeSegment(payloadPart, limits, 'payload')
  // The header's typ decides; when it is neither, the payload's type does, and the format check reports it.
  const typ = joseTypOf(header)
  const presentation =
    typ === 'vp+jwt' || (typ !== 'vc+jwt' && typesOf(payload.type).includes('VerifiablePresentation'))
  const mechanism: SecuringMechanism = 'vc-jose'
  if (presentation) {
    const parsed: ParsedPresentation = {
      kind: 'presentation',
      mechanism,
      version: versionOf(payload),
      presentation: payload,
      jws,
      header,
      credentials: [],
    }
    if (envelope) parsed.envelope = envelope
    return parsed
  }
  const parsed: ParsedCredential = {
    kind: 'credential',
    mechanism,
    version: versionOf(payload),
    credential: payload,
    jws,
    header,
    pointer,
  }
  if (envelope) parsed.envelope = envelope
  return parsed
}

/** `data:application/vc+jwt,<JWS>` (or `vp+jwt`): the JWS and its media type. */
function fromDataUrl(value: unknown): { mediaType: string; jws: string } {
  if (typeof value !== 'string' || !value.startsWith('data:')) {
    throw new Refusal('FORMAT_ENVELOPE_INVALID', 'An enveloped credential needs a data: URL as its id')
  }
  const comma = value.indexOf(',')
  const mediaType = comma < 0 ? '' : value.slice('data:'.length, comma).toLowerCase()
  if (mediaType !== 'application/vc+jwt' && mediaType !== 'application/vp+jwt') {
    throw new Refusal(
      'FORMAT_ENVELOPE_INVALID',
      'The enveloped data: URL must be data:application/vc+jwt, or data:application/vp+jwt, followed by a compact JWS',
    )
  }
  const jws = value.slice(comma + 1)
  if (!isCompactJws(jws)) {
    throw new Refusal('FORMAT_ENVELOPE_INVALID', 'The enveloped data: URL does not hold a compact JWS')
  }
  return { mediaType, jws }
}

function fromValue(value: unknown, pointer: string, limits: Limits): Parsed {
  if (typeof value === 'string') {
    const text = value.trim()
    if (isCompactJws(text)) return fromJws(text, pointer, limits, undefined)
    throw new Refusal(
      'FORMAT_UNRECOGNIZED',
      'The input is neither a credential, a presentation nor a compact JWS',
    )
  }
  if (!isRecord(value)) {
    throw new Refusal(
      'FORMAT_UNRECOGNIZED',
      'The input is not a JSON object: neither a credential nor a presentation',
    )
  }
  const types = typesOf(value.type)
  if (types.includes(ENVELOPED_CREDENTIAL) || types.includes(ENVELOPED_PRESENTATION)) {
    const { mediaType, jws } = fromDataUrl(value.id)
    const parsed = fromJws(jws, pointer, limits, value)
    const expected = types.includes(ENVELOPED_PRESENTATION) ? 'presentation' : 'credential'
    if (
      parsed.kind !== expected ||
      mediaType !== `application/${expected === 'credential' ? 'vc' : 'vp'}+jwt`
    ) {
      throw new Refusal(
        'FORMAT_ENVELOPE_INVALID',
        `The envelope's type, its data: URL media type and the JWS typ do not agree (expected a ${expected})`,
      )
    }
    return parsed
  }
  if (!('@context' in value) && !('type' in value)) {
    throw new Refusal(
      'FORMAT_UNRECOGNIZED',
      'The JSON object has neither @context nor type: not a credential or presentation',
    )
  }
  const mechanism: SecuringMechanism = 'data-integrity'
  if (types.includes('VerifiablePresentation')) {
    return {
      kind: 'presentation',
      mechanism,
      version: versionOf(value),
      presentation: value,
      credentials: [],
    }
  }
  return { kind: 'credential', mechanism, version: versionOf(value), credential: value, pointer }
}

function escapePointer(segment: string | number): string {
  return String(segment).replace(/~/g, '~0').replace(/\//g, '~1')
}

/** Reads the `verifiableCredential` entries of a presentation, each on its own: one bad entry spoils only itself. */
function embeddedCredentials(
  presentation: ParsedPresentation,
  limits: Limits,
): ParsedPresentation['credentials'] {
  const raw = presentation.presentation.verifiableCredential
  if (raw === undefined) return []
  const base = `/${escapePointer('verifiableCredential')}`
  const entries: Array<[unknown, string]> = Array.isArray(raw)
    ? (raw as unknown[]).map((entry, i) => [entry, `${base}/${i}`])
    : [[raw, base]]
  if (entries.length > MAX_EMBEDDED_CREDENTIALS) {
    return [
      unparseable(
        base,
        'FORMAT_TOO_MANY_CREDENTIALS',
        `A presentation may carry at most ${MAX_EMBEDDED_CREDENTIALS} credentials`,
      ),
    ]
  }
  return entries.map(([entry, pointer]) => {
    try {
      const parsed = fromValue(entry, pointer, limits)
      if (parsed.kind === 'presentation') {
        return unparseable(
          pointer,
          'FORMAT_NESTED_PRESENTATION',
          'A presentation cannot be a credential of a presentation',
        )
      }
      return parsed
    } catch (err) {
      if (err instanceof Refusal) return unparseable(pointer, err.code, err.message)
      throw err
    }
  })
}

/**
 * Detects the form of `input` and reads it, without verifying anything.
 *
 * `input` is text (a compact JWS, or JSON text of a credential, presentation or enveloped one) or an
 * already-parsed value. Limits are checked first: text over `maxBytes` (UTF-8) or nested deeper than
 * `maxDepth` is refused before `JSON.parse`; a parsed value is measured by an iterative walk. A
 * presentation's `verifiableCredential` entries (objects, enveloped credentials, compact JWS strings) are
 * read into `credentials`, each entry on its own.
 *
 * Never throws for bad input (only a `TypeError` for bad limits): what cannot be read is
 * `{ kind: 'unparseable', check }`, `check` being the failed `format` check with a {@link ParseFailureCode}.
 *
 * @example
 * ```ts
 * const parsed = parseVerifiable(text)
 * if (parsed.kind === 'unparseable') console.log(parsed.check.code) // e.g. FORMAT_TOO_DEEP
 * ```
 */
export function parseVerifiable(
  input: unknown,
  limits?: InputLimits,
): ParsedCredential | ParsedPresentation | { kind: 'unparseable'; pointer: ''; check: Check } {
  const resolved = resolveLimits(limits)
  try {
    let value: unknown
    if (typeof input === 'string') {
      checkTextSize(input, resolved, 'input')
      const text = input.trim()
      if (isCompactJws(text)) {
        value = text
      } else if (text.startsWith('{') || text.startsWith('[') || text.startsWith('"')) {
        value = parseJsonText(text, resolved, 'input')
      } else {
        throw new Refusal('FORMAT_NOT_JSON', 'The input is neither JSON nor a compact JWS')
      }
    } else {
      checkValue(input, resolved)
      value = input
    }
    const parsed = fromValue(value, '', resolved)
    if (parsed.kind === 'presentation') parsed.credentials = embeddedCredentials(parsed, resolved)
    return parsed
  } catch (err) {
    if (err instanceof Refusal)
      return unparseable('', err.code, err.message) as UnparseableInput & { pointer: '' }
    throw err
  }
}
