import type { Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { describeBrowser, type LaunchedBrowser, launchBrowser } from '../helpers/browser.js'
import { CookieJar, http, mintSession, openConnect, SAME_ORIGIN_POST } from '../helpers/connect-http.js'
import { type ConnectSetup, GOOD_STRIPE_KEY, startConnectSetup } from '../helpers/connect-setup.js'
import { databaseTargets } from '../helpers/databases.js'

/**
 * The Connect flow's error paths as a browser sees them: secrets leave the address bar and history
 * on every page answering a URL that carried them, and a terminal error reaches the partner (the
 * widget's onError, the redirect_uri) like a success does.
 */

const BAD_STRIPE_KEY = 'sk_test_WrongKey0123456789abcd'

/** The partner page at /widget: loads Patchbay's /connect.js and opens a reconnect flow on #go, logging the callbacks. */
function widgetPage(patchbayUrl: string, token: string, reconnectId: string): string {
  return `<!doctype html><meta charset="utf-8"><title>widget</title>
<script src="${patchbayUrl}/connect.js"></script>
<button id="go">go</button>
<script>
window.log = []
document.getElementById('go').onclick = () => {
  PatchbayConnect.create({ baseUrl: ${JSON.stringify(patchbayUrl)} }).open({
    token: ${JSON.stringify(token)},
    app: 'fakestripe',
    reconnectId: ${JSON.stringify(reconnectId)},
    mode: 'popup',
    onSuccess: (c) => window.log.push(['success', c]),
    onError: (e) => window.log.push(['error', { code: e.code, description: e.description }]),
    onExit: () => window.log.push(['exit']),
  })
}
</script>`
}

describeBrowser('Connect flow errors in Chromium', () => {
  describe.each(databaseTargets)('($name)', (target) => {
    let s: ConnectSetup
    let browser: LaunchedBrowser
    const pages = new Map<string, string>()

    beforeAll(async () => {
      s = await startConnectSetup(target, { 'rateLimit.connectPerIp': 10_000 })
      s.partnerPage.serve((req, res) => {
        const body = pages.get(req.url ?? '')
        if (body === undefined) return false
        res.writeHead(200, { 'content-type': 'text/html' }).end(body)
        return true
      })
    })
    afterAll(() => s?.close())
    afterEach(() => browser?.close())

    /** A fakestripe connection of `sub`, connected through the Connect UI and then deleted. */
    async function deletedConnection(sub: string): Promise<string> {
      const { code, sessionId } = await mintSession(s.t, {}, { sub })
      const jar = new CookieJar()
      await openConnect(s.t.url, `/to/fakestripe?token=${code}`, jar)
      const done = await http(`${s.t.url}/connect/${sessionId}/fakestripe`, {
        jar,
        headers: SAME_ORIGIN_POST,
        form: { auth_option: 'api_key', api_key: GOOD_STRIPE_KEY },
      })
      const id = /"connection_id":"([^"]+)"/.exec(done.text)?.[1]
      if (!id) throw new Error(`no connection: ${done.text.slice(0, 300)}`)
      await s.t.server.services.database.db.deleteFrom('connections').where('id', '=', id).execute()
      return id
    }

    /** The page's URL now, and after leaving and coming back through history: neither may hold `secrets`. */
    async function expectCleanAddressBar(page: Page, expectedPath: string, secrets: string[]) {
      await page.waitForFunction((path) => location.pathname + location.search === path, expectedPath, { timeout: 10_000 })
      for (const secret of secrets) expect(page.url()).not.toContain(secret)
      await page.goto('about:blank')
      await page.goBack()
      expect(new URL(page.url()).pathname + new URL(page.url()).search).toBe(expectedPath)
    }

    it('GET /connection-popup: the form page takes the code out of the address bar and history', async () => {
      browser = await launchBrowser()
      const { page } = browser
      const { code, sessionId } = await mintSession(s.t, {}, { sub: 'popup-form' })
      await page.goto(`${s.t.url}/connection-popup?token=${code}&integrationKey=fakestripe`)
      await page.waitForSelector('input[type="password"]')
      await expectCleanAddressBar(page, `/connect/${sessionId}/fakestripe`, [code])
    })

    it('GET /connection-popup: the result page takes the code and connectionParameters out of the address bar', async () => {
      browser = await launchBrowser()
      const { page } = browser
      const { code } = await mintSession(s.t, {}, { sub: 'popup-result' })
      const params = encodeURIComponent(JSON.stringify({ api_key: BAD_STRIPE_KEY }))
      await page.goto(`${s.t.url}/connection-popup?token=${code}&integrationKey=fakestripe&connectionParameters=${params}`)
      await page.waitForSelector('#pb-close')
      expect(await page.locator('h1').textContent()).toContain('Could not connect')
      await expectCleanAddressBar(page, '/connection-popup', [code, BAD_STRIPE_KEY, 'api_key'])
    })

    it('an unregistered redirect_uri: the error page takes the code out of the address bar', async () => {
      browser = await launchBrowser()
      const { page } = browser
      const { code } = await mintSession(s.t, {}, { sub: 'bad-redirect' })
      const res = await page.goto(`${s.t.url}/to/fakestripe?token=${code}&redirect_uri=${encodeURIComponent('https://evil.example/x')}`)
      expect(res?.status()).toBe(400)
      expect(await page.textContent('body')).toContain('The return address is not registered for this application.')
      await page.waitForFunction(() => location.search === '', undefined, { timeout: 10_000 })
      expect(page.url()).toBe(`${s.t.url}/to/fakestripe`)
      expect(page.url()).not.toContain(code)
    })

    it('reconnecting a deleted connection in redirect mode comes back to redirect_uri with error=not_found', async () => {
      browser = await launchBrowser()
      const { page } = browser
      const gone = await deletedConnection('reconnect-redirect-browser')
      const { code } = await mintSession(s.t, {}, { sub: 'reconnect-redirect-browser' })
      await page.goto(
        `${s.t.url}/to/fakestripe?token=${code}&reconnect_id=${gone}&redirect_uri=${encodeURIComponent(s.partnerPage.returnUrl)}`,
      )
      await page.waitForURL(`${s.partnerPage.returnUrl}?**`)
      const back = new URL(page.url())
      expect(back.searchParams.get('error')).toBe('not_found')
      expect(back.searchParams.get('app')).toBe('fakestripe')
      expect(page.url()).not.toContain(code)
    })

    it('reconnecting a deleted connection with the widget calls onError with not_found', async () => {
      browser = await launchBrowser()
      const { page } = browser
      const gone = await deletedConnection('reconnect-widget')
      const { code } = await mintSession(s.t, {}, { sub: 'reconnect-widget' })
      pages.set('/widget', widgetPage(s.t.url, code, gone))
      await page.goto(`${s.partnerPage.origin}/widget`)
      await page.click('#go')
      await page.waitForFunction(() => (window as unknown as { log: unknown[] }).log.length > 0, undefined, { timeout: 15_000 })
      const log = await page.evaluate(() => (window as unknown as { log: unknown[] }).log)
      expect(log).toEqual([['error', { code: 'not_found', description: 'The connection to reconnect does not exist.' }]])
    })
  })
})
