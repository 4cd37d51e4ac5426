/**
 * Streamed uploads (cohort files, ILA data): the media type decides how the body is read, and the body is
 * counted as it streams instead of being buffered, so that a file of any size costs constant memory and an
 * oversized one is refused as soon as it passes the limit.
 */
import type { Request } from 'express'
import { Transform, type Readable } from 'node:stream'
import { PROBLEM_BASE } from '../errors.js'
import { HttpProblem } from './problem.js'

function unsupportedMediaType(message: string): HttpProblem {
  return new HttpProblem(415, 'ERR_UNSUPPORTED_MEDIA_TYPE', `${PROBLEM_BASE}UNSUPPORTED_MEDIA_TYPE`, message)
}

function tooLarge(what: string, limitBytes: number): HttpProblem {
  return new HttpProblem(
    413,
    'ERR_REQUEST_TOO_LARGE',
    `${PROBLEM_BASE}REQUEST_TOO_LARGE`,
    `${what} may hold at most ${limitBytes} bytes`,
  )
}

/**
 * The format an upload is read as, from its Content-Type (`mediaTypes` maps each accepted type); any other
 * type, a charset other than UTF-8, or a compressed body is a 415 problem.
 *
 * @param what - the upload, for messages: `A batch upload`, `An ILA upload`.
 */
export function uploadFormat<F extends string>(req: Request, mediaTypes: Record<string, F>, what: string): F {
  const [type = '', ...params] = (req.get('Content-Type') ?? '').split(';').map((s) => s.trim().toLowerCase())
  const format = mediaTypes[type]
  if (format === undefined) {
    throw unsupportedMediaType(`${what} is sent as ${Object.keys(mediaTypes).join(', ')}`)
  }
  const charset = params.find((p) => p.startsWith('charset='))?.slice('charset='.length)
  if (charset !== undefined && !['utf-8', 'utf8', 'us-ascii'].includes(charset.replace(/"/g, ''))) {
    throw unsupportedMediaType(`${what} is read as UTF-8`)
  }
  const encoding = (req.get('Content-Encoding') ?? 'identity').toLowerCase()
  if (encoding !== 'identity') throw unsupportedMediaType(`${what} is not read compressed`)
  return format
}

/**
 * The request body, counted as it streams: past `limitBytes` the stream fails with a 413 problem, which ends
 * the rows being read (and so whatever was being created from them). The request itself is never destroyed,
 * so that the problem can still be sent.
 */
export function limitedBody(req: Request, limitBytes: number, what: string): Readable {
  const declared = Number(req.get('Content-Length') ?? Number.NaN)
  if (Number.isFinite(declared) && declared > limitBytes) throw tooLarge(what, limitBytes)
  let seen = 0
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      seen += chunk.length
      if (seen > limitBytes) done(tooLarge(what, limitBytes))
      else done(null, chunk)
    },
  })
  // pipe() forwards data, not failures: a client that goes away must end the rows too.
  req.once('error', (err) => counter.destroy(err))
  return req.pipe(counter)
}
