import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Answer, call } from '../helpers/api-call.js'
import { authorizeAtProvider, CookieJar, countRows, type HttpAnswer, http, openConnect } from '../helpers/connect-http.js'
import { type ConnectSetup, startConnectSetup } from '../helpers/connect-setup.js'
import { databaseTargets } from '../helpers/databases.js'

const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange'
const JWT_TYPE = 'urn:ietf:params:oauth:token-type:jwt'

/** The result message a popup result page carries for the opener. */
function resultOf(page: HttpAnswer): Record<string, unknown> {
  const block = /<script type="application\/json" id="pb-result">([^<]*)<\/script>/.exec(page.text)?.[1]
  if (!block) throw new Error(`not a result page (${page.status}): ${page.text.slice(0, 300)}`)
  return (JSON.parse(block) as { message: Record<string, unknown> }).message
}

/**
 * `POST /v1/connect/sessions` (docs/api.md, "Connect sessions"): the answer carries a ready
 * `connect_url`, `reconnect_id` is checked when the session is minted, and a session minted with a
 * `redirect_uri` ends in redirect mode unless the opening URL asks for a popup. Connections come
 * from the real OAuth server (oidc-provider).
 */
describe.each(databaseTargets)('POST /v1/connect/sessions ($name)', (target) => {
  let s: ConnectSetup

  beforeAll(async () => {
    s = await startConnectSetup(target, { 'rateLimit.connectPerIp': 10_000 })
  })
  afterAll(async () => {
    await s?.close()
  })

  const db = () => s.t.server.services.database.db

  const accessToken = (sub: string) => s.accessToken(sub)

  const mint = async (sub: string, body: Record<string, unknown>): Promise<Answer> =>
    call(`${s.t.url}/v1/connect/sessions`, { method: 'POST', token: await accessToken(sub), body })

  /** Opens `path` in a fresh browser, consents at the provider as `sub`, and returns Patchbay's answer to the callback. */
  async function connectThrough(path: string, sub: string): Promise<HttpAnswer> {
    const jar = new CookieJar()
    const { page } = await openConnect(s.t.url, path, jar)
    if (page.status !== 303 || !page.location) throw new Error(`expected a redirect to the provider, got ${page.status}`)
    const callback = await authorizeAtProvider(page.location, { username: sub, stopAt: `${s.t.url}/oauth2/callback/oidc` })
    return http(callback.href, { jar })
  }

  describe('connect_url', () => {
    it('returns a connect_url opening the one allowed app with the code', async () => {
      const res = await mint('url-one', { apps: ['fakestripe'] })
      expect(res.status).toBe(201)
      expect(res.json.connect_url).toBe(`${s.t.url}/to/fakestripe?token=${encodeURIComponent(res.json.token)}`)
      const opened = await http(res.json.connect_url)
      expect(opened.status).toBe(303)
      expect(opened.location).toBe(`/connect/${res.json.session_id}/fakestripe`)
    })

    it('returns a connect_url opening the picker when the session allows several apps or all', async () => {
      for (const body of [{ apps: ['fakestripe', 'oidc'] }, {}]) {
        const res = await mint('url-many', body)
        expect(res.status).toBe(201)
        expect(res.json.connect_url).toBe(`${s.t.url}/connect?token=${encodeURIComponent(res.json.token)}`)
      }
    })

    it('returns connect_url from the token exchange for a connect session too', async () => {
      const res = await fetch(`${s.t.url}/oauth/token`, {
        method: 'POST',
        headers: { authorization: `Basic ${btoa(`${s.t.partner.clientId}:${s.t.partner.clientSecret}`)}` },
        body: new URLSearchParams({
          grant_type: TOKEN_EXCHANGE,
          subject_token: await s.t.sign({ sub: 'url-exchange' }),
          subject_token_type: JWT_TYPE,
          requested_token_type: 'urn:patchbay:params:oauth:token-type:connect_session',
          apps: 'oidc',
        }),
      })
      const body = (await res.json()) as { access_token: string; connect_url: string }
      expect(res.status).toBe(200)
      expect(body.connect_url).toBe(`${s.t.url}/to/oidc?token=${encodeURIComponent(body.access_token)}`)
    })
  })

  describe('reconnect_id', () => {
    it("answers 404 PB_ERR_NOT_FOUND for an unknown or another user's connection, minting nothing", async () => {
      const theirs = await mint('reconnect-owner', { apps: ['oidc'] })
      const connected = await connectThrough(`/to/oidc?token=${theirs.json.token}`, 'reconnect-owner')
      const connectionId = resultOf(connected).connection_id as string
      expect(connectionId).toMatch(/^conn_/)

      const before = await countRows(db(), 'connect_sessions')
      for (const id of ['conn_doesnotexist', connectionId]) {
        const res = await mint('reconnect-intruder', { reconnect_id: id })
        expect(res.status).toBe(404)
        expect(res.json.error.code).toBe('PB_ERR_NOT_FOUND')
        expect(res.json.error.message).toContain('reconnect_id')
      }
      expect(await countRows(db(), 'connect_sessions')).toBe(before)

      // The owner's own connection: minted, and the link opens its app.
      const own = await mint('reconnect-owner', { reconnect_id: connectionId })
      expect(own.status).toBe(201)
      expect(own.json.connect_url).toBe(`${s.t.url}/to/oidc?token=${encodeURIComponent(own.json.token)}`)
      const again = await connectThrough(own.json.connect_url.slice(s.t.url.length), 'reconnect-owner')
      expect(resultOf(again)).toMatchObject({ connection_id: connectionId, operation: 'reauth' })
    })

    it("refuses a reconnect_id of an app the session's apps exclude (PB_ERR_VALIDATION)", async () => {
      const first = await mint('reconnect-apps', { apps: ['oidc'] })
      const connectionId = resultOf(await connectThrough(`/to/oidc?token=${first.json.token}`, 'reconnect-apps')).connection_id
      const res = await mint('reconnect-apps', { apps: ['fakestripe'], reconnect_id: connectionId })
      expect(res.status).toBe(400)
      expect(res.json.error.code).toBe('PB_ERR_VALIDATION')
      expect(res.json.error.message).toContain('reconnect_id')
    })
  })

  describe('redirect_uri', () => {
    it("ends a session minted with redirect_uri at the partner's URI when the URL does not ask otherwise", async () => {
      const res = await mint('redirected', { apps: ['oidc'], redirect_uri: s.partnerPage.returnUrl, custom_state: 'st-1' })
      expect(res.status).toBe(201)
      const done = await connectThrough(`/to/oidc?token=${res.json.token}`, 'redirected')
      expect(done.status).toBe(303)
      const back = new URL(done.location as string)
      expect(`${back.origin}${back.pathname}`).toBe(s.partnerPage.returnUrl)
      expect(back.searchParams.get('connection_id')).toMatch(/^conn_/)
      expect(back.searchParams.get('app')).toBe('oidc')
      expect(back.searchParams.get('operation')).toBe('creation')
      expect(back.searchParams.get('state')).toBe('st-1')
    })

    it('stays in popup mode when the opening URL asks for it (mode=popup, or the widget nonce)', async () => {
      for (const [sub, query] of [
        ['popup-mode', '&mode=popup'],
        ['popup-nonce', '&nonce=widget-nonce-0123456789'],
      ] as const) {
        const res = await mint(sub, { apps: ['oidc'], redirect_uri: s.partnerPage.returnUrl })
        const done = await connectThrough(`/to/oidc?token=${res.json.token}${query}`, sub)
        expect(done.status, sub).toBe(200)
        expect(resultOf(done)).toMatchObject({ status: 'success', app: 'oidc' })
      }
    })

    it('refuses mode=redirect when neither the session nor the URL gives a redirect URI', async () => {
      const res = await mint('no-uri', { apps: ['oidc'] })
      const opened = await http(`${s.t.url}/to/oidc?token=${res.json.token}&mode=redirect`)
      expect(opened.status).toBe(400)
      expect(opened.location).toBeNull()
    })
  })
})
