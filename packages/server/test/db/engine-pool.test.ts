import { afterEach, describe, expect, it } from 'vitest'
import { openDatabase, type PatchbayDatabase } from '../../src/db/database.js'
import { RunStore } from '../../src/runs/run-store.js'
import { type DatabaseTarget, databaseTargets } from '../helpers/databases.js'
import { migratedDatabases } from '../helpers/migrated-databases.js'

const postgres = databaseTargets.find((target) => target.name === 'postgres')

/**
 * The run engine's two connections (PatchbayDatabase.pgGenericPool, docs/actions.md "Durability") reach the
 * same schema as the request pool however the operator names it (the schema setting, the URL's `?options=`,
 * PGOPTIONS: docs/operations.md), and keep generic plans in every case.
 */
describe.runIf(postgres)('the run engine connections (PostgreSQL)', () => {
  const databaseUrl = postgres?.databaseUrl ?? ''
  const opened: PatchbayDatabase[] = []
  const pgOptions = process.env.PGOPTIONS
  // The body is collected even when the suite does not run (no DATABASE_URL): nothing here may assume a target.
  const migrated = migratedDatabases(postgres as DatabaseTarget)

  afterEach(async () => {
    if (pgOptions === undefined) delete process.env.PGOPTIONS
    else process.env.PGOPTIONS = pgOptions
    await Promise.all(opened.splice(0).map((database) => database.close()))
  })

  function open(url: string, pgSchema?: string): PatchbayDatabase {
    const database = openDatabase({ databaseUrl: url, dataDir: ':memory:', pgSchema })
    opened.push(database)
    return database
  }

  /** search_path and plan_cache_mode as each pool's connections see them. */
  async function settings(database: PatchbayDatabase) {
    const show = async (pool: NonNullable<PatchbayDatabase['pgPool']>) => {
      const { rows } = await pool.query<{ search_path: string; plan_cache_mode: string }>(
        `select current_setting('search_path') as search_path, current_setting('plan_cache_mode') as plan_cache_mode`,
      )
      return rows[0]
    }
    return { requests: await show(database.pgPool!), engine: await show(database.pgGenericPool!) }
  }

  it('with the schema setting', async () => {
    const { requests, engine } = await settings(open(databaseUrl, 'pb_engine_probe'))
    expect(requests?.search_path).toBe('pb_engine_probe')
    expect(engine).toEqual({ search_path: 'pb_engine_probe', plan_cache_mode: 'force_generic_plan' })
    expect(requests?.plan_cache_mode).toBe('auto')
  })

  it("with the URL's options", async () => {
    const url = `${databaseUrl}${databaseUrl.includes('?') ? '&' : '?'}options=${encodeURIComponent('-c search_path=pb_engine_url')}`
    const { requests, engine } = await settings(open(url))
    expect(requests?.search_path).toBe('pb_engine_url')
    expect(engine).toEqual({ search_path: 'pb_engine_url', plan_cache_mode: 'force_generic_plan' })
  })

  it('with PGOPTIONS', async () => {
    process.env.PGOPTIONS = '-c search_path=pb_engine_env'
    const { requests, engine } = await settings(open(databaseUrl))
    expect(requests?.search_path).toBe('pb_engine_env')
    expect(engine).toEqual({ search_path: 'pb_engine_env', plan_cache_mode: 'force_generic_plan' })
  })

  it('keeps its connections open while idle (each holds the prepared statements)', async () => {
    const database = open(databaseUrl, 'pb_engine_probe')
    const pool = database.pgGenericPool!
    await Promise.all([pool.query('select 1'), pool.query('select 1')])
    expect(pool.totalCount).toBe(2)
    // pg-pool closes idle clients after idleTimeoutMillis (10 s unless set); 0 turns that off.
    expect(pool.options.idleTimeoutMillis).toBe(0)
  })

  it('still claims after a migration adds a column to runs while the process runs (its statements were prepared)', async () => {
    const database = await migrated()
    const store = new RunStore(database.db, true, database.pgGenericPool)
    await store.prepareEngine()
    await database.pgPool!.query('alter table runs add column added_later text')
    // The claim runs on a connection that prepared it before the change (prepareEngine prepares it on both).
    expect(await store.claim('run_none', 'worker-a', 30_000, Date.now())).toBeUndefined()
  })
})
