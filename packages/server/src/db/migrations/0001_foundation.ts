import type { Kysely } from 'kysely'

// Only types both SQLite and PostgreSQL accept with the same meaning: text, integer, bigint.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('partners')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('jwks_url', 'text')
    .addColumn('jwks_inline', 'text')
    .addColumn('algorithms', 'text', (c) => c.notNull())
    .addColumn('issuer', 'text', (c) => c.notNull())
    .addColumn('audience', 'text', (c) => c.notNull())
    .addColumn('user_claim', 'text', (c) => c.notNull())
    .addColumn('tenant_claim', 'text')
    .addColumn('client_id', 'text', (c) => c.notNull().unique())
    .addColumn('client_secret_hash', 'text', (c) => c.notNull())
    .addColumn('redirect_uris', 'text', (c) => c.notNull())
    .addColumn('allowed_origins', 'text', (c) => c.notNull())
    .addColumn('webhook_url', 'text')
    /** JSON: display name, logo URL, brand colour and named themes for the Connect UI. */
    .addColumn('branding', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('jwks_last_good', 'text')
    .addColumn('jwks_fetched_at', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute()

  await db.schema
    .createTable('end_users')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('partner_id', 'text', (c) => c.notNull().references('partners.id').onDelete('cascade'))
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('external_id', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('last_seen_at', 'bigint', (c) => c.notNull())
    .addUniqueConstraint('end_users_identity', ['partner_id', 'tenant_id', 'external_id'])
    .execute()

  await db.schema
    .createTable('access_tokens')
    .addColumn('token_hash', 'text', (c) => c.primaryKey())
    .addColumn('partner_id', 'text', (c) => c.notNull().references('partners.id').onDelete('cascade'))
    .addColumn('end_user_id', 'text', (c) => c.notNull().references('end_users.id').onDelete('cascade'))
    .addColumn('scope', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('revoked_at', 'bigint')
    .execute()
  await db.schema.createIndex('access_tokens_expires').on('access_tokens').column('expires_at').execute()

  await db.schema
    .createTable('connect_sessions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('code_hash', 'text', (c) => c.notNull().unique())
    .addColumn('partner_id', 'text', (c) => c.notNull().references('partners.id').onDelete('cascade'))
    .addColumn('end_user_id', 'text', (c) => c.notNull().references('end_users.id').onDelete('cascade'))
    .addColumn('apps', 'text', (c) => c.notNull())
    .addColumn('allowed_origin', 'text')
    .addColumn('redirect_uri', 'text')
    .addColumn('reconnect_id', 'text')
    .addColumn('custom_state', 'text')
    .addColumn('allow_multiple', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('nonce', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    /** Set when the code is redeemed by a browser: the code opens the Connect UI once. */
    .addColumn('used_at', 'bigint')
    /** SHA-256 of the random value in the HttpOnly cookie of the browser that redeemed the code. */
    .addColumn('browser_hash', 'text')
    /** JSON: how the browser opened the UI (popup or redirect, theme, result format, name, params). */
    .addColumn('context', 'text')
    /** JSON: the result (connection id, operation, or error), kept for the widget's fallback. */
    .addColumn('outcome', 'text')
    .addColumn('outcome_read_at', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute()
  await db.schema.createIndex('connect_sessions_expires').on('connect_sessions').column('expires_at').execute()

  await db.schema
    .createTable('used_jtis')
    .addColumn('partner_id', 'text', (c) => c.notNull())
    .addColumn('jti', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('used_jtis_pk', ['partner_id', 'jti'])
    .execute()
  await db.schema.createIndex('used_jtis_expires').on('used_jtis').column('expires_at').execute()
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['used_jtis', 'connect_sessions', 'access_tokens', 'end_users', 'partners']) {
    await db.schema.dropTable(table).execute()
  }
}
