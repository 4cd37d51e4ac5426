/**
 * Bitstring Expansion Algorithm (Bitstring Status List §3.4) with a ceiling on the expanded size.
 *
 * The library's `decodeList` inflates without any limit. A status list is chosen by whoever issued the
 * credential being verified, and anyone can issue a credential with a fresh did:key and host a validly signed
 * list of a few hundred KB that expands to gigabytes. So the expansion runs through `node:zlib` with
 * `maxOutputLength`, and only the bounded result is handed to the library's `BitstringStatusList`, which keeps
 * the bit order the spec mandates (index 0 is the left-most bit).
 */
import { gunzipSync } from 'node:zlib'
import { BitstringStatusList } from '@digitalbazaar/vc-bitstring-status-list'

/**
 * Largest uncompressed bitstring accepted: 4 MiB, i.e. 33,554,432 one-bit entries, 256 times the minimum
 * list size. Larger lists are refused as malformed.
 */
export const MAX_DECODED_LIST_BYTES = 4 * 1024 * 1024

const BASE64URL_NO_PAD = /^[A-Za-z0-9_-]+$/

/** Why an `encodedList` was refused; the message is safe to show. */
export class EncodedListError extends Error {
  override readonly name = 'EncodedListError'
}

/**
 * Decodes a `u`-prefixed (multibase base64url, no padding) GZIP bitstring. Throws {@link EncodedListError}
 * for anything else, or when the expanded bitstring exceeds `maxBytes`.
 */
export function decodeEncodedList(
  encodedList: string,
  maxBytes: number = MAX_DECODED_LIST_BYTES,
): BitstringStatusList {
  if (!encodedList.startsWith('u'))
    throw new EncodedListError('encodedList must be multibase base64url (prefix "u")')
  const body = encodedList.slice(1)
  // Buffer's base64url decoder skips characters outside the alphabet; checking first keeps garbage out.
  if (!BASE64URL_NO_PAD.test(body)) throw new EncodedListError('encodedList is not base64url without padding')
  let expanded: Buffer
  try {
    expanded = gunzipSync(Buffer.from(body, 'base64url'), { maxOutputLength: maxBytes })
  } catch (cause) {
    throw new EncodedListError('encodedList is not valid GZIP data or expands beyond the size limit', {
      cause,
    })
  }
  if (expanded.length === 0) throw new EncodedListError('encodedList expands to an empty bitstring')
  // The library views `buffer.buffer` from offset 0, so the bytes must own their ArrayBuffer; a Buffer from
  // zlib may be a slice of a larger pooled one.
  return new BitstringStatusList({ buffer: new Uint8Array(expanded) })
}
