import { tokenActor } from '../audit/audit-log.js'
import type { Principal } from '../access-tokens/access-tokens.js'
import type { ActionService } from '../actions/action-service.js'
import type { Config } from '../config/config.js'
import type { ConnectSessions } from '../connect/sessions/connect-sessions.js'
import { mintConnectLink } from '../connect/sessions/connect-url.js'
import type { ConnectionService } from '../connections/connection-service.js'
import type { ConnectionAccount, ConnectionStore } from '../connections/connection-store.js'
import type { PatchbayDatabase } from '../db/database.js'
import { PatchbayError } from '../errors.js'
import type { RunJson } from '../runs/run-json.js'
import type { RunService } from '../runs/run-service.js'
import { isTerminal } from '../runs/run-store.js'
import { CONNECTION_ARG, extraArgs, IDEMPOTENCY_ARG, IDEMPOTENCY_KEY_PATTERN } from './tool-schemas.js'
import type { ResolvedToolset, ToolEntry } from './toolsets.js'
import { isoTime } from '../lib/iso-time.js'

/** A tools/call result (MCP): structured content, its text copy, and whether the tool failed. */
export interface ToolResult {
  content: Array<{ type: 'text'; text: string }>
  structuredContent?: Record<string, unknown>
  isError?: boolean
  _meta?: Record<string, unknown>
}

/** The error object of a failed call: a run's error, or Patchbay's refusal before any run (docs/mcp.md, "Errors"). */
interface CallError {
  type: string
  code: string
  message: string
  retryable: boolean
  attribution: string
  [more: string]: unknown
}

export interface McpToolsDeps {
  runs: RunService
  actions: ActionService
  connections: ConnectionService
  connectionStore: ConnectionStore
  sessions: ConnectSessions
  database: PatchbayDatabase
  config: Config
}

/** Where a run created through MCP says so, and which toolset may read it back (`get_run`). */
const RUN_META_KEY = 'mcp'
const IDEMPOTENCY_PREFIX = 'mcp:'
const IDEMPOTENCY_KEY = new RegExp(IDEMPOTENCY_KEY_PATTERN)
const SEARCH_PAGE = 20
const OPTIONS_SHOWN = 25

type Args = Record<string, unknown>

/** What a tool call does for one end user, through one toolset: every action call is a run (docs/mcp.md). */
export class McpTools {
  constructor(private readonly deps: McpToolsDeps) {}

  /** Calls an action's tool: picks the connection, creates the run, waits up to the budget, shapes the answer. */
  async callAction(principal: Principal, toolset: ResolvedToolset, tool: ToolEntry, args: Args): Promise<ToolResult> {
    const extras = extraArgs(tool)
    const inputs: Args = {}
    let connectionId: string | undefined
    let idempotencyKey: string | undefined
    for (const [name, value] of Object.entries(args)) {
      if (extras.connection && name === CONNECTION_ARG) {
        if (typeof value !== 'string' || value === '')
          return refusal('validation', 'invalid_argument', `${CONNECTION_ARG} must be a connection id`)
        connectionId = value
      } else if (extras.idempotency && name === IDEMPOTENCY_ARG) {
        if (typeof value !== 'string' || !IDEMPOTENCY_KEY.test(value)) {
          return refusal('validation', 'invalid_argument', `${IDEMPOTENCY_ARG} must be 1 to 200 printable ASCII characters`)
        }
        idempotencyKey = value
      } else if (tool.concealed.has(name)) {
        return refusal('validation', 'invalid_argument', `${name} is not an input of this tool (the partner sets it)`)
      } else {
        inputs[name] = value
      }
    }
    Object.assign(inputs, tool.preset)
    const app = tool.action.definition.app
    const chosen = await this.chooseConnection(principal, app, tool.connection, connectionId)
    if ('result' in chosen) return chosen.result
    let runId: string
    try {
      const { run } = await this.deps.runs.create(
        principal,
        {
          action: tool.action.id,
          ...(tool.version !== undefined ? { version: tool.version } : {}),
          connectionId: chosen.id,
          inputs,
          // The agent's keys live apart from the partner's (which may not start with `mcp:`) and per toolset.
          ...(idempotencyKey !== undefined ? { idempotencyKey: `${IDEMPOTENCY_PREFIX}${toolset.name}:${idempotencyKey}` } : {}),
          metadata: { [RUN_META_KEY]: { toolset: toolset.name, tool: tool.name } },
        },
        tokenActor(principal),
      )
      runId = run.id
    } catch (err) {
      return refusedBy(err)
    }
    return this.runResult(principal, runId, this.deps.config.mcp.waitMs, 'output')
  }

