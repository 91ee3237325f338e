import type { Kysely } from 'kysely'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import type { Database } from '../../src/db/schema.js'
import { enqueueWebhookEvent } from '../../src/webhooks/outbox.js'
import { databaseTargets } from '../helpers/databases.js'
import { startTestServer, type TestPartner, type TestServer } from '../helpers/test-server.js'
import { attemptsOf, eventRow, queueEvent, type Receiver, startReceiver, waitForStatus } from '../helpers/webhooks.js'

const FAST = { 'webhooks.pollMs': 20, 'webhooks.retrySchedule': [0.1], 'webhooks.maxAttempts': 2, 'webhooks.timeoutMs': 1000 }

const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`

interface EventItem {
  id: string
  type: string
  status: string
  attempts: number
  next_attempt_at: string | null
  created_at: string
  payload: { type: string; timestamp: string; data: Record<string, unknown> }
  last_attempt: { attempt: number; status_code: number | null; error: string | null } | null
  delivery_attempts?: Array<{ attempt: number; status_code: number | null }>
}

describe.each(databaseTargets)('partner webhook events API ($name)', (target) => {
  let receiver: Receiver
  let t: TestServer
  let db: Kysely<Database>
  let globex: TestPartner
  let auth: string

  beforeAll(async () => {
    receiver = await startReceiver()
    t = await startTestServer({ target, partner: { webhookUrl: receiver.url }, config: FAST })
    db = t.server.services.database.db
    await t.server.services.webhookSecrets.rotate(t.partner.id)
    globex = await t.addPartner({ id: 'globex', webhookUrl: receiver.url })
    await t.server.services.webhookSecrets.rotate(globex.id)
    auth = basic(t.partner.clientId, t.partner.clientSecret)
  })
  afterAll(async () => {
    await t?.close()
    await receiver?.close()
  })
  beforeEach(() => receiver.answer(() => ({ status: 204 })))

  async function api(path: string, init: { method?: string; authorization?: string | null } = {}) {
    const authorization = init.authorization === undefined ? auth : init.authorization
    const res = await fetch(`${t.url}/v1/partner/webhooks${path}`, {
      method: init.method ?? 'GET',
      headers: authorization ? { authorization } : {},
    })
    return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, unknown> }
  }

  const hitsFor = (id: string) => receiver.hits().filter((h) => h.headers['webhook-id'] === id)

  describe('authentication', () => {
    it('refuses a request without credentials, with WWW-Authenticate: Basic', async () => {
      const res = await api('/events', { authorization: null })
      expect(res.status).toBe(401)
      expect(res.headers.get('www-authenticate')).toBe('Basic realm="patchbay", charset="UTF-8"')
      expect(res.body).toEqual({ error: { code: 'PB_ERR_UNAUTHORIZED', message: expect.stringContaining('Basic') } })
    })

    it('refuses a wrong secret, an unknown client, malformed Basic and a bearer token alike', async () => {
      const exchange = await fetch(`${t.url}/oauth/token`, {
        method: 'POST',
        headers: { authorization: auth },
        body: new URLSearchParams({
          grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
          subject_token: await t.sign(),
          subject_token_type: 'urn:ietf:params:oauth:token-type:jwt',
        }),
      })
      const { access_token } = (await exchange.json()) as { access_token: string }
      for (const authorization of [
        basic(t.partner.clientId, `${t.partner.clientSecret}x`),
        basic(t.partner.clientId, globex.clientSecret),
        basic('nobody', t.partner.clientSecret),
        'Basic !!!not-base64',
        `Basic ${Buffer.from('no-colon').toString('base64')}`,
        `Bearer ${access_token}`,
      ]) {
        const res = await api('/events', { authorization })
        expect(res.status, authorization).toBe(401)
        expect(res.headers.get('www-authenticate'), authorization).toMatch(/^Basic realm="patchbay"/)
        expect((res.body.error as { code: string }).code).toBe('PB_ERR_UNAUTHORIZED')
      }
      // The rest of /v1 still takes the bearer token, and not client credentials.
      expect((await fetch(`${t.url}/v1/me`, { headers: { authorization: `Bearer ${access_token}` } })).status).toBe(200)
      const me = await fetch(`${t.url}/v1/me`, { headers: { authorization: auth } })
      expect(me.status).toBe(401)
      expect(me.headers.get('www-authenticate')).toBe('Bearer realm="patchbay"')
    })

    it('writes no secret to the log', () => {
      const logs = t.logs.join('\n')
      for (const secret of [t.partner.clientSecret, globex.clientSecret, auth.slice(6)]) expect(logs).not.toContain(secret)
    })
  })

  describe('listing', () => {
    let ids: string[]

    beforeAll(async () => {
      const base = Date.now() - 10_000
      ids = await db.transaction().execute(async (trx) => {
        const out: string[] = []
        for (let i = 0; i < 5; i++) {
          const type = i % 2 ? 'connection.deleted' : 'connection.created'
          out.push(await enqueueWebhookEvent(trx, { partnerId: t.partner.id, type, data: { i } }, base + i))
        }
        return out
      })
      for (const id of ids) await waitForStatus(db, id, ['succeeded'])
      // Another partner's event never shows.
      await waitForStatus(db, await queueEvent(db, globex.id), ['succeeded'])
    })

    it('lists the partner events newest first, page by page with an opaque cursor', async () => {
      const seen: EventItem[] = []
      let cursor: string | null = null
      let pages = 0
      do {
        const res = await api(`/events?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`)
        expect(res.status).toBe(200)
        const page = res.body as { data: EventItem[]; next_cursor: string | null }
        expect(page.data.length).toBeLessThanOrEqual(2)
        seen.push(...page.data)
        cursor = page.next_cursor
        pages++
      } while (cursor && pages < 10)
      const ours = seen.filter((e) => ids.includes(e.id))
      expect(ours.map((e) => e.id)).toEqual([...ids].reverse())
      const created = seen.map((e) => Date.parse(e.created_at))
      expect(created).toEqual([...created].sort((a, b) => b - a))
      const first = ours.at(-1) as EventItem
      expect(first).toEqual({
        id: ids[0],
        type: 'connection.created',
        status: 'succeeded',
        attempts: 1,
        next_attempt_at: null,
        created_at: expect.any(String),
        updated_at: expect.any(String),
        payload: { type: 'connection.created', timestamp: expect.any(String), data: { i: 0 } },
        last_attempt: {
          attempt: 1,
          url: receiver.url,
          status_code: 204,
          error: null,
          duration_ms: expect.any(Number),
          created_at: expect.any(String),
        },
      })
    })

    it("never lists another partner's events", async () => {
      const res = await api('/events?limit=100')
      const all = (res.body as { data: EventItem[] }).data
      const foreign = await db.selectFrom('webhook_events').select('id').where('partner_id', '=', globex.id).execute()
      expect(foreign.length).toBeGreaterThan(0)
      for (const { id } of foreign) expect(all.map((e) => e.id)).not.toContain(id)
      const theirs = await api('/events?limit=100', { authorization: basic(globex.clientId, globex.clientSecret) })
      expect((theirs.body as { data: EventItem[] }).data.map((e) => e.id).sort()).toEqual(foreign.map((f) => f.id).sort())
    })

    it('filters by type and by status', async () => {
      const deleted = (await api('/events?type=connection.deleted&limit=100')).body as { data: EventItem[] }
      expect(deleted.data.map((e) => e.id)).toEqual([ids[3], ids[1]])
      const succeeded = (await api('/events?status=succeeded&limit=100')).body as { data: EventItem[] }
      for (const id of ids) expect(succeeded.data.map((e) => e.id)).toContain(id)
      expect(((await api('/events?status=skipped')).body as { data: EventItem[] }).data).toEqual([])
    })

    it('refuses a bad cursor, limit, status or an unknown parameter with PB_ERR_VALIDATION', async () => {
      for (const query of [
        'cursor=not-a-cursor',
        `cursor=${Buffer.from('[1,2]').toString('base64url')}`,
        'limit=0',
        'limit=101',
        'limit=x',
        'status=bogus',
        'page=2',
      ]) {
        const res = await api(`/events?${query}`)
        expect(res.status, query).toBe(400)
        expect((res.body.error as { code: string }).code, query).toBe('PB_ERR_VALIDATION')
      }
    })
  })

  describe('showing and redelivering', () => {
    it('shows an event with every attempt, oldest first', async () => {
      let calls = 0
      receiver.answer(() => ({ status: calls++ === 0 ? 500 : 200 }))
      const id = await queueEvent(db, t.partner.id)
      await waitForStatus(db, id, ['succeeded'])
      const res = await api(`/events/${id}`)
      expect(res.status).toBe(200)
      const event = res.body as unknown as EventItem
      expect(event).toMatchObject({ id, status: 'succeeded', attempts: 2, last_attempt: { attempt: 2, status_code: 200 } })
      expect(event.delivery_attempts?.map((a) => [a.attempt, a.status_code])).toEqual([
        [1, 500],
        [2, 200],
      ])
    })

    it('redelivers a delivered event: 202, sent again, a new attempt row', async () => {
      const id = await queueEvent(db, t.partner.id, { again: true })
      await waitForStatus(db, id, ['succeeded'])
      const res = await api(`/events/${id}/redeliver`, { method: 'POST' })
      expect(res.status).toBe(202)
      expect(res.body).toMatchObject({ id, status: 'pending', next_attempt_at: expect.any(String) })
      await waitForStatus(db, id, ['succeeded'])
      expect((await eventRow(db, id)).attempts).toBe(2)
      expect((await attemptsOf(db, id)).map((a) => a.attempt)).toEqual([1, 2])
      expect(hitsFor(id)).toHaveLength(2)
      expect(hitsFor(id)[1]?.body).toBe(hitsFor(id)[0]?.body)
    })

    it('redelivers a failed event once the receiver is back', async () => {
      receiver.answer(() => ({ status: 500 }))
      const id = await queueEvent(db, t.partner.id)
      await waitForStatus(db, id, ['failed'])
      receiver.answer(() => ({ status: 200 }))
      expect((await api(`/events/${id}/redeliver`, { method: 'POST' })).status).toBe(202)
      const row = await waitForStatus(db, id, ['succeeded'])
      expect(row.attempts).toBe(3)
      expect((await attemptsOf(db, id)).map((a) => a.status_code)).toEqual([500, 500, 200])
    })

    it("answers another partner's event id, or an unknown one, with 404 and change nothing", async () => {
      const theirs = await queueEvent(db, globex.id)
      await waitForStatus(db, theirs, ['succeeded'])
      const before = await eventRow(db, theirs)
      for (const id of [theirs, 'evt_doesNotExist']) {
        const shown = await api(`/events/${id}`)
        expect(shown.status).toBe(404)
        expect((shown.body.error as { code: string }).code).toBe('PB_ERR_NOT_FOUND')
        const redelivered = await api(`/events/${id}/redeliver`, { method: 'POST' })
        expect(redelivered.status).toBe(404)
        expect((redelivered.body.error as { code: string }).code).toBe('PB_ERR_NOT_FOUND')
      }
      await new Promise((r) => setTimeout(r, 100))
      expect(await eventRow(db, theirs)).toEqual(before)
      expect(hitsFor(theirs)).toHaveLength(1)
    })

    it('refuses to redeliver an event a dispatcher holds right now (409)', async () => {
      const now = Date.now()
      const id = await db
        .transaction()
        .execute((trx) => enqueueWebhookEvent(trx, { partnerId: t.partner.id, type: 'connection.created', data: {} }, now + 60_000))
      await db
        .updateTable('webhook_events')
        .set({ status: 'delivering', locked_until: now + 60_000 })
        .where('id', '=', id)
        .execute()
      const res = await api(`/events/${id}/redeliver`, { method: 'POST' })
      expect(res.status).toBe(409)
      expect((res.body.error as { code: string }).code).toBe('PB_ERR_CONFLICT')
      expect((await eventRow(db, id)).status).toBe('delivering')
      await db.deleteFrom('webhook_events').where('id', '=', id).execute()
    })
  })

  it('describes the routes in the OpenAPI document with Basic security', async () => {
    const doc = (await (await fetch(`${t.url}/openapi.json`)).json()) as {
      paths: Record<string, Record<string, { security?: unknown }>>
      components: { securitySchemes: Record<string, unknown> }
    }
    expect(doc.components.securitySchemes.basic).toMatchObject({ type: 'http', scheme: 'basic' })
    expect(doc.paths['/v1/partner/webhooks/events']?.get?.security).toEqual([{ basic: [] }])
    expect(doc.paths['/v1/partner/webhooks/events/{id}']?.get?.security).toEqual([{ basic: [] }])
    expect(doc.paths['/v1/partner/webhooks/events/{id}/redeliver']?.post?.security).toEqual([{ basic: [] }])
  })
})
