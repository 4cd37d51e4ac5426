/** `course add|list`, `issue`. */
import { readFile, writeFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import { claimUrlOf } from '../../claims/manage-claim-links.js'
import { CredentialParseError, UsageError, ValidationError } from '../../errors.js'
import {
  addCourse,
  getCourse,
  issueMicrocredential,
  type MicrocredentialFormat,
} from '../../issuer/issue-microcredential.js'
import { getTenant } from '../../issuer/issuer-identity.js'
import { printJson, TENANT_HELP, TENANT_OPTION, tenantOf, withContext, type Command } from '../command.js'

/** Reads a JSON file given on the command line; a missing or malformed file is refused input, not a crash. */
export async function readJsonFile(cwd: string, path: string, what: string): Promise<unknown> {
  let text: string
  try {
    text = await readFile(resolve(cwd, path), 'utf8')
  } catch (cause) {
    throw new ValidationError(`Cannot read the ${what} file ${path}`, [
      {
        field: what,
        rule: 'readable',
        message: `${path}: ${(cause as NodeJS.ErrnoException).code ?? 'unreadable'}`,
      },
    ])
  }
  try {
    return JSON.parse(text)
  } catch (cause) {
    throw new CredentialParseError(
      `The ${what} file ${path} is not valid JSON: ${(cause as Error).message}`,
      { cause },
    )
  }
}

/** A `--course` value is a file when it names one (ends in .json or holds a path separator), else a course id. */
export function looksLikeFile(value: string): boolean {
  return value.endsWith('.json') || value.includes('/') || value.includes('\\')
}

export const courseAddCommand: Command = {
  path: ['course', 'add'],
  summary:
    'Validates a course description (an ELM Qualification) and stores it. Adding identical content again changes ' +
    'nothing; changed content becomes a new version.',
  usage: '<course.json> [--tenant <slug>]',
  options: { ...TENANT_OPTION },
  help: { tenant: TENANT_HELP },
  positionals: { min: 1, max: 1 },
  async run(env, values, positionals) {
    const course = await readJsonFile(env.cwd, positionals[0] as string, 'course')
    return withContext(env, async (ctx) => {
      const { record, created } = await addCourse(ctx, { tenantSlug: tenantOf(values), course })
      env.io.err(
        created
          ? `Stored course ${record.courseRef} version ${record.version}\n`
          : `Course ${record.courseRef} unchanged (version ${record.version})\n`,
      )
      printJson(env.io, {
        created,
        id: record.courseRef,
        version: record.version,
        contentHash: record.contentHash,
      })
      return 0
    })
  },
}

export const courseListCommand: Command = {
  path: ['course', 'list'],
  summary: "Lists a tenant's courses (latest version of each).",
  usage: '[--tenant <slug>]',
  options: { ...TENANT_OPTION },
  help: { tenant: TENANT_HELP },
  async run(env, values) {
    return withContext(env, async (ctx) => {
      const tenant = await getTenant(ctx.storage, tenantOf(values))
      const courses = await ctx.storage.courses.listLatest(tenant.id)
      printJson(
        env.io,
        courses.map((c) => ({
          id: c.courseRef,
          version: c.version,
          title: (c.course as { title?: unknown }).title,
          createdAt: c.createdAt,
        })),
      )
      return 0
    })
  },
}

export const issueCommand: Command = {
  path: ['issue'],
  summary:
    "Issues a learner's micro-credential from a course and prints exactly the credential: for --format elm " +
    '(default) the compact JWS (VC 2.0, VC-JOSE), for --format edc the signed JSON-LD document (VC 1.1, Data Integrity).',
  usage:
    '--course <id|course.json> --learner <learner.json> [--format elm|edc] [--out <file>] [--tenant <slug>]',
  options: {
    ...TENANT_OPTION,
    course: { type: 'string' },
    learner: { type: 'string' },
    format: { type: 'string' },
    out: { type: 'string' },
  },
  help: {
    tenant: TENANT_HELP,
    course: 'a stored course id, or a course file (stored, as a new version if it changed)',
    learner: "the learner's completion record (JSON file)",
    format: 'elm (default): VC 2.0 + VC-JOSE; edc: VC 1.1 + Data Integrity',
    out: 'write the credential to this file instead of stdout',
  },
  async run(env, values) {
    if (typeof values.course !== 'string' || typeof values.learner !== 'string') {
      throw new UsageError('issue needs --course and --learner')
    }
    const format = (values.format ?? 'elm') as MicrocredentialFormat
    if (format !== 'elm' && format !== 'edc') {
      throw new ValidationError('--format must be elm or edc', [
        { field: '--format', rule: 'enum', message: '--format must be elm or edc' },
      ])
    }
    const learner = await readJsonFile(env.cwd, values.learner, 'learner')
    const courseArg = values.course
    const courseFile = looksLikeFile(courseArg) ? await readJsonFile(env.cwd, courseArg, 'course') : undefined
    return withContext(env, async (ctx) => {
      // The learner's claim link is part of what issuing reports: without a secret, store and issue nothing.
      ctx.claimLinks.assertReady()
      const tenantSlug = tenantOf(values)
      const course = courseFile
        ? (await addCourse(ctx, { tenantSlug, course: courseFile })).record
        : await getCourse(ctx, tenantSlug, courseArg)
      const { record, credential } = await issueMicrocredential(ctx, { tenantSlug, course, learner, format })
      const issuer = await ctx.storage.issuers.get(record.issuerId)
      if (issuer?.profile.development) {
        env.io.err(
          'note: issued under a DEVELOPMENT issuer profile: for trying microcred out, not for real learners.\n',
        )
      }
      const text =
        typeof credential === 'string' ? `${credential}\n` : `${JSON.stringify(credential, null, 2)}\n`
      if (typeof values.out === 'string') {
        await writeFile(resolve(env.cwd, values.out), text)
        env.io.err(`Issued ${record.id} (${format}) to ${values.out}\n`)
      } else {
        env.io.out(text)
        env.io.err(`Issued ${record.id} (${format})\n`)
      }
      env.io.err(`Claim link for the learner: ${claimUrlOf(ctx.claimLinks, record)}\n`)
      return 0
    })
  },
}
