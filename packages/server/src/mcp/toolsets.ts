import type { ActionRegistry, LoadedAction } from '../actions/action-registry.js'
import type { AppDirectory } from '../catalog/app-directory.js'
import type { Catalog } from '../catalog/load-catalog.js'
import { ChangeCache, type ChangeFeed } from '../db/change-feed.js'
import type { Database } from '../db/schema.js'
import { PatchbayError } from '../errors.js'
import type { Kysely } from 'kysely'
import {
  actionEntries,
  builtInDefault,
  type ConnectionChoice,
  DEFAULT_TOOLSET,
  type ToolsetDefinition,
  ToolsetName,
  toolsetProblems,
  versionMatches,
} from './toolset-definition.js'
import type { StoredToolset, ToolsetStore } from './toolset-store.js'

/** One action as a tool of a toolset, with the partner's settings applied. */
export interface ToolEntry {
  /** `{app}_{key}`: the direct mode's tool name. */
  name: string
  action: LoadedAction
  /** The pinned version, passed to every run (a run refuses another). */
  version: string | undefined
  preset: Record<string, unknown>
  /** Preset and hidden inputs: the agent neither sees nor sets them. */
  concealed: ReadonlySet<string>
  connection: ConnectionChoice
  description: string
}

export interface ResolvedToolset {
  name: string
  mode: 'direct' | 'discovery'
  /** Sorted by name, so tools/list is deterministic. */
  tools: ToolEntry[]
  byName: ReadonlyMap<string, ToolEntry>
  byAction: ReadonlyMap<string, ToolEntry>
  /** The apps of its tools. */
  apps: ReadonlySet<string>
}

export interface ToolsetServiceDeps {
  store: ToolsetStore
  registry: ActionRegistry
  catalog: Catalog
  appDirectory: AppDirectory
  database: { db: Kysely<Database>; changes: ChangeFeed }
}

/**
 * How long a resolved toolset is reused. A toolset written anywhere drops it at once (change feed);
 * the partner's offered apps are read again after this long (an app no longer offered refuses runs anyway).
 */
const RESOLVED_TTL_MS = 10_000
const TOOLSET_NAME = new RegExp(ToolsetName.pattern as string)

/** A partner's toolsets: checked before they are stored, resolved to tools for each MCP request (docs/mcp.md). */
export class ToolsetService {
  private readonly resolved: ChangeCache<ResolvedToolset>

  constructor(private readonly deps: ToolsetServiceDeps) {
    this.resolved = new ChangeCache(
      deps.database.changes,
      (change) => (change.topic === 'toolset' || change.topic === 'partner' ? 'all' : undefined),
      { ttlMs: RESOLVED_TTL_MS, max: 1000 },
    )
  }

  list(partnerId: string): Promise<StoredToolset[]> {
    return this.deps.store.list(partnerId)
  }

  async get(partnerId: string, name: string): Promise<StoredToolset> {
    const found = await this.deps.store.get(partnerId, name)
    if (!found) throw new PatchbayError('PB_ERR_NOT_FOUND', `toolset ${name} not found`)
    return found
  }

  /** Creates or replaces a toolset; a 400 naming every problem otherwise. True when it was created. */
  async save(partnerId: string, name: string, definition: unknown, now: number = Date.now()): Promise<boolean> {
    if (!TOOLSET_NAME.test(name))
      throw new PatchbayError('PB_ERR_VALIDATION', 'a toolset name is 1 to 63 lowercase letters, digits, - and _')
    const problems = toolsetProblems(definition, this.deps.registry, this.deps.catalog)
    if (problems.length > 0) throw new PatchbayError('PB_ERR_VALIDATION', `toolset ${name}: ${problems.join('; ')}`)
    const created = await this.deps.store.save(partnerId, name, definition as ToolsetDefinition, now)
    await this.changed(partnerId)
    return created
  }

