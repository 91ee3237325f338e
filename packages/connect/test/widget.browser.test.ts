/**
 * The widget end to end in Chromium: the partner page (on its own origin, the partner's registered allowed origin)
 * loads the widget from Patchbay's /connect.js, the Connect UI runs on the real Patchbay server, OAuth against the real
 * local OAuth server (oidc-provider), API keys against a fake Stripe.
 */
import { randomBytes } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import type { Connection, PatchbayConnectInstance, TokenSource } from '@patchbay/connect'
import { build } from 'esbuild'
import type { Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import {
  consentAtProvider,
  describeBrowser,
  type LaunchedBrowser,
  launchBrowser,
  signInAtProvider,
} from '../../server/test/helpers/browser.js'
import { type ConnectSetup, GOOD_STRIPE_KEY, startConnectSetup } from '../../server/test/helpers/connect-setup.js'
import { databaseTargets } from '../../server/test/helpers/databases.js'
import { providerSelectors } from '../../server/test/helpers/oauth-provider.js'

type LogEntry = [name: string, data: unknown, at: number]

declare global {
  interface Window {
    log: LogEntry[]
    pc: PatchbayConnectInstance
    options: Record<string, unknown>
    tokenSource: TokenSource
    t0: number
    t1: number
    tokenAt: number
    releaseToken: () => void
    redirected: boolean
    handle: { close(): void }
    go(): void
    settled: Promise<[string, unknown]>
    violations: string[]
    release(): void
  }
}

/** Whether the page is closed now or closes within `ms`. */
function closedWithin(page: Page, ms: number): Promise<boolean> {
  if (page.isClosed()) return Promise.resolve(true)
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms)
    page.once('close', () => {
      clearTimeout(timer)
      resolve(true)
    })
  })
}

const examplesDir = new URL('../../../examples/', import.meta.url)

/** A strict partner CSP that still lets the page load the widget from Patchbay and ask Patchbay for outcomes. */
const strictCsp = (patchbayUrl: string, nonce: string) =>
  `default-src 'self'; script-src 'self' ${patchbayUrl} 'nonce-${nonce}'; connect-src 'self' ${patchbayUrl}; style-src 'self'`

/**
 * The test partner page: loads /connect.js, logs every callback with a timestamp, opens the widget on #go. `nonce`
 * marks its inline script for a page served with a strict CSP.
 */
function harness(patchbayUrl: string, extra = '', nonce = ''): string {
  return `<!doctype html><meta charset="utf-8"><title>harness</title>
<script src="${patchbayUrl}/connect.js"></script>
<button id="go">go</button> <button id="go-promise">go (promise)</button>
<script${nonce ? ` nonce="${nonce}"` : ''}>
window.log = []
const push = (name, data) => {
  window.log.push([name, data, performance.now()])
  console.log('[pb] ' + name)
}
const callbacks = {
  onSuccess: (c) => push('success', c),
  onError: (e) => push('error', { code: e.code, message: e.message, description: e.description, isError: e instanceof Error }),
  onExit: () => push('exit'),
  onEvent: (name, metadata) => push('event:' + name, metadata),
}
window.pc = PatchbayConnect.create({ baseUrl: ${JSON.stringify(patchbayUrl)} })
window.redirected = PatchbayConnect.handleRedirect(callbacks)
window.options = {}
window.go = () => {
  window.t0 = performance.now()
  window.handle = window.pc.open({ ...callbacks, ...window.options, token: window.tokenSource })
  window.t1 = performance.now()
}
document.getElementById('go').onclick = window.go
// The promise form, for async/await users.
document.getElementById('go-promise').onclick = () => {
  window.settled = window.pc
    .connect({ ...window.options, onEvent: callbacks.onEvent, token: window.tokenSource })
    .then((c) => ['resolved', c], (e) => ['rejected', e.code])
}
${extra}
</script>`
}

