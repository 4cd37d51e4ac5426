/** ILA fixtures: the files in `test/fixtures/ila/`, and spending records made to measure. */
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import type { SpendingRecord } from '../../src/ila/model.js'

export const ILA_FIXTURES = fileURLToPath(new URL('../fixtures/ila/', import.meta.url))

/** The text of a fixture file. */
export function ilaFixture(name: string): string {
  return readFileSync(`${ILA_FIXTURES}${name}`, 'utf8')
}

/** The records of `spending-records.jsonl`. */
export function fixtureRecords(): SpendingRecord[] {
  return ilaFixture('spending-records.jsonl')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as SpendingRecord)
}

/** A valid record `rec-<n>` of provider `prov-acme`, offer `EDOF/ACME-PY-101`, with `overrides` on top. */
export function ilaRecord(n: number, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const id = String(n).padStart(6, '0')
  return {
    recordId: `rec-${id}`,
    schemeId: 'FR-CPF',
    schemeRef: `CPF-${id}`,
    accountPseudonym: `hmac-${createHash('sha256').update(id).digest('hex').slice(0, 24)}`,
    linkTokenDigest: createHash('sha256').update(`token-${id}`).digest('hex'),
    provider: {
      providerId: 'prov-acme',
      legalId: { scheme: 'SIRET', value: '12345678900011' },
      accreditationSnapshot: ['Qualiopi'],
    },
    catalogue: { registryId: 'EDOF', offerId: 'ACME-PY-101' },
    agreedPrice: { amountMinor: 150000, currency: 'EUR' },
    funding: [
      { funderType: 'ila_entitlement', amount: { amountMinor: 140000, currency: 'EUR' } },
      { funderType: 'learner_copayment_mandatory', amount: { amountMinor: 10000, currency: 'EUR' } },
    ],
    entitlementUnit: 'money',
    requestedAt: '2026-02-01',
    plannedStart: '2026-03-02',
    plannedEnd: '2026-03-20',
    lifecycle: 'approved',
    payment: 'not_billable',
    control: 'none',
    history: [{ at: '2026-02-01T10:00:00Z', axis: 'lifecycle', to: 'requested', actor: 'learner' }],
    ...overrides,
  }
}

/** Items as JSON lines. */
export function jsonl(items: readonly unknown[]): string {
  return items.map((item) => `${JSON.stringify(item)}\n`).join('')
}
