import * as oauth from 'oauth4webapi'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { databaseTargets } from '../helpers/databases.js'
import { startTestServer, type TestServer } from '../helpers/test-server.js'
import { exchange } from '../helpers/token-request.js'

const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange'
const JWT_TYPE = 'urn:ietf:params:oauth:token-type:jwt'
const SESSION_TYPE = 'urn:patchbay:params:oauth:token-type:connect_session'

describe.each(databaseTargets)('token exchange with oauth4webapi ($name)', (target) => {
  let t: TestServer
  let as: oauth.AuthorizationServer
  let client: oauth.Client
  const insecure = { [oauth.allowInsecureRequests]: true }

  beforeAll(async () => {
    t = await startTestServer({ target })
    const issuer = new URL(t.url)
    as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, { ...insecure, algorithm: 'oauth2' }))
    client = { client_id: t.partner.clientId }
  })
  afterAll(() => t?.close())

  it('discovers the token endpoint from /.well-known/oauth-authorization-server', () => {
    expect(as.token_endpoint).toBe(`${t.url}/oauth/token`)
    expect(as.grant_types_supported).toEqual([TOKEN_EXCHANGE])
  })

  it('exchanges a partner JWT for an access token (client_secret_basic) that works on /v1/me', async () => {
    const subject = await t.sign({ sub: 'alice', org: 'org-9' })
    const res = await oauth.genericTokenEndpointRequest(
      as,
      client,
      oauth.ClientSecretBasic(t.partner.clientSecret),
      TOKEN_EXCHANGE,
      { subject_token: subject, subject_token_type: JWT_TYPE },
      insecure,
    )
    expect(res.headers.get('cache-control')).toBe('no-store')
    const tokens = await oauth.processGenericTokenEndpointResponse(as, client, res)
    expect(tokens.token_type).toBe('bearer')
    expect(tokens.issued_token_type).toBe('urn:ietf:params:oauth:token-type:access_token')
    expect(tokens.expires_in).toBe(3600)
    expect(tokens.scope).toBe('connect connections:read connections:write credentials proxy actions')

    const me = await oauth.protectedResourceRequest(tokens.access_token, 'GET', new URL(`${t.url}/v1/me`), undefined, undefined, insecure)
    expect(me.status).toBe(200)
    expect(await me.json()).toMatchObject({ partner_id: 'acme', tenant_id: 'org-9', user_id: 'alice' })
  })

  it('exchanges with client_secret_post and a narrower scope', async () => {
    const res = await oauth.genericTokenEndpointRequest(
      as,
      client,
      oauth.ClientSecretPost(t.partner.clientSecret),
      TOKEN_EXCHANGE,
      { subject_token: await t.sign(), subject_token_type: JWT_TYPE, scope: 'connections:read' },
      insecure,
    )
    const tokens = await oauth.processGenericTokenEndpointResponse(as, client, res)
    expect(tokens.scope).toBe('connections:read')
    const session = await fetch(`${t.url}/v1/connect/sessions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tokens.access_token}`, 'content-type': 'application/json' },
      body: '{}',
    })
    expect(session.status).toBe(403)
    expect((await session.json()).error.code).toBe('PB_ERR_INSUFFICIENT_SCOPE')
  })

  it('issues a connect session code when requested_token_type asks for one', async () => {
    const before = await t.counts()
    const res = await oauth.genericTokenEndpointRequest(
      as,
      client,
      oauth.ClientSecretBasic(t.partner.clientSecret),
      TOKEN_EXCHANGE,
      {
        subject_token: await t.sign({ sub: 'bob' }),
        subject_token_type: JWT_TYPE,
        requested_token_type: SESSION_TYPE,
        apps: 'github slack',
        redirect_uri: 'https://partner.example/connected',
        custom_state: 'xyz',
      },
      insecure,
    )
    const tokens = await oauth.processGenericTokenEndpointResponse(as, client, res, { recognizedTokenTypes: { n_a: () => {} } })
    expect(tokens.token_type).toBe('n_a')
    expect(tokens.issued_token_type).toBe(SESSION_TYPE)
    expect(tokens.access_token).toMatch(/^pbsc_[A-Za-z0-9_-]{43}$/)
    expect(tokens.expires_in).toBe(600)
    const after = await t.counts()
    expect(after.connect_sessions).toBe(before.connect_sessions + 1)
    expect(after.access_tokens).toBe(before.access_tokens)
    const row = await t.server.services.database.db
      .selectFrom('connect_sessions')
      .selectAll()
      .where('id', '=', String(tokens.session_id))
      .executeTakeFirstOrThrow()
    expect(JSON.parse(row.apps)).toEqual(['github', 'slack'])
    expect(row.allowed_origin).toBe('https://partner.example')
    expect(row.custom_state).toBe('xyz')
    // Stored hashed: the code itself is nowhere in the row.
    expect(JSON.stringify(row)).not.toContain(tokens.access_token)
  })

  it('creates the end user once per (partner, tenant, user)', async () => {
    const before = await t.counts()
    for (let i = 0; i < 3; i++) {
      const res = await oauth.genericTokenEndpointRequest(
        as,
        client,
        oauth.ClientSecretBasic(t.partner.clientSecret),
        TOKEN_EXCHANGE,
        { subject_token: await t.sign({ sub: 'carol', org: 'org-c' }), subject_token_type: JWT_TYPE },
        insecure,
      )
      expect(res.status).toBe(200)
    }
    const after = await t.counts()
    expect(after.end_users).toBe(before.end_users + 1)
    expect(after.access_tokens).toBe(before.access_tokens + 3)
  })

  it('keeps each of 40 concurrent exchanges whole: a jti replayed among them is used once, each new user created once', async () => {
    const before = await t.counts()
    const replayed = await t.sign({ sub: 'dave', org: 'org-d' })
    const crowd = (i: number) => t.sign({ sub: `crowd-${i % 6}`, org: 'org-crowd' })
    const answers = await Promise.all([
      ...Array.from({ length: 8 }, () => exchange(t, replayed)),
      ...Array.from({ length: 24 }, async (_, i) => exchange(t, await crowd(i))),
      // Connect sessions take the other write path; both run side by side on one connection.
      ...Array.from({ length: 8 }, async (_, i) => exchange(t, await crowd(i), { requested_token_type: SESSION_TYPE, apps: 'github' })),
    ])
    const replays = answers.slice(0, 8)
    expect(replays.filter((r) => r.status === 200)).toHaveLength(1)
    for (const r of replays.filter((r) => r.status !== 200)) expect(r.json).toMatchObject({ error: 'invalid_grant' })
    for (const r of answers.slice(8)) expect(r.status, JSON.stringify(r.json)).toBe(200)
    const after = await t.counts()
    expect({
      used_jtis: after.used_jtis - before.used_jtis,
      access_tokens: after.access_tokens - before.access_tokens,
      connect_sessions: after.connect_sessions - before.connect_sessions,
      end_users: after.end_users - before.end_users,
    }).toEqual({ used_jtis: 33, access_tokens: 25, connect_sessions: 8, end_users: 7 })
    const tokens = [replays.find((r) => r.status === 200), ...answers.slice(8, 32)].map((r) => r?.json.access_token as string)
    const me = await Promise.all(tokens.map((token) => fetch(`${t.url}/v1/me`, { headers: { authorization: `Bearer ${token}` } })))
    expect(me.map((r) => r.status)).toEqual(tokens.map(() => 200))
  })

  it('mints a connect session from an access token with POST /v1/connect/sessions', async () => {
    const res = await oauth.genericTokenEndpointRequest(
      as,
      client,
      oauth.ClientSecretBasic(t.partner.clientSecret),
      TOKEN_EXCHANGE,
      { subject_token: await t.sign({ sub: 'dave' }), subject_token_type: JWT_TYPE },
      insecure,
    )
    const { access_token } = await oauth.processGenericTokenEndpointResponse(as, client, res)
    const created = await fetch(`${t.url}/v1/connect/sessions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${access_token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ apps: ['github'], redirect_uri: 'https://partner.example/connected', custom_state: 's-1' }),
    })
    expect(created.status).toBe(201)
    expect(created.headers.get('cache-control')).toBe('no-store')
    const body = await created.json()
    expect(body.token).toMatch(/^pbsc_/)
    expect(body.connect_url).toBe(`${t.url}/to/github?token=${body.token}`)
    expect(body.expires_in).toBe(600)

    const bad = await fetch(`${t.url}/v1/connect/sessions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${access_token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ redirect_uri: 'https://partner.example/connected/../evil' }),
    })
    expect(bad.status).toBe(400)
    expect((await bad.json()).error.code).toBe('PB_ERR_INVALID_REDIRECT_URI')
  })
})
