import { expect } from 'chai'
import { base64url } from 'jose'
import { parseVerifiable, DEFAULT_MAX_BYTES } from '../../../src/verifier/parse-input.js'
import type { ParsedCredential, ParsedPresentation } from '../../../src/verifier/types.js'

const V2 = 'https://www.w3.org/ns/credentials/v2'
const V1 = 'https://www.w3.org/2018/credentials/v1'

const credentialV2 = {
  '@context': [V2],
  type: ['VerifiableCredential'],
  issuer: 'did:example:issuer',
  credentialSubject: { id: 'did:example:subject' },
}
const credentialV1 = {
  '@context': [V1],
  type: ['VerifiableCredential'],
  issuer: 'did:example:issuer',
  issuanceDate: '2026-01-01T00:00:00Z',
  credentialSubject: { id: 'did:example:subject' },
  proof: { type: 'DataIntegrityProof' },
}

/** A compact JWS with a fake signature: form detection never verifies. */
function jws(header: Record<string, unknown>, payload: unknown): string {
  return `${base64url.encode(JSON.stringify(header))}.${base64url.encode(JSON.stringify(payload))}.c2ln`
}

const vcJwt = jws({ alg: 'EdDSA', typ: 'vc+jwt', kid: 'did:example:issuer#k' }, credentialV2)
const presentation = { '@context': [V2], type: ['VerifiablePresentation'] }
const vpJwt = jws({ alg: 'EdDSA', typ: 'vp+jwt' }, { ...presentation, verifiableCredential: [] })

