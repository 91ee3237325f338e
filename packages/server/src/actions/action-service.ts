import type { ActionOption, DynamicSchema, FieldOptionsContext } from '@patchbay/catalog'
import type { Kysely } from 'kysely'
import type { AppDirectory } from '../catalog/app-directory.js'
import type { Config } from '../config/config.js'
import type { ConnectionStore } from '../connections/connection-store.js'
import type { Owner } from '../connections/connection-types.js'
import type { Database } from '../db/schema.js'
import { PatchbayError } from '../errors.js'
import type { ProxyService } from '../proxy/proxy.js'
import { classify } from '../runs/run-errors.js'
import { inputProblems, type RunService } from '../runs/run-service.js'
import type { ActionRegistry, LoadedAction } from './action-registry.js'
import { createActionHttp } from './action-http.js'

export interface ActionSummaryJson {
  id: string
  app: string
  key: string
  version: string
  type: 'read' | 'write' | 'search'
  title: string
  description: string
  annotations: { readOnly: boolean; destructive: boolean; idempotent: boolean }
}

export interface FieldHintJson {
  dynamic: boolean
  searchable: boolean
  depends_on: string[]
}

export interface ActionJson extends ActionSummaryJson {
  scopes: string[]
  timeout_ms: number
  /** A dry run (`dry_run: true`) is possible (every action: docs/actions.md, "Dry runs"). */
  dry_run: boolean
  /** The provider's reference for what the action calls. */
  docs_url: string | null
  input_schema: Record<string, unknown>
  output_schema: Record<string, unknown>
  fields: Record<string, FieldHintJson>
  /** An input object whose properties depend on the account (`POST /v1/actions/{id}/schema`). */
  dynamic_input: { field: string; depends_on: string[] } | null
}

export interface ActionServiceDeps {
  registry: ActionRegistry
  runs: RunService
  appDirectory: AppDirectory
  connections: ConnectionStore
  proxy: ProxyService
  db: Kysely<Database>
  config: Config
}

/** Longest a field's options may take (the app answers a dropdown while a user waits). */
const OPTIONS_TIMEOUT_MS = 15_000
const JSON_SCHEMA_2020_12 = 'https://json-schema.org/draft/2020-12/schema'

/** A TypeBox schema as plain JSON Schema (its symbols dropped). */
function plainSchema(schema: unknown): Record<string, unknown> {
  return { $schema: JSON_SCHEMA_2020_12, ...(JSON.parse(JSON.stringify(schema)) as Record<string, unknown>) }
}

export function actionSummary(action: LoadedAction): ActionSummaryJson {
  const d = action.definition
  return {
    id: action.id,
    app: d.app,
    key: d.key,
    version: d.version,
    type: d.type,
    title: d.title,
    description: d.description,
    annotations: { ...d.annotations },
  }
}

export function actionJson(action: LoadedAction): ActionJson {
  const d = action.definition
  const fields: Record<string, FieldHintJson> = {}
  for (const name of Object.keys(d.input.properties)) {
    const field = d.fields?.[name as keyof typeof d.fields]
    fields[name] = { dynamic: field !== undefined, searchable: field?.searchable === true, depends_on: [...(field?.dependsOn ?? [])] }
  }
  return {
    ...actionSummary(action),
    scopes: [...d.scopes],
    timeout_ms: action.timeoutMs,
    dry_run: true,
    docs_url: d.docs ?? null,
    input_schema: plainSchema(d.input),
    output_schema: plainSchema(d.output),
    fields,
    dynamic_input: d.dynamicInput ? { field: d.dynamicInput.field, depends_on: [...d.dynamicInput.dependsOn] } : null,
  }
}

/** An attempt's failure as a REST error, for the synchronous calls (field options). */
function restError(err: unknown): PatchbayError {
  if (err instanceof PatchbayError && err.code !== 'PB_ERR_UPSTREAM') return err
  const failure = classify(err, undefined)
  const { error } = failure
  if (failure.status === 'requires_action' && error.code !== 'missing_scope')
    return new PatchbayError('PB_ERR_CREDENTIAL_REVOKED', error.message)
  if (error.type === 'rate_limited') {
    return new PatchbayError(
      'PB_ERR_RATE_LIMITED',
      error.message,
      error.retry_after ? { headers: { 'Retry-After': String(error.retry_after) } } : {},
    )
  }
  if (error.type === 'validation') return new PatchbayError('PB_ERR_VALIDATION', error.message)
  if (error.type === 'not_found') return new PatchbayError('PB_ERR_NOT_FOUND', error.message)
  return new PatchbayError('PB_ERR_UPSTREAM', error.message)
}

