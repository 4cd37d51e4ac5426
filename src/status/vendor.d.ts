// Typed adapters for the untyped status list libraries: only what the status check and its tests use.

declare module '@digitalbazaar/vc-bitstring-status-list' {
  /**
   * A bitstring with left-to-right indexing (index 0 is the most significant bit of byte 0), as
   * Bitstring Status List §2.1 requires.
   */
  export class BitstringStatusList {
    /** Exactly one of `length` (a new, all-zero list, in bits) or `buffer` (the uncompressed bitstring). */
    constructor(options: { length: number } | { buffer: Uint8Array })
    /** Length in bits. */
    readonly length: number
    /** Throws when `index` is not an integer in `[0, length)`. */
    getStatus(index: number): boolean
    setStatus(index: number, status: boolean): void
    /** GZIP + base64url, with the multibase `u` prefix: the `encodedList` value. */
    encode(): Promise<string>
  }
  export function createList(options: { length: number }): Promise<BitstringStatusList>
  export function decodeList(options: { encodedList: string }): Promise<BitstringStatusList>
}

declare module '@digitalbazaar/vc' {
  // A second overload: the status check checks the validity window itself (to tell "expired" from "bad
  // proof"), so it must be able to pass `maxClockSkew`.
  export function verifyCredential(options: {
    credential: Record<string, unknown>
    suite: unknown
    documentLoader: (url: string) => Promise<{ documentUrl: string; document: unknown; contextUrl: null }>
    now?: Date
    maxClockSkew?: number
  }): Promise<{
    verified: boolean
    error?: Error & { errors?: Error[] }
    results?: Array<{ verified: boolean; error?: Error }>
  }>
}
