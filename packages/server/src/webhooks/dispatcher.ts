import type { Kysely, Selectable } from 'kysely'
import type { Logger } from 'pino'
import type { Database, WebhookEventsTable } from '../db/schema.js'
import { rowLimit } from '../db/row-limit.js'
import { randomId } from '../lib/random.js'
import { OutboundBlockedError, OutboundResponseTooLargeError, type SafeHttpClient } from '../outbound/safe-fetch.js'
import { VaultError } from '../vault/vault.js'
import { webhookHeaders } from './signing.js'
import type { WebhookSecrets } from './webhook-secrets.js'
import { retryAfterMs as retryAfter } from '../lib/retry-after.js'
import type { Metrics } from '../metrics/metrics.js'

export const WEBHOOK_USER_AGENT = 'Patchbay-Webhooks/1'

/** The receiver's answer is read up to this size and ignored. */
const MAX_RESPONSE_BYTES = 64 * 1024
/** Longest error text kept on an attempt row. */
const MAX_ERROR_CHARS = 500
const JITTER = 0.2

export interface WebhookDispatcherOptions {
  db: Kysely<Database>
  http: SafeHttpClient
  secrets: WebhookSecrets
  log: Pick<Logger, 'info' | 'warn' | 'error'>
  /** Attempts per event before it is marked failed. */
  maxAttempts: number
  /** Timeout of one delivery request, milliseconds. */
  timeoutMs: number
  /** Idle polling interval, milliseconds. */
  pollMs: number
  /** Seconds to wait after the 1st, 2nd, … failed attempt; the last entry repeats. */
  retrySchedule: readonly number[]
  /** Events claimed (and delivered concurrently) per round; default 10. */
  batchSize?: number
  /** Epoch milliseconds; `Date.now` by default. */
  now?: () => number
  /** Uniform in [0, 1); `Math.random` by default (jitter). */
  random?: () => number
  /** Counts each attempt by outcome (docs/operations.md, "Metrics"). */
  metrics?: Metrics
}

type EventRow = Selectable<WebhookEventsTable>

type Outcome = { ok: true; statusCode: number } | { ok: false; statusCode: number | null; error: string | null; retryAfterMs?: number }

/**
 * The delay before the next attempt after `failedAttempts` failures: the schedule's entry for it
 * (the last one once past the end), in milliseconds, with ±20% jitter so a receiver that failed
 * under load is not hit by every retry at the same moment.
 */
export function retryDelayMs(schedule: readonly number[], failedAttempts: number, random: () => number = Math.random): number {
  if (schedule.length === 0) throw new TypeError('retrySchedule: at least one entry is required')
  const index = Math.min(Math.max(failedAttempts, 1), schedule.length) - 1
  const base = (schedule[index] as number) * 1000
  return Math.max(0, Math.round(base * (1 - JITTER + 2 * JITTER * random())))
}

/** `Retry-After` in delta-seconds or as an HTTP date, in milliseconds from `now`. */
function describeError(err: unknown, timeoutMs: number): string {
  if (err instanceof OutboundBlockedError) return `${err.code}: ${err.message}`
  if (err instanceof OutboundResponseTooLargeError) return `response too large: ${err.message}`
  const e = err as { name?: string; code?: string; message?: string; cause?: unknown }
  if (
    e?.name === 'TimeoutError' ||
    e?.name === 'AbortError' ||
    e?.code === 'UND_ERR_HEADERS_TIMEOUT' ||
    e?.code === 'UND_ERR_BODY_TIMEOUT' ||
    e?.code === 'UND_ERR_CONNECT_TIMEOUT'
  ) {
    return `timed out after ${timeoutMs} ms`
  }
  // A refused address surfaces from the socket's lookup, sometimes wrapped.
  if (e?.cause instanceof OutboundBlockedError) return describeError(e.cause, timeoutMs)
  const text = `${e?.code ?? e?.name ?? 'Error'}: ${e?.message ?? String(err)}`
  return text.length > MAX_ERROR_CHARS ? `${text.slice(0, MAX_ERROR_CHARS - 1)}…` : text
}

