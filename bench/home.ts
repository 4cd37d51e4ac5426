/**
 * A throwaway microcred home for the benchmarks: its own folder under the OS temp directory with the
 * SQLite file and key files in it, set up the way `microcred init` does, and removed afterwards.
 */
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadConfig } from '../src/config/load-config.js'
import { createContext, type AppContext } from '../src/context.js'
import { addCourse } from '../src/issuer/issue-microcredential.js'
import { createTenantWithIssuer } from '../src/issuer/issuer-identity.js'
import { developmentProfile } from '../src/issuer/issuer-profile.js'
import type { CourseRecord, KeyAlgorithm } from '../src/storage/storage.js'

/** The example inputs shipped in `examples/`. */
export interface ExampleInputs {
  course: unknown
  learner: Record<string, unknown>
}

export async function loadExamples(): Promise<ExampleInputs> {
  const read = async (name: string) =>
    JSON.parse(await readFile(new URL(`../examples/${name}`, import.meta.url), 'utf8')) as Record<
      string,
      unknown
    >
  return { course: await read('course.json'), learner: await read('learner.json') }
}

export interface BenchHome {
  readonly home: string
  readonly ctx: AppContext
  /** Creates a tenant whose default issuer has a key of `keyType`, and stores the course for it. */
  addTenant(keyType: KeyAlgorithm, course: unknown): Promise<{ tenantSlug: string; course: CourseRecord }>
  /** Closes the storage and deletes the folder. */
  dispose(): Promise<void>
}

export async function createBenchHome(): Promise<BenchHome> {
  const home = await mkdtemp(join(tmpdir(), 'microcred-bench-'))
  try {
    const config = loadConfig({ env: { MICROCRED_HOME: home, MICROCRED_LOG_LEVEL: 'silent' }, cwd: home })
    await mkdir(config.dataDir, { recursive: true, mode: 0o700 })
    await mkdir(config.keysDir, { recursive: true, mode: 0o700 })
    const ctx = await createContext(config)
    await ctx.storage.migrate()
    return {
      home,
      ctx,
      async addTenant(keyType, course) {
        const tenantSlug = `bench-${keyType.toLowerCase()}`
        await createTenantWithIssuer(ctx, {
          slug: tenantSlug,
          name: `Benchmark tenant (${keyType})`,
          profile: developmentProfile(),
          keyType,
        })
        const { record } = await addCourse(ctx, { tenantSlug, course })
        return { tenantSlug, course: record }
      },
      async dispose() {
        try {
          await ctx.close()
        } finally {
          await rm(home, { recursive: true, force: true })
        }
      },
    }
  } catch (err) {
    await rm(home, { recursive: true, force: true })
    throw err
  }
}
