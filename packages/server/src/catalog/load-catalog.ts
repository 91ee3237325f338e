import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { appsDir } from '@patchbay/catalog'
import { yaml } from '../lib/optional-modules.js'
import type { App, AuthOption } from './app-schema.js'
import { CatalogError, type CatalogIssue } from './catalog-error.js'
import { validateApp } from './validate-app.js'

/**
 * Loads the app catalog: every `apps/<key>/app.yaml` of the catalog package, plus the custom apps an
 * operator declares in the config file. Each entry gets its schema defaults, is checked against
 * {@link AppSchema}, then against the rules a JSON Schema cannot express (see {@link validateApp}).
 * Any problem stops the load with a {@link CatalogError} naming the file and the exact path.
 */

/** The catalog package's apps folder (packages/catalog/apps), resolved from this file. */
export function defaultCatalogDir(): string {
  return appsDir
}

export interface Catalog {
  /** The app with this key, or undefined. Apps are frozen: copy before changing anything. */
  get(key: string): App | undefined
  /** Every app, sorted by key. */
  list(): App[]
  /** One auth option of an app, or undefined when either is unknown. */
  option(appKey: string, optionKey: string): AuthOption | undefined
  /** Absolute path of a catalog app's logo file; undefined for custom apps and unknown keys. */
  logoPath(key: string): string | undefined
}

export interface LoadCatalogOptions {
  /** The apps folder; defaults to the catalog package's (`defaultCatalogDir()`). */
  dir?: string
  /**
   * Operator-declared custom apps (from the config file). They are validated like catalog entries
   * (without the folder and logo checks) and may not reuse a catalog key.
   */
  extraApps?: readonly unknown[]
}

/** Reads and validates the whole catalog; throws a {@link CatalogError} listing every problem. */
export function loadCatalog(options: LoadCatalogOptions = {}): Catalog {
  const root = options.dir ?? defaultCatalogDir()
  const loaded = loadFolders(root)
  const issues: CatalogIssue[] = [...loaded.issues]
  const apps = new Map(loaded.apps)

  options.extraApps?.forEach((raw, index) => {
    const source = `extraApps[${index}]`
    try {
      const app = validateApp(raw, source, { allowPlainHttp: true })
      if (apps.has(app.key)) issues.push({ source, path: '/key', message: `"${app.key}" is already an app key; pick another key` })
      else apps.set(app.key, { app: deepFreeze(app) })
    } catch (error) {
      if (!(error instanceof CatalogError)) throw error
      issues.push(...error.issues)
    }
  })

  if (issues.length > 0) throw new CatalogError(issues)
  // Code-point order, the order `GET /v1/apps` pages by (its cursor compares keys with `<`): localeCompare
  // would put `a_b` and `ab` the other way round and a page would skip an app.
  const sorted = [...apps.values()].map((entry) => entry.app).sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
  return {
    get: (key) => apps.get(key)?.app,
    list: () => [...sorted],
    option: (appKey, optionKey) => apps.get(appKey)?.app.auth.find((option) => option.key === optionKey),
    logoPath: (key) => apps.get(key)?.logo,
  }
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value)
    for (const inner of Object.values(value)) deepFreeze(inner)
  }
  return value
}

/**
 * The catalog folder's apps, read, parsed and validated once per process and folder: the files do
 * not change while it runs, and the entries are frozen, so every caller (the configuration check,
 * the server, the CLI) shares them. Reading them is most of a cold start (docs/operations.md,
 * "Sizing").
 */
const folderCache = new Map<string, { apps: Map<string, { app: App; logo?: string }>; issues: CatalogIssue[] }>()

function loadFolders(root: string): { apps: Map<string, { app: App; logo?: string }>; issues: CatalogIssue[] } {
  const cached = folderCache.get(root)
  if (cached) return cached
  const issues: CatalogIssue[] = []
  const apps = new Map<string, { app: App; logo?: string }>()
  let folders: string[]
  try {
    folders = readdirSync(root, { withFileTypes: true })
      .filter((entry) => entry.isDirectory() && !entry.name.startsWith('.'))
      .map((entry) => entry.name)
      .sort()
  } catch (error) {
    throw new CatalogError([{ source: root, path: '', message: `cannot read the catalog folder: ${(error as Error).message}` }])
  }

  for (const folder of folders) {
    const dir = join(root, folder)
    const file = join(dir, 'app.yaml')
    let raw: unknown
    try {
      raw = yaml().parse(readFileSync(file, 'utf8'))
    } catch (error) {
      issues.push({ source: file, path: '', message: `cannot read or parse: ${(error as Error).message}` })
      continue
    }
    try {
      const app = validateApp(raw, file, { dir })
      apps.set(app.key, { app: deepFreeze(app), logo: join(dir, app.logo) })
    } catch (error) {
      if (!(error instanceof CatalogError)) throw error
      issues.push(...error.issues)
    }
  }

  const result = { apps, issues }
  // A folder that could not be read at all threw above and is read again next time.
  folderCache.set(root, result)
  return result
}
