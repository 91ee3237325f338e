/**
 * `patchbay.partner`: the operator API (`/v1/partner/*`, HTTP Basic with the client credentials)
 * against the real server: every end user's connections, webhook events and their redelivery, MCP
 * toolsets; and `listAll` walking real pages.
 */
import { defineAction } from '@patchbay/catalog'
import { Type } from '@sinclair/typebox'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { waitFor } from '../../server/test/helpers/webhooks.js'
import { databaseTargets } from '../../server/test/helpers/databases.js'
import { type Connection, type Patchbay, PatchbayError, type PatchbayUser } from '../src/index.js'
import { GOOD_STRIPE_KEY, type SdkSetup, startSdkSetup } from './helpers/sdk-setup.js'

const actions = ['get_account', 'get_balance', 'get_payouts'].map((key) =>
  defineAction({
    key,
    app: 'fakestripe',
    version: '1.0.0',
    type: 'read',
    title: key,
    description: `Reads ${key}.`,
    annotations: { readOnly: true, destructive: false, idempotent: true },
    scopes: [],
    input: Type.Object({}),
    output: Type.Object({ email: Type.String() }),
    run: async (ctx) => ({ email: (await ctx.http.get<{ email: string }>('/account')).data.email }),
  }),
)

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = []
  for await (const item of items) all.push(item)
  return all
}

