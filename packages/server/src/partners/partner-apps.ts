import type { Kysely } from 'kysely'
import type { Database } from '../db/schema.js'
import { partnerAppSecretAad } from '../vault/associated-data.js'
import type { Vault } from '../vault/vault.js'

/** A partner's own OAuth client for one app (its client secret decrypted only when needed). */
export interface PartnerApp {
  partnerId: string
  appKey: string
  clientId: string | null
  clientSecret: string | null
  scopes: string[] | null
  settings: Record<string, string>
}

export interface PartnerAppUpdate {
  clientId?: string | undefined
  clientSecret?: string | undefined
  scopes?: string[] | undefined
  settings?: Record<string, string | undefined> | undefined
}

/** Per-partner app settings; client secrets are stored encrypted, bound to (partner, app). */
export class PartnerApps {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly vault: Vault,
  ) {}

  async get(partnerId: string, appKey: string): Promise<PartnerApp | undefined> {
    const row = await this.db
      .selectFrom('partner_apps')
      .selectAll()
      .where('partner_id', '=', partnerId)
      .where('app_key', '=', appKey)
      .executeTakeFirst()
    if (!row) return undefined
    return {
      partnerId,
      appKey,
      clientId: row.client_id,
      clientSecret: row.client_secret ? this.vault.decrypt(row.client_secret, partnerAppSecretAad(partnerId, appKey)) : null,
      scopes: row.scopes ? (JSON.parse(row.scopes) as string[]) : null,
      settings: JSON.parse(row.settings) as PartnerApp['settings'],
    }
  }

  /** App keys this partner has configured (an OAuth app is offered only when it has a client). */
  async configuredKeys(partnerId: string): Promise<Set<string>> {
    const rows = await this.db.selectFrom('partner_apps').select('app_key').where('partner_id', '=', partnerId).execute()
    return new Set(rows.map((r) => r.app_key))
  }

  /** Creates or updates; fields left undefined keep their stored value. */
  async set(partnerId: string, appKey: string, update: PartnerAppUpdate): Promise<void> {
    const now = Date.now()
    const existing = await this.db
      .selectFrom('partner_apps')
      .selectAll()
      .where('partner_id', '=', partnerId)
      .where('app_key', '=', appKey)
      .executeTakeFirst()
    const secret =
      update.clientSecret !== undefined
        ? this.vault.encrypt(update.clientSecret, partnerAppSecretAad(partnerId, appKey))
        : (existing?.client_secret ?? null)
    const settings = { ...(existing ? (JSON.parse(existing.settings) as object) : {}), ...stripUndefined(update.settings ?? {}) }
    const values = {
      client_id: update.clientId ?? existing?.client_id ?? null,
      client_secret: secret,
      scopes: update.scopes ? JSON.stringify(update.scopes) : (existing?.scopes ?? null),
      settings: JSON.stringify(settings),
      updated_at: now,
    }
    if (existing) {
      await this.db.updateTable('partner_apps').set(values).where('partner_id', '=', partnerId).where('app_key', '=', appKey).execute()
    } else {
      await this.db
        .insertInto('partner_apps')
        .values({ partner_id: partnerId, app_key: appKey, ...values, created_at: now })
        .execute()
    }
  }

  async delete(partnerId: string, appKey: string): Promise<boolean> {
    const res = await this.db
      .deleteFrom('partner_apps')
      .where('partner_id', '=', partnerId)
      .where('app_key', '=', appKey)
      .executeTakeFirst()
    return res.numDeletedRows > 0n
  }
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>
}
