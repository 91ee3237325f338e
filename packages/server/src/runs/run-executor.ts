import { type ActionContext, dryRunRequests, encodeActionRequest } from '@patchbay/catalog'
import type { Insertable, Kysely, Transaction } from 'kysely'
import type { Logger } from 'pino'
import type { ActionRegistry, LoadedAction } from '../actions/action-registry.js'
import { createActionHttp } from '../actions/action-http.js'
import type { Config } from '../config/config.js'
import type { ConnectionStore } from '../connections/connection-store.js'
import { CredentialRevokedError } from '../credentials/credential-service.js'
import type { PatchbayDatabase } from '../db/database.js'
import type { Database, RunLogsTable, RunStatus } from '../db/schema.js'
import { PatchbayError } from '../errors.js'
import type { ProxyService } from '../proxy/proxy.js'
import type { Metrics } from '../metrics/metrics.js'
import { enqueueRunEvent, runEvent } from './run-events.js'
import { webhookEventRow } from '../webhooks/outbox.js'
import { capOutput } from './output-cap.js'
import { classify, type Failure, MissingScopesError, RunAbort, type RunErrorJson } from './run-errors.js'
import { missingScopes } from '../connections/scope-upgrade.js'
import { type ClaimedRun, isTerminal, type RunRow, type RunStore } from './run-store.js'
import { isoTime } from '../lib/iso-time.js'

/** How a runner is told about work: PostgreSQL adds a graphile-worker job in the same transaction; the embedded runner wakes. */
export interface RunScheduler {
  /** Makes the run due at `at` (ms); called inside the transaction that made it so. */
  schedule(trx: Transaction<Database> | Kysely<Database>, runId: string, at: number): Promise<void>
  /** After that transaction committed. */
  committed(): void
}

export interface RunExecutorDeps {
  database: PatchbayDatabase
  store: RunStore
  registry: ActionRegistry
  proxy: ProxyService
  connections: ConnectionStore
  config: Config
  log: Logger
  /** Counts each run that reaches a final status (docs/operations.md, "Metrics"). */
  metrics?: Metrics
}

type LogEntry = Omit<Insertable<RunLogsTable>, 'run_id' | 'seq'>

/** One request of a dry run's output. */
interface DryRunRequest {
  method: string
  url: string
  headers: Record<string, string>
  body: unknown
}

/** Exponential backoff for attempt n (1-based) with jitter: base·2^(n-1), at most 60 s. */
export function backoffMs(attempt: number, baseMs: number): number {
  const plain = Math.min(baseMs * 2 ** (attempt - 1), 60_000)
  return Math.round(plain * (0.75 + Math.random() * 0.5))
}

/**
 * One attempt of a run, whichever runner started it: claim it (lease), run the action with a
 * context whose `http` is the proxy, end it in one transaction with its logs and webhook event
 * (docs/actions.md, "Statuses" and "Retries").
 */
export class RunExecutor {
  /** Attempts under way in this process, by run id: a cancel here aborts at once. */
  private readonly local = new Map<string, AbortController>()
  scheduler: RunScheduler | undefined

  constructor(private readonly deps: RunExecutorDeps) {}

  /** Aborts the attempt if this process runs it; false otherwise (its heartbeat will see the request). */
  cancelLocal(runId: string): boolean {
    const controller = this.local.get(runId)
    if (!controller) return false
    controller.abort(new RunAbort('canceled'))
    return true
  }

  get active(): number {
    return this.local.size
  }

  /**
   * The run is not this worker's to start. If it is running under another worker's lease that has not
   * run out, its job (this call) must not end with nothing left to pick it up: the lease sweep frees
   * all of a dead process's jobs once one of its leases runs out (docs/actions.md, "Durability"), and
   * the others may still have a few milliseconds to go. The run is made due again when that lease ends:
   * then it is either over (the owner finished it) or claimable as interrupted.
   */
  private async lookAgainAtLeaseEnd(runId: string): Promise<void> {
    const { database, store } = this.deps
    const row = await store.byId(runId)
    if (!row || row.status !== 'running' || row.lease_expires_at === null) return
    await this.scheduler?.schedule(database.db, runId, Number(row.lease_expires_at) + 1)
  }

