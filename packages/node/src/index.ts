export {
  type ApiErrorCode,
  CredentialRevokedError,
  errorCodes,
  isApiErrorCode,
  OAuthError,
  type OAuthErrorCode,
  PatchbayError,
  type PatchbayErrorCode,
  type PatchbayErrorOptions,
  type SdkErrorCode,
  WebhookVerificationError,
  type WebhookVerificationErrorCode,
} from './errors.js'
export type { RequestOptions } from './lib/api.js'
export { type ForUserOptions, Patchbay, type PatchbayOptions } from './patchbay.js'
export {
  type Action,
  type Actions,
  type ActionSummary,
  type ActionType,
  type CreateRunOptions,
  type DryRunRequest,
  type DynamicInputSchema,
  type FieldOptionsPage,
  type FieldOptionsRequest,
  type InputValidation,
  type ListActionsOptions,
  type ListRunsOptions,
  type Run,
  type RunError,
  type RunLogs,
  type Runs,
  type RunStatus,
  TERMINAL_RUN_STATUSES,
} from './resources/actions.js'
export type { Apps, ListAppsOptions } from './resources/apps.js'
export type {
  Connections,
  CreateConnectionOptions,
  CredentialsOptions,
  ListAuditOptions,
  ListConnectionsOptions,
} from './resources/connections.js'
export type { ConnectLinks, CreateConnectLinkOptions, ListConnectLinksOptions } from './resources/connect-links.js'
export type {
  ListPartnerConnectionsOptions,
  ListWebhookEventsOptions,
  PartnerApi,
  PartnerConnections,
  Toolsets,
  WebhookEvents,
  WebhookEventStatus,
} from './resources/partner.js'
export type { TokenExchangeResponse } from './token/exchange-token.js'
export { MAX_JWT_LIFETIME_SECONDS } from './token/sign-partner-jwt.js'
export type { PrivateKeyInput, SigningAlgorithm } from './token/signing-key.js'
export { ACCESS_TOKEN_TYPE, CONNECT_SESSION_TOKEN_TYPE, JWT_TOKEN_TYPE, type Scope, TOKEN_EXCHANGE_GRANT } from './token/token-types.js'
export type {
  App,
  AppAuthOption,
  AppField,
  AuditEntry,
  AuditPage,
  Connection,
  ConnectionCredentials,
  ConnectionList,
  ConnectionStatus,
  ConnectSession,
  ConnectLink,
  ConnectLinkPage,
  CreatedConnectLink,
  ConnectSessionStatus,
  HeadlessAuthorization,
  McpToken,
  Me,
  OutgoingWebhookEvent,
  OutgoingWebhookEventDetail,
  Toolset,
  ToolsetDefinition,
  ToolsetDetail,
  WebhookAttempt,
} from './types.js'
export { type ConnectSessionOptions, PatchbayUser } from './user.js'
export {
  type ConnectFailedEventData,
  type ConnectionEventData,
  type RunEventData,
  type VerifyWebhookOptions,
  verifyWebhook,
  type WebhookEndUser,
  type WebhookEvent,
  type WebhookEventOf,
  type WebhookHeaders,
} from './webhooks/verify-webhook.js'
