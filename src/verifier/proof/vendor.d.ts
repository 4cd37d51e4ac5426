// Typed adapters for the parts of the Digital Bazaar Data Integrity libraries the proof check uses beyond
// what issuing declares (src/issuer/vendor.d.ts): presentation verification, custom proof purposes, and
// direct proof verification for proof chains.

declare module '@digitalbazaar/vc' {
  /** A jsonld-signatures proof purpose, structurally: what `jsigs.verify` and `jsigs.sign` call. */
  export interface ProofPurposeLike {
    match(
      proof: Record<string, unknown>,
      options: { document: unknown; documentLoader: unknown },
    ): Promise<boolean>
    validate(
      proof: Record<string, unknown>,
      options: {
        document: unknown
        suite: unknown
        verificationMethod: Record<string, unknown>
        documentLoader: unknown
      },
    ): Promise<{ valid: boolean; error?: Error }>
    update(
      proof: Record<string, unknown>,
      options: { document: unknown; suite: unknown; documentLoader: unknown },
    ): Promise<Record<string, unknown>>
  }

  /** One proof's outcome in `results` (jsonld-signatures `ProofSet.verify`). */
  export interface ProofResult {
    proof?: Record<string, unknown>
    verified: boolean
    verificationMethod?: Record<string, unknown>
    error?: unknown
    purposeResult?: unknown
  }

  type Loader = (url: string) => Promise<{ documentUrl: string; document: unknown; contextUrl: null }>

  // `purpose` is required in these overloads so that calls without one keep resolving to the declarations
  // in src/issuer/vendor.d.ts and src/status/vendor.d.ts.
  export function issue(options: {
    credential: Record<string, unknown>
    suite: unknown
    purpose: ProofPurposeLike
    documentLoader: Loader
    now?: Date
  }): Promise<Record<string, unknown>>

  export function verifyCredential(options: {
    credential: Record<string, unknown>
    suite: unknown
    purpose: ProofPurposeLike
    documentLoader: Loader
    now?: Date
    maxClockSkew?: number
    checkStatus?: (options: unknown) => Promise<{ verified: boolean }>
  }): Promise<{ verified: boolean; error?: unknown; results?: ProofResult[] }>

  /**
   * Verifies a presentation's proof and (always) each embedded credential. NB: the library returns its
   * internal promise without awaiting it inside its try block, so a malformed presentation REJECTS instead
   * of resolving to `verified: false`: callers must catch.
   */
  export function verify(options: {
    presentation: Record<string, unknown>
    suite: unknown
    presentationPurpose?: ProofPurposeLike
    challenge?: string
    domain?: string
    documentLoader: Loader
    now?: Date
    maxClockSkew?: number
    checkStatus?: (options: unknown) => Promise<{ verified: boolean }>
  }): Promise<{
    verified: boolean
    error?: unknown
    presentationResult?: { verified: boolean; results?: ProofResult[]; error?: unknown }
    credentialResults?: Array<{ verified: boolean }>
  }>

  export function signPresentation(options: {
    presentation: Record<string, unknown>
    suite: unknown
    purpose?: ProofPurposeLike
    challenge?: string
    domain?: string
    documentLoader: Loader
  }): Promise<Record<string, unknown>>
}

declare module '@digitalbazaar/data-integrity' {
  export interface DataIntegrityProof {
    /** Verifies one proof against `document` as given (the caller decides which proofs it contains). */
    verifyProof(options: {
      proof: Record<string, unknown>
      document: Record<string, unknown>
      purpose: unknown
      proofSet: Record<string, unknown>[]
      documentLoader: (url: string) => Promise<{ documentUrl: string; document: unknown; contextUrl: null }>
    }): Promise<{ verified: boolean; verificationMethod?: Record<string, unknown>; error?: unknown }>
    /** Creates one proof over `document` as given (used to build proof chains). */
    createProof(options: {
      document: Record<string, unknown>
      purpose: unknown
      proofSet: Record<string, unknown>[]
      documentLoader: (url: string) => Promise<{ documentUrl: string; document: unknown; contextUrl: null }>
    }): Promise<Record<string, unknown>>
  }
}
