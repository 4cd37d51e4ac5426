/**
 * `POST /credentials/verify` and `POST /presentations/verify`: 200 with the result when verified, 422 with the
 * same body when not, a 400 problem when the request envelope cannot be read.
 */
import { readFileSync } from 'node:fs'
import { Router } from 'express'
import { ValidationError } from '../errors.js'
import { createAjv, toFieldProblems } from '../lib/schema-validation.js'
import { CHECK_IDS, type CheckId, type PolicyName, type VerifierDeps } from '../verifier/index.js'
import { verifyCredential } from '../verifier/verify-credential.js'
import { verifyPresentation } from '../verifier/verify-presentation.js'
import { jsonBody } from './json-body.js'
import { verificationOutcome, type Metrics } from './metrics.js'
import { unknownOption } from './problem.js'

interface VerifyRequestOptions {
  checks?: string[]
  policy?: PolicyName
  challenge?: string
  domain?: string
}

export interface VerifyCredentialRequest {
  verifiableCredential: string | Record<string, unknown>
  options?: VerifyRequestOptions
}

export interface VerifyPresentationRequest {
  verifiablePresentation: string | Record<string, unknown>
  options?: VerifyRequestOptions
}

function loadSchema(name: string): object {
  return JSON.parse(readFileSync(new URL(`../../schemas/${name}`, import.meta.url), 'utf8')) as object
}

const ajv = createAjv()
const validateCredentialRequest = ajv.compile<VerifyCredentialRequest>(
  loadSchema('verify-credential.request.json'),
)
const validatePresentationRequest = ajv.compile<VerifyPresentationRequest>(
  loadSchema('verify-presentation.request.json'),
)

/** VC API check names (and our own ids) → our check ids. */
const CHECK_NAMES: Readonly<Record<string, CheckId>> = Object.freeze({
  ...Object.fromEntries(CHECK_IDS.map((id) => [id, id])),
  credentialStatus: 'status',
  expiration: 'validity',
  validFrom: 'validity',
  validUntil: 'validity',
  issuanceDate: 'validity',
  expirationDate: 'validity',
})

/**
 * Maps `options.checks` onto our check ids; an unknown name is refused. Every check still runs: the named
 * checks never narrow what `verified` requires.
 */
export function mapChecks(names: readonly string[] | undefined): CheckId[] {
  const ids = new Set<CheckId>()
  for (const name of names ?? []) {
    const id = Object.hasOwn(CHECK_NAMES, name) ? CHECK_NAMES[name] : undefined
    if (id === undefined) throw unknownOption(`Unknown check in options.checks: ${JSON.stringify(name)}`)
    ids.add(id)
  }
  return [...ids]
}

function invalid(what: string, errors: Parameters<typeof toFieldProblems>[0]): ValidationError {
  const problems = toFieldProblems(errors)
  const detail = problems.map((p) => p.message).join('; ')
  return new ValidationError(`Not a ${what} request: ${detail}`, problems)
}

export function verifyRoutes(verifier: VerifierDeps, bodyLimitBytes: number, metrics?: Metrics): Router {
  const router = Router()
  const json = jsonBody({ limitBytes: bodyLimitBytes })
  const limits = { maxBytes: bodyLimitBytes }

  router.post('/credentials/verify', json, async (req, res) => {
    const body: unknown = req.body
    if (!validateCredentialRequest(body)) throw invalid('verify-credential', validateCredentialRequest.errors)
    mapChecks(body.options?.checks)
    const policy = body.options?.policy ?? 'default'
    const result = await verifyCredential(body.verifiableCredential, verifier, { policy, limits })
    metrics?.verified.inc({ kind: 'credential', outcome: verificationOutcome(result) })
    res.status(result.verified ? 200 : 422).json(result)
  })

  router.post('/presentations/verify', json, async (req, res) => {
    const body: unknown = req.body
    if (!validatePresentationRequest(body))
      throw invalid('verify-presentation', validatePresentationRequest.errors)
    const options = body.options ?? {}
    mapChecks(options.checks)
    const result = await verifyPresentation(body.verifiablePresentation, verifier, {
      policy: options.policy ?? 'default',
      limits,
      ...(options.challenge !== undefined ? { challenge: options.challenge } : {}),
      ...(options.domain !== undefined ? { domain: options.domain } : {}),
    })
    metrics?.verified.inc({ kind: 'presentation', outcome: verificationOutcome(result) })
    res.status(result.verified ? 200 : 422).json(result)
  })

  return router
}
