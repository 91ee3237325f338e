import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { call } from '../helpers/api-call.js'
import { http } from '../helpers/connect-http.js'
import { type ConnectSetup, GOOD_STRIPE_KEY, startConnectSetup } from '../helpers/connect-setup.js'
import { stripeAccountRoute } from '../helpers/fake-api.js'
import { databaseTargets } from '../helpers/databases.js'

/**
 * Headless connect's budgets and inputs (docs/connect-links.md, "Headless connect";
 * docs/operations.md, "Rate limits"): credential checks count per end user, not per address (one
 * partner backend calls for all its users), and a start URL carries connection parameters only.
 */
describe.each(databaseTargets)('headless connect: budgets and start URL input ($name)', (target) => {
  let s: ConnectSetup

  beforeAll(async () => {
    // One check per budget and window: the partner's backend (one IP) would be spent after one call.
    s = await startConnectSetup(target, {
      'rateLimit.credentialAttemptsPerIp': 1,
      'rateLimit.credentialAttemptsPerSession': 1,
      'rateLimit.windowSeconds': 3600,
    })
  })
  afterAll(async () => {
    await s?.close()
  })

  const db = () => s.t.server.services.database.db

  const accessToken = (sub: string) => s.accessToken(sub)

  async function submit(bearer: string): Promise<{ res: Awaited<ReturnType<typeof call>>; sessionId: string }> {
    const minted = await call(`${s.t.url}/v1/connect/sessions`, { method: 'POST', token: bearer, body: { apps: ['fakestripe'] } })
    expect(minted.status).toBe(201)
    const res = await call(`${s.t.url}/v1/connect/sessions/credentials`, {
      method: 'POST',
      token: bearer,
      body: { token: minted.json.token, app: 'fakestripe', credentials: { api_key: GOOD_STRIPE_KEY } },
    })
    return { res, sessionId: minted.json.session_id }
  }

  const connectionsOf = (sub: string) =>
    db()
      .selectFrom('connections as c')
      .innerJoin('end_users as u', 'u.id', 'c.end_user_id')
      .select('c.id')
      .where('u.external_id', '=', sub)
      .execute()

  it("counts credential checks per end user: one user's spent budget does not stop another's, and leaves the session usable", async () => {
    const first = await accessToken('budget-a')
    const second = await accessToken('budget-b')
    expect((await submit(first)).res.status).toBe(201)
    // Same backend address, another user: not refused by a per-IP budget.
    expect((await submit(second)).res.status).toBe(201)

    const again = await submit(first)
    expect(again.res.status).toBe(429)
    expect(again.res.json.error.code).toBe('PB_ERR_RATE_LIMITED')
    expect(Number(again.res.headers.get('retry-after'))).toBeGreaterThan(0)
    expect(again.res.text).not.toContain(GOOD_STRIPE_KEY)
    expect(await connectionsOf('budget-a')).toHaveLength(1)
    const status = await call(`${s.t.url}/v1/connect/sessions/${again.sessionId}`, { token: first })
    expect(status.json).toMatchObject({ status: 'pending', outcome: null })
  })

  it('answers 502 PB_ERR_UPSTREAM, not a refused key, when the app cannot be asked; nothing is stored', async () => {
    s.fakeApi.route('GET /v1/account', () => ({ status: 503, json: { error: { message: 'down for maintenance' } } }))
    try {
      const bearer = await accessToken('upstream-down')
      const { res, sessionId } = await submit(bearer)
      expect(res.status).toBe(502)
      expect(res.json.error.code).toBe('PB_ERR_UPSTREAM')
      expect(res.text).not.toContain(GOOD_STRIPE_KEY)
      expect(await connectionsOf('upstream-down')).toEqual([])
      const status = await call(`${s.t.url}/v1/connect/sessions/${sessionId}`, { token: bearer })
      expect(status.json).toMatchObject({ status: 'error', outcome: { error: 'server_error' } })
    } finally {
      s.fakeApi.route('GET /v1/account', stripeAccountRoute({ validKey: GOOD_STRIPE_KEY, email: 'billing@acme.test' }))
    }
  })

  it('keeps only connection parameters from a start URL: a credential in `params` is neither stored nor used', async () => {
    const { code, sessionId } = await s.session({}, 'url-params')
    const params = encodeURIComponent(JSON.stringify({ api_key: GOOD_STRIPE_KEY }))
    const opened = await http(`${s.t.url}/to/fakestripe?token=${code}&params=${params}`)
    expect(opened.status).toBe(303)
    const row = await db()
      .selectFrom('connect_sessions')
      .select(['context', 'outcome'])
      .where('id', '=', sessionId)
      .executeTakeFirstOrThrow()
    expect(row.context ?? '').not.toContain(GOOD_STRIPE_KEY)
    expect(JSON.parse(row.context ?? '{}')).not.toHaveProperty('params')
    expect(row.outcome).toBeNull()
    expect(await connectionsOf('url-params')).toEqual([])
  })
})
