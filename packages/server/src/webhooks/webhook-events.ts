import type { Kysely, Selectable } from 'kysely'
import type { Database, WebhookAttemptsTable, WebhookEventStatus, WebhookEventsTable } from '../db/schema.js'
import { rowLimit } from '../db/row-limit.js'
import { PatchbayError } from '../errors.js'
import { decodePageCursor, encodePageCursor } from '../lib/page-cursor.js'
import { isoTime } from '../lib/iso-time.js'

export interface WebhookAttemptJson {
  attempt: number
  url: string
  /** The receiver's HTTP status, or null when no answer came (refused address, timeout, connection error). */
  status_code: number | null
  error: string | null
  duration_ms: number
  created_at: string
}

export interface WebhookEventJson {
  id: string
  type: string
  status: WebhookEventStatus
  attempts: number
  /** When the next attempt is due; null once the event succeeded, failed or was skipped. */
  next_attempt_at: string | null
  created_at: string
  updated_at: string
  /** The body sent to the webhook URL: `{ type, timestamp, data }`. */
  payload: { type: string; timestamp: string; data: Record<string, unknown> }
  last_attempt: WebhookAttemptJson | null
}

export interface WebhookEventDetailJson extends WebhookEventJson {
  /** Every attempt, oldest first. */
  delivery_attempts: WebhookAttemptJson[]
}

export interface ListWebhookEventsOptions {
  status?: WebhookEventStatus
  type?: string
  /** `next_cursor` of the previous page. */
  cursor?: string
  limit: number
}

type EventRow = Selectable<WebhookEventsTable>
type AttemptRow = Selectable<WebhookAttemptsTable>

const iso = (ms: number) => isoTime(Number(ms))

function attemptJson(row: AttemptRow): WebhookAttemptJson {
  return {
    attempt: Number(row.attempt),
    url: row.url,
    status_code: row.status_code == null ? null : Number(row.status_code),
    error: row.error,
    duration_ms: Number(row.duration_ms),
    created_at: iso(row.created_at),
  }
}

function eventJson(row: EventRow, last: AttemptRow | undefined): WebhookEventJson {
  const due = row.status === 'pending' || row.status === 'delivering'
  return {
    id: row.id,
    type: row.type,
    status: row.status,
    attempts: Number(row.attempts),
    next_attempt_at: due ? iso(row.next_attempt_at) : null,
    created_at: iso(row.created_at),
    updated_at: iso(row.updated_at),
    payload: JSON.parse(row.payload) as WebhookEventJson['payload'],
    last_attempt: last ? attemptJson(last) : null,
  }
}

function latestByEvent(attempts: AttemptRow[]): Map<string, AttemptRow> {
  const latest = new Map<string, AttemptRow>()
  for (const row of attempts) {
    const seen = latest.get(row.event_id)
    const later =
      !seen ||
      Number(row.attempt) > Number(seen.attempt) ||
      (Number(row.attempt) === Number(seen.attempt) && Number(row.created_at) > Number(seen.created_at))
    if (later) {
      latest.set(row.event_id, row)
    }
  }
  return latest
}

/** The webhook outbox as a partner's operators see it: their own events only, always scoped in the query. */
export class WebhookEvents {
  constructor(private readonly db: Kysely<Database>) {}

  async list(partnerId: string, options: ListWebhookEventsOptions): Promise<{ data: WebhookEventJson[]; next_cursor: string | null }> {
    const after = options.cursor === undefined ? undefined : decodePageCursor(options.cursor)
    const rows = await this.db
      .selectFrom('webhook_events')
      .selectAll()
      .where('partner_id', '=', partnerId)
      .$if(options.status !== undefined, (q) => q.where('status', '=', options.status as WebhookEventStatus))
      .$if(options.type !== undefined, (q) => q.where('type', '=', options.type as string))
      .$if(after !== undefined, (q) =>
        q.where(({ eb, or, and }) => {
          const [createdAt, id] = after as [number, string]
          return or([eb('created_at', '<', createdAt), and([eb('created_at', '=', createdAt), eb('id', '<', id)])])
        }),
      )
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(rowLimit(options.limit + 1))
      .execute()
    const page = rows.slice(0, options.limit)
    const attempts = page.length
      ? await this.db
          .selectFrom('webhook_attempts')
          .selectAll()
          .where(
            'event_id',
            'in',
            page.map((r) => r.id),
          )
          .execute()
      : []
    const latest = latestByEvent(attempts)
    const last = page[page.length - 1]
    return {
      data: page.map((row) => eventJson(row, latest.get(row.id))),
      next_cursor: rows.length > options.limit && last ? encodePageCursor(Number(last.created_at), last.id) : null,
    }
  }

  /** The partner's event with every attempt; undefined for another partner's id. */
  async get(partnerId: string, id: string): Promise<WebhookEventDetailJson | undefined> {
    const row = await this.db
      .selectFrom('webhook_events')
      .selectAll()
      .where('id', '=', id)
      .where('partner_id', '=', partnerId)
      .executeTakeFirst()
    if (!row) return undefined
    const attempts = await this.db
      .selectFrom('webhook_attempts')
      .selectAll()
      .where('event_id', '=', id)
      .orderBy('attempt')
      .orderBy('created_at')
      .execute()
    return { ...eventJson(row, attempts[attempts.length - 1]), delivery_attempts: attempts.map(attemptJson) }
  }

  /**
   * Queues the event again, due now, whatever its status. Its attempt count goes on from where it
   * was: a failed event is tried once more, a pending one keeps its remaining retries. Refused
   * (PB_ERR_CONFLICT) while a dispatcher holds it; PB_ERR_NOT_FOUND for another partner's id.
   */
  async redeliver(partnerId: string, id: string, now: number = Date.now()): Promise<WebhookEventJson> {
    const result = await this.db
      .updateTable('webhook_events')
      .set({ status: 'pending', next_attempt_at: now, locked_until: null, updated_at: now })
      .where('id', '=', id)
      .where('partner_id', '=', partnerId)
      .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<', now)]))
      .executeTakeFirst()
    const event = await this.get(partnerId, id)
    if (!event) throw new PatchbayError('PB_ERR_NOT_FOUND', `no webhook event ${id}`)
    if (result.numUpdatedRows !== 1n) {
      throw new PatchbayError('PB_ERR_CONFLICT', `webhook event ${id} is being delivered right now; retry once the attempt is recorded`)
    }
    const { delivery_attempts: _all, ...json } = event
    return json
  }
}
