import type { CompiledQuery, Kysely, Transaction } from 'kysely'
import { ChangeCache, type ChangeFeed } from '../db/change-feed.js'
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
  /** Who the token is for: the REST API (`api`) or the MCP endpoint (`mcp`), never both (docs/mcp.md). */
  resource: TokenResource
  /** The toolset an MCP token opens; null for API tokens. */
  toolset: string | null
  /**
   * Names the token in the audit log without revealing it: `tok_` and the first 16 characters of its SHA-256 in base64url
   * (docs/operations.md, "Audit log"; a partner holding the token can compute the same).
   */
  tokenRef: string
}

/** The resource servers a token can be minted for (RFC 8707): each refuses the other's tokens. */
export type TokenResource = 'api' | 'mcp'

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
  resource: string | null
  toolset: string | null
}

/** A new access token and the hash it is stored under. */
export function newAccessToken(): { token: string; hash: string } {
  const token = randomToken(tokenPrefix.accessToken)
  return { token, hash: hashSecret(token) }
}

export class AccessTokens {
  /**
   * The lookup every /v1 request makes, compiled once: the hot path skips Kysely's query builder
   * and compiler and only binds the token hash.
   */
  private readonly lookup: CompiledQuery<TokenRow>
  private readonly db: Kysely<Database>
  private readonly changes: ChangeFeed
  /**
   * Principals by token hash, so a /v1 request costs no database read once its token was seen.
   * Revoking a token (or deleting its partner) in any process drops it (see db/change-feed.ts);
   * expiry is checked on every use.
   */
  private readonly principals: ChangeCache<Principal>

  constructor(database: { db: Kysely<Database>; changes: ChangeFeed }) {
    const db = database.db
    this.db = db
    this.changes = database.changes
    this.principals = new ChangeCache(
      database.changes,
      (change) => (change.topic === 'access_token' ? change.key : change.topic === 'partner' ? 'all' : undefined),
      { ttlMs: 60_000, max: 50_000 },
    )
    this.lookup = db
      .selectFrom('access_tokens as t')
      .innerJoin('end_users as u', 'u.id', 't.end_user_id')
      .select([
        't.partner_id',
        't.end_user_id',
        't.scope',
        't.expires_at',
        't.revoked_at',
        't.resource',
        't.toolset',
        'u.tenant_id',
        'u.external_id',
      ])
      .where('t.token_hash', '=', '')
      .compile()
  }

  async issue(
    trx: Transaction<Database> | Kysely<Database>,
    grant: {
      partnerId: string
      endUserId: string
      scopes: Scope[]
      ttlSeconds: number
      now: number
      resource?: TokenResource
      toolset?: string | null
    },
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
        resource: grant.resource === 'mcp' ? 'mcp' : null,
        toolset: grant.toolset ?? null,
      })
      .execute()
    return { token, expiresAt }
  }

  /**
   * The principal behind a bearer token, or undefined if it is unknown, expired, revoked or minted for
   * another resource (an MCP token at the REST API, a REST token at /mcp: RFC 8707 audiences).
   */
  async authenticate(token: string, now: number = Date.now(), resource: TokenResource = 'api'): Promise<Principal | undefined> {
    if (!token.startsWith(tokenPrefix.accessToken) || token.length > 128) return undefined
    const hash = hashSecret(token)
    const principal = await this.principals.get(hash, () => this.read(hash, now), now)
    return principal && principal.expiresAt > now && principal.resource === resource ? principal : undefined
  }

  /**
   * What authenticate() would answer for the REST API, when memory alone can tell (a cached, unexpired principal);
   * undefined means "ask authenticate()". Saves the hot path its promises.
   */
  cached(token: string, now: number = Date.now()): Principal | undefined {
    if (!token.startsWith(tokenPrefix.accessToken) || token.length > 128) return undefined
    const principal = this.principals.peek(hashSecret(token), now)
    return principal && principal.expiresAt > now && principal.resource === 'api' ? principal : undefined
  }

  private async read(hash: string, now: number): Promise<Principal | undefined> {
    const { rows } = await this.db.executeQuery<TokenRow>({ ...this.lookup, parameters: [hash] })
    const row = rows[0]
    if (!row || row.revoked_at !== null || Number(row.expires_at) <= now) return undefined
    return {
      partnerId: row.partner_id,
      endUserId: row.end_user_id,
      tenantId: row.tenant_id,
      userId: row.external_id,
      scopes: row.scope.split(' ') as Scope[],
      expiresAt: Number(row.expires_at),
      resource: row.resource === 'mcp' ? 'mcp' : 'api',
      toolset: row.toolset,
      tokenRef: `tok_${hash.slice('sha256$'.length, 'sha256$'.length + 16)}`,
    }
  }

  /** Revokes a token (only one of `partnerId`'s when given); true when a live token was revoked. */
  async revoke(token: string, now: number = Date.now(), partnerId?: string): Promise<boolean> {
    const hash = hashSecret(token)
    const res = await this.db
      .updateTable('access_tokens')
      .set({ revoked_at: now })
      .where('token_hash', '=', hash)
      .where('revoked_at', 'is', null)
      .$if(partnerId !== undefined, (q) => q.where('partner_id', '=', partnerId as string))
      .executeTakeFirst()
    const revoked = res.numUpdatedRows > 0n
    if (revoked) await this.changes.publish(this.db, { topic: 'access_token', key: hash })
    return revoked
  }
}
