import pg from 'pg'
import { afterEach, describe, expect, it } from 'vitest'
import { migrateToLatest, openDatabase, type PatchbayDatabase } from '../../src/db/database.js'
import { databaseTargets } from '../helpers/databases.js'

const postgres = databaseTargets.find((target) => target.name === 'postgres')

/**
 * A PostgreSQL database may hold other schemas: other Patchbay installations, other applications,
 * or (in the test suite) other tests' schemas, created and dropped at any moment. Patchbay's migrator
 * must only look at its own schema (docs/operations.md, "Sharing a PostgreSQL database").
 */
describe.runIf(postgres)('migrations in a shared PostgreSQL database', () => {
  // The body is collected even when the suite does not run (no DATABASE_URL): nothing here may assume a target.
  const target = postgres as NonNullable<typeof postgres>
  const databaseUrl = postgres?.databaseUrl ?? ''
  const opened: PatchbayDatabase[] = []
  const schemas: string[] = []

  function newSchema(): string {
    const schema = target.newSchema()
    schemas.push(schema)
    return schema
  }

  /** The connection string an operator (or the CLI under test) uses: the schema comes from search_path. */
  function urlWithSearchPath(schema: string): string {
    return `${databaseUrl}${databaseUrl.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${schema}`)}`
  }

  async function admin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
    const client = new pg.Client({ connectionString: databaseUrl })
    await client.connect()
    try {
      return await fn(client)
    } finally {
      await client.end()
    }
  }

  afterEach(async () => {
    for (const database of opened.splice(0)) await database.close()
    await admin(async (client) => {
      for (const schema of schemas.splice(0)) await client.query(`drop schema if exists ${schema} cascade`)
    })
  })

  it('migrates while another schema of the database is being created and dropped', async () => {
    const schema = newSchema()
    const database = openDatabase({ databaseUrl, dataDir: ':memory:', pgSchema: schema })
    opened.push(database)

    // Another user of the database creates schemas with tables and drops them again, as fast as it can,
    // until the migrations below are done (bounded by them).
    let migrating = true
    let churned = 0
    const churn = admin(async (client) => {
      while (migrating) {
        const other = target.newSchema()
        await client.query(`create schema ${other}`)
        await client.query(`create table ${other}.a (id serial primary key, name text not null, at bigint)`)
        await client.query(`create table ${other}.b (id text primary key, a_id integer references ${other}.a (id))`)
        await client.query(`drop schema ${other} cascade`)
        churned++
      }
    })

    try {
      // The first run creates the schema and applies every migration; the others find nothing to do,
      // but still look for the migration tables each time.
      const first = await migrateToLatest(database, schema)
      expect(first.applied.length).toBeGreaterThan(0)
      for (let i = 0; i < 60; i++) expect((await migrateToLatest(database, schema)).applied).toEqual([])
    } finally {
      migrating = false
      await churn
    }
    expect(churned).toBeGreaterThan(0)
  })

  it("migrates its own schema when another schema holds another application's migration tables", async () => {
    // Another application using Kysely keeps its kysely_migration tables in its own schema.
    const neighbour = newSchema()
    await admin(async (client) => {
      await client.query(`create schema ${neighbour}`)
      await client.query(`create table ${neighbour}.kysely_migration (name varchar(255) primary key, timestamp varchar(255) not null)`)
      await client.query(
        `create table ${neighbour}.kysely_migration_lock (id varchar(255) primary key, is_locked integer not null default 0)`,
      )
      await client.query(`insert into ${neighbour}.kysely_migration_lock values ('migration_lock', 0)`)
    })

    // Patchbay is pointed at its schema by the connection string alone, as the CLI is.
    const schema = newSchema()
    await admin((client) => client.query(`create schema ${schema}`))
    const database = openDatabase({ databaseUrl: urlWithSearchPath(schema), dataDir: ':memory:' })
    opened.push(database)
    const report = await migrateToLatest(database)
    expect(report.applied).toContain('0001_foundation')
    expect((await migrateToLatest(database)).applied).toEqual([])

    const tables = async (name: string) =>
      (await admin((client) => client.query('select table_name from information_schema.tables where table_schema = $1', [name]))).rows
        .map((row: { table_name: string }) => row.table_name)
        .sort()
    expect(await tables(schema)).toEqual(expect.arrayContaining(['kysely_migration', 'kysely_migration_lock', 'partners']))
    // The neighbour's tables are untouched.
    expect(await tables(neighbour)).toEqual(['kysely_migration', 'kysely_migration_lock'])
    expect((await admin((client) => client.query(`select count(*)::int as n from ${neighbour}.kysely_migration`))).rows[0].n).toBe(0)
  })
})
