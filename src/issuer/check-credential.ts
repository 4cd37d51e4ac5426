/**
 * The data-model checks an issuer must enforce before it secures a credential someone else wrote (W3C
 * Verifiable Credentials Data Model 2.0 and 1.1). Libraries check little at issue time, and almost every
 * negative conformance test expects the issuer to refuse: so every rule here reports where it failed (a
 * JSON pointer) and which rule it broke, and all failures are reported at once.
 *
 * {@link checkCredentialForIssue} is pure and synchronous. Whether every term is defined, and that no
 * protected term is redefined, needs JSON-LD expansion and therefore the document loader: that is
 * {@link checkJsonLd}. Data Integrity gets the same guarantee from the safe-mode canonicalisation inside
 * `secureWithDataIntegrity`.
 *
 * ELM micro-credentials are not issued through here: their VC 2.0 envelope (v2 + `edc-ap`) cannot be
 * expanded, because `edc-ap` redefines protected terms of the v2 context. `microcred issue` builds and
 * issues them.
 */
import jsonld from 'jsonld'
import type { JsonLdDocument } from 'jsonld'
import { CREDENTIALS_V1, CREDENTIALS_V2, type DocumentLoader } from '../document-loader/index.js'
import type { FieldProblem } from '../errors.js'
import { pinnedDigestsOf, type DigestAlgorithm } from './context-digests.js'

/** How the issuer secures the credential: an embedded Data Integrity proof, or an enveloping VC-JOSE JWS. */
export type SecuringMechanism = 'di' | 'jose'

/** Data model version, from the first `@context` item. */
export type VcVersion = '1.1' | '2.0'

/** Options of {@link checkCredentialForIssue}. */
export interface CheckCredentialOptions {
  /** The mechanism the credential is about to be secured with: VC-JOSE adds its own rules. */
  proof: SecuringMechanism
}

/**
 * The stable rule keywords the checks report:
 * - `type`: wrong JSON type; `required`: missing member; `minItems` / `minProperties`: empty array / object;
 * - `context`: the base context is missing, not first, or mixed with the other version's;
 * - `contains`: `type` lacks `VerifiableCredential`; `format`: not a URL, date-time, SRI or multibase value;
 * - `range`: an end date before its start; `unique`: a repeated `relatedResource` id;
 * - `digest`: a `relatedResource` digest differs from the pinned digest of a bundled context;
 * - `version`: VC-JOSE asked for a VC 1.1 credential; `proof`: VC-JOSE asked for a credential with a proof;
 * - `jsonld`: JSON-LD expansion in safe mode failed (from {@link checkJsonLd}).
 */
export type CheckRule =
  | 'type'
  | 'required'
  | 'minItems'
  | 'minProperties'
  | 'context'
  | 'contains'
  | 'format'
  | 'range'
  | 'unique'
  | 'digest'
  | 'version'
  | 'proof'
  | 'jsonld'

type JsonObject = Record<string, unknown>

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** RFC 6901 JSON pointer of a path. */
function pointer(...segments: Array<string | number>): string {
  return segments.map((s) => `/${String(s).replace(/~/g, '~0').replace(/\//g, '~1')}`).join('')
}

/**
 * True for an absolute URL (VCDM 2.0 §4.4 identifiers: any scheme, so `did:`, `urn:` and `https:` alike).
 * Whitespace is refused first because the WHATWG parser silently trims or drops it.
 */
export function isUrl(value: unknown): value is string {
  return typeof value === 'string' && !/\s/.test(value) && URL.canParse(value)
}

// XML Schema 1.1 Part 2 §3.3.7 dateTime lexical space. Field ranges, the day-of-month limit and 24:00:00 are
// checked in code, since a regex that encodes month lengths and leap years is unreadable.
const DATE_TIME =
  /^(-?(?:[1-9][0-9]{3,}|0[0-9]{3}))-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})(\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})?$/

/** A parsed XML Schema dateTime: the instant (NaN beyond what a JS Date can hold) and whether it had a zone. */
export interface XsdDateTime {
  epochMs: number
  hasTimezone: boolean
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28
  return [4, 6, 9, 11].includes(month) ? 30 : 31
}

