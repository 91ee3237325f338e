import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import type { ConnectionGrant, Owner } from '../../src/connections/connection-types.js'
import { type Answer, call } from '../helpers/api-call.js'
import { authorizeAtProvider, CookieJar, http, openConnect, stripeLikeApp } from '../helpers/connect-http.js'
import { type ConnectSetup, startConnectSetup } from '../helpers/connect-setup.js'
import { databaseTargets } from '../helpers/databases.js'
import { type FakeApi, startFakeApi, stripeAccountRoute } from '../helpers/fake-api.js'
import { startTestServer, type TestServer } from '../helpers/test-server.js'
import { basicAuth, JWT_TYPE, TOKEN_EXCHANGE } from '../helpers/token-request.js'

const GOOD_KEY = 'sk_test_GoodKey0123456789abcdef'
const REFUSED_KEY = 'sk_test_RefusedKey0123456789abc'
const RV_CLIENT = { clientId: 'rv-client', clientSecret: 'rv secret/+=' }

/** Custom apps on a local fake API: a basic-auth app with a connection parameter, a client-credentials app, OAuth apps. */
function customApps(api: string): Record<string, unknown>[] {
  const base = { description: 'A local test app.', categories: ['developer-tools'], docs_url: 'https://example.com/docs' }
  return [
    stripeLikeApp('fakestripe', `${api}/v1`, ['127.0.0.1']),
    {
      ...base,
      key: 'fakebasic',
      name: 'Basic (local)',
      api: { base_url: `${api}/basic/{params.site}`, allowed_hosts: ['127.0.0.1'] },
      connection_params: [{ key: 'site', label: 'Site name', pattern: '^[a-z0-9-]{1,30}$', example: 'acme' }],
      auth: [
        {
          key: 'token',
          type: 'basic',
          credential_fields: [
            { key: 'email', label: 'Email', pattern: '^[^\\s@]+@[^\\s@]+$' },
            { key: 'api_token', label: 'API token', secret: true },
          ],
          username: '{credentials.email}',
          password: '{credentials.api_token}',
          credential_check: { url: '/myself', account_identifier: 'emailAddress', metadata: { account_id: 'accountId' } },
        },
      ],
    },
    {
      ...base,
      key: 'fakecc',
      name: 'Client credentials (local)',
      api: { base_url: `${api}/cc/api`, allowed_hosts: ['127.0.0.1'] },
      auth: [
        {
          key: 'client_credentials',
          type: 'oauth2_client_credentials',
          token_url: `${api}/cc/token`,
          credential_fields: [
            { key: 'client_id', label: 'Client ID', pattern: '^[A-Za-z0-9-]{1,64}$' },
            { key: 'client_secret', label: 'Client secret', secret: true },
          ],
          credential_check: { url: '/whoami', account_identifier: 'name' },
          inject: { headers: { Authorization: 'Bearer {credentials.access_token}' } },
        },
      ],
    },
    {
      ...base,
      key: 'revocable',
      name: 'Revocable (local)',
      api: { base_url: `${api}/rv/api`, allowed_hosts: ['127.0.0.1'] },
      auth: [
        {
          key: 'oauth2',
          type: 'oauth2',
          authorization_url: `${api}/rv/authorize`,
          token_url: `${api}/rv/token`,
          revocation_url: `${api}/rv/revoke`,
          token_auth_method: 'client_secret_basic',
          scopes: ['read'],
          inject: { headers: { Authorization: 'Bearer {credentials.access_token}' } },
        },
      ],
    },
    {
      ...base,
      key: 'oauthonly',
      name: 'OAuth only (not configured)',
      api: { base_url: `${api}/oo/api`, allowed_hosts: ['127.0.0.1'] },
      auth: [
        {
          key: 'oauth2',
          type: 'oauth2',
          authorization_url: `${api}/oo/authorize`,
          token_url: `${api}/oo/token`,
          scopes: ['read'],
          inject: { headers: { Authorization: 'Bearer {credentials.access_token}' } },
        },
      ],
    },
  ]
}

