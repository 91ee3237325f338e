import { readFileSync } from 'node:fs'
import { appsDir } from '@patchbay/catalog'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parse as parseYaml } from 'yaml'
import { sweepExpired } from '../../src/jobs/maintenance.js'
import {
  authorizeAtProvider,
  CookieJar,
  connectionsOf,
  type Db,
  type HttpAnswer,
  http,
  mintSession,
  openConnect,
  sessionRow,
  stripeLikeApp,
  trelloLikeApp,
} from '../helpers/connect-http.js'
import { type ConnectSetup, GOOD_STRIPE_KEY, startConnectSetup } from '../helpers/connect-setup.js'
import { databaseTargets } from '../helpers/databases.js'
import { type FakeApi, startFakeApi, stripeAccountRoute } from '../helpers/fake-api.js'
import { type FakeOAuth1Provider, startFakeOAuth1Provider, submitFakeOAuth1Authorization } from '../helpers/fake-oauth1-provider.js'
import { type OAuthProvider, startOAuthProvider } from '../helpers/oauth-provider.js'

/**
 * The Connect flow's error paths: every way a flow can end without a connection ends as a Connect UI
 * page and a terminal error outcome, reported to the partner like a success (postMessage, redirect
 * with `error`, `/connect/outcome`) and to its backend (`connection.failed`, docs/webhooks.md).
 * Providers are the real OAuth server (oidc-provider) and the fake OAuth 1.0a server, made to fail.
 */

/** The catalog's generic OIDC app under another key (its own issuer, so its own provider). */
function oidcLikeApp(key: string): Record<string, unknown> {
  const oidc = parseYaml(readFileSync(`${appsDir}/oidc/app.yaml`, 'utf8')) as Record<string, unknown>
  return { ...oidc, key, name: `OIDC (${key})` }
}

/**
 * The Trello-like app whose access token URL is plain http on a public name: the request is refused
 * before it is sent (https only, outside local development), after the user authorized.
 */
function brokenTrello(oauth1: FakeOAuth1Provider): Record<string, unknown> {
  const app = trelloLikeApp('brokentrello', {
    requestToken: oauth1.urls.requestToken,
    authorize: oauth1.urls.authorize,
    accessToken: 'http://oauth1.invalid/1/OAuthGetAccessToken',
    apiBase: `${oauth1.baseUrl}/1`,
  }) as { api: { allowed_hosts: string[] } }
  return { ...app, api: { ...app.api, allowed_hosts: [...app.api.allowed_hosts, 'oauth1.invalid'] } }
}

/** The result message a result page carries for the opener. */
function resultOf(page: HttpAnswer): Record<string, unknown> {
  const block = /<script type="application\/json" id="pb-result">([^<]*)<\/script>/.exec(page.text)?.[1]
  if (!block) throw new Error(`not a result page (${page.status}): ${page.text.slice(0, 300)}`)
  return (JSON.parse(block) as { message: Record<string, unknown> }).message
}

