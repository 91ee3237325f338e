import type { ToolEntry } from './toolsets.js'

/**
 * Tool definitions as MCP's tools/list shows them (docs/mcp.md, "Tools"): JSON Schema straight from
 * the actions' TypeBox schemas, with the toolset's settings applied. Built once per tool entry.
 */

export interface ToolDefinition {
  name: string
  title?: string
  description: string
  inputSchema: { type: 'object'; [key: string]: unknown }
  outputSchema?: { type: 'object'; [key: string]: unknown }
  annotations: { title?: string; readOnlyHint: boolean; destructiveHint: boolean; idempotentHint: boolean; openWorldHint: boolean }
}

type JsonObject = Record<string, unknown>

/** A TypeBox schema as plain JSON (its symbols dropped), without `$schema`/`$id` (nested under anyOf they would be misread). */
function plain(schema: unknown): JsonObject {
  const { $schema: _s, $id: _i, ...rest } = JSON.parse(JSON.stringify(schema)) as JsonObject
  return rest
}

/** What a call answers while its run is still going: the run's handle (docs/mcp.md, "Calls are runs"). */
export const pendingRunSchema: JsonObject = {
  type: 'object',
  description: 'The run did not end within the wait: call get_run with run_id for its result.',
  properties: {
    run_id: { type: 'string' },
    status: { type: 'string', enum: ['queued', 'running', 'waiting'] },
    pending: { type: 'boolean', const: true },
    message: { type: 'string' },
  },
  required: ['run_id', 'status', 'pending'],
}

export const CONNECTION_ARG = 'connection_id'
export const IDEMPOTENCY_ARG = 'idempotency_key'
export const IDEMPOTENCY_KEY_PATTERN = '^[\\x21-\\x7e]{1,200}$'

/** Whether a tool takes `connection_id` and `idempotency_key` besides the action's inputs. */
export function extraArgs(tool: ToolEntry): { connection: boolean; idempotency: boolean } {
  const properties = tool.action.definition.input.properties as JsonObject
  return {
    // An action with an input of the same name keeps its own (none in the catalog has one).
    connection: tool.connection === 'ask' && !(CONNECTION_ARG in properties),
    idempotency: tool.action.definition.type === 'write' && !(IDEMPOTENCY_ARG in properties),
  }
}

/** The tool's input schema: the action's, minus preset and hidden inputs, plus the call's own arguments. */
export function toolInputSchema(tool: ToolEntry): ToolDefinition['inputSchema'] {
  const input = plain(tool.action.definition.input)
  const properties = Object.fromEntries(Object.entries((input.properties ?? {}) as JsonObject).filter(([k]) => !tool.concealed.has(k)))
  const required = ((input.required ?? []) as string[]).filter((k) => !tool.concealed.has(k))
  const extras = extraArgs(tool)
  const app = tool.action.definition.app
  if (extras.connection) {
    properties[CONNECTION_ARG] = {
      type: 'string',
      description: `Which of the user's ${app} connections to use (see list_connections); needed only when the user has several.`,
    }
  }
  if (extras.idempotency) {
    properties[IDEMPOTENCY_ARG] = {
      type: 'string',
      pattern: IDEMPOTENCY_KEY_PATTERN,
      description: 'A key of your choice for this call: calling again with the same key returns the first result instead of acting twice.',
    }
  }
  return { ...input, type: 'object', properties, ...(required.length > 0 ? { required } : { required: undefined }) }
}

/**
 * The tool's output schema: the action's output or, when the run outlasts the wait, its handle. MCP
 * wants an object at the root; an action whose output is not one is wrapped as `{ result }`.
 */
export function toolOutputSchema(tool: ToolEntry): ToolDefinition['outputSchema'] {
  const output = plain(tool.action.definition.output)
  const result = output.type === 'object' ? output : { type: 'object', properties: { result: output }, required: ['result'] }
  return { type: 'object', anyOf: [result, pendingRunSchema] }
}

export function actionToolDefinition(tool: ToolEntry): ToolDefinition {
  const d = tool.action.definition
  return {
    name: tool.name,
    title: d.title,
    description: tool.description,
    inputSchema: toolInputSchema(tool),
    outputSchema: toolOutputSchema(tool),
    annotations: {
      title: d.title,
      readOnlyHint: d.annotations.readOnly,
      destructiveHint: d.annotations.destructive,
      idempotentHint: d.annotations.idempotent,
      openWorldHint: true,
    },
  }
}

