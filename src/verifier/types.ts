/**
 * The verifier's contract: what it accepts, the named checks it runs, and the result it returns. Verifying
 * never throws for bad input: a bad credential is a result with `verified: false`.
 */
import type { Clock } from '../clock.js'
import type { DidResolver } from '../did/resolver.js'
import type { DocumentLoader } from '../document-loader/index.js'
import type { StatusListResolver } from '../status/status-list-resolver.js'

/** The stable check ids, in report order. */
export const CHECK_IDS = [
  'format',
  'context',
  'schema',
  'proof',
  'issuer',
  'validity',
  'status',
  'trust',
  'microcredential',
  'holder',
] as const
export type CheckId = (typeof CHECK_IDS)[number]

/** `indeterminate`: the check could not run (never a pass). `skipped`: it does not apply (never blocks). */
export type CheckStatus = 'pass' | 'fail' | 'indeterminate' | 'skipped'

/** RFC 9457 problem details, as VC Data Model 2.0 §7.1 uses them in verification results. */
export interface ProblemDetails {
  type: string
  title: string
  detail?: string
  /** Our stable code, e.g. `PROOF_INVALID`. */
  code?: string
  /** JSON pointer into the input, when the problem is located. */
  instance?: string
}

/** One named step of the report. */
export interface Check {
  id: CheckId
  status: CheckStatus
  /** Stable, machine-readable, e.g. `PROOF_OK`, `PROOF_INVALID`, `STATUS_REVOKED`. */
  code: string
  /** For people; never contains secrets, and personal data only from a credential whose proof passed. */
  message: string
  problems?: ProblemDetails[]
}

/** How the input was secured. */
export type SecuringMechanism = 'data-integrity' | 'vc-jose'

/** A credential after form detection: the JSON-LD document and, for VC-JOSE, the JWS it came from. */
export interface ParsedCredential {
  kind: 'credential'
  mechanism: SecuringMechanism
  /** `1.1` or `2.0`, from the base context; undefined when the context is not a VC base context. */
  version: '1.1' | '2.0' | undefined
  /** The credential document (the JWS payload for VC-JOSE). */
  credential: Record<string, unknown>
  /** For VC-JOSE: the compact JWS as received (from a file, or from an enveloped credential's data: URL). */
  jws?: string
  /** For VC-JOSE: the protected header, decoded (not yet verified). */
  header?: Record<string, unknown>
  /** Where it sat in the input: `''` at top level, e.g. `/verifiableCredential/0` inside a presentation. */
  pointer: string
  /** For an enveloped credential: the `EnvelopedVerifiableCredential` object it arrived in. */
  envelope?: Record<string, unknown>
}

/** A presentation after form detection. */
export interface ParsedPresentation {
  kind: 'presentation'
  mechanism: SecuringMechanism
  version: '1.1' | '2.0' | undefined
  presentation: Record<string, unknown>
  jws?: string
  header?: Record<string, unknown>
  /** For an enveloped presentation: the `EnvelopedVerifiablePresentation` object it arrived in. */
  envelope?: Record<string, unknown>
  /** Each embedded credential, parsed (or the format failure that stopped it). */
  credentials: Array<ParsedCredential | { kind: 'unparseable'; pointer: string; check: Check }>
}

/** Someone the relying party trusts to issue credentials, with the name to show instead of the credential's. */
export interface TrustedIssuer {
  did: string
  name: string
  /** Where the entry comes from: this instance's own issuers, or the configured registry file. */
  source: 'instance' | 'registry'
}

/** The trusted-issuer registry port. */
export interface TrustedIssuerRegistry {
  lookup(did: string): Promise<TrustedIssuer | undefined>
}

export type PolicyName = 'default' | 'employer'

/** What verification needs, injected. */
export interface VerifierDeps {
  documentLoader: DocumentLoader
  didResolver: DidResolver
  resolveStatusList: StatusListResolver
  trustedIssuers: TrustedIssuerRegistry
  clock: Clock
  /** Tolerated clock difference, seconds (default 300). */
  maxClockSkew?: number
}

export interface VerifyOptions {
  policy?: PolicyName
  /** Presentations: the challenge the relying party issued (required by default). */
  challenge?: string
  /** Presentations: the domain the relying party expects (required by default). */
  domain?: string
  /** Input limits, checked before anything recursive runs (defaults: 1 MiB, 64 levels). */
  limits?: InputLimits
}

/** Limits on the input, checked on the raw text (or by an iterative walk) before any recursive processing. */
export interface InputLimits {
  /** Largest input in bytes (UTF-8 text, or the estimated JSON size of a parsed value). Default 1 MiB. */
  maxBytes?: number
  /** Deepest nesting of arrays and objects; the top-level value is level 1. Default 64. */
  maxDepth?: number
}

/** The human summary, read from the credential only after its proof passed. */
export interface CredentialSummary {
  holderName?: string
  title?: string
  awardingBody?: string
  /** The registry's name for the issuer, when trusted; never the credential's own claim alone. */
  issuerName?: string
  issuerDid?: string
  issued?: string
  learningOutcomes?: string[]
  ects?: number
  eqfLevel?: number
  grade?: string
}

export interface VerificationResult {
  verified: boolean
  policy: PolicyName
  kind: 'credential' | 'presentation'
  mechanism?: SecuringMechanism
  checks: Check[]
  /** Failed or indeterminate REQUIRED checks, as problem details. */
  errors: ProblemDetails[]
  /** Failed or indeterminate checks the policy does not require, and documented deviations. */
  warnings: ProblemDetails[]
  summary?: CredentialSummary
  /** Presentations: the result of each embedded credential, verified in full. */
  credentials?: VerificationResult[]
}
