/**
 * The `holder` check of a presentation: who made it, and (for an employer) whether that person is the one
 * the credentials are about.
 *
 * 1. Signer: the presentation's proof was made with a key its `holder` controls. The verification method
 *    (Data Integrity `proof.verificationMethod`, VC-JOSE header `kid`) is resolved through the injected DID
 *    resolver and its `controller` must be the holder's DID (for a proof set: of one proof at least). A presentation signed by someone else on the
 *    holder's behalf proves nothing about the holder.
 * 2. Binding (policy `employer` only): the holder is the subject of every credential presented, i.e. one of
 *    each credential's `credentialSubject.id` is the holder's DID. Without it, anyone holding a copy of a
 *    credential could present it as their own.
 *
 * The check reads only the proof's signer and the credentials' subject ids: the proof itself is verified by
 * the `proof` check, whose outcome is passed in. If that proof did not verify, nobody is known to have made
 * the presentation, so the check is `indeterminate`.
 */
import type { Check, ParsedPresentation, PolicyName, ProblemDetails, VerifierDeps } from '../types.js'
import { isRecord, makeCheck, ownProblemType, problem } from '../problem-details.js'

/**
 * Codes:
 * - `HOLDER_OK` (pass): made with the holder's key (and, under `employer`, the holder is every subject);
 * - `HOLDER_NONE` (skipped): no `holder` and the policy does not need one;
 * - `HOLDER_MISSING` (fail): the policy needs holder binding and the presentation names no holder;
 * - `HOLDER_INVALID` (fail): `holder` is neither a URL nor an object with a URL `id`;
 * - `HOLDER_PROOF_UNVERIFIED` (indeterminate): the presentation's proof did not verify;
 * - `HOLDER_KEY_UNRESOLVED` (indeterminate): the proof's verification method could not be resolved;
 * - `HOLDER_KEY_MISMATCH` (fail): the proof was made with a key the holder does not control;
 * - `HOLDER_NOT_SUBJECT` (fail, `employer`): a credential is about someone other than the holder;
 * - `HOLDER_BINDING_UNCHECKED` (indeterminate, `employer`): a credential could not be read, so its subject
 *   is unknown.
 */
export type HolderCode =
  | 'HOLDER_OK'
  | 'HOLDER_NONE'
  | 'HOLDER_MISSING'
  | 'HOLDER_INVALID'
  | 'HOLDER_PROOF_UNVERIFIED'
  | 'HOLDER_KEY_UNRESOLVED'
  | 'HOLDER_KEY_MISMATCH'
  | 'HOLDER_NOT_SUBJECT'
  | 'HOLDER_BINDING_UNCHECKED'

/** Policies under which the holder must be the subject of every credential presented. */
export const HOLDER_BINDING_POLICIES: readonly PolicyName[] = ['employer']

export interface CheckHolderOptions {
  policy: PolicyName
  /** The presentation's `proof` check, already run. */
  proof: Check
}

function isUrl(value: string): boolean {
  try {
    new URL(value)
    return true
  } catch {
    return false
  }
}

function result(
  code: HolderCode,
  status: Check['status'],
  message: string,
  problems: ProblemDetails[] = [],
): Check {
  return makeCheck('holder', status, code, message, problems)
}

function located(code: HolderCode, title: string, instance: string, detail?: string): ProblemDetails {
  return problem(ownProblemType(code), code, title, detail, instance)
}

/** The holder's id: `holder` as a string, or `holder.id` (VC Data Model 2.0 §4.13 allows an object). */
function holderIdOf(presentation: Record<string, unknown>): string | undefined | null {
  const holder = presentation.holder
  if (holder === undefined) return undefined
  const id = isRecord(holder) ? holder.id : holder
  return typeof id === 'string' && isUrl(id) ? id : null
}

/** The verification methods that made the presentation's proof(s): the JWS `kid`, or each proof's method. */
function signersOf(parsed: ParsedPresentation): string[] | undefined {
  if (parsed.mechanism === 'vc-jose') {
    const kid = parsed.header?.kid
    return typeof kid === 'string' && kid !== '' ? [kid] : undefined
  }
  const raw = parsed.presentation.proof
  const proofs: unknown[] = Array.isArray(raw) ? (raw as unknown[]) : [raw]
  const methods: string[] = []
  for (const proof of proofs) {
    const method = isRecord(proof) ? proof.verificationMethod : undefined
    const id = isRecord(method) ? method.id : method
    if (typeof id !== 'string' || id === '') return undefined
    methods.push(id)
  }
  return methods.length > 0 ? methods : undefined
}

