/**
 * The status check of a credential against W3C Bitstring Status List v1.0 (§3.2 Validate Algorithm), failing
 * closed: a status that could not be read is `indeterminate`, an unknown status mechanism is never a pass.
 *
 * Everything external is injected: status lists come from a {@link StatusListResolver}, keys from a
 * {@link DidResolver}, JSON-LD documents from a {@link DocumentLoader}, and the time from `now`.
 */
import type { DidResolver } from '../did/resolver.js'
import { CREDENTIALS_V2, type DocumentLoader } from '../document-loader/index.js'
import { isMicrocredError } from '../errors.js'
import type { BitstringStatusList } from '@digitalbazaar/vc-bitstring-status-list'
import { decodeEncodedList } from './decode-status-list.js'
import type { StatusCheckResult, StatusCheckStatus, StatusCode, StatusEntryResult } from './status-result.js'
import type { StatusListResolver } from './status-list-resolver.js'
import {
  failure,
  isRecord,
  issuerIdOf,
  verifyStatusListProof,
  type StatusListFailure,
} from './verify-status-list.js'

export type { StatusCheckResult, StatusCheckStatus, StatusCode, StatusEntryResult } from './status-result.js'
export type { ResolvedStatusList, StatusListResolver } from './status-list-resolver.js'

/** §3.2 step 2: the smallest number of entries a list may hold (16 KB of one-bit entries). */
export const MIN_STATUS_LIST_ENTRIES = 131_072

/**
 * Most `credentialStatus` entries checked in one credential. Each may name its own list, and each list costs
 * a retrieval and a decode, so a credential with more is refused as malformed.
 */
export const MAX_STATUS_ENTRIES = 16

/** Largest `statusSize` read, in bits; wider entries are reported as unsupported. */
export const MAX_STATUS_SIZE = 32

/** What {@link checkStatus} needs from its caller. */
export interface CheckStatusDeps {
  /** Retrieves status list credentials (the instance's own lists first, then remote ones). */
  resolveList: StatusListResolver
  /** Resolves the DID URL that signed a list to its verification method. */
  didResolver: DidResolver
  /** For Data Integrity lists: contexts and DID documents, offline. */
  documentLoader: DocumentLoader
  /** The time the list's validity window is checked against. */
  now: Date
  /** Seconds of tolerated clock difference for the list's validity window. Default 300, as in `@digitalbazaar/vc`. */
  maxClockSkew?: number
}

/** An entry that passed shape validation and needs its list. */
interface ListEntry {
  position: number
  entryId: string | undefined
  purpose: 'revocation' | 'suspension'
  index: bigint
  statusSize: number
  listUrl: string
}

/** A verified, decoded list, ready for reading entries. */
interface LoadedList {
  ok: true
  purposes: string[]
  bitstring: BitstringStatusList
}

const STATUS_RANK: Record<StatusCheckStatus, number> = { skipped: 0, pass: 1, indeterminate: 2, fail: 3 }
const DECIMAL_INDEX = /^[0-9]+$/
// XML Schema dateTimeStamp: a dateTime with a mandatory time zone (VCDM 2.0 §4.9).
const DATE_TIME_STAMP =
  /^-?[0-9]{4,}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})$/

function entryResult(
  base: { entryId?: string | undefined; purpose?: string | undefined },
  status: StatusCheckStatus,
  code: StatusCode,
  message: string,
  set?: boolean,
): StatusEntryResult {
  const result: StatusEntryResult = { status, code, message }
  if (base.entryId !== undefined) result.entryId = base.entryId
  if (base.purpose !== undefined) result.purpose = base.purpose
  if (set !== undefined) result.set = set
  return result
}

function isAbsoluteUrl(value: string): boolean {
  try {
    new URL(value)
    return true
  } catch {
    return false
  }
}

function typesOf(value: unknown): string[] | undefined {
  if (typeof value === 'string') return [value]
  if (Array.isArray(value) && value.length > 0 && value.every((t) => typeof t === 'string'))
    return value as string[]
  return undefined
}