describe.each(databaseTargets)('patchbay.partner and listAll ($name)', (target) => {
  let s: SdkSetup
  let patchbay: Patchbay
  let alice: PatchbayUser
  let bob: PatchbayUser
  let aliceConnection: Connection
  let bobConnection: Connection

  beforeAll(async () => {
    s = await startSdkSetup(target, {}, actions as never)
    ;({ patchbay } = s.sdk())
    alice = patchbay.forUser({ userId: 'op-alice', tenantId: 'org-a' })
    bob = patchbay.forUser({ userId: 'op-bob', tenantId: 'org-b' })
    aliceConnection = await alice.connections.create({ app: 'fakestripe', credentials: { api_key: GOOD_STRIPE_KEY } })
    bobConnection = await bob.connections.create({ app: 'fakestripe', credentials: { api_key: GOOD_STRIPE_KEY } })
  })
  afterAll(() => s?.close())

  it("lists every end user's connections, filtered, and walks all pages with listAll", async () => {
    const page = await patchbay.partner.connections.list({ tenantId: 'org-b' })
    expect(page.data.map((c) => c.id)).toEqual([bobConnection.id])
    expect(page.data[0]?.end_user).toEqual({ tenant_id: 'org-b', user_id: 'op-bob' })
    const all = await collect(patchbay.partner.connections.listAll({ limit: 1 }))
    expect(all.map((c) => c.id)).toEqual([aliceConnection.id, bobConnection.id])
    expect(all.every((c) => c.end_user !== undefined)).toBe(true)
  })

  it("gets and deletes any end user's connection; the end user sees it gone", async () => {
    const extra = await bob.connections.create({ app: 'fakestripe', credentials: { api_key: GOOD_STRIPE_KEY }, allowMultiple: true })
    expect(await patchbay.partner.connections.get(extra.id)).toMatchObject({
      id: extra.id,
      end_user: { tenant_id: 'org-b', user_id: 'op-bob' },
    })
    await patchbay.partner.connections.delete(extra.id)
    await expect(bob.connections.get(extra.id)).rejects.toMatchObject({ code: 'PB_ERR_NOT_FOUND', status: 404 })
    const err = await patchbay.partner.connections.get(extra.id).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(PatchbayError)
    expect(err).toMatchObject({ code: 'PB_ERR_NOT_FOUND', requestId: expect.any(String) })
  })

  it("reads a connection's audit log as its end user and as the operator, page by page, after its deletion too", async () => {
    const extra = await alice.connections.create({ app: 'fakestripe', credentials: { api_key: GOOD_STRIPE_KEY }, allowMultiple: true })
    await alice.connections.credentials(extra.id)
    const own = await alice.connections.audit(extra.id)
    expect(own.data.map((e) => e.action)).toEqual(['credentials_read', 'created'])
    expect(own.data[1]).toMatchObject({ connection_id: extra.id, app: 'fakestripe', actor: { type: 'end_user', via: 'token' } })
    await patchbay.partner.connections.delete(extra.id)
    const pages = await patchbay.partner.connections.audit(extra.id, { limit: 1 })
    expect(pages.data.map((e) => e.action)).toEqual(['deleted'])
    expect(pages.data[0]?.actor).toMatchObject({ type: 'partner', id: s.t.partner.clientId })
    expect(pages.next_cursor).toEqual(expect.any(String))
    const all = await collect(patchbay.partner.connections.auditAll(extra.id, { limit: 1 }))
    expect(all.map((e) => e.action)).toEqual(['deleted', 'credentials_read', 'created'])
    // Another end user's connection, and an unknown id, are 404s for the end user.
    await expect(bob.connections.audit(aliceConnection.id)).rejects.toMatchObject({ code: 'PB_ERR_NOT_FOUND', status: 404 })
    await expect(patchbay.partner.connections.audit('con_unknown')).rejects.toMatchObject({ code: 'PB_ERR_NOT_FOUND', status: 404 })
    await expect(alice.connections.audit(extra.id, { limit: 0 })).rejects.toThrow(TypeError)
  })

  it('refuses wrong client credentials with PB_ERR_UNAUTHORIZED', async () => {
    const { patchbay: wrong } = s.sdk({ clientSecret: 'pbsk_wrong' })
    await expect(wrong.partner.connections.list()).rejects.toMatchObject({ code: 'PB_ERR_UNAUTHORIZED', status: 401 })
  })

  it('lists webhook events page by page, shows one with its attempts, and redelivers it', async () => {
    const created = await collect(patchbay.partner.webhookEvents.listAll({ type: 'connection.created', limit: 1 }))
    const rows = await s.db
      .selectFrom('webhook_events')
      .select('id')
      .where('partner_id', '=', s.t.partner.id)
      .where('type', '=', 'connection.created')
      .execute()
    expect(created.map((e) => e.id).sort()).toEqual(rows.map((r) => r.id).sort())
    const first = created.find((e) => (e.payload.data as { connection?: { id: string } }).connection?.id === aliceConnection.id)
    expect(first).toBeDefined()
    const id = (first as { id: string }).id

    const delivered = await waitFor(async () => {
      const event = await patchbay.partner.webhookEvents.get(id)
      return event.status === 'succeeded' ? event : undefined
    }, 'the event to be delivered')
    expect(delivered.delivery_attempts.length).toBeGreaterThanOrEqual(1)
    const hits = () => s.receiver.hits().filter((h) => h.headers['webhook-id'] === id).length
    const before = hits()

    const again = await patchbay.partner.webhookEvents.redeliver(id)
    expect(again).toMatchObject({ id, status: expect.stringMatching(/^(pending|delivering|succeeded)$/) })
    await waitFor(async () => hits() > before, 'the redelivery')
  })

  it('creates, reads, lists and deletes an MCP toolset', async () => {
    const saved = await patchbay.partner.toolsets.put('billing', { apps: ['fakestripe'], description: 'Billing tools' })
    expect(saved).toMatchObject({ name: 'billing', definition: { apps: ['fakestripe'] } })
    const detail = await patchbay.partner.toolsets.get('billing')
    expect(detail.actions.sort()).toEqual(['fakestripe.get_account', 'fakestripe.get_balance', 'fakestripe.get_payouts'])
    expect((await patchbay.partner.toolsets.list()).map((t) => t.name)).toEqual(['billing'])
    await expect(patchbay.partner.toolsets.put('billing', { apps: ['no-such-app'] })).rejects.toMatchObject({ code: 'PB_ERR_VALIDATION' })
    await patchbay.partner.toolsets.delete('billing')
    await expect(patchbay.partner.toolsets.get('billing')).rejects.toMatchObject({ code: 'PB_ERR_NOT_FOUND' })
  })

  it('walks every list of the end user with listAll: connections, actions, apps, runs', async () => {
    await alice.connections.create({ app: 'fakestripe', credentials: { api_key: GOOD_STRIPE_KEY }, allowMultiple: true })
    const connections = await collect(alice.connections.listAll({ limit: 1 }))
    expect(connections).toHaveLength(2)

    const fakestripe = await collect(alice.actions.listAll({ app: 'fakestripe', limit: 2 }))
    expect(fakestripe.map((a) => a.id)).toEqual(['fakestripe.get_account', 'fakestripe.get_balance', 'fakestripe.get_payouts'])

    const apps = await collect(alice.apps.listAll())
    expect(apps.map((a) => a.key)).toEqual((await alice.apps.list()).map((a) => a.key))
    expect(apps.map((a) => a.key)).toContain('fakestripe')

    for (const key of ['get_account', 'get_balance', 'get_payouts']) {
      await alice.runs.create({ action: `fakestripe.${key}`, connectionId: aliceConnection.id, inputs: {}, wait: 10_000 })
    }
    const runs = await collect(alice.runs.listAll({ limit: 2 }))
    // Newest first.
    expect(runs.map((r) => r.action)).toEqual(['fakestripe.get_payouts', 'fakestripe.get_balance', 'fakestripe.get_account'])
    // Stopping early asks for no more pages.
    const { patchbay: counted, requests } = s.sdk()
    const early = counted.forUser({ userId: 'op-alice', tenantId: 'org-a' })
    for await (const run of early.runs.listAll({ limit: 1 })) {
      expect(run.action).toBe('fakestripe.get_payouts')
      break
    }
    expect(requests.filter((r) => r.url.pathname === '/v1/runs')).toHaveLength(1)
  })
})