  async delete(partnerId: string, name: string): Promise<void> {
    if (!(await this.deps.store.delete(partnerId, name))) throw new PatchbayError('PB_ERR_NOT_FOUND', `toolset ${name} not found`)
    await this.changed(partnerId)
  }

  private async changed(partnerId: string): Promise<void> {
    const { db, changes } = this.deps.database
    await changes.publish(db, { topic: 'toolset', key: partnerId })
  }

  /**
   * What an MCP token stores to open this toolset, or undefined when there is none by that name: the
   * name and the creation time of the partner's toolset (`support@1733300000000`), or `default` for the
   * built-in one. A toolset deleted (or deleted and made again) after the token was minted is not the
   * one the token was given: such tokens are refused, never widened to the built-in default.
   */
  async reference(partnerId: string, name: string): Promise<string | undefined> {
    const stored = await this.deps.store.get(partnerId, name)
    if (stored) return `${name}@${stored.createdAt}`
    return name === DEFAULT_TOOLSET ? DEFAULT_TOOLSET : undefined
  }

  /**
   * The toolset's tools for this partner now: only actions of apps the partner offers, at a version
   * the toolset accepts. Undefined when the toolset was deleted since the token was minted.
   */
  resolve(partnerId: string, reference: string): Promise<ResolvedToolset | undefined> {
    return this.resolved.get(`${partnerId}\0${reference}`, () => this.load(partnerId, reference))
  }

  private async load(partnerId: string, reference: string): Promise<ResolvedToolset | undefined> {
    const at = reference.lastIndexOf('@')
    const name = at === -1 ? reference : reference.slice(0, at)
    const stored = await this.deps.store.get(partnerId, name)
    if (at !== -1 && String(stored?.createdAt) !== reference.slice(at + 1)) return undefined
    // A token for the built-in default gets the partner's own `default` once there is one (never wider).
    const definition = stored?.definition ?? (reference === DEFAULT_TOOLSET ? builtInDefault : undefined)
    if (!definition) return undefined
    const offered = new Set((await this.deps.appDirectory.list(partnerId)).map((app) => app.key))
    const { registry } = this.deps
    const entries = new Map<string, ToolEntry>()
    // Registry order (by id) and explicit entries replacing app-wide ones keep the outcome independent of listing order.
    const choice = definition.connection ?? 'ask'
    // The built-in default has no `apps`: every offered app.
    const apps = stored ? (definition.apps ?? []) : [...offered]
    for (const action of registry.list()) {
      if (apps.includes(action.definition.app)) entries.set(action.id, toolEntry(action, { action: action.id }, choice))
    }
    for (const entry of actionEntries(definition)) {
      const action = registry.get(entry.action)
      if (action) entries.set(action.id, toolEntry(action, entry, choice))
    }
    const byName = new Map<string, ToolEntry>()
    // By action id, so that of two actions with the same tool name (app `a_b` key `c`, app `a` key `b_c`) the same one wins every time.
    for (const tool of entries.values()) {
      if (offered.has(tool.action.definition.app) && versionMatches(tool.action, tool.version) && !byName.has(tool.name)) {
        byName.set(tool.name, tool)
      }
    }
    const tools = [...byName.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    return {
      name,
      mode: definition.mode ?? 'direct',
      tools,
      byName,
      byAction: new Map(tools.map((t) => [t.action.id, t])),
      apps: new Set(tools.map((t) => t.action.definition.app)),
    }
  }
}

function toolEntry(
  action: LoadedAction,
  entry: {
    action: string
    version?: string
    preset?: Record<string, unknown>
    hidden?: string[]
    description?: string
    connection?: ConnectionChoice
  },
  choice: ConnectionChoice,
): ToolEntry {
  const preset = entry.preset ?? {}
  return {
    name: `${action.definition.app}_${action.definition.key}`,
    action,
    version: entry.version,
    preset,
    concealed: new Set([...Object.keys(preset), ...(entry.hidden ?? [])]),
    connection: entry.connection ?? choice,
    description: entry.description ?? action.definition.description,
  }
}
