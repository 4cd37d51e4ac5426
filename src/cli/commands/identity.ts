/** `init`, `issuer show`, `tenants add|list`, `keys generate|list|rotate`. */
import { chmod, mkdir } from 'node:fs/promises'
import { createSecretsFile } from '../../claims/secrets-file.js'
import { UsageError } from '../../errors.js'
import {
  addIssuerKey,
  createTenantWithIssuer,
  describeDefaultIssuer,
  describeIssuer,
  listTenants,
  publicKeyView,
  type IssuerView,
} from '../../issuer/issuer-identity.js'
import {
  keyTypeOf,
  PROFILE_HELP,
  PROFILE_OPTIONS,
  profileFromFlags,
  TENANT_HELP,
  TENANT_OPTION,
  tenantOf,
  printJson,
  withContext,
  type Command,
  type CliIo,
} from '../command.js'

const DEFAULT_TENANT = 'default'

function warnIfDevelopment(io: CliIo, view: IssuerView): void {
  if (view.issuer.profile.development) {
    io.err('note: this issuer has a DEVELOPMENT profile; do not issue real credentials with it.\n')
  }
}

export const initCommand: Command = {
  path: ['init'],
  summary:
    'Creates the home folder (data/, keys/, secrets.json with the claim-link secret), brings the database schema up ' +
    'to date and creates the default tenant with its issuer and key. Never interactive. Running it again changes nothing.',
  usage: '[options]',
  options: { ...PROFILE_OPTIONS, 'tenant-name': { type: 'string' } },
  help: { ...PROFILE_HELP, 'tenant-name': 'display name of the default tenant' },
  async run(env, values) {
    const { config, io } = env
    await mkdir(config.dataDir, { recursive: true, mode: 0o700 })
    await mkdir(config.keysDir, { recursive: true, mode: 0o700 })
    // mkdir's mode is masked by umask and ignored for existing folders; keys must be owner-only either way.
    await chmod(config.keysDir, 0o700)
    return withContext(env, async (ctx) => {
      const { applied } = await ctx.storage.migrate()
      if (applied.length > 0) io.err(`Database schema updated: ${applied.join(', ')}\n`)
      const existing = await ctx.storage.tenants.getBySlug(DEFAULT_TENANT)
      if (existing) {
        // A home initialised before claim links existed gets its secret now; an existing secret is kept.
        const secretAdded = await createSecretsFile(config.secretsFile)
        const view = await describeDefaultIssuer(ctx.storage, DEFAULT_TENANT)
        const changed = secretAdded ? `added the claim-link secret ${config.secretsFile}` : 'nothing changed'
        io.err(`Already initialised in ${config.home}; ${changed}. Issuer: ${view.issuer.did}\n`)
        printJson(io, { created: false, ...describeIssuer(view) })
        return 0
      }
      const profile = profileFromFlags(values)
      const input = {
        slug: DEFAULT_TENANT,
        name:
          typeof values['tenant-name'] === 'string'
            ? values['tenant-name']
            : (profile.legalName.en ?? Object.values(profile.legalName)[0] ?? 'Default'),
        profile,
        keyType: keyTypeOf(values, config.keyType),
        ...(typeof values['did-web'] === 'string' ? { didWeb: values['did-web'] } : {}),
      }
      const view = await createTenantWithIssuer(ctx, input)
      await createSecretsFile(config.secretsFile)
      io.err(`Initialised ${config.home}: tenant ${view.tenant.slug}, issuer ${view.issuer.did}\n`)
      if (view.didDocumentUrl)
        io.err(`Publish the DID document (microcred issuer show --did-document) at ${view.didDocumentUrl}\n`)
      warnIfDevelopment(io, view)
      printJson(io, { created: true, ...describeIssuer(view) })
      return 0
    })
  },
}

