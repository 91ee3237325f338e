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
  /** Counters in memory answer at once: callers on a hot path (the token endpoint) skip the promise. */
  hitNow?(key: string, windowMs: number, now?: number): RateLimitHit
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
    return this.hitNow(key, windowMs, now)
  }

  hitNow(key: string, windowMs: number, now = Date.now()): RateLimitHit {
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

interface Waiter {
  resolve(hit: RateLimitHit): void
  reject(err: unknown): void
}

/** Hits of one key waiting for the statement in flight for that key to finish. */
interface Batch {
  waiters: Waiter[]
  windowMs: number
  now: number
}

/**
 * Counters in the `rate_limits` table, shared by every process on the database: one statement (an
 * upsert that starts a new window when the stored one is over) counts the hits of a key. While a
 * statement for a key is in flight, the process's further hits of that key wait and are then counted
 * together by the next one: a busy key (a partner's client id, its backend's IP) costs one round trip
 * per batch instead of one per request, and every hit still gets its own exact count. Expired rows
 * are deleted by the maintenance sweep (jobs/maintenance.ts).
 */
export class PostgresCounter implements RateLimitCounter {
  static readonly statement = `
    insert into rate_limits as r (key, count, reset_at) values ($1, $4::int, $2::bigint + $3::bigint)
    on conflict (key) do update set
      count = case when r.reset_at <= $2::bigint then $4::int else r.count + $4::int end,
      reset_at = case when r.reset_at <= $2::bigint then excluded.reset_at else r.reset_at end
    returning count, reset_at`

  /** Keys with a statement in flight, each with the batch that waits for it (if any). */
  readonly #inFlight = new Map<string, Batch | undefined>()

  constructor(private readonly pool: pg.Pool) {}

  hit(key: string, windowMs: number, now = Date.now()): Promise<RateLimitHit> {
    return new Promise((resolve, reject) => {
      const waiter = { resolve, reject }
      if (!this.#inFlight.has(key)) {
        this.#send(key, { waiters: [waiter], windowMs, now })
        return
      }
      const next = this.#inFlight.get(key)
      if (next) {
        next.waiters.push(waiter)
        next.now = Math.max(next.now, now)
      } else {
        this.#inFlight.set(key, { waiters: [waiter], windowMs, now })
      }
    })
  }

  #send(key: string, batch: Batch): void {
    this.#inFlight.set(key, undefined)
    const n = batch.waiters.length
    this.pool
      .query<{ count: number; reset_at: number }>({
        name: 'patchbay_rate_limit_hit',
        text: PostgresCounter.statement,
        values: [key, batch.now, batch.windowMs, n],
      })
      .then(
        ({ rows }) => {
          const row = rows[0] as { count: number; reset_at: number }
          // The batch's hits are the last n of the window, in the order they came.
          batch.waiters.forEach((w, i) => w.resolve({ count: row.count - n + 1 + i, resetAt: row.reset_at }))
        },
        (err: unknown) => {
          for (const w of batch.waiters) w.reject(err)
        },
      )
      .finally(() => {
        const next = this.#inFlight.get(key)
        this.#inFlight.delete(key)
        if (next) this.#send(key, next)
      })
  }
}

/** The database's counters on PostgreSQL (several processes may serve requests), memory on SQLite. */
export function createRateLimitCounter(database: PatchbayDatabase): RateLimitCounter {
  return database.pgPool ? new PostgresCounter(database.pgPool) : new MemoryCounter()
}
