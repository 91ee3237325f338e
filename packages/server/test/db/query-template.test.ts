import { describe, expect, it } from 'vitest'
import type { PatchbayDatabase } from '../../src/db/database.js'
import { QueryTemplate } from '../../src/db/query-template.js'
import { databaseTargets } from '../helpers/databases.js'
import { migratedDatabases } from '../helpers/migrated-databases.js'

// Query templates (src/db/query-template.ts): compiled once, values bound per use, on both databases,
// through every path a template takes (PostgreSQL's named statement, SQLite's statement, and Kysely
// while a transaction holds the SQLite connection).

describe.each(databaseTargets)('query templates ($name)', (target) => {
  const migrated = migratedDatabases(target)

  async function fresh(): Promise<PatchbayDatabase> {
    const database = await migrated()
    const now = Date.now()
    await database.db
      .insertInto('partners')
      .values(
        ['p1', 'p2'].map((id) => ({
          id,
          name: id,
          jwks_url: null,
          jwks_inline: '{"keys":[]}',
          algorithms: '["ES256"]',
          issuer: `https://${id}.example`,
          audience: 'patchbay',
          user_claim: 'sub',
          tenant_claim: null,
          client_id: id,
          client_secret_hash: 'sha256$x',
          redirect_uris: '[]',
          allowed_origins: '[]',
          webhook_url: null,
          webhook_secret: null,
          jwks_last_good: null,
          jwks_fetched_at: null,
          created_at: now,
          updated_at: now,
        })),
      )
      .execute()
    return database
  }

  const byId = (database: PatchbayDatabase) =>
    new QueryTemplate<{ id: string; name: string }, 'id'>(database, (slot) =>
      database.db.selectFrom('partners').select(['id', 'name']).where('id', '=', slot('id')),
    )

  it('binds each use its own values, with the same SQL text', async () => {
    const database = await fresh()
    const template = byId(database)
    const sqlText = template.sql
    expect(await template.arrays({ id: 'p1' })).toEqual([['p1', 'p1']])
    expect(await template.arrays({ id: 'p2' })).toEqual([['p2', 'p2']])
    expect(await template.arrays({ id: 'nobody' })).toEqual([])
    // Concurrent uses (several pooled PostgreSQL connections each preparing the statement).
    const many = await Promise.all(Array.from({ length: 20 }, (_, i) => template.arrays({ id: i % 2 ? 'p1' : 'p2' })))
    expect(many.map((rows) => rows[0]?.[0])).toEqual(Array.from({ length: 20 }, (_, i) => (i % 2 ? 'p1' : 'p2')))
    expect(template.sql).toBe(sqlText)
  })

  it('refuses a bound value that is not a slot, and a use without a value for a slot', async () => {
    const database = await fresh()
    expect(
      () =>
        new QueryTemplate(database, (slot) =>
          database.db.selectFrom('partners').select('id').where('id', '=', slot('id')).where('name', '=', 'p1'),
        ),
    ).toThrow(/not a slot/)
    await expect(byId(database).arrays({} as { id: string })).rejects.toThrow(/no value for slot "id"/)
  })

  it("does not read a transaction's uncommitted writes, and sees them once committed", async () => {
    const database = await fresh()
    const template = byId(database)
    let release: () => void = () => {}
    const held = new Promise<void>((done) => (release = done))
    let wrote: () => void = () => {}
    const written = new Promise<void>((done) => (wrote = done))
    const transaction = database.db.transaction().execute(async (trx) => {
      await trx.updateTable('partners').set({ name: 'renamed' }).where('id', '=', 'p1').execute()
      wrote()
      await held
    })
    await written
    // SQLite: the transaction holds the only connection, so the read waits for it through Kysely;
    // PostgreSQL: another connection reads the committed row.
    const during = template.arrays({ id: 'p1' })
    if (target.name === 'postgres') {
      expect(await during).toEqual([['p1', 'p1']])
    } else {
      const early = await Promise.race([during, new Promise((done) => setTimeout(() => done('waiting'), 50))])
      expect(early).toBe('waiting')
    }
    release()
    await transaction
    if (target.name === 'sqlite') expect(await during).toEqual([['p1', 'renamed']])
    expect(await template.arrays({ id: 'p1' })).toEqual([['p1', 'renamed']])
  })
})