  async execute(runId: string, worker: string): Promise<void> {
    const { store, registry, config } = this.deps
    const leaseMs = config.runs.leaseMs
    const claimedAt = Date.now()
    const claimed = await store.claim(runId, worker, leaseMs, claimedAt)
    if (!claimed) return this.lookAgainAtLeaseEnd(runId)
    // The row as it was (status, attempt), with the start time the claim gave it.
    const before: ClaimedRun = { ...claimed, started_at: claimed.started_at ?? claimedAt }
    const attempt = Number(before.attempt) + 1
    const action = registry.get(`${before.app_key}.${before.action_key}`)
    if (before.status === 'running' && !action?.definition.annotations.idempotent && !before.dry_run) {
      // The last attempt's process died while it ran: it may have reached the app. Never run a write twice silently.
      await this.finish(
        before,
        worker,
        {
          status: 'failed',
          error: {
            type: 'internal',
            code: 'interrupted',
            message: 'the attempt was interrupted (its server process stopped); the action is not idempotent, so it was not run again',
            retryable: false,
            attribution: 'patchbay',
          },
        },
        [],
      )
      return
    }
    const logs: LogEntry[] = []
    const note = (level: string, message: string, data?: Record<string, unknown>) =>
      logs.push({ attempt, kind: 'log', level, message, data: data ? JSON.stringify(data) : null, created_at: Date.now() })
    if (before.status === 'running') note('warn', 'the previous attempt was interrupted; resumed (the action is idempotent)')
    if (!action) {
      await this.finish(
        before,
        worker,
        {
          status: 'failed',
          error: {
            type: 'internal',
            code: 'action_unavailable',
            message: `this server has no action ${before.app_key}.${before.action_key}`,
            retryable: false,
            attribution: 'patchbay',
          },
        },
        logs,
      )
      return
    }
    if (before.cancel_requested_at !== null) {
      await this.finish(before, worker, classify(undefined, new RunAbort('canceled')), logs)
      return
    }
    const controller = new AbortController()
    this.local.set(runId, controller)
    let abort: RunAbort | undefined
    controller.signal.addEventListener('abort', () => {
      abort = controller.signal.reason instanceof RunAbort ? controller.signal.reason : new RunAbort('canceled')
    })
    const timer = setTimeout(() => controller.abort(new RunAbort('timed_out')), Number(before.timeout_ms))
    const heartbeat = setInterval(
      () => {
        store.heartbeat(runId, worker, leaseMs, Date.now()).then(
          ({ owned, cancelRequested }) => {
            if (cancelRequested || !owned) controller.abort(new RunAbort('canceled'))
          },
          (err: unknown) => this.deps.log.warn({ err, runId }, 'run heartbeat failed'),
        )
      },
      Math.max(100, Math.floor(leaseMs / 3)),
    )
    let failure: Failure | undefined
    let output: unknown
    try {
      output = await this.attempt(before, action, attempt, controller.signal, note, logs)
      if (!before.dry_run && !action.output.Check(output)) {
        const first = [...action.output.Errors(output)][0]
        this.deps.log.warn({ runId, path: first?.path, problem: first?.message }, 'action output does not match its schema')
        failure = {
          status: 'failed',
          error: {
            type: 'internal',
            code: 'invalid_output',
            message: `the action's output does not match its schema at ${first?.path || '/'}`,
            retryable: false,
            attribution: 'patchbay',
          },
        }
      }
    } catch (err) {
      failure = classify(err, abort)
      if (failure.error.code === 'action_failed') this.deps.log.warn({ err, runId }, 'action threw')
    } finally {
      clearTimeout(timer)
      clearInterval(heartbeat)
      this.local.delete(runId)
    }
    if (!failure) {
      const capped = capOutput(output, this.deps.config.runs.maxOutputBytes)
      if (capped) {
        if (capped.truncated) note('warn', `the output was over ${this.deps.config.runs.maxOutputBytes} bytes: its largest lists were cut`)
        await this.finish(before, worker, { status: 'succeeded', output: capped.json, outputTruncated: capped.truncated }, logs)
        return
      }
      failure = {
        status: 'failed',
        error: {
          type: 'internal',
          code: 'output_too_large',
          message: `the action's output is over ${this.deps.config.runs.maxOutputBytes} bytes and has no list to cut`,
          retryable: false,
          attribution: 'patchbay',
        },
      }
    }
    const retryAt = this.retryAt(failure, action, attempt)
    if (retryAt !== undefined) {
      note('warn', `attempt ${attempt} failed (${failure.error.code}); retrying`, { retry_at: isoTime(retryAt) })
      await this.finish(before, worker, { status: 'waiting', error: failure.error, retryAt }, logs)
      return
    }
    await this.finish(before, worker, failure, logs)
  }

