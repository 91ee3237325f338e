import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import SqliteDatabase from 'better-sqlite3'
import {
  type DatabaseIntrospector,
  type DatabaseMetadata,
  type DatabaseMetadataOptions,
  DEFAULT_MIGRATION_LOCK_TABLE,
  DEFAULT_MIGRATION_TABLE,
  Kysely,
  Migrator,
  NO_MIGRATIONS,
  PostgresDialect,
  PostgresIntrospector,
  type SchemaMetadata,
  SqliteDialect,
  type SqliteDialectConfig,
  type TableMetadata,
  sql,
} from 'kysely'
import type pg from 'pg'
import { codePointOrder } from '../lib/code-point-order.js'
import { pg as loadPg } from '../lib/optional-modules.js'
import { type ChangeFeed, PostgresChangeFeed, SqliteChangeFeed } from './change-feed.js'
import { migrationProvider } from './migrations/index.js'
import type { Database } from './schema.js'

export type DatabaseKind = 'sqlite' | 'postgres'

export interface DatabaseOptions {
  /** PostgreSQL connection string; the embedded SQLite database is used when absent. */
  databaseUrl?: string | undefined
  /** Folder of the embedded database file (created when missing). `:memory:` keeps it in memory. */
  dataDir: string
  /** PostgreSQL schema to use (created when missing); tests give each run its own. */
  pgSchema?: string | undefined
  poolSize?: number
}

export interface PatchbayDatabase {
  db: Kysely<Database>
  kind: DatabaseKind
  /** Tells in-process caches about writes from any process (see change-feed.ts). */
  changes: ChangeFeed
  /** The embedded database's connection (the one Kysely uses), for the few hand-written hot paths. */
  sqlite?: SqliteDatabase.Database
  /** The PostgreSQL pool Kysely uses, for the same hot paths (named prepared statements). */
  pgPool?: pg.Pool
  /**
   * PostgreSQL: two connections that keep one generic plan per named statement, for the run engine's
   * claim and end (primary-key updates of a few rows, whose best plan does not depend on the values).
   * Planning them anew was two thirds of their server time (docs/actions.md, "Durability"). Opened when
   * the process starts executing runs, so a process that executes none never opens them.
   */
  pgGenericPool?: pg.Pool
  close(): Promise<void>
}

// Epoch-millisecond columns are bigint in PostgreSQL; node-postgres returns int8 as a string unless told.
const INT8_OID = 20
const pgTypes = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === INT8_OID) return (value: string) => Number(value)
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- pg's own type table is untyped here
    return (loadPg().types.getTypeParser as any)(oid, format)
  },
}

/** The embedded database's file in a data dir (backups copy it: docs/operations.md, "Backup and restore"). */
export function sqliteFile(dataDir: string): string {
  return join(dataDir, 'patchbay.sqlite')
}

export function openDatabase(options: DatabaseOptions): PatchbayDatabase {
  if (options.databaseUrl) {
    const searchPath = options.pgSchema ? `-c search_path=${quoteIdent(options.pgSchema)}` : ''
    // Both pools connect alike: a URL's own `?options=` or PGOPTIONS (used when no schema is set) reach both.
    const connection = { connectionString: options.databaseUrl, types: pgTypes, ...(searchPath ? { options: searchPath } : {}) }
    const pool = new (loadPg().Pool)({ ...connection, max: options.poolSize ?? 10 })
    // Kept open once opened (no idle timeout): each connection holds the engine's prepared statements.
    const genericPool = new (loadPg().Pool)({ ...connection, max: 2, idleTimeoutMillis: 0 })
    // Set per session rather than in `options`, which a URL's `?options=` or PGOPTIONS would override or be
    // overridden by. Queued before the pool hands the client out, so it precedes the client's first statement.
    // Without it (a server before PostgreSQL 12) the statements still run, with PostgreSQL's own plan choice.
    genericPool.on('connect', (client) => void client.query('set plan_cache_mode = force_generic_plan').catch(() => {}))
    // An idle client whose server connection broke is dropped by the pool and replaced on the next
    // query; without a listener its 'error' event would end the process.
    pool.on('error', () => {})
    genericPool.on('error', () => {})
    const db = new Kysely<Database>({ dialect: new OwnSchemaPostgresDialect({ pool }) })
    const changes = new PostgresChangeFeed(options.databaseUrl, options.pgSchema && quoteIdent(options.pgSchema))
    return {
      db,
      kind: 'postgres',
      pgPool: pool,
      pgGenericPool: genericPool,
      changes,
      async close() {
        await changes.close()
        await genericPool.end()
        await db.destroy()
      },
    }
  }
  let file = ':memory:'
  if (options.dataDir !== ':memory:') {
    mkdirSync(options.dataDir, { recursive: true })
    file = sqliteFile(options.dataDir)
  }
  const sqlite = new SqliteDatabase(file)
  sqlite.pragma('journal_mode = WAL')
  // WAL + NORMAL is durable across process crashes (only an OS crash can lose the last commits).
  sqlite.pragma('synchronous = NORMAL')
  sqlite.pragma('foreign_keys = ON')
  sqlite.pragma('busy_timeout = 5000')
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }) })
  return { db, kind: 'sqlite', sqlite, changes: new SqliteChangeFeed(sqlite), close: () => db.destroy() }
}

