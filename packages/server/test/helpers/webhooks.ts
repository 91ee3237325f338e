import type { Kysely } from 'kysely'
import type { Database, WebhookEventStatus } from '../../src/db/schema.js'
import { enqueueWebhookEvent } from '../../src/webhooks/outbox.js'
import { type FakeApi, type FakeApiRequest, startFakeApi } from './fake-api.js'

type Db = Kysely<Database>

/** Polls `check` until it returns a value other than undefined/false, or fails after `timeoutMs`. */
export async function waitFor<T>(check: () => Promise<T | undefined | false>, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await check()
    if (value !== undefined && value !== false) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 20))
  }
}

export async function eventRow(db: Db, id: string) {
  return db.selectFrom('webhook_events').selectAll().where('id', '=', id).executeTakeFirstOrThrow()
}

export async function attemptsOf(db: Db, id: string) {
  return db.selectFrom('webhook_attempts').selectAll().where('event_id', '=', id).orderBy('attempt').execute()
}

/** Waits until the event reaches one of `statuses`; returns the row. */
export async function waitForStatus(db: Db, id: string, statuses: WebhookEventStatus[], timeoutMs = 10_000) {
  return waitFor(
    async () => {
      const row = await eventRow(db, id)
      return statuses.includes(row.status) ? row : undefined
    },
    `event ${id} to become ${statuses.join(' or ')}`,
    timeoutMs,
  )
}

/** Queues a test event in its own transaction, as a real caller would. */
export async function queueEvent(db: Db, partnerId: string, data: Record<string, unknown> = { test: true }): Promise<string> {
  return db.transaction().execute((trx) => enqueueWebhookEvent(trx, { partnerId, type: 'connection.created', data }))
}

/** A partner's webhook endpoint on 127.0.0.1: `POST /hook` answers what `answer` says (default 204). */
export interface Receiver {
  api: FakeApi
  /** `http://127.0.0.1:<port>/hook` */
  url: string
  /** Requests that reached `/hook`. */
  hits(): FakeApiRequest[]
  answer(fn: (req: FakeApiRequest) => { status: number; headers?: Record<string, string>; body?: string; delayMs?: number }): void
  close(): Promise<void>
}

export async function startReceiver(): Promise<Receiver> {
  let respond: Parameters<Receiver['answer']>[0] = () => ({ status: 204 })
  const api = await startFakeApi()
  api.route('POST /hook', async (req) => {
    const { delayMs, ...res } = respond(req)
    if (delayMs) await new Promise((r) => setTimeout(r, delayMs))
    return res
  })
  return {
    api,
    url: `${api.url}/hook`,
    hits: () => api.requests.filter((r) => r.path === '/hook'),
    answer(fn) {
      respond = fn
    },
    close: () => api.close(),
  }
}
