import { expect } from 'chai'
import { gzipSync } from 'node:zlib'
import { base64url, CompactSign } from 'jose'
import { createList } from '@digitalbazaar/vc-bitstring-status-list'
import { createDidResolver } from '../../../src/did/resolver.js'
import {
  BITSTRING_STATUS_LIST,
  CREDENTIALS_V1,
  CREDENTIALS_V2,
  DATA_INTEGRITY_V2,
} from '../../../src/document-loader/index.js'
import { StatusRetrievalError } from '../../../src/errors.js'
import { secureWithDataIntegrity } from '../../../src/issuer/secure-data-integrity.js'
import { secureWithJose } from '../../../src/issuer/secure-jose.js'
import type { KeyAlgorithm } from '../../../src/storage/storage.js'
import {
  checkStatus,
  type CheckStatusDeps,
  type ResolvedStatusList,
  type StatusListResolver,
} from '../../../src/status/check-status.js'
import { createTestIssuer, type TestIssuer } from '../../support/issuer-fixture.js'

const NOW = new Date('2026-03-01T12:00:00Z')
const SIGNED_AT = new Date('2026-03-01T00:00:00Z')
const LIST_LENGTH = 131_072
const REVOCATION_URL = 'https://issuer.example/status/revocation/1'
const SUSPENSION_URL = 'https://issuer.example/status/suspension/1'

type Form = 'jose' | 'di'
type Doc = Record<string, unknown>

interface ListSpec {
  url?: string
  purpose?: string | string[]
  set?: number[]
  /** Overrides of the list credential's top-level members (`undefined` removes one). */
  top?: Doc
  encodedList?: string
  /** The issuer named in the list; defaults to the signer's DID. */
  issuer?: string
}

async function encodeList(set: number[] = []): Promise<string> {
  const list = await createList({ length: LIST_LENGTH })
  for (const index of set) list.setStatus(index, true)
  return list.encode()
}

function withOverrides(document: Doc, top: Doc = {}): Doc {
  const result: Doc = { ...document, ...top }
  for (const [key, value] of Object.entries(top)) if (value === undefined) delete result[key]
  return result
}

async function listDocument(form: Form, spec: ListSpec, issuer: string): Promise<Doc> {
  const url = spec.url ?? REVOCATION_URL
  const subject = {
    id: `${url}#list`,
    type: 'BitstringStatusList',
    statusPurpose: spec.purpose ?? 'revocation',
    encodedList: spec.encodedList ?? (await encodeList(spec.set)),
    ttl: 300_000,
  }
  const common = {
    id: url,
    type: ['VerifiableCredential', 'BitstringStatusListCredential'],
    issuer,
    credentialSubject: subject,
  }
  const document =
    form === 'jose'
      ? {
          '@context': [CREDENTIALS_V2],
          ...common,
          validFrom: '2026-03-01T00:00:00Z',
          validUntil: '2026-03-08T00:00:00Z',
        }
      : {
          '@context': [CREDENTIALS_V1, BITSTRING_STATUS_LIST, DATA_INTEGRITY_V2],
          ...common,
          issuanceDate: '2026-03-01T00:00:00Z',
          expirationDate: '2026-03-08T00:00:00Z',
        }
  return withOverrides(document, spec.top)
}

/** A list signed by `signer`, in `form`, as the publishing side produces it. */
async function signedList(form: Form, signer: TestIssuer, spec: ListSpec = {}): Promise<ResolvedStatusList> {
  const document = await listDocument(form, spec, spec.issuer ?? signer.did)
  const url = spec.url ?? REVOCATION_URL
  return form === 'jose'
    ? { url, form, credential: await secureWithJose(document, signer.signer) }
    : {
        url,
        form,
        credential: await secureWithDataIntegrity(document, signer.signer, {
          documentLoader: signer.documentLoader,
          date: SIGNED_AT,
        }),
      }
}

function entry(url: string, purpose: string, index: number | string, edc = false): Doc {
  return {
    id: `${url}#${index}`,
    type: edc ? ['BitstringStatusListEntry', 'CredentialStatus'] : 'BitstringStatusListEntry',
    statusPurpose: purpose,
    statusListIndex: String(index),
    statusListCredential: url,
  }
}

