import type { AuditActor, AuditLog } from '../audit/audit-log.js'
import type { Kysely } from 'kysely'
import type { OAuth2Option } from '../catalog/app-schema.js'
import type { Catalog } from '../catalog/load-catalog.js'
import type { PatchbayDatabase } from '../db/database.js'
import type { ConnectionStatus, Database } from '../db/schema.js'
import { PatchbayError } from '../errors.js'
import type { LineLogger } from '../logger.js'
import type { DiscoveryCache } from '../provider-oauth/oauth2/discovery.js'
import { endpointUrl, resolveOAuth2Endpoints } from '../provider-oauth/oauth2/endpoints.js'
import { buildRevocationRequest, revokeToken, type TokenTypeHint } from '../provider-oauth/oauth2/revoke-token.js'
import type { AddressPolicy } from '../outbound/address-policy.js'
import type { SafeHttpClient } from '../outbound/safe-fetch.js'
import type { PartnerApps } from '../partners/partner-apps.js'
import { connectionCredentialsAad } from '../vault/associated-data.js'
import type { Vault } from '../vault/vault.js'
import { enqueueConnectionEvent } from '../webhooks/connection-events.js'
import { ConnectionListing, type ListedConnection, type Page, type PageRequest } from './connection-listing.js'
import { type ConnectionStore, toConnection } from './connection-store.js'
import type { Connection, Credentials, Owner } from './connection-types.js'

export interface ListConnectionsOptions extends PageRequest {
  app?: string | undefined
  status?: ConnectionStatus | undefined
}

export interface ListPartnerConnectionsOptions extends ListConnectionsOptions {
  /** The partner's tenant id of the end users to list. */
  tenantId?: string | undefined
  /** The partner's own user id (the JWT's user claim), across tenants unless `tenantId` is given. */
  userId?: string | undefined
}

export type { ListedConnection } from './connection-listing.js'

/** A page of the partner's connections, each with its end user's ids. */
export type ConnectionPage = Page<ListedConnection>

export interface ConnectionServiceDeps {
  db: Kysely<Database>
  /** For the listing's hot path (connection-listing.ts). */
  database: PatchbayDatabase
  connections: ConnectionStore
  catalog: Catalog
  partnerApps: PartnerApps
  vault: Vault
  http: SafeHttpClient
  addressPolicy: AddressPolicy
  discovery: DiscoveryCache
  /** For calls not made on behalf of a request (each method takes the request's logger). */
  log: LineLogger
  audit: AuditLog
}

const REVOCATION_ORDER: TokenTypeHint[] = ['refresh_token', 'access_token']

/**
 * What the REST API does with existing connections: list (one end user's, or a whole partner's for
 * its operators), read, rename, delete. Every query names the owner (partner, and end user where
 * there is one) in its WHERE clause: another user's connection id matches no row, exactly like an
 * id that does not exist.
 */
export class ConnectionService {
  private readonly listing: ConnectionListing

  constructor(private readonly deps: ConnectionServiceDeps) {
    this.listing = new ConnectionListing(deps.database, { cached: true })
  }

  /** One end user's connections, oldest first (created_at, then id). */
  list(owner: Owner, options: ListConnectionsOptions): Promise<Page<Connection>> {
    const { app, status, limit, cursor } = options
    return this.listing.ofEndUser({ partnerId: owner.partnerId, endUserId: owner.endUserId, app, status }, { limit, cursor })
  }

  /** Every connection of the partner (optionally one tenant's or one user's), oldest first. */
  listForPartner(partnerId: string, options: ListPartnerConnectionsOptions): Promise<ConnectionPage> {
    const { app, status, tenantId, userId, limit, cursor } = options
    return this.listing.withEndUsers({ partnerId, tenantId, userId, app, status }, { limit, cursor })
  }

  /** Any of the partner's connections with its end user's ids, or undefined (the console, the audit route). */
  async findForPartner(partnerId: string, id: string): Promise<ConnectionPage['data'][number] | undefined> {
    const row = await this.deps.db
      .selectFrom('connections as c')
      .innerJoin('end_users as u', (join) => join.onRef('u.id', '=', 'c.end_user_id').onRef('u.partner_id', '=', 'c.partner_id'))
      .selectAll('c')
      .select(['u.tenant_id as end_user_tenant_id', 'u.external_id as end_user_external_id'])
      .where('c.partner_id', '=', partnerId)
      .where('c.id', '=', id)
      .executeTakeFirst()
    if (!row) return undefined
    const { end_user_tenant_id, end_user_external_id, ...rest } = row
    return { connection: toConnection(rest), endUser: { tenantId: end_user_tenant_id, userId: end_user_external_id } }
  }

  /** One connection of the partner, whichever end user's, with that end user (the operator API). */
  async getForPartner(partnerId: string, id: string): Promise<ListedConnection> {
    const [listed] = (await this.listing.withEndUsers({ partnerId, id }, { limit: 1 })).data
    if (!listed) throw notFound(id)
    return listed
  }

