import type { Kysely } from 'kysely'
import type { Database } from '../../db/schema.js'
import { hashSecret } from '../../lib/random.js'
import { oauthFlowSecretsAad } from '../../vault/associated-data.js'
import type { Vault } from '../../vault/vault.js'

/** How long a provider authorization may take, from its start to the callback. */
export const FLOW_TTL_MS = 15 * 60 * 1000

/** What a flow needs again at the callback, besides its secrets. */
export interface FlowContext {
  params: Record<string, string>
  /** The issuer the user was sent to (RFC 9207), when known. */
  issuer: string | null
  /** The issuer advertises `authorization_response_iss_parameter_supported`: `iss` must come back. */
  issRequired: boolean
}

export interface NewFlow {
  sessionId: string
  appKey: string
  authOption: string
  /** The OAuth2 `state`, or the OAuth1 request token: the value the callback brings back. */
  state: string
  browserSecret: string
  /** The PKCE code verifier or the OAuth1 token secret; encrypted, bound to the session and state. */
  secrets: Record<string, string>
  context: FlowContext
}

export interface StoredFlow {
  stateHash: string
  sessionId: string
  appKey: string
  authOption: string
  browserHash: string
  expiresAt: number
  usedAt: number | null
  context: FlowContext
  /** The secrets as stored (encrypted); read them with {@link OAuthFlowStore.secrets}. */
  sealedSecrets: string
}

/**
 * Provider authorizations under way (`oauth_flows`), keyed by the hash of their state: the state
 * itself is never stored, the secrets only encrypted (docs/security.md, "OAuth with providers").
 */
export class OAuthFlowStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly vault: Vault,
  ) {}

  async save(flow: NewFlow, now: number = Date.now()): Promise<void> {
    const stateHash = hashSecret(flow.state)
    await this.db
      .insertInto('oauth_flows')
      .values({
        state_hash: stateHash,
        session_id: flow.sessionId,
        app_key: flow.appKey,
        auth_option: flow.authOption,
        browser_hash: hashSecret(flow.browserSecret),
        secrets: this.vault.encryptJson(flow.secrets, oauthFlowSecretsAad(flow.sessionId, stateHash)),
        context: JSON.stringify(flow.context),
        expires_at: now + FLOW_TTL_MS,
        used_at: null,
        created_at: now,
      })
      .execute()
  }

  async find(state: string): Promise<StoredFlow | undefined> {
    const row = await this.db.selectFrom('oauth_flows').selectAll().where('state_hash', '=', hashSecret(state)).executeTakeFirst()
    if (!row) return undefined
    return {
      stateHash: row.state_hash,
      sessionId: row.session_id,
      appKey: row.app_key,
      authOption: row.auth_option,
      browserHash: row.browser_hash,
      expiresAt: Number(row.expires_at),
      usedAt: row.used_at === null ? null : Number(row.used_at),
      context: JSON.parse(row.context) as FlowContext,
      sealedSecrets: row.secrets,
    }
  }

  /** Marks a live flow used; false when it was used already or has expired (one callback per flow). */
  async claim(flow: StoredFlow, now: number = Date.now()): Promise<boolean> {
    const claimed = await this.db
      .updateTable('oauth_flows')
      .set({ used_at: now })
      .where('state_hash', '=', flow.stateHash)
      .where('used_at', 'is', null)
      .where('expires_at', '>', now)
      .executeTakeFirst()
    return claimed.numUpdatedRows > 0n
  }

  secrets(flow: StoredFlow): Record<string, string> {
    return this.vault.decryptJson<Record<string, string>>(flow.sealedSecrets, oauthFlowSecretsAad(flow.sessionId, flow.stateHash))
  }

  /**
   * A provider authorization of the session is under way: started and not expired. A flow whose callback has
   * claimed it still counts: the callback exchanges the code before it writes the session's outcome (every
   * callback ends in one, see `finish.ts`), and a widget asking in between must keep watching.
   */
  async inProgress(sessionId: string, now: number = Date.now()): Promise<boolean> {
    const flow = await this.db
      .selectFrom('oauth_flows')
      .select('state_hash')
      .where('session_id', '=', sessionId)
      .where('expires_at', '>', now)
      .executeTakeFirst()
    return flow !== undefined
  }
}
