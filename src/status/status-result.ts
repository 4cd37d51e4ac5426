/**
 * The result shape of a status check: a named check (`status`) with one entry per `credentialStatus` entry.
 * Codes are stable; callers switch on them and never parse `message`.
 */

/** Outcome of a check or of one entry. `skipped` means "does not apply", never "passed". */
export type StatusCheckStatus = 'pass' | 'fail' | 'indeterminate' | 'skipped'

/**
 * Stable codes. Each comes with one status:
 *
 * | Code | Status | Meaning |
 * | --- | --- | --- |
 * | `STATUS_OK` | pass | The bit is read and not set. |
 * | `STATUS_REVOKED` | fail | `revocation` bit set. |
 * | `STATUS_SUSPENDED` | fail | `suspension` bit set. |
 * | `STATUS_NONE` | skipped | The credential has no `credentialStatus`. |
 * | `STATUS_TYPE_UNSUPPORTED` | indeterminate | An entry type other than `BitstringStatusListEntry`. |
 * | `STATUS_PURPOSE_UNSUPPORTED` | skipped / indeterminate | `refresh` (skipped) or `message` and any other purpose (indeterminate). |
 * | `STATUS_ENTRY_MALFORMED` | fail | The entry breaks a MUST of Bitstring Status List §2.1. |
 * | `STATUS_INDEX_OUT_OF_RANGE` | fail | `statusListIndex` × `statusSize` lies outside the bitstring (§3.2 RANGE_ERROR). |
 * | `STATUS_PURPOSE_MISMATCH` | fail | The entry's purpose is not one of the list's. |
 * | `STATUS_LIST_ISSUER_MISMATCH` | fail | The list's issuer is not the credential's, or signed with a key its issuer does not control. |
 * | `STATUS_LIST_PROOF_INVALID` | fail | The list's JOSE signature or Data Integrity proof does not verify. |
 * | `STATUS_LIST_MALFORMED` | fail | The list is not a well-formed `BitstringStatusListCredential` (incl. §3.2 STATUS_LIST_LENGTH_ERROR). |
 * | `STATUS_LIST_EXPIRED` | indeterminate | Now is past the list's `validUntil` / `expirationDate`. |
 * | `STATUS_LIST_NOT_YET_VALID` | indeterminate | Now is before the list's `validFrom` / `issuanceDate`. |
 * | `STATUS_LIST_UNREACHABLE` | indeterminate | The list, or the key that signed it, could not be retrieved. |
 */
export type StatusCode =
  | 'STATUS_OK'
  | 'STATUS_REVOKED'
  | 'STATUS_SUSPENDED'
  | 'STATUS_NONE'
  | 'STATUS_TYPE_UNSUPPORTED'
  | 'STATUS_PURPOSE_UNSUPPORTED'
  | 'STATUS_ENTRY_MALFORMED'
  | 'STATUS_INDEX_OUT_OF_RANGE'
  | 'STATUS_PURPOSE_MISMATCH'
  | 'STATUS_LIST_ISSUER_MISMATCH'
  | 'STATUS_LIST_PROOF_INVALID'
  | 'STATUS_LIST_MALFORMED'
  | 'STATUS_LIST_EXPIRED'
  | 'STATUS_LIST_NOT_YET_VALID'
  | 'STATUS_LIST_UNREACHABLE'

/** The outcome for one `credentialStatus` entry. */
export interface StatusEntryResult {
  /** The entry's `id`, when it has one. */
  entryId?: string
  /** The entry's `statusPurpose`, when it is a string. */
  purpose?: string
  status: StatusCheckStatus
  code: StatusCode
  message: string
  /** Whether the entry's status value is non-zero; present only when the bitstring was read. */
  set?: boolean
}

/** The status check: the worst entry decides (`fail` > `indeterminate` > `pass` > `skipped`). */
export interface StatusCheckResult {
  status: StatusCheckStatus
  code: StatusCode
  message: string
  entries: StatusEntryResult[]
}