/** `/v1/actions`: what a partner's end user may run, and the help to fill in its inputs (docs/actions.md). */
export class ActionService {
  constructor(private readonly deps: ActionServiceDeps) {}

  async list(
    owner: Owner,
    options: { app?: string; type?: string; q?: string; connected?: boolean; cursor?: string; limit: number },
  ): Promise<{ data: ActionSummaryJson[]; next_cursor: string | null }> {
    const offered = new Set((await this.deps.appDirectory.list(owner.partnerId)).map((app) => app.key))
    const connected = options.connected ? await this.connectedApps(owner) : undefined
    const after = options.cursor === undefined ? undefined : this.decodeCursor(options.cursor)
    const q = options.q?.toLowerCase()
    const matching = this.deps.registry.list().filter((action) => {
      const d = action.definition
      if (!offered.has(d.app)) return false
      if (options.app !== undefined && d.app !== options.app) return false
      if (options.type !== undefined && d.type !== options.type) return false
      if (connected && !connected.has(d.app)) return false
      if (q && !`${action.id} ${d.title} ${d.description}`.toLowerCase().includes(q)) return false
      return after === undefined || action.id > after
    })
    const page = matching.slice(0, options.limit)
    const last = page[page.length - 1]
    return {
      data: page.map(actionSummary),
      next_cursor: matching.length > options.limit && last ? Buffer.from(last.id).toString('base64url') : null,
    }
  }

  async get(owner: Owner, id: string): Promise<ActionJson> {
    return actionJson(await this.deps.runs.offeredAction(owner.partnerId, id))
  }

  /** A dynamic field's choices for one of the user's connections, from the app. */
  async options(
    owner: Owner,
    id: string,
    fieldName: string,
    request: { connectionId: string; inputs: Record<string, unknown>; query?: string; cursor?: string },
  ): Promise<{ options: ActionOption[]; next_cursor: string | null }> {
    const action = await this.deps.runs.offeredAction(owner.partnerId, id)
    const field = action.definition.fields?.[fieldName as keyof typeof action.definition.fields]
    if (!field) throw new PatchbayError('PB_ERR_NOT_FOUND', `${id} has no dynamic field ${fieldName}`)
    let result: Awaited<ReturnType<typeof field.options>>
    try {
      result = await this.askApp(owner, action, fieldName, field.dependsOn ?? [], request, (ctx) => field.options(ctx))
    } catch (err) {
      throw restError(err)
    }
    const options = (result?.options ?? []).filter(
      (o): o is ActionOption => typeof o?.label === 'string' && (typeof o.value === 'string' || typeof o.value === 'number'),
    )
    return { options, next_cursor: typeof result?.nextCursor === 'string' ? result.nextCursor : null }
  }

  /**
   * The properties of the action's dynamic input object for one connection, read from the app (an
   * Airtable table's fields, a Jira issue type's custom fields): docs/actions.md, "Dynamic schemas".
   */
  async schema(
    owner: Owner,
    id: string,
    request: { connectionId: string; inputs: Record<string, unknown> },
  ): Promise<{ field: string; schema: Record<string, unknown> }> {
    const action = await this.deps.runs.offeredAction(owner.partnerId, id)
    const dynamic = action.definition.dynamicInput
    if (!dynamic) throw new PatchbayError('PB_ERR_NOT_FOUND', `${id} has no dynamic input`)
    let schema: DynamicSchema
    try {
      schema = await this.askApp(owner, action, dynamic.field, dynamic.dependsOn, request, (ctx) => dynamic.schema(ctx))
    } catch (err) {
      throw restError(err)
    }
    const properties = schema?.properties
    const usable =
      schema?.type === 'object' &&
      typeof properties === 'object' &&
      properties !== null &&
      Object.values(properties).every((p) => typeof p === 'object' && p !== null && !Array.isArray(p)) &&
      (schema.required === undefined || (Array.isArray(schema.required) && schema.required.every((r) => typeof r === 'string')))
    if (!usable) throw new PatchbayError('PB_ERR_UPSTREAM', `${id} described its dynamic input in a shape Patchbay cannot use`)
    // Only what a form needs: no $ref, $id or other keyword an action might have added.
    return {
      field: dynamic.field,
      schema: { type: 'object', properties, ...(schema.required ? { required: schema.required } : {}), $schema: JSON_SCHEMA_2020_12 },
    }
  }

