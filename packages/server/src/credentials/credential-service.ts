import { type AuditLog, systemActor } from '../audit/audit-log.js'
import type { Kysely } from 'kysely'
import type { App, OAuth2ClientCredentialsOption, OAuth2Option } from '../catalog/app-schema.js'
import type { Catalog } from '../catalog/load-catalog.js'
import { renderTemplate } from '../catalog/template.js'
import type { Database } from '../db/schema.js'
import { rowLimit } from '../db/row-limit.js'
import { PatchbayError } from '../errors.js'
import type { LineLogger } from '../logger.js'
import type { Metrics } from '../metrics/metrics.js'
import type { RateLimitCounter } from '../rate-limit/counter.js'
import type { DiscoveryCache } from '../provider-oauth/oauth2/discovery.js'
import { endpointUrl, resolveOAuth2Endpoints } from '../provider-oauth/oauth2/endpoints.js'
import { buildTokenRequest, ProviderTokenError, requestTokens, type TokenSet } from '../provider-oauth/oauth2/token-endpoint.js'
import type { AddressPolicy } from '../outbound/address-policy.js'
import { isOutboundRefusal } from '../outbound/outbound-refusal.js'
import type { SafeHttpClient } from '../outbound/safe-fetch.js'
import type { PartnerApps } from '../partners/partner-apps.js'
import { connectionCredentialsAad } from '../vault/associated-data.js'
import type { Vault } from '../vault/vault.js'
import { enqueueConnectionEvent } from '../webhooks/connection-events.js'
import type { ConnectionStore } from '../connections/connection-store.js'
import type { Connection, Credentials, Owner } from '../connections/connection-types.js'
import { credentialValues } from './inject.js'
import { isoTime } from '../lib/iso-time.js'

/** The connection's grant is gone at the provider: only a reconnect (same id) brings it back. */
export class CredentialRevokedError extends PatchbayError {
  constructor(
    readonly connectionId: string,
    readonly reason: string,
  ) {
    super('PB_ERR_CREDENTIAL_REVOKED', `connection ${connectionId} needs to be reconnected: ${reason}`)
  }
}

export interface FreshOptions {
  /** The caller's margin: refresh when the access token expires within this many seconds, exactly as asked. */
  minValiditySeconds?: number
  /**
   * Without `minValiditySeconds`: refresh ahead by this margin (default 120 s), but a token living
   * shorter than twice the margin is refreshed at half its life instead of on every use.
   */
  aheadSeconds?: number
  /** Refresh now whatever the expiry, at most once per {@link FORCE_REFRESH_INTERVAL_MS} per connection. */
  force?: boolean
  /** The provider just refused this access token (HTTP 401): refresh unless someone already did. */
  rejectedAccessToken?: string
  /**
   * The logger of the request this is for (`req.log`): a refresh it starts logs with its `reqId`.
   * Concurrent callers share one refresh, which logs with the logger of the caller that started it.
   */
  log?: LineLogger
}

export interface FreshCredentials {
  connection: Connection
  credentials: Credentials
}

interface Deps {
  db: Kysely<Database>
  connections: ConnectionStore
  catalog: Catalog
  partnerApps: PartnerApps
  http: SafeHttpClient
  addressPolicy: AddressPolicy
  discovery: DiscoveryCache
  vault: Vault
  /** For the background sweep, and callers that pass no `log`. */
  log: LineLogger
  /** How long one process may hold a connection's refresh lease (longer than the token request timeout). */
  leaseMs: number
  /** Counts forced refresh attempts per connection, across processes (a refused one counts too). */
  rateLimits: RateLimitCounter
  /** Refreshes and their failures go to each connection's audit log. */
  audit: AuditLog
  /** Counts each refresh asked of a provider by outcome (docs/operations.md, "Metrics"). */
  metrics?: Metrics
}

const WAIT_STEP_MS = 25

/** Refreshes are Patchbay's own doing, whoever's call needed the token. */
const REFRESH_ACTOR = systemActor('refresh')

/** A forced refresh waits this long after the connection's last refresh (docs/api.md, "Fresh credentials"). */
export const FORCE_REFRESH_INTERVAL_MS = 10_000

