import { resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { type ActionDefinition, compiledAppsDir } from '@patchbay/catalog'
import { Kind, type TObject, type TSchema } from '@sinclair/typebox'
import { type TypeCheck, TypeCompiler } from '@sinclair/typebox/compiler'
import type { Catalog } from '../catalog/load-catalog.js'
import { CatalogError, type CatalogIssue } from '../catalog/catalog-error.js'
import { codePointOrder } from '../lib/code-point-order.js'
import { bundledActionModules, bundledActionsHash } from './bundled-action-modules.js'
import { compiledActionFiles, compiledActionsHash } from './compiled-actions-hash.js'

/**
 * The actions Patchbay can run: every compiled `apps/<app>/actions/*.js` of the catalog package,
 * plus the operator's own (for custom apps, given to `startServer`). Each definition is checked at
 * load, like an app entry: a bad one stops the start with a {@link CatalogError} (docs/actions.md,
 * "Writing an action").
 */

export interface LoadedAction {
  /** `<app>.<key>`: the id in the REST API. */
  readonly id: string
  readonly definition: ActionDefinition
  /** The input's validator, compiled on first use. */
  readonly input: TypeCheck<TObject>
  /** The output's validator, compiled on first use. */
  readonly output: TypeCheck<TSchema>
  readonly timeoutMs: number
}

/**
 * An action whose validators are compiled the first time a run, a validation or a dry run needs them,
 * not at start: compiling the input and output schemas of every catalog action took 50 ms or more of
 * every start, for actions most processes never run (docs/operations.md, "Sizing"). At load, each validator's code is
 * generated without being evaluated, so a schema the compiler refuses still stops the start.
 */
class CheckedAction implements LoadedAction {
  #input: TypeCheck<TObject> | undefined
  #output: TypeCheck<TSchema> | undefined

  constructor(
    readonly id: string,
    readonly definition: ActionDefinition,
    readonly timeoutMs: number,
  ) {}

  get input(): TypeCheck<TObject> {
    return (this.#input ??= TypeCompiler.Compile(this.definition.input))
  }

  get output(): TypeCheck<TSchema> {
    return (this.#output ??= TypeCompiler.Compile(this.definition.output))
  }
}

const KEY = /^[a-z][a-z0-9_]{0,62}$/
// Semantic Versioning 2.0.0 without build metadata.
const SEMVER = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z.-]+)?$/
const TYPES = new Set(['read', 'write', 'search'])
export const DEFAULT_ACTION_TIMEOUT_MS = 30_000
export const MAX_ACTION_TIMEOUT_MS = 15 * 60_000

export class ActionRegistry {
  private readonly byId = new Map<string, LoadedAction>()

  constructor(actions: readonly LoadedAction[]) {
    for (const action of [...actions].sort((a, b) => codePointOrder(a.id, b.id))) this.byId.set(action.id, action)
  }

  get(id: string): LoadedAction | undefined {
    return this.byId.get(id)
  }

  /** Every action, sorted by id. */
  list(): LoadedAction[] {
    return [...this.byId.values()]
  }
}

/** Scopes an app declares in any of its auth options. */
function appScopes(catalog: Catalog, appKey: string): Set<string> {
  const scopes = new Set<string>()
  for (const option of catalog.get(appKey)?.auth ?? []) {
    const declared = option as { scopes?: string[]; optional_scopes?: string[] }
    for (const scope of [...(declared.scopes ?? []), ...(declared.optional_scopes ?? [])]) scopes.add(scope)
  }
  return scopes
}

function isObjectSchema(schema: unknown): schema is TObject {
  return typeof schema === 'object' && schema !== null && (schema as TObject)[Kind] === 'Object'
}

/** Checks one definition; pushes every problem to `issues` and returns the loaded action when there is none. */
export function checkAction(
  definition: ActionDefinition,
  catalog: Catalog,
  source: string,
  issues: CatalogIssue[],
): LoadedAction | undefined {
  const found: CatalogIssue[] = []
  const problem = (path: string, message: string) => found.push({ source, path, message })
  const d = definition as Partial<ActionDefinition> | undefined
  if (typeof d !== 'object' || d === null) {
    issues.push({ source, path: '', message: 'the default export must be a defineAction({...}) definition' })
    return undefined
  }
  if (typeof d.key !== 'string' || !KEY.test(d.key)) problem('/key', 'must match ^[a-z][a-z0-9_]*$ (at most 63 characters)')
  if (typeof d.app !== 'string' || !catalog.get(d.app)) problem('/app', `"${String(d.app)}" is not an app of the catalog`)
  if (typeof d.version !== 'string' || !SEMVER.test(d.version)) problem('/version', 'must be a semantic version (1.0.0)')
  if (typeof d.type !== 'string' || !TYPES.has(d.type)) problem('/type', 'must be read, write or search')
  for (const field of ['title', 'description'] as const) {
    if (typeof d[field] !== 'string' || d[field].trim() === '') problem(`/${field}`, 'must be a non-empty string')
  }
  const a = d.annotations
  if (
    typeof a !== 'object' ||
    a === null ||
    ['readOnly', 'destructive', 'idempotent'].some((k) => typeof a[k as keyof typeof a] !== 'boolean')
  ) {
    problem('/annotations', 'must give readOnly, destructive and idempotent as booleans')
  } else if ((d.type === 'write') === a.readOnly) {
    problem('/annotations/readOnly', 'must be false for a write action and true for read and search actions')
  } else if (a.readOnly && a.destructive) {
    problem('/annotations/destructive', 'a read-only action cannot be destructive')
  }
  if (!Array.isArray(d.scopes) || d.scopes.some((s) => typeof s !== 'string')) problem('/scopes', 'must be an array of strings')
  else if (typeof d.app === 'string' && catalog.get(d.app)) {
    const declared = appScopes(catalog, d.app)
    d.scopes.forEach((scope, i) => {
      if (!declared.has(scope)) problem(`/scopes/${i}`, `"${scope}" is not a scope of the app ${d.app}`)
    })
  }
  // The validator's code is generated (which refuses what cannot be compiled) but not evaluated: that is on first use.
  const generates = (path: string, schema: TSchema) => {
    try {
      TypeCompiler.Code(schema)
    } catch (err) {
      problem(path, `invalid schema: ${(err as Error).message}`)
    }
  }
  if (!isObjectSchema(d.input)) problem('/input', 'must be a TypeBox Type.Object schema')
  else generates('/input', d.input)
  if (typeof d.output !== 'object' || d.output === null || typeof (d.output as TSchema)[Kind] !== 'string') {
    problem('/output', 'must be a TypeBox schema')
  } else generates('/output', d.output)
  const properties = isObjectSchema(d.input) ? d.input.properties : {}
  for (const [name, field] of Object.entries(d.fields ?? {})) {
    if (!(name in properties)) problem(`/fields/${name}`, 'is not a property of the input schema')
    if (typeof field?.options !== 'function') problem(`/fields/${name}/options`, 'must be a function')
    for (const dep of field?.dependsOn ?? []) {
      if (!(dep in properties) || dep === name)
        problem(`/fields/${name}/dependsOn`, `"${dep}" must be another property of the input schema`)
    }
  }
  if (d.dynamicInput !== undefined) {
    const dynamic = d.dynamicInput
    const field = properties[dynamic.field] as TSchema | undefined
    if (!field || field[Kind] !== 'Record') {
      problem('/dynamicInput/field', 'must name an input property typed as an object of any keys (Type.Record): the static fallback')
    }
    for (const dep of dynamic.dependsOn ?? []) {
      if (!(dep in properties) || dep === dynamic.field)
        problem('/dynamicInput/dependsOn', `"${dep}" must be another property of the input schema`)
    }
    if (typeof dynamic.schema !== 'function') problem('/dynamicInput/schema', 'must be a function')
  }
  const timeoutMs = d.timeoutMs ?? DEFAULT_ACTION_TIMEOUT_MS
  if (!Number.isInteger(timeoutMs) || timeoutMs < 100 || timeoutMs > MAX_ACTION_TIMEOUT_MS) {
    problem('/timeoutMs', `must be an integer from 100 to ${MAX_ACTION_TIMEOUT_MS}`)
  }
  if (typeof d.run !== 'function') problem('/run', 'must be a function')
  if (d.preview !== undefined && typeof d.preview !== 'function') problem('/preview', 'must be a function')
  if (found.length > 0) {
    issues.push(...found)
    return undefined
  }
  return new CheckedAction(`${d.app}.${d.key}`, definition, timeoutMs)
}

/** Checks a set of definitions together (ids must be unique); throws a {@link CatalogError} listing every problem. */
export function buildRegistry(definitions: readonly { definition: ActionDefinition; source: string }[], catalog: Catalog): ActionRegistry {
  const issues: CatalogIssue[] = []
  const loaded = new Map<string, LoadedAction>()
  for (const { definition, source } of definitions) {
    const action = checkAction(definition, catalog, source, issues)
    if (!action) continue
    if (loaded.has(action.id)) issues.push({ source, path: '/key', message: `the action ${action.id} is defined twice` })
    else loaded.set(action.id, action)
  }
  if (issues.length > 0) throw new CatalogError(issues)
  return new ActionRegistry([...loaded.values()])
}

export interface LoadActionsOptions {
  /** The compiled apps folder; the catalog package's by default. */
  dir?: string
  /** Definitions for custom apps (or extra ones for catalog apps). */
  extra?: readonly ActionDefinition[]
}

/** Imports every compiled action file of the catalog (`_name.js` files are helpers the actions share), adds `extra`, and checks them all. */
export async function loadActions(catalog: Catalog, options: LoadActionsOptions = {}): Promise<ActionRegistry> {
  const root = options.dir ?? compiledAppsDir
  const definitions: { definition: ActionDefinition; source: string }[] = []
  // The bundle's copies of the catalog's modules, while the folder is still what they were built from.
  const bundled =
    root === compiledAppsDir && bundledActionModules && bundledActionsHash === compiledActionsHash(root) ? bundledActionModules : undefined
  for (const { app, file, path } of compiledActionFiles(root)) {
    if (file.startsWith('_')) continue
    const source = `apps/${app}/actions/${file.replace(/\.js$/, '.ts')}`
    const module = bundled?.get(`${app}/${file}`) ?? ((await import(pathToFileURL(path).href)) as { default?: ActionDefinition })
    if (module.default?.app !== undefined && module.default.app !== app) {
      throw new CatalogError([{ source, path: '/app', message: `must be "${app}", the folder the file is in` }])
    }
    definitions.push({ definition: module.default as ActionDefinition, source })
  }
  for (const [i, definition] of (options.extra ?? []).entries()) definitions.push({ definition, source: `actions[${i}]` })
  return buildRegistry(definitions, catalog)
}

/** The definitions exported (default: one or an array) by each of the config's `actionModules`. */
export async function importActionModules(paths: readonly string[]): Promise<ActionDefinition[]> {
  const out: ActionDefinition[] = []
  for (const path of paths) {
    const module = (await import(pathToFileURL(resolve(path)).href)) as { default?: ActionDefinition | ActionDefinition[] }
    const exported = module.default
    if (exported === undefined)
      throw new CatalogError([{ source: path, path: '', message: 'has no default export (an action definition or an array of them)' }])
    out.push(...(Array.isArray(exported) ? exported : [exported]))
  }
  return out
}
