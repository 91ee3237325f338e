import { sql } from 'kysely'
import { describe, expect, it } from 'vitest'
import { openDatabase } from '../../src/db/database.js'
import { sweepExpired } from '../../src/jobs/maintenance.js'
import { createRateLimitCounter, MemoryCounter, PostgresCounter } from '../../src/rate-limit/counter.js'
import { databaseTargets } from '../helpers/databases.js'
import { migratedDatabases } from '../helpers/migrated-databases.js'

/** rate-limit/counter.ts: fixed windows per key, in memory on SQLite and in the database on PostgreSQL. */
describe.each(databaseTargets)('rate-limit counters ($name)', (target) => {
  const fresh = migratedDatabases(target)

  // PostgreSQL-only cases are not declared on SQLite at all: CI counts a skipped test as a failure.
  const onPostgres = (name: string, fn: () => Promise<void>) => {
    if (target.name === 'postgres') it(name, fn)
  }

  it('keeps counters in the database on PostgreSQL and in memory on SQLite', async () => {
    const counter = createRateLimitCounter(await fresh())
    expect(counter).toBeInstanceOf(target.name === 'postgres' ? PostgresCounter : MemoryCounter)
  })

  onPostgres('keeps the windows in an unlogged table (no WAL flush per hit)', async () => {
    const database = await fresh()
    const { rows } = await sql<{ relpersistence: string }>`
      select relpersistence from pg_class where relname = 'rate_limits' and relnamespace = current_schema()::regnamespace`.execute(
      database.db,
    )
    expect(rows).toEqual([{ relpersistence: 'u' }])
  })

  it('counts hits per key within a window, and starts a new window once it is over', async () => {
    const counter = createRateLimitCounter(await fresh())
    const t0 = 1_700_000_000_000
    expect(await counter.hit('a', 1000, t0)).toEqual({ count: 1, resetAt: t0 + 1000 })
    expect(await counter.hit('a', 1000, t0 + 10)).toEqual({ count: 2, resetAt: t0 + 1000 })
    expect(await counter.hit('b', 1000, t0 + 20)).toEqual({ count: 1, resetAt: t0 + 1020 })
    expect(await counter.hit('a', 1000, t0 + 999)).toEqual({ count: 3, resetAt: t0 + 1000 })
    expect(await counter.hit('a', 1000, t0 + 1000)).toEqual({ count: 1, resetAt: t0 + 2000 })
  })

  it('counts concurrent hits exactly once each', async () => {
    const counter = createRateLimitCounter(await fresh())
    const now = Date.now()
    const hits = await Promise.all(Array.from({ length: 20 }, () => counter.hit('busy', 60_000, now)))
    expect(hits.map((h) => h.count).sort((x, y) => x - y)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1))
  })

  onPostgres('counts every hit exactly once when two processes hit one key at once', async () => {
    const database = await fresh()
    const schema = fresh.schemaOf(database)
    const other = openDatabase({ databaseUrl: target.databaseUrl, dataDir: ':memory:', pgSchema: schema })
    try {
      const counters = [createRateLimitCounter(database), createRateLimitCounter(other)]
      const now = Date.now()
      // 40 hits at once per process: each process sends them in a few batched statements.
      const hits = await Promise.all(counters.flatMap((counter) => Array.from({ length: 40 }, () => counter.hit('shared', 60_000, now))))
      expect(hits.map((h) => h.count).sort((x, y) => x - y)).toEqual(Array.from({ length: 80 }, (_, i) => i + 1))
      expect(new Set(hits.map((h) => h.resetAt))).toEqual(new Set([now + 60_000]))
    } finally {
      await other.close()
    }
  })

  it('has the maintenance sweep delete windows that are over, and only those', async () => {
    const database = await fresh()
    const counter = createRateLimitCounter(database)
    const now = Date.now()
    await counter.hit('over', 1000, now - 5000)
    await counter.hit('live', 60_000, now)
    await sweepExpired(database.db, now)
    const keys = await database.db.selectFrom('rate_limits').select('key').orderBy('key').execute()
    // SQLite counts in memory: the table stays empty there.
    expect(keys.map((k) => k.key)).toEqual(target.name === 'postgres' ? ['live'] : [])
    expect((await counter.hit('live', 60_000, now + 1)).count).toBe(2)
  })
})
