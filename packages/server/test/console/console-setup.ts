import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { defineAction } from '@patchbay/catalog'
import { Type } from '@sinclair/typebox'
import type { DatabaseTarget } from '../helpers/databases.js'
import { startTestServer, type TestServer } from '../helpers/test-server.js'
import { addConnection, apiKeyApp, type EndUser, endUser, startUpstream, until, type Upstream } from '../proxy/proxy-setup.js'

/**
 * A partner with something to see in the console (docs/console.md): connections (one needing
 * reauthorization), runs that succeeded and failed, and webhook deliveries to an endpoint that
 * answers 500.
 */
export interface ConsoleSetup {
  t: TestServer
  upstream: Upstream
  alice: EndUser
  connections: { ok: string; broken: string; spare: string }
  runs: { succeeded: string; failed: string }
  webhookHits: () => number
  close(): Promise<void>
}

export async function startConsoleSetup(target: DatabaseTarget, config: Record<string, unknown> = {}): Promise<ConsoleSetup> {
  const upstream = await startUpstream()
  upstream.handle((req, res) => {
    if (req.url?.includes('fail=1')) res.writeHead(400, { 'content-type': 'application/json' }).end('{"message":"bad ping"}')
    else res.writeHead(200, { 'content-type': 'application/json' }).end('{"pong":true}')
  })
  let hits = 0
  const receiver: Server = createServer((_req, res) => {
    hits++
    res.writeHead(500).end('down')
  })
  await new Promise<void>((done) => receiver.listen(0, '127.0.0.1', done))
  const webhookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`
  const ping = defineAction({
    key: 'ping',
    app: 'local',
    version: '1.0.0',
    type: 'read',
    title: 'Ping',
    description: 'One request.',
    annotations: { readOnly: true, destructive: false, idempotent: true },
    scopes: [],
    input: Type.Object({ fail: Type.Optional(Type.Boolean()) }),
    output: Type.Object({ pong: Type.Boolean() }),
    run: async (ctx, input) =>
      (await ctx.http.request({ method: 'GET', path: '/ping', query: input.fail ? { fail: '1' } : {} })).data as { pong: boolean },
  })
  const t = await startTestServer({
    target,
    actions: [ping],
    partner: { webhookUrl },
    config: {
      apps: [apiKeyApp('local', `${upstream.url}/api`)],
      'webhooks.retrySchedule': [3600],
      'webhooks.pollMs': 50,
      ...config,
    },
  })
  await t.server.services.webhookSecrets.rotate(t.partner.id)
  const alice = await endUser(t, 'alice')
  const ok = await addConnection(t, alice, { app: 'local', credentials: { api_key: 'k-ok' } })
  const broken = await addConnection(t, alice, { app: 'local', credentials: { api_key: 'k-broken' } })
  const spare = await addConnection(t, alice, { app: 'local', credentials: { api_key: 'k-spare' } })
  await t.server.services.database.db
    .updateTable('connections')
    .set({ status: 'needs_reauth', status_reason: 'the provider refused the refresh token (invalid_grant)' })
    .where('id', '=', broken)
    .execute()
  const run = async (fail: boolean) => {
    const res = await fetch(`${t.url}/v1/runs`, {
      method: 'POST',
      headers: { ...alice.auth, 'content-type': 'application/json' },
      body: JSON.stringify({ action: 'local.ping', connection_id: ok, inputs: fail ? { fail: true } : {}, wait_ms: 10_000 }),
    })
    return ((await res.json()) as { id: string }).id
  }
  const runs = { succeeded: await run(false), failed: await run(true) }
  // Both runs' webhooks reach the failing endpoint once each.
  await until(() => hits >= 2, 10_000, 'webhook attempts')
  return {
    t,
    upstream,
    alice,
    connections: { ok, broken, spare },
    runs,
    webhookHits: () => hits,
    async close() {
      await t.close()
      await upstream.close()
      await new Promise((done) => receiver.close(done))
    },
  }
}
