import { randomUUID } from 'node:crypto'
import { PatchbayError } from '../errors.js'

/** How calls are retried and bounded: the client's options, overridden per call. */
export interface RetryPolicy {
  /** Retries after the first attempt. */
  maxRetries: number
  /** Each attempt's time limit, ms. */
  timeoutMs: number
  /** The longest wait before a retry, ms: a `Retry-After` beyond it is not waited for (the error is thrown). */
  maxRetryDelayMs: number
  /** The first backoff, ms; it doubles with each retry, up to maxRetryDelayMs. */
  baseDelayMs: number
}

/** What one attempt gets: the signal that ends it (timeout or the caller's abort) and its request id. */
export interface Attempt {
  signal: AbortSignal
  /** Sent as `request-id` (the server logs it as `reqId`) and put on any error of the attempt. */
  requestId: string
  /** 0 for the first attempt. */
  number: number
  /** The previous attempt got no answer (network error, timeout): it may have been carried out. */
  previousUnanswered: boolean
}

/** Failures already retried where they happened (a token exchange inside a call): not retried again around them. */
const FINAL = new WeakSet<object>()

/** Marks `err` as not to be retried by an enclosing retry loop; returns it. */
export function final(err: unknown): unknown {
  if (typeof err === 'object' && err !== null) FINAL.add(err)
  return err
}

/** A failure worth another attempt when the request is safe to repeat: no answer, a 429 or a 5xx. */
export function isRetryable(err: unknown): err is PatchbayError {
  if (!(err instanceof PatchbayError) || FINAL.has(err)) return false
  if (err.code === 'PB_ERR_NETWORK' || err.code === 'PB_ERR_TIMEOUT') return true
  return err.status === 429 || (err.status >= 500 && err.status <= 599)
}

/**
 * The wait before retry number `retry` (0 for the first): the server's `Retry-After` when it sent
 * one (undefined when that is longer than the policy allows: not worth waiting for), else an
 * exponential backoff with jitter (between half and all of `baseDelayMs · 2^retry`, capped).
 */
export function retryDelayMs(
  policy: RetryPolicy,
  retry: number,
  retryAfterSeconds: number | undefined,
  random = Math.random,
): number | undefined {
  if (retryAfterSeconds !== undefined) {
    const ms = retryAfterSeconds * 1000
    return ms > policy.maxRetryDelayMs ? undefined : ms
  }
  const ceiling = Math.min(policy.maxRetryDelayMs, policy.baseDelayMs * 2 ** retry)
  return Math.round(ceiling / 2 + (random() * ceiling) / 2)
}

/** Waits `ms`, or rejects with the signal's reason as soon as it aborts. */
function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  if (signal?.aborted) return Promise.reject(signal.reason)
  return new Promise((resolve, reject) => {
    const done = () => {
      signal?.removeEventListener('abort', aborted)
      resolve()
    }
    const timer = setTimeout(done, ms)
    const aborted = () => {
      clearTimeout(timer)
      reject(signal?.reason)
    }
    signal?.addEventListener('abort', aborted, { once: true })
  })
}

/**
 * Runs `attempt` until it succeeds: each attempt has its own time limit and request id; a failure
 * is retried when `safe` (the request may be repeated) and {@link isRetryable}, up to
 * `policy.maxRetries` times, after {@link retryDelayMs}. An attempt past its time limit fails with
 * `PB_ERR_TIMEOUT`; the caller's `signal` aborting rejects with its reason at once, whatever is
 * under way (an attempt or a wait).
 */
export async function withRetries<T>(
  policy: RetryPolicy,
  safe: boolean,
  what: string,
  signal: AbortSignal | undefined,
  attempt: (a: Attempt) => Promise<T>,
): Promise<T> {
  let previousUnanswered = false
  for (let number = 0; ; number++) {
    if (signal?.aborted) throw signal.reason
    const requestId = randomUUID()
    const timeout = AbortSignal.timeout(policy.timeoutMs)
    const attemptSignal = signal ? AbortSignal.any([signal, timeout]) : timeout
    let failure: unknown
    try {
      return await attempt({ signal: attemptSignal, requestId, number, previousUnanswered })
    } catch (err) {
      if (signal?.aborted) throw signal.reason
      failure = timeout.aborted
        ? new PatchbayError('PB_ERR_TIMEOUT', `${what}: no complete answer within ${policy.timeoutMs} ms`, {
            status: 0,
            requestId,
            cause: err,
          })
        : err
    }
    if (!safe || number >= policy.maxRetries || !isRetryable(failure)) throw failure
    const delay = retryDelayMs(policy, number, failure.retryAfter)
    if (delay === undefined) throw failure
    previousUnanswered = failure.code === 'PB_ERR_NETWORK' || failure.code === 'PB_ERR_TIMEOUT'
    await sleep(delay, signal)
  }
}
