import { randomBytes } from 'node:crypto'
import pg from 'pg'

export interface DatabaseTarget {
  name: 'sqlite' | 'postgres'
  /** Settings for startServer / openDatabase. */
  databaseUrl?: string
  /** A schema of its own per test server, dropped afterwards. */
  newSchema(): string
  /**
   * Drops a schema, while other tests may be migrating theirs: Patchbay's migrator only looks at its
   * own schema (test/db/migrate-shared-database.test.ts), so no lock is needed.
   */
  dropSchema(schema: string): Promise<void>
}

const databaseUrl = process.env.DATABASE_URL

if (!databaseUrl) {
  const why = 'DATABASE_URL is not set: the PostgreSQL variants of the database suites are skipped'
  // Under CI a missing database is a failure, not a skip.
  if (process.env.CI === 'true') throw new Error(`${why} (CI=true requires them)`)
  console.warn(`[patchbay tests] ${why}`)
}

const sqlite: DatabaseTarget = {
  name: 'sqlite',
  newSchema: () => '',
  dropSchema: async () => {},
}

const postgres: DatabaseTarget | undefined = databaseUrl
  ? {
      name: 'postgres',
      databaseUrl,
      newSchema: () => `t_${randomBytes(6).toString('hex')}`,
      async dropSchema(schema) {
        const client = new pg.Client({ connectionString: databaseUrl })
        await client.connect()
        try {
          await client.query(`drop schema if exists ${schema} cascade`)
        } finally {
          await client.end()
        }
      },
    }
  : undefined

/** The databases every store and server suite runs against: SQLite always, PostgreSQL when DATABASE_URL is set. */
export const databaseTargets: DatabaseTarget[] = postgres ? [sqlite, postgres] : [sqlite]
