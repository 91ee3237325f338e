import { createHmac } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  accessToken,
  buildAccessTokenRequest,
  buildAuthorizationUrl,
  buildRequestTokenRequest,
  OAuth1Error,
  type OAuth1SignatureMethod,
  processAccessTokenResponse,
  processRequestTokenResponse,
  readCallback,
  requestToken,
  signedAuthorizationHeader,
} from '../../src/provider-oauth/oauth1/index.js'
import { AddressPolicy } from '../../src/outbound/address-policy.js'
import { SafeHttpClient } from '../../src/outbound/safe-fetch.js'
import { type FakeOAuth1Provider, startFakeOAuth1Provider, submitFakeOAuth1Authorization } from '../helpers/fake-oauth1-provider.js'

/** Where the provider sends the user back; nothing listens there, the tests only read the redirect. */
const CALLBACK = 'http://127.0.0.1:9/connect/oauth1/callback?flow=f1'
const TRELLO_AUTHORIZE_PARAMS = { name: 'Patchbay', scope: 'read,account', expiration: 'never' }
const LIMITS = { timeoutMs: 5_000, maxBytes: 64 * 1024 }

const http = new SafeHttpClient(new AddressPolicy(['127.0.0.0/8']))
let provider: FakeOAuth1Provider

beforeAll(async () => {
  provider = await startFakeOAuth1Provider()
})

afterAll(async () => {
  await provider.close()
  await http.close()
})

async function expectOAuth1Error(promise: Promise<unknown> | (() => unknown), code: string, status?: number): Promise<OAuth1Error> {
  let caught: unknown
  try {
    await (typeof promise === 'function' ? promise() : promise)
  } catch (err) {
    caught = err
  }
  expect(caught).toBeInstanceOf(OAuth1Error)
  const err = caught as OAuth1Error
  expect(err.code).toBe(code)
  if (status !== undefined) expect(err.status).toBe(status)
  return err
}

/** Request token → authorization page (Allow or Deny) → the callback URL the provider redirects to. */
async function authorize(p: FakeOAuth1Provider, signatureMethod: OAuth1SignatureMethod, decision: 'allow' | 'deny' = 'allow') {
  const temp = await requestToken(http, { url: p.urls.requestToken, consumer: p.consumer, callbackUrl: CALLBACK, signatureMethod })
  const url = buildAuthorizationUrl({ url: p.urls.authorize, token: temp.token, extraParams: TRELLO_AUTHORIZE_PARAMS })
  const redirect = await submitFakeOAuth1Authorization(url, decision)
  return { temp, redirect }
}

function callGet(url: string, authorization: string) {
  return http.request(url, { method: 'GET', headers: { Authorization: authorization }, ...LIMITS })
}

