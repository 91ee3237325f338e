import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { call } from '../helpers/api-call.js'
import { consentAtProvider, describeBrowser, type LaunchedBrowser, launchBrowser, signInAtProvider } from '../helpers/browser.js'
import { type ConnectSetup, startConnectSetup } from '../helpers/connect-setup.js'
import { databaseTargets } from '../helpers/databases.js'

/**
 * Headless OAuth in Chromium (docs/connect-links.md, "Headless connect"): the partner's page sends
 * the browser to the authorization URL the API answered; the user sees only the provider, then the
 * partner's return URL. The real OAuth server is oidc-provider.
 */
describeBrowser('Headless connect in Chromium', () => {
  describe.each(databaseTargets)('($name)', (target) => {
    let s: ConnectSetup
    let browser: LaunchedBrowser | undefined

    beforeAll(async () => {
      s = await startConnectSetup(target)
    })
    afterAll(() => s?.close())
    afterEach(async () => {
      await browser?.close()
      browser = undefined
    })

    it('authorize: Patchbay binds the browser and hands it to the provider, the result comes back by redirect and API', async () => {
      const bearer = await s.accessToken('headless-browser')
      const minted = await call(`${s.t.url}/v1/connect/sessions`, {
        method: 'POST',
        token: bearer,
        body: { redirect_uri: s.partnerPage.returnUrl, custom_state: 'headless' },
      })
      const started = await call(`${s.t.url}/v1/connect/sessions/authorize`, {
        method: 'POST',
        token: bearer,
        body: { token: minted.json.token, app: 'oidc' },
      })
      expect(started.status).toBe(200)

      browser = await launchBrowser()
      const { page } = browser
      // Every page the browser renders: the provider's and the partner's, never one of Patchbay's.
      const rendered: string[] = []
      page.on('load', () => rendered.push(new URL(page.url()).origin))
      await page.goto(s.partnerPage.origin)
      await page.goto(started.json.authorization_url)
      await signInAtProvider(page, 'grace')
      await consentAtProvider(page, 'allow')
      await page.waitForURL(`${s.partnerPage.returnUrl}?**`)
      expect(rendered).not.toContain(new URL(s.t.url).origin)
      const params = Object.fromEntries(new URL(page.url()).searchParams)
      expect(params).toMatchObject({ app: 'oidc', operation: 'creation', state: 'headless' })
      const status = await call(`${s.t.url}/v1/connect/sessions/${minted.json.session_id}`, { token: bearer })
      expect(status.json).toMatchObject({ status: 'success', connection_id: params.connection_id })
    })
  })
})
