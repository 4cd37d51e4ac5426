/**
 * The `proof` check: was the credential (or presentation) secured by a key its issuer (or holder) controls,
 * and has it not changed since.
 *
 * - VC-JOSE (VC-JOSE-COSE §3.1): `typ` `vc+jwt` / `vp+jwt`, `alg` EdDSA or ES256 only, `kid` a DID URL whose
 *   DID is the issuer (holder) and which the DID document lists under `assertionMethod` (`authentication`),
 *   `jose.compactVerify` with an explicit algorithm list, no legacy `vc` / `vp` claims; for presentations
 *   `nonce` = challenge and `aud` = domain.
 * - Data Integrity: `@digitalbazaar/vc` with the suites DataIntegrityProof + eddsa-rdfc-2022 /
 *   ecdsa-rdfc-2019 only, the injected offline document loader, every proof of a set (and of a chain) must
 *   verify, proof purpose `assertionMethod` (`authentication` for presentations), and at least one proof
 *   must be made by the issuer (holder).
 *
 * Not judged here, each being a check of its own: credential status (the library is handed a `checkStatus`
 * that answers verified) and the validity window (the library gets an infinite clock skew, so it never fails
 * a proof because of dates).
 *
 * `message` is a fixed text per code; what the libraries said is kept in `problems[].detail`.
 */
import { isDeepStrictEqual } from 'node:util'
import {
  isRecord,
  issuerIdOf,
  makeCheck,
  ownProblemType,
  problem,
  PROBLEM_TYPES,
} from '../problem-details.js'
import { verifyDataIntegrityProofs, type DataIntegrityFailureReason } from '../proof/verify-data-integrity.js'
import { verifyVcJws, type JwsFailureReason } from '../proof/verify-jws.js'
import type {
  Check,
  CheckStatus,
  ParsedCredential,
  ParsedPresentation,
  ProblemDetails,
  VerifierDeps,
} from '../types.js'

/**
 * Codes of the `proof` check:
 * - `PROOF_OK` (pass);
 * - `PROOF_MISSING`: no proof, or no JWS;
 * - `PROOF_MALFORMED`: a proof or JWS that cannot be read (also a refused JWS header such as `b64`);
 * - `PROOF_INVALID`: a signature that does not verify (changed content, wrong key, alg not fitting the key);
 * - `PROOF_TYP_INVALID`: VC-JOSE `typ` is not `vc+jwt` / `vp+jwt`;
 * - `PROOF_ALG_UNSUPPORTED`: VC-JOSE `alg` other than EdDSA / ES256;
 * - `PROOF_LEGACY_CLAIMS`: a VC-JOSE payload with the VC-JWT 1.1 `vc` / `vp` claims;
 * - `PROOF_TYPE_UNSUPPORTED`: a proof type or cryptosuite outside the allow-list;
 * - `PROOF_PURPOSE_INVALID`: a Data Integrity proof for another purpose;
 * - `PROOF_CHAIN_INVALID`: a `previousProof` that names no proof of the set;
 * - `PROOF_KID_INVALID`: no `kid`, or not a DID URL;
 * - `PROOF_KEY_NOT_FOUND`: the key's DID cannot be resolved (unsupported method, invalid, not found);
 * - `PROOF_KEY_UNSUPPORTED`: the key is not an Ed25519 or P-256 key;
 * - `PROOF_KEY_NOT_AUTHORIZED`: the DID document does not list the key under the purpose's relationship;
 * - `PROOF_ISSUER_MISMATCH`: the key's DID is not the issuer (for presentations: the holder, when named);
 * - `PROOF_CHALLENGE_MISSING`, `PROOF_CHALLENGE_MISMATCH`, `PROOF_DOMAIN_MISMATCH`: presentations;
 * - `PROOF_KEY_UNREACHABLE` (indeterminate): the key's DID document could not be retrieved.
 */
