import { PatchbayError } from '../errors.js'
import { type ApiCaller, segment } from '../lib/api.js'
import type { Connection, ConnectionCredentials, ConnectionList, ConnectionStatus } from '../types.js'

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

function connectionPath(id: string): string {
  return `/v1/connections/${segment(id, 'id')}`
}

/** This end user's connections. */
export class Connections {
  /** @internal */
  constructor(private readonly api: ApiCaller) {}

  /** `GET /v1/connections`: one page, oldest first. */
  async list(options: ListConnectionsOptions = {}): Promise<ConnectionList> {
    if (options.limit !== undefined && (!Number.isInteger(options.limit) || options.limit < 1)) {
      throw new TypeError('options.limit: must be a positive integer')
    }
    const body = await this.api.call({
      method: 'GET',
      path: '/v1/connections',
      query: { app: options.app, status: options.status, limit: options.limit, cursor: options.cursor },
    })
    if (!Array.isArray(body?.data)) {
      throw new PatchbayError('PB_ERR_INVALID_RESPONSE', 'GET /v1/connections: the answer has no data array', { status: 200 })
    }
    const next = body.next_cursor
    return { data: body.data as Connection[], next_cursor: typeof next === 'string' && next !== '' ? next : null }
  }

  /** Every connection matching `options`, page after page (`limit` is the page size). */
  async *listAll(options: Omit<ListConnectionsOptions, 'cursor'> = {}): AsyncGenerator<Connection, void, undefined> {
    let cursor: string | undefined
    do {
      const page = await this.list({ ...options, ...(cursor === undefined ? {} : { cursor }) })
      yield* page.data
      cursor = page.next_cursor ?? undefined
    } while (cursor !== undefined)
  }

  /** `GET /v1/connections/{id}`; `PB_ERR_NOT_FOUND` for unknown ids and other users' connections. */
  async get(id: string): Promise<Connection> {
    return (await this.api.call({ method: 'GET', path: connectionPath(id), connectionId: id })) as unknown as Connection
  }

  /** `PATCH /v1/connections/{id}`: a new display name (1 to 200 characters), or null to clear it. */
  async rename(id: string, name: string | null): Promise<Connection> {
    if (typeof name !== 'string' && name !== null) throw new TypeError('name: must be a string or null')
    return (await this.api.call({ method: 'PATCH', path: connectionPath(id), body: { name }, connectionId: id })) as unknown as Connection
  }

  /** `DELETE /v1/connections/{id}` (revoking at the provider where it can). */
  async delete(id: string): Promise<void> {
    await this.api.call({ method: 'DELETE', path: connectionPath(id), connectionId: id })
  }

  /**
   * `POST /v1/connections`: connects an API-key or basic-auth app without the Connect UI. The app
   * checks the credentials first: `PB_ERR_CREDENTIALS_REJECTED` (422) when it refuses them.
   */
  async create(options: CreateConnectionOptions): Promise<Connection> {
    if (typeof options !== 'object' || options === null) throw new TypeError('options: must be an object')
    segment(options.app, 'options.app')
    if (typeof options.credentials !== 'object' || options.credentials === null) {
      throw new TypeError('options.credentials: must be an object')
    }
    const body = {
      app: options.app,
      credentials: options.credentials,
      ...(options.authOption === undefined ? {} : { auth_option: options.authOption }),
      ...(options.name === undefined ? {} : { name: options.name }),
      ...(options.params === undefined ? {} : { params: options.params }),
      ...(options.allowMultiple === undefined ? {} : { allow_multiple: options.allowMultiple }),
    }
    return (await this.api.call({ method: 'POST', path: '/v1/connections', body })) as unknown as Connection
  }

  /**
   * `GET /v1/connections/{id}/credentials`: fresh secrets for the partner's backend.
   * {@link CredentialRevokedError} when the connection needs to be reconnected.
   */
  async credentials(id: string, options: CredentialsOptions = {}): Promise<ConnectionCredentials> {
    const { minValidity, forceRefresh } = options
    if (minValidity !== undefined && (!Number.isInteger(minValidity) || minValidity < 0)) {
      throw new TypeError('options.minValidity: must be a non-negative integer (seconds)')
    }
    if (forceRefresh !== undefined && typeof forceRefresh !== 'boolean') throw new TypeError('options.forceRefresh: must be a boolean')
    return (await this.api.call({
      method: 'GET',
      path: `${connectionPath(id)}/credentials`,
      query: { min_validity: minValidity, ...(forceRefresh ? { force_refresh: 'true' } : {}) },
      connectionId: id,
    })) as unknown as ConnectionCredentials
  }
}
