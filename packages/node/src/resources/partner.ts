import type { components } from '../generated/openapi.js'
import { type ApiCaller, type RequestOptions, segment } from '../lib/api.js'
import { allPages } from '../lib/pages.js'
import type {
  AuditEntry,
  AuditPage,
  Connection,
  ConnectionList,
  ConnectionStatus,
  OutgoingWebhookEvent,
  OutgoingWebhookEventDetail,
  Toolset,
  ToolsetDefinition,
  ToolsetDetail,
} from '../types.js'
import { checkLimit, type ListAuditOptions } from './connections.js'

export interface ListPartnerConnectionsOptions {
  /** Only this tenant's end users. */
  tenantId?: string
  /** Only this end user (your user id; across tenants without `tenantId`). */
  userId?: string
  app?: string
  status?: ConnectionStatus
  /** Page size, 1 to 100 (server default 25). */
  limit?: number
  cursor?: string
}

/** Every connection of the partner, whichever end user's (`/v1/partner/connections`). */
export class PartnerConnections {
  /** @internal */
  constructor(private readonly api: ApiCaller) {}

  /** `GET /v1/partner/connections`: one page, oldest first, each with its `end_user`. */
  async list(options: ListPartnerConnectionsOptions = {}, requestOptions?: RequestOptions): Promise<ConnectionList> {
    checkLimit(options.limit)
    return this.api.call({
      operation: 'listPartnerConnections',
      query: {
        tenant_id: options.tenantId,
        user_id: options.userId,
        app: options.app,
        status: options.status,
        limit: options.limit,
        cursor: options.cursor,
      },
      options: requestOptions,
    })
  }

  /** Every connection matching `options`, page after page. */
  listAll(
    options: Omit<ListPartnerConnectionsOptions, 'cursor'> = {},
    requestOptions?: RequestOptions,
  ): AsyncGenerator<Connection, void, undefined> {
    return allPages('GET /v1/partner/connections', (cursor) =>
      this.list({ ...options, ...(cursor === undefined ? {} : { cursor }) }, requestOptions),
    )
  }

  /** `GET /v1/partner/connections/{id}`: any end user's connection, with `end_user`. */
  async get(id: string, requestOptions?: RequestOptions): Promise<Connection> {
    return this.api.call({
      operation: 'getPartnerConnection',
      params: { id: segment(id, 'id') },
      connectionId: id,
      options: requestOptions,
    })
  }

