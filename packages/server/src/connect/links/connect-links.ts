import type { Kysely, Selectable, Transaction } from 'kysely'
import { tokenPrefix } from '../../access-tokens/token-prefixes.js'
import { rowLimit } from '../../db/row-limit.js'
import type { ConnectLinksTable, Database } from '../../db/schema.js'
import { decodePageCursor, encodePageCursor } from '../../lib/page-cursor.js'
import { hashSecret, randomId, randomToken } from '../../lib/random.js'
import type { Owner } from '../../connections/connection-types.js'
import type { SessionOutcome } from '../sessions/connect-sessions.js'

// Connect links (docs/connect-links.md): a hosted URL for one end user, opened once. The store owns
// the SQL; opening a link (a connect session bound to the first browser) lives in open-link.ts.

/** pending: not opened yet; used: opened by a browser (its session's outcome says how it ended). */
export type ConnectLinkStatus = 'pending' | 'used' | 'expired' | 'revoked'

export interface ConnectLink {
  id: string
  partnerId: string
  endUserId: string
  apps: string[]
  redirectUri: string | null
  customState: string | null
  expiresAt: number
  createdAt: number
  revokedAt: number | null
  openedAt: number | null
  sessionId: string | null
  /** The outcome of the link's connect session, once it has one. */
  outcome: SessionOutcome | null
  status: ConnectLinkStatus
}

export interface ConnectLinkPage {
  data: ConnectLink[]
  nextCursor: string | null
}

type LinkRow = Selectable<ConnectLinksTable> & { outcome: string | null }

function statusOf(row: Selectable<ConnectLinksTable>, now: number): ConnectLinkStatus {
  if (row.revoked_at !== null) return 'revoked'
  if (row.session_id !== null) return 'used'
  return Number(row.expires_at) <= now ? 'expired' : 'pending'
}

function toLink(row: LinkRow, now: number): ConnectLink {
  return {
    id: row.id,
    partnerId: row.partner_id,
    endUserId: row.end_user_id,
    apps: JSON.parse(row.apps) as string[],
    redirectUri: row.redirect_uri,
    customState: row.custom_state,
    expiresAt: Number(row.expires_at),
    createdAt: Number(row.created_at),
    revokedAt: row.revoked_at === null ? null : Number(row.revoked_at),
    openedAt: row.opened_at === null ? null : Number(row.opened_at),
    sessionId: row.session_id,
    outcome: row.outcome ? (JSON.parse(row.outcome) as SessionOutcome) : null,
    status: statusOf(row, now),
  }
}

export class ConnectLinks {
  constructor(private readonly db: Kysely<Database>) {}

  private select(db: Kysely<Database> | Transaction<Database> = this.db) {
    return db.selectFrom('connect_links as l').leftJoin('connect_sessions as s', 's.id', 'l.session_id').selectAll('l').select('s.outcome')
  }

  /** Mints a link; only the hash of its token is stored, the token is returned once. */
  async create(grant: {
    partnerId: string
    endUserId: string
    apps: string[]
    redirectUri: string | null
    customState: string | null
    ttlSeconds: number
    now: number
  }): Promise<{ token: string; link: ConnectLink }> {
    const token = randomToken(tokenPrefix.connectLink)
    const row: Selectable<ConnectLinksTable> = {
      id: randomId('cl_'),
      token_hash: hashSecret(token),
      partner_id: grant.partnerId,
      end_user_id: grant.endUserId,
      apps: JSON.stringify(grant.apps),
      redirect_uri: grant.redirectUri,
      custom_state: grant.customState,
      expires_at: grant.now + grant.ttlSeconds * 1000,
      created_at: grant.now,
      revoked_at: null,
      opened_at: null,
      session_id: null,
    }
    await this.db.insertInto('connect_links').values(row).execute()
    return { token, link: toLink({ ...row, outcome: null }, grant.now) }
  }

  /**
   * The link behind a token. The token is looked up by its SHA-256 hash (an indexed equality on a
   * value the caller cannot steer byte by byte), so the lookup leaks nothing about stored tokens.
   */
  async byToken(token: string, now: number = Date.now()): Promise<ConnectLink | undefined> {
    if (!token.startsWith(tokenPrefix.connectLink) || token.length > 128) return undefined
    const row = await this.select().where('l.token_hash', '=', hashSecret(token)).executeTakeFirst()
    return row ? toLink(row, now) : undefined
  }

  /** One link of this end user; another user's or partner's is undefined (answered as 404). */
  async get(owner: Owner, id: string, now: number = Date.now()): Promise<ConnectLink | undefined> {
    const row = await this.select()
      .where('l.id', '=', id)
      .where('l.partner_id', '=', owner.partnerId)
      .where('l.end_user_id', '=', owner.endUserId)
      .executeTakeFirst()
    return row ? toLink(row, now) : undefined
  }

  /** This end user's links, oldest first, optionally of one status. */
  async list(
    owner: Owner,
    options: { status?: ConnectLinkStatus | undefined; cursor?: string | undefined; limit: number },
    now: number = Date.now(),
  ): Promise<ConnectLinkPage> {
    const after = options.cursor === undefined ? undefined : decodePageCursor(options.cursor)
    const status = options.status
    const rows = await this.select()
      .where('l.partner_id', '=', owner.partnerId)
      .where('l.end_user_id', '=', owner.endUserId)
      .$if(status === 'revoked', (q) => q.where('l.revoked_at', 'is not', null))
      .$if(status === 'used', (q) => q.where('l.revoked_at', 'is', null).where('l.session_id', 'is not', null))
      .$if(status === 'expired', (q) =>
        q.where('l.revoked_at', 'is', null).where('l.session_id', 'is', null).where('l.expires_at', '<=', now),
      )
      .$if(status === 'pending', (q) =>
        q.where('l.revoked_at', 'is', null).where('l.session_id', 'is', null).where('l.expires_at', '>', now),
      )
      .$if(after !== undefined, (q) =>
        q.where(({ eb, refTuple, tuple }) => {
          const [createdAt, id] = after as [number, string]
          return eb(refTuple('l.created_at', 'l.id'), '>', tuple(createdAt, id))
        }),
      )
      .orderBy('l.created_at', 'asc')
      .orderBy('l.id', 'asc')
      .limit(rowLimit(options.limit + 1))
      .execute()
    const data = rows.slice(0, options.limit).map((row) => toLink(row, now))
    const last = data[data.length - 1]
    return { data, nextCursor: rows.length > options.limit && last ? encodePageCursor(last.createdAt, last.id) : null }
  }

  /**
   * Marks a pending link opened by the session `sessionId`, in the caller's transaction. False when
   * it is no longer pending (another browser opened it first, it expired or was revoked meanwhile).
   */
  async claim(trx: Transaction<Database>, linkId: string, sessionId: string, now: number): Promise<boolean> {
    const set = await trx
      .updateTable('connect_links')
      .set({ session_id: sessionId, opened_at: now })
      .where('id', '=', linkId)
      .where('session_id', 'is', null)
      .where('revoked_at', 'is', null)
      .where('expires_at', '>', now)
      .executeTakeFirst()
    return set.numUpdatedRows > 0n
  }

  /** Sets `revoked_at` once, in the caller's transaction; false when it was already set. */
  async markRevoked(trx: Transaction<Database>, linkId: string, now: number): Promise<boolean> {
    const set = await trx
      .updateTable('connect_links')
      .set({ revoked_at: now })
      .where('id', '=', linkId)
      .where('revoked_at', 'is', null)
      .executeTakeFirst()
    return set.numUpdatedRows > 0n
  }
}
