/**
 * The ILA enrolment commitment a credential carries in `credentialSubject.identifier` (scheme
 * `ILA enrolment commitment`): `sha256$<hex salt>$<hex SHA-256(salt || SHA-256(linkToken))>`, as
 * `ilaLinkCommitment` issues it. The operator holds `SHA-256(linkToken)` (a spending record's
 * `linkTokenDigest`), never the token, and recomputes the commitment from it with the credential's salt.
 */
import { hash } from 'node:crypto'

/** A commitment read from its notation. */
export interface IlaCommitment {
  /** The notation, lowercase. */
  notation: string
  salt: Buffer
  /** SHA-256(salt || linkTokenDigest), as the notation gives it. */
  expected: Buffer
}

// 16 bytes is what microcred issues; up to 64 bytes is accepted from other issuers, never less than 8.
const NOTATION = /^sha256\$((?:[0-9a-f]{2}){8,64})\$([0-9a-f]{64})$/
const DIGEST = /^[0-9a-f]{64}$/

/** The commitment of a notation, or `undefined` when the notation is not of the commitment's form. */
export function parseIlaCommitment(notation: string): IlaCommitment | undefined {
  const lower = notation.toLowerCase()
  const match = NOTATION.exec(lower)
  if (!match) return undefined
  return {
    notation: lower,
    salt: Buffer.from(match[1] as string, 'hex'),
    expected: Buffer.from(match[2] as string, 'hex'),
  }
}

/** The bytes of a link token digest (64 lowercase hex digits), or `undefined` for anything else. */
export function linkTokenDigestBytes(linkTokenDigest: string): Buffer | undefined {
  return DIGEST.test(linkTokenDigest) ? Buffer.from(linkTokenDigest, 'hex') : undefined
}

// One buffer for every comparison: each is synchronous, and a credential is compared with thousands of records.
const input = Buffer.alloc(64 + 32)

/**
 * Whether a link token digest (its 32 bytes, see {@link linkTokenDigestBytes}) recomputes the commitment.
 * Neither value is secret from the caller, so a plain comparison is enough.
 */
export function commitmentMatches(commitment: IlaCommitment, linkTokenDigest: Buffer): boolean {
  const length = commitment.salt.length + linkTokenDigest.length
  commitment.salt.copy(input, 0)
  linkTokenDigest.copy(input, commitment.salt.length)
  return hash('sha256', input.subarray(0, length), 'buffer').equals(commitment.expected)
}
