import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Answer, call } from '../helpers/api-call.js'
import { authorizeAtProvider, CookieJar, http } from '../helpers/connect-http.js'
import { type ConnectSetup, GOOD_STRIPE_KEY, startConnectSetup } from '../helpers/connect-setup.js'
import { databaseTargets } from '../helpers/databases.js'

/**
 * Headless connect (docs/connect-links.md, "Headless connect"): the partner's UI drives a connect
 * session through the API. OAuth runs at the real OAuth server (oidc-provider) after a top-level
 * navigation through Patchbay; typed credentials are checked against a local Stripe-like API.
 */
describe.each(databaseTargets)('headless connect ($name)', (target) => {
  let s: ConnectSetup

  beforeAll(async () => {
    s = await startConnectSetup(target, { 'rateLimit.connectPerIp': 10_000 })
  })
  afterAll(async () => {
    await s?.close()
  })

  const db = () => s.t.server.services.database.db

  const accessToken = (sub: string) => s.accessToken(sub)

  async function session(sub: string, body: Record<string, unknown>): Promise<{ token: string; id: string; bearer: string }> {
    const bearer = await accessToken(sub)
    const res = await call(`${s.t.url}/v1/connect/sessions`, { method: 'POST', token: bearer, body })
    if (res.status !== 201) throw new Error(`session: ${res.text}`)
    return { token: res.json.token, id: res.json.session_id, bearer }
  }

  const post = (path: string, bearer: string, body: unknown): Promise<Answer> =>
    call(`${s.t.url}${path}`, { method: 'POST', token: bearer, body })
  const status = (id: string, bearer: string) => call(`${s.t.url}/v1/connect/sessions/${id}`, { token: bearer })
  const connectionsOf = (sub: string) =>
    db()
      .selectFrom('connections as c')
      .innerJoin('end_users as u', 'u.id', 'c.end_user_id')
      .select(['c.id', 'c.credentials'])
      .where('u.external_id', '=', sub)
      .execute()

  describe('credentials', () => {
    it('checks the key with the app, stores the connection, ends the session and announces it', async () => {
      const ss = await session('hl-key', { apps: ['fakestripe'] })
      expect((await status(ss.id, ss.bearer)).json).toMatchObject({ status: 'pending', outcome: null })
      const res = await post('/v1/connect/sessions/credentials', ss.bearer, {
        token: ss.token,
        app: 'fakestripe',
        credentials: { api_key: GOOD_STRIPE_KEY },
      })
      expect(res.status).toBe(201)
      expect(res.text).not.toContain(GOOD_STRIPE_KEY)
      expect(res.json).toMatchObject({ session_id: ss.id, status: 'success', outcome: { app: 'fakestripe', operation: 'creation' } })
      const rows = await connectionsOf('hl-key')
      expect(rows.map((r) => r.id)).toEqual([res.json.connection_id])
      expect(rows[0]?.credentials).not.toContain(GOOD_STRIPE_KEY)
      expect((await status(ss.id, ss.bearer)).json).toMatchObject({ status: 'success', connection_id: res.json.connection_id })
      const events = await db().selectFrom('webhook_events').select('payload').where('type', '=', 'connection.created').execute()
      expect(events.some((e) => JSON.parse(e.payload).data.connection.id === res.json.connection_id)).toBe(true)

      const again = await post('/v1/connect/sessions/credentials', ss.bearer, {
        token: ss.token,
        app: 'fakestripe',
        credentials: { api_key: GOOD_STRIPE_KEY },
      })
      expect(again.status).toBe(409)
      expect(again.json.error.code).toBe('PB_ERR_CONFLICT')
    })

    it('answers 422 PB_ERR_CREDENTIALS_REJECTED for a key the app refuses, storing nothing and ending the session', async () => {
      const ss = await session('hl-badkey', { apps: ['fakestripe'] })
      const bad = 'sk_test_WrongKey0123456789abcd'
      const res = await post('/v1/connect/sessions/credentials', ss.bearer, {
        token: ss.token,
        app: 'fakestripe',
        credentials: { api_key: bad },
      })
      expect(res.status).toBe(422)
      expect(res.json.error.code).toBe('PB_ERR_CREDENTIALS_REJECTED')
      expect(res.text).not.toContain(bad)
      expect(await connectionsOf('hl-badkey')).toEqual([])
      expect((await status(ss.id, ss.bearer)).json).toMatchObject({ status: 'error', outcome: { error: 'invalid_credentials' } })
    })

    it('refuses missing fields and apps the session excludes with 400, leaving the session usable', async () => {
      const ss = await session('hl-missing', { apps: ['fakestripe'] })
      const missing = await post('/v1/connect/sessions/credentials', ss.bearer, { token: ss.token, app: 'fakestripe', credentials: {} })
      expect(missing.status).toBe(400)
      expect(missing.json.error.code).toBe('PB_ERR_VALIDATION')
      expect(missing.json.error.message).toContain('api_key')
      const excluded = await post('/v1/connect/sessions/credentials', ss.bearer, { token: ss.token, app: 'oidc', credentials: {} })
      expect(excluded.status).toBe(400)
      expect(excluded.json.error.message).toContain('app')
      expect((await status(ss.id, ss.bearer)).json.status).toBe('pending')
    })

    it("answers another user's session as 404", async () => {
      const ss = await session('hl-owner', { apps: ['fakestripe'] })
      const intruder = await accessToken('hl-intruder')
      const res = await post('/v1/connect/sessions/credentials', intruder, {
        token: ss.token,
        app: 'fakestripe',
        credentials: { api_key: GOOD_STRIPE_KEY },
      })
      expect(res.status).toBe(404)
      expect(res.json.error.code).toBe('PB_ERR_NOT_FOUND')
      expect((await status(ss.id, intruder)).status).toBe(404)
      expect((await status(ss.id, ss.bearer)).json.status).toBe('pending')
    })
  })

  describe('authorize', () => {
    it("answers a start URL on Patchbay's origin that binds the browser, goes to the provider and returns to redirect_uri", async () => {
      const ss = await session('hl-oauth', { apps: ['oidc', 'fakestripe'], redirect_uri: s.partnerPage.returnUrl, custom_state: 'hl' })
      const res = await post('/v1/connect/sessions/authorize', ss.bearer, { token: ss.token, app: 'oidc' })
      expect(res.status).toBe(200)
      expect(res.headers.get('cache-control')).toBe('no-store')
      expect(res.json.session_id).toBe(ss.id)
      const start = new URL(res.json.authorization_url)
      expect(start.origin).toBe(new URL(s.t.url).origin)

      const jar = new CookieJar()
      const opened = await http(res.json.authorization_url, { jar })
      expect(opened.status).toBe(303)
      expect(jar.get(`pb_s_${ss.id}`)).toBeDefined()
      const toProvider = await http(new URL(opened.location as string, s.t.url).href, { jar })
      expect(toProvider.status).toBe(303)
      const authorize = new URL(toProvider.location as string)
      expect(authorize.href.startsWith(s.provider.issuer)).toBe(true)
      expect(authorize.searchParams.get('code_challenge_method')).toBe('S256')
      expect(authorize.searchParams.get('state')).toBeTruthy()
      expect((await status(ss.id, ss.bearer)).json.status).toBe('open')

      // A callback in a browser without the binding cookie (login CSRF) is refused.
      const callback = await authorizeAtProvider(authorize.href, { username: 'hl-oauth', stopAt: `${s.t.url}/oauth2/callback/oidc` })
      const foreign = await http(callback.href, { jar: new CookieJar() })
      expect(foreign.status).toBeGreaterThanOrEqual(400)
      expect(await connectionsOf('hl-oauth')).toEqual([])

      const done = await http(callback.href, { jar })
      expect(done.status).toBe(303)
      const back = new URL(done.location as string)
      expect(`${back.origin}${back.pathname}`).toBe(s.partnerPage.returnUrl)
      expect(back.searchParams.get('state')).toBe('hl')
      const final = (await status(ss.id, ss.bearer)).json
      expect(final).toMatchObject({ status: 'success', connection_id: back.searchParams.get('connection_id') })
    })

    it('refuses an app without an OAuth option, an excluded app, a used session and another user', async () => {
      const ss = await session('hl-oauth-bad', { apps: ['fakestripe'] })
      const noOauth = await post('/v1/connect/sessions/authorize', ss.bearer, { token: ss.token, app: 'fakestripe' })
      expect(noOauth.status).toBe(400)
      expect(noOauth.json.error.message).toContain('auth_option')
      const excluded = await post('/v1/connect/sessions/authorize', ss.bearer, { token: ss.token, app: 'oidc' })
      expect(excluded.status).toBe(400)
      const other = await post('/v1/connect/sessions/authorize', await accessToken('hl-someone'), { token: ss.token, app: 'fakestripe' })
      expect(other.status).toBe(404)
      const unknown = await post('/v1/connect/sessions/authorize', ss.bearer, { token: 'pbsc_nope', app: 'oidc' })
      expect(unknown.status).toBe(404)

      const used = await session('hl-oauth-used', { apps: ['oidc'] })
      await http(`${s.t.url}/to/oidc?token=${used.token}`)
      const res = await post('/v1/connect/sessions/authorize', used.bearer, { token: used.token, app: 'oidc' })
      expect(res.status).toBe(409)
      expect(res.json.error.code).toBe('PB_ERR_CONFLICT')
    })
  })
})
