/**
 * Verification throughput for one issuer key type: `verifyCredential` on the credentials microcred issues
 * (elm as a compact JWS and as an `EnvelopedVerifiableCredential`, edc with Data Integrity) and on a generic
 * VC 2.0 Data Integrity credential; the library floors they are compared with; the `schema`, `status` and
 * `proof` checks of the edc credential alone, to show where its time goes; and `verifyPresentation` of a
 * Data Integrity and a VC-JOSE presentation carrying one credential.
 */
import { randomUUID } from 'node:crypto'
import { isDeepStrictEqual } from 'node:util'
import { Bench } from 'tinybench'
import { systemClock } from '../src/clock.js'
import type { AppContext } from '../src/context.js'
import { CREDENTIALS_V2 } from '../src/document-loader/index.js'
import { issueMicrocredential } from '../src/issuer/issue-microcredential.js'
import { signCredential } from '../src/issuer/sign-credential.js'
import type { CourseRecord, KeyAlgorithm } from '../src/storage/storage.js'
import { checkProof } from '../src/verifier/checks/proof.js'
import { checkSchema } from '../src/verifier/checks/schema.js'
import { checkCredentialStatus } from '../src/verifier/checks/status.js'
import {
  createVerifierDeps,
  parseVerifiable,
  verifyCredential,
  verifyPresentation,
  type Check,
  type CheckStatus,
  type ParsedCredential,
  type VerificationResult,
} from '../src/verifier/index.js'
import {
  createDataIntegrityPresentation,
  createJosePresentation,
  envelopeCredential,
} from '../test/support/presentations.js'
import { measurementOf, type BenchBudget, type Measurement } from './issue.bench.js'
import { createLocalKey, dataIntegrityVerify, importJwsPublicKey, joseCompactVerify } from './reference.js'

/** The rows of a key type's verification table, in display order. */
export const VERIFY_ROWS = [
  {
    id: 'verify-elm',
    label: '`verifyCredential`, elm (VC 2.0, VC-JOSE compact JWS), end to end',
    floor: 'floor-jose',
  },
  {
    id: 'verify-enveloped',
    label: '`verifyCredential`, the same elm JWS as an `EnvelopedVerifiableCredential`, end to end',
    floor: 'floor-jose',
  },
  {
    id: 'verify-edc',
    label: '`verifyCredential`, edc (VC 1.1, Data Integrity), end to end',
    floor: 'floor-di',
  },
  {
    id: 'verify-generic',
    label: '`verifyCredential`, generic VC 2.0 Data Integrity credential (`signCredential`)',
  },
  { id: 'floor-jose', label: 'Floor: `jose` `compactVerify` of the same elm JWS' },
  { id: 'floor-di', label: 'Floor: `@digitalbazaar/vc` `verifyCredential()` of the same edc credential' },
  { id: 'check-schema', label: 'edc `schema` check alone', share: true },
  { id: 'check-status', label: 'edc `status` check alone (lists from storage)', share: true },
  { id: 'check-proof', label: 'edc `proof` check alone (Data Integrity)', share: true },
  { id: 'vp-di', label: '`verifyPresentation`, Data Integrity presentation of the edc credential' },
  { id: 'vp-jose', label: '`verifyPresentation`, VC-JOSE presentation of the elm credential, enveloped' },
] as const satisfies ReadonlyArray<{ id: string; label: string; floor?: string; share?: true }>

export type VerifyRowId = (typeof VERIFY_ROWS)[number]['id']

export interface VerifyKeyTypeResult {
  keyType: KeyAlgorithm
  rows: Record<VerifyRowId, Measurement>
  /** The edc credential's `schema` check as `verifyCredential` reported it, and whether SHACL ran in it. */
  schema: { status: CheckStatus; code: string; shacl: boolean }
  /** The edc credential's `credentialStatus` entries and the lists they name. */
  statusEntries: number
  statusLists: number
}