/** Parses an `xsd:dateTime` strictly (XSD 1.1 Part 2 §3.3.7, including §3.3.7.2's day-of-month limit). */
export function parseXsdDateTime(value: string): XsdDateTime | undefined {
  const m = DATE_TIME.exec(value)
  if (!m) return undefined
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number)
  const fraction = m[7] ?? ''
  const zone = m[8]
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined
  if (minute > 59 || second > 59) return undefined
  // 24:00:00 is the end of the day (XSD 1.1 endOfDayFrag), with nothing but zeros after it.
  if (hour > 24 || (hour === 24 && (minute !== 0 || second !== 0 || /[1-9]/.test(fraction)))) return undefined
  let offsetMinutes = 0
  if (zone !== undefined && zone !== 'Z') {
    const hh = Number(zone.slice(1, 3))
    const mm = Number(zone.slice(4, 6))
    if (hh > 14 || mm > 59 || (hh === 14 && mm !== 0)) return undefined
    offsetMinutes = (zone.startsWith('-') ? -1 : 1) * (hh * 60 + mm)
  }
  // setUTCFullYear, unlike Date.UTC, does not map years 0-99 onto 1900-1999.
  const midnight = new Date(0)
  midnight.setUTCFullYear(year, month - 1, day)
  const ms = fraction === '' ? 0 : Math.floor(Number(`0${fraction}`) * 1000)
  const epochMs =
    midnight.getTime() + ((hour * 60 + minute) * 60 + second) * 1000 + ms - offsetMinutes * 60_000
  return { epochMs, hasTimezone: zone !== undefined }
}

/** SRI hash-expression (SRI §3.5, base64-value from CSP3: either base64 alphabet), with optional options. */
const SRI_EXPRESSION = /^(sha256|sha384|sha512)-([A-Za-z0-9+/_-]+={0,2})(?:\?[\x21-\x7e]*)?$/

interface SriExpression {
  algorithm: DigestAlgorithm
  value: string
}

/**
 * Parses a `digestSRI` value: one or more whitespace-separated hash expressions. The decoded length is not
 * checked against the algorithm, because the SRI grammar does not (and the conformance suite's own valid
 * examples rely on that); a pinned digest is compared exactly instead.
 */
function parseSri(value: string): SriExpression[] | undefined {
  const tokens = value
    .trim()
    .split(/\s+/)
    .filter((t) => t !== '')
  if (tokens.length === 0) return undefined
  const expressions: SriExpression[] = []
  for (const token of tokens) {
    const m = SRI_EXPRESSION.exec(token)
    if (!m) return undefined
    expressions.push({ algorithm: m[1] as DigestAlgorithm, value: m[2] as string })
  }
  return expressions
}

/** Standard base64 without padding, so both alphabets and padded or not compare equal. */
function canonicalBase64(value: string): string {
  return value.replace(/-/g, '+').replace(/_/g, '/').replace(/=+$/, '')
}

const BASE58_ALPHABET = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz'

function decodeBase58btc(text: string): Uint8Array | undefined {
  let n = 0n
  for (const ch of text) {
    const digit = BASE58_ALPHABET.indexOf(ch)
    if (digit < 0) return undefined
    n = n * 58n + BigInt(digit)
  }
  const bytes: number[] = []
  while (n > 0n) {
    bytes.unshift(Number(n & 0xffn))
    n >>= 8n
  }
  for (const ch of text) {
    if (ch !== '1') break
    bytes.unshift(0)
  }
  return Uint8Array.from(bytes)
}

/** Decodes via Buffer, then re-encodes: anything Buffer silently skipped or truncated makes the value invalid. */
function decodeStrict(
  body: string,
  encoding: 'base64' | 'base64url' | 'hex',
  padded: boolean,
): Uint8Array | undefined {
  const bytes = Buffer.from(body, encoding)
  let again = bytes.toString(encoding)
  if (encoding === 'base64' && !padded) again = again.replace(/=+$/, '')
  if (encoding === 'base64url' && padded) again = again.padEnd(Math.ceil(again.length / 4) * 4, '=')
  return again === (encoding === 'hex' ? body.toLowerCase() : body) ? bytes : undefined
}

