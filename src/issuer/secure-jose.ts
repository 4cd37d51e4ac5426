/**
 * VC-JOSE (W3C Securing Verifiable Credentials using JOSE and COSE, §3.1.1): the credential itself is the
 * JWS payload, in compact serialization, with `typ: vc+jwt` and `kid` naming the issuer's verification
 * method.
 *
 * The signature comes from the injected {@link Signer}, not from a key object, so that a KMS or HSM can sign;
 * `jose` has no hook for an external signer, so the compact form is assembled here (with `jose`'s base64url)
 * and every verification goes through `jose.compactVerify`.
 */
import { base64url } from 'jose'
import type { Signer } from '../signing/key-store.js'

/** JOSE header of a VC-JOSE credential. */
export interface VcJoseHeader {
  alg: Signer['jwsAlgorithm']
  typ: 'vc+jwt'
  cty?: 'vc'
  kid: string
}

const encoder = new TextEncoder()

/** Signs `payload` (a credential or presentation as JSON) into a compact JWS. */
export async function signCompactJws(
  payload: Record<string, unknown>,
  signer: Signer,
  typ: 'vc+jwt' = 'vc+jwt',
): Promise<string> {
  const header: VcJoseHeader = { alg: signer.jwsAlgorithm, typ, cty: 'vc', kid: signer.id }
  const signingInput = `${base64url.encode(JSON.stringify(header))}.${base64url.encode(JSON.stringify(payload))}`
  const signature = await signer.sign({ data: encoder.encode(signingInput) })
  return `${signingInput}.${base64url.encode(signature)}`
}

/** Secures a VC 2.0 credential as a compact `vc+jwt`. */
export function secureWithJose(credential: Record<string, unknown>, signer: Signer): Promise<string> {
  return signCompactJws(credential, signer, 'vc+jwt')
}
