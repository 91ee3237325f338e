import type { Kysely, Selectable, Transaction } from 'kysely'
import type { ConnectSessionsTable, Database } from '../../db/schema.js'
import { hashSecret, randomId, randomToken, secretMatches } from '../../lib/random.js'
import { tokenPrefix } from '../../access-tokens/token-prefixes.js'
import type { SessionOptions } from './session-options.js'
import type { OAuthFlowStore } from '../flow/oauth-flow-store.js'

export interface IssuedSession {
  /** The single-use code handed to the browser; only its hash is stored. */
  code: string
  id: string
  expiresAt: number
}

/** How the browser opened the Connect UI, fixed when the code is redeemed. */
export interface SessionContext {
  /** popup: result by postMessage; redirect: result by redirect to `returnUrl`. */
  mode: 'popup' | 'redirect'
  /** Registered URI to return to in redirect mode. */
  returnUrl: string | null
  /** patchbay: connection_id/app/operation/state; connection_popup: connectionId or error/errorData (docs/api.md). */
  resultFormat: 'patchbay' | 'connection_popup'
  theme: string | null
  /** The app the browser opened (`/to/{app}`, or the reconnected connection's): named if the session is abandoned. */
  app?: string
  /** Name to give the new connection, preferred auth option, prefilled connection parameters. */
  name?: string
  authOption?: string
  params?: Record<string, string>
  /** Credentials supplied up front (connection popup without UI), never stored in the session row. */
}

export interface SessionOutcome {
  status: 'success' | 'error'
  app: string
  connection_id?: string
  operation?: 'creation' | 'reauth'
  account_identifier?: string | null
  error?: string
  error_description?: string
}

export interface ActiveSession {
  id: string
  partnerId: string
  endUserId: string
  apps: string[]
  allowedOrigin: string | null
  redirectUri: string | null
  reconnectId: string | null
  customState: string | null
  allowMultiple: boolean
  /** Scopes this session adds to `reconnectId` (a scope upgrade), or null. */
  upgradeScopes: string[] | null
  nonce: string
  expiresAt: number
  /** When a browser (or the headless API) redeemed the code; null while it is unused. */
  usedAt: number | null
  context: SessionContext
  outcome: SessionOutcome | null
  /** The connect link the session was opened from, named in its webhook events (docs/connect-links.md). */
  linkId: string | null
}

export type SessionProblem = 'not_found' | 'expired' | 'used'

const DEFAULT_CONTEXT: SessionContext = { mode: 'popup', returnUrl: null, resultFormat: 'patchbay', theme: null }

function toActive(row: Selectable<ConnectSessionsTable>): ActiveSession {
  return {
    id: row.id,
    partnerId: row.partner_id,
    endUserId: row.end_user_id,
    apps: JSON.parse(row.apps) as string[],
    allowedOrigin: row.allowed_origin,
    redirectUri: row.redirect_uri,
    reconnectId: row.reconnect_id,
    customState: row.custom_state,
    allowMultiple: Number(row.allow_multiple) === 1,
    upgradeScopes: row.upgrade_scopes ? (JSON.parse(row.upgrade_scopes) as string[]) : null,
    nonce: row.nonce,
    expiresAt: Number(row.expires_at),
    usedAt: row.used_at === null ? null : Number(row.used_at),
    context: row.context ? (JSON.parse(row.context) as SessionContext) : DEFAULT_CONTEXT,
    outcome: row.outcome ? (JSON.parse(row.outcome) as SessionOutcome) : null,
    linkId: row.link_id,
  }
}

/** Connect sessions: short-lived, single-use codes that let a browser open the Connect UI for one end user. */
export class ConnectSessions {
  constructor(
    private readonly db: Kysely<Database>,
    /** Whether a provider authorization of a pending session is under way. */
    private readonly oauthFlows: Pick<OAuthFlowStore, 'inProgress'>,
  ) {}

  async create(
    trx: Transaction<Database> | Kysely<Database>,
    grant: { partnerId: string; endUserId: string; options: SessionOptions; ttlSeconds: number; now: number; linkId?: string },
  ): Promise<IssuedSession> {
    const code = randomToken(tokenPrefix.sessionCode)
    const id = randomId('cs_')
    const expiresAt = grant.now + grant.ttlSeconds * 1000
    await trx
      .insertInto('connect_sessions')
      .values({
        id,
        code_hash: hashSecret(code),
        partner_id: grant.partnerId,
        end_user_id: grant.endUserId,
        apps: JSON.stringify(grant.options.apps),
        allowed_origin: grant.options.allowedOrigin,
        redirect_uri: grant.options.redirectUri,
        reconnect_id: grant.options.reconnectId,
        custom_state: grant.options.customState,
        allow_multiple: grant.options.allowMultiple ? 1 : 0,
        nonce: randomToken('', 16),
        expires_at: expiresAt,
        used_at: null,
        browser_hash: null,
        context: null,
        outcome: null,
        outcome_read_at: null,
        upgrade_scopes: grant.options.upgradeScopes ? JSON.stringify(grant.options.upgradeScopes) : null,
        created_at: grant.now,
        link_id: grant.linkId ?? null,
      })
      .execute()
    return { code, id, expiresAt }
  }

