import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { call } from '../helpers/api-call.js'
import { authorizeAtProvider, CookieJar, connectionsOf, type HttpAnswer, http, openConnect } from '../helpers/connect-http.js'
import { type ConnectSetup, GOOD_STRIPE_KEY, startConnectSetup } from '../helpers/connect-setup.js'
import { databaseTargets } from '../helpers/databases.js'

/** The result message a popup result page carries for the opener. */
function resultOf(page: HttpAnswer): Record<string, unknown> {
  const block = /<script type="application\/json" id="pb-result">([^<]*)<\/script>/.exec(page.text)?.[1]
  if (!block) throw new Error(`not a result page (${page.status}): ${page.text.slice(0, 300)}`)
  return (JSON.parse(block) as { message: Record<string, unknown> }).message
}

/**
 * Connecting the same provider account again (docs/api.md, "Connecting again"): without
 * `reconnect_id` and with the default `allow_multiple=false`, a new grant whose account identifier
 * matches one of the user's connections of that app re-authorizes that connection (same id,
 * operation `reauth`) and replaces the others; another account replaces them all, as before. Accounts come from the real OAuth server (oidc-provider), identified by email.
 */
describe.each(databaseTargets)('connecting the same account again ($name)', (target) => {
  let s: ConnectSetup

  beforeAll(async () => {
    s = await startConnectSetup(target, { 'rateLimit.connectPerIp': 10_000 })
  })
  afterAll(async () => {
    await s?.close()
  })

  const db = () => s.t.server.services.database.db

  /** One whole Connect flow for end user `sub`, signing in at the provider as `account`. */
  async function connect(sub: string, account: string, params: Record<string, string> = {}): Promise<Record<string, unknown>> {
    const { code } = await s.session({ apps: 'oidc', ...params }, sub)
    const jar = new CookieJar()
    const { page } = await openConnect(s.t.url, `/to/oidc?token=${code}`, jar)
    if (page.status !== 303 || !page.location) throw new Error(`expected a redirect to the provider, got ${page.status}`)
    const callback = await authorizeAtProvider(page.location, { username: account, stopAt: `${s.t.url}/oauth2/callback/oidc` })
    return resultOf(await http(callback.href, { jar }))
  }

  async function eventsFor(connectionId: string): Promise<string[]> {
    const rows = await db().selectFrom('webhook_events').select(['type', 'payload']).orderBy('created_at').execute()
    return rows
      .filter((r) => {
        const data = JSON.parse(r.payload).data as { connection?: { id?: string }; connection_id?: string }
        return data.connection?.id === connectionId || data.connection_id === connectionId
      })
      .map((r) => r.type)
  }

  it('keeps the id and reports reauth when the same account connects again without reconnect_id', async () => {
    const first = await connect('same-1', 'ada')
    expect(first).toMatchObject({ status: 'success', operation: 'creation', account_identifier: 'ada@example.test' })
    const again = await connect('same-1', 'ada')
    expect(again).toMatchObject({ status: 'success', operation: 'reauth', connection_id: first.connection_id })
    const rows = await connectionsOf(db(), 'same-1')
    expect(rows.map((r) => r.id)).toEqual([first.connection_id])
    expect(rows[0]?.status).toBe('active')
    expect(await eventsFor(first.connection_id as string)).toEqual(['connection.created', 'connection.reauthorized'])
  })

  it('replaces the connection of another account unless allow_multiple, and keeps the id of a matching one', async () => {
    const ada = await connect('same-2', 'ada')
    const bob = await connect('same-2', 'bob')
    expect(bob).toMatchObject({ operation: 'creation' })
    expect(bob.connection_id).not.toBe(ada.connection_id)
    expect((await connectionsOf(db(), 'same-2')).map((r) => r.id)).toEqual([bob.connection_id])

    // allow_multiple adds a connection for ada beside bob's, as before.
    const ada2 = await connect('same-2', 'ada', { allow_multiple: 'true' })
    expect(ada2).toMatchObject({ operation: 'creation' })
    expect((await connectionsOf(db(), 'same-2')).map((r) => r.id).sort()).toEqual([bob.connection_id, ada2.connection_id].sort())
    // Without allow_multiple, ada again keeps her connection's id and replaces bob's.
    const ada3 = await connect('same-2', 'ada')
    expect(ada3).toMatchObject({ operation: 'reauth', connection_id: ada2.connection_id })
    expect((await connectionsOf(db(), 'same-2')).map((r) => r.id)).toEqual([ada2.connection_id])
    expect(await eventsFor(bob.connection_id as string)).toEqual(['connection.created', 'connection.deleted'])
  })

  it('keeps the id (200, connection.reauthorized) when POST /v1/connections stores the same account again', async () => {
    const token = await s.accessToken('same-api')
    const create = () =>
      call(`${s.t.url}/v1/connections`, { method: 'POST', token, body: { app: 'fakestripe', credentials: { api_key: GOOD_STRIPE_KEY } } })
    const first = await create()
    expect(first.status).toBe(201)
    expect(first.json.account_identifier).toBe('billing@acme.test')
    const again = await create()
    expect(again.status).toBe(200)
    expect(again.json.id).toBe(first.json.id)
    expect((await connectionsOf(db(), 'same-api')).map((r) => r.id)).toEqual([first.json.id])
    expect(await eventsFor(first.json.id)).toEqual(['connection.created', 'connection.reauthorized'])
  })

  it("does not match another end user's connection of the same account", async () => {
    const mine = await connect('same-3a', 'carol')
    const theirs = await connect('same-3b', 'carol')
    expect(theirs).toMatchObject({ operation: 'creation' })
    expect(theirs.connection_id).not.toBe(mine.connection_id)
    expect((await connectionsOf(db(), 'same-3a')).map((r) => r.id)).toEqual([mine.connection_id])
  })
})
