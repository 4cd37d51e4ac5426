/** Ajv set up once for microcred's schemas: JSON Schema 2020-12, formats, all errors. */
import { Ajv2020, type ErrorObject } from 'ajv/dist/2020.js'
import addFormatsModule from 'ajv-formats'
import type { FieldProblem } from '../errors.js'

// ajv-formats is CommonJS with a default export; under NodeNext the namespace object is what arrives.
const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020

/** A new Ajv instance with formats; each module compiles its schemas once at load. */
export function createAjv(): Ajv2020 {
  return addFormats(new Ajv2020({ allErrors: true, strict: true }))
}

/** Ajv errors -> field problems: the JSON pointer of the field and the keyword of the broken rule. */
export function toFieldProblems(errors: readonly ErrorObject[] | null | undefined): FieldProblem[] {
  return (errors ?? []).map((error) => {
    const missing = error.keyword === 'required' ? `/${String(error.params.missingProperty)}` : ''
    const extra = error.keyword === 'additionalProperties' ? `/${String(error.params.additionalProperty)}` : ''
    const field = `${error.instancePath}${missing}${extra}` || '/'
    return { field, rule: error.keyword, message: `${field} ${error.message ?? 'is invalid'}` }
  })
}
