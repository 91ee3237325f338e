import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { call } from '../helpers/api-call.js'
import { databaseTargets } from '../helpers/databases.js'
import { type FakeApi, startFakeApi } from '../helpers/fake-api.js'
import { startTestServer, type TestServer } from '../helpers/test-server.js'
import { exchange, exchangeParams, expectRefused, postToken, SESSION_TYPE } from '../helpers/token-request.js'
import { apiKeyApp } from '../proxy/proxy-setup.js'

/**
 * U+0000 cannot be stored in PostgreSQL text ("invalid byte sequence for encoding UTF8: 0x00"): every
 * way it can come in is refused with a 400 (or stripped, when an app's API sends it), on both databases.
 */
describe.each(databaseTargets)('NUL characters ($name)', (target) => {
  let t: TestServer
  let api: FakeApi

  beforeAll(async () => {
    api = await startFakeApi({
      routes: {
        'GET /api/me': (req) =>
          req.headers.authorization === 'Bearer good-key'
            ? { json: { email: 'ops\u0000@acme.test', id: 'acct\u0000_1' } }
            : { status: 401, json: { message: 'no' } },
        'POST /cc/token': () => ({
          json: { access_token: 'cc-token', token_type: 'Bearer', expires_in: 3600, scope: 'read\u0000 write', team: 'T\u00001' },
        }),
      },
    })
    const app = apiKeyApp('nulapp', `${api.url}/api`)
    const [option] = app.auth as Array<Record<string, unknown>>
    const checked = {
      ...app,
      auth: [{ ...option, credential_check: { url: '/me', account_identifier: 'email', metadata: { account_id: 'id' } } }],
    }
    const clientCredentials = {
      ...apiKeyApp('nulcc', `${api.url}/cc`),
      auth: [
        {
          key: 'client_credentials',
          type: 'oauth2_client_credentials',
          token_url: `${api.url}/cc/token`,
          credential_fields: [
            { key: 'client_id', label: 'Client ID' },
            { key: 'client_secret', label: 'Client secret', secret: true },
          ],
          token_response: { metadata: { team: 'team' } },
          inject: { headers: { Authorization: 'Bearer {credentials.access_token}' } },
        },
      ],
    }
    t = await startTestServer({ target, config: { apps: [checked, clientCredentials] } })
  })
  afterAll(async () => {
    await t?.close()
    await api?.close()
  })

  async function accessToken(sub: string): Promise<string> {
    const res = await exchange(t, await t.sign({ sub }))
    expect(res.status, JSON.stringify(res.json)).toBe(200)
    return res.json.access_token as string
  }

  async function sessionCode(sub: string): Promise<string> {
    const res = await exchange(t, await t.sign({ sub }), { requested_token_type: SESSION_TYPE })
    expect(res.status, JSON.stringify(res.json)).toBe(200)
    return res.json.access_token as string
  }

  describe('the token endpoint', () => {
    it('refuses a JWT whose user or tenant claim holds NUL with invalid_grant, storing nothing', async () => {
      await expectRefused(t, async () => exchange(t, await t.sign({ sub: 'user\u0000x' })), {
        status: 400,
        error: 'invalid_grant',
        description: 'sub',
      })
      await expectRefused(t, async () => exchange(t, await t.sign({ sub: 'nul-tenant', org: 'org\u0000' })), {
        status: 400,
        error: 'invalid_grant',
        description: 'org',
      })
    })

    it('refuses a client id holding NUL (Basic credentials) with invalid_client, here and on /v1/partner', async () => {
      const basic = `Basic ${Buffer.from(`acme%00:${t.partner.clientSecret}`).toString('base64')}`
      const subject = await t.sign({ sub: 'nul-client' })
      await expectRefused(t, () => postToken(t.url, t.partner, { params: exchangeParams(subject), headers: { authorization: basic } }), {
        status: 401,
        error: 'invalid_client',
        description: 'client authentication failed',
      })
      const partnerApi = await call(`${t.url}/v1/partner/connections`, { auth: basic })
      expect(partnerApi.status).toBe(401)
      expect(partnerApi.json.error.code).toBe('PB_ERR_UNAUTHORIZED')
    })

    it('refuses custom_state (or any parameter) holding NUL with invalid_request, storing nothing', async () => {
      await expectRefused(
        t,
        async () => exchange(t, await t.sign({ sub: 'nul-state' }), { requested_token_type: SESSION_TYPE, custom_state: 'a\u0000b' }),
        { status: 400, error: 'invalid_request', description: 'custom_state' },
      )
    })
  })

  describe('the REST API', () => {
    it('refuses a connection name, a body value or a path id holding NUL with PB_ERR_VALIDATION', async () => {
      const token = await accessToken('nul-rest')
      const created = await call(`${t.url}/v1/connections`, {
        method: 'POST',
        token,
        body: { app: 'nulapp', name: 'ok', credentials: { api_key: 'good-key' } },
      })
      expect(created.status, created.text).toBe(201)
      const id = created.json.id as string

      const renamed = await call(`${t.url}/v1/connections/${id}`, { method: 'PATCH', token, body: { name: 'Billing\u0000' } })
      expect(renamed.status).toBe(400)
      expect(renamed.json.error.code).toBe('PB_ERR_VALIDATION')
      expect(renamed.json.error.message).toContain('body.name')
      expect((await call(`${t.url}/v1/connections/${id}`, { token })).json.name).toBe('ok')

      const named = await call(`${t.url}/v1/connections`, {
        method: 'POST',
        token,
        body: { app: 'nulapp', name: 'x\u0000', credentials: { api_key: 'good-key' } },
      })
      expect(named.status).toBe(400)
      expect(named.json.error.code).toBe('PB_ERR_VALIDATION')

      const byId = await call(`${t.url}/v1/connections/conn%00x`, { token })
      expect(byId.status).toBe(400)
      expect(byId.json.error.code).toBe('PB_ERR_VALIDATION')
      const listed = await call(`${t.url}/v1/connections?app=nul%00app`, { token })
      expect(listed.status).toBe(400)
      expect(listed.json.error.code).toBe('PB_ERR_VALIDATION')
    })

    it("strips NUL from the account identifier and metadata an app's API returns", async () => {
      const token = await accessToken('nul-account')
      const created = await call(`${t.url}/v1/connections`, {
        method: 'POST',
        token,
        body: { app: 'nulapp', credentials: { api_key: 'good-key' } },
      })
      expect(created.status, created.text).toBe(201)
      expect(created.json.account_identifier).toBe('ops@acme.test')
      expect(created.json.metadata).toEqual({ account_id: 'acct_1' })
      const read = await call(`${t.url}/v1/connections/${created.json.id}`, { token })
      expect(read.json.account_identifier).toBe('ops@acme.test')
    })

    it("strips NUL from the scopes and metadata of an app's token response", async () => {
      const token = await accessToken('nul-token-response')
      const created = await call(`${t.url}/v1/connections`, {
        method: 'POST',
        token,
        body: { app: 'nulcc', credentials: { client_id: 'cc', client_secret: 'cc-secret' } },
      })
      expect(created.status, created.text).toBe(201)
      expect(created.json.scopes).toEqual(['read', 'write'])
      expect(created.json.metadata).toEqual({ team: 'T1' })
    })
  })

  describe('the Connect UI', () => {
    it('answers a state holding NUL with the error page', async () => {
      const code = await sessionCode('nul-ui')
      const res = await fetch(`${t.url}/connect?token=${code}&state=a%00b`, { redirect: 'manual' })
      expect(res.status).toBe(400)
      expect(res.headers.get('content-type')).toMatch(/^text\/html/)
      expect(await res.text()).toContain('This link is not valid')
    })

    it('answers a popup name holding NUL with the error page, in the query or in a JSON payload', async () => {
      const code = await sessionCode('nul-popup')
      const query = await fetch(`${t.url}/connection-popup?integrationKey=nulapp&token=${code}&name=a%00b`, { redirect: 'manual' })
      expect(query.status).toBe(400)
      expect(query.headers.get('content-type')).toMatch(/^text\/html/)
      expect(await query.text()).toContain('This link is not valid')

      const code2 = await sessionCode('nul-popup-2')
      const payload = JSON.stringify({ integrationKey: 'nulapp', token: code2, name: 'a\u0000b' })
      const posted = await fetch(`${t.url}/connection-popup`, {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ payload }),
      })
      expect(posted.status).toBe(400)
      expect(posted.headers.get('content-type')).toMatch(/^text\/html/)
    })
  })
})
