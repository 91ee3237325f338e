import type { Kysely } from 'kysely'
import { failAbandonedSessions } from '../connect/sessions/abandoned-sessions.js'
import type { Database, RunStatus, WebhookEventStatus } from '../db/schema.js'

/** Rows kept past expiry so a late widget can still read a session's outcome, and for audits. */
const GRACE_MS = 24 * 3600 * 1000

/**
 * Ends connect sessions that can no longer finish (reported as `connection.failed`), then deletes
 * expired single-use markers, tokens and sessions. Any process may run it; it is idempotent. Each
 * step runs whatever another one threw (one unreadable row must not stop the deletes for good);
 * the failures are thrown together at the end, for the caller to log.
 */
export async function sweepExpired(
  db: Kysely<Database>,
  now: number = Date.now(),
  /** How long audit log entries are kept (config audit.retentionDays). */
  auditRetentionMs: number = 90 * 24 * 3600 * 1000,
): Promise<void> {
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
    () => db.deleteFrom('console_sessions').where('expires_at', '<', now).execute(),
    () =>
      db
        .deleteFrom('audit_events')
        .where('at', '<', now - auditRetentionMs)
        .execute(),
    () => sampleConnectionStatuses(db, now),
    // The status chart shows 30 days.
    () =>
      db
        .deleteFrom('connection_status_samples')
        .where('hour', '<', now - 31 * 24 * 3600 * 1000)
        .execute(),
  ]
  const failures: unknown[] = []
  for (const step of steps) await step().catch((err: unknown) => failures.push(err))
  if (failures.length === 1) throw failures[0]
  if (failures.length > 1) throw new AggregateError(failures, 'maintenance sweep steps failed')
}

const HOUR_MS = 3600 * 1000

/**
 * Counts each partner's connections by status once an hour, for the console's chart of connections
 * by status over time (docs/console.md): the first sweep of an hour writes that hour's sample.
 */
export async function sampleConnectionStatuses(db: Kysely<Database>, now: number = Date.now()): Promise<void> {
  const hour = Math.floor(now / HOUR_MS) * HOUR_MS
  const taken = await db.selectFrom('connection_status_samples').select('hour').where('hour', '=', hour).limit(1).executeTakeFirst()
  if (taken) return
  const counts = await db
    .selectFrom('connections')
    .select(['partner_id', 'status', (eb) => eb.fn.countAll<number | string>().as('n')])
    .groupBy(['partner_id', 'status'])
    .execute()
  if (counts.length === 0) return
  await db
    .insertInto('connection_status_samples')
    .values(counts.map((c) => ({ partner_id: c.partner_id, hour, status: c.status, count: Number(c.n) })))
    // Two processes sampling the same hour count the same rows: the first one's stays.
    .onConflict((oc) => oc.columns(['partner_id', 'hour', 'status']).doNothing())
    .execute()
}

/** How long history is kept (config runs.retentionDays and webhooks.retentionDays). */
export interface HistoryRetention {
  runsMs: number
  webhookEventsMs: number
}

/** Rows one prune deletes per table at most: a large backlog goes over several sweeps, never in one long transaction. */
const PRUNE_BATCH = 5_000

const ENDED_RUN: readonly RunStatus[] = ['succeeded', 'failed', 'canceled', 'timed_out', 'requires_action']
const ENDED_EVENT: readonly WebhookEventStatus[] = ['succeeded', 'failed', 'skipped']

/**
 * Deletes ended runs (their logs go with them) and ended webhook events (their attempts go with
 * them) older than their retention (docs/operations.md, "Retention"). Runs are aged by when they
 * were created: the runs table has no index on when they ended, on purpose (its two updates per run
 * stay on their page, BENCHMARKS.md "Runs"), so this runs hourly, a bounded batch at a time, and a
 * run still going is never touched. Returns how many rows of each were deleted.
 */
export async function pruneHistory(
  db: Kysely<Database>,
  retention: HistoryRetention,
  now: number = Date.now(),
): Promise<{ runs: number; webhookEvents: number }> {
  const runs = await db
    .deleteFrom('runs')
    .where('id', 'in', (eb) =>
      eb
        .selectFrom('runs')
        .select('id')
        .where('created_at', '<', now - retention.runsMs)
        .where('status', 'in', ENDED_RUN)
        .limit(PRUNE_BATCH),
    )
    .executeTakeFirst()
  const events = await db
    .deleteFrom('webhook_events')
    .where('id', 'in', (eb) =>
      eb
        .selectFrom('webhook_events')
        .select('id')
        .where('updated_at', '<', now - retention.webhookEventsMs)
        .where('status', 'in', ENDED_EVENT)
        .limit(PRUNE_BATCH),
    )
    .executeTakeFirst()
  return { runs: Number(runs.numDeletedRows), webhookEvents: Number(events.numDeletedRows) }
}

export function startMaintenance(
  db: Kysely<Database>,
  onError: (err: unknown) => void,
  everyMs = 60_000,
  auditRetentionMs?: number,
  history?: HistoryRetention,
): () => void {
  const sweep = () => sweepExpired(db, Date.now(), auditRetentionMs).catch(onError)
  // Soon after start, this hour's sample for the console's status chart (the full sweep waits its turn).
  const first = setTimeout(() => sampleConnectionStatuses(db).catch(onError), 5_000)
  first.unref()
  const timer = setInterval(sweep, everyMs)
  timer.unref()
  const prune = history ? setInterval(() => pruneHistory(db, history).catch(onError), HOUR_MS) : undefined
  prune?.unref()
  return () => {
    clearTimeout(first)
    clearInterval(timer)
    clearInterval(prune)
  }
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
