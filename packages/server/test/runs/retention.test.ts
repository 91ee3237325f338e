/**
 * History retention (docs/operations.md, "Retention"): ended runs with their logs, and ended webhook
 * events with their attempts, are deleted once older than their retention; runs still going and
 * events still to deliver are kept whatever their age. Both databases.
 */
import { defineAction } from '@patchbay/catalog'
import { Type } from '@sinclair/typebox'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadConfig } from '../../src/config/config.js'
import { pruneHistory } from '../../src/jobs/maintenance.js'
import { databaseTargets } from '../helpers/databases.js'
import { startTestServer, type TestServer } from '../helpers/test-server.js'
import { addConnection, apiKeyApp, endUser, startUpstream, type Upstream } from '../proxy/proxy-setup.js'

const DAY = 24 * 3600 * 1000

describe.each(databaseTargets)('history retention ($name)', (target) => {
  let t: TestServer
  let upstream: Upstream
  const db = () => t.server.services.database.db

  beforeAll(async () => {
    upstream = await startUpstream()
    upstream.handle((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}')
    })
    const ping = defineAction({
      key: 'ping',
      app: 'local',
      version: '1.0.0',
      type: 'read',
      title: 'Ping',
      description: 'One request.',
      annotations: { readOnly: true, destructive: false, idempotent: true },
      scopes: [],
      input: Type.Object({}),
      output: Type.Object({}),
      run: async (ctx) => {
        await ctx.http.request({ method: 'GET', path: '/ping' })
        return {}
      },
    })
    t = await startTestServer({
      target,
      actions: [ping],
      config: { apps: [apiKeyApp('local', `${upstream.url}/api`)], 'webhooks.dispatch': false },
    })
  })
  afterAll(async () => {
    await t?.close()
    await upstream?.close()
  })

  it('deletes ended runs and their logs after runs.retentionDays, never a run still going', async () => {
    const user = await endUser(t, 'keeper')
    const connection = await addConnection(t, user, { app: 'local', credentials: { api_key: 'k' } })
    const create = async () => {
      const res = await fetch(`${t.url}/v1/runs`, {
        method: 'POST',
        headers: { ...user.auth, 'content-type': 'application/json' },
        body: JSON.stringify({ action: 'local.ping', connection_id: connection, inputs: {}, wait_ms: 5000 }),
      })
      const run = (await res.json()) as { id: string; status: string }
      expect(run.status).toBe('succeeded')
      return run.id
    }
    const ended = await create()
    const going = await create()
    // A run waiting for its next attempt (a 429's Retry-After) is not over, whatever its age.
    await db().updateTable('runs').set({ status: 'waiting', finished_at: null }).where('id', '=', going).execute()
    const logs = () => db().selectFrom('run_logs').select('run_id').where('run_id', '=', ended).execute()
    expect((await logs()).length).toBeGreaterThan(0)
    const status = async (id: string) => (await fetch(`${t.url}/v1/runs/${id}`, { headers: user.auth })).status

    const retention = { runsMs: 30 * DAY, webhookEventsMs: 30 * DAY }
    expect((await pruneHistory(db(), retention, Date.now() + 29 * DAY)).runs).toBe(0)
    expect(await status(ended)).toBe(200)

    expect((await pruneHistory(db(), retention, Date.now() + 31 * DAY)).runs).toBe(1)
    expect(await status(ended)).toBe(404)
    expect(await logs()).toEqual([])
    // Still there (202: a run that has not ended).
    const kept = await fetch(`${t.url}/v1/runs/${going}`, { headers: user.auth })
    expect(kept.status).toBe(202)
    expect(((await kept.json()) as { status: string }).status).toBe('waiting')
  })

  it('deletes ended webhook events and their attempts after webhooks.retentionDays, never one still to deliver', async () => {
    const now = Date.now()
    const event = (id: string, status: 'succeeded' | 'pending') => ({
      id,
      partner_id: t.partner.id,
      type: 'connection.created',
      payload: '{}',
      status,
      next_attempt_at: now,
      locked_until: null,
      created_at: now,
      updated_at: now,
    })
    await db()
      .insertInto('webhook_events')
      .values([event('evt_retention_done', 'succeeded'), event('evt_retention_due', 'pending')])
      .execute()
    await db()
      .insertInto('webhook_attempts')
      .values({
        id: 'wha_retention',
        event_id: 'evt_retention_done',
        attempt: 1,
        url: 'https://partner.example/hooks',
        status_code: 200,
        error: null,
        duration_ms: 3,
        created_at: now,
      })
      .execute()
    const ids = async () =>
      (
        await db()
          .selectFrom('webhook_events')
          .select('id')
          .where('id', 'in', ['evt_retention_done', 'evt_retention_due'])
          .orderBy('id')
          .execute()
      ).map((r) => r.id)

    const retention = { runsMs: 30 * DAY, webhookEventsMs: 7 * DAY }
    expect((await pruneHistory(db(), retention, now + 6 * DAY)).webhookEvents).toBe(0)
    expect((await pruneHistory(db(), retention, now + 8 * DAY)).webhookEvents).toBe(1)
    expect(await ids()).toEqual(['evt_retention_due'])
    expect(await db().selectFrom('webhook_attempts').select('id').where('id', '=', 'wha_retention').execute()).toEqual([])
  })

  it('reads both retentions from the settings', () => {
    const config = loadConfig({ PATCHBAY_RUNS_RETENTION_DAYS: '7', PATCHBAY_WEBHOOKS_RETENTION_DAYS: '14' })
    expect(config.runs.retentionDays).toBe(7)
    expect(config.webhooks.retentionDays).toBe(14)
    expect(loadConfig({}).runs.retentionDays).toBe(30)
    expect(() => loadConfig({ PATCHBAY_RUNS_RETENTION_DAYS: '0' })).toThrow()
  })
})
