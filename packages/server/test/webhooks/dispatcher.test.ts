import { Writable } from 'node:stream'
import { type Kysely, sql } from 'kysely'
import { Webhook } from 'standardwebhooks'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { openDatabase } from '../../src/db/database.js'
import type { Database } from '../../src/db/schema.js'
import { createLogger } from '../../src/logger.js'
import { type RunningServer, startServer } from '../../src/http/server.js'
import { retryDelayMs, WEBHOOK_USER_AGENT, WebhookDispatcher } from '../../src/webhooks/dispatcher.js'
import { enqueueWebhookEvent } from '../../src/webhooks/outbox.js'
import { verifyWebhook } from '../../src/webhooks/signing.js'
import { type DatabaseTarget, databaseTargets } from '../helpers/databases.js'
import { startTestServer, type TestServer } from '../helpers/test-server.js'
import { attemptsOf, eventRow, queueEvent, type Receiver, startReceiver, waitFor, waitForStatus } from '../helpers/webhooks.js'

/** Fast retries so the suites run in seconds: 0.2 s (±20%) between attempts, 3 attempts. */
const FAST = {
  'webhooks.pollMs': 20,
  'webhooks.retrySchedule': [0.2],
  'webhooks.maxAttempts': 3,
  'webhooks.timeoutMs': 1000,
}

type Db = Kysely<Database>

const silent = (t: TestServer) => createLogger(t.config, new Writable({ write: (_c, _e, cb) => cb() }))

/** The PostgreSQL schema a test server runs in ('' on SQLite). */
async function schemaOf(target: DatabaseTarget, db: Db): Promise<string | undefined> {
  if (!target.databaseUrl) return undefined
  const { rows } = await sql<{ schema: string }>`select current_schema() as schema`.execute(db)
  return rows[0]?.schema
}

describe('retryDelayMs', () => {
  it('follows the schedule with ±20% jitter and repeats its last entry', () => {
    const schedule = [5, 30, 120]
    expect(retryDelayMs(schedule, 1, () => 0.5)).toBe(5000)
    expect(retryDelayMs(schedule, 2, () => 0)).toBe(24_000)
    expect(retryDelayMs(schedule, 3, () => 0.999999)).toBeCloseTo(144_000, -1)
    expect(retryDelayMs(schedule, 9, () => 0.5)).toBe(120_000)
  })
})