/** The verification part of a run. */
export interface VerificationReport {
  budget: BenchBudget
  results: VerifyKeyTypeResult[]
  /** Wall time of the verification part (setup included), ms. */
  runMs: number
}

export interface VerifyBenchInput {
  ctx: AppContext
  tenantSlug: string
  course: CourseRecord
  learner: unknown
  keyType: KeyAlgorithm
  budget: BenchBudget
  /** Called as each task starts, for progress output. */
  onTask?: (name: string) => void
}

/** A generic VC 2.0 credential, as a caller of `signCredential` sends it. */
function genericCredential(): Record<string, unknown> {
  return {
    '@context': [CREDENTIALS_V2, 'https://www.w3.org/ns/credentials/examples/v2'],
    type: ['VerifiableCredential', 'ExampleAlumniCredential'],
    credentialSubject: { id: 'did:example:ebfeb1f712ebc6f1c276e12ec21', alumniOf: 'Example University' },
  }
}

function explain(what: string, result: VerificationResult): Error {
  const failed = result.checks.filter((c) => c.status === 'fail' || c.status === 'indeterminate')
  return new Error(`${what} did not verify: ${failed.map((c) => `${c.id} ${c.status} ${c.code}`).join(', ')}`)
}

function expectPass(what: string, check: Check): void {
  if (check.status !== 'pass') throw new Error(`${what}: ${check.id} ${check.status} ${check.code}`)
}

function schemaNamesShacl(credential: Record<string, unknown>): boolean {
  const raw = credential.credentialSchema
  const entries = (Array.isArray(raw) ? raw : [raw]) as unknown[]
  return entries.some((entry) => {
    const type = (entry as { type?: unknown } | undefined)?.type
    return (Array.isArray(type) ? type : [type]).includes('ShaclValidator2017')
  })
}

