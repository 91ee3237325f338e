import { createHash } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { hashSecret } from '../../src/lib/random.js'
import { oauthFlowSecretsAad } from '../../src/vault/associated-data.js'
import {
  authorizeAtProvider,
  CookieJar,
  connectionsOf,
  type Db,
  dumpDatabase,
  flowRows,
  type HttpAnswer,
  http,
  mintSession,
  openConnect,
  sessionCookie,
  sessionRow,
  trelloLikeApp,
} from '../helpers/connect-http.js'
import { type ConnectSetup, startConnectSetup } from '../helpers/connect-setup.js'
import { databaseTargets } from '../helpers/databases.js'
import { type FakeOAuth1Provider, startFakeOAuth1Provider, submitFakeOAuth1Authorization } from '../helpers/fake-oauth1-provider.js'

/**
 * docs/security.md, "OAuth with providers": state bound to the browser and to the provider, single use,
 * PKCE S256, RFC 9207 `iss`, OAuth 1.0a callback confirmation and verifier. The authorization
 * responses are crafted or obtained from real providers (oidc-provider, a fake OAuth 1.0a server)
 * over plain HTTP, and every refusal is checked for what it left behind.
 */

const UNKNOWN_RESPONSE = 'The authorization response is unknown, expired, already used, or was started in another browser.'

interface StartedFlow {
  code: string
  sessionId: string
  jar: CookieJar
  /** Where Patchbay sent the browser (the provider's authorization endpoint). */
  authorizeUrl: URL
  /** `state` (OAuth2) or `oauth_token` (OAuth1): the flow's key. */
  key: string
}

/** The result message a result page carries for the opener. */
function resultOf(page: HttpAnswer): Record<string, unknown> {
  const block = /<script type="application\/json" id="pb-result">([^<]*)<\/script>/.exec(page.text)?.[1]
  if (!block) throw new Error(`not a result page (${page.status}): ${page.text.slice(0, 300)}`)
  return (JSON.parse(block) as { message: Record<string, unknown> }).message
}

function expectUnknownResponse(res: HttpAnswer): void {
  expect(res.status).toBe(400)
  expect(res.location).toBeNull()
  expect(res.headers.get('content-type')).toMatch(/^text\/html/)
  expect(res.text).toContain(UNKNOWN_RESPONSE)
  expect(res.text).not.toContain('id="pb-result"')
}

