/**
 * VC-JOSE (W3C Securing Verifiable Credentials using JOSE and COSE, §3.1.1): the credential itself is the
 * JWS payload, in compact serialization, with `typ: vc+jwt` and `kid` naming the issuer's verification
 * method.
 *
 * The signature comes from the injected {@link Signer}, not from a key object, so that a KMS or HSM can sign;
 * `jose` has no hook for an external signer, so the compact form is assembled here
 * and every verification goes through `jose.compactVerify`.
 */
import { SigningError } from '../errors.js'
import type { Signer } from '../signing/key-store.js'

/** JOSE header of a VC-JOSE credential. */
export interface VcJoseHeader {
  alg: Signer['jwsAlgorithm']
  typ: 'vc+jwt'
  cty?: 'vc'
  kid: string
}

const b64url = (text: string) => Buffer.from(text, 'utf8').toString('base64url')

/** Signs `payload` (a credential or presentation as JSON) into a compact JWS. */
export async function signCompactJws(
  payload: Record<string, unknown>,
  signer: Signer,
  typ: 'vc+jwt' = 'vc+jwt',
): Promise<string> {
  const bytes = await signCompactJwsBytes(payload, signer, typ)
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1')
}

/** Characters of a base64url signature of `bytes` bytes. */
const base64urlLength = (bytes: number) => Math.ceil((bytes * 4) / 3)

/** Signature sizes (bytes) of the algorithms a signer may use: EdDSA, and ES256 in IEEE P1363 form. */
const SIGNATURE_BYTES: Readonly<Record<Signer['jwsAlgorithm'], number>> = { EdDSA: 64, ES256: 64 }

/**
 * {@link signCompactJws}, as the compact JWS's bytes (ASCII). A credential with its display images is 40-80 KB:
 * the token is written once into one buffer, signed where it lies and handed over as is (batch issuance
 * transfers it from a worker thread to storage), instead of being concatenated and copied as strings.
 */
export async function signCompactJwsBytes(
  payload: Record<string, unknown>,
  signer: Signer,
  typ: 'vc+jwt' = 'vc+jwt',
): Promise<Uint8Array> {
  const header: VcJoseHeader = { alg: signer.jwsAlgorithm, typ, cty: 'vc', kid: signer.id }
  // Node's native base64url: a JavaScript encoder costs more than the signature itself.
  const h = b64url(JSON.stringify(header))
  const p = b64url(JSON.stringify(payload))
  const inputLength = h.length + 1 + p.length
  // A buffer of its own (never a slice of Node's shared pool), so that it can be transferred.
  const token = Buffer.allocUnsafeSlow(
    inputLength + 1 + base64urlLength(SIGNATURE_BYTES[signer.jwsAlgorithm]),
  )
  token.write(h, 0, 'latin1')
  token[h.length] = DOT
  token.write(p, h.length + 1, 'latin1')
  const signature = Buffer.from(await signer.sign({ data: token.subarray(0, inputLength) })).toString(
    'base64url',
  )
  if (inputLength + 1 + signature.length !== token.length) {
    throw new SigningError(`A ${signer.jwsAlgorithm} signature of an unexpected size`)
  }
  token[inputLength] = DOT
  token.write(signature, inputLength + 1, 'latin1')
  return new Uint8Array(token.buffer, token.byteOffset, token.length)
}

const DOT = 0x2e

/** Secures a VC 2.0 credential as a compact `vc+jwt`. */
export function secureWithJose(credential: Record<string, unknown>, signer: Signer): Promise<string> {
  return signCompactJws(credential, signer, 'vc+jwt')
}