  /** `GET /v1/partner/connections/{id}/audit`: one page of any end user's connection's audit log, newest first. */
  async audit(id: string, options: ListAuditOptions = {}, requestOptions?: RequestOptions): Promise<AuditPage> {
    checkLimit(options.limit)
    return this.api.call({
      operation: 'listPartnerConnectionAudit',
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
    return allPages('GET /v1/partner/connections/{id}/audit', (cursor) =>
      this.audit(id, { ...options, ...(cursor === undefined ? {} : { cursor }) }, requestOptions),
    )
  }

  /** `DELETE /v1/partner/connections/{id}`: as the end user's own delete (revoked at the provider where it can, `connection.deleted`). */
  async delete(id: string, requestOptions?: RequestOptions): Promise<void> {
    await this.api.call({
      operation: 'deletePartnerConnection',
      params: { id: segment(id, 'id') },
      connectionId: id,
      options: requestOptions,
    })
  }
}

export type WebhookEventStatus = OutgoingWebhookEvent['status']

export interface ListWebhookEventsOptions {
  status?: WebhookEventStatus
  /** e.g. `connection.created` */
  type?: string
  /** Page size, 1 to 100 (server default 20). */
  limit?: number
  cursor?: string
}

/** The webhook events Patchbay queued for the partner and their deliveries (`/v1/partner/webhooks/events`, docs/webhooks.md). */
export class WebhookEvents {
  /** @internal */
  constructor(private readonly api: ApiCaller) {}

  /** `GET /v1/partner/webhooks/events`: one page, newest first. */
  async list(options: ListWebhookEventsOptions = {}, requestOptions?: RequestOptions): Promise<components['schemas']['WebhookEventPage']> {
    checkLimit(options.limit)
    return this.api.call({
      operation: 'listWebhookEvents',
      query: { status: options.status, type: options.type, limit: options.limit, cursor: options.cursor },
      options: requestOptions,
    })
  }

  /** Every event matching `options`, newest first, page after page. */
  listAll(
    options: Omit<ListWebhookEventsOptions, 'cursor'> = {},
    requestOptions?: RequestOptions,
  ): AsyncGenerator<OutgoingWebhookEvent, void, undefined> {
    return allPages('GET /v1/partner/webhooks/events', (cursor) =>
      this.list({ ...options, ...(cursor === undefined ? {} : { cursor }) }, requestOptions),
    )
  }

  /** `GET /v1/partner/webhooks/events/{id}`: one event with every delivery attempt. */
  async get(id: string, requestOptions?: RequestOptions): Promise<OutgoingWebhookEventDetail> {
    return this.api.call({ operation: 'getWebhookEvent', params: { id: segment(id, 'id') }, options: requestOptions })
  }

  /**
   * `POST /v1/partner/webhooks/events/{id}/redeliver`: queues the event again, due now (409
   * `PB_ERR_CONFLICT` while it is being delivered). Not retried: each call is one more delivery.
   */
  async redeliver(id: string, requestOptions?: RequestOptions): Promise<OutgoingWebhookEvent> {
    return this.api.call({ operation: 'redeliverWebhookEvent', params: { id: segment(id, 'id') }, options: requestOptions })
  }
}

/** The partner's MCP toolsets (`/v1/partner/toolsets`, docs/mcp.md). */
export class Toolsets {
  /** @internal */
  constructor(private readonly api: ApiCaller) {}

  /** `GET /v1/partner/toolsets`: every stored toolset (the built-in `default` is not listed). */
  async list(requestOptions?: RequestOptions): Promise<Toolset[]> {
    return (await this.api.call({ operation: 'listToolsets', options: requestOptions })).data
  }

  /** `GET /v1/partner/toolsets/{name}`: the definition and the actions its tools run now. */
  async get(name: string, requestOptions?: RequestOptions): Promise<ToolsetDetail> {
    return this.api.call({ operation: 'getToolset', params: { name: segment(name, 'name') }, options: requestOptions })
  }

  /** `PUT /v1/partner/toolsets/{name}`: creates or replaces it (checked first: `PB_ERR_VALIDATION` says what is wrong). */
  async put(name: string, definition: ToolsetDefinition, requestOptions?: RequestOptions): Promise<Toolset> {
    if (typeof definition !== 'object' || definition === null) throw new TypeError('definition: must be an object')
    return this.api.call({ operation: 'putToolset', params: { name: segment(name, 'name') }, body: definition, options: requestOptions })
  }

  /** `DELETE /v1/partner/toolsets/{name}`: its MCP tokens are refused from then on. */
  async delete(name: string, requestOptions?: RequestOptions): Promise<void> {
    await this.api.call({ operation: 'deleteToolset', params: { name: segment(name, 'name') }, options: requestOptions })
  }
}

/**
 * The partner's operator API (`/v1/partner/*`), authenticated with the client id and secret (HTTP
 * Basic): what your operators and back-office jobs see across every end user.
 */
export class PartnerApi {
  /** Every end user's connections. */
  readonly connections: PartnerConnections
  /** Webhook events and their deliveries. */
  readonly webhookEvents: WebhookEvents
  /** MCP toolsets. */
  readonly toolsets: Toolsets

  /** @internal Use {@link Patchbay.partner}. */
  constructor(api: ApiCaller) {
    this.connections = new PartnerConnections(api)
    this.webhookEvents = new WebhookEvents(api)
    this.toolsets = new Toolsets(api)
  }
}
