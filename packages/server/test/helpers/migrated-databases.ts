import { afterEach } from 'vitest'
import { migrateToLatest, openDatabase, type PatchbayDatabase } from '../../src/db/database.js'
import type { DatabaseTarget } from './databases.js'

export interface MigratedDatabases {
  /** A fresh, migrated database. */
  (): Promise<PatchbayDatabase>
  /** Closes `database` (and drops `schema`, when given) after the test too. */
  track(database: PatchbayDatabase, schema: string): void
  /** The PostgreSQL schema of a database this made ('' on SQLite). */
  schemaOf(database: PatchbayDatabase): string
}

/**
 * Fresh, migrated databases for a suite (in memory on SQLite, a schema of its own on PostgreSQL),
 * closed and dropped after each test. Call from inside a `describe` block.
 */
export function migratedDatabases(target: DatabaseTarget): MigratedDatabases {
  const open: Array<{ database: PatchbayDatabase; schema: string }> = []
  afterEach(async () => {
    for (const { database, schema } of open.splice(0)) {
      await database.close()
      if (schema) await target.dropSchema(schema)
    }
  })
  const fresh = async (): Promise<PatchbayDatabase> => {
    const schema = target.newSchema()
    const database = openDatabase({ databaseUrl: target.databaseUrl, dataDir: ':memory:', pgSchema: schema || undefined })
    open.push({ database, schema })
    await migrateToLatest(database, schema || undefined)
    return database
  }
  return Object.assign(fresh, {
    track: (database: PatchbayDatabase, schema: string) => void open.push({ database, schema }),
    schemaOf: (database: PatchbayDatabase) => open.find((o) => o.database === database)?.schema ?? '',
  })
}