describe('OAuth 1.0a round trip against the fake provider', () => {
  it.each(['HMAC-SHA1', 'HMAC-SHA256'] as const)('connects and calls the API with %s', async (signatureMethod) => {
    const { temp, redirect } = await authorize(provider, signatureMethod)
    expect(`${redirect.origin}${redirect.pathname}`).toBe('http://127.0.0.1:9/connect/oauth1/callback')
    expect(redirect.searchParams.get('flow')).toBe('f1')

    const callback = readCallback(Object.fromEntries(redirect.searchParams), { expectedToken: temp.token })
    expect(callback.token).toBe(temp.token)

    const creds = await accessToken(http, {
      url: provider.urls.accessToken,
      consumer: provider.consumer,
      token: callback.token,
      tokenSecret: temp.tokenSecret,
      verifier: callback.verifier,
      signatureMethod,
    })
    expect(creds.token).not.toBe(temp.token)
    expect(creds.extra).toEqual({})

    const url = `${provider.urls.me}?fields=id,username,email`
    const authorization = signedAuthorizationHeader({
      method: 'GET',
      url,
      consumer: provider.consumer,
      token: creds.token,
      tokenSecret: creds.tokenSecret,
      signatureMethod,
    })
    const res = await callGet(url, authorization)
    expect(res.status).toBe(200)
    expect(JSON.parse(res.body.toString())).toEqual(provider.account)
    const signedCalls = provider.requests.filter((r) => r.signatureMethod !== undefined).slice(-3)
    expect(signedCalls.map((r) => [r.path, r.status, r.signatureMethod])).toEqual([
      ['/1/OAuthGetRequestToken', 200, signatureMethod],
      ['/1/OAuthGetAccessToken', 200, signatureMethod],
      ['/1/members/me', 200, signatureMethod],
    ])
  })

  it("shows Trello's name, scope and expiration on the authorization page", async () => {
    const temp = await requestToken(http, {
      url: provider.urls.requestToken,
      consumer: provider.consumer,
      callbackUrl: CALLBACK,
      signatureMethod: 'HMAC-SHA1',
    })
    const url = buildAuthorizationUrl({ url: provider.urls.authorize, token: temp.token, extraParams: TRELLO_AUTHORIZE_PARAMS })
    const html = await (await fetch(url)).text()
    expect(html).toContain('<span id="oauth1-app-name">Patchbay</span>')
    expect(html).toContain('<li>read</li><li>account</li>')
    expect(html).toContain('<span id="oauth1-expiration">never</span>')
    expect(html).toContain('id="oauth1-allow"')
    expect(html).toContain('id="oauth1-deny"')
  })

  it('shows an error page, not the form, for a request token already decided or unknown', async () => {
    const temp = await requestToken(http, {
      url: provider.urls.requestToken,
      consumer: provider.consumer,
      callbackUrl: CALLBACK,
      signatureMethod: 'HMAC-SHA1',
    })
    const url = buildAuthorizationUrl({ url: provider.urls.authorize, token: temp.token })
    await submitFakeOAuth1Authorization(url, 'allow')
    for (const again of [url, buildAuthorizationUrl({ url: provider.urls.authorize, token: 'unknown' })]) {
      const page = await fetch(again)
      expect(page.status).toBe(400)
      const html = await page.text()
      expect(html).toContain('<h1 id="oauth1-error">')
      expect(html).not.toContain('oauth1-allow')
    }
  })

  it('returns the non-secret extra parameters of the access token response', async () => {
    const p = await startFakeOAuth1Provider({ accessTokenExtras: { user_id: '42', screen_name: 'alice', oauth_session_handle: 'h' } })
    try {
      const { temp, redirect } = await authorize(p, 'HMAC-SHA1')
      const callback = readCallback(Object.fromEntries(redirect.searchParams))
      const creds = await accessToken(http, {
        url: p.urls.accessToken,
        consumer: p.consumer,
        ...callback,
        tokenSecret: temp.tokenSecret,
        signatureMethod: 'HMAC-SHA1',
      })
      expect(creds.extra).toEqual({ user_id: '42', screen_name: 'alice' })
    } finally {
      await p.close()
    }
  })
})