/** The 429 of a forced refresh asked for sooner than FORCE_REFRESH_INTERVAL_MS after the last one. */
function forcedTooSoon(connection: Connection, what: 'refreshed' | 'forced to refresh', waitMs: number): PatchbayError {
  const seconds = Math.max(1, Math.ceil(waitMs / 1000))
  return new PatchbayError(
    'PB_ERR_RATE_LIMITED',
    `query.force_refresh: connection ${connection.id} was ${what} less than ${FORCE_REFRESH_INTERVAL_MS / 1000} s ago; retry in ${seconds} s`,
    { headers: { 'Retry-After': String(seconds) } },
  )
}

/**
 * Fresh credentials for a connection, refreshing OAuth tokens when they are near expiry, after a
 * 401, or ahead of time from the background sweep.
 *
 * Exactly one refresh per connection runs at a time across all processes: callers in one process
 * share a single flight; across processes a lease is taken on the connection row with a
 * compare-and-set UPDATE (a row lock in both databases), committed before the request leaves for
 * the provider. The new tokens are committed (rotated refresh token included) before anyone gets
 * the new access token. A lease left behind by a crash marks the refresh as interrupted: the next
 * attempt either succeeds or, if the provider already rotated the refresh token, marks the
 * connection needs_reauth — never a silently dead token.
 */
export class CredentialService {
  private readonly inflight = new Map<string, Promise<FreshCredentials>>()

  constructor(private readonly deps: Deps) {}

  async fresh(owner: Owner, connectionId: string, options: FreshOptions = {}): Promise<FreshCredentials> {
    const connection = await this.deps.connections.get(owner, connectionId)
    if (!connection) throw new PatchbayError('PB_ERR_NOT_FOUND', `connection ${connectionId} not found`)
    return this.freshFor(connection, options)
  }

  /** Same as {@link fresh} for a connection already read (the sweep reads many at once). */
  async freshFor(connection: Connection, options: FreshOptions = {}): Promise<FreshCredentials> {
    if (connection.status === 'needs_reauth') throw new CredentialRevokedError(connection.id, connection.statusReason ?? 'refresh failed')
    const credentials = await this.deps.connections.credentials(connection)
    if (options.force) {
      this.checkForcedRefresh(connection, credentials)
      await this.countForcedRefresh(connection)
    }
    if (!this.needsRefresh(connection, credentials, options)) return { connection, credentials }
    let flight = this.inflight.get(connection.id)
    if (!flight) {
      flight = this.refresh(connection, options.log ?? this.deps.log).finally(() => this.inflight.delete(connection.id))
      this.inflight.set(connection.id, flight)
    }
    const result = await flight
    // A failed refresh may fall back to the still-valid old token; a forced one must say it failed.
    if (options.force && result.connection.version === connection.version) {
      throw new PatchbayError('PB_ERR_UPSTREAM', `refreshing connection ${connection.id} failed; the old token is still valid`)
    }
    return result
  }

  /** force_refresh: only for refreshable connections, and not sooner than the interval after the last refresh. */
  private checkForcedRefresh(connection: Connection, credentials: Credentials): void {
    if (!this.refreshable(connection, credentials)) {
      throw new PatchbayError(
        'PB_ERR_VALIDATION',
        `query.force_refresh: connection ${connection.id} has no token to refresh (${connection.authType}${connection.authType === 'oauth2' ? ' without a refresh token' : ''})`,
      )
    }
    const last = connection.refreshedAt ?? connection.createdAt
    const wait = last + FORCE_REFRESH_INTERVAL_MS - Date.now()
    if (wait > 0 && connection.refreshStartedAt === null) throw forcedTooSoon(connection, 'refreshed', wait)
  }

  /**
   * One forced attempt per interval, whatever its outcome: the last refresh time only moves when a
   * refresh succeeds, so without this count a caller could make Patchbay call an app that refuses
   * the refresh as often as it likes. Joining a refresh already under way is not an attempt.
   */
  private async countForcedRefresh(connection: Connection): Promise<void> {
    const now = Date.now()
    const hit = await this.deps.rateLimits.hit(`force-refresh:${connection.id}`, FORCE_REFRESH_INTERVAL_MS, now)
    if (hit.count > 1 && connection.refreshStartedAt === null) throw forcedTooSoon(connection, 'forced to refresh', hit.resetAt - now)
  }

  private refreshable(connection: Connection, credentials: Credentials): boolean {
    if (connection.authType === 'oauth2_client_credentials') return true
    return connection.authType === 'oauth2' && typeof credentials.refresh_token === 'string' && credentials.refresh_token !== ''
  }

