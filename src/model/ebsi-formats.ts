/**
 * The string formats the EBSI EDC schema uses, for its compiled validator: ajv-formats' full checks, with
 * `uri` remembering the strings it accepted.
 */
import { fullFormats } from 'ajv-formats/dist/formats.js'

type UriCheck = (value: string) => boolean

/**
 * A scheme, a colon and then only unreserved characters and colons: the shape of `urn:uuid:…`, `urn:epass:…`
 * and `did:key:…`, each new in every credential. RFC 3986 reads any such string as a scheme and a rootless
 * path of `pchar`s, so the full expression accepts it too; testing this one first spares it.
 */
const SIMPLE_URI = /^[a-z][a-z0-9+.-]*:[a-z0-9._~:-]+$/i

/**
 * ajv-formats' full `uri` check, remembering the strings it accepted. A credential holds a few hundred URIs,
 * nearly all of them the course's and the code lists' own, which repeat in every credential of a cohort; the
 * full RFC 3986 expression on each was a tenth of the cost of issuing.
 */
function memoizedUri(): UriCheck {
  const check = fullFormats.uri as UriCheck
  const accepted = new Set<string>()
  return (value) => {
    if (accepted.has(value) || SIMPLE_URI.test(value)) return true
    if (!check(value)) return false
    if (accepted.size >= 8192) accepted.clear()
    accepted.add(value)
    return true
  }
}

export const ebsiFormats: typeof fullFormats = { ...fullFormats, uri: memoizedUri() }
