/** Ajv set up once for microcred's schemas (JSON Schema 2020-12, formats, all errors), and its error mapping. */
import { Ajv2020, type ErrorObject } from 'ajv/dist/2020.js'
import addFormatsModule from 'ajv-formats'
import type { FormatsPlugin } from 'ajv-formats'
import type { FieldProblem } from '../errors.js'

// ajv-formats is CommonJS: under NodeNext its default import is `module.exports`, the plugin itself.
const addFormats = addFormatsModule as unknown as FormatsPlugin

/** A new strict Ajv instance with formats; each module compiles its schemas once at load. */
export function createAjv(): Ajv2020 {
  const ajv = new Ajv2020({ allErrors: true, strict: true })
  addFormats(ajv)
  return ajv
}

function escapePointer(segment: string): string {
  return segment.replace(/~/g, '~0').replace(/\//g, '~1')
}

/**
 * Ajv errors -> field problems. The pointer names the offending field itself, a missing or unknown key
 * included, and the rule is the Ajv keyword; duplicates are dropped.
 */
export function toFieldProblems(errors: readonly ErrorObject[] | null | undefined): FieldProblem[] {
  const seen = new Set<string>()
  const problems: FieldProblem[] = []
  for (const error of errors ?? []) {
    // A bad key under `propertyNames` is reported twice (its own rule + propertyNames): keep one.
    if (error.propertyName !== undefined && error.keyword !== 'propertyNames') continue
    let field = error.instancePath
    let message = error.message ?? 'is invalid'
    if (error.keyword === 'required') {
      field += `/${escapePointer(String(error.params.missingProperty))}`
      message = 'is required'
    } else if (error.keyword === 'additionalProperties') {
      field += `/${escapePointer(String(error.params.additionalProperty))}`
      message = 'is not an allowed property'
    } else if (error.keyword === 'propertyNames') {
      field += `/${escapePointer(String(error.params.propertyName))}`
      message = 'is not an allowed key here (language maps take ISO 639-1 codes: two lower-case letters)'
    }
    const key = `${field}\u0000${error.keyword}`
    if (seen.has(key)) continue
    seen.add(key)
    problems.push({ field: field || '/', rule: error.keyword, message: `${field || '/'} ${message}` })
  }
  return problems
}
