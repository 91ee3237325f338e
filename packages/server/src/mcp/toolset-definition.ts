import { type Static, type TSchema, Type } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'
import type { ActionRegistry, LoadedAction } from '../actions/action-registry.js'
import type { Catalog } from '../catalog/load-catalog.js'

/**
 * A toolset: which actions a partner's end users' AI agents see as MCP tools, and how (docs/mcp.md,
 * "Toolsets"). The same shape in the config file, the CLI's JSON file and `/v1/partner/toolsets`.
 */

export const ToolsetName = Type.String({ pattern: '^[a-z0-9][a-z0-9_-]{0,62}$', description: 'Lowercase letters, digits, - and _.' })

const ConnectionChoice = Type.Union([Type.Literal('ask'), Type.Literal('newest'), Type.Literal('oldest')], {
  description:
    'Which connection a call uses when the user has several of the app: `ask` (the default) makes the agent pass `connection_id` ' +
    '(one active connection is used without asking), `newest` or `oldest` pick by creation time.',
})
export type ConnectionChoice = Static<typeof ConnectionChoice>

const ActionIdPattern = '^[a-z0-9-]+\\.[a-z0-9_]+$'

export const ToolsetAction = Type.Object(
  {
    action: Type.String({ pattern: ActionIdPattern, description: 'The action id, e.g. `github.create_issue`.' }),
    version: Type.Optional(
      Type.String({
        pattern: '^(0|[1-9]\\d*)(\\.(0|[1-9]\\d*)\\.(0|[1-9]\\d*))?$',
        description: 'Pinned version: a major (`1`) or an exact version (`1.2.0`). The tool is left out while this server has another.',
      }),
    ),
    preset: Type.Optional(
      Type.Record(Type.String(), Type.Unknown(), {
        description: 'Inputs set by the partner: removed from the tool, always sent with these values.',
      }),
    ),
    hidden: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 100 }), {
        maxItems: 50,
        description: 'Optional inputs the agent never sees nor sets.',
      }),
    ),
    description: Type.Optional(
      Type.String({ minLength: 1, maxLength: 1000, description: "Replaces the action's description for agents." }),
    ),
    connection: Type.Optional(ConnectionChoice),
  },
  { additionalProperties: false },
)
export type ToolsetAction = Static<typeof ToolsetAction>

export const ToolsetDefinition = Type.Object(
  {
    description: Type.Optional(Type.String({ maxLength: 500 })),
    mode: Type.Optional(
      Type.Union([Type.Literal('direct'), Type.Literal('discovery')], {
        description:
          '`direct` (the default): one tool per action. `discovery`: six tools that search, describe and run the actions, for large sets.',
      }),
    ),
    apps: Type.Optional(
      Type.Array(Type.String({ pattern: '^[a-z0-9][a-z0-9_-]{0,63}$' }), {
        maxItems: 500,
        description: 'Every action of these apps, at the version this server has.',
      }),
    ),
    actions: Type.Optional(
      Type.Array(Type.Union([Type.String({ pattern: ActionIdPattern }), ToolsetAction]), {
        maxItems: 500,
        description: 'Actions by id, or with settings. An action listed here overrides the same action from `apps`.',
      }),
    ),
    connection: Type.Optional(ConnectionChoice),
  },
  { additionalProperties: false },
)
export type ToolsetDefinition = Static<typeof ToolsetDefinition>

/** The toolset an MCP token opens when its exchange names none and the partner has not defined `default`. */
export const DEFAULT_TOOLSET = 'default'
export const builtInDefault: ToolsetDefinition = {
  description: 'Every action of every app the partner offers, through the discovery tools.',
  mode: 'discovery',
}

/** Whether `version` (a major or an exact version) names this action's version. */
export function versionMatches(action: LoadedAction, version: string | undefined): boolean {
  return version === undefined || version === action.definition.version || version === action.definition.version.split('.')[0]
}

/** The entries of `actions`, each as an object. */
export function actionEntries(definition: ToolsetDefinition): ToolsetAction[] {
  return (definition.actions ?? []).map((entry) => (typeof entry === 'string' ? { action: entry } : entry))
}

/**
 * What is wrong with a toolset, checked before it is stored (so a tool never surprises an agent):
 * apps and actions exist, pinned versions are this server's, presets are inputs of the action and
 * match their schemas, hidden inputs are optional or preset.
 */
export function toolsetProblems(definition: unknown, registry: ActionRegistry, catalog: Catalog): string[] {
  if (!Value.Check(ToolsetDefinition, definition)) {
    return [...Value.Errors(ToolsetDefinition, definition)].slice(0, 5).map((e) => `${e.path || '/'}: ${e.message}`)
  }
  const problems: string[] = []
  if (!definition.apps?.length && !definition.actions?.length) problems.push('name at least one app or action')
  for (const app of definition.apps ?? []) {
    if (!catalog.get(app)) problems.push(`apps: no app ${app}`)
  }
  const seen = new Set<string>()
  for (const entry of actionEntries(definition)) {
    const where = `actions: ${entry.action}`
    if (seen.has(entry.action)) problems.push(`${where} is listed twice`)
    seen.add(entry.action)
    const action = registry.get(entry.action)
    if (!action) {
      problems.push(`${where}: no such action`)
      continue
    }
    if (!versionMatches(action, entry.version)) {
      problems.push(`${where}: version ${entry.version} is not available (this server has ${action.definition.version})`)
    }
    const properties = action.definition.input.properties as Record<string, TSchema>
    const required = new Set<string>(action.definition.input.required ?? [])
    for (const [name, value] of Object.entries(entry.preset ?? {})) {
      const schema = properties[name]
      if (!schema) problems.push(`${where}: preset ${name} is not an input of the action`)
      else if (!Value.Check(schema, value)) problems.push(`${where}: preset ${name} does not match the input's schema`)
    }
    for (const name of entry.hidden ?? []) {
      if (!properties[name]) problems.push(`${where}: hidden ${name} is not an input of the action`)
      else if (entry.preset && name in entry.preset)
        problems.push(`${where}: ${name} is both preset and hidden (a preset is hidden already)`)
      else if (required.has(name)) problems.push(`${where}: ${name} is required, so it can be preset but not hidden`)
    }
  }
  return problems.slice(0, 20)
}
