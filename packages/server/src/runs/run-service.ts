import type { AuditActor, AuditLog } from '../audit/audit-log.js'
import { createHash } from 'node:crypto'
import type { ActionRegistry, LoadedAction } from '../actions/action-registry.js'
import type { AppDirectory } from '../catalog/app-directory.js'
import type { Config } from '../config/config.js'
import type { ConnectSessions } from '../connect/sessions/connect-sessions.js'
import { mintConnectLink } from '../connect/sessions/connect-url.js'
import type { ConnectionStore } from '../connections/connection-store.js'
import type { Owner } from '../connections/connection-types.js'
import type { PatchbayDatabase } from '../db/database.js'
import type { RunStatus } from '../db/schema.js'
import { PatchbayError } from '../errors.js'
import { randomId } from '../lib/random.js'
import type { RunExecutor } from './run-executor.js'
import { type RunJson, runJson } from './run-json.js'
import { isTerminal, type ListRunsOptions, type RunRow, type RunStore } from './run-store.js'
import type { RunWaiters } from './run-waiters.js'
import type { Metrics } from '../metrics/metrics.js'
import { isoTime } from '../lib/iso-time.js'

export interface CreateRunInput {
  action: string
  version?: string
  connectionId: string
  inputs: Record<string, unknown>
  idempotencyKey?: string
  timeoutMs?: number
  dryRun?: boolean
  metadata?: Record<string, unknown>
  webhook?: boolean
}

export interface RunServiceDeps {
  database: PatchbayDatabase
  store: RunStore
  registry: ActionRegistry
  connections: ConnectionStore
  appDirectory: AppDirectory
  sessions: ConnectSessions
  executor: RunExecutor
  waiters: RunWaiters
  config: Config
  audit: AuditLog
  /** Counts the runs canceled before they started (the executor counts the others; docs/operations.md, "Metrics"). */
  metrics?: Metrics
}

/** JSON with sorted keys: two bodies that mean the same hash the same. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined)
    return `{${entries
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`)
      .join(',')}}`
  }
  return JSON.stringify(value)
}

function isUniqueViolation(err: unknown): boolean {
  const code = (err as { code?: string }).code
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY'
}

/** Paths and messages of what does not match an action's input schema (at most ten). */
export function inputProblems(action: LoadedAction, inputs: unknown): { path: string; message: string }[] {
  if (action.input.Check(inputs)) return []
  return [...action.input.Errors(inputs)].slice(0, 10).map((e) => ({ path: e.path || '/', message: e.message }))
}

/**
 * Runs for the REST API: create (idempotent by key), read with a long poll, list, cancel, logs.
 * Every query is scoped to the token's end user: another user's run is a 404 (docs/actions.md).
 */
export class RunService {
  constructor(private readonly deps: RunServiceDeps) {}

  /** The action, when this partner offers its app (as `GET /v1/apps` decides); a 404 otherwise. */
  async offeredAction(partnerId: string, id: string): Promise<LoadedAction> {
    const action = this.deps.registry.get(id)
    if (!action || !(await this.deps.appDirectory.get(partnerId, action.definition.app))) {
      throw new PatchbayError('PB_ERR_NOT_FOUND', `action ${id} not found`)
    }
    return action
  }

  /** Creates a run (or answers the one its idempotency key made); `actor` is written to the connection's audit log. */
  async create(owner: Owner, input: CreateRunInput, actor: AuditActor): Promise<{ run: RunRow; created: boolean }> {
    const action = await this.offeredAction(owner.partnerId, input.action)
    const { definition } = action
    if (input.version !== undefined && input.version !== definition.version && input.version !== definition.version.split('.')[0]) {
      throw new PatchbayError(
        'PB_ERR_VALIDATION',
        `version ${input.version} of ${action.id} is not available (this server has ${definition.version})`,
      )
    }
    const problems = inputProblems(action, input.inputs)
    if (problems.length > 0) {
      throw new PatchbayError(
        'PB_ERR_VALIDATION',
        `inputs do not match ${action.id}: ${problems.map((p) => `${p.path} ${p.message}`).join('; ')}`,
      )
    }
    const timeoutMs = Math.min(input.timeoutMs ?? action.timeoutMs, action.timeoutMs)
    const requestHash = createHash('sha256')
      .update(
        canonical({
          action: action.id,
          version: input.version,
          connection_id: input.connectionId,
          inputs: input.inputs,
          timeout_ms: input.timeoutMs,
          dry_run: input.dryRun,
          metadata: input.metadata,
          webhook: input.webhook,
        }),
      )
      .digest('base64url')
    if (input.idempotencyKey !== undefined) {
      const existing = await this.deps.store.byIdempotencyKey(owner, input.idempotencyKey)
      if (existing) return { run: this.sameRequest(existing, requestHash), created: false }
    }
    const connection = await this.deps.connections.get(owner, input.connectionId)
    if (!connection) throw new PatchbayError('PB_ERR_NOT_FOUND', `connection ${input.connectionId} not found`)
    if (connection.appKey !== definition.app) {
      throw new PatchbayError(
        'PB_ERR_VALIDATION',
        `connection ${input.connectionId} is a ${connection.appKey} connection; ${action.id} needs ${definition.app}`,
      )
    }
    const now = Date.now()
    const id = randomId('run_')
    const { database, store, executor } = this.deps
    try {
      await database.db.transaction().execute(async (trx) => {
        await store.insert(trx, {
          id,
          partner_id: owner.partnerId,
          end_user_id: owner.endUserId,
          connection_id: input.connectionId,
          app_key: definition.app,
          action_key: definition.key,
          action_version: definition.version,
          status: 'queued',
          inputs: JSON.stringify(input.inputs),
          metadata: input.metadata === undefined ? null : JSON.stringify(input.metadata),
          idempotency_key: input.idempotencyKey ?? null,
          request_hash: requestHash,
          timeout_ms: timeoutMs,
          dry_run: input.dryRun ? 1 : 0,
          webhook: input.webhook === false ? 0 : 1,
          created_at: now,
          updated_at: now,
        })
        await executor.scheduler?.schedule(trx, id, now)
        await this.deps.audit.record(trx, connection, 'run_created', actor, { run_id: id, action: action.id }, now)
      })
    } catch (err) {
      // Another request with the same key won the insert: answer with its run.
      if (input.idempotencyKey !== undefined && isUniqueViolation(err)) {
        const existing = await store.byIdempotencyKey(owner, input.idempotencyKey)
        if (existing) return { run: this.sameRequest(existing, requestHash), created: false }
      }
      throw err
    }
    executor.scheduler?.committed()
    return { run: (await store.byId(id)) as RunRow, created: true }
  }

