/**
 * The default {@link KeyStore}: one private JWK file per key under `<home>/keys/<tenant>/`, readable by the
 * owner only. Signing happens in this process with Node's crypto; the secret never leaves this module.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto'
import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { KeyFileError, UnsupportedKeyError } from '../errors.js'
import type { KeyAlgorithm } from '../storage/storage.js'
import type { GeneratedKey, KeyRef, KeyStore } from './key-store.js'
import { signerFromKeyObject } from './key-object-signer.js'
import { publicKeyMultibaseFromJwk } from './public-key.js'

const SAFE_SEGMENT = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/

/** Options of {@link createFileKeyStore}. */
export interface FileKeyStoreOptions {
  /** The keys folder, normally `<home>/keys`. */
  directory: string
}

interface KeyFile {
  algorithm: KeyAlgorithm
  jwk: Record<string, unknown>
}

/**
 * A key store backed by files. Folders are created `0700` and key files `0600`; a key file that group or
 * others can read is refused, as OpenSSH does, because it may already have leaked.
 */
export function createFileKeyStore(options: FileKeyStoreOptions): KeyStore {
  const cache = new Map<string, { algorithm: KeyAlgorithm; key: KeyObject }>()

  function pathOf(ref: KeyRef): string {
    // Segments come from our own slugs and ids, but a path built from data must never escape the folder.
    for (const segment of [ref.tenantSlug, ref.keyId]) {
      if (!SAFE_SEGMENT.test(segment))
        throw new KeyFileError(`Unsafe key path segment: ${JSON.stringify(segment)}`)
    }
    return join(options.directory, ref.tenantSlug, `${ref.keyId}.jwk`)
  }

  async function load(ref: KeyRef): Promise<{ algorithm: KeyAlgorithm; key: KeyObject }> {
    const path = pathOf(ref)
    const hit = cache.get(path)
    if (hit) return hit
    let text: string
    try {
      const info = await stat(path)
      if ((info.mode & 0o077) !== 0) {
        throw new KeyFileError(`Key file ${path} is readable by group or others; run: chmod 600 ${path}`)
      }
      text = await readFile(path, 'utf8')
    } catch (cause) {
      if (cause instanceof KeyFileError) throw cause
      throw new KeyFileError(`Cannot read key file ${path}`, { cause })
    }
    let file: KeyFile
    try {
      file = JSON.parse(text) as KeyFile
      const key = createPrivateKey({ key: file.jwk as import('node:crypto').JsonWebKey, format: 'jwk' })
      const entry = { algorithm: file.algorithm, key }
      cache.set(path, entry)
      return entry
    } catch {
      // The parse error could quote key material, so it is deliberately not kept as the cause.
      throw new KeyFileError(`Key file ${path} is not a valid private JWK`)
    }
  }

  return {
    async generate(ref, algorithm) {
      const path = pathOf(ref)
      const pair =
        algorithm === 'Ed25519'
          ? generateKeyPairSync('ed25519')
          : algorithm === 'P-256'
            ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
            : undefined
      if (!pair) throw new UnsupportedKeyError(`Unsupported key algorithm: ${String(algorithm)}`)
      const privateJwk = pair.privateKey.export({ format: 'jwk' }) as Record<string, unknown>
      const publicJwk = createPublicKey(pair.privateKey).export({ format: 'jwk' }) as Record<string, unknown>
      await mkdir(join(options.directory, ref.tenantSlug), { recursive: true, mode: 0o700 })
      const file: KeyFile = { algorithm, jwk: privateJwk }
      try {
        // `wx`: never overwrite an existing key, which would orphan every credential it signed.
        await writeFile(path, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600, flag: 'wx' })
      } catch (cause) {
        throw new KeyFileError(`Cannot create key file ${path}`, { cause })
      }
      cache.set(path, { algorithm, key: pair.privateKey })
      const generated: GeneratedKey = {
        algorithm,
        publicJwk,
        publicKeyMultibase: await publicKeyMultibaseFromJwk(algorithm, publicJwk),
      }
      return generated
    },

    async getSigner(ref, kid) {
      const { algorithm, key } = await load(ref)
      const signer = signerFromKeyObject(key, kid, algorithm)
      return signer
    },

    async discard(ref) {
      const path = pathOf(ref)
      cache.delete(path)
      await rm(path, { force: true })
    },

    async has(ref) {
      try {
        await stat(pathOf(ref))
        return true
      } catch {
        return false
      }
    },
  }
}
