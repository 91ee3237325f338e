import type { Kysely } from 'kysely'

export async function up(db: Kysely<unknown>): Promise<void> {
  // The scopes a scope-upgrade session adds to its connection (JSON array; null for every other
  // session): docs/api.md, "Upgrading scopes".
  await db.schema.alterTable('connect_sessions').addColumn('upgrade_scopes', 'text').execute()
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('connect_sessions').dropColumn('upgrade_scopes').execute()
}
