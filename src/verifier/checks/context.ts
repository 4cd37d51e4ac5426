/**
 * The `context` check: every `@context` a credential names is one microcred bundles, and (Data Integrity)
 * the document means something definite under them.
 *
 * - Data Integrity: every URL entry is bundled, then the credential is expanded in JSON-LD safe mode with the
 *   injected loader ({@link checkJsonLd}): an undefined term or type, or a redefined protected term, fails.
 *   The proof is computed over that expansion, so this is what the signature actually covers.
 * - VC-JOSE: every entry is a bundled URL and the VC 2.0 base context comes first. There is no expansion:
 *   the JWS signs bytes, not RDF, and the ELM `elm` form (v2 + `edc-ap`) cannot be expanded at all, since
 *   `edc-ap` redefines protected terms of the v2 context.
 *
 * Contexts are never fetched: an unbundled context is a failure, not a download.
 */
import { BUNDLED_CONTEXTS, CREDENTIALS_V2, type DocumentLoader } from '../../document-loader/index.js'
import { DocumentNotFoundError, type FieldProblem } from '../../errors.js'
import { checkJsonLd } from '../../issuer/check-credential.js'
import {
  fieldProblemsToProblems,
  isRecord,
  makeCheck,
  ownProblemType,
  PROBLEM_TYPES,
} from '../problem-details.js'
import type { Check, ParsedCredential } from '../types.js'

/**
 * Codes: `CONTEXT_OK` (pass); `CONTEXT_UNKNOWN` (fail: a context is not bundled, or VC-JOSE has an inline
 * one); `CONTEXT_INVALID` (fail: no or misplaced base context, or JSON-LD expansion in safe mode failed).
 */
export type ContextCode = 'CONTEXT_OK' | 'CONTEXT_UNKNOWN' | 'CONTEXT_INVALID'

function entriesOf(credential: Record<string, unknown>): unknown[] | undefined {
  const context = credential['@context']
  if (typeof context === 'string' || isRecord(context)) return [context]
  return Array.isArray(context) ? (context as unknown[]) : undefined
}

function fail(parsed: ParsedCredential, code: ContextCode, message: string, problems: FieldProblem[]): Check {
  return makeCheck(
    'context',
    'fail',
    code,
    message,
    fieldProblemsToProblems(problems, {
      type: code === 'CONTEXT_UNKNOWN' ? ownProblemType(code) : PROBLEM_TYPES.PARSING_ERROR,
      code,
      title: message,
      base: parsed.pointer,
    }),
  )
}

/**
 * The injected loader, restricted to bundled contexts: a context nested in an inline one (a scoped context)
 * must not reach DID documents or anything else the loader may also serve. Also used by the `schema` check
 * to convert a credential to RDF for SHACL.
 */
export function bundledOnly(documentLoader: DocumentLoader): DocumentLoader {
  return async (url) => {
    const hash = typeof url === 'string' ? url.indexOf('#') : -1
    const key = hash < 0 ? url : url.slice(0, hash)
    if (typeof key !== 'string' || !BUNDLED_CONTEXTS.has(key)) throw new DocumentNotFoundError(String(url))
    return documentLoader(url)
  }
}

/** Checks the `@context` of a parsed credential. Only bundled contexts are loaded, through `documentLoader`. */
export async function checkContext(parsed: ParsedCredential, documentLoader: DocumentLoader): Promise<Check> {
  const entries = entriesOf(parsed.credential)
  if (entries === undefined || entries.length === 0) {
    return fail(parsed, 'CONTEXT_INVALID', 'The credential has no @context', [
      { field: '/@context', rule: 'required', message: '@context is required' },
    ])
  }
  const jose = parsed.mechanism === 'vc-jose'
  const unknown: FieldProblem[] = []
  entries.forEach((entry, i) => {
    const field = Array.isArray(parsed.credential['@context']) ? `/@context/${i}` : '/@context'
    if (typeof entry === 'string') {
      if (!BUNDLED_CONTEXTS.has(entry)) {
        unknown.push({ field, rule: 'bundled', message: `the context ${entry} is not one microcred bundles` })
      }
    } else if (jose) {
      unknown.push({
        field,
        rule: 'bundled',
        message: 'a VC-JOSE credential may only name bundled contexts by URL',
      })
    }
  })
  if (unknown.length > 0)
    return fail(parsed, 'CONTEXT_UNKNOWN', 'The credential names a context that is not bundled', unknown)

  if (jose) {
    if (entries[0] !== CREDENTIALS_V2) {
      return fail(parsed, 'CONTEXT_INVALID', 'A VC-JOSE credential must start with the VC 2.0 context', [
        { field: '/@context/0', rule: 'context', message: `the first @context must be ${CREDENTIALS_V2}` },
      ])
    }
    return makeCheck(
      'context',
      'pass',
      'CONTEXT_OK',
      'Every context is bundled; the VC 2.0 context comes first',
    )
  }

  const problems = await checkJsonLd(parsed.credential, bundledOnly(documentLoader))
  if (problems.length > 0) {
    return fail(
      parsed,
      'CONTEXT_INVALID',
      'The credential does not expand under its contexts (JSON-LD safe mode)',
      problems,
    )
  }
  return makeCheck('context', 'pass', 'CONTEXT_OK', 'Every context is bundled and every term is defined')
}
