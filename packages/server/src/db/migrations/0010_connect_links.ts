import type { Kysely } from 'kysely'

export async function up(db: Kysely<unknown>): Promise<void> {
  /**
   * Connect links (docs/connect-links.md): a hosted URL the partner sends by email or chat. Only a
   * hash of the link's token is stored; the first visit opens a connect session (`session_id`) and
   * binds it to that browser, so the link works once.
   */
  await db.schema
    .createTable('connect_links')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('partner_id', 'text', (c) => c.notNull().references('partners.id').onDelete('cascade'))
    .addColumn('end_user_id', 'text', (c) => c.notNull())
    /** JSON array of app keys; empty: every app. */
    .addColumn('apps', 'text', (c) => c.notNull())
    .addColumn('redirect_uri', 'text')
    .addColumn('custom_state', 'text')
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('revoked_at', 'bigint')
    .addColumn('opened_at', 'bigint')
    .addColumn('session_id', 'text')
    .execute()
  await db.schema.createIndex('connect_links_user').on('connect_links').columns(['partner_id', 'end_user_id', 'created_at', 'id']).execute()
  // The link a session came from, so its webhook events can name it (docs/connect-links.md).
  await db.schema.alterTable('connect_sessions').addColumn('link_id', 'text').execute()
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('connect_sessions').dropColumn('link_id').execute()
  await db.schema.dropTable('connect_links').execute()
}
