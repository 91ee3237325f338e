import type { Kysely } from 'kysely'
import type { App, OAuth2Option } from '../catalog/app-schema.js'
import type { Catalog } from '../catalog/load-catalog.js'
import type { ConnectSessions, IssuedSession } from '../connect/sessions/connect-sessions.js'
import { mintConnectLink } from '../connect/sessions/connect-url.js'
import type { SessionOptions } from '../connect/sessions/session-options.js'
import type { Database } from '../db/schema.js'
import { PatchbayError } from '../errors.js'
import type { PartnerApp, PartnerApps } from '../partners/partner-apps.js'
import type { ConnectionStore } from './connection-store.js'
import type { Connection, Owner } from './connection-types.js'

// Scope upgrades (docs/api.md, "Upgrading scopes"): what a connection may ask for on top of what it
// has, and what the authorization request and the stored grant then say.

/** Scopes a connection of `option` may be upgraded to: the app's default and optional scopes, and the partner's own. */
export function offeredScopes(option: OAuth2Option, partnerApp: Pick<PartnerApp, 'scopes'> | undefined): Set<string> {
  return new Set([...option.scopes, ...(option.optional_scopes ?? []), ...(partnerApp?.scopes ?? [])])
}

/** The connection's oauth2 option, when it is one (the only kind that can be upgraded). */
export function oauth2OptionOf(app: App | undefined, authOption: string): OAuth2Option | undefined {
  const option = app?.auth.find((o) => o.key === authOption)
  return option?.type === 'oauth2' ? option : undefined
}

/**
 * Whether a scope upgrade link can work for the connection: an OAuth 2.0 one whose app names the
 * account a grant is of (the upgrade is refused for any other account, docs/api.md "Upgrading scopes").
 */
export function upgradable(catalog: Catalog, connection: Pick<Connection, 'appKey' | 'authOption' | 'accountIdentifier'>): boolean {
  return connection.accountIdentifier !== null && oauth2OptionOf(catalog.get(connection.appKey), connection.authOption) !== undefined
}

/** Union in first-seen order. */
export function unionScopes(...lists: readonly (readonly string[])[]): string[] {
  return [...new Set(lists.flat())]
}

/**
 * The scopes and extra parameters of an upgrade's authorization request: with the provider's
 * incremental authorization (catalog `incremental_authorization`) only the added scopes, since the
 * new grant keeps the earlier ones; without it every scope the connection should end up with, since
 * the new grant replaces the old one.
 */
export function upgradeRequest(
  option: OAuth2Option,
  current: readonly string[],
  added: readonly string[],
): { scopes: string[]; extraParams: Record<string, string> } {
  if (option.incremental_authorization) return { scopes: unionScopes(added), extraParams: { ...option.incremental_authorization } }
  return { scopes: unionScopes(current, added), extraParams: {} }
}

/**
 * The scopes stored after an upgrade: what the token response says was granted (or, when it says
 * nothing, what was asked for), plus the earlier scopes when the provider's grant keeps them.
 */
export function upgradedScopes(
  option: OAuth2Option,
  current: readonly string[],
  requested: readonly string[],
  granted: readonly string[] | null | undefined,
): string[] {
  const got = granted ?? requested
  return option.incremental_authorization ? unionScopes(current, got) : unionScopes(got)
}

/** Scopes in `needed` the connection lacks; none when the connection's scopes are unknown (empty), as validation does. */
export function missingScopes(needed: readonly string[], granted: readonly string[]): string[] {
  if (granted.length === 0) return []
  return needed.filter((s) => !granted.includes(s))
}

export interface ScopeUpgradeDeps {
  db: Kysely<Database>
  catalog: Catalog
  partnerApps: PartnerApps
  connections: ConnectionStore
  sessions: ConnectSessions
  config: { publicUrl: string; sessionTtl: number }
}

/**
 * `POST /v1/connections/{id}/upgrade`: a connect session that re-authorizes the connection with more
 * scopes; it keeps its id (docs/api.md, "Upgrading scopes"). Checks before anything is written: the
 * connection is the caller's (404 otherwise, like one that does not exist), it is an OAuth 2.0
 * connection, and every scope is one its app offers (400).
 */
export async function createScopeUpgrade(
  deps: ScopeUpgradeDeps,
  owner: Owner,
  id: string,
  scopes: string[],
  options: SessionOptions,
): Promise<{ session: IssuedSession; app: string; scopes: string[] }> {
  const connection = await deps.connections.get(owner, id)
  if (!connection) throw new PatchbayError('PB_ERR_NOT_FOUND', `connection ${id} not found`)
  const app = deps.catalog.get(connection.appKey)
  const option = oauth2OptionOf(app, connection.authOption)
  if (!option) {
    throw new PatchbayError(
      'PB_ERR_VALIDATION',
      `connection ${id} uses ${connection.authType} credentials: only OAuth 2.0 connections have scopes to upgrade`,
    )
  }
  if (connection.accountIdentifier === null) {
    // The upgrade is refused unless it comes from the connection's own account; an app that names no
    // account could never pass that check, so the user is not sent through a consent bound to fail.
    throw new PatchbayError(
      'PB_ERR_VALIDATION',
      `connection ${id}: ${connection.appKey} does not tell which account a grant is of, so an upgrade cannot be checked to come from the same account; reconnect it with the scopes instead (POST /v1/connect/sessions with reconnect_id)`,
    )
  }
  const partnerApp = await deps.partnerApps.get(owner.partnerId, connection.appKey)
  const offered = offeredScopes(option, partnerApp)
  const notOffered = scopes.filter((s) => !offered.has(s))
  if (notOffered.length > 0) {
    throw new PatchbayError(
      'PB_ERR_VALIDATION',
      `scopes: ${notOffered.map((s) => JSON.stringify(s)).join(', ')} ${notOffered.length === 1 ? 'is' : 'are'} not offered by ${connection.appKey} (see GET /v1/apps/${connection.appKey})`,
    )
  }
  const added = unionScopes(scopes)
  const session = await deps.sessions.create(deps.db, {
    partnerId: owner.partnerId,
    endUserId: owner.endUserId,
    options: { ...options, apps: [connection.appKey], reconnectId: connection.id, allowMultiple: false, upgradeScopes: added },
    ttlSeconds: deps.config.sessionTtl,
    now: Date.now(),
  })
  return { session, app: connection.appKey, scopes: added }
}

/**
 * A proxied call the app refused for a missing scope (docs/proxy.md, "Missing scopes"): a scope
 * upgrade link for the connection, when it is an OAuth 2.0 one and the app named the scopes.
 */
export async function proxyUpgradeLink(
  deps: Omit<ScopeUpgradeDeps, 'partnerApps'>,
  owner: Owner,
  connectionId: string,
  scopes: string[],
): Promise<{ url: string; expiresAt: number } | undefined> {
  if (scopes.length === 0) return undefined
  const connection = await deps.connections.get(owner, connectionId)
  if (!connection || !upgradable(deps.catalog, connection)) return undefined
  return mintConnectLink(deps, owner, connection.appKey, connection.id, unionScopes(scopes).slice(0, 50))
}
