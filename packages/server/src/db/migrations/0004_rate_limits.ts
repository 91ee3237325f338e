import type { Kysely } from 'kysely'

export async function up(db: Kysely<unknown>): Promise<void> {
  /**
   * Rate-limit windows shared by every process on PostgreSQL (rate-limit/counter.ts): one row per
   * key, its hits in the current window and when that window ends. SQLite counts in memory (one
   * process), so the table stays empty there.
   */
  await db.schema
    .createTable('rate_limits')
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
