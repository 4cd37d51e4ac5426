/**
 * Erasure of a learner's personal data (GDPR art. 17). The stored credential text names the learner, so it
 * is cleared together with the learner reference; the id, tenant, issuer, course, format, issue time and
 * every status slot stay, so the credential can still be revoked or suspended. Credentials already in the
 * learner's hands stay valid: erasure forgets the learner, it does not withdraw what was issued.
 */
import type { Clock } from '../clock.js'
import type { Storage } from '../storage/storage.js'
import { getTenant } from './issuer-identity.js'

export interface EraseLearnerDeps {
  storage: Storage
  clock: Clock
}

export interface EraseLearnerInput {
  tenantSlug: string
  /** The learner reference the credentials were issued under (personal data: never log it). */
  learnerRef: string
  /** Who asks (an operator name, an API client id); for the caller's own log. */
  actor: string
}

export interface EraseLearnerResult {
  /** How many credentials were erased; 0 when none was issued under `learnerRef`. */
  erased: number
}

/** Erases, in one transaction, the personal data of every credential of the tenant issued to `learnerRef`. */
export async function eraseLearner(
  deps: EraseLearnerDeps,
  input: EraseLearnerInput,
): Promise<EraseLearnerResult> {
  return deps.storage.transaction(async (tx) => {
    const tenant = await getTenant(tx, input.tenantSlug)
    const erased = await tx.credentials.eraseByLearner(tenant.id, input.learnerRef)
    // Batch rows still pending, or kept for a batch's results, hold the learner record and key too.
    await tx.batches.eraseLearner(tenant.id, input.learnerRef)
    return { erased }
  })
}
