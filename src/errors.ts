/**
 * Typed errors with stable codes.
 *
 * One class per failure, each with a stable `code` and a problem `type` URL (RFC 9457). Callers switch on
 * `err.code` (see {@link AnyMicrocredError}); nothing in microcred classifies an error by its message text.
 * Verification of a bad credential is a *result*, never one of these exceptions.
 */

/** Base URL for problem types that are our own extensions (RFC 9457 §3.1: dereferenceable is optional). */
export const PROBLEM_BASE = 'https://microcred.eu/problems#'
const VCDM = 'https://www.w3.org/TR/vc-data-model#'

/** Every stable error code microcred throws. */
export type ErrorCode =
  | 'ERR_CONFIG_INVALID'
  | 'ERR_USAGE'
  | 'ERR_VALIDATION'
  | 'ERR_NOT_FOUND'
  | 'ERR_GONE'
  | 'ERR_NOT_INITIALIZED'
  | 'ERR_STORAGE_CONFLICT'
  | 'ERR_STORAGE'
  | 'ERR_STORAGE_UNREACHABLE'
  | 'ERR_KEY_NOT_FOUND'
  | 'ERR_KEY_UNSUPPORTED'
  | 'ERR_KEY_FILE'
  | 'ERR_DOCUMENT_NOT_FOUND'
  | 'ERR_DID_UNSUPPORTED'
  | 'ERR_DID_INVALID'
  | 'ERR_DID_RESOLUTION'
  | 'ERR_VC_PARSE'
  | 'ERR_VC_MALFORMED'
  | 'ERR_MICROCREDENTIAL_INCOMPLETE'
  | 'ERR_SIGNING'
  | 'ERR_STATUS_UNSUPPORTED'
  | 'ERR_STATUS_TRANSITION'
  | 'ERR_STATUS_RETRIEVAL'
  | 'ERR_AUTH_MISSING'
  | 'ERR_AUTH_FORBIDDEN'
  | 'ERR_RATE_LIMITED'
  | 'ERR_BATCH_BUSY'
  | 'ERR_BATCH_INVALID'
  | 'ERR_ILA_IMPORT_REFUSED'
  | 'ERR_ADDRESS_NOT_ALLOWED'

/** One entry of a validation failure: the field (JSON pointer or dotted path) and the rule it broke. */
export interface FieldProblem {
  /** Where: a JSON pointer such as `/learningOutcomes/0/title`, or a CLI flag such as `--country`. */
  field: string
  /** Which rule: a short, stable keyword such as `required`, `format`, `enum`, `pattern`. */
  rule: string
  /** Human explanation, safe to show to the caller (never contains secrets). */
  message: string
}

/** Base class. `code` is stable; `public` says whether `message` may be returned to a remote caller. */
export abstract class MicrocredError extends Error {
  abstract readonly code: ErrorCode
  /** RFC 9457 `type`. */
  abstract readonly type: string
  /** HTTP status when this error ends a request. */
  readonly status: number = 500
  /** When true the message is written for the caller and may be sent as `detail`. */
  readonly public: boolean = true

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = this.constructor.name
  }
}

export class ConfigError extends MicrocredError {
  readonly code = 'ERR_CONFIG_INVALID'
  readonly type = `${PROBLEM_BASE}CONFIG_INVALID`
  constructor(
    message: string,
    readonly problems: FieldProblem[] = [],
  ) {
    super(message)
  }
}

/** The command line or an API call was used the wrong way (exit code 2 in the CLI). */
export class UsageError extends MicrocredError {
  readonly code = 'ERR_USAGE'
  readonly type = `${PROBLEM_BASE}USAGE`
  override readonly status = 400
}

/** Input refused: each problem names the field and the rule. Nothing was written. */
export class ValidationError extends MicrocredError {
  readonly code = 'ERR_VALIDATION'
  readonly type = `${VCDM}MALFORMED_VALUE_ERROR`
  override readonly status = 400
  constructor(
    message: string,
    readonly problems: FieldProblem[],
  ) {
    super(message)
  }
}

