import type { Kysely } from 'kysely'

export async function up(db: Kysely<unknown>): Promise<void> {
  /**
   * Who a token is for (docs/mcp.md, "Tokens"): null for the REST API, `mcp` for the MCP endpoint
   * (RFC 8707 `resource`), so a token minted for one is refused by the other; and the toolset an MCP
   * token opens.
   */
  await db.schema.alterTable('access_tokens').addColumn('resource', 'text').execute()
  await db.schema.alterTable('access_tokens').addColumn('toolset', 'text').execute()

  // A partner's named toolsets: which actions its end users' AI agents see as MCP tools, and how.
  await db.schema
    .createTable('toolsets')
    .addColumn('partner_id', 'text', (c) => c.notNull().references('partners.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    /** JSON: the definition as docs/mcp.md describes it, checked before it is stored. */
    .addColumn('definition', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('toolsets_pk', ['partner_id', 'name'])
    .execute()
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('toolsets').execute()
  await db.schema.alterTable('access_tokens').dropColumn('toolset').execute()
  await db.schema.alterTable('access_tokens').dropColumn('resource').execute()
}
