import type { Kysely } from 'kysely'

export async function up(db: Kysely<unknown>): Promise<void> {
  /**
   * The audit log of each connection (docs/operations.md, "Audit log"): who did what, and when. Rows
   * outlive their connection (a deletion is itself an entry) until the retention sweep removes them.
   */
  await db.schema
    .createTable('audit_events')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('partner_id', 'text', (c) => c.notNull().references('partners.id').onDelete('cascade'))
    .addColumn('connection_id', 'text', (c) => c.notNull())
    .addColumn('end_user_id', 'text', (c) => c.notNull())
    .addColumn('app_key', 'text', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull())
    /** partner | operator | end_user | system */
    .addColumn('actor_type', 'text', (c) => c.notNull())
    /** The partner's client id, the operator key's id, the end user's token reference or connect session, the system job. */
    .addColumn('actor_id', 'text', (c) => c.notNull())
    /** How an end user acted: `token` (REST), `mcp`, `connect_session`; null for the others. */
    .addColumn('actor_via', 'text')
    /** JSON: what the entry adds (a reason, a run id, the status it left the connection in). */
    .addColumn('detail', 'text')
    .addColumn('at', 'bigint', (c) => c.notNull())
    .execute()
  await db.schema.createIndex('audit_events_connection').on('audit_events').columns(['partner_id', 'connection_id', 'at', 'id']).execute()
  await db.schema.createIndex('audit_events_at').on('audit_events').column('at').execute()

  // The operator console's sign-ins (docs/console.md): only a hash of the session cookie is stored.
  await db.schema
    .createTable('console_sessions')
    .addColumn('id_hash', 'text', (c) => c.primaryKey())
    .addColumn('partner_id', 'text', (c) => c.notNull().references('partners.id').onDelete('cascade'))
    /** `partner:<client id>` or `operator:<key id>`: the audit log's actor for what is done here. */
    .addColumn('actor', 'text', (c) => c.notNull())
    /** Sent back in every form (synchronizer token), so another site cannot post in the operator's name. */
    .addColumn('csrf_token', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .execute()
  await db.schema.createIndex('console_sessions_expires').on('console_sessions').column('expires_at').execute()

  // Operator keys: a partner's staff sign in to the console without the partner's client secret.
  await db.schema
    .createTable('operator_keys')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('partner_id', 'text', (c) => c.notNull().references('partners.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('key_hash', 'text', (c) => c.notNull().unique())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('revoked_at', 'bigint')
    .execute()

  // Connections by status, sampled hourly by the maintenance sweep: the console's chart over time.
  await db.schema
    .createTable('connection_status_samples')
    .addColumn('partner_id', 'text', (c) => c.notNull().references('partners.id').onDelete('cascade'))
    /** The hour (ms, a multiple of 3,600,000) the sample stands for. */
    .addColumn('hour', 'bigint', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('count', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('connection_status_samples_pk', ['partner_id', 'hour', 'status'])
    .execute()

  // Partner-wide listings (the console, GET /v1/partner/connections) page by created_at without a sort.
  await db.schema.createIndex('connections_partner').on('connections').columns(['partner_id', 'created_at', 'id']).execute()
  await db.schema
    .createIndex('connections_partner_status')
    .on('connections')
    .columns(['partner_id', 'status', 'created_at', 'id'])
    .execute()
  await db.schema.createIndex('runs_partner').on('runs').columns(['partner_id', 'created_at', 'id']).execute()
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('runs_partner').execute()
  await db.schema.dropIndex('connections_partner_status').execute()
  await db.schema.dropIndex('connections_partner').execute()
  await db.schema.dropTable('connection_status_samples').execute()
  await db.schema.dropTable('operator_keys').execute()
  await db.schema.dropTable('console_sessions').execute()
  await db.schema.dropTable('audit_events').execute()
}