export class NotFoundError extends MicrocredError {
  readonly code = 'ERR_NOT_FOUND'
  readonly type = `${PROBLEM_BASE}NOT_FOUND`
  override readonly status = 404
}

/** The resource existed but its content was erased for good (a learner's personal data). */
export class GoneError extends MicrocredError {
  readonly code = 'ERR_GONE'
  readonly type = `${PROBLEM_BASE}GONE`
  override readonly status = 410
}

/** The home folder has no database or keys yet: run `microcred init`. */
export class NotInitializedError extends MicrocredError {
  readonly code = 'ERR_NOT_INITIALIZED'
  readonly type = `${PROBLEM_BASE}NOT_INITIALIZED`
  override readonly status = 503
}

/** A unique constraint was hit: the thing already exists. */
export class StorageConflictError extends MicrocredError {
  readonly code = 'ERR_STORAGE_CONFLICT'
  readonly type = `${PROBLEM_BASE}STORAGE_CONFLICT`
  override readonly status = 409
}

/** Any other storage failure; the driver error is kept as `cause`, never shown to callers. */
export class StorageError extends MicrocredError {
  readonly code = 'ERR_STORAGE'
  readonly type = `${PROBLEM_BASE}STORAGE`
  override readonly public = false
}

export class StorageUnreachableError extends MicrocredError {
  readonly code = 'ERR_STORAGE_UNREACHABLE'
  readonly type = `${PROBLEM_BASE}STORAGE_UNREACHABLE`
  override readonly status = 503
}

export class KeyNotFoundError extends MicrocredError {
  readonly code = 'ERR_KEY_NOT_FOUND'
  readonly type = `${PROBLEM_BASE}KEY_NOT_FOUND`
  override readonly status = 404
}

/** A key type or algorithm we do not support (fail closed). */
export class UnsupportedKeyError extends MicrocredError {
  readonly code = 'ERR_KEY_UNSUPPORTED'
  readonly type = `${PROBLEM_BASE}KEY_UNSUPPORTED`
  override readonly status = 400
}

/** A private key file is missing, unreadable, or too widely readable. The path is in the message, never the key. */
export class KeyFileError extends MicrocredError {
  readonly code = 'ERR_KEY_FILE'
  readonly type = `${PROBLEM_BASE}KEY_FILE`
  override readonly public = false
}

/** The document loader refused a URL: not bundled and not allowed (fail closed). */
export class DocumentNotFoundError extends MicrocredError {
  readonly code = 'ERR_DOCUMENT_NOT_FOUND'
  readonly type = `${PROBLEM_BASE}DOCUMENT_NOT_FOUND`
  override readonly status = 400
  constructor(readonly url: string) {
    super(`Document not available offline and not allowed: ${url}`)
  }
}

/** A DID method we do not resolve (fail closed). */
export class UnsupportedDidMethodError extends MicrocredError {
  readonly code = 'ERR_DID_UNSUPPORTED'
  readonly type = `${PROBLEM_BASE}DID_UNSUPPORTED`
  override readonly status = 400
}

export class InvalidDidError extends MicrocredError {
  readonly code = 'ERR_DID_INVALID'
  readonly type = `${PROBLEM_BASE}DID_INVALID`
  override readonly status = 400
}

/** Why a DID document could not be retrieved; stable, so callers and tests never read the message. */
export type DidResolutionReason =
  /** The document URL's host is not allowed (a private, loopback or link-local address without an allowance). */
  | 'refused'
  /** The connection failed (DNS, TCP, TLS). */
  | 'network'
  | 'timeout'
  /** The answer was neither 2xx nor "not found". */
  | 'http-status'
  /** A redirect to a URL that is not allowed, or too many redirects. */
  | 'redirect'
  /** The body exceeded the size limit. */
  | 'too-large'