  private needsRefresh(connection: Connection, credentials: Credentials, options: FreshOptions): boolean {
    if (!this.refreshable(connection, credentials)) return false
    if (options.rejectedAccessToken !== undefined) return options.rejectedAccessToken === credentials.access_token
    if (connection.refreshStartedAt !== null || options.force) return true
    if (connection.expiresAt === null) return false
    // The caller's own margin is honoured as asked (docs/api.md, "Fresh credentials").
    if (options.minValiditySeconds !== undefined) return connection.expiresAt - Date.now() < options.minValiditySeconds * 1000
    // Patchbay's default margin: a token living shorter than twice the margin is refreshed at half its life, not on every use.
    const lifetime = connection.expiresAt - (connection.refreshedAt ?? connection.createdAt)
    const margin = Math.min((options.aheadSeconds ?? 120) * 1000, lifetime / 2)
    return connection.expiresAt - Date.now() < margin
  }

  /** One refresh, under the cross-process lease; waits for a sibling's refresh instead of racing it. */
  private async refresh(start: Connection, log: LineLogger): Promise<FreshCredentials> {
    const owner = { partnerId: start.partnerId, endUserId: start.endUserId }
    const deadline = Date.now() + this.deps.leaseMs + 5_000
    for (;;) {
      const current = await this.deps.connections.get(owner, start.id)
      if (!current) throw new PatchbayError('PB_ERR_NOT_FOUND', `connection ${start.id} not found`)
      if (current.status === 'needs_reauth') throw new CredentialRevokedError(current.id, current.statusReason ?? 'refresh failed')
      // A sibling refreshed since we looked: its tokens are the fresh ones.
      if (current.version !== start.version && current.refreshStartedAt === null) {
        return { connection: current, credentials: await this.deps.connections.credentials(current) }
      }
      const now = Date.now()
      const leaseFree = current.refreshStartedAt === null || now - current.refreshStartedAt > this.deps.leaseMs
      if (leaseFree) {
        const interrupted = current.refreshStartedAt !== null
        const acquired = await this.deps.db
          .updateTable('connections')
          .set({ refresh_started_at: now })
          .where('id', '=', current.id)
          .where('version', '=', current.version)
          .where((eb) =>
            current.refreshStartedAt === null
              ? eb('refresh_started_at', 'is', null)
              : eb('refresh_started_at', '=', current.refreshStartedAt),
          )
          .executeTakeFirst()
        if (acquired.numUpdatedRows === 1n) {
          await this.deps.connections.changed(this.deps.db, owner)
          return this.refreshHolding(current, now, interrupted, log)
        }
      }
      if (Date.now() > deadline) throw new PatchbayError('PB_ERR_UPSTREAM', `timed out waiting for the refresh of connection ${start.id}`)
      await new Promise((resolve) => setTimeout(resolve, WAIT_STEP_MS))
    }
  }

