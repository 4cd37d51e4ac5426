/**
 * The one JSON body parser of the service: every router that reads a JSON body takes its parser from
 * {@link jsonBody}, so size and depth limits are the same everywhere and no route can forget one.
 */
import express, { type RequestHandler } from 'express'
import { ValidationError } from '../errors.js'
import { exceedsJsonDepth } from '../lib/json-depth.js'
import { DEFAULT_MAX_DEPTH } from '../verifier/parse-input.js'

/** Deepest nesting of arrays and objects a request body may have: the verifier's own limit. */
export const MAX_BODY_DEPTH = DEFAULT_MAX_DEPTH

/** Media types read as JSON: `application/json` and every `+json` suffix (`application/ld+json`, ...). */
export const JSON_MEDIA_TYPES = ['application/json', 'application/*+json']

export interface JsonBodyOptions {
  /** Largest body in bytes; a larger one is a 413 problem. */
  limitBytes: number
  /** Deepest nesting; a deeper body is a 400 problem naming the rule `maxDepth`. Default {@link MAX_BODY_DEPTH}. */
  maxDepth?: number
}

/** An error body-parser renders as its own status (see `problem.ts`), for a charset nobody can scan. */
function unsupportedCharset(encoding: string): Error {
  return Object.assign(new Error(`Unsupported charset ${encoding}`), {
    status: 415,
    expose: true,
    type: 'charset.unsupported',
  })
}

/**
 * Middleware parsing `application/json` and `+json` bodies into `req.body`. The depth is checked on the raw
 * bytes before `JSON.parse` runs, because the parser, the schema validators and JSON-LD expansion all recurse.
 *
 * @example
 * router.post('/batches', scope('credentials:issue'), jsonBody({ limitBytes: 1024 * 1024 }), handler)
 */
export function jsonBody(options: JsonBodyOptions): RequestHandler {
  const maxDepth = options.maxDepth ?? MAX_BODY_DEPTH
  return express.json({
    limit: options.limitBytes,
    type: JSON_MEDIA_TYPES,
    verify: (_req, _res, buffer, encoding) => {
      let text: string | Uint8Array = buffer
      // UTF-8 is scanned as bytes; UTF-16 must be decoded first, its code units may contain a quote byte.
      if (encoding !== 'utf-8' && encoding !== 'utf8') {
        try {
          text = new TextDecoder(encoding).decode(buffer)
        } catch {
          throw unsupportedCharset(encoding)
        }
      }
      if (exceedsJsonDepth(text, maxDepth)) {
        const message = `The request body is nested deeper than ${maxDepth} levels`
        throw new ValidationError(message, [{ field: '', rule: 'maxDepth', message }])
      }
    },
  })
}
