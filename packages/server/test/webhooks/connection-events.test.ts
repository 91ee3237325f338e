import type { Kysely } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Database } from '../../src/db/schema.js'
import { enqueueConnectionEvent } from '../../src/webhooks/connection-events.js'
import { verifyWebhook } from '../../src/webhooks/signing.js'
import { CookieJar, http, mintSession, openConnect, SAME_ORIGIN_POST } from '../helpers/connect-http.js'
import { type ConnectSetup, GOOD_STRIPE_KEY, startConnectSetup } from '../helpers/connect-setup.js'
import { databaseTargets } from '../helpers/databases.js'
import { type Receiver, startReceiver, waitFor, waitForStatus } from '../helpers/webhooks.js'

interface ConnectionEvent {
  type: string
  timestamp: string
  data: {
    connection: Record<string, unknown>
    end_user: { tenant_id: string; user_id: string }
    operation: string
  }
}

describe.each(databaseTargets)('connection webhook events ($name)', (target) => {
  let s: ConnectSetup
  let receiver: Receiver
  let db: Kysely<Database>
  let secret: string

  beforeAll(async () => {
    receiver = await startReceiver()
    s = await startConnectSetup(target, { 'webhooks.pollMs': 20 })
    db = s.t.server.services.database.db
    await s.t.updatePartnerRow({ webhook_url: receiver.url })
    secret = await s.t.server.services.webhookSecrets.rotate(s.t.partner.id)
  })
  afterAll(async () => {
    await s?.close()
    await receiver?.close()
  })

  /** Connects the local Stripe app with an API key through the Connect UI, as a browser would. */
  async function connectStripe(sub: string, params: Record<string, string> = {}): Promise<void> {
    const { code, sessionId } = await mintSession(s.t, params, { sub })
    const jar = new CookieJar()
    await openConnect(s.t.url, `/to/fakestripe?token=${code}`, jar)
    const res = await http(`${s.t.url}/connect/${sessionId}/fakestripe`, {
      jar,
      headers: SAME_ORIGIN_POST,
      form: { auth_option: 'api_key', api_key: GOOD_STRIPE_KEY },
    })
    expect(res.status, res.text.slice(0, 300)).toBeLessThan(400)
  }

  async function received(type: string, connectionId?: string) {
    return waitFor(async () => {
      const hit = receiver.hits().find((h) => {
        const body = h.json as ConnectionEvent | undefined
        return body?.type === type && (!connectionId || body.data.connection.id === connectionId)
      })
      return hit
    }, `a ${type} webhook`)
  }

  it('delivers connection.created, signed, for a connection made through the Connect flow', async () => {
    await connectStripe('webhook-user')
    const hit = await received('connection.created')
    expect(verifyWebhook(secret, hit.headers, hit.body).id).toBe(hit.headers['webhook-id'])
    const event = hit.json as ConnectionEvent
    const row = await db
      .selectFrom('connections')
      .selectAll()
      .where('id', '=', event.data.connection.id as string)
      .executeTakeFirstOrThrow()
    // The shared public connection shape (connections/connection-json.ts), never credentials.
    expect(event.data.connection).toMatchObject({
      id: row.id,
      app: 'fakestripe',
      auth_option: 'api_key',
      status: 'active',
      account_identifier: 'billing@acme.test',
      name: row.name,
      scopes: [],
      metadata: expect.any(Object),
      created_at: new Date(Number(row.created_at)).toISOString(),
      updated_at: new Date(Number(row.updated_at)).toISOString(),
    })
    expect(event.data.end_user).toEqual({ tenant_id: 'org-1', user_id: 'webhook-user' })
    expect(event.data.operation).toBe('creation')
    expect(Object.keys(event.data).sort()).toEqual(['connection', 'end_user', 'operation'])
    // Never a credential.
    expect(hit.body).not.toContain(GOOD_STRIPE_KEY)
    expect(hit.body).not.toContain('credentials')
    await waitForStatus(db, hit.headers['webhook-id'] as string, ['succeeded'])
  })

  it('delivers connection.reauthorized when the user reconnects the same connection', async () => {
    await connectStripe('reconnecting-user')
    const created = await waitFor(
      async () =>
        receiver
          .hits()
          .map((h) => h.json as ConnectionEvent)
          .find((e) => e.type === 'connection.created' && e.data.end_user.user_id === 'reconnecting-user'),
      'connection.created of reconnecting-user',
    )
    const connectionId = created.data.connection.id as string
    await connectStripe('reconnecting-user', { reconnect_id: connectionId })
    const hit = await received('connection.reauthorized', connectionId)
    const event = hit.json as ConnectionEvent
    expect(event.data.operation).toBe('reauth')
    expect(event.data.end_user).toEqual({ tenant_id: 'org-1', user_id: 'reconnecting-user' })
    expect(event.data.connection).toMatchObject({ id: connectionId, app: 'fakestripe', status: 'active' })
  })

  it('leaves no event behind when the transaction that queued it rolls back', async () => {
    const before = await db.selectFrom('webhook_events').select('id').execute()
    const row = await db.selectFrom('connections').selectAll().limit(1).executeTakeFirstOrThrow()
    const connection = await s.t.server.services.connections.get({ partnerId: row.partner_id, endUserId: row.end_user_id }, row.id)
    if (!connection) throw new Error('no connection to announce')
    await expect(
      db.transaction().execute(async (trx) => {
        await enqueueConnectionEvent(trx, 'connection.deleted', connection)
        throw new Error('rolled back')
      }),
    ).rejects.toThrow('rolled back')
    expect(await db.selectFrom('webhook_events').select('id').execute()).toEqual(before)
  })
})