  /** When to try again, if it is safe: a 429 that said when, a request that never left, or an idempotent action. */
  private retryAt(failure: Failure, action: LoadedAction, attempt: number): number | undefined {
    const { runs } = this.deps.config
    if (failure.status !== 'failed' || !failure.error.retryable || attempt >= runs.maxAttempts) return undefined
    if (failure.retryAfterMs !== undefined) {
      return failure.retryAfterMs <= runs.maxRetryAfterSeconds * 1000 ? Date.now() + failure.retryAfterMs : undefined
    }
    if (failure.neverSent || action.definition.annotations.idempotent) return Date.now() + backoffMs(attempt, runs.retryBaseMs)
    return undefined
  }

  private async attempt(
    run: ClaimedRun,
    action: LoadedAction,
    attempt: number,
    signal: AbortSignal,
    note: (level: string, message: string, data?: Record<string, unknown>) => void,
    logs: LogEntry[],
  ): Promise<unknown> {
    const owner = { partnerId: run.partner_id, endUserId: run.end_user_id }
    const connection = await this.connectionOf(run, owner)
    if (!connection) throw new PatchbayError('PB_ERR_NOT_FOUND', `connection ${run.connection_id} not found`)
    if (connection.status === 'needs_reauth')
      throw new CredentialRevokedError(run.connection_id, connection.statusReason ?? 'the app refused its credentials')
    // A scope the action declares and the connection was not granted: the app would refuse the call,
    // so none is made and the run asks the user to grant it (docs/actions.md, "Missing scopes").
    const missing = missingScopes(action.definition.scopes, connection.scopes)
    if (missing.length > 0) throw new MissingScopesError(run.connection_id, missing)
    const http = createActionHttp({
      proxy: this.deps.proxy,
      owner,
      connectionId: run.connection_id,
      signal,
      log: () => this.deps.log.child({ runId: run.id }),
      maxResponseBytes: this.deps.config.runs.maxResponseBytes,
      onExchange: (exchange) =>
        logs.push({
          attempt,
          kind: 'http',
          level: exchange.status !== null && exchange.status < 400 ? 'info' : 'warn',
          message: `${exchange.method} ${exchange.path} → ${exchange.status ?? exchange.error ?? 'no answer'}`,
          data: JSON.stringify(exchange),
          created_at: Date.now(),
        }),
    })
    const ctx: ActionContext = {
      http,
      signal,
      log: { info: (m, d) => note('info', String(m).slice(0, 2000), d), warn: (m, d) => note('warn', String(m).slice(0, 2000), d) },
      idempotencyKey: run.idempotency_key ?? run.id,
      attempt,
      connection: { id: run.connection_id, accountIdentifier: connection.accountIdentifier, metadata: connection.metadata },
    }
    const input = JSON.parse(run.inputs) as Record<string, unknown>
    const definition = action.definition
    const work = run.dry_run ? this.dryRun(run, owner, ctx, input, action) : definition.run(ctx, input)
    // An action that ignores its signal still ends the run on time; what it does afterwards is discarded.
    return new Promise<unknown>((resolve, reject) => {
      if (signal.aborted) reject(signal.reason)
      signal.addEventListener('abort', () => reject(signal.reason), { once: true })
      work.then(resolve, reject)
    })
  }

