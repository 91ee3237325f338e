import type { components } from '../generated/openapi.js'
import { type ApiCaller, type RequestOptions, segment } from '../lib/api.js'
import { allPages } from '../lib/pages.js'
import { checkLimit } from './connections.js'

type Schemas = components['schemas']

/** docs/actions.md: the shapes the REST API answers with (the schemas of its OpenAPI document). */
export type ActionSummary = Schemas['ActionSummary']
export type ActionType = ActionSummary['type']
export type Action = Schemas['Action']
export type RunStatus = Schemas['Run']['status']
export type RunError = Schemas['RunError']
/** A run; `O` types its `output` (the action's output schema). */
export type Run<O = unknown> = Omit<Schemas['Run'], 'output'> & { output: O | null }
export type RunLogs = Schemas['RunLogs']
export type FieldOptionsPage = Schemas['FieldOptionsPage']
export type DynamicInputSchema = Schemas['DynamicInputSchema']
export type InputValidation = Schemas['InputValidation']

/** One request a dry run would send (credentials shown as `[redacted]`). */
export interface DryRunRequest {
  method: string
  url: string
  headers: Record<string, string>
  body: unknown
}

export const TERMINAL_RUN_STATUSES: readonly RunStatus[] = ['succeeded', 'failed', 'canceled', 'timed_out', 'requires_action']

export interface FieldOptionsRequest {
  connectionId: string
  inputs?: Record<string, unknown>
  query?: string
  cursor?: string
}

export interface ListActionsOptions {
  app?: string
  type?: ActionType
  /** Words in the id, title or description. */
  q?: string
  /** true: only actions of apps the end user has connected. */
  connected?: boolean
  /** Page size, 1 to 100 (server default 25). */
  limit?: number
  cursor?: string
}

/** The actions this end user may run (docs/actions.md). */
export class Actions {
  /** @internal */
  constructor(private readonly api: ApiCaller) {}

  /** `GET /v1/actions`: one page, sorted by id. */
  async list(options: ListActionsOptions = {}, requestOptions?: RequestOptions): Promise<Schemas['ActionPage']> {
    checkLimit(options.limit)
    return this.api.call({
      operation: 'listActions',
      query: {
        app: options.app,
        type: options.type,
        q: options.q,
        connected: options.connected,
        limit: options.limit,
        cursor: options.cursor,
      },
      options: requestOptions,
    })
  }

  /** Every action matching `options`, page after page (`limit` is the page size). */
  listAll(
    options: Omit<ListActionsOptions, 'cursor'> = {},
    requestOptions?: RequestOptions,
  ): AsyncGenerator<ActionSummary, void, undefined> {
    return allPages('GET /v1/actions', (cursor) => this.list({ ...options, ...(cursor === undefined ? {} : { cursor }) }, requestOptions))
  }

  /** `GET /v1/actions/{id}`: schemas and field hints. */
  async get(id: string, requestOptions?: RequestOptions): Promise<Action> {
    return this.api.call({ operation: 'getAction', params: { id: segment(id, 'id') }, options: requestOptions })
  }

  /** A dynamic field's choices for one of the user's connections. */
  async options(id: string, field: string, request: FieldOptionsRequest, requestOptions?: RequestOptions): Promise<FieldOptionsPage> {
    return this.api.call({
      operation: 'listActionFieldOptions',
      params: { id: segment(id, 'id'), field: segment(field, 'field') },
      body: { connection_id: request.connectionId, inputs: request.inputs ?? {}, query: request.query, cursor: request.cursor },
      connectionId: request.connectionId,
      options: requestOptions,
    })
  }

  /** The properties of the action's dynamic input object for one of the user's connections (JSON Schema). */
  async schema(
    id: string,
    request: { connectionId: string; inputs?: Record<string, unknown> },
    requestOptions?: RequestOptions,
  ): Promise<DynamicInputSchema> {
    return this.api.call({
      operation: 'describeActionInput',
      params: { id: segment(id, 'id') },
      body: { connection_id: request.connectionId, inputs: request.inputs ?? {} },
      connectionId: request.connectionId,
      options: requestOptions,
    })
  }

  /** Checks inputs and the connection; runs nothing. */
  async validate(
    id: string,
    request: { connectionId: string; inputs: Record<string, unknown> },
    requestOptions?: RequestOptions,
  ): Promise<InputValidation> {
    return this.api.call({
      operation: 'validateActionInputs',
      params: { id: segment(id, 'id') },
      body: { connection_id: request.connectionId, inputs: request.inputs },
      connectionId: request.connectionId,
      options: requestOptions,
    })
  }
}