  /** We hold the lease (`refresh_started_at = lease`): ask the provider, then commit or give up clearly. */
  private async refreshHolding(connection: Connection, lease: number, interrupted: boolean, log: LineLogger): Promise<FreshCredentials> {
    const owner = { partnerId: connection.partnerId, endUserId: connection.endUserId }
    const credentials = await this.deps.connections.credentials(connection)
    let tokens: TokenSet
    try {
      tokens = await this.requestNewTokens(connection, credentials)
    } catch (err) {
      if (err instanceof ProviderTokenError && err.error === 'invalid_grant') {
        // A sibling that refreshed after an expired lease may have rotated the token: re-read first.
        const now = await this.deps.connections.get(owner, connection.id)
        if (now && now.version !== connection.version) {
          await this.releaseLease(connection, lease)
          return { connection: now, credentials: await this.deps.connections.credentials(now) }
        }
        const reason = interrupted
          ? 'an interrupted refresh may have used up the refresh token; the provider refused it (invalid_grant)'
          : `the provider refused the refresh token (invalid_grant${err.message.includes(':') ? `: ${err.message.split(':').slice(1).join(':').trim()}` : ''})`
        await this.markNeedsReauth(connection, lease, reason, log)
        this.deps.metrics?.refresh(connection.appKey, 'needs_reauth')
        throw new CredentialRevokedError(connection.id, reason)
      }
      this.deps.metrics?.refresh(connection.appKey, 'failed')
      await this.deps.db.transaction().execute(async (trx) => {
        const res = await trx
          .updateTable('connections')
          .set((eb) => ({ refresh_started_at: null, refresh_failures: eb('refresh_failures', '+', 1) }))
          .where('id', '=', connection.id)
          .where('refresh_started_at', '=', lease)
          .executeTakeFirst()
        if (res.numUpdatedRows === 1n) {
          await this.deps.connections.changed(trx, owner)
          await this.deps.audit.record(trx, connection, 'refresh_failed', REFRESH_ACTOR, {
            reason: (err as Error).message.slice(0, 300),
            status: connection.status,
          })
        }
      })
      log.warn({ connection: connection.id, err: (err as Error).message }, 'token refresh failed')
      // The old access token may still be good for a while: better than failing the call.
      if (connection.expiresAt !== null && connection.expiresAt > Date.now() && !interrupted) return { connection, credentials }
      // One cause, one code: an address the outbound rules refuse is PB_ERR_OUTBOUND_BLOCKED everywhere (docs/errors.md).
      const code = isOutboundRefusal(err) ? 'PB_ERR_OUTBOUND_BLOCKED' : 'PB_ERR_UPSTREAM'
      throw new PatchbayError(code, `refreshing connection ${connection.id} failed: ${(err as Error).message}`, { cause: err })
    }

    const next: Credentials = {
      ...credentials,
      access_token: tokens.accessToken,
      refresh_token: tokens.refreshToken ?? credentials.refresh_token ?? null,
      ...(tokens.tokenType ? { token_type: tokens.tokenType } : {}),
      ...(tokens.idToken ? { id_token: tokens.idToken } : {}),
    }
    const now = Date.now()
    const committed = await this.deps.db.transaction().execute(async (trx) => {
      const res = await trx
        .updateTable('connections')
        .set((eb) => ({
          credentials: this.deps.vault.encrypt(JSON.stringify(next), connectionCredentialsAad(connection.partnerId, connection.id)),
          expires_at: tokens.expiresAt,
          ...(tokens.scopes ? { scopes: JSON.stringify(tokens.scopes) } : {}),
          version: eb('version', '+', 1),
          refresh_started_at: null,
          refresh_failures: 0,
          refreshed_at: now,
          updated_at: now,
        }))
        .where('id', '=', connection.id)
        .where('refresh_started_at', '=', lease)
        .executeTakeFirst()
      if (res.numUpdatedRows === 1n) {
        await this.deps.connections.changed(trx, owner)
        await this.deps.audit.record(
          trx,
          connection,
          'refreshed',
          REFRESH_ACTOR,
          { expires_at: tokens.expiresAt === null ? null : isoTime(tokens.expiresAt) },
          now,
        )
      }
      return res
    })
    this.deps.metrics?.refresh(connection.appKey, committed.numUpdatedRows === 1n ? 'ok' : 'failed')
    if (committed.numUpdatedRows !== 1n) {
      // Our lease expired and a sibling took over: its outcome is the one that counts.
      const current = await this.deps.connections.get(owner, connection.id)
      if (!current) throw new PatchbayError('PB_ERR_NOT_FOUND', `connection ${connection.id} not found`)
      return this.freshFor(current, { log })
    }
    const updated = (await this.deps.connections.get(owner, connection.id)) as Connection
    return { connection: updated, credentials: next }
  }

  private async requestNewTokens(connection: Connection, credentials: Credentials): Promise<TokenSet> {
    const app = this.deps.catalog.get(connection.appKey)
    const option = app?.auth.find((o) => o.key === connection.authOption)
    if (!app || !option) throw new PatchbayError('PB_ERR_INTERNAL', `app ${connection.appKey} is no longer in the catalog`)
    if (option.type === 'oauth2_client_credentials') return this.clientCredentials(app, option, connection, credentials)
    if (option.type !== 'oauth2') throw new PatchbayError('PB_ERR_INTERNAL', `${connection.authType} connections are not refreshed`)
    const partnerApp = await this.deps.partnerApps.get(connection.partnerId, app.key)
    if (!partnerApp?.clientId) throw new PatchbayError('PB_ERR_INTERNAL', `${app.name} has no OAuth client configured`)
    const endpoints = await resolveOAuth2Endpoints(app, option as OAuth2Option, partnerApp, this.deps)
    const url = endpointUrl(
      endpoints.tokenEndpoint as string,
      { params: connection.params, metadata: connection.metadata, settings: partnerApp.settings },
      endpoints,
      this.deps.addressPolicy,
    )
    const request = buildTokenRequest(
      option,
      url.toString(),
      { clientId: partnerApp.clientId, clientSecret: partnerApp.clientSecret },
      {
        grant_type: 'refresh_token',
        refresh_token: String(credentials.refresh_token),
      },
    )
    return requestTokens(this.deps.http, option, request)
  }

