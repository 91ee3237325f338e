import type { Generated } from 'kysely'

/**
 * Column types are the portable subset of SQLite and PostgreSQL: text, integer/bigint (epoch
 * milliseconds for times) and JSON kept as text, so one migration set serves both.
 */
export interface PartnersTable {
  id: string
  name: string
  jwks_url: string | null
  jwks_inline: string | null
  algorithms: string
  issuer: string
  audience: string
  user_claim: string
  tenant_claim: string | null
  client_id: string
  client_secret_hash: string
  redirect_uris: string
  allowed_origins: string
  webhook_url: string | null
  branding: Generated<string>
  webhook_secret: string | null
  /** The last JWKS fetched successfully, kept so an outage or a restart does not stop verification. */
  jwks_last_good: string | null
  jwks_fetched_at: number | null
  created_at: number
  updated_at: number
}

export interface EndUsersTable {
  id: string
  partner_id: string
  tenant_id: string
  external_id: string
  created_at: number
  last_seen_at: number
}

export interface AccessTokensTable {
  token_hash: string
  partner_id: string
  end_user_id: string
  scope: string
  expires_at: number
  created_at: number
  revoked_at: number | null
  /** null: the REST API; `mcp`: the MCP endpoint only (docs/mcp.md). */
  resource: string | null
  /** The toolset an MCP token opens. */
  toolset: string | null
}

export interface AuditEventsTable {
  id: string
  partner_id: string
  connection_id: string
  end_user_id: string
  app_key: string
  action: string
  actor_type: string
  actor_id: string
  actor_via: string | null
  detail: string | null
  at: number
}

export interface ConsoleSessionsTable {
  id_hash: string
  partner_id: string
  actor: string
  csrf_token: string
  credential: string
  created_at: number
  expires_at: number
}

export interface OperatorKeysTable {
  id: string
  partner_id: string
  name: string
  key_hash: string
  created_at: number
  revoked_at: number | null
}

export interface ConnectionStatusSamplesTable {
  partner_id: string
  hour: number
  status: string
  count: number
}

export interface ToolsetsTable {
  partner_id: string
  name: string
  definition: string
  created_at: number
  updated_at: number
}

export interface ConnectSessionsTable {
  id: string
  code_hash: string
  partner_id: string
  end_user_id: string
  apps: string
  allowed_origin: string | null
  redirect_uri: string | null
  reconnect_id: string | null
  custom_state: string | null
  allow_multiple: Generated<number>
  nonce: string
  expires_at: number
  used_at: number | null
  browser_hash: string | null
  context: string | null
  outcome: string | null
  outcome_read_at: number | null
  /** JSON array: the scopes a scope-upgrade session adds (docs/api.md, "Upgrading scopes"). */
  upgrade_scopes: string | null
  created_at: number
  /** The connect link the session was opened from (docs/connect-links.md). */
  link_id: string | null
}

export interface ConnectLinksTable {
  id: string
  token_hash: string
  partner_id: string
  end_user_id: string
  apps: string
  redirect_uri: string | null
  custom_state: string | null
  expires_at: number
  created_at: number
  revoked_at: number | null
  opened_at: number | null
  session_id: string | null
}

export interface UsedJtisTable {
  partner_id: string
  jti: string
  expires_at: number
}

export interface PartnerAppsTable {
  partner_id: string
  app_key: string
  client_id: string | null
  client_secret: string | null
  scopes: string | null
  settings: string
  created_at: number
  updated_at: number
}

export type ConnectionStatus = 'active' | 'needs_reauth' | 'error'

export interface ConnectionsTable {
  id: string
  partner_id: string
  end_user_id: string
  app_key: string
  auth_option: string
  auth_type: string
  name: string | null
  status: ConnectionStatus
  status_reason: string | null
  account_identifier: string | null
  scopes: string
  params: string
  metadata: string
  credentials: string
  expires_at: number | null
  version: Generated<number>
  created_at: number
  updated_at: number
  refreshed_at: number | null
  refresh_started_at: number | null
  refresh_failures: Generated<number>
}

export type WebhookEventStatus = 'pending' | 'delivering' | 'succeeded' | 'failed' | 'skipped'

export interface WebhookEventsTable {
  id: string
  partner_id: string
  type: string
  payload: string
  status: WebhookEventStatus
  attempts: Generated<number>
  next_attempt_at: number
  locked_until: number | null
  created_at: number
  updated_at: number
}

export interface WebhookAttemptsTable {
  id: string
  event_id: string
  attempt: number
  url: string
  status_code: number | null
  error: string | null
  duration_ms: number
  created_at: number
}

export interface OAuthFlowsTable {
  state_hash: string
  session_id: string
  app_key: string
  auth_option: string
  browser_hash: string
  secrets: string
  context: string
  expires_at: number
  used_at: number | null
  created_at: number
}

/** A rate-limit window (PostgreSQL only; see rate-limit/counter.ts). */
export interface RateLimitsTable {
  key: string
  count: number
  reset_at: number
}

export type RunStatus = 'queued' | 'running' | 'waiting' | 'succeeded' | 'failed' | 'canceled' | 'timed_out' | 'requires_action'

export interface RunsTable {
  id: string
  partner_id: string
  end_user_id: string
  connection_id: string
  app_key: string
  action_key: string
  action_version: string
  status: RunStatus
  attempt: Generated<number>
  inputs: string
  output: string | null
  error: string | null
  metadata: string | null
  idempotency_key: string | null
  request_hash: string
  timeout_ms: number
  dry_run: Generated<number>
  output_truncated: Generated<number>
  webhook: Generated<number>
  retry_at: number | null
  lease_owner: string | null
  lease_expires_at: number | null
  cancel_requested_at: number | null
  created_at: number
  started_at: number | null
  finished_at: number | null
  updated_at: number
}

export interface RunLogsTable {
  run_id: string
  seq: number
  attempt: number
  kind: 'http' | 'log'
  level: string
  message: string
  data: string | null
  created_at: number
}

export interface Database {
  partners: PartnersTable
  end_users: EndUsersTable
  access_tokens: AccessTokensTable
  connect_sessions: ConnectSessionsTable
  connect_links: ConnectLinksTable
  used_jtis: UsedJtisTable
  partner_apps: PartnerAppsTable
  connections: ConnectionsTable
  oauth_flows: OAuthFlowsTable
  webhook_events: WebhookEventsTable
  webhook_attempts: WebhookAttemptsTable
  rate_limits: RateLimitsTable
  runs: RunsTable
  run_logs: RunLogsTable
  toolsets: ToolsetsTable
  audit_events: AuditEventsTable
  console_sessions: ConsoleSessionsTable
  operator_keys: OperatorKeysTable
  connection_status_samples: ConnectionStatusSamplesTable
}
