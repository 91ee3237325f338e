import { type ApiCaller, segment } from '../lib/api.js'

/** docs/actions.md: the shapes the REST API answers with. */
export type ActionType = 'read' | 'write' | 'search'

export interface ActionSummary {
  id: string
  app: string
  key: string
  version: string
  type: ActionType
  title: string
  description: string
  annotations: { readOnly: boolean; destructive: boolean; idempotent: boolean }
}

export interface Action extends ActionSummary {
  scopes: string[]
  timeout_ms: number
  dry_run: boolean
  /** The provider's API reference for what the action calls. */
  docs_url: string | null
  input_schema: Record<string, unknown>
  output_schema: Record<string, unknown>
  fields: Record<string, { dynamic: boolean; searchable: boolean; depends_on: string[] }>
  /** An input object whose properties depend on the account: describe it with {@link Actions.schema}. */
  dynamic_input: { field: string; depends_on: string[] } | null
}

/** One request a dry run would send (credentials shown as `[redacted]`). */
export interface DryRunRequest {
  method: string
  url: string
  headers: Record<string, string>
  body: unknown
}

export type RunStatus = 'queued' | 'running' | 'waiting' | 'succeeded' | 'failed' | 'canceled' | 'timed_out' | 'requires_action'

export interface RunError {
  type: 'validation' | 'auth' | 'permission' | 'not_found' | 'rate_limited' | 'provider' | 'timeout' | 'internal'
  code: string
  message: string
  retryable: boolean
  retry_after?: number
  provider_status?: number
  /** validation: the field the app refused, as the app names it. */
  field?: string
  /** permission: the scopes the connection lacks for this call, when the app says which. */
  missing_scopes?: string[]
  attribution: 'user' | 'connection' | 'provider' | 'patchbay'
  /** requires_action: a Connect UI link that reconnects the connection. */
  connect_url?: string
  connect_url_expires_at?: string
}

export interface Run<O = unknown> {
  id: string
  action: string
  action_version: string
  app: string
  connection_id: string
  status: RunStatus
  attempt: number
  inputs?: Record<string, unknown>
  output: O | null
  error: RunError | null
  metadata: Record<string, unknown> | null
  idempotency_key: string | null
  dry_run: boolean
  /** The output was over the server's cap and its longest lists were cut. */
  output_truncated: boolean
  retry_at: string | null
  created_at: string
  started_at: string | null
  finished_at: string | null
  updated_at: string
}

export const TERMINAL_RUN_STATUSES: readonly RunStatus[] = ['succeeded', 'failed', 'canceled', 'timed_out', 'requires_action']

export interface FieldOptionsRequest {
  connectionId: string
  inputs?: Record<string, unknown>
  query?: string
  cursor?: string
}

const actionPath = (id: string) => `/v1/actions/${segment(id, 'id')}`

/** The actions this end user may run (docs/actions.md). */
export class Actions {
  /** @internal */
  constructor(private readonly api: ApiCaller) {}

  /** `GET /v1/actions`: one page, sorted by id. */
  async list(options: { app?: string; type?: ActionType; q?: string; connected?: boolean; limit?: number; cursor?: string } = {}) {
    return (await this.api.call({
      method: 'GET',
      path: '/v1/actions',
      query: {
        app: options.app,
        type: options.type,
        q: options.q,
        connected: options.connected,
        limit: options.limit,
        cursor: options.cursor,
      },
    })) as unknown as { data: ActionSummary[]; next_cursor: string | null }
  }

  /** `GET /v1/actions/{id}`: schemas and field hints. */
  async get(id: string): Promise<Action> {
    return (await this.api.call({ method: 'GET', path: actionPath(id) })) as unknown as Action
  }

  /** A dynamic field's choices for one of the user's connections. */
  async options(id: string, field: string, request: FieldOptionsRequest) {
    return (await this.api.call({
      method: 'POST',
      path: `${actionPath(id)}/fields/${segment(field, 'field')}/options`,
      body: { connection_id: request.connectionId, inputs: request.inputs ?? {}, query: request.query, cursor: request.cursor },
      connectionId: request.connectionId,
    })) as unknown as { options: { label: string; value: string | number }[]; next_cursor: string | null }
  }

