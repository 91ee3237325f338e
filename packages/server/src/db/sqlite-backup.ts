import { existsSync, rmSync, statSync } from 'node:fs'
import SqliteDatabase from 'better-sqlite3'
import { sqliteFile } from './database.js'

export interface SqliteBackup {
  file: string
  bytes: number
  /** The last migration the copy has: restore it with that version of Patchbay or a newer one. */
  migration: string | null
}

/**
 * A consistent copy of the embedded database while the server runs, as
 * docs/operations.md, "Backup and restore" says. `VACUUM INTO` reads one snapshot in a single read transaction, which WAL mode lets the
 * server write beside; SQLite's page-by-page backup API would start over each time another process
 * (the server) writes during the copy. The copy holds ciphertexts only: it is restored with the same
 * encryption keys.
 */
export function backupSqlite(dataDir: string, target: string): SqliteBackup {
  const source = sqliteFile(dataDir)
  if (!existsSync(source)) throw new BackupError(`no database at ${source} (PATCHBAY_DATA_DIR)`)
  if (existsSync(target)) throw new BackupError(`${target} exists already: name a new file`)
  const db = new SqliteDatabase(source, { fileMustExist: true })
  try {
    db.pragma('busy_timeout = 5000')
    db.prepare('VACUUM INTO ?').run(target)
  } catch (err) {
    rmSync(target, { force: true })
    throw err
  } finally {
    db.close()
  }
  const copy = new SqliteDatabase(target, { readonly: true, fileMustExist: true })
  try {
    const integrity = copy.pragma('integrity_check', { simple: true })
    if (integrity !== 'ok') throw new Error(`the backup failed its integrity check: ${String(integrity)}`)
    const last = copy.prepare('select name from kysely_migration order by name desc limit 1').get() as { name: string } | undefined
    return { file: target, bytes: statSync(target).size, migration: last?.name ?? null }
  } finally {
    copy.close()
  }
}

/** A backup that cannot be made as asked (no database, the target exists): the operator's to fix. */
export class BackupError extends Error {}
