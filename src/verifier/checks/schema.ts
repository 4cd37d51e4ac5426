/**
 * The `schema` check: the credential against the schemas its `credentialSchema` names, when microcred
 * bundles them. Schemas are never fetched (a schema served at verification time could say anything).
 *
 * - EBSI's "Europass EDC credential" JSON Schema (the `elm` form), named by its Trusted Schemas Registry URL
 *   on the pilot or conformance network, by multibase or `0x` hex id: validated with the bundled copy
 *   ({@link validateEbsiEdc}). The schema closes `credentialStatus` to EBSI's own status types, so a credential
 *   that fails only there (W3C Bitstring Status List entries) passes with the documented deviation
 *   `SCHEMA_STATUS_DEVIATION` as a warning.
 * - The EDC SHACL profile (`ShaclValidator2017`, `http://data.europa.eu/snb/model/ap/edc-generic-full`, the
 *   `edc` form), on a VC 1.1 credential: the credential graph (without its `proof`) is validated with the
 *   bundled official shapes ({@link validateEdcShacl}). The shapes allow one `credentialStatus`; a credential
 *   whose only violations are that `maxCount` (a revocation and a suspension entry) passes with the
 *   documented deviation `SCHEMA_STATUS_DEVIATION` as a warning. On a VC 2.0 credential the profile cannot
 *   run (the ELM context does not expand under v2): `indeterminate`, `SCHEMA_UNSUPPORTED`.
 * - Anything else, including another `ShaclValidator2017` id: `indeterminate`, `SCHEMA_UNSUPPORTED` (never a
 *   silent pass).
 */
import type { DocumentLoader } from '../../document-loader/index.js'
import { jsonLdProblemOf } from '../../issuer/check-credential.js'
import { EDC_SHACL_SCHEMA_ID } from '../../model/build-microcredential.js'
import { isEbsiEdcSchemaUrl, validateEbsiEdc } from '../../model/ebsi-schema.js'
import {
  fieldProblemsToProblems,
  isRecord,
  makeCheck,
  ownProblemType,
  problem,
  PROBLEM_TYPES,
  typesOf,
} from '../problem-details.js'
import { validateEdcShacl, type ShaclReport, type ShaclResult } from '../shacl/validate-edc-shacl.js'
import type { Check, CheckStatus, ParsedCredential, ProblemDetails } from '../types.js'
import { bundledOnly } from './context.js'

/**
 * Codes: `SCHEMA_OK` (pass); `SCHEMA_INVALID` (fail: the JSON Schema); `SCHEMA_SHACL_VIOLATION` (fail: the
 * SHACL shapes, or the credential cannot be converted to RDF in JSON-LD safe mode); `SCHEMA_UNSUPPORTED`
 * (indeterminate: a schema microcred does not bundle, or a type it does not run); `SCHEMA_NONE` (skipped: no
 * `credentialSchema`). `SCHEMA_STATUS_DEVIATION` is a warning on a pass.
 */
export type SchemaCode =
  | 'SCHEMA_OK'
  | 'SCHEMA_INVALID'
  | 'SCHEMA_SHACL_VIOLATION'
  | 'SCHEMA_UNSUPPORTED'
  | 'SCHEMA_NONE'
  | 'SCHEMA_STATUS_DEVIATION'

/** The `credentialSchema` types under which a JSON Schema is named (VC JSON Schema 1.0; VC 1.1-era names). */
const JSON_SCHEMA_TYPES = new Set(['JsonSchema', 'FullJsonSchemaValidator2021', 'JsonSchemaValidator2018'])
const SHACL_TYPE = 'ShaclValidator2017'
/** SHACL violations reported as problems, at most (the count of the rest is reported). */
const MAX_SHACL_PROBLEMS = 20
/** Nested results (why an `sh:node` failed) shown per violation, at most. */
const MAX_SHACL_DETAILS = 5

interface EntryResult {
  status: CheckStatus
  code: SchemaCode
  message: string
  problems: ProblemDetails[]
  /** Warnings that hold even when the entry passes. */
  notes: ProblemDetails[]
}

const RANK: Record<CheckStatus, number> = { skipped: 0, pass: 1, indeterminate: 2, fail: 3 }