  /** Calls an action's helper (a field's options, its dynamic schema) with the app, once the fields it depends on are there. */
  private async askApp<T>(
    owner: Owner,
    action: LoadedAction,
    what: string,
    dependsOn: readonly string[],
    request: { connectionId: string; inputs: Record<string, unknown>; query?: string; cursor?: string },
    ask: (ctx: FieldOptionsContext<Record<string, unknown>>) => Promise<T>,
  ): Promise<T> {
    for (const dep of dependsOn) {
      if (request.inputs[dep] === undefined || request.inputs[dep] === '') {
        throw new PatchbayError('PB_ERR_VALIDATION', `inputs.${dep} is needed first: ${what} depends on it`)
      }
    }
    await this.connectionFor(owner, action, request.connectionId)
    const signal = AbortSignal.timeout(OPTIONS_TIMEOUT_MS)
    const http = createActionHttp({
      proxy: this.deps.proxy,
      owner,
      connectionId: request.connectionId,
      signal,
      log: () => ({ warn: () => {}, info: () => {} }),
      maxResponseBytes: this.deps.config.runs.maxResponseBytes,
    })
    return ask({
      http,
      signal,
      inputs: request.inputs,
      ...(request.query !== undefined ? { query: request.query } : {}),
      ...(request.cursor !== undefined ? { cursor: request.cursor } : {}),
    })
  }

  /** Checks inputs and the connection without running anything. */
  async validate(
    owner: Owner,
    id: string,
    request: { connectionId: string; inputs: unknown },
  ): Promise<{
    valid: boolean
    errors: { path: string; message: string }[]
    connection: { id: string; status: string; missing_scopes: string[] }
  }> {
    const action = await this.deps.runs.offeredAction(owner.partnerId, id)
    const connection = await this.connectionFor(owner, action, request.connectionId)
    const errors = inputProblems(action, request.inputs)
    if (connection.status !== 'active')
      errors.push({ path: '/connection_id', message: `the connection is ${connection.status}: reconnect it first` })
    // Only when the app reported what it granted: an empty list says nothing.
    const missing = connection.scopes.length > 0 ? action.definition.scopes.filter((s) => !connection.scopes.includes(s)) : []
    return { valid: errors.length === 0, errors, connection: { id: connection.id, status: connection.status, missing_scopes: missing } }
  }

  private async connectionFor(owner: Owner, action: LoadedAction, connectionId: string) {
    const connection = await this.deps.connections.get(owner, connectionId)
    if (!connection) throw new PatchbayError('PB_ERR_NOT_FOUND', `connection ${connectionId} not found`)
    if (connection.appKey !== action.definition.app) {
      throw new PatchbayError(
        'PB_ERR_VALIDATION',
        `connection ${connectionId} is a ${connection.appKey} connection; ${action.id} needs ${action.definition.app}`,
      )
    }
    return connection
  }

  private async connectedApps(owner: Owner): Promise<Set<string>> {
    const rows = await this.deps.db
      .selectFrom('connections')
      .select('app_key')
      .distinct()
      .where('partner_id', '=', owner.partnerId)
      .where('end_user_id', '=', owner.endUserId)
      .execute()
    return new Set(rows.map((r) => r.app_key))
  }

  private decodeCursor(cursor: string): string {
    const id = Buffer.from(cursor, 'base64url').toString('utf8')
    if (!/^[a-z0-9-]+\.[a-z0-9_]+$/.test(id))
      throw new PatchbayError('PB_ERR_VALIDATION', 'querystring.cursor is not a next_cursor value from a previous page')
    return id
  }
}
