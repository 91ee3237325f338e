import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type ConnectSetup, startConnectSetup } from '../helpers/connect-setup.js'
import { databaseTargets } from '../helpers/databases.js'
import { type SecondProcess, startSecondProcess } from '../helpers/second-process.js'

describe.each(databaseTargets)('OAuth token refresh ($name)', (target) => {
  let s: ConnectSetup
  let second: SecondProcess | undefined

  beforeAll(async () => {
    // A persistent SQLite file, so a second process can open the same database.
    s = await startConnectSetup(target, { 'refresh.sweepSeconds': 0, 'refresh.leaseSeconds': 2 }, { persistent: true })
  })
  afterAll(async () => {
    await second?.stop()
    await s?.close()
  })

  const db = () => s.t.server.services.database.db

  function credentials(base: string, id: string, token: string): Promise<Response> {
    return fetch(`${base}/v1/connections/${id}/credentials`, { headers: { authorization: `Bearer ${token}` } })
  }

  async function worksAtProvider(accessTokenValue: string): Promise<boolean> {
    const res = await fetch(s.provider.endpoints.userinfo, { headers: { authorization: `Bearer ${accessTokenValue}` } })
    return res.status === 200
  }

  it('50 concurrent callers on an expired connection, across two processes: one refresh reaches the provider, all get a working token', async () => {
    const { id } = await s.connect('racer')
    const token = await s.accessToken('racer')
    second ??= await startSecondProcess(s.t)
    await s.expire(id)
    s.provider.stats.reset()
    const answers = await Promise.all(
      Array.from({ length: 50 }, (_, i) => credentials(i % 2 ? (second as SecondProcess).url : s.t.url, id, token)),
    )
    expect(answers.map((a) => a.status)).toEqual(Array(50).fill(200))
    const bodies = (await Promise.all(answers.map((a) => a.json()))) as Array<{ credentials: { access_token: string } }>
    const issued = new Set(bodies.map((b) => b.credentials.access_token))
    expect(issued.size).toBe(1)
    expect(s.provider.stats.token.refresh_token).toBe(1)
    expect(await worksAtProvider([...issued][0] as string)).toBe(true)

    // Nothing was lost: the rotated refresh token was committed, so the next refresh works too.
    await s.expire(id)
    const again = await credentials(s.t.url, id, token)
    expect(again.status).toBe(200)
    expect(s.provider.stats.token.refresh_token).toBe(2)
    expect(await worksAtProvider(((await again.json()) as { credentials: { access_token: string } }).credentials.access_token)).toBe(true)
  })

  it('kill -9 between the provider answer and the commit leaves the connection refreshed or clearly needs_reauth', async () => {
    const { id } = await s.connect('crashy')
    const token = await s.accessToken('crashy')
    const victim = await startSecondProcess(s.t)
    await s.expire(id)
    s.provider.stats.reset()
    // The provider issues the new tokens (rotating the refresh token), then holds its answer.
    s.provider.setTokenResponseDelay(3000)
    const pending = credentials(victim.url, id, token).catch(() => undefined)
    const deadline = Date.now() + 10_000
    while ((s.provider.stats.token.refresh_token ?? 0) < 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20))
    expect(s.provider.stats.token.refresh_token).toBe(1)
    await victim.kill9()
    await pending
    s.provider.setTokenResponseDelay(0)
    const stuck = await db()
      .selectFrom('connections')
      .select(['refresh_started_at', 'status'])
      .where('id', '=', id)
      .executeTakeFirstOrThrow()
    expect(stuck.refresh_started_at).not.toBeNull()

    // After the lease runs out, the next use settles it one way or the other.
    await new Promise((r) => setTimeout(r, 2100))
    const after = await credentials(s.t.url, id, token)
    const row = await db()
      .selectFrom('connections')
      .select(['status', 'status_reason', 'refresh_started_at'])
      .where('id', '=', id)
      .executeTakeFirstOrThrow()
    expect(row.refresh_started_at).toBeNull()
    if (after.status === 200) {
      expect(row.status).toBe('active')
      expect(await worksAtProvider(((await after.json()) as { credentials: { access_token: string } }).credentials.access_token)).toBe(true)
    } else {
      expect(after.status).toBe(409)
      expect(((await after.json()) as { error: { code: string } }).error.code).toBe('PB_ERR_CREDENTIAL_REVOKED')
      expect(row.status).toBe('needs_reauth')
      expect(row.status_reason).toContain('interrupted')
    }
  })

  it('revocation at the provider: needs_reauth once with a webhook event, no more provider calls; reconnect brings back the same id', async () => {
    const { id } = await s.connect('revoked')
    const token = await s.accessToken('revoked')
    s.provider.revokeAllGrants()
    await s.expire(id)
    s.provider.stats.reset()
    const first = await credentials(s.t.url, id, token)
    expect(first.status).toBe(409)
    expect(((await first.json()) as { error: { code: string } }).error.code).toBe('PB_ERR_CREDENTIAL_REVOKED')
    const second409 = await credentials(s.t.url, id, token)
    expect(second409.status).toBe(409)
    expect(s.provider.stats.token.refresh_token).toBe(1)
    const row = await db().selectFrom('connections').select(['status', 'status_reason']).where('id', '=', id).executeTakeFirstOrThrow()
    expect(row).toMatchObject({ status: 'needs_reauth' })
    expect(row.status_reason).toContain('invalid_grant')
    const events = await db()
      .selectFrom('webhook_events')
      .select(['type', 'payload'])
      .where('type', '=', 'connection.refresh_failed')
      .execute()
    expect(events.filter((e) => JSON.parse(e.payload).data.connection.id === id)).toHaveLength(1)

    expect((await s.connect('revoked', id)).id).toBe(id)
    const back = await db().selectFrom('connections').select(['status', 'status_reason']).where('id', '=', id).executeTakeFirstOrThrow()
    expect(back).toEqual({ status: 'active', status_reason: null })
    const fresh = await credentials(s.t.url, id, token)
    expect(fresh.status).toBe(200)
  })

  it('the background sweep refreshes a token before it expires, with nobody asking', async () => {
    const { id } = await s.connect('swept')
    // An hour-long token obtained an hour ago, one minute left.
    await db()
      .updateTable('connections')
      .set({ refreshed_at: Date.now() - 3_600_000, expires_at: Date.now() + 60_000 })
      .where('id', '=', id)
      .execute()
    const before = await db().selectFrom('connections').select('version').where('id', '=', id).executeTakeFirstOrThrow()
    const refreshed = await s.t.server.services.credentials.refreshDue(10 * 60_000)
    expect(refreshed).toBeGreaterThanOrEqual(1)
    const after = await db().selectFrom('connections').select(['version', 'expires_at']).where('id', '=', id).executeTakeFirstOrThrow()
    expect(after.version).toBe(before.version + 1)
    expect(Number(after.expires_at)).toBeGreaterThan(Date.now() + 30_000)
  })
})
