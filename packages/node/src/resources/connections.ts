import { type ApiCaller, type RequestOptions, segment } from '../lib/api.js'
import { allPages } from '../lib/pages.js'
import type {
  AuditEntry,
  AuditPage,
  Connection,
  ConnectionCredentials,
  ConnectionList,
  ConnectionStatus,
  ConnectSession,
} from '../types.js'

export interface ListConnectionsOptions {
  /** Only connections of this app (catalog key). */
  app?: string
  status?: ConnectionStatus
  /** Page size, 1 to 100 (server default 25). */
  limit?: number
  /** `next_cursor` of the previous page. */
  cursor?: string
}

export interface CreateConnectionOptions {
  /** Catalog key of the app. */
  app: string
  /** The app's auth option (its only API-key or basic option when absent). */
  authOption?: string
  name?: string | null
  /** Connection parameters the app needs (e.g. a subdomain). */
  params?: Record<string, string>
  /** The secrets, by the auth option's credential field keys (e.g. `{ api_key }`). Checked against the app before saving. */
  credentials: Record<string, string>
  /** Keep the user's other connections of the same app (default: replace them). */
  allowMultiple?: boolean
}

export interface CredentialsOptions {
  /**
   * Refresh OAuth tokens first when they expire within this many seconds, as given (at most 3600).
   * Without it the server refreshes within 120 s, or at half the lifetime of tokens living under 4 minutes.
   */
  minValidity?: number
  /**
   * Refresh now, whatever the expiry. At most once per 10 s per connection: sooner throws
   * `PB_ERR_RATE_LIMITED` (429) with `retryAfter`; a connection without a token to refresh throws `PB_ERR_VALIDATION`.
   */
  forceRefresh?: boolean
}

export interface UpgradeScopesOptions {
  /** Registered origin the popup posts its result to (the partner's only one by default). */
  allowedOrigin?: string
  /** Registered URI the browser returns to (redirect mode). */
  redirectUri?: string
  /** Opaque string returned with the result. */
  customState?: string
}

export interface ListAuditOptions {
  /** Page size, 1 to 100 (server default 25). */
  limit?: number
  /** `next_cursor` of the previous page. */
  cursor?: string
}

/** `limit` checked before anything is sent. */
export function checkLimit(limit: unknown, path = 'options.limit'): void {
  if (limit !== undefined && (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1)) {
    throw new TypeError(`${path}: must be a positive integer`)
  }
}

/** This end user's connections. */
export class Connections {
  /** @internal */
  constructor(private readonly api: ApiCaller) {}

  /** `GET /v1/connections`: one page, oldest first. */
  async list(options: ListConnectionsOptions = {}, requestOptions?: RequestOptions): Promise<ConnectionList> {
    checkLimit(options.limit)
    return this.api.call({
      operation: 'listConnections',
      query: { app: options.app, status: options.status, limit: options.limit, cursor: options.cursor },
      options: requestOptions,
    })
  }

  /** Every connection matching `options`, page after page (`limit` is the page size). */
  listAll(
    options: Omit<ListConnectionsOptions, 'cursor'> = {},
    requestOptions?: RequestOptions,
  ): AsyncGenerator<Connection, void, undefined> {
    return allPages('GET /v1/connections', (cursor) =>
      this.list({ ...options, ...(cursor === undefined ? {} : { cursor }) }, requestOptions),
    )
  }

  /** `GET /v1/connections/{id}`; `PB_ERR_NOT_FOUND` for unknown ids and other users' connections. */
  async get(id: string, requestOptions?: RequestOptions): Promise<Connection> {
    return this.api.call({ operation: 'getConnection', params: { id: segment(id, 'id') }, connectionId: id, options: requestOptions })
  }

  /** `PATCH /v1/connections/{id}`: a new display name (1 to 200 characters), or null to clear it. */
  async rename(id: string, name: string | null, requestOptions?: RequestOptions): Promise<Connection> {
    if (typeof name !== 'string' && name !== null) throw new TypeError('name: must be a string or null')
    return this.api.call({
      operation: 'renameConnection',
      params: { id: segment(id, 'id') },
      body: { name },
      connectionId: id,
      options: requestOptions,
    })
  }

