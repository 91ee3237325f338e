/**
 * docs/security.md, "Connection parameters and outbound requests", as it applies to the proxy: the
 * caller's path never leaves the app's base URL, templated URLs stay https and under the app's allowed
 * hosts, private / loopback / link-local targets are refused after DNS resolution unless allowed,
 * redirects are never followed, credentials never go to another host, hop-by-hop and client credential
 * headers are stripped, bodies are capped (see proxy.test.ts for caps and timeouts).
 */
import { createServer, type Server } from 'node:net'
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
} from './proxy-setup.js'

type Echo = { method: string; url: string; headers: Record<string, string>; body: string }
type ErrorBody = { error: { code: string; message: string } }

/** An app whose base URL is whatever the partner's `api_base_url` setting says (dynamic hosts). */
function dynamicApp(key: string): Record<string, unknown> {
  return {
    ...apiKeyApp(key, '{settings.api_base_url}'),
    api: { base_url: '{settings.api_base_url}', allowed_hosts: [], dynamic_hosts: true },
    settings: [{ key: 'api_base_url', label: 'API base URL', pattern: '^https://\\S+$' }],
  }
}

/** Base URL from connection metadata (Salesforce's instance_url), hosts limited to *.example.test. */
function instanceApp(): Record<string, unknown> {
  return {
    ...apiKeyApp('instance', '{metadata.instance_url}/api'),
    api: { base_url: '{metadata.instance_url}/api', allowed_hosts: ['*.example.test'] },
    auth: [
      {
        key: 'api_key',
        type: 'api_key',
        credential_fields: [{ key: 'api_key', label: 'API key', secret: true }],
        credential_check: { url: 'https://login.example.test/me', metadata: { instance_url: 'instance_url' } },
        inject: { headers: { Authorization: 'Bearer {credentials.api_key}' } },
      },
    ],
  }
}

/** Base URL from a connection parameter with a strict pattern. */
function subdomainApp(): Record<string, unknown> {
  return {
    ...apiKeyApp('subdomain', 'https://{params.sub}.example.test/api'),
    api: { base_url: 'https://{params.sub}.example.test/api', allowed_hosts: ['*.example.test'] },
    connection_params: [{ key: 'sub', label: 'Subdomain', pattern: '^[a-z0-9-]{1,40}$' }],
  }
}