describe('request token', () => {
  it('fails with PB_OAUTH1_CALLBACK_NOT_CONFIRMED when the provider omits oauth_callback_confirmed', async () => {
    const p = await startFakeOAuth1Provider({ omitCallbackConfirmed: true })
    try {
      await expectOAuth1Error(
        requestToken(http, { url: p.urls.requestToken, consumer: p.consumer, callbackUrl: CALLBACK, signatureMethod: 'HMAC-SHA1' }),
        'PB_OAUTH1_CALLBACK_NOT_CONFIRMED',
      )
    } finally {
      await p.close()
    }
  })

  it('requires oauth_callback_confirmed to be exactly "true"', () => {
    for (const value of ['TRUE', '1', 'yes', '']) {
      expect(() =>
        processRequestTokenResponse({ status: 200, body: `oauth_token=t&oauth_token_secret=s&oauth_callback_confirmed=${value}` }),
      ).toThrowError(expect.objectContaining({ code: 'PB_OAUTH1_CALLBACK_NOT_CONFIRMED' }))
    }
    expect(
      processRequestTokenResponse({ status: 200, body: Buffer.from('oauth_token=t&oauth_token_secret=s&oauth_callback_confirmed=true') }),
    ).toEqual({
      token: 't',
      tokenSecret: 's',
    })
  })

  it('fails with PB_OAUTH1_HTTP and the status when the consumer secret is wrong', async () => {
    const err = await expectOAuth1Error(
      requestToken(http, {
        url: provider.urls.requestToken,
        consumer: { key: provider.consumer.key, secret: 'not-the-secret' },
        callbackUrl: CALLBACK,
        signatureMethod: 'HMAC-SHA1',
      }),
      'PB_OAUTH1_HTTP',
      401,
    )
    expect(err.problem).toBe('signature_invalid')
    expect(err.message).not.toContain('not-the-secret')
  })

  it('fails with PB_OAUTH1_BAD_RESPONSE on a body that is not a form-encoded token pair', () => {
    const bodies = [
      '{"oauth_token":"t","oauth_token_secret":"s"}',
      '<html>hello</html>',
      'oauth_token_secret=s&oauth_callback_confirmed=true',
      'oauth_token=t&oauth_callback_confirmed=true',
      'oauth_token=t&oauth_token=u&oauth_token_secret=s&oauth_callback_confirmed=true',
      'oauth_token=a%0Ab&oauth_token_secret=s&oauth_callback_confirmed=true',
      '',
    ]
    for (const body of bodies) {
      expect(() => processRequestTokenResponse({ status: 200, body }), body).toThrowError(
        expect.objectContaining({ code: 'PB_OAUTH1_BAD_RESPONSE' }),
      )
    }
    expect(() => processRequestTokenResponse({ status: 200, body: Buffer.from([0xff, 0xfe, 0x3d]) })).toThrowError(
      expect.objectContaining({ code: 'PB_OAUTH1_BAD_RESPONSE' }),
    )
  })

  it('reports the status and oauth_problem of a non-2xx answer', async () => {
    const err = await expectOAuth1Error(
      () => processRequestTokenResponse({ status: 400, body: 'oauth_problem=parameter_absent' }),
      'PB_OAUTH1_HTTP',
      400,
    )
    expect(err.problem).toBe('parameter_absent')
    await expectOAuth1Error(() => processRequestTokenResponse({ status: 500, body: 'Internal error' }), 'PB_OAUTH1_HTTP', 500)
  })

  it('sends oauth_callback in the signed header and extra parameters in the signed body', () => {
    const req = buildRequestTokenRequest({
      url: 'https://trello.com/1/OAuthGetRequestToken',
      consumer: { key: 'k', secret: 's' },
      callbackUrl: CALLBACK,
      signatureMethod: 'HMAC-SHA256',
      extraParams: { scope: 'read write' },
    })
    expect(req.method).toBe('POST')
    expect(req.url).toBe('https://trello.com/1/OAuthGetRequestToken')
    expect(req.body).toBe('scope=read%20write')
    expect(req.headers['Content-Type']).toBe('application/x-www-form-urlencoded')
    const auth = req.headers.Authorization as string
    expect(auth).toMatch(/^OAuth /)
    expect(auth).toContain(`oauth_callback="${encodeURIComponent(CALLBACK)}"`)
    expect(auth).toContain('oauth_signature_method="HMAC-SHA256"')
    expect(auth).toContain('oauth_consumer_key="k"')
    expect(auth).not.toContain('oauth_token=')
    expect(auth).not.toContain('scope')
    expect(auth).toMatch(/oauth_nonce="[0-9a-f]{32}"/)
  })

  it('rejects bad arguments with a TypeError naming the input', () => {
    const base = {
      url: 'https://trello.com/1/OAuthGetRequestToken',
      consumer: { key: 'k', secret: 's' },
      callbackUrl: CALLBACK,
      signatureMethod: 'HMAC-SHA1' as const,
    }
    expect(() => buildRequestTokenRequest({ ...base, url: 'not a url' })).toThrowError(/^url: /)
    expect(() => buildRequestTokenRequest({ ...base, callbackUrl: 'oob' })).toThrowError(/^callbackUrl: /)
    expect(() => buildRequestTokenRequest({ ...base, extraParams: { oauth_callback: 'x' } })).toThrowError(/bodyParams: "oauth_callback"/)
    expect(() => buildRequestTokenRequest({ ...base, consumer: { key: '', secret: 's' } })).toThrowError(/consumer.key/)
    expect(() => buildRequestTokenRequest({ ...base, signatureMethod: 'PLAINTEXT' as 'HMAC-SHA1' })).toThrowError(/signatureMethod/)
  })
})

