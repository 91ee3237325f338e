import { parseArgs } from 'node:util'
import { loadConfig } from '../config/config.js'
import { migrateTo, migrateToLatest, openDatabase } from '../db/database.js'
import { print, UsageError } from './output.js'

/**
 * `patchbay migrate [--to <migration>|none]`: up to the latest migration (what `start` does), or up or
 * down to a named one, to roll an upgrade back before the previous version starts (docs/operations.md,
 * "Upgrades and migrations").
 */
export async function migrateCommand(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { to: { type: 'string' } }, strict: true })
  const config = loadConfig()
  const database = openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir })
  try {
    if (values.to === undefined) {
      const report = await migrateToLatest(database)
      print({ database: database.kind, applied: report.applied })
      return
    }
    const report = await migrateTo(database, values.to).catch((err: unknown) => {
      throw err instanceof RangeError ? new UsageError(err.message) : err
    })
    print({ database: database.kind, ...report })
  } finally {
    await database.close()
  }
}