/** A TCP port that counts the connections it gets (and answers nothing). */
async function listenCounting(): Promise<{ port: number; connections: () => number; close(): Promise<void> }> {
  let count = 0
  const server: Server = createServer((socket) => {
    count++
    socket.destroy()
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  return {
    port: typeof address === 'object' && address ? address.port : 0,
    connections: () => count,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}

describe.each(databaseTargets)('proxy security ($name)', (target) => {
  let s: ProxySetup
  let evil: Upstream

  beforeAll(async () => {
    evil = await startUpstream()
    s = await startProxySetup(target, {
      apps: (upstream) => [
        dynamicApp('dynamic'),
        instanceApp(),
        subdomainApp(),
        {
          ...apiKeyApp('querykey', `${upstream.url}/q`),
          auth: [
            {
              key: 'api_key',
              type: 'api_key',
              credential_fields: [{ key: 'api_key', label: 'API key', secret: true }],
              inject: { query: { key: '{credentials.api_key}' } },
            },
          ],
        },
      ],
    })
  })
  afterAll(async () => {
    await s?.close()
    await evil?.close()
  })
  beforeEach(() => {
    s.upstream.reset()
    evil.reset()
  })

  async function expectRefused(res: { status: number; body: string }, code: string, what: string): Promise<void> {
    expect(res.status, `${what}: ${res.body}`).toBe(code === 'PB_ERR_VALIDATION' ? 400 : 502)
    expect((JSON.parse(res.body) as ErrorBody).error.code, what).toBe(code)
    expect(res.body).not.toContain(API_KEY)
  }

  describe('the caller’s path stays under the base URL', () => {
    const refused = [
      '/../../admin',
      '/a/../../admin',
      '/./x',
      '/%2e%2e/admin',
      '/%2E%2E%2Fadmin',
      '/.%2e/admin',
      '/..%2fadmin',
      '/%2e%2e%2f%2e%2e%2fadmin',
      '/a%2f..%2f..%2fadmin',
      '/%2fadmin',
      '/%2F%2Fevil.com/x',
      '/http:%2F%2Fevil.com',
      '/%5c%5cevil.com',
      '/..%5cadmin',
      '//evil.com/x',
      '/a//b',
      '/%252e%252e/admin',
      '/%252fadmin',
      '/x%00y',
      '/x%0d%0aX-Injected:%20yes',
    ]

    it.each(refused)('refuses %s with 400 PB_ERR_VALIDATION and sends nothing', async (tail) => {
      const res = await rawRequest(s.t.url, { path: `/v1/proxy/${s.conn}${tail}`, headers: s.alice.auth })
      await expectRefused(res, 'PB_ERR_VALIDATION', tail)
      expect(s.upstream.requests).toHaveLength(0)
      expect(evil.requests).toHaveLength(0)
    })

    it('refuses a raw backslash and a broken escape (by Patchbay or by the HTTP layer) and sends nothing', async () => {
      for (const tail of ['/a\\b', '/\\\\evil.com/x', '/..\\admin', '/%zz', '/a%2']) {
        const res = await rawRequest(s.t.url, { path: `/v1/proxy/${s.conn}${tail}`, headers: s.alice.auth })
        expect(res.status, tail).toBe(400)
        // Fastify answers a malformed escape itself, in its own error shape, before any route runs.
        const json = res.headers['content-type']?.startsWith('application/json') ? (JSON.parse(res.body) as Partial<ErrorBody>) : {}
        if (typeof json.error === 'object') expect(json.error.code, tail).toBe('PB_ERR_VALIDATION')
      }
      expect(s.upstream.requests).toHaveLength(0)
    })

    it.each([
      ['/@evil.com', '/api/@evil.com'],
      ['/@evil.com/x?y=1', '/api/@evil.com/x?y=1'],
      ['/evil.com:80/x', '/api/evil.com:80/x'],
      ['/http:/evil.com', '/api/http:/evil.com'],
      ['?@evil.com', '/api?@evil.com'],
      ['/groups/a%2Fb', '/api/groups/a%2Fb'],
      ['/a%2Fb%2Fc/files', '/api/a%2Fb%2Fc/files'],
      ['/x?next=//evil.com&u=http://evil.com/', '/api/x?next=//evil.com&u=http://evil.com/'],
    ])('keeps %s under the base URL (the app gets %s on its own host)', async (tail, expected) => {
      const res = await rawRequest(s.t.url, { path: `/v1/proxy/${s.conn}${tail}`, headers: s.alice.auth })
      expect(res.status, res.body).toBe(200)
      expect((JSON.parse(res.body) as Echo).url).toBe(expected)
      expect(s.upstream.requests).toHaveLength(1)
      expect(evil.requests).toHaveLength(0)
    })

    it('is not steered by an absolute-form request target or a Host header', async () => {
      const evilHost = new URL(evil.url).host
      const absolute = await rawRequest(s.t.url, { path: `${evil.url}/v1/proxy/${s.conn}/x`, headers: s.alice.auth })
      expect(absolute.status).toBeGreaterThanOrEqual(400)
      const host = await rawRequest(s.t.url, { path: `/v1/proxy/${s.conn}/x`, headers: { ...s.alice.auth, host: evilHost } })
      expect(host.status).toBe(200)
      expect((JSON.parse(host.body) as Echo).headers.host).toBe(`127.0.0.1:${s.upstream.port}`)
      expect(evil.requests).toHaveLength(0)
      expect(evil.connections).toBe(0)
    })
  })

  describe('headers', () => {
    it('forwards none of the caller’s credentials, cookies, routing or hop-by-hop headers', async () => {
      const res = await rawRequest(s.t.url, {
        path: `/v1/proxy/${s.conn}/headers`,
        method: 'POST',
        headers: {
          ...s.alice.auth,
          cookie: 'session=browser-session-cookie',
          host: 'evil.example',
          forwarded: 'for=203.0.113.9;host=evil.example',
          'x-forwarded-for': '203.0.113.9',
          'x-forwarded-host': 'evil.example',
          'x-forwarded-proto': 'http',
          'x-real-ip': '203.0.113.9',
          'proxy-authorization': 'Basic cHJveHk6c2VjcmV0',
          'proxy-connection': 'keep-alive',
          connection: 'keep-alive, x-hop-by-hop',
          'x-hop-by-hop': 'listed in Connection',
          'keep-alive': 'timeout=5',
          te: 'trailers',
          trailer: 'x-checksum',
          upgrade: 'websocket',
          'patchbay-retry-429': '0',
          'x-api-version': 'caller-chosen',
          'x-kept': 'kept',
          'content-type': 'text/plain',
        },
        body: 'body',
      })
      expect(res.status, res.body).toBe(200)
      const seen = s.upstream.requests[0]
      expect(seen?.headers.authorization).toBe(`Bearer ${API_KEY}`)
      expect(
        seen?.rawHeaders
          .filter((_, i) => i % 2 === 0)
          .map((n) => n.toLowerCase())
          .filter((n) => n === 'authorization'),
      ).toHaveLength(1)
      expect(seen?.headers.host).toBe(`127.0.0.1:${s.upstream.port}`)
      for (const name of [
        'cookie',
        'forwarded',
        'x-forwarded-for',
        'x-forwarded-host',
        'x-forwarded-proto',
        'x-real-ip',
        'proxy-authorization',
        'proxy-connection',
        'x-hop-by-hop',
        'keep-alive',
        'te',
        'trailer',
        'upgrade',
        'patchbay-retry-429',
      ]) {
        expect(seen?.headers[name], name).toBeUndefined()
      }
      expect(seen?.headers['x-api-version']).toBe('2024-01-01')
      expect(seen?.headers['x-kept']).toBe('kept')
      expect(seen?.body).toBe('body')
      expect(JSON.stringify(seen?.headers)).not.toContain(s.alice.token)
    })

    it('passes back neither the app’s cookies, hop-by-hop headers, nor a header carrying a credential', async () => {
      s.upstream.handle((_req, res) => {
        res.setHeader('set-cookie', ['provider_session=abc; Path=/; HttpOnly', 'other=1'])
        res.setHeader('connection', 'keep-alive, x-hop-response')
        res.setHeader('x-hop-response', 'listed in Connection')
        res.setHeader('keep-alive', 'timeout=5')
        res.setHeader('proxy-authenticate', 'Basic realm="upstream"')
        res.setHeader('x-echoed-key', `key=${API_KEY}`)
        res.setHeader('x-echoed-encoded', encodeURIComponent(`Bearer ${API_KEY}`))
        res.setHeader('x-fine', 'ok')
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}')
      })
      const res = await rawRequest(s.t.url, { path: `/v1/proxy/${s.conn}/cookies`, headers: s.alice.auth })
      expect(res.status).toBe(200)
      expect(res.headers['set-cookie']).toBeUndefined()
      expect(res.headers['x-hop-response']).toBeUndefined()
      expect(res.headers['proxy-authenticate']).toBeUndefined()
      expect(res.headers['x-echoed-key']).toBeUndefined()
      expect(res.headers['x-echoed-encoded']).toBeUndefined()
      expect(res.headers['x-fine']).toBe('ok')
      expect(JSON.stringify(res.headers)).not.toContain(API_KEY)
    })
  })

  describe('redirects', () => {
    function redirectTo(status: number, location: string) {
      s.upstream.handle((_req, res) => {
        res.writeHead(status, { location, 'content-type': 'text/plain' }).end('moved')
      })
    }

    it('never follows a redirect to another host, and sends it nothing', async () => {
      for (const status of [301, 302, 303, 307, 308]) {
        redirectTo(status, `${evil.url}/steal?from=proxy`)
        const res = await fetch(s.proxyUrl(s.conn, '/moved'), {
          method: 'POST',
          headers: { ...s.alice.auth, 'content-type': 'text/plain' },
          body: 'secret body',
          redirect: 'manual',
        })
        expect(res.status).toBe(status)
        expect(res.headers.get('location')).toBe(`${evil.url}/steal?from=proxy`)
        expect(await res.text()).toBe('moved')
      }
      expect(s.upstream.requests).toHaveLength(5)
      expect(evil.requests).toHaveLength(0)
      expect(evil.connections).toBe(0)
    })

    it('sends a redirect under the base URL back as a proxy URL, so following it goes through Patchbay again', async () => {
      redirectTo(307, '/api/v2/items?page=2')
      const res = await fetch(s.proxyUrl(s.conn, '/v1/items'), { headers: s.alice.auth, redirect: 'manual' })
      expect(res.status).toBe(307)
      expect(res.headers.get('location')).toBe(s.proxyUrl(s.conn, '/v2/items?page=2'))

      redirectTo(302, 'relative/next')
      const relative = await fetch(s.proxyUrl(s.conn, '/list/'), { headers: s.alice.auth, redirect: 'manual' })
      expect(relative.headers.get('location')).toBe(s.proxyUrl(s.conn, '/list/relative/next'))

      redirectTo(302, `${s.upstream.url}/elsewhere`)
      const outside = await fetch(s.proxyUrl(s.conn, '/x'), { headers: s.alice.auth, redirect: 'manual' })
      expect(outside.headers.get('location')).toBe(`${s.upstream.url}/elsewhere`)
    })

    it('never passes back a Location carrying a credential', async () => {
      redirectTo(302, `${evil.url}/callback?api_key=${API_KEY}`)
      const res = await fetch(s.proxyUrl(s.conn, '/x'), { headers: s.alice.auth, redirect: 'manual' })
      expect(res.status).toBe(302)
      expect(res.headers.get('location')).toBeNull()

      // Injected query credentials are taken out of a rewritten Location.
      const bob = await endUser(s.t, 'bob-redirect')
      const id = await addConnection(s.t, bob, { app: 'querykey', credentials: { api_key: API_KEY } })
      redirectTo(302, `/q/next?key=${API_KEY}&page=2`)
      const query = await fetch(s.proxyUrl(id, '/first'), { headers: bob.auth, redirect: 'manual' })
      expect(query.headers.get('location')).toBe(s.proxyUrl(id, '/next?page=2'))
      expect(s.upstream.requests.at(-1)?.url).toBe(`/q/first?key=${API_KEY}`)
      expect(evil.requests).toHaveLength(0)
    })
  })

  describe('outbound addresses', () => {
    async function dynamicConnection(sub: string, baseUrl: string): Promise<{ id: string; auth: { authorization: string } }> {
      await s.t.server.services.partnerApps.set(s.t.partner.id, 'dynamic', { settings: { api_base_url: baseUrl } })
      s.t.server.services.proxy.forget()
      const user = await endUser(s.t, sub)
      return { id: await addConnection(s.t, user, { app: 'dynamic', credentials: { api_key: API_KEY } }), auth: user.auth }
    }

    it.each([
      'https://169.254.169.254/latest/meta-data',
      'https://[::ffff:169.254.169.254]/latest',
      'https://[::ffff:a9fe:a9fe]/',
      'https://[fe80::1]/',
      'https://10.0.0.1/',
      'https://0.0.0.0/',
    ])('refuses %s (link-local, private, IPv4-mapped) before connecting', async (baseUrl) => {
      const { id, auth } = await dynamicConnection(`dyn-${baseUrl.length}-${Math.random()}`, baseUrl)
      const res = await fetch(s.proxyUrl(id, '/x'), { headers: auth })
      const body = await res.text()
      await expectRefused({ status: res.status, body }, 'PB_ERR_OUTBOUND_BLOCKED', baseUrl)
    })

    it("refuses a base URL whose host is not among the app's allowed hosts", async () => {
      const user = await endUser(s.t, 'frank-instance')
      const id = await addConnection(s.t, user, {
        app: 'instance',
        credentials: { api_key: API_KEY },
        metadata: { instance_url: s.upstream.url },
      })
      const res = await fetch(s.proxyUrl(id, '/x'), { headers: user.auth })
      await expectRefused({ status: res.status, body: await res.text() }, 'PB_ERR_OUTBOUND_BLOCKED', 'instance_url outside allowed hosts')
      expect(s.upstream.requests).toHaveLength(0)
      expect(s.upstream.connections).toBe(0)
    })

    it('re-checks templated connection parameters against their pattern', async () => {
      const user = await endUser(s.t, 'frank-params')
      for (const sub of ['evil.com/x', '127.0.0.1:80@x', 'a.b', '']) {
        const id = await addConnection(s.t, user, { app: 'subdomain', credentials: { api_key: API_KEY }, params: { sub } })
        const res = await fetch(s.proxyUrl(id, '/x'), { headers: user.auth })
        await expectRefused({ status: res.status, body: await res.text() }, 'PB_ERR_OUTBOUND_BLOCKED', sub)
      }
    })
  })

  it('logs proxied calls without a credential or the caller’s token', async () => {
    // A caller putting a secret in the query: forwarded as asked, censored in the log line.
    const res = await fetch(s.proxyUrl(s.conn, `/logged?api_key=${API_KEY}`), { headers: s.alice.auth })
    expect(res.status).toBe(200)
    await res.arrayBuffer()
    const logs = s.t.logs.join('\n')
    // Served outside Fastify's request lifecycle, proxied calls are still logged like every route.
    expect(logs).toMatch(/"url":"\/v1\/proxy\/[^"]+\/logged\?api_key=\[REDACTED\]".*"statusCode":200.*"request completed"/)
    expect(logs).not.toContain(API_KEY)
    expect(logs).not.toContain(s.alice.token)
  })
})

describe.each(databaseTargets)('proxy with no private ranges allowed ($name)', (target) => {
  let t: TestServer
  let tcp: Awaited<ReturnType<typeof listenCounting>>
  let user: Awaited<ReturnType<typeof endUser>>

  beforeAll(async () => {
    tcp = await listenCounting()
    t = await startTestServer({
      target,
      // The partner's JWKS is inline: its local JWKS endpoint is out of reach here too.
      inlineJwks: true,
      config: {
        'outbound.allowPrivateRanges': [],
        apps: [
          {
            ...apiKeyApp('lh', `https://localhost:${tcp.port}/api`),
            api: { base_url: `https://localhost:${tcp.port}/api`, allowed_hosts: ['localhost'] },
          },
          apiKeyApp('plain', `http://127.0.0.1:${tcp.port}/api`),
          dynamicApp('dynamic'),
        ],
      },
    })
    user = await endUser(t, 'grace')
  })
  afterAll(async () => {
    await t?.close()
    await tcp?.close()
  })

  async function refused(id: string): Promise<ErrorBody> {
    const res = await fetch(`${t.url}/v1/proxy/${id}/x`, { method: 'POST', headers: user.auth, body: 'payload' })
    expect(res.status).toBe(502)
    const json = (await res.json()) as ErrorBody
    expect(json.error.code).toBe('PB_ERR_OUTBOUND_BLOCKED')
    expect(JSON.stringify(json)).not.toContain(API_KEY)
    return json
  }

  it('refuses a host name that resolves to a loopback address, after DNS resolution', async () => {
    const id = await addConnection(t, user, { app: 'lh', credentials: { api_key: API_KEY } })
    const json = await refused(id)
    expect(json.error.message).toContain('private, loopback or reserved address')
    expect(tcp.connections()).toBe(0)
  })

  it('refuses plain http and IP literals outside the allowed ranges', async () => {
    await refused(await addConnection(t, user, { app: 'plain', credentials: { api_key: API_KEY } }))
    await t.server.services.partnerApps.set(t.partner.id, 'dynamic', { settings: { api_base_url: `https://[::ffff:7f00:1]:${tcp.port}/` } })
    await refused(await addConnection(t, user, { app: 'dynamic', credentials: { api_key: API_KEY } }))
    await t.server.services.partnerApps.set(t.partner.id, 'dynamic', { settings: { api_base_url: `https://127.0.0.1:${tcp.port}/` } })
    t.server.services.proxy.forget()
    await refused(await addConnection(t, user, { app: 'dynamic', credentials: { api_key: API_KEY } }))
    expect(tcp.connections()).toBe(0)
  })
})
