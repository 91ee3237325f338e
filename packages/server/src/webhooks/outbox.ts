import type { Kysely, Transaction } from 'kysely'
import type { Database } from '../db/schema.js'
import { randomId } from '../lib/random.js'

/** Every event Patchbay announces to partners. */
export type WebhookEventType =
  | 'connection.created'
  | 'connection.reauthorized'
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
  event: { partnerId: string; type: WebhookEventType; data: Record<string, unknown> },
  now: number = Date.now(),
): Promise<string> {
  const id = randomId('evt_')
  const payload = { type: event.type, timestamp: new Date(now).toISOString(), data: event.data }
  await db
    .insertInto('webhook_events')
    .values({
      id,
      partner_id: event.partnerId,
      type: event.type,
      payload: JSON.stringify(payload),
      status: 'pending',
      next_attempt_at: now,
      locked_until: null,
      created_at: now,
      updated_at: now,
    })
    .execute()
  return id
}
