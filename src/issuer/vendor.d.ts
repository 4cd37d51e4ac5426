// Typed adapters for the Digital Bazaar Data Integrity libraries (they ship no types). Only what microcred uses.

declare module '@digitalbazaar/vc' {
  type Loader = (url: string) => Promise<{ documentUrl: string; document: unknown; contextUrl: null }>
  export function issue(options: {
    credential: Record<string, unknown>
    suite: unknown
    documentLoader: Loader
    now?: Date
  }): Promise<Record<string, unknown>>
  export function verifyCredential(options: {
    credential: Record<string, unknown>
    suite: unknown
    documentLoader: Loader
    now?: Date
    checkStatus?: (options: unknown) => Promise<{ verified: boolean }>
  }): Promise<{
    verified: boolean
    error?: Error & { errors?: Error[] }
    results?: Array<{ verified: boolean; error?: Error }>
  }>
}

declare module '@digitalbazaar/data-integrity' {
  export class DataIntegrityProof {
    constructor(options: {
      signer?: { id: string; algorithm: string; sign(input: { data: Uint8Array }): Promise<Uint8Array> }
      cryptosuite: unknown
      date?: Date | string
    })
    verificationMethod?: string
  }
}

declare module '@digitalbazaar/eddsa-rdfc-2022-cryptosuite' {
  export const cryptosuite: { name: 'eddsa-rdfc-2022' }
}

declare module '@digitalbazaar/ecdsa-rdfc-2019-cryptosuite' {
  export const cryptosuite: { name: 'ecdsa-rdfc-2019' }
}
