import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { call } from '../helpers/api-call.js'
import { consentAtProvider, describeBrowser, type LaunchedBrowser, launchBrowser, signInAtProvider } from '../helpers/browser.js'
import { type ConnectSetup, GOOD_STRIPE_KEY, startConnectSetup } from '../helpers/connect-setup.js'
import { databaseTargets } from '../helpers/databases.js'

/**
 * Connect links end to end in Chromium (docs/connect-links.md): the partner's backend mints a link,
 * the end user opens it in a fresh browser (nothing of Patchbay's or the partner's in it), sees the
 * partner's branding and the picker, and connects at the real OAuth server (oidc-provider).
 */
describeBrowser('Connect links in Chromium', () => {
  describe.each(databaseTargets)('($name)', (target) => {
    let s: ConnectSetup
    let browser: LaunchedBrowser | undefined
    let other: LaunchedBrowser | undefined

    beforeAll(async () => {
      s = await startConnectSetup(target)
      await s.t.updatePartnerRow({ branding: JSON.stringify({ displayName: 'Acme CRM', brandColor: '#0a7d5a' }) })
    })
    afterAll(() => s?.close())
    afterEach(async () => {
      await browser?.close()
      await other?.close()
      browser = other = undefined
    })

    const accessToken = (sub: string) => s.accessToken(sub)

    it('a link opened in a fresh browser shows the branded picker, connects through the provider, and works once', async () => {
      const token = await accessToken('link-browser')
      const minted = await call(`${s.t.url}/v1/connect/links`, { method: 'POST', token, body: { apps: ['oidc', 'fakestripe'] } })
      expect(minted.status).toBe(201)
      browser = await launchBrowser()
      const { page } = browser
      await page.goto(minted.json.url)
      await page.waitForSelector('a.app')
      // The token left the address bar; the page is the partner's.
      expect(page.url()).not.toContain('pbcl_')
      expect(await page.textContent('body')).toContain('Acme CRM')
      const names = await page.$$eval('a.app b', (els) => els.map((e) => e.textContent))
      expect(names.sort()).toEqual(['OpenID Connect', 'Stripe (local)'].sort())
      await page.click('a.app[href$="/oidc"]')
      await signInAtProvider(page, 'frank')
      await consentAtProvider(page, 'allow')
      await page.waitForSelector('h1')
      expect(await page.textContent('h1')).toContain('connected')

      const link = await call(`${s.t.url}/v1/connect/links/${minted.json.link.id}`, { token })
      expect(link.json).toMatchObject({ status: 'used', outcome: { status: 'success', app: 'oidc' } })
      expect(link.json.connection_id).toMatch(/^conn_/)
      const connection = await call(`${s.t.url}/v1/connections/${link.json.connection_id}`, { token })
      expect(connection.json).toMatchObject({ app: 'oidc', status: 'active' })

      // Forwarded to someone else: another browser is told the link was used.
      other = await launchBrowser()
      const answer = await other.page.goto(minted.json.url)
      expect(answer?.status()).toBe(410)
      expect(await other.page.textContent('body')).toContain('already used')
    })

    it('a link with a return URL and an API-key app comes back to the partner with the connection', async () => {
      const token = await accessToken('link-browser-key')
      const minted = await call(`${s.t.url}/v1/connect/links`, {
        method: 'POST',
        token,
        body: { apps: ['fakestripe'], redirect_uri: s.partnerPage.returnUrl, custom_state: 'from-email' },
      })
      browser = await launchBrowser()
      const { page } = browser
      await page.goto(minted.json.url)
      await page.locator('input[type="password"]').first().fill(GOOD_STRIPE_KEY)
      await page.locator('button[type="submit"]').first().click()
      await page.waitForURL(`${s.partnerPage.returnUrl}?**`)
      const params = Object.fromEntries(new URL(page.url()).searchParams)
      const link = await call(`${s.t.url}/v1/connect/links/${minted.json.link.id}`, { token })
      expect(params).toEqual({ connection_id: link.json.connection_id, app: 'fakestripe', operation: 'creation', state: 'from-email' })
      expect(link.json.status).toBe('used')
    })
  })
})