  private sameRequest(existing: RunRow, requestHash: string): RunRow {
    if (existing.request_hash !== requestHash) {
      throw new PatchbayError('PB_ERR_CONFLICT', 'this Idempotency-Key was used for another request (a different body); use a new key')
    }
    return existing
  }

  /** The run; with `waitMs`, once it has ended or when the wait is over, whichever comes first. */
  async get(owner: Owner, id: string, waitMs = 0): Promise<RunRow> {
    const deadline = Date.now() + Math.min(waitMs, this.deps.config.runs.maxWaitMs)
    for (;;) {
      // Woken by a change of this run (any process on PostgreSQL); read again at least every second anyway.
      const watch = this.deps.waiters.watch(id, Math.max(0, Math.min(deadline - Date.now(), 1000)))
      const row = await this.deps.store.get(owner, id)
      if (!row || isTerminal(row.status) || deadline - Date.now() <= 0) {
        watch.cancel()
        if (!row) throw new PatchbayError('PB_ERR_NOT_FOUND', `run ${id} not found`)
        return row
      }
      await watch.done
    }
  }

  async list(owner: Owner, options: ListRunsOptions): Promise<{ rows: RunRow[]; nextCursor: string | null }> {
    return this.deps.store.list(owner, options)
  }

  /** Cancels a run: at once when it has not started; a running one is aborted (its HTTP call too) and ends `canceled`. */
  async cancel(owner: Owner, id: string): Promise<RunRow> {
    const { store, database, executor } = this.deps
    const row = await store.get(owner, id)
    if (!row) throw new PatchbayError('PB_ERR_NOT_FOUND', `run ${id} not found`)
    if (isTerminal(row.status)) throw new PatchbayError('PB_ERR_CONFLICT', `run ${id} has already ended (${row.status})`)
    const now = Date.now()
    const idle: RunStatus[] = ['queued', 'waiting']
    const canceled = await database.db.transaction().execute(async (trx) => {
      const done = await store.endIdle(
        trx,
        id,
        idle,
        {
          status: 'canceled',
          error: JSON.stringify({
            type: 'internal',
            code: 'canceled',
            message: 'the run was canceled',
            retryable: false,
            attribution: 'user',
          }),
        },
        now,
      )
      if (done) await database.changes.publish(trx, { topic: 'run', key: id })
      return done
    })
    if (canceled) this.deps.metrics?.runEnded(`${row.app_key}.${row.action_key}`, 'canceled')
    else {
      await store.requestCancel(id, now)
      executor.cancelLocal(id)
    }
    return this.get(owner, id, canceled ? 0 : 5000)
  }

  async logs(owner: Owner, id: string) {
    const row = await this.deps.store.get(owner, id)
    if (!row) throw new PatchbayError('PB_ERR_NOT_FOUND', `run ${id} not found`)
    return (await this.deps.store.logs(id)).map((l) => ({
      seq: Number(l.seq),
      attempt: Number(l.attempt),
      kind: l.kind,
      level: l.level,
      message: l.message,
      data: l.data === null ? null : (JSON.parse(l.data) as Record<string, unknown>),
      created_at: isoTime(Number(l.created_at)),
    }))
  }

  /**
   * The run for its owner; read one at a time, a run that needs the user carries a fresh reconnect
   * link (a connect session for its connection, minted on read so no session code is ever stored;
   * a listing shows none, so reading a page of such runs mints nothing).
   */
  async json(row: RunRow, options: { reconnectLink: boolean } = { reconnectLink: true }): Promise<RunJson> {
    const json = runJson(row)
    if (!options.reconnectLink || row.status !== 'requires_action' || !json.error) return json
    const { sessions, config, database } = this.deps
    // A missing scope: the link is a scope upgrade of the connection, which keeps its id (docs/api.md, "Upgrading scopes").
    const upgrade = json.error.code === 'missing_scope' && json.error.missing_scopes?.length ? json.error.missing_scopes : null
    if (upgrade) {
      // An upgrade is refused unless its grant names the connection's account: for an OAuth 2.0
      // connection whose app names none, no link could work, so the run carries none.
      const connection = await this.deps.connections.get({ partnerId: row.partner_id, endUserId: row.end_user_id }, row.connection_id)
      if (!connection || (connection.authType === 'oauth2' && connection.accountIdentifier === null)) return json
    }
    const link = await mintConnectLink(
      { sessions, db: database.db, config },
      { partnerId: row.partner_id, endUserId: row.end_user_id },
      row.app_key,
      row.connection_id,
      upgrade,
    )
    json.error = { ...json.error, connect_url: link.url, connect_url_expires_at: isoTime(link.expiresAt) }
    return json
  }
}
