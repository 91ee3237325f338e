import { loadConfig } from '../config/config.js'
import { BackupError, backupSqlite } from '../db/sqlite-backup.js'
import { print, UsageError } from './output.js'

/** `patchbay backup <file>`: the embedded database, copied while the server runs (db/sqlite-backup.ts). */
export async function backupCommand(args: string[]): Promise<void> {
  const [target, ...rest] = args
  if (!target || rest.length > 0) throw new UsageError('usage: patchbay backup <file>')
  const config = loadConfig()
  if (config.databaseUrl) {
    throw new UsageError(
      'patchbay backup copies the embedded SQLite database; on PostgreSQL use pg_dump (docs/operations.md, "Backup and restore")',
    )
  }
  try {
    print({ database: 'sqlite', ...backupSqlite(config.dataDir, target) })
  } catch (err) {
    throw err instanceof BackupError ? new UsageError(err.message) : err
  }
}
