import type { Kysely, Transaction } from 'kysely'
import { connectionJson } from '../connections/connection-json.js'
import type { Connection } from '../connections/connection-store.js'
import type { Database } from '../db/schema.js'
import { enqueueWebhookEvent, type WebhookEventType } from './outbox.js'

export type ConnectionEventType = Extract<WebhookEventType, `connection.${string}`>

/**
 * Queues a `connection.*` event in the caller's transaction, with the data every such event
 * carries: `{ connection, end_user: { tenant_id, user_id }, ...extra }` (e.g. `operation` for
 * created and reauthorized). The end user's ids are the partner's own (tenant and external id).
 */
export async function enqueueConnectionEvent(
  trx: Kysely<Database> | Transaction<Database>,
  type: ConnectionEventType,
  connection: Connection,
  extra: Record<string, unknown> = {},
  now: number = Date.now(),
): Promise<string> {
  const user = await trx
    .selectFrom('end_users')
    .select(['tenant_id', 'external_id'])
    .where('id', '=', connection.endUserId)
    .where('partner_id', '=', connection.partnerId)
    .executeTakeFirst()
  return enqueueWebhookEvent(
    trx,
    {
      partnerId: connection.partnerId,
      type,
      data: {
        connection: connectionJson(connection),
        end_user: { tenant_id: user?.tenant_id ?? null, user_id: user?.external_id ?? null },
        ...extra,
      },
    },
    now,
  )
}
