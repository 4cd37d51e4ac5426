/**
 * ELM controlled vocabularies and the inline `Concept` objects built from them.
 *
 * Most lists are generated from the official XSD code lists (`vocabularies.generated.ts`). A few lists
 * the ELM repository does not ship as XSD are kept by hand below, each with its provenance: the 24 EU
 * official languages, the two image file types, the base64 encoding and the supervision /
 * identity-verification list. The EDC SHACL checks each concept's `inScheme`, so the scheme IRIs here
 * must be exactly the official ones.
 */

import { ValidationError } from '../errors.js'
import { GENERATED_VOCABULARIES } from './vocabularies.generated.js'

/** One concept of a code list. */
export interface VocabularyConcept {
  /** The concept IRI. */
  readonly id: string
  /** English preferred label. */
  readonly label: string
  /** Labels in other languages, when the list provides them (ISO 639-1 -> label). */
  readonly labels?: Readonly<Record<string, string>>
  readonly notation?: string
}

/** A code list: its concept scheme IRI, where it comes from, and its concepts. */
export interface Vocabulary {
  readonly scheme: string
  readonly source: string
  readonly concepts: readonly VocabularyConcept[]
}

/**
 * An ELM concept, inlined in full as EDC does: `{id, type: 'Concept', inScheme, prefLabel, notation?}`.
 * @see http://www.w3.org/2004/02/skos/core#Concept
 */
export interface ElmConcept {
  id: string
  type: 'Concept'
  inScheme: { id: string; type: 'ConceptScheme' }
  prefLabel?: Record<string, string>
  notation?: string
}

const LANGUAGE_AUTHORITY = 'http://publications.europa.eu/resource/authority/language'

/**
 * The 24 official EU languages: ISO 639-1 code -> EU Publications Office authority code, English label
 * and the label in the language itself (as in the EU "language" authority table).
 */
const EU_LANGUAGE_TABLE: ReadonlyArray<readonly [iso: string, authority: string, en: string, own: string]> = [
  ['bg', 'BUL', 'Bulgarian', 'български'],
  ['cs', 'CES', 'Czech', 'čeština'],
  ['da', 'DAN', 'Danish', 'dansk'],
  ['de', 'DEU', 'German', 'Deutsch'],
  ['el', 'ELL', 'Greek', 'ελληνικά'],
  ['en', 'ENG', 'English', 'English'],
  ['es', 'SPA', 'Spanish', 'español'],
  ['et', 'EST', 'Estonian', 'eesti'],
  ['fi', 'FIN', 'Finnish', 'suomi'],
  ['fr', 'FRA', 'French', 'français'],
  ['ga', 'GLE', 'Irish', 'Gaeilge'],
  ['hr', 'HRV', 'Croatian', 'hrvatski'],
  ['hu', 'HUN', 'Hungarian', 'magyar'],
  ['it', 'ITA', 'Italian', 'italiano'],
  ['lt', 'LIT', 'Lithuanian', 'lietuvių'],
  ['lv', 'LAV', 'Latvian', 'latviešu'],
  ['mt', 'MLT', 'Maltese', 'Malti'],
  ['nl', 'NLD', 'Dutch', 'Nederlands'],
  ['pl', 'POL', 'Polish', 'polski'],
  ['pt', 'POR', 'Portuguese', 'português'],
  ['ro', 'RON', 'Romanian', 'română'],
  ['sk', 'SLK', 'Slovak', 'slovenčina'],
  ['sl', 'SLV', 'Slovenian', 'slovenščina'],
  ['sv', 'SWE', 'Swedish', 'svenska'],
]

/** ISO 639-1 codes of the 24 official EU languages, the only course languages accepted. */
export const EU_LANGUAGE_CODES: readonly string[] = Object.freeze(EU_LANGUAGE_TABLE.map(([iso]) => iso))

