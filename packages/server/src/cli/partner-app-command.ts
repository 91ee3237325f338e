import { parseArgs } from 'node:util'
import { loadCatalog } from '../catalog/load-catalog.js'
import { loadConfig } from '../config/config.js'
import { migrateToLatest, openDatabase } from '../db/database.js'
import { PartnerApps } from '../partners/partner-apps.js'
import { PartnerStore } from '../partners/partner-store.js'
import { loadVault } from '../vault/key-setup.js'
import { print, UsageError } from './output.js'

const appFlags = {
  'client-id': { type: 'string' },
  'client-secret': { type: 'string' },
  'client-secret-env': { type: 'string' },
  scopes: { type: 'string' },
  setting: { type: 'string', multiple: true },
} as const

/** `partner app <partner> <app> …`: the partner's own OAuth client (and settings) for one app. */
export async function partnerAppCommand(rest: string[]): Promise<void> {
  const { values, positionals } = parseArgs({ args: rest, options: appFlags, allowPositionals: true, strict: true })
  const [partnerId, appKey] = positionals
  if (!partnerId || !appKey)
    throw new UsageError(
      'usage: patchbay partner app <partner id> <app key> [--client-id …] [--client-secret-env NAME] [--scopes a,b] [--setting key=value]',
    )
  const config = loadConfig()
  const app = loadCatalog({ extraApps: config.apps }).get(appKey)
  if (!app) throw new UsageError(`no app "${appKey}" in the catalog`)
  const settings: Record<string, string> = {}
  for (const entry of values.setting ?? []) {
    const eq = entry.indexOf('=')
    const key = entry.slice(0, eq)
    const field = app.settings?.find((f) => f.key === key)
    if (eq < 1 || !field)
      throw new UsageError(
        `--setting ${entry}: ${appKey} has the settings ${(app.settings ?? []).map((f) => f.key).join(', ') || '(none)'}`,
      )
    const value = entry.slice(eq + 1)
    if (field.pattern && !new RegExp(`^(?:${field.pattern})$`).test(value))
      throw new UsageError(`--setting ${key}: does not match ${field.pattern}`)
    settings[key] = value
  }
  let clientSecret = values['client-secret']
  if (values['client-secret-env']) {
    clientSecret = process.env[values['client-secret-env']]
    if (!clientSecret) throw new UsageError(`environment variable ${values['client-secret-env']} is not set`)
  }
  const { vault } = loadVault(config)
  const database = openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir })
  try {
    await migrateToLatest(database)
    if (!(await new PartnerStore(database).get(partnerId))) throw new UsageError(`partner ${partnerId} not found`)
    const apps = new PartnerApps(database.db, vault)
    await apps.set(partnerId, appKey, {
      clientId: values['client-id'],
      clientSecret,
      scopes: values.scopes
        ?.split(',')
        .map((x) => x.trim())
        .filter(Boolean),
      settings,
    })
    const saved = await apps.get(partnerId, appKey)
    print({
      partner: partnerId,
      app: appKey,
      clientId: saved?.clientId,
      clientSecret: saved?.clientSecret ? '(set)' : null,
      scopes: saved?.scopes,
      settings: saved?.settings,
    })
  } finally {
    await database.close()
  }
}

/**
 * `partner delete <id> [--yes]`: deletes the partner's connections first, revoking their tokens at
 * the provider where the app has a revocation endpoint (the same path as `DELETE
 * /v1/connections/{id}`), then the partner, whose rows cascade. Asks on a terminal; without one,
 * only `--yes` deletes.
 */
