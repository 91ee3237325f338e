import type { Kysely } from 'kysely'

export async function up(db: Kysely<unknown>): Promise<void> {
  /** Vault ciphertext of the partner's Standard Webhooks secret (`whsec_…`). */
  await db.schema.alterTable('partners').addColumn('webhook_secret', 'text').execute()
  /**
   * Set (and committed) just before a refresh request leaves for the provider, cleared with the
   * new tokens. Still set after a crash: the next refresh knows the provider may have rotated the
   * refresh token already, and a refusal then marks the connection needs_reauth, clearly.
   */
  await db.schema.alterTable('connections').addColumn('refresh_started_at', 'bigint').execute()
  await db.schema
    .alterTable('connections')
    .addColumn('refresh_failures', 'integer', (c) => c.notNull().defaultTo(0))
    .execute()

  // Listing a user's connections page by page (created_at, id).
  await db.schema.createIndex('connections_listing').on('connections').columns(['partner_id', 'end_user_id', 'created_at', 'id']).execute()

  // Outbox: an event row is written in the same transaction as the change it announces.
  await db.schema
    .createTable('webhook_events')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('partner_id', 'text', (c) => c.notNull().references('partners.id').onDelete('cascade'))
    .addColumn('type', 'text', (c) => c.notNull())
    /** JSON: the event body as sent ({ type, timestamp, data }). */
    .addColumn('payload', 'text', (c) => c.notNull())
    /** pending | delivering | succeeded | failed (gave up after the last retry) | skipped (no webhook URL) */
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_attempt_at', 'bigint', (c) => c.notNull())
    /** Lease: a dispatcher owns the event until then (any process may dispatch). */
    .addColumn('locked_until', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute()
  await db.schema.createIndex('webhook_events_due').on('webhook_events').columns(['status', 'next_attempt_at']).execute()
  await db.schema.createIndex('webhook_events_partner').on('webhook_events').columns(['partner_id', 'created_at']).execute()

  // One row per delivery attempt.
  await db.schema
    .createTable('webhook_attempts')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('event_id', 'text', (c) => c.notNull().references('webhook_events.id').onDelete('cascade'))
    .addColumn('attempt', 'integer', (c) => c.notNull())
    .addColumn('url', 'text', (c) => c.notNull())
    .addColumn('status_code', 'integer')
    .addColumn('error', 'text')
    .addColumn('duration_ms', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute()
  await db.schema.createIndex('webhook_attempts_event').on('webhook_attempts').column('event_id').execute()
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('connections_listing').execute()
  await db.schema.dropTable('webhook_attempts').execute()
  await db.schema.dropTable('webhook_events').execute()
  await db.schema.alterTable('connections').dropColumn('refresh_failures').execute()
  await db.schema.alterTable('connections').dropColumn('refresh_started_at').execute()
  await db.schema.alterTable('partners').dropColumn('webhook_secret').execute()
}
