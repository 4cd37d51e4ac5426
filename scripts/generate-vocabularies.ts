/**
 * Generates `src/model/vocabularies.generated.ts` from the ELM controlled-vocabulary XSD files.
 *
 * Run by hand whenever the code lists are refreshed, then review and commit the generated file:
 *
 *     npx tsx scripts/generate-vocabularies.ts <cv-folder> [output-file]
 *
 * `cv-folder` holds the XSD enumerations of the ELM repository (branch `EDC-3.2-(LTS)`, folder
 * `xsd/loq/cv/`); `output-file` defaults to `src/model/vocabularies.generated.ts`.
 *
 * The XSD files are read with regular expressions rather than an XML parser: they are flat
 * `xs:simpleType` enumerations of concept IRIs with one `xs:documentation` label each, and the project
 * has no XML dependency worth adding for that. Any other shape makes the script stop with an error, so
 * a format change is noticed instead of producing a silently incomplete table.
 */

import { readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { basename, join, resolve } from 'node:path'

/** Where the lists come from: written into the generated header. */
const SOURCE = {
  repository: 'european-commission-empl/European-Learning-Model',
  branch: 'EDC-3.2-(LTS)',
  folder: 'xsd/loq/cv/',
  lastChange: '5e64d128ede76fe838a5114643ac522ab9087eff (2023-03-28)',
  licence: 'EUPL-1.2',
}

interface ParsedConcept {
  id: string
  label: string
  notation?: string
}

interface ParsedList {
  name: string
  file: string
  scheme: string
  concepts: ParsedConcept[]
}

function decodeXml(text: string): string {
  return text
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&')
}

function parseXsd(file: string): ParsedList {
  const xml = readFileSync(file, 'utf8')
  const scheme = /targetNamespace="([^"]+)"/.exec(xml)?.[1]
  if (!scheme) throw new Error(`${file}: no targetNamespace`)
  const concepts: ParsedConcept[] = []
  const enumeration = /<xs:enumeration\s+value="([^"]+)"\s*>([\s\S]*?)<\/xs:enumeration>/g
  for (const match of xml.matchAll(enumeration)) {
    const id = decodeXml(match[1] ?? '')
    const body = match[2] ?? ''
    const label = /<xs:documentation[^>]*>([\s\S]*?)<\/xs:documentation>/.exec(body)?.[1]
    if (!label) throw new Error(`${file}: enumeration ${id} has no documentation label`)
    const notation = /<skos:notation[^>]*>([\s\S]*?)<\/skos:notation>/.exec(body)?.[1]
    const concept: ParsedConcept = { id, label: decodeXml(label).replace(/\s+/g, ' ').trim() }
    if (notation) concept.notation = decodeXml(notation).trim()
    concepts.push(concept)
  }
  // An enumeration without a body (`<xs:enumeration value="..."/>`) would be skipped by the pattern above.
  const declared = (xml.match(/<xs:enumeration\b/g) ?? []).length
  if (declared !== concepts.length) {
    throw new Error(`${file}: ${declared} enumerations declared but ${concepts.length} parsed`)
  }
  if (concepts.length === 0) throw new Error(`${file}: no enumeration values`)
  return { name: basename(file, '.xsd'), file: basename(file), scheme, concepts }
}

/** A single-quoted TypeScript string literal, in the project's quote style. */
function q(text: string): string {
  return `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`
}

function render(lists: ParsedList[]): string {
  const lines: string[] = []
  lines.push('/**')
  lines.push(' * ELM controlled vocabularies (code lists), generated: do not edit by hand.')
  lines.push(' *')
  lines.push(' * Regenerate with `npx tsx scripts/generate-vocabularies.ts` (see that script).')
  lines.push(` * Source: ${SOURCE.repository}, branch \`${SOURCE.branch}\`, folder \`${SOURCE.folder}\``)
  lines.push(` * (last change ${SOURCE.lastChange}). Licence: ${SOURCE.licence}.`)
  lines.push(' * Files:')
  for (const list of lists) lines.push(` * - \`${list.file}\` (${list.concepts.length} concepts)`)
  lines.push(' *')
  lines.push(
    ' * Each concept IRI is an `xs:enumeration` value; its label is the `xs:documentation` text, which the',
  )
  lines.push(' * XSD files give in English only. The scheme IRI is the XSD `targetNamespace`.')
  lines.push(' */')
  lines.push('')
  lines.push('/** One concept of a generated list. */')
  lines.push('export interface GeneratedConcept {')
  lines.push('  readonly id: string')
  lines.push('  /** English preferred label. */')
  lines.push('  readonly label: string')
  lines.push('  readonly notation?: string')
  lines.push('}')
  lines.push('')
  lines.push('/** One generated list: its concept scheme IRI, source file and concepts. */')
  lines.push('export interface GeneratedVocabulary {')
  lines.push('  readonly scheme: string')
  lines.push('  readonly source: string')
  lines.push('  readonly concepts: readonly GeneratedConcept[]')
  lines.push('}')
  lines.push('')
  lines.push('/** The lists, keyed by XSD file name without extension. */')
  lines.push('export const GENERATED_VOCABULARIES = {')
  for (const list of lists) {
    lines.push(`  ${q(list.name)}: {`)
    lines.push(`    scheme: ${q(list.scheme)},`)
    lines.push(`    source: ${q(list.file)},`)
    lines.push('    concepts: [')
    for (const c of list.concepts) {
      const notation = c.notation === undefined ? '' : `, notation: ${q(c.notation)}`
      lines.push(`      { id: ${q(c.id)}, label: ${q(c.label)}${notation} },`)
    }
    lines.push('    ],')
    lines.push('  },')
  }
  lines.push('} as const satisfies Readonly<Record<string, GeneratedVocabulary>>')
  lines.push('')
  lines.push('/** Name of a generated list. */')
  lines.push('export type GeneratedListName = keyof typeof GENERATED_VOCABULARIES')
  lines.push('')
  return lines.join('\n')
}

function main(): void {
  const cvArg = process.argv[2]
  if (!cvArg) {
    process.stderr.write('usage: npx tsx scripts/generate-vocabularies.ts <cv-folder> [output-file]\n')
    process.exit(2)
  }
  const cvDir = resolve(cvArg)
  const output = resolve(
    process.argv[3] ?? new URL('../src/model/vocabularies.generated.ts', import.meta.url).pathname,
  )
  const files = readdirSync(cvDir)
    .filter((f) => f.endsWith('.xsd'))
    .sort()
    .map((f) => join(cvDir, f))
  if (files.length === 0) throw new Error(`no .xsd files in ${cvDir}`)
  const lists = files.map(parseXsd)
  writeFileSync(output, render(lists))
  process.stdout.write(
    `wrote ${output}: ${lists.map((l) => `${l.name} (${l.concepts.length})`).join(', ')}\n`,
  )
}

main()