  /** The unredeemed, unexpired session behind a code, or why there is none. Writes nothing. */
  async peek(code: string, now: number = Date.now()): Promise<ActiveSession | SessionProblem> {
    if (!code.startsWith(tokenPrefix.sessionCode) || code.length > 128) return 'not_found'
    const row = await this.db.selectFrom('connect_sessions').selectAll().where('code_hash', '=', hashSecret(code)).executeTakeFirst()
    if (!row) return 'not_found'
    if (row.used_at !== null) return 'used'
    if (Number(row.expires_at) <= now) return 'expired'
    return toActive(row)
  }

  /**
   * Redeems a code for one browser: marks it used and binds the session to the browser secret
   * (kept in an HttpOnly cookie). Only one redemption ever succeeds, even under a race.
   */
  async redeem(
    session: ActiveSession,
    browserSecret: string,
    context: SessionContext,
    overrides: { reconnectId?: string | null; customState?: string | null; nonce?: string; allowMultiple?: boolean } = {},
    now: number = Date.now(),
  ): Promise<ActiveSession | SessionProblem> {
    const result = await this.db
      .updateTable('connect_sessions')
      .set({
        used_at: now,
        browser_hash: hashSecret(browserSecret),
        context: JSON.stringify(context),
        ...(overrides.reconnectId !== undefined ? { reconnect_id: overrides.reconnectId } : {}),
        ...(overrides.customState !== undefined ? { custom_state: overrides.customState } : {}),
        ...(overrides.nonce !== undefined ? { nonce: overrides.nonce } : {}),
        ...(overrides.allowMultiple !== undefined ? { allow_multiple: overrides.allowMultiple ? 1 : 0 } : {}),
      })
      .where('id', '=', session.id)
      .where('used_at', 'is', null)
      .where('expires_at', '>', now)
      .executeTakeFirst()
    if (result.numUpdatedRows === 0n) return 'used'
    const row = await this.db.selectFrom('connect_sessions').selectAll().where('id', '=', session.id).executeTakeFirstOrThrow()
    return toActive(row)
  }

  /** The session a browser redeemed, checked against the browser's cookie secret. */
  async forBrowser(id: string, browserSecret: string | undefined, now: number = Date.now()): Promise<ActiveSession | SessionProblem> {
    if (!browserSecret) return 'not_found'
    const row = await this.db.selectFrom('connect_sessions').selectAll().where('id', '=', id).executeTakeFirst()
    if (!row?.browser_hash || !secretMatches(browserSecret, row.browser_hash)) return 'not_found'
    if (row.outcome !== null) return 'used'
    if (Number(row.expires_at) <= now) return 'expired'
    return toActive(row)
  }

  /** One end user's session by id, scoped in the query itself (docs/security.md, "Tenancy"). */
  async ofOwner(id: string, partnerId: string, endUserId: string): Promise<ActiveSession | undefined> {
    const row = await this.db
      .selectFrom('connect_sessions')
      .selectAll()
      .where('id', '=', id)
      .where('partner_id', '=', partnerId)
      .where('end_user_id', '=', endUserId)
      .executeTakeFirst()
    return row ? toActive(row) : undefined
  }

  /** Any session by id (server-side use: the OAuth callback after the browser check). */
  async byId(id: string): Promise<ActiveSession | undefined> {
    const row = await this.db.selectFrom('connect_sessions').selectAll().where('id', '=', id).executeTakeFirst()
    return row ? toActive(row) : undefined
  }

  /**
   * Records a session's one outcome. False when it already has one (a second tab's flow, a callback
   * racing the abandoned-session sweep): the first outcome stands and was the one reported.
   */
  async setOutcome(id: string, outcome: SessionOutcome, db: Kysely<Database> | Transaction<Database> = this.db): Promise<boolean> {
    const set = await db
      .updateTable('connect_sessions')
      .set({ outcome: JSON.stringify(outcome) })
      .where('id', '=', id)
      .where('outcome', 'is', null)
      .executeTakeFirst()
    return set.numUpdatedRows > 0n
  }

  /**
   * The outcome for the widget whose popup lost `window.opener`, authenticated by the session code
   * the widget holds. A final outcome is handed out once.
   */
  async readOutcome(
    code: string,
    now: number = Date.now(),
  ): Promise<
    | { status: 'not_found' }
    | { status: 'pending'; allowedOrigin: string | null; inProgress: boolean }
    | { status: 'expired' | 'consumed'; allowedOrigin: string | null }
    | { status: 'final'; outcome: SessionOutcome; session: ActiveSession; allowedOrigin: string | null }
  > {
    if (!code.startsWith(tokenPrefix.sessionCode) || code.length > 128) return { status: 'not_found' }
    const row = await this.db.selectFrom('connect_sessions').selectAll().where('code_hash', '=', hashSecret(code)).executeTakeFirst()
    if (!row) return { status: 'not_found' }
    const allowedOrigin = row.allowed_origin
    if (row.outcome === null) {
      if (Number(row.expires_at) <= now && row.used_at === null) return { status: 'expired', allowedOrigin }
      // A provider authorization under way: the popup may have lost its opener (COOP) and still finish.
      return { status: 'pending', allowedOrigin, inProgress: await this.oauthFlows.inProgress(row.id, now) }
    }
    const claimed = await this.db
      .updateTable('connect_sessions')
      .set({ outcome_read_at: now })
      .where('id', '=', row.id)
      .where('outcome_read_at', 'is', null)
      .executeTakeFirst()
    if (claimed.numUpdatedRows === 0n) return { status: 'consumed', allowedOrigin }
    return { status: 'final', outcome: JSON.parse(row.outcome) as SessionOutcome, session: toActive(row), allowedOrigin }
  }
}
