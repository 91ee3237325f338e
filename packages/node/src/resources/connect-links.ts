import { type ApiCaller, type RequestOptions, segment } from '../lib/api.js'
import { allPages } from '../lib/pages.js'
import type { ConnectLink, ConnectLinkPage, CreatedConnectLink } from '../types.js'

export interface CreateConnectLinkOptions {
  /** App keys the link may connect (a picker when several); every app when absent. */
  apps?: string[]
  /** Registered URI (exact match) the browser returns to with the result; without it the result is a page. */
  redirectUri?: string
  /** Opaque string handed back with the result (`state`). */
  customState?: string
  /** Lifetime in seconds (default: the server's `PATCHBAY_LINK_TTL`, at most `PATCHBAY_LINK_MAX_TTL`). */
  expiresIn?: number
}

export interface ListConnectLinksOptions {
  status?: ConnectLink['status']
}

/** `/v1/connect/links`: hosted, single-use links for this end user (docs/connect-links.md). */
export class ConnectLinks {
  /** @internal */
  constructor(private readonly api: ApiCaller) {}

  /** `POST /v1/connect/links`: a new link; `url` is shown only here (Patchbay keeps a hash of its token). */
  async create(options: CreateConnectLinkOptions = {}, requestOptions?: RequestOptions): Promise<CreatedConnectLink> {
    if (options.apps !== undefined && (!Array.isArray(options.apps) || options.apps.some((a) => typeof a !== 'string'))) {
      throw new TypeError('options.apps: must be an array of app keys')
    }
    if (options.expiresIn !== undefined && !Number.isSafeInteger(options.expiresIn)) {
      throw new TypeError('options.expiresIn: must be an integer number of seconds')
    }
    return this.api.call({
      operation: 'createConnectLink',
      body: {
        ...(options.apps === undefined ? {} : { apps: options.apps }),
        ...(options.redirectUri === undefined ? {} : { redirect_uri: options.redirectUri }),
        ...(options.customState === undefined ? {} : { custom_state: options.customState }),
        ...(options.expiresIn === undefined ? {} : { expires_in: options.expiresIn }),
      },
      options: requestOptions,
    })
  }

  /** `GET /v1/connect/links`: one page, oldest first. */
  async list(
    options: ListConnectLinksOptions & { limit?: number; cursor?: string } = {},
    requestOptions?: RequestOptions,
  ): Promise<ConnectLinkPage> {
    return this.api.call({
      operation: 'listConnectLinks',
      query: { status: options.status, limit: options.limit, cursor: options.cursor },
      options: requestOptions,
    })
  }

  /** Every link (optionally of one status), page after page as you iterate. */
  listAll(options: ListConnectLinksOptions = {}, requestOptions?: RequestOptions): AsyncGenerator<ConnectLink, void, undefined> {
    return allPages('GET /v1/connect/links', (cursor) =>
      this.list({ ...options, limit: 100, ...(cursor ? { cursor } : {}) }, requestOptions),
    )
  }

  /** `GET /v1/connect/links/{id}`: status (pending, used, expired, revoked) and, once it ended, the outcome and connection id. */
  async get(id: string, requestOptions?: RequestOptions): Promise<ConnectLink> {
    return this.api.call({ operation: 'getConnectLink', params: { id: segment(id, 'id') }, options: requestOptions })
  }

  /** `DELETE /v1/connect/links/{id}`: the link stops working (`PB_ERR_LINK_USED` once its flow ended). */
  async revoke(id: string, requestOptions?: RequestOptions): Promise<ConnectLink> {
    return this.api.call({ operation: 'revokeConnectLink', params: { id: segment(id, 'id') }, options: requestOptions })
  }
}