/**
 * A DID document could not be retrieved (DID Resolution `INTERNAL_ERROR`-like: says nothing about the DID). A
 * verifier maps it to an `indeterminate` result, never to a pass or a fail.
 */
export class DidResolutionError extends MicrocredError {
  readonly code = 'ERR_DID_RESOLUTION'
  readonly type = `${PROBLEM_BASE}DID_RESOLUTION`
  override readonly status = 502
  constructor(
    message: string,
    readonly did: string,
    readonly reason: DidResolutionReason,
    options?: { cause?: unknown },
  ) {
    super(message, options)
  }
}

export class CredentialParseError extends MicrocredError {
  readonly code = 'ERR_VC_PARSE'
  readonly type = `${VCDM}PARSING_ERROR`
  override readonly status = 400
}

export class MalformedCredentialError extends MicrocredError {
  readonly code = 'ERR_VC_MALFORMED'
  readonly type = `${VCDM}MALFORMED_VALUE_ERROR`
  override readonly status = 400
  constructor(
    message: string,
    readonly problems: FieldProblem[] = [],
    options?: { cause?: unknown },
  ) {
    super(message, options)
  }
}

/** A micro-credential lacks mandatory Annex I elements; `missing` lists exactly which. */
export class IncompleteMicrocredentialError extends MicrocredError {
  readonly code = 'ERR_MICROCREDENTIAL_INCOMPLETE'
  readonly type = `${PROBLEM_BASE}MICROCREDENTIAL_INCOMPLETE`
  override readonly status = 422
  constructor(
    message: string,
    readonly missing: FieldProblem[],
  ) {
    super(message)
  }
}

export class SigningError extends MicrocredError {
  readonly code = 'ERR_SIGNING'
  readonly type = `${PROBLEM_BASE}SIGNING`
  override readonly public = false
}

/** Why a status list could not be retrieved; stable, so callers and tests never read the message. */
export type StatusRetrievalReason =
  /** The URL's scheme or host is not allowed (plain `http:` without an explicit allowance, credentials in the URL). */
  | 'refused'
  /** The connection failed (DNS, TCP, TLS). */
  | 'network'
  | 'timeout'
  /** The answer was not 2xx (or a 304 nobody asked for). */
  | 'http-status'
  /** A redirect to a URL that is not allowed, or too many redirects. */
  | 'redirect'
  /** The body exceeded the size limit. */
  | 'too-large'
  /** The body is neither a compact JWS nor JSON. */
  | 'content'

/**
 * A status list credential could not be fetched (Bitstring Status List §3.5 `STATUS_RETRIEVAL_ERROR`). A
 * status check maps it to an `indeterminate` result, never to a pass.
 */
export class StatusRetrievalError extends MicrocredError {
  readonly code = 'ERR_STATUS_RETRIEVAL'
  readonly type = 'https://www.w3.org/ns/credentials/status-list#STATUS_RETRIEVAL_ERROR'
  override readonly status = 502
  constructor(
    message: string,
    readonly url: string,
    readonly reason: StatusRetrievalReason,
    options?: { cause?: unknown },
  ) {
    super(message, options)
  }
}

/**
 * The credential has no status entry for the purpose a change needs (e.g. suspending a credential issued
 * without a suspension entry): its status cannot be changed that way.
 */
export class StatusNotSupportedError extends MicrocredError {
  readonly code = 'ERR_STATUS_UNSUPPORTED'
  readonly type = `${PROBLEM_BASE}STATUS_UNSUPPORTED`
  override readonly status = 422
}

/** A status change the credential's current status forbids: a revoked credential stays as it is. */
export class StatusTransitionError extends MicrocredError {
  readonly code = 'ERR_STATUS_TRANSITION'
  readonly type = `${PROBLEM_BASE}STATUS_TRANSITION`
  override readonly status = 409
}