/** Bitstring Status List §2.1 entry rules, then the purpose decides whether the list is needed at all. */
function classifyEntry(raw: unknown, position: number): StatusEntryResult | ListEntry {
  if (!isRecord(raw))
    return entryResult({}, 'fail', 'STATUS_ENTRY_MALFORMED', 'A credentialStatus entry must be an object')
  const entryId = typeof raw.id === 'string' ? raw.id : undefined
  const purpose = typeof raw.statusPurpose === 'string' ? raw.statusPurpose : undefined
  const base = { entryId, purpose }
  const malformed = (message: string) => entryResult(base, 'fail', 'STATUS_ENTRY_MALFORMED', message)

  const types = typesOf(raw.type)
  if (!types) return malformed('A credentialStatus entry must have a type')
  if (!types.includes('BitstringStatusListEntry')) {
    return entryResult(
      base,
      'indeterminate',
      'STATUS_TYPE_UNSUPPORTED',
      `Status type ${types.join(', ')} is not supported`,
    )
  }
  if (raw.id !== undefined && typeof raw.id !== 'string')
    return malformed('credentialStatus.id must be a string')
  if (!purpose) return malformed('statusPurpose must be a non-empty string')
  const { statusListIndex, statusListCredential } = raw
  if (typeof statusListIndex !== 'string' || !DECIMAL_INDEX.test(statusListIndex)) {
    return malformed('statusListIndex must be a non-negative integer written in base 10, as a string')
  }
  if (typeof statusListCredential !== 'string' || !isAbsoluteUrl(statusListCredential)) {
    return malformed('statusListCredential must be a URL')
  }
  if (entryId === statusListCredential)
    return malformed('credentialStatus.id must not be the status list URL')

  let statusSize = 1
  if (raw.statusSize !== undefined) {
    if (typeof raw.statusSize !== 'number' || !Number.isInteger(raw.statusSize) || raw.statusSize < 1) {
      return malformed('statusSize must be an integer greater than zero')
    }
    statusSize = raw.statusSize
    if (statusSize > 1 && !Array.isArray(raw.statusMessage))
      return malformed('statusMessage is required when statusSize is above 1')
    if (statusSize > MAX_STATUS_SIZE) {
      return entryResult(
        base,
        'indeterminate',
        'STATUS_TYPE_UNSUPPORTED',
        `statusSize above ${MAX_STATUS_SIZE} is not supported`,
      )
    }
  }

  // §2.1: `refresh` only says that a newer credential exists and never invalidates this one, so there is
  // nothing to verify. `message` and issuer-defined purposes carry meaning only the issuer's documentation
  // gives; reading the bits would not tell whether the credential is acceptable, so they cannot pass.
  if (purpose === 'refresh') {
    return entryResult(
      base,
      'skipped',
      'STATUS_PURPOSE_UNSUPPORTED',
      'A refresh status does not affect validity',
    )
  }
  if (purpose !== 'revocation' && purpose !== 'suspension') {
    return entryResult(
      base,
      'indeterminate',
      'STATUS_PURPOSE_UNSUPPORTED',
      `Status purpose ${purpose} is not supported`,
    )
  }
  // Parsing an index of many thousand digits into a BigInt costs real time; anything past 20 digits is beyond
  // every list this check decodes, so it only needs to stay out of range.
  const digits = statusListIndex.replace(/^0+(?=[0-9])/, '')
  const index = digits.length > 20 ? 2n ** 70n : BigInt(digits)
  return { position, entryId, purpose, index, statusSize, listUrl: statusListCredential }
}

function parseDateTime(value: unknown, name: string): number | StatusListFailure | undefined {
  if (value === undefined) return undefined
  const ms = typeof value === 'string' && DATE_TIME_STAMP.test(value) ? Date.parse(value) : Number.NaN
  if (Number.isNaN(ms))
    return failure('fail', 'STATUS_LIST_MALFORMED', `The status list's ${name} is not a dateTimeStamp`)
  return ms
}

function checkValidityWindow(
  document: Record<string, unknown>,
  now: Date,
  skewMs: number,
): StatusListFailure | undefined {
  const bounds: Array<{ name: string; kind: 'from' | 'until' }> = [
    { name: 'validFrom', kind: 'from' },
    { name: 'issuanceDate', kind: 'from' },
    { name: 'validUntil', kind: 'until' },
    { name: 'expirationDate', kind: 'until' },
  ]
  const at = now.getTime()
  for (const { name, kind } of bounds) {
    const ms = parseDateTime(document[name], name)
    if (ms === undefined) continue
    if (typeof ms !== 'number') return ms
    if (kind === 'until' && at > ms + skewMs) {
      return failure(
        'indeterminate',
        'STATUS_LIST_EXPIRED',
        `The status list expired at ${new Date(ms).toISOString()} (${name})`,
      )
    }
    if (kind === 'from' && at < ms - skewMs) {
      return failure(
        'indeterminate',
        'STATUS_LIST_NOT_YET_VALID',
        `The status list is not valid before ${new Date(ms).toISOString()} (${name})`,
      )
    }
  }
  return undefined
}