  /** `get_run`: a run this toolset created, as the call that created it would have answered. */
  async getRun(principal: Principal, toolset: ResolvedToolset, args: Args): Promise<ToolResult> {
    const id = args.run_id
    if (typeof id !== 'string' || id === '' || id.length > 64) return refusal('validation', 'invalid_argument', 'run_id must be a run id')
    const waitMs = typeof args.wait_ms === 'number' && Number.isInteger(args.wait_ms) ? Math.min(Math.max(0, args.wait_ms), 20_000) : 0
    return this.runResult(principal, id, Math.min(waitMs, this.deps.config.mcp.waitMs), 'run', toolset)
  }

  async listConnections(principal: Principal, toolset: ResolvedToolset, args: Args): Promise<ToolResult> {
    const app = args.app
    if (app !== undefined && (typeof app !== 'string' || !toolset.apps.has(app))) {
      return refusal('not_found', 'unknown_app', `no app ${String(app)} among these tools`)
    }
    const connections = (await this.userConnections(principal, app)).filter((c) => toolset.apps.has(c.appKey))
    const data = connections.map(connectionSummary)
    return ok({ connections: data }, data.length === 0 ? 'No connected accounts.' : JSON.stringify(data))
  }

  async connectApp(principal: Principal, toolset: ResolvedToolset, args: Args): Promise<ToolResult> {
    const app = args.app
    if (typeof app !== 'string' || !toolset.apps.has(app))
      return refusal('not_found', 'unknown_app', `no app ${String(app)} among these tools`)
    const link = await this.connectLink(principal, app, null)
    return ok(
      { app, connect_url: link.url, expires_at: isoTime(link.expiresAt) },
      `Ask the user to open this link to connect their ${app} account: ${link.url}`,
    )
  }

  async searchActions(principal: Principal, toolset: ResolvedToolset, args: Args): Promise<ToolResult> {
    for (const [name, max] of [
      ['query', 200],
      ['app', 64],
      ['cursor', 200],
    ] as const) {
      const value = args[name]
      if (value !== undefined && (typeof value !== 'string' || value.length > max)) {
        return refusal('validation', 'invalid_argument', `${name} must be a string of at most ${max} characters`)
      }
    }
    const query = typeof args.query === 'string' ? args.query.toLowerCase().split(/\s+/).filter(Boolean) : []
    const app = typeof args.app === 'string' ? args.app : undefined
    let after: string | undefined
    if (args.cursor !== undefined) {
      after = typeof args.cursor === 'string' ? Buffer.from(args.cursor, 'base64url').toString('utf8') : ''
      if (!toolset.byAction.has(after)) return refusal('validation', 'invalid_argument', 'cursor is not a next_cursor of search_actions')
    }
    const matching = [...toolset.byAction.values()].filter((tool) => {
      const d = tool.action.definition
      if (app !== undefined && d.app !== app) return false
      if (after !== undefined && tool.action.id <= after) return false
      const text = `${tool.action.id} ${d.title} ${tool.description}`.toLowerCase()
      return query.every((word) => text.includes(word))
    })
    matching.sort((a, b) => (a.action.id < b.action.id ? -1 : 1))
    const page = matching.slice(0, SEARCH_PAGE)
    const connected = new Set((await this.userConnections(principal)).map((c) => c.appKey))
    const actions = page.map((tool) => ({
      action: tool.action.id,
      title: tool.action.definition.title,
      description: tool.description,
      type: tool.action.definition.type,
      app: tool.action.definition.app,
      connected: connected.has(tool.action.definition.app),
    }))
    const last = page[page.length - 1]
    const next = matching.length > SEARCH_PAGE && last ? Buffer.from(last.action.id).toString('base64url') : null
    return ok({ actions, next_cursor: next }, JSON.stringify({ actions, next_cursor: next }))
  }

