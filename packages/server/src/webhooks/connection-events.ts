import type { Kysely, Transaction } from 'kysely'
import { connectionJson } from '../connections/connection-json.js'
import type { Connection, StoredGrant } from '../connections/connection-types.js'
import type { Database } from '../db/schema.js'
import { enqueueWebhookEvent, type WebhookEventType } from './outbox.js'

/** Events about one connection; `connection.failed` is about a session that made none (below). */
export type ConnectionEventType = Exclude<Extract<WebhookEventType, `connection.${string}`>, 'connection.failed'>

/** The `end_user` of an event: the partner's own ids for the user (null once the user is gone). */
export async function endUserJson(trx: Kysely<Database> | Transaction<Database>, partnerId: string, endUserId: string) {
  const user = await trx
    .selectFrom('end_users')
    .select(['tenant_id', 'external_id'])
    .where('id', '=', endUserId)
    .where('partner_id', '=', partnerId)
    .executeTakeFirst()
  return { tenant_id: user?.tenant_id ?? null, user_id: user?.external_id ?? null }
}

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
  return enqueueWebhookEvent(
    trx,
    {
      partnerId: connection.partnerId,
      type,
      data: {
        connection: connectionJson(connection),
        end_user: await endUserJson(trx, connection.partnerId, connection.endUserId),
        ...extra,
      },
    },
    now,
  )
}

/**
 * Queues the events of a stored grant in the caller's transaction (outbox: they exist if and only if
 * the change is committed), in this order: `connection.deleted` (reason `replaced`) for each
 * connection the grant replaced, then `connection.created` or `connection.reauthorized`.
 */
export async function enqueueGrantEvents(
  trx: Kysely<Database> | Transaction<Database>,
  stored: StoredGrant,
  now: number = Date.now(),
  /** Added to the created/reauthorized event, e.g. `connect_link_id` (docs/connect-links.md). */
  extra: Record<string, unknown> = {},
): Promise<void> {
  const { connection, operation } = stored
  for (const old of stored.replaced) {
    await enqueueConnectionEvent(
      trx,
      'connection.deleted',
      old,
      { connection_id: old.id, app: old.appKey, reason: 'replaced', replaced_by: connection.id },
      now,
    )
  }
  await enqueueConnectionEvent(
    trx,
    operation === 'reauth' ? 'connection.reauthorized' : 'connection.created',
    connection,
    { operation, ...extra },
    now,
  )
}

/** What `connection.failed` says about a connect session that ended without a connection. */
export interface ConnectFailure {
  partnerId: string
  endUserId: string
  sessionId: string
  /** The app being connected, or null when the flow ended before one was chosen. */
  app: string | null
  error: string
  errorDescription: string
  /** The connection the session was reconnecting, if any. */
  reconnectId: string | null
  /** The connect link the session was opened from, if any (docs/connect-links.md). */
  linkId?: string | null
}

/**
 * Queues `connection.failed` in the caller's transaction (the one recording the session's error
 * outcome, see docs/webhooks.md): `{ session_id, app, error, error_description, reconnect_id, end_user }`.
 */
export async function enqueueConnectFailedEvent(
  trx: Kysely<Database> | Transaction<Database>,
  failure: ConnectFailure,
  now: number = Date.now(),
): Promise<string> {
  return enqueueWebhookEvent(
    trx,
    {
      partnerId: failure.partnerId,
      type: 'connection.failed',
      data: {
        session_id: failure.sessionId,
        app: failure.app,
        error: failure.error,
        error_description: failure.errorDescription,
        reconnect_id: failure.reconnectId,
        ...(failure.linkId ? { connect_link_id: failure.linkId } : {}),
        end_user: await endUserJson(trx, failure.partnerId, failure.endUserId),
      },
    },
    now,
  )
}