  /** Deletes one connection of the partner, whichever end user's: {@link delete} on its owner's behalf. */
  async deleteForPartner(partnerId: string, id: string, actor: AuditActor, log: LineLogger = this.deps.log): Promise<void> {
    const { connection } = await this.getForPartner(partnerId, id)
    await this.delete({ partnerId, endUserId: connection.endUserId }, id, actor, log)
  }

  async get(owner: Owner, id: string): Promise<Connection> {
    const connection = await this.deps.connections.get(owner, id)
    if (!connection) throw notFound(id)
    return connection
  }

  /** Sets (or clears, with null) the connection's display name. */
  async rename(owner: Owner, id: string, name: string | null, now: number = Date.now()): Promise<Connection> {
    const res = await this.deps.db
      .updateTable('connections')
      .set({ name, updated_at: now })
      .where('id', '=', id)
      .where('partner_id', '=', owner.partnerId)
      .where('end_user_id', '=', owner.endUserId)
      .executeTakeFirst()
    if (res.numUpdatedRows === 0n) throw notFound(id)
    await this.deps.connections.changed(this.deps.db, owner)
    return this.get(owner, id)
  }

  /**
   * Deletes the connection and queues `connection.deleted` in one transaction, then revokes its
   * tokens at the provider when the app has a revocation endpoint (RFC 7009). The revocation is best
   * effort: a failure is logged and the connection stays deleted. The credentials revoked are the
   * ones of the deleted row itself (DELETE … RETURNING), so a refresh committed just before cannot
   * leave a newer token unrevoked. `log` is the request's logger (its lines then carry the `reqId`).
   */
  async delete(owner: Owner, id: string, actor: AuditActor, log: LineLogger = this.deps.log): Promise<void> {
    const deleted = await this.deps.db.transaction().execute(async (trx) => {
      const row = await trx
        .deleteFrom('connections')
        .where('id', '=', id)
        .where('partner_id', '=', owner.partnerId)
        .where('end_user_id', '=', owner.endUserId)
        .returningAll()
        .executeTakeFirst()
      if (!row) return undefined
      await this.deps.connections.changed(trx, owner)
      const connection = toConnection(row)
      await enqueueConnectionEvent(trx, 'connection.deleted', connection, { connection_id: connection.id, app: connection.appKey })
      await this.deps.audit.record(trx, connection, 'deleted', actor)
      return { connection, sealed: row.credentials }
    })
    if (!deleted) throw notFound(id)
    if (deleted.connection.authType !== 'oauth2') return
    let credentials: Credentials
    try {
      credentials = JSON.parse(this.deps.vault.decrypt(deleted.sealed, connectionCredentialsAad(owner.partnerId, id))) as Credentials
    } catch (err) {
      log.warn({ connection: id, err: (err as Error).message }, 'deleted connection: credentials unreadable, not revoked')
      return
    }
    await this.revokeAtProvider(deleted.connection, credentials, log)
  }

  private async revokeAtProvider(connection: Connection, credentials: Credentials, log: LineLogger): Promise<void> {
    const app = this.deps.catalog.get(connection.appKey)
    const option = app?.auth.find((o): o is OAuth2Option => o.key === connection.authOption && o.type === 'oauth2')
    const tokens = REVOCATION_ORDER.flatMap((hint) => {
      const value = credentials[hint]
      return typeof value === 'string' && value !== '' ? [{ hint, value }] : []
    })
    if (!app || !option || tokens.length === 0) return
    const logFields = { connection: connection.id, app: app.key }
    const partnerApp = await this.deps.partnerApps.get(connection.partnerId, app.key)
    if (!partnerApp?.clientId) {
      log.warn(logFields, 'deleted connection not revoked: the partner has no OAuth client for the app any more')
      return
    }
    let url: string
    try {
      const endpoints = await resolveOAuth2Endpoints(app, option, partnerApp, this.deps)
      if (!endpoints.revocationEndpoint) return
      url = endpointUrl(
        endpoints.revocationEndpoint,
        { params: connection.params, metadata: connection.metadata, settings: partnerApp.settings },
        endpoints,
        this.deps.addressPolicy,
      ).toString()
    } catch (err) {
      log.warn({ ...logFields, err: (err as Error).message }, 'deleted connection not revoked: no usable revocation endpoint')
      return
    }
    const client = { clientId: partnerApp.clientId, clientSecret: partnerApp.clientSecret }
    for (const token of tokens) {
      try {
        await revokeToken(this.deps.http, buildRevocationRequest(option, url, client, token))
        log.info({ ...logFields, token_type_hint: token.hint }, 'token revoked at the provider')
      } catch (err) {
        log.warn({ ...logFields, token_type_hint: token.hint, err: (err as Error).message }, 'token revocation failed')
      }
    }
  }
}

function notFound(id: string): PatchbayError {
  return new PatchbayError('PB_ERR_NOT_FOUND', `connection ${id} not found`)
}