  /** `describe_action`: schemas, the user's connections, and the dynamic inputs' choices read from the app. */
  async describeAction(
    principal: Principal,
    toolset: ResolvedToolset,
    args: Args,
    definition: (tool: ToolEntry) => unknown,
  ): Promise<ToolResult> {
    const tool = typeof args.action === 'string' ? toolset.byAction.get(args.action) : undefined
    if (!tool) return refusal('not_found', 'unknown_action', `no action ${String(args.action)} among these tools: see search_actions`)
    // The agent's choices so far, minus what the partner preset or hid (never sent to the app), plus the presets.
    const given = isObject(args.inputs) ? Object.fromEntries(Object.entries(args.inputs).filter(([k]) => !tool.concealed.has(k))) : {}
    const inputs = { ...given, ...tool.preset }
    const d = tool.action.definition
    const connections = (await this.userConnections(principal, d.app)).map(connectionSummary)
    const named = typeof args.connection_id === 'string' ? args.connection_id : undefined
    const active = connections.filter((c) => c.status === 'active')
    const connectionId = named ?? (active.length === 1 ? active[0]?.id : undefined)
    const fields: Record<string, unknown> = {}
    const reads: Array<Promise<void>> = []
    for (const [name, field] of Object.entries(d.fields ?? {})) {
      if (tool.concealed.has(name) || !field) continue
      const entry: Record<string, unknown> = { depends_on: [...(field.dependsOn ?? [])], searchable: field.searchable === true }
      fields[name] = entry
      if (connectionId === undefined) continue
      if ((field.dependsOn ?? []).some((dep) => inputs[dep] === undefined || inputs[dep] === '')) continue
      reads.push(
        this.deps.actions
          .options(principal, tool.action.id, name, { connectionId, inputs })
          .then((page) => {
            entry.options = page.options.slice(0, OPTIONS_SHOWN)
            entry.more = page.options.length > OPTIONS_SHOWN || page.next_cursor !== null
          })
          .catch((err: unknown) => {
            entry.error = err instanceof PatchbayError ? err.message : 'the app could not list the choices'
          }),
      )
    }
    let dynamicInput: Record<string, unknown> | undefined
    if (d.dynamicInput && !tool.concealed.has(d.dynamicInput.field) && connectionId !== undefined) {
      const needed = d.dynamicInput.dependsOn.filter((dep) => inputs[dep] === undefined || inputs[dep] === '')
      dynamicInput = { field: d.dynamicInput.field, depends_on: [...d.dynamicInput.dependsOn] }
      const described = dynamicInput
      if (needed.length === 0) {
        reads.push(
          this.deps.actions
            .schema(principal, tool.action.id, { connectionId, inputs })
            .then((answer) => {
              described.schema = answer.schema
            })
            .catch((err: unknown) => {
              described.error = err instanceof PatchbayError ? err.message : 'the app could not describe this input'
            }),
        )
      }
    }
    await Promise.all(reads)
    const described = definition(tool) as { inputSchema: unknown; outputSchema?: { anyOf?: unknown[] } }
    const body = {
      action: tool.action.id,
      tool: toolset.mode === 'direct' ? tool.name : undefined,
      title: d.title,
      description: tool.description,
      type: d.type,
      annotations: { ...d.annotations },
      input_schema: described.inputSchema,
      output_schema: described.outputSchema?.anyOf?.[0],
      connections,
      fields,
      ...(dynamicInput ? { dynamic_input: dynamicInput } : {}),
    }
    return ok(body, JSON.stringify(body))
  }

