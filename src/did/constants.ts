export const DID_CONTEXT_V1 = 'https://www.w3.org/ns/did/v1'
export const MULTIKEY_CONTEXT_V1 = 'https://w3id.org/security/multikey/v1'
