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
 *   `edc` form): not run by the verifier (`skipped`, `SCHEMA_SHACL_NOT_RUN`); see docs/verification.md.
 * - Anything else: `indeterminate`, `SCHEMA_UNSUPPORTED` (never a silent pass).
 */
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
import type { Check, CheckStatus, ParsedCredential, ProblemDetails } from '../types.js'

/**
 * Codes: `SCHEMA_OK` (pass); `SCHEMA_INVALID` (fail); `SCHEMA_UNSUPPORTED` (indeterminate: a schema microcred
 * does not bundle, or a type it does not run); `SCHEMA_SHACL_NOT_RUN` (skipped: the EDC SHACL profile);
 * `SCHEMA_NONE` (skipped: no `credentialSchema`). `SCHEMA_STATUS_DEVIATION` is a warning on a pass.
 */
export type SchemaCode =
  | 'SCHEMA_OK'
  | 'SCHEMA_INVALID'
  | 'SCHEMA_UNSUPPORTED'
  | 'SCHEMA_SHACL_NOT_RUN'
  | 'SCHEMA_NONE'
  | 'SCHEMA_STATUS_DEVIATION'

/** The `credentialSchema` types under which a JSON Schema is named (VC JSON Schema 1.0; VC 1.1-era names). */
const JSON_SCHEMA_TYPES = new Set(['JsonSchema', 'FullJsonSchemaValidator2021', 'JsonSchemaValidator2018'])
const SHACL_TYPE = 'ShaclValidator2017'

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

function checkEntry(parsed: ParsedCredential, entry: unknown, field: string): EntryResult {
  const id = isRecord(entry) ? entry.id : undefined
  const types = isRecord(entry) ? typesOf(entry.type) : []
  if (isEbsiEdcSchemaUrl(id) && types.some((t) => JSON_SCHEMA_TYPES.has(t)))
    return validateEbsi(parsed, field)
  if (id === EDC_SHACL_SCHEMA_ID && types.includes(SHACL_TYPE)) {
    return {
      status: 'skipped',
      code: 'SCHEMA_SHACL_NOT_RUN',
      message: 'The EDC SHACL profile is not run by the verifier',
      problems: [],
      notes: [],
    }
  }
  const message = `Schema ${typeof id === 'string' ? id : '(no id)'} of type ${types.join(', ') || '(none)'} is not supported`
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

/**
 * Checks a parsed credential against each bundled schema its `credentialSchema` names. The worst entry
 * decides (`fail` > `indeterminate` > `pass` > `skipped`); all entries' problems are reported.
 */
export function checkSchema(parsed: ParsedCredential): Check {
  const raw = parsed.credential.credentialSchema
  if (raw === undefined)
    return makeCheck('schema', 'skipped', 'SCHEMA_NONE', 'The credential names no credentialSchema')
  const entries: Array<[unknown, string]> = Array.isArray(raw)
    ? (raw as unknown[]).map((e, i) => [e, `/credentialSchema/${i}`])
    : [[raw, '/credentialSchema']]
  if (entries.length === 0)
    return makeCheck('schema', 'skipped', 'SCHEMA_NONE', 'The credential names no credentialSchema')
  const results = entries.map(([entry, field]) => checkEntry(parsed, entry, field))
  let worst = results[0] as EntryResult
  for (const result of results) if (RANK[result.status] > RANK[worst.status]) worst = result
  const problems = results.flatMap((r) => r.problems)
  // Deviation notes are reported with a passing check only: a failure's own problems say enough.
  if (worst.status === 'pass') problems.push(...results.flatMap((r) => r.notes))
  return makeCheck('schema', worst.status, worst.code, worst.message, problems)
}