function failure(input: unknown, limits?: { maxBytes?: number; maxDepth?: number }): string {
  const parsed = parseVerifiable(input, limits)
  expect(parsed.kind, 'expected a refusal').to.equal('unparseable')
  if (parsed.kind !== 'unparseable') throw new Error('unreachable')
  expect(parsed.check).to.include({ id: 'format', status: 'fail' })
  expect(parsed.check.problems?.[0]).to.include({ code: parsed.check.code, instance: '' })
  expect(parsed.check.problems?.[0]?.type).to.match(/^https:\/\/www\.w3\.org\/TR\/vc-data-model#[A-Z_]+$/)
  return parsed.check.code
}

/** `depth` nested arrays as text, e.g. depth 2: `[[]]`. */
function nestedText(depth: number): string {
  return `${'['.repeat(depth)}${']'.repeat(depth)}`
}

describe('parseVerifiable: form detection', () => {
  it('a Data Integrity credential, VC 2.0 and 1.1, as a value or as JSON text', () => {
    for (const input of [credentialV2, JSON.stringify(credentialV2)]) {
      const parsed = parseVerifiable(input) as ParsedCredential
      expect(parsed).to.include({
        kind: 'credential',
        mechanism: 'data-integrity',
        version: '2.0',
        pointer: '',
      })
      expect(parsed.credential).to.deep.equal(credentialV2)
    }
    expect(parseVerifiable(`\n ${JSON.stringify(credentialV1)}\n`)).to.include({
      kind: 'credential',
      version: '1.1',
    })
    expect(parseVerifiable({ ...credentialV2, '@context': 'https://example.org/other' })).to.include({
      kind: 'credential',
      version: undefined,
    })
  })

  it('a compact vc+jwt: header decoded (not verified), payload as the credential', () => {
    const parsed = parseVerifiable(`${vcJwt}\n`) as ParsedCredential
    expect(parsed).to.include({
      kind: 'credential',
      mechanism: 'vc-jose',
      version: '2.0',
      jws: vcJwt,
      pointer: '',
    })
    expect(parsed.header).to.deep.equal({ alg: 'EdDSA', typ: 'vc+jwt', kid: 'did:example:issuer#k' })
    expect(parsed.credential).to.deep.equal(credentialV2)
    expect(parsed.envelope).to.equal(undefined)
  })

  it('an EnvelopedVerifiableCredential, as a value or as JSON text', () => {
    const envelope = {
      '@context': V2,
      type: 'EnvelopedVerifiableCredential',
      id: `data:application/vc+jwt,${vcJwt}`,
    }
    for (const input of [envelope, JSON.stringify(envelope)]) {
      const parsed = parseVerifiable(input) as ParsedCredential
      expect(parsed).to.include({ kind: 'credential', mechanism: 'vc-jose', jws: vcJwt })
      expect(parsed.envelope).to.deep.equal(envelope)
    }
  })

  it('presentations: Data Integrity, vp+jwt, and an enveloped one', () => {
    expect(parseVerifiable(presentation)).to.include({
      kind: 'presentation',
      mechanism: 'data-integrity',
      version: '2.0',
    })
    expect(parseVerifiable(vpJwt)).to.include({ kind: 'presentation', mechanism: 'vc-jose', jws: vpJwt })
    const enveloped = {
      '@context': V2,
      type: 'EnvelopedVerifiablePresentation',
      id: `data:application/vp+jwt,${vpJwt}`,
    }
    const parsed = parseVerifiable(enveloped) as ParsedPresentation
    expect(parsed).to.include({ kind: 'presentation', mechanism: 'vc-jose' })
    expect(parsed.envelope).to.deep.equal(enveloped)
  })

  it("a presentation's credentials: objects, enveloped, compact JWS strings; a bad entry spoils only itself", () => {
    const parsed = parseVerifiable({
      ...presentation,
      verifiableCredential: [
        credentialV1,
        { '@context': V2, type: 'EnvelopedVerifiableCredential', id: `data:application/vc+jwt,${vcJwt}` },
        vcJwt,
        42,
        presentation,
        { '@context': V2, type: 'EnvelopedVerifiableCredential', id: 'data:text/plain,hello' },
      ],
    }) as ParsedPresentation
    expect(parsed.kind).to.equal('presentation')
    const summary = parsed.credentials.map((c) =>
      c.kind === 'credential' ? `${c.pointer} ${c.mechanism}` : `${c.pointer} ${c.check.code}`,
    )
    expect(summary).to.deep.equal([
      '/verifiableCredential/0 data-integrity',
      '/verifiableCredential/1 vc-jose',
      '/verifiableCredential/2 vc-jose',
      '/verifiableCredential/3 FORMAT_UNRECOGNIZED',
      '/verifiableCredential/4 FORMAT_NESTED_PRESENTATION',
      '/verifiableCredential/5 FORMAT_ENVELOPE_INVALID',
    ])
    const single = parseVerifiable({
      ...presentation,
      verifiableCredential: credentialV2,
    }) as ParsedPresentation
    expect(single.credentials.map((c) => c.pointer)).to.deep.equal(['/verifiableCredential'])
    expect((parseVerifiable(presentation) as ParsedPresentation).credentials).to.deep.equal([])
  })

  it('the JWS typ decides the kind; without a known typ, the payload type does', () => {
    expect(parseVerifiable(jws({ alg: 'ES256', typ: 'application/vc+jwt' }, credentialV2))).to.include({
      kind: 'credential',
    })
    expect(parseVerifiable(jws({ alg: 'ES256' }, presentation))).to.include({ kind: 'presentation' })
    expect(parseVerifiable(jws({ alg: 'ES256', typ: 'JWT' }, credentialV2))).to.include({
      kind: 'credential',
    })
  })
})

describe('parseVerifiable: refusals (a failed format check, never an exception)', () => {
  it('text that is neither JSON nor a compact JWS', () => {
    expect(failure('hello')).to.equal('FORMAT_NOT_JSON')
    expect(failure('{"@context": ')).to.equal('FORMAT_NOT_JSON')
    expect(failure('')).to.equal('FORMAT_NOT_JSON')
  })

  it('JSON of the wrong shape', () => {
    expect(failure('[1, 2]')).to.equal('FORMAT_UNRECOGNIZED')
    expect(failure('{}')).to.equal('FORMAT_UNRECOGNIZED')
    expect(failure('"just a string"')).to.equal('FORMAT_UNRECOGNIZED')
    expect(failure(42)).to.equal('FORMAT_UNRECOGNIZED')
    expect(failure(null)).to.equal('FORMAT_UNRECOGNIZED')
    expect(failure(undefined)).to.equal('FORMAT_UNRECOGNIZED')
    expect(failure({ name: 'not a credential' })).to.equal('FORMAT_UNRECOGNIZED')
  })

  it('values JSON cannot hold', () => {
    expect(failure({ ...credentialV2, at: 1n })).to.equal('FORMAT_NOT_JSON')
    expect(failure({ ...credentialV2, f: () => 1 })).to.equal('FORMAT_NOT_JSON')
  })

  it('a JWS whose header or payload is not base64url JSON', () => {
    expect(failure('abc.def.ghi')).to.equal('FORMAT_JWS_MALFORMED')
    expect(failure(`${base64url.encode('[1]')}.${base64url.encode('{}')}.c2ln`)).to.equal(
      'FORMAT_JWS_MALFORMED',
    )
    expect(failure(`${base64url.encode('{"alg":"EdDSA"}')}.${base64url.encode('not json')}.c2ln`)).to.equal(
      'FORMAT_JWS_MALFORMED',
    )
  })

  it('envelopes without a usable data: URL, or whose parts disagree', () => {
    const envelope = (id: unknown, type = 'EnvelopedVerifiableCredential') => ({ '@context': V2, type, id })
    expect(failure(envelope(undefined))).to.equal('FORMAT_ENVELOPE_INVALID')
    expect(failure(envelope(`https://example.org/${vcJwt}`))).to.equal('FORMAT_ENVELOPE_INVALID')
    expect(failure(envelope('data:application/vc+jwt,not-a-jws'))).to.equal('FORMAT_ENVELOPE_INVALID')
    expect(failure(envelope(`data:application/vc+jwt;base64,${vcJwt}`))).to.equal('FORMAT_ENVELOPE_INVALID')
    // A vp+jwt in a credential envelope, and a vc+jwt under the vp media type.
    expect(failure(envelope(`data:application/vc+jwt,${vpJwt}`))).to.equal('FORMAT_ENVELOPE_INVALID')
    expect(failure(envelope(`data:application/vp+jwt,${vcJwt}`, 'EnvelopedVerifiablePresentation'))).to.equal(
      'FORMAT_ENVELOPE_INVALID',
    )
  })

  it('nesting: 64 levels are read, 65 are refused (text and values alike)', () => {
    expect(failure(nestedText(64))).to.equal('FORMAT_UNRECOGNIZED')
    expect(failure(nestedText(65))).to.equal('FORMAT_TOO_DEEP')
    let value: unknown[] = []
    for (let i = 1; i < 64; i++) value = [value]
    expect(failure(value)).to.equal('FORMAT_UNRECOGNIZED')
    expect(failure([value])).to.equal('FORMAT_TOO_DEEP')
    // Brackets inside strings are text, not nesting.
    const deepString = { ...credentialV2, note: '['.repeat(10_000) }
    expect(parseVerifiable(JSON.stringify(deepString))).to.include({ kind: 'credential' })
    expect(failure(nestedText(3), { maxDepth: 2 })).to.equal('FORMAT_TOO_DEEP')
  })

  it('a 100,000-level array as text is refused quickly, without overflowing the stack', () => {
    const text = nestedText(100_000)
    const start = performance.now()
    expect(failure(text)).to.equal('FORMAT_TOO_DEEP')
    expect(failure(`{"@context": ["${V2}"], "type": "VerifiableCredential", "x": ${text}}`)).to.equal(
      'FORMAT_TOO_DEEP',
    )
    expect(performance.now() - start).to.be.below(1000)
  })

  it('a 100,000-level value and a cyclic value are refused by the iterative walk', () => {
    let deep: unknown = {}
    for (let i = 0; i < 100_000; i++) deep = { a: deep }
    expect(failure(deep)).to.equal('FORMAT_TOO_DEEP')
    const cyclic: Record<string, unknown> = { ...credentialV2 }
    cyclic.self = cyclic
    expect(failure(cyclic)).to.equal('FORMAT_TOO_DEEP')
  })

  it('nesting inside a JWS payload is measured on the decoded text before it is parsed', () => {
    const payload = `{"@context":["${V2}"],"x":${nestedText(100)}}`
    const token = `${base64url.encode('{"alg":"EdDSA","typ":"vc+jwt"}')}.${base64url.encode(payload)}.c2ln`
    expect(failure(token)).to.equal('FORMAT_TOO_DEEP')
    const envelope = {
      '@context': V2,
      type: 'EnvelopedVerifiableCredential',
      id: `data:application/vc+jwt,${token}`,
    }
    expect(failure(envelope)).to.equal('FORMAT_TOO_DEEP')
  })

  it('size: over 1 MiB by default (UTF-8 bytes), or over the configured limit', () => {
    expect(DEFAULT_MAX_BYTES).to.equal(1024 * 1024)
    const big = JSON.stringify({ ...credentialV2, padding: 'x'.repeat(DEFAULT_MAX_BYTES) })
    expect(failure(big)).to.equal('FORMAT_TOO_LARGE')
    expect(failure({ ...credentialV2, padding: 'x'.repeat(DEFAULT_MAX_BYTES) })).to.equal('FORMAT_TOO_LARGE')
    // 600 two-byte characters: the limit counts UTF-8 bytes, not UTF-16 code units.
    const accented = JSON.stringify({ ...credentialV2, name: 'é'.repeat(600) })
    const bytes = Buffer.byteLength(accented, 'utf8')
    expect(bytes).to.equal(accented.length + 600)
    expect(parseVerifiable(accented, { maxBytes: bytes })).to.include({ kind: 'credential' })
    expect(failure(accented, { maxBytes: bytes - 1 })).to.equal('FORMAT_TOO_LARGE')
    expect(failure(vcJwt, { maxBytes: 50 })).to.equal('FORMAT_TOO_LARGE')
  })

  it('bad limits are a programmer error (TypeError)', () => {
    expect(() => parseVerifiable(credentialV2, { maxBytes: 0 })).to.throw(TypeError)
    expect(() => parseVerifiable(credentialV2, { maxDepth: 1.5 })).to.throw(TypeError)
  })
})