/**
 * Kysely prepares every query anew: compiling the same SQL again was ~12 % of the server's time in the
 * token-exchange benchmark (six statements per request). Prepared statements are kept by SQL text and
 * reused; Kysely runs one query at a time on its single SQLite connection, so a statement is never in
 * use twice.
 */
function withStatementCache(sqlite: SqliteDatabase.Database, max = 500): SqliteDialectConfig['database'] {
  const statements = new Map<string, SqliteDatabase.Statement>()
  return {
    close: () => sqlite.close(),
    prepare(text: string) {
      let statement = statements.get(text)
      if (!statement) {
        statement = sqlite.prepare(text)
        if (statements.size >= max) statements.delete(statements.keys().next().value as string)
        statements.set(text, statement)
      }
      return statement
    },
  }
}

/**
 * Kysely's PostgreSQL introspector (which its migrator uses to find its own tables) lists the tables
 * of every schema in the database and calls has_schema_privilege() and pg_get_serial_sequence() on
 * each schema *by name*: a schema that someone else drops during that query makes Patchbay's
 * migration fail with `schema "…" does not exist`, and another application's kysely_migration table
 * in another schema makes the migrator believe Patchbay's exists. Patchbay's tables live in the
 * connection's current schema (the first existing schema of its search_path, see docs/operations.md),
 * so tables are only ever looked for there.
 */
class OwnSchemaPostgresDialect extends PostgresDialect {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the signature Kysely's Dialect declares
  override createIntrospector(db: Kysely<any>): DatabaseIntrospector {
    return new OwnSchemaIntrospector(db)
  }
}

interface ColumnRow {
  table: string
  kind: string
  schema: string
  column: string
  not_null: boolean
  has_default: boolean
  type: string
  type_schema: string
  comment: string | null
  auto_incrementing: boolean
}

class OwnSchemaIntrospector implements DatabaseIntrospector {
  readonly #db: Kysely<unknown>
  readonly #schemas: PostgresIntrospector

  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the signature Kysely's Dialect declares
  constructor(db: Kysely<any>) {
    this.#db = db
    // Listing schema names reads pg_namespace alone, which is safe against concurrent drops.
    this.#schemas = new PostgresIntrospector(db)
  }

  getSchemas(): Promise<SchemaMetadata[]> {
    return this.#schemas.getSchemas()
  }

