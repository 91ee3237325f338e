import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ConnectionGrant } from '../../src/connections/connection-types.js'
import { type Answer, call } from '../helpers/api-call.js'
import { stripeLikeApp } from '../helpers/connect-http.js'
import { databaseTargets } from '../helpers/databases.js'
import { startTestServer, type TestServer } from '../helpers/test-server.js'
import { basicAuth, JWT_TYPE, TOKEN_EXCHANGE } from '../helpers/token-request.js'

const KEY = 'sk_test_BlockedKey0123456789abcd'

/**
 * One cause, one code (docs/errors.md): a request the outbound rules refuse (plain http to a public
 * host, a private address) answers 502 PB_ERR_OUTBOUND_BLOCKED whether the credential check of
 * `POST /v1/connections`, the first token of a client-credentials connection, or the proxy hit it.
 * Nothing is sent and nothing is stored.
 */
describe.each(databaseTargets)('outbound refusals answer PB_ERR_OUTBOUND_BLOCKED ($name)', (target) => {
  let t: TestServer
  let token: string

  beforeAll(async () => {
    const base = { description: 'A local test app.', categories: ['developer-tools'], docs_url: 'https://example.com/docs' }
    t = await startTestServer({
      target,
      config: {
        apps: [
          // Plain http to a public name: refused before any lookup.
          stripeLikeApp('plainstripe', 'http://api.plain.example/v1', ['api.plain.example']),
          // https to a private address outside the allowed ranges (tests allow 127.0.0.0/8 only).
          stripeLikeApp('privatestripe', 'https://10.255.255.1/v1', ['10.255.255.1']),
          {
            ...base,
            key: 'privatecc',
            name: 'Client credentials (private)',
            api: { base_url: 'https://10.255.255.1/api', allowed_hosts: ['10.255.255.1'] },
            auth: [
              {
                key: 'client_credentials',
                type: 'oauth2_client_credentials',
                token_url: 'https://10.255.255.1/token',
                credential_fields: [
                  { key: 'client_id', label: 'Client ID', pattern: '^[A-Za-z0-9-]{1,64}$' },
                  { key: 'client_secret', label: 'Client secret', secret: true },
                ],
                inject: { headers: { Authorization: 'Bearer {credentials.access_token}' } },
              },
            ],
          },
        ],
      },
    })
    const res = await fetch(`${t.url}/oauth/token`, {
      method: 'POST',
      headers: { authorization: basicAuth(t.partner.clientId, t.partner.clientSecret) },
      body: new URLSearchParams({
        grant_type: TOKEN_EXCHANGE,
        subject_token: await t.sign({ sub: 'blocked' }),
        subject_token_type: JWT_TYPE,
      }),
    })
    token = ((await res.json()) as { access_token: string }).access_token
  })
  afterAll(async () => {
    await t?.close()
  })

  const connections = async () => {
    const row = await t.server.services.database.db
      .selectFrom('connections')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow()
    return Number(row.n)
  }
  const create = (body: Record<string, unknown>): Promise<Answer> => call(`${t.url}/v1/connections`, { method: 'POST', token, body })

  /** A connection stored directly (the API would refuse to create it: its app cannot be reached). */
  async function seed(grant: Pick<ConnectionGrant, 'appKey' | 'authOption' | 'authType' | 'credentials'> & { expiresAt?: number }) {
    const { owner } = await t.server.services.database.db
      .selectFrom('end_users')
      .select(['id as owner'])
      .where('external_id', '=', 'blocked')
      .executeTakeFirstOrThrow()
    return t.server.services.database.db
      .transaction()
      .execute((trx) =>
        t.server.services.connections
          .create(
            trx,
            { partnerId: t.partner.id, endUserId: owner },
            { accountIdentifier: null, scopes: [], params: {}, metadata: {}, expiresAt: null, ...grant },
            { allowMultiple: true },
          )
          .then((stored) => stored.connection),
      )
  }

  function expectBlocked(res: Answer, what: string): void {
    expect(res.status, what).toBe(502)
    expect(res.json.error.code, what).toBe('PB_ERR_OUTBOUND_BLOCKED')
    expect(res.text, what).not.toContain(KEY)
  }

  it('answers a credential check refused as plain http with PB_ERR_OUTBOUND_BLOCKED, storing nothing', async () => {
    const res = await create({ app: 'plainstripe', credentials: { api_key: KEY } })
    expectBlocked(res, 'plain http')
    expect(res.json.error.message).toContain('https')
    expect(await connections()).toBe(0)
  })

  it('answers a credential check refused as a private address with PB_ERR_OUTBOUND_BLOCKED, like the proxy', async () => {
    const res = await create({ app: 'privatestripe', credentials: { api_key: KEY } })
    expectBlocked(res, 'private address')
    expect(await connections()).toBe(0)

    // The proxy, for a connection of the same app, names the same cause with the same code.
    const seeded = await seed({ appKey: 'privatestripe', authOption: 'api_key', authType: 'api_key', credentials: { api_key: KEY } })
    expectBlocked(await call(`${t.url}/v1/proxy/${seeded.id}/account`, { token }), 'proxy')
  })

  it('answers a client-credentials token endpoint on a private address with PB_ERR_OUTBOUND_BLOCKED', async () => {
    const before = await connections()
    const res = await create({ app: 'privatecc', credentials: { client_id: 'cc-client', client_secret: KEY } })
    expectBlocked(res, 'client credentials')
    expect(await connections()).toBe(before)
  })

  it('answers a refresh whose token endpoint is refused with PB_ERR_OUTBOUND_BLOCKED', async () => {
    // A client-credentials connection whose token expired: the next use asks the (refused) token endpoint.
    const seeded = await seed({
      appKey: 'privatecc',
      authOption: 'client_credentials',
      authType: 'oauth2_client_credentials',
      credentials: { client_id: 'cc-client', client_secret: KEY, access_token: 'old-token' },
      expiresAt: Date.now() - 1000,
    })
    expectBlocked(await call(`${t.url}/v1/connections/${seeded.id}/credentials`, { token }), 'refresh')
  })
})
