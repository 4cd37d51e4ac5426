// Typed adapters for the Digital Bazaar multikey libraries (they ship no types). Only what microcred uses.

declare module '@digitalbazaar/ed25519-multikey' {
  export interface Ed25519Multikey {
    id?: string
    controller?: string
    type: 'Multikey'
    publicKeyMultibase: string
    publicKey: Uint8Array
    export(options?: {
      publicKey?: boolean
      secretKey?: boolean
      includeContext?: boolean
    }): Promise<Record<string, unknown>>
    verifier(): {
      id?: string
      algorithm: 'Ed25519'
      verify(input: { data: Uint8Array; signature: Uint8Array }): Promise<boolean>
    }
  }
  export function from(key: {
    publicKeyMultibase: string
    id?: string
    controller?: string
    type?: string
  }): Promise<Ed25519Multikey>
  export function fromJwk(options: {
    jwk: Record<string, unknown>
    secretKey?: boolean
    id?: string
    controller?: string
  }): Promise<Ed25519Multikey>
  export function toJwk(options: {
    keyPair: Ed25519Multikey
    secretKey?: boolean
  }): Promise<Record<string, unknown>>
}

declare module '@digitalbazaar/ecdsa-multikey' {
  export interface EcdsaMultikey {
    id?: string
    controller?: string
    type: 'Multikey'
    export(options?: {
      publicKey?: boolean
      secretKey?: boolean
      includeContext?: boolean
    }): Promise<{ publicKeyMultibase: string } & Record<string, unknown>>
    verifier(): {
      id?: string
      algorithm: string
      verify(input: { data: Uint8Array; signature: Uint8Array }): Promise<boolean>
    }
  }
  export function from(key: {
    publicKeyMultibase: string
    id?: string
    controller?: string
    type?: string
  }): Promise<EcdsaMultikey>
  export function fromJwk(options: {
    jwk: Record<string, unknown>
    secretKey?: boolean
    id?: string
    controller?: string
  }): Promise<EcdsaMultikey>
  export function toJwk(options: {
    keyPair: EcdsaMultikey
    secretKey?: boolean
  }): Promise<Record<string, unknown>>
}