describe.each(databaseTargets)('OAuth callbacks security ($name)', (target) => {
  let s: ConnectSetup
  let db: Db
  let oauth1: FakeOAuth1Provider

  beforeAll(async () => {
    oauth1 = await startFakeOAuth1Provider()
    s = await startConnectSetup(target, {
      'rateLimit.connectPerIp': 10_000,
      apps: [
        trelloLikeApp('faketrello', {
          requestToken: oauth1.urls.requestToken,
          authorize: oauth1.urls.authorize,
          accessToken: oauth1.urls.accessToken,
          apiBase: `${oauth1.baseUrl}/1`,
        }),
      ],
    })
    db = s.t.server.services.database.db
    const partnerApps = s.t.server.services.partnerApps
    await partnerApps.set(s.t.partner.id, 'faketrello', { clientId: oauth1.consumer.key, clientSecret: oauth1.consumer.secret })
    await partnerApps.set(s.t.partner.id, 'github', { clientId: 'github-client', clientSecret: 'github-secret' })
  })
  afterAll(async () => {
    await s?.close()
    await oauth1?.close()
  })

  const callbackUrl = (app: string) => `${s.t.url}/oauth2/callback/${app}`

  /** Opens `/to/{app}` for `sub` in a fresh browser; the app page sends it straight to the provider. */
  async function start(app: string, sub: string, query = ''): Promise<StartedFlow> {
    const { code, sessionId } = await mintSession(s.t, {}, { sub })
    const jar = new CookieJar()
    const { page } = await openConnect(s.t.url, `/to/${app}?token=${code}${query}`, jar)
    if (page.status !== 303 || !page.location)
      throw new Error(`/connect/${sessionId}/${app} answered ${page.status}: ${page.text.slice(0, 300)}`)
    const authorizeUrl = new URL(page.location)
    const key = authorizeUrl.searchParams.get(app === 'faketrello' ? 'oauth_token' : 'state') as string
    return { code, sessionId, jar, authorizeUrl, key }
  }

  /** Signs in and consents at the OIDC provider; returns the callback URL it sends the browser to. */
  function atProvider(flow: StartedFlow, username: string, decision: 'allow' | 'deny' = 'allow') {
    return authorizeAtProvider(flow.authorizeUrl.href, { username, decision, stopAt: callbackUrl('oidc') })
  }

  /** The same callback with its query changed. */
  function withQuery(url: URL, change: (q: URLSearchParams) => void, app = 'oidc'): string {
    const q = new URLSearchParams(url.searchParams)
    change(q)
    return `${callbackUrl(app)}?${q}`
  }

  async function flowOf(flow: StartedFlow) {
    const rows = await flowRows(db, flow.sessionId)
    return rows.find((r) => r.state_hash === hashSecret(flow.key))
  }

  const codeExchanges = () => s.provider.stats.token.authorization_code ?? 0

  describe('OAuth 2.0 state', () => {
    it('answers an unknown or missing state with a 400 page and consumes nothing', async () => {
      const flow = await start('oidc', 'unknown-state')
      const iss = s.provider.issuer
      for (const query of [
        `state=${'A'.repeat(43)}&code=abc&iss=${iss}`,
        `code=abc&iss=${iss}`,
        'state=&code=abc',
        `state=${'x'.repeat(600)}`,
      ]) {
        expectUnknownResponse(await http(`${callbackUrl('oidc')}?${query}`, { jar: flow.jar }))
      }
      expect((await flowOf(flow))?.used_at).toBeNull()
      expect((await sessionRow(db, flow.sessionId)).outcome).toBeNull()
      expect(await connectionsOf(db, 'unknown-state')).toEqual([])
    })

    it('does not accept the same authorization response twice', async () => {
      const flow = await start('oidc', 'replayed-state')
      const callback = await atProvider(flow, 'replay')
      const first = await http(callback.href, { jar: flow.jar })
      expect(resultOf(first)).toMatchObject({ status: 'success', app: 'oidc' })
      const exchanges = codeExchanges()
      expectUnknownResponse(await http(callback.href, { jar: flow.jar }))
      expect(codeExchanges()).toBe(exchanges)
      expect(await connectionsOf(db, 'replayed-state')).toHaveLength(1)
    })

    it("refuses the right state from a browser without the flow's cookie, and leaves the flow usable", async () => {
      const flow = await start('oidc', 'cookie-state')
      const other = await start('oidc', 'cookie-state-other')
      const callback = await atProvider(flow, 'cookie')
      const secret = flow.jar.get(sessionCookie(flow.sessionId)) as string
      const forged = new CookieJar()
      forged.set(sessionCookie(flow.sessionId), other.jar.get(sessionCookie(other.sessionId)) as string)
      const truncated = new CookieJar()
      truncated.set(sessionCookie(flow.sessionId), secret.slice(0, -1))
      for (const jar of [undefined, other.jar, forged, truncated]) {
        expectUnknownResponse(await http(callback.href, jar ? { jar } : {}))
      }
      expect((await flowOf(flow))?.used_at).toBeNull()
      expect((await flowOf(other))?.used_at).toBeNull()
      expect((await sessionRow(db, flow.sessionId)).outcome).toBeNull()
      expect(await connectionsOf(db, 'cookie-state')).toEqual([])
      expect(await connectionsOf(db, 'cookie-state-other')).toEqual([])
      // The browser that started it still completes it.
      const done = await http(callback.href, { jar: flow.jar })
      expect(resultOf(done)).toMatchObject({ status: 'success', session_id: flow.sessionId })
      expect(await connectionsOf(db, 'cookie-state')).toHaveLength(1)
    })

    it("refuses a state sent to another app's callback (mix-up), and leaves both flows usable", async () => {
      const github = await start('github', 'mixup')
      expect(`${github.authorizeUrl.origin}${github.authorizeUrl.pathname}`).toBe('https://github.com/login/oauth/authorize')
      const oidc = await start('oidc', 'mixup-oidc')
      const callback = await atProvider(oidc, 'mixup')
      // The OIDC provider's response at GitHub's callback, and a GitHub state at the OIDC callback.
      expectUnknownResponse(
        await http(
          withQuery(callback, () => {}, 'github'),
          { jar: oidc.jar },
        ),
      )
      expectUnknownResponse(
        await http(
          withQuery(callback, (q) => q.set('state', github.key)),
          { jar: github.jar },
        ),
      )
      expectUnknownResponse(await http(`${callbackUrl('oidc')}?state=${github.key}&code=abc`, { jar: github.jar }))
      expect((await flowOf(github))?.used_at).toBeNull()
      expect((await flowOf(oidc))?.used_at).toBeNull()
      expect(await connectionsOf(db, 'mixup')).toEqual([])
      const done = await http(callback.href, { jar: oidc.jar })
      expect(resultOf(done)).toMatchObject({ status: 'success', app: 'oidc' })
    })

    it('does not let a finished session complete a second flow', async () => {
      const flow = await start('oidc', 'second-flow')
      // The same browser opens the app page again (a second tab): a second flow of the same session.
      const again = await http(`${s.t.url}/connect/${flow.sessionId}/oidc`, { jar: flow.jar })
      expect(again.status).toBe(303)
      const second: StartedFlow = { ...flow, authorizeUrl: new URL(again.location as string) }
      second.key = second.authorizeUrl.searchParams.get('state') as string
      expect(await flowRows(db, flow.sessionId)).toHaveLength(2)
      const firstCallback = await atProvider(flow, 'second-a')
      const secondCallback = await atProvider(second, 'second-b')
      const done = resultOf(await http(firstCallback.href, { jar: flow.jar }))
      expect(done).toMatchObject({ status: 'success' })
      const exchanges = codeExchanges()
      expectUnknownResponse(await http(secondCallback.href, { jar: flow.jar }))
      expect(codeExchanges()).toBe(exchanges)
      // The connection the partner was told about is still the one and only.
      const rows = await connectionsOf(db, 'second-flow')
      expect(rows.map((r) => r.id)).toEqual([done.connection_id])
      expect(JSON.parse((await sessionRow(db, flow.sessionId)).outcome as string)).toMatchObject({
        status: 'success',
        connection_id: done.connection_id,
      })
    })
  })

  describe('OAuth 2.0 authorization response', () => {
    it('refuses a response from another issuer (RFC 9207) and stores nothing', async () => {
      const flow = await start('oidc', 'wrong-iss')
      const callback = await atProvider(flow, 'wrong-iss')
      expect(callback.searchParams.get('iss')).toBe(s.provider.issuer)
      const exchanges = codeExchanges()
      const res = await http(
        withQuery(callback, (q) => q.set('iss', 'https://evil.example')),
        { jar: flow.jar },
      )
      expect(res.status).toBe(200)
      expect(resultOf(res)).toMatchObject({ status: 'error', app: 'oidc', error: 'invalid_request' })
      expect(codeExchanges()).toBe(exchanges)
      expect(await connectionsOf(db, 'wrong-iss')).toEqual([])
      expect(JSON.parse((await sessionRow(db, flow.sessionId)).outcome as string)).toMatchObject({
        status: 'error',
        error: 'invalid_request',
      })
      // The flow is spent: the genuine response cannot follow.
      expectUnknownResponse(await http(callback.href, { jar: flow.jar }))
    })

    it('refuses a response without iss from a provider that announces RFC 9207 support', async () => {
      const flow = await start('oidc', 'missing-iss')
      const row = await flowOf(flow)
      expect(JSON.parse(row?.context as string)).toMatchObject({ issuer: s.provider.issuer, issRequired: true })
      const callback = await atProvider(flow, 'missing-iss')
      const exchanges = codeExchanges()
      const res = await http(
        withQuery(callback, (q) => q.delete('iss')),
        { jar: flow.jar },
      )
      expect(resultOf(res)).toMatchObject({ status: 'error', error: 'invalid_request' })
      expect(codeExchanges()).toBe(exchanges)
      expect(await connectionsOf(db, 'missing-iss')).toEqual([])
    })

    it('ends with access_denied and stores nothing when the user denies at the provider', async () => {
      const flow = await start('oidc', 'denied')
      const callback = await atProvider(flow, 'denied', 'deny')
      expect(callback.searchParams.get('error')).toBe('access_denied')
      const res = await http(callback.href, { jar: flow.jar })
      expect(resultOf(res)).toMatchObject({ status: 'error', app: 'oidc', error: 'access_denied' })
      expect(await connectionsOf(db, 'denied')).toEqual([])
      // A crafted error with markup in its description is escaped, and an odd code becomes server_error.
      const crafted = await start('oidc', 'denied-crafted')
      const odd = await http(
        `${callbackUrl('oidc')}?state=${crafted.key}&iss=${encodeURIComponent(s.provider.issuer)}&error=${encodeURIComponent('<b>x</b>')}&error_description=${encodeURIComponent('<script>alert(1)</script>')}`,
        { jar: crafted.jar },
      )
      expect(resultOf(odd)).toMatchObject({ status: 'error', error: 'server_error' })
      expect(odd.text).not.toContain('<script>alert')
      expect(await connectionsOf(db, 'denied-crafted')).toEqual([])
    })

    it('uses PKCE S256 and keeps the verifier and state out of the database in clear', async () => {
      const flow = await start('oidc', 'pkce')
      const challenge = flow.authorizeUrl.searchParams.get('code_challenge') as string
      expect(flow.authorizeUrl.searchParams.get('code_challenge_method')).toBe('S256')
      expect(challenge).toMatch(/^[A-Za-z0-9_-]{43}$/)
      const row = await flowOf(flow)
      expect(row?.state_hash).toBe(hashSecret(flow.key))
      expect(row?.secrets).toMatch(/^pbv1\./)
      const secrets = s.t.server.services.vault.decryptJson<{ codeVerifier: string }>(
        row?.secrets as string,
        oauthFlowSecretsAad(flow.sessionId, row?.state_hash as string),
      )
      expect(createHash('sha256').update(secrets.codeVerifier).digest('base64url')).toBe(challenge)
      const everything = await dumpDatabase(db)
      expect(everything).not.toContain(secrets.codeVerifier)
      expect(everything).not.toContain(flow.key)
      // Bound to its flow: the ciphertext does not open for another state.
      expect(() =>
        s.t.server.services.vault.decryptJson(row?.secrets as string, oauthFlowSecretsAad(flow.sessionId, hashSecret('other'))),
      ).toThrow(/failed authentication/)
    })

    it('completes the code flow over HTTP and posts no token to the opener', async () => {
      const flow = await start('oidc', 'full-flow', '&state=ctx-oauth')
      const callback = await atProvider(flow, 'fullflow')
      const res = await http(callback.href, { jar: flow.jar })
      expect(res.status).toBe(200)
      const [connection] = await connectionsOf(db, 'full-flow')
      expect(connection).toMatchObject({ app_key: 'oidc', status: 'active', account_identifier: 'fullflow@example.test' })
      expect(connection?.credentials).toMatch(/^pbv1\./)
      expect(resultOf(res)).toEqual({
        type: 'patchbay:connect',
        status: 'success',
        app: 'oidc',
        connection_id: connection?.id,
        operation: 'creation',
        account_identifier: 'fullflow@example.test',
        state: 'ctx-oauth',
        nonce: (await sessionRow(db, flow.sessionId)).nonce,
        session_id: flow.sessionId,
      })
      expect(res.text).toContain(`"targetOrigin":${JSON.stringify(s.partnerPage.origin)}`)
      expect(res.text).not.toMatch(/['"]\*['"]/)
      const credentials = await s.t.server.services.connections.credentials({ id: connection?.id as string, partnerId: s.t.partner.id })
      for (const name of ['access_token', 'refresh_token', 'id_token']) {
        const value = credentials[name]
        expect(typeof value === 'string' && value.length > 10, name).toBe(true)
        expect(res.text).not.toContain(value as string)
        expect(connection?.credentials).not.toContain(value as string)
      }
    })
  })

  describe('OAuth 1.0a', () => {
    it('connects over HTTP and stores the access token encrypted', async () => {
      const flow = await start('faketrello', 'oauth1-ok')
      expect(`${flow.authorizeUrl.origin}${flow.authorizeUrl.pathname}`).toBe(oauth1.urls.authorize)
      const row = await flowOf(flow)
      expect(row?.secrets).toMatch(/^pbv1\./)
      const callback = await submitFakeOAuth1Authorization(flow.authorizeUrl.href, 'allow')
      expect(`${callback.origin}${callback.pathname}`).toBe(`${s.t.url}/oauth1/callback/faketrello`)
      const res = await http(callback.href, { jar: flow.jar })
      expect(res.status).toBe(200)
      const [connection] = await connectionsOf(db, 'oauth1-ok')
      expect(connection).toMatchObject({ app_key: 'faketrello', auth_type: 'oauth1', status: 'active', account_identifier: 'alice' })
      expect(resultOf(res)).toMatchObject({ status: 'success', connection_id: connection?.id, operation: 'creation' })
      expect(connection?.credentials).toMatch(/^pbv1\./)
      const credentials = await s.t.server.services.connections.credentials({ id: connection?.id as string, partnerId: s.t.partner.id })
      expect(Object.keys(credentials).sort()).toEqual(['oauth_token', 'oauth_token_secret'])
      for (const value of Object.values(credentials)) {
        expect(connection?.credentials).not.toContain(value as string)
        expect(res.text).not.toContain(value as string)
      }
      expect(oauth1.requests.some((r) => r.path === '/1/members/me' && r.status === 200)).toBe(true)
      // The request token is single use here too.
      expectUnknownResponse(await http(callback.href, { jar: flow.jar }))
    })

    it('ends with an error outcome and stores nothing when the callback has no oauth_verifier', async () => {
      const denied = await start('faketrello', 'oauth1-no-verifier')
      const callback = await submitFakeOAuth1Authorization(denied.authorizeUrl.href, 'deny')
      expect(callback.searchParams.has('oauth_verifier')).toBe(false)
      const accessCalls = () => oauth1.requests.filter((r) => r.path === '/1/OAuthGetAccessToken').length
      const before = accessCalls()
      const res = await http(callback.href, { jar: denied.jar })
      expect(resultOf(res)).toMatchObject({ status: 'error', app: 'faketrello', error: 'access_denied' })
      // Crafted: the token alone, or an empty verifier.
      const crafted = await start('faketrello', 'oauth1-no-verifier')
      for (const query of [`oauth_token=${crafted.key}&oauth_verifier=`]) {
        const answer = await http(`${s.t.url}/oauth1/callback/faketrello?${query}`, { jar: crafted.jar })
        expect(resultOf(answer)).toMatchObject({ status: 'error', error: 'invalid_request' })
      }
      expect(accessCalls()).toBe(before)
      expect(await connectionsOf(db, 'oauth1-no-verifier')).toEqual([])
    })

    it('does not start a flow with a provider that does not confirm the callback', async () => {
      oauth1.set({ omitCallbackConfirmed: true })
      try {
        const { code, sessionId } = await mintSession(s.t, {}, { sub: 'oauth1-unconfirmed' })
        const jar = new CookieJar()
        const { page } = await openConnect(s.t.url, `/to/faketrello?token=${code}`, jar)
        expect(page.status).toBeGreaterThanOrEqual(400)
        expect(page.status).toBeLessThan(600)
        expect(page.location).toBeNull()
        expect(page.headers.get('content-type')).toMatch(/^text\/html/)
        expect(page.text).toContain('did not confirm the callback')
        expect(await flowRows(db, sessionId)).toEqual([])
        expect((await sessionRow(db, sessionId)).outcome).toBeNull()
        expect(await connectionsOf(db, 'oauth1-unconfirmed')).toEqual([])
      } finally {
        oauth1.set({ omitCallbackConfirmed: false })
      }
    })

    it("refuses a callback from a browser without the flow's cookie, and leaves the flow usable", async () => {
      const flow = await start('faketrello', 'oauth1-cookie')
      const callback = await submitFakeOAuth1Authorization(flow.authorizeUrl.href, 'allow')
      const other = new CookieJar()
      other.set(sessionCookie(flow.sessionId), 'x'.repeat(43))
      for (const jar of [undefined, other]) expectUnknownResponse(await http(callback.href, jar ? { jar } : {}))
      // A request token is bound to its app's callback too.
      expectUnknownResponse(await http(callback.href.replace('/oauth1/callback/faketrello', '/oauth1/callback/trello'), { jar: flow.jar }))
      expect((await flowOf(flow))?.used_at).toBeNull()
      expect(await connectionsOf(db, 'oauth1-cookie')).toEqual([])
      expect(resultOf(await http(callback.href, { jar: flow.jar }))).toMatchObject({ status: 'success' })
    })
  })
})
