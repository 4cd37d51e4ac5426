/**
 * The browser tests' Chromium: Debian's `/usr/bin/chromium` driven by playwright-core, headless, without
 * sandbox (containers) and without background networking, one browser for a whole suite. Without Chromium
 * the suite is skipped with a loud message, except under `CI=true`, where it fails: CI must run it.
 */
import { existsSync } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { chromium, type Browser } from 'playwright-core'

export const CHROMIUM_PATH = '/usr/bin/chromium'

/** Screenshots and downloads of the browser tests (git-ignored). */
export const ARTIFACTS_DIR = fileURLToPath(new URL('../../test-artifacts/', import.meta.url))

const IN_CI = process.env.CI === 'true'
let warned = false

/** Launches Chromium, or skips the calling suite (see the module comment). */
export async function launchChromiumOrSkip(context: Mocha.Context): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    if (IN_CI) {
      throw new Error(
        `Browser tests cannot run (CI=true): no Chromium at ${CHROMIUM_PATH}. ` +
          'Install it with: apt-get install -y chromium (.ci/run does).',
      )
    }
    if (!warned) {
      warned = true
      console.warn(
        `\n  !!! Browser tests SKIPPED: no Chromium at ${CHROMIUM_PATH}.\n` +
          '  !!! Install it (apt-get install -y chromium) to run them; under CI=true they fail instead.\n',
      )
    }
    context.skip()
  }
  await mkdir(ARTIFACTS_DIR, { recursive: true })
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-default-apps',
      '--disable-sync',
      '--disable-dev-shm-usage',
      '--no-first-run',
    ],
  })
}
