/** DID documents microcred publishes for its issuers. */
import type { DIDDocument } from 'did-resolver'
import type { IssuerKeyRecord, IssuerRecord } from '../storage/storage.js'
import { DID_CONTEXT_V1, MULTIKEY_CONTEXT_V1 } from './constants.js'
import { didKeyDocument } from './did-key.js'

/**
 * The DID document of an issuer. For did:web it lists every key the issuer ever had, so that credentials
 * signed before a rotation keep verifying; the active key comes first. For did:key it is the active key's
 * derived document (each older key is its own did:key and stays resolvable by itself).
 */
export function buildIssuerDidDocument(issuer: IssuerRecord, keys: readonly IssuerKeyRecord[]): DIDDocument {
  if (issuer.didMethod === 'key') return didKeyDocument(issuer.did)
  const ordered = [...keys]
    .filter((key) => key.controller === issuer.did)
    .sort((a, b) => Number(b.active) - Number(a.active) || a.createdAt.localeCompare(b.createdAt))
  const ids = ordered.map((key) => key.kid)
  return {
    '@context': [DID_CONTEXT_V1, MULTIKEY_CONTEXT_V1],
    id: issuer.did,
    verificationMethod: ordered.map((key) => ({
      id: key.kid,
      type: 'Multikey',
      controller: issuer.did,
      publicKeyMultibase: key.publicKeyMultibase,
    })),
    authentication: ids,
    assertionMethod: ids,
  }
}
