/** `learners erase`. */
import { eraseLearner } from '../../issuer/erase-learner.js'
import { TENANT_HELP, TENANT_OPTION, printJson, tenantOf, withContext, type Command } from '../command.js'
import { actorOf } from './status.js'

export const learnersEraseCommand: Command = {
  path: ['learners', 'erase'],
  summary:
    "Erases a learner's personal data: clears the stored text and learner reference of every credential issued to " +
    '<learnerRef>. Status changes keep working; issued credentials stay valid.',
  usage: '<learnerRef> [--actor <name>] [--tenant <slug>]',
  options: { ...TENANT_OPTION, actor: { type: 'string' } },
  help: { tenant: TENANT_HELP, actor: 'who asks (default: cli:<user>)' },
  positionals: { min: 1, max: 1 },
  async run(env, values, positionals) {
    return withContext(env, async (ctx) => {
      const result = await eraseLearner(ctx, {
        tenantSlug: tenantOf(values),
        learnerRef: positionals[0] as string,
        actor: actorOf(values),
      })
      printJson(env.io, result)
      return 0
    })
  },
}