function credential(issuer: string, credentialStatus?: unknown): Doc {
  const doc: Doc = {
    '@context': [CREDENTIALS_V2],
    id: 'urn:uuid:0a4f6c1e-5d8b-4a8e-9f3a-1c2b3d4e5f60',
    type: ['VerifiableCredential'],
    issuer: { id: issuer, name: 'Example University' },
    credentialSubject: { id: 'did:example:learner' },
  }
  if (credentialStatus !== undefined) doc.credentialStatus = credentialStatus
  return doc
}

/** A resolver serving `lists` by URL, recording every URL it is asked for. */
function stubResolver(...lists: ResolvedStatusList[]): StatusListResolver & { calls: string[] } {
  const calls: string[] = []
  const resolver = async (url: string) => {
    calls.push(url)
    return lists.find((list) => list.url === url)
  }
  return Object.assign(resolver, { calls })
}

/** Re-encodes a compact JWS with a changed payload, keeping the original signature. */
function tamperJws(jws: string, change: (payload: Doc) => void): string {
  const [header, payload, signature] = jws.split('.') as [string, string, string]
  const decoded = JSON.parse(new TextDecoder().decode(base64url.decode(payload))) as Doc
  change(decoded)
  return `${header}.${base64url.encode(JSON.stringify(decoded))}.${signature}`
}

/** A compact JWS with any header, signed by the issuer's key (or unsigned for `alg: none`). */
async function jwsWithHeader(issuer: TestIssuer, header: Doc, payload: Doc): Promise<string> {
  const input = `${base64url.encode(JSON.stringify(header))}.${base64url.encode(JSON.stringify(payload))}`
  if (header.alg === 'none') return `${input}.`
  const signature = await issuer.signer.sign({ data: new TextEncoder().encode(input) })
  return `${input}.${base64url.encode(signature)}`
}

const didResolver = createDidResolver()

