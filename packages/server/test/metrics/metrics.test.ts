import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ConfigError, loadConfig } from '../../src/config/config.js'
import { databaseTargets } from '../helpers/databases.js'
import { type FakeApi, startFakeApi } from '../helpers/fake-api.js'
import { Scrape } from '../helpers/prometheus.js'
import { startTestServer, type TestServer } from '../helpers/test-server.js'
import { exchange } from '../helpers/token-request.js'
import { queueEvent, type Receiver, startReceiver, waitFor } from '../helpers/webhooks.js'
import { addConnection, apiKeyApp, type EndUser, endUser } from '../proxy/proxy-setup.js'
import { taskActions } from '../runs/run-setup.js'

const TOKEN = 'metrics-token-0123456789abcdef'
const API_KEY = 'sk_metrics_0123456789abcdef'
const HTTP = 'patchbay_http_request_duration_seconds'

/** One stand-in for the apps: the API-key app `tasks` under /api, an OAuth app under /oauth-api with its token endpoint. */
async function startApps(): Promise<FakeApi> {
  const api = await startFakeApi()
  const keyed = (json: unknown) => (req: { headers: { authorization?: string } }) =>
    req.headers.authorization === `Bearer ${API_KEY}` ? { json } : { status: 401, json: { message: 'bad key' } }
  api.route('GET /api/items/:id', (req) => keyed({ id: req.params.id })(req))
  api.route('GET /api/tasks/:id', (req) => keyed({ id: req.params.id, title: `Task ${req.params.id}` })(req))
  // The refresh token says how the provider answers: a new token, invalid_grant, or an outage.
  api.route('POST /token', (req) => {
    const refresh = new URLSearchParams(req.body).get('refresh_token')
    if (refresh === 'refresh-revoked') return { status: 400, json: { error: 'invalid_grant', error_description: 'revoked' } }
    if (refresh === 'refresh-down') return { status: 503, json: { error: 'temporarily_unavailable' } }
    return { json: { access_token: 'new-token', refresh_token: 'refresh-next', expires_in: 3600, token_type: 'Bearer' } }
  })
  api.route('GET /oauth-api/me', (req) =>
    req.headers.authorization === 'Bearer new-token' ? { json: { ok: true } } : { status: 401, json: { error: 'invalid_token' } },
  )
  return api
}

function appsOn(api: FakeApi): Array<Record<string, unknown>> {
  return [
    apiKeyApp('tasks', `${api.url}/api`),
    {
      key: 'oauthapp',
      name: 'Local OAuth API',
      description: 'An OAuth2 app on the local stand-in',
      categories: ['developer-tools'],
      docs_url: 'https://example.test/docs',
      api: { base_url: `${api.url}/oauth-api`, allowed_hosts: ['127.0.0.1'] },
      auth: [{ key: 'oauth2', type: 'oauth2', authorization_url: `${api.url}/authorize`, token_url: `${api.url}/token`, scopes: ['read'] }],
    },
  ]
}

async function scrape(url: string, authorization: string | undefined = `Bearer ${TOKEN}`): Promise<Scrape> {
  const res = await fetch(`${url}/metrics`, { headers: authorization ? { authorization } : {} })
  expect(res.status).toBe(200)
  expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8')
  return new Scrape(await res.text())
}

describe('metrics settings', () => {
  it('are off unless a token or a listen address is set, and read from PATCHBAY_METRICS_TOKEN and PATCHBAY_METRICS_LISTEN', () => {
    expect(loadConfig({}).metrics).toEqual({})
    const config = loadConfig({ PATCHBAY_METRICS_TOKEN: TOKEN, PATCHBAY_METRICS_LISTEN: '127.0.0.1:9464' })
    expect(config.metrics).toEqual({ token: TOKEN, listen: '127.0.0.1:9464' })
    expect(loadConfig({ PATCHBAY_METRICS_LISTEN: '[::1]:9464' }).metrics.listen).toBe('[::1]:9464')
  })

  it('refuses a short token without quoting it, and a listen address without a port', () => {
    let error: unknown
    try {
      loadConfig({ PATCHBAY_METRICS_TOKEN: 'short-secret' })
    } catch (err) {
      error = err
    }
    expect(error).toBeInstanceOf(ConfigError)
    expect((error as Error).message).toContain('metrics.token (PATCHBAY_METRICS_TOKEN)')
    expect((error as Error).message).not.toContain('short-secret')
    expect(() => loadConfig({ PATCHBAY_METRICS_LISTEN: '127.0.0.1' })).toThrow(/metrics\.listen \(PATCHBAY_METRICS_LISTEN\)/)
  })
})