describe('authorization URL', () => {
  it('adds oauth_token and the extra parameters, keeping the URL query', () => {
    const url = new URL(
      buildAuthorizationUrl({
        url: 'https://trello.com/1/OAuthAuthorizeToken?lang=en',
        token: 'tok en',
        extraParams: TRELLO_AUTHORIZE_PARAMS,
      }),
    )
    expect(url.origin + url.pathname).toBe('https://trello.com/1/OAuthAuthorizeToken')
    expect(Object.fromEntries(url.searchParams)).toEqual({ lang: 'en', ...TRELLO_AUTHORIZE_PARAMS, oauth_token: 'tok en' })
  })

  it('does not let extra parameters replace oauth_token', () => {
    expect(() =>
      buildAuthorizationUrl({ url: 'https://trello.com/1/OAuthAuthorizeToken', token: 't', extraParams: { oauth_token: 'x' } }),
    ).toThrowError(TypeError)
  })
})

describe('callback', () => {
  it('fails with PB_OAUTH1_DENIED when Deny sends the user back without a verifier', async () => {
    const { temp, redirect } = await authorize(provider, 'HMAC-SHA1', 'deny')
    expect(redirect.searchParams.get('oauth_token')).toBe(temp.token)
    expect(redirect.searchParams.has('oauth_verifier')).toBe(false)
    await expectOAuth1Error(
      () => readCallback(Object.fromEntries(redirect.searchParams), { expectedToken: temp.token }),
      'PB_OAUTH1_DENIED',
    )
  })

  it('fails with PB_OAUTH1_DENIED on a denied parameter', async () => {
    const p = await startFakeOAuth1Provider({ denyStyle: 'denied-param' })
    try {
      const { temp, redirect } = await authorize(p, 'HMAC-SHA1', 'deny')
      expect(redirect.searchParams.get('denied')).toBe(temp.token)
      await expectOAuth1Error(() => readCallback(Object.fromEntries(redirect.searchParams)), 'PB_OAUTH1_DENIED')
    } finally {
      await p.close()
    }
    await expectOAuth1Error(
      () => readCallback({ oauth_token: 't', oauth_verifier: 'v', oauth_problem: 'user_refused' }),
      'PB_OAUTH1_DENIED',
    )
  })

  it('fails with PB_OAUTH1_MISSING_VERIFIER unless token and verifier are single non-empty strings', async () => {
    const queries: Record<string, unknown>[] = [
      { oauth_token: 't', oauth_verifier: '' },
      { oauth_token: 't', oauth_verifier: ['v', 'w'] },
      { oauth_token: 't', oauth_verifier: 7 },
      { oauth_verifier: 'v' },
      { oauth_token: '', oauth_verifier: 'v' },
      { oauth_token: ['t', 'u'], oauth_verifier: 'v' },
    ]
    for (const query of queries) await expectOAuth1Error(() => readCallback(query), 'PB_OAUTH1_MISSING_VERIFIER')
    expect(readCallback({ oauth_token: 't', oauth_verifier: 'v', flow: 'f1' })).toEqual({ token: 't', verifier: 'v' })
  })

  it("fails with PB_OAUTH1_TOKEN_MISMATCH when the callback's token is not this session's request token", async () => {
    await expectOAuth1Error(
      () => readCallback({ oauth_token: 'other', oauth_verifier: 'v' }, { expectedToken: 'mine' }),
      'PB_OAUTH1_TOKEN_MISMATCH',
    )
  })
})

