/**
 * `did:key` for Ed25519 and P-256 Multikeys (W3C CCG did:key v0.9): the DID is the public key, so the
 * document is derived, never fetched.
 */
import type { DIDDocument } from 'did-resolver'
import { InvalidDidError } from '../errors.js'
import { algorithmOfMultibase } from '../signing/public-key.js'
import { DID_CONTEXT_V1, MULTIKEY_CONTEXT_V1 } from './constants.js'

const DID_KEY = /^did:key:(z[1-9A-HJ-NP-Za-km-z]+)$/

/** The did:key of a public key, and the DID URL of its single verification method. */
export function didKeyFromMultibase(publicKeyMultibase: string): { did: string; kid: string } {
  algorithmOfMultibase(publicKeyMultibase)
  const did = `did:key:${publicKeyMultibase}`
  return { did, kid: `${did}#${publicKeyMultibase}` }
}

/** The `publicKeyMultibase` inside a did:key, or {@link InvalidDidError}. */
export function multibaseOfDidKey(did: string): string {
  const match = DID_KEY.exec(did)
  if (!match?.[1]) throw new InvalidDidError(`Not a did:key: ${did}`)
  algorithmOfMultibase(match[1])
  return match[1]
}

/** The DID document of a did:key (Multikey verification method, every relationship). */
export function didKeyDocument(did: string): DIDDocument {
  const publicKeyMultibase = multibaseOfDidKey(did)
  const vmId = `${did}#${publicKeyMultibase}`
  return {
    '@context': [DID_CONTEXT_V1, MULTIKEY_CONTEXT_V1],
    id: did,
    verificationMethod: [{ id: vmId, type: 'Multikey', controller: did, publicKeyMultibase }],
    authentication: [vmId],
    assertionMethod: [vmId],
    capabilityInvocation: [vmId],
    capabilityDelegation: [vmId],
  }
}