export type ProofCode =
  | 'PROOF_OK'
  | 'PROOF_MISSING'
  | 'PROOF_MALFORMED'
  | 'PROOF_INVALID'
  | 'PROOF_TYP_INVALID'
  | 'PROOF_ALG_UNSUPPORTED'
  | 'PROOF_LEGACY_CLAIMS'
  | 'PROOF_TYPE_UNSUPPORTED'
  | 'PROOF_PURPOSE_INVALID'
  | 'PROOF_CHAIN_INVALID'
  | 'PROOF_KID_INVALID'
  | 'PROOF_KEY_NOT_FOUND'
  | 'PROOF_KEY_UNSUPPORTED'
  | 'PROOF_KEY_NOT_AUTHORIZED'
  | 'PROOF_ISSUER_MISMATCH'
  | 'PROOF_CHALLENGE_MISSING'
  | 'PROOF_CHALLENGE_MISMATCH'
  | 'PROOF_DOMAIN_MISMATCH'
  | 'PROOF_KEY_UNREACHABLE'

/** Options for presentations (ignored for credentials). */
export interface CheckProofOptions {
  /** The challenge the relying party issued: `proof.challenge` (Data Integrity) / `nonce` (VC-JOSE) must equal it. */
  challenge?: string
  /** The expected domain: `proof.domain` / `aud` must equal (or, as an array, contain) it. */
  domain?: string
  /** Refuse a presentation proof that carries no challenge, even when `challenge` is not given. */
  requireChallenge?: boolean
}

// Data Integrity 1.0 §2.3 processing errors.
const DI = 'https://w3id.org/security#'

const CODES: Record<Exclude<ProofCode, 'PROOF_OK'>, { title: string; di?: string; jose?: string }> = {
  PROOF_MISSING: {
    title: 'The document has no proof',
    di: `${DI}MALFORMED_PROOF_ERROR`,
    jose: PROBLEM_TYPES.CRYPTOGRAPHIC_SECURITY_ERROR,
  },
  PROOF_MALFORMED: {
    title: 'The proof cannot be read',
    di: `${DI}MALFORMED_PROOF_ERROR`,
    jose: PROBLEM_TYPES.CRYPTOGRAPHIC_SECURITY_ERROR,
  },
  PROOF_INVALID: {
    title: 'The proof does not verify',
    di: `${DI}PROOF_VERIFICATION_ERROR`,
    jose: PROBLEM_TYPES.CRYPTOGRAPHIC_SECURITY_ERROR,
  },
  PROOF_TYP_INVALID: {
    title: 'The JWS typ is not the VC-JOSE media type',
    jose: PROBLEM_TYPES.CRYPTOGRAPHIC_SECURITY_ERROR,
  },
  PROOF_ALG_UNSUPPORTED: {
    title: 'The JWS algorithm is not allowed',
    jose: PROBLEM_TYPES.CRYPTOGRAPHIC_SECURITY_ERROR,
  },
  PROOF_LEGACY_CLAIMS: {
    title: 'The JWS payload uses the legacy vc/vp claims',
    jose: PROBLEM_TYPES.CRYPTOGRAPHIC_SECURITY_ERROR,
  },
  PROOF_TYPE_UNSUPPORTED: { title: 'The proof type or cryptosuite is not supported' },
  PROOF_PURPOSE_INVALID: {
    title: 'The proof was made for another purpose',
    di: `${DI}MISMATCHED_PROOF_PURPOSE_ERROR`,
  },
  PROOF_CHAIN_INVALID: { title: 'The proof chain is broken', di: `${DI}MALFORMED_PROOF_ERROR` },
  PROOF_KID_INVALID: {
    title: 'The JWS does not name its key as a DID URL',
    jose: PROBLEM_TYPES.CRYPTOGRAPHIC_SECURITY_ERROR,
  },
  PROOF_KEY_NOT_FOUND: { title: 'The signing key cannot be resolved' },
  PROOF_KEY_UNSUPPORTED: { title: 'The signing key type is not supported' },
  PROOF_KEY_NOT_AUTHORIZED: { title: 'The signing key is not authorized for this purpose' },
  PROOF_ISSUER_MISMATCH: { title: 'The signing key does not belong to the issuer' },
  PROOF_CHALLENGE_MISSING: {
    title: 'The presentation proof has no challenge',
    di: `${DI}INVALID_CHALLENGE_ERROR`,
  },
  PROOF_CHALLENGE_MISMATCH: {
    title: 'The presentation proof has another challenge',
    di: `${DI}INVALID_CHALLENGE_ERROR`,
  },
  PROOF_DOMAIN_MISMATCH: {
    title: 'The presentation proof is for another domain',
    di: `${DI}INVALID_DOMAIN_ERROR`,
  },
  PROOF_KEY_UNREACHABLE: { title: 'The signing key could not be retrieved' },
}