/**
 * Delivers the webhook outbox. Any number of processes may run one against the same database:
 * an event is claimed with a lease (a compare-and-set on `locked_until`, portable to SQLite and
 * PostgreSQL) before it is sent, so each attempt is made by one process; a process that dies
 * mid-delivery leaves a lease that expires, and the event is claimed again. Every attempt is
 * recorded; 2xx succeeds, anything else (3xx included: redirects are never followed, and the
 * outbound policy refuses private addresses) is retried with backoff until `maxAttempts`, then
 * the event is failed. An event whose partner has no webhook URL is skipped.
 */
export class WebhookDispatcher {
  readonly #o: Required<Omit<WebhookDispatcherOptions, 'log' | 'metrics'>> & Pick<WebhookDispatcherOptions, 'log' | 'metrics'>
  readonly #leaseMs: number
  #timer: NodeJS.Timeout | undefined
  #current: Promise<void> | undefined
  #stopping = false

  constructor(options: WebhookDispatcherOptions) {
    this.#o = { batchSize: 10, now: Date.now, random: Math.random, ...options }
    // Long enough for the request to time out and the result to be written.
    this.#leaseMs = options.timeoutMs + 30_000
  }

  /** Polls every `pollMs` (unref'd timer) and at once; keeps going while there is due work. */
  start(): this {
    if (this.#timer || this.#stopping) return this
    this.#timer = setInterval(() => this.poke(), this.#o.pollMs)
    this.#timer.unref()
    this.poke()
    return this
  }

  /** Starts a round now unless one is running (e.g. right after an event was queued). */
  poke(): void {
    if (this.#stopping || this.#current) return
    this.#current = this.#drain()
      .catch((err: unknown) => this.#o.log.error({ err }, 'webhook dispatch failed'))
      .finally(() => {
        this.#current = undefined
      })
  }

  /** Stops polling and waits for the deliveries in flight to finish and be recorded. */
  async stop(): Promise<void> {
    this.#stopping = true
    if (this.#timer) clearInterval(this.#timer)
    this.#timer = undefined
    await this.#current
  }

  async #drain(): Promise<void> {
    while (!this.#stopping && (await this.runOnce()) > 0) {
      // Re-poll at once: there may be more due events.
    }
  }

  /** Claims due events and delivers them; returns how many this process handled. */
  async runOnce(): Promise<number> {
    const events = await this.claim()
    await Promise.all(events.map((event) => this.#deliver(event.row, event.lease)))
    return events.length
  }

  /**
   * Claims up to `batchSize` due events for this process: candidates are read, then each is taken
   * by an UPDATE that re-checks it is still due and unleased; only rows this UPDATE changed (count
   * 1) are ours. A row two processes race for is updated by one of them only: SQLite serializes
   * writers, and PostgreSQL re-evaluates the WHERE clause on the row the other committed.
   */
  async claim(): Promise<Array<{ row: EventRow; lease: number }>> {
    const { db, batchSize } = this.#o
    const now = this.#o.now()
    const candidates = await db
      .selectFrom('webhook_events')
      .select('id')
      .where('status', 'in', ['pending', 'delivering'])
      .where('next_attempt_at', '<=', now)
      .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<', now)]))
      .orderBy('next_attempt_at')
      .limit(rowLimit(batchSize))
      .execute()
    const claimed: Array<{ row: EventRow; lease: number }> = []
    const lease = now + this.#leaseMs
    for (const { id } of candidates) {
      if (this.#stopping) break
      const result = await db
        .updateTable('webhook_events')
        .set({ status: 'delivering', locked_until: lease, updated_at: now })
        .where('id', '=', id)
        .where('status', 'in', ['pending', 'delivering'])
        .where('next_attempt_at', '<=', now)
        .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<', now)]))
        .executeTakeFirst()
      if (result.numUpdatedRows !== 1n) continue
      const row = await db.selectFrom('webhook_events').selectAll().where('id', '=', id).executeTakeFirst()
      if (row) claimed.push({ row, lease })
    }
    return claimed
  }

  async #deliver(event: EventRow, lease: number): Promise<void> {
    const { db, log } = this.#o
    const partner = await db.selectFrom('partners').select(['webhook_url']).where('id', '=', event.partner_id).executeTakeFirst()
    const url = partner?.webhook_url
    if (!url) {
      await this.#release(event.id, lease, { status: 'skipped' })
      this.#o.metrics?.webhookDelivery('skipped')
      log.info({ event: event.id, partner: event.partner_id, type: event.type }, 'webhook skipped: the partner has no webhook URL')
      return
    }
    const attempt = Number(event.attempts) + 1
    const started = performance.now()
    const outcome = await this.#send(event, url)
    const durationMs = Math.round(performance.now() - started)
    const now = this.#o.now()
    let next: { status: 'succeeded' | 'failed' } | { status: 'pending'; next_attempt_at: number }
    if (outcome.ok) next = { status: 'succeeded' }
    else if (attempt >= this.#o.maxAttempts) next = { status: 'failed' }
    else {
      const backoff = retryDelayMs(this.#o.retrySchedule, attempt, this.#o.random)
      // A receiver's Retry-After may push the retry later, never past the schedule's longest delay.
      const longest = Math.max(...this.#o.retrySchedule) * 1000
      const wait = outcome.retryAfterMs === undefined ? backoff : Math.max(backoff, Math.min(outcome.retryAfterMs, longest))
      next = { status: 'pending', next_attempt_at: now + wait }
    }
    const kept = await db.transaction().execute(async (trx) => {
      await trx
        .insertInto('webhook_attempts')
        .values({
          id: randomId('wha_'),
          event_id: event.id,
          attempt,
          url,
          status_code: outcome.statusCode,
          error: outcome.ok ? null : outcome.error,
          duration_ms: durationMs,
          created_at: now,
        })
        .execute()
      const result = await trx
        .updateTable('webhook_events')
        .set({ ...next, attempts: attempt, locked_until: null, updated_at: now })
        .where('id', '=', event.id)
        .where('locked_until', '=', lease)
        .executeTakeFirst()
      return result.numUpdatedRows === 1n
    })
    this.#o.metrics?.webhookDelivery(outcome.ok ? 'delivered' : next.status === 'failed' ? 'failed' : 'retry')
    const fields = {
      event: event.id,
      partner: event.partner_id,
      type: event.type,
      attempt,
      status_code: outcome.statusCode,
      duration_ms: durationMs,
      next: next.status,
    }
    if (!kept) log.warn(fields, 'webhook lease lost before the attempt was recorded; another dispatcher owns the event')
    else if (outcome.ok) log.info(fields, 'webhook delivered')
    else log.warn({ ...fields, error: outcome.error }, 'webhook delivery failed')
  }

  async #send(event: EventRow, url: string): Promise<Outcome> {
    const { http, secrets, timeoutMs } = this.#o
    let secret: string | undefined
    try {
      secret = await secrets.get(event.partner_id)
    } catch (err) {
      const code = err instanceof VaultError ? err.code : 'error'
      return { ok: false, statusCode: null, error: `the partner's webhook secret cannot be read (${code})` }
    }
    if (!secret) {
      return {
        ok: false,
        statusCode: null,
        error: `the partner has no webhook secret: run "patchbay partner webhook-secret ${event.partner_id}"`,
      }
    }
    const body = event.payload
    try {
      const res = await http.request(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': WEBHOOK_USER_AGENT,
          ...webhookHeaders(secret, event.id, body, this.#o.now()),
        },
        body,
        timeoutMs,
        maxBytes: MAX_RESPONSE_BYTES,
      })
      if (res.status >= 200 && res.status < 300) return { ok: true, statusCode: res.status }
      const retryAfterMs = retryAfter(res.headers['retry-after'], this.#o.now())
      return {
        ok: false,
        statusCode: res.status,
        error: res.status >= 300 && res.status < 400 ? 'redirects are not followed: update the webhook URL' : null,
        ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
      }
    } catch (err) {
      return { ok: false, statusCode: null, error: describeError(err, timeoutMs) }
    }
  }

  async #release(id: string, lease: number, set: { status: 'skipped' }): Promise<void> {
    await this.#o.db
      .updateTable('webhook_events')
      .set({ ...set, locked_until: null, updated_at: this.#o.now() })
      .where('id', '=', id)
      .where('locked_until', '=', lease)
      .execute()
  }
}