describe.each(databaseTargets)('Prometheus /metrics ($name)', (target) => {
  let api: FakeApi
  let receiver: Receiver
  let t: TestServer
  let alice: EndUser
  let conn: string

  beforeAll(async () => {
    api = await startApps()
    receiver = await startReceiver()
    t = await startTestServer({
      target,
      partner: { webhookUrl: receiver.url },
      actions: taskActions as never,
      config: {
        apps: appsOn(api),
        metrics: { token: TOKEN },
        'refresh.sweepSeconds': 0,
        'webhooks.pollMs': 20,
      },
    })
    await t.server.services.webhookSecrets.rotate(t.partner.id)
    await t.server.services.partnerApps.set(t.partner.id, 'oauthapp', { clientId: 'local-client', clientSecret: 'local-client-secret' })
    alice = await endUser(t, 'alice')
    conn = await addConnection(t, alice, { app: 'tasks', credentials: { api_key: API_KEY } })
  })
  afterAll(async () => {
    await t?.close()
    await receiver?.close()
    await api?.close()
  })

  const oauthConnection = (refreshToken: string) =>
    addConnection(t, alice, {
      app: 'oauthapp',
      authOption: 'oauth2',
      authType: 'oauth2',
      credentials: { access_token: 'old-token', refresh_token: refreshToken, token_type: 'Bearer' },
      expiresAt: Date.now() + 3600_000,
    })
  const proxy = (id: string, tail: string) => fetch(`${t.url}/v1/proxy/${id}${tail}`, { headers: alice.auth })
  const pending = async () =>
    Number(
      (
        await t.server.services.database.db
          .selectFrom('webhook_events')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('status', 'in', ['pending', 'delivering'])
          .executeTakeFirstOrThrow()
      ).n,
    )

  it('answers 401 without the token, with a wrong one or another scheme, and 200 with it', async () => {
    for (const authorization of [
      undefined,
      `Bearer ${TOKEN}x`,
      `Bearer ${TOKEN.slice(0, -1)}`,
      'Bearer',
      `Basic ${TOKEN}`,
      alice.auth.authorization,
    ]) {
      const res = await fetch(`${t.url}/metrics`, { headers: authorization ? { authorization } : {} })
      expect(res.status, authorization).toBe(401)
      expect(res.headers.get('www-authenticate')).toBe('Bearer realm="patchbay-metrics"')
      const body = await res.text()
      expect(JSON.parse(body)).toEqual({ error: { code: 'PB_ERR_UNAUTHORIZED', message: expect.stringContaining('metrics token') } })
      expect(body).not.toContain('patchbay_')
    }
    const scraped = await scrape(t.url)
    expect(scraped.family('patchbay_token_exchanges_total')?.type).toBe('COUNTER')
  })

  it('counts token exchanges, proxy calls, refreshes, runs and webhook deliveries where they are decided', async () => {
    const before = await scrape(t.url)
    const ok = await oauthConnection('refresh-0')
    const revoked = await oauthConnection('refresh-revoked')
    const down = await oauthConnection('refresh-down')

    // Token exchanges: one issued, one refused.
    const bob = await endUser(t, 'bob')
    expect((await exchange(t, 'not-a-jwt')).status).toBe(400)
    // Proxy calls: two answered by the app, one for a connection that does not exist.
    expect((await proxy(conn, '/items/i1')).status).toBe(200)
    expect((await proxy(conn, '/items/i2?x=1')).status).toBe(200)
    expect((await proxy('conn_doesnotexist', '/items/i1')).status).toBe(404)
    // Refreshes after a 401: one succeeds, one is refused (needs_reauth), one fails at the provider.
    expect((await proxy(ok, '/me')).status).toBe(200)
    expect((await proxy(revoked, '/me')).status).toBe(409)
    expect((await proxy(down, '/me')).status).toBe(401)
    // Runs: one succeeds (with one call to the app), one fails; each announces its end by webhook.
    const runs = async (action: string, inputs: Record<string, unknown>) => {
      const res = await fetch(`${t.url}/v1/runs`, {
        method: 'POST',
        headers: { ...alice.auth, 'content-type': 'application/json' },
        body: JSON.stringify({ action, connection_id: conn, inputs, wait_ms: 10_000 }),
      })
      return (await res.json()) as { id: string; status: string }
    }
    const succeeded = await runs('tasks.get_task', { id: 'a1' })
    expect(succeeded.status).toBe('succeeded')
    expect((await runs('tasks.broken', {})).status).toBe('failed')
    // A route with an id in its URL, and a URL no route matches.
    expect((await fetch(`${t.url}/v1/connections/${conn}`, { headers: alice.auth })).status).toBe(200)
    expect((await fetch(`${t.url}/v1/runs/${succeeded.id}`, { headers: alice.auth })).status).toBe(200)
    expect((await fetch(`${t.url}/no/such/${conn}`)).status).toBe(404)
    // Every webhook event (the runs' ends, the revoked connection's refresh_failed) delivered.
    await waitFor(async () => (await pending()) === 0, 'the webhook outbox to drain')
    const delivered = receiver.hits().length
    expect(delivered).toBeGreaterThanOrEqual(3)

    const after = await scrape(t.url)
    const delta = (name: string, labels: Record<string, string>) => after.value(name, labels) - before.value(name, labels)
    const requests = (labels: Record<string, string>) => after.count(HTTP, labels) - before.count(HTTP, labels)

    expect(delta('patchbay_token_exchanges_total', { outcome: 'access_token' })).toBe(1)
    expect(delta('patchbay_token_exchanges_total', { outcome: 'invalid_grant' })).toBe(1)

    // The app's own two calls, plus the succeeded run's one (actions call apps through the proxy).
    expect(delta('patchbay_proxy_calls_total', { app: 'tasks', status: '200' })).toBe(3)
    expect(delta('patchbay_proxy_calls_total', { app: '(unknown)', status: '404' })).toBe(1)
    expect(delta('patchbay_proxy_calls_total', { app: 'oauthapp', status: '200' })).toBe(1)
    expect(delta('patchbay_proxy_calls_total', { app: 'oauthapp', status: '409' })).toBe(1)
    expect(delta('patchbay_proxy_calls_total', { app: 'oauthapp', status: '401' })).toBe(1)

    expect(delta('patchbay_token_refreshes_total', { app: 'oauthapp', outcome: 'ok' })).toBe(1)
    expect(delta('patchbay_token_refreshes_total', { app: 'oauthapp', outcome: 'needs_reauth' })).toBe(1)
    expect(delta('patchbay_token_refreshes_total', { app: 'oauthapp', outcome: 'failed' })).toBe(1)

    expect(delta('patchbay_runs_ended_total', { action: 'tasks.get_task', status: 'succeeded' })).toBe(1)
    expect(delta('patchbay_runs_ended_total', { action: 'tasks.broken', status: 'failed' })).toBe(1)

    expect(delta('patchbay_webhook_deliveries_total', { outcome: 'delivered' })).toBe(delivered)

    // HTTP requests by route pattern and status: the proxy's, the token endpoint's, the REST API's.
    expect(after.family(HTTP)?.type).toBe('HISTOGRAM')
    expect(requests({ method: 'POST', route: '/oauth/token', status: '200' })).toBe(1)
    expect(requests({ method: 'POST', route: '/oauth/token', status: '400' })).toBe(1)
    expect(requests({ method: 'GET', route: '/v1/proxy/:connectionId/*', status: '200' })).toBe(3)
    expect(requests({ method: 'GET', route: '/v1/proxy/:connectionId/*', status: '404' })).toBe(1)
    expect(requests({ method: 'POST', route: '/v1/runs', status: '200' })).toBe(2)
    expect(requests({ method: 'GET', route: '/v1/connections/:id', status: '200' })).toBe(1)
    expect(requests({ method: 'GET', route: '/v1/runs/:id', status: '200' })).toBe(1)
    expect(requests({ method: 'GET', route: '(unmatched)', status: '404' })).toBe(1)
    const proxied = { method: 'GET', route: '/v1/proxy/:connectionId/*', status: '200' }
    expect(after.value(`${HTTP}_sum`, proxied)).toBeGreaterThan(0)
    expect(after.value(`${HTTP}_bucket`, { ...proxied, le: '+Inf' })).toBe(after.count(HTTP, proxied))
    expect(after.value(`${HTTP}_bucket`, { ...proxied, le: '60' })).toBe(after.count(HTTP, proxied))
    // Every series' buckets are cumulative: each bound counts at least the one below it, up to _count.
    const bounds = [
      '0.0005',
      '0.001',
      '0.0025',
      '0.005',
      '0.01',
      '0.025',
      '0.05',
      '0.1',
      '0.25',
      '0.5',
      '1',
      '2.5',
      '5',
      '10',
      '30',
      '60',
      '+Inf',
    ]
    for (const method of after.labelValues(HTTP, 'method'))
      for (const route of after.labelValues(HTTP, 'route'))
        for (const status of after.labelValues(HTTP, 'status')) {
          const labels = { method, route, status }
          if (!after.sample(`${HTTP}_count`, labels)) continue
          const count = after.value(`${HTTP}_count`, labels)
          const cumulative = bounds.map((le) => after.value(`${HTTP}_bucket`, { ...labels, le }) as number)
          expect(cumulative, JSON.stringify(labels)).toEqual([...cumulative].sort((x, y) => x - y))
          expect(cumulative.at(-1)).toBe(count)
        }

    // No id, token or secret ever becomes a label value.
    for (const secret of [conn, ok, succeeded.id, alice.token, bob.token, API_KEY, 'new-token', 'i2', 'x=1', 'no/such']) {
      expect(after.text, secret).not.toContain(secret)
    }
    for (const route of after.labelValues(HTTP, 'route')) expect(route).toMatch(/^(\/[A-Za-z0-9_.:*/-]*|\(unmatched\))$/)
  })

  it('reads queue depth and, on PostgreSQL, the connection pool at scrape time; the default Node.js metrics too', async () => {
    const scraped = await scrape(t.url)
    expect(scraped.family('patchbay_runs_pending')?.type).toBe('GAUGE')
    expect(scraped.sample('patchbay_runs_pending', { status: 'queued' })).toBeDefined()
    expect(scraped.sample('patchbay_runs_pending', { status: 'waiting' })).toBeDefined()
    expect(scraped.value('patchbay_webhook_events_pending')).toBe(await pending())
    if (target.name === 'postgres') {
      const requests = { pool: 'requests' }
      expect(scraped.value('patchbay_db_pool_connections', requests)).toBeGreaterThan(0)
      expect(scraped.value('patchbay_db_pool_max_connections', requests)).toBe(10)
      expect(scraped.sample('patchbay_db_pool_idle_connections', requests)).toBeDefined()
      expect(scraped.sample('patchbay_db_pool_waiting_clients', requests)).toBeDefined()
      // The run engine's two connections, open since this process started executing runs.
      const engine = { pool: 'run_engine' }
      expect(scraped.value('patchbay_db_pool_connections', engine)).toBe(2)
      expect(scraped.value('patchbay_db_pool_max_connections', engine)).toBe(2)
      expect(scraped.sample('patchbay_db_pool_waiting_clients', engine)).toBeDefined()
    } else {
      // The embedded database has no pool.
      expect(scraped.family('patchbay_db_pool_connections')).toBeUndefined()
    }
    expect(scraped.family('process_cpu_user_seconds_total')?.type).toBe('COUNTER')
    expect(scraped.family('nodejs_eventloop_lag_seconds')?.type).toBe('GAUGE')
    expect(scraped.family('nodejs_heap_size_used_bytes')).toBeDefined()
  })
})

