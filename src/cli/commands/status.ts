/** `revoke`, `suspend`, `unsuspend`, `status`. */
import { userInfo } from 'node:os'
import { readFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import { decodeJwt } from 'jose'
import type { AppContext } from '../../context.js'
import { CredentialParseError, GoneError, NotFoundError, UsageError, ValidationError } from '../../errors.js'
import { isErased } from '../../storage/storage.js'
import { checkStatus } from '../../status/check-status.js'
import { composeStatusListResolvers } from '../../status/compose-resolvers.js'
import { createRemoteStatusListResolver } from '../../status/fetch-status-list.js'
import { changeStatus, createLocalStatusListResolver, type StatusAction } from '../../status/index.js'
import {
  TENANT_HELP,
  TENANT_OPTION,
  tenantOf,
  withContext,
  type Command,
  type CommandEnv,
} from '../command.js'

/** Who the audit log names for a change made from this shell. */
export function actorOf(values: Record<string, unknown>): string {
  if (typeof values.actor === 'string' && values.actor.trim()) return values.actor.trim()
  try {
    return `cli:${userInfo().username}`
  } catch {
    return 'cli'
  }
}

function changeCommand(action: StatusAction, summary: string, reasonRequired: boolean): Command {
  return {
    path: [action],
    summary,
    usage: `<credentialId> [<credentialId>...] ${reasonRequired ? '--reason <text>' : '[--reason <text>]'} [--actor <name>] [--tenant <slug>]`,
    options: { ...TENANT_OPTION, reason: { type: 'string' }, actor: { type: 'string' } },
    help: {
      tenant: TENANT_HELP,
      reason: reasonRequired
        ? 'why (required; kept in the audit log)'
        : 'why (optional; kept in the audit log)',
      actor: 'who asks, for the audit log (default: cli:<user>)',
    },
    positionals: { min: 1, max: 10_000 },
    async run(env, values, positionals) {
      if (reasonRequired && (typeof values.reason !== 'string' || !values.reason.trim())) {
        throw new UsageError(`${action} needs --reason`)
      }
      return withContext(env, async (ctx) => {
        const reason = typeof values.reason === 'string' ? values.reason : undefined
        const result = await changeStatus(ctx, {
          tenantSlug: tenantOf(values),
          changes: positionals.map((credentialId) => ({
            credentialId,
            action,
            ...(reason !== undefined ? { reason } : {}),
          })),
          actor: actorOf(values),
        })
        for (const change of result.changed) {
          env.io.err(
            `${change.credentialId}: ${change.outcome === 'changed' ? `${action}d` : `already ${action === 'unsuspend' ? 'not suspended' : `${action}d`}`}\n`,
          )
        }
        env.io.out(`${JSON.stringify(result, null, 2)}\n`)
        return 0
      })
    },
  }
}

export const revokeCommand = changeCommand(
  'revoke',
  'Revokes credentials for good: sets their revocation bit and re-signs each touched status list once.',
  true,
)
export const suspendCommand = changeCommand(
  'suspend',
  'Suspends credentials (reversible with unsuspend): sets their suspension bit and re-signs each touched list once.',
  true,
)
export const unsuspendCommand = changeCommand(
  'unsuspend',
  'Lifts a suspension: clears the suspension bit and re-signs each touched list once. A revoked credential stays revoked.',
  false,
)

/** The credential a `status` argument names: a stored credential id, or a file with a JWS or a JSON credential. */
async function loadCredential(
  env: CommandEnv,
  ctx: AppContext,
  arg: string,
): Promise<Record<string, unknown>> {
  let text: string
  if (arg.startsWith('urn:') || arg.startsWith('did:')) {
    const record = await ctx.storage.credentials.get(arg)
    if (!record) throw new NotFoundError(`No credential ${arg} in this instance`)
    if (isErased(record)) {
      throw new GoneError(`Credential ${arg} was erased here; check the credential file the learner holds`)
    }
    text = record.credential
  } else {
    try {
      text = (await readFile(resolve(env.cwd, arg), 'utf8')).trim()
    } catch (cause) {
      throw new ValidationError(`Cannot read ${arg}`, [
        {
          field: 'credential',
          rule: 'readable',
          message: `${arg}: ${(cause as NodeJS.ErrnoException).code ?? 'unreadable'}`,
        },
      ])
    }
  }
  try {
    // The status check reads the status entries only; the signature of the credential itself is the
    // verifier's business, and the status lists it points to are verified by the check.
    return text.startsWith('{')
      ? (JSON.parse(text) as Record<string, unknown>)
      : (decodeJwt(text) as Record<string, unknown>)
  } catch (cause) {
    throw new CredentialParseError(`${arg} is neither a JSON credential nor a compact JWS`, { cause })
  }
}

export const statusCommand: Command = {
  path: ['status'],
  summary:
    "Checks a credential's revocation and suspension status against its signed status lists (this instance's own " +
    'from storage, others over HTTPS). Exit 0 when every entry passes, 1 otherwise.',
  usage: '<credential file | credential id>',
  options: {},
  help: {},
  positionals: { min: 1, max: 1 },
  async run(env, _values, positionals) {
    return withContext(env, async (ctx) => {
      const credential = await loadCredential(env, ctx, positionals[0] as string)
      const resolveList = composeStatusListResolvers(
        createLocalStatusListResolver(ctx),
        createRemoteStatusListResolver({ clock: ctx.clock }),
      )
      const result = await checkStatus(credential, {
        resolveList,
        didResolver: ctx.didResolver,
        documentLoader: ctx.documentLoader,
        now: ctx.clock(),
      })
      env.io.err(`status: ${result.status} (${result.code})\n`)
      env.io.out(`${JSON.stringify(result, null, 2)}\n`)
      return result.status === 'pass' || result.status === 'skipped' ? 0 : 1
    })
  },
}