const MESSAGES: Record<ProofCode, string> = {
  PROOF_OK: 'The proof verifies, with a key of the signer',
  PROOF_MISSING: 'There is no proof',
  PROOF_MALFORMED: 'The proof cannot be read',
  PROOF_INVALID: 'The proof does not verify: the content was changed after signing, or another key signed it',
  PROOF_TYP_INVALID: 'The JWS is not typed as a VC-JOSE credential or presentation',
  PROOF_ALG_UNSUPPORTED: 'The JWS uses an algorithm that is not allowed (only EdDSA and ES256)',
  PROOF_LEGACY_CLAIMS: 'The JWS uses the legacy VC-JWT vc/vp claims, which VC-JOSE does not allow',
  PROOF_TYPE_UNSUPPORTED:
    'The proof type or cryptosuite is not supported (only DataIntegrityProof with eddsa-rdfc-2022 or ecdsa-rdfc-2019)',
  PROOF_PURPOSE_INVALID: 'The proof was made for another purpose than this document needs',
  PROOF_CHAIN_INVALID: 'A proof names a previous proof that is not there',
  PROOF_KID_INVALID: 'The JWS does not name its signing key as a DID URL',
  PROOF_KEY_NOT_FOUND: 'The signing key cannot be resolved',
  PROOF_KEY_UNSUPPORTED: 'The signing key is not an Ed25519 or P-256 key',
  PROOF_KEY_NOT_AUTHORIZED: 'The DID document does not authorize the signing key for this purpose',
  PROOF_ISSUER_MISMATCH: 'The document was signed with a key that does not belong to its issuer or holder',
  PROOF_CHALLENGE_MISSING: 'The presentation proof carries no challenge',
  PROOF_CHALLENGE_MISMATCH: 'The presentation proof carries another challenge than the one issued',
  PROOF_DOMAIN_MISMATCH: 'The presentation proof is for another domain',
  PROOF_KEY_UNREACHABLE: 'The signing key could not be retrieved; the proof could not be checked',
}

const JWS_CODES: Record<JwsFailureReason, ProofCode> = {
  malformed: 'PROOF_MALFORMED',
  typ: 'PROOF_TYP_INVALID',
  alg: 'PROOF_ALG_UNSUPPORTED',
  header: 'PROOF_MALFORMED',
  kid: 'PROOF_KID_INVALID',
  'key-unresolvable': 'PROOF_KEY_NOT_FOUND',
  'key-unsupported': 'PROOF_KEY_UNSUPPORTED',
  'key-not-authorized': 'PROOF_KEY_NOT_AUTHORIZED',
  'key-unreachable': 'PROOF_KEY_UNREACHABLE',
  'alg-key-mismatch': 'PROOF_INVALID',
  signature: 'PROOF_INVALID',
  payload: 'PROOF_MALFORMED',
}

