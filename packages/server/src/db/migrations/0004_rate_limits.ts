import { type Kysely, sql } from 'kysely'

export async function up(db: Kysely<unknown>): Promise<void> {
  /**
   * Rate-limit windows shared by every process on PostgreSQL (rate-limit/counter.ts): one row per
   * key, its hits in the current window and when that window ends. SQLite counts in memory (one
   * process), so the table stays empty there.
   *
   * UNLOGGED on PostgreSQL: every hit updates the row of its key, and a busy key (one partner's
   * client id, one IP) would otherwise wait for a WAL flush per hit, about ten times slower. A crash
   * empties the table, which only restarts the windows (docs/operations.md, "Rate limits").
   */
  const postgres = sql`select ${1}`.compile(db).sql.includes('$1')
  const table = db.schema.createTable('rate_limits')
  await (postgres ? table.modifyFront(sql`unlogged`) : table)
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('count', 'integer', (c) => c.notNull())
    .addColumn('reset_at', 'bigint', (c) => c.notNull())
    .execute()
  // The maintenance sweep deletes windows that are over.
  await db.schema.createIndex('rate_limits_reset_at').on('rate_limits').column('reset_at').execute()
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('rate_limits').execute()
}
