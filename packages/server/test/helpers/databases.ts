import { randomBytes } from 'node:crypto'
import pg from 'pg'

export interface DatabaseTarget {
  name: 'sqlite' | 'postgres'
  /** Settings for startServer / openDatabase. */
  databaseUrl?: string
  /** A schema of its own per test server, dropped afterwards. */
  newSchema(): string
  dropSchema(schema: string): Promise<void>
  /**
   * Runs `fn` (a server start, which migrates) while no schema is being dropped. Kysely's migrator
   * introspects every schema of the database by name, so a schema dropped by another test at that
   * moment makes the migration fail with "schema … does not exist".
   */
  duringMigration<T>(fn: () => Promise<T>): Promise<T>
}

/** Advisory lock key shared by migrations (shared mode) and schema drops (exclusive mode). */
const SCHEMA_LOCK = 0x70617463

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
  duringMigration: (fn) => fn(),
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
          await client.query('select pg_advisory_lock($1)', [SCHEMA_LOCK])
          await client.query(`drop schema if exists ${schema} cascade`)
        } finally {
          await client.end()
        }
      },
      async duringMigration(fn) {
        const client = new pg.Client({ connectionString: databaseUrl })
        await client.connect()
        try {
          await client.query('select pg_advisory_lock_shared($1)', [SCHEMA_LOCK])
          return await fn()
        } finally {
          await client.end()
        }
      },
    }
  : undefined

/** The databases every store and server suite runs against: SQLite always, PostgreSQL when DATABASE_URL is set. */
export const databaseTargets: DatabaseTarget[] = postgres ? [sqlite, postgres] : [sqlite]
