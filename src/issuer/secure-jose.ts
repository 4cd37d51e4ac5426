/**
 * VC-JOSE (W3C Securing Verifiable Credentials using JOSE and COSE, §3.1.1): the credential itself is the
 * JWS payload, in compact serialization, with `typ: vc+jwt` and `kid` naming the issuer's verification
 * method.
 *
 * The signature comes from the injected {@link Signer}, not from a key object, so that a KMS or HSM can sign;
 * `jose` has no hook for an external signer, so the compact form is assembled here
 * and every verification goes through `jose.compactVerify`.
 */
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
  const header: VcJoseHeader = { alg: signer.jwsAlgorithm, typ, cty: 'vc', kid: signer.id }
  // Node's native base64url: a credential with its display images is 40-80 KB, where a JavaScript encoder
  // costs more than the signature itself.
  const signingInput = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}`
  const signature = await signer.sign({ data: Buffer.from(signingInput, 'latin1') })
  return `${signingInput}.${Buffer.from(signature).toString('base64url')}`
}

/** Secures a VC 2.0 credential as a compact `vc+jwt`. */
export function secureWithJose(credential: Record<string, unknown>, signer: Signer): Promise<string> {
  return signCompactJws(credential, signer, 'vc+jwt')
}