/** §2.2 BitstringStatusListCredential rules that the status check depends on. */
function checkListShape(
  document: Record<string, unknown>,
  url: string,
  form: 'jose' | 'di',
): { purposes: string[]; encodedList: string } | StatusListFailure {
  const malformed = (message: string) => failure('fail', 'STATUS_LIST_MALFORMED', message)
  const contexts = document['@context']
  // VC-JOSE secures VCDM 2.0 only.
  if (
    form === 'jose' &&
    !(Array.isArray(contexts) && contexts[0] === CREDENTIALS_V2) &&
    contexts !== CREDENTIALS_V2
  ) {
    return malformed('A vc+jwt status list must be a VC 2.0 credential')
  }
  const types = typesOf(document.type)
  if (!types?.includes('VerifiableCredential') || !types.includes('BitstringStatusListCredential')) {
    return malformed('The status list credential must have type BitstringStatusListCredential')
  }
  // A list served under another URL than its own id could be a different list of the same issuer (for
  // instance a suspension list served for a revocation list) substituted by whoever serves it.
  if (document.id !== undefined && document.id !== url) return malformed(`The status list's id is not ${url}`)
  const subject = document.credentialSubject
  if (!isRecord(subject)) return malformed('The status list credentialSubject must be one object')
  if (!typesOf(subject.type)?.includes('BitstringStatusList'))
    return malformed('The status list subject must have type BitstringStatusList')
  const purposes = typesOf(subject.statusPurpose)
  if (!purposes) return malformed('The status list statusPurpose must be one or more strings')
  if (typeof subject.encodedList !== 'string') return malformed('The status list has no encodedList')
  return { purposes, encodedList: subject.encodedList }
}

async function loadStatusList(
  url: string,
  credentialIssuer: string | undefined,
  deps: CheckStatusDeps,
): Promise<LoadedList | StatusListFailure> {
  let resolved
  try {
    resolved = await deps.resolveList(url)
  } catch (err) {
    // A retrieval error's message is written for the caller; anything else could carry internals.
    const reason =
      isMicrocredError(err) && err.code === 'ERR_STATUS_RETRIEVAL' ? err.message : 'the resolver failed'
    return failure(
      'indeterminate',
      'STATUS_LIST_UNREACHABLE',
      `Status list ${url} could not be retrieved: ${reason}`,
    )
  }
  if (resolved === undefined)
    return failure('indeterminate', 'STATUS_LIST_UNREACHABLE', `No status list resolver serves ${url}`)

  const verified = await verifyStatusListProof(resolved, deps)
  if (!verified.ok) return verified
  const { document, issuer } = verified
  if (issuer !== credentialIssuer) {
    return failure(
      'fail',
      'STATUS_LIST_ISSUER_MISMATCH',
      `The status list's issuer ${issuer} is not the credential's issuer`,
    )
  }
  const shape = checkListShape(document, url, resolved.form)
  if ('ok' in shape) return shape
  const skewMs = (deps.maxClockSkew ?? 300) * 1000
  const outside = checkValidityWindow(document, deps.now, skewMs)
  if (outside) return outside
  try {
    return { ok: true, purposes: shape.purposes, bitstring: decodeEncodedList(shape.encodedList) }
  } catch (err) {
    return failure(
      'fail',
      'STATUS_LIST_MALFORMED',
      `The status list's encodedList cannot be decoded: ${(err as Error).message}`,
    )
  }
}

/** §3.2 steps 5 and 9–13 for one entry of a verified list. */
function readEntry(entry: ListEntry, list: LoadedList): StatusEntryResult {
  const { entryId, purpose, statusSize } = entry
  const base = { entryId, purpose }
  if (!list.purposes.includes(purpose)) {
    return entryResult(
      base,
      'fail',
      'STATUS_PURPOSE_MISMATCH',
      `The status list is for ${list.purposes.join(', ')}, not ${purpose}`,
    )
  }
  const { bitstring } = list
  if (bitstring.length / statusSize < MIN_STATUS_LIST_ENTRIES) {
    return entryResult(
      base,
      'fail',
      'STATUS_LIST_MALFORMED',
      `The status list holds fewer than ${MIN_STATUS_LIST_ENTRIES} entries`,
    )
  }
  // BigInt: statusListIndex is an arbitrary-size integer and must not be rounded into range.
  const start = entry.index * BigInt(statusSize)
  if (start + BigInt(statusSize) > BigInt(bitstring.length)) {
    return entryResult(
      base,
      'fail',
      'STATUS_INDEX_OUT_OF_RANGE',
      `statusListIndex is outside the status list (${Math.floor(bitstring.length / statusSize)} entries)`,
    )
  }
  let value = 0
  for (let bit = 0; bit < statusSize; bit++)
    value = value * 2 + (bitstring.getStatus(Number(start) + bit) ? 1 : 0)
  const set = value !== 0
  if (!set)
    return entryResult(
      base,
      'pass',
      'STATUS_OK',
      `Not ${purpose === 'revocation' ? 'revoked' : 'suspended'}`,
      false,
    )
  return purpose === 'revocation'
    ? entryResult(base, 'fail', 'STATUS_REVOKED', 'The credential has been revoked', true)
    : entryResult(base, 'fail', 'STATUS_SUSPENDED', 'The credential is suspended', true)
}

