import type { JSONWebKeySet } from 'jose'
import type { Kysely, Selectable } from 'kysely'
import { ChangeCache, type ChangeFeed } from '../db/change-feed.js'
import type { Database, PartnersTable } from '../db/schema.js'
import { PatchbayError } from '../errors.js'
import { hashSecret, randomToken } from '../lib/random.js'
import { tokenPrefix } from '../access-tokens/token-prefixes.js'
import type { Branding, JwtAlgorithm, PartnerInput } from './partner-input.js'

export interface Partner {
  id: string
  name: string
  jwksUrl: string | null
  jwks: JSONWebKeySet | null
  algorithms: JwtAlgorithm[]
  issuer: string
  audience: string
  userClaim: string
  tenantClaim: string | null
  clientId: string
  clientSecretHash: string
  redirectUris: string[]
  allowedOrigins: string[]
  webhookUrl: string | null
  branding: Branding
  createdAt: number
  updatedAt: number
}

export interface SavedPartner {
  partner: Partner
  /** Present only when this call generated a new client secret: shown once, never stored. */
  clientSecret?: string
  created: boolean
}

export function newClientSecret(): string {
  return randomToken(tokenPrefix.clientSecret)
}

function toPartner(row: Selectable<PartnersTable>): Partner {
  return {
    id: row.id,
    name: row.name,
    jwksUrl: row.jwks_url,
    jwks: row.jwks_inline ? (JSON.parse(row.jwks_inline) as JSONWebKeySet) : null,
    algorithms: JSON.parse(row.algorithms) as JwtAlgorithm[],
    issuer: row.issuer,
    audience: row.audience,
    userClaim: row.user_claim,
    tenantClaim: row.tenant_claim,
    clientId: row.client_id,
    clientSecretHash: row.client_secret_hash,
    redirectUris: JSON.parse(row.redirect_uris) as string[],
    allowedOrigins: JSON.parse(row.allowed_origins) as string[],
    webhookUrl: row.webhook_url,
    branding: JSON.parse(row.branding) as Branding,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  }
}

export class PartnerStore {
  private readonly db: Kysely<Database>
  private readonly changes: ChangeFeed
  /**
   * Every token request looks its client up: partners are read from memory, and any write to a
   * partner, from this process or another, drops the cache (see db/change-feed.ts).
   */
  private readonly byClientId: ChangeCache<Partner>

  constructor(database: { db: Kysely<Database>; changes: ChangeFeed }) {
    this.db = database.db
    this.changes = database.changes
    this.byClientId = new ChangeCache(database.changes, (change) => (change.topic === 'partner' ? 'all' : undefined), {
      ttlMs: 60_000,
      max: 10_000,
    })
  }

  async get(id: string): Promise<Partner | undefined> {
    const row = await this.db.selectFrom('partners').selectAll().where('id', '=', id).executeTakeFirst()
    return row ? toPartner(row) : undefined
  }

  /** The partner a token request authenticates as (from memory when the cache can be trusted). */
  async getByClientId(clientId: string): Promise<Partner | undefined> {
    return this.byClientId.get(clientId, () => this.readByClientId(clientId))
  }

  private async readByClientId(clientId: string): Promise<Partner | undefined> {
    const row = await this.db.selectFrom('partners').selectAll().where('client_id', '=', clientId).executeTakeFirst()
    return row ? toPartner(row) : undefined
  }

  private async changed(id: string): Promise<void> {
    await this.changes.publish(this.db, { topic: 'partner', key: id })
  }

  async list(): Promise<Partner[]> {
    const rows = await this.db.selectFrom('partners').selectAll().orderBy('id').execute()
    return rows.map(toPartner)
  }