const readOnly = { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false }
const str = (description: string, extra: JsonObject = {}) => ({ type: 'string', description, ...extra })
const ACTION_ID = str('An action id from search_actions, e.g. github.create_issue.', { pattern: '^[a-z0-9-]+\\.[a-z0-9_]+$' })

/** The tools around the actions: runs and connections in both modes, search and describe in discovery mode. */
export const helperTools: Record<string, ToolDefinition> = {
  get_run: {
    name: 'get_run',
    title: 'Get a run',
    description:
      'The state of a run started by a tool call that answered with a run_id: its output once it has succeeded, its error if it failed.',
    inputSchema: {
      type: 'object',
      properties: {
        run_id: str('The run_id a tool call answered with.', { maxLength: 64 }),
        wait_ms: { type: 'integer', minimum: 0, maximum: 20000, description: 'Wait up to this long for the run to end (default 0).' },
      },
      required: ['run_id'],
      additionalProperties: false,
    },
    annotations: { title: 'Get a run', ...readOnly },
  },
  list_connections: {
    name: 'list_connections',
    title: "The user's connected accounts",
    description: 'The accounts the user has connected for the apps of these tools: id, app, account, status.',
    inputSchema: { type: 'object', properties: { app: str('Only this app.', { maxLength: 64 }) }, additionalProperties: false },
    annotations: { title: "The user's connected accounts", ...readOnly },
  },
  connect_app: {
    name: 'connect_app',
    title: 'Connect an account',
    description: 'A link the user opens to connect an account of an app (show it to them). Tools of that app work once they have.',
    inputSchema: {
      type: 'object',
      properties: { app: str('The app key, e.g. github.', { maxLength: 64 }) },
      required: ['app'],
      additionalProperties: false,
    },
    annotations: { title: 'Connect an account', readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
  },
  search_actions: {
    name: 'search_actions',
    title: 'Search actions',
    description: 'Finds actions the user can run (by words, or by app). Then describe_action for its inputs, and run_action.',
    inputSchema: {
      type: 'object',
      properties: {
        query: str('Words to look for in the action id, title and description.', { maxLength: 200 }),
        app: str('Only this app.', { maxLength: 64 }),
        cursor: str('next_cursor of the previous page.', { maxLength: 200 }),
      },
      additionalProperties: false,
    },
    annotations: { title: 'Search actions', ...readOnly },
  },
  describe_action: {
    name: 'describe_action',
    title: 'Describe an action',
    description:
      "An action's input and output schemas, the user's connections for its app, and the choices of its dynamic inputs (e.g. the user's repositories) read from the app. Pass the inputs chosen so far for the choices that depend on them.",
    inputSchema: {
      type: 'object',
      properties: {
        action: ACTION_ID,
        connection_id: str('The connection to read choices with (default: the only active one).', { maxLength: 64 }),
        inputs: { type: 'object', description: 'Inputs chosen so far.' },
      },
      required: ['action'],
      additionalProperties: false,
    },
    annotations: { title: 'Describe an action', ...readOnly, openWorldHint: true },
  },
  run_action: {
    name: 'run_action',
    title: 'Run an action',
    description:
      'Runs an action with its inputs (see describe_action). Answers with its output, or a run_id for get_run when it takes longer. Pass an idempotency_key for writes: the same key never acts twice.',
    inputSchema: {
      type: 'object',
      properties: {
        action: ACTION_ID,
        inputs: { type: 'object', description: "The action's inputs." },
        connection_id: str('Which connection to use when the user has several of the app.', { maxLength: 64 }),
        idempotency_key: str('A key of your choice for this call: the same key returns the first result instead of acting twice.', {
          pattern: IDEMPOTENCY_KEY_PATTERN,
        }),
      },
      required: ['action', 'inputs'],
      additionalProperties: false,
    },
    annotations: { title: 'Run an action', readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: true },
  },
}

export const directHelpers = ['get_run', 'list_connections', 'connect_app'] as const
export const discoveryTools = ['search_actions', 'describe_action', 'run_action', 'get_run', 'list_connections', 'connect_app'] as const

const definitions = new WeakMap<ToolEntry, ToolDefinition>()

/** A tool entry's definition, built once per resolved toolset (see ToolsetService.resolve). */
export function toolDefinition(tool: ToolEntry): ToolDefinition {
  let definition = definitions.get(tool)
  if (!definition) {
    definition = actionToolDefinition(tool)
    definitions.set(tool, definition)
  }
  return definition
}
