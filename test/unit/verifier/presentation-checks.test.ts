import { expect } from 'chai'
import { createDidResolver } from '../../../src/did/resolver.js'
import { checkHolder } from '../../../src/verifier/checks/holder.js'
import { makeCheck } from '../../../src/verifier/problem-details.js'
import type { Check, ParsedPresentation, VerifierDeps } from '../../../src/verifier/types.js'
import { checkPresentationFormat, verifyPresentation } from '../../../src/verifier/verify-presentation.js'
import { createTestIssuer, type TestIssuer } from '../../support/issuer-fixture.js'

const V2 = 'https://www.w3.org/ns/credentials/v2'
const V1 = 'https://www.w3.org/2018/credentials/v1'
const PROOF_OK = makeCheck('proof', 'pass', 'PROOF_OK', 'The proof verifies')
const PROOF_INVALID = makeCheck('proof', 'fail', 'PROOF_INVALID', 'The proof does not verify')
const didResolver = createDidResolver()

function jose(
  presentation: Record<string, unknown>,
  header: Record<string, unknown>,
  credentials: ParsedPresentation['credentials'] = [],
): ParsedPresentation {
  return {
    kind: 'presentation',
    mechanism: 'vc-jose',
    version: '2.0',
    presentation,
    header,
    jws: 'a.b.c',
    credentials,
  }
}

function di(
  presentation: Record<string, unknown>,
  credentials: ParsedPresentation['credentials'] = [],
): ParsedPresentation {
  return { kind: 'presentation', mechanism: 'data-integrity', version: '2.0', presentation, credentials }
}

function subjectCredential(id: unknown, pointer: string): ParsedPresentation['credentials'][number] {
  return {
    kind: 'credential',
    mechanism: 'vc-jose',
    version: '2.0',
    credential: {
      '@context': [V2],
      type: ['VerifiableCredential'],
      credentialSubject: id === undefined ? {} : { id },
    },
    pointer,
  }
}

function codeOf(check: Check): [string, string] {
  return [check.status, check.code]
}