describe('access token', () => {
  it('is refused when the request token is used a second time', async () => {
    const { temp, redirect } = await authorize(provider, 'HMAC-SHA1')
    const callback = readCallback(Object.fromEntries(redirect.searchParams))
    const params = {
      url: provider.urls.accessToken,
      consumer: provider.consumer,
      ...callback,
      tokenSecret: temp.tokenSecret,
      signatureMethod: 'HMAC-SHA1' as const,
    }
    await accessToken(http, params)
    const err = await expectOAuth1Error(accessToken(http, params), 'PB_OAUTH1_HTTP', 401)
    expect(err.problem).toBe('token_used')
  })

  it('is refused with a wrong verifier, and the request token is burnt', async () => {
    const { temp, redirect } = await authorize(provider, 'HMAC-SHA1')
    const callback = readCallback(Object.fromEntries(redirect.searchParams))
    const params = {
      url: provider.urls.accessToken,
      consumer: provider.consumer,
      ...callback,
      tokenSecret: temp.tokenSecret,
      signatureMethod: 'HMAC-SHA1' as const,
    }
    const wrong = await expectOAuth1Error(accessToken(http, { ...params, verifier: 'guess' }), 'PB_OAUTH1_HTTP', 401)
    expect(wrong.problem).toBe('verifier_invalid')
    const after = await expectOAuth1Error(accessToken(http, params), 'PB_OAUTH1_HTTP', 401)
    expect(after.problem).toBe('token_used')
  })

  it('is refused for a request token the user denied', async () => {
    const { temp } = await authorize(provider, 'HMAC-SHA1', 'deny')
    const err = await expectOAuth1Error(
      accessToken(http, {
        url: provider.urls.accessToken,
        consumer: provider.consumer,
        token: temp.token,
        tokenSecret: temp.tokenSecret,
        verifier: 'v',
        signatureMethod: 'HMAC-SHA1',
      }),
      'PB_OAUTH1_HTTP',
      401,
    )
    expect(err.problem).toBe('permission_denied')
  })

  it('signs oauth_token and oauth_verifier into the header', () => {
    const req = buildAccessTokenRequest({
      url: 'https://trello.com/1/OAuthGetAccessToken',
      consumer: { key: 'k', secret: 's' },
      token: 'rt',
      tokenSecret: 'request-token-secret',
      verifier: 'ver',
      signatureMethod: 'HMAC-SHA1',
    })
    expect(req.body).toBe('')
    expect(req.headers.Authorization).toContain('oauth_token="rt"')
    expect(req.headers.Authorization).toContain('oauth_verifier="ver"')
    expect(req.headers.Authorization).not.toContain('request-token-secret')
  })

  it('keeps secrets out of extra', () => {
    const creds = processAccessTokenResponse({
      status: 200,
      body: 'oauth_token=t&oauth_token_secret=s&user_id=1&oauth_session_handle=h&refresh_secret=x&oauth_expires_in=3600',
    })
    expect(creds).toEqual({ token: 't', tokenSecret: 's', extra: { user_id: '1', oauth_expires_in: '3600' } })
  })
})

