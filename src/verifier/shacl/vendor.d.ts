// Typed adapters for the untyped RDF packages the EDC SHACL validation uses (validate-edc-shacl.ts). Only
// what it calls is declared, with the shapes read from the packages' sources (rdf-ext 2.6, shacl-engine
// 1.1.2). `@rdfjs/types` is types only: it stays a development dependency.

declare module 'rdf-ext' {
  import type { DataFactory, DatasetCore, DatasetCoreFactory, Quad } from '@rdfjs/types'

  /** rdf-ext's dataset: an RDF/JS DatasetCore (its extra methods are not used here). */
  export interface DatasetExt extends DatasetCore<Quad> {}

  /** The default environment: an RDF/JS data factory that can also make datasets. */
  export interface RdfExtEnvironment extends DataFactory<Quad>, DatasetCoreFactory<Quad> {
    dataset(quads?: Iterable<Quad>): DatasetExt
  }

  const rdf: RdfExtEnvironment
  export default rdf
}

declare module 'shacl-engine' {
  import type {
    BlankNode,
    DataFactory,
    DatasetCore,
    DatasetCoreFactory,
    Literal,
    NamedNode,
    Quad,
    Term,
  } from '@rdfjs/types'

  /** A grapoi pointer; only the term it points at is read. */
  export interface Pointer {
    readonly term: Term
  }

  /** One step of a parsed `sh:path` (shacl-engine `lib/parsePath.js`). */
  export interface PathStep {
    readonly quantifier: 'one' | 'oneOrMore' | 'zeroOrMore' | 'zeroOrOne'
    /** `object` for an inverse path. */
    readonly start: 'subject' | 'object'
    readonly end: 'subject' | 'object'
    /** More than one for an `sh:alternativePath`. */
    readonly predicates: readonly Term[]
  }

  export interface Shape {
    readonly ptr: Pointer
  }

  /** shacl-engine `lib/Result.js`. */
  export interface ValidationResult {
    readonly focusNode: Pointer
    /** Null for results of node shapes. */
    readonly path: readonly PathStep[] | null
    /** `sh:Violation`, `sh:Warning`, `sh:Info` (or the `shn:Debug` / `shn:Trace` extensions when enabled). */
    readonly severity: NamedNode
    readonly constraintComponent: NamedNode
    readonly shape: Shape
    /** Resolved `sh:message` literals (shape message first, else the component's default). */
    readonly message: readonly Literal[]
    readonly value?: Pointer
    /** Nested results (for `sh:node`, `sh:or`, ...), filled when the validator has `details: true`. */
    readonly results: readonly ValidationResult[]
  }

  /** shacl-engine `lib/Report.js`. */
  export interface ValidationReport {
    readonly conforms: boolean
    readonly results: readonly ValidationResult[]
    /** The report as RDF (built lazily). */
    readonly dataset: DatasetCore<Quad>
  }

  export interface ValidatorOptions {
    /** Makes the report and the internal pointers; must also create datasets. */
    factory: DataFactory<Quad> & DatasetCoreFactory<Quad>
    coverage?: boolean
    debug?: boolean
    details?: boolean
    trace?: boolean
  }

  export class Validator {
    /** Compiles every shape found in `shapes` once; reuse the instance for many validations. */
    constructor(shapes: DatasetCore<Quad>, options: ValidatorOptions)
    validate(
      data: { dataset: DatasetCore<Quad>; terms?: Iterable<NamedNode | BlankNode> },
      shapes?: Array<{ terms: Iterable<Term> }>,
    ): Promise<ValidationReport>
  }
}
