import type { Kysely } from 'kysely'
import { failAbandonedSessions } from './connect/abandoned-sessions.js'
import type { Database } from './db/schema.js'

/** Rows kept past expiry so a late widget can still read a session's outcome, and for audits. */
const GRACE_MS = 24 * 3600 * 1000

/**
 * Ends connect sessions that can no longer finish (reported as `connection.failed`), then deletes
 * expired single-use markers, tokens and sessions. Any process may run it; it is idempotent.
 */
export async function sweepExpired(db: Kysely<Database>, now: number = Date.now()): Promise<void> {
  await failAbandonedSessions(db, now)
  await db.deleteFrom('used_jtis').where('expires_at', '<', now).execute()
  await db
    .deleteFrom('access_tokens')
    .where('expires_at', '<', now - GRACE_MS)
    .execute()
  await db
    .deleteFrom('connect_sessions')
    .where('expires_at', '<', now - GRACE_MS)
    .execute()
  // Rate-limit windows that are over (PostgreSQL; the table stays empty on SQLite).
  await db.deleteFrom('rate_limits').where('reset_at', '<=', now).execute()
}

export function startMaintenance(db: Kysely<Database>, onError: (err: unknown) => void, everyMs = 60_000): () => void {
  const timer = setInterval(() => sweepExpired(db).catch(onError), everyMs)
  timer.unref()
  return () => clearInterval(timer)
}

/** The background refresh sweep: tokens expiring soon are refreshed before anyone needs them. */
export function startRefreshSweep(refreshDue: () => Promise<number>, everyMs: number, onError: (err: unknown) => void): () => void {
  if (everyMs <= 0) return () => {}
  let running = false
  const timer = setInterval(() => {
    if (running) return
    running = true
    refreshDue()
      .catch(onError)
      .finally(() => {
        running = false
      })
  }, everyMs)
  timer.unref()
  return () => clearInterval(timer)
}