  /** `run_action`: the discovery mode's way to call an action's tool. */
  async runAction(principal: Principal, toolset: ResolvedToolset, args: Args): Promise<ToolResult> {
    const tool = typeof args.action === 'string' ? toolset.byAction.get(args.action) : undefined
    if (!tool) return refusal('not_found', 'unknown_action', `no action ${String(args.action)} among these tools: see search_actions`)
    if (!isObject(args.inputs)) return refusal('validation', 'invalid_argument', 'inputs must be an object')
    const callArgs: Args = { ...args.inputs }
    const extras = extraArgs(tool)
    for (const extra of [CONNECTION_ARG, IDEMPOTENCY_ARG] as const) {
      if (args[extra] === undefined) continue
      const allowed = extra === CONNECTION_ARG ? true : extras.idempotency
      if (!allowed) return refusal('validation', 'invalid_argument', `${extra} is for write actions only`)
      callArgs[extra] = args[extra]
    }
    // connection_id is always accepted here, whatever the toolset's connection choice.
    return this.callAction(
      principal,
      toolset,
      { ...tool, connection: args[CONNECTION_ARG] !== undefined ? 'ask' : tool.connection },
      callArgs,
    )
  }

  private async runResult(
    principal: Principal,
    id: string,
    waitMs: number,
    shape: 'output' | 'run',
    toolset?: ResolvedToolset,
  ): Promise<ToolResult> {
    let json: RunJson
    try {
      const row = await this.deps.runs.get(principal, id, waitMs)
      const origin = (row.metadata === null ? null : (JSON.parse(row.metadata) as Record<string, unknown>)[RUN_META_KEY]) as {
        toolset?: unknown
      } | null
      // get_run reads only runs of this toolset: an agent sees nothing the partner's backend ran (and
      // mints no reconnect link for one).
      if (toolset && origin?.toolset !== toolset.name) return refusal('not_found', 'not_found', `run ${id} not found`)
      json = await this.deps.runs.json(row)
    } catch (err) {
      return refusedBy(err)
    }
    const meta = { _meta: { 'dev.patchbay/run_id': json.id, 'dev.patchbay/status': json.status } }
    if (!isTerminal(json.status)) {
      const pending = {
        run_id: json.id,
        status: json.status,
        pending: true,
        message: 'The run is still going: call get_run with this run_id for its result.',
      }
      return { ...ok(pending, JSON.stringify(pending)), ...meta }
    }
    if (json.status === 'succeeded') {
      const output = isObject(json.output) ? json.output : { result: json.output }
      const structured = shape === 'output' ? output : { run_id: json.id, status: json.status, output: json.output }
      const note = json.output_truncated ? '\n(The output was over the size limit: its longest lists were cut.)' : ''
      return { ...ok(structured, JSON.stringify(structured) + note), ...meta }
    }
    const error = {
      ...(json.error ?? {
        type: 'internal',
        code: json.status,
        message: `the run ended ${json.status}`,
        retryable: false,
        attribution: 'patchbay',
      }),
    }
    const body = { run_id: json.id, status: json.status, error }
    const link =
      typeof error.connect_url === 'string'
        ? error.code === 'missing_scope'
          ? `\nAsk the user to open this link to grant their ${json.app} account the missing permission, then try again: ${error.connect_url}`
          : `\nAsk the user to open this link to reconnect their ${json.app} account, then try again: ${error.connect_url}`
        : ''
    return { content: [{ type: 'text', text: `${json.status}: ${error.message}${link}` }], structuredContent: body, isError: true, ...meta }
  }