describe('presentation checks', () => {
  let holder: TestIssuer
  let other: TestIssuer
  before(async () => {
    holder = await createTestIssuer()
    other = await createTestIssuer('P-256')
  })
  after(async () => {
    await holder.dispose()
    await other.dispose()
  })

  const vp = (extra: Record<string, unknown> = {}) => ({
    '@context': [V2],
    type: ['VerifiablePresentation'],
    holder: holder.did,
    ...extra,
  })

  describe('checkHolder', () => {
    it('passes when the proof was made with a key the holder controls (JWS kid, Data Integrity method)', async () => {
      const byJws = jose(vp(), { kid: holder.signer.id })
      expect(
        codeOf(await checkHolder(byJws, { didResolver }, { policy: 'default', proof: PROOF_OK })),
      ).to.deep.equal(['pass', 'HOLDER_OK'])
      const byProof = di(vp({ proof: { verificationMethod: holder.signer.id } }))
      expect(
        codeOf(await checkHolder(byProof, { didResolver }, { policy: 'default', proof: PROOF_OK })),
      ).to.deep.equal(['pass', 'HOLDER_OK'])
    })

    it('passes a proof set when one proof is the holder’s, fails when none is (HOLDER_KEY_MISMATCH)', async () => {
      const set = di(
        vp({ proof: [{ verificationMethod: other.signer.id }, { verificationMethod: holder.signer.id }] }),
      )
      expect((await checkHolder(set, { didResolver }, { policy: 'default', proof: PROOF_OK })).code).to.equal(
        'HOLDER_OK',
      )
      const notHolder = jose(vp(), { kid: other.signer.id })
      const check = await checkHolder(notHolder, { didResolver }, { policy: 'default', proof: PROOF_OK })
      expect(codeOf(check)).to.deep.equal(['fail', 'HOLDER_KEY_MISMATCH'])
      expect(check.problems?.[0]).to.include({ code: 'HOLDER_KEY_MISMATCH', instance: '/jws/header/kid' })
    })

    it('is indeterminate when the proof did not verify or its key cannot be resolved', async () => {
      const parsed = jose(vp(), { kid: holder.signer.id })
      expect(
        codeOf(await checkHolder(parsed, { didResolver }, { policy: 'default', proof: PROOF_INVALID })),
      ).to.deep.equal(['indeterminate', 'HOLDER_PROOF_UNVERIFIED'])
      for (const kid of ['did:example:123#key-1', undefined]) {
        const unresolved = jose(vp(), kid === undefined ? {} : { kid })
        const check = await checkHolder(unresolved, { didResolver }, { policy: 'default', proof: PROOF_OK })
        expect(codeOf(check)).to.deep.equal(['indeterminate', 'HOLDER_KEY_UNRESOLVED'])
      }
    })

    it('without a holder: skipped under default, HOLDER_MISSING under employer; a holder that is no URL fails', async () => {
      const { holder: _none, ...anonymous } = vp()
      const parsed = jose(anonymous, { kid: holder.signer.id })
      expect(
        codeOf(await checkHolder(parsed, { didResolver }, { policy: 'default', proof: PROOF_OK })),
      ).to.deep.equal(['skipped', 'HOLDER_NONE'])
      expect(
        codeOf(await checkHolder(parsed, { didResolver }, { policy: 'employer', proof: PROOF_OK })),
      ).to.deep.equal(['fail', 'HOLDER_MISSING'])
      for (const bad of ['not a url', { id: 42 }, 7]) {
        const check = await checkHolder(
          jose(vp({ holder: bad }), { kid: holder.signer.id }),
          { didResolver },
          {
            policy: 'default',
            proof: PROOF_OK,
          },
        )
        expect(codeOf(check)).to.deep.equal(['fail', 'HOLDER_INVALID'])
      }
    })

    it('employer: the holder must be a subject of every credential', async () => {
      const check = (credentials: ParsedPresentation['credentials'], holderValue: unknown = holder.did) =>
        checkHolder(
          jose(vp({ holder: holderValue }), { kid: holder.signer.id }, credentials),
          { didResolver },
          {
            policy: 'employer',
            proof: PROOF_OK,
          },
        )
      const own = subjectCredential(holder.did, '/verifiableCredential/0')
      expect(codeOf(await check([own]))).to.deep.equal(['pass', 'HOLDER_OK'])
      // The holder as an object with an id (VC 2.0), and a credential with several subjects.
      const several = subjectCredential(undefined, '/verifiableCredential/1')
      if (several.kind === 'credential')
        several.credential.credentialSubject = [{ id: 'did:example:x' }, { id: holder.did }]
      expect(codeOf(await check([own, several], { id: holder.did }))).to.deep.equal(['pass', 'HOLDER_OK'])

      const notSubject = await check([
        own,
        subjectCredential('did:example:someone-else', '/verifiableCredential/1'),
      ])
      expect(codeOf(notSubject)).to.deep.equal(['fail', 'HOLDER_NOT_SUBJECT'])
      expect(notSubject.problems?.map((p) => p.instance)).to.deep.equal([
        '/verifiableCredential/1/credentialSubject',
      ])
      expect(codeOf(await check([subjectCredential(undefined, '/verifiableCredential')]))).to.deep.equal([
        'fail',
        'HOLDER_NOT_SUBJECT',
      ])

      const unreadable = makeCheck('format', 'fail', 'FORMAT_NOT_JSON', 'not JSON')
      const partly = await check([
        own,
        { kind: 'unparseable', pointer: '/verifiableCredential/1', check: unreadable },
      ])
      expect(codeOf(partly)).to.deep.equal(['indeterminate', 'HOLDER_BINDING_UNCHECKED'])
    })

    it('default: holder binding is not asked for', async () => {
      const parsed = jose(vp(), { kid: holder.signer.id }, [
        subjectCredential('did:example:someone-else', '/verifiableCredential'),
      ])
      expect(
        codeOf(await checkHolder(parsed, { didResolver }, { policy: 'default', proof: PROOF_OK })),
      ).to.deep.equal(['pass', 'HOLDER_OK'])
    })
  })

  describe('checkPresentationFormat', () => {
    const header = { alg: 'EdDSA', typ: 'vp+jwt', kid: 'did:example:holder#1' }
    const fields = (check: Check) => check.problems?.map((p) => p.instance)

    it('passes well-formed presentations of both versions and forms, with or without credentials', () => {
      for (const parsed of [
        di(vp()),
        di({ '@context': [V1], type: 'VerifiablePresentation', verifiableCredential: { '@context': [V1] } }),
        jose(vp({ verifiableCredential: [{ type: 'EnvelopedVerifiableCredential' }, 'a.b.c'] }), header),
      ]) {
        expect(codeOf(checkPresentationFormat(parsed))).to.deep.equal(['pass', 'FORMAT_OK'])
      }
    })

    it('fails FORMAT_INVALID for each broken data model rule, located by JSON pointer', () => {
      const cases: Array<[ParsedPresentation, string]> = [
        [di({ type: ['VerifiablePresentation'] }), '/@context'],
        [di(vp({ '@context': ['https://example.org/context'] })), '/@context/0'],
        [di(vp({ '@context': [V2, 42] })), '/@context/1'],
        [di(vp({ type: ['VerifiableCredential'] })), '/type'],
        [di(vp({ type: ['VerifiablePresentation', 3] })), '/type'],
        [di(vp({ id: 'not a url' })), '/id'],
        [di(vp({ holder: 'not a url' })), '/holder'],
        [di(vp({ holder: { name: 'Camille' } })), '/holder/id'],
        [di(vp({ verifiableCredential: [{}, 42] })), '/verifiableCredential/1'],
        [di(vp({ verifiableCredential: null })), '/verifiableCredential'],
        [jose(vp(), { ...header, typ: 'vc+jwt' }), '/jws/header/typ'],
        [jose(vp(), { ...header, alg: 'none' }), '/jws/header/alg'],
        [jose(vp({ vp: {} }), header), '/vp'],
        [{ ...jose(vp({ '@context': [V1] }), header), version: '1.1' }, '/@context/0'],
        [
          { ...jose(vp(), header), envelope: { '@context': V1, type: 'EnvelopedVerifiablePresentation' } },
          '/envelope/@context',
        ],
      ]
      for (const [parsed, field] of cases) {
        const check = checkPresentationFormat(parsed)
        expect(codeOf(check), field).to.deep.equal(['fail', 'FORMAT_INVALID'])
        expect(fields(check), field).to.include(field)
      }
    })
  })

  describe('verifyPresentation: programmer errors throw, bad input does not', () => {
    const deps = {
      documentLoader: async () => Promise.reject(new Error('offline')),
      didResolver,
      resolveStatusList: async () => undefined,
      trustedIssuers: { lookup: async () => undefined },
      clock: () => new Date('2026-11-25T11:00:00Z'),
    } satisfies VerifierDeps

    it('throws TypeError for missing dependencies or an unknown policy', async () => {
      await expect(verifyPresentation({}, {} as VerifierDeps)).to.be.rejectedWith(TypeError)
      await expect(verifyPresentation({}, deps, { policy: 'lenient' as 'default' })).to.be.rejectedWith(
        TypeError,
      )
    })

    it('answers a result for anything else, with every check id for a presentation', async () => {
      for (const input of [undefined, null, 42, '', '{', [], {}, { type: 'VerifiablePresentation' }]) {
        const result = await verifyPresentation(input, deps, { challenge: 'c', domain: 'd' })
        expect(result).to.include({ verified: false, kind: 'presentation' })
      }
      const unsigned = await verifyPresentation(vp(), deps, { challenge: 'c', domain: 'd' })
      expect(unsigned.checks.map((c) => c.id)).to.deep.equal([
        'format',
        'context',
        'schema',
        'proof',
        'issuer',
        'validity',
        'status',
        'trust',
        'microcredential',
        'holder',
      ])
      expect(unsigned.checks.find((c) => c.id === 'proof')?.code).to.equal('PROOF_MISSING')
      expect(unsigned.credentials).to.deep.equal([])
    })
  })
})
