/**
 * SHACL validation of the `edc` credential form (VC 1.1 JSON-LD) against the official ELM 3.2 shapes.
 *
 * The shapes are `EDC-generic-full.ttl` (controlled-vocabulary restrictions) and `EDC-generic-no-cv.ttl`
 * (structure, cardinalities), bundled unchanged in `schemas/vendor/elm/` (provenance and licence in its
 * README). The full file declares `owl:imports` of the other, which shacl-engine does not follow: both are
 * merged into one shapes graph, as the EDC tooling does with Apache Jena.
 *
 * The RDF packages (`shacl-engine`, `n3`, `rdf-ext`) are loaded on the first validation only, and the shapes
 * are parsed and compiled once per process: verifying a credential that names no SHACL profile never loads
 * them.
 */
import { readFile } from 'node:fs/promises'
import jsonld from 'jsonld'
import type { JsonLdDocument } from 'jsonld'
import type { DatasetCore, Quad, Term } from '@rdfjs/types'
import type { PathStep, ValidationResult, Validator } from 'shacl-engine'
import type { DocumentLoader } from '../../document-loader/index.js'

/** The shape files, in `schemas/vendor/elm/`. */
export const EDC_SHAPE_FILES = ['EDC-generic-full.ttl', 'EDC-generic-no-cv.ttl'] as const

// From src/verifier/shacl/ and dist/verifier/shacl/ alike: the package's own schemas/ folder.
const SHAPES_DIR = new URL('../../../schemas/vendor/elm/', import.meta.url)

/** One SHACL result, flattened to strings (IRIs compacted with {@link PREFIXES}). */
export interface ShaclResult {
  /** The property path as a SPARQL path (`cred:issuer`, `^elm:x`, `(a|b)`, `a/b`), `''` for node shapes. */
  path: string
  message: string
  /** The shape that reported it: an IRI, or `_:…` for an anonymous property shape. */
  shape: string
  focusNode: string
  /** `sh:Violation`, `sh:Warning` or `sh:Info`. */
  severity: string
  /** The constraint component, e.g. `sh:MinCountConstraintComponent`. */
  component: string
  /** Why a nested constraint (`sh:node`, `sh:or`, ...) failed: the results inside it. */
  details: ShaclResult[]
}

/** The outcome of {@link validateEdcShacl}. */
export interface ShaclReport {
  conforms: boolean
  results: ShaclResult[]
}

/** Prefixes for readable paths and messages; anything else stays a full IRI. */
export const PREFIXES: Readonly<Record<string, string>> = {
  cred: 'https://www.w3.org/2018/credentials#',
  elm: 'http://data.europa.eu/snb/model/elm/',
  edc: 'http://data.europa.eu/snb/model/ap/edc-generic-no-cv/',
  full: 'http://data.europa.eu/snb/model/ap/edc-generic-full/',
  adms: 'http://www.w3.org/ns/adms#',
  dc: 'http://purl.org/dc/terms/',
  foaf: 'http://xmlns.com/foaf/0.1/',
  skos: 'http://www.w3.org/2004/02/skos/core#',
  rdf: 'http://www.w3.org/1999/02/22-rdf-syntax-ns#',
  sh: 'http://www.w3.org/ns/shacl#',
  xsd: 'http://www.w3.org/2001/XMLSchema#',
  locn: 'http://www.w3.org/ns/locn#',
  dcat: 'http://www.w3.org/ns/dcat#',
  org: 'http://www.w3.org/ns/org#',
  rov: 'http://www.w3.org/ns/regorg#',
  clv: 'http://data.europa.eu/m8g/',
}

/** What a validation needs from the RDF packages, once they are loaded and the shapes compiled. */
interface Engine {
  validator: Validator
  nquadsToDataset(nquads: string): DatasetCore<Quad>
}

// Parsing 4,700 shape triples and compiling them costs far more than one validation: once per process. A
// failed load is forgotten, so that the next validation tries again.
let engine: Promise<Engine> | undefined