const SUPPLEMENTARY_VOCABULARIES = {
  language: {
    scheme: LANGUAGE_AUTHORITY,
    source:
      'EU Publications Office authority table "language" (ISO 639 based), restricted to the 24 official EU ' +
      'languages; the ELM repository does not ship it as XSD because of its size',
    concepts: EU_LANGUAGE_TABLE.map(([iso, code, en, own]) => ({
      id: `${LANGUAGE_AUTHORITY}/${code}`,
      label: en,
      labels: { [iso]: own },
    })),
  },
  'file-type': {
    scheme: 'http://publications.europa.eu/resource/authority/file-type',
    source: 'EU Publications Office authority table "file-type": the two image types ELM display images use',
    concepts: [
      { id: 'http://publications.europa.eu/resource/authority/file-type/PNG', label: 'PNG' },
      { id: 'http://publications.europa.eu/resource/authority/file-type/JPEG', label: 'JPEG' },
    ],
  },
  encoding: {
    scheme: 'http://data.europa.eu/snb/encoding/25831c2',
    source: 'Europass encoding list, as used by the official EDC samples and the EBSI EDC example',
    concepts: [{ id: 'http://data.europa.eu/snb/encoding/6146cde7dd', label: 'base64' }],
  },
  // Only the concept confirmed in the official micro-credential sample (`provenBy.idVerification`). The
  // full list (`http://data.europa.eu/snb/supervision-verification/25831c2`) is published on EU
  // Vocabularies, which is not among the bundled sources: add concepts here once checked against it.
  'supervision-verification': {
    scheme: 'http://data.europa.eu/snb/supervision-verification/25831c2',
    source: 'Europass supervision and identity verification list, concepts confirmed in Sample-MC-Annex1',
    concepts: [
      {
        id: 'http://data.europa.eu/snb/supervision-verification/c598449d64',
        label: 'Unsupervised without ID Verification',
      },
    ],
  },
} as const satisfies Readonly<Record<string, Vocabulary>>

/** Every code list microcred knows, keyed by list name (the XSD file name for generated lists). */
export const VOCABULARIES: Readonly<Record<ListName, Vocabulary>> = Object.freeze({
  ...GENERATED_VOCABULARIES,
  ...SUPPLEMENTARY_VOCABULARIES,
})

/** Name of a code list. */
export type ListName = keyof typeof GENERATED_VOCABULARIES | keyof typeof SUPPLEMENTARY_VOCABULARIES

/** Friendly codes accepted besides the official short codes, per list. */
const ALIASES: Partial<Record<ListName, Readonly<Record<string, string>>>> = {
  'europass-learning-setting-types': {
    formal: 'http://data.europa.eu/snb/learning-setting/6fd4685715',
    'non-formal': 'http://data.europa.eu/snb/learning-setting/e207a81fc7',
  },
}

function shortCode(iri: string): string {
  return iri.slice(iri.lastIndexOf('/') + 1)
}

// Lookup by IRI, short code (last IRI segment) or alias; built once, the lists are constants.
const INDEX: ReadonlyMap<ListName, ReadonlyMap<string, VocabularyConcept>> = new Map(
  (Object.keys(VOCABULARIES) as ListName[]).map((name) => {
    const byKey = new Map<string, VocabularyConcept>()
    for (const c of VOCABULARIES[name].concepts) {
      byKey.set(c.id, c)
      byKey.set(shortCode(c.id), c)
    }
    for (const [alias, iri] of Object.entries(ALIASES[name] ?? {})) {
      const c = byKey.get(iri)
      if (c) byKey.set(alias, c)
    }
    return [name, byKey]
  }),
)

/**
 * Thrown when a code is not in its list. A {@link ValidationError} (`ERR_VALIDATION`) with one problem,
 * rule `enum`; `field` is the JSON pointer given by the caller, or `''` when there is none.
 */
