import { type Kysely, sql } from 'kysely'

export async function up(db: Kysely<unknown>): Promise<void> {
  const postgres = sql`select ${1}`.compile(db).sql.includes('$1')
  /**
   * Action runs: a product object (API, history, webhooks read it), the same table on both
   * databases. Execution state lives here too: the embedded runner claims rows by lease; on
   * PostgreSQL graphile-worker schedules the work and the lease tells an interrupted attempt
   * (docs/actions.md, "Durability").
   */
  await db.schema
    .createTable('runs')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('partner_id', 'text', (c) => c.notNull().references('partners.id').onDelete('cascade'))
    .addColumn('end_user_id', 'text', (c) => c.notNull())
    // No foreign key: a run's history outlives the connection it used.
    .addColumn('connection_id', 'text', (c) => c.notNull())
    .addColumn('app_key', 'text', (c) => c.notNull())
    .addColumn('action_key', 'text', (c) => c.notNull())
    .addColumn('action_version', 'text', (c) => c.notNull())
    /** queued | running | waiting | succeeded | failed | canceled | timed_out | requires_action */
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('attempt', 'integer', (c) => c.notNull().defaultTo(0))
    /** JSON */
    .addColumn('inputs', 'text', (c) => c.notNull())
    .addColumn('output', 'text')
    .addColumn('error', 'text')
    .addColumn('metadata', 'text')
    .addColumn('idempotency_key', 'text')
    /** SHA-256 of the request that created the run: the same key with another body is a conflict. */
    .addColumn('request_hash', 'text', (c) => c.notNull())
    .addColumn('timeout_ms', 'integer', (c) => c.notNull())
    .addColumn('dry_run', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('webhook', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('retry_at', 'bigint')
    /** Who executes the attempt under way (a process of the embedded runner, a graphile-worker worker id). */
    .addColumn('lease_owner', 'text')
    .addColumn('lease_expires_at', 'bigint')
    .addColumn('cancel_requested_at', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('started_at', 'bigint')
    .addColumn('finished_at', 'bigint')
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute()
  await db.schema.createIndex('runs_idempotency').on('runs').columns(['partner_id', 'end_user_id', 'idempotency_key']).unique().execute()
  await db.schema.createIndex('runs_listing').on('runs').columns(['partner_id', 'end_user_id', 'created_at', 'id']).execute()
  if (postgres) {
    // Every attempt updates its row twice (claim, end). Room left on each page lets those updates stay
    // on the page (HOT: no new index entries), and the status is in no index here: graphile-worker
    // schedules the runs on PostgreSQL, so nothing looks them up by status and time.
    await sql`alter table runs set (fillfactor = 70)`.execute(db)
  } else {
    // The embedded runner finds due runs by status and time (runs/run-store.ts, due()).
    await db.schema.createIndex('runs_due').on('runs').columns(['status', 'retry_at']).execute()
  }

  // What an attempt did: its HTTP exchanges (redacted) and the action's own log lines.
  await db.schema
    .createTable('run_logs')
    .addColumn('run_id', 'text', (c) => c.notNull().references('runs.id').onDelete('cascade'))
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('attempt', 'integer', (c) => c.notNull())
    /** http | log */
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('level', 'text', (c) => c.notNull())
    .addColumn('message', 'text', (c) => c.notNull())
    /** JSON */
    .addColumn('data', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('run_logs_pk', ['run_id', 'seq'])
    .execute()
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('run_logs').execute()
  await db.schema.dropTable('runs').execute()
}