function edcEngine(): Promise<Engine> {
  engine ??= loadEngine().catch((err: unknown) => {
    engine = undefined
    throw err
  })
  return engine
}

async function loadEngine(): Promise<Engine> {
  const [{ Parser }, { default: rdf }, { Validator }, turtles] = await Promise.all([
    import('n3'),
    import('rdf-ext'),
    import('shacl-engine'),
    Promise.all(EDC_SHAPE_FILES.map((file) => readFile(new URL(file, SHAPES_DIR), 'utf8'))),
  ])
  const shapes = rdf.dataset()
  for (const turtle of turtles) {
    for (const quad of new Parser({ format: 'text/turtle' }).parse(turtle)) shapes.add(quad)
  }
  return {
    validator: new Validator(shapes, { factory: rdf, details: true }),
    nquadsToDataset: (nquads) => rdf.dataset(new Parser({ format: 'N-Quads' }).parse(nquads)),
  }
}

// @types/jsonld lacks `safe` and types `contextUrl` as optional string; jsonld itself accepts `null`.
type ToRdfOptions = NonNullable<Parameters<typeof jsonld.toRDF>[1]>

/**
 * Validates a credential (the JSON-LD object, not a JWS envelope, and normally without its `proof`) against
 * the EDC shapes.
 *
 * JSON-LD is converted in safe mode, so a term the contexts do not define is an error (thrown by jsonld, its
 * `name` `jsonld.<Kind>`), never a silently dropped triple that the shapes could not see. Any other error
 * (the RDF packages or the shape files cannot be loaded) is thrown as is.
 *
 * @param documentLoader must serve every context offline (e.g. `createStaticDocumentLoader()`).
 */
export async function validateEdcShacl(
  credential: object,
  documentLoader: DocumentLoader,
): Promise<ShaclReport> {
  const options: ToRdfOptions & { safe: boolean } = {
    format: 'application/n-quads',
    documentLoader: documentLoader as unknown as ToRdfOptions['documentLoader'],
    safe: true,
  }
  const nquads = await jsonld.toRDF(credential as JsonLdDocument, options)
  if (typeof nquads !== 'string') throw new TypeError('jsonld.toRDF did not return N-Quads')
  const { validator, nquadsToDataset } = await edcEngine()
  const report = await validator.validate({ dataset: nquadsToDataset(nquads) })
  return { conforms: report.conforms, results: report.results.map(toShaclResult) }
}

/** Every result and nested detail, depth first: handy to look for one path anywhere in a report. */
export function flattenResults(results: readonly ShaclResult[]): ShaclResult[] {
  return results.flatMap((r) => [r, ...flattenResults(r.details)])
}

function toShaclResult(result: ValidationResult): ShaclResult {
  return {
    path: result.path === null ? '' : result.path.map(stepToString).join('/'),
    message: result.message.map((m) => m.value).join(' | '),
    shape: termToString(result.shape.ptr.term),
    focusNode: termToString(result.focusNode.term),
    severity: termToString(result.severity),
    component: termToString(result.constraintComponent),
    details: result.results.map(toShaclResult),
  }
}

function stepToString(step: PathStep): string {
  const names = step.predicates.map(termToString)
  const base = names.length === 1 ? (names[0] ?? '') : `(${names.join('|')})`
  const inverse = step.start === 'object' ? `^${base}` : base
  const suffix = { one: '', oneOrMore: '+', zeroOrMore: '*', zeroOrOne: '?' }[step.quantifier]
  return `${inverse}${suffix}`
}

function termToString(term: Term): string {
  if (term.termType === 'BlankNode') return `_:${term.value}`
  if (term.termType !== 'NamedNode') return JSON.stringify(term.value)
  for (const [prefix, iri] of Object.entries(PREFIXES)) {
    if (term.value.startsWith(iri) && term.value.length > iri.length)
      return `${prefix}:${term.value.slice(iri.length)}`
  }
  return term.value
}
