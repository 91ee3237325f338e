import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { hashSecret } from '../../src/lib/random.js'
import { VaultError } from '../../src/vault/vault.js'
import {
  authorizeAtProvider,
  CookieJar,
  connectionsOf,
  countRows,
  type Db,
  dumpDatabase,
  flowRows,
  type HttpAnswer,
  http,
  mintSession,
  openConnect,
  parseCsp,
  SAME_ORIGIN_POST,
  sessionCookie,
  sessionRow,
  stripeLikeApp,
} from '../helpers/connect-http.js'
import { type ConnectSetup, GOOD_STRIPE_KEY, startConnectSetup } from '../helpers/connect-setup.js'
import { databaseTargets } from '../helpers/databases.js'
import { type FakeApi, startFakeApi, stripeAccountRoute } from '../helpers/fake-api.js'
import { startTestServer, type TestServer } from '../helpers/test-server.js'

/**
 * docs/security.md, "Connect sessions and the Connect UI", "Connection parameters and outbound requests",
 * "Credentials at rest", "Tenancy" and "Abuse", over plain HTTP: each test tries the attack against
 * the running server and asserts the safe answer and that nothing was stored or consumed.
 */

const RANDOM_CODE = () => `pbsc_${Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString('base64url')}`
const NOT_FOUND_TEXT = 'We could not find this connection link.'

function expectNoRedirect(res: HttpAnswer): void {
  expect(res.location).toBeNull()
  expect(res.status).toBeGreaterThanOrEqual(400)
  expect(res.status).toBeLessThan(500)
  expect(res.headers.get('content-type')).toMatch(/^text\/html/)
}

/** Every `nonce="…"` attribute of a page must carry the header's nonce. */
function expectNonceOnly(page: HttpAnswer): string {
  const { nonce, directives } = parseCsp(page.headers.get('content-security-policy'))
  expect(nonce).toBeTruthy()
  expect(directives.get('default-src')).toEqual(["'none'"])
  expect(directives.get('script-src')).toEqual([`'nonce-${nonce}'`])
  const attributes = [...page.text.matchAll(/nonce="([^"]*)"/g)].map((m) => m[1])
  expect(attributes.length).toBeGreaterThan(0)
  for (const value of attributes) expect(value).toBe(nonce)
  return nonce as string
}

