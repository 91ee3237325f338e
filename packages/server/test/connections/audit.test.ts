import { createHash } from 'node:crypto'
import { defineAction } from '@patchbay/catalog'
import { Type } from '@sinclair/typebox'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sweepExpired } from '../../src/jobs/maintenance.js'
import { type ConnectSetup, GOOD_STRIPE_KEY, startConnectSetup } from '../helpers/connect-setup.js'
import { databaseTargets } from '../helpers/databases.js'
import { startTestServer, type TestServer } from '../helpers/test-server.js'
import { basicAuth, JWT_TYPE, TOKEN_EXCHANGE } from '../helpers/token-request.js'
import { addConnection, apiKeyApp, endUser, startUpstream, type Upstream } from '../proxy/proxy-setup.js'

// Each connection's audit log (docs/operations.md, "Audit log"): what happened, who did it, when,
// through the end user's and the operator's API, kept for the retention period.

interface Entry {
  id: string
  connection_id: string
  app: string
  action: string
  actor: { type: string; id: string; via: string | null }
  detail: Record<string, unknown> | null
  at: string
}

/** How the audit log names a token: `tok_` and the first 16 characters of its SHA-256, base64url. */
const tokenRef = (token: string) => `tok_${createHash('sha256').update(token).digest('base64url').slice(0, 16)}`

