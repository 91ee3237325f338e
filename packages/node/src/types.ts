/** Response shapes of the REST API, as the server sends them (snake_case JSON). */

export type ConnectionStatus = 'active' | 'needs_reauth' | 'error'

/** One end user's authorized account at one app. Never holds credentials. */
export interface Connection {
  id: string
  /** Catalog key of the app. */
  app: string
  /** The app's auth option the user connected with. */
  auth_option: string
  /** `oauth2`, `oauth2_client_credentials`, `oauth1`, `api_key`, `basic` or `none`. */
  auth_type: string
  name: string | null
  status: ConnectionStatus
  /** Why the connection is not `active`, when known. */
  status_reason: string | null
  /** The account at the provider (email, workspace name), when known. */
  account_identifier: string | null
  scopes: string[]
  /** Non-secret connection parameters (e.g. a subdomain). */
  params: Record<string, string>
  metadata: Record<string, string>
  /** When the access token expires, if it does. */
  expires_at: string | null
  created_at: string
  updated_at: string
  /** The end user it belongs to (the partner's own ids), where the server includes it. */
  end_user?: { tenant_id: string; user_id: string }
}

/** A page of connections. */
export interface ConnectionList {
  data: Connection[]
  /** Pass as `cursor` for the next page; null on the last page. */
  next_cursor: string | null
}

/** Fresh credentials of a connection, for the partner's backend only. */
export interface ConnectionCredentials {
  connection_id: string
  auth_type: string
  /** Every secret the connection holds (access_token, api_key, …), by name. */
  credentials: Record<string, string | number | null>
  expires_at: string | null
}

/** A field the user supplies to connect an app: a connection parameter or a credential. */
export interface AppField {
  key: string
  label: string
  /** `param`: goes in `params` of connections.create(); `credential`: in `credentials`. */
  kind: 'param' | 'credential'
  help?: string
  /** Regular expression the value must match. */
  pattern?: string
  example?: string
  secret: boolean
  optional: boolean
  prefix?: string
  suffix?: string
  default?: string
}

/** One way to connect an app. */
export interface AppAuthOption {
  key: string
  /** oauth2 and oauth1 connect in the Connect UI only; the others also through connections.create(). */
  type: 'oauth2' | 'oauth2_client_credentials' | 'oauth1' | 'api_key' | 'basic' | 'none'
  label: string
  fields: AppField[]
}

/** An app of the catalog as the partner offers it. */
export interface App {
  key: string
  name: string
  description: string
  categories: string[]
  logo_url: string | null
  brand_color: string | null
  docs_url: string
  /** The ways this partner offers to connect the app. */
  auth: AppAuthOption[]
  /** Opens the Connect UI for this app (add `?token=<connect session code>`); null when the app needs no connection. */
  connect_link: string | null
}

/** The end user an access token acts for (`GET /v1/me`). */
export interface Me {
  partner_id: string
  tenant_id: string
  user_id: string
  scopes: string[]
  expires_at: string
}

/** A single-use code that opens the Connect UI for one end user. */
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