function subjectIdsOf(credential: Record<string, unknown>): string[] {
  const raw = credential.credentialSubject
  const subjects: unknown[] = Array.isArray(raw) ? (raw as unknown[]) : [raw]
  return subjects.flatMap((s) => (isRecord(s) && typeof s.id === 'string' ? [s.id] : []))
}

/** Step 2: each credential's subject is the holder. */
function checkBinding(parsed: ParsedPresentation, holder: string): Check {
  const notSubject: ProblemDetails[] = []
  const unreadable: ProblemDetails[] = []
  for (const entry of parsed.credentials) {
    if (entry.kind !== 'credential') {
      unreadable.push(
        located(
          'HOLDER_BINDING_UNCHECKED',
          'A credential could not be read, so its subject is unknown',
          entry.pointer,
        ),
      )
      continue
    }
    if (!subjectIdsOf(entry.credential).includes(holder)) {
      notSubject.push(
        located(
          'HOLDER_NOT_SUBJECT',
          'The holder is not the subject of this credential',
          `${entry.pointer}/credentialSubject`,
          'No credentialSubject.id of the credential is the presentation holder',
        ),
      )
    }
  }
  if (notSubject.length > 0) {
    return result(
      'HOLDER_NOT_SUBJECT',
      'fail',
      `The holder is not the subject of ${notSubject.length} of the credentials presented`,
      notSubject,
    )
  }
  if (unreadable.length > 0) {
    return result(
      'HOLDER_BINDING_UNCHECKED',
      'indeterminate',
      'The holder could not be matched with the subject of every credential',
      unreadable,
    )
  }
  return result(
    'HOLDER_OK',
    'pass',
    'The presentation was made by its holder, who is the subject of every credential presented',
  )
}

/**
 * Checks that the presentation was made by its holder and, under a policy that needs holder binding
 * (`employer`), that the holder is the subject of every credential. Resolves to a check for any input; the
 * DID resolver is the only dependency used.
 *
 * @example
 * ```ts
 * const proof = await checkProof(parsed, deps, { challenge, domain, requireChallenge: true })
 * const holder = await checkHolder(parsed, deps, { policy: 'employer', proof })
 * if (holder.code === 'HOLDER_NOT_SUBJECT') reject()
 * ```
 */
export async function checkHolder(
  parsed: ParsedPresentation,
  deps: Pick<VerifierDeps, 'didResolver'>,
  options: CheckHolderOptions,
): Promise<Check> {
  const binding = HOLDER_BINDING_POLICIES.includes(options.policy)
  const holder = holderIdOf(parsed.presentation)
  if (holder === null) {
    return result('HOLDER_INVALID', 'fail', 'The presentation holder is not a URL', [
      located('HOLDER_INVALID', 'holder must be a URL, or an object whose id is a URL', '/holder'),
    ])
  }
  if (holder === undefined) {
    return binding
      ? result(
          'HOLDER_MISSING',
          'fail',
          'The presentation names no holder, so it cannot be bound to its credentials',
          [located('HOLDER_MISSING', 'holder is required under this policy', '/holder')],
        )
      : result('HOLDER_NONE', 'skipped', 'The presentation names no holder')
  }
  if (options.proof.status !== 'pass') {
    return result(
      'HOLDER_PROOF_UNVERIFIED',
      'indeterminate',
      "The presentation's proof did not verify, so who made it is unknown",
    )
  }

  const signers = signersOf(parsed)
  if (!signers) {
    return result(
      'HOLDER_KEY_UNRESOLVED',
      'indeterminate',
      "The presentation's proof names no verification method",
    )
  }
  // A proof set may carry other proofs (an endorsement); one at least must be the holder's own.
  const controllers: Array<string | undefined> = []
  let unresolved = false
  for (const signer of signers) {
    try {
      controllers.push((await deps.didResolver.resolveVerificationMethod(signer)).controller)
    } catch {
      unresolved = true
    }
  }
  if (!controllers.includes(holder)) {
    if (unresolved) {
      return result(
        'HOLDER_KEY_UNRESOLVED',
        'indeterminate',
        "The verification method of the presentation's proof could not be resolved",
      )
    }
    return result(
      'HOLDER_KEY_MISMATCH',
      'fail',
      "The presentation's proof was not made with a key its holder controls",
      [
        located(
          'HOLDER_KEY_MISMATCH',
          'The proof was not made by the holder',
          parsed.mechanism === 'vc-jose' ? '/jws/header/kid' : '/proof',
          `No verification method of the proof is controlled by the holder ${holder}`,
        ),
      ],
    )
  }
  if (binding) return checkBinding(parsed, holder)
  return result('HOLDER_OK', 'pass', 'The presentation was made with a key its holder controls')
}
