import type { Kysely, Selectable, Transaction } from 'kysely'
import type { Principal } from '../access-tokens/access-tokens.js'
import type { AuditEventsTable, Database } from '../db/schema.js'
import { rowLimit } from '../db/row-limit.js'
import { decodePageCursor, encodePageCursor } from '../lib/page-cursor.js'
import { randomId } from '../lib/random.js'
import { isoTime } from '../lib/iso-time.js'

type Db = Kysely<Database> | Transaction<Database>

/** What happened to a connection (docs/operations.md, "Audit log"). */
export const auditActions = [
  'created',
  'reauthorized',
  'scopes_upgraded',
  'replaced',
  'refreshed',
  'refresh_failed',
  'credentials_read',
  'deleted',
  'run_created',
] as const
export type AuditAction = (typeof auditActions)[number]

/**
 * Who did it: the partner's backend (HTTP Basic, its client id), an operator (the console, a key id
 * or the partner's client id), an end user (through an access token, an MCP token or the Connect UI's
 * session), or Patchbay itself (a background job).
 */
export interface AuditActor {
  type: 'partner' | 'operator' | 'end_user' | 'system'
  id: string
  via?: 'token' | 'mcp' | 'connect_session'
}

/** The end user a token acts for, named by the token's reference (never the token itself). */
export function tokenActor(principal: Principal): AuditActor {
  return { type: 'end_user', id: principal.tokenRef, via: principal.resource === 'mcp' ? 'mcp' : 'token' }
}

export const systemActor = (job: string): AuditActor => ({ type: 'system', id: job })

/** The connection an entry is about (a row outlives its connection). */
export interface AuditSubject {
  id: string
  partnerId: string
  endUserId: string
  appKey: string
}

export interface AuditEntry {
  id: string
  connectionId: string
  appKey: string
  action: AuditAction
  actor: AuditActor
  detail: Record<string, unknown> | null
  at: number
}

/** The audit log's SQL: entries are written in the transaction of the change they record. */
export class AuditLog {
  constructor(
    private readonly db: Kysely<Database>,
    /** How long entries are kept (config audit.retentionDays). */
    private readonly retentionMs: number,
  ) {}

  async record(
    db: Db,
    subject: AuditSubject,
    action: AuditAction,
    actor: AuditActor,
    detail?: Record<string, unknown>,
    now: number = Date.now(),
  ): Promise<void> {
    await db
      .insertInto('audit_events')
      .values({
        id: auditId(now),
        partner_id: subject.partnerId,
        connection_id: subject.id,
        end_user_id: subject.endUserId,
        app_key: subject.appKey,
        action,
        actor_type: actor.type,
        actor_id: actor.id,
        actor_via: actor.via ?? null,
        detail: detail === undefined ? null : JSON.stringify(detail),
        at: now,
      })
      .execute()
  }

  /**
   * One connection's entries, newest first, `limit` a page. `endUserId` narrows them to that end
   * user's (the REST API); the partner's operators see every entry of the partner.
   */
  async list(
    partnerId: string,
    connectionId: string,
    options: { endUserId?: string; actions?: readonly AuditAction[]; cursor?: string; limit: number },
  ): Promise<{ data: AuditEntry[]; nextCursor: string | null }> {
    const after = options.cursor === undefined ? undefined : decodePageCursor(options.cursor)
    const rows = await this.db
      .selectFrom('audit_events')
      .selectAll()
      .where('partner_id', '=', partnerId)
      .where('connection_id', '=', connectionId)
      .$if(options.endUserId !== undefined, (q) => q.where('end_user_id', '=', options.endUserId as string))
      .$if(options.actions !== undefined, (q) => q.where('action', 'in', options.actions as AuditAction[]))
      .$if(after !== undefined, (q) =>
        q.where(({ eb, refTuple, tuple }) => {
          const [at, id] = after as [number, string]
          // One index range on both databases (bench/scale.mjs: an OR made deep pages slower).
          return eb(refTuple('at', 'id'), '<', tuple(at, id))
        }),
      )
      .orderBy('at', 'desc')
      .orderBy('id', 'desc')
      .limit(rowLimit(options.limit + 1))
      .execute()
    const more = rows.length > options.limit
    const page = more ? rows.slice(0, options.limit) : rows
    const last = page[page.length - 1]
    return { data: page.map(toEntry), nextCursor: more && last ? encodePageCursor(Number(last.at), last.id) : null }
  }

  /** Deletes entries older than the retention period; returns how many. */
  async prune(now: number = Date.now()): Promise<number> {
    const res = await this.db
      .deleteFrom('audit_events')
      .where('at', '<', now - this.retentionMs)
      .executeTakeFirst()
    return Number(res.numDeletedRows)
  }
}

function toEntry(row: Selectable<AuditEventsTable>): AuditEntry {
  return {
    id: row.id,
    connectionId: row.connection_id,
    appKey: row.app_key,
    action: row.action as AuditAction,
    actor: {
      type: row.actor_type as AuditActor['type'],
      id: row.actor_id,
      ...(row.actor_via ? { via: row.actor_via as NonNullable<AuditActor['via']> } : {}),
    },
    detail: row.detail === null ? null : (JSON.parse(row.detail) as Record<string, unknown>),
    at: Number(row.at),
  }
}

/** An entry as the REST API answers it (docs/operations.md, "Audit log"). */
export function auditEntryJson(entry: AuditEntry) {
  return {
    id: entry.id,
    connection_id: entry.connectionId,
    app: entry.appKey,
    action: entry.action,
    actor: { type: entry.actor.type, id: entry.actor.id, via: entry.actor.via ?? null },
    detail: entry.detail,
    at: isoTime(entry.at),
  }
}

/** The entries of a stored grant, in the grant's transaction: `replaced` for each connection it replaced, then `created` or `reauthorized`. */
export async function recordGrant(
  audit: AuditLog,
  trx: Db,
  stored: { connection: AuditSubject; operation: string; replaced: AuditSubject[] },
  actor: AuditActor,
  now: number = Date.now(),
): Promise<void> {
  for (const old of stored.replaced) await audit.record(trx, old, 'replaced', actor, { replaced_by: stored.connection.id }, now)
  await audit.record(
    trx,
    stored.connection,
    stored.operation === 'reauth' ? 'reauthorized' : 'created',
    actor,
    { operation: stored.operation },
    now,
  )
}

let written = 0
/**
 * Entries are listed by `at`, then `id`, newest first (docs/operations.md): two written by this process
 * in the same millisecond must keep their order, so the id starts with the time and a counter of this
 * process's entries (fixed-width lowercase hex: the same order as text on both databases), then random.
 */
function auditId(now: number): string {
  written = (written + 1) % 0x1000000
  return randomId(`aud_${Math.max(0, Math.trunc(now)).toString(16).padStart(12, '0')}${written.toString(16).padStart(6, '0')}`)
}