export interface CreateRunOptions {
  /** `<app>.<key>` */
  action: string
  version?: string
  connectionId: string
  inputs: Record<string, unknown>
  /**
   * Makes repeating this call safe: the same key and body give the same run. The SDK generates one
   * when absent, so its own retries never start a second run.
   */
  idempotencyKey?: string
  /** Wait up to this many ms for the run to end before answering. */
  wait?: number
  timeoutMs?: number
  dryRun?: boolean
  metadata?: Record<string, unknown>
  /** false: no run.* webhook for this run. */
  webhook?: boolean
}

export interface ListRunsOptions {
  status?: RunStatus
  action?: string
  connectionId?: string
  /** Page size, 1 to 100 (server default 25). */
  limit?: number
  cursor?: string
}

/** This end user's action runs (docs/actions.md). */
export class Runs {
  /** @internal */
  constructor(private readonly api: ApiCaller) {}

  /** `POST /v1/runs`: the run, ended if it ended within `wait`. */
  async create<O = unknown>(options: CreateRunOptions, requestOptions?: RequestOptions): Promise<Run<O>> {
    if (options.wait !== undefined && (!Number.isInteger(options.wait) || options.wait < 0))
      throw new TypeError('options.wait: must be a non-negative integer (ms)')
    if (options.idempotencyKey !== undefined && (typeof options.idempotencyKey !== 'string' || options.idempotencyKey === '')) {
      throw new TypeError('options.idempotencyKey: must be a non-empty string')
    }
    return (await this.api.call({
      operation: 'createRun',
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
      options: requestOptions,
      ...(options.wait ? { waitMs: options.wait } : {}),
    })) as Run<O>
  }

  /** `GET /v1/runs/{id}` (with `wait`: a long poll of up to that many ms). */
  async get<O = unknown>(id: string, options: { wait?: number } = {}, requestOptions?: RequestOptions): Promise<Run<O>> {
    return (await this.api.call({
      operation: 'getRun',
      params: { id: segment(id, 'id') },
      query: { wait_ms: options.wait },
      options: requestOptions,
      ...(options.wait ? { waitMs: options.wait } : {}),
    })) as Run<O>
  }

  /** Long-polls until the run has ended (or `timeout` ms, default 5 min, have passed: then the run as it is). */
  async wait<O = unknown>(id: string, options: { timeout?: number } = {}, requestOptions?: RequestOptions): Promise<Run<O>> {
    const deadline = Date.now() + (options.timeout ?? 300_000)
    for (;;) {
      const left = deadline - Date.now()
      const run = await this.get<O>(id, { wait: Math.max(0, Math.min(left, 30_000)) }, requestOptions)
      if (TERMINAL_RUN_STATUSES.includes(run.status) || Date.now() >= deadline) return run
    }
  }

  /** `POST /v1/runs/{id}/cancel`: 409 `PB_ERR_CONFLICT` when it has already ended. */
  async cancel(id: string, requestOptions?: RequestOptions): Promise<Run> {
    return (await this.api.call({ operation: 'cancelRun', params: { id: segment(id, 'id') }, options: requestOptions })) as Run
  }

  /** `GET /v1/runs`: one page, newest first. */
  async list(options: ListRunsOptions = {}, requestOptions?: RequestOptions): Promise<{ data: Run[]; next_cursor: string | null }> {
    checkLimit(options.limit)
    return (await this.api.call({
      operation: 'listRuns',
      query: {
        status: options.status,
        action: options.action,
        connection_id: options.connectionId,
        limit: options.limit,
        cursor: options.cursor,
      },
      options: requestOptions,
    })) as { data: Run[]; next_cursor: string | null }
  }

  /** Every run matching `options`, newest first, page after page (`limit` is the page size). */
  listAll(options: Omit<ListRunsOptions, 'cursor'> = {}, requestOptions?: RequestOptions): AsyncGenerator<Run, void, undefined> {
    return allPages('GET /v1/runs', (cursor) => this.list({ ...options, ...(cursor === undefined ? {} : { cursor }) }, requestOptions))
  }

  /** `GET /v1/runs/{id}/logs`: its HTTP exchanges with the app (redacted) and the action's own lines. */
  async logs(id: string, requestOptions?: RequestOptions): Promise<RunLogs> {
    return this.api.call({ operation: 'getRunLogs', params: { id: segment(id, 'id') }, options: requestOptions })
  }
}