describe.each(databaseTargets)('Prometheus /metrics on a listener of its own ($name)', (target) => {
  let api: FakeApi
  let t: TestServer
  let release: () => void = () => {}

  beforeAll(async () => {
    api = await startApps()
    // Task "busy" asks to come back in a minute (the run waits); task "hang" answers once released.
    const held = new Promise<void>((resolve) => {
      release = resolve
    })
    api.route('GET /api/tasks/:id', async (req) => {
      if (req.params.id === 'busy') return { status: 429, headers: { 'retry-after': '60' }, json: { message: 'slow down' } }
      if (req.params.id === 'hang') await held
      return { json: { id: req.params.id, title: 'A task' } }
    })
    // One run at a time, and no delivery: what is created behind a hanging run stays queued.
    t = await startTestServer({
      target,
      actions: taskActions as never,
      config: { apps: appsOn(api), metrics: { listen: '127.0.0.1:0', token: TOKEN }, 'runs.concurrency': 1, 'webhooks.dispatch': false },
    })
  })
  afterAll(async () => {
    release()
    await t?.close()
    await api?.close()
  })

  it('serves /metrics on its own address, with the token, and not on the main port', async () => {
    const metricsUrl = t.server.metricsUrl as string
    expect(metricsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    expect(new URL(metricsUrl).port).not.toBe(new URL(t.url).port)
    expect((await fetch(`${metricsUrl}/metrics`)).status).toBe(401)
    expect((await fetch(`${metricsUrl}/metrics`, { headers: { authorization: 'Bearer wrong-token-0123456789' } })).status).toBe(401)
    expect((await scrape(metricsUrl)).family('patchbay_http_request_duration_seconds')?.type).toBe('HISTOGRAM')
    // The listener serves nothing else; the main port has no /metrics at all.
    const other = await fetch(`${metricsUrl}/v1/connections`, { headers: { authorization: `Bearer ${TOKEN}` } })
    expect(other.status).toBe(404)
    expect(((await other.json()) as { error: { code: string } }).error.code).toBe('PB_ERR_NOT_FOUND')
    const main = await fetch(`${t.url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } })
    expect(main.status).toBe(404)
    expect(((await main.json()) as { error: { code: string } }).error.code).toBe('PB_ERR_NOT_FOUND')
  })

  it('shows runs queued and waiting, and webhook events pending', async () => {
    const metricsUrl = t.server.metricsUrl as string
    const alice = await endUser(t, 'alice')
    const conn = await addConnection(t, alice, { app: 'tasks', credentials: { api_key: API_KEY } })
    const create = async (id: string) => {
      const res = await fetch(`${t.url}/v1/runs`, {
        method: 'POST',
        headers: { ...alice.auth, 'content-type': 'application/json' },
        body: JSON.stringify({ action: 'tasks.get_task', connection_id: conn, inputs: { id } }),
      })
      expect(res.status).toBe(202)
      return ((await res.json()) as { id: string }).id
    }
    const status = async (id: string) =>
      ((await (await fetch(`${t.url}/v1/runs/${id}`, { headers: alice.auth })).json()) as { status: string }).status
    const before = await scrape(metricsUrl)
    expect(before.value('patchbay_runs_pending', { status: 'queued' })).toBe(0)
    expect(before.value('patchbay_runs_pending', { status: 'waiting' })).toBe(0)

    // One run waits for its retry, one holds the only slot, two wait behind it.
    const busy = await create('busy')
    await waitFor(async () => (await status(busy)) === 'waiting', 'the busy run to wait for its retry')
    const hang = await create('hang')
    await waitFor(async () => (await status(hang)) === 'running', 'the hanging run to start')
    await create('q1')
    await create('q2')
    const after = await scrape(metricsUrl)
    expect(after.value('patchbay_runs_pending', { status: 'queued' })).toBe(2)
    expect(after.value('patchbay_runs_pending', { status: 'waiting' })).toBe(1)

    // Ended runs announce themselves by webhook; none is delivered here.
    const events = after.value('patchbay_webhook_events_pending')
    await queueEvent(t.server.services.database.db, t.partner.id)
    expect((await scrape(metricsUrl)).value('patchbay_webhook_events_pending')).toBe(events + 1)
  })
})

describe.each(databaseTargets)('Prometheus /metrics off ($name)', (target) => {
  let t: TestServer

  beforeAll(async () => {
    t = await startTestServer({ target })
  })
  afterAll(async () => {
    await t?.close()
  })

  it('is not served without a token or a listen address, and nothing is recorded', async () => {
    const res = await fetch(`${t.url}/metrics`)
    expect(res.status).toBe(404)
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('PB_ERR_NOT_FOUND')
    expect(t.server.services.metrics.enabled).toBe(false)
    expect(t.server.metricsUrl).toBeUndefined()
  })
})
