import { createHash, createHmac, randomBytes } from 'node:crypto'
import { createServer, request as httpRequest, type Server } from 'node:http'
import { type AddressInfo, connect } from 'node:net'
import OAuth from 'oauth-1.0a'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { databaseTargets } from '../helpers/databases.js'
import { startTestServer, type TestServer } from '../helpers/test-server.js'
import {
  API_KEY,
  addConnection,
  apiKeyApp,
  endUser,
  type ProxySetup,
  rawRequest,
  startProxySetup,
  startUpstream,
  type Upstream,
  until,
} from './proxy-setup.js'

const MiB = 1024 * 1024

/** A provider token endpoint on 127.0.0.1 that counts refreshes and hands out numbered tokens. */
interface TokenServer {
  url: string
  refreshes: number
  /** Answer the next refreshes with `invalid_grant`. */
  revoked: boolean
  close(): Promise<void>
}

async function startTokenServer(): Promise<TokenServer> {
  const state = { url: '', refreshes: 0, revoked: false, close: async () => {} }
  const server: Server = createServer((req, res) => {
    let body = ''
    req.on('data', (c: Buffer) => {
      body += c.toString()
    })
    req.on('end', () => {
      const form = new URLSearchParams(body)
      if (req.url !== '/token' || form.get('grant_type') !== 'refresh_token') {
        res.writeHead(400, { 'content-type': 'application/json' }).end('{"error":"unsupported_grant_type"}')
        return
      }
      state.refreshes++
      // Slow enough for concurrent 401s to overlap.
      setTimeout(() => {
        if (state.revoked) {
          res.writeHead(400, { 'content-type': 'application/json' }).end('{"error":"invalid_grant","error_description":"revoked"}')
          return
        }
        const n = state.refreshes
        res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(
            JSON.stringify({ access_token: `new-token-${n}`, refresh_token: `refresh-${n + 1}`, expires_in: 3600, token_type: 'Bearer' }),
          )
      }, 50)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  state.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections()
      server.close(() => resolve())
    })
  return state
}

function oauthApp(upstream: Upstream, tokens: TokenServer): Record<string, unknown> {
  return {
    key: 'oauthapp',
    name: 'Local OAuth API',
    description: 'An OAuth2 app on the local upstream',
    categories: ['developer-tools'],
    docs_url: 'https://example.test/docs',
    api: { base_url: `${upstream.url}/api`, allowed_hosts: ['127.0.0.1'] },
    auth: [
      { key: 'oauth2', type: 'oauth2', authorization_url: `${tokens.url}/authorize`, token_url: `${tokens.url}/token`, scopes: ['read'] },
    ],
  }
}

function queryApp(upstream: Upstream): Record<string, unknown> {
  return {
    ...apiKeyApp('querykey', `${upstream.url}/q/`),
    auth: [
      {
        key: 'api_key',
        type: 'api_key',
        credential_fields: [{ key: 'api_key', label: 'API key', secret: true }],
        inject: { query: { key: '{credentials.api_key}' } },
      },
    ],
  }
}

function oauth1App(upstream: Upstream): Record<string, unknown> {
  return {
    ...apiKeyApp('oauth1app', `${upstream.url}/1.1`),
    auth: [
      {
        key: 'oauth1',
        type: 'oauth1',
        request_token_url: `${upstream.url}/oauth/request_token`,
        authorization_url: `${upstream.url}/oauth/authorize`,
        access_token_url: `${upstream.url}/oauth/access_token`,
        signature_method: 'HMAC-SHA1',
      },
    ],
  }
}

function rootApp(upstream: Upstream): Record<string, unknown> {
  return apiKeyApp('rootapp', upstream.url)
}

type Echo = { method: string; url: string; headers: Record<string, string>; body: string; bytes: number }

describe.each(databaseTargets)('proxy ($name)', (target) => {
  let s: ProxySetup
  let tokens: TokenServer

  beforeAll(async () => {
    tokens = await startTokenServer()
    s = await startProxySetup(target, {
      apps: (upstream) => [oauthApp(upstream, tokens), queryApp(upstream), rootApp(upstream), oauth1App(upstream)],
      config: {
        proxy: {
          // Status read on every request: the tests below change it and expect the next call to see it.
          statusTtlMs: 0,
          replayBytes: 64 * 1024,
          maxRequestBytes: 12 * MiB,
          maxResponseBytes: 12 * MiB,
          headersTimeoutMs: 1000,
          bodyTimeoutMs: 1000,
          retryAfterMaxSeconds: 2,
        },
      },
    })
    await s.t.server.services.partnerApps.set(s.t.partner.id, 'oauthapp', { clientId: 'local-client', clientSecret: 'local-client-secret' })
    await s.t.server.services.partnerApps.set(s.t.partner.id, 'oauth1app', { clientId: 'consumer-key', clientSecret: 'consumer-secret' })
  })
  afterAll(async () => {
    await s?.close()
    await tokens?.close()
  })
  beforeEach(() => {
    s.upstream.reset()
    tokens.refreshes = 0
    tokens.revoked = false
  })

  async function call(tail: string, init: RequestInit = {}, id = s.conn): Promise<Response> {
    return fetch(s.proxyUrl(id, tail), { ...init, headers: { ...s.alice.auth, ...(init.headers as Record<string, string>) } })
  }

  describe('pass-through', () => {
    it('forwards a GET with its path and query under the base URL, credentials and app headers injected', async () => {
      const res = await call('/users/42?expand=teams&q=a%20b&list=1&list=2', {
        headers: { accept: 'application/json', 'x-request-id': 'r-1' },
      })
      expect(res.status).toBe(200)
      expect(res.headers.get('x-upstream')).toBe('yes')
      expect(res.headers.get('patchbay-connection-id')).toBe(s.conn)
      const echo = (await res.json()) as Echo
      expect(echo.method).toBe('GET')
      expect(echo.url).toBe('/api/users/42?expand=teams&q=a%20b&list=1&list=2')
      expect(echo.headers.authorization).toBe(`Bearer ${API_KEY}`)
      expect(echo.headers['x-api-version']).toBe('2024-01-01')
      expect(echo.headers['x-request-id']).toBe('r-1')
      expect(echo.headers.accept).toBe('application/json')
      expect(echo.headers.host).toBe(`127.0.0.1:${s.upstream.port}`)
    })

    it.each(['POST', 'PUT', 'PATCH', 'DELETE'])('forwards a %s with its body and content type', async (method) => {
      const body = JSON.stringify({ name: 'Ada', method })
      const res = await call('/items/7?dry_run=1', { method, headers: { 'content-type': 'application/json; charset=utf-8' }, body })
      expect(res.status).toBe(200)
      const echo = (await res.json()) as Echo
      expect(echo.method).toBe(method)
      expect(echo.url).toBe('/api/items/7?dry_run=1')
      expect(echo.body).toBe(body)
      expect(echo.headers['content-type']).toBe('application/json; charset=utf-8')
      expect(echo.headers['content-length']).toBe(String(Buffer.byteLength(body)))
      expect(echo.headers.authorization).toBe(`Bearer ${API_KEY}`)
    })

    it('forwards a form body and a chunked body of unknown length', async () => {
      const form = await call('/form', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'a=1&b=two',
      })
      expect(((await form.json()) as Echo).body).toBe('a=1&b=two')
      const res = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = httpRequest(
          s.proxyUrl(s.conn, '/chunked'),
          { method: 'POST', headers: { ...s.alice.auth, 'content-type': 'text/plain', 'transfer-encoding': 'chunked' } },
          (r) => {
            let text = ''
            r.on('data', (c: Buffer) => {
              text += c.toString()
            })
            r.on('end', () => resolve({ status: r.statusCode ?? 0, body: text }))
          },
        )
        req.on('error', reject)
        req.write('hello ')
        req.end('world')
      })
      expect(res.status).toBe(200)
      expect((JSON.parse(res.body) as Echo).body).toBe('hello world')
    })

    it('forwards to the base URL itself, keeps a trailing slash, and works with a base URL at the root', async () => {
      expect(((await (await call('')).json()) as Echo).url).toBe('/api')
      expect(((await (await call('/')).json()) as Echo).url).toBe('/api/')
      expect(((await (await call('?page=2')).json()) as Echo).url).toBe('/api?page=2')
      const bob = await endUser(s.t, 'bob-root')
      const root = await addConnection(s.t, bob, { app: 'rootapp', credentials: { api_key: API_KEY } })
      const res = await fetch(s.proxyUrl(root, '/v3/things'), { headers: bob.auth })
      expect(((await res.json()) as Echo).url).toBe('/v3/things')
      expect(((await (await fetch(s.proxyUrl(root), { headers: bob.auth })).json()) as Echo).url).toBe('/')
    })

    it('injects query credentials, which the caller cannot override', async () => {
      const bob = await endUser(s.t, 'bob-query')
      const id = await addConnection(s.t, bob, { app: 'querykey', credentials: { api_key: 'query_secret_key_123' } })
      const res = await fetch(s.proxyUrl(id, '/search?key=attacker&term=x&key=again'), { headers: bob.auth })
      const echo = (await res.json()) as Echo
      expect(echo.url).toBe('/q/search?term=x&key=query_secret_key_123')
      expect(echo.headers.authorization).toBeUndefined()
    })

    it("passes the app's errors back as they are", async () => {
      s.upstream.handle((_req, res) => {
        res.writeHead(404, { 'content-type': 'application/json', 'x-rate-remaining': '9' }).end('{"message":"Not Found"}')
      })
      const res = await call('/missing')
      expect(res.status).toBe(404)
      expect(res.headers.get('x-rate-remaining')).toBe('9')
      expect(await res.json()).toEqual({ message: 'Not Found' })
      s.upstream.handle((_req, res) => {
        res.writeHead(503, { 'content-type': 'text/plain', 'content-length': '4' }).end('down')
      })
      const down = await call('/x')
      expect(down.status).toBe(503)
      expect(down.headers.get('content-length')).toBe('4')
      expect(await down.text()).toBe('down')
    })

    it('answers HEAD and 204 without a body', async () => {
      s.upstream.handle((req, res) => {
        if (req.method === 'HEAD') res.writeHead(200, { 'content-type': 'application/json', 'content-length': '1234', etag: '"v1"' }).end()
        else res.writeHead(204, { etag: '"v2"' }).end()
      })
      const head = await call('/file', { method: 'HEAD' })
      expect(head.status).toBe(200)
      expect(head.headers.get('content-length')).toBe('1234')
      expect(head.headers.get('etag')).toBe('"v1"')
      const none = await call('/file', { method: 'DELETE' })
      expect(none.status).toBe(204)
      expect(none.headers.get('etag')).toBe('"v2"')
      expect(await none.text()).toBe('')
      expect(s.upstream.requests.map((r) => r.method)).toEqual(['HEAD', 'DELETE'])
    })
  })

  describe('OAuth 1.0a', () => {
    it('signs each request (query and form body included) instead of injecting a header', async () => {
      const user = await endUser(s.t, 'olivia-oauth1')
      const id = await addConnection(s.t, user, {
        app: 'oauth1app',
        authOption: 'oauth1',
        authType: 'oauth1',
        credentials: { oauth_token: 'token-123', oauth_token_secret: 'token-secret-456' },
      })
      const res = await fetch(s.proxyUrl(id, '/statuses/update.json?include_entities=true'), {
        method: 'POST',
        headers: { ...user.auth, 'content-type': 'application/x-www-form-urlencoded' },
        body: 'status=Hello%20Ladies%20%2B%20Gentlemen%2C%20a%20signed%20OAuth%20request%21',
      })
      expect(res.status).toBe(200)
      const seen = s.upstream.requests[0]
      expect(seen?.url).toBe('/1.1/statuses/update.json?include_entities=true')
      const header = seen?.headers.authorization ?? ''
      expect(header).toMatch(/^OAuth /)
      const params = Object.fromEntries(
        [...header.slice(6).matchAll(/([a-z_]+)="([^"]*)"/g)].map((m) => [m[1] as string, decodeURIComponent(m[2] as string)]),
      )
      expect(params).toMatchObject({
        oauth_consumer_key: 'consumer-key',
        oauth_token: 'token-123',
        oauth_signature_method: 'HMAC-SHA1',
        oauth_version: '1.0',
      })
      // The provider's check: recompute the signature with the same nonce and timestamp.
      const oauth = new OAuth({
        consumer: { key: 'consumer-key', secret: 'consumer-secret' },
        signature_method: 'HMAC-SHA1',
        hash_function: (base, key) => createHmac('sha1', key).update(base).digest('base64'),
      })
      oauth.getNonce = () => params.oauth_nonce as string
      oauth.getTimeStamp = () => Number(params.oauth_timestamp)
      const expected = oauth.authorize(
        {
          url: `${s.upstream.url}/1.1/statuses/update.json`,
          method: 'POST',
          data: { include_entities: 'true', status: 'Hello Ladies + Gentlemen, a signed OAuth request!' },
        },
        { key: 'token-123', secret: 'token-secret-456' },
      )
      expect(params.oauth_signature).toBe(expected.oauth_signature)
      // A fresh nonce every time.
      await fetch(s.proxyUrl(id, '/statuses/home_timeline.json'), { headers: user.auth })
      expect(s.upstream.requests[1]?.headers.authorization).not.toContain(`oauth_nonce="${params.oauth_nonce}"`)
    })
  })

  describe('access', () => {
    it('refuses a caller without a token, and a token without the proxy scope', async () => {
      const none = await fetch(s.proxyUrl(s.conn, '/x'))
      expect(none.status).toBe(401)
      const narrow = await endUser(s.t, 'alice', 'connect')
      const res = await fetch(s.proxyUrl(s.conn, '/x'), { headers: narrow.auth })
      expect(res.status).toBe(403)
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('PB_ERR_INSUFFICIENT_SCOPE')
      expect(s.upstream.requests).toHaveLength(0)
    })

    it("answers another user's connection, and an unknown one, as not found", async () => {
      const mallory = await endUser(s.t, 'mallory')
      for (const [id, auth] of [
        [s.conn, mallory.auth],
        ['conn_doesnotexist', s.alice.auth],
        ['conn_bad%2Fid', s.alice.auth],
      ] as const) {
        const res = await fetch(s.proxyUrl(id, '/x'), { method: 'POST', headers: auth, body: 'data' })
        expect(res.status, id).toBe(404)
        expect(((await res.json()) as { error: { code: string } }).error.code).toBe('PB_ERR_NOT_FOUND')
      }
      expect(s.upstream.requests).toHaveLength(0)
    })

    it('answers 409 PB_ERR_CREDENTIAL_REVOKED for a needs_reauth connection, at once even when cached', async () => {
      const bob = await endUser(s.t, 'bob-reauth')
      const id = await addConnection(s.t, bob, { app: 'local', credentials: { api_key: API_KEY } })
      expect((await fetch(s.proxyUrl(id, '/x'), { headers: bob.auth })).status).toBe(200)
      const db = s.t.server.services.database.db
      await db
        .updateTable('connections')
        .set({ status: 'needs_reauth', status_reason: 'revoked at the provider' })
        .where('id', '=', id)
        .execute()
      s.upstream.reset()
      const res = await fetch(s.proxyUrl(id, '/x'), { headers: bob.auth })
      expect(res.status).toBe(409)
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('PB_ERR_CREDENTIAL_REVOKED')
      expect(s.upstream.requests).toHaveLength(0)
      await db.deleteFrom('connections').where('id', '=', id).execute()
      expect((await fetch(s.proxyUrl(id, '/x'), { headers: bob.auth })).status).toBe(404)
    })

    it('uses new credentials as soon as they are written (the cache is keyed by version)', async () => {
      const bob = await endUser(s.t, 'bob-rotate')
      const id = await addConnection(s.t, bob, { app: 'local', credentials: { api_key: 'first_key_0000000' } })
      expect(((await (await fetch(s.proxyUrl(id, '/x'), { headers: bob.auth })).json()) as Echo).headers.authorization).toBe(
        'Bearer first_key_0000000',
      )
      const { db } = s.t.server.services.database
      await db.transaction().execute((trx) =>
        s.t.server.services.connections.reauthorize(trx, { partnerId: bob.partnerId, endUserId: bob.endUserId }, id, {
          appKey: 'local',
          authOption: 'api_key',
          authType: 'api_key',
          accountIdentifier: null,
          scopes: [],
          params: {},
          metadata: {},
          credentials: { api_key: 'second_key_000000' },
          expiresAt: null,
        }),
      )
      expect(((await (await fetch(s.proxyUrl(id, '/x'), { headers: bob.auth })).json()) as Echo).headers.authorization).toBe(
        'Bearer second_key_000000',
      )
    })
  })

  describe('401, refresh and retry', () => {
    async function oauthConnection(sub: string): Promise<{ id: string; auth: { authorization: string } }> {
      const user = await endUser(s.t, sub)
      const id = await addConnection(s.t, user, {
        app: 'oauthapp',
        authOption: 'oauth2',
        authType: 'oauth2',
        credentials: { access_token: 'old-token', refresh_token: 'refresh-0', token_type: 'Bearer' },
        expiresAt: Date.now() + 3600_000,
      })
      return { id, auth: user.auth }
    }

    const acceptNewTokens = () =>
      s.upstream.handle((req, res, recorded) => {
        const ok = /^Bearer new-token-\d+$/.test(req.headers.authorization ?? '')
        res.writeHead(ok ? 200 : 401, {
          'content-type': 'application/json',
          ...(ok ? {} : { 'www-authenticate': 'Bearer error="invalid_token"' }),
        })
        res.end(JSON.stringify({ ok, auth: req.headers.authorization, body: recorded.body }))
      })

    it('refreshes once and retries once after a 401, with the same body', async () => {
      const { id, auth } = await oauthConnection('carol-401')
      acceptNewTokens()
      const res = await fetch(s.proxyUrl(id, '/me'), {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body: '{"x":1}',
      })
      expect(res.status).toBe(200)
      expect(await res.json()).toEqual({ ok: true, auth: 'Bearer new-token-1', body: '{"x":1}' })
      expect(tokens.refreshes).toBe(1)
      expect(s.upstream.requests.map((r) => [r.headers.authorization, r.body])).toEqual([
        ['Bearer old-token', '{"x":1}'],
        ['Bearer new-token-1', '{"x":1}'],
      ])
      // The new token is kept: the next call goes through at once.
      s.upstream.reset()
      acceptNewTokens()
      expect((await fetch(s.proxyUrl(id, '/me'), { headers: auth })).status).toBe(200)
      expect(s.upstream.requests).toHaveLength(1)
      expect(tokens.refreshes).toBe(1)
    })

    it('refreshes once for many concurrent 401s', async () => {
      const { id, auth } = await oauthConnection('carol-concurrent')
      acceptNewTokens()
      const results = await Promise.all(Array.from({ length: 6 }, () => fetch(s.proxyUrl(id, '/me'), { headers: auth })))
      expect(results.map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 200])
      expect(tokens.refreshes).toBe(1)
      // Calls that arrive after the refresh use the new token straight away; every call ends with it.
      expect(s.upstream.requests.filter((r) => r.headers.authorization === 'Bearer old-token').length).toBeGreaterThanOrEqual(1)
      expect(s.upstream.requests.filter((r) => r.headers.authorization === 'Bearer new-token-1')).toHaveLength(6)
      expect(s.upstream.requests.every((r) => /^Bearer (old-token|new-token-1)$/.test(r.headers.authorization ?? ''))).toBe(true)
    })

    it('passes a second 401 back instead of looping', async () => {
      const { id, auth } = await oauthConnection('carol-twice')
      s.upstream.handle((_req, res) => {
        res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"nope"}')
      })
      const res = await fetch(s.proxyUrl(id, '/me'), { headers: auth })
      expect(res.status).toBe(401)
      expect(await res.json()).toEqual({ error: 'nope' })
      expect(tokens.refreshes).toBe(1)
      expect(s.upstream.requests).toHaveLength(2)
    })

    it('answers 409 when the refresh token is revoked', async () => {
      const { id, auth } = await oauthConnection('carol-revoked')
      acceptNewTokens()
      tokens.revoked = true
      const res = await fetch(s.proxyUrl(id, '/me'), { headers: auth })
      expect(res.status).toBe(409)
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('PB_ERR_CREDENTIAL_REVOKED')
      expect(s.upstream.requests).toHaveLength(1)
      // From then on nothing goes out.
      expect((await fetch(s.proxyUrl(id, '/me'), { headers: auth })).status).toBe(409)
      expect(s.upstream.requests).toHaveLength(1)
      expect(tokens.refreshes).toBe(1)
    })

    it('does not refresh an API-key connection, nor retry a body too large to keep', async () => {
      s.upstream.handle((_req, res) => {
        res.writeHead(401).end('unauthorized')
      })
      const plain = await call('/me')
      expect(plain.status).toBe(401)
      expect(s.upstream.requests).toHaveLength(1)

      const { id, auth } = await oauthConnection('carol-big')
      s.upstream.reset()
      s.upstream.handle((_req, res) => {
        res.writeHead(401).end('unauthorized')
      })
      const big = randomBytes(200 * 1024)
      const res = await fetch(s.proxyUrl(id, '/upload'), { method: 'PUT', headers: auth, body: big })
      expect(res.status).toBe(401)
      expect(s.upstream.requests).toHaveLength(1)
      expect(s.upstream.requests[0]?.bytes).toBe(big.length)
      expect(tokens.refreshes).toBe(0)
    })
  })

  describe('429', () => {
    it('passes a 429 back with its Retry-After', async () => {
      s.upstream.handle((_req, res) => {
        res.writeHead(429, { 'retry-after': '30', 'content-type': 'application/json' }).end('{"error":"slow down"}')
      })
      const res = await call('/busy')
      expect(res.status).toBe(429)
      expect(res.headers.get('retry-after')).toBe('30')
      expect(await res.json()).toEqual({ error: 'slow down' })
      expect(s.upstream.requests).toHaveLength(1)
    })

    it('retries a 429 when asked, honouring Retry-After, and stops at the bound', async () => {
      let n = 0
      s.upstream.handle((_req, res) => {
        n++
        if (n < 3) res.writeHead(429, { 'retry-after': '0' }).end()
        else res.writeHead(200, { 'content-type': 'application/json' }).end('{"done":true}')
      })
      const ok = await call('/busy', { method: 'POST', body: 'payload', headers: { 'patchbay-retry-429': '2' } })
      expect(ok.status).toBe(200)
      expect(await ok.json()).toEqual({ done: true })
      expect(s.upstream.requests.map((r) => r.body)).toEqual(['payload', 'payload', 'payload'])
      expect(s.upstream.requests.every((r) => r.headers['patchbay-retry-429'] === undefined)).toBe(true)

      s.upstream.reset()
      s.upstream.handle((_req, res) => {
        res.writeHead(429, { 'retry-after': '1' }).end()
      })
      const started = Date.now()
      const gaveUp = await call('/busy', { headers: { 'patchbay-retry-429': '3' } })
      expect(gaveUp.status).toBe(429)
      expect(s.upstream.requests).toHaveLength(4)
      expect(Date.now() - started).toBeGreaterThanOrEqual(2900)
    })

    it('does not start another attempt once the caller has gone away', async () => {
      s.upstream.handle((_req, res) => {
        res.writeHead(429, { 'retry-after': '1' }).end()
      })
      const controller = new AbortController()
      const call429 = call('/busy', { headers: { 'patchbay-retry-429': '3' }, signal: controller.signal }).catch((err: Error) => err)
      await until(() => s.upstream.requests.length === 1, 5000, 'the first attempt')
      controller.abort()
      expect(await call429).toBeInstanceOf(Error)
      await new Promise((resolve) => setTimeout(resolve, 1500))
      expect(s.upstream.requests).toHaveLength(1)
    })

    it('does not wait longer than the cap, and refuses a bad Patchbay-Retry-429', async () => {
      s.upstream.handle((_req, res) => {
        res.writeHead(429, { 'retry-after': '60' }).end()
      })
      const started = Date.now()
      const res = await call('/busy', { headers: { 'patchbay-retry-429': '3' } })
      expect(res.status).toBe(429)
      expect(res.headers.get('retry-after')).toBe('60')
      expect(Date.now() - started).toBeLessThan(1000)
      expect(s.upstream.requests).toHaveLength(1)
      for (const bad of ['4', '-1', 'many', '1.5']) {
        const refused = await call('/busy', { headers: { 'patchbay-retry-429': bad } })
        expect(refused.status, bad).toBe(400)
        expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('PB_ERR_VALIDATION')
      }
      expect(s.upstream.requests).toHaveLength(1)
    })
  })

  describe('streaming', () => {
    it('streams a 10 MB request body: the app sees the first chunk before the caller has sent the rest', async () => {
      const body = randomBytes(10 * MiB)
      const status = await new Promise<number>((resolve, reject) => {
        const req = httpRequest(
          s.proxyUrl(s.conn, '/upload'),
          {
            method: 'PUT',
            headers: { ...s.alice.auth, 'content-type': 'application/octet-stream', 'content-length': String(body.length) },
          },
          (res) => {
            res.resume()
            res.on('end', () => resolve(res.statusCode ?? 0))
          },
        )
        req.on('error', reject)
        req.write(body.subarray(0, MiB))
        // Nothing more is sent until the app has received bytes: a buffering proxy would hang here.
        until(() => (s.upstream.requests[0]?.bytes ?? 0) > 0, 5000, 'the first chunk at the app')
          .then(() => {
            for (let offset = MiB; offset < body.length; offset += MiB) req.write(body.subarray(offset, offset + MiB))
            req.end()
          })
          .catch(reject)
      })
      expect(status).toBe(200)
      const seen = s.upstream.requests[0]
      expect(seen?.bytes).toBe(body.length)
      expect(seen?.sha256).toBe(createHash('sha256').update(body).digest('hex'))
      expect(seen?.headers['content-length']).toBe(String(body.length))
    })

    it('streams a 10 MB response body: the caller gets the first chunk before the app has sent the rest', async () => {
      const body = randomBytes(10 * MiB)
      let clientGotFirst: () => void = () => {}
      const firstSeen = new Promise<void>((resolve) => {
        clientGotFirst = resolve
      })
      s.upstream.handle(async (_req, res) => {
        res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(body.length) })
        res.write(body.subarray(0, MiB))
        await firstSeen
        for (let offset = MiB; offset < body.length; offset += MiB) res.write(body.subarray(offset, offset + MiB))
        res.end()
      })
      const received = await new Promise<Buffer>((resolve, reject) => {
        httpRequest(s.proxyUrl(s.conn, '/download'), { headers: s.alice.auth }, (res) => {
          const chunks: Buffer[] = []
          res.on('data', (c: Buffer) => {
            chunks.push(c)
            clientGotFirst()
          })
          res.on('end', () => resolve(Buffer.concat(chunks)))
          res.on('error', reject)
        })
          .on('error', reject)
          .end()
      })
      expect(received.length).toBe(body.length)
      expect(received.equals(body)).toBe(true)
    })

    it('streams a chunked upload of unknown length past the replay size', async () => {
      const body = randomBytes(3 * MiB)
      const res = await fetch(s.proxyUrl(s.conn, '/upload'), {
        method: 'POST',
        headers: s.alice.auth,
        body: new ReadableStream({
          start(controller) {
            for (let offset = 0; offset < body.length; offset += 256 * 1024) controller.enqueue(body.subarray(offset, offset + 256 * 1024))
            controller.close()
          },
        }),
        duplex: 'half',
      } as RequestInit)
      expect(res.status).toBe(200)
      expect(s.upstream.requests[0]?.sha256).toBe(createHash('sha256').update(body).digest('hex'))
    })
  })

  describe('failures', () => {
    it('answers 502 PB_ERR_UPSTREAM when the app does not answer in time', async () => {
      s.upstream.handle(() => new Promise(() => {}))
      const started = Date.now()
      const res = await call('/slow')
      expect(res.status).toBe(502)
      expect(((await res.json()) as { error: { code: string; message: string } }).error).toEqual({
        code: 'PB_ERR_UPSTREAM',
        message: `127.0.0.1:${s.upstream.port} did not answer in time`,
      })
      expect(Date.now() - started).toBeLessThan(5000)
    })

    it('cuts off a response body that stalls', async () => {
      s.upstream.handle((_req, res) => {
        res.writeHead(200, { 'content-type': 'text/plain' })
        res.write('partial')
      })
      const res = await rawRequest(s.t.url, { path: `/v1/proxy/${s.conn}/stall`, headers: s.alice.auth })
      expect(res.status).toBe(200)
      expect(res.aborted).toBe(true)
    })

    it('answers 502 PB_ERR_UPSTREAM when the app cannot be reached', async () => {
      const down = await startUpstream()
      await down.close()
      const t2 = await startTestServer({ target, config: { apps: [apiKeyApp('gone', `${down.url}/api`)] } })
      try {
        const user = await endUser(t2, 'dave')
        const id = await addConnection(t2, user, { app: 'gone', credentials: { api_key: API_KEY } })
        const res = await fetch(`${t2.url}/v1/proxy/${id}/x`, { method: 'POST', headers: user.auth, body: 'x'.repeat(100_000) })
        expect(res.status).toBe(502)
        const json = (await res.json()) as { error: { code: string; message: string } }
        expect(json.error.code).toBe('PB_ERR_UPSTREAM')
        expect(json.error.message).not.toContain(API_KEY)
      } finally {
        await t2.close()
      }
    })
  })
})

