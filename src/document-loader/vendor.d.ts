// These context packages ship no type declarations. Only the export microcred reads (`contexts`) is declared,
// and its documents are typed as opaque JSON so nothing relies on their inner shape.

// ESM package with named exports.
declare module '@digitalbazaar/credentials-context' {
  /** A context document: a JSON object whose `@context` member is the context. */
  export interface ContextDocument {
    readonly '@context': unknown
  }
  /** Context URL -> document. Shared module state: read it, never change it. */
  export const contexts: ReadonlyMap<string, ContextDocument>
}

// ESM package with named exports.
declare module '@digitalbazaar/vc-bitstring-status-list-context' {
  export interface ContextDocument {
    readonly '@context': unknown
  }
  export const contexts: ReadonlyMap<string, ContextDocument>
}

// The three packages below are CommonJS (`module.exports = {...}`): from ESM only the default import is
// guaranteed by Node, so they are declared with a default export.
declare module '@digitalbazaar/data-integrity-context' {
  export interface ContextDocument {
    readonly '@context': unknown
  }
  const pkg: { readonly contexts: ReadonlyMap<string, ContextDocument> }
  export default pkg
}

declare module '@digitalbazaar/multikey-context' {
  export interface ContextDocument {
    readonly '@context': unknown
  }
  const pkg: { readonly contexts: ReadonlyMap<string, ContextDocument> }
  export default pkg
}

declare module 'did-context' {
  export interface ContextDocument {
    readonly '@context': unknown
  }
  const pkg: { readonly contexts: ReadonlyMap<string, ContextDocument> }
  export default pkg
}
