import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { databaseTargets } from '../helpers/databases.js'
import { type SecondProcess, startSecondProcess } from '../helpers/second-process.js'
import { startTestServer, type TestServer } from '../helpers/test-server.js'
import { exchangeToken } from '../helpers/token-request.js'

/**
 * A token endpoint with rotating refresh tokens (RFC 6749 §6, RFC 9700 §4.14): each refresh token
 * works once; the first request is held before it is processed, to make a slow sibling.
 */
async function startRotatingTokenEndpoint(holdFirstMs: number) {
  const valid = new Set(['rt-1'])
  const log: Array<{ refreshToken: string; outcome: 'ok' | 'invalid_grant' }> = []
  let issued = 0
  let first = true
  const server: Server = createServer((req, res) => {
    let body = ''
    req.on('data', (c: Buffer) => {
      body += c.toString()
    })
    req.on('end', async () => {
      if (first) {
        first = false
        await new Promise((r) => setTimeout(r, holdFirstMs))
      }
      const rt = new URLSearchParams(body).get('refresh_token') ?? ''
      if (!valid.delete(rt)) {
        log.push({ refreshToken: rt, outcome: 'invalid_grant' })
        res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'invalid_grant' }))
        return
      }
      issued++
      valid.add(`rt-${issued + 1}`)
      log.push({ refreshToken: rt, outcome: 'ok' })
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(
          JSON.stringify({ access_token: `at-${issued + 1}`, refresh_token: `rt-${issued + 1}`, token_type: 'Bearer', expires_in: 3600 }),
        )
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/token`,
    log,
    close: () => new Promise<void>((r) => server.close(() => r())),
  }
}

describe.each(databaseTargets)('refresh after a sibling took over ($name)', (target) => {
  let t: TestServer
  let b: SecondProcess
  let endpoint: Awaited<ReturnType<typeof startRotatingTokenEndpoint>>

  beforeAll(async () => {
    endpoint = await startRotatingTokenEndpoint(1800)
    const app = {
      key: 'rotating',
      name: 'Rotating',
      description: 'An OAuth2 app with rotating refresh tokens.',
      categories: ['test'],
      docs_url: 'https://www.rfc-editor.org/rfc/rfc6749',
      api: { base_url: 'http://127.0.0.1:9/api', allowed_hosts: ['127.0.0.1'] },
      auth: [{ key: 'oauth2', type: 'oauth2', authorization_url: 'http://127.0.0.1:9/authorize', token_url: endpoint.url }],
    }
    t = await startTestServer({ target, persistent: true, config: { apps: [app], 'refresh.sweepSeconds': 0, 'refresh.leaseSeconds': 1 } })
    await t.server.services.partnerApps.set(t.partner.id, 'rotating', { clientId: 'cid', clientSecret: 'csecret' })
    b = await startSecondProcess(t)
  })
  afterAll(async () => {
    await b?.stop()
    await t?.close()
    await endpoint?.close()
  })

  it('re-reads and succeeds when its invalid_grant comes from a sibling having used the refresh token first', async () => {
    const db = t.server.services.database.db
    const { access_token: token } = await exchangeToken(t, { sub: 'sib' })
    const user = await db.selectFrom('end_users').select('id').where('external_id', '=', 'sib').executeTakeFirstOrThrow()
    const owner = { partnerId: t.partner.id, endUserId: user.id }
    const connection = await db.transaction().execute((trx) =>
      t.server.services.connections
        .create(
          trx,
          owner,
          {
            appKey: 'rotating',
            authOption: 'oauth2',
            authType: 'oauth2',
            accountIdentifier: 'sib',
            scopes: [],
            params: {},
            metadata: {},
            credentials: { access_token: 'at-1', refresh_token: 'rt-1', token_type: 'Bearer' },
            expiresAt: Date.now() - 1000,
          },
          { allowMultiple: true },
        )
        .then((stored) => stored.connection),
    )
    const get = (base: string) =>
      fetch(`${base}/v1/connections/${connection.id}/credentials`, { headers: { authorization: `Bearer ${token}` } })

    // The second process takes the lease; its request is held by the provider past the lease.
    const slow = get(b.url)
    await new Promise((r) => setTimeout(r, 1300))
    // This process finds the lease expired, takes over and refreshes first with the same refresh token.
    const fast = await get(t.url)
    const slowAnswer = await slow
    expect([fast.status, slowAnswer.status]).toEqual([200, 200])
    const [a, c] = (await Promise.all([fast.json(), slowAnswer.json()])) as Array<{
      credentials: { access_token: string; refresh_token: string }
    }>
    expect(a?.credentials.access_token).toBe('at-2')
    expect(c?.credentials.access_token).toBe('at-2')
    expect(endpoint.log).toEqual([
      { refreshToken: 'rt-1', outcome: 'ok' },
      { refreshToken: 'rt-1', outcome: 'invalid_grant' },
    ])
    const row = await db
      .selectFrom('connections')
      .select(['status', 'refresh_started_at'])
      .where('id', '=', connection.id)
      .executeTakeFirstOrThrow()
    expect(row).toEqual({ status: 'active', refresh_started_at: null })
    const stored = await t.server.services.connections.credentials(connection)
    expect(stored.refresh_token).toBe('rt-2')
  })
})
