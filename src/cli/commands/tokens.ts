/** `tokens create|revoke|list`: tenant API bearer tokens. */
import { UsageError } from '../../errors.js'
import { createApiToken, listApiTokens, revokeApiToken, SCOPES } from '../../tokens/api-tokens.js'
import { printJson, TENANT_HELP, TENANT_OPTION, tenantOf, withContext, type Command } from '../command.js'

export const tokensCreateCommand: Command = {
  path: ['tokens', 'create'],
  summary:
    'Creates an API bearer token for a tenant. Prints only the token on stdout (shown once; only its hash is kept).',
  usage: '--scopes <scope,scope...> [--name <name>] [--tenant <slug>]',
  options: { ...TENANT_OPTION, scopes: { type: 'string' }, name: { type: 'string' } },
  help: {
    tenant: TENANT_HELP,
    scopes: `comma-separated scopes: ${SCOPES.join(', ')}`,
    name: 'a label for the token (e.g. the client it is for)',
  },
  async run(env, values) {
    if (typeof values.scopes !== 'string') throw new UsageError('tokens create needs --scopes')
    const scopes = values.scopes.split(',').filter((s) => s.trim() !== '')
    return withContext(env, async (ctx) => {
      const { token, info } = await createApiToken(ctx, {
        tenantSlug: tenantOf(values),
        scopes,
        ...(typeof values.name === 'string' ? { name: values.name } : {}),
      })
      env.io.err(
        `Created token ${info.id} for tenant ${tenantOf(values)} with scopes ${info.scopes.join(',')}\n`,
      )
      env.io.out(`${token}\n`)
      return 0
    })
  },
}

export const tokensRevokeCommand: Command = {
  path: ['tokens', 'revoke'],
  summary: 'Revokes an API token for good: it is refused from then on.',
  usage: '<id> [--tenant <slug>]',
  options: { ...TENANT_OPTION },
  help: { tenant: TENANT_HELP },
  positionals: { min: 1, max: 1 },
  async run(env, values, positionals) {
    const id = positionals[0] as string
    return withContext(env, async (ctx) => {
      await revokeApiToken(ctx, { tenantSlug: tenantOf(values), id })
      env.io.err(`Revoked token ${id}\n`)
      return 0
    })
  },
}

export const tokensListCommand: Command = {
  path: ['tokens', 'list'],
  summary: 'Lists the API tokens of a tenant (ids, names, scopes, dates; never secrets or hashes).',
  usage: '[--tenant <slug>]',
  options: { ...TENANT_OPTION },
  help: { tenant: TENANT_HELP },
  async run(env, values) {
    return withContext(env, async (ctx) => {
      printJson(env.io, await listApiTokens(ctx, tenantOf(values)))
      return 0
    })
  },
}
