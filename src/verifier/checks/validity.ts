/**
 * The `validity` check: is the credential valid now, by the injected clock, with a bounded clock skew.
 *
 * Read: `validFrom` / `validUntil` (VC 2.0; ELM writes them in VC 1.1 credentials too), `issuanceDate` /
 * `expirationDate` (VC 1.1), and for VC-JOSE the JWT `nbf` / `exp` claims when a payload carries them. Each
 * start must not be after now + skew, each end not before now − skew.
 */
import { parseXsdDateTime } from '../../issuer/check-credential.js'
import { makeCheck, ownProblemType, problem, PROBLEM_TYPES } from '../problem-details.js'
import type { Check, ParsedCredential, ProblemDetails } from '../types.js'

/** Default tolerated clock difference, seconds (as `@digitalbazaar/vc`). */
export const DEFAULT_MAX_CLOCK_SKEW = 300

/**
 * Codes: `VALIDITY_OK` (pass); `VALIDITY_EXPIRED`, `VALIDITY_NOT_YET_VALID` (fail);
 * `VALIDITY_DATE_UNREADABLE` (indeterminate: a date that is not an XML Schema dateTime, so validity cannot be
 * decided; the `format` check reports the same date as malformed).
 */
export type ValidityCode =
  'VALIDITY_OK' | 'VALIDITY_EXPIRED' | 'VALIDITY_NOT_YET_VALID' | 'VALIDITY_DATE_UNREADABLE'

interface Bound {
  name: string
  kind: 'start' | 'end'
  /** Epoch ms, or undefined when unreadable. */
  ms: number | undefined
  value: unknown
}

function boundsOf(parsed: ParsedCredential): Bound[] {
  const credential = parsed.credential
  const bounds: Bound[] = []
  const dates: Array<[string, 'start' | 'end']> = [
    ['validFrom', 'start'],
    ['issuanceDate', 'start'],
    ['validUntil', 'end'],
    ['expirationDate', 'end'],
  ]
  for (const [name, kind] of dates) {
    if (!(name in credential)) continue
    const value = credential[name]
    const parsedDate = typeof value === 'string' ? parseXsdDateTime(value) : undefined
    // A dateTime without a zone is read as UTC: verification must decide, and UTC is what issuers mean.
    const ms = parsedDate === undefined || Number.isNaN(parsedDate.epochMs) ? undefined : parsedDate.epochMs
    bounds.push({ name, kind, ms, value })
  }
  if (parsed.mechanism === 'vc-jose') {
    // RFC 7519 NumericDate: seconds since the epoch.
    for (const [name, kind] of [
      ['nbf', 'start'],
      ['exp', 'end'],
    ] as const) {
      if (!(name in credential)) continue
      const value = credential[name]
      const ms = typeof value === 'number' && Number.isFinite(value) ? value * 1000 : undefined
      bounds.push({ name, kind, ms, value })
    }
  }
  return bounds
}

function iso(ms: number): string {
  const date = new Date(ms)
  return Number.isNaN(date.getTime()) ? String(ms) : date.toISOString()
}

/** Checks the validity period of a parsed credential at `now`, tolerating `maxClockSkew` seconds. */
export function checkValidity(
  parsed: ParsedCredential,
  now: Date,
  maxClockSkew = DEFAULT_MAX_CLOCK_SKEW,
): Check {
  const at = now.getTime()
  const skewMs = maxClockSkew * 1000
  const expired: ProblemDetails[] = []
  const notYet: ProblemDetails[] = []
  const unreadable: ProblemDetails[] = []
  for (const bound of boundsOf(parsed)) {
    const instance = `${parsed.pointer}/${bound.name}`
    if (bound.ms === undefined) {
      unreadable.push(
        problem(
          PROBLEM_TYPES.MALFORMED_VALUE_ERROR,
          'VALIDITY_DATE_UNREADABLE',
          `${bound.name} is not a date`,
          undefined,
          instance,
        ),
      )
    } else if (bound.kind === 'end' && at > bound.ms + skewMs) {
      expired.push(
        problem(
          ownProblemType('VALIDITY_EXPIRED'),
          'VALIDITY_EXPIRED',
          'The credential has expired',
          `${bound.name} ${iso(bound.ms)}`,
          instance,
        ),
      )
    } else if (bound.kind === 'start' && at < bound.ms - skewMs) {
      notYet.push(
        problem(
          ownProblemType('VALIDITY_NOT_YET_VALID'),
          'VALIDITY_NOT_YET_VALID',
          'The credential is not valid yet',
          `${bound.name} ${iso(bound.ms)}`,
          instance,
        ),
      )
    }
  }
  if (expired.length > 0) {
    return makeCheck(
      'validity',
      'fail',
      'VALIDITY_EXPIRED',
      `The credential expired (${expired[0]?.detail ?? ''})`,
      [...expired, ...notYet],
    )
  }
  if (notYet.length > 0) {
    return makeCheck(
      'validity',
      'fail',
      'VALIDITY_NOT_YET_VALID',
      `The credential is not valid yet (${notYet[0]?.detail ?? ''})`,
      notYet,
    )
  }
  if (unreadable.length > 0) {
    return makeCheck(
      'validity',
      'indeterminate',
      'VALIDITY_DATE_UNREADABLE',
      'A validity date cannot be read',
      unreadable,
    )
  }
  return makeCheck('validity', 'pass', 'VALIDITY_OK', 'Within its validity period')
}