describe('checkStatus', () => {
  const issuers: Partial<Record<KeyAlgorithm, TestIssuer>> = {}
  let other: TestIssuer
  let ed: TestIssuer

  function deps(resolveList: StatusListResolver, overrides: Partial<CheckStatusDeps> = {}): CheckStatusDeps {
    return { resolveList, didResolver, documentLoader: ed.documentLoader, now: NOW, ...overrides }
  }

  before(async () => {
    issuers.Ed25519 = await createTestIssuer('Ed25519')
    issuers['P-256'] = await createTestIssuer('P-256')
    other = await createTestIssuer('Ed25519')
    ed = issuers.Ed25519
  })
  after(async () => {
    await Promise.all([issuers.Ed25519?.dispose(), issuers['P-256']?.dispose(), other.dispose()])
  })

  for (const algorithm of ['Ed25519', 'P-256'] as const) {
    for (const form of ['jose', 'di'] as const) {
      describe(`${form} list signed with ${algorithm}`, () => {
        let issuer: TestIssuer
        before(() => {
          issuer = issuers[algorithm] as TestIssuer
        })

        it('passes when the bit is not set', async () => {
          const list = await signedList(form, issuer, { set: [7] })
          const result = await checkStatus(
            credential(issuer.did, entry(REVOCATION_URL, 'revocation', 0, form === 'di')),
            deps(stubResolver(list)),
          )
          expect(result).to.deep.equal({
            status: 'pass',
            code: 'STATUS_OK',
            message: result.message,
            entries: [
              {
                entryId: `${REVOCATION_URL}#0`,
                purpose: 'revocation',
                status: 'pass',
                code: 'STATUS_OK',
                message: result.entries[0]?.message,
                set: false,
              },
            ],
          })
        })

        it('fails STATUS_REVOKED when the revocation bit is set', async () => {
          const list = await signedList(form, issuer, { set: [7] })
          const result = await checkStatus(
            credential(issuer.did, entry(REVOCATION_URL, 'revocation', 7)),
            deps(stubResolver(list)),
          )
          expect(result).to.include({ status: 'fail', code: 'STATUS_REVOKED' })
          expect(result.entries[0]).to.include({ set: true, code: 'STATUS_REVOKED' })
        })

        it('fails STATUS_SUSPENDED when the suspension bit is set', async () => {
          const list = await signedList(form, issuer, {
            url: SUSPENSION_URL,
            purpose: 'suspension',
            set: [LIST_LENGTH - 1],
          })
          const status = entry(SUSPENSION_URL, 'suspension', LIST_LENGTH - 1)
          const result = await checkStatus(credential(issuer.did, status), deps(stubResolver(list)))
          expect(result).to.include({ status: 'fail', code: 'STATUS_SUSPENDED' })
        })

        it('fails STATUS_INDEX_OUT_OF_RANGE for an index past the end', async () => {
          const list = await signedList(form, issuer)
          for (const index of [LIST_LENGTH, '99999999999999999999999999', '1'.repeat(100_000)]) {
            const result = await checkStatus(
              credential(issuer.did, entry(REVOCATION_URL, 'revocation', index)),
              deps(stubResolver(list)),
            )
            expect(result).to.include({ status: 'fail', code: 'STATUS_INDEX_OUT_OF_RANGE' })
          }
        })

        it('fails STATUS_LIST_ISSUER_MISMATCH for a valid list of another issuer', async () => {
          const list = await signedList(form, other)
          const result = await checkStatus(
            credential(issuer.did, entry(REVOCATION_URL, 'revocation', 0)),
            deps(stubResolver(list)),
          )
          expect(result).to.include({ status: 'fail', code: 'STATUS_LIST_ISSUER_MISMATCH' })
        })

        it("fails STATUS_LIST_ISSUER_MISMATCH for a list naming the issuer but signed with another's key", async () => {
          const list = await signedList(form, other, { issuer: issuer.did })
          const result = await checkStatus(
            credential(issuer.did, entry(REVOCATION_URL, 'revocation', 0)),
            deps(stubResolver(list)),
          )
          expect(result).to.include({ status: 'fail', code: 'STATUS_LIST_ISSUER_MISMATCH' })
        })

        it('fails STATUS_LIST_PROOF_INVALID when the list was changed after signing', async () => {
          const list = await signedList(form, issuer, { set: [3] })
          const clean = await encodeList()
          const tampered: ResolvedStatusList =
            typeof list.credential === 'string'
              ? {
                  ...list,
                  credential: tamperJws(
                    list.credential,
                    (p) => ((p.credentialSubject as Doc).encodedList = clean),
                  ),
                }
              : {
                  ...list,
                  credential: {
                    ...list.credential,
                    credentialSubject: { ...(list.credential.credentialSubject as Doc), encodedList: clean },
                  },
                }
          const result = await checkStatus(
            credential(issuer.did, entry(REVOCATION_URL, 'revocation', 3)),
            deps(stubResolver(tampered)),
          )
          expect(result).to.include({ status: 'fail', code: 'STATUS_LIST_PROOF_INVALID' })
        })

        it("fails STATUS_PURPOSE_MISMATCH when the entry's purpose is not the list's", async () => {
          const list = await signedList(form, issuer, { purpose: 'suspension' })
          const result = await checkStatus(
            credential(issuer.did, entry(REVOCATION_URL, 'revocation', 0)),
            deps(stubResolver(list)),
          )
          expect(result).to.include({ status: 'fail', code: 'STATUS_PURPOSE_MISMATCH' })
        })

        it('is indeterminate STATUS_LIST_EXPIRED past the list validity', async () => {
          const list = await signedList(form, issuer, { set: [0] })
          const later = new Date('2026-03-09T00:00:00Z')
          const result = await checkStatus(
            credential(issuer.did, entry(REVOCATION_URL, 'revocation', 0)),
            deps(stubResolver(list), { now: later }),
          )
          expect(result).to.include({ status: 'indeterminate', code: 'STATUS_LIST_EXPIRED' })
        })

        it('is indeterminate STATUS_LIST_NOT_YET_VALID before the list validity', async () => {
          const list = await signedList(form, issuer)
          const earlier = new Date('2026-02-28T00:00:00Z')
          const result = await checkStatus(
            credential(issuer.did, entry(REVOCATION_URL, 'revocation', 0)),
            deps(stubResolver(list), { now: earlier }),
          )
          expect(result).to.include({ status: 'indeterminate', code: 'STATUS_LIST_NOT_YET_VALID' })
        })
      })
    }
  }

  describe('entries', () => {
    it('skips a credential without credentialStatus (STATUS_NONE) and asks no resolver', async () => {
      const resolver = stubResolver()
      for (const status of [undefined, []]) {
        const result = await checkStatus(credential(ed.did, status), deps(resolver))
        expect(result).to.deep.equal({
          status: 'skipped',
          code: 'STATUS_NONE',
          message: result.message,
          entries: [],
        })
      }
      expect(resolver.calls).to.deep.equal([])
    })

    for (const type of ['StatusList2021Entry', 'CredentialStatusList2017', ['CredentialStatus']]) {
      it(`is indeterminate STATUS_TYPE_UNSUPPORTED for ${JSON.stringify(type)}, never a pass`, async () => {
        const resolver = stubResolver()
        const status = { ...entry(REVOCATION_URL, 'revocation', 0), type }
        const result = await checkStatus(credential(ed.did, status), deps(resolver))
        expect(result).to.include({ status: 'indeterminate', code: 'STATUS_TYPE_UNSUPPORTED' })
        expect(resolver.calls).to.deep.equal([])
      })
    }

    it('is indeterminate when a supported entry sits next to an unsupported one', async () => {
      const list = await signedList('jose', ed)
      const status = [
        entry(REVOCATION_URL, 'revocation', 0),
        { ...entry(SUSPENSION_URL, 'suspension', 0), type: 'StatusList2021Entry' },
      ]
      const result = await checkStatus(credential(ed.did, status), deps(stubResolver(list)))
      expect(result).to.include({ status: 'indeterminate', code: 'STATUS_TYPE_UNSUPPORTED' })
      expect(result.entries.map((e) => e.status)).to.deep.equal(['pass', 'indeterminate'])
    })

    const malformed: Array<[string, Doc]> = [
      ['a non-numeric index', { statusListIndex: 'abc' }],
      ['a negative index', { statusListIndex: '-1' }],
      ['a numeric (not string) index', { statusListIndex: 5 }],
      ['a missing statusPurpose', { statusPurpose: undefined }],
      ['a statusListCredential that is not a URL', { statusListCredential: 'not a url' }],
      ['an id equal to the list URL', { id: REVOCATION_URL }],
      ['a missing type', { type: undefined }],
      ['statusSize 0', { statusSize: 0 }],
      ['statusSize 2 without statusMessage', { statusSize: 2 }],
    ]
    for (const [name, change] of malformed) {
      it(`fails STATUS_ENTRY_MALFORMED for ${name}`, async () => {
        const resolver = stubResolver()
        const result = await checkStatus(
          credential(ed.did, withOverrides(entry(REVOCATION_URL, 'revocation', 0), change)),
          deps(resolver),
        )
        expect(result).to.include({ status: 'fail', code: 'STATUS_ENTRY_MALFORMED' })
        expect(resolver.calls).to.deep.equal([])
      })
    }

    it('fails STATUS_ENTRY_MALFORMED for a credentialStatus that is not an object', async () => {
      const result = await checkStatus(credential(ed.did, 'revoked?'), deps(stubResolver()))
      expect(result).to.include({ status: 'fail', code: 'STATUS_ENTRY_MALFORMED' })
    })

    it('skips a refresh entry and is indeterminate for a message entry', async () => {
      const resolver = stubResolver()
      const refresh = await checkStatus(
        credential(ed.did, entry(REVOCATION_URL, 'refresh', 0)),
        deps(resolver),
      )
      expect(refresh).to.include({ status: 'skipped', code: 'STATUS_PURPOSE_UNSUPPORTED' })
      const message = await checkStatus(
        credential(ed.did, entry(REVOCATION_URL, 'message', 0)),
        deps(resolver),
      )
      expect(message).to.include({ status: 'indeterminate', code: 'STATUS_PURPOSE_UNSUPPORTED' })
      expect(resolver.calls).to.deep.equal([])
    })

    it('reports both a revocation and a suspension entry, retrieving each list once', async () => {
      const revocation = await signedList('jose', ed, { set: [5] })
      const suspension = await signedList('di', ed, { url: SUSPENSION_URL, purpose: 'suspension', set: [9] })
      const resolver = stubResolver(revocation, suspension)
      const status = [
        entry(REVOCATION_URL, 'revocation', 4),
        entry(SUSPENSION_URL, 'suspension', 9),
        entry(REVOCATION_URL, 'revocation', 5),
      ]
      const result = await checkStatus(credential(ed.did, status), deps(resolver))
      expect(result.entries.map((e) => [e.purpose, e.code])).to.deep.equal([
        ['revocation', 'STATUS_OK'],
        ['suspension', 'STATUS_SUSPENDED'],
        ['revocation', 'STATUS_REVOKED'],
      ])
      expect(result).to.include({ status: 'fail' })
      expect([...resolver.calls].sort()).to.deep.equal([REVOCATION_URL, SUSPENSION_URL].sort())
    })

    it('reads revocation and suspension entries from one list with both purposes, retrieving it once', async () => {
      const list = await signedList('jose', ed, { purpose: ['revocation', 'suspension'], set: [2] })
      const resolver = stubResolver(list)
      const status = [entry(REVOCATION_URL, 'revocation', 1), entry(REVOCATION_URL, 'suspension', 2)]
      const result = await checkStatus(credential(ed.did, status), deps(resolver))
      expect(result.entries.map((e) => e.code)).to.deep.equal(['STATUS_OK', 'STATUS_SUSPENDED'])
      expect(resolver.calls).to.deep.equal([REVOCATION_URL])
    })

    it('reads a multi-bit status (statusSize 2)', async () => {
      const bits = await createList({ length: 2 * LIST_LENGTH })
      bits.setStatus(7, true)
      const list = await signedList('jose', ed, { encodedList: await bits.encode() })
      // Entry 3 of size 2 covers bits 6 and 7.
      const status = (index: number) => ({
        ...entry(REVOCATION_URL, 'revocation', index),
        statusSize: 2,
        statusMessage: [],
      })
      expect(await checkStatus(credential(ed.did, status(3)), deps(stubResolver(list)))).to.include({
        code: 'STATUS_REVOKED',
      })
      expect(await checkStatus(credential(ed.did, status(2)), deps(stubResolver(list)))).to.include({
        code: 'STATUS_OK',
      })
      const past = await checkStatus(credential(ed.did, status(LIST_LENGTH)), deps(stubResolver(list)))
      expect(past).to.include({ code: 'STATUS_INDEX_OUT_OF_RANGE' })
    })

    it('fails STATUS_LIST_MALFORMED when the list holds fewer than 131072 entries of the entry size', async () => {
      const list = await signedList('jose', ed)
      const status = { ...entry(REVOCATION_URL, 'revocation', 0), statusSize: 2, statusMessage: [] }
      const result = await checkStatus(credential(ed.did, status), deps(stubResolver(list)))
      expect(result).to.include({ status: 'fail', code: 'STATUS_LIST_MALFORMED' })
    })

    it('fails STATUS_ENTRY_MALFORMED for more entries than allowed', async () => {
      const status = Array.from({ length: 17 }, (_, i) => entry(REVOCATION_URL, 'revocation', i))
      const result = await checkStatus(credential(ed.did, status), deps(stubResolver()))
      expect(result).to.include({ status: 'fail', code: 'STATUS_ENTRY_MALFORMED' })
    })
  })

  describe('retrieval', () => {
    it('is indeterminate STATUS_LIST_UNREACHABLE when retrieval fails', async () => {
      const failing: StatusListResolver = () =>
        Promise.reject(
          new StatusRetrievalError('The status list server answered 503', REVOCATION_URL, 'http-status'),
        )
      const result = await checkStatus(
        credential(ed.did, entry(REVOCATION_URL, 'revocation', 0)),
        deps(failing),
      )
      expect(result).to.include({ status: 'indeterminate', code: 'STATUS_LIST_UNREACHABLE' })
    })

    it('is indeterminate STATUS_LIST_UNREACHABLE when no resolver serves the URL or a resolver breaks', async () => {
      for (const resolver of [stubResolver(), () => Promise.reject(new Error('boom'))]) {
        const result = await checkStatus(
          credential(ed.did, entry(REVOCATION_URL, 'revocation', 0)),
          deps(resolver),
        )
        expect(result).to.include({ status: 'indeterminate', code: 'STATUS_LIST_UNREACHABLE' })
        expect(result.message).to.not.include('boom')
      }
    })
  })

  describe('list security', () => {
    async function checkJws(jws: string) {
      const list: ResolvedStatusList = { url: REVOCATION_URL, form: 'jose', credential: jws }
      return checkStatus(credential(ed.did, entry(REVOCATION_URL, 'revocation', 0)), deps(stubResolver(list)))
    }

    it('accepts a list built by hand with typ vc+jwt (the control case)', async () => {
      const payload = await listDocument('jose', {}, ed.did)
      const result = await checkJws(
        await jwsWithHeader(ed, { alg: 'EdDSA', typ: 'vc+jwt', kid: ed.signer.id }, payload),
      )
      expect(result).to.include({ status: 'pass' })
    })

    for (const typ of ['JWT', 'vc+ld+jwt', 'vp+jwt', undefined]) {
      it(`fails STATUS_LIST_PROOF_INVALID for typ ${String(typ)}`, async () => {
        const payload = await listDocument('jose', {}, ed.did)
        const result = await checkJws(
          await jwsWithHeader(ed, { alg: 'EdDSA', typ, kid: ed.signer.id }, payload),
        )
        expect(result).to.include({ status: 'fail', code: 'STATUS_LIST_PROOF_INVALID' })
      })
    }

    it('fails STATUS_LIST_PROOF_INVALID for alg none', async () => {
      const payload = await listDocument('jose', {}, ed.did)
      const result = await checkJws(
        await jwsWithHeader(ed, { alg: 'none', typ: 'vc+jwt', kid: ed.signer.id }, payload),
      )
      expect(result).to.include({ status: 'fail', code: 'STATUS_LIST_PROOF_INVALID' })
    })

    it('fails STATUS_LIST_PROOF_INVALID for alg HS256 keyed with the public key', async () => {
      const payload = await listDocument('jose', {}, ed.did)
      const secret = new TextEncoder().encode(JSON.stringify(ed.publicJwk))
      const jws = await new CompactSign(new TextEncoder().encode(JSON.stringify(payload)))
        .setProtectedHeader({ alg: 'HS256', typ: 'vc+jwt', kid: ed.signer.id })
        .sign(secret)
      const result = await checkJws(jws)
      expect(result).to.include({ status: 'fail', code: 'STATUS_LIST_PROOF_INVALID' })
    })

    it('fails STATUS_LIST_PROOF_INVALID for an alg that does not fit the key (ES256 on Ed25519)', async () => {
      const payload = await listDocument('jose', {}, ed.did)
      const result = await checkJws(
        await jwsWithHeader(ed, { alg: 'ES256', typ: 'vc+jwt', kid: ed.signer.id }, payload),
      )
      expect(result).to.include({ status: 'fail', code: 'STATUS_LIST_PROOF_INVALID' })
    })

    it('fails STATUS_LIST_PROOF_INVALID for a kid that is not a resolvable DID URL', async () => {
      const payload = await listDocument('jose', {}, ed.did)
      for (const kid of [
        'did:example:123#key-1',
        'https://issuer.example/keys/1',
        `${ed.did}#nope`,
        undefined,
      ]) {
        const result = await checkJws(await jwsWithHeader(ed, { alg: 'EdDSA', typ: 'vc+jwt', kid }, payload))
        expect(result, String(kid)).to.include({ status: 'fail', code: 'STATUS_LIST_PROOF_INVALID' })
      }
    })

    it('fails STATUS_LIST_PROOF_INVALID for a body that is not a JWS, and for a di list without an allowed proof', async () => {
      expect(await checkJws('not-a-jws')).to.include({ code: 'STATUS_LIST_PROOF_INVALID' })
      const unsigned = await listDocument('di', {}, ed.did)
      const result = await checkStatus(
        credential(ed.did, entry(REVOCATION_URL, 'revocation', 0)),
        deps(stubResolver({ url: REVOCATION_URL, form: 'di', credential: unsigned })),
      )
      expect(result).to.include({ status: 'fail', code: 'STATUS_LIST_PROOF_INVALID' })
    })

    it('fails STATUS_LIST_MALFORMED for a list whose id is not the URL it was retrieved for', async () => {
      const list = await signedList('jose', ed, { top: { id: SUSPENSION_URL } })
      const result = await checkStatus(
        credential(ed.did, entry(REVOCATION_URL, 'revocation', 0)),
        deps(stubResolver(list)),
      )
      expect(result).to.include({ status: 'fail', code: 'STATUS_LIST_MALFORMED' })
    })

    it('fails STATUS_LIST_MALFORMED for a credential that is not a BitstringStatusListCredential', async () => {
      const list = await signedList('jose', ed, { top: { type: ['VerifiableCredential'] } })
      const result = await checkStatus(
        credential(ed.did, entry(REVOCATION_URL, 'revocation', 0)),
        deps(stubResolver(list)),
      )
      expect(result).to.include({ status: 'fail', code: 'STATUS_LIST_MALFORMED' })
    })

    const badLists: Array<[string, () => string]> = [
      [
        'an encodedList without the multibase prefix',
        () => 'H4sIAAAAAAAAA-3BMQEAAADCoPVPbQwfoAAAAAAAAAAAAAAAAAAAAIC3AYbSVKsAQAAA',
      ],
      ['an encodedList that is not GZIP', () => `u${base64url.encode('not gzip at all')}`],
      [
        'a list shorter than 131072 entries',
        () => `u${Buffer.from(gzipSync(new Uint8Array(1024))).toString('base64url')}`,
      ],
      // 8 MiB of zeros compress to ~8 KB; a valid signature must not make the verifier inflate past its limit.
      [
        'a decompression bomb',
        () =>
          `u${Buffer.from(gzipSync(new Uint8Array(8 * 1024 * 1024), { level: 9 })).toString('base64url')}`,
      ],
    ]
    for (const [name, encodedList] of badLists) {
      it(`fails STATUS_LIST_MALFORMED for ${name}`, async () => {
        const list = await signedList('jose', ed, { encodedList: encodedList() })
        const result = await checkStatus(
          credential(ed.did, entry(REVOCATION_URL, 'revocation', 0)),
          deps(stubResolver(list)),
        )
        expect(result).to.include({ status: 'fail', code: 'STATUS_LIST_MALFORMED' })
      })
    }

    it('fails STATUS_LIST_ISSUER_MISMATCH when the credential has no issuer', async () => {
      const list = await signedList('jose', ed)
      const doc = credential(ed.did, entry(REVOCATION_URL, 'revocation', 0))
      delete doc.issuer
      const result = await checkStatus(doc, deps(stubResolver(list)))
      expect(result).to.include({ status: 'fail', code: 'STATUS_LIST_ISSUER_MISMATCH' })
    })

    it('tolerates clock skew within maxClockSkew at the end of the validity window', async () => {
      const list = await signedList('jose', ed)
      const justAfter = new Date('2026-03-08T00:01:00Z')
      const status = entry(REVOCATION_URL, 'revocation', 0)
      expect(
        await checkStatus(credential(ed.did, status), deps(stubResolver(list), { now: justAfter })),
      ).to.include({ status: 'pass' })
      const strict = await checkStatus(
        credential(ed.did, status),
        deps(stubResolver(list), { now: justAfter, maxClockSkew: 0 }),
      )
      expect(strict).to.include({ code: 'STATUS_LIST_EXPIRED' })
    })
  })

  describe('programmer errors', () => {
    it('throws TypeError for a missing dependency or a bad argument', async () => {
      const good = deps(stubResolver())
      const doc = credential(ed.did, entry(REVOCATION_URL, 'revocation', 0))
      await expect(
        checkStatus(doc, { ...good, resolveList: undefined } as unknown as CheckStatusDeps),
      ).to.be.rejectedWith(TypeError)
      await expect(
        checkStatus(doc, { ...good, didResolver: undefined } as unknown as CheckStatusDeps),
      ).to.be.rejectedWith(TypeError)
      await expect(
        checkStatus(doc, { ...good, documentLoader: undefined } as unknown as CheckStatusDeps),
      ).to.be.rejectedWith(TypeError)
      await expect(checkStatus(doc, { ...good, now: new Date('nope') })).to.be.rejectedWith(TypeError)
      await expect(checkStatus(null as unknown as Doc, good)).to.be.rejectedWith(TypeError)
    })
  })
})
