import type { CompiledQuery, Kysely, Transaction } from 'kysely'
import type { Database } from '../db/schema.js'
import { hashSecret, randomToken } from '../lib/random.js'
import type { Scope } from './scopes.js'
import { tokenPrefix } from './token-prefixes.js'

/** Who a request acts for: one end user of one partner. */
export interface Principal {
  partnerId: string
  endUserId: string
  tenantId: string
  userId: string
  scopes: Scope[]
  expiresAt: number
}

/**
 * Access tokens are opaque random strings stored as SHA-256 hashes: a lookup is one indexed read,
 * and a token can be revoked at once by deleting or marking its row (a signed token could not).
 */
interface TokenRow {
  partner_id: string
  end_user_id: string
  scope: string
  expires_at: number | string
  revoked_at: number | string | null
  tenant_id: string
  external_id: string
}

export class AccessTokens {
  /**
   * The lookup every /v1 request makes, compiled once: the hot path skips Kysely's query builder
   * and compiler and only binds the token hash.
   */
  private readonly lookup: CompiledQuery<TokenRow>

  constructor(private readonly db: Kysely<Database>) {
    this.lookup = db
      .selectFrom('access_tokens as t')
      .innerJoin('end_users as u', 'u.id', 't.end_user_id')
      .select(['t.partner_id', 't.end_user_id', 't.scope', 't.expires_at', 't.revoked_at', 'u.tenant_id', 'u.external_id'])
      .where('t.token_hash', '=', '')
      .compile()
  }

  async issue(
    trx: Transaction<Database> | Kysely<Database>,
    grant: { partnerId: string; endUserId: string; scopes: Scope[]; ttlSeconds: number; now: number },
  ): Promise<{ token: string; expiresAt: number }> {
    const token = randomToken(tokenPrefix.accessToken)
    const expiresAt = grant.now + grant.ttlSeconds * 1000
    await trx
      .insertInto('access_tokens')
      .values({
        token_hash: hashSecret(token),
        partner_id: grant.partnerId,
        end_user_id: grant.endUserId,
        scope: grant.scopes.join(' '),
        expires_at: expiresAt,
        created_at: grant.now,
        revoked_at: null,
      })
      .execute()
    return { token, expiresAt }
  }

  /** The principal behind a bearer token, or undefined if it is unknown, expired or revoked. */
  async authenticate(token: string, now: number = Date.now()): Promise<Principal | undefined> {
    if (!token.startsWith(tokenPrefix.accessToken) || token.length > 128) return undefined
    const { rows } = await this.db.executeQuery<TokenRow>({ ...this.lookup, parameters: [hashSecret(token)] })
    const row = rows[0]
    if (!row || row.revoked_at !== null || Number(row.expires_at) <= now) return undefined
    return {
      partnerId: row.partner_id,
      endUserId: row.end_user_id,
      tenantId: row.tenant_id,
      userId: row.external_id,
      scopes: row.scope.split(' ') as Scope[],
      expiresAt: Number(row.expires_at),
    }
  }

  async revoke(token: string, now: number = Date.now()): Promise<boolean> {
    const res = await this.db
      .updateTable('access_tokens')
      .set({ revoked_at: now })
      .where('token_hash', '=', hashSecret(token))
      .where('revoked_at', 'is', null)
      .executeTakeFirst()
    return res.numUpdatedRows > 0n
  }
}