  /** The properties of the action's dynamic input object for one of the user's connections (JSON Schema). */
  async schema(id: string, request: { connectionId: string; inputs?: Record<string, unknown> }) {
    return (await this.api.call({
      method: 'POST',
      path: `${actionPath(id)}/schema`,
      body: { connection_id: request.connectionId, inputs: request.inputs ?? {} },
      connectionId: request.connectionId,
    })) as unknown as { field: string; schema: Record<string, unknown> }
  }

  /** Checks inputs and the connection; runs nothing. */
  async validate(id: string, request: { connectionId: string; inputs: Record<string, unknown> }) {
    return (await this.api.call({
      method: 'POST',
      path: `${actionPath(id)}/validate`,
      body: { connection_id: request.connectionId, inputs: request.inputs },
      connectionId: request.connectionId,
    })) as unknown as {
      valid: boolean
      errors: { path: string; message: string }[]
      connection: { id: string; status: string; missing_scopes: string[] }
    }
  }
}

export interface CreateRunOptions {
  /** `<app>.<key>` */
  action: string
  version?: string
  connectionId: string
  inputs: Record<string, unknown>
  /** Makes retries of this call safe: the same key and body give the same run. */
  idempotencyKey?: string
  /** Wait up to this many ms for the run to end before answering. */
  wait?: number
  timeoutMs?: number
  dryRun?: boolean
  metadata?: Record<string, unknown>
  /** false: no run.* webhook for this run. */
  webhook?: boolean
}

const runPath = (id: string) => `/v1/runs/${segment(id, 'id')}`

/** This end user's action runs (docs/actions.md). */
export class Runs {
  /** @internal */
  constructor(private readonly api: ApiCaller) {}

  /** `POST /v1/runs`: the run, ended if it ended within `wait`. */
  async create<O = unknown>(options: CreateRunOptions): Promise<Run<O>> {
    if (options.wait !== undefined && (!Number.isInteger(options.wait) || options.wait < 0))
      throw new TypeError('options.wait: must be a non-negative integer (ms)')
    return (await this.api.call({
      method: 'POST',
      path: '/v1/runs',
      ...(options.idempotencyKey !== undefined ? { headers: { 'idempotency-key': options.idempotencyKey } } : {}),
      body: {
        action: options.action,
        version: options.version,
        connection_id: options.connectionId,
        inputs: options.inputs,
        wait_ms: options.wait,
        timeout_ms: options.timeoutMs,
        dry_run: options.dryRun,
        metadata: options.metadata,
        webhook: options.webhook,
      },
      connectionId: options.connectionId,
    })) as unknown as Run<O>
  }

  /** `GET /v1/runs/{id}` (with `wait`: a long poll of up to that many ms). */
  async get<O = unknown>(id: string, options: { wait?: number } = {}): Promise<Run<O>> {
    return (await this.api.call({ method: 'GET', path: runPath(id), query: { wait_ms: options.wait } })) as unknown as Run<O>
  }

  /** Long-polls until the run has ended (or `timeout` ms, default 5 min, have passed: then the run as it is). */
  async wait<O = unknown>(id: string, options: { timeout?: number } = {}): Promise<Run<O>> {
    const deadline = Date.now() + (options.timeout ?? 300_000)
    for (;;) {
      const left = deadline - Date.now()
      const run = await this.get<O>(id, { wait: Math.max(0, Math.min(left, 30_000)) })
      if (TERMINAL_RUN_STATUSES.includes(run.status) || Date.now() >= deadline) return run
    }
  }

  async cancel(id: string): Promise<Run> {
    return (await this.api.call({ method: 'POST', path: `${runPath(id)}/cancel` })) as unknown as Run
  }

  async list(options: { status?: RunStatus; action?: string; connectionId?: string; limit?: number; cursor?: string } = {}) {
    return (await this.api.call({
      method: 'GET',
      path: '/v1/runs',
      query: {
        status: options.status,
        action: options.action,
        connection_id: options.connectionId,
        limit: options.limit,
        cursor: options.cursor,
      },
    })) as unknown as { data: Run[]; next_cursor: string | null }
  }

  async logs(id: string) {
    return (await this.api.call({ method: 'GET', path: `${runPath(id)}/logs` })) as unknown as {
      data: {
        seq: number
        attempt: number
        kind: 'http' | 'log'
        level: string
        message: string
        data: Record<string, unknown> | null
        created_at: string
      }[]
    }
  }
}
