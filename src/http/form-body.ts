/**
 * HTML form bodies of the pages: `application/x-www-form-urlencoded`, and `multipart/form-data` for the
 * verify page's file field. The body is read whole, within a limit, by Express's raw parser; the multipart
 * reader here only splits parts, and refuses more parts than any of our forms has.
 */
import { PROBLEM_BASE } from '../errors.js'
import { HttpProblem } from './problem.js'

export interface FormFile {
  filename: string
  contentType: string
  data: Buffer
}

export interface FormBody {
  fields: Map<string, string>
  files: Map<string, FormFile>
}

/** More parts than any page form has; a body with more is refused. */
const MAX_PARTS = 16

/** The media types a page form is sent as. */
export const FORM_MEDIA_TYPES = ['application/x-www-form-urlencoded', 'multipart/form-data']

function badForm(message: string): HttpProblem {
  return new HttpProblem(400, 'ERR_BAD_REQUEST', `${PROBLEM_BASE}BAD_REQUEST`, message)
}

/** A `name="value"` (or unquoted) parameter of a header value. */
function parameter(header: string, name: string): string | undefined {
  const match = new RegExp(`(?:^|;)\\s*${name}\\s*=\\s*(?:"((?:[^"\\\\]|\\\\.)*)"|([^;\\s]*))`, 'i').exec(
    header,
  )
  if (!match) return undefined
  return match[1] !== undefined ? match[1].replace(/\\(.)/g, '$1') : match[2]
}

function parseMultipart(body: Buffer, boundary: string): FormBody {
  const form: FormBody = { fields: new Map(), files: new Map() }
  const delimiter = Buffer.from(`--${boundary}`, 'latin1')
  let at = body.indexOf(delimiter)
  if (at < 0) throw badForm('The form body has no parts')
  for (let parts = 0; ; parts++) {
    at += delimiter.length
    // `--` after a delimiter closes the body.
    if (body[at] === 0x2d && body[at + 1] === 0x2d) return form
    if (parts >= MAX_PARTS) throw badForm(`A form has at most ${MAX_PARTS} parts`)
    const headersEnd = body.indexOf('\r\n\r\n', at, 'latin1')
    const next = body.indexOf(Buffer.from(`\r\n--${boundary}`, 'latin1'), at)
    if (headersEnd < 0 || next < 0 || headersEnd > next) throw badForm('A form part is cut short')
    const headers = body.subarray(at, headersEnd).toString('utf8').split('\r\n')
    const content = body.subarray(headersEnd + 4, next)
    const disposition = headers.find((h) => /^content-disposition:/i.test(h))?.replace(/^[^:]*:/, '') ?? ''
    const name = parameter(disposition, 'name')
    if (name !== undefined) {
      const filename = parameter(disposition, 'filename')
      if (filename !== undefined) {
        const type = headers
          .find((h) => /^content-type:/i.test(h))
          ?.replace(/^[^:]*:/, '')
          .trim()
        form.files.set(name, { filename, contentType: type ?? 'application/octet-stream', data: content })
      } else {
        form.fields.set(name, content.toString('utf8'))
      }
    }
    at = next + 2
  }
}

/** The fields (and files) of a form body read by `express.raw`; an empty or absent body has none. */
export function parseFormBody(contentType: string | undefined, body: unknown): FormBody {
  const empty: FormBody = { fields: new Map(), files: new Map() }
  if (!Buffer.isBuffer(body) || body.length === 0) return empty
  const type = (contentType ?? '').split(';')[0]?.trim().toLowerCase()
  if (type === 'application/x-www-form-urlencoded') {
    return { fields: new Map(new URLSearchParams(body.toString('utf8'))), files: new Map() }
  }
  if (type === 'multipart/form-data') {
    const boundary = parameter(contentType ?? '', 'boundary')
    if (boundary === undefined || boundary === '' || boundary.length > 200) {
      throw badForm('A multipart form needs its boundary')
    }
    return parseMultipart(body, boundary)
  }
  return empty
}