function validateEbsi(parsed: ParsedCredential, field: string): EntryResult {
  // The proof secures the credential; it is not part of what the schema describes.
  const { proof: _proof, ...document } = parsed.credential
  const full = validateEbsiEdc(document)
  if (full.length === 0) {
    return {
      status: 'pass',
      code: 'SCHEMA_OK',
      message: 'Valid against the EBSI EDC schema',
      problems: [],
      notes: [],
    }
  }
  const { credentialStatus, ...withoutStatus } = document
  const rest = credentialStatus === undefined ? full : validateEbsiEdc(withoutStatus)
  if (rest.length === 0) {
    const detail =
      'The EBSI schema allows only its own credentialStatus types; the W3C Bitstring Status List entries were ' +
      'set aside for validation (documented deviation)'
    return {
      status: 'pass',
      code: 'SCHEMA_OK',
      message: 'Valid against the EBSI EDC schema, credentialStatus set aside',
      problems: [],
      notes: [
        problem(
          ownProblemType('SCHEMA_STATUS_DEVIATION'),
          'SCHEMA_STATUS_DEVIATION',
          'credentialStatus deviates from the EBSI EDC schema',
          detail,
          `${parsed.pointer}/credentialStatus`,
        ),
      ],
    }
  }
  return {
    status: 'fail',
    code: 'SCHEMA_INVALID',
    message: `Not valid against the EBSI EDC schema (${field})`,
    problems: fieldProblemsToProblems(rest, {
      type: PROBLEM_TYPES.MALFORMED_VALUE_ERROR,
      code: 'SCHEMA_INVALID',
      title: 'The credential does not match its JSON Schema',
      base: parsed.pointer,
    }),
    notes: [],
  }
}

function unsupported(parsed: ParsedCredential, field: string, message: string): EntryResult {
  return {
    status: 'indeterminate',
    code: 'SCHEMA_UNSUPPORTED',
    message,
    problems: [
      problem(
        ownProblemType('SCHEMA_UNSUPPORTED'),
        'SCHEMA_UNSUPPORTED',
        'Unsupported credential schema',
        message,
        `${parsed.pointer}${field}`,
      ),
    ],
    notes: [],
  }
}

/** The one violation the `edc` form is known to have: more than one `credentialStatus` entry. */
function isStatusMaxCount(result: ShaclResult): boolean {
  return result.path === 'cred:credentialStatus' && result.component === 'sh:MaxCountConstraintComponent'
}

/** `path: message [component]`, the path prefixed with the paths of the results it is nested in. */
function describe(result: ShaclResult, trail: string): string {
  const path = [trail, result.path].filter((p) => p !== '').join('/')
  return `${path === '' ? '(node)' : path}: ${result.message} [${result.component}]`
}

/** The innermost results under a nested one: what actually has to change. */
function leaves(result: ShaclResult, trail: string): string[] {
  const here = [trail, result.path].filter((p) => p !== '').join('/')
  return result.details.flatMap((d) => (d.details.length === 0 ? [describe(d, here)] : leaves(d, here)))
}

function shaclProblems(parsed: ParsedCredential, violations: readonly ShaclResult[]): ProblemDetails[] {
  const title = 'The credential does not conform to the EDC SHACL profile'
  const type = PROBLEM_TYPES.MALFORMED_VALUE_ERROR
  const problems = violations.slice(0, MAX_SHACL_PROBLEMS).map((result) => {
    const nested = leaves(result, '')
    const shown = nested.slice(0, MAX_SHACL_DETAILS)
    if (nested.length > shown.length) shown.push(`${nested.length - shown.length} more`)
    const because = shown.length > 0 ? `; because ${shown.join('; ')}` : ''
    // SHACL locates results in the RDF graph, not in the JSON: the problem points at the credential.
    return problem(type, 'SCHEMA_SHACL_VIOLATION', title, `${describe(result, '')}${because}`, parsed.pointer)
  })
  const rest = violations.length - MAX_SHACL_PROBLEMS
  if (rest > 0) {
    problems.push(problem(type, 'SCHEMA_SHACL_VIOLATION', title, `${rest} more violations`, parsed.pointer))
  }
  return problems
}

