/**
 * A home folder for the pages' tests: initialised, with the example course and a variant whose credentials
 * expire after one month, an app whose clock the test moves, and helpers to issue, revoke and erase through
 * the HTTP API. The clock starts at {@link CLI_TEST_NOW}.
 */
import { expect } from 'chai'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { pino } from 'pino'
import request from 'supertest'
import { loadConfig } from '../../src/config/load-config.js'
import { createContext, type AppContext } from '../../src/context.js'
import { createApp } from '../../src/http/app.js'
import { createApiToken } from '../../src/tokens/api-tokens.js'
import { createVerifierDeps } from '../../src/verifier/verifier-deps.js'
import { cli, CLI_TEST_NOW } from './cli.js'

const EXAMPLES = fileURLToPath(new URL('../../examples/', import.meta.url))
const DAY_MS = 24 * 60 * 60 * 1000

export interface IssuedForPages {
  id: string
  claimUrl: string
  /** The claim link's path (`/claims/<token>`). */
  claimPath: string
  /** The compact JWS (`elm`) or the JSON text (`edc`) exactly as issued. */
  original: string
}

export interface PagesHome {
  home: string
  ctx: AppContext
  app: ReturnType<typeof createApp>
  /** Moves the app's clock. */
  setNow(iso: string): void
  now(): Date
  issue(format: 'elm' | 'edc', options?: { expiring?: boolean; learnerId?: string }): Promise<IssuedForPages>
  /** Issues a credential valid for one month, `daysAgo` days before the clock's time: expired now. */
  issueExpired(format: 'elm' | 'edc', daysAgo?: number): Promise<IssuedForPages>
  revoke(id: string): Promise<void>
  erase(learnerId: string): Promise<void>
  close(): Promise<void>
}

export const EXPIRING_COURSE_ID = 'urn:univ-rhone-confluence:course:ddbi-2025-expiring'

export async function pagesHome(publicBaseUrl: string): Promise<PagesHome> {
  const home = await mkdtemp(join(tmpdir(), 'mc-pages-'))
  await writeFile(
    join(home, 'microcred.json'),
    JSON.stringify({ publicBaseUrl, rateLimit: { enabled: false } }),
  )
  const init = await cli(home, ['init'])
  expect(init.code, init.err).to.equal(0)
  const course = JSON.parse(await readFile(join(EXAMPLES, 'course.json'), 'utf8')) as Record<string, unknown>
  const expiring = { ...course, id: EXPIRING_COURSE_ID, validityMonths: 1 }
  await writeFile(join(home, 'expiring-course.json'), JSON.stringify(expiring))
  for (const file of [join(EXAMPLES, 'course.json'), join(home, 'expiring-course.json')]) {
    const added = await cli(home, ['course', 'add', file])
    expect(added.code, added.err).to.equal(0)
  }
  const learner = JSON.parse(await readFile(join(EXAMPLES, 'learner.json'), 'utf8')) as Record<
    string,
    unknown
  >

  let now = new Date(CLI_TEST_NOW)
  const clock = () => new Date(now)
  const ctx = await createContext(
    loadConfig({ env: { MICROCRED_HOME: home, MICROCRED_LOG_LEVEL: 'silent' }, cwd: home }),
    { clock },
  )
  const app = createApp({ ctx, verifier: createVerifierDeps(ctx), logger: pino({ level: 'silent' }) })
  const token = (
    await createApiToken(ctx, {
      tenantSlug: 'default',
      scopes: ['credentials:issue', 'credentials:status', 'credentials:read'],
    })
  ).token
  let learners = 0

  const issue: PagesHome['issue'] = async (format, options = {}) => {
    const courseId = options.expiring ? EXPIRING_COURSE_ID : (course.id as string)
    const body = {
      ...learner,
      identifiers: [{ schemeName: 'Student ID', notation: options.learnerId ?? `pages-${++learners}` }],
    }
    const res = await request(app)
      .post(`/courses/${encodeURIComponent(courseId)}/credentials?format=${format}`)
      .set('Authorization', `Bearer ${token}`)
      .send(body)
    expect(res.status, JSON.stringify(res.body)).to.equal(201)
    const issued = res.body as { id: string; claimUrl: string; verifiableCredential: Record<string, unknown> }
    const vc = issued.verifiableCredential
    const original =
      vc.type === 'EnvelopedVerifiableCredential'
        ? (vc.id as string).slice('data:application/vc+jwt,'.length)
        : JSON.stringify(vc)
    return {
      id: issued.id,
      claimUrl: issued.claimUrl,
      claimPath: new URL(issued.claimUrl).pathname,
      original,
    }
  }

  return {
    home,
    ctx,
    app,
    setNow: (iso) => {
      now = new Date(iso)
    },
    now: clock,
    issue,
    async issueExpired(format, daysAgo = 60) {
      const current = now
      now = new Date(current.getTime() - daysAgo * DAY_MS)
      try {
        return await issue(format, { expiring: true })
      } finally {
        now = current
      }
    },
    async revoke(id) {
      const res = await request(app)
        .post('/credentials/status')
        .set('Authorization', `Bearer ${token}`)
        .send({
          credentialId: id,
          credentialStatus: [
            { type: 'BitstringStatusListEntry', status: 'revoke', reason: 'Test: awarded in error' },
          ],
        })
      expect(res.status, JSON.stringify(res.body)).to.equal(200)
    },
    async erase(learnerId) {
      const res = await request(app)
        .post('/learners/erase')
        .set('Authorization', `Bearer ${token}`)
        .send({ learnerRef: `Student ID:${learnerId}` })
      expect(res.status, JSON.stringify(res.body)).to.equal(200)
    },
    async close() {
      await ctx.close()
      await rm(home, { recursive: true, force: true })
    },
  }
}