describe.each(databaseTargets)('Connect UI security ($name)', (target) => {
  let s: ConnectSetup
  let db: Db

  beforeAll(async () => {
    s = await startConnectSetup(target, { 'rateLimit.connectPerIp': 10_000 })
    db = s.t.server.services.database.db
  })
  afterAll(() => s?.close())

  /** Mints a session for `sub` and opens `/to/{app}` with it in a fresh browser. */
  async function openApp(app: string, sub: string, query = '', params: Record<string, string> = {}) {
    const { code, sessionId } = await mintSession(s.t, params, { sub })
    const jar = new CookieJar()
    const { opened, page } = await openConnect(s.t.url, `/to/${app}?token=${code}${query}`, jar)
    return { code, sessionId, jar, opened, page }
  }

  function submitStripe(sessionId: string, jar: CookieJar | undefined, key: string, headers: Record<string, string> = SAME_ORIGIN_POST) {
    return http(`${s.t.url}/connect/${sessionId}/fakestripe`, {
      ...(jar ? { jar } : {}),
      headers,
      form: { auth_option: 'api_key', api_key: key },
    })
  }

  const accountChecks = () => s.fakeApi.requests.filter((r) => r.path === '/v1/account').length

  describe('session codes', () => {
    it('answers a random code with the "not found" page (404)', async () => {
      const before = await countRows(db, 'connect_sessions')
      for (const code of [RANDOM_CODE(), 'not-a-session-code', `pbat_${RANDOM_CODE().slice(5)}`]) {
        for (const path of [`/to/fakestripe?token=${encodeURIComponent(code)}`, `/connect?token=${encodeURIComponent(code)}`]) {
          const res = await http(`${s.t.url}${path}`)
          expect(res.status, path).toBe(404)
          expectNoRedirect(res)
          expect(res.text).toContain(NOT_FOUND_TEXT)
          expect(res.headers.getSetCookie()).toEqual([])
        }
      }
      // No code at all is the same page.
      expect((await http(`${s.t.url}/to/fakestripe`)).status).toBe(404)
      expect(await countRows(db, 'connect_sessions')).toBe(before)
    })

    it('answers a used code with the 410 page and does not rebind the session', async () => {
      const { code, sessionId } = await mintSession(s.t, {}, { sub: 'used-code' })
      const first = await http(`${s.t.url}/to/fakestripe?token=${code}`)
      expect(first.status).toBe(303)
      const bound = await sessionRow(db, sessionId)
      const second = await http(`${s.t.url}/to/fakestripe?token=${code}`)
      expect(second.status).toBe(410)
      expectNoRedirect(second)
      expect(second.text).toContain('This link was already used')
      expect(second.headers.getSetCookie()).toEqual([])
      const after = await sessionRow(db, sessionId)
      expect(after.browser_hash).toBe(bound.browser_hash)
      expect(after.used_at).toBe(bound.used_at)
    })

    it('answers an expired code with the 410 page and leaves it unused', async () => {
      const { code, sessionId } = await mintSession(s.t, {}, { sub: 'expired-code' })
      await db
        .updateTable('connect_sessions')
        .set({ expires_at: Date.now() - 1000 })
        .where('id', '=', sessionId)
        .execute()
      for (const path of [`/to/fakestripe?token=${code}`, `/connect?token=${code}`]) {
        const res = await http(`${s.t.url}${path}`)
        expect(res.status).toBe(410)
        expectNoRedirect(res)
        expect(res.text).toContain('This link has expired')
      }
      const row = await sessionRow(db, sessionId)
      expect(row.used_at).toBeNull()
      expect(row.browser_hash).toBeNull()
    })

    it('stores the code and the browser secret only hashed', async () => {
      const { code, sessionId, jar } = await openApp('fakestripe', 'hashed-code')
      const browserSecret = jar.get(sessionCookie(sessionId)) as string
      expect(browserSecret).toBeTruthy()
      const row = await sessionRow(db, sessionId)
      expect(row.code_hash).toBe(hashSecret(code))
      expect(row.browser_hash).toBe(hashSecret(browserSecret))
      const everything = await dumpDatabase(db)
      expect(everything).toContain(sessionId)
      expect(everything).not.toContain(code)
      expect(everything).not.toContain(code.slice(5))
      expect(everything).not.toContain(browserSecret)
    })

    it('answers GET /to with a 303 whose Location carries no token, and a HttpOnly SameSite cookie', async () => {
      const { code, sessionId } = await mintSession(s.t, {}, { sub: 'address-bar' })
      const res = await http(`${s.t.url}/to/fakestripe?token=${code}&state=st-1`)
      expect(res.status).toBe(303)
      expect(res.location).toBe(`/connect/${sessionId}/fakestripe`)
      expect(res.location).not.toContain('token')
      expect(res.location).not.toContain(code)
      expect(res.headers.get('referrer-policy')).toBe('no-referrer')
      expect(res.headers.get('cache-control')).toBe('no-store')
      const cookies = res.headers.getSetCookie()
      expect(cookies).toHaveLength(1)
      expect(cookies[0]).toMatch(new RegExp(`^${sessionCookie(sessionId)}=[A-Za-z0-9_-]{43};`))
      expect(cookies[0]).toMatch(/; HttpOnly/i)
      expect(cookies[0]).toMatch(/; SameSite=Lax/i)
      expect(cookies[0]).toMatch(/; Path=\//i)
    })

    it('sends no-referrer, a strict CSP with a fresh nonce per response, and frame-ancestors of the partner', async () => {
      const partnerPages: HttpAnswer[] = []
      const a = await openApp('fakestripe', 'csp-1')
      const b = await openApp('fakestripe', 'csp-2')
      partnerPages.push(a.page, b.page)
      // The form again with an error, then the result page (popup), then the redirecting page (redirect mode).
      partnerPages.push(await submitStripe(a.sessionId, a.jar, 'sk_test_WrongKey0123456789abcd'))
      partnerPages.push(await submitStripe(a.sessionId, a.jar, GOOD_STRIPE_KEY))
      const c = await openApp('fakestripe', 'csp-3', `&redirect_uri=${encodeURIComponent(s.partnerPage.returnUrl)}`)
      partnerPages.push(await submitStripe(c.sessionId, c.jar, GOOD_STRIPE_KEY))
      // An error page of a known partner (a refused redirect_uri).
      const { code } = await mintSession(s.t, {}, { sub: 'csp-4' })
      partnerPages.push(await http(`${s.t.url}/to/fakestripe?token=${code}&redirect_uri=https%3A%2F%2Fevil.example%2F`))
      expect(partnerPages.map((p) => p.status)).toEqual([200, 200, 400, 200, 200, 400])
      expect(partnerPages[3]?.text).toContain('id="pb-result"')
      expect(partnerPages[4]?.text).toContain('http-equiv="refresh"')

      const nonces: string[] = []
      for (const page of partnerPages) {
        expect(page.headers.get('referrer-policy')).toBe('no-referrer')
        expect(page.headers.get('cache-control')).toBe('no-store')
        nonces.push(expectNonceOnly(page))
        expect(parseCsp(page.headers.get('content-security-policy')).directives.get('frame-ancestors')).toEqual([s.partnerPage.origin])
      }
      // A page without a partner (unknown code) may not be framed at all.
      const unknown = await http(`${s.t.url}/to/fakestripe?token=${RANDOM_CODE()}`)
      expect(unknown.headers.get('referrer-policy')).toBe('no-referrer')
      nonces.push(expectNonceOnly(unknown))
      expect(parseCsp(unknown.headers.get('content-security-policy')).directives.get('frame-ancestors')).toEqual(["'none'"])
      expect(unknown.headers.get('x-frame-options')).toBe('DENY')
      expect(new Set(nonces).size).toBe(nonces.length)
    })

    it('writes no session code, cookie secret, state, API key or token to the logs', async () => {
      const stripe = await openApp('fakestripe', 'logged-stripe')
      // Read before the flows end: a finished flow clears its session cookie.
      const stripeCookie = stripe.jar.get(sessionCookie(stripe.sessionId))
      expect((await submitStripe(stripe.sessionId, stripe.jar, GOOD_STRIPE_KEY)).status).toBe(200)
      expect(stripe.jar.get(sessionCookie(stripe.sessionId))).toBeFalsy()
      const oidc = await openApp('oidc', 'logged-oidc', '&state=partner-state-1')
      const oidcCookie = oidc.jar.get(sessionCookie(oidc.sessionId))
      const authorizeUrl = oidc.page.location as string
      const state = new URL(authorizeUrl).searchParams.get('state') as string
      const callback = await authorizeAtProvider(authorizeUrl, { username: 'logged', stopAt: `${s.t.url}/oauth2/callback/oidc` })
      const done = await http(callback.href, { jar: oidc.jar })
      expect(done.text).toContain('"status":"success"')
      const [connection] = await connectionsOf(db, 'logged-oidc')
      const credentials = await s.t.server.services.connections.credentials({
        id: connection?.id as string,
        partnerId: s.t.partner.id,
      })
      const client = s.provider.clients[0] as { clientSecret: string }
      const secrets = {
        stripeCode: stripe.code,
        stripeCookie,
        oidcCode: oidc.code,
        oidcCookie,
        state,
        providerCode: callback.searchParams.get('code'),
        apiKey: GOOD_STRIPE_KEY,
        accessToken: credentials.access_token,
        refreshToken: credentials.refresh_token,
        partnerClientSecret: s.t.partner.clientSecret,
        providerClientSecret: client.clientSecret,
      }
      const logs = s.t.logs.join('')
      // The requests were logged, with their secrets censored.
      expect(logs).toContain('/to/oidc?token=[REDACTED]')
      expect(logs).toContain('/oauth2/callback/oidc?code=[REDACTED]&state=[REDACTED]')
      for (const [name, value] of Object.entries(secrets)) {
        expect(typeof value === 'string' && value.length > 10, name).toBe(true)
        expect(logs.includes(value as string), `${name} is in the logs`).toBe(false)
      }
    })
  })

  describe('redirect_uri', () => {
    const refused: Array<[string, string]> = [
      ['an unregistered URI', 'https://evil.example/connected'],
      ['javascript:', 'javascript:alert(1)'],
      ['data:', 'data:text/html,<script>alert(1)</script>'],
      ['userinfo look-alike', 'https://partner.example@evil.com/connected'],
      ['scheme-relative', '//evil.com/connected'],
      ['backslash path', '/\\evil.com/connected'],
      ['a prefix of a registered URI', 'https://partner.example/connect'],
      ['a registered URI plus a path', 'https://partner.example/connected/evil'],
      ['a registered URI plus a query', 'https://partner.example/connected?next=https://evil.com'],
      ['a registered URI plus a fragment', 'https://partner.example/connected#x'],
      ['a registered URI plus a host suffix', 'https://partner.example.evil.com/connected'],
      ['another case', 'HTTPS://PARTNER.EXAMPLE/connected'],
    ]

    it.each(refused)('refuses %s without redirecting and leaves the session unused', async (_name, uri) => {
      const { code, sessionId } = await mintSession(s.t, {}, { sub: 'redirect-uri' })
      for (const path of ['/to/fakestripe', '/connect']) {
        const res = await http(`${s.t.url}${path}?token=${code}&redirect_uri=${encodeURIComponent(uri)}`)
        expect(res.status).toBe(400)
        expectNoRedirect(res)
        expect(res.text).toContain('The return address is not registered for this application.')
        expect(res.text).not.toContain('<script>alert')
        expect(res.headers.getSetCookie()).toEqual([])
      }
      const row = await sessionRow(db, sessionId)
      expect(row.used_at).toBeNull()
      expect(row.browser_hash).toBeNull()
      // The same code still opens with the registered URI.
      const ok = await http(
        `${s.t.url}/to/fakestripe?token=${code}&redirect_uri=${encodeURIComponent('https://partner.example/connected')}`,
      )
      expect(ok.status).toBe(303)
      expect(ok.location).toBe(`/connect/${sessionId}/fakestripe`)
    })

    it('refuses a registered redirect_uri that differs from the one the session was minted with', async () => {
      const { code, sessionId } = await mintSession(s.t, { redirect_uri: 'https://partner.example/connected' }, { sub: 'redirect-uri-2' })
      const res = await http(`${s.t.url}/to/fakestripe?token=${code}&redirect_uri=${encodeURIComponent(s.partnerPage.returnUrl)}`)
      expect(res.status).toBe(400)
      expectNoRedirect(res)
      expect((await sessionRow(db, sessionId)).used_at).toBeNull()
    })
  })

  describe('theme', () => {
    async function themed(theme: string, sub: string) {
      const opened = await openApp('fakestripe', sub, `&theme=${encodeURIComponent(theme)}`)
      expect(opened.page.status).toBe(200)
      const context = JSON.parse((await sessionRow(db, opened.sessionId)).context as string) as { theme: string | null }
      return { page: opened.page.text, theme: context.theme }
    }

    it('does not echo a theme with markup and falls back to the default', async () => {
      const { page, theme } = await themed('<script>alert(1)</script>', 'theme-xss')
      expect(theme).toBeNull()
      expect(page).not.toContain('<script>alert')
      expect(page).not.toContain('alert(1)')
      expect(page).toContain('@media (prefers-color-scheme:dark)')
    })

    it('selects only a theme the partner configured', async () => {
      await s.t.updatePartnerRow({ branding: JSON.stringify({ themes: { ocean: { mode: 'dark' } } }) })
      try {
        const ocean = await themed('ocean', 'theme-ocean')
        expect(ocean.theme).toBe('ocean')
        expect(ocean.page).not.toContain('@media (prefers-color-scheme:dark)')
        expect(ocean.page).toContain('color-scheme:dark')
        expect((await themed('light', 'theme-light')).theme).toBe('light')
        // Unknown names, and names every JavaScript object answers to, select nothing.
        for (const name of ['sunset', 'Ocean', '__proto__', 'constructor', 'toString', 'hasOwnProperty']) {
          const other = await themed(name, `theme-${name}`)
          expect(other.theme, name).toBeNull()
          expect(other.page).toContain('@media (prefers-color-scheme:dark)')
        }
      } finally {
        await s.t.updatePartnerRow({ branding: '{}' })
      }
    })
  })

  describe('reconnect_id and tenancy', () => {
    /** A fakestripe connection stored directly for (partner, user of `session`). */
    async function connectionFor(sessionId: string): Promise<string> {
      const row = await sessionRow(db, sessionId)
      const created = await db.transaction().execute((trx) =>
        s.t.server.services.connections
          .create(
            trx,
            { partnerId: row.partner_id, endUserId: row.end_user_id },
            {
              appKey: 'fakestripe',
              authOption: 'api_key',
              authType: 'api_key',
              accountIdentifier: 'someone@example.test',
              scopes: [],
              params: {},
              metadata: {},
              credentials: { api_key: GOOD_STRIPE_KEY },
              expiresAt: null,
            },
            { allowMultiple: true },
          )
          .then((stored) => stored.connection),
      )
      return created.id
    }

    /**
     * Opens `/to/fakestripe` and `/connect` (a fresh session of `sub` each) with `query`: the answer is
     * the not_found error outcome, posted to the opener like any result, and no connection is touched.
     */
    async function expectNotFound(sub: string, query: string, params: Record<string, string> = {}) {
      for (const path of ['/to/fakestripe', '/connect']) {
        const { code, sessionId } = await mintSession(s.t, params, { sub })
        const res = await http(`${s.t.url}${path}?token=${code}${query}`)
        expect(res.status, path).toBe(200)
        expect(res.location, path).toBeNull()
        expect(res.text).toContain('The connection to reconnect does not exist.')
        expect(res.text).toContain('"error":"not_found"')
        const outcome = JSON.parse((await sessionRow(db, sessionId)).outcome as string) as Record<string, unknown>
        expect(outcome).toMatchObject({ status: 'error', error: 'not_found' })
      }
    }

    it("answers reconnect_id of another user's connection exactly as an unknown one, and leaves it untouched", async () => {
      const bob = await mintSession(s.t, {}, { sub: 'bob' })
      const bobsConnection = await connectionFor(bob.sessionId)
      const before = await db.selectFrom('connections').selectAll().where('id', '=', bobsConnection).executeTakeFirstOrThrow()
      await expectNotFound('alice-tenancy', `&reconnect_id=${bobsConnection}`)
      // Same answer as an id that does not exist at all.
      await expectNotFound('alice-tenancy', '&reconnect_id=conn_doesNotExist0000')
      await expectNotFound('alice-tenancy', `&reconnect_id=${encodeURIComponent('../conn x')}`)
      const after = await db.selectFrom('connections').selectAll().where('id', '=', bobsConnection).executeTakeFirstOrThrow()
      expect(after).toEqual(before)
      expect(await connectionsOf(db, 'alice-tenancy')).toEqual([])
    })

    it("answers a session minted with another user's reconnect_id as not found", async () => {
      const bob = await mintSession(s.t, {}, { sub: 'bob-2' })
      const bobsConnection = await connectionFor(bob.sessionId)
      await expectNotFound('alice-tenancy-2', '', { reconnect_id: bobsConnection })
    })

    it('does not reach the same user id in another tenant or another partner', async () => {
      const otherTenant = await mintSession(s.t, {}, { sub: 'carol', org: 'org-2' })
      const inOrg2 = await connectionFor(otherTenant.sessionId)
      await expectNotFound('carol', `&reconnect_id=${inOrg2}`)

      const other = await s.t.addPartner({ id: 'other-partner', redirectUris: ['https://other.example/cb'] })
      const otherPartner = { url: s.t.url, sign: other.sign, partner: other }
      const atOther = await mintSession(otherPartner, {}, { sub: 'carol' })
      const atOtherConnection = await connectionFor(atOther.sessionId)
      await expectNotFound('carol', `&reconnect_id=${atOtherConnection}`)
      const acmeCarol = await mintSession(s.t, {}, { sub: 'carol' })
      const acmeConnection = await connectionFor(acmeCarol.sessionId)
      const fromOther = await mintSession(otherPartner, {}, { sub: 'carol' })
      const res = await http(`${s.t.url}/to/fakestripe?token=${fromOther.code}&reconnect_id=${acmeConnection}`)
      // That partner has no allowed origin: the page posts nothing, the outcome is recorded.
      expect(res.text).toContain('The connection to reconnect does not exist.')
      expect(JSON.parse((await sessionRow(db, fromOther.sessionId)).outcome as string)).toMatchObject({ error: 'not_found' })
    })

    it("answers reconnect_id of the user's own connection of another app as not found", async () => {
      const first = await mintSession(s.t, {}, { sub: 'dave' })
      const stripeConnection = await connectionFor(first.sessionId)
      const before = await db.selectFrom('connections').selectAll().where('id', '=', stripeConnection).executeTakeFirstOrThrow()
      const { code, sessionId } = await mintSession(s.t, {}, { sub: 'dave' })
      const res = await http(`${s.t.url}/to/oidc?token=${code}&reconnect_id=${stripeConnection}`)
      expect(res.status).toBe(200)
      expect(res.location).toBeNull()
      expect(res.text).toContain('"error":"not_found"')
      expect(JSON.parse((await sessionRow(db, sessionId)).outcome as string)).toMatchObject({ app: 'oidc', error: 'not_found' })
      expect(await db.selectFrom('connections').selectAll().where('id', '=', stripeConnection).executeTakeFirstOrThrow()).toEqual(before)
    })

    it('stores nothing when the connection to reconnect is deleted before the form is sent', async () => {
      const first = await mintSession(s.t, {}, { sub: 'erin' })
      const own = await connectionFor(first.sessionId)
      const { sessionId, jar, page } = await openApp('fakestripe', 'erin', `&reconnect_id=${own}`)
      expect(page.status).toBe(200)
      await db.deleteFrom('connections').where('id', '=', own).execute()
      const res = await submitStripe(sessionId, jar, GOOD_STRIPE_KEY)
      expect(res.text).toContain('"status":"error"')
      expect(res.text).toContain('"error":"not_found"')
      expect(await connectionsOf(db, 'erin')).toEqual([])
      expect(JSON.parse((await sessionRow(db, sessionId)).outcome as string)).toMatchObject({ status: 'error', error: 'not_found' })
    })
  })

  describe('cookie binding and form posts', () => {
    it('answers the app page and the picker without the right cookie as not found', async () => {
      const mine = await openApp('fakestripe', 'cookie-1')
      const other = await openApp('fakestripe', 'cookie-2')
      const otherSecret = other.jar.get(sessionCookie(other.sessionId)) as string
      const forged = new CookieJar()
      forged.set(sessionCookie(mine.sessionId), otherSecret)
      const borrowed = new CookieJar()
      borrowed.set(sessionCookie(other.sessionId), otherSecret)
      for (const path of [`/connect/${mine.sessionId}/fakestripe`, `/connect/${mine.sessionId}`]) {
        for (const jar of [undefined, forged, borrowed]) {
          const res = await http(`${s.t.url}${path}`, jar ? { jar } : {})
          expect(res.status, path).toBe(404)
          expectNoRedirect(res)
          expect(res.text).toContain(NOT_FOUND_TEXT)
        }
      }
      // The owner still gets the page.
      expect((await http(`${s.t.url}/connect/${mine.sessionId}/fakestripe`, { jar: mine.jar })).status).toBe(200)
    })

    it('refuses a form post without the session cookie and stores nothing', async () => {
      const { sessionId, jar } = await openApp('fakestripe', 'cookie-post')
      const checks = accountChecks()
      const withOtherValue = new CookieJar()
      withOtherValue.set(sessionCookie(sessionId), 'x'.repeat(43))
      for (const attempt of [undefined, withOtherValue]) {
        const res = await submitStripe(sessionId, attempt, GOOD_STRIPE_KEY)
        expect(res.status).toBe(404)
        expectNoRedirect(res)
      }
      expect(accountChecks()).toBe(checks)
      expect(await connectionsOf(db, 'cookie-post')).toEqual([])
      expect((await sessionRow(db, sessionId)).outcome).toBeNull()
      // With its cookie the same post goes through: the refusals above were the cookie's doing.
      expect((await submitStripe(sessionId, jar, GOOD_STRIPE_KEY)).status).toBe(200)
      expect(await connectionsOf(db, 'cookie-post')).toHaveLength(1)
    })

    it('refuses a cross-site form post (403) and stores nothing', async () => {
      const { sessionId, jar } = await openApp('fakestripe', 'cross-site')
      const checks = accountChecks()
      const attacks: Array<Record<string, string>> = [
        { 'sec-fetch-site': 'cross-site' },
        { 'sec-fetch-site': 'same-site' },
        { 'sec-fetch-site': 'cross-site', origin: 'null' },
        { origin: 'https://evil.example' },
        { origin: s.partnerPage.origin },
        { 'sec-fetch-site': 'same-origin', origin: 'https://evil.example' },
      ]
      for (const headers of attacks) {
        const res = await submitStripe(sessionId, jar, GOOD_STRIPE_KEY, headers)
        expect(res.status, JSON.stringify(headers)).toBe(403)
        expectNoRedirect(res)
        expect(res.text).toContain('The form was sent from another site.')
      }
      expect(accountChecks()).toBe(checks)
      expect(await connectionsOf(db, 'cross-site')).toEqual([])
      expect((await sessionRow(db, sessionId)).outcome).toBeNull()
      const ok = await submitStripe(sessionId, jar, GOOD_STRIPE_KEY, { 'sec-fetch-site': 'same-origin', origin: new URL(s.t.url).origin })
      expect(ok.status).toBe(200)
      expect(await connectionsOf(db, 'cross-site')).toHaveLength(1)
    })
  })

  describe('picker search and partner logo', () => {
    it('takes whatever a hand-edited address brings: repeated, hostile or unknown values are narrowed, escaped or ignored', async () => {
      const { sessionId, jar } = await openApp('fakestripe', 'picker-q')
      const q = encodeURIComponent('<script>alert(1)</script>')
      for (const query of [`q=${q}&q=second`, 'category=NOT%20valid', 'category=payments&category=x', `q=${'x'.repeat(500)}`]) {
        const res = await http(`${s.t.url}/connect/${sessionId}?${query}`, { jar })
        expect(res.status, query).toBe(200)
        expect(res.text).not.toContain('<script>alert(1)')
      }
      const res = await http(`${s.t.url}/connect/${sessionId}?q=${q}`, { jar })
      expect(res.text).toContain('&lt;script&gt;alert(1)&lt;/script&gt;')
    })

    it("lets the partner's https logo load on every page of the flow, not only the first", async () => {
      await s.t.updatePartnerRow({ branding: JSON.stringify({ logoUrl: 'https://cdn.partner.example/logo.png' }) })
      await s.t.server.services.database.changes.settle()
      const { sessionId, jar, page } = await openApp('fakestripe', 'logo')
      expect(page.headers.get('content-security-policy')).toContain("img-src 'self' data: https://cdn.partner.example")
      const refused = await submitStripe(sessionId, jar, 'sk_test_WrongKey0123456789abcdef')
      expect(refused.status).toBe(400)
      expect(refused.headers.get('content-security-policy')).toContain('https://cdn.partner.example')
    })
  })

  describe('postMessage', () => {
    it("posts the result, without any secret, to the session's allowed origin only", async () => {
      const { sessionId, jar } = await openApp('fakestripe', 'post-message', '&state=ctx-9')
      const res = await submitStripe(sessionId, jar, GOOD_STRIPE_KEY)
      expect(res.status).toBe(200)
      const row = await sessionRow(db, sessionId)
      expect(row.allowed_origin).toBe(s.partnerPage.origin)
      const block = /<script type="application\/json" id="pb-result">([^<]*)<\/script>/.exec(res.text)?.[1]
      const data = JSON.parse(block as string) as { message: Record<string, unknown>; targetOrigin: string }
      const [connection] = await connectionsOf(db, 'post-message')
      expect(data.targetOrigin).toBe(s.partnerPage.origin)
      expect(data.message).toEqual({
        type: 'patchbay:connect',
        status: 'success',
        app: 'fakestripe',
        connection_id: connection?.id,
        operation: 'creation',
        account_identifier: 'billing@acme.test',
        state: 'ctx-9',
        nonce: row.nonce,
        session_id: sessionId,
      })
      expect(res.text).toContain('o.postMessage(d.message,d.targetOrigin)')
      expect(res.text).not.toMatch(/['"]\*['"]/)
      expect(res.text).not.toContain(GOOD_STRIPE_KEY)
      expect(res.text).not.toContain(connection?.credentials as string)
      expect(res.text).not.toMatch(/access_token|refresh_token|api_key"/)
    })

    it('posts nothing when the session has no allowed origin', async () => {
      await s.t.updatePartnerRow({ allowed_origins: JSON.stringify([s.partnerPage.origin, 'https://partner.example']) })
      try {
        const { sessionId, jar } = await openApp('fakestripe', 'no-origin')
        expect((await sessionRow(db, sessionId)).allowed_origin).toBeNull()
        const res = await submitStripe(sessionId, jar, GOOD_STRIPE_KEY)
        expect(res.status).toBe(200)
        expect(res.text).toContain('You can close this window.')
        expect(res.text).not.toContain('postMessage')
        expect(res.text).not.toContain('id="pb-result"')
      } finally {
        await s.t.updatePartnerRow({ allowed_origins: JSON.stringify([s.partnerPage.origin]) })
      }
    })
  })

  describe('connection parameters (SSRF)', () => {
    beforeAll(async () => {
      for (const app of ['zendesk', 'shopify']) {
        await s.t.server.services.partnerApps.set(s.t.partner.id, app, { clientId: `${app}-client`, clientSecret: `${app}-secret` })
      }
    })

    const lookalikes = [
      'evil.com#',
      'acme.evil.com',
      'a/b',
      '127.0.0.1',
      '\u0430cme', // Cyrillic "а"
      'acme.zendesk.com.evil.com',
      'acme@evil.com',
      'evil.com?',
      'acme%2eevil.com',
      '-acme',
      'https://evil.com#.zendesk.com',
      'https://evil.com#.myshopify.com',
    ]

    async function post(app: 'zendesk' | 'shopify', form: Record<string, string>, sub: string) {
      const opened = await openApp(app, sub)
      expect(opened.page.status).toBe(200)
      const res = await http(`${s.t.url}/connect/${opened.sessionId}/${app}`, { jar: opened.jar, headers: SAME_ORIGIN_POST, form })
      return { ...opened, res }
    }

    it.each(lookalikes)('refuses the Zendesk subdomain %j with a form error and starts no flow', async (value) => {
      const forms: Array<Record<string, string>> = [
        { auth_option: 'oauth2', subdomain: value },
        { auth_option: 'api_token', subdomain: value, email: 'agent@acme.test', api_token: 'token-123' },
      ]
      for (const form of forms) {
        const { res, sessionId } = await post('zendesk', form, 'zendesk-ssrf')
        expect(res.status).toBe(400)
        expectNoRedirect(res)
        expect(res.text).toContain('Zendesk subdomain is not valid')
        expect(res.text).not.toContain('http-equiv="refresh"')
        expect(await flowRows(db, sessionId)).toEqual([])
        expect((await sessionRow(db, sessionId)).outcome).toBeNull()
      }
      expect(await connectionsOf(db, 'zendesk-ssrf')).toEqual([])
    })

    it.each(lookalikes)('refuses the Shopify store handle %j with a form error and starts no flow', async (value) => {
      const { res, sessionId } = await post('shopify', { auth_option: 'oauth2', shop: value }, 'shopify-ssrf')
      expect(res.status).toBe(400)
      expectNoRedirect(res)
      expect(res.text).toContain('Store handle is not valid')
      expect(await flowRows(db, sessionId)).toEqual([])
    })

    it('starts the flow at the app host for a valid subdomain (typed bare or as the full address)', async () => {
      for (const value of ['acme', 'https://acme.zendesk.com/']) {
        const { res, sessionId } = await post('zendesk', { auth_option: 'oauth2', subdomain: value }, 'zendesk-ok')
        expect(res.status).toBe(200)
        const target = /<meta http-equiv="refresh" content="0;url=([^"]+)">/.exec(res.text)?.[1]?.replaceAll('&amp;', '&')
        const url = new URL(target as string)
        expect(`${url.origin}${url.pathname}`).toBe('https://acme.zendesk.com/oauth/authorizations/new')
        const flows = await flowRows(db, sessionId)
        expect(flows).toHaveLength(1)
        expect(JSON.parse(flows[0]?.context as string)).toMatchObject({ params: { subdomain: 'acme' } })
      }
    })
  })

  describe('credentials at rest', () => {
    it("stores credentials as pbv1 ciphertexts that do not open on another connection's row", async () => {
      for (const sub of ['vault-a', 'vault-b']) {
        const { sessionId, jar } = await openApp('fakestripe', sub)
        expect((await submitStripe(sessionId, jar, GOOD_STRIPE_KEY)).status).toBe(200)
      }
      const [a] = await connectionsOf(db, 'vault-a')
      const [b] = await connectionsOf(db, 'vault-b')
      const store = s.t.server.services.connections
      for (const row of [a, b]) {
        expect(row?.credentials).toMatch(/^pbv1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]+$/)
        expect(row?.credentials).not.toContain(GOOD_STRIPE_KEY)
      }
      expect(a?.credentials).not.toBe(b?.credentials)
      const refB = { id: b?.id as string, partnerId: s.t.partner.id }
      expect(await store.credentials(refB)).toEqual({ api_key: GOOD_STRIPE_KEY })
      await db
        .updateTable('connections')
        .set({ credentials: a?.credentials as string })
        .where('id', '=', b?.id as string)
        .execute()
      const err = await store.credentials(refB).then(
        () => undefined,
        (e: unknown) => e,
      )
      expect(err).toBeInstanceOf(VaultError)
      expect((err as VaultError).code).toBe('PB_VAULT_AUTH_FAILED')
      expect((err as VaultError).message).not.toContain(GOOD_STRIPE_KEY)
      // A's own row still opens.
      expect(await store.credentials({ id: a?.id as string, partnerId: s.t.partner.id })).toEqual({ api_key: GOOD_STRIPE_KEY })
    })
  })
})

describe.each(databaseTargets)('Connect UI rate limit ($name)', (target) => {
  let t: TestServer

  beforeAll(async () => {
    t = await startTestServer({ target, config: { 'rateLimit.connectPerIp': 5 } })
  })
  afterAll(() => t?.close())

  it('answers 429 after 5 session code attempts per IP, and consumes nothing', async () => {
    const { code, sessionId } = await mintSession(t)
    const statuses: number[] = []
    for (let i = 0; i < 5; i++) statuses.push((await http(`${t.url}/to/stripe?token=${RANDOM_CODE()}`)).status)
    expect(statuses).toEqual([404, 404, 404, 404, 404])
    const limited = await http(`${t.url}/connect?token=${RANDOM_CODE()}`)
    expect(limited.status).toBe(429)
    // A good code is refused too while the window lasts, and stays unused.
    expect((await http(`${t.url}/to/stripe?token=${code}`)).status).toBe(429)
    const row = await sessionRow(t.server.services.database.db, sessionId)
    expect(row.used_at).toBeNull()
  })
})

describe.each(databaseTargets)('Connect UI outbound requests ($name)', (target) => {
  let t: TestServer
  let fake: FakeApi

  beforeAll(async () => {
    fake = await startFakeApi({ routes: { 'GET /v1/account': stripeAccountRoute({ validKey: GOOD_STRIPE_KEY }) } })
    const port = new URL(fake.url).port
    t = await startTestServer({
      target,
      inlineJwks: true,
      config: {
        'outbound.allowPrivateRanges': [],
        apps: [
          stripeLikeApp('plainhttp', `http://127.0.0.1:${port}/v1`, ['127.0.0.1']),
          stripeLikeApp('literalip', `https://127.0.0.1:${port}/v1`, ['127.0.0.1']),
          stripeLikeApp('loopbackname', `https://localhost:${port}/v1`, ['localhost']),
        ],
      },
    })
  })
  afterAll(async () => {
    await t?.close()
    await fake?.close()
  })

  it.each(['plainhttp', 'literalip', 'loopbackname'])(
    'refuses a credential check towards a loopback address that is not allowed (%s)',
    async (app) => {
      const db = t.server.services.database.db
      const sub = `ssrf-${app}`
      const { code, sessionId } = await mintSession(t, {}, { sub })
      const jar = new CookieJar()
      const { page } = await openConnect(t.url, `/to/${app}?token=${code}`, jar)
      expect(page.status).toBe(200)
      const res = await http(`${t.url}/connect/${sessionId}/${app}`, {
        jar,
        headers: SAME_ORIGIN_POST,
        form: { auth_option: 'api_key', api_key: GOOD_STRIPE_KEY },
      })
      expect(res.status).toBe(400)
      expectNoRedirect(res)
      expect(res.text).toContain('role="alert"')
      expect(res.text).not.toContain(GOOD_STRIPE_KEY)
      expect(fake.requests).toEqual([])
      expect(await connectionsOf(db, sub)).toEqual([])
      expect((await sessionRow(db, sessionId)).outcome).toBeNull()
    },
  )
})
