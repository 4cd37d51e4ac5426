/**
 * `did:web` (W3C CCG did:web): the issuer publishes a DID document at a well-known HTTPS URL, which lets it
 * keep one DID across key rotations.
 */
import { InvalidDidError } from '../errors.js'

// A DNS host name, optionally with a percent-encoded port (the did:web way of writing `host:port`).
const HOST =
  /^(?=.{1,253}(?:%3A|$))(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:%3A[0-9]{1,5})?$/i
const PATH_SEGMENT = /^[A-Za-z0-9._~-]{1,255}$/

/**
 * Turns `host[:path[:path…]]` into a did:web DID. A port must be written `%3A` as the method requires,
 * e.g. `localhost%3A8443:issuers:zed`.
 */
export function didWebFromHostPath(hostPath: string): string {
  const [host = '', ...path] = hostPath.split(':')
  if (!HOST.test(host)) {
    throw new InvalidDidError(
      `did:web host must be a DNS name, optionally with %3A<port>: ${JSON.stringify(host)}`,
    )
  }
  for (const segment of path) {
    if (!PATH_SEGMENT.test(segment)) {
      throw new InvalidDidError(
        `did:web path segment must match ${PATH_SEGMENT.source}: ${JSON.stringify(segment)}`,
      )
    }
  }
  return `did:web:${[host.toLowerCase(), ...path].join(':')}`
}

/** The HTTPS URL where the DID document of a did:web must be published. */
export function didWebDocumentUrl(did: string): string {
  if (!did.startsWith('did:web:')) throw new InvalidDidError(`Not a did:web: ${did}`)
  const [host = '', ...path] = did.slice('did:web:'.length).split(':')
  didWebFromHostPath([host, ...path].join(':'))
  const origin = `https://${decodeURIComponent(host)}`
  return path.length === 0 ? `${origin}/.well-known/did.json` : `${origin}/${path.join('/')}/did.json`
}