/** Decodes a multibase string (the common RFC 4648 and base58btc bases); undefined when invalid or unknown. */
function decodeMultibase(value: string): Uint8Array | undefined {
  const body = value.slice(1)
  if (body === '') return undefined
  switch (value[0]) {
    case 'z':
      return decodeBase58btc(body)
    case 'u':
      return /^[A-Za-z0-9_-]+$/.test(body) ? decodeStrict(body, 'base64url', false) : undefined
    case 'U':
      return /^[A-Za-z0-9_-]+={0,2}$/.test(body) ? decodeStrict(body, 'base64url', true) : undefined
    case 'm':
      return /^[A-Za-z0-9+/]+$/.test(body) ? decodeStrict(body, 'base64', false) : undefined
    case 'M':
      return /^[A-Za-z0-9+/]+={0,2}$/.test(body) ? decodeStrict(body, 'base64', true) : undefined
    case 'f':
      return /^(?:[0-9a-f]{2})+$/.test(body) ? decodeStrict(body, 'hex', false) : undefined
    case 'F':
      return /^(?:[0-9A-F]{2})+$/.test(body) ? decodeStrict(body, 'hex', false) : undefined
    default:
      return undefined
  }
}

function readVarint(bytes: Uint8Array, offset: number): [value: number, next: number] | undefined {
  let value = 0
  for (let i = 0; i < 9 && offset + i < bytes.length; i++) {
    const byte = bytes[offset + i] as number
    value += (byte & 0x7f) * 2 ** (7 * i)
    if ((byte & 0x80) === 0) return [value, offset + i + 1]
  }
  return undefined
}

// Multicodec codes of the digests a pinned entry can hold.
const MULTIHASH_ALGORITHMS: ReadonlyMap<number, DigestAlgorithm> = new Map([
  [0x12, 'sha256'],
  [0x20, 'sha384'],
  [0x13, 'sha512'],
])

/** A multihash (code, length, digest) whose declared length is exactly the digest's. */
function parseMultihash(bytes: Uint8Array): { code: number; digest: Uint8Array } | undefined {
  const code = readVarint(bytes, 0)
  if (!code) return undefined
  const length = readVarint(bytes, code[1])
  if (!length || length[0] === 0 || bytes.length - length[1] !== length[0]) return undefined
  return { code: code[0], digest: bytes.subarray(length[1]) }
}

/** Collects problems in document order. */
class Problems {
  readonly list: FieldProblem[] = []
  add(field: string, rule: CheckRule, message: string): void {
    this.list.push({ field, rule, message })
  }
}

/** The data model version a credential declares by its first `@context` item, if it is one of the two bases. */
export function vcVersionOf(credential: unknown): VcVersion | undefined {
  if (!isObject(credential)) return undefined
  const context = credential['@context']
  const first = Array.isArray(context) ? context[0] : context
  return first === CREDENTIALS_V2 ? '2.0' : first === CREDENTIALS_V1 ? '1.1' : undefined
}