/** Runs every row of {@link VERIFY_ROWS} for one key type. */
export async function runVerifyBench(input: VerifyBenchInput): Promise<VerifyKeyTypeResult> {
  const { ctx, tenantSlug, course, learner, keyType, budget } = input
  const deps = createVerifierDeps(ctx)

  // What is verified: the example credential in both forms, and a generic credential, issued once.
  const elm = (await issueMicrocredential(ctx, { tenantSlug, course, learner, format: 'elm' })).credential
  const edc = (await issueMicrocredential(ctx, { tenantSlug, course, learner, format: 'edc' })).credential
  const generic = (await signCredential(ctx, { tenantSlug, credential: genericCredential(), proof: 'di' }))
    .credential
  if (typeof elm !== 'string' || typeof edc === 'string' || typeof generic === 'string') {
    throw new Error('Unexpected credential forms from issuing')
  }
  const enveloped = envelopeCredential(elm)
  const edcBefore = structuredClone(edc)

  // Presentations by a holder with a key of the same type, for a relying party's challenge and domain.
  const holderKey = await createLocalKey(keyType)
  const holder = { did: holderKey.kid.split('#')[0] as string, signer: holderKey.signer }
  const challenge = randomUUID()
  const domain = 'verifier.example'
  const vpDi = await createDataIntegrityPresentation({
    holder,
    credentials: [edc],
    challenge,
    domain,
    documentLoader: deps.documentLoader,
    date: systemClock(),
  })
  const vpJose = await createJosePresentation({ holder, credentials: [elm], nonce: challenge, aud: domain })

  // The edc checks alone run on the credential as the verifier parses it.
  const parsed = parseVerifiable(edc)
  if (parsed.kind !== 'credential') throw new Error('The edc credential does not parse as a credential')
  const edcParsed: ParsedCredential = parsed
  const publicKey = await importJwsPublicKey(elm, deps.didResolver)

  const tasks: Record<VerifyRowId, () => Promise<unknown>> = {
    'verify-elm': () => verifyCredential(elm, deps),
    'verify-enveloped': () => verifyCredential(enveloped, deps),
    'verify-edc': () => verifyCredential(edc, deps),
    'verify-generic': () => verifyCredential(generic, deps),
    'floor-jose': () => joseCompactVerify(elm, publicKey),
    'floor-di': () => dataIntegrityVerify(edc, keyType, deps.documentLoader),
    'check-schema': () => checkSchema(edcParsed, deps.documentLoader),
    'check-status': () => checkCredentialStatus(edcParsed, deps),
    'check-proof': () => checkProof(edcParsed, deps),
    'vp-di': () => verifyPresentation(vpDi, deps, { challenge, domain }),
    'vp-jose': () => verifyPresentation(vpJose, deps, { challenge, domain }),
  }

  // Everything measured must succeed, or its time means nothing; this also loads the SHACL shapes, the
  // contexts and the status lists once, before the first task.
  for (const [what, run] of [
    ['elm', tasks['verify-elm']],
    ['enveloped elm', tasks['verify-enveloped']],
    ['generic', tasks['verify-generic']],
    ['Data Integrity presentation', tasks['vp-di']],
    ['VC-JOSE presentation', tasks['vp-jose']],
  ] as const) {
    const result = (await run()) as VerificationResult
    if (!result.verified) throw explain(what, result)
  }
  const edcResult = await verifyCredential(edc, deps)
  if (!edcResult.verified) throw explain('edc', edcResult)
  const schemaInResult = edcResult.checks.find((c) => c.id === 'schema')
  if (!schemaInResult) throw new Error('The edc verification reported no schema check')
  const schemaAlone = await checkSchema(edcParsed, deps.documentLoader)
  if (schemaAlone.status !== schemaInResult.status || schemaAlone.code !== schemaInResult.code) {
    throw new Error('The schema check alone does not answer as it does inside verifyCredential')
  }
  expectPass('edc status check alone', await checkCredentialStatus(edcParsed, deps))
  expectPass('edc proof check alone', await checkProof(edcParsed, deps))
  if ((await joseCompactVerify(elm, publicKey)).length === 0)
    throw new Error('jose floor verified no payload')
  if (!(await dataIntegrityVerify(edc, keyType, deps.documentLoader)))
    throw new Error('Data Integrity floor did not verify')

  // A while of end-to-end verification first, so that the JIT has settled before the first measured task.
  const primeUntil = performance.now() + budget.primeMs
  do {
    await tasks['verify-elm']()
    await tasks['verify-edc']()
  } while (performance.now() < primeUntil)

  const bench = new Bench({
    name: `verify ${keyType}`,
    time: budget.timeMs,
    iterations: budget.iterations,
    warmup: true,
    warmupTime: budget.warmupTimeMs,
    warmupIterations: budget.warmupIterations,
    throws: true,
  })
  for (const row of VERIFY_ROWS) bench.add(row.id, tasks[row.id])
  for (const task of bench.tasks)
    task.addEventListener('start', () => input.onTask?.(`${keyType} ${task.name}`))
  await bench.run()
  if (!isDeepStrictEqual(edc, edcBefore))
    throw new Error('The edc credential was modified while benchmarking')

  const rows = {} as Record<VerifyRowId, Measurement>
  for (const row of VERIFY_ROWS) {
    const task = bench.getTask(row.id)
    if (!task) throw new Error(`Missing benchmark task ${row.id}`)
    rows[row.id] = measurementOf(task)
  }
  const status = edc.credentialStatus
  const entries = (Array.isArray(status) ? status : status === undefined ? [] : [status]) as Array<
    Record<string, unknown>
  >
  const shacl =
    (schemaInResult.status === 'pass' || schemaInResult.status === 'fail') && schemaNamesShacl(edc)
  return {
    keyType,
    rows,
    schema: { status: schemaInResult.status, code: schemaInResult.code, shacl },
    statusEntries: entries.length,
    statusLists: new Set(entries.map((e) => e.statusListCredential)).size,
  }
}
