/**
 * The one error middleware of the HTTP service: every failure becomes `application/problem+json` (RFC 9457)
 * built from the error's `code`, `type` and `status`. `detail` is sent only for errors marked public; anything
 * unexpected becomes a generic 500 that says nothing about its cause.
 */
import { STATUS_CODES } from 'node:http'
import type { ErrorRequestHandler, RequestHandler, Response } from 'express'
import { isMicrocredError, PROBLEM_BASE, type FieldProblem } from '../errors.js'

const VCDM = 'https://www.w3.org/TR/vc-data-model#'
const VCALM = 'https://www.w3.org/TR/vcalm#'

/** The body of every error response. */
export interface ProblemBody {
  type: string
  title: string
  status: number
  detail?: string
  code: string
  instance?: string
  /** For refused input: each field and the rule it broke. */
  problems?: FieldProblem[]
  /** For a refused batch file: how many rows are invalid (`problems` lists the first ones). */
  invalidRows?: number
}

/** Request-level failures of the HTTP layer itself, with the same shape as the core's typed errors. */
export class HttpProblem extends Error {
  readonly public = true
  constructor(
    readonly status: number,
    readonly code: string,
    readonly type: string,
    message: string,
  ) {
    super(message)
    this.name = 'HttpProblem'
  }
}

/** An `options` entry the service does not know (VCALM `UNKNOWN_OPTION_PROVIDED`). */
export function unknownOption(message: string): HttpProblem {
  return new HttpProblem(400, 'ERR_UNKNOWN_OPTION', `${VCALM}UNKNOWN_OPTION_PROVIDED`, message)
}

/** Titles of the problem types, by code; other codes take the HTTP reason phrase. */
const TITLES: Record<string, string> = {
  ERR_VC_PARSE: 'The request body could not be parsed',
  ERR_VALIDATION: 'The request body is not valid',
  ERR_VC_MALFORMED: 'Malformed value',
  ERR_UNKNOWN_OPTION: 'Unknown option',
  ERR_REQUEST_TOO_LARGE: 'The request body is too large',
  ERR_NOT_FOUND: 'Not found',
  ERR_STORAGE_UNREACHABLE: 'The database is not reachable',
  ERR_INTERNAL: 'Internal server error',
  ERR_AUTH_MISSING: 'Authentication required',
  ERR_AUTH_FORBIDDEN: 'Insufficient scope',
  ERR_RATE_LIMITED: 'Too many requests',
  ERR_ADDRESS_NOT_ALLOWED: 'Address not allowed',
}

function titleOf(code: string, status: number): string {
  return TITLES[code] ?? STATUS_CODES[status] ?? 'Error'
}

/** Sends a problem response; `instance` names the request (`urn:uuid:<request id>`). */
export function sendProblem(
  res: Response,
  problem: {
    status: number
    code: string
    type: string
    detail?: string | undefined
    problems?: readonly FieldProblem[] | undefined
    invalidRows?: number | undefined
  },
): void {
  const requestId = res.getHeader('X-Request-Id')
  const body: ProblemBody = {
    type: problem.type,
    title: titleOf(problem.code, problem.status),
    status: problem.status,
    ...(problem.detail !== undefined ? { detail: problem.detail } : {}),
    code: problem.code,
    ...(typeof requestId === 'string' ? { instance: `urn:uuid:${requestId}` } : {}),
    ...(problem.problems !== undefined ? { problems: [...problem.problems] } : {}),
    ...(problem.invalidRows !== undefined ? { invalidRows: problem.invalidRows } : {}),
  }
  res.status(problem.status).type('application/problem+json').send(JSON.stringify(body))
}

/** The error fields of a body-parser failure (`type` such as `entity.parse.failed`), when `err` is one. */
function bodyParserError(err: unknown): { type: string; status: number } | undefined {
  if (typeof err !== 'object' || err === null) return undefined
  const { type, status, expose } = err as { type?: unknown; status?: unknown; expose?: unknown }
  if (typeof type !== 'string' || typeof status !== 'number' || expose !== true) return undefined
  return { type, status }
}

/** 404 for every route nobody answered. */
export const notFoundHandler: RequestHandler = (_req, res) => {
  sendProblem(res, {
    status: 404,
    code: 'ERR_NOT_FOUND',
    type: `${PROBLEM_BASE}NOT_FOUND`,
    detail: 'No such resource',
  })
}

/** Renders every error as a problem; `log` receives unexpected ones (without request bodies). */
export function problemHandler(log: (err: unknown) => void): ErrorRequestHandler {
  return (err: unknown, _req, res, next) => {
    if (res.headersSent) {
      next(err)
      return
    }
    if (isMicrocredError(err) || err instanceof HttpProblem) {
      if (err.status >= 500) log(err)
      sendProblem(res, {
        status: err.status,
        code: err.code,
        type: err.type,
        detail: err.public ? err.message : undefined,
        // Field problems are written for the caller, like the message of a public error.
        problems: err.public && 'problems' in err && err.problems.length > 0 ? err.problems : undefined,
        invalidRows: 'invalidRows' in err ? err.invalidRows : undefined,
      })
      return
    }
    const parser = bodyParserError(err)
    if (parser?.type === 'entity.parse.failed') {
      sendProblem(res, {
        status: 400,
        code: 'ERR_VC_PARSE',
        type: `${VCDM}PARSING_ERROR`,
        detail: 'The request body is not valid JSON',
      })
      return
    }
    if (parser?.type === 'entity.too.large') {
      sendProblem(res, {
        status: 413,
        code: 'ERR_REQUEST_TOO_LARGE',
        type: `${PROBLEM_BASE}REQUEST_TOO_LARGE`,
        detail: 'The request body exceeds the size limit',
      })
      return
    }
    if (parser !== undefined && parser.status >= 400 && parser.status < 500) {
      sendProblem(res, {
        status: parser.status,
        code: 'ERR_BAD_REQUEST',
        type: `${PROBLEM_BASE}BAD_REQUEST`,
      })
      return
    }
    log(err)
    sendProblem(res, { status: 500, code: 'ERR_INTERNAL', type: `${PROBLEM_BASE}INTERNAL` })
  }
}
