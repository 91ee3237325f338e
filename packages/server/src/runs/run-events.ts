import type { Transaction } from 'kysely'
import type { Database } from '../db/schema.js'
import { enqueueWebhookEvent, type WebhookEventInput, type WebhookEventType } from '../webhooks/outbox.js'
import { endUserJson } from '../webhooks/connection-events.js'
import { runJson } from './run-json.js'
import type { EndUserJson, RunRow } from './run-store.js'

/** The event a run's end announces; a canceled run announces nothing (its caller asked for it). */
function eventOf(row: RunRow): WebhookEventType | undefined {
  if (row.status === 'succeeded') return 'run.succeeded'
  if (row.status === 'failed' || row.status === 'timed_out') return 'run.failed'
  if (row.status === 'requires_action') return 'run.requires_action'
  return undefined
}

/**
 * Records the run's webhook in the transaction that ended it (the outbox: docs/webhooks.md), unless
 * the run was created with `webhook: false`. The body carries the run without its inputs, and the
 * partner's ids of its end user.
 */
export async function enqueueRunEvent(trx: Transaction<Database>, row: RunRow, now: number): Promise<void> {
  if (!eventOf(row) || !Number(row.webhook)) return
  const event = runEvent(row, await endUserJson(trx, row.partner_id, row.end_user_id))
  if (event) await enqueueWebhookEvent(trx, event, now)
}

/** The event a run in this state announces, or undefined (not ended, canceled, or `webhook: false`). */
export function runEvent(row: RunRow, endUser: EndUserJson): WebhookEventInput | undefined {
  const type = eventOf(row)
  if (!type || !Number(row.webhook)) return undefined
  return { partnerId: row.partner_id, type, data: { run: runJson(row, { inputs: false }), end_user: endUser } }
}