const DI_CODES: Record<DataIntegrityFailureReason, ProofCode> = {
  missing: 'PROOF_MISSING',
  malformed: 'PROOF_MALFORMED',
  'type-unsupported': 'PROOF_TYPE_UNSUPPORTED',
  purpose: 'PROOF_PURPOSE_INVALID',
  'challenge-missing': 'PROOF_CHALLENGE_MISSING',
  'challenge-mismatch': 'PROOF_CHALLENGE_MISMATCH',
  'domain-mismatch': 'PROOF_DOMAIN_MISMATCH',
  chain: 'PROOF_CHAIN_INVALID',
  'key-unresolvable': 'PROOF_KEY_NOT_FOUND',
  'key-unsupported': 'PROOF_KEY_UNSUPPORTED',
  'key-unreachable': 'PROOF_KEY_UNREACHABLE',
  'key-not-authorized': 'PROOF_KEY_NOT_AUTHORIZED',
  invalid: 'PROOF_INVALID',
}

type Parsed = ParsedCredential | ParsedPresentation

function pointerOf(parsed: Parsed): string {
  return parsed.kind === 'credential' ? parsed.pointer : ''
}

function result(parsed: Parsed, code: ProofCode, detail?: string, instance?: string): Check {
  if (code === 'PROOF_OK') return makeCheck('proof', 'pass', code, MESSAGES[code])
  const status: CheckStatus = code === 'PROOF_KEY_UNREACHABLE' ? 'indeterminate' : 'fail'
  const entry = CODES[code]
  const type = (parsed.mechanism === 'vc-jose' ? entry.jose : entry.di) ?? ownProblemType(code)
  const problems: ProblemDetails[] = [problem(type, code, entry.title, detail, instance)]
  return makeCheck('proof', status, code, MESSAGES[code], problems)
}

/** The `holder` id of a presentation, when it names one. */
function holderIdOf(presentation: Record<string, unknown>): string | undefined {
  const { holder } = presentation
  if (typeof holder === 'string') return holder
  return isRecord(holder) && typeof holder.id === 'string' ? holder.id : undefined
}

function audienceIncludes(aud: unknown, domain: string): boolean {
  return aud === domain || (Array.isArray(aud) && aud.includes(domain))
}

async function checkJoseProof(
  parsed: Parsed,
  deps: VerifierDeps,
  options: CheckProofOptions,
): Promise<Check> {
  const base = pointerOf(parsed)
  if (typeof parsed.jws !== 'string' || parsed.jws === '')
    return result(parsed, 'PROOF_MISSING', 'No JWS to verify', base)
  const presentation = parsed.kind === 'presentation'
  const document = presentation ? parsed.presentation : parsed.credential
  const signer = presentation ? holderIdOf(document) : issuerIdOf(document)
  const outcome = await verifyVcJws(parsed.jws, {
    didResolver: deps.didResolver,
    typ: presentation ? 'vp+jwt' : 'vc+jwt',
    relationship: presentation ? 'authentication' : 'assertionMethod',
    ...(signer === undefined ? {} : { baseDid: signer }),
  })
  if (!outcome.ok) {
    const detail = outcome.detail === undefined ? outcome.message : `${outcome.message}: ${outcome.detail}`
    return result(parsed, JWS_CODES[outcome.reason], detail, base)
  }
  const { payload, key } = outcome
  if ('vc' in payload || 'vp' in payload) {
    return result(parsed, 'PROOF_LEGACY_CLAIMS', 'The payload has a top-level vc or vp claim', base)
  }
  // The other checks read the parsed document: it must be exactly what was signed.
  if (!isDeepStrictEqual(payload, document)) {
    return result(parsed, 'PROOF_INVALID', 'The document checked is not the signed JWS payload', base)
  }
  // VC-JOSE-COSE §3.1.1 / §3.2.1: the issuer (holder) is the controller of the signing key. A presentation
  // without a holder is bound to its signer by the holder check, not here.
  if (!presentation || signer !== undefined) {
    const what = presentation ? 'holder' : 'issuer'
    if (signer === undefined)
      return result(parsed, 'PROOF_ISSUER_MISMATCH', 'The credential names no issuer', base)
    if (key.did !== signer || key.controller !== signer) {
      return result(parsed, 'PROOF_ISSUER_MISMATCH', `The kid's DID is not the ${what}`, base)
    }
    if (payload.iss !== undefined && payload.iss !== signer) {
      return result(parsed, 'PROOF_ISSUER_MISMATCH', `The iss claim is not the ${what}`, base)
    }
  }
  if (presentation) {
    if (options.challenge !== undefined && payload.nonce !== options.challenge) {
      return result(
        parsed,
        payload.nonce === undefined ? 'PROOF_CHALLENGE_MISSING' : 'PROOF_CHALLENGE_MISMATCH',
        'nonce is not the challenge',
        base,
      )
    }
    if (options.challenge === undefined && options.requireChallenge && typeof payload.nonce !== 'string') {
      return result(parsed, 'PROOF_CHALLENGE_MISSING', 'The presentation has no nonce', base)
    }
    if (options.domain !== undefined && !audienceIncludes(payload.aud, options.domain)) {
      return result(parsed, 'PROOF_DOMAIN_MISMATCH', 'aud is not the domain', base)
    }
  }
  return result(parsed, 'PROOF_OK')
}