export const issuerShowCommand: Command = {
  path: ['issuer', 'show'],
  summary: "Shows a tenant's default issuer: DID, profile, public keys and DID document.",
  usage: '[--tenant <slug>] [--did-document]',
  options: { ...TENANT_OPTION, 'did-document': { type: 'boolean' } },
  help: {
    tenant: TENANT_HELP,
    'did-document': 'print only the DID document (what a did:web issuer publishes)',
  },
  async run(env, values) {
    return withContext(env, async (ctx) => {
      const view = await describeDefaultIssuer(ctx.storage, tenantOf(values))
      if (values['did-document']) {
        printJson(env.io, view.didDocument)
      } else {
        warnIfDevelopment(env.io, view)
        printJson(env.io, describeIssuer(view))
      }
      return 0
    })
  },
}

export const tenantsAddCommand: Command = {
  path: ['tenants', 'add'],
  summary: 'Adds a tenant (one university or provider) with its own default issuer and key.',
  usage: '<slug> --name <name> [profile options]',
  options: { ...PROFILE_OPTIONS, name: { type: 'string' } },
  help: { ...PROFILE_HELP, name: 'display name of the tenant (required)' },
  positionals: { min: 1, max: 1 },
  async run(env, values, positionals) {
    const name = values.name
    if (typeof name !== 'string') {
      throw new UsageError('tenants add needs --name')
    }
    return withContext(env, async (ctx) => {
      const profile = profileFromFlags(values)
      const view = await createTenantWithIssuer(ctx, {
        slug: positionals[0] as string,
        name,
        profile,
        keyType: keyTypeOf(values, env.config.keyType),
        ...(typeof values['did-web'] === 'string' ? { didWeb: values['did-web'] } : {}),
      })
      env.io.err(`Tenant ${view.tenant.slug} added; issuer ${view.issuer.did}\n`)
      warnIfDevelopment(env.io, view)
      printJson(env.io, describeIssuer(view))
      return 0
    })
  },
}

export const tenantsListCommand: Command = {
  path: ['tenants', 'list'],
  summary: 'Lists tenants with their default issuer DID.',
  usage: '',
  options: {},
  help: {},
  async run(env) {
    return withContext(env, async (ctx) => {
      printJson(env.io, await listTenants(ctx.storage))
      return 0
    })
  },
}

export const keysListCommand: Command = {
  path: ['keys', 'list'],
  summary: "Lists the public keys of a tenant's default issuer (private keys are never shown).",
  usage: '[--tenant <slug>]',
  options: { ...TENANT_OPTION },
  help: { tenant: TENANT_HELP },
  async run(env, values) {
    return withContext(env, async (ctx) => {
      const view = await describeDefaultIssuer(ctx.storage, tenantOf(values))
      printJson(env.io, view.keys.map(publicKeyView))
      return 0
    })
  },
}

function keyCommand(name: 'generate' | 'rotate', activate: boolean, summary: string): Command {
  return {
    path: ['keys', name],
    summary,
    usage: '[--tenant <slug>] [--key-type Ed25519|P-256]',
    options: { ...TENANT_OPTION, 'key-type': { type: 'string' } },
    help: { tenant: TENANT_HELP, 'key-type': PROFILE_HELP['key-type'] as string },
    async run(env, values) {
      return withContext(env, async (ctx) => {
        const before = await describeDefaultIssuer(ctx.storage, tenantOf(values))
        const { key, view } = await addIssuerKey(ctx, {
          tenantSlug: tenantOf(values),
          keyType: keyTypeOf(values, env.config.keyType),
          activate,
        })
        env.io.err(`${activate ? 'Rotated to' : 'Generated'} key ${key.kid}\n`)
        if (activate && before.issuer.did !== view.issuer.did) {
          env.io.err(
            `The issuer DID is now ${view.issuer.did} (a did:key names one key); credentials signed under ` +
              `${before.issuer.did} still verify.\n`,
          )
        }
        printJson(env.io, publicKeyView(key))
        return 0
      })
    },
  }
}

export const keysGenerateCommand = keyCommand(
  'generate',
  false,
  "Generates a new key for a tenant's default issuer without making it the signing key.",
)
export const keysRotateCommand = keyCommand(
  'rotate',
  true,
  'Makes a new key the signing key. The old public key stays published, so credentials it signed still verify.',
)
