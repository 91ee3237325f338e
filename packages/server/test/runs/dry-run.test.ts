import { defineAction } from '@patchbay/catalog'
import { Type } from '@sinclair/typebox'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { databaseTargets } from '../helpers/databases.js'
import { startTestServer, type TestServer } from '../helpers/test-server.js'
import { addConnection, type EndUser, endUser, startUpstream, type Upstream } from '../proxy/proxy-setup.js'

// Dry runs show what would be sent and never a credential, however it travels (a query parameter, a
// header of the app's own naming, a value too short to look secret), and never send anything; the
// dynamic schema an action describes is passed on only in the shape a form can use (docs/actions.md).

const SHORT_KEY = 'k3y9'
const QUERY_TOKEN = 'qtok-5f1e'

const ping = (app: string) =>
  defineAction({
    key: 'ping',
    app,
    version: '1.0.0',
    type: 'write',
    title: 'Ping',
    description: 'Sends one request.',
    annotations: { readOnly: false, destructive: false, idempotent: false },
    scopes: [],
    input: Type.Object({ note: Type.String(), extra: Type.Optional(Type.Record(Type.String(), Type.Unknown())) }),
    output: Type.Object({}),
    dynamicInput: {
      field: 'extra',
      dependsOn: [],
      // An action that adds keywords a form does not need (and one that points elsewhere).
      schema: async () =>
        ({ type: 'object', properties: { a: { type: 'string' } }, $ref: 'https://evil.example/schema', $id: 'x' }) as never,
    },
    run: async (ctx, input) => {
      try {
        await ctx.http.request({ method: 'POST', path: '/pings', query: { mode: 'fast' }, json: { note: input.note } })
      } catch {
        // Swallows every error (a dry run must still show the request).
      }
      return {}
    },
  })

const app = (key: string, baseUrl: string, inject: Record<string, unknown>) => ({
  key,
  name: key,
  description: 'A local app',
  categories: ['developer-tools'],
  docs_url: 'https://example.test/docs',
  api: { base_url: baseUrl, allowed_hosts: ['127.0.0.1'], headers: { 'X-Api-Version': '7' } },
  auth: [
    {
      key: 'api_key',
      type: 'api_key',
      credential_fields: [
        // Not marked secret, and short: still never shown.
        { key: 'account', label: 'Account key' },
        { key: 'token', label: 'Token', secret: true },
      ],
      inject,
    },
  ],
})

describe.each(databaseTargets)('dry runs and dynamic schemas ($name)', (target) => {
  let t: TestServer
  let upstream: Upstream
  let alice: EndUser
  const conns: Record<string, string> = {}

  beforeAll(async () => {
    upstream = await startUpstream()
    upstream.handle((_req, res) => {
      res.writeHead(500).end()
    })
    t = await startTestServer({
      target,
      actions: [ping('inquery'), ping('inheader')],
      config: {
        apps: [
          app('inquery', `${upstream.url}/api`, { query: { key: '{credentials.account}', token: '{credentials.token}' } }),
          app('inheader', `${upstream.url}/api`, {
            headers: { 'X-Account': '{credentials.account}', 'X-Auth-Token': 'Token {credentials.token}' },
          }),
        ],
        'webhooks.dispatch': false,
      },
    })
    alice = await endUser(t, 'alice')
    for (const key of ['inquery', 'inheader']) {
      conns[key] = await addConnection(t, alice, { app: key, credentials: { account: SHORT_KEY, token: QUERY_TOKEN } })
    }
  })
  afterAll(async () => {
    await t?.close()
    await upstream?.close()
  })

  const api = async (path: string, body: unknown) => {
    const res = await fetch(`${t.url}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${alice.token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    })
    return { status: res.status, json: (await res.json()) as Record<string, any> } // eslint-disable-line @typescript-eslint/no-explicit-any
  }
  const dryRun = (key: string) =>
    api('/v1/runs', { action: `${key}.ping`, connection_id: conns[key], inputs: { note: 'hi' }, dry_run: true, wait_ms: 10_000 })

  it('shows query credentials by name only, and sends nothing', async () => {
    const before = upstream.requests.length
    const res = await dryRun('inquery')
    expect(res.json.status).toBe('succeeded')
    expect(res.json.output.requests).toEqual([
      {
        method: 'POST',
        url: `${upstream.url}/api/pings?mode=fast&key=[redacted]&token=[redacted]`,
        headers: expect.objectContaining({ 'x-api-version': '7', 'content-type': 'application/json' }),
        body: { note: 'hi' },
      },
    ])
    expect(JSON.stringify(res.json)).not.toContain(SHORT_KEY)
    expect(JSON.stringify(res.json)).not.toContain(QUERY_TOKEN)
    expect(upstream.requests.length).toBe(before)
  })

  it("hides injected headers whole, whatever their name or length, keeping the app's own headers", async () => {
    const res = await dryRun('inheader')
    const [request] = res.json.output.requests
    expect(request.headers).toMatchObject({ 'x-account': '[redacted]', 'x-auth-token': 'Token [redacted]', 'x-api-version': '7' })
    expect(JSON.stringify(res.json)).not.toContain(SHORT_KEY)
    expect(JSON.stringify(res.json)).not.toContain(QUERY_TOKEN)
  })

  it('passes on only the type, properties and required of a dynamic schema', async () => {
    const res = await api('/v1/actions/inquery.ping/schema', { connection_id: conns.inquery })
    expect(res.status).toBe(200)
    expect(res.json.schema).toEqual({
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      type: 'object',
      properties: { a: { type: 'string' } },
    })
  })
})
