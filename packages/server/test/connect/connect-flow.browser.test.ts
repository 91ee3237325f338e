import type { Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { consentAtProvider, describeBrowser, type LaunchedBrowser, launchBrowser, signInAtProvider } from '../helpers/browser.js'
import { type ConnectSetup, GOOD_STRIPE_KEY, startConnectSetup } from '../helpers/connect-setup.js'
import { databaseTargets } from '../helpers/databases.js'

async function popupFrom(page: Page, connectUrl: string): Promise<Page> {
  await page.evaluate((url) => {
    ;(window as unknown as { connectUrl: string }).connectUrl = url
  }, connectUrl)
  const [popup] = await Promise.all([page.waitForEvent('popup'), page.click('#connect')])
  return popup
}

async function results(page: Page, count = 1): Promise<Array<Record<string, unknown>>> {
  await page.waitForFunction((n) => (window as unknown as { results: unknown[] }).results.length >= n, count, { timeout: 15_000 })
  return page.evaluate(() => (window as unknown as { results: Array<Record<string, unknown>> }).results)
}

describeBrowser('Connect flow in Chromium', () => {
  describe.each(databaseTargets)('($name)', (target) => {
    let s: ConnectSetup
    let browser: LaunchedBrowser

    beforeAll(async () => {
      s = await startConnectSetup(target)
    })
    afterAll(() => s?.close())
    afterEach(() => browser?.close())

    async function connections(sub = 'alice') {
      const db = s.t.server.services.database.db
      return db
        .selectFrom('connections as c')
        .innerJoin('end_users as u', 'u.id', 'c.end_user_id')
        .select(['c.id', 'c.app_key', 'c.status', 'c.account_identifier', 'c.credentials', 'c.scopes'])
        .where('u.external_id', '=', sub)
        .execute()
    }

    it('popup: connects through the OAuth provider and posts the result to the partner page', async () => {
      browser = await launchBrowser()
      const { page } = browser
      await page.goto(s.partnerPage.origin)
      const { code, sessionId } = await s.session({ custom_state: 'ctx-1' }, 'popup-user')
      const popup = await popupFrom(page, `${s.t.url}/to/oidc?token=${code}`)
      await signInAtProvider(popup, 'alice')
      await consentAtProvider(popup, 'allow')
      const [message] = await results(page)
      expect(message).toMatchObject({
        type: 'patchbay:connect',
        status: 'success',
        app: 'oidc',
        operation: 'creation',
        account_identifier: 'alice@example.test',
        state: 'ctx-1',
        session_id: sessionId,
      })
      expect(JSON.stringify(message)).not.toMatch(/access_token|refresh_token|secret/)
      const rows = await connections('popup-user')
      expect(rows).toHaveLength(1)
      expect(rows[0]).toMatchObject({
        id: message?.connection_id,
        app_key: 'oidc',
        status: 'active',
        account_identifier: 'alice@example.test',
      })
      expect(rows[0]?.credentials).toMatch(/^pbv1\./)
      expect(s.provider.stats.token.authorization_code).toBeGreaterThanOrEqual(1)
      await popup.waitForEvent('close', { timeout: 5000 }).catch(() => undefined)
      expect(popup.isClosed()).toBe(true)
    })

    it('redirect: comes back to the registered URL with connection_id, app, operation and state', async () => {
      browser = await launchBrowser()
      const { page } = browser
      const { code } = await s.session({ custom_state: 'ctx-2' }, 'redirect-user')
      await page.goto(`${s.t.url}/to/oidc?token=${code}&redirect_uri=${encodeURIComponent(s.partnerPage.returnUrl)}`)
      await signInAtProvider(page, 'bob')
      await consentAtProvider(page, 'allow')
      await page.waitForURL(`${s.partnerPage.returnUrl}?**`)
      const url = new URL(page.url())
      const rows = await connections('redirect-user')
      expect(Object.fromEntries(url.searchParams)).toEqual({
        connection_id: rows[0]?.id,
        app: 'oidc',
        operation: 'creation',
        state: 'ctx-2',
      })
    })

    it('denial at the provider gives access_denied and stores nothing', async () => {
      browser = await launchBrowser()
      const { page } = browser
      await page.goto(s.partnerPage.origin)
      const { code } = await s.session({}, 'denying-user')
      const popup = await popupFrom(page, `${s.t.url}/to/oidc?token=${code}`)
      await signInAtProvider(popup, 'carol')
      await consentAtProvider(popup, 'deny')
      const [message] = await results(page)
      expect(message).toMatchObject({ status: 'error', app: 'oidc', error: 'access_denied' })
      expect(await connections('denying-user')).toHaveLength(0)
    })

    it('reconnect keeps the connection id and reports operation reauth', async () => {
      browser = await launchBrowser()
      const { page } = browser
      await page.goto(s.partnerPage.origin)
      const first = await s.session({}, 'reconnecting-user')
      let popup = await popupFrom(page, `${s.t.url}/to/oidc?token=${first.code}`)
      await signInAtProvider(popup, 'dave')
      await consentAtProvider(popup, 'allow')
      const [created] = await results(page, 1)
      const second = await s.session({}, 'reconnecting-user')
      popup = await popupFrom(page, `${s.t.url}/to/oidc?token=${second.code}&reconnect_id=${created?.connection_id}`)
      // The provider remembers the login and consent: the popup comes straight back.
      const [, reauth] = await results(page, 2)
      expect(reauth).toMatchObject({ status: 'success', operation: 'reauth', connection_id: created?.connection_id })
      expect(await connections('reconnecting-user')).toHaveLength(1)
    })

    it('picker: a session for several apps lets the user choose one', async () => {
      browser = await launchBrowser()
      const { page } = browser
      await page.goto(s.partnerPage.origin)
      const { code } = await s.session({ apps: 'oidc fakestripe' }, 'picking-user')
      const popup = await popupFrom(page, `${s.t.url}/connect?token=${code}`)
      await popup.waitForSelector('a.app')
      const names = await popup.$$eval('a.app b', (els) => els.map((e) => e.textContent))
      expect(names.sort()).toEqual(['OpenID Connect', 'Stripe (local)'].sort())
      await popup.click('a.app[href$="/oidc"]')
      await signInAtProvider(popup, 'erin')
      await consentAtProvider(popup, 'allow')
      const [message] = await results(page)
      expect(message).toMatchObject({ status: 'success', app: 'oidc' })
    })

    it('API key form: refuses a key the app rejects, then connects with a good one', async () => {
      browser = await launchBrowser()
      const { page } = browser
      await page.goto(s.partnerPage.origin)
      const { code } = await s.session({}, 'stripe-user')
      const popup = await popupFrom(page, `${s.t.url}/to/fakestripe?token=${code}`)
      const input = popup.locator('input[type="password"]').first()
      await input.fill('sk_test_WrongKey0123456789abcd')
      await popup.locator('button[type="submit"]').first().click()
      await popup.waitForSelector('[role="alert"]')
      expect(await popup.locator('[role="alert"]').textContent()).toContain('did not accept')
      expect(await connections('stripe-user')).toHaveLength(0)
      expect(await popup.locator('input[type="password"]').first().inputValue()).toBe('')
      await popup.locator('input[type="password"]').first().fill(GOOD_STRIPE_KEY)
      await popup.locator('button[type="submit"]').first().click()
      const [message] = await results(page)
      expect(message).toMatchObject({ status: 'success', app: 'fakestripe', account_identifier: 'billing@acme.test' })
      const checks = s.fakeApi.requests.filter((r) => r.path === '/v1/account')
      expect(checks.at(-1)?.headers.authorization).toBe(`Bearer ${GOOD_STRIPE_KEY}`)
      const rows = await connections('stripe-user')
      expect(rows).toHaveLength(1)
      expect(rows[0]?.credentials).not.toContain(GOOD_STRIPE_KEY)
    })

    it('works on a 375 px phone viewport without horizontal scrolling', async () => {
      browser = await launchBrowser({ viewport: { width: 375, height: 740 }, isMobile: true, hasTouch: true })
      const { page } = browser
      const { code } = await s.session({}, 'phone-user')
      await page.goto(`${s.t.url}/to/fakestripe?token=${code}&redirect_uri=${encodeURIComponent(s.partnerPage.returnUrl)}`)
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)
      expect(overflow).toBeLessThanOrEqual(0)
      await page.locator('input[type="password"]').first().fill(GOOD_STRIPE_KEY)
      await page.locator('button[type="submit"]').first().click()
      await page.waitForURL(`${s.partnerPage.returnUrl}?**`)
      expect(new URL(page.url()).searchParams.get('app')).toBe('fakestripe')
    })
  })
})