async function checkDataIntegrityProof(
  parsed: Parsed,
  deps: VerifierDeps,
  options: CheckProofOptions,
): Promise<Check> {
  const base = pointerOf(parsed)
  const presentation = parsed.kind === 'presentation'
  const document = presentation ? parsed.presentation : parsed.credential
  const outcome = await verifyDataIntegrityProofs(document, {
    kind: parsed.kind,
    documentLoader: deps.documentLoader,
    didResolver: deps.didResolver,
    now: deps.clock(),
    ...(options.challenge === undefined ? {} : { challenge: options.challenge }),
    ...(options.domain === undefined ? {} : { domain: options.domain }),
    ...(options.requireChallenge === undefined ? {} : { requireChallenge: options.requireChallenge }),
  })
  const proofPointer = (index: number | undefined) =>
    index === undefined
      ? `${base}/proof`
      : Array.isArray(document.proof)
        ? `${base}/proof/${index}`
        : `${base}/proof`
  if (!outcome.ok) {
    const detail = outcome.detail === undefined ? outcome.message : `${outcome.message}: ${outcome.detail}`
    return result(parsed, DI_CODES[outcome.reason], detail, proofPointer(outcome.index))
  }
  const signer = presentation ? holderIdOf(document) : issuerIdOf(document)
  if (!presentation || signer !== undefined) {
    if (signer === undefined)
      return result(parsed, 'PROOF_ISSUER_MISMATCH', 'The credential names no issuer', `${base}/issuer`)
    // Proofs by other keys (an endorsement in a proof set or chain) are allowed once they verify; one proof
    // at least must be the issuer's (holder's) own.
    const bySigner = outcome.proofs.some(
      (proof) => proof.controller === signer && proof.verificationMethod.split('#')[0] === signer,
    )
    if (!bySigner) {
      const what = presentation ? 'holder' : 'issuer'
      return result(
        parsed,
        'PROOF_ISSUER_MISMATCH',
        `No proof was made with a key of the ${what}`,
        proofPointer(undefined),
      )
    }
  }
  return result(parsed, 'PROOF_OK')
}

/**
 * Verifies the proof of a parsed credential or presentation (for a presentation: its own proof only; each
 * embedded credential is verified on its own). Resolves to the `proof` check for any input; never throws
 * for bad input.
 *
 * @example
 * ```ts
 * const check = await checkProof(parsed, deps)
 * const vpCheck = await checkProof(parsedVp, deps, { challenge, domain, requireChallenge: true })
 * ```
 */
export async function checkProof(
  parsed: Parsed,
  deps: VerifierDeps,
  options: CheckProofOptions = {},
): Promise<Check> {
  if (parsed.mechanism === 'vc-jose') return checkJoseProof(parsed, deps, options)
  if (parsed.mechanism === 'data-integrity') return checkDataIntegrityProof(parsed, deps, options)
  return result(
    parsed,
    'PROOF_TYPE_UNSUPPORTED',
    `Unknown securing mechanism: ${String(parsed.mechanism as unknown)}`,
  )
}