describe.each(databaseTargets)('webhook dispatcher ($name)', (target) => {
  let receiver: Receiver
  let t: TestServer
  let db: Db
  let secret: string

  beforeAll(async () => {
    receiver = await startReceiver()
    t = await startTestServer({ target, partner: { webhookUrl: receiver.url }, config: FAST })
    db = t.server.services.database.db
    secret = await t.server.services.webhookSecrets.rotate(t.partner.id)
  })
  afterAll(async () => {
    await t?.close()
    await receiver?.close()
  })
  beforeEach(() => receiver.answer(() => ({ status: 204 })))

  const hitsFor = (id: string) => receiver.hits().filter((h) => h.headers['webhook-id'] === id)

  it('delivers a signed event once and records one attempt', async () => {
    const id = await queueEvent(db, t.partner.id, { hello: 'world' })
    const row = await waitForStatus(db, id, ['succeeded'])
    expect(row).toMatchObject({ attempts: 1, locked_until: null })
    const [hit, ...more] = hitsFor(id)
    expect(more).toEqual([])
    expect(hit?.method).toBe('POST')
    expect(hit?.headers['content-type']).toBe('application/json')
    expect(hit?.headers['user-agent']).toBe(WEBHOOK_USER_AGENT)
    expect(hit?.body).toBe(row.payload)
    // Verified by our verifier and, independently, by the spec's reference library.
    expect(verifyWebhook(secret, hit?.headers ?? {}, hit?.body ?? '')).toMatchObject({ id })
    const payload = new Webhook(secret).verify(hit?.body ?? '', hit?.headers as Record<string, string>)
    expect(payload).toEqual({ type: 'connection.created', timestamp: expect.any(String), data: { hello: 'world' } })
    expect(() => new Webhook(secret).verify(`${hit?.body} `, hit?.headers as Record<string, string>)).toThrow()
    const attempts = await attemptsOf(db, id)
    expect(attempts).toEqual([
      expect.objectContaining({ attempt: 1, url: receiver.url, status_code: 204, error: null, duration_ms: expect.any(Number) }),
    ])
  })

  it('retries a 500 after the backoff and succeeds on the next attempt', async () => {
    let calls = 0
    receiver.answer(() => ({ status: calls++ === 0 ? 500 : 200, body: 'ok' }))
    const id = await queueEvent(db, t.partner.id)
    const row = await waitForStatus(db, id, ['succeeded'])
    expect(row.attempts).toBe(2)
    const attempts = await attemptsOf(db, id)
    expect(attempts.map((a) => [a.attempt, a.status_code, a.error])).toEqual([
      [1, 500, null],
      [2, 200, null],
    ])
    // 0.2 s with at most 20% less jitter between the first answer and the second try.
    expect(Number(attempts[1]?.created_at) - Number(attempts[0]?.created_at)).toBeGreaterThanOrEqual(150)
    expect(hitsFor(id)).toHaveLength(2)
  })

  it('marks the event failed after maxAttempts failed attempts, and stops', async () => {
    receiver.answer(() => ({ status: 503 }))
    const id = await queueEvent(db, t.partner.id)
    const row = await waitForStatus(db, id, ['failed'])
    expect(row.attempts).toBe(3)
    expect((await attemptsOf(db, id)).map((a) => a.status_code)).toEqual([503, 503, 503])
    await new Promise((r) => setTimeout(r, 400))
    expect(hitsFor(id)).toHaveLength(3)
  })

  it('does not follow a redirect: a 3xx is a failed attempt', async () => {
    receiver.answer(() => ({ status: 302, headers: { location: `${receiver.api.url}/elsewhere` } }))
    const id = await queueEvent(db, t.partner.id)
    await waitForStatus(db, id, ['failed'])
    const attempts = await attemptsOf(db, id)
    expect(attempts.map((a) => a.status_code)).toEqual([302, 302, 302])
    expect(attempts[0]?.error).toMatch(/redirects are not followed/)
    expect(receiver.api.requests.filter((r) => r.path === '/elsewhere')).toEqual([])
  })

  it('records a timed-out attempt and retries it', async () => {
    let calls = 0
    receiver.answer(() => (calls++ === 0 ? { status: 200, delayMs: 1500 } : { status: 200 }))
    const id = await queueEvent(db, t.partner.id)
    await waitForStatus(db, id, ['succeeded'])
    const attempts = await attemptsOf(db, id)
    expect(attempts.map((a) => [a.status_code, a.error])).toEqual([
      [null, 'timed out after 1000 ms'],
      [200, null],
    ])
  })

  it('skips an event of a partner without a webhook URL, with no attempt', async () => {
    const other = await t.addPartner({ id: 'no-webhook' })
    const id = await queueEvent(db, other.id)
    const row = await waitForStatus(db, id, ['skipped'])
    expect(row.attempts).toBe(0)
    expect(await attemptsOf(db, id)).toEqual([])
    expect(hitsFor(id)).toEqual([])
  })

  it('records a failed attempt, and sends nothing, when the partner has no webhook secret', async () => {
    const other = await t.addPartner({ id: 'no-secret', webhookUrl: receiver.url })
    const id = await queueEvent(db, other.id)
    await waitForStatus(db, id, ['failed'])
    const attempts = await attemptsOf(db, id)
    expect(attempts).toHaveLength(3)
    expect(attempts[0]).toMatchObject({ status_code: null, error: expect.stringContaining('patchbay partner webhook-secret no-secret') })
    expect(hitsFor(id)).toEqual([])
  })

  it('claims again an event whose lease expired (a dispatcher died mid-delivery)', async () => {
    const now = Date.now()
    const id = await db
      .transaction()
      .execute((trx) => enqueueWebhookEvent(trx, { partnerId: t.partner.id, type: 'connection.created', data: {} }, now + 60_000))
    // As a crashed process leaves it: claimed, lease in the past.
    await db
      .updateTable('webhook_events')
      .set({ status: 'delivering', next_attempt_at: now - 5000, locked_until: now - 1 })
      .where('id', '=', id)
      .execute()
    const row = await waitForStatus(db, id, ['succeeded'])
    expect(row.attempts).toBe(1)
    expect(hitsFor(id)).toHaveLength(1)
  })

  it('leaves an event alone while another dispatcher holds its lease', async () => {
    const now = Date.now()
    const id = await db
      .transaction()
      .execute((trx) => enqueueWebhookEvent(trx, { partnerId: t.partner.id, type: 'connection.created', data: {} }, now + 60_000))
    await db
      .updateTable('webhook_events')
      .set({ status: 'delivering', next_attempt_at: now - 5000, locked_until: now + 60_000 })
      .where('id', '=', id)
      .execute()
    await new Promise((r) => setTimeout(r, 300))
    expect((await eventRow(db, id)).status).toBe('delivering')
    expect(hitsFor(id)).toEqual([])
    await db.deleteFrom('webhook_events').where('id', '=', id).execute()
  })
})

