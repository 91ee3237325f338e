import type { Kysely } from 'kysely'
import type { Database } from '../db/schema.js'
import type { ToolsetDefinition } from './toolset-definition.js'

export interface StoredToolset {
  name: string
  definition: ToolsetDefinition
  createdAt: number
  updatedAt: number
}

/** The `toolsets` table: a partner's named toolsets, stored as checked JSON. */
export class ToolsetStore {
  constructor(private readonly db: Kysely<Database>) {}

  async get(partnerId: string, name: string): Promise<StoredToolset | undefined> {
    const row = await this.db
      .selectFrom('toolsets')
      .selectAll()
      .where('partner_id', '=', partnerId)
      .where('name', '=', name)
      .executeTakeFirst()
    return row && stored(row)
  }

  async list(partnerId: string): Promise<StoredToolset[]> {
    const rows = await this.db.selectFrom('toolsets').selectAll().where('partner_id', '=', partnerId).orderBy('name').execute()
    return rows.map(stored)
  }

  /** Creates or replaces; true when it was created. */
  async save(partnerId: string, name: string, definition: ToolsetDefinition, now: number): Promise<boolean> {
    const json = JSON.stringify(definition)
    return this.db.transaction().execute(async (trx) => {
      const updated = await trx
        .updateTable('toolsets')
        .set({ definition: json, updated_at: now })
        .where('partner_id', '=', partnerId)
        .where('name', '=', name)
        .executeTakeFirst()
      if (updated.numUpdatedRows > 0n) return false
      await trx
        .insertInto('toolsets')
        .values({ partner_id: partnerId, name, definition: json, created_at: now, updated_at: now })
        .onConflict((oc) => oc.columns(['partner_id', 'name']).doUpdateSet({ definition: json, updated_at: now }))
        .execute()
      return true
    })
  }

  async delete(partnerId: string, name: string): Promise<boolean> {
    const res = await this.db.deleteFrom('toolsets').where('partner_id', '=', partnerId).where('name', '=', name).executeTakeFirst()
    return res.numDeletedRows > 0n
  }
}

function stored(row: Database['toolsets']): StoredToolset {
  return {
    name: row.name,
    definition: JSON.parse(row.definition) as ToolsetDefinition,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  }
}
