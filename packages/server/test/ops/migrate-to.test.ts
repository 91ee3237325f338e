import { execFile } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { type Migration, Migrator } from 'kysely'
import { afterAll, describe, expect, it } from 'vitest'
import { migrateTo, migrateToLatest, openDatabase, type PatchbayDatabase } from '../../src/db/database.js'
import { migrationProvider } from '../../src/db/migrations/index.js'
import { databaseTargets } from '../helpers/databases.js'

const execFileAsync = promisify(execFile)
const cli = new URL('../../dist/cli.js', import.meta.url).pathname
if (!existsSync(cli)) throw new Error('packages/server/dist/cli.js is missing: run `npm run build` (npm test does it first)')

const names = Object.keys(await migrationProvider.getMigrations()).sort()
const latest = names.at(-1) as string
const previous = names.at(-2) as string

/** The schema as `table(column, …)` lines: what a migration's up adds and its down must take away. */
async function tables(database: PatchbayDatabase): Promise<string[]> {
  return (await database.db.introspection.getTables()).map((t) => `${t.name}(${t.columns.map((c) => c.name).join(', ')})`).sort()
}

/**
 * Rolling an upgrade back (docs/operations.md, "Upgrades and migrations"): every migration's `down`
 * undoes its `up`, on both databases, through `patchbay migrate --to`; an older version (a migration
 * list without the newest) refuses a database the newer one migrated.
 */
describe.each(databaseTargets)('migrate --to ($name)', (target) => {
  const cleanups: (() => Promise<void>)[] = []
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup()
  })

  async function open(): Promise<{ database: PatchbayDatabase; schema: string | undefined }> {
    const schema = target.newSchema() || undefined
    const dataDir = target.databaseUrl ? ':memory:' : mkdtempSync(join(tmpdir(), 'patchbay-migrate-'))
    const database = openDatabase({ databaseUrl: target.databaseUrl, dataDir, pgSchema: schema })
    cleanups.push(async () => {
      await database.close()
      if (schema) await target.dropSchema(schema)
      if (dataDir !== ':memory:') rmSync(dataDir, { recursive: true, force: true })
    })
    return { database, schema }
  }

  it('takes every migration down, newest first, and up again to the same tables', async () => {
    const { database, schema } = await open()
    expect((await migrateToLatest(database, schema)).applied).toEqual(names)
    const full = await tables(database)

    const one = await migrateTo(database, previous, schema)
    expect(one).toEqual({ applied: [], reverted: [latest] })
    const before = await tables(database)
    expect(before).not.toEqual(full)

    const all = await migrateTo(database, 'none', schema)
    expect(all.reverted).toEqual([...names.slice(0, -1)].reverse())
    expect(await tables(database)).toEqual([])

    // Up step by step, through every named target: each changes the schema, and the whole comes back.
    let last: string[] = []
    for (const name of names) {
      expect((await migrateTo(database, name, schema)).applied).toEqual([name])
      const now = await tables(database)
      expect(now, name).not.toEqual(last)
      if (name === previous) expect(now).toEqual(before)
      last = now
    }
    expect(last).toEqual(full)
    await expect(migrateTo(database, 'no_such_migration', schema)).rejects.toThrow(/unknown migration "no_such_migration"/)
  })

  it('leaves a database the previous version refuses until it is migrated down', async () => {
    const { database, schema } = await open()
    await migrateToLatest(database, schema)
    // The previous version knows every migration but the newest.
    const all = await migrationProvider.getMigrations()
    const older: Record<string, Migration> = Object.fromEntries(Object.entries(all).filter(([name]) => name !== latest))
    const olderMigrator = () =>
      new Migrator({
        db: database.db,
        provider: { getMigrations: async () => older },
        ...(schema ? { migrationTableSchema: schema } : {}),
      })
    const refused = await olderMigrator().migrateToLatest()
    expect(String(refused.error)).toContain(`previously executed migration ${latest} is missing`)
    await migrateTo(database, previous, schema)
    expect((await olderMigrator().migrateToLatest()).error).toBeUndefined()
  })

  it('is what `patchbay migrate --to` runs', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'patchbay-migrate-cli-'))
    const schema = target.newSchema()
    cleanups.push(async () => {
      if (schema) await target.dropSchema(schema)
      rmSync(dataDir, { recursive: true, force: true })
    })
    const { DATABASE_URL: _ignored, ...base } = process.env
    const env = {
      ...base,
      PATCHBAY_DATA_DIR: dataDir,
      PATCHBAY_LOG_LEVEL: 'warn',
      ...(target.databaseUrl ? { DATABASE_URL: `${target.databaseUrl}?options=${encodeURIComponent(`-c search_path=${schema}`)}` } : {}),
    }
    if (schema) {
      // The CLI uses the search_path's first existing schema (docs/operations.md, "Sharing a PostgreSQL database").
      const database = openDatabase({ databaseUrl: target.databaseUrl, dataDir: ':memory:', pgSchema: schema })
      await migrateTo(database, names[0] as string, schema)
      await database.close()
    }
    const patchbay = async (args: string[]) =>
      execFileAsync(process.execPath, [cli, ...args], { env }).then(
        ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
        (err: { code: number; stdout: string; stderr: string }) => ({ code: err.code, stdout: err.stdout, stderr: err.stderr }),
      )
    const up = await patchbay(['migrate'])
    expect(up.code, up.stderr).toBe(0)
    expect(JSON.parse(up.stdout).applied).toEqual(schema ? names.slice(1) : names)
    const down = await patchbay(['migrate', '--to', previous])
    expect(down.code, down.stderr).toBe(0)
    expect(JSON.parse(down.stdout)).toEqual({ database: target.name, applied: [], reverted: [latest] })
    const unknown = await patchbay(['migrate', '--to', 'nope'])
    expect(unknown.code).toBe(2)
    expect(unknown.stderr).toContain('unknown migration "nope"')
  }, 60_000)
})