function summarize(entries: StatusEntryResult[]): StatusCheckResult {
  let worst = entries[0]
  for (const entry of entries)
    if (!worst || STATUS_RANK[entry.status] > STATUS_RANK[worst.status]) worst = entry
  if (!worst)
    return {
      status: 'skipped',
      code: 'STATUS_NONE',
      message: 'The credential has no credentialStatus',
      entries,
    }
  if (worst.status === 'pass') {
    return {
      status: 'pass',
      code: 'STATUS_OK',
      message: 'The credential is neither revoked nor suspended',
      entries,
    }
  }
  return { status: worst.status, code: worst.code, message: worst.message, entries }
}

function assertArguments(credential: unknown, deps: unknown): asserts deps is CheckStatusDeps {
  if (!isRecord(credential)) throw new TypeError('checkStatus: "credential" must be an object')
  if (!isRecord(deps)) throw new TypeError('checkStatus: "deps" must be an object')
  if (typeof deps.resolveList !== 'function')
    throw new TypeError('checkStatus: "resolveList" must be a function')
  const { didResolver } = deps
  if (
    !isRecord(didResolver) ||
    typeof didResolver.resolve !== 'function' ||
    typeof didResolver.resolveVerificationMethod !== 'function'
  ) {
    throw new TypeError('checkStatus: "didResolver" must be a DidResolver')
  }
  if (typeof deps.documentLoader !== 'function')
    throw new TypeError('checkStatus: "documentLoader" must be a function')
  if (!(deps.now instanceof Date) || Number.isNaN(deps.now.getTime()))
    throw new TypeError('checkStatus: "now" must be a valid Date')
  const { maxClockSkew } = deps
  if (
    maxClockSkew !== undefined &&
    !(typeof maxClockSkew === 'number' && Number.isFinite(maxClockSkew) && maxClockSkew >= 0)
  ) {
    throw new TypeError('checkStatus: "maxClockSkew" must be a non-negative number of seconds')
  }
}

/**
 * Checks every `credentialStatus` entry of `credential` against its Bitstring Status List.
 *
 * Per entry: the entry's shape (§2.1); the list, retrieved once per URL per call; the list's proof (VC-JOSE
 * `vc+jwt` with EdDSA or ES256, or a Data Integrity eddsa-rdfc-2022 / ecdsa-rdfc-2019 proof), signed with a
 * key the list's issuer controls; the list's issuer equal to the credential's; the list's validity window;
 * the purpose; the index range; the bit. `revocation` or `suspension` set fails. A `refresh` entry is skipped
 * (it never invalidates a credential); `message` and other purposes are `indeterminate`.
 *
 * Resolves to a result for any credential, well-formed or not; it throws only a `TypeError` for a missing or
 * wrong dependency.
 *
 * @example
 * ```ts
 * const result = await checkStatus(credential, { resolveList, didResolver, documentLoader, now: clock() })
 * if (result.status !== 'pass' && result.status !== 'skipped') reject(result.code)
 * ```
 */
export async function checkStatus(
  credential: Record<string, unknown>,
  deps: CheckStatusDeps,
): Promise<StatusCheckResult> {
  assertArguments(credential, deps)
  const raw = credential.credentialStatus
  if (raw === undefined || raw === null) return summarize([])
  const rawEntries: unknown[] = Array.isArray(raw) ? raw : [raw]
  if (rawEntries.length > MAX_STATUS_ENTRIES) {
    return summarize([
      entryResult(
        {},
        'fail',
        'STATUS_ENTRY_MALFORMED',
        `A credential may have at most ${MAX_STATUS_ENTRIES} credentialStatus entries`,
      ),
    ])
  }

  const results: StatusEntryResult[] = []
  const byList = new Map<string, ListEntry[]>()
  rawEntries.forEach((rawEntry, position) => {
    const classified = classifyEntry(rawEntry, position)
    if ('status' in classified) {
      results[position] = classified
      return
    }
    const group = byList.get(classified.listUrl)
    if (group) group.push(classified)
    else byList.set(classified.listUrl, [classified])
  })

  const credentialIssuer = issuerIdOf(credential.issuer)
  await Promise.all(
    [...byList].map(async ([url, entries]) => {
      let list: LoadedList | StatusListFailure
      try {
        list = await loadStatusList(url, credentialIssuer, deps)
      } catch {
        // Every expected failure is mapped inside; this only keeps an unforeseen one from passing or escaping.
        list = failure('fail', 'STATUS_LIST_MALFORMED', `The status list ${url} could not be processed`)
      }
      for (const entry of entries) {
        results[entry.position] = list.ok
          ? readEntry(entry, list)
          : entryResult(
              { entryId: entry.entryId, purpose: entry.purpose },
              list.status,
              list.code,
              list.message,
            )
      }
    }),
  )
  return summarize(results)
}