describe.each(databaseTargets)('proxy size caps and status TTL ($name)', (target) => {
  let t: TestServer
  let upstream: Upstream
  let auth: { authorization: string }
  let id: string
  const CAP = 256 * 1024
  const STATUS_TTL_MS = 400

  beforeAll(async () => {
    upstream = await startUpstream()
    t = await startTestServer({
      target,
      config: {
        apps: [apiKeyApp('local', `${upstream.url}/api`)],
        proxy: { maxRequestBytes: CAP, maxResponseBytes: CAP, replayBytes: 16 * 1024, statusTtlMs: STATUS_TTL_MS },
      },
    })
    const user = await endUser(t, 'erin')
    auth = user.auth
    id = await addConnection(t, user, { app: 'local', credentials: { api_key: API_KEY } })
  })
  afterAll(async () => {
    await t?.close()
    await upstream?.close()
  })
  beforeEach(() => upstream.reset())

  it('answers 413 for a declared body over the cap without contacting the app', async () => {
    const res = await fetch(`${t.url}/v1/proxy/${id}/upload`, { method: 'POST', headers: auth, body: Buffer.alloc(CAP + 1) })
    expect(res.status).toBe(413)
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('PB_ERR_PAYLOAD_TOO_LARGE')
    expect(upstream.requests).toHaveLength(0)
    // Exactly at the cap is fine.
    expect((await fetch(`${t.url}/v1/proxy/${id}/upload`, { method: 'POST', headers: auth, body: Buffer.alloc(CAP) })).status).toBe(200)
  })

  it('stops a chunked body at the cap: 413, and nothing past the cap reaches the app', async () => {
    const res = await fetch(`${t.url}/v1/proxy/${id}/upload`, {
      method: 'POST',
      headers: auth,
      body: new ReadableStream({
        start(controller) {
          for (let i = 0; i < 8; i++) controller.enqueue(new Uint8Array(64 * 1024))
          controller.close()
        },
      }),
      duplex: 'half',
    } as RequestInit).catch((err: Error) => err)
    if (res instanceof Response) {
      expect(res.status).toBe(413)
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('PB_ERR_PAYLOAD_TOO_LARGE')
    }
    await until(() => upstream.requests.length === 0 || upstream.requests[0]?.aborted === true || upstream.requests[0]?.sha256 !== '', 5000)
    expect(upstream.requests[0]?.bytes ?? 0).toBeLessThanOrEqual(CAP)
    expect(upstream.requests[0]?.sha256 ?? '').toBe('')
  })

  it('refuses a deleted or needs_reauth connection within proxy.statusTtlMs when the status is not read every time', async () => {
    const user = await endUser(t, 'erin-status')
    const id2 = await addConnection(t, user, { app: 'local', credentials: { api_key: API_KEY } })
    const { db } = t.server.services.database
    expect((await fetch(`${t.url}/v1/proxy/${id2}/x`, { headers: user.auth })).status).toBe(200)
    await db.updateTable('connections').set({ status: 'needs_reauth', status_reason: 'revoked' }).where('id', '=', id2).execute()
    await new Promise((resolve) => setTimeout(resolve, STATUS_TTL_MS + 50))
    upstream.reset()
    expect((await fetch(`${t.url}/v1/proxy/${id2}/x`, { headers: user.auth })).status).toBe(409)
    await db.updateTable('connections').set({ status: 'active', status_reason: null }).where('id', '=', id2).execute()
    expect((await fetch(`${t.url}/v1/proxy/${id2}/x`, { headers: user.auth })).status).toBe(200)
    await db.deleteFrom('connections').where('id', '=', id2).execute()
    await new Promise((resolve) => setTimeout(resolve, STATUS_TTL_MS + 50))
    expect((await fetch(`${t.url}/v1/proxy/${id2}/x`, { headers: user.auth })).status).toBe(404)
    expect(upstream.requests).toHaveLength(1)
    // Another user never gets a cached connection, whatever the status TTL.
    const mallory = await endUser(t, 'mallory-status')
    expect((await fetch(`${t.url}/v1/proxy/${id}/x`, { headers: auth })).status).toBe(200)
    expect((await fetch(`${t.url}/v1/proxy/${id}/x`, { headers: mallory.auth })).status).toBe(404)
  })

  it('answers 502 for a response declared over the cap, and cuts off one that grows past it', async () => {
    upstream.handle((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(CAP + 1) }).end(Buffer.alloc(CAP + 1))
    })
    const declared = await fetch(`${t.url}/v1/proxy/${id}/big`, { headers: auth })
    expect(declared.status).toBe(502)
    expect(((await declared.json()) as { error: { code: string } }).error.code).toBe('PB_ERR_UPSTREAM')

    upstream.handle((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream' })
      for (let i = 0; i < 8; i++) res.write(Buffer.alloc(64 * 1024))
      res.end()
    })
    const grown = await rawRequest(t.url, { path: `/v1/proxy/${id}/big`, headers: auth })
    expect(grown.status).toBe(200)
    expect(grown.aborted).toBe(true)
    expect(Buffer.byteLength(grown.body)).toBeLessThanOrEqual(CAP)
  })
})