async function validateShacl(
  parsed: ParsedCredential,
  field: string,
  documentLoader: DocumentLoader,
): Promise<EntryResult> {
  if (parsed.version !== '1.1') {
    return unsupported(
      parsed,
      field,
      'The EDC SHACL profile is run on VC 1.1 credentials only: under the VC 2.0 context the ELM context ' +
        'cannot be processed as JSON-LD',
    )
  }
  // SHACL validates the credential graph; the proof secures it and is not part of what the shapes describe.
  const { proof: _proof, ...document } = parsed.credential
  let report: ShaclReport
  try {
    report = await validateEdcShacl(document, bundledOnly(documentLoader))
  } catch (err) {
    // The credential's fault (an undefined term, a context not bundled): it cannot conform. Anything else
    // (the RDF packages or the shapes could not be loaded) is thrown: the check is then indeterminate.
    const cause = jsonLdProblemOf(err)
    if (cause === undefined) throw err
    const message = 'The credential cannot be converted to RDF for the EDC SHACL profile (JSON-LD safe mode)'
    return {
      status: 'fail',
      code: 'SCHEMA_SHACL_VIOLATION',
      message,
      problems: fieldProblemsToProblems([cause], {
        type: PROBLEM_TYPES.PARSING_ERROR,
        code: 'SCHEMA_SHACL_VIOLATION',
        title: message,
        base: parsed.pointer,
      }),
      notes: [],
    }
  }
  if (report.conforms) {
    return {
      status: 'pass',
      code: 'SCHEMA_OK',
      message: 'Conforms to the EDC SHACL profile',
      problems: [],
      notes: [],
    }
  }
  // As with the EBSI schema, the documented deviation is set aside: only the other violations decide.
  const violations = report.results.filter((r) => !isStatusMaxCount(r))
  if (violations.length === 0) {
    const detail =
      'The EDC SHACL profile allows one credentialStatus entry; the credential has more than one (microcred ' +
      'issues a revocation and a suspension entry: documented deviation)'
    return {
      status: 'pass',
      code: 'SCHEMA_OK',
      message: 'Conforms to the EDC SHACL profile, except for the number of credentialStatus entries',
      problems: [],
      notes: [
        problem(
          ownProblemType('SCHEMA_STATUS_DEVIATION'),
          'SCHEMA_STATUS_DEVIATION',
          'credentialStatus deviates from the EDC SHACL profile',
          detail,
          `${parsed.pointer}/credentialStatus`,
        ),
      ],
    }
  }
  const count = violations.length
  return {
    status: 'fail',
    code: 'SCHEMA_SHACL_VIOLATION',
    message: `Does not conform to the EDC SHACL profile (${field}): ${count} violation${count === 1 ? '' : 's'}`,
    problems: shaclProblems(parsed, violations),
    notes: [],
  }
}

async function checkEntry(
  parsed: ParsedCredential,
  entry: unknown,
  field: string,
  documentLoader: DocumentLoader,
): Promise<EntryResult> {
  const id = isRecord(entry) ? entry.id : undefined
  const types = isRecord(entry) ? typesOf(entry.type) : []
  if (isEbsiEdcSchemaUrl(id) && types.some((t) => JSON_SCHEMA_TYPES.has(t)))
    return validateEbsi(parsed, field)
  if (id === EDC_SHACL_SCHEMA_ID && types.includes(SHACL_TYPE))
    return validateShacl(parsed, field, documentLoader)
  return unsupported(
    parsed,
    field,
    `Schema ${typeof id === 'string' ? id : '(no id)'} of type ${types.join(', ') || '(none)'} is not supported`,
  )
}

/**
 * Checks a parsed credential against each bundled schema its `credentialSchema` names. The worst entry
 * decides (`fail` > `indeterminate` > `pass` > `skipped`); all entries' problems are reported.
 *
 * @param documentLoader serves the contexts (bundled ones only are used) to convert the credential to RDF
 *   for SHACL.
 */
export async function checkSchema(parsed: ParsedCredential, documentLoader: DocumentLoader): Promise<Check> {
  const raw = parsed.credential.credentialSchema
  if (raw === undefined)
    return makeCheck('schema', 'skipped', 'SCHEMA_NONE', 'The credential names no credentialSchema')
  const entries: Array<[unknown, string]> = Array.isArray(raw)
    ? (raw as unknown[]).map((e, i) => [e, `/credentialSchema/${i}`])
    : [[raw, '/credentialSchema']]
  if (entries.length === 0)
    return makeCheck('schema', 'skipped', 'SCHEMA_NONE', 'The credential names no credentialSchema')
  const results = await Promise.all(
    entries.map(([entry, field]) => checkEntry(parsed, entry, field, documentLoader)),
  )
  let worst = results[0] as EntryResult
  for (const result of results) if (RANK[result.status] > RANK[worst.status]) worst = result
  const problems = results.flatMap((r) => r.problems)
  // Deviation notes are reported with a passing check only: a failure's own problems say enough.
  if (worst.status === 'pass') problems.push(...results.flatMap((r) => r.notes))
  return makeCheck('schema', worst.status, worst.code, worst.message, problems)
}
