/**
 * Generates `src/model/ebsi-edc-validator.generated.ts`: the validator of EBSI's EDC schema (bundled in
 * `schemas/vendor/ebsi/`), compiled ahead of time with Ajv's standalone code, so that neither a service nor
 * a batch worker spends half a second compiling the schema before its first credential.
 *
 * Run whenever the bundled schema or Ajv changes, then commit the generated file:
 *
 *     npx tsx scripts/generate-ebsi-validator.ts [output-file]
 *
 * A test regenerates the code and fails when the committed file differs.
 */
import { createHash } from 'node:crypto'
import { readFileSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { Ajv2020, _ } from 'ajv/dist/2020.js'
import standalone from 'ajv/dist/standalone/index.js'
import { addEbsiEdcSchemas } from '../src/model/ebsi-schema.js'
import { ebsiFormats } from '../src/model/ebsi-formats.js'

export const EBSI_VALIDATOR_FILE = new URL('../src/model/ebsi-edc-validator.generated.ts', import.meta.url)

const SCHEMA_FILES = [
  'vcdm2.0-europass-edc-schema/schema.json',
  'vcdm2.0-attestation-schema/schema.json',
] as const

function ajvVersion(): string {
  const manifest = new URL('../node_modules/ajv/package.json', import.meta.url)
  return (JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version
}

/** The generated module's text. */
export function generateEbsiValidatorSource(): string {
  // The same options as the runtime validators, except that this one stops at the first problem.
  const ajv = new Ajv2020({
    allErrors: false,
    strict: true,
    code: { source: true, esm: true, formats: _`ebsiFormats` },
  })
  for (const [name, format] of Object.entries(ebsiFormats)) ajv.addFormat(name, format)
  const validate = ajv.getSchema(addEbsiEdcSchemas(ajv))
  if (validate === undefined) throw new Error('EBSI EDC schema did not compile')
  const code = standalone.default(ajv, validate)
  // Ajv reaches some runtime helpers with require(), which an ES module does not have; the EDC schema needs
  // none of them today, and a version that does is refused here rather than failing at load.
  if (code.includes('require(')) throw new Error('The standalone EBSI validator needs require(): add it')
  const digests = SCHEMA_FILES.map((file) => {
    const bytes = readFileSync(new URL(`../schemas/vendor/ebsi/${file}`, import.meta.url))
    return ` * - \`schemas/vendor/ebsi/${file}\` sha256 ${createHash('sha256').update(bytes).digest('hex')}`
  })
  return [
    '// @ts-nocheck',
    '/* eslint-disable */',
    '/**',
    " * EBSI's EDC credential schema compiled to code (Ajv standalone, first problem only), generated: do not",
    ' * edit by hand. Regenerate with `npx tsx scripts/generate-ebsi-validator.ts`.',
    ` * Ajv ${ajvVersion()}; schemas:`,
    ...digests,
    ' */',
    "import { ebsiFormats } from './ebsi-formats.js'",
    '',
    code,
    '',
  ].join('\n')
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const output = process.argv[2] ?? fileURLToPath(EBSI_VALIDATOR_FILE)
  writeFileSync(output, generateEbsiValidatorSource())
  process.stderr.write(`wrote ${output}\n`)
}
