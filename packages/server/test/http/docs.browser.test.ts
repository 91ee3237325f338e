/**
 * `GET /docs` in Chromium: Swagger UI renders the API reference from Patchbay's own assets under its
 * strict CSP, and no request leaves Patchbay's origin (the page works offline).
 */
import { afterAll, beforeAll, expect, it } from 'vitest'
import { describeBrowser, type LaunchedBrowser, launchBrowser } from '../helpers/browser.js'
import { databaseTargets } from '../helpers/databases.js'
import { startTestServer, type TestServer } from '../helpers/test-server.js'

describeBrowser('API reference page in Chromium', () => {
  let t: TestServer
  let browser: LaunchedBrowser

  beforeAll(async () => {
    t = await startTestServer({ target: databaseTargets[0] as (typeof databaseTargets)[number] })
    browser = await launchBrowser()
  })
  afterAll(async () => {
    await browser?.close()
    await t?.close()
  })

  it('renders every tag of the REST API from same-origin assets, with no CSP violation', async () => {
    const { page } = browser
    const origin = new URL(t.url).origin
    const foreign: string[] = []
    const problems: string[] = []
    page.on('request', (req) => {
      const url = new URL(req.url())
      if (url.protocol !== 'data:' && url.origin !== origin) foreign.push(req.url())
    })
    page.on('console', (msg) => {
      if (msg.type() === 'error') problems.push(msg.text())
    })
    page.on('pageerror', (err) => problems.push(err.message))

    const res = await page.goto(`${t.url}/docs`)
    expect(res?.status()).toBe(200)
    await page.locator('.opblock-summary-path', { hasText: '/v1/connections/{id}' }).first().waitFor({ timeout: 15_000 })
    const body = (await page.locator('#swagger-ui').textContent()) ?? ''
    for (const text of [
      "List the end user's connections",
      'Create a connection from credentials',
      'List apps',
      "List all the partner's connections",
    ]) {
      expect(body).toContain(text)
    }
    expect(await page.title()).toBe('Patchbay API reference')
    // Patchbay's reference: its name, what it is, its logo in the top bar; nothing of the framework under it.
    expect(body).toContain('Patchbay API')
    expect(body).toContain('self-hostable Connect platform')
    const logo = page.locator('.topbar img').first()
    await logo.waitFor({ timeout: 15_000 })
    const src = (await logo.getAttribute('src')) ?? ''
    expect(Buffer.from(src.replace(/^data:image\/svg\+xml;base64,/, ''), 'base64').toString()).toContain('aria-label="Patchbay"')
    expect(await page.content()).not.toMatch(/fastify/i)
    expect(foreign).toEqual([])
    expect(problems.filter((p) => /Content Security Policy|Refused to/i.test(p))).toEqual([])
  })
})