  /**
   * The connection a call uses: the one named, else the user's only (active) one of the app, else as
   * the toolset says. None at all: a connect link the agent can show the user.
   */
  private async chooseConnection(
    principal: Principal,
    app: string,
    choice: ToolEntry['connection'],
    named: string | undefined,
  ): Promise<{ id: string } | { result: ToolResult }> {
    if (named !== undefined) return { id: named }
    const all = await this.userConnections(principal, app)
    if (all.length === 0) {
      const link = await this.connectLink(principal, app, null)
      const error: CallError = {
        type: 'auth',
        code: 'connection_required',
        message: `the user has not connected ${app}`,
        retryable: false,
        attribution: 'user',
        connect_url: link.url,
        connect_url_expires_at: isoTime(link.expiresAt),
      }
      return {
        result: {
          content: [{ type: 'text', text: `The user has not connected ${app}. Ask them to open this link, then try again: ${link.url}` }],
          structuredContent: { error },
          isError: true,
        },
      }
    }
    const active = all.filter((c) => c.status === 'active')
    const pool = active.length > 0 ? active : all
    if (pool.length === 1 || choice !== 'ask') {
      // Oldest first (created_at, id): the listing's order.
      const picked = choice === 'newest' ? pool[pool.length - 1] : pool[0]
      return { id: (picked as ConnectionAccount).id }
    }
    const choices = pool.map(connectionSummary)
    return {
      result: refusal(
        'validation',
        'connection_choice_required',
        `the user has ${pool.length} ${app} connections: pass ${CONNECTION_ARG} (one of ${choices.map((c) => c.id).join(', ')})`,
        { connections: choices },
      ),
    }
  }

  /** The user's connections of `app` (the lookup every call makes), or of every app. */
  private async userConnections(principal: Principal, app?: string): Promise<ConnectionAccount[]> {
    if (app !== undefined) return this.deps.connectionStore.accountsOf(principal, app)
    const connections: ConnectionAccount[] = []
    let cursor: string | undefined
    // A user has a handful; the bound keeps a pathological account from making this a scan.
    for (let page = 0; page < 5; page++) {
      const listed = await this.deps.connections.list(principal, { limit: 100, ...(cursor ? { cursor } : {}) })
      connections.push(...listed.data)
      if (!listed.nextCursor) break
      cursor = listed.nextCursor
    }
    return connections
  }

  private connectLink(principal: Principal, app: string, reconnectId: string | null) {
    const { sessions, database, config } = this.deps
    return mintConnectLink({ sessions, db: database.db, config }, principal, app, reconnectId)
  }
}

function connectionSummary(c: ConnectionAccount) {
  return {
    id: c.id,
    app: c.appKey,
    name: c.name,
    account: c.accountIdentifier,
    status: c.status,
    created_at: isoTime(c.createdAt),
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function ok(structured: Record<string, unknown>, text: string): ToolResult {
  return { content: [{ type: 'text', text }], structuredContent: structured }
}

/** A call refused before (or instead of) a run: the same error object as a run's. */
function refusal(type: string, code: string, message: string, extra: Record<string, unknown> = {}): ToolResult {
  const error: CallError = { type, code, message, retryable: false, attribution: 'user', ...extra }
  return { content: [{ type: 'text', text: message }], structuredContent: { error }, isError: true }
}

/** Patchbay's refusal of a run (bad inputs, an unknown connection, a reused idempotency key) as a tool error the agent can correct. */
function refusedBy(err: unknown): ToolResult {
  if (!(err instanceof PatchbayError)) throw err
  const types: Record<string, [string, string]> = {
    PB_ERR_VALIDATION: ['validation', 'invalid_input'],
    PB_ERR_NOT_FOUND: ['not_found', 'not_found'],
    PB_ERR_CONFLICT: ['validation', 'idempotency_key_reused'],
  }
  const [type, code] = types[err.code] ?? ['internal', 'refused']
  return refusal(type, code, err.message)
}
