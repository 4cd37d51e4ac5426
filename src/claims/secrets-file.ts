/**
 * The instance's secrets file (`<home>/secrets.json`): `{"claimLinkSecret": "<base64url>"}`. `microcred init`
 * writes it once; it is never overwritten, because a new secret invalidates every claim link handed out. Like
 * the key files, it is owner-only, and refused when group or others can read it.
 */
import { randomBytes } from 'node:crypto'
import { readFile, stat, writeFile } from 'node:fs/promises'
import { KeyFileError } from '../errors.js'
import { decodeBase64urlSecret } from '../lib/base64url-secret.js'
import { CLAIM_LINK_SECRET_BYTES, createClaimLinks, type ClaimLinks } from './claim-links.js'

/** The content of the secrets file. */
export interface SecretsFile {
  /** The claim-link HMAC key, base64url, at least {@link CLAIM_LINK_SECRET_BYTES} bytes. */
  claimLinkSecret: string
}

/**
 * Creates the secrets file with a fresh random claim-link secret, unless it exists. Returns false when it
 * existed (and was left as it is).
 */
export async function createSecretsFile(path: string): Promise<boolean> {
  const file: SecretsFile = { claimLinkSecret: randomBytes(CLAIM_LINK_SECRET_BYTES).toString('base64url') }
  try {
    // `wx`: never replace a secret, which would break every claim link already sent to a learner.
    await writeFile(path, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600, flag: 'wx' })
    return true
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'EEXIST') return false
    throw new KeyFileError(`Cannot create secrets file ${path}`, { cause })
  }
}

/** The claim-link secret of the secrets file, or undefined when there is no such file. */
export async function readClaimLinkSecret(path: string): Promise<Uint8Array | undefined> {
  let text: string
  try {
    const info = await stat(path)
    if ((info.mode & 0o077) !== 0) {
      throw new KeyFileError(`Secrets file ${path} is readable by group or others; run: chmod 600 ${path}`)
    }
    text = await readFile(path, 'utf8')
  } catch (cause) {
    if (cause instanceof KeyFileError) throw cause
    if ((cause as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw new KeyFileError(`Cannot read secrets file ${path}`, { cause })
  }
  let secret: Uint8Array | undefined
  try {
    const value = (JSON.parse(text) as Partial<SecretsFile> | null)?.claimLinkSecret
    secret = typeof value === 'string' ? decodeBase64urlSecret(value, CLAIM_LINK_SECRET_BYTES) : undefined
  } catch {
    // The parse error could quote the secret, so it is deliberately not kept as the cause.
    secret = undefined
  }
  if (secret === undefined) {
    throw new KeyFileError(
      `Secrets file ${path} has no valid claimLinkSecret (base64url, at least ${CLAIM_LINK_SECRET_BYTES} bytes)`,
    )
  }
  return secret
}

export interface OpenClaimLinksOptions {
  /** The secret from the environment (`MICROCRED_CLAIM_LINK_SECRET`, validated); wins over the file. */
  secret: string | undefined
  secretsFile: string
  publicBaseUrl: string
}

/**
 * The instance's claim links, from the configured secret or the secrets file. A missing file gives links
 * that refuse with `ERR_NOT_INITIALIZED`; an unreadable or unsafe one gives links that refuse with its
 * `ERR_KEY_FILE`. Either way only the commands and routes that use a claim link fail: `verify` and the rest
 * keep working in any folder.
 */
export async function openClaimLinks(options: OpenClaimLinksOptions): Promise<ClaimLinks> {
  const { publicBaseUrl } = options
  if (options.secret !== undefined) {
    return createClaimLinks({
      secret: decodeBase64urlSecret(options.secret, CLAIM_LINK_SECRET_BYTES),
      publicBaseUrl,
    })
  }
  try {
    return createClaimLinks({ secret: await readClaimLinkSecret(options.secretsFile), publicBaseUrl })
  } catch (err) {
    if (!(err instanceof KeyFileError)) throw err
    const refuse = (): never => {
      throw err
    }
    return { assertReady: refuse, urlFor: refuse, parse: refuse }
  }
}
