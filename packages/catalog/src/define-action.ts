import type { Static, TObject, TSchema } from '@sinclair/typebox'

// The authoring contract of an action: what a file under apps/<app>/actions/ exports and what the
// server hands its `run`. The server implements the context (docs/actions.md, "Writing an action").

/** read: fetches data; write: changes something at the app; search: finds records by a query. */
export type ActionType = 'read' | 'write' | 'search'

/** Hints for clients and agents (the MCP tool annotations); `idempotent` also decides retries. */
export interface ActionAnnotations {
  readOnly: boolean
  destructive: boolean
  /** Running it twice with the same input has the effect of running it once: safe to retry. */
  idempotent: boolean
}

/** What a call through `ctx.http` takes. `path` is relative to the app's API base URL. */
export interface ActionHttpRequest {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'
  /** One of the app's other API base URLs (`api.base_urls` in its app.yaml), by name; default `api.base_url`. */
  base?: string
  path: string
  query?: Record<string, string | number | boolean | undefined>
  headers?: Record<string, string>
  /** Sent as `application/json`. */
  json?: unknown
  /** Sent as `application/x-www-form-urlencoded`. */
  form?: Record<string, string>
}

export interface ActionHttpResponse<T = unknown> {
  status: number
  headers: Record<string, string>
  /** The body parsed as JSON when it is JSON, else the text. */
  data: T
}

/**
 * The app's API, through the same path as `/v1/proxy`: the connection's credentials injected,
 * refreshed when near expiry and once on a 401, the outbound address policy, the body caps. An answer
 * outside 2xx throws an {@link ActionHttpError} (the engine turns it into the run's error).
 */
export interface ActionHttp {
  request<T = unknown>(request: ActionHttpRequest): Promise<ActionHttpResponse<T>>
  get<T = unknown>(path: string, query?: ActionHttpRequest['query']): Promise<ActionHttpResponse<T>>
  post<T = unknown>(path: string, json?: unknown): Promise<ActionHttpResponse<T>>
  patch<T = unknown>(path: string, json?: unknown): Promise<ActionHttpResponse<T>>
  put<T = unknown>(path: string, json?: unknown): Promise<ActionHttpResponse<T>>
  delete<T = unknown>(path: string): Promise<ActionHttpResponse<T>>
}

export interface ActionLog {
  info(message: string, data?: Record<string, unknown>): void
  warn(message: string, data?: Record<string, unknown>): void
}

export interface ActionContext {
  http: ActionHttp
  /** Aborted when the run is canceled or times out; `ctx.http` calls follow it. */
  signal: AbortSignal
  /** Lines kept with the run (`GET /v1/runs/{id}/logs`). Never log secrets. */
  log: ActionLog
  /** The run's idempotency key (the caller's, or the run id): pass it on to apps that take one. */
  idempotencyKey: string
  /** 1 for the first attempt. */
  attempt: number
  /** The connection's non-secret metadata (account ids found when it was made). */
  connection: { id: string; accountIdentifier: string | null; metadata: Record<string, unknown> }
}

export interface ActionOption {
  label: string
  value: string | number
}

export interface FieldOptionsContext<I> {
  http: ActionHttp
  signal: AbortSignal
  /** The inputs filled in so far (fields this one depends on are there). */
  inputs: Partial<I>
  /** What the user typed, for searchable fields. */
  query?: string
  /** `nextCursor` of the previous page. */
  cursor?: string
}

/** A field whose choices come from the app (the user's repositories, lists, channels…). */
export interface ActionField<I> {
  /** Fields that must be filled in first; changing one of them invalidates this field's choice. */
  dependsOn?: (keyof I & string)[]
  /** The app filters by the typed text. */
  searchable?: boolean
  options(ctx: FieldOptionsContext<I>): Promise<{ options: ActionOption[]; nextCursor?: string | null }>
}

/**
 * What a dry run would send, for an action whose writes come after reads (a dry run sends nothing,
 * so it cannot read first). Without `preview`, a dry run runs `run` and stops at its first request.
 */
export interface ActionPreview {
  requests: ActionHttpRequest[]
}

/**
 * Fields whose set depends on the account (an Airtable table's columns, a Salesforce object's fields,
 * a Jira project's custom fields): `schema` reads them from the app. The static type of `field` in
 * `input` stays the fallback (any object), so a caller that skips the dynamic schema still works.
 */
export interface ActionDynamicInput<I> {
  /** The input property (an object) whose properties are described by `schema`. */
  field: keyof I & string
  /** Fields that must be filled in first. */
  dependsOn: (keyof I & string)[]
  schema(ctx: FieldOptionsContext<I>): Promise<DynamicSchema>
}