  /**
   * Creates or updates a partner from its declaration. A new partner without a secret hash gets a
   * generated client secret, returned once; an existing partner keeps its secret unless one is given.
   */
  async save(input: PartnerInput): Promise<SavedPartner> {
    if (!input.jwksUrl && !input.jwks) {
      throw new PatchbayError('PB_ERR_VALIDATION', `partner ${input.id}: one of jwksUrl or jwks is required`)
    }
    if (input.jwksUrl && input.jwks) {
      throw new PatchbayError('PB_ERR_VALIDATION', `partner ${input.id}: give jwksUrl or jwks, not both`)
    }
    const now = Date.now()
    const existing = await this.get(input.id)
    const clientId = input.clientId ?? input.id
    const other = await this.readByClientId(clientId)
    if (other && other.id !== input.id) {
      throw new PatchbayError('PB_ERR_CONFLICT', `partner ${input.id}: clientId ${clientId} belongs to partner ${other.id}`)
    }
    let clientSecret: string | undefined
    let secretHash = input.clientSecretHash ?? existing?.clientSecretHash
    if (!secretHash) {
      clientSecret = newClientSecret()
      secretHash = hashSecret(clientSecret)
    }
    const values = {
      name: input.name,
      jwks_url: input.jwksUrl ?? null,
      jwks_inline: input.jwks ? JSON.stringify(input.jwks) : null,
      algorithms: JSON.stringify(input.algorithms),
      issuer: input.issuer,
      audience: input.audience,
      user_claim: input.userClaim,
      tenant_claim: input.tenantClaim ?? null,
      client_id: clientId,
      client_secret_hash: secretHash,
      redirect_uris: JSON.stringify(input.redirectUris),
      allowed_origins: JSON.stringify(input.allowedOrigins),
      webhook_url: input.webhookUrl ?? null,
      branding: JSON.stringify(input.branding ?? {}),
      updated_at: now,
    }
    if (existing) {
      // A changed JWKS source invalidates the remembered last good key set.
      const sourceChanged = existing.jwksUrl !== values.jwks_url
      await this.db
        .updateTable('partners')
        .set(sourceChanged ? { ...values, jwks_last_good: null, jwks_fetched_at: null } : values)
        .where('id', '=', input.id)
        .execute()
    } else {
      await this.db
        .insertInto('partners')
        .values({ id: input.id, ...values, jwks_last_good: null, jwks_fetched_at: null, created_at: now })
        .execute()
    }
    await this.changed(input.id)
    const partner = (await this.get(input.id)) as Partner
    return { partner, created: !existing, ...(clientSecret ? { clientSecret } : {}) }
  }

  /** Replaces the client secret; the old one stops working at once. */
  async rotateSecret(id: string): Promise<string> {
    const clientSecret = newClientSecret()
    const result = await this.db
      .updateTable('partners')
      .set({ client_secret_hash: hashSecret(clientSecret), updated_at: Date.now() })
      .where('id', '=', id)
      .executeTakeFirst()
    if (result.numUpdatedRows === 0n) throw new PatchbayError('PB_ERR_NOT_FOUND', `partner ${id} not found`)
    await this.changed(id)
    return clientSecret
  }

  async delete(id: string): Promise<boolean> {
    const result = await this.db.deleteFrom('partners').where('id', '=', id).executeTakeFirst()
    // The partner's end users and tokens went with it (foreign keys cascade): caches of either drop.
    await this.changed(id)
    return result.numDeletedRows > 0n
  }

  async readLastGoodJwks(id: string): Promise<{ jwks: JSONWebKeySet; fetchedAt: number } | undefined> {
    const row = await this.db.selectFrom('partners').select(['jwks_last_good', 'jwks_fetched_at']).where('id', '=', id).executeTakeFirst()
    if (!row?.jwks_last_good || row.jwks_fetched_at == null) return undefined
    return { jwks: JSON.parse(row.jwks_last_good) as JSONWebKeySet, fetchedAt: Number(row.jwks_fetched_at) }
  }

  async writeLastGoodJwks(id: string, jwks: JSONWebKeySet, fetchedAt: number): Promise<void> {
    await this.db
      .updateTable('partners')
      .set({ jwks_last_good: JSON.stringify(jwks), jwks_fetched_at: fetchedAt })
      .where('id', '=', id)
      .execute()
  }
}
