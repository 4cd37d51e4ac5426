/**
 * The ILA demo scheme (`microcred ila demo`): a synthetic CPF-like operator generated into the current
 * instance. Each provider becomes a tenant with its own did:key issuer, stores its courses and issues its
 * learners' credentials, so that its status lists are local and linking runs offline; the operator's files
 * (providers, catalogue, spending records) name those issuers. Most of the scheme is clean. A few records and
 * credentials are wrong on purpose, each listed in the answer key under the code of the fraud signal (F1-F16)
 * or linking rule (L2, L3, L5) it must trip (see `docs/ila.md`, "Demo").
 *
 * Everything random is drawn from one seeded generator, in a fixed order, before anything is stored or
 * written: a seed gives the same records, credential ids and answer key whatever the storage or timing. Only
 * the keys are new on every run, and with them the DIDs and signatures.
 */
import { once } from 'node:events'
import { createWriteStream } from 'node:fs'
import { mkdir, writeFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { finished } from 'node:stream/promises'
import { StorageConflictError, ValidationError, type FieldProblem } from '../errors.js'
import { createTenantWithIssuer } from '../issuer/issuer-identity.js'
import { addCourse, issueMicrocredential, type IssueDeps } from '../issuer/issue-microcredential.js'
import { changeStatus } from '../status/index.js'
import type { CourseRecord, IssuerProfile } from '../storage/storage.js'
import {
  CURRENCY,
  DAY_MS,
  ectsFor,
  eqfFor,
  MODALITY_TEXT,
  MODES,
  REGISTRY_ID,
  type Course,
  type IlaDemoAnswer,
  type Provider,
} from './demo-plan.js'
import { planIlaDemo } from './demo-plants.js'
import type { SpendingRecord } from './model.js'
import { ilaCsvHeader, ilaCsvRow } from './read-rows.js'

/** What generating the demo needs: everything issuing does (the demo issues as its providers). */
export type IlaDemoDeps = IssueDeps

export interface IlaDemoInput {
  /** Spending records to generate, {@link ILA_DEMO_MIN_RECORDS} to {@link ILA_DEMO_MAX_RECORDS}. */
  records: number
  /** The folder the five files are written to (created if needed). */
  outDir: string
  /** The seed of every random draw (a 32-bit unsigned integer); default 1. */
  seed?: number
}

export type { IlaDemoAnswer } from './demo-plan.js'

export interface IlaDemoResult {
  seed: number
  /** The day the scheme is generated for: every event lies before it, every planned session after it. */
  asOf: string
  /** Slugs of the tenants created, one per issuing organisation. */
  tenants: string[]
  /** Absolute paths of the files written. */
  files: {
    providers: string
    catalogue: string
    records: string
    credentials: string
    answerKey: string
  }
  counts: {
    providers: number
    catalogueEntries: number
    records: number
    credentials: number
    elm: number
    edc: number
    revoked: number
    planted: number
    plantedByCode: Record<string, number>
    /** Totals over the spending records, in minor units of `currency`. */
    amounts: {
      currency: string
      agreedMinor: number
      paidMinor: number
      recreditedMinor: number
      recoveredMinor: number
    }
  }
}

/** Fewer records leave the planted ones without enough clean ones around them. */
export const ILA_DEMO_MIN_RECORDS = 300
/** Every credential is signed and stored one by one: beyond this the demo stops being a demo. */
export const ILA_DEMO_MAX_RECORDS = 100_000

/** Names of the files written into `outDir`. */
export const ILA_DEMO_FILES = {
  providers: 'providers.json',
  catalogue: 'catalogue.json',
  records: 'spending-records.csv',
  credentials: 'credentials.jsonl',
  answerKey: 'answer-key.json',
} as const

/** The course a provider stores for `course`, shaped like `examples/course.json`. */
function courseJson(course: Course): Record<string, unknown> {
  const { topic, awardingBody: body, offer } = course
  const hours = topic.courseHours ?? topic.hours
  const modality = MODALITY_TEXT[topic.modality]
  return {
    id: course.id,
    title: { ...topic.title },
    description: {
      fr: `Formation courte de ${hours} heures ${modality.fr} : ${topic.title.fr}. Données de démonstration fictives.`,
      en: `A ${hours}-hour ${modality.en} short course: ${topic.title.en}. Fictional demonstration data.`,
    },
    learningOutcomes: [
      {
        title: {
          fr: `Mettre en œuvre les méthodes et outils essentiels de la formation « ${topic.title.fr} » dans une situation de travail réaliste`,
          en: `Use the essential methods and tools of "${topic.title.en}" in a realistic work situation`,
        },
      },
      {
        title: {
          fr: "Expliquer et justifier, à l'écrit et à l'oral, les choix faits dans un projet court",
          en: 'Explain and justify, in writing and orally, the choices made in a short project',
        },
      },
    ],
    ects: ectsFor(hours),
    workloadHours: hours,
    eqfLevel: eqfFor(topic),
    // Written examination for marked courses, practical assessment onsite, project work otherwise.
    assessmentType: topic.graded ? '6e6cb2cc78' : topic.modality === 'onsite' ? '6a4db9f11d' : '795dac4096',
    mode: MODES[topic.modality],
    learningSetting: 'non-formal',
    languages: ['fr', 'en'],
    qualityAssurance: {
      type: 'bb4618238e',
      decision: 'Qualiopi quality certification of the provider (fictional demonstration data).',
    },
    gradingScheme: topic.graded
      ? {
          title: { fr: 'Note sur 20', en: 'Mark out of 20' },
          description: {
            fr: 'Obtenu avec une note d’au moins 10/20.',
            en: 'Passed with a mark of 10/20 or more.',
          },
        }
      : { title: { fr: 'Validé / non validé', en: 'Pass / fail' } },
    awardingBody: {
      legalName: { fr: body.spec.name, en: body.spec.name },
      country: 'FR',
      region: body.spec.region,
      legalIdentifier: { notation: body.eidas, country: 'FR' },
      homepage: body.homepage,
    },
    ilaOffer: { registry: REGISTRY_ID, offerId: offer.offerId },
    isPartialQualification: false,
    // Whatever the instance's default: the demo revokes one credential and must be able to.
    statusPurposes: ['revocation', 'suspension'],
  }
}

function profileOf(provider: Provider): IssuerProfile {
  const { name, street, postcode, city } = provider.spec
  return {
    legalName: { fr: name, en: name },
    country: 'FR',
    address: { fr: `${street}, ${postcode} ${city}, France` },
    eidasIdentifier: { notation: provider.eidas, country: 'FR' },
    homepage: provider.homepage,
    development: false,
  }
}

/** Writes lines as they come, waiting when the file falls behind, so memory stays flat. */
async function writeLines(path: string, lines: Iterable<string> | AsyncIterable<string>): Promise<void> {
  const out = createWriteStream(path)
  try {
    for await (const line of lines) {
      if (!out.write(line)) await once(out, 'drain')
    }
  } finally {
    out.end()
  }
  await finished(out)
}

function codeOrder(code: string): [string, number] {
  return [code.slice(0, 1), Number(code.slice(1))]
}

function compareAnswers(a: IlaDemoAnswer, b: IlaDemoAnswer): number {
  const [la, na] = codeOrder(a.code)
  const [lb, nb] = codeOrder(b.code)
  const text = (x?: string, y?: string) => (x ?? '').localeCompare(y ?? '')
  return (
    la.localeCompare(lb) ||
    na - nb ||
    text(a.providerId, b.providerId) ||
    text(a.recordId, b.recordId) ||
    text(a.credentialId, b.credentialId)
  )
}

function checkInput(input: IlaDemoInput): { records: number; seed: number } {
  const seed = input.seed ?? 1
  const problems: FieldProblem[] = []
  if (
    !Number.isInteger(input.records) ||
    input.records < ILA_DEMO_MIN_RECORDS ||
    input.records > ILA_DEMO_MAX_RECORDS
  ) {
    problems.push({
      field: 'records',
      rule: 'range',
      message: `records must be an integer from ${ILA_DEMO_MIN_RECORDS} to ${ILA_DEMO_MAX_RECORDS}`,
    })
  }
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffff_ffff) {
    problems.push({ field: 'seed', rule: 'range', message: 'seed must be an integer from 0 to 4294967295' })
  }
  if (problems.length > 0) throw new ValidationError('Invalid demo parameters', problems)
  return { records: input.records, seed }
}

