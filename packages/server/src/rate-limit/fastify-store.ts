import type { FastifyRateLimitStore } from '@fastify/rate-limit'
import type { RateLimitCounter } from './counter.js'

type IncrCallback = Parameters<FastifyRateLimitStore['incr']>[1]

/**
 * A store for @fastify/rate-limit (its `store` option) over one {@link RateLimitCounter}. The
 * plugin's own store gives every `app.rateLimit()` limiter a store of its own (`child()`), which
 * split the connect budget per route; here every limiter counts in the same counters, so limiters
 * that use the same key share one budget.
 */
export function counterStore(counter: RateLimitCounter) {
  return class CounterStore implements FastifyRateLimitStore {
    // The plugin calls incr(key, callback, timeWindow, max); its type declarations name the first two only.
    incr(key: string, callback: IncrCallback, timeWindow?: number): void {
      if (timeWindow === undefined) {
        callback(new TypeError('@fastify/rate-limit did not pass the time window to the store'))
        return
      }
      const now = Date.now()
      if (counter.hitNow) {
        const hit = counter.hitNow(key, timeWindow, now)
        callback(null, { current: hit.count, ttl: Math.max(0, hit.resetAt - now) })
        return
      }
      counter.hit(key, timeWindow, now).then(
        (hit) => callback(null, { current: hit.count, ttl: Math.max(0, hit.resetAt - now) }),
        (err: Error) => callback(err),
      )
    }

    child(): CounterStore {
      return this
    }
  }
}
