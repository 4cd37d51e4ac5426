/**
 * The `microcredential` check: an ELM credential (type `EuropeanDigitalCredential`) carries every mandatory
 * element of Annex I of Council Recommendation 2022/C 243/02 ({@link checkAnnexICredential}). Other
 * credentials are not micro-credentials in the ELM sense: skipped.
 */
import { checkAnnexICredential } from '../../model/annex-i.js'
import { makeCheck, ownProblemType, problem, typesOf } from '../problem-details.js'
import type { Check, ParsedCredential } from '../types.js'

/**
 * Codes: `MICROCREDENTIAL_OK` (pass); `MICROCREDENTIAL_INCOMPLETE` (fail: one problem per missing element,
 * `detail` naming it and its ELM path); `MICROCREDENTIAL_NOT_APPLICABLE` (skipped: not an ELM credential).
 */
export type MicrocredentialCode =
  'MICROCREDENTIAL_OK' | 'MICROCREDENTIAL_INCOMPLETE' | 'MICROCREDENTIAL_NOT_APPLICABLE'

/** The ELM type that marks a European Digital Credential. */
export const ELM_CREDENTIAL_TYPE = 'EuropeanDigitalCredential'

/** Checks Annex I completeness of an ELM credential. */
export function checkMicrocredential(parsed: ParsedCredential): Check {
  if (!typesOf(parsed.credential.type).includes(ELM_CREDENTIAL_TYPE)) {
    return makeCheck('microcredential', 'skipped', 'MICROCREDENTIAL_NOT_APPLICABLE', 'Not an ELM credential')
  }
  const missing = checkAnnexICredential(parsed.credential)
  if (missing.length === 0) {
    return makeCheck(
      'microcredential',
      'pass',
      'MICROCREDENTIAL_OK',
      'Every mandatory Annex I element is present',
    )
  }
  const code = 'MICROCREDENTIAL_INCOMPLETE'
  return makeCheck(
    'microcredential',
    'fail',
    code,
    `${missing.length} mandatory Annex I element${missing.length === 1 ? ' is' : 's are'} missing`,
    // The field is "<element> <ELM path>", not a JSON pointer: it goes into the detail.
    missing.map((m) =>
      problem(
        ownProblemType(code),
        code,
        'A mandatory Annex I element is missing',
        `${m.field}: ${m.message}`,
      ),
    ),
  )
}