/**
 * Generates the demo scheme into the instance `deps` come from and writes its five files into `outDir`:
 * `providers.json`, `catalogue.json`, `spending-records.csv` (in the columns `ilaCsvHeader` writes, so that
 * `importIla` reads it as is), `credentials.jsonl` (one credential a line: a compact JWS for `elm`, the
 * signed JSON for `edc`) and `answer-key.json` (the planted irregularities). One tenant is created per issuing
 * organisation, `ila-demo-<seed>-<key>`; the operator's own tenant is whichever the files are imported into.
 *
 * Dates are relative to `deps.clock()`: trainings ended before today, planned sessions lie after it, so
 * linking and reconciling the same day find exactly what was planted.
 *
 * @throws ValidationError when `records` or `seed` is out of range.
 * @throws StorageConflictError when the instance already holds the tenants of this seed.
 * @example
 * ```ts
 * const demo = await generateIlaDemo(ctx, { records: 1000, outDir: 'demo', seed: 7 })
 * await importIla(ctx, { kind: 'providers', format: 'json', source: createReadStream(demo.files.providers) })
 * ```
 */
export async function generateIlaDemo(deps: IlaDemoDeps, input: IlaDemoInput): Promise<IlaDemoResult> {
  const { records, seed } = checkInput(input)
  const plan = planIlaDemo(seed, Math.floor(deps.clock().getTime() / DAY_MS), records)

  // The folder first: a folder that cannot be written must not leave the seed's tenants behind.
  const outDir = resolve(input.outDir)
  await mkdir(outDir, { recursive: true })
  for (const provider of plan.providers) {
    if (await deps.storage.tenants.getBySlug(provider.tenantSlug)) {
      throw new StorageConflictError(
        `The demo scheme of seed ${seed} is in this instance already (tenant ${provider.tenantSlug}): give another seed`,
      )
    }
  }
  for (const provider of plan.providers) {
    const view = await createTenantWithIssuer(deps, {
      slug: provider.tenantSlug,
      name: provider.spec.name,
      profile: profileOf(provider),
      keyType: 'Ed25519',
    })
    provider.did = view.issuer.did
  }

  const files = {
    providers: join(outDir, ILA_DEMO_FILES.providers),
    catalogue: join(outDir, ILA_DEMO_FILES.catalogue),
    records: join(outDir, ILA_DEMO_FILES.records),
    credentials: join(outDir, ILA_DEMO_FILES.credentials),
    answerKey: join(outDir, ILA_DEMO_FILES.answerKey),
  }
  const registry = plan.registryEntries()
  const catalogue = plan.catalogueEntries()
  await writeFile(files.providers, `${JSON.stringify(registry, null, 2)}\n`)
  await writeFile(files.catalogue, `${JSON.stringify(catalogue, null, 2)}\n`)

  const ordered = [...plan.drafts].sort(
    (a, b) =>
      a.record.requestedAt.localeCompare(b.record.requestedAt) ||
      a.record.recordId.localeCompare(b.record.recordId),
  )
  await writeLines(
    files.records,
    (function* () {
      yield ilaCsvHeader('records')
      for (const draft of ordered) yield ilaCsvRow('records', draft.record)
    })(),
  )

  const courses = new Map<string, CourseRecord>()
  const planned = [...plan.credentials].sort(
    (a, b) => a.issuedAt.localeCompare(b.issuedAt) || a.id.localeCompare(b.id),
  )
  let elm = 0
  async function* issued(): AsyncGenerator<string> {
    for (const credential of planned) {
      const key = `${credential.signer.spec.key}|${credential.course.id}`
      let course = courses.get(key)
      if (course === undefined) {
        course = (
          await addCourse(deps, {
            tenantSlug: credential.signer.tenantSlug,
            course: courseJson(credential.course),
          })
        ).record
        courses.set(key, course)
      }
      // Each credential is issued at its own moment of the scheme's past, as its provider would have.
      const at = new Date(credential.issuedAt)
      const result = await issueMicrocredential(
        { ...deps, clock: () => new Date(at) },
        {
          tenantSlug: credential.signer.tenantSlug,
          course,
          learner: credential.learner,
          format: credential.format,
          credentialId: credential.id,
        },
      )
      if (credential.format === 'elm') elm++
      yield `${typeof result.credential === 'string' ? result.credential : JSON.stringify(result.credential)}\n`
    }
  }
  await writeLines(files.credentials, issued())

  const revoked = planned.filter((c) => c.revokeAt !== undefined)
  for (const credential of revoked) {
    const at = new Date(credential.revokeAt as string)
    await changeStatus(
      { ...deps, clock: () => new Date(at) },
      {
        tenantSlug: credential.signer.tenantSlug,
        actor: `${credential.signer.spec.name} registrar`,
        changes: [
          {
            credentialId: credential.id,
            action: 'revoke',
            reason: 'Awarded in error: the final assessment was not taken',
          },
        ],
      },
      deps.statusOptions,
    )
  }

  const answers = [...plan.answers].sort(compareAnswers)
  await writeFile(files.answerKey, `${JSON.stringify(answers, null, 2)}\n`)

  const plantedByCode: Record<string, number> = {}
  for (const answer of answers) plantedByCode[answer.code] = (plantedByCode[answer.code] ?? 0) + 1
  const sum = (pick: (r: SpendingRecord) => { amountMinor: number } | undefined) =>
    plan.drafts.reduce((total, d) => total + (pick(d.record)?.amountMinor ?? 0), 0)
  return {
    seed,
    asOf: plan.date(0),
    tenants: plan.providers.map((p) => p.tenantSlug),
    files,
    counts: {
      providers: registry.length,
      catalogueEntries: catalogue.length,
      records: plan.drafts.length,
      credentials: planned.length,
      elm,
      edc: planned.length - elm,
      revoked: revoked.length,
      planted: answers.length,
      plantedByCode,
      amounts: {
        currency: CURRENCY,
        agreedMinor: sum((r) => r.agreedPrice),
        paidMinor: sum((r) => r.amountPaidToProvider),
        recreditedMinor: sum((r) => r.amountRecredited),
        recoveredMinor: sum((r) => r.amountRecovered),
      },
    },
  }
}
