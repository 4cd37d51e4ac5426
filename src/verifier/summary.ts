/**
 * The human summary of a verified credential: who, what, by whom, when. It is read from the credential only
 * after its proof passed (the caller's duty), and the issuer's display name comes from the trusted-issuer
 * registry only, never from the credential's own claim.
 *
 * ELM credentials give everything (`credentialSubject.hasClaim` is the `LearningAchievement`), in the
 * credential's primary language (`displayParameter.primaryLanguage`); for other credentials only what the VC
 * data model itself names is read (`name`, `credentialSubject.name`).
 */
import { EU_LANGUAGE_CODES, languageIri } from '../model/vocabularies.js'
import { isRecord, issuerIdOf, typesOf } from './problem-details.js'
import type { CredentialSummary, TrustedIssuer } from './types.js'

type Json = Record<string, unknown>

const ECTS = 'http://data.europa.eu/snb/education-credit/6fcec5c5af'
const EQF_LEVEL = /^http:\/\/data\.europa\.eu\/snb\/eqf\/([1-8])$/

function objects(value: unknown): Json[] {
  const list: unknown[] = Array.isArray(value) ? value : value === undefined || value === null ? [] : [value]
  return list.filter(isRecord)
}

/** The ISO 639-1 code of the credential's ELM `displayParameter.primaryLanguage`, if it names an EU language. */
function primaryLanguageOf(credential: Json): string | undefined {
  const iri = objects(objects(credential.displayParameter)[0]?.primaryLanguage)[0]?.id
  return typeof iri === 'string' ? EU_LANGUAGE_CODES.find((code) => languageIri(code) === iri) : undefined
}

/**
 * Text from an ELM language map (`{en: "…", fr: "…"}`; values may be arrays), a plain string, or a VC 2.0
 * language value (`{"@value": "…"}`): in `language` when the map has it, else the first language listed.
 */
function textIn(value: unknown, language: string | undefined): string | undefined {
  if (typeof value === 'string') return value.trim() || undefined
  if (Array.isArray(value)) {
    for (const item of value) {
      const found = textIn(item, language)
      if (found !== undefined) return found
    }
    return undefined
  }
  if (!isRecord(value)) return undefined
  if ('@value' in value) return textIn(value['@value'], language)
  if (language !== undefined) {
    const preferred = textIn(value[language], undefined)
    if (preferred !== undefined) return preferred
  }
  for (const entry of Object.values(value)) {
    const found = textIn(entry, undefined)
    if (found !== undefined) return found
  }
  return undefined
}

function ectsOf(claim: Json, spec: Json): number | undefined {
  const points = [...objects(claim.creditReceived), ...objects(spec.creditPoint)]
  const ects = points.find((p) => objects(p.framework).some((f) => f.id === ECTS))
  const value = ects?.point
  const number = typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : Number.NaN
  return Number.isFinite(number) ? number : undefined
}

function eqfOf(spec: Json): number | undefined {
  for (const level of objects(spec.eqfLevel)) {
    const match = typeof level.id === 'string' ? EQF_LEVEL.exec(level.id) : null
    if (match) return Number(match[1])
  }
  return undefined
}

/** Drops undefined members, so the summary shows only what the credential says. */
function compact(summary: CredentialSummary): CredentialSummary {
  return Object.fromEntries(Object.entries(summary).filter(([, v]) => v !== undefined)) as CredentialSummary
}

/**
 * The summary of `credential`. Call it only once the proof passed. `trusted` is the registry entry of the
 * issuer, when the trust check found one: its name is the only issuer name shown.
 */
export function summarizeCredential(credential: Json, trusted: TrustedIssuer | undefined): CredentialSummary {
  const language = primaryLanguageOf(credential)
  const text = (value: unknown) => textIn(value, language)
  const subject = objects(credential.credentialSubject)[0] ?? {}
  const claim = objects(subject.hasClaim).find((c) => typesOf(c.type).includes('LearningAchievement')) ?? {}
  const spec = objects(claim.specifiedBy)[0] ?? {}
  const given = text(subject.givenName)
  const family = text(subject.familyName)
  const holderName =
    text(subject.fullName) ?? (given && family ? `${given} ${family}` : undefined) ?? text(subject.name)
  const outcomes = objects(spec.learningOutcome)
    .map((o) => text(o.title))
    .filter((t): t is string => t !== undefined)
  const grade = objects(claim.provenBy)
    .map((a) => objects(a.grade).map((g) => text(g.noteLiteral))[0])
    .find((g) => g !== undefined)
  const issued = [credential.issued, credential.validFrom, credential.issuanceDate].find(
    (d): d is string => typeof d === 'string',
  )
  return compact({
    holderName,
    title: text(claim.title) ?? text(spec.title) ?? text(credential.name),
    awardingBody: objects(claim.awardedBy)
      .flatMap((p) => objects(p.awardingBody))
      .map((o) => text(o.legalName))
      .find((n) => n !== undefined),
    issuerName: trusted?.name,
    issuerDid: issuerIdOf(credential),
    issued,
    learningOutcomes: outcomes.length > 0 ? outcomes : undefined,
    ects: ectsOf(claim, spec),
    eqfLevel: eqfOf(spec),
    grade,
  })
}
