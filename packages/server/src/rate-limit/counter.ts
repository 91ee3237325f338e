import type pg from 'pg'
import type { PatchbayDatabase } from '../db/database.js'

/** One hit counted in a fixed window: the hits so far in the window (this one included) and when it ends. */
export interface RateLimitHit {
  count: number
  /** Epoch milliseconds. */
  resetAt: number
}

/**
 * Fixed-window hit counters, one per key, shared by every rate limit of the process (see
 * docs/operations.md, "Rate limits"): the same key counts against one budget whichever route
 * counts it. A key always uses the same window length.
 */
export interface RateLimitCounter {
  hit(key: string, windowMs: number, now?: number): Promise<RateLimitHit>
}

/** How often expired windows are dropped from memory. */
const MEMORY_SWEEP_MS = 60_000

/**
 * Counters in this process's memory: enough on SQLite, where one process owns the database file
 * and so serves every request.
 */
export class MemoryCounter implements RateLimitCounter {
  readonly #windows = new Map<string, RateLimitHit>()
  #nextSweep = 0

  async hit(key: string, windowMs: number, now = Date.now()): Promise<RateLimitHit> {
    if (now >= this.#nextSweep) this.#sweep(now)
    let window = this.#windows.get(key)
    if (!window || window.resetAt <= now) {
      window = { count: 0, resetAt: now + windowMs }
      this.#windows.set(key, window)
    }
    window.count++
    return { count: window.count, resetAt: window.resetAt }
  }

  #sweep(now: number): void {
    for (const [key, window] of this.#windows) if (window.resetAt <= now) this.#windows.delete(key)
    this.#nextSweep = now + MEMORY_SWEEP_MS
  }
}

/**
 * Counters in the `rate_limits` table, shared by every process on the database: one statement per
 * hit (an upsert that starts a new window when the stored one is over). Expired rows are deleted by
 * the maintenance sweep (maintenance.ts).
 */
export class PostgresCounter implements RateLimitCounter {
  static readonly statement = `
    insert into rate_limits as r (key, count, reset_at) values ($1, 1, $2::bigint + $3::bigint)
    on conflict (key) do update set
      count = case when r.reset_at <= $2::bigint then 1 else r.count + 1 end,
      reset_at = case when r.reset_at <= $2::bigint then excluded.reset_at else r.reset_at end
    returning count, reset_at`

  constructor(private readonly pool: pg.Pool) {}

  async hit(key: string, windowMs: number, now = Date.now()): Promise<RateLimitHit> {
    const { rows } = await this.pool.query<{ count: number; reset_at: number }>({
      name: 'patchbay_rate_limit_hit',
      text: PostgresCounter.statement,
      values: [key, now, windowMs],
    })
    const row = rows[0] as { count: number; reset_at: number }
    return { count: row.count, resetAt: row.reset_at }
  }
}

/** The database's counters on PostgreSQL (several processes may serve requests), memory on SQLite. */
export function createRateLimitCounter(database: PatchbayDatabase): RateLimitCounter {
  return database.pgPool ? new PostgresCounter(database.pgPool) : new MemoryCounter()
}