export class UnknownConceptError extends ValidationError {
  constructor(
    readonly list: ListName,
    readonly value: string,
    field = '',
  ) {
    super(`Unknown code in ${list}: ${value}`, [
      { field, rule: 'enum', message: `${JSON.stringify(value)} is not a concept of the ${list} list` },
    ])
  }
}

/** The concept for a short code (`6e6cb2cc78`), an alias (`formal`) or a full IRI; `undefined` if unknown. */
export function findConcept(list: ListName, codeOrIri: string): VocabularyConcept | undefined {
  return INDEX.get(list)?.get(codeOrIri)
}

/** The concept IRI for a short code, alias or IRI; `undefined` if the list does not have it. */
export function conceptIri(list: ListName, codeOrIri: string): string | undefined {
  return findConcept(list, codeOrIri)?.id
}

/**
 * The ELM inline concept for a code of a list.
 *
 * `prefLabel` always has the English label. `lang` (ISO 639-1) adds the label in that language when the
 * list has one; an English label is never put under another language key. Within one credential, call
 * it with the same `lang` for the same concept: repeated nodes must be identical.
 *
 * @throws {UnknownConceptError} when the code is not in the list.
 * @example concept('europass-modes', 'e92d221e4d') // Blended, inScheme .../learning-assessment/25831c2
 */
export function concept(list: ListName, codeOrIri: string, lang?: string): ElmConcept {
  const found = findConcept(list, codeOrIri)
  if (!found) throw new UnknownConceptError(list, codeOrIri)
  const prefLabel: Record<string, string> = { en: found.label }
  const translated = lang === undefined ? undefined : found.labels?.[lang]
  if (lang !== undefined && translated !== undefined) prefLabel[lang] = translated
  const result: ElmConcept = {
    id: found.id,
    type: 'Concept',
    inScheme: { id: VOCABULARIES[list].scheme, type: 'ConceptScheme' },
    prefLabel,
  }
  if (found.notation !== undefined) result.notation = found.notation
  return result
}

/**
 * ISO 3166-1 alpha-2 -> alpha-3 (the EU country authority codes). Codes the EU table lacks (`TF`) are
 * left out. Aliases used by EU institutions and eIDAS identifiers: `EL` (Greece), `UK` (United
 * Kingdom), `XK` (Kosovo, EU code `1A0`).
 */