function checkContext(credential: JsonObject, problems: Problems): VcVersion | undefined {
  if (!('@context' in credential)) {
    problems.add('/@context', 'required', '@context is required')
    return undefined
  }
  const context = credential['@context']
  // JSON-LD reads a single value as a one-item set, so the base context alone may be a string (VC 2.0 itself
  // writes enveloped credentials that way).
  if (typeof context === 'string') {
    const version = vcVersionOf(credential)
    if (!version) {
      problems.add(
        '/@context',
        'context',
        `@context must start with ${CREDENTIALS_V2} (VC 2.0) or ${CREDENTIALS_V1} (VC 1.1)`,
      )
    }
    return version
  }
  if (!Array.isArray(context)) {
    problems.add('/@context', 'type', '@context must be an array of URLs and objects')
    return undefined
  }
  if (context.length === 0) {
    problems.add('/@context', 'minItems', '@context must not be empty')
    return undefined
  }
  const version = vcVersionOf(credential)
  if (!version) {
    problems.add(
      '/@context/0',
      'context',
      `the first @context item must be exactly ${CREDENTIALS_V2} (VC 2.0) or ${CREDENTIALS_V1} (VC 1.1)`,
    )
  }
  context.forEach((item, i) => {
    if (i === 0) return
    if (typeof item === 'string') {
      if (!isUrl(item)) {
        problems.add(pointer('@context', i), 'format', '@context items must be URLs or objects')
      } else if (item === CREDENTIALS_V1 || item === CREDENTIALS_V2) {
        problems.add(
          pointer('@context', i),
          'context',
          'a base context may only be the first @context item (VC 1.1 and 2.0 do not mix)',
        )
      }
    } else if (!isObject(item)) {
      problems.add(pointer('@context', i), 'type', '@context items must be URLs or objects')
    }
  })
  return version
}

/** `type` as the data model allows it: one term or URL, or a non-empty array of them. */
function checkTypeValue(value: unknown, field: string, problems: Problems, mustInclude?: string): void {
  if (value === undefined) {
    problems.add(field, 'required', 'type is required')
    return
  }
  const values = typeof value === 'string' ? [value] : value
  if (!Array.isArray(values)) {
    problems.add(field, 'type', 'type must be a string or an array of strings')
    return
  }
  if (values.length === 0) {
    problems.add(field, 'minItems', 'type must not be empty')
    return
  }
  values.forEach((v, i) => {
    if (typeof v !== 'string' || v === '' || /\s/.test(v)) {
      problems.add(
        typeof value === 'string' ? field : `${field}/${i}`,
        'format',
        'each type must be a term or a URL',
      )
    }
  })
  if (mustInclude !== undefined && !values.includes(mustInclude)) {
    problems.add(field, 'contains', `type must include ${mustInclude}`)
  }
}

function checkOptionalId(object: JsonObject, field: string, problems: Problems, required = false): void {
  if (!('id' in object)) {
    if (required) problems.add(`${field}/id`, 'required', `${field}/id is required`)
    return
  }
  if (typeof object.id !== 'string') problems.add(`${field}/id`, 'type', 'id must be a single URL string')
  else if (!isUrl(object.id)) problems.add(`${field}/id`, 'format', 'id must be a URL')
}

/** The members of an object-or-array property, each with its pointer; reports a wrong shape. */
function objectsOf(credential: JsonObject, name: string, problems: Problems): Array<[JsonObject, string]> {
  const value = credential[name]
  const field = pointer(name)
  if (isObject(value)) return [[value, field]]
  if (!Array.isArray(value)) {
    problems.add(field, 'type', `${name} must be an object or an array of objects`)
    return []
  }
  if (value.length === 0) problems.add(field, 'minItems', `${name} must not be an empty array`)
  const objects: Array<[JsonObject, string]> = []
  value.forEach((item, i) => {
    if (isObject(item)) objects.push([item, pointer(name, i)])
    else problems.add(pointer(name, i), 'type', `each ${name} must be an object`)
  })
  return objects
}

function checkSubject(credential: JsonObject, problems: Problems): void {
  if (!('credentialSubject' in credential)) {
    problems.add('/credentialSubject', 'required', 'credentialSubject is required')
    return
  }
  for (const [subject, field] of objectsOf(credential, 'credentialSubject', problems)) {
    if (Object.keys(subject).length === 0) {
      problems.add(field, 'minProperties', 'a credentialSubject must make at least one claim')
    }
    checkOptionalId(subject, field, problems)
  }
}

function checkIssuer(credential: JsonObject, problems: Problems): void {
  if (!('issuer' in credential)) return
  const issuer = credential.issuer
  if (typeof issuer === 'string') {
    if (!isUrl(issuer)) problems.add('/issuer', 'format', 'issuer must be a URL')
  } else if (isObject(issuer)) {
    checkOptionalId(issuer, '/issuer', problems, true)
  } else {
    problems.add('/issuer', 'type', 'issuer must be a URL or an object with a URL id')
  }
}

