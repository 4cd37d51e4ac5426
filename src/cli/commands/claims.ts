/** `claims link|revoke`: learners' claim links. */
import { renewClaimLink, revokeClaimLink } from '../../claims/manage-claim-links.js'
import { TENANT_HELP, TENANT_OPTION, tenantOf, withContext, type Command } from '../command.js'

export const claimsLinkCommand: Command = {
  path: ['claims', 'link'],
  summary:
    "Makes a new claim link for a credential and prints only its URL on stdout. The learner's earlier links stop " +
    'working; a revoked link is replaced by a working one.',
  usage: '<credentialId> [--tenant <slug>]',
  options: { ...TENANT_OPTION },
  help: { tenant: TENANT_HELP },
  positionals: { min: 1, max: 1 },
  async run(env, values, positionals) {
    const credentialId = positionals[0] as string
    return withContext(env, async (ctx) => {
      const { claimUrl, generation } = await renewClaimLink(ctx, {
        tenantSlug: tenantOf(values),
        credentialId,
      })
      env.io.err(
        `New claim link for ${credentialId} (generation ${generation}); earlier links no longer work\n`,
      )
      env.io.out(`${claimUrl}\n`)
      return 0
    })
  },
}

export const claimsRevokeCommand: Command = {
  path: ['claims', 'revoke'],
  summary:
    "Revokes a credential's claim link: it answers 404 from then on. The credential itself stays valid; " +
    "'claims link' makes a new link.",
  usage: '<credentialId> [--tenant <slug>]',
  options: { ...TENANT_OPTION },
  help: { tenant: TENANT_HELP },
  positionals: { min: 1, max: 1 },
  async run(env, values, positionals) {
    const credentialId = positionals[0] as string
    return withContext(env, async (ctx) => {
      await revokeClaimLink(ctx, { tenantSlug: tenantOf(values), credentialId })
      env.io.err(`Revoked the claim link of ${credentialId}\n`)
      return 0
    })
  },
}
