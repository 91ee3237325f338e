import type { Kysely } from 'kysely'
import { failAbandonedSessions } from '../connect/sessions/abandoned-sessions.js'
import type { Database } from '../db/schema.js'

/** Rows kept past expiry so a late widget can still read a session's outcome, and for audits. */
const GRACE_MS = 24 * 3600 * 1000

/**
 * Ends connect sessions that can no longer finish (reported as `connection.failed`), then deletes
 * expired single-use markers, tokens and sessions. Any process may run it; it is idempotent. Each
 * step runs whatever another one threw (one unreadable row must not stop the deletes for good);
 * the failures are thrown together at the end, for the caller to log.
 */
export async function sweepExpired(db: Kysely<Database>, now: number = Date.now()): Promise<void> {
  const steps: Array<() => Promise<unknown>> = [
    // First: a session ended here is still within its grace period when the deletes below run.
    () => failAbandonedSessions(db, now),
    () => db.deleteFrom('used_jtis').where('expires_at', '<', now).execute(),
    () =>
      db
        .deleteFrom('access_tokens')
        .where('expires_at', '<', now - GRACE_MS)
        .execute(),
    () =>
      db
        .deleteFrom('connect_sessions')
        .where('expires_at', '<', now - GRACE_MS)
        .execute(),
    // Rate-limit windows that are over (PostgreSQL; the table stays empty on SQLite).
    () => db.deleteFrom('rate_limits').where('reset_at', '<=', now).execute(),
  ]
  const failures: unknown[] = []
  for (const step of steps) await step().catch((err: unknown) => failures.push(err))
  if (failures.length === 1) throw failures[0]
  if (failures.length > 1) throw new AggregateError(failures, 'maintenance sweep steps failed')
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
