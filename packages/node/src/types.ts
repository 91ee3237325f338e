/**
 * Response shapes of the REST API, as the server sends them (snake_case JSON): the schemas of its
 * OpenAPI document (src/generated/openapi.ts, generated from it and checked against it by a test).
 */
import type { components } from './generated/openapi.js'

type Schemas = components['schemas']

/** One end user's authorized account at one app. Never holds credentials. */
export type Connection = Schemas['Connection']

export type ConnectionStatus = Connection['status']

/** A page of connections. */
export type ConnectionList = Schemas['ConnectionPage']

/** Fresh credentials of a connection, for the partner's backend only. */
export type ConnectionCredentials = Schemas['ConnectionCredentials']

/** A field the user supplies to connect an app: a connection parameter or a credential. */
export type AppField = Schemas['AppField']

/** One way to connect an app. */
export type AppAuthOption = Schemas['AppAuthOption']

/** One entry of a connection's audit log: what changed, when, and who did it (docs/operations.md, "Audit log"). */
export type AuditEntry = Schemas['AuditEntry']

/** A page of a connection's audit log, newest first. */
export type AuditPage = Schemas['AuditPage']

/** An app of the catalog as the partner offers it. */
export type App = Schemas['App']

/** A hosted connect link for one end user, with its status and outcome (docs/connect-links.md). */
export type ConnectLink = Schemas['ConnectLink']

/** A new connect link: the URL to send (shown once) and the link. */
export type CreatedConnectLink = Schemas['CreatedConnectLink']

/** A page of connect links. */
export type ConnectLinkPage = Schemas['ConnectLinkPage']

/** Where a connect session stands and, once it ended, its outcome (`GET /v1/connect/sessions/{id}`). */
export type ConnectSessionStatus = Schemas['ConnectSessionStatus']

/** Where to send the browser for a headless OAuth flow. */
export type HeadlessAuthorization = Schemas['HeadlessAuthorization']

/** The end user an access token acts for (`GET /v1/me`). */
export type Me = Schemas['Me']

/** A webhook event Patchbay queued for the partner, with its delivery state (the operator API). */
export type OutgoingWebhookEvent = Schemas['WebhookEvent']

/** A webhook event with every delivery attempt, oldest first. */
export type OutgoingWebhookEventDetail = Schemas['WebhookEventDetail']

/** One delivery attempt of a webhook event. */
export type WebhookAttempt = Schemas['WebhookAttempt']

/** Which actions an MCP toolset offers AI agents, and how (docs/mcp.md). */
export type ToolsetDefinition = Schemas['ToolsetDefinition']

/** A stored toolset. */
export type Toolset = Schemas['Toolset']

/** A toolset with the actions its tools run now. */
export type ToolsetDetail = Schemas['ToolsetDetail']

/** A token for the MCP endpoint, from {@link PatchbayUser.mcpToken} (docs/mcp.md). */
export interface McpToken {
  /** The bearer token an MCP client sends (`Authorization: Bearer …`); valid at `url` only. */
  token: string
  /** The MCP endpoint: `<Patchbay URL>/mcp`. */
  url: string
  /** The toolset the token opens. */
  toolset: string
  /** When the token stops working (ISO 8601). */
  expiresAt: string
  /** Seconds the token is valid for, from the exchange. */
  expiresIn: number
}

/** A single-use code that opens the Connect UI for one end user. */
export interface ConnectSession {
  /** The code for the browser: `/to/{app}?token=…` or the widget's `open({ token })`. */
  token: string
  /**
   * The Connect UI link with the code, ready to open: `…/to/{app}?token=…` when the session allows
   * exactly one app (or reconnects one connection), else the picker `…/connect?token=…`. Single use, like `token`.
   */
  connectUrl: string
  /** The session's public id (shown in widget events; not a secret). */
  sessionId: string
  /** When the code stops working (ISO 8601). */
  expiresAt: string
  /** Seconds the code is valid for, from the exchange. */
  expiresIn: number
}