describe.each(databaseTargets)('connection audit log ($name)', (target) => {
  let s: ConnectSetup
  beforeAll(async () => {
    s = await startConnectSetup(target, { 'refresh.sweepSeconds': 0 })
  })
  afterAll(async () => {
    await s?.close()
  })
  const db = () => s.t.server.services.database.db

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  async function audit(path: string, headers: Record<string, string>): Promise<{ status: number; json: any }> {
    const res = await fetch(`${s.t.url}${path}`, { headers })
    return { status: res.status, json: await res.json() }
  }
  const asUser = (token: string, id: string, query = '') =>
    audit(`/v1/connections/${id}/audit${query}`, { authorization: `Bearer ${token}` })
  const asPartner = (id: string, query = '') =>
    audit(`/v1/partner/connections/${id}/audit${query}`, { authorization: basicAuth(s.t.partner.clientId, s.t.partner.clientSecret) })
  const credentials = (token: string, id: string) =>
    fetch(`${s.t.url}/v1/connections/${id}/credentials`, { headers: { authorization: `Bearer ${token}` } })
  it('lists entries written in the same millisecond newest first, in the order they were written', async () => {
    const { id } = await s.connect('same-ms')
    const audit = s.t.server.services.audit
    const db = s.t.server.services.database.db
    const subject = { id, partnerId: s.t.partner.id, endUserId: 'same-ms-user', appKey: 'oidc' }
    const at = Date.now() + 60_000
    const written = ['credentials_read', 'refreshed', 'credentials_read', 'refresh_failed', 'reauthorized'] as const
    for (const action of written) await audit.record(db, subject, action, { type: 'system', id: 'test' }, undefined, at)
    const { data } = await audit.list(s.t.partner.id, id, { limit: 5 })
    expect(data.map((e) => e.action)).toEqual([...written].reverse())
  })

  it('records the life of an OAuth connection, newest first, with who did what', async () => {
    const { id, sessionId } = await s.connect('ada')
    const token = await s.accessToken('ada')

    expect((await credentials(token, id)).status).toBe(200)
    await s.expire(id)
    expect((await credentials(token, id)).status).toBe(200)
    // The provider forgets the grant: the next refresh is refused (invalid_grant) and the connection needs reauth.
    s.provider.revokeAllGrants()
    await s.expire(id)
    expect((await credentials(token, id)).status).toBe(409)
    const again = await s.connect('ada', id)
    expect(again.id).toBe(id)

    const { status, json } = await asUser(token, id)
    expect(status).toBe(200)
    const entries = json.data as Entry[]
    expect(entries.map((e) => e.action)).toEqual([
      'reauthorized',
      'refresh_failed',
      'credentials_read',
      'refreshed',
      'credentials_read',
      'created',
    ])
    const byAction = (action: string) => entries.filter((e) => e.action === action)
    expect(byAction('created')[0]).toMatchObject({
      connection_id: id,
      app: 'oidc',
      actor: { type: 'end_user', id: sessionId, via: 'connect_session' },
      detail: { operation: 'creation' },
    })
    expect(byAction('reauthorized')[0]).toMatchObject({ actor: { type: 'end_user', id: again.sessionId, via: 'connect_session' } })
    for (const read of byAction('credentials_read')) expect(read.actor).toEqual({ type: 'end_user', id: tokenRef(token), via: 'token' })
    expect(byAction('refreshed')[0]).toMatchObject({ actor: { type: 'system', id: 'refresh', via: null } })
    expect(byAction('refresh_failed')[0]).toMatchObject({ actor: { type: 'system', id: 'refresh' }, detail: { status: 'needs_reauth' } })
    expect(String(byAction('refresh_failed')[0]?.detail?.reason)).toContain('invalid_grant')
    // Times are ISO 8601, newest first; nothing in an entry is a secret.
    const times = entries.map((e) => Date.parse(e.at))
    expect([...times].sort((a, b) => b - a)).toEqual(times)
    const raw = JSON.stringify(entries)
    expect(raw).not.toContain(token)
    const stored = await s.t.server.services.connections.get(
      { partnerId: s.t.partner.id, endUserId: (await s.t.server.services.accessTokens.authenticate(token))!.endUserId },
      id,
    )
    const secrets = await s.t.server.services.connections.credentials(stored!)
    expect(raw).not.toContain(String(secrets.access_token))

    // Pages: two at a time, the same entries in the same order.
    const pages: Entry[] = []
    let cursor: string | null = null
    do {
      const page: { json: { data: Entry[]; next_cursor: string | null } } = await asUser(
        token,
        id,
        `?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      )
      pages.push(...page.json.data)
      cursor = page.json.next_cursor
    } while (cursor)
    expect(pages.map((e) => e.id)).toEqual(entries.map((e) => e.id))
  })

  it('an API-key connection made and deleted through the API; entries outlive it; operators see them too', async () => {
    const token = await s.accessToken('grace')
    const made = await fetch(`${s.t.url}/v1/connections`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ app: 'fakestripe', credentials: { api_key: GOOD_STRIPE_KEY } }),
    })
    expect(made.status).toBe(201)
    const id = ((await made.json()) as { id: string }).id
    expect(
      (await fetch(`${s.t.url}/v1/connections/${id}`, { method: 'DELETE', headers: { authorization: `Bearer ${token}` } })).status,
    ).toBe(204)
    const mine = await asUser(token, id)
    expect(mine.status).toBe(200)
    expect((mine.json.data as Entry[]).map((e) => [e.action, e.actor])).toEqual([
      ['deleted', { type: 'end_user', id: tokenRef(token), via: 'token' }],
      ['created', { type: 'end_user', id: tokenRef(token), via: 'token' }],
    ])
    const operators = await asPartner(id)
    expect(operators.status).toBe(200)
    expect((operators.json.data as Entry[]).map((e) => e.id)).toEqual((mine.json.data as Entry[]).map((e) => e.id))
    expect(JSON.stringify(operators.json)).not.toContain(GOOD_STRIPE_KEY)
  })

  it("another user's connection, an unknown id, a bad cursor: 404, 404, 400; no credentials, no entries", async () => {
    const { id } = await s.connect('hopper')
    const other = await s.accessToken('not-hopper')
    const foreign = await asUser(other, id)
    expect(foreign.status).toBe(404)
    expect(foreign.json.error.code).toBe('PB_ERR_NOT_FOUND')
    expect((await asUser(other, 'con_doesnotexist')).status).toBe(404)
    expect((await asPartner('con_doesnotexist')).status).toBe(404)
    expect((await asPartner(id, '?cursor=nope')).status).toBe(400)
    expect((await asPartner(id, '?limit=0')).status).toBe(400)
    expect((await audit(`/v1/partner/connections/${id}/audit`, { authorization: basicAuth(s.t.partner.clientId, 'wrong') })).status).toBe(
      401,
    )
    // A token without connections:read may not read it.
    const res = await fetch(`${s.t.url}/oauth/token`, {
      method: 'POST',
      headers: { authorization: basicAuth(s.t.partner.clientId, s.t.partner.clientSecret) },
      body: new URLSearchParams({
        grant_type: TOKEN_EXCHANGE,
        subject_token: await s.t.sign({ sub: 'hopper' }),
        subject_token_type: JWT_TYPE,
        scope: 'proxy',
      }),
    })
    const narrow = ((await res.json()) as { access_token: string }).access_token
    expect((await asUser(narrow, id)).status).toBe(403)
  })

  it('entries older than the retention period are deleted by the maintenance sweep', async () => {
    const { id } = await s.connect('lovelace')
    expect((await asPartner(id)).json.data).toHaveLength(1)
    const day = 24 * 3600 * 1000
    await sweepExpired(db(), Date.now() + 29 * day, 30 * day)
    expect((await asPartner(id)).json.data).toHaveLength(1)
    await sweepExpired(db(), Date.now() + 31 * day, 30 * day)
    expect((await asPartner(id)).json.data).toHaveLength(0)
  })
})

describe.each(databaseTargets)('audit log: runs ($name)', (target) => {
  let t: TestServer
  let upstream: Upstream
  beforeAll(async () => {
    upstream = await startUpstream()
    upstream.handle((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}')
    })
    const ping = defineAction({
      key: 'ping',
      app: 'local',
      version: '1.0.0',
      type: 'read',
      title: 'Ping',
      description: 'One request.',
      annotations: { readOnly: true, destructive: false, idempotent: true },
      scopes: [],
      input: Type.Object({}),
      output: Type.Object({}),
      run: async (ctx) => {
        await ctx.http.request({ method: 'GET', path: '/ping' })
        return {}
      },
    })
    t = await startTestServer({
      target,
      actions: [ping],
      config: { apps: [apiKeyApp('local', `${upstream.url}/api`)], 'webhooks.dispatch': false },
    })
  })
  afterAll(async () => {
    await t?.close()
    await upstream?.close()
  })

  it('a run created through the API is an entry naming the run and the token', async () => {
    const user = await endUser(t, 'runner')
    const id = await addConnection(t, user, { app: 'local', credentials: { api_key: 'k' } })
    const res = await fetch(`${t.url}/v1/runs`, {
      method: 'POST',
      headers: { ...user.auth, 'content-type': 'application/json' },
      body: JSON.stringify({ action: 'local.ping', connection_id: id, inputs: {}, wait_ms: 5000 }),
    })
    const run = (await res.json()) as { id: string; status: string }
    expect(run.status).toBe('succeeded')
    const page = (await (await fetch(`${t.url}/v1/connections/${id}/audit`, { headers: user.auth })).json()) as { data: Entry[] }
    expect(page.data).toEqual([
      expect.objectContaining({
        action: 'run_created',
        actor: { type: 'end_user', id: tokenRef(user.token), via: 'token' },
        detail: { run_id: run.id, action: 'local.ping' },
      }),
    ])
  })
})