/** The extension points whose values must say which mechanism they are (VCDM 2.0 §5.10, 1.1 likewise). */
const TYPED_EXTENSIONS = [
  { name: 'credentialStatus', idRequired: false },
  { name: 'termsOfUse', idRequired: false },
  { name: 'evidence', idRequired: false },
  { name: 'refreshService', idRequired: false },
  // A schema is named by its URL (VCDM 2.0 §4.11, 1.1 §5.4): without `id` there is nothing to check against.
  { name: 'credentialSchema', idRequired: true },
] as const

function checkExtensions(credential: JsonObject, problems: Problems): void {
  for (const { name, idRequired } of TYPED_EXTENSIONS) {
    if (!(name in credential)) continue
    for (const [object, field] of objectsOf(credential, name, problems)) {
      checkTypeValue(object.type, `${field}/type`, problems)
      checkOptionalId(object, field, problems, idRequired)
    }
  }
}

function dateOf(
  credential: JsonObject,
  name: string,
  problems: Problems,
  stamp: boolean,
): XsdDateTime | undefined {
  const value = credential[name]
  const parsed = typeof value === 'string' ? parseXsdDateTime(value) : undefined
  if (!parsed || (stamp && !parsed.hasTimezone)) {
    problems.add(
      pointer(name),
      'format',
      stamp
        ? `${name} must be an XML Schema dateTimeStamp (a date-time with a time zone, e.g. 2026-01-01T00:00:00Z)`
        : `${name} must be an XML Schema dateTime (e.g. 2026-01-01T00:00:00Z)`,
    )
    return undefined
  }
  return parsed
}

/** Reports `end` before `start`; a comparison between a zoned and an unzoned value is undetermined (XSD). */
function checkOrder(
  start: XsdDateTime | undefined,
  end: XsdDateTime | undefined,
  field: string,
  message: string,
  problems: Problems,
): void {
  if (!start || !end || start.hasTimezone !== end.hasTimezone) return
  if (end.epochMs < start.epochMs) problems.add(field, 'range', message)
}

function checkValidity(credential: JsonObject, version: VcVersion, problems: Problems): void {
  if (version === '2.0') {
    const from = 'validFrom' in credential ? dateOf(credential, 'validFrom', problems, true) : undefined
    const until = 'validUntil' in credential ? dateOf(credential, 'validUntil', problems, true) : undefined
    checkOrder(from, until, '/validUntil', 'validUntil must not be before validFrom', problems)
    return
  }
  if (!('issuanceDate' in credential)) {
    problems.add('/issuanceDate', 'required', 'issuanceDate is required in a VC 1.1 credential')
  }
  const issued =
    'issuanceDate' in credential ? dateOf(credential, 'issuanceDate', problems, false) : undefined
  const expires =
    'expirationDate' in credential ? dateOf(credential, 'expirationDate', problems, false) : undefined
  checkOrder(issued, expires, '/expirationDate', 'expirationDate must not be before issuanceDate', problems)
}

function checkSriDigest(
  resource: JsonObject,
  id: string | undefined,
  field: string,
  problems: Problems,
): void {
  const value = resource.digestSRI
  const expressions = typeof value === 'string' ? parseSri(value) : undefined
  if (!expressions) {
    problems.add(
      `${field}/digestSRI`,
      'format',
      'digestSRI must be an SRI hash expression such as sha384-<base64>',
    )
    return
  }
  const pinned = id === undefined ? undefined : pinnedDigestsOf(id)
  if (!pinned) return
  for (const { algorithm, value: digest } of expressions) {
    const expected = pinned[algorithm]
    if (expected !== undefined && canonicalBase64(digest) !== canonicalBase64(expected)) {
      problems.add(
        `${field}/digestSRI`,
        'digest',
        `the ${algorithm} digest does not match the bundled copy of ${id}`,
      )
    }
  }
}

