import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { describeBrowser, type LaunchedBrowser, launchBrowser } from '../helpers/browser.js'
import { databaseTargets } from '../helpers/databases.js'
import { type ConsoleSetup, startConsoleSetup } from './console-setup.js'

// The operator console in Chromium (docs/console.md): every page, signed in and used with the
// keyboard alone, with no CSP violation and no request leaving Patchbay. With
// PATCHBAY_CONSOLE_SCREENSHOTS=<dir>, each page is also saved there in the light and dark themes
// (docs/screenshots/console-*.png were made so).

const shots = process.env.PATCHBAY_CONSOLE_SCREENSHOTS

describeBrowser('operator console in Chromium', () => {
  let s: ConsoleSetup
  let browser: LaunchedBrowser
  const problems: string[] = []
  const foreign: string[] = []

  beforeAll(async () => {
    s = await startConsoleSetup(databaseTargets[0] as (typeof databaseTargets)[number])
    browser = await launchBrowser({ viewport: { width: 1280, height: 900 } })
    const { page, context } = browser
    const origin = new URL(s.t.url).origin
    // Every violation, reported by the page itself (a listener added before any page script could run).
    await context.addInitScript(() => {
      document.addEventListener('securitypolicyviolation', (e) => {
        const w = window as unknown as { __violations?: string[] }
        ;(w.__violations ??= []).push(`${e.violatedDirective} ${e.blockedURI}`)
      })
    })
    page.on('console', (msg) => {
      if (msg.type() === 'error') problems.push(msg.text())
    })
    page.on('pageerror', (err) => problems.push(err.message))
    page.on('request', (req) => {
      const url = new URL(req.url())
      if (url.protocol !== 'data:' && url.origin !== origin) foreign.push(req.url())
    })
    if (shots) mkdirSync(shots, { recursive: true })
  })
  afterAll(async () => {
    await browser?.close()
    await s?.close()
  })

  async function checked(page: Page, name: string): Promise<void> {
    const violations = await page.evaluate(() => (window as unknown as { __violations?: string[] }).__violations ?? [])
    expect(violations, `CSP violations on ${name}`).toEqual([])
    if (shots) {
      for (const scheme of ['light', 'dark'] as const) {
        await page.emulateMedia({ colorScheme: scheme })
        await page.screenshot({ path: join(shots, `console-${name}-${scheme}.png`), fullPage: true })
      }
      await page.emulateMedia({ colorScheme: 'light' })
    }
  }

  /** Tabs (at most 40 times) until the focused element's text is `label`, then presses Enter on it. */
  async function tabTo(page: Page, label: string | RegExp): Promise<void> {
    for (let i = 0; i < 40; i++) {
      await page.keyboard.press('Tab')
      const text = await page.evaluate(() => {
        const el = document.activeElement as HTMLElement | null
        return (el?.innerText || (el as HTMLInputElement | null)?.value || el?.getAttribute('aria-label') || '').trim()
      })
      if (typeof label === 'string' ? text === label : label.test(text)) {
        await Promise.all([page.waitForEvent('load'), page.keyboard.press('Enter')])
        return
      }
    }
    throw new Error(`could not reach "${label}" with the Tab key`)
  }

  it('signs in with the keyboard and goes through every page without a CSP violation', { timeout: 120_000 }, async () => {
    const { page } = browser
    await page.goto(`${s.t.url}/console`)
    expect(new URL(page.url()).pathname).toBe('/console/login')
    await checked(page, 'login')
    // The client id field has the focus: type, Tab, type, Enter.
    await page.keyboard.type(s.t.partner.clientId)
    await page.keyboard.press('Tab')
    await page.keyboard.type(s.t.partner.clientSecret)
    await Promise.all([page.waitForURL(`${s.t.url}/console`), page.keyboard.press('Enter')])

    // Overview: failures first, then the charts.
    const overview = page.locator('main')
    await expect.poll(() => overview.locator('.card .n').nth(1).textContent()).toBe('1')
    expect(await overview.textContent()).toContain(s.connections.broken)
    expect(await overview.textContent()).toContain(s.runs.failed)
    expect(await overview.locator('table').first().textContent()).toContain('/hooks')
    expect(await overview.locator('figure.chart svg').count()).toBeGreaterThanOrEqual(3)
    expect(await overview.locator('figure.chart rect.bar').count()).toBeGreaterThan(0)
    await checked(page, 'overview')

    // Connections, by keyboard from the navigation; then filtered to the broken one.
    await tabTo(page, 'Connections')
    expect(new URL(page.url()).pathname).toBe('/console/connections')
    expect(await page.locator('main table tbody tr').count()).toBe(3)
    await page.selectOption('select[name=status]', 'needs_reauth')
    await Promise.all([page.waitForEvent('load'), page.click('button:has-text("Filter")')])
    expect(await page.locator('main table tbody tr').count()).toBe(1)
    await checked(page, 'connections')

    // One connection: status, last error, audit log; a reauthorization link.
    await Promise.all([page.waitForEvent('load'), page.click(`a:has-text("${s.connections.broken}")`)])
    expect(await page.locator('main').textContent()).toContain('invalid_grant')
    await tabTo(page, 'Make a reauthorization link')
    const link = await page.locator('input[readonly]').inputValue()
    expect(link).toMatch(new RegExp(`^${s.t.url}/`))
    const opened = await fetch(link, { redirect: 'manual' })
    expect(opened.status).toBeLessThan(400)
    await checked(page, 'connection')

    // Runs: the list, the failed one with its redacted log, a retry.
    await tabTo(page, 'Runs')
    expect(await page.locator('main table tbody tr').count()).toBe(2)
    await checked(page, 'runs')
    await Promise.all([page.waitForEvent('load'), page.click(`a:has-text("${s.runs.failed}")`)])
    const runText = (await page.locator('main').textContent()) ?? ''
    expect(runText).toContain('failed')
    expect(runText).not.toContain('k-ok')
    await checked(page, 'run')
    await tabTo(page, /^Retry/)
    expect(new URL(page.url()).pathname).toMatch(/^\/console\/runs\/run_/)
    expect(new URL(page.url()).pathname).not.toContain(s.runs.failed)

    // Webhooks: deliveries to the failing endpoint, one event's attempts, a redelivery.
    await tabTo(page, 'Webhooks')
    expect(await page.locator('main table tbody tr').count()).toBeGreaterThanOrEqual(2)
    await checked(page, 'webhooks')
    await Promise.all([page.waitForEvent('load'), page.locator('main table tbody tr a').first().click()])
    expect(await page.locator('main').textContent()).toContain('500')
    await checked(page, 'webhook')
    const before = s.webhookHits()
    await tabTo(page, 'Redeliver')
    await expect.poll(() => s.webhookHits(), { timeout: 10_000 }).toBeGreaterThan(before)

    // Delete a connection, then sign out.
    await page.goto(`${s.t.url}/console/connections/${s.connections.spare}`)
    await tabTo(page, 'Delete connection')
    expect(await page.locator('main h1').textContent()).toBe('Connection deleted')
    await tabTo(page, 'Sign out')
    expect(new URL(page.url()).pathname).toBe('/console/login')

    expect(problems.filter((p) => /Content Security Policy|Refused to/i.test(p))).toEqual([])
    expect(foreign).toEqual([])
  })
})
