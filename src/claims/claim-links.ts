/**
 * Learners' claim links: capability URLs that hand a learner their credential. A link is
 * `<publicBaseUrl>/claims/<token>` with token `<uuid>.<generation>.<mac>`, where the MAC is an HMAC-SHA256
 * of the credential id and the generation under the instance's claim-link secret.
 *
 * Nothing is stored per link: anyone holding the secret recomputes the link of any credential (a batch can
 * list the links of what it issued), and the credential's stored generation decides which link is current.
 * These functions are pure; storage and the secret file are the caller's.
 */
import { createHmac, timingSafeEqual } from 'node:crypto'
import { NotInitializedError, UsageError } from '../errors.js'

/** Bytes of a claim-link secret: the HMAC-SHA256 key length, so the key adds no weakness of its own. */
export const CLAIM_LINK_SECRET_BYTES = 32

/** What a valid claim token names. */
export interface ClaimToken {
  credentialId: string
  generation: number
}

export interface ClaimLinks {
  /**
   * Throws what {@link urlFor} would throw for want of a usable secret: lets a caller refuse before it writes
   * anything that needs a link (an issued credential whose link cannot be shown).
   */
  assertReady(): void
  /** The claim URL of a credential's link of `generation`; throws `ERR_NOT_INITIALIZED` without a secret. */
  urlFor(credentialId: string, generation: number): string
  /** The credential and generation a token names, or undefined for anything malformed or not ours. */
  parse(token: string): ClaimToken | undefined
}

export interface ClaimLinksOptions {
  /** The claim-link secret; without it no link can be made and none parses. */
  secret?: Uint8Array | undefined
  /** Links live under `${publicBaseUrl}/claims/`. */
  publicBaseUrl: string
}

const URN_UUID = 'urn:uuid:'
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/
const BASE64URL = /^[A-Za-z0-9_-]+$/
const GENERATION = /^[1-9][0-9]{0,15}$/
/** A base64url HMAC-SHA256, unpadded: 32 bytes. */
const MAC_LENGTH = 43
/** Longer tokens are refused before any work: ids are URLs or UUIDs, never kilobytes. */
const MAX_TOKEN_LENGTH = 2048

/** The first token segment: the bare UUID of a `urn:uuid:` id, else the whole id in base64url. */
function idSegment(credentialId: string): string {
  const uuid = credentialId.startsWith(URN_UUID) ? credentialId.slice(URN_UUID.length) : undefined
  return uuid !== undefined && UUID.test(uuid)
    ? uuid
    : Buffer.from(credentialId, 'utf8').toString('base64url')
}

/**
 * The ids a first segment may stand for. A base64url id can, in theory, read like a UUID, so such a segment
 * is tried both ways; the MAC tells which one was meant.
 */
function candidateIds(segment: string): string[] {
  const ids = UUID.test(segment) ? [`${URN_UUID}${segment}`] : []
  if (BASE64URL.test(segment)) {
    const bytes = Buffer.from(segment, 'base64url')
    const id = bytes.toString('utf8')
    // Only the canonical encoding of valid UTF-8 counts, so that each link has exactly one spelling.
    if (id !== '' && bytes.toString('base64url') === segment && Buffer.from(id, 'utf8').equals(bytes)) {
      ids.push(id)
    }
  }
  return ids
}

function isGeneration(value: number): boolean {
  return Number.isSafeInteger(value) && value >= 1
}

/** Builds the claim links of one instance from its secret. */
export function createClaimLinks(options: ClaimLinksOptions): ClaimLinks {
  const configured = options.secret === undefined ? undefined : Buffer.from(options.secret)
  const prefix = `${options.publicBaseUrl.replace(/\/+$/, '')}/claims/`

  const mac = (key: Buffer, credentialId: string, generation: number): string =>
    createHmac('sha256', key).update(`${credentialId}\n${generation}`, 'utf8').digest('base64url')

  const requireSecret = (): Buffer => {
    if (configured === undefined) {
      throw new NotInitializedError(
        "No claim-link secret: run 'microcred init' in the home folder, or set MICROCRED_CLAIM_LINK_SECRET",
      )
    }
    return configured
  }

  return {
    assertReady() {
      requireSecret()
    },

    urlFor(credentialId, generation) {
      const secret = requireSecret()
      if (!isGeneration(generation)) throw new UsageError(`Not a claim-link generation: ${generation}`)
      return `${prefix}${idSegment(credentialId)}.${generation}.${mac(secret, credentialId, generation)}`
    },

    parse(token) {
      const secret = configured
      if (secret === undefined || token.length > MAX_TOKEN_LENGTH) return undefined
      const parts = token.split('.')
      if (parts.length !== 3) return undefined
      const [segment, generationText, given] = parts as [string, string, string]
      if (!GENERATION.test(generationText) || given.length !== MAC_LENGTH || !BASE64URL.test(given)) {
        return undefined
      }
      const generation = Number(generationText)
      if (!isGeneration(generation)) return undefined
      const givenBytes = Buffer.from(given, 'ascii')
      for (const credentialId of candidateIds(segment)) {
        const expected = Buffer.from(mac(secret, credentialId, generation), 'ascii')
        if (timingSafeEqual(expected, givenBytes)) return { credentialId, generation }
      }
      return undefined
    },
  }
}
