import type { Insertable, Kysely, Transaction } from 'kysely'
import type { Database, WebhookEventsTable } from '../db/schema.js'
import { randomId } from '../lib/random.js'
import { isoTime } from '../lib/iso-time.js'

/** Every event Patchbay announces to partners. */
export type WebhookEventType =
  | 'connection.created'
  | 'connection.reauthorized'
  | 'connection.updated'
  | 'connection.refresh_failed'
  | 'connection.deleted'
  | 'connection.failed'
  | 'run.succeeded'
  | 'run.failed'
  | 'run.requires_action'

/**
 * Records an event to announce, in the caller's transaction (outbox pattern): the event exists if
 * and only if the change it describes was committed. The dispatcher delivers it later, with retries.
 */
export async function enqueueWebhookEvent(
  db: Kysely<Database> | Transaction<Database>,
  event: WebhookEventInput,
  now: number = Date.now(),
): Promise<string> {
  const row = webhookEventRow(event, now)
  await db.insertInto('webhook_events').values(row).execute()
  return row.id
}

export interface WebhookEventInput {
  partnerId: string
  type: WebhookEventType
  data: Record<string, unknown>
}

/** The outbox row of an event, for writers that insert it themselves (runs/run-store.ts ends a run and records its event in one statement). */
export function webhookEventRow(event: WebhookEventInput, now: number): Insertable<WebhookEventsTable> & { id: string } {
  const payload = { type: event.type, timestamp: isoTime(now), data: event.data }
  return {
    id: randomId('evt_'),
    partner_id: event.partnerId,
    type: event.type,
    payload: JSON.stringify(payload),
    status: 'pending',
    next_attempt_at: now,
    locked_until: null,
    created_at: now,
    updated_at: now,
  }
}
