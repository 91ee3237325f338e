import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  CookieJar,
  connectionsOf,
  type Db,
  dumpDatabase,
  type HttpAnswer,
  http,
  mintSession,
  openConnect,
  SAME_ORIGIN_POST,
  sessionRow,
} from '../helpers/connect-http.js'
import { type ConnectSetup, GOOD_STRIPE_KEY, startConnectSetup } from '../helpers/connect-setup.js'
import { databaseTargets } from '../helpers/databases.js'

/**
 * docs/api.md, `/connection-popup`: `POST|GET /connection-popup` runs the Connect flow from a payload and
 * redirects to the partner's registered URI with `connectionId`, or `error` and `errorData`; and
 * `POST /connect/outcome`, the widget's fallback when its popup lost `window.opener`.
 */

const BAD_STRIPE_KEY = 'sk_test_WrongKey0123456789abcd'
const RANDOM_CODE = () => `pbsc_${Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString('base64url')}`

type Via = 'payload form field' | 'JSON body' | 'query parameters'

describe.each(databaseTargets)('connection popup ($name)', (target) => {
  let s: ConnectSetup
  let db: Db

  beforeAll(async () => {
    s = await startConnectSetup(target, { 'rateLimit.connectPerIp': 10_000 })
    db = s.t.server.services.database.db
  })
  afterAll(() => s?.close())

  /** Sends the documented parameters the way `via` says, as a browser would (no redirect followed). */
  function popup(params: Record<string, unknown>, via: Via = 'payload form field'): Promise<HttpAnswer> {
    const url = `${s.t.url}/connection-popup`
    switch (via) {
      case 'payload form field':
        return http(url, { form: { payload: JSON.stringify(params) } })
      case 'JSON body':
        return http(url, { json: params })
      case 'query parameters': {
        const query = new URLSearchParams()
        for (const [k, v] of Object.entries(params)) query.set(k, typeof v === 'string' ? v : JSON.stringify(v))
        return http(`${url}?${query}`)
      }
    }
  }

  /** The documented payload for the local Stripe app, for a fresh session of `sub`. */
  async function stripePayload(sub: string, extra: Record<string, unknown> = {}, key = GOOD_STRIPE_KEY) {
    const { code, sessionId } = await mintSession(s.t, {}, { sub })
    return {
      code,
      sessionId,
      payload: {
        integrationKey: 'fakestripe',
        connectionParameters: { api_key: key },
        token: code,
        redirectUri: s.partnerPage.returnUrl,
        ...extra,
      },
    }
  }

  function returned(res: HttpAnswer): URLSearchParams {
    expect(res.status, res.text.slice(0, 300)).toBe(303)
    const location = new URL(res.location as string)
    expect(`${location.origin}${location.pathname}`).toBe(s.partnerPage.returnUrl)
    return location.searchParams
  }

  describe('POST|GET /connection-popup', () => {
    it.each<Via>(['payload form field', 'JSON body', 'query parameters'])(
      'connects from a %s and redirects with connectionId',
      async (via) => {
        const sub = `popup-${via.replaceAll(' ', '-')}`
        const { payload } = await stripePayload(sub)
        const query = returned(await popup(payload, via))
        const rows = await connectionsOf(db, sub)
        expect(rows).toHaveLength(1)
        expect(Object.fromEntries(query)).toEqual({ connectionId: rows[0]?.id })
        expect(rows[0]).toMatchObject({ app_key: 'fakestripe', status: 'active', account_identifier: 'billing@acme.test' })
        expect(rows[0]?.credentials).toMatch(/^pbv1\./)
      },
    )

    it('redirects a refused API key with error and errorData, and stores nothing', async () => {
      const checks = s.fakeApi.requests.length
      const { payload, sessionId } = await stripePayload('popup-bad-key', {}, BAD_STRIPE_KEY)
      const query = returned(await popup(payload))
      expect(s.fakeApi.requests.length).toBe(checks + 1)
      expect(query.get('connectionId')).toBeNull()
      expect(query.get('error')).toMatch(/did not accept these credentials/)
      expect(JSON.parse(query.get('errorData') as string)).toEqual({
        type: 'invalid_credentials',
        message: query.get('error'),
        app: 'fakestripe',
      })
      expect(query.toString()).not.toContain(BAD_STRIPE_KEY)
      expect(await connectionsOf(db, 'popup-bad-key')).toEqual([])
      expect(JSON.parse((await sessionRow(db, sessionId)).outcome as string)).toMatchObject({ status: 'error' })
    })

    it("replaces the user's previous connection unless allowMultipleConnections is true", async () => {
      const sub = 'popup-multiple'
      const neighbour = returned(await popup((await stripePayload('popup-neighbour')).payload)).get('connectionId')
      const first = returned(await popup((await stripePayload(sub)).payload)).get('connectionId')
      const second = returned(await popup((await stripePayload(sub, { allowMultipleConnections: false })).payload)).get('connectionId')
      expect((await connectionsOf(db, sub)).map((r) => r.id)).toEqual([second])
      // The same Stripe account again: its connection is re-authorized and keeps its id (docs/api.md, "Connecting again").
      expect(second).toBe(first)
      const third = returned(await popup((await stripePayload(sub, { allowMultipleConnections: true })).payload, 'query parameters')).get(
        'connectionId',
      )
      expect((await connectionsOf(db, sub)).map((r) => r.id).sort()).toEqual([second, third].sort())
      // Another user's connection of the same app is never replaced.
      expect((await connectionsOf(db, 'popup-neighbour')).map((r) => r.id)).toEqual([neighbour])
    })

    it('re-authorizes the connection named by connectionId and keeps its id', async () => {
      const sub = 'popup-reauth'
      const id = returned(await popup((await stripePayload(sub)).payload)).get('connectionId') as string
      const before = await connectionsOf(db, sub)
      const again = returned(await popup((await stripePayload(sub, { connectionId: id, name: 'Billing' })).payload, 'JSON body'))
      expect(Object.fromEntries(again)).toEqual({ connectionId: id })
      const after = await connectionsOf(db, sub)
      expect(after).toHaveLength(1)
      expect(after[0]).toMatchObject({ id, name: 'Billing', version: Number(before[0]?.version) + 1 })
      expect(after[0]?.credentials).not.toBe(before[0]?.credentials)
    })

    it('returns customState with the result', async () => {
      const ok = returned(await popup((await stripePayload('popup-state', { customState: 'ctx {"a":1}&b' })).payload))
      expect(ok.get('state')).toBe('ctx {"a":1}&b')
      const failed = returned(await popup((await stripePayload('popup-state-2', { customState: 'ctx-2' }, BAD_STRIPE_KEY)).payload))
      expect(failed.get('state')).toBe('ctx-2')
      expect(failed.get('error')).toBeTruthy()
    })

    it.each([
      'https://evil.example/connected',
      'javascript:alert(1)',
      'https://partner.example@evil.com/connected',
      '//evil.com/connected',
      'https://partner.example/connected/',
    ])('refuses the unregistered redirectUri %j with an error page and no redirect', async (redirectUri) => {
      const sub = 'popup-bad-redirect'
      const checks = s.fakeApi.requests.length
      const { payload, sessionId } = await stripePayload(sub, { redirectUri })
      for (const via of ['payload form field', 'JSON body', 'query parameters'] as const) {
        const res = await popup(payload, via)
        expect(res.status).toBe(400)
        expect(res.location).toBeNull()
        expect(res.headers.get('content-type')).toMatch(/^text\/html/)
        expect(res.text).toContain('The return address is not registered for this application.')
        expect(res.headers.getSetCookie()).toEqual([])
      }
      expect(s.fakeApi.requests.length).toBe(checks)
      expect(await connectionsOf(db, sub)).toEqual([])
      expect((await sessionRow(db, sessionId)).used_at).toBeNull()
    })

    it("answers connectionId of another user's connection with a not_found error redirect and touches nothing", async () => {
      const bobs = returned(await popup((await stripePayload('popup-bob')).payload)).get('connectionId') as string
      const checks = s.fakeApi.requests.length
      const { payload, sessionId } = await stripePayload('popup-mallory', { connectionId: bobs })
      const back = returned(await popup(payload))
      expect(back.get('connectionId')).toBeNull()
      expect(back.get('error')).toBe('The connection to reconnect does not exist.')
      expect(JSON.parse(back.get('errorData') as string)).toMatchObject({ type: 'not_found', app: 'fakestripe' })
      expect(s.fakeApi.requests.length).toBe(checks)
      expect(await connectionsOf(db, 'popup-mallory')).toEqual([])
      expect((await connectionsOf(db, 'popup-bob')).map((r) => r.version)).toEqual([1])
      expect(JSON.parse((await sessionRow(db, sessionId)).outcome as string)).toMatchObject({ status: 'error', error: 'not_found' })
    })

    it('keeps the API key out of the session row, every table and the logs', async () => {
      const sessions: string[] = []
      for (const via of ['payload form field', 'JSON body', 'query parameters'] as const) {
        const { payload, sessionId } = await stripePayload('popup-secret', { allowMultipleConnections: true })
        sessions.push(sessionId)
        returned(await popup(payload, via))
      }
      for (const sessionId of sessions) {
        const row = await sessionRow(db, sessionId)
        expect(row.context).toBeTruthy()
        expect(JSON.parse(row.context as string)).toMatchObject({ resultFormat: 'connection_popup', mode: 'redirect' })
        expect(row.context).not.toContain(GOOD_STRIPE_KEY)
        expect(row.context).not.toContain('api_key')
      }
      expect(await connectionsOf(db, 'popup-secret')).toHaveLength(3)
      expect(await dumpDatabase(db)).not.toContain(GOOD_STRIPE_KEY)
      const logs = s.t.logs.join('')
      expect(logs).toContain('/connection-popup?')
      expect(logs).not.toContain(GOOD_STRIPE_KEY)
      expect(logs).not.toContain(encodeURIComponent(GOOD_STRIPE_KEY))
    })

    it('refuses a payload that is not JSON or names no app, without a redirect', async () => {
      const { code, sessionId } = await mintSession(s.t, {}, { sub: 'popup-garbage' })
      const cases: Array<Record<string, string>> = [
        { payload: '{not json' },
        { payload: '[1,2]' },
        { payload: JSON.stringify({ token: code, redirectUri: s.partnerPage.returnUrl }) },
        { payload: JSON.stringify({ integrationKey: '../x', token: code, redirectUri: s.partnerPage.returnUrl }) },
        { payload: JSON.stringify({ integrationKey: 'fakestripe', token: code, connectionParameters: '{bad' }) },
      ]
      for (const form of cases) {
        const res = await http(`${s.t.url}/connection-popup`, { form })
        expect(res.status, form.payload).toBe(400)
        expect(res.location).toBeNull()
        expect(res.headers.get('content-type')).toMatch(/^text\/html/)
      }
      expect((await sessionRow(db, sessionId)).used_at).toBeNull()
    })
  })

  describe('POST /connect/outcome', () => {
    /** As the widget asks: a form-encoded body (a CORS "simple" request, no preflight), or JSON. */
    function outcome(token: string, origin?: string, body: 'form' | 'json' = 'form') {
      return http(`${s.t.url}/connect/outcome`, {
        ...(body === 'form' ? { form: { token } } : { json: { token } }),
        ...(origin ? { headers: { origin } } : {}),
      })
    }

    it('answers pending, with in_progress once a provider authorization is under way', async () => {
      const { code, sessionId } = await mintSession(s.t, {}, { sub: 'outcome-pending' })
      let res = await outcome(code)
      expect(res.status).toBe(200)
      expect(JSON.parse(res.text)).toEqual({ status: 'pending', in_progress: false })
      const jar = new CookieJar()
      const { page } = await openConnect(s.t.url, `/to/oidc?token=${code}`, jar)
      expect(page.location).toMatch(new RegExp(`^${s.provider.issuer}/`))
      res = await outcome(code, undefined, 'json')
      expect(JSON.parse(res.text)).toEqual({ status: 'pending', in_progress: true })
      expect(res.headers.get('cache-control')).toBe('no-store')
      expect((await sessionRow(db, sessionId)).outcome_read_at).toBeNull()
      // The provider sent the user back: the callback has claimed the flow and is still exchanging the code.
      // The outcome is not written yet, so a widget asking now must keep watching.
      const flow = await db.selectFrom('oauth_flows').select('state_hash').where('session_id', '=', sessionId).executeTakeFirstOrThrow()
      await db.updateTable('oauth_flows').set({ used_at: Date.now() }).where('state_hash', '=', flow.state_hash).execute()
      res = await outcome(code)
      expect(JSON.parse(res.text)).toEqual({ status: 'pending', in_progress: true })
    })

    it('hands out the outcome once, without any secret, then answers consumed', async () => {
      const { code, sessionId } = await mintSession(s.t, { custom_state: 'ctx-outcome' }, { sub: 'outcome-final' })
      const jar = new CookieJar()
      await openConnect(s.t.url, `/to/fakestripe?token=${code}`, jar)
      const done = await http(`${s.t.url}/connect/${sessionId}/fakestripe`, {
        jar,
        headers: SAME_ORIGIN_POST,
        form: { auth_option: 'api_key', api_key: GOOD_STRIPE_KEY },
      })
      expect(done.status).toBe(200)
      const [connection] = await connectionsOf(db, 'outcome-final')
      const first = await outcome(code, s.partnerPage.origin)
      expect(first.status).toBe(200)
      expect(JSON.parse(first.text)).toEqual({
        type: 'patchbay:connect',
        status: 'success',
        app: 'fakestripe',
        connection_id: connection?.id,
        operation: 'creation',
        account_identifier: 'billing@acme.test',
        state: 'ctx-outcome',
        nonce: (await sessionRow(db, sessionId)).nonce,
        session_id: sessionId,
      })
      expect(first.text).not.toContain(GOOD_STRIPE_KEY)
      const second = await outcome(code, s.partnerPage.origin)
      expect(second.status).toBe(200)
      expect(JSON.parse(second.text)).toEqual({ status: 'consumed' })
    })

    it("sends CORS headers to the session's allowed origin only", async () => {
      const { code } = await mintSession(s.t, {}, { sub: 'outcome-cors' })
      const allowed = await outcome(code, s.partnerPage.origin)
      expect(allowed.headers.get('access-control-allow-origin')).toBe(s.partnerPage.origin)
      expect(allowed.headers.get('vary')).toMatch(/Origin/i)
      for (const origin of ['https://evil.example', 'null', `${s.partnerPage.origin}.evil.example`, new URL(s.t.url).origin]) {
        const other = await outcome(code, origin)
        expect(other.status).toBe(200)
        expect(other.headers.get('access-control-allow-origin'), origin).toBeNull()
      }
      expect((await outcome(code)).headers.get('access-control-allow-origin')).toBeNull()
    })

    it('answers an unknown token with 404', async () => {
      for (const token of [RANDOM_CODE(), 'pbat_not-a-session', '']) {
        const res = await outcome(token, s.partnerPage.origin)
        expect(res.status, token).toBe(404)
        expect(JSON.parse(res.text)).toEqual({ error: { code: 'PB_ERR_NOT_FOUND', message: 'no such connect session' } })
        expect(res.headers.get('access-control-allow-origin')).toBeNull()
      }
    })
  })
})