describeBrowser('@patchbay/connect in Chromium', () => {
  // The widget does not touch the database: one target is enough.
  describe.each(databaseTargets.slice(0, 1))('($name)', (target) => {
    let s: ConnectSetup
    let browser: LaunchedBrowser
    /** The end user the partner backend mints session codes for (`/api/connect-session`). */
    let user = 'widget-user'

    beforeAll(async () => {
      s = await startConnectSetup(target, { rateLimit: { connectPerIp: 100_000 } })
      const { options } = (await import(new URL('widget-react/build.mjs', examplesDir).href)) as { options: Parameters<typeof build>[0] }
      const out = await build({ ...options, write: false, minify: false })
      const reactBundle = out.outputFiles?.[0]?.text ?? ''
      const exampleHtml = (await readFile(new URL('widget-html/index.html', examplesDir), 'utf8')).replaceAll(
        'http://localhost:3000',
        s.t.url,
      )
      const reactHtml = (await readFile(new URL('widget-react/index.html', examplesDir), 'utf8')).replaceAll(
        'http://localhost:3000',
        s.t.url,
      )
      // The partner's pages, on the partner's own origin (its registered allowed origin).
      s.partnerPage.serve(async (req, res) => {
        const url = new URL(req.url ?? '/', s.partnerPage.origin)
        const send = (type: string, body: string) => {
          res.writeHead(200, { 'content-type': type, 'cache-control': 'no-store' }).end(body)
          return true
        }
        const html = (body: string) => send('text/html; charset=utf-8', body)
        switch (url.pathname) {
          case '/api/connect-session':
            return send('application/json', JSON.stringify({ token: (await s.session({}, user)).code }))
          case '/example':
            return html(exampleHtml)
          case '/react':
            return html(reactHtml)
          case '/dist/app.js':
            return send('text/javascript; charset=utf-8', reactBundle)
          case '/harness':
          case '/connected':
            return html(harness(s.t.url, url.searchParams.has('autoopen') ? 'window.go()' : ''))
          case '/strict-csp': {
            // A partner page with a strict CSP: no inline style anywhere, scripts by origin or nonce only.
            const nonce = randomBytes(16).toString('base64')
            res.setHeader('content-security-policy', strictCsp(s.t.url, nonce))
            return html(harness(s.t.url, '', nonce))
          }
          default:
            return false
        }
      })
    })
    afterAll(() => s?.close())
    afterEach(async () => {
      s.provider.setCoop(undefined)
      s.provider.setTokenDelay(0)
      await browser?.close()
    })

    async function start(options: Parameters<typeof launchBrowser>[0] = {}): Promise<Page> {
      browser = await launchBrowser(options)
      return browser.page
    }

    async function connectionsOf(sub: string) {
      return s.t.server.services.database.db
        .selectFrom('connections as c')
        .innerJoin('end_users as u', 'u.id', 'c.end_user_id')
        .select(['c.id', 'c.app_key'])
        .where('u.external_id', '=', sub)
        .execute()
    }

    const entries = (page: Page) => page.evaluate(() => window.log)
    const names = async (page: Page) => (await entries(page)).map(([name]) => name)
    async function waitForLog(page: Page, name: string, timeout = 20_000): Promise<LogEntry> {
      await page.waitForFunction((n) => window.log.some(([e]) => e === n), name, { timeout })
      return (await entries(page)).find(([e]) => e === name) as LogEntry
    }

    /** Opens the harness, sets the flow options and token, clicks "go" and returns the popup. */
    async function clickOpen(page: Page, options: Record<string, unknown>, token: string): Promise<Page> {
      await page.evaluate(
        ([o, code]) => {
          window.options = o
          window.tokenSource = code
        },
        [options, token] as const,
      )
      const [popup] = await Promise.all([page.waitForEvent('popup'), page.click('#go')])
      return popup
    }

    it('popup: the plain HTML example connects through the OAuth provider and reports the connection', async () => {
      user = 'html-user'
      const page = await start()
      await page.goto(`${s.partnerPage.origin}/example`)
      await page.fill('#app', 'oidc')
      const [popup] = await Promise.all([page.waitForEvent('popup'), page.click('#connect')])
      await signInAtProvider(popup, 'alice')
      await consentAtProvider(popup, 'allow')
      await page.waitForFunction(() => document.getElementById('status')?.textContent === 'success', undefined, { timeout: 20_000 })
      const connection = JSON.parse((await page.textContent('#result')) ?? '{}') as Connection
      const rows = await connectionsOf('html-user')
      expect(rows).toHaveLength(1)
      expect(connection).toEqual({
        connection_id: rows[0]?.id,
        app: 'oidc',
        operation: 'creation',
        account_identifier: 'alice@example.test',
        session_id: expect.stringMatching(/^cs_/),
      })
      const events = await page.$$eval('#events li', (lis) => lis.map((li) => li.textContent?.split(' ')[0]))
      // The popup closes itself right after posting: on a busy machine the widget may see it closed before the
      // message is handled, ask the server, and get the same success from there. Either way: one success, no exit.
      expect(events.slice(0, 2)).toEqual(['open', 'popup_opened'])
      expect(events.at(-1)).toBe('success')
      expect(events.filter((e) => e === 'success' || e === 'exit' || e === 'error')).toEqual(['success'])
      expect(await closedWithin(popup, 5000)).toBe(true)
    })

    it('popup: the React example (PatchbayConnectButton) connects and renders the connection', async () => {
      user = 'react-user'
      const page = await start()
      await page.goto(`${s.partnerPage.origin}/react`)
      await page.fill('#app', 'oidc')
      const [popup] = await Promise.all([page.waitForEvent('popup'), page.click('#connect')])
      expect(await page.getAttribute('#connect', 'data-status')).toBe('open')
      await signInAtProvider(popup, 'bob')
      await consentAtProvider(popup, 'allow')
      await page.waitForSelector('#result', { timeout: 20_000 })
      const connection = JSON.parse((await page.textContent('#result')) ?? '{}') as Connection
      const rows = await connectionsOf('react-user')
      expect(connection).toMatchObject({ connection_id: rows[0]?.id, app: 'oidc', account_identifier: 'bob@example.test' })
      expect(await page.getAttribute('#connect', 'data-status')).toBe('success')
    })

    it('React: a redirect outcome in the URL is reported on mount and removed from the URL', async () => {
      const page = await start()
      await page.goto(`${s.partnerPage.origin}/react?connection_id=conn_fromRedirect&app=oidc&operation=reauth&state=s2`)
      await page.waitForSelector('#result')
      expect(JSON.parse((await page.textContent('#result')) ?? '{}')).toEqual({
        connection_id: 'conn_fromRedirect',
        app: 'oidc',
        operation: 'reauth',
        state: 's2',
      })
      expect(await page.getAttribute('#connect', 'data-status')).toBe('success')
      expect(await page.evaluate(() => location.search)).toBe('')
    })

    it('async token: the popup opens inside the click, shows Loading…, and follows the token when it resolves', async () => {
      user = 'async-user'
      const page = await start()
      await page.goto(`${s.partnerPage.origin}/harness`)
      const { code } = await s.session({}, 'async-user')
      await page.evaluate((c) => {
        window.options = { app: 'oidc' }
        // The token arrives when the test releases it, not after a timer: on a busy machine the popup
        // could otherwise have left its Loading page before the test reads it.
        window.tokenSource = () =>
          new Promise<string>((resolve) => {
            window.releaseToken = () => {
              window.tokenAt = performance.now()
              resolve(c)
            }
          })
      }, code)
      const [popup] = await Promise.all([page.waitForEvent('popup'), page.click('#go')])
      expect(await popup.textContent('body')).toContain('Loading…')
      await new Promise((resolve) => setTimeout(resolve, 500))
      await page.evaluate(() => window.releaseToken())
      const opened = (await entries(page)).find(([n]) => n === 'event:popup_opened') as LogEntry
      await signInAtProvider(popup, 'carol')
      await consentAtProvider(popup, 'allow')
      const [, connection] = await waitForLog(page, 'success')
      const { t0, t1, tokenAt } = await page.evaluate(() => ({ t0: window.t0, t1: window.t1, tokenAt: window.tokenAt }))
      // Opened synchronously inside the click handler, long before the token.
      expect(opened[2]).toBeGreaterThanOrEqual(t0)
      expect(opened[2]).toBeLessThanOrEqual(t1)
      expect(tokenAt - t0).toBeGreaterThanOrEqual(495)
      expect(connection).toMatchObject({ app: 'oidc', account_identifier: 'carol@example.test' })
    })

    it('a partner page with a strict CSP (style-src self): opening the widget causes no CSP violation', async () => {
      const page = await start()
      const consoleCsp: string[] = []
      browser.context.on('console', (m) => {
        if (/Content Security Policy/i.test(m.text())) consoleCsp.push(m.text())
      })
      await page.goto(`${s.partnerPage.origin}/strict-csp`)
      // The page's own scripts ran under its CSP (the widget from Patchbay's origin, the harness by nonce).
      expect(await page.evaluate(() => typeof window.pc)).toBe('object')
      const { code } = await s.session({}, 'csp-user')
      await page.evaluate((c) => {
        window.violations = []
        const record = (e: SecurityPolicyViolationEvent) => window.violations.push(`${e.violatedDirective} ${e.blockedURI}`)
        document.addEventListener('securitypolicyviolation', record)
        // Listen in the popup too, before the widget writes its "Loading…" page (which inherits this page's CSP).
        const open = window.open.bind(window)
        window.open = (...args) => {
          const popup = open(...args)
          popup?.document.addEventListener('securitypolicyviolation', record)
          return popup
        }
        window.options = { app: 'fakestripe' }
        window.tokenSource = new Promise<string>((resolve) => {
          window.release = () => resolve(c)
        })
      }, code)
      const [popup] = await Promise.all([page.waitForEvent('popup'), page.click('#go')])
      expect(await popup.textContent('body')).toContain('Loading…')
      // Still styled: the widget sets the style through the CSSOM, which style-src does not govern.
      expect(await popup.evaluate(() => getComputedStyle(document.body).textAlign)).toBe('center')
      await page.evaluate(() => window.release())
      await popup.locator('input[type="password"]').first().fill(GOOD_STRIPE_KEY)
      await popup.locator('button[type="submit"]').first().click()
      await waitForLog(page, 'success')
      expect(await page.evaluate(() => window.violations)).toEqual([])
      expect(consoleCsp).toEqual([])
    })

    it('phone (375 px): full-page redirect, then handleRedirect fires onSuccess and removes the outcome from the URL', async () => {
      const page = await start({ viewport: { width: 375, height: 740 }, isMobile: true, hasTouch: true })
      let popups = 0
      browser.context.on('page', () => popups++)
      await page.goto(s.partnerPage.returnUrl)
      const { code } = await s.session({ custom_state: 'phone-ctx' }, 'phone-user')
      await page.evaluate(
        ([c, returnUrl]) => {
          window.options = { app: 'fakestripe', redirectUri: returnUrl }
          window.tokenSource = c
        },
        [code, s.partnerPage.returnUrl] as const,
      )
      await Promise.all([page.waitForURL(`${s.t.url}/**`), page.tap('#go')])
      await page.locator('input[type="password"]').first().fill(GOOD_STRIPE_KEY)
      await page.locator('button[type="submit"]').first().click()
      await page.waitForURL(`${s.partnerPage.returnUrl}**`)
      const [, connection] = await waitForLog(page, 'success')
      const rows = await connectionsOf('phone-user')
      expect(connection).toEqual({ connection_id: rows[0]?.id, app: 'fakestripe', operation: 'creation', state: 'phone-ctx' })
      expect(await page.evaluate(() => ({ search: location.search, redirected: window.redirected }))).toEqual({
        search: '',
        redirected: true,
      })
      expect(await names(page)).toEqual(['event:success', 'success'])
      expect(popups).toBe(0)
    })

    it('handleRedirect: an error outcome fires onError with code and description and keeps unrelated query params', async () => {
      const page = await start()
      await page.goto(
        `${s.partnerPage.returnUrl}?keep=1&error=access_denied&error_description=The+authorization+was+denied.&app=oidc&state=s1`,
      )
      const [, error] = await waitForLog(page, 'error')
      expect(error).toEqual({
        code: 'access_denied',
        message: 'The authorization was denied.',
        description: 'The authorization was denied.',
        isError: true,
      })
      const [, metadata] = (await entries(page)).find(([n]) => n === 'event:error') as LogEntry
      expect(metadata).toEqual({ app: 'oidc', mode: 'redirect', error_code: 'access_denied' })
      expect(await page.evaluate(() => location.search)).toBe('?keep=1')
      await page.goto(`${s.partnerPage.returnUrl}?keep=1`)
      expect(await page.evaluate(() => ({ redirected: window.redirected, log: window.log.length }))).toEqual({ redirected: false, log: 0 })
    })

    it('popup blocked: open() outside a user gesture reports popup_blocked', async () => {
      const page = await start({ ignoreDefaultArgs: ['--disable-popup-blocking'] })
      let popups = 0
      browser.context.on('page', () => popups++)
      await page.addInitScript(() => {
        window.tokenSource = 'pbcs_not_used'
      })
      // ?autoopen calls open() while the page loads: no user activation, so Chromium blocks the popup.
      await page.goto(`${s.partnerPage.origin}/harness?autoopen`)
      const [, error] = await waitForLog(page, 'error')
      expect(error).toMatchObject({ code: 'popup_blocked', isError: true })
      expect(await names(page)).toEqual(['event:open', 'event:error', 'error'])
      expect(popups).toBe(0)
    })

    it('popup blocked with fallbackToRedirect: continues as a full-page redirect', async () => {
      const page = await start()
      await page.goto(`${s.partnerPage.origin}/harness`)
      const { code } = await s.session({}, 'fallback-user')
      await page.evaluate(
        ([c, returnUrl]) => {
          window.open = () => null
          window.options = { app: 'fakestripe', redirectUri: returnUrl, fallbackToRedirect: true }
          window.tokenSource = c
        },
        [code, s.partnerPage.returnUrl] as const,
      )
      const logged: string[] = []
      page.on('console', (m) => m.text().startsWith('[pb] ') && logged.push(m.text().slice(5)))
      await Promise.all([page.waitForURL(`${s.t.url}/**`), page.click('#go')])
      expect(logged).toEqual(['event:open', 'event:popup_blocked', 'event:redirect'])
      await page.locator('input[type="password"]').first().fill(GOOD_STRIPE_KEY)
      await page.locator('button[type="submit"]').first().click()
      await page.waitForURL(`${s.partnerPage.returnUrl}**`)
      const [, connection] = await waitForLog(page, 'success')
      expect(connection).toMatchObject({ app: 'fakestripe', connection_id: (await connectionsOf('fallback-user'))[0]?.id })
    })

    it('user closes the popup: the widget asks Patchbay for the outcome, then fires onExit', async () => {
      const page = await start()
      await page.goto(`${s.partnerPage.origin}/harness`)
      const outcomeChecks: number[] = []
      page.on('request', (req) => {
        if (req.url() === `${s.t.url}/connect/outcome`) outcomeChecks.push(Date.now())
      })
      const { code } = await s.session({}, 'closing-user')
      const popup = await clickOpen(page, { app: 'fakestripe' }, code)
      await popup.locator('input[type="password"]').first().waitFor()
      const closedAt = Date.now()
      await popup.close()
      await waitForLog(page, 'exit')
      expect(await names(page)).toEqual(['event:open', 'event:popup_opened', 'event:popup_closed', 'event:exit', 'exit'])
      // One check before navigating (is the code usable?), one after the popup closed.
      expect(outcomeChecks).toHaveLength(2)
      expect(outcomeChecks[1]).toBeGreaterThanOrEqual(closedAt)
      expect(await connectionsOf('closing-user')).toHaveLength(0)
    })

    it('user closes the popup on the provider login page: onExit within seconds, not when the authorization expires', async () => {
      const page = await start()
      await page.goto(`${s.partnerPage.origin}/harness`)
      const outcomeChecks: number[] = []
      page.on('request', (req) => {
        if (req.url() === `${s.t.url}/connect/outcome`) outcomeChecks.push(Date.now())
      })
      const { code } = await s.session({}, 'provider-closing-user')
      const popup = await clickOpen(page, { app: 'oidc' }, code)
      // The real oidc-provider login page: Patchbay's authorization attempt is under way (in_progress) from here on.
      await popup.locator(providerSelectors.username).waitFor({ timeout: 20_000 })
      const closedAt = await page.evaluate(() => performance.now())
      await popup.close()
      const [, , exitAt] = await waitForLog(page, 'exit', 30_000)
      expect(exitAt - closedAt).toBeLessThan(10_000)
      expect(await names(page)).toEqual(['event:open', 'event:popup_opened', 'event:popup_closed', 'event:exit', 'exit'])
      // One check before navigating, then at least the one after the popup closed: the widget keeps watching the
      // session after the exit (a COOP-severed popup may still finish), until close() stops it.
      expect(outcomeChecks.length).toBeGreaterThanOrEqual(2)
      await page.evaluate(() => window.handle.close())
      expect(await connectionsOf('provider-closing-user')).toHaveLength(0)
    }, 60_000)

    it('closing the popup before the token arrives: onExit without asking Patchbay', async () => {
      const page = await start()
      await page.goto(`${s.partnerPage.origin}/harness`)
      await page.evaluate(() => {
        window.options = { app: 'fakestripe' }
        window.tokenSource = new Promise(() => {})
      })
      const [popup] = await Promise.all([page.waitForEvent('popup'), page.click('#go')])
      await popup.close()
      await waitForLog(page, 'exit')
      expect(await names(page)).toEqual(['event:open', 'event:popup_opened', 'event:exit', 'exit'])
    })

    it('provider page with Cross-Origin-Opener-Policy cuts the opener: onExit at once, then the completed flow still reports onSuccess with after_exit', async () => {
      s.provider.setCoop('same-origin')
      const page = await start()
      await page.goto(`${s.partnerPage.origin}/harness`)
      const { code, sessionId } = await s.session({}, 'coop-user')
      const popup = await clickOpen(page, { app: 'oidc' }, code)
      await popup.locator(providerSelectors.username).waitFor({ timeout: 20_000 })
      // COOP severs the popup: the widget reads it closed, cannot tell that from the user closing it, and reports
      // the exit within seconds, before the user has even signed in.
      const [, , exitAt] = await waitForLog(page, 'exit', 30_000)
      const [, , closedAt] = (await entries(page)).find(([n]) => n === 'event:popup_closed') as LogEntry
      expect(exitAt - closedAt).toBeLessThan(10_000)
      expect(await names(page)).toEqual(['event:open', 'event:popup_opened', 'event:popup_closed', 'event:exit', 'exit'])
      // The provider answers the code exchange slowly: Patchbay's callback has taken the flow but not yet written
      // the outcome for several seconds, and the widget's checks in that window must keep it watching.
      s.provider.setTokenDelay(6_000)
      await signInAtProvider(popup, 'dave')
      await consentAtProvider(popup, 'allow')
      // The widget kept watching the session: the late success arrives, flagged. Its outcome polling backs off to
      // every 4 s; on a loaded 2-core CI machine the whole sign-in can take most of 20 s, hence the long waits.
      const [, connection] = await waitForLog(page, 'success', 45_000)
      const rows = await connectionsOf('coop-user')
      expect(connection).toEqual({
        connection_id: rows[0]?.id,
        app: 'oidc',
        operation: 'creation',
        account_identifier: 'dave@example.test',
        session_id: sessionId,
        after_exit: true,
      })
      const [, metadata] = (await entries(page)).find(([n]) => n === 'event:success') as LogEntry
      expect(metadata).toEqual({ app: 'oidc', mode: 'popup', session_id: sessionId, after_exit: true })
      expect((await names(page)).slice(3)).toEqual(['event:exit', 'exit', 'event:success', 'success'])
      // The partner's backend hears of it as of any connection.
      const events = await s.t.server.services.database.db
        .selectFrom('webhook_events')
        .select(['type', 'payload'])
        .where('partner_id', '=', s.t.partner.id)
        .where('type', '=', 'connection.created')
        .execute()
      expect(events.filter((e) => e.payload.includes(rows[0]?.id as string))).toHaveLength(1)
    }, 120_000)

    it('forged messages (the page itself, a Patchbay-origin iframe, a wrong nonce or type) are ignored', async () => {
      const page = await start()
      await page.goto(`${s.partnerPage.origin}/harness`)
      let nonce = ''
      browser.context.on('request', (req) => {
        const url = new URL(req.url())
        if (url.pathname === '/to/fakestripe') nonce = url.searchParams.get('nonce') ?? ''
      })
      const { code, sessionId } = await s.session({}, 'forged-user')
      const popup = await clickOpen(page, { app: 'fakestripe' }, code)
      await popup.locator('input[type="password"]').first().waitFor()
      expect(nonce).toMatch(/^[0-9a-f]{32}$/)
      const forged = (connection_id: string, extra: Record<string, unknown> = {}) => ({
        type: 'patchbay:connect',
        status: 'success',
        app: 'fakestripe',
        connection_id,
        operation: 'creation',
        nonce,
        session_id: sessionId,
        ...extra,
      })
      // 1. Right shape and nonce, posted by the partner page to itself: wrong origin and source.
      await page.evaluate((m) => window.postMessage(m, '*'), forged('forged-self'))
      // 2. From a frame on Patchbay's origin: right origin and nonce, wrong source.
      await page.evaluate((src) => {
        const frame = document.createElement('iframe')
        frame.src = src
        document.body.append(frame)
        return new Promise((resolve) => frame.addEventListener('load', resolve))
      }, `${s.t.url}/healthz`)
      const frame = page.frames().find((f) => f.url().startsWith(s.t.url))
      expect(frame).toBeDefined()
      await frame?.evaluate((m) => window.parent.postMessage(m, '*'), forged('forged-iframe'))
      // 3. From the popup itself, on Patchbay's origin: wrong nonce, then wrong type.
      await popup.evaluate((m) => window.opener.postMessage(m, '*'), forged('forged-nonce', { nonce: 'x'.repeat(32) }))
      await popup.evaluate((m) => window.opener.postMessage(m, '*'), forged('forged-type', { type: 'patchbay:other' }))
      await page.waitForTimeout(300)
      expect(await names(page)).toEqual(['event:open', 'event:popup_opened'])
      // The real outcome still gets through.
      await popup.locator('input[type="password"]').first().fill(GOOD_STRIPE_KEY)
      await popup.locator('button[type="submit"]').first().click()
      const [, connection] = await waitForLog(page, 'success')
      expect(connection).toMatchObject({ connection_id: (await connectionsOf('forged-user'))[0]?.id })
      expect((await names(page)).filter((n) => n === 'success')).toHaveLength(1)
    })

    describe('invalid_token', () => {
      async function expectInvalid(page: Page, token: string): Promise<void> {
        const toRequests: string[] = []
        browser.context.on('request', (req) => {
          if (new URL(req.url()).pathname.startsWith('/to/')) toRequests.push(req.url())
        })
        const popup = await clickOpen(page, { app: 'fakestripe' }, token)
        const [, error] = await waitForLog(page, 'error')
        expect(error).toMatchObject({ code: 'invalid_token', isError: true })
        expect(await closedWithin(popup, 5000)).toBe(true)
        expect(toRequests).toEqual([])
      }

      it('an expired code: the popup closes without showing Patchbay, onError invalid_token', async () => {
        const page = await start()
        await page.goto(`${s.partnerPage.origin}/harness`)
        const { code, sessionId } = await s.session({}, 'expired-user')
        await s.t.server.services.database.db
          .updateTable('connect_sessions')
          .set({ expires_at: Date.now() - 1000 })
          .where('id', '=', sessionId)
          .execute()
        await expectInvalid(page, code)
      })

      it('an unknown code', async () => {
        const page = await start()
        await page.goto(`${s.partnerPage.origin}/harness`)
        await expectInvalid(page, 'pbcs_unknownUnknownUnknownUnknown0123456789')
      })

      it('a code already used for a finished flow', async () => {
        const page = await start()
        await page.goto(`${s.partnerPage.origin}/harness`)
        const { code } = await s.session({}, 'used-user')
        const other = await browser.context.newPage()
        await other.goto(`${s.t.url}/to/fakestripe?token=${code}&redirect_uri=${encodeURIComponent(s.partnerPage.returnUrl)}`)
        await other.locator('input[type="password"]').first().fill(GOOD_STRIPE_KEY)
        await other.locator('button[type="submit"]').first().click()
        await other.waitForURL(`${s.partnerPage.returnUrl}**`)
        await other.close()
        await expectInvalid(page, code)
      })

      it('the same code twice on one page', async () => {
        const page = await start()
        await page.goto(`${s.partnerPage.origin}/harness`)
        const { code } = await s.session({}, 'twice-user')
        const popup = await clickOpen(page, { app: 'fakestripe' }, code)
        await popup.locator('input[type="password"]').first().waitFor()
        await page.evaluate(() => window.handle.close())
        await page.evaluate(() => {
          window.log = []
        })
        await expectInvalid(page, code)
      })
    })

    it('connect(): resolves with the connection, resolves null on exit, rejects with the error', async () => {
      const page = await start()
      await page.goto(`${s.partnerPage.origin}/harness`)
      const viaPromise = async (token: string) => {
        await page.evaluate((c) => {
          window.options = { app: 'fakestripe' }
          window.tokenSource = c
        }, token)
        const [popup] = await Promise.all([page.waitForEvent('popup'), page.click('#go-promise')])
        return popup
      }
      let popup = await viaPromise((await s.session({}, 'promise-user')).code)
      await popup.locator('input[type="password"]').first().fill(GOOD_STRIPE_KEY)
      await popup.locator('button[type="submit"]').first().click()
      const [how, connection] = await page.evaluate(() => window.settled)
      expect(how).toBe('resolved')
      expect(connection).toMatchObject({ app: 'fakestripe', connection_id: (await connectionsOf('promise-user'))[0]?.id })

      popup = await viaPromise((await s.session({}, 'promise-user')).code)
      await popup.locator('input[type="password"]').first().waitFor()
      await popup.close()
      expect(await page.evaluate(() => window.settled)).toEqual(['resolved', null])

      await viaPromise('pbcs_unknownUnknownUnknownUnknown0123456789')
      expect(await page.evaluate(() => window.settled)).toEqual(['rejected', 'invalid_token'])
    })

    it('picker, theme and reconnectId: the picker opens without app; a reconnect keeps the id (operation reauth)', async () => {
      const page = await start()
      await page.goto(`${s.partnerPage.origin}/harness`)
      const urls: URL[] = []
      browser.context.on('request', (req) => urls.push(new URL(req.url())))
      const first = await s.session({ apps: 'oidc fakestripe' }, 'picker-user')
      let popup = await clickOpen(page, { theme: 'dark' }, first.code)
      await popup.click('a.app[href$="/fakestripe"]')
      await popup.locator('input[type="password"]').first().fill(GOOD_STRIPE_KEY)
      await popup.locator('button[type="submit"]').first().click()
      const [, created] = (await waitForLog(page, 'success')) as [string, Connection, number]
      expect(created).toMatchObject({ app: 'fakestripe', operation: 'creation' })
      const picker = urls.find((u) => u.pathname === '/connect' && u.searchParams.get('token') === first.code)
      expect(picker && Object.fromEntries(picker.searchParams)).toEqual({
        token: first.code,
        nonce: expect.stringMatching(/^[0-9a-f]{32}$/),
        theme: 'dark',
      })
      // The success event's metadata names the app chosen in the picker and the session.
      const [, metadata] = (await entries(page)).find(([n]) => n === 'event:success') as LogEntry
      expect(metadata).toEqual({ app: 'fakestripe', mode: 'popup', session_id: first.sessionId })

      await page.evaluate(() => {
        window.log = []
      })
      const second = await s.session({}, 'picker-user')
      popup = await clickOpen(page, { app: 'fakestripe', reconnectId: created.connection_id }, second.code)
      await popup.locator('input[type="password"]').first().fill(GOOD_STRIPE_KEY)
      await popup.locator('button[type="submit"]').first().click()
      const [, reauth] = await waitForLog(page, 'success')
      expect(reauth).toMatchObject({ connection_id: created.connection_id, operation: 'reauth' })
      expect(await connectionsOf('picker-user')).toHaveLength(1)
    })

    it('measures click → onSuccess against the local OAuth server', async () => {
      const page = await start()
      await page.goto(`${s.partnerPage.origin}/harness`)
      const run = async (interactive: boolean) => {
        await page.evaluate(() => {
          window.log = []
        })
        const { code } = await s.session({}, 'timing-user')
        const popup = await clickOpen(page, { app: 'oidc' }, code)
        if (interactive) {
          await signInAtProvider(popup, 'erin')
          await consentAtProvider(popup, 'allow')
        }
        const [, , at] = await waitForLog(page, 'success')
        return at - (await page.evaluate(() => window.t0))
      }
      const first = await run(true)
      const times: number[] = []
      // The provider now remembers the login and the consent: no page needs a click, the popup runs straight through.
      for (let i = 0; i < 10; i++) times.push(await run(false))
      times.sort((a, b) => a - b)
      const median = ((times[4] as number) + (times[5] as number)) / 2
      const summary = {
        first_with_login_and_consent_ms: Math.round(first),
        remembered_consent_ms: {
          runs: times.length,
          median: Math.round(median),
          min: Math.round(times[0] as number),
          max: Math.round(times.at(-1) as number),
        },
      }
      console.log(`[widget timing] ${JSON.stringify(summary)}`)
      expect(median).toBeLessThan(5000)
    })
  })
})
