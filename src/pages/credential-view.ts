/**
 * What the pages show of a credential, read from the credential document itself (the JWS payload of an
 * `elm` credential, the JSON-LD of an `edc` one): every text stays a language map, so that a page picks the
 * language it shows, and only what the credential says appears (an absent element is left out, never
 * guessed). For credentials that are not ELM only the VC data model's own `name` and `description` are read.
 */
import { EU_LANGUAGE_CODES, languageIri } from '../model/vocabularies.js'

type Json = Record<string, unknown>

/** Text by language (ISO 639-1); `''` holds text the credential gave without a language. */
export type LangText = Readonly<Record<string, string>>

export interface QualityAssuranceView {
  type?: LangText
  agent?: LangText
  decision?: LangText
}

export interface CredentialView {
  /** The languages the credential carries, its primary language first. */
  languages: string[]
  title?: LangText
  description?: LangText
  holderName?: LangText
  awardingBody?: LangText
  issuerName?: LangText
  issuerId?: string
  /** ISO 8601 date-times, as the credential gives them. */
  issued?: string
  awarded?: string
  validUntil?: string
  period?: { start: string; end: string }
  learningOutcomes: LangText[]
  ects?: number
  eqfLevel?: number
  workloadHours?: number
  grade?: LangText
  gradingScheme?: LangText
  assessment?: LangText
  supervision?: LangText
  participation: LangText[]
  learningSetting?: LangText
  prerequisites?: LangText
  qualityAssurance: QualityAssuranceView[]
}

const ECTS = 'http://data.europa.eu/snb/education-credit/6fcec5c5af'
const EQF_LEVEL = /^http:\/\/data\.europa\.eu\/snb\/eqf\/([1-8])$/
/** `PT75H`, `PT7H30M`, `PT45M`: the durations ELM's `volumeOfLearning` uses. */
const DURATION = /^PT(?:(\d+(?:\.\d+)?)H)?(?:(\d+)M)?$/

