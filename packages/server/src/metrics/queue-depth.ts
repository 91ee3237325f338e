import { type Kysely, sql } from 'kysely'
import type pg from 'pg'
import type { Database } from '../db/schema.js'
import { runTaskFor, WORKER_SCHEMA } from '../runs/runners/worker-queue.js'

export interface PendingRuns {
  /** Ready to start now: new runs, and runs whose retry time has come. */
  queued: number
  /** Waiting for a retry scheduled later. */
  waiting: number
}

/**
 * The queues' depth, read at scrape time (docs/operations.md, "Metrics"): one cheap query each,
 * answered from an index, whatever the size of the tables' history.
 */
export class QueueDepth {
  /** graphile-worker's task name of this schema's runs (PostgreSQL), looked up once. */
  private task: Promise<string> | undefined

  constructor(
    private readonly db: Kysely<Database>,
    private readonly pgPool: pg.Pool | undefined,
  ) {}

  /**
   * SQLite: the `runs` rows themselves (index `runs_due` on status and retry time). PostgreSQL: the
   * runs' graphile-worker jobs not taken by a worker, since `runs` has no status index there (its
   * updates stay HOT, see migration 0005) and its history grows without bound.
   */
  async runs(): Promise<PendingRuns> {
    const now = Date.now()
    if (this.pgPool) {
      this.task ??= runTaskFor(this.pgPool).catch((err: unknown) => {
        this.task = undefined
        throw err
      })
      const task = await this.task
      const { rows } = await sql<{ queued: number | string; waiting: number | string }>`
        select count(*) filter (where run_at <= now()) as queued, count(*) filter (where run_at > now()) as waiting
        from ${sql.table(`${WORKER_SCHEMA}.jobs`)}
        where task_identifier = ${task} and locked_at is null and attempts < max_attempts`.execute(this.db)
      return { queued: Number(rows[0]?.queued ?? 0), waiting: Number(rows[0]?.waiting ?? 0) }
    }
    const row = await this.db
      .selectFrom('runs')
      .select((eb) => [
        eb.fn.countAll<number>().as('pending'),
        eb.fn
          .sum<number>(
            eb
              .case()
              .when(eb.or([eb('status', '=', 'queued'), eb('retry_at', '<=', now)]))
              .then(1)
              .else(0)
              .end(),
          )
          .as('queued'),
      ])
      .where('status', 'in', ['queued', 'waiting'])
      .executeTakeFirst()
    const queued = Number(row?.queued ?? 0)
    return { queued, waiting: Number(row?.pending ?? 0) - queued }
  }

  /** Webhook events not delivered yet, nor given up (`pending`, or `delivering` under a dispatcher's lease). */
  async webhookEvents(): Promise<number> {
    const row = await this.db
      .selectFrom('webhook_events')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('status', 'in', ['pending', 'delivering'])
      .executeTakeFirst()
    return Number(row?.n ?? 0)
  }
}
