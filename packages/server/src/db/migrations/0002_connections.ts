import type { Kysely } from 'kysely'

export async function up(db: Kysely<unknown>): Promise<void> {
  // A partner's own OAuth client (or other app-level settings) for one catalog app.
  await db.schema
    .createTable('partner_apps')
    .addColumn('partner_id', 'text', (c) => c.notNull().references('partners.id').onDelete('cascade'))
    .addColumn('app_key', 'text', (c) => c.notNull())
    .addColumn('client_id', 'text')
    /** Vault ciphertext, associated data `partner_app:<partner>:<app>:client_secret`. */
    .addColumn('client_secret', 'text')
    /** JSON string array overriding the app's default scopes, or null. */
    .addColumn('scopes', 'text')
    /** JSON object of non-secret settings (e.g. the issuer of a generic OIDC app). */
    .addColumn('settings', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('partner_apps_pk', ['partner_id', 'app_key'])
    .execute()

  await db.schema
    .createTable('connections')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('partner_id', 'text', (c) => c.notNull().references('partners.id').onDelete('cascade'))
    .addColumn('end_user_id', 'text', (c) => c.notNull().references('end_users.id').onDelete('cascade'))
    .addColumn('app_key', 'text', (c) => c.notNull())
    .addColumn('auth_option', 'text', (c) => c.notNull())
    .addColumn('auth_type', 'text', (c) => c.notNull())
    .addColumn('name', 'text')
    /** active | needs_reauth | error */
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('status_reason', 'text')
    .addColumn('account_identifier', 'text')
    /** JSON string array of granted scopes. */
    .addColumn('scopes', 'text', (c) => c.notNull())
    /** JSON object: the connection parameters (non-secret, validated by pattern). */
    .addColumn('params', 'text', (c) => c.notNull())
    /** JSON object: non-secret values from the provider (instance URL, workspace id). */
    .addColumn('metadata', 'text', (c) => c.notNull())
    /** Vault ciphertext of a JSON object of every secret; associated data `connection:<partner>:<id>:credentials`. */
    .addColumn('credentials', 'text', (c) => c.notNull())
    /** When the access token expires (epoch ms), null when it does not. */
    .addColumn('expires_at', 'bigint')
    /** Incremented by every credential write; refresh uses it to detect a sibling's refresh. */
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('refreshed_at', 'bigint')
    .execute()
  await db.schema.createIndex('connections_owner').on('connections').columns(['partner_id', 'end_user_id', 'app_key']).execute()
  await db.schema.createIndex('connections_expiry').on('connections').columns(['status', 'expires_at']).execute()

  // A provider authorization in flight (OAuth2 or OAuth1): created when the browser leaves for the
  // provider, consumed once by the callback.
  await db.schema
    .createTable('oauth_flows')
    .addColumn('state_hash', 'text', (c) => c.primaryKey())
    .addColumn('session_id', 'text', (c) => c.notNull().references('connect_sessions.id').onDelete('cascade'))
    .addColumn('app_key', 'text', (c) => c.notNull())
    .addColumn('auth_option', 'text', (c) => c.notNull())
    /** SHA-256 of the random value in the HttpOnly cookie that binds the flow to the browser. */
    .addColumn('browser_hash', 'text', (c) => c.notNull())
    /** Vault ciphertext of a JSON object: PKCE verifier, OAuth1 request token secret. */
    .addColumn('secrets', 'text', (c) => c.notNull())
    /** JSON object: connection parameters, name, reconnect target, return mode. */
    .addColumn('context', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('used_at', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute()
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['oauth_flows', 'connections', 'partner_apps']) await db.schema.dropTable(table).execute()
}
