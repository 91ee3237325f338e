import type { AuditLog } from '../../audit/audit-log.js'
import type { Kysely } from 'kysely'
import type { App, AuthOption } from '../../catalog/app-schema.js'
import type { Catalog } from '../../catalog/load-catalog.js'
import { connectionParamsFor } from '../../catalog/template.js'
import { needsNoConnection, usableOptions } from '../../catalog/usable-options.js'
import type { Config } from '../../config/config.js'
import type { ConnectionStore } from '../../connections/connection-store.js'
import type { Database } from '../../db/schema.js'
import type { DiscoveryCache } from '../../provider-oauth/oauth2/discovery.js'
import type { AddressPolicy } from '../../outbound/address-policy.js'
import type { SafeHttpClient } from '../../outbound/safe-fetch.js'
import type { PartnerApps } from '../../partners/partner-apps.js'
import type { Partner, PartnerStore } from '../../partners/partner-store.js'
import type { CredentialAttempts } from '../../rate-limit/credential-attempts.js'
import type { Vault } from '../../vault/vault.js'
import type { ActiveSession, ConnectSessions, SessionProblem } from '../sessions/connect-sessions.js'
import type { ConnectLinks } from '../links/connect-links.js'
import type { OAuthFlowStore } from './oauth-flow-store.js'
import { errorStep, type FlowStep } from './steps.js'

// What every step of the Connect flow shares: its dependencies, the session a browser holds, and
// the apps that session may connect (docs/architecture.md, "Where each flow lives").

export interface ConnectFlowDeps {
  config: Config
  db: Kysely<Database>
  oauthFlows: OAuthFlowStore
  catalog: Catalog
  sessions: ConnectSessions
  /** Connect links, opened into sessions (docs/connect-links.md). */
  links: ConnectLinks
  partners: PartnerStore
  partnerApps: PartnerApps
  connections: ConnectionStore
  vault: Vault
  http: SafeHttpClient
  addressPolicy: AddressPolicy
  discovery: DiscoveryCache
  credentialAttempts: CredentialAttempts
  /** Each connection's audit log (docs/operations.md, "Audit log"). */
  audit: AuditLog
}

export function sessionCookieName(sessionId: string): string {
  return `pb_s_${sessionId}`
}

/** Patchbay's callback URL registered with the provider: one per app and protocol. */
export function oauthRedirectUri(config: Config, kind: 'oauth2' | 'oauth1', app: App): string {
  return `${config.publicUrl}/${kind}/callback/${app.key}`
}

export async function sessionFor(
  deps: ConnectFlowDeps,
  sessionId: string,
  browserSecret: string | undefined,
): Promise<{ kind: 'problem'; reason: SessionProblem } | { kind?: undefined; session: ActiveSession; partner: Partner }> {
  const session = await deps.sessions.forBrowser(sessionId, browserSecret)
  if (typeof session === 'string') return { kind: 'problem', reason: session }
  const partner = await deps.partners.get(session.partnerId)
  if (!partner) return { kind: 'problem', reason: 'not_found' }
  return { session, partner }
}

/** Keys of the connection parameters of an app (all options): the values that may be kept in the session. */
export function paramKeys(deps: ConnectFlowDeps, appKey: string): Set<string> {
  const app = deps.catalog.get(appKey)
  return new Set(app ? app.auth.flatMap((o) => connectionParamsFor(app, o).map((f) => f.key)) : [])
}

/** Apps this session may connect: the session's list (or every app), usable for this partner. */
export async function offeredApps(deps: ConnectFlowDeps, session: ActiveSession, partner: Partner): Promise<App[]> {
  const configured = await deps.partnerApps.configuredKeys(partner.id)
  const candidates = session.apps.length ? session.apps.map((k) => deps.catalog.get(k)).filter((a): a is App => !!a) : deps.catalog.list()
  return candidates.filter((app) => usableOptions(app, configured).length > 0)
}

export async function offeredApp(
  deps: ConnectFlowDeps,
  session: ActiveSession,
  partner: Partner,
  appKey: string,
): Promise<{ app: App; options: AuthOption[] } | FlowStep> {
  const app = deps.catalog.get(appKey)
  if (!app || (session.apps.length > 0 && !session.apps.includes(appKey))) {
    return errorStep(404, 'App not available', 'This app is not available in this session.', undefined, partner)
  }
  if (needsNoConnection(app)) {
    return errorStep(400, `${app.name} needs no connection`, `${app.name} can be used without connecting an account.`, app, partner)
  }
  const options = usableOptions(app, await deps.partnerApps.configuredKeys(partner.id))
  if (!options.length)
    return errorStep(400, `${app.name} is not available`, `${app.name} is not set up for this application yet.`, app, partner)
  return { app, options }
}

/** The browser's session and the app it asks for (with the options it may use), or the step that says why not. */
export async function sessionApp(
  deps: ConnectFlowDeps,
  sessionId: string,
  browserSecret: string | undefined,
  appKey: string,
): Promise<FlowStep | { session: ActiveSession; partner: Partner; app: App; options: AuthOption[] }> {
  const ctx = await sessionFor(deps, sessionId, browserSecret)
  if (ctx.kind) return ctx
  const offered = await offeredApp(deps, ctx.session, ctx.partner, appKey)
  if ('kind' in offered) return offered
  if (ctx.session.upgradeScopes && ctx.session.reconnectId) return upgradeOptions(deps, ctx.session, ctx.partner, offered)
  return { session: ctx.session, partner: ctx.partner, ...offered }
}

/**
 * A scope upgrade re-authorizes the connection as it is (docs/api.md, "Upgrading scopes"): with its
 * own auth option only, and its connection parameters (a tenant, a shop) as given, so the user goes
 * straight to the provider instead of typing them again.
 */
async function upgradeOptions(
  deps: ConnectFlowDeps,
  session: ActiveSession,
  partner: Partner,
  offered: { app: App; options: AuthOption[] },
): Promise<FlowStep | { session: ActiveSession; partner: Partner; app: App; options: AuthOption[] }> {
  const { app } = offered
  const connection = await deps.connections.get(
    { partnerId: session.partnerId, endUserId: session.endUserId },
    session.reconnectId as string,
  )
  const options = connection ? offered.options.filter((o) => o.key === connection.authOption) : []
  if (!connection || options.length === 0) {
    return errorStep(404, 'Connection not found', `The ${app.name} connection to upgrade no longer exists.`, app, partner)
  }
  // The connection's own parameters win: a start URL's `params` must not move an upgrade to another
  // tenant or shop (the account check would refuse it later, but the consent would already be asked).
  const params = { ...(session.context.params ?? {}), ...connection.params }
  return { session: { ...session, context: { ...session.context, params } }, partner, app, options }
}