  /**
   * A dry run: the requests the action would send, each as the proxy would send it (credentials
   * resolved, refreshed if near expiry, and shown redacted), none sent (docs/actions.md, "Dry runs").
   */
  private async dryRun(
    run: ClaimedRun,
    owner: { partnerId: string; endUserId: string },
    ctx: ActionContext,
    input: Record<string, unknown>,
    action: LoadedAction,
  ): Promise<{ requests: DryRunRequest[] }> {
    const { http: _sent, ...rest } = ctx
    const requests: DryRunRequest[] = []
    for (const request of await dryRunRequests(action.definition, rest, input)) {
      const encoded = encodeActionRequest(request)
      const shown = await this.deps.proxy.describe({
        owner,
        connectionId: run.connection_id,
        method: encoded.method,
        tail: encoded.pathAndQuery,
        headers: encoded.headers,
        log: () => this.deps.log.child({ runId: run.id }),
        ...(encoded.base !== undefined ? { base: encoded.base } : {}),
      })
      requests.push({ ...shown, body: request.json ?? request.form ?? null })
    }
    return { requests }
  }

  /** What an attempt needs of the run's connection: read along by the claim on PostgreSQL, else read here. */
  private async connectionOf(
    run: ClaimedRun,
    owner: { partnerId: string; endUserId: string },
  ): Promise<
    | {
        status: string
        statusReason: string | null
        accountIdentifier: string | null
        metadata: Record<string, unknown>
        scopes: string[]
      }
    | undefined
  > {
    if (run.connection !== undefined) {
      const c = run.connection
      return c
        ? {
            status: c.status,
            statusReason: c.status_reason,
            accountIdentifier: c.account_identifier,
            metadata: JSON.parse(c.metadata) as Record<string, unknown>,
            scopes: JSON.parse(c.scopes) as string[],
          }
        : undefined
    }
    return this.deps.connections.get(owner, run.connection_id)
  }

  private async finish(
    before: ClaimedRun,
    worker: string,
    end: { status: RunStatus; output?: string; outputTruncated?: boolean; error?: RunErrorJson; retryAt?: number },
    logs: LogEntry[],
  ): Promise<void> {
    const { database, store } = this.deps
    const now = Date.now()
    const error = end.error
    const output = end.output ?? null
    const errorText = error ? JSON.stringify(error) : null
    if (database.kind === 'postgres' && before.endUser && logs.length === 0 && end.retryAt === undefined && !end.outputTruncated) {
      // The common end (nothing logged, nothing to schedule): one statement (RunStore.endAndAnnounce).
      const after: RunRow = {
        ...before,
        status: end.status,
        attempt: Number(before.attempt) + 1,
        output,
        error: errorText,
        retry_at: null,
        lease_owner: null,
        lease_expires_at: null,
        finished_at: isTerminal(end.status) ? now : null,
        updated_at: now,
      }
      const event = isTerminal(end.status) ? runEvent(after, before.endUser) : undefined
      const ended = await store.endAndAnnounce(
        before.id,
        worker,
        { status: end.status, output, error: errorText },
        event && webhookEventRow(event, now),
        now,
      )
      if (ended) this.countEnd(before, end.status)
      return
    }
    const ended = await database.db.transaction().execute(async (trx) => {
      const done = await store.end(
        trx,
        before.id,
        worker,
        {
          status: end.status,
          ...(end.output !== undefined ? { output: end.output } : {}),
          ...(end.outputTruncated ? { outputTruncated: true } : {}),
          ...(error ? { error: JSON.stringify(error) } : end.status === 'succeeded' ? { error: null } : {}),
          ...(end.retryAt !== undefined ? { retryAt: end.retryAt } : {}),
        },
        now,
      )
      if (!done) return false
      await store.appendLogs(trx, before.id, logs)
      if (end.retryAt !== undefined) await this.scheduler?.schedule(trx, before.id, end.retryAt)
      if (isTerminal(end.status)) await enqueueRunEvent(trx, done, now)
      await database.changes.publish(trx, { topic: 'run', key: before.id })
      return true
    })
    if (ended && end.retryAt !== undefined) this.scheduler?.committed()
    if (ended) this.countEnd(before, end.status)
  }

  private countEnd(run: ClaimedRun, status: RunStatus): void {
    if (isTerminal(status)) this.deps.metrics?.runEnded(`${run.app_key}.${run.action_key}`, status)
  }
}
