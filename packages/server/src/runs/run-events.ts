import type { Transaction } from 'kysely'
import type { Database } from '../db/schema.js'
import { enqueueWebhookEvent, type WebhookEventType } from '../webhooks/outbox.js'
import { runJson } from './run-json.js'
import type { RunRow } from './run-store.js'

/** The event a run's end announces; a canceled run announces nothing (its caller asked for it). */
function eventOf(row: RunRow): WebhookEventType | undefined {
  if (row.status === 'succeeded') return 'run.succeeded'
  if (row.status === 'failed' || row.status === 'timed_out') return 'run.failed'
  if (row.status === 'requires_action') return 'run.requires_action'
  return undefined
}

/**
 * Records the run's webhook in the transaction that ended it (the outbox: docs/webhooks.md), unless
 * the run was created with `webhook: false`. The body carries the run without its inputs.
 */
export async function enqueueRunEvent(trx: Transaction<Database>, row: RunRow, now: number): Promise<void> {
  const type = eventOf(row)
  if (!type || !Number(row.webhook)) return
  await enqueueWebhookEvent(trx, { partnerId: row.partner_id, type, data: { run: runJson(row, { inputs: false }) } }, now)
}
