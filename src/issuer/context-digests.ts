/**
 * Digests of bundled JSON-LD contexts, pinned so that a `relatedResource` digest naming one of them can be
 * checked offline (VC Data Model 2.0 §5.3). A digest only means something for the exact bytes published at
 * the URL, so a context is pinned only where those bytes, or a digest the W3C itself publishes, are known:
 *
 * - `https://www.w3.org/ns/credentials/examples/v2`: file `contexts/credentials-examples-v2.jsonld`, a
 *   byte-identical copy of `w3c/vc-data-model` `contexts/credentials/examples/v2` (see `contexts/README.md`).
 *   Its sha256 and sha384 equal the digests in VC 2.0 examples 25 and 26 (example 25 prefixes the base64
 *   value with a stray `M`; without it the values match byte for byte).
 * - `http://data.europa.eu/snb/model/context/edc-ap`: file `contexts/edc-ap.jsonld`, a byte-identical copy
 *   of the official ELM 3.2 context (see `contexts/README.md`).
 * - `https://w3id.org/security/data-integrity/v1`: file
 *   `node_modules/@digitalbazaar/data-integrity-context/contexts/data-integrity-v1.jsonld` (package 2.0.1).
 *   Its sha256 (`b5d829bd…8554`, 2392 bytes) is that of the document served at the URL, i.e.
 *   `w3c/vc-data-integrity` `contexts/data-integrity/v1`.
 * - `https://www.w3.org/ns/credentials/v2`: sha256 only, the hex value VC 2.0 Appendix B.1 publishes
 *   (`59955ced6697d61e03f2b2556febe5308ab16842846f5b586d7f1f7adec92734`). The installed
 *   `@digitalbazaar/credentials-context` file is a re-serialisation (sha256 `8a9f494a…236f`), so sha384 and
 *   sha512 of the published bytes cannot be computed here and are only syntax-checked.
 *
 * Every value was computed with `openssl dgst -<alg> -binary <file> | base64 -w0` (the v2 sha256 converted
 * from the spec's hex); `test/unit/issuer/check-credential.test.ts` recomputes them from the files.
 *
 * Not pinned, syntax-checked only: the installed files for `https://www.w3.org/2018/credentials/v1`,
 * `https://w3id.org/security/data-integrity/v2`, `https://w3id.org/security/multikey/v1`,
 * `https://www.w3.org/ns/did/v1`, `https://www.w3.org/ns/credentials/status/v1` and
 * `https://www.w3.org/ns/credentials/undefined-terms/v2` are re-serialised by their packages (2-space JSON),
 * not the published bytes, and no digest of the published bytes is given by a specification.
 */
import { CREDENTIALS_V2, DATA_INTEGRITY_V1, EDC_AP, EXAMPLES_V2 } from '../document-loader/index.js'

/** The hash functions a `digestSRI` may name (SRI §3.2) and that a pinned entry can hold. */
export type DigestAlgorithm = 'sha256' | 'sha384' | 'sha512'

/** Padded standard base64 (RFC 4648 §4) of each known digest of one context's exact bytes. */
export type PinnedDigests = Readonly<Partial<Record<DigestAlgorithm, string>>>

/** Pinned digests by exact context URL; see the module comment for where each value comes from. */
export const CONTEXT_DIGESTS: Readonly<Record<string, PinnedDigests>> = Object.freeze({
  [EXAMPLES_V2]: Object.freeze({
    sha256: 'Vzk/vGnW77m5tdyctrmICwlENgq/4ur0WcnljPInnXw=',
    sha384: 'zNNbQTWCSUSi0bbz7dbua+RcENv7C6FvlmYJ1Y+I727HsPOHdzwELMYO9Mz68M26',
    sha512: 'jVYwl+qxI5Zr1/uIolZtGfs2kRLav96brf1VPAThAb6yMJGPWPW5J4gfezLRYEX4rA9gG0V07rCVIb+/nlOWaQ==',
  }),
  [EDC_AP]: Object.freeze({
    sha256: '/eCz/ZLpiohwwXP7mLr/Nhvm3QfkRlOppaxsD+YmtBE=',
    sha384: '33LF2ODlxXRL1M8qe2kurgovN6zSP0lTm6rDxK0bvze80QGMIi23ov3cfjpOQ/Lq',
    sha512: 'aOj7ywjhGvRLKtgOO93jcXgEEIAcecvDmDN8SR+rtodcRKgMdUS95BQy9mUfwJa499Ep6G5rLpI2yzxuluWk3A==',
  }),
  [DATA_INTEGRITY_V1]: Object.freeze({
    sha256: 'tdgpvQmqfEKrxu+gyO12NTE7VIfzfM/OPs0UnKlBhVQ=',
    sha384: 'H3tRFUwstZa4BNPu3qu3Z4x+pNNvUgFJamgdvYaNXcDLkKiDn1FCzNyR/bksWtzy',
    sha512: 'xJlRvZ8+j00jH85eRXmKLTL7fvSk8aLo0vPatdEDM6FCEzmXTudxWe2uJZ/Pc8fPE28eMATe1a8lrDiYPS6Oyg==',
  }),
  [CREDENTIALS_V2]: Object.freeze({
    sha256: 'WZVc7WaX1h4D8rJVb+vlMIqxaEKEb1tYbX8fet7JJzQ=',
  }),
})

/** The pinned digests of `url`, or undefined when none are pinned (then only syntax can be checked). */
export function pinnedDigestsOf(url: string): PinnedDigests | undefined {
  return Object.hasOwn(CONTEXT_DIGESTS, url) ? CONTEXT_DIGESTS[url] : undefined
}