/** A protected route was called without a valid bearer token (missing, malformed, unknown or revoked). */
export class AuthenticationError extends MicrocredError {
  readonly code = 'ERR_AUTH_MISSING'
  readonly type = `${PROBLEM_BASE}AUTH_MISSING`
  override readonly status = 401
}

/** The bearer token is valid but lacks the scope the route needs. */
export class ForbiddenError extends MicrocredError {
  readonly code = 'ERR_AUTH_FORBIDDEN'
  readonly type = `${PROBLEM_BASE}AUTH_FORBIDDEN`
  override readonly status = 403
}

/** A client sent more requests than the public rate limit allows; the response says when to retry. */
export class RateLimitedError extends MicrocredError {
  readonly code = 'ERR_RATE_LIMITED'
  readonly type = `${PROBLEM_BASE}RATE_LIMITED`
  override readonly status = 429
}

/** The client's address is not on the allow-list of a route restricted by address (`metrics.allowFrom`). */
export class AddressNotAllowedError extends MicrocredError {
  readonly code = 'ERR_ADDRESS_NOT_ALLOWED'
  readonly type = `${PROBLEM_BASE}ADDRESS_NOT_ALLOWED`
  override readonly status = 403
}

/** Another runner holds the batch (its lease has not expired): resume it later, or let that runner finish. */
export class BatchBusyError extends MicrocredError {
  readonly code = 'ERR_BATCH_BUSY'
  readonly type = `${PROBLEM_BASE}BATCH_BUSY`
  override readonly status = 409
}

/**
 * A batch file with rows that cannot be issued: nothing was stored or issued. `problems` name each row and
 * field (`rows/<n>/<field>`), up to a limit; `invalidRows` counts them all.
 */
export class InvalidBatchError extends MicrocredError {
  readonly code = 'ERR_BATCH_INVALID'
  readonly type = `${PROBLEM_BASE}BATCH_INVALID`
  override readonly status = 422

  constructor(
    message: string,
    readonly problems: FieldProblem[],
    readonly invalidRows: number,
  ) {
    super(message)
  }
}

/**
 * An ILA import file with rows that cannot be imported, refused whole: nothing was written. `problems` name
 * each row and field (`rows/<n>/<field>`), up to a limit; `invalidRows` counts the rejected rows, and
 * `rejectedRows` lists their numbers (up to a limit). Importing with `partial` writes the valid rows instead.
 */
export class IlaImportRefusedError extends MicrocredError {
  readonly code = 'ERR_ILA_IMPORT_REFUSED'
  readonly type = `${PROBLEM_BASE}ILA_IMPORT_REFUSED`
  override readonly status = 422

  constructor(
    message: string,
    readonly problems: FieldProblem[],
    readonly invalidRows: number,
    readonly rejectedRows: number[],
  ) {
    super(message)
  }
}

/** Discriminated union of every error class: `switch (err.code)` narrows it. */
export type AnyMicrocredError =
  | ConfigError
  | UsageError
  | ValidationError
  | NotFoundError
  | GoneError
  | NotInitializedError
  | StorageConflictError
  | StorageError
  | StorageUnreachableError
  | KeyNotFoundError
  | UnsupportedKeyError
  | KeyFileError
  | DocumentNotFoundError
  | UnsupportedDidMethodError
  | InvalidDidError
  | DidResolutionError
  | CredentialParseError
  | MalformedCredentialError
  | IncompleteMicrocredentialError
  | SigningError
  | StatusRetrievalError
  | StatusNotSupportedError
  | StatusTransitionError
  | AuthenticationError
  | ForbiddenError
  | RateLimitedError
  | BatchBusyError
  | InvalidBatchError
  | IlaImportRefusedError
  | AddressNotAllowedError

/** True when `err` is one of ours (narrowed to the union). */
export function isMicrocredError(err: unknown): err is AnyMicrocredError {
  return err instanceof MicrocredError
}