describe.each(databaseTargets)('Connections REST API ($name)', (target) => {
  let t: TestServer
  let api: FakeApi
  let revokeStatus = 200

  beforeAll(async () => {
    api = await startFakeApi({
      routes: {
        'GET /v1/account': stripeAccountRoute({ validKey: GOOD_KEY, email: 'billing@acme.test', id: 'acct_local' }),
        'GET /basic/:site/myself': (req) => {
          const expected = `Basic ${Buffer.from('ops@acme.test:good-token').toString('base64')}`
          return req.headers.authorization === expected
            ? { json: { emailAddress: 'ops@acme.test', accountId: `acc-${req.params.site}` } }
            : { status: 401, json: { message: 'Unauthorized' } }
        },
        'POST /cc/token': (req) =>
          req.headers.authorization === `Basic ${Buffer.from('cc-client:cc-secret').toString('base64')}`
            ? { json: { access_token: 'cc-access-token', token_type: 'Bearer', expires_in: 3600 } }
            : { status: 401, json: { error: 'invalid_client', error_description: 'bad client' } },
        'GET /cc/api/whoami': (req) =>
          req.headers.authorization === 'Bearer cc-access-token' ? { json: { name: 'cc-account' } } : { status: 401, json: {} },
        'POST /rv/revoke': () => ({ status: revokeStatus, body: '' }),
      },
    })
    t = await startTestServer({ target, config: { apps: customApps(api.url) } })
    await t.server.services.partnerApps.set(t.partner.id, 'revocable', { ...RV_CLIENT, scopes: ['read'] })
  })
  afterAll(async () => {
    await t?.close()
    await api?.close()
  })
  beforeEach(() => {
    api.reset()
    revokeStatus = 200
  })

  const db = () => t.server.services.database.db
  const v1 = (path: string) => `${t.url}/v1${path}`

  /** An access token for one end user (tenant `org`), with all scopes unless `scope` says otherwise. */
  async function login(sub: string, opts: { org?: string; scope?: string } = {}): Promise<{ token: string; owner: Owner }> {
    const res = await fetch(`${t.url}/oauth/token`, {
      method: 'POST',
      headers: { authorization: basicAuth(t.partner.clientId, t.partner.clientSecret) },
      body: new URLSearchParams({
        grant_type: TOKEN_EXCHANGE,
        subject_token: await t.sign({ sub, org: opts.org ?? 'org-1' }),
        subject_token_type: JWT_TYPE,
        ...(opts.scope ? { scope: opts.scope } : {}),
      }),
    })
    const { access_token } = (await res.json()) as { access_token: string }
    const principal = await t.server.services.accessTokens.authenticate(access_token)
    if (!principal) throw new Error('token exchange failed')
    return { token: access_token, owner: { partnerId: principal.partnerId, endUserId: principal.endUserId } }
  }

  function grant(appKey: string, overrides: Partial<ConnectionGrant> = {}): ConnectionGrant {
    return {
      appKey,
      authOption: 'api_key',
      authType: 'api_key',
      accountIdentifier: null,
      scopes: [],
      params: {},
      metadata: {},
      credentials: { api_key: GOOD_KEY },
      expiresAt: null,
      ...overrides,
    }
  }

  async function seed(owner: Owner, appKey: string, overrides: Partial<ConnectionGrant> = {}, now?: number) {
    return t.server.services.connections
      .create(db(), owner, grant(appKey, overrides), { allowMultiple: true, ...(now ? { now } : {}) })
      .then((stored) => stored.connection)
  }

  async function connectionCount(): Promise<number> {
    const row = await db()
      .selectFrom('connections')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow()
    return Number(row.n)
  }

  async function events(type: string) {
    const rows = await db().selectFrom('webhook_events').select(['payload']).where('type', '=', type).execute()
    return rows.map((r) => JSON.parse(r.payload) as { type: string; data: Record<string, unknown> })
  }

  describe('GET /v1/connections', () => {
    it('pages through 30 connections in a stable (created_at, id) order, with filters', async () => {
      const { token, owner } = await login('lister')
      const other = await login('lister-neighbour')
      const base = Date.now() - 100_000
      const made: Array<{ id: string; createdAt: number }> = []
      for (let i = 0; i < 30; i++) {
        // Three connections share each created_at: the id breaks the tie.
        const c = await seed(owner, i % 3 === 0 ? 'revocable' : 'fakestripe', {}, base + Math.floor(i / 3) * 1000)
        made.push({ id: c.id, createdAt: c.createdAt })
      }
      await seed(other.owner, 'fakestripe')
      await db()
        .updateTable('connections')
        .set({ status: 'needs_reauth', status_reason: 'refresh failed' })
        .where('id', '=', made[4]!.id)
        .execute()
      const expected = [...made].sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)).map((c) => c.id)

      const seen: string[] = []
      let cursor: string | null = null
      let pages = 0
      do {
        const page: Answer = await call(v1(`/connections?limit=7${cursor ? `&cursor=${cursor}` : ''}`), { token })
        expect(page.status).toBe(200)
        expect(page.json.data.length).toBeLessThanOrEqual(7)
        seen.push(...page.json.data.map((c: { id: string }) => c.id))
        cursor = page.json.next_cursor
        pages++
      } while (cursor)
      expect(pages).toBe(5)
      expect(seen).toEqual(expected)

      const first = await call(v1('/connections'), { token })
      expect(first.json.data).toHaveLength(25)
      expect(first.json.next_cursor).toEqual(expect.any(String))
      const item = first.json.data[0]
      expect(Object.keys(item).sort()).toEqual(
        [
          'account_identifier',
          'app',
          'auth_option',
          'auth_type',
          'created_at',
          'expires_at',
          'id',
          'metadata',
          'name',
          'params',
          'scopes',
          'status',
          'status_reason',
          'updated_at',
        ].sort(),
      )
      expect(first.text).not.toContain(GOOD_KEY)

      const revocable = await call(v1('/connections?app=revocable&limit=100'), { token })
      expect(revocable.json.data.map((c: { id: string }) => c.id)).toEqual(
        expected.filter((id) => made.findIndex((m) => m.id === id) % 3 === 0),
      )
      expect(revocable.json.next_cursor).toBeNull()
      const broken = await call(v1('/connections?status=needs_reauth'), { token })
      expect(broken.json.data).toEqual([
        expect.objectContaining({ id: made[4]!.id, status: 'needs_reauth', status_reason: 'refresh failed' }),
      ])
      const none = await call(v1('/connections?app=revocable&status=needs_reauth'), { token })
      expect(none.json).toEqual({ data: [], next_cursor: null })
    })

    it('answers a kept first page with the bytes and content type of a page read from the database', async () => {
      // The first page without filters is kept and its answer serialized once (routes/v1/connections.ts);
      // `?status=active` selects the same rows here but is read and serialized on every call.
      const { token, owner } = await login('lister-kept')
      await seed(owner, 'fakestripe', { params: { region: 'eu' }, metadata: { plan: 'pro' }, expiresAt: Date.now() + 3_600_000 })
      await seed(owner, 'revocable', { scopes: ['read', 'write'], accountIdentifier: 'acct_1' })
      const read = await call(v1('/connections?status=active'), { token })
      const first = await call(v1('/connections'), { token })
      const kept = await call(v1('/connections'), { token })
      expect(read.json.data).toHaveLength(2)
      for (const answer of [first, kept]) {
        expect(answer.status).toBe(200)
        expect(answer.text).toBe(read.text)
        expect(answer.headers.get('content-type')).toBe(read.headers.get('content-type'))
      }
      expect(read.headers.get('content-type')).toBe('application/json; charset=utf-8')

      // A write drops the kept page, and with it the answer built from it.
      const [renamed] = read.json.data as Array<{ id: string }>
      expect((await call(v1(`/connections/${renamed!.id}`), { method: 'PATCH', token, body: { name: 'Billing' } })).status).toBe(200)
      const after = await call(v1('/connections'), { token })
      expect(after.json.data.find((c: { id: string }) => c.id === renamed!.id).name).toBe('Billing')
      expect(after.text).toBe((await call(v1('/connections?status=active'), { token })).text)
    })

    it('refuses a bad limit, cursor, status or unknown parameter with PB_ERR_VALIDATION naming it', async () => {
      const { token } = await login('lister-bad')
      for (const [query, path] of [
        ['limit=0', 'querystring.limit'],
        ['limit=101', 'querystring.limit'],
        ['limit=ten', 'querystring.limit'],
        ['cursor=not-a-cursor', 'querystring.cursor'],
        [`cursor=${Buffer.from('["x","y"]').toString('base64url')}`, 'querystring.cursor'],
        ['status=deleted', 'querystring.status'],
        ['app=Not%20An%20App', 'querystring.app'],
        ['sort=id', 'querystring'],
      ] as const) {
        const res = await call(v1(`/connections?${query}`), { token })
        expect(res.status, query).toBe(400)
        expect(res.json.error.code, query).toBe('PB_ERR_VALIDATION')
        expect(res.json.error.message, query).toContain(path)
      }
    })
  })

  describe('GET, PATCH /v1/connections/{id}', () => {
    it('gets one connection and answers an unknown id with PB_ERR_NOT_FOUND', async () => {
      const { token, owner } = await login('getter')
      const c = await seed(owner, 'fakebasic', {
        authOption: 'token',
        authType: 'basic',
        params: { site: 'acme' },
        accountIdentifier: 'ops@acme.test',
        metadata: { account_id: 'acc-acme' },
        credentials: { email: 'ops@acme.test', api_token: 'good-token' },
      })
      const res = await call(v1(`/connections/${c.id}`), { token })
      expect(res.status).toBe(200)
      expect(res.json).toEqual({
        id: c.id,
        app: 'fakebasic',
        auth_option: 'token',
        auth_type: 'basic',
        status: 'active',
        status_reason: null,
        account_identifier: 'ops@acme.test',
        name: null,
        scopes: [],
        params: { site: 'acme' },
        metadata: { account_id: 'acc-acme' },
        expires_at: null,
        created_at: new Date(c.createdAt).toISOString(),
        updated_at: new Date(c.updatedAt).toISOString(),
      })
      expect(res.text).not.toContain('good-token')
      const missing = await call(v1('/connections/conn_doesnotexist'), { token })
      expect(missing.status).toBe(404)
      expect(missing.json).toEqual({ error: { code: 'PB_ERR_NOT_FOUND', message: 'connection conn_doesnotexist not found' } })
    })

    it('renames a connection, clears the name with null, and refuses bad names', async () => {
      const { token, owner } = await login('renamer')
      const c = await seed(owner, 'fakestripe', {}, Date.now() - 5000)
      const renamed = await call(v1(`/connections/${c.id}`), { method: 'PATCH', token, body: { name: 'Billing account' } })
      expect(renamed.status).toBe(200)
      expect(renamed.json.name).toBe('Billing account')
      expect(Date.parse(renamed.json.updated_at)).toBeGreaterThan(c.updatedAt)
      expect((await call(v1(`/connections/${c.id}`), { token })).json.name).toBe('Billing account')
      const stored = await t.server.services.connections.get(owner, c.id)
      expect(stored?.version).toBe(c.version)
      expect(await t.server.services.connections.credentials(c)).toEqual({ api_key: GOOD_KEY })

      const cleared = await call(v1(`/connections/${c.id}`), { method: 'PATCH', token, body: { name: null } })
      expect(cleared.json.name).toBeNull()

      for (const body of [{ name: '' }, { name: '   ' }, { name: 'x'.repeat(201) }, { name: 7 }, {}, { name: 'ok', status: 'active' }]) {
        const res = await call(v1(`/connections/${c.id}`), { method: 'PATCH', token, body })
        expect(res.status, JSON.stringify(body)).toBe(400)
        expect(res.json.error.code).toBe('PB_ERR_VALIDATION')
        expect(res.json.error.message).toContain('body')
      }
      const missing = await call(v1('/connections/conn_nope'), { method: 'PATCH', token, body: { name: 'x' } })
      expect(missing.status).toBe(404)
    })
  })

  describe('DELETE /v1/connections/{id}', () => {
    it('deletes an API-key connection and sends connection.deleted in the same transaction', async () => {
      const { token, owner } = await login('deleter', { org: 'org-del' })
      const c = await seed(owner, 'fakestripe')
      const res = await call(v1(`/connections/${c.id}`), { method: 'DELETE', token })
      expect(res.status).toBe(204)
      expect(res.text).toBe('')
      expect((await call(v1(`/connections/${c.id}`), { token })).status).toBe(404)
      const deleted = (await events('connection.deleted')).filter((e) => e.data.connection_id === c.id)
      expect(deleted).toHaveLength(1)
      expect(deleted[0]!.data).toMatchObject({
        connection_id: c.id,
        app: 'fakestripe',
        end_user: { tenant_id: 'org-del', user_id: 'deleter' },
        connection: { id: c.id, app: 'fakestripe' },
      })
      expect(JSON.stringify(deleted[0])).not.toContain(GOOD_KEY)
      // Nothing to revoke for an API key.
      expect(api.requests.filter((r) => r.path === '/rv/revoke')).toEqual([])
      const again = await call(v1(`/connections/${c.id}`), { method: 'DELETE', token })
      expect(again.status).toBe(404)
      expect(again.json.error.code).toBe('PB_ERR_NOT_FOUND')
    })

    it('revokes the refresh and access tokens at the revocation endpoint (RFC 7009) with client authentication', async () => {
      const { token, owner } = await login('revoker')
      const c = await seed(owner, 'revocable', {
        authOption: 'oauth2',
        authType: 'oauth2',
        scopes: ['read'],
        credentials: { access_token: 'rv-access-123', refresh_token: 'rv-refresh-456', token_type: 'Bearer' },
        expiresAt: Date.now() + 3600_000,
      })
      const res = await call(v1(`/connections/${c.id}`), { method: 'DELETE', token })
      expect(res.status).toBe(204)
      const revocations = api.requests.filter((r) => r.path === '/rv/revoke')
      expect(revocations).toHaveLength(2)
      // RFC 6749 §2.3.1: form-urlencoded, then Basic.
      const basic = basicAuth(RV_CLIENT.clientId, RV_CLIENT.clientSecret)
      for (const r of revocations) {
        expect(r.method).toBe('POST')
        expect(r.headers['content-type']).toBe('application/x-www-form-urlencoded')
        expect(r.headers.authorization).toBe(basic)
      }
      expect(Object.fromEntries(new URLSearchParams(revocations[0]!.body))).toEqual({
        token: 'rv-refresh-456',
        token_type_hint: 'refresh_token',
      })
      expect(Object.fromEntries(new URLSearchParams(revocations[1]!.body))).toEqual({
        token: 'rv-access-123',
        token_type_hint: 'access_token',
      })
      expect(await t.server.services.connections.get(owner, c.id)).toBeUndefined()
    })

    it('still deletes when the revocation fails, logging it without the token', async () => {
      revokeStatus = 503
      const { token, owner } = await login('revoker-down')
      const c = await seed(owner, 'revocable', {
        authOption: 'oauth2',
        authType: 'oauth2',
        credentials: { access_token: 'rv-access-down', refresh_token: 'rv-refresh-down', token_type: 'Bearer' },
      })
      const res = await call(v1(`/connections/${c.id}`), { method: 'DELETE', token })
      expect(res.status).toBe(204)
      expect(api.requests.filter((r) => r.path === '/rv/revoke')).toHaveLength(2)
      expect(await t.server.services.connections.get(owner, c.id)).toBeUndefined()
      expect((await events('connection.deleted')).some((e) => e.data.connection_id === c.id)).toBe(true)
      const logs = t.logs.join('\n')
      expect(logs).toContain('token revocation failed')
      for (const secret of ['rv-access-down', 'rv-refresh-down', RV_CLIENT.clientSecret]) expect(logs).not.toContain(secret)
    })
  })

  describe('POST /v1/connections', () => {
    it('creates an API-key connection after the app accepted the key, and announces it', async () => {
      const { token, owner } = await login('creator', { org: 'org-new' })
      const old = await seed(owner, 'fakestripe')
      const res = await call(v1('/connections'), {
        method: 'POST',
        token,
        body: { app: 'fakestripe', name: 'Main account', credentials: { api_key: `  ${GOOD_KEY} ` } },
      })
      expect(res.status).toBe(201)
      expect(res.json).toMatchObject({
        app: 'fakestripe',
        auth_option: 'api_key',
        auth_type: 'api_key',
        status: 'active',
        name: 'Main account',
        account_identifier: 'billing@acme.test',
        metadata: { stripe_account_id: 'acct_local' },
        params: {},
        expires_at: null,
      })
      expect(res.text).not.toContain(GOOD_KEY)
      // The app was asked with the key, the Stripe way.
      const check = api.requests.find((r) => r.path === '/v1/account')
      expect(check?.headers.authorization).toBe(`Bearer ${GOOD_KEY}`)
      const stored = await t.server.services.connections.get(owner, res.json.id)
      expect(await t.server.services.connections.credentials(stored!)).toEqual({ api_key: GOOD_KEY })
      // Like the Connect flow: the new connection replaces the user's previous one of the same app…
      expect(await t.server.services.connections.get(owner, old.id)).toBeUndefined()
      const created = (await events('connection.created')).filter((e) => (e.data.connection as { id: string }).id === res.json.id)
      expect(created).toHaveLength(1)
      expect(created[0]!.data).toMatchObject({ operation: 'creation', end_user: { tenant_id: 'org-new', user_id: 'creator' } })

      // …unless allow_multiple keeps it.
      const second = await call(v1('/connections'), {
        method: 'POST',
        token,
        body: { app: 'fakestripe', auth_option: 'api_key', allow_multiple: true, credentials: { api_key: GOOD_KEY } },
      })
      expect(second.status).toBe(201)
      const list = await call(v1('/connections?app=fakestripe'), { token })
      expect(list.json.data.map((c: { id: string }) => c.id).sort()).toEqual([res.json.id, second.json.id].sort())
    })

    it('answers 422 PB_ERR_CREDENTIALS_REJECTED when the app refuses the key, and stores nothing', async () => {
      const { token } = await login('creator-refused')
      const connections = await connectionCount()
      const created = (await events('connection.created')).length
      const res = await call(v1('/connections'), {
        method: 'POST',
        token,
        body: { app: 'fakestripe', credentials: { api_key: REFUSED_KEY } },
      })
      expect(res.status).toBe(422)
      expect(res.json.error.code).toBe('PB_ERR_CREDENTIALS_REJECTED')
      expect(res.json.error.message).toContain('did not accept these credentials (HTTP 401)')
      expect(res.text).not.toContain(REFUSED_KEY)
      expect(await connectionCount()).toBe(connections)
      expect((await events('connection.created')).length).toBe(created)
    })

    it('validates like the Connect UI form: PB_ERR_VALIDATION naming the field, before asking the app', async () => {
      const { token } = await login('creator-invalid')
      const connections = await connectionCount()
      const cases: Array<[unknown, string]> = [
        [
          { app: 'fakestripe', credentials: { api_key: 'not-a-stripe-key' } },
          'body.credentials.api_key: API key is not in the expected format',
        ],
        [{ app: 'fakestripe', credentials: {} }, 'body.credentials.api_key: API key is required'],
        [{ app: 'fakestripe', credentials: { api_key: GOOD_KEY, password: 'x' } }, 'body.credentials.password: unknown credential'],
        [{ app: 'fakestripe', credentials: { api_key: 42 } }, 'body.credentials'],
        [{ app: 'fakestripe' }, 'body'],
        [{ app: 'fakestripe', credentials: { api_key: GOOD_KEY }, extra: 1 }, 'body'],
        [{ app: 'fakestripe', auth_option: 'oauth', credentials: { api_key: GOOD_KEY } }, 'body.auth_option'],
        [
          { app: 'fakestripe', params: { region: 'eu' }, credentials: { api_key: GOOD_KEY } },
          'body.params.region: unknown connection parameter',
        ],
        [
          { app: 'fakebasic', params: { site: 'Not A Site!' }, credentials: { email: 'ops@acme.test', api_token: 'good-token' } },
          'body.params.site: Site name is not valid (for example: acme)',
        ],
        [{ app: 'fakebasic', credentials: { email: 'ops@acme.test', api_token: 'good-token' } }, 'body.params.site: Site name is required'],
        [{ app: 'revocable', credentials: {} }, 'body.app'],
        [{ app: 'revocable', auth_option: 'oauth2', credentials: {} }, 'body.auth_option: "oauth2" is an oauth2 option'],
        [{ app: 'http', credentials: {} }, 'body.app: HTTP is used without a connection'],
      ]
      for (const [body, message] of cases) {
        const res = await call(v1('/connections'), { method: 'POST', token, body })
        expect(res.status, JSON.stringify(body)).toBe(400)
        expect(res.json.error.code).toBe('PB_ERR_VALIDATION')
        expect(res.json.error.message).toContain(message)
      }
      expect(api.requests).toEqual([])
      expect(await connectionCount()).toBe(connections)

      const unknown = await call(v1('/connections'), { method: 'POST', token, body: { app: 'nosuchapp', credentials: {} } })
      expect(unknown.status).toBe(404)
      expect(unknown.json.error).toEqual({ code: 'PB_ERR_NOT_FOUND', message: 'body.app: no app "nosuchapp"' })
    })

    it('creates a basic-auth connection with a connection parameter templated into the check URL', async () => {
      const { token } = await login('creator-basic')
      const res = await call(v1('/connections'), {
        method: 'POST',
        token,
        body: { app: 'fakebasic', params: { site: 'acme' }, credentials: { email: 'ops@acme.test', api_token: 'good-token' } },
      })
      expect(res.status).toBe(201)
      expect(res.json).toMatchObject({
        auth_type: 'basic',
        params: { site: 'acme' },
        account_identifier: 'ops@acme.test',
        metadata: { account_id: 'acc-acme' },
      })
      expect(api.requests.map((r) => r.path)).toEqual(['/basic/acme/myself'])
      const refused = await call(v1('/connections'), {
        method: 'POST',
        token,
        body: { app: 'fakebasic', params: { site: 'acme' }, credentials: { email: 'ops@acme.test', api_token: 'wrong' } },
      })
      expect(refused.status).toBe(422)
      expect(refused.json.error.code).toBe('PB_ERR_CREDENTIALS_REJECTED')
    })

    it('creates a client-credentials connection with its first token, and refuses a bad client secret with 422', async () => {
      const { token, owner } = await login('creator-cc')
      const res = await call(v1('/connections'), {
        method: 'POST',
        token,
        body: { app: 'fakecc', credentials: { client_id: 'cc-client', client_secret: 'cc-secret' } },
      })
      expect(res.status).toBe(201)
      expect(res.json).toMatchObject({ auth_type: 'oauth2_client_credentials', account_identifier: 'cc-account' })
      expect(Date.parse(res.json.expires_at)).toBeGreaterThan(Date.now())
      const stored = await t.server.services.connections.get(owner, res.json.id)
      expect(await t.server.services.connections.credentials(stored!)).toMatchObject({
        client_id: 'cc-client',
        client_secret: 'cc-secret',
        access_token: 'cc-access-token',
      })
      const before = await connectionCount()
      const refused = await call(v1('/connections'), {
        method: 'POST',
        token,
        body: { app: 'fakecc', credentials: { client_id: 'cc-client', client_secret: 'wrong' } },
      })
      expect(refused.status).toBe(422)
      expect(refused.json.error.code).toBe('PB_ERR_CREDENTIALS_REJECTED')
      expect(refused.text).not.toContain('wrong')
      expect(await connectionCount()).toBe(before)
    })
  })

  describe('GET /v1/apps', () => {
    /** Every app, page after page of `limit`. */
    async function allApps(token: string, limit?: number): Promise<{ key: string }[]> {
      const apps: { key: string }[] = []
      let cursor: string | null = null
      for (let i = 0; i < 200; i++) {
        const query = [limit ? `limit=${limit}` : '', cursor ? `cursor=${cursor}` : ''].filter(Boolean).join('&')
        const page: { data: { key: string }[]; next_cursor: string | null } = (
          await call(v1(`/apps${query ? `?${query}` : ''}`), { token })
        ).json
        if (limit) expect(page.data.length).toBeLessThanOrEqual(limit)
        apps.push(...page.data)
        cursor = page.next_cursor
        if (!cursor) return apps
      }
      throw new Error('more than 200 pages')
    }

    it('pages with a cursor, and narrows by words and category', async () => {
      const { token } = await login('browser', { scope: 'connect' })
      const first = (await call(v1('/apps'), { token })).json
      // 100 a page by default: the catalog has more.
      expect(first.data).toHaveLength(100)
      expect(first.next_cursor).toEqual(expect.any(String))
      const keys = (await allApps(token)).map((a) => a.key)
      expect(keys).toEqual([...keys].sort())
      expect(new Set(keys).size).toBe(keys.length)
      expect((await allApps(token, 7)).map((a) => a.key)).toEqual(keys)
      const found = (await call(v1('/apps?q=stripe%20payments'), { token })).json
      expect(found.data.map((a: { key: string }) => a.key)).toContain('stripe')
      expect(
        found.data.every((a: { name: string; description: string; key: string }) =>
          `${a.key} ${a.name} ${a.description}`.toLowerCase().includes('stripe'),
        ),
      ).toBe(true)
      const payments = (await call(v1('/apps?category=payments'), { token })).json
      expect(payments.data.length).toBeGreaterThan(0)
      expect(payments.data.every((a: { categories: string[] }) => a.categories.includes('payments'))).toBe(true)
      // A cursor naming an app that has left the catalog still pages on after it; a cursor that is no key is a 400.
      const afterGone = (await call(v1(`/apps?cursor=${Buffer.from('stripe_removed').toString('base64url')}`), { token })).json
      expect(afterGone.data[0].key > 'stripe_removed').toBe(true)
      expect((await call(v1(`/apps?cursor=${Buffer.from('NOPE!').toString('base64url')}`), { token })).status).toBe(400)
      expect((await call(v1('/apps?limit=0'), { token })).status).toBe(400)
    })

    it('lists the apps this partner offers, with form fields and connect links (null when no auth is needed)', async () => {
      const { token } = await login('browser', { scope: 'connect' })
      const res = await call(v1('/apps?limit=200'), { token })
      expect(res.status).toBe(200)
      expect(res.json.next_cursor).toBeNull()
      const byKey = new Map(res.json.data.map((a: { key: string }) => [a.key, a]))
      const keys = [...byKey.keys()] as string[]
      expect(keys).toEqual([...keys].sort())
      // OAuth apps need the partner's own client: configured ones are offered, the others are not.
      expect(keys).toContain('revocable')
      expect(keys).not.toContain('oauthonly')
      expect(keys).not.toContain('github')
      expect(keys).toEqual(expect.arrayContaining(['fakestripe', 'stripe', 'fakebasic', 'fakecc', 'http', 'jira']))

      expect(byKey.get('http')).toMatchObject({ key: 'http', connect_link: null, auth: [{ key: 'none', type: 'none', fields: [] }] })
      expect(byKey.get('stripe')).toEqual({
        key: 'stripe',
        name: 'Stripe',
        description: expect.any(String),
        categories: ['payments', 'accounting'],
        logo_url: `${t.config.publicUrl}/assets/apps/stripe.svg`,
        brand_color: '#635BFF',
        docs_url: 'https://docs.stripe.com/api/authentication',
        auth: [
          {
            key: 'api_key',
            type: 'api_key',
            label: 'Secret or restricted key',
            fields: [
              {
                key: 'api_key',
                label: 'API key',
                kind: 'credential',
                help: expect.any(String),
                pattern: '^(sk|rk)_(test|live)_[A-Za-z0-9]{10,247}$',
                example: 'rk_live_…',
                secret: true,
                optional: false,
              },
            ],
          },
        ],
        connect_link: `${t.config.publicUrl}/to/stripe`,
      })
      expect(byKey.get('fakebasic')).toMatchObject({
        logo_url: null,
        auth: [
          {
            type: 'basic',
            fields: [
              { key: 'site', kind: 'param', pattern: '^[a-z0-9-]{1,30}$' },
              { key: 'email', kind: 'credential', secret: false },
              { key: 'api_token', kind: 'credential', secret: true },
            ],
          },
        ],
      })
      expect(byKey.get('revocable')).toMatchObject({
        connect_link: `${t.config.publicUrl}/to/revocable`,
        auth: [{ type: 'oauth2', fields: [] }],
      })
      // Nothing of the partner's OAuth client is described.
      expect(res.text).not.toContain(RV_CLIENT.clientId)
      const logo = await fetch(byKey.get('stripe') ? `${t.url}/assets/apps/stripe.svg` : '')
      expect(logo.status).toBe(200)
      await logo.arrayBuffer()
    })

    it('gets one app, and answers unknown or unavailable apps with PB_ERR_NOT_FOUND', async () => {
      const { token } = await login('browser-one', { scope: 'proxy' })
      const httpApp = await call(v1('/apps/http'), { token })
      expect(httpApp.status).toBe(200)
      expect(httpApp.json.connect_link).toBeNull()
      expect((await call(v1('/apps/fakestripe'), { token })).json.connect_link).toBe(`${t.config.publicUrl}/to/fakestripe`)
      for (const key of ['oauthonly', 'github', 'nosuchapp']) {
        const res = await call(v1(`/apps/${key}`), { token })
        expect(res.status, key).toBe(404)
        expect(res.json.error).toEqual({ code: 'PB_ERR_NOT_FOUND', message: `no app "${key}"` })
      }
      expect((await call(v1('/apps'))).status).toBe(401)
    })
  })

  it('enforces scopes: connections:read to read, connections:write to change (PB_ERR_INSUFFICIENT_SCOPE)', async () => {
    const full = await login('scoped')
    const c = await seed(full.owner, 'fakestripe')
    const reader = await login('scoped', { scope: 'connections:read' })
    const connectOnly = await login('scoped', { scope: 'connect' })

    expect((await call(v1('/connections'), { token: reader.token })).status).toBe(200)
    expect((await call(v1(`/connections/${c.id}`), { token: reader.token })).status).toBe(200)
    const writes: Array<[string, string, unknown]> = [
      ['PATCH', `/connections/${c.id}`, { name: 'x' }],
      ['DELETE', `/connections/${c.id}`, undefined],
      ['POST', '/connections', { app: 'fakestripe', credentials: { api_key: GOOD_KEY } }],
    ]
    for (const [method, path, body] of writes) {
      const res = await call(v1(path), { method, token: reader.token, body })
      expect(res.status, `${method} ${path}`).toBe(403)
      expect(res.json.error.code).toBe('PB_ERR_INSUFFICIENT_SCOPE')
      expect(res.json.error.message).toContain('connections:write')
      expect(res.headers.get('www-authenticate')).toContain('scope="connections:write"')
    }
    for (const path of ['/connections', `/connections/${c.id}`]) {
      const res = await call(v1(path), { token: connectOnly.token })
      expect(res.status, path).toBe(403)
      expect(res.json.error.message).toContain('connections:read')
    }
    expect(api.requests).toEqual([])
    expect(await t.server.services.connections.get(full.owner, c.id)).toMatchObject({ id: c.id, name: null })
    expect((await call(v1('/connections'))).status).toBe(401)
  })

  describe('GET /v1/partner/connections', () => {
    it("lists every end user's connections with client credentials (HTTP Basic), filtered and paged", async () => {
      const a = await login('op-alice', { org: 'op-tenant-1' })
      const b = await login('op-bob', { org: 'op-tenant-1' })
      const c = await login('op-alice', { org: 'op-tenant-2' })
      const now = Date.now()
      const ca = await seed(a.owner, 'fakestripe', {}, now - 3000)
      const cb = await seed(
        b.owner,
        'revocable',
        { authOption: 'oauth2', authType: 'oauth2', credentials: { access_token: 'x' } },
        now - 2000,
      )
      const cc = await seed(c.owner, 'fakestripe', {}, now - 1000)
      const auth = basicAuth(t.partner.clientId, t.partner.clientSecret)

      const tenant = await call(v1('/partner/connections?tenant_id=op-tenant-1'), { auth })
      expect(tenant.status).toBe(200)
      expect(tenant.json.data.map((x: { id: string }) => x.id)).toEqual([ca.id, cb.id])
      expect(tenant.json.data[0].end_user).toEqual({ tenant_id: 'op-tenant-1', user_id: 'op-alice' })
      expect(tenant.json.data[1].end_user).toEqual({ tenant_id: 'op-tenant-1', user_id: 'op-bob' })
      expect(tenant.text).not.toContain(GOOD_KEY)

      const alice = await call(v1('/partner/connections?user_id=op-alice'), { auth })
      expect(alice.json.data.map((x: { id: string }) => x.id)).toEqual([ca.id, cc.id])
      const aliceTwo = await call(v1('/partner/connections?user_id=op-alice&tenant_id=op-tenant-2'), { auth })
      expect(aliceTwo.json.data.map((x: { id: string }) => x.id)).toEqual([cc.id])
      const byApp = await call(v1('/partner/connections?tenant_id=op-tenant-1&app=revocable'), { auth })
      expect(byApp.json.data.map((x: { id: string }) => x.id)).toEqual([cb.id])

      const all: string[] = []
      let cursor: string | null = null
      do {
        const page: Answer = await call(v1(`/partner/connections?limit=2${cursor ? `&cursor=${cursor}` : ''}`), { auth })
        expect(page.status).toBe(200)
        all.push(...page.json.data.map((x: { id: string }) => x.id))
        cursor = page.json.next_cursor
      } while (cursor)
      expect(all).toContain(ca.id)
      expect(new Set(all).size).toBe(all.length)
      expect(all.length).toBe(await connectionCount())
    })

    it("reads and deletes any end user's connection by id (GET and DELETE /v1/partner/connections/{id}), another partner's never", async () => {
      const owner = await login('op-carol', { org: 'op-tenant-3' })
      const c = await seed(owner.owner, 'fakestripe')
      const auth = basicAuth(t.partner.clientId, t.partner.clientSecret)
      const other = await t.addPartner({ id: 'op-other' })

      const got = await call(v1(`/partner/connections/${c.id}`), { auth })
      expect(got.status).toBe(200)
      expect(got.json).toMatchObject({ id: c.id, app: 'fakestripe', end_user: { tenant_id: 'op-tenant-3', user_id: 'op-carol' } })
      expect(got.text).not.toContain(GOOD_KEY)
      const foreign = basicAuth(other.clientId, other.clientSecret)
      for (const method of ['GET', 'DELETE']) {
        const refused = await call(v1(`/partner/connections/${c.id}`), { auth: foreign, method })
        expect(refused.status).toBe(404)
        expect(refused.json.error.code).toBe('PB_ERR_NOT_FOUND')
      }

      const deleted = await call(v1(`/partner/connections/${c.id}`), { auth, method: 'DELETE' })
      expect(deleted.status).toBe(204)
      expect((await call(v1(`/partner/connections/${c.id}`), { auth })).status).toBe(404)
      expect((await call(v1(`/connections/${c.id}`), { token: owner.token })).status).toBe(404)
      expect((await events('connection.deleted')).some((e) => e.data.connection_id === c.id)).toBe(true)
      expect((await call(v1(`/partner/connections/${c.id}`), { auth, method: 'DELETE' })).status).toBe(404)
    })

    it('refuses requests without valid client credentials (401, WWW-Authenticate: Basic)', async () => {
      const { token } = await login('op-intruder')
      for (const auth of [undefined, basicAuth(t.partner.clientId, 'wrong-secret'), `Bearer ${token}`]) {
        const res = await call(v1('/partner/connections'), auth ? { auth } : {})
        expect(res.status).toBe(401)
        expect(res.json.error.code).toBe('PB_ERR_UNAUTHORIZED')
        expect(res.headers.get('www-authenticate')).toContain('Basic')
      }
      const bad = await call(v1('/partner/connections?limit=500'), { auth: basicAuth(t.partner.clientId, t.partner.clientSecret) })
      expect(bad.status).toBe(400)
      expect(bad.json.error.message).toContain('querystring.limit')
    })
  })
})