const ALPHA2_TO_ALPHA3: Readonly<Record<string, string>> = Object.freeze(
  Object.fromEntries(
    (
      'AD AND AE ARE AF AFG AG ATG AI AIA AL ALB AM ARM AO AGO AQ ATA AR ARG AS ASM AT AUT AU AUS AW ABW ' +
      'AX ALA AZ AZE BA BIH BB BRB BD BGD BE BEL BF BFA BG BGR BH BHR BI BDI BJ BEN BL BLM BM BMU BN BRN ' +
      'BO BOL BQ BES BR BRA BS BHS BT BTN BV BVT BW BWA BY BLR BZ BLZ CA CAN CC CCK CD COD CF CAF CG COG ' +
      'CH CHE CI CIV CK COK CL CHL CM CMR CN CHN CO COL CR CRI CU CUB CV CPV CW CUW CX CXR CY CYP CZ CZE ' +
      'DE DEU DJ DJI DK DNK DM DMA DO DOM DZ DZA EC ECU EE EST EG EGY EH ESH ER ERI ES ESP ET ETH FI FIN ' +
      'FJ FJI FK FLK FM FSM FO FRO FR FRA GA GAB GB GBR GD GRD GE GEO GF GUF GG GGY GH GHA GI GIB GL GRL ' +
      'GM GMB GN GIN GP GLP GQ GNQ GR GRC GS SGS GT GTM GU GUM GW GNB GY GUY HK HKG HM HMD HN HND HR HRV ' +
      'HT HTI HU HUN ID IDN IE IRL IL ISR IM IMN IN IND IO IOT IQ IRQ IR IRN IS ISL IT ITA JE JEY JM JAM ' +
      'JO JOR JP JPN KE KEN KG KGZ KH KHM KI KIR KM COM KN KNA KP PRK KR KOR KW KWT KY CYM KZ KAZ LA LAO ' +
      'LB LBN LC LCA LI LIE LK LKA LR LBR LS LSO LT LTU LU LUX LV LVA LY LBY MA MAR MC MCO MD MDA ME MNE ' +
      'MF MAF MG MDG MH MHL MK MKD ML MLI MM MMR MN MNG MO MAC MP MNP MQ MTQ MR MRT MS MSR MT MLT MU MUS ' +
      'MV MDV MW MWI MX MEX MY MYS MZ MOZ NA NAM NC NCL NE NER NF NFK NG NGA NI NIC NL NLD NO NOR NP NPL ' +
      'NR NRU NU NIU NZ NZL OM OMN PA PAN PE PER PF PYF PG PNG PH PHL PK PAK PL POL PM SPM PN PCN PR PRI ' +
      'PS PSE PT PRT PW PLW PY PRY QA QAT RE REU RO ROU RS SRB RU RUS RW RWA SA SAU SB SLB SC SYC SD SDN ' +
      'SE SWE SG SGP SH SHN SI SVN SJ SJM SK SVK SL SLE SM SMR SN SEN SO SOM SR SUR SS SSD ST STP SV SLV ' +
      'SX SXM SY SYR SZ SWZ TC TCA TD TCD TG TGO TH THA TJ TJK TK TKL TL TLS TM TKM TN TUN TO TON TR TUR ' +
      'TT TTO TV TUV TW TWN TZ TZA UA UKR UG UGA UM UMI US USA UY URY UZ UZB VA VAT VC VCT VE VEN VG VGB ' +
      'VI VIR VN VNM VU VUT WF WLF WS WSM YE YEM YT MYT ZA ZAF ZM ZMB ZW ZWE EL GRC UK GBR XK 1A0'
    )
      .split(' ')
      .reduce<Array<[string, string]>>((pairs, code, i, all) => {
        if (i % 2 === 0) pairs.push([code, all[i + 1] ?? ''])
        return pairs
      }, []),
  ),
)

/** The EU country authority IRI for an ISO 3166-1 alpha-2 code (`IE`); `undefined` if unknown. */
export function countryIri(alpha2: string): string | undefined {
  const alpha3 = ALPHA2_TO_ALPHA3[alpha2.toUpperCase()]
  return alpha3 === undefined ? undefined : conceptIri('country', alpha3)
}

/** Alpha-3 -> the first alpha-2 listed for it: `GRC` is `GR` and `GBR` is `GB`, never the aliases. */
const ALPHA3_TO_ALPHA2: ReadonlyMap<string, string> = new Map(
  Object.entries(ALPHA2_TO_ALPHA3)
    .reverse()
    .map(([alpha2, alpha3]) => [alpha3, alpha2]),
)

/**
 * The ISO 3166-1 alpha-2 code of an EU country authority IRI (`.../country/IRL` is `IE`), as a credential's
 * `countryCode` or `spatial` names a country; `undefined` for any other value.
 */
export function countryAlpha2(iri: string): string | undefined {
  const found = findConcept('country', iri)
  return found === undefined ? undefined : ALPHA3_TO_ALPHA2.get(found.id.slice(found.id.lastIndexOf('/') + 1))
}

/**
 * The ELM country concept (`op:country/IRL`) for an ISO 3166-1 alpha-2 code.
 * @throws {UnknownConceptError} for a code the EU country table does not have.
 */
export function countryConcept(alpha2: string, field = ''): ElmConcept {
  const iri = countryIri(alpha2)
  if (iri === undefined) throw new UnknownConceptError('country', alpha2, field)
  return concept('country', iri)
}

/** The EU language authority IRI (`.../language/ENG`) for an ISO 639-1 code of an EU official language. */
export function languageIri(iso6391: string): string | undefined {
  const row = EU_LANGUAGE_TABLE.find(([iso]) => iso === iso6391)
  return row === undefined ? undefined : `${LANGUAGE_AUTHORITY}/${row[1]}`
}

