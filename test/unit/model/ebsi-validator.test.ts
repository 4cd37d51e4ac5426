import { readFileSync } from 'node:fs'
import { expect } from 'chai'
import { fullFormats } from 'ajv-formats/dist/formats.js'
import { EBSI_VALIDATOR_FILE, generateEbsiValidatorSource } from '../../../scripts/generate-ebsi-validator.js'
import validateGenerated from '../../../src/model/ebsi-edc-validator.generated.js'
import { ebsiFormats } from '../../../src/model/ebsi-formats.js'
import { validateEbsiEdc } from '../../../src/model/index.js'

type Json = Record<string, any>

const official = (): Json =>
  JSON.parse(
    readFileSync(
      new URL(
        '../../../schemas/vendor/ebsi/vcdm2.0-europass-edc-schema/examples/microcredential-data-and-software-business.json',
        import.meta.url,
      ),
      'utf8',
    ),
  ) as Json

const conforms = validateGenerated as (credential: unknown) => boolean

describe('model/EBSI EDC validator (precompiled)', () => {
  it('is the code the bundled schema and the installed Ajv generate today', function () {
    this.timeout(20_000)
    const committed = readFileSync(EBSI_VALIDATOR_FILE, 'utf8')
    expect(committed === generateEbsiValidatorSource(), 'run: npx tsx scripts/generate-ebsi-validator.ts').to
      .be.true
  })

  it('accepts what the reporting validator accepts, and refuses what it refuses', () => {
    const good = official()
    expect(conforms(good)).to.equal(true)
    expect(validateEbsiEdc(good)).to.deep.equal([])

    const cases: Array<[string, (c: Json) => void, string, string]> = [
      ['a required property missing', (c) => delete c.issued, '/issued', 'required'],
      [
        'an unknown property',
        (c) => (c.credentialSubject.nickname = 'x'),
        '/credentialSubject/nickname',
        'additionalProperties',
      ],
      ['a date that is not a date-time', (c) => (c.validFrom = '2024-13-45'), '/validFrom', 'format'],
      ['an id that is not a URI', (c) => (c.id = 'not a uri'), '/id', 'format'],
    ]
    for (const [name, change, field, rule] of cases) {
      const bad = official()
      change(bad)
      expect(conforms(bad), name).to.equal(false)
      const problems = validateEbsiEdc(bad)
      expect(
        problems.some((p) => p.field === field && p.rule === rule),
        `${name}: ${JSON.stringify(problems)}`,
      ).to.equal(true)
    }
  })

  describe('uri format', () => {
    const uri = ebsiFormats.uri as (value: string) => boolean
    const full = fullFormats.uri as (value: string) => boolean

    it('answers as ajv-formats does, for the simple shapes it shortcuts and for the rest', () => {
      const samples = [
        'urn:uuid:6f1c2c1e-0f7e-4b8e-9d7a-2f3c4b5a6e7f',
        'urn:epass:person:6f1c2c1e-0f7e-4b8e-9d7a-2f3c4b5a6e7f',
        'did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK',
        'did:web:example.org:course:1',
        'http://data.europa.eu/snb/eqf/6',
        'https://example.org/a b',
        'urn:uuid:',
        '1urn:x',
        'no-colon-at-all',
        ':missing-scheme',
        'mailto:someone@example.org',
        'urn:x:%zz',
        'URN:UUID:ABC',
      ]
      for (const sample of samples) expect(uri(sample), sample).to.equal(full(sample))
    })
  })
})
