/**
 * Verification of credentials and presentations, with a named-check report. Every public export is listed
 * by name.
 */
export {
  verifyCredential,
  verifyParsedCredential,
  assertVerifierDeps,
  formatFailureResult,
} from './verify-credential.js'
export { verifyPresentation } from './verify-presentation.js'
export {
  parseVerifiable,
  isCompactJws,
  DEFAULT_MAX_BYTES,
  DEFAULT_MAX_DEPTH,
  MAX_EMBEDDED_CREDENTIALS,
  type ParseFailureCode,
  type UnparseableInput,
} from './parse-input.js'
export { applyPolicy, isPolicyName, requiredChecks, POLICY_NAMES, REQUIRED_CHECKS } from './policies.js'
export {
  createTrustedIssuerRegistry,
  readTrustedIssuersFile,
  type TrustedIssuerRegistryOptions,
  type TrustedIssuerStorage,
} from './trusted-issuers.js'
export {
  createStandaloneVerifierDeps,
  createVerifierDeps,
  type StandaloneVerifierDepsOptions,
  type VerifierContext,
  type VerifierDepsOptions,
} from './verifier-deps.js'
export { summarizeCredential } from './summary.js'
export { DEFAULT_MAX_CLOCK_SKEW, type ValidityCode } from './checks/validity.js'
export type { FormatCode } from './checks/format.js'
export type { ContextCode } from './checks/context.js'
export type { SchemaCode } from './checks/schema.js'
export type { TrustCode } from './checks/trust.js'
export type { MicrocredentialCode } from './checks/microcredential.js'
export { CHECK_IDS } from './types.js'
export type {
  Check,
  CheckId,
  CheckStatus,
  CredentialSummary,
  InputLimits,
  ParsedCredential,
  ParsedPresentation,
  PolicyName,
  ProblemDetails,
  SecuringMechanism,
  TrustedIssuer,
  TrustedIssuerRegistry,
  VerificationResult,
  VerifierDeps,
  VerifyOptions,
} from './types.js'