describe.each(databaseTargets)('webhook dispatcher SSRF policy ($name)', (target) => {
  let receiver: Receiver
  let t: TestServer
  let db: Db

  beforeAll(async () => {
    receiver = await startReceiver()
    // The production default: no private range allowed.
    t = await startTestServer({ target, config: { ...FAST, 'outbound.allowPrivateRanges': [] } })
    db = t.server.services.database.db
  })
  afterAll(async () => {
    await t?.close()
    await receiver?.close()
  })

  it('refuses private, loopback and link-local webhook URLs: attempts record the SSRF error, nothing is sent', async () => {
    const port = new URL(receiver.url).port
    const targets = {
      loopback: `https://127.0.0.1:${port}/hook`,
      'by-name': `https://localhost:${port}/hook`,
      'plain-http': `http://127.0.0.1:${port}/hook`,
      metadata: 'https://169.254.169.254/latest/meta-data/',
      private: 'https://10.0.0.1/hook',
    }
    const ids: Record<string, string> = {}
    for (const [name, webhookUrl] of Object.entries(targets)) {
      const partner = await t.addPartner({ id: name, webhookUrl })
      await t.server.services.webhookSecrets.rotate(partner.id)
      ids[name] = await queueEvent(db, partner.id)
    }
    for (const [name, id] of Object.entries(ids)) {
      await waitForStatus(db, id, ['failed'])
      const attempts = await attemptsOf(db, id)
      expect(attempts, name).toHaveLength(3)
      for (const attempt of attempts) {
        expect(attempt.status_code, name).toBeNull()
        expect(attempt.error, name).toMatch(/^PB_OUTBOUND_BLOCKED: refusing/)
      }
    }
    expect(receiver.api.requests).toEqual([])
  })
})

