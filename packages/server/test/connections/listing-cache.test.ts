import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type ConnectSetup, startConnectSetup } from '../helpers/connect-setup.js'
import { databaseTargets } from '../helpers/databases.js'
import { type SecondProcess, startSecondProcess } from '../helpers/second-process.js'

// An end user's first page of connections is kept in memory by each process (connections/connection-listing.ts)
// and dropped whenever any process writes to that user's connections
// (docs/operations.md, "What each process keeps in memory"). Every kind of write is made after both processes
// have the page in memory: the writer's own next listing must show it at once, the other process's within the
// change feed's delay.

interface Listed {
  id: string
  name: string | null
  status: string
  expires_at: string | null
  updated_at: string
}

describe.each(databaseTargets)("an end user's cached listing ($name)", (target) => {
  let s: ConnectSetup
  let second: SecondProcess

  beforeAll(async () => {
    // A persistent SQLite file, so a second process can open the same database.
    s = await startConnectSetup(target, { 'refresh.sweepSeconds': 0, 'refresh.leaseSeconds': 2 }, { persistent: true })
    second = await startSecondProcess(s.t)
  })
  afterAll(async () => {
    await second?.stop()
    await s?.close()
  })

  const db = () => s.t.server.services.database.db

  async function list(base: string, token: string): Promise<Listed[]> {
    const res = await fetch(`${base}/v1/connections`, { headers: { authorization: `Bearer ${token}` } })
    expect(res.status).toBe(200)
    return ((await res.json()) as { data: Listed[] }).data
  }

  /** The other process's listing once it matches (the change reaches it through the feed), or the last one read. */
  async function eventually(token: string, matches: (rows: Listed[]) => boolean): Promise<Listed[]> {
    const deadline = Date.now() + 5_000
    for (;;) {
      const rows = await list(second.url, token)
      if (matches(rows) || Date.now() > deadline) return rows
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
  }

  /** A credentials read that refreshes, with the provider's token endpoint slow: resolves once it is under way. */
  async function midRefresh(id: string, token: string): Promise<{ answer: Promise<Response> }> {
    s.provider.setTokenDelay(400)
    const answer = fetch(`${s.t.url}/v1/connections/${id}/credentials`, { headers: { authorization: `Bearer ${token}` } })
    await new Promise((resolve) => setTimeout(resolve, 150))
    return { answer: answer.finally(() => s.provider.setTokenDelay(0)) }
  }

  /** Both processes list the user now, so both hold the page before the next write. */
  async function warm(token: string): Promise<void> {
    await list(s.t.url, token)
    await list(second.url, token)
  }

  it('shows every write at once in the writing process, and soon in the other', async () => {
    const sub = 'cached-lister'
    const token = await s.accessToken(sub)
    await warm(token)
    expect(await list(s.t.url, token)).toEqual([])

    // Created by the Connect flow.
    await s.connect(sub)
    const [created] = await list(s.t.url, token)
    expect(created).toMatchObject({ status: 'active', name: null })
    const id = created?.id as string
    expect((await eventually(token, (rows) => rows.length === 1)).map((r) => r.id)).toEqual([id])

    // Renamed.
    await warm(token)
    const renamed = await fetch(`${s.t.url}/v1/connections/${id}`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Work account' }),
    })
    expect(renamed.status).toBe(200)
    expect((await list(s.t.url, token))[0]?.name).toBe('Work account')
    expect((await eventually(token, (rows) => rows[0]?.name === 'Work account'))[0]?.name).toBe('Work account')

    // Refreshed: expired behind Patchbay's back, then a credentials read refreshes it.
    await s.expire(id)
    await warm(token)
    const before = (await list(s.t.url, token))[0] as Listed
    // Listed again while the provider is still answering: the page read then must not outlive the refresh.
    const read = await midRefresh(id, token)
    await list(s.t.url, token)
    expect((await read.answer).status).toBe(200)
    const refreshed = (await list(s.t.url, token))[0] as Listed
    expect(Date.parse(refreshed.expires_at as string)).toBeGreaterThan(Date.now())
    expect(refreshed.updated_at).not.toBe(before.updated_at)
    expect((await eventually(token, (rows) => rows[0]?.expires_at === refreshed.expires_at))[0]?.expires_at).toBe(refreshed.expires_at)

    // Needs reauthorization: the provider refuses the refresh token.
    s.provider.revokeAllGrants()
    await s.expire(id)
    await warm(token)
    const refused = await midRefresh(id, token)
    await list(s.t.url, token)
    expect((await refused.answer).status).not.toBe(200)
    expect((await list(s.t.url, token))[0]?.status).toBe('needs_reauth')
    expect((await eventually(token, (rows) => rows[0]?.status === 'needs_reauth'))[0]?.status).toBe('needs_reauth')

    // Authorized again through the Connect flow: the same connection, active.
    await warm(token)
    await s.connect(sub, id)
    expect((await list(s.t.url, token)).map((r) => [r.id, r.status])).toEqual([[id, 'active']])
    expect((await eventually(token, (rows) => rows[0]?.status === 'active'))[0]?.status).toBe('active')

    // Deleted.
    await warm(token)
    const deleted = await fetch(`${s.t.url}/v1/connections/${id}`, { method: 'DELETE', headers: { authorization: `Bearer ${token}` } })
    expect(deleted.status).toBe(204)
    expect(await list(s.t.url, token)).toEqual([])
    expect(await eventually(token, (rows) => rows.length === 0)).toEqual([])
  }, 60_000)

  it('is never shared between end users, and a filtered or paged listing reads the database', async () => {
    const [alice, bob] = [await s.accessToken('cache-alice'), await s.accessToken('cache-bob')]
    await s.connect('cache-alice')
    expect(await list(s.t.url, alice)).toHaveLength(1)
    expect(await list(s.t.url, bob)).toEqual([])
    // Written behind Patchbay's back (nothing announced): the cached first page keeps its name for up to a
    // minute, but a filtered listing reads the row as it is.
    const [row] = await list(s.t.url, alice)
    await db()
      .updateTable('connections')
      .set({ name: 'Changed in SQL' })
      .where('id', '=', row?.id as string)
      .execute()
    const filtered = await fetch(`${s.t.url}/v1/connections?app=oidc`, { headers: { authorization: `Bearer ${alice}` } })
    expect(((await filtered.json()) as { data: Listed[] }).data[0]?.name).toBe('Changed in SQL')
  })
})
