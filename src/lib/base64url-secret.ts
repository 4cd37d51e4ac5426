/**
 * Decodes a secret written as base64url (unpadded). Only the canonical spelling is accepted, so that a typo
 * in the last character cannot silently yield a different key than the one the operator copied.
 *
 * @returns the bytes, or undefined when `text` is not canonical base64url or decodes to fewer than `minBytes`.
 */
export function decodeBase64urlSecret(text: string, minBytes: number): Uint8Array | undefined {
  if (!/^[A-Za-z0-9_-]+$/.test(text)) return undefined
  const bytes = Buffer.from(text, 'base64url')
  if (bytes.toString('base64url') !== text || bytes.length < minBytes) return undefined
  return new Uint8Array(bytes)
}