/**
 * The ELM language concept for an ISO 639-1 code of one of the 24 official EU languages.
 * @throws {UnknownConceptError} for any other code.
 */
export function languageConcept(iso6391: string, field = ''): ElmConcept {
  const iri = languageIri(iso6391)
  if (iri === undefined) throw new UnknownConceptError('language', iso6391, field)
  return concept('language', iri)
}

/** Scheme of ESCO skills, as the EDC SHACL (`EscoSkillRestriction`) requires for `relatedESCOSkill`. */
export const ESCO_SKILL_SCHEME = 'http://data.europa.eu/esco/concept-scheme/skills'
/** ESCO skill IRIs: `http://data.europa.eu/esco/skill/<id>`. */
export const ESCO_SKILL_PATTERN = /^http:\/\/data\.europa\.eu\/esco\/skill\/[A-Za-z0-9.-]+$/

/**
 * An ESCO skill concept. ESCO has about 14 000 skills and no label table is bundled, so the concept has
 * no `prefLabel` (optional in ELM); consumers resolve the label from ESCO by IRI.
 */
export function escoSkillConcept(iri: string): ElmConcept {
  return { id: iri, type: 'Concept', inScheme: { id: ESCO_SKILL_SCHEME, type: 'ConceptScheme' } }
}

/** Scheme of national qualification framework levels (the EDC SHACL `NQFLevelRestriction`). */
export const NQF_SCHEME = 'http://data.europa.eu/snb/qdr/25831c2'

/** An NQF level concept: the IRI and label are the course's own (from the national QF register). */
export function nqfConcept(iri: string, label: Readonly<Record<string, string>>): ElmConcept {
  return {
    id: iri,
    type: 'Concept',
    inScheme: { id: NQF_SCHEME, type: 'ConceptScheme' },
    prefLabel: { ...label },
  }
}

/** Scheme of EU administrative territorial units (ATU), e.g. `IRL_CTH_DUB`. */
export const ATU_SCHEME = 'http://publications.europa.eu/resource/authority/atu'
/** Scheme of NUTS regions, e.g. `IE061`. */
export const NUTS_SCHEME = 'http://data.europa.eu/nuts'

const ATU_CODE = /^[A-Z]{3}(?:_[A-Z0-9]+)+$/
const NUTS_CODE = /^[A-Z]{2}[0-9A-Z]{1,3}$/

/** A region code as accepted in course data: an ATU code (`IRL_CTH_DUB`) or a NUTS code (`IE061`). */
export const REGION_CODE_PATTERN = '^(?:[A-Z]{3}(?:_[A-Z0-9]+)+|[A-Z]{2}[0-9A-Z]{1,3})$'

/**
 * The region concept for `Location.spatialCode`: ATU codes go to the EU ATU table, NUTS codes to the
 * NUTS scheme. No label table is bundled for either, so the concept has no `prefLabel`.
 * @throws {ValidationError} (rule `pattern`) when the code is neither form.
 */
export function regionConcept(code: string, field = ''): ElmConcept {
  const inScheme = (id: string): ElmConcept['inScheme'] => ({ id, type: 'ConceptScheme' })
  if (ATU_CODE.test(code))
    return { id: `${ATU_SCHEME}/${code}`, type: 'Concept', inScheme: inScheme(ATU_SCHEME) }
  if (NUTS_CODE.test(code)) {
    return { id: `${NUTS_SCHEME}/code/${code}`, type: 'Concept', inScheme: inScheme(NUTS_SCHEME) }
  }
  const message = `${JSON.stringify(code)} is neither an ATU code (IRL_CTH_DUB) nor a NUTS code (IE061)`
  throw new ValidationError(`Not an ATU or NUTS region code: ${code}`, [{ field, rule: 'pattern', message }])
}