function checkMultibaseDigest(
  resource: JsonObject,
  id: string | undefined,
  field: string,
  problems: Problems,
): void {
  const value = resource.digestMultibase
  const entries: Array<[unknown, string]> = Array.isArray(value)
    ? value.map((v, i) => [v, `${field}/digestMultibase/${i}`])
    : [[value, `${field}/digestMultibase`]]
  if (entries.length === 0) {
    problems.add(`${field}/digestMultibase`, 'minItems', 'digestMultibase must not be empty')
  }
  const pinned = id === undefined ? undefined : pinnedDigestsOf(id)
  for (const [entry, entryField] of entries) {
    const bytes = typeof entry === 'string' ? decodeMultibase(entry) : undefined
    const multihash = bytes && parseMultihash(bytes)
    if (!multihash) {
      problems.add(entryField, 'format', 'digestMultibase must be a multibase-encoded multihash')
      continue
    }
    const algorithm = MULTIHASH_ALGORITHMS.get(multihash.code)
    const expected = algorithm && pinned?.[algorithm]
    if (expected !== undefined && expected !== Buffer.from(multihash.digest).toString('base64')) {
      problems.add(entryField, 'digest', `the ${algorithm} digest does not match the bundled copy of ${id}`)
    }
  }
}

function checkRelatedResources(credential: JsonObject, problems: Problems): void {
  if (!('relatedResource' in credential)) return
  const seen = new Set<string>()
  // VCDM 2.0 §5.3: "one or more objects", so a single object is accepted as well as an array of them.
  for (const [resource, field] of objectsOf(credential, 'relatedResource', problems)) {
    let id: string | undefined
    if (!('id' in resource)) {
      problems.add(`${field}/id`, 'required', 'each relatedResource needs an id')
    } else if (typeof resource.id !== 'string' || !isUrl(resource.id)) {
      problems.add(`${field}/id`, 'format', 'relatedResource id must be a URL')
    } else {
      id = resource.id
      if (seen.has(id)) {
        problems.add(`${field}/id`, 'unique', `relatedResource id ${id} is listed more than once`)
      }
      seen.add(id)
    }
    const hasSri = 'digestSRI' in resource
    const hasMultibase = 'digestMultibase' in resource
    if (!hasSri && !hasMultibase) {
      problems.add(field, 'required', 'each relatedResource needs digestSRI or digestMultibase')
    }
    if (hasSri) checkSriDigest(resource, id, field, problems)
    if (hasMultibase) checkMultibaseDigest(resource, id, field, problems)
    if ('mediaType' in resource && typeof resource.mediaType !== 'string') {
      problems.add(`${field}/mediaType`, 'type', 'mediaType must be a string')
    }
  }
}

/**
 * Checks a caller-supplied credential against the data model rules an issuer must enforce before securing
 * it with `proof`. Pure: no I/O, no clock. Returns every problem found (empty when the credential may be
 * issued); the checks that need JSON-LD expansion are in {@link checkJsonLd}.
 *
 * Absent `issuer`, `id` and (VC 2.0) `validFrom` are not problems: the issuer fills them in. Existing proofs
 * are left alone for Data Integrity (proof sets); VC-JOSE secures the unsecured form, so it refuses one.
 *
 * @example
 * const problems = checkCredentialForIssue(JSON.parse(text), { proof: 'di' })
 * if (problems.length > 0) throw new MalformedCredentialError('Cannot issue', problems)
 */
export function checkCredentialForIssue(
  credential: unknown,
  options: CheckCredentialOptions,
): FieldProblem[] {
  const problems = new Problems()
  if (!isObject(credential)) {
    problems.add('', 'type', 'a credential must be a JSON object')
    return problems.list
  }
  const version = checkContext(credential, problems)
  if (options.proof === 'jose' && version === '1.1') {
    problems.add(
      '/@context/0',
      'version',
      'VC-JOSE secures VC 2.0 credentials only; use Data Integrity for VC 1.1',
    )
  }
  if (options.proof === 'jose' && 'proof' in credential) {
    problems.add('/proof', 'proof', 'VC-JOSE secures the credential without embedded proofs; remove proof')
  }
  if ('id' in credential) {
    if (typeof credential.id !== 'string') problems.add('/id', 'type', 'id must be a single URL string')
    else if (!isUrl(credential.id)) problems.add('/id', 'format', 'id must be a URL')
  }
  checkTypeValue(credential.type, '/type', problems, 'VerifiableCredential')
  checkIssuer(credential, problems)
  checkSubject(credential, problems)
  if (version) checkValidity(credential, version, problems)
  checkExtensions(credential, problems)
  checkRelatedResources(credential, problems)
  return problems.list
}

