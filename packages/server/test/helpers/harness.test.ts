import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import * as oauth from 'oauth4webapi'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { consentAtProvider, describeBrowser, type LaunchedBrowser, launchBrowser, signInAtProvider } from './browser.js'
import { type FakeApi, startFakeApi, stripeAccountRoute } from './fake-api.js'
import { type OAuthProvider, providerSelectors, startOAuthProvider } from './oauth-provider.js'

const insecure = { [oauth.allowInsecureRequests]: true }

/** A redirect_uri endpoint that records what it receives. */
async function startCatcher(): Promise<{ url: string; caught: URL[]; close(): Promise<void> }> {
  const caught: URL[] = []
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', `http://${req.headers.host}`)
    if (url.pathname === '/callback') caught.push(url) // not /favicon.ico
    res.writeHead(200, { 'content-type': 'text/html' }).end('<p id="caught">caught</p>')
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/callback`,
    caught,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}

describeBrowser('test harness: OAuth provider in Chromium', () => {
  let provider: OAuthProvider
  let browser: LaunchedBrowser
  let catcher: Awaited<ReturnType<typeof startCatcher>>
  let as: oauth.AuthorizationServer

  beforeAll(async () => {
    // Started without redirect URIs: they are set once the "callback" server is up, as Patchbay's will be.
    ;[provider, browser] = await Promise.all([startOAuthProvider({ clients: [{}, {}] }), launchBrowser()])
    catcher = await startCatcher()
    for (const client of provider.clients) client.setRedirectUris([catcher.url])
    const issuer = new URL(provider.issuer)
    as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, insecure))
  })
  afterAll(async () => {
    await Promise.all([browser?.close(), provider?.close(), catcher?.close()])
  })

  async function authorizeInBrowser(clientId: string, state: string, decision: 'allow' | 'deny', codeChallenge: string): Promise<URL> {
    const url = new URL(as.authorization_endpoint!)
    url.searchParams.set('client_id', clientId)
    url.searchParams.set('redirect_uri', catcher.url)
    url.searchParams.set('response_type', 'code')
    url.searchParams.set('scope', 'openid email profile api:read')
    url.searchParams.set('state', state)
    url.searchParams.set('code_challenge', codeChallenge)
    url.searchParams.set('code_challenge_method', 'S256')
    const before = catcher.caught.length
    await browser.page.goto(url.href)
    await signInAtProvider(browser.page, 'alice')
    await browser.page.locator(providerSelectors.consentForm).waitFor()
    expect(await browser.page.locator(providerSelectors.consentScopes).allTextContents()).toEqual([
      'openid',
      'email',
      'profile',
      'api:read',
    ])
    await consentAtProvider(browser.page, decision)
    await browser.page.waitForURL((u) => u.href.startsWith(catcher.url))
    expect(catcher.caught.length).toBe(before + 1)
    return catcher.caught.at(-1)!
  }

  it('requires PKCE', async () => {
    const url = new URL(as.authorization_endpoint!)
    url.searchParams.set('client_id', provider.clients[0]!.clientId)
    url.searchParams.set('redirect_uri', catcher.url)
    url.searchParams.set('response_type', 'code')
    url.searchParams.set('scope', 'openid')
    const res = await fetch(url, { redirect: 'manual' })
    const location = new URL(res.headers.get('location')!)
    expect(location.href.startsWith(catcher.url)).toBe(true)
    expect(location.searchParams.get('error')).toBe('invalid_request')
    expect(location.searchParams.get('error_description')).toMatch(/PKCE/)
    provider.stats.reset()
  })

  it('runs code + PKCE with RFC 9207 iss, issues rotating refresh tokens, and counts token calls', async () => {
    expect(as.authorization_response_iss_parameter_supported).toBe(true)
    expect(as.code_challenge_methods_supported).toEqual(['S256'])
    const c = provider.clients[0]!
    const client: oauth.Client = { client_id: c.clientId }
    const verifier = oauth.generateRandomCodeVerifier()
    const state = oauth.generateRandomState()

    const callback = await authorizeInBrowser(c.clientId, state, 'allow', await oauth.calculatePKCECodeChallenge(verifier))
    expect(callback.searchParams.get('iss')).toBe(provider.issuer)
    const params = oauth.validateAuthResponse(as, client, callback, state)

    const tokens = await oauth.processAuthorizationCodeResponse(
      as,
      client,
      await oauth.authorizationCodeGrantRequest(
        as,
        client,
        oauth.ClientSecretBasic(c.clientSecret),
        params,
        catcher.url,
        verifier,
        insecure,
      ),
    )
    expect(tokens.access_token).toBeTruthy()
    expect(tokens.refresh_token).toBeTruthy()
    expect(tokens.expires_in).toBe(60)
    expect(tokens.scope?.split(' ')).toEqual(expect.arrayContaining(['openid', 'email', 'api:read']))

    const info = await oauth.processUserInfoResponse(
      as,
      client,
      oauth.skipSubjectCheck,
      await oauth.userInfoRequest(as, client, tokens.access_token, insecure),
    )
    expect(info).toMatchObject({ sub: 'alice', email: 'alice@example.test', name: 'alice' })

    // Refresh with client_secret_post (both methods are accepted): a new refresh token replaces the old one, and the
    // access token lifetime follows setAccessTokenTtl.
    provider.setAccessTokenTtl(5)
    const refreshed = await oauth.processRefreshTokenResponse(
      as,
      client,
      await oauth.refreshTokenGrantRequest(as, client, oauth.ClientSecretPost(c.clientSecret), tokens.refresh_token!, insecure),
    )
    provider.setAccessTokenTtl(60)
    expect(refreshed.access_token).not.toBe(tokens.access_token)
    expect(refreshed.expires_in).toBe(5)
    expect(refreshed.refresh_token).toBeTruthy()
    expect(refreshed.refresh_token).not.toBe(tokens.refresh_token)

    // The old refresh token is spent; reusing it also revokes the grant (reuse detection), killing the new one too.
    const refresh = async (refreshToken: string) =>
      oauth.processRefreshTokenResponse(
        as,
        client,
        await oauth.refreshTokenGrantRequest(as, client, oauth.ClientSecretBasic(c.clientSecret), refreshToken, insecure),
      )
    await expect(refresh(tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' })
    await expect(refresh(refreshed.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' })

    expect(provider.stats.token).toEqual({ authorization_code: 1, refresh_token: 3 })
    expect(provider.stats.tokenCalls.map(({ grantType, authMethod, status, error }) => ({ grantType, authMethod, status, error }))).toEqual(
      [
        { grantType: 'authorization_code', authMethod: 'client_secret_basic', status: 200, error: undefined },
        { grantType: 'refresh_token', authMethod: 'client_secret_post', status: 200, error: undefined },
        { grantType: 'refresh_token', authMethod: 'client_secret_basic', status: 400, error: 'invalid_grant' },
        { grantType: 'refresh_token', authMethod: 'client_secret_basic', status: 400, error: 'invalid_grant' },
      ],
    )
    expect(provider.stats.tokenCalls.every((call) => call.clientId === c.clientId)).toBe(true)
    expect(provider.stats.userinfo).toBe(1)
    expect(provider.stats.authorization).toBeGreaterThanOrEqual(1)
  })

  it('Deny ends the flow with error=access_denied (and iss) at the redirect_uri', async () => {
    provider.forgetSessions() // the login page shows again although this browser signed in before
    provider.setCoop('same-origin')
    const c = provider.clients[1]!
    const state = oauth.generateRandomState()
    const callback = await authorizeInBrowser(
      c.clientId,
      state,
      'deny',
      await oauth.calculatePKCECodeChallenge(oauth.generateRandomCodeVerifier()),
    )
    expect(callback.searchParams.get('error')).toBe('access_denied')
    expect(callback.searchParams.get('iss')).toBe(provider.issuer)
    expect(callback.searchParams.get('state')).toBe(state)
    expect(callback.searchParams.get('code')).toBeNull()
    expect(() => oauth.validateAuthResponse(as, { client_id: c.clientId }, callback, state)).toThrow(
      expect.objectContaining({ error: 'access_denied' }) as Error,
    )

    expect((await fetch(provider.endpoints.discovery)).headers.get('cross-origin-opener-policy')).toBe('same-origin')
    provider.setCoop(undefined)
    expect((await fetch(provider.endpoints.discovery)).headers.get('cross-origin-opener-policy')).toBeNull()
  })

  it('revokeAllGrants kills every token, as if the user disconnected the app at the provider', async () => {
    const c = provider.clients[0]!
    const client: oauth.Client = { client_id: c.clientId }
    const verifier = oauth.generateRandomCodeVerifier()
    const state = oauth.generateRandomState()
    provider.forgetSessions()
    const callback = await authorizeInBrowser(c.clientId, state, 'allow', await oauth.calculatePKCECodeChallenge(verifier))
    const tokens = await oauth.processAuthorizationCodeResponse(
      as,
      client,
      await oauth.authorizationCodeGrantRequest(
        as,
        client,
        oauth.ClientSecretBasic(c.clientSecret),
        oauth.validateAuthResponse(as, client, callback, state),
        catcher.url,
        verifier,
        insecure,
      ),
    )
    expect(provider.revokeAllGrants()).toBeGreaterThanOrEqual(1)
    const userinfo = await oauth.userInfoRequest(as, client, tokens.access_token, insecure)
    expect(userinfo.status).toBe(401)
    const refresh = oauth.processRefreshTokenResponse(
      as,
      client,
      await oauth.refreshTokenGrantRequest(as, client, oauth.ClientSecretBasic(c.clientSecret), tokens.refresh_token!, insecure),
    )
    await expect(refresh).rejects.toMatchObject({ error: 'invalid_grant' })
  })
})

describe('test harness: fake provider API', () => {
  let api: FakeApi
  beforeAll(async () => {
    api = await startFakeApi({
      routes: { 'GET /v1/account': stripeAccountRoute({ validKey: 'sk_test_good', email: 'billing@example.test' }) },
    })
  })
  afterAll(() => api?.close())

  it('answers 401 in Stripe error shape to a bad key, 200 to the good one, and records every request', async () => {
    const bad = await fetch(`${api.url}/v1/account`, { headers: { authorization: 'Bearer sk_test_bad_key_123456' } })
    expect(bad.status).toBe(401)
    expect(await bad.json()).toEqual({
      error: { type: 'invalid_request_error', message: expect.stringContaining('Invalid API Key provided') },
    })

    const good = await fetch(`${api.url}/v1/account?expand=settings`, { headers: { authorization: 'Bearer sk_test_good' } })
    expect(good.status).toBe(200)
    expect(await good.json()).toEqual({ id: 'acct_test_patchbay', object: 'account', email: 'billing@example.test' })

    api.route('POST /v1/items/:id', (req) => ({ status: 201, json: { id: req.params['id'], got: req.json } }))
    const posted = await fetch(`${api.url}/v1/items/it_1`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"a":1}',
    })
    expect(await posted.json()).toEqual({ id: 'it_1', got: { a: 1 } })
    expect((await fetch(`${api.url}/nope`)).status).toBe(404)

    expect(api.requests.map((r) => `${r.method} ${r.path} ${r.headers.authorization ?? '-'}`)).toEqual([
      'GET /v1/account Bearer sk_test_bad_key_123456',
      'GET /v1/account Bearer sk_test_good',
      'POST /v1/items/it_1 -',
      'GET /nope -',
    ])
    expect(api.requests[1]!.query.get('expand')).toBe('settings')
  })
})
