import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Answer, call } from '../helpers/api-call.js'
import { type ConnectSetup, GOOD_STRIPE_KEY, startConnectSetup } from '../helpers/connect-setup.js'
import { databaseTargets } from '../helpers/databases.js'

/**
 * `GET /v1/connections/{id}/credentials` (docs/api.md, "Fresh credentials"): `min_validity` is
 * honoured as asked, `force_refresh=true` refreshes at once, at most once per 10 s per connection.
 * The connections come from the real OAuth server (oidc-provider) through the Connect flow.
 */
describe.each(databaseTargets)('GET /v1/connections/{id}/credentials ($name)', (target) => {
  let s: ConnectSetup

  beforeAll(async () => {
    s = await startConnectSetup(target, { 'refresh.sweepSeconds': 0, 'rateLimit.connectPerIp': 10_000 })
  })
  afterAll(async () => {
    await s?.close()
  })

  const db = () => s.t.server.services.database.db

  /** The token was obtained `ageMs` ago and lives `leftMs` more (moves the clock of the row, not of the test). */
  async function age(id: string, ageMs: number, leftMs: number): Promise<void> {
    const now = Date.now()
    await db()
      .updateTable('connections')
      .set({ refreshed_at: now - ageMs, created_at: now - ageMs, expires_at: now + leftMs })
      .where('id', '=', id)
      .execute()
  }

  const credentials = (id: string, token: string, query = ''): Promise<Answer> =>
    call(`${s.t.url}/v1/connections/${id}/credentials${query}`, { token })
  const refreshes = () => s.provider.stats.token.refresh_token ?? 0

  /** force_refresh asked again too soon: 429 PB_ERR_RATE_LIMITED, retry within the 10-s interval. */
  function expectRetryWithin10s(answer: Answer): void {
    expect(answer.status).toBe(429)
    expect(answer.json.error.code).toBe('PB_ERR_RATE_LIMITED')
    expect(Number(answer.headers.get('retry-after'))).toBeGreaterThanOrEqual(1)
    expect(Number(answer.headers.get('retry-after'))).toBeLessThanOrEqual(10)
  }

  it('refreshes a 20-s token with 13 s left when min_validity=15 (the margin is not capped at half the lifetime)', async () => {
    s.provider.setAccessTokenTtl(20)
    try {
      const { id } = await s.connect('short-lived')
      const token = await s.accessToken('short-lived')
      await age(id, 7_000, 13_000)
      const before = await credentials(id, token, '?min_validity=0')
      expect(before.status).toBe(200)
      const refreshesBefore = refreshes()

      const res = await credentials(id, token, '?min_validity=15')
      expect(res.status).toBe(200)
      expect(refreshes()).toBe(refreshesBefore + 1)
      expect(res.json.credentials.access_token).not.toBe(before.json.credentials.access_token)
      expect(Date.parse(res.json.expires_at)).toBeGreaterThan(Date.now() + 15_000)
    } finally {
      s.provider.setAccessTokenTtl(60)
    }
  })

  it('keeps refreshing a short token at half its life when no min_validity is given', async () => {
    const { id } = await s.connect('default-margin')
    const token = await s.accessToken('default-margin')
    // A 60-s token with 40 s left: inside the default 120 s, outside half its life.
    await age(id, 20_000, 40_000)
    const n = refreshes()
    expect((await credentials(id, token)).status).toBe(200)
    expect(refreshes()).toBe(n)
  })

  it('refreshes at once with force_refresh=true, then answers 429 PB_ERR_RATE_LIMITED within 10 s', async () => {
    const { id } = await s.connect('forced')
    const token = await s.accessToken('forced')
    // A token refreshed 30 s ago, valid for a long time still.
    await age(id, 30_000, 3_000_000)
    const before = await credentials(id, token)
    const n = refreshes()

    const forced = await credentials(id, token, '?force_refresh=true')
    expect(forced.status).toBe(200)
    expect(refreshes()).toBe(n + 1)
    expect(forced.json.credentials.access_token).not.toBe(before.json.credentials.access_token)
    const works = await fetch(s.provider.endpoints.userinfo, {
      headers: { authorization: `Bearer ${forced.json.credentials.access_token}` },
    })
    expect(works.status).toBe(200)

    const again = await credentials(id, token, '?force_refresh=true')
    expectRetryWithin10s(again)
    expect(refreshes()).toBe(n + 1)
    // Without force_refresh the fresh token is still handed out.
    const plain = await credentials(id, token)
    expect(plain.status).toBe(200)
    expect(plain.json.credentials.access_token).toBe(forced.json.credentials.access_token)
  })

  it('counts a forced refresh the app refused: a second force_refresh within 10 s answers 429 without calling the app', async () => {
    const { id } = await s.connect('forced-failing')
    const token = await s.accessToken('forced-failing')
    await age(id, 30_000, 3_000_000)
    const apps = s.t.server.services.partnerApps
    const client = await apps.get(s.t.partner.id, 'oidc')
    if (!client?.clientSecret) throw new Error('the setup registers an OAuth client for oidc')
    // The app refuses the client (invalid_client): every refresh fails, and a forced one says so.
    await apps.set(s.t.partner.id, 'oidc', { clientSecret: 'not-the-secret' })
    try {
      const n = refreshes()
      const failed = await credentials(id, token, '?force_refresh=true')
      expect(failed.status).toBe(502)
      expect(failed.json.error.code).toBe('PB_ERR_UPSTREAM')
      expect(refreshes()).toBe(n + 1)

      const again = await credentials(id, token, '?force_refresh=true')
      expectRetryWithin10s(again)
      expect(refreshes()).toBe(n + 1)
    } finally {
      await apps.set(s.t.partner.id, 'oidc', { clientSecret: client.clientSecret })
    }
  })

  it('refuses force_refresh on a connection without a token to refresh (PB_ERR_VALIDATION naming it)', async () => {
    const token = await s.accessToken('keyed')
    const created = await call(`${s.t.url}/v1/connections`, {
      method: 'POST',
      token,
      body: { app: 'fakestripe', credentials: { api_key: GOOD_STRIPE_KEY } },
    })
    expect(created.status).toBe(201)
    const res = await credentials(created.json.id, token, '?force_refresh=true')
    expect(res.status).toBe(400)
    expect(res.json.error.code).toBe('PB_ERR_VALIDATION')
    expect(res.json.error.message).toContain('force_refresh')
    expect(res.text).not.toContain(GOOD_STRIPE_KEY)
  })
})
