import { type Kysely, type Selectable, sql } from 'kysely'
import type { ConnectionStatus, Database, RunsTable, RunStatus } from '../db/schema.js'
import { rowLimit } from '../db/row-limit.js'
import { decodePageCursor, encodePageCursor } from '../lib/page-cursor.js'

const HOUR_MS = 3600 * 1000

export type RunRow = Selectable<RunsTable>

export interface RunListOptions {
  status?: RunStatus | undefined
  app?: string | undefined
  connectionId?: string | undefined
  cursor?: string | undefined
  limit: number
}

/** Failed outcomes the console lists first (docs/console.md, "Failures first"). */
export const FAILED_RUN_STATUSES: RunStatus[] = ['failed', 'timed_out', 'requires_action']

/**
 * The operator console's reads across one partner (docs/console.md): counts, the hourly series its
 * charts draw, and partner-wide run listings. Each query is bounded by the partner and an index
 * (connections_partner_status, runs_partner: migration 0008), so a page stays fast with 100,000
 * connections (BENCHMARKS.md, "Console").
 */
export class ConsoleStore {
  constructor(private readonly db: Kysely<Database>) {}

  async connectionCounts(partnerId: string): Promise<Record<ConnectionStatus, number>> {
    const rows = await this.db
      .selectFrom('connections')
      .select(['status', (eb) => eb.fn.countAll<number | string>().as('n')])
      .where('partner_id', '=', partnerId)
      .groupBy('status')
      .execute()
    const counts: Record<ConnectionStatus, number> = { active: 0, needs_reauth: 0, error: 0 }
    for (const row of rows) counts[row.status] = Number(row.n)
    return counts
  }

  /** The hourly samples of connections by status since `since` (the maintenance sweep writes them). */
  async statusSamples(partnerId: string, since: number): Promise<{ hour: number; status: string; count: number }[]> {
    const rows = await this.db
      .selectFrom('connection_status_samples')
      .select(['hour', 'status', 'count'])
      .where('partner_id', '=', partnerId)
      .where('hour', '>=', since)
      .orderBy('hour')
      .execute()
    return rows.map((r) => ({ hour: Number(r.hour), status: r.status, count: Number(r.count) }))
  }

  /** Runs created since `since`, counted by hour and status. */
  async runsByHour(partnerId: string, since: number): Promise<{ hour: number; status: RunStatus; count: number }[]> {
    const hour = sql<number | string>`created_at / ${sql.lit(HOUR_MS)}`
    const rows = await this.db
      .selectFrom('runs')
      .select([hour.as('h'), 'status', (eb) => eb.fn.countAll<number | string>().as('n')])
      .where('partner_id', '=', partnerId)
      .where('created_at', '>=', since)
      .groupBy([hour, 'status'])
      .execute()
    return rows.map((r) => ({ hour: Math.floor(Number(r.h)) * HOUR_MS, status: r.status, count: Number(r.n) }))
  }

  /** Start-to-end times of the latest runs that ended since `since` (at most `limit`), by the hour they were created. */
  async runDurations(partnerId: string, since: number, limit = 2000): Promise<{ createdAt: number; ms: number }[]> {
    const rows = await this.db
      .selectFrom('runs')
      .select(['created_at', 'started_at', 'finished_at'])
      .where('partner_id', '=', partnerId)
      .where('created_at', '>=', since)
      .where('finished_at', 'is not', null)
      .where('started_at', 'is not', null)
      .orderBy('created_at', 'desc')
      .limit(rowLimit(limit))
      .execute()
    return rows.map((r) => ({ createdAt: Number(r.created_at), ms: Number(r.finished_at) - Number(r.started_at) }))
  }