describe.each(databaseTargets)('proxy during shutdown ($name)', (target) => {
  it('finishes a proxied call in flight and answers a call arriving after close began with 503', async () => {
    const s = await startProxySetup(target)
    let release: () => void = () => {}
    const released = new Promise<void>((resolve) => {
      release = resolve
    })
    // The head goes out before close begins: an answer not yet started would say `Connection: close`
    // instead, and a call pipelined behind it would not be answered at all.
    s.upstream.handle(async (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' })
      res.write('fini')
      await released
      res.end('shed')
    })
    const socket = connect(Number(new URL(s.t.url).port), '127.0.0.1')
    try {
      let received = ''
      socket.on('data', (chunk: Buffer) => {
        received += chunk.toString('latin1')
      })
      const ended = new Promise<void>((resolve) => socket.on('close', () => resolve()))
      const head = (path: string) =>
        `GET /v1/proxy/${s.conn}${path} HTTP/1.1\r\nHost: x\r\nAuthorization: ${s.alice.auth.authorization}\r\n\r\n`
      socket.write(head('/slow'))
      await until(() => received.includes('fini'), 5000, 'the head and first chunk of the first call')
      // Closing waits for the call in flight; a second call pipelined on its connection meanwhile is refused.
      const closed = s.t.server.close()
      // Fastify runs its preClose hooks before it stops listening: once it has, closing has begun.
      await until(() => !s.t.server.app.server.listening, 5000, 'the server to stop listening')
      socket.write(head('/after'))
      await new Promise((resolve) => setTimeout(resolve, 100))
      release()
      await closed
      await ended
      const answers = received.split(/(?=HTTP\/1\.1 )/)
      expect(answers).toHaveLength(2)
      expect(answers[0]).toMatch(/^HTTP\/1\.1 200 /)
      expect(answers[0]).toContain('\r\nfini\r\n4\r\nshed\r\n0\r\n\r\n')
      expect(answers[1]).toMatch(/^HTTP\/1\.1 503 /)
      expect(answers[1]).toMatch(/\r\nconnection: close\r\n/i)
      expect(answers[1]).toContain('"code":"PB_ERR_NOT_READY"')
      expect(s.upstream.requests.map((r) => r.url)).toEqual(['/api/slow'])
    } finally {
      release()
      socket.destroy()
      await s.close()
    }
  })
})
