import { readFileSync } from 'node:fs'
import { importActionModules, loadActions } from '../actions/action-registry.js'
import { loadCatalog } from '../catalog/load-catalog.js'
import { loadConfig } from '../config/config.js'
import { migrateToLatest, openDatabase } from '../db/database.js'
import { PatchbayError } from '../errors.js'
import { createLogger } from '../logger.js'
import { createServices } from '../services.js'
import { loadVault } from '../vault/key-setup.js'
import { print, UsageError } from './output.js'

const USAGE =
  'usage: patchbay toolsets list <partner id> | show <partner id> <name> | set <partner id> <name> <file.json> | delete <partner id> <name>'

/** `patchbay toolsets …`: a partner's MCP toolsets (docs/mcp.md, "Toolsets"), checked as the API checks them. */
export async function toolsetsCommand(args: string[]): Promise<void> {
  const [sub, partnerId, name, file, ...more] = args
  const arity: Record<string, number> = { list: 1, show: 2, set: 3, delete: 2 }
  const wanted = sub === undefined ? undefined : arity[sub]
  const given = [partnerId, name, file].filter((a) => a !== undefined).length
  if (wanted === undefined || given !== wanted || more.length > 0) throw new UsageError(USAGE)
  // Read before anything is opened: a bad file leaves the database untouched.
  let definition: unknown
  if (sub === 'set') {
    try {
      definition = JSON.parse(readFileSync(file as string, 'utf8'))
    } catch (err) {
      throw new UsageError(`${file}: cannot read or parse as JSON (${(err as Error).message})`)
    }
  }
  const config = loadConfig()
  const database = openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir })
  try {
    await migrateToLatest(database)
    const catalog = loadCatalog({ extraApps: config.apps })
    const actions = await loadActions(catalog, { extra: await importActionModules(config.actionModules) })
    const services = createServices(config, database, createLogger(config, process.stderr), loadVault(config).vault, { catalog, actions })
    if (!(await services.partners.get(partnerId as string))) throw new UsageError(`partner ${partnerId} not found`)
    const { toolsets } = services
    try {
      if (sub === 'list') print({ toolsets: (await toolsets.list(partnerId as string)).map((t) => ({ name: t.name, ...t.definition })) })
      else if (sub === 'show') print((await toolsets.get(partnerId as string, name as string)).definition)
      else if (sub === 'set') {
        const created = await toolsets.save(partnerId as string, name as string, definition)
        print({ toolset: name, created })
      } else {
        await toolsets.delete(partnerId as string, name as string)
        print({ toolset: name, deleted: true })
      }
    } catch (err) {
      if (err instanceof PatchbayError) throw new UsageError(err.message)
      throw err
    }
    // The server notices within the change window (SQLite) or at once (PostgreSQL): see db/change-feed.ts.
    await database.changes.settle()
  } finally {
    await database.close()
  }
}