  /**
   * `POST /v1/connections/{id}/upgrade` (scope `connect`): a connect session that asks the user for
   * more scopes on this OAuth 2.0 connection. It keeps its id; its scopes become what the provider
   * granted and `connection.updated` is sent. Consent given with another account is refused and
   * changes nothing. `PB_ERR_VALIDATION` for a scope the app does not offer or a non-OAuth connection.
   */
  async upgrade(
    id: string,
    scopes: string[],
    options: UpgradeScopesOptions = {},
    requestOptions?: RequestOptions,
  ): Promise<ConnectSession> {
    if (!Array.isArray(scopes) || scopes.length === 0 || scopes.some((s) => typeof s !== 'string' || s === '')) {
      throw new TypeError('scopes: must be a non-empty array of scope strings')
    }
    const session = await this.api.call({
      operation: 'upgradeConnectionScopes',
      params: { id: segment(id, 'id') },
      body: {
        scopes,
        ...(options.allowedOrigin !== undefined ? { allowed_origin: options.allowedOrigin } : {}),
        ...(options.redirectUri !== undefined ? { redirect_uri: options.redirectUri } : {}),
        ...(options.customState !== undefined ? { custom_state: options.customState } : {}),
      },
      connectionId: id,
      options: requestOptions,
    })
    return {
      token: session.token,
      connectUrl: session.connect_url,
      sessionId: session.session_id,
      expiresAt: session.expires_at,
      expiresIn: session.expires_in,
    }
  }

  /** `DELETE /v1/connections/{id}` (revoking at the provider where it can). */
  async delete(id: string, requestOptions?: RequestOptions): Promise<void> {
    await this.api.call({ operation: 'deleteConnection', params: { id: segment(id, 'id') }, connectionId: id, options: requestOptions })
  }

  /**
   * `GET /v1/connections/{id}/audit`: one page of the connection's audit log, newest first (scope
   * `connections:read`). Entries outlive a deleted connection until the retention period ends.
   */
  async audit(id: string, options: ListAuditOptions = {}, requestOptions?: RequestOptions): Promise<AuditPage> {
    checkLimit(options.limit)
    return this.api.call({
      operation: 'listConnectionAudit',
      params: { id: segment(id, 'id') },
      query: { limit: options.limit, cursor: options.cursor },
      connectionId: id,
      options: requestOptions,
    })
  }

  /** Every entry of the connection's audit log, newest first, page after page. */
  auditAll(
    id: string,
    options: Omit<ListAuditOptions, 'cursor'> = {},
    requestOptions?: RequestOptions,
  ): AsyncGenerator<AuditEntry, void, undefined> {
    return allPages('GET /v1/connections/{id}/audit', (cursor) =>
      this.audit(id, { ...options, ...(cursor === undefined ? {} : { cursor }) }, requestOptions),
    )
  }

  /**
   * `POST /v1/connections`: connects an API-key or basic-auth app without the Connect UI. The app
   * checks the credentials first: `PB_ERR_CREDENTIALS_REJECTED` (422) when it refuses them. Not
   * retried (a write without an idempotency key).
   */
  async create(options: CreateConnectionOptions, requestOptions?: RequestOptions): Promise<Connection> {
    if (typeof options !== 'object' || options === null) throw new TypeError('options: must be an object')
    segment(options.app, 'options.app')
    if (typeof options.credentials !== 'object' || options.credentials === null) {
      throw new TypeError('options.credentials: must be an object')
    }
    return this.api.call({
      operation: 'createConnection',
      body: {
        app: options.app,
        credentials: options.credentials,
        ...(options.authOption === undefined ? {} : { auth_option: options.authOption }),
        ...(options.name === undefined ? {} : { name: options.name }),
        ...(options.params === undefined ? {} : { params: options.params }),
        ...(options.allowMultiple === undefined ? {} : { allow_multiple: options.allowMultiple }),
      },
      options: requestOptions,
    })
  }

  /**
   * `GET /v1/connections/{id}/credentials`: fresh secrets for the partner's backend.
   * {@link CredentialRevokedError} when the connection needs to be reconnected.
   */
  async credentials(id: string, options: CredentialsOptions = {}, requestOptions?: RequestOptions): Promise<ConnectionCredentials> {
    const { minValidity, forceRefresh } = options
    if (minValidity !== undefined && (!Number.isInteger(minValidity) || minValidity < 0)) {
      throw new TypeError('options.minValidity: must be a non-negative integer (seconds)')
    }
    if (forceRefresh !== undefined && typeof forceRefresh !== 'boolean') throw new TypeError('options.forceRefresh: must be a boolean')
    return this.api.call({
      operation: 'getConnectionCredentials',
      params: { id: segment(id, 'id') },
      query: { min_validity: minValidity, ...(forceRefresh ? { force_refresh: true } : {}) },
      connectionId: id,
      options: requestOptions,
    })
  }
}
