/**
 * Headless Chromium for end-to-end tests, through playwright-core and the system browser. Browsers are never
 * downloaded: when /usr/bin/chromium is missing the browser suites are skipped with a warning, or fail under CI=true.
 */
import { accessSync, constants } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type BrowserContext, chromium, type Page } from 'playwright-core'
import { describe } from 'vitest'
import { providerSelectors } from './oauth-provider.js'

/** The system Chromium; PATCHBAY_CHROMIUM overrides it (e.g. on a laptop with Chrome elsewhere). */
export const CHROMIUM_PATH = process.env.PATCHBAY_CHROMIUM || '/usr/bin/chromium'

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]

function unavailableReason(): string | undefined {
  try {
    accessSync(CHROMIUM_PATH, constants.X_OK)
    return undefined
  } catch (err) {
    return `no executable Chromium at ${CHROMIUM_PATH} (${(err as NodeJS.ErrnoException).code ?? String(err)})`
  }
}

/** Why browser tests cannot run here, or undefined when they can. */
export const browserUnavailableReason: string | undefined = unavailableReason()
export const browserAvailable: boolean = browserUnavailableReason === undefined

/**
 * `describe` for suites that need Chromium. Without it: under CI=true it throws (the test file fails), otherwise it
 * warns and skips the suite.
 */
export function describeBrowser(name: string, fn: () => void): void {
  if (browserAvailable) {
    describe(name, fn)
    return
  }
  const message = `browser suite "${name}" cannot run: ${browserUnavailableReason}`
  if (process.env.CI === 'true') throw new Error(`${message} (CI=true: a missing browser is a failure, not a skip)`)
  console.warn(`${message}; skipped`)
  describe.skip(name, fn)
}

type PersistentContextOptions = NonNullable<Parameters<typeof chromium.launchPersistentContext>[1]>

export interface LaunchedBrowser {
  context: BrowserContext
  /** The tab the persistent context opens with. */
  page: Page
  /** Closes the browser and removes its profile directory. */
  close(): Promise<void>
}

/**
 * Starts a headless Chromium with a fresh profile in a temp dir (fresh cookies: no provider session or consent
 * carries over between launches). Extra options (viewport, isMobile, userAgent, ...) are passed through.
 */
export async function launchBrowser(options: Omit<PersistentContextOptions, 'executablePath' | 'headless'> = {}): Promise<LaunchedBrowser> {
  if (!browserAvailable) throw new Error(`cannot launch Chromium: ${browserUnavailableReason}`)
  const userDataDir = await mkdtemp(join(tmpdir(), 'patchbay-chromium-'))
  let context: BrowserContext
  try {
    context = await chromium.launchPersistentContext(userDataDir, {
      ...options,
      executablePath: CHROMIUM_PATH,
      headless: true,
      args: [...CHROMIUM_ARGS, ...(options.args ?? [])],
    })
  } catch (err) {
    await rm(userDataDir, { recursive: true, force: true })
    throw err
  }
  const page = context.pages()[0] ?? (await context.newPage())
  let closed = false
  return {
    context,
    page,
    async close() {
      if (closed) return
      closed = true
      try {
        await context.close()
      } finally {
        await rm(userDataDir, { recursive: true, force: true, maxRetries: 3 })
      }
    },
  }
}

/** Waits for the test provider's login page on `page`, types the username and clicks "Sign in". */
export async function signInAtProvider(page: Page, username = 'alice', timeout = 10_000): Promise<void> {
  await page.locator(providerSelectors.username).fill(username, { timeout })
  await page.locator(providerSelectors.signIn).click({ timeout })
}

/** Waits for the test provider's consent page on `page` and clicks "Allow" or "Deny". */
export async function consentAtProvider(page: Page, decision: 'allow' | 'deny' = 'allow', timeout = 10_000): Promise<void> {
  await page.locator(decision === 'allow' ? providerSelectors.allow : providerSelectors.deny).click({ timeout })
}