describe.each(databaseTargets)('DELETE /v1/connections/{id} at a real OAuth server ($name)', (target) => {
  let s: ConnectSetup

  beforeAll(async () => {
    s = await startConnectSetup(target)
  })
  afterAll(() => s?.close())

  async function accessToken(sub: string): Promise<string> {
    const res = await fetch(`${s.t.url}/oauth/token`, {
      method: 'POST',
      headers: { authorization: basicAuth(s.t.partner.clientId, s.t.partner.clientSecret) },
      body: new URLSearchParams({ grant_type: TOKEN_EXCHANGE, subject_token: await s.t.sign({ sub }), subject_token_type: JWT_TYPE }),
    })
    return ((await res.json()) as { access_token: string }).access_token
  }

  it('revokes the grant at the provider: its userinfo refuses the access token and the refresh token is dead', async () => {
    // The whole Connect flow over HTTP: login and consent at the oidc-provider.
    const jar = new CookieJar()
    const { code } = await s.session({}, 'revoked-user')
    const { page } = await openConnect(s.t.url, `/to/oidc?token=${code}`, jar)
    expect(page.status).toBe(303)
    const callback = await authorizeAtProvider(page.location as string, {
      username: 'revoked-user',
      stopAt: `${s.t.url}/oauth2/callback/oidc`,
    })
    expect((await http(callback.href, { jar })).status).toBe(200)

    const token = await accessToken('revoked-user')
    const list = await call(`${s.t.url}/v1/connections?app=oidc`, { token })
    expect(list.json.data).toHaveLength(1)
    const id = list.json.data[0].id as string
    const creds = await call(`${s.t.url}/v1/connections/${id}/credentials`, { token })
    const { access_token, refresh_token } = creds.json.credentials as { access_token: string; refresh_token: string }
    expect(refresh_token).toEqual(expect.any(String))
    const userinfo = () => fetch(s.provider.endpoints.userinfo, { headers: { authorization: `Bearer ${access_token}` } })
    expect((await userinfo()).status).toBe(200)

    const res = await call(`${s.t.url}/v1/connections/${id}`, { method: 'DELETE', token })
    expect(res.status).toBe(204)
    expect(s.provider.stats.revocation).toBeGreaterThanOrEqual(1)
    expect((await userinfo()).status).toBe(401)
    const client = s.provider.clients[0] as { clientId: string; clientSecret: string }
    const refreshed = await fetch(s.provider.endpoints.token, {
      method: 'POST',
      headers: { authorization: basicAuth(client.clientId, client.clientSecret), 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token }),
    })
    expect(refreshed.status).toBe(400)
    expect(((await refreshed.json()) as { error: string }).error).toBe('invalid_grant')
    expect((await call(`${s.t.url}/v1/connections/${id}`, { token })).status).toBe(404)
  })
})
