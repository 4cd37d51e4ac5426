/** `sign`: generic issuing of a caller-supplied W3C credential. */
import { writeFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import { ValidationError } from '../../errors.js'
import type { SecuringMechanism } from '../../issuer/check-credential.js'
import { signCredential } from '../../issuer/sign-credential.js'
import { TENANT_HELP, TENANT_OPTION, tenantOf, withContext, type Command } from '../command.js'
import { readJsonFile } from './issuing.js'

function proofOf(value: unknown): SecuringMechanism {
  if (value === undefined) return 'di'
  if (value === 'di' || value === 'jose') return value
  throw new ValidationError('--proof must be di or jose', [
    { field: '--proof', rule: 'enum', message: '--proof must be di or jose' },
  ])
}

export const signCommand: Command = {
  path: ['sign'],
  summary:
    'Checks a W3C credential (VC 2.0 or 1.1) against the data model rules an issuer must enforce, secures it as ' +
    "the tenant's issuer and prints exactly the result: for --proof di (default) the document with a Data " +
    'Integrity proof, for --proof jose a compact vc+jwt (VC 2.0 only). A missing issuer, id or (VC 2.0) ' +
    "validFrom is filled in. ELM micro-credentials are issued with 'microcred issue'.",
  usage: '<credential.json> [--proof di|jose] [--out <file>] [--tenant <slug>]',
  options: { ...TENANT_OPTION, proof: { type: 'string' }, out: { type: 'string' } },
  help: {
    tenant: TENANT_HELP,
    proof: 'di (default): Data Integrity, VC 1.1 or 2.0; jose: VC-JOSE (vc+jwt), VC 2.0 only',
    out: 'write the secured credential to this file instead of stdout',
  },
  positionals: { min: 1, max: 1 },
  async run(env, values, positionals) {
    const proof = proofOf(values.proof)
    const input = await readJsonFile(env.cwd, positionals[0] as string, 'credential')
    return withContext(env, async (ctx) => {
      const { record, credential } = await signCredential(ctx, {
        tenantSlug: tenantOf(values),
        credential: input,
        proof,
      })
      const text =
        typeof credential === 'string' ? `${credential}\n` : `${JSON.stringify(credential, null, 2)}\n`
      if (typeof values.out === 'string') {
        await writeFile(resolve(env.cwd, values.out), text)
        env.io.err(`Signed ${record.id} (${record.format}) to ${values.out}\n`)
      } else {
        env.io.out(text)
        env.io.err(`Signed ${record.id} (${record.format})\n`)
      }
      return 0
    })
  },
}
