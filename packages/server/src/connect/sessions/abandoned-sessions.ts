import type { Kysely } from 'kysely'
import type { Database } from '../../db/schema.js'
import type { SessionContext, SessionOutcome } from './connect-sessions.js'
import { enqueueConnectFailedEvent } from '../../webhooks/connection-events.js'

/**
 * A claimed flow whose callback has not recorded an outcome after this long will never do so (the
 * process died mid-callback): a callback takes seconds (token request 15 s and credential check
 * 10 s at most).
 */
const CALLBACK_GRACE_MS = 5 * 60 * 1000

const ABANDONED = 'The connect session ended before a connection was made.'

/**
 * Ends the connect sessions that can no longer finish with an `expired` error outcome and queues
 * `connection.failed` for each (docs/webhooks.md): redeemed by a browser, no outcome, past their
 * lifetime (no new flow can start), and no provider authorization that may still come back (a
 * flow unused and unexpired, or claimed by a callback within the grace period). Those are the users
 * who closed the popup, left the form, never came back from the provider, or whose callback
 * crashed. Each session is ended once, whichever process gets there first. Returns how many.
 */
export async function failAbandonedSessions(db: Kysely<Database>, now: number = Date.now(), limit = 200): Promise<number> {
  const candidates = await db
    .selectFrom('connect_sessions as s')
    .select(['s.id', 's.partner_id', 's.end_user_id', 's.reconnect_id', 's.apps', 's.context'])
    .select((eb) =>
      eb
        .selectFrom('oauth_flows as f')
        .select('f.app_key')
        .whereRef('f.session_id', '=', 's.id')
        .orderBy('f.created_at', 'desc')
        .limit(1)
        .as('flow_app'),
    )
    .where('s.outcome', 'is', null)
    .where('s.used_at', 'is not', null)
    .where('s.expires_at', '<=', now)
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('oauth_flows as f')
            .select('f.state_hash')
            .whereRef('f.session_id', '=', 's.id')
            .where((f) =>
              f.or([f.and([f('f.used_at', 'is', null), f('f.expires_at', '>', now)]), f('f.used_at', '>', now - CALLBACK_GRACE_MS)]),
            ),
        ),
      ),
    )
    .limit(limit)
    .execute()
  let ended = 0
  const failures: unknown[] = []
  for (const row of candidates) {
    // One row that cannot be ended (unreadable, a failing write) does not keep the others open.
    const done = await endAbandoned(db, row, now).catch((err: unknown) => {
      failures.push(err)
      return false
    })
    if (done) ended++
  }
  if (failures.length) throw new AggregateError(failures, `${failures.length} abandoned connect session(s) could not be ended`)
  return ended
}

interface AbandonedRow {
  id: string
  partner_id: string
  end_user_id: string
  reconnect_id: string | null
  apps: string
  context: string | null
  flow_app: string | null
}

/** Ends one abandoned session unless something else ended it first. */
async function endAbandoned(db: Kysely<Database>, row: AbandonedRow, now: number): Promise<boolean> {
  const apps = JSON.parse(row.apps) as string[]
  const opened = row.context ? (JSON.parse(row.context) as SessionContext).app : undefined
  const app = row.flow_app ?? opened ?? (apps.length === 1 ? (apps[0] as string) : null)
  const outcome: SessionOutcome = { status: 'error', app: app ?? '', error: 'expired', error_description: ABANDONED }
  return db.transaction().execute(async (trx) => {
    const claimed = await trx
      .updateTable('connect_sessions')
      .set({ outcome: JSON.stringify(outcome) })
      .where('id', '=', row.id)
      .where('outcome', 'is', null)
      .executeTakeFirst()
    if (claimed.numUpdatedRows === 0n) return false
    await enqueueConnectFailedEvent(
      trx,
      {
        partnerId: row.partner_id,
        endUserId: row.end_user_id,
        sessionId: row.id,
        app,
        error: 'expired',
        errorDescription: ABANDONED,
        reconnectId: row.reconnect_id,
      },
      now,
    )
    return true
  })
}