describe.each(databaseTargets)('Connect flow errors ($name)', (target) => {
  let s: ConnectSetup
  let db: Db
  /** Its token endpoint drops the connection while `tokenDown` is set. */
  let flaky: OAuthProvider
  let tokenDown = false
  /** Its discovery document sends the token endpoint to a link-local address. */
  let misdirected: OAuthProvider
  let oauth1: FakeOAuth1Provider
  let stripeApi: FakeApi

  beforeAll(async () => {
    flaky = await startOAuthProvider({
      handle: (req) => {
        if (!tokenDown || req.method !== 'POST' || !req.url?.startsWith('/token')) return false
        req.socket.destroy()
        return true
      },
    })
    misdirected = await startOAuthProvider({
      handle: (req, res) => {
        if (!req.url?.startsWith('/.well-known/')) return false
        const ep = misdirected.endpoints
        res.writeHead(200, { 'content-type': 'application/json' }).end(
          JSON.stringify({
            issuer: misdirected.issuer,
            authorization_endpoint: ep.authorization,
            token_endpoint: 'http://169.254.169.254/token',
            userinfo_endpoint: ep.userinfo,
            jwks_uri: ep.jwks,
            response_types_supported: ['code'],
            code_challenge_methods_supported: ['S256'],
            authorization_response_iss_parameter_supported: true,
          }),
        )
        return true
      },
    })
    oauth1 = await startFakeOAuth1Provider()
    stripeApi = await startFakeApi({
      routes: { 'GET /v1/account': stripeAccountRoute({ validKey: GOOD_STRIPE_KEY, email: 'billing@acme.test' }) },
    })
    s = await startConnectSetup(target, {
      'rateLimit.connectPerIp': 10_000,
      apps: [
        // `apps` replaces the setup's own list: its local Stripe again.
        stripeLikeApp('fakestripe', `${stripeApi.url}/v1`, ['127.0.0.1']),
        oidcLikeApp('flakyoidc'),
        oidcLikeApp('misdirected'),
        brokenTrello(oauth1),
      ],
    })
    db = s.t.server.services.database.db
    const partnerApps = s.t.server.services.partnerApps
    for (const [key, provider] of [
      ['flakyoidc', flaky],
      ['misdirected', misdirected],
    ] as const) {
      provider.setRedirectUris([`${s.t.url}/oauth2/callback/${key}`])
      const client = provider.clients[0] as { clientId: string; clientSecret: string }
      await partnerApps.set(s.t.partner.id, key, {
        clientId: client.clientId,
        clientSecret: client.clientSecret,
        scopes: ['openid', 'email'],
        settings: { issuer: provider.issuer },
      })
    }
    await partnerApps.set(s.t.partner.id, 'brokentrello', { clientId: oauth1.consumer.key, clientSecret: oauth1.consumer.secret })
  })
  afterAll(async () => {
    await s?.close()
    await flaky?.close()
    await misdirected?.close()
    await oauth1?.close()
    await stripeApi?.close()
  })

  /** Opens `/to/{app}` in a fresh browser up to the provider's authorization URL. */
  async function start(app: string, sub: string, query = '') {
    const { code, sessionId } = await mintSession(s.t, {}, { sub })
    const jar = new CookieJar()
    const { page } = await openConnect(s.t.url, `/to/${app}?token=${code}${query}`, jar)
    if (page.status !== 303 || !page.location) throw new Error(`${app} answered ${page.status}: ${page.text.slice(0, 300)}`)
    return { code, sessionId, jar, authorizeUrl: page.location }
  }

  async function callbackOf(app: string, authorizeUrl: string, username: string): Promise<string> {
    const url = await authorizeAtProvider(authorizeUrl, { username, stopAt: `${s.t.url}/oauth2/callback/${app}` })
    return url.href
  }

  async function outcomeOf(code: string) {
    const res = await http(`${s.t.url}/connect/outcome`, { json: { token: code } })
    return JSON.parse(res.text) as Record<string, unknown>
  }

  async function failedEvents(sessionId: string) {
    const rows = await db.selectFrom('webhook_events').selectAll().where('type', '=', 'connection.failed').execute()
    return rows
      .map((r) => JSON.parse(r.payload) as { type: string; data: Record<string, unknown> })
      .filter((p) => p.data.session_id === sessionId)
  }

  /** A callback failure: an HTML result page with the error, the outcome recorded, the webhook queued. */
  async function expectFailedCallback(res: HttpAnswer, flow: { code: string; sessionId: string }, app: string, name: string, sub: string) {
    expect(res.status, res.text.slice(0, 300)).toBe(200)
    expect(res.headers.get('content-type')).toMatch(/^text\/html/)
    expect(res.text).not.toContain('PB_ERR_INTERNAL')
    expect(res.text).toContain(`Could not connect ${name}`)
    expect(resultOf(res)).toMatchObject({ status: 'error', app, error: 'server_error', session_id: flow.sessionId })
    expect(JSON.parse((await sessionRow(db, flow.sessionId)).outcome as string)).toMatchObject({ status: 'error', error: 'server_error' })
    expect(await outcomeOf(flow.code)).toMatchObject({ status: 'error', app, error: 'server_error' })
    expect(await connectionsOf(db, sub)).toEqual([])
    const [event] = await failedEvents(flow.sessionId)
    expect(event?.data).toMatchObject({ session_id: flow.sessionId, app, error: 'server_error', reconnect_id: null })
    expect(event?.data.end_user).toMatchObject({ user_id: sub })
    // No stack trace in the logs: one warning naming the failure.
    const logs = s.t.logs.filter((l) => l.includes(flow.sessionId))
    expect(logs.join('')).not.toMatch(/"stack"|unhandled error/)
  }

  describe('OAuth callbacks that fail', () => {
    it('ends with an error page, an error outcome and connection.failed when the token endpoint drops the connection', async () => {
      const flow = await start('flakyoidc', 'token-down')
      const callback = await callbackOf('flakyoidc', flow.authorizeUrl, 'token-down')
      tokenDown = true
      try {
        const res = await http(callback, { jar: flow.jar })
        await expectFailedCallback(res, flow, 'flakyoidc', 'OIDC (flakyoidc)', 'token-down')
      } finally {
        tokenDown = false
      }
    })

    it('ends with an error page and outcome when discovery points the token endpoint at a refused address', async () => {
      const flow = await start('misdirected', 'misdirected')
      const callback = await callbackOf('misdirected', flow.authorizeUrl, 'misdirected')
      const res = await http(callback, { jar: flow.jar })
      await expectFailedCallback(res, flow, 'misdirected', 'OIDC (misdirected)', 'misdirected')
    })

    it('redirects to redirect_uri with error=server_error when the token endpoint fails in redirect mode', async () => {
      const flow = await start('flakyoidc', 'token-down-redirect', `&redirect_uri=${encodeURIComponent(s.partnerPage.returnUrl)}`)
      const callback = await callbackOf('flakyoidc', flow.authorizeUrl, 'token-down-redirect')
      tokenDown = true
      let res: HttpAnswer
      try {
        res = await http(callback, { jar: flow.jar })
      } finally {
        tokenDown = false
      }
      expect(res.status, res.text.slice(0, 300)).toBe(303)
      const back = new URL(res.location as string)
      expect(`${back.origin}${back.pathname}`).toBe(s.partnerPage.returnUrl)
      expect(back.searchParams.get('error')).toBe('server_error')
      expect(back.searchParams.get('app')).toBe('flakyoidc')
      expect(await outcomeOf(flow.code)).toMatchObject({ status: 'error', error: 'server_error' })
    })

    it('ends an OAuth 1.0a callback whose access token request cannot be made with an error page and outcome', async () => {
      const { code, sessionId } = await mintSession(s.t, {}, { sub: 'oauth1-broken' })
      const jar = new CookieJar()
      const { page } = await openConnect(s.t.url, `/to/brokentrello?token=${code}`, jar)
      expect(page.status, page.text.slice(0, 300)).toBe(303)
      const callback = await submitFakeOAuth1Authorization(page.location as string, 'allow')
      const res = await http(callback.href, { jar })
      await expectFailedCallback(res, { code, sessionId }, 'brokentrello', 'Trello (brokentrello)', 'oauth1-broken')
    })
  })

  describe('connection.failed', () => {
    it('queues connection.failed with the error when the user denies at the provider', async () => {
      const flow = await start('oidc', 'denied-webhook')
      const callback = await authorizeAtProvider(flow.authorizeUrl, {
        username: 'denied-webhook',
        decision: 'deny',
        stopAt: `${s.t.url}/oauth2/callback/oidc`,
      })
      const res = await http(callback.href, { jar: flow.jar })
      expect(resultOf(res)).toMatchObject({ status: 'error', error: 'access_denied' })
      const events = await failedEvents(flow.sessionId)
      expect(events).toHaveLength(1)
      expect(events[0]?.data).toMatchObject({
        session_id: flow.sessionId,
        app: 'oidc',
        error: 'access_denied',
        error_description: 'The authorization was denied.',
        reconnect_id: null,
        end_user: { user_id: 'denied-webhook' },
      })
    })

    it('ends the session with an expired error outcome when the user comes back after the flow expired', async () => {
      const flow = await start('oidc', 'expired-flow')
      const callback = await authorizeAtProvider(flow.authorizeUrl, { username: 'expired-flow', stopAt: `${s.t.url}/oauth2/callback/oidc` })
      await db
        .updateTable('oauth_flows')
        .set({ expires_at: Date.now() - 1000 })
        .where('session_id', '=', flow.sessionId)
        .execute()
      const res = await http(callback.href, { jar: flow.jar })
      expect(res.status).toBe(200)
      expect(resultOf(res)).toMatchObject({ status: 'error', app: 'oidc', error: 'expired' })
      expect(await outcomeOf(flow.code)).toMatchObject({ status: 'error', error: 'expired' })
      expect((await failedEvents(flow.sessionId))[0]?.data).toMatchObject({ error: 'expired', app: 'oidc' })
      // The expired flow stays unusable, and the session cannot be reported twice.
      const again = await http(callback.href, { jar: flow.jar })
      expect(again.status).toBe(400)
      expect(await failedEvents(flow.sessionId)).toHaveLength(1)
    })

    it('reports an expired flow once when its callback arrives twice at the same time', async () => {
      const flow = await start('oidc', 'expired-twice')
      const callback = await authorizeAtProvider(flow.authorizeUrl, {
        username: 'expired-twice',
        stopAt: `${s.t.url}/oauth2/callback/oidc`,
      })
      await db
        .updateTable('oauth_flows')
        .set({ expires_at: Date.now() - 1000 })
        .where('session_id', '=', flow.sessionId)
        .execute()
      const answers = await Promise.all([1, 2, 3].map(() => http(callback.href, { jar: flow.jar })))
      for (const res of answers.filter((a) => a.status === 200)) expect(resultOf(res)).toMatchObject({ status: 'error', error: 'expired' })
      expect(await failedEvents(flow.sessionId)).toHaveLength(1)
    })

    it('keeps the first outcome when two flows of a session come back at once, one denied and one authorized', async () => {
      const flow = await start('oidc', 'two-tabs')
      // A second tab of the same browser starts a second flow of the session.
      const again = await http(`${s.t.url}/connect/${flow.sessionId}/oidc`, { jar: flow.jar })
      expect(again.status).toBe(303)
      const stopAt = `${s.t.url}/oauth2/callback/oidc`
      const authorized = await authorizeAtProvider(flow.authorizeUrl, { username: 'two-tabs', stopAt })
      const denied = await authorizeAtProvider(again.location as string, { username: 'two-tabs', decision: 'deny', stopAt })
      const pages = await Promise.all([http(authorized.href, { jar: flow.jar }), http(denied.href, { jar: flow.jar })])
      const outcome = JSON.parse((await sessionRow(db, flow.sessionId)).outcome as string) as Record<string, unknown>
      // Both tabs show the one outcome that was reported; nothing contradicts it.
      for (const page of pages) expect(resultOf(page)).toMatchObject({ status: outcome.status })
      if (outcome.status === 'success') {
        expect(await failedEvents(flow.sessionId)).toEqual([])
        expect((await connectionsOf(db, 'two-tabs')).map((c) => c.id)).toEqual([outcome.connection_id])
      } else {
        expect(outcome).toMatchObject({ error: 'access_denied' })
        expect(await failedEvents(flow.sessionId)).toHaveLength(1)
        expect(await connectionsOf(db, 'two-tabs')).toEqual([])
      }
    })
  })

  describe('abandoned sessions', () => {
    const MINUTE = 60_000
    /** The maintenance sweep every process runs each minute, as if it ran `minutes` from now. */
    const sweepIn = (minutes: number) => sweepExpired(db, Date.now() + minutes * MINUTE)

    it('ends a session whose user never came back from the provider with expired, once, when nothing can finish it', async () => {
      const flow = await start('oidc', 'never-back')
      // The session has expired (10 min) but its provider authorization may still come back (15 min).
      await sweepIn(11)
      expect((await sessionRow(db, flow.sessionId)).outcome).toBeNull()
      expect(await outcomeOf(flow.code)).toMatchObject({ status: 'pending', in_progress: true })
      await sweepIn(16)
      expect(JSON.parse((await sessionRow(db, flow.sessionId)).outcome as string)).toMatchObject({
        status: 'error',
        app: 'oidc',
        error: 'expired',
      })
      expect(await outcomeOf(flow.code)).toMatchObject({ status: 'error', app: 'oidc', error: 'expired', session_id: flow.sessionId })
      await sweepIn(17)
      const events = await failedEvents(flow.sessionId)
      expect(events).toHaveLength(1)
      expect(events[0]?.data).toMatchObject({
        session_id: flow.sessionId,
        app: 'oidc',
        error: 'expired',
        reconnect_id: null,
        end_user: { user_id: 'never-back' },
      })
    })

    it('ends a session left on the form once it expired, and leaves an unopened one alone', async () => {
      const left = await mintSession(s.t, {}, { sub: 'left-form' })
      const { page } = await openConnect(s.t.url, `/to/fakestripe?token=${left.code}`, new CookieJar())
      expect(page.status).toBe(200)
      const unopened = await mintSession(s.t, {}, { sub: 'never-opened' })
      await sweepIn(11)
      expect(JSON.parse((await sessionRow(db, left.sessionId)).outcome as string)).toMatchObject({
        status: 'error',
        app: 'fakestripe',
        error: 'expired',
      })
      expect((await failedEvents(left.sessionId))[0]?.data).toMatchObject({ app: 'fakestripe', error: 'expired' })
      expect((await sessionRow(db, unopened.sessionId)).outcome).toBeNull()
      expect(await failedEvents(unopened.sessionId)).toEqual([])
    })
  })

  describe('reconnecting a deleted connection', () => {
    async function deletedConnection(sub: string): Promise<string> {
      const { code, sessionId } = await mintSession(s.t, {}, { sub })
      const jar = new CookieJar()
      await openConnect(s.t.url, `/to/fakestripe?token=${code}`, jar)
      const done = await http(`${s.t.url}/connect/${sessionId}/fakestripe`, {
        jar,
        form: { auth_option: 'api_key', api_key: GOOD_STRIPE_KEY },
        headers: { 'sec-fetch-site': 'same-origin', origin: 'null' },
      })
      const id = resultOf(done).connection_id as string
      expect(id).toMatch(/^conn_/)
      await db.deleteFrom('connections').where('id', '=', id).execute()
      return id
    }

    it('redirects to redirect_uri with error=not_found and records the outcome (redirect mode)', async () => {
      const gone = await deletedConnection('reconnect-redirect')
      const { code, sessionId } = await mintSession(s.t, { custom_state: 'st-9' }, { sub: 'reconnect-redirect' })
      const res = await http(
        `${s.t.url}/to/fakestripe?token=${code}&reconnect_id=${gone}&redirect_uri=${encodeURIComponent(s.partnerPage.returnUrl)}`,
      )
      expect(res.status, res.text.slice(0, 300)).toBe(303)
      const back = new URL(res.location as string)
      expect(`${back.origin}${back.pathname}`).toBe(s.partnerPage.returnUrl)
      expect(Object.fromEntries(back.searchParams)).toEqual({
        error: 'not_found',
        error_description: 'The connection to reconnect does not exist.',
        app: 'fakestripe',
        state: 'st-9',
      })
      expect(await outcomeOf(code)).toMatchObject({ status: 'error', app: 'fakestripe', error: 'not_found', session_id: sessionId })
      expect((await failedEvents(sessionId))[0]?.data).toMatchObject({ error: 'not_found', reconnect_id: gone, app: 'fakestripe' })
    })

    it('posts error=not_found to the opener and records the outcome (popup mode)', async () => {
      const gone = await deletedConnection('reconnect-popup')
      const { code, sessionId } = await mintSession(s.t, {}, { sub: 'reconnect-popup' })
      const res = await http(`${s.t.url}/to/fakestripe?token=${code}&reconnect_id=${gone}&nonce=abcdefghijklmnop0123`)
      expect(res.headers.get('content-type')).toMatch(/^text\/html/)
      expect(resultOf(res)).toMatchObject({
        status: 'error',
        app: 'fakestripe',
        error: 'not_found',
        nonce: 'abcdefghijklmnop0123',
        session_id: sessionId,
      })
      // The session code leaves the address bar.
      expect(res.text).toContain(`history.replaceState(null,'',"/to/fakestripe")`)
      expect(await outcomeOf(code)).toMatchObject({ status: 'error', error: 'not_found' })
    })
  })

  describe('malformed links', () => {
    it('falls back to the default theme for a theme name over 40 characters', async () => {
      const { code } = await mintSession(s.t, {}, { sub: 'long-theme' })
      const jar = new CookieJar()
      const { page } = await openConnect(s.t.url, `/to/fakestripe?token=${code}&theme=${'x'.repeat(41)}`, jar)
      expect(page.status).toBe(200)
      expect(page.text).toContain('<form')
      expect(page.text).toContain('@media (prefers-color-scheme:dark)')
    })

    it('answers an app key no app can have at /to/{app} with the styled page, not JSON', async () => {
      const { code } = await mintSession(s.t, {}, { sub: 'bad-app' })
      const res = await http(`${s.t.url}/to/No.Such.App?token=${code}`)
      expect(res.status).toBe(404)
      expect(res.headers.get('content-type')).toMatch(/^text\/html/)
      expect(res.text).toContain('App not available')
      expect(res.headers.get('content-security-policy')).toContain("default-src 'none'")
      expect(res.text).not.toContain(code)
      expect(res.text).toContain(`history.replaceState(null,'',"/to/No.Such.App")`)
    })
  })
})
