import type { Kysely, Transaction } from 'kysely'
import type { Database } from '../db/schema.js'
import { randomId } from '../lib/random.js'

export interface EndUser {
  id: string
  partnerId: string
  tenantId: string
  externalId: string
}

/** Finds or creates the end user (partner, tenant, user) in one statement, safe under concurrency. */
export async function upsertEndUser(
  db: Kysely<Database> | Transaction<Database>,
  partnerId: string,
  tenantId: string,
  externalId: string,
  now: number,
): Promise<EndUser> {
  const row = await db
    .insertInto('end_users')
    .values({
      id: randomId('usr_'),
      partner_id: partnerId,
      tenant_id: tenantId,
      external_id: externalId,
      created_at: now,
      last_seen_at: now,
    })
    .onConflict((oc) => oc.columns(['partner_id', 'tenant_id', 'external_id']).doUpdateSet({ last_seen_at: now }))
    .returning(['id'])
    .executeTakeFirstOrThrow()
  return { id: row.id, partnerId, tenantId, externalId }
}
