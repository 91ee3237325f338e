import type { Kysely } from 'kysely'

export async function up(db: Kysely<unknown>): Promise<void> {
  // 1 when a run's output was over runs.maxOutputBytes and its longest lists were cut (runs/output-cap.ts).
  await db.schema
    .alterTable('runs')
    .addColumn('output_truncated', 'integer', (c) => c.notNull().defaultTo(0))
    .execute()
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('runs').dropColumn('output_truncated').execute()
}