function isRecord(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function objects(value: unknown): Json[] {
  const list: unknown[] = Array.isArray(value) ? value : value === undefined || value === null ? [] : [value]
  return list.filter(isRecord)
}

function typesOf(node: Json): string[] {
  const type = node.type ?? node['@type']
  return (Array.isArray(type) ? type : [type]).filter((t): t is string => typeof t === 'string')
}

function firstString(value: unknown): string | undefined {
  if (typeof value === 'string') return value.trim() || undefined
  if (Array.isArray(value)) {
    for (const item of value) {
      const found = firstString(item)
      if (found !== undefined) return found
    }
  }
  return undefined
}

/**
 * A language map from what a credential writes: an ELM map (`{en: '…', fr: '…'}`, values may be arrays), a
 * JSON-LD value (`{'@value': '…', '@language': 'fr'}`), a list of those, or plain text.
 */
export function langText(value: unknown): LangText | undefined {
  const out: Record<string, string> = {}
  const add = (lang: string, text: string | undefined) => {
    if (text !== undefined && out[lang] === undefined) out[lang] = text
  }
  const visit = (item: unknown): void => {
    if (typeof item === 'string') add('', firstString(item))
    else if (Array.isArray(item)) item.forEach(visit)
    else if (isRecord(item)) {
      if ('@value' in item) {
        const lang = typeof item['@language'] === 'string' ? item['@language'].toLowerCase() : ''
        add(lang, firstString(item['@value']))
        return
      }
      for (const [lang, text] of Object.entries(item)) {
        if (/^[a-z]{2,3}(?:-[a-z0-9]+)*$/i.test(lang)) add(lang.toLowerCase(), firstString(text))
      }
    }
  }
  visit(value)
  return Object.keys(out).length > 0 ? out : undefined
}

/** The text in `lang`, else in the first of `fallbacks` the map has, else any; with the language it is in. */
export function pickText(
  text: LangText | undefined,
  lang: string,
  fallbacks: readonly string[] = [],
): { text: string; lang: string } | undefined {
  if (text === undefined) return undefined
  for (const candidate of [lang, ...fallbacks, 'en', '']) {
    const found = text[candidate]
    if (found !== undefined) return { text: found, lang: candidate }
  }
  const [first] = Object.entries(text)
  return first && { text: first[1], lang: first[0] }
}

function languageCodeOf(concept: Json): string | undefined {
  const iri = concept.id
  return typeof iri === 'string' ? EU_LANGUAGE_CODES.find((code) => languageIri(code) === iri) : undefined
}

function conceptLabel(value: unknown): LangText | undefined {
  const concept = objects(value)[0]
  return concept && langText(concept.prefLabel)
}

function numberOf(value: unknown): number | undefined {
  const n = typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : Number.NaN
  return Number.isFinite(n) ? n : undefined
}

function hoursOf(value: unknown): number | undefined {
  const match = typeof value === 'string' ? DURATION.exec(value) : null
  if (!match || (match[1] === undefined && match[2] === undefined)) return undefined
  const hours = Number(match[1] ?? 0) + Number(match[2] ?? 0) / 60
  return Math.round(hours * 100) / 100
}

function dateOf(value: unknown): string | undefined {
  return typeof value === 'string' && !Number.isNaN(Date.parse(value)) ? value : undefined
}

/** The languages a credential carries: its display languages (primary first), then any its texts use. */
function languagesOf(credential: Json, texts: Array<LangText | undefined>): string[] {
  const display = objects(credential.displayParameter)[0] ?? {}
  const primary = objects(display.primaryLanguage).map(languageCodeOf)[0]
  const listed = objects(display.language).map(languageCodeOf)
  const used = texts.flatMap((t) => Object.keys(t ?? {}))
  const all = [primary, ...listed, ...used].filter((l): l is string => l !== undefined && l !== '')
  return [...new Set(all)]
}

/** The view of `credential` (a credential document, not its envelope). */
export function credentialView(credential: Json): CredentialView {
  const subject = objects(credential.credentialSubject)[0] ?? {}
  const claim = objects(subject.hasClaim).find((c) => typesOf(c).includes('LearningAchievement')) ?? {}
  const spec = objects(claim.specifiedBy)[0] ?? {}
  const awarding = objects(claim.awardedBy)[0] ?? {}
  const assessment = objects(claim.provenBy)[0] ?? {}
  const assessmentSpec = objects(assessment.specifiedBy)[0] ?? {}
  const activity = objects(claim.influencedBy)[0] ?? {}
  const period = objects(activity.temporal)[0]
  const issuer = objects(credential.issuer)[0]

  const given = langText(subject.givenName)
  const family = langText(subject.familyName)
  const joined =
    given && family
      ? Object.fromEntries(
          Object.keys(given)
            .filter((lang) => family[lang] !== undefined)
            .map((lang) => [lang, `${given[lang]} ${family[lang]}`]),
        )
      : undefined
  const holderName =
    langText(subject.fullName) ??
    (joined && Object.keys(joined).length > 0 ? joined : undefined) ??
    langText(subject.name)

  const points = [...objects(claim.creditReceived), ...objects(spec.creditPoint)]
  const ects = numberOf(points.find((p) => objects(p.framework).some((f) => f.id === ECTS))?.point)
  const eqfId = objects(spec.eqfLevel)
    .map((level) => (typeof level.id === 'string' ? EQF_LEVEL.exec(level.id) : null))
    .find((m) => m !== null)
  const modes = objects(spec.mode).length > 0 ? spec.mode : objects(activity.specifiedBy)[0]?.mode

  const view: CredentialView = {
    languages: [],
    title: langText(claim.title) ?? langText(spec.title) ?? langText(credential.name),
    description: langText(spec.description) ?? langText(credential.description),
    holderName,
    awardingBody: objects(awarding.awardingBody)
      .map((body) => langText(body.legalName))
      .find((n) => n !== undefined),
    issuerName: issuer && (langText(issuer.legalName) ?? langText(issuer.name)),
    issuerId: typeof credential.issuer === 'string' ? credential.issuer : (issuer?.id as string | undefined),
    issued: dateOf(credential.issued) ?? dateOf(credential.validFrom) ?? dateOf(credential.issuanceDate),
    awarded: dateOf(awarding.awardingDate),
    validUntil: dateOf(credential.validUntil) ?? dateOf(credential.expirationDate),
    period:
      period && dateOf(period.startDate) && dateOf(period.endDate)
        ? { start: period.startDate as string, end: period.endDate as string }
        : undefined,
    learningOutcomes: objects(spec.learningOutcome)
      .map((outcome) => langText(outcome.title))
      .filter((t): t is LangText => t !== undefined),
    ects,
    eqfLevel: eqfId ? Number(eqfId[1]) : undefined,
    workloadHours: hoursOf(spec.volumeOfLearning),
    grade: objects(assessment.grade)
      .map((g) => langText(g.noteLiteral))
      .find((g) => g !== undefined),
    gradingScheme: objects(assessmentSpec.gradingScheme)
      .map((s) => langText(s.title))
      .find((t) => t !== undefined),
    assessment: conceptLabel(assessmentSpec.dcType),
    supervision: conceptLabel(assessment.idVerification),
    participation: objects(modes)
      .map((mode) => langText(mode.prefLabel))
      .filter((t): t is LangText => t !== undefined),
    learningSetting: conceptLabel(spec.learningSetting),
    prerequisites: objects(spec.entryRequirement)
      .map((n) => langText(n.noteLiteral))
      .find((t) => t !== undefined),
    qualityAssurance: objects(spec.accreditation).map((accreditation) => ({
      type: conceptLabel(accreditation.dcType) ?? langText(accreditation.title),
      agent: objects(accreditation.accreditingAgent)
        .map((agent) => langText(agent.legalName))
        .find((n) => n !== undefined),
      decision: langText(accreditation.description),
    })),
  }
  view.languages = languagesOf(credential, [view.title, view.description, ...view.learningOutcomes])
  return view
}

/**
 * The credential document of a stored credential: the JWS payload of a compact JWS (read, not verified:
 * the pages run the verifier separately), the JSON otherwise, the `data:` URL of an enveloped credential
 * followed. Undefined when it cannot be read.
 */
export function credentialDocument(stored: string | Json): Json | undefined {
  try {
    let value: unknown = stored
    if (typeof value === 'string') {
      const text = value.trim()
      value = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/.test(text)
        ? JSON.parse(Buffer.from(text.split('.')[1] ?? '', 'base64url').toString('utf8'))
        : JSON.parse(text)
    }
    if (!isRecord(value)) return undefined
    const id = value.id
    if (typesOf(value).includes('EnvelopedVerifiableCredential') && typeof id === 'string') {
      const comma = id.indexOf(',')
      return comma > 0 && id.startsWith('data:') ? credentialDocument(id.slice(comma + 1)) : undefined
    }
    return value
  } catch {
    return undefined
  }
}