  /** Client-credentials connections get a new token with the stored client id and secret. */
  private clientCredentials(
    app: App,
    option: OAuth2ClientCredentialsOption,
    connection: Connection,
    credentials: Credentials,
  ): Promise<TokenSet> {
    const values = { params: connection.params, credentials: credentialValues(credentials), metadata: connection.metadata }
    const tokenParams: Record<string, string> = {}
    for (const [k, v] of Object.entries(option.token_params ?? {})) tokenParams[k] = renderTemplate(v, values)
    const url = endpointUrl(
      option.token_url,
      { params: connection.params, metadata: connection.metadata, settings: {} },
      { allowedHosts: app.api.allowed_hosts },
      this.deps.addressPolicy,
    )
    const extra: Record<string, string> = { grant_type: tokenParams.grant_type ?? 'client_credentials' }
    if (option.scopes.length) extra.scope = option.scopes.join(option.scope_separator)
    const request = buildTokenRequest(
      { ...option, token_params: tokenParams },
      url.toString(),
      { clientId: String(credentials.client_id ?? ''), clientSecret: String(credentials.client_secret ?? '') },
      extra,
    )
    return requestTokens(this.deps.http, option, request)
  }

  private async releaseLease(connection: Connection, lease: number): Promise<void> {
    const res = await this.deps.db
      .updateTable('connections')
      .set({ refresh_started_at: null })
      .where('id', '=', connection.id)
      .where('refresh_started_at', '=', lease)
      .executeTakeFirst()
    if (res.numUpdatedRows === 1n)
      await this.deps.connections.changed(this.deps.db, { partnerId: connection.partnerId, endUserId: connection.endUserId })
  }

  /** Marks the connection needs_reauth once (under our lease) and announces it in the same transaction. */
  private async markNeedsReauth(connection: Connection, lease: number, reason: string, log: LineLogger): Promise<void> {
    await this.deps.db.transaction().execute(async (trx) => {
      const now = Date.now()
      const res = await trx
        .updateTable('connections')
        .set({ status: 'needs_reauth', status_reason: reason, refresh_started_at: null, updated_at: now })
        .where('id', '=', connection.id)
        .where('refresh_started_at', '=', lease)
        .where('status', '=', 'active')
        .executeTakeFirst()
      if (res.numUpdatedRows !== 1n) return
      await this.deps.connections.changed(trx, { partnerId: connection.partnerId, endUserId: connection.endUserId })
      const updated = await this.deps.connections.get(
        { partnerId: connection.partnerId, endUserId: connection.endUserId },
        connection.id,
        trx,
      )
      if (updated) await enqueueConnectionEvent(trx, 'connection.refresh_failed', updated, { reason }, now)
      await this.deps.audit.record(trx, connection, 'refresh_failed', REFRESH_ACTOR, { reason, status: 'needs_reauth' }, now)
    })
    log.info({ connection: connection.id }, 'connection needs reauthorization')
  }

  /** Background sweep: refreshes active connections whose tokens expire within `aheadMs`. */
  async refreshDue(aheadMs: number, limit = 50): Promise<number> {
    const rows = await this.deps.db
      .selectFrom('connections')
      .select(['id', 'partner_id', 'end_user_id'])
      .where('status', '=', 'active')
      .where('auth_type', 'in', ['oauth2', 'oauth2_client_credentials'])
      .where('expires_at', 'is not', null)
      .where('expires_at', '<', Date.now() + aheadMs)
      .orderBy('expires_at')
      .limit(rowLimit(limit))
      .execute()
    let refreshed = 0
    for (const row of rows) {
      try {
        const before = await this.deps.connections.get({ partnerId: row.partner_id, endUserId: row.end_user_id }, row.id)
        if (!before) continue
        const after = await this.freshFor(before, { aheadSeconds: aheadMs / 1000 })
        if (after.connection.version !== before.version) refreshed++
      } catch (err) {
        if (!(err instanceof CredentialRevokedError))
          this.deps.log.warn({ connection: row.id, err: (err as Error).message }, 'sweep refresh failed')
      }
    }
    return refreshed
  }
}