describe('signing', () => {
  /** The oauth_* parameters of an Authorization header, decoded. */
  const headerParams = (header: string) =>
    Object.fromEntries([...header.matchAll(/([a-z_]+)="([^"]*)"/g)].map((m) => [m[1] as string, decodeURIComponent(m[2] as string)]))

  it.each([
    ['HMAC-SHA1', 'sha1'],
    ['HMAC-SHA256', 'sha256'],
  ] as const)('matches the RFC 5849 §3.4.1.1 example base string with %s', (signatureMethod, digest) => {
    // RFC 5849 §3.4.1.1: POST /request?b5=%3D%253D&a3=a&c%40=&a2=r%20b with body c2&a3=2+q.
    const header = signedAuthorizationHeader({
      method: 'post',
      url: 'http://EXAMPLE.com:80/request?b5=%3D%253D&a3=a&c%40=&a2=r%20b#fragment',
      consumer: { key: '9djdj82h48djs9d2', secret: 'j49sk3j29djd' },
      token: 'kkk9d7dh3k39sjv7',
      tokenSecret: 'dh893hdasih9',
      signatureMethod,
      bodyParams: { c2: '', a3: '2 q' },
    })
    const p = headerParams(header)
    expect(p.oauth_signature_method).toBe(signatureMethod)
    const base =
      'POST&http%3A%2F%2Fexample.com%2Frequest&a2%3Dr%2520b%26a3%3D2%2520q%26a3%3Da%26b5%3D%253D%25253D%26c%2540%3D%26c2%3D%26' +
      `oauth_consumer_key%3D9djdj82h48djs9d2%26oauth_nonce%3D${p.oauth_nonce}%26oauth_signature_method%3D${signatureMethod}%26` +
      `oauth_timestamp%3D${p.oauth_timestamp}%26oauth_token%3Dkkk9d7dh3k39sjv7%26oauth_version%3D1.0`
    expect(p.oauth_signature).toBe(createHmac(digest, 'j49sk3j29djd&dh893hdasih9').update(base).digest('base64'))
  })

  it('uses a fresh random nonce per request', () => {
    const sign = () =>
      headerParams(
        signedAuthorizationHeader({
          method: 'GET',
          url: 'https://api.trello.com/1/members/me',
          consumer: { key: 'k', secret: 's' },
          token: 't',
          tokenSecret: 'ts',
          signatureMethod: 'HMAC-SHA1',
        }),
      ).oauth_nonce
    expect(sign()).not.toBe(sign())
  })
})

describe('the fake provider verifies signatures', () => {
  it('rejects a tampered oauth_signature', async () => {
    const req = buildRequestTokenRequest({
      url: provider.urls.requestToken,
      consumer: provider.consumer,
      callbackUrl: CALLBACK,
      signatureMethod: 'HMAC-SHA1',
    })
    const tampered = (req.headers.Authorization as string).replace(
      /oauth_signature="(.)/,
      (_, c: string) => `oauth_signature="${c === 'A' ? 'B' : 'A'}`,
    )
    const res = await http.request(req.url, {
      method: 'POST',
      headers: { ...req.headers, Authorization: tampered },
      body: req.body,
      ...LIMITS,
    })
    expect(res.status).toBe(401)
    expect(res.body.toString()).toBe('oauth_problem=signature_invalid')
    // The untouched request goes through: the refusal was about the signature only.
    const ok = await http.request(req.url, { method: 'POST', headers: req.headers, body: req.body, ...LIMITS })
    expect(ok.status).toBe(200)
  })

  it('rejects a body or query changed after signing', async () => {
    const req = buildRequestTokenRequest({
      url: provider.urls.requestToken,
      consumer: provider.consumer,
      callbackUrl: CALLBACK,
      signatureMethod: 'HMAC-SHA256',
      extraParams: { scope: 'read' },
    })
    const body = await http.request(req.url, { method: 'POST', headers: req.headers, body: 'scope=write', ...LIMITS })
    expect(body.status).toBe(401)
    expect(body.body.toString()).toBe('oauth_problem=signature_invalid')

    const { temp, redirect } = await authorize(provider, 'HMAC-SHA1')
    const creds = await accessToken(http, {
      url: provider.urls.accessToken,
      consumer: provider.consumer,
      ...readCallback(Object.fromEntries(redirect.searchParams)),
      tokenSecret: temp.tokenSecret,
      signatureMethod: 'HMAC-SHA1',
    })
    const sign = (url: string, tokenSecret = creds.tokenSecret) =>
      signedAuthorizationHeader({
        method: 'GET',
        url,
        consumer: provider.consumer,
        token: creds.token,
        tokenSecret,
        signatureMethod: 'HMAC-SHA1',
      })
    const query = await callGet(`${provider.urls.me}?fields=email`, sign(`${provider.urls.me}?fields=id`))
    expect(query.status).toBe(401)
    const secret = await callGet(provider.urls.me, sign(provider.urls.me, 'wrong-secret'))
    expect(secret.status).toBe(401)
    expect((await callGet(provider.urls.me, sign(provider.urls.me))).status).toBe(200)
  })

  it('rejects a replayed nonce', async () => {
    const req = buildRequestTokenRequest({
      url: provider.urls.requestToken,
      consumer: provider.consumer,
      callbackUrl: CALLBACK,
      signatureMethod: 'HMAC-SHA1',
    })
    const send = () => http.request(req.url, { method: 'POST', headers: req.headers, body: req.body, ...LIMITS })
    expect((await send()).status).toBe(200)
    const replay = await send()
    expect(replay.status).toBe(401)
    expect(replay.body.toString()).toBe('oauth_problem=nonce_used')
  })

  it('rejects a timestamp outside the allowed skew', async () => {
    const p = await startFakeOAuth1Provider({ now: () => Date.now() + 3_600_000 })
    try {
      const err = await expectOAuth1Error(
        requestToken(http, { url: p.urls.requestToken, consumer: p.consumer, callbackUrl: CALLBACK, signatureMethod: 'HMAC-SHA1' }),
        'PB_OAUTH1_HTTP',
        401,
      )
      expect(err.problem).toBe('timestamp_refused')
    } finally {
      await p.close()
    }
  })

  it('rejects API calls after the user revoked the app', async () => {
    const p = await startFakeOAuth1Provider()
    try {
      const { temp, redirect } = await authorize(p, 'HMAC-SHA1')
      const creds = await accessToken(http, {
        url: p.urls.accessToken,
        consumer: p.consumer,
        ...readCallback(Object.fromEntries(redirect.searchParams)),
        tokenSecret: temp.tokenSecret,
        signatureMethod: 'HMAC-SHA1',
      })
      p.revokeAccessTokens()
      const sign = signedAuthorizationHeader({
        method: 'GET',
        url: p.urls.me,
        consumer: p.consumer,
        token: creds.token,
        tokenSecret: creds.tokenSecret,
        signatureMethod: 'HMAC-SHA1',
      })
      const res = await callGet(p.urls.me, sign)
      expect(res.status).toBe(401)
      expect(res.body.toString()).toBe('oauth_problem=token_rejected')
    } finally {
      await p.close()
    }
  })
})

describe('outbound policy', () => {
  it('refuses a provider on a private address the policy does not allow, before any request', async () => {
    const before = provider.requests.length
    const strict = new SafeHttpClient(new AddressPolicy())
    try {
      const params = { consumer: provider.consumer, callbackUrl: CALLBACK, signatureMethod: 'HMAC-SHA1' as const }
      // The fake itself, on loopback, which this policy does not allow: over http, and over https by name (refused at DNS lookup).
      for (const url of [provider.urls.requestToken, `https://localhost:${new URL(provider.baseUrl).port}/1/OAuthGetRequestToken`]) {
        await expect(requestToken(strict, { ...params, url })).rejects.toMatchObject({ code: 'PB_OUTBOUND_BLOCKED' })
      }
      // A loopback-allowing policy still refuses other private ranges (no connection attempt: this would hang until the timeout).
      for (const url of [
        'https://10.0.0.1/1/OAuthGetRequestToken',
        'http://192.168.1.1/oauth/request_token',
        'https://169.254.169.254/latest',
      ]) {
        await expect(requestToken(http, { ...params, url, timeoutMs: 60_000 })).rejects.toMatchObject({ code: 'PB_OUTBOUND_BLOCKED' })
        await expect(
          accessToken(http, { ...params, url, token: 't', tokenSecret: 's', verifier: 'v', timeoutMs: 60_000 }),
        ).rejects.toMatchObject({
          code: 'PB_OUTBOUND_BLOCKED',
        })
      }
    } finally {
      await strict.close()
    }
    expect(provider.requests.length).toBe(before)
  })

  it('reports an unreachable provider as PB_OAUTH1_HTTP without a status', async () => {
    const err = await expectOAuth1Error(
      requestToken(http, {
        url: 'http://127.0.0.1:9/1/OAuthGetRequestToken',
        consumer: provider.consumer,
        callbackUrl: CALLBACK,
        signatureMethod: 'HMAC-SHA1',
      }),
      'PB_OAUTH1_HTTP',
    )
    expect(err.status).toBeUndefined()
    expect(err.cause).toBeDefined()
  })
})
