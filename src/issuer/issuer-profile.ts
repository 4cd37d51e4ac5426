/** Issuer profiles: validation and the clearly marked development profile `microcred init` writes. */
import { readFileSync } from 'node:fs'
import { ValidationError } from '../errors.js'
import { createAjv, toFieldProblems } from '../lib/schema-validation.js'
import type { IssuerProfile } from '../storage/storage.js'

const schema = JSON.parse(
  readFileSync(new URL('../../schemas/issuer-profile.schema.json', import.meta.url), 'utf8'),
) as object
const validate = createAjv().compile<IssuerProfile>(schema)

/** Checks a profile against `schemas/issuer-profile.schema.json`; throws {@link ValidationError} naming each field. */
export function parseIssuerProfile(input: unknown): IssuerProfile {
  if (!validate(input)) {
    const problems = toFieldProblems(validate.errors)
    throw new ValidationError(
      `Invalid issuer profile (${problems.length} problem${problems.length === 1 ? '' : 's'})`,
      problems,
    )
  }
  return input
}

/**
 * A profile for trying microcred out. Every field says it is not real, and `development: true` lets the
 * issuer and verifier flag any credential signed under it.
 */
export function developmentProfile(): IssuerProfile {
  return {
    legalName: { en: 'Development issuer (not a real organisation)' },
    country: 'BE',
    address: { en: 'Development address, not for real credentials' },
    eidasIdentifier: { notation: 'DEV-NOT-A-LEGAL-ENTITY', country: 'BE' },
    development: true,
  }
}
