/**
 * Validation of the `elm` credential form (VC Data Model 2.0) against EBSI's official JSON Schema
 * "Europass EDC credential, based on ELM 3.2", bundled in `schemas/vendor/ebsi/` (see its README).
 */

import { readFileSync } from 'node:fs'
import type { Ajv2020, ValidateFunction } from 'ajv/dist/2020.js'
import type { FieldProblem } from '../errors.js'
import { createAjv, toFieldProblems } from '../lib/schema-validation.js'
import validateGenerated from './ebsi-edc-validator.generated.js'
import { ebsiFormats } from './ebsi-formats.js'

/** The EDC schema's validator, compiled ahead of time (first problem only). */
const conformsToEbsiEdc = validateGenerated as (credential: unknown) => boolean

function readVendor(path: string): Record<string, unknown> {
  return JSON.parse(
    readFileSync(new URL(`../../schemas/vendor/ebsi/${path}`, import.meta.url), 'utf8'),
  ) as Record<string, unknown>
}

const EDC_SCHEMA = readVendor('vcdm2.0-europass-edc-schema/schema.json')
const ATTESTATION_SCHEMA = readVendor('vcdm2.0-attestation-schema/schema.json')
const EDC_METADATA = readVendor('vcdm2.0-europass-edc-schema/schema.metadata.json') as {
  id: { base16: string; multibase_base58btc: string }
}

/** Where the EBSI Trusted Schemas Registry (v3, pilot network) serves schemas by id. */
export const EBSI_TSR_SCHEMAS_URL = 'https://api-pilot.ebsi.eu/trusted-schemas-registry/v3/schemas/'

/** The EDC schema's registry id (multibase base58btc), from the package's `schema.metadata.json`. */
export const EBSI_EDC_SCHEMA_ID: string = EDC_METADATA.id.multibase_base58btc

/**
 * The `credentialSchema.id` of the `elm` form: the EDC schema in the EBSI Trusted Schemas Registry, as
 * EBSI credentials write it (`…/trusted-schemas-registry/v3/schemas/<multibase id>`).
 */
export const EBSI_EDC_SCHEMA_URL = `${EBSI_TSR_SCHEMAS_URL}${EBSI_EDC_SCHEMA_ID}`

/** The EDC schema's registry id in its hexadecimal form (`0x…`), from `schema.metadata.json`. */
export const EBSI_EDC_SCHEMA_HEX_ID: string = EDC_METADATA.id.base16.toLowerCase()

/** The registry hosts a `credentialSchema` may name the EDC schema under: EBSI's pilot and conformance networks. */
const EBSI_TSR_HOSTS = new Set(['api-pilot.ebsi.eu', 'api-conformance.ebsi.eu'])

/**
 * True when `url` names EBSI's EDC schema in a Trusted Schemas Registry (v3): `https://api-pilot.ebsi.eu/…` or
 * `https://api-conformance.ebsi.eu/…` + `/trusted-schemas-registry/v3/schemas/` + the multibase or `0x` hex id.
 * Nothing is fetched: the schema is bundled.
 */
export function isEbsiEdcSchemaUrl(url: unknown): boolean {
  if (typeof url !== 'string' || !URL.canParse(url)) return false
  const parsed = new URL(url)
  const prefix = '/trusted-schemas-registry/v3/schemas/'
  if (parsed.protocol !== 'https:' || !EBSI_TSR_HOSTS.has(parsed.host) || parsed.search || parsed.hash)
    return false
  if (!parsed.pathname.startsWith(prefix)) return false
  const id = parsed.pathname.slice(prefix.length)
  return id === EBSI_EDC_SCHEMA_ID || id.toLowerCase() === EBSI_EDC_SCHEMA_HEX_ID
}

// The official schema has no `$id` and reaches its base through a path inside an npm install
// (`./node_modules/@cef-ebsi/vcdm2.0-attestation-schema/schema.json`). Registering it under a fixed base
// URI makes that relative reference resolve to a URI of our own, where the bundled base is registered:
// the files stay byte-identical and nothing is ever fetched.
const EDC_BASE_URI = 'https://microcred.eu/schemas/vendor/ebsi/vcdm2.0-europass-edc-schema/schema.json'
const ATTESTATION_URI = new URL(
  './node_modules/@cef-ebsi/vcdm2.0-attestation-schema/schema.json',
  EDC_BASE_URI,
).href

/**
 * Registers the official EDC schema and the attestation schema it builds on with `ajv`.
 *
 * @returns the key of the EDC schema in `ajv`.
 */
export function addEbsiEdcSchemas(ajv: Ajv2020): string {
  ajv.addSchema(ATTESTATION_SCHEMA, ATTESTATION_URI)
  ajv.addSchema(EDC_SCHEMA, EDC_BASE_URI)
  return EDC_BASE_URI
}

let compiled: ValidateFunction | undefined

/** The validator that reports every problem; compiled on the first credential the fast one refuses. */
function reportingValidator(): ValidateFunction {
  if (compiled === undefined) {
    // Strict mode holds for the official schema as published; a future version that breaks it should
    // fail loudly here rather than be loosened silently.
    const ajv = createAjv()
    for (const [name, format] of Object.entries(ebsiFormats)) ajv.addFormat(name, format)
    const validate = ajv.getSchema(addEbsiEdcSchemas(ajv))
    if (validate === undefined) throw new Error('EBSI EDC schema did not compile')
    compiled = validate
  }
  return compiled
}

/**
 * Validates a credential against EBSI's "Europass EDC credential" JSON Schema (VC DM 2.0, ELM 3.2): with the
 * validator compiled ahead of time, then, for a credential it refuses, the one that names every problem.
 *
 * @returns every problem (JSON pointer + Ajv keyword); empty when the credential conforms.
 */
export function validateEbsiEdc(credential: unknown): FieldProblem[] {
  // The precompiled validator stops at the first problem: the answer for a conforming credential, every
  // issuance's case, at half the cost and with no compile at start. Only a refused credential pays for the
  // full report.
  if (conformsToEbsiEdc(credential)) return []
  const validate = reportingValidator()
  // Both come from the same bundled schema (a test regenerates the precompiled one and compares); should they
  // ever disagree, the one compiled here from the schema file has the last word.
  return validate(credential) ? [] : toFieldProblems(validate.errors)
}
