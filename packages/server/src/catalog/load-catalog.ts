import { createHash } from 'node:crypto'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join, relative, sep } from 'node:path'
import { appsDir } from '@patchbay/catalog'
import { yaml } from '../lib/optional-modules.js'
import { codePointOrder } from '../lib/code-point-order.js'
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
  // The order `GET /v1/apps` pages by (its cursor compares keys with `<`).
  const sorted = [...apps.values()].map((entry) => entry.app).sort((a, b) => codePointOrder(a.key, b.key))
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
  // The build's copy, when it still matches the sources: no YAML parsed, nothing validated again.
  const precompiled = root === defaultCatalogDir() ? readPrecompiled(root, PRECOMPILED_FILE) : undefined
  const result = precompiled ? { apps: precompiled, issues: [] } : parseFolders(root)
  // A folder that could not be read at all threw and is read again next time.
  folderCache.set(root, result)
  return result
}

function appFolders(root: string): string[] {
  try {
    return readdirSync(root, { withFileTypes: true })
      .filter((entry) => entry.isDirectory() && !entry.name.startsWith('.'))
      .map((entry) => entry.name)
      .sort()
  } catch (error) {
    throw new CatalogError([{ source: root, path: '', message: `cannot read the catalog folder: ${(error as Error).message}` }])
  }
}

function parseFolders(root: string): { apps: Map<string, { app: App; logo?: string }>; issues: CatalogIssue[] } {
  const issues: CatalogIssue[] = []
  const apps = new Map<string, { app: App; logo?: string }>()
  for (const folder of appFolders(root)) {
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
  return { apps, issues }
}

/**
 * Where the build writes the catalog folder parsed and checked (`npm run build`, scripts/precompile-catalog.mjs):
 * beside this module in dist/, so a start reads one JSON file instead of parsing every app.yaml
 * (docs/operations.md, "Sizing"). Run from the sources (tests), there is none and the folder is parsed.
 */
export const PRECOMPILED_FILE = new URL('./apps.json', import.meta.url)

export interface PrecompiledCatalog {
  /** {@link catalogSourcesHash} of the folder it was made from. */
  sha256: string
  /** Every app as {@link validateApp} returned it, with its folder (the logo is `<folder>/<app.logo>`). */
  apps: Array<{ folder: string; app: App }>
}

/**
 * SHA-256 over what loading the folder reads: each app folder's name, the names and kinds of the
 * entries in it (the logo check) and its app.yaml. Any change to them makes a precompiled file stale.
 */
export function catalogSourcesHash(root: string): string {
  const hash = createHash('sha256')
  for (const folder of appFolders(root)) {
    const dir = join(root, folder)
    hash.update(`${folder}\0`)
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      hash.update(`${entry.name}:${entry.isFile() ? 'f' : entry.isDirectory() ? 'd' : 'o'}\0`)
    }
    let text: Buffer
    try {
      text = readFileSync(join(dir, 'app.yaml'))
    } catch {
      text = Buffer.from('(unreadable)')
    }
    hash.update(`${text.length}\0`).update(text)
  }
  return hash.digest('hex')
}

/** The folder parsed and checked, for the build to write; undefined when it has a problem (start then parses it and reports it). */
export function precompileCatalog(root: string): PrecompiledCatalog | undefined {
  const sha256 = catalogSourcesHash(root)
  const { apps, issues } = parseFolders(root)
  if (issues.length > 0) return undefined
  return {
    sha256,
    apps: [...apps.values()].map(({ app, logo }) => ({
      folder: relative(root, logo as string).split(sep)[0] as string,
      app,
    })),
  }
}

/** The apps of a precompiled file when it matches the folder's sources now; undefined when it is missing, stale or unreadable. */
export function readPrecompiled(root: string, file: string | URL): Map<string, { app: App; logo?: string }> | undefined {
  let compiled: PrecompiledCatalog
  try {
    if (!existsSync(file)) return undefined
    compiled = JSON.parse(readFileSync(file, 'utf8')) as PrecompiledCatalog
  } catch {
    return undefined
  }
  if (compiled.sha256 !== catalogSourcesHash(root)) return undefined
  const apps = new Map<string, { app: App; logo?: string }>()
  for (const { folder, app } of compiled.apps) {
    const logo = join(root, folder, app.logo)
    // The hash covers the folder's own entries; a logo further down is checked here as parsing checks it.
    if (!existsSync(logo)) return undefined
    apps.set(app.key, { app: deepFreeze(app), logo })
  }
  return apps
}