  async getTables(options: DatabaseMetadataOptions = { withInternalKyselyTables: false }): Promise<TableMetadata[]> {
    // The schema filter is the only condition on names; the name-based functions are in the select
    // list, so they run for rows of the current schema only.
    const { rows } = await sql<ColumnRow>`
      select c.relname as table, c.relkind as kind, ns.nspname as schema, a.attname as column,
        a.attnotnull as not_null, a.atthasdef as has_default, typ.typname as type, tns.nspname as type_schema,
        col_description(a.attrelid, a.attnum) as comment,
        pg_get_serial_sequence(format('%I.%I', ns.nspname, c.relname), a.attname) is not null as auto_incrementing
      from pg_catalog.pg_namespace ns
      join pg_catalog.pg_class c on c.relnamespace = ns.oid
      join pg_catalog.pg_attribute a on a.attrelid = c.oid
      join pg_catalog.pg_type typ on typ.oid = a.atttypid
      join pg_catalog.pg_namespace tns on tns.oid = typ.typnamespace
      where ns.nspname = current_schema() and c.relkind in ('r', 'v', 'p') and a.attnum > 0 and not a.attisdropped
      order by c.relname, a.attnum`.execute(this.#db)
    const internal = new Set([DEFAULT_MIGRATION_TABLE, DEFAULT_MIGRATION_LOCK_TABLE])
    const tables = new Map<string, TableMetadata>()
    for (const row of rows) {
      if (!options.withInternalKyselyTables && internal.has(row.table)) continue
      let table = tables.get(row.table)
      if (!table) {
        table = { name: row.table, schema: row.schema, isView: row.kind === 'v', columns: [] }
        tables.set(row.table, table)
      }
      table.columns.push({
        name: row.column,
        dataType: row.type,
        dataTypeSchema: row.type_schema,
        isNullable: !row.not_null,
        hasDefaultValue: row.has_default,
        isAutoIncrementing: row.auto_incrementing,
        ...(row.comment === null ? {} : { comment: row.comment }),
      })
    }
    return [...tables.values()]
  }

  async getMetadata(options?: DatabaseMetadataOptions): Promise<DatabaseMetadata> {
    return { tables: await this.getTables(options) }
  }
}

function quoteIdent(name: string): string {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) throw new TypeError(`invalid schema name: ${name}`)
  return name
}

/**
 * Creates the PostgreSQL schema when one is named (the pool's search_path points at it). `create schema
 * if not exists` is not safe against a concurrent twin (both see no schema, one fails on the catalog's
 * unique index), so processes starting together take a transaction-scoped advisory lock first.
 */
async function ensureSchema(database: PatchbayDatabase, schema: string | undefined): Promise<void> {
  if (database.kind === 'postgres' && schema) {
    const name = quoteIdent(schema)
    await database.db.transaction().execute(async (trx) => {
      await sql`select pg_advisory_xact_lock(hashtext(${'patchbay.schema.' + name}))`.execute(trx)
      await sql`create schema if not exists ${sql.id(name)}`.execute(trx)
    })
  }
}

export interface MigrationReport {
  applied: string[]
}

/** Brings the schema up to date; safe to run from several processes at once (Kysely takes a lock). */
export async function migrateToLatest(database: PatchbayDatabase, pgSchema?: string): Promise<MigrationReport> {
  await ensureSchema(database, pgSchema)
  // The introspector only looks at the current schema (see OwnSchemaPostgresDialect); naming it here
  // also gives each schema its own qualified migration tables.
  const schema = database.kind === 'postgres' && pgSchema ? { migrationTableSchema: pgSchema } : {}
  const migrator = new Migrator({ db: database.db, provider: migrationProvider, nameComparator: codePointOrder, ...schema })
  const { error, results } = await migrator.migrateToLatest()
  if (error) throw new Error(`migration failed: ${(error as Error).message ?? String(error)}`, { cause: error })
  return { applied: (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName) }
}

export interface MigrateToReport {
  applied: string[]
  reverted: string[]
}

/**
 * Migrates up or down to the named migration (kept applied), or reverts every migration with `none`:
 * how an upgrade is rolled back before the previous version starts, as
 * docs/operations.md, "Upgrades and migrations" says. An older version refuses a database that has
 * migrations it does not know.
 */
export async function migrateTo(database: PatchbayDatabase, target: string, pgSchema?: string): Promise<MigrateToReport> {
  const known = Object.keys(await migrationProvider.getMigrations())
  if (target !== 'none' && !known.includes(target)) {
    throw new RangeError(`unknown migration "${target}": one of ${known.join(', ')}, or none`)
  }
  await ensureSchema(database, pgSchema)
  const schema = database.kind === 'postgres' && pgSchema ? { migrationTableSchema: pgSchema } : {}
  const migrator = new Migrator({ db: database.db, provider: migrationProvider, nameComparator: codePointOrder, ...schema })
  const { error, results } = await migrator.migrateTo(target === 'none' ? NO_MIGRATIONS : target)
  if (error) throw new Error(`migration failed: ${(error as Error).message ?? String(error)}`, { cause: error })
  const done = (results ?? []).filter((r) => r.status === 'Success')
  return {
    applied: done.filter((r) => r.direction === 'Up').map((r) => r.migrationName),
    reverted: done.filter((r) => r.direction === 'Down').map((r) => r.migrationName),
  }
}