describe.each(databaseTargets)('webhook dispatchers side by side ($name)', (target) => {
  let receiver: Receiver
  let t: TestServer
  let restarted: TestServer | undefined
  let second: RunningServer | undefined
  let db: Db

  beforeAll(async () => {
    receiver = await startReceiver()
    t = await startTestServer({ target, persistent: true, partner: { webhookUrl: receiver.url }, config: FAST })
    db = t.server.services.database.db
    await t.server.services.webhookSecrets.rotate(t.partner.id)
  })
  afterAll(async () => {
    await second?.close()
    await restarted?.close()
    await t?.close()
    await receiver?.close()
  })
  beforeEach(() => receiver.answer(() => ({ status: 204 })))

  const hitsFor = (id: string) => receiver.hits().filter((h) => h.headers['webhook-id'] === id)

  it('gives each due event to exactly one of two concurrent claims', async () => {
    // A handle of its own on the same database, as another process would have.
    const other = openDatabase({ databaseUrl: target.databaseUrl, dataDir: t.config.dataDir, pgSchema: await schemaOf(target, db) })
    try {
      const later = Date.now() + 60_000
      const options = {
        http: t.server.services.http,
        secrets: t.server.services.webhookSecrets,
        log: silent(t),
        maxAttempts: 3,
        timeoutMs: 1000,
        pollMs: 1000,
        retrySchedule: [1],
        batchSize: 100,
        // The clock of these two is a minute ahead: the events are due for them, not yet for the running server.
        now: () => later + 1,
      }
      const ids = await db.transaction().execute(async (trx) => {
        const out: string[] = []
        for (let i = 0; i < 30; i++) {
          out.push(await enqueueWebhookEvent(trx, { partnerId: t.partner.id, type: 'connection.created', data: { i } }, later))
        }
        return out
      })
      const [fromA, fromB] = await Promise.all([
        new WebhookDispatcher({ ...options, db }).claim(),
        new WebhookDispatcher({ ...options, db: other.db }).claim(),
      ])
      const claimed = [...fromA, ...fromB].map((c) => c.row.id)
      expect(new Set(claimed).size).toBe(claimed.length)
      expect(claimed.sort()).toEqual([...ids].sort())
      for (const { row, lease } of [...fromA, ...fromB]) expect(row).toMatchObject({ status: 'delivering', locked_until: lease })
      await db.deleteFrom('webhook_events').where('id', 'in', ids).execute()
    } finally {
      await other.close()
    }
  })

  it('delivers each event exactly once with two Patchbay servers on the same database', async () => {
    const pgSchema = await schemaOf(target, db)
    const secondLogs: string[] = []
    const logger = createLogger(
      t.config,
      new Writable({
        write: (chunk, _enc, cb) => {
          secondLogs.push(String(chunk))
          cb()
        },
      }),
    )
    second = await startServer({ ...t.config }, { ...(pgSchema ? { pgSchema } : {}), logger })
    const ids = await db.transaction().execute(async (trx) => {
      const out: string[] = []
      for (let i = 0; i < 40; i++)
        out.push(await enqueueWebhookEvent(trx, { partnerId: t.partner.id, type: 'connection.created', data: { i } }))
      return out
    })
    for (const id of ids) await waitForStatus(db, id, ['succeeded'])
    await new Promise((r) => setTimeout(r, 200))
    for (const id of ids) {
      expect(hitsFor(id), id).toHaveLength(1)
      expect(await attemptsOf(db, id), id).toHaveLength(1)
    }
    // Both processes took part, and together they delivered each event once.
    const deliveredBy = (logs: string[]) =>
      logs.filter((l) => ids.some((id) => l.includes(id)) && l.includes('"msg":"webhook delivered"')).length
    expect(deliveredBy(secondLogs)).toBeGreaterThan(0)
    expect(deliveredBy(t.logs) + deliveredBy(secondLogs)).toBe(ids.length)
    await second.close()
    second = undefined
  })

  it('lets a delivery in flight finish and be recorded before the server closes', async () => {
    receiver.answer(() => ({ status: 200, delayMs: 400 }))
    const id = await queueEvent(db, t.partner.id)
    await waitFor(async () => hitsFor(id).length > 0, 'the delivery to start')
    restarted = await t.restart()
    const reopened = restarted.server.services.database.db
    expect(await eventRow(reopened, id)).toMatchObject({ status: 'succeeded', attempts: 1, locked_until: null })
    expect(await attemptsOf(reopened, id)).toEqual([expect.objectContaining({ status_code: 200 })])
    await new Promise((r) => setTimeout(r, 200))
    expect(hitsFor(id)).toHaveLength(1)
  })
})
