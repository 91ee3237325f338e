import type { Kysely } from 'kysely'
import type { Owner } from '../../connections/connection-types.js'
import type { Database } from '../../db/schema.js'
import type { ConnectSessions } from './connect-sessions.js'

/**
 * The ready-to-open Connect UI link for a session code (docs/api.md, "Connect sessions"): straight
 * to the app's page when the session can connect exactly one app, else the picker. The code is
 * single use and leaves the address bar once the page loads (docs/connect-ui.md).
 */
export function connectUrl(publicUrl: string, code: string, onlyApp: string | null): string {
  const base = publicUrl.replace(/\/+$/, '')
  const path = onlyApp === null ? '/connect' : `/to/${encodeURIComponent(onlyApp)}`
  return `${base}${path}?${new URLSearchParams({ token: code })}`
}

/**
 * A connect session for one app, minted for a user who is not at the partner's UI (a run that needs
 * a reconnect, an AI agent asking the user to connect): its link and when it stops working. With
 * `reconnectId` the session re-authorizes that connection, which keeps its id; with `upgradeScopes`
 * too, it asks for those scopes on top of the connection's (docs/api.md, "Upgrading scopes").
 */
export async function mintConnectLink(
  deps: { sessions: ConnectSessions; db: Kysely<Database>; config: { publicUrl: string; sessionTtl: number } },
  owner: Owner,
  app: string,
  reconnectId: string | null,
  upgradeScopes: string[] | null = null,
): Promise<{ url: string; expiresAt: number }> {
  const issued = await deps.sessions.create(deps.db, {
    partnerId: owner.partnerId,
    endUserId: owner.endUserId,
    options: { apps: [app], allowedOrigin: null, redirectUri: null, reconnectId, customState: null, allowMultiple: false, upgradeScopes },
    ttlSeconds: deps.config.sessionTtl,
    now: Date.now(),
  })
  return { url: connectUrl(deps.config.publicUrl, issued.code, app), expiresAt: issued.expiresAt }
}