/** A JSON Schema object for a dynamic field: one property per field the account has. */
export interface DynamicSchema {
  type: 'object'
  properties: Record<string, Record<string, unknown>>
  required?: string[]
}

export interface ActionDefinition<I extends TObject = TObject, O extends TSchema = TSchema> {
  /** Unique within the app: `^[a-z][a-z0-9_]*$`. The public id is `<app>.<key>`. */
  key: string
  app: string
  /** Semantic version: a major bump for a change callers must follow. */
  version: string
  type: ActionType
  title: string
  description: string
  /** The provider's API reference for what the action calls (https; required of catalog actions). */
  docs?: string
  annotations: ActionAnnotations
  /** Scopes the connection needs; each must be one the app declares. */
  scopes: string[]
  input: I
  output: O
  /** Dynamic fields: each keeps its static type in `input`, so a caller may always type the value. */
  fields?: { [K in keyof Static<I> & string]?: ActionField<Static<I>> }
  dynamicInput?: ActionDynamicInput<Static<I>>
  /** Default 30 s; a run may ask for less. */
  timeoutMs?: number
  run(ctx: ActionContext, input: Static<I>): Promise<Static<O>>
  preview?(ctx: Omit<ActionContext, 'http'>, input: Static<I>): Promise<ActionPreview>
}

/** Typed identity: the definition as written, checked by TypeScript (and by the server at load). */
export function defineAction<I extends TObject, O extends TSchema>(definition: ActionDefinition<I, O>): ActionDefinition<I, O> {
  return definition
}

export type ActionErrorType = 'validation' | 'auth' | 'permission' | 'not_found' | 'rate_limited' | 'provider' | 'timeout' | 'internal'
export type ActionErrorAttribution = 'user' | 'connection' | 'provider' | 'patchbay'

/**
 * `instanceof` for the two error classes of this file goes by a mark on their prototypes, not by
 * identity: the server's build bundles its own copy of this package (docs/operations.md, "Sizing"),
 * and an operator's action module imports the installed one, so an error made by either copy is
 * recognised by the other. The mark is a registered symbol, the same in every copy. A subclass keeps
 * the ordinary check.
 */
const ACTION_ERROR = Symbol.for('patchbay.ActionError')
const ACTION_HTTP_ERROR = Symbol.for('patchbay.ActionHttpError')

function marked(value: unknown, mark: symbol): boolean {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[mark] === true
}

/** A failure an action reports on purpose (the app said no in its own words). */
export class ActionError extends Error {
  static override [Symbol.hasInstance](value: unknown): boolean {
    return this === ActionError ? marked(value, ACTION_ERROR) : Function.prototype[Symbol.hasInstance].call(this, value)
  }

  override name = 'ActionError'
  readonly type: ActionErrorType
  readonly code: string
  readonly retryable: boolean
  readonly attribution: ActionErrorAttribution
  /** The app's HTTP status, when the error reads an answer of the app. */
  readonly providerStatus: number | undefined
  /** When the app said to come back (a rate limit in a 200 answer's body): seconds. */
  readonly retryAfterSeconds: number | undefined
  /** The input or provider field the app refused (validation). */
  readonly field: string | undefined
  /** The scopes the connection lacks for this call (permission). */
  readonly missingScopes: string[] | undefined

  constructor(options: {
    type: ActionErrorType
    code: string
    message: string
    retryable?: boolean
    attribution?: ActionErrorAttribution
    providerStatus?: number
    retryAfterSeconds?: number
    field?: string
    missingScopes?: string[]
  }) {
    super(options.message)
    this.type = options.type
    this.code = options.code
    this.retryable = options.retryable ?? false
    this.attribution = options.attribution ?? (options.type === 'validation' ? 'user' : 'provider')
    this.providerStatus = options.providerStatus
    this.retryAfterSeconds = options.retryAfterSeconds
    this.field = options.field
    this.missingScopes = options.missingScopes
  }
}

/** An answer outside 2xx from `ctx.http`. */
export class ActionHttpError extends Error {
  static override [Symbol.hasInstance](value: unknown): boolean {
    return this === ActionHttpError ? marked(value, ACTION_HTTP_ERROR) : Function.prototype[Symbol.hasInstance].call(this, value)
  }

  override name = 'ActionHttpError'
  constructor(
    readonly status: number,
    readonly headers: Record<string, string>,
    readonly data: unknown,
    message: string,
  ) {
    super(message)
  }
}
Object.defineProperty(ActionError.prototype, ACTION_ERROR, { value: true })
Object.defineProperty(ActionHttpError.prototype, ACTION_HTTP_ERROR, { value: true })