interface JsonLdErrorLike extends Error {
  details?: {
    code?: string
    term?: string
    url?: string
    cause?: { code?: unknown }
    event?: { code?: string; message?: string; details?: { property?: string; type?: string } }
  }
}

// By name, the only stable identifier jsonld gives its errors (all are `jsonld.<Kind>`), never by message.
function isJsonLdError(err: unknown): err is JsonLdErrorLike {
  return err instanceof Error && err.name.startsWith('jsonld.')
}

function problemOf(err: JsonLdErrorLike): FieldProblem {
  const details = err.details ?? {}
  if (details.cause?.code === 'ERR_DOCUMENT_NOT_FOUND') {
    return {
      field: '/@context',
      rule: 'jsonld',
      message: `context ${details.url ?? ''} is not available offline`,
    }
  }
  if (details.code === 'protected term redefinition') {
    return {
      field: '/@context',
      rule: 'jsonld',
      message: `the protected term ${JSON.stringify(details.term)} is redefined`,
    }
  }
  const event = details.event
  if (event?.details?.property !== undefined) {
    return {
      field: '',
      rule: 'jsonld',
      message: `the term ${JSON.stringify(event.details.property)} is not defined by any @context`,
    }
  }
  if (event?.details?.type !== undefined) {
    return {
      field: '',
      rule: 'jsonld',
      message: `the type ${JSON.stringify(event.details.type)} is not defined by any @context`,
    }
  }
  const code = details.code ?? event?.code
  return { field: '', rule: 'jsonld', message: code ? `${err.message} (${code})` : err.message }
}

type ExpandOptions = NonNullable<Parameters<typeof jsonld.expand>[1]>

/**
 * Expands the credential in JSON-LD safe mode with the injected (offline) loader: an undefined term or type,
 * a protected term redefined, or a context not available offline each becomes a `jsonld` problem. Needed
 * before VC-JOSE, which signs bytes and so never runs JSON-LD; Data Integrity runs the same safe mode
 * while canonicalising.
 *
 * Not for the ELM envelope (v2 + `edc-ap`), which cannot be expanded: issue ELM with `microcred issue`.
 */
export async function checkJsonLd(
  credential: unknown,
  documentLoader: DocumentLoader,
): Promise<FieldProblem[]> {
  // @types/jsonld lacks `safe` and types the loader's `contextUrl` as an optional string; jsonld accepts null.
  const options: ExpandOptions & { safe: boolean } = {
    documentLoader: documentLoader as unknown as ExpandOptions['documentLoader'],
    safe: true,
  }
  try {
    await jsonld.expand(credential as JsonLdDocument, options)
    return []
  } catch (err) {
    const problem = jsonLdProblemOf(err)
    if (problem === undefined) throw err
    return [problem]
  }
}

/**
 * The credential's fault behind an error of a JSON-LD operation in safe mode (`expand`, `toRDF`, ...) with an
 * offline loader: an undefined term or type, a protected term redefined, a context not available offline.
 * `undefined` for anything else (not a jsonld error, or a loader that failed for another reason), which is
 * ours to rethrow, not the credential's.
 */
export function jsonLdProblemOf(err: unknown): FieldProblem | undefined {
  if (!isJsonLdError(err)) return undefined
  const cause = err.details?.cause
  if (cause !== undefined && cause.code !== 'ERR_DOCUMENT_NOT_FOUND') return undefined
  return problemOf(err)
}
