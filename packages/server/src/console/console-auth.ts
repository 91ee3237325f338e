import type { Kysely } from 'kysely'
import type { AuditActor } from '../audit/audit-log.js'
import type { Database } from '../db/schema.js'
import { hashSecret, randomId, randomToken, secretMatches } from '../lib/random.js'
import type { PartnerStore } from '../partners/partner-store.js'

/** Operator keys: `pbop_` and 256 random bits, shown once (docs/console.md, "Signing in"). */
export const OPERATOR_KEY_PREFIX = 'pbop_'
const SESSION_PREFIX = 'pbcs_'

/** A signed-in operator: which partner, who (for the audit log), the form token, until when. */
export interface ConsoleSession {
  partnerId: string
  actor: AuditActor
  csrfToken: string
  expiresAt: number
}

export interface OperatorKey {
  id: string
  name: string
  createdAt: number
  revokedAt: number | null
}

export type SignIn = { clientId: string; clientSecret: string } | { operatorKey: string }

/**
 * The console's sign-in (docs/console.md): the partner's client credentials or an operator key
 * open a session stored in the database (a hash of the cookie value, never the value), so every
 * process knows it and signing out ends it everywhere. Each session has its own CSRF token.
 */
export class ConsoleAuth {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly partners: PartnerStore,
    private readonly ttlMs: number,
  ) {}

  /** The session cookie's value and the session; undefined when the credentials are wrong (no reason given). */
  async signIn(input: SignIn, now: number = Date.now()): Promise<{ cookie: string; session: ConsoleSession } | undefined> {
    const who = await this.identify(input, now)
    if (!who) return undefined
    const cookie = randomToken(SESSION_PREFIX)
    const session: ConsoleSession = { ...who, csrfToken: randomToken(''), expiresAt: now + this.ttlMs }
    await this.db
      .insertInto('console_sessions')
      .values({
        id_hash: hashSecret(cookie),
        partner_id: session.partnerId,
        actor: `${session.actor.type}:${session.actor.id}`,
        csrf_token: session.csrfToken,
        created_at: now,
        expires_at: session.expiresAt,
      })
      .execute()
    return { cookie, session }
  }

  private async identify(input: SignIn, now: number): Promise<Omit<ConsoleSession, 'csrfToken' | 'expiresAt'> | undefined> {
    if ('operatorKey' in input) {
      const key = input.operatorKey
      if (!key.startsWith(OPERATOR_KEY_PREFIX) || key.length > 128) return undefined
      const row = await this.db
        .selectFrom('operator_keys')
        .select(['id', 'partner_id', 'revoked_at'])
        .where('key_hash', '=', hashSecret(key))
        .executeTakeFirst()
      if (!row || (row.revoked_at !== null && Number(row.revoked_at) <= now)) return undefined
      return { partnerId: row.partner_id, actor: { type: 'operator', id: row.id } }
    }
    const { clientId, clientSecret } = input
    const partner = clientId.length <= 128 && !clientId.includes('\u0000') ? await this.partners.getByClientId(clientId) : undefined
    // Compared against a dummy hash when the client is unknown, so timing does not reveal client ids.
    const ok = secretMatches(clientSecret, partner?.clientSecretHash ?? 'sha256$unknown-client-unknown-client-unknown-c')
    if (!partner || !ok) return undefined
    return { partnerId: partner.id, actor: { type: 'operator', id: partner.clientId } }
  }

  /** The live session a cookie names, if any (a deleted partner's sessions went with it). */
  async session(cookie: string | undefined, now: number = Date.now()): Promise<ConsoleSession | undefined> {
    if (!cookie || !cookie.startsWith(SESSION_PREFIX) || cookie.length > 128) return undefined
    const row = await this.db.selectFrom('console_sessions').selectAll().where('id_hash', '=', hashSecret(cookie)).executeTakeFirst()
    if (!row || Number(row.expires_at) <= now) return undefined
    const colon = row.actor.indexOf(':')
    return {
      partnerId: row.partner_id,
      actor: { type: row.actor.slice(0, colon) as AuditActor['type'], id: row.actor.slice(colon + 1) },
      csrfToken: row.csrf_token,
      expiresAt: Number(row.expires_at),
    }
  }

  async signOut(cookie: string): Promise<void> {
    await this.db.deleteFrom('console_sessions').where('id_hash', '=', hashSecret(cookie)).execute()
  }

  /** A new operator key for the partner: the key is returned once and only its hash is kept. */
  async createKey(partnerId: string, name: string, now: number = Date.now()): Promise<{ id: string; key: string }> {
    const id = randomId('opk_')
    const key = randomToken(OPERATOR_KEY_PREFIX)
    await this.db
      .insertInto('operator_keys')
      .values({ id, partner_id: partnerId, name, key_hash: hashSecret(key), created_at: now, revoked_at: null })
      .execute()
    return { id, key }
  }

  async listKeys(partnerId: string): Promise<OperatorKey[]> {
    const rows = await this.db.selectFrom('operator_keys').selectAll().where('partner_id', '=', partnerId).orderBy('created_at').execute()
    return rows.map((r) => ({
      id: r.id,
      name: r.name,
      createdAt: Number(r.created_at),
      revokedAt: r.revoked_at === null ? null : Number(r.revoked_at),
    }))
  }

  /** Revokes the key and ends the sessions it opened; false when the partner has no such live key. */
  async revokeKey(partnerId: string, id: string, now: number = Date.now()): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      const res = await trx
        .updateTable('operator_keys')
        .set({ revoked_at: now })
        .where('partner_id', '=', partnerId)
        .where('id', '=', id)
        .where('revoked_at', 'is', null)
        .executeTakeFirst()
      if (res.numUpdatedRows !== 1n) return false
      await trx.deleteFrom('console_sessions').where('partner_id', '=', partnerId).where('actor', '=', `operator:${id}`).execute()
      return true
    })
  }
}