  /** The partner's runs, newest first, with optional filters. */
  async listRuns(partnerId: string, options: RunListOptions): Promise<{ rows: RunRow[]; nextCursor: string | null }> {
    const after = options.cursor === undefined ? undefined : decodePageCursor(options.cursor)
    const rows = await this.db
      .selectFrom('runs')
      .selectAll()
      .where('partner_id', '=', partnerId)
      .$if(options.status !== undefined, (q) => q.where('status', '=', options.status as RunStatus))
      .$if(options.app !== undefined, (q) => q.where('app_key', '=', options.app as string))
      .$if(options.connectionId !== undefined, (q) => q.where('connection_id', '=', options.connectionId as string))
      .$if(after !== undefined, (q) =>
        q.where(({ eb, refTuple, tuple }) => {
          const [createdAt, id] = after as [number, string]
          // One index range on both databases (bench/scale.mjs: an OR made deep pages slower).
          return eb(refTuple('created_at', 'id'), '<', tuple(createdAt, id))
        }),
      )
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(rowLimit(options.limit + 1))
      .execute()
    const more = rows.length > options.limit
    const page = more ? rows.slice(0, options.limit) : rows
    const last = page[page.length - 1]
    return { rows: page, nextCursor: more && last ? encodePageCursor(Number(last.created_at), last.id) : null }
  }

  /** The latest runs that ended badly since `since`. */
  async failedRuns(partnerId: string, since: number, limit: number): Promise<RunRow[]> {
    return this.db
      .selectFrom('runs')
      .selectAll()
      .where('partner_id', '=', partnerId)
      .where('created_at', '>=', since)
      .where('status', 'in', FAILED_RUN_STATUSES)
      .orderBy('created_at', 'desc')
      .limit(rowLimit(limit))
      .execute()
  }

  async run(partnerId: string, id: string): Promise<RunRow | undefined> {
    return this.db.selectFrom('runs').selectAll().where('partner_id', '=', partnerId).where('id', '=', id).executeTakeFirst()
  }

  /**
   * Webhook endpoints with their delivery attempts since `since`: how many, how many failed (no
   * answer or not 2xx), and the last one. An endpoint is failing when its last attempt failed.
   */
  async webhookEndpoints(
    partnerId: string,
    since: number,
  ): Promise<{ url: string; attempts: number; failed: number; lastAt: number; lastStatus: number | null; lastError: string | null }[]> {
    const failedAttempt = sql<number>`case when a.status_code is null or a.status_code < 200 or a.status_code > 299 then 1 else 0 end`
    const rows = await this.db
      .selectFrom('webhook_attempts as a')
      .innerJoin('webhook_events as e', 'e.id', 'a.event_id')
      .select(['a.url', (eb) => eb.fn.countAll<number | string>().as('n'), (eb) => eb.fn.sum<number | string>(failedAttempt).as('failed')])
      .select((eb) => eb.fn.max('a.created_at').as('last_at'))
      .where('e.partner_id', '=', partnerId)
      // Events are retried for up to a few days: their attempts in the window belong to events made a little before it.
      .where('e.created_at', '>=', since - 7 * 24 * HOUR_MS)
      .where('a.created_at', '>=', since)
      .groupBy('a.url')
      .execute()
    const endpoints = []
    for (const row of rows) {
      const last = await this.db
        .selectFrom('webhook_attempts as a')
        .innerJoin('webhook_events as e', 'e.id', 'a.event_id')
        .select(['a.status_code', 'a.error'])
        .where('e.partner_id', '=', partnerId)
        .where('e.created_at', '>=', since - 7 * 24 * HOUR_MS)
        .where('a.url', '=', row.url)
        .where('a.created_at', '=', Number(row.last_at))
        .limit(1)
        .executeTakeFirst()
      endpoints.push({
        url: row.url,
        attempts: Number(row.n),
        failed: Number(row.failed ?? 0),
        lastAt: Number(row.last_at),
        lastStatus: last?.status_code == null ? null : Number(last.status_code),
        lastError: last?.error ?? null,
      })
    }
    return endpoints
  }
}
