import type { FastifyDynamicSwaggerOptions } from '@fastify/swagger'
import type { TSchema } from '@sinclair/typebox'
import { createRequire } from 'node:module'
import { AppAuthOptionJson, AppFieldJson, AppJson } from '../catalog/app-directory.js'
import { ConnectionJson } from '../connections/connection-json.js'
import { ConnectOutcome } from '../routes/connection-popup.js'
import { ProtectedResourceMetadata } from '../routes/mcp.js'
import { AuthorizationServerMetadata, TokenResponse } from '../routes/oauth.js'
import {
  ActionDetail,
  ActionPage,
  ActionSummary,
  DynamicSchemaAnswer,
  OptionsPage,
  Run,
  RunError,
  RunLogs,
  RunPage,
  Validation,
} from '../routes/v1/action-schemas.js'
import { AppPage } from '../routes/v1/apps.js'
import { ConnectSession } from '../routes/v1/connect-sessions.js'
import { ConnectLinkJson, ConnectLinkPage, CreatedConnectLink } from '../routes/v1/connect-links.js'
import { ConnectSessionStatus, HeadlessAuthorization } from '../routes/v1/connect-headless.js'
import { AuditEntry, AuditPage } from '../routes/v1/connection-audit.js'
import { ConnectionCredentials } from '../routes/v1/connection-credentials.js'
import { ConnectionPage } from '../routes/v1/connection-query.js'
import { Me } from '../routes/v1/me.js'
import { SharedToolsetDefinition, Toolset, ToolsetDetail, ToolsetList } from '../routes/v1/partner-toolsets.js'
import { WebhookAttempt, WebhookEvent, WebhookEventDetail, WebhookEventPage } from '../routes/v1/partner-webhooks.js'
import { ErrorBody, OAuthErrorBody } from './error-schema.js'

const { version } = createRequire(import.meta.url)('../../package.json') as { version: string }

/**
 * The schemas the OpenAPI document lists once under `components.schemas` (by `$id`), registered on
 * the app with `addSchema` before any route: routes refer to them with `ref()` (lib/schema-ref.ts).
 */
export const sharedSchemas: readonly TSchema[] = [
  ErrorBody,
  OAuthErrorBody,
  TokenResponse,
  AuthorizationServerMetadata,
  ProtectedResourceMetadata,
  Me,
  ConnectSession,
  ConnectOutcome,
  ConnectLinkJson,
  CreatedConnectLink,
  ConnectLinkPage,
  ConnectSessionStatus,
  HeadlessAuthorization,
  ConnectionJson,
  ConnectionPage,
  ConnectionCredentials,
  AuditEntry,
  AuditPage,
  AppFieldJson,
  AppAuthOptionJson,
  AppJson,
  AppPage,
  ActionSummary,
  ActionPage,
  ActionDetail,
  OptionsPage,
  DynamicSchemaAnswer,
  Validation,
  RunError,
  Run,
  RunPage,
  RunLogs,
  WebhookAttempt,
  WebhookEvent,
  WebhookEventDetail,
  WebhookEventPage,
  SharedToolsetDefinition,
  Toolset,
  ToolsetDetail,
  ToolsetList,
]

const DESCRIPTION = `Patchbay is an open-source, self-hostable Connect platform. Your product (the *partner*) embeds it
so that your end users connect their accounts at third-party apps (OAuth 2.0, OAuth 1.0a, API key or
basic auth) through the hosted Connect UI. Your backend then lists those connections, gets fresh
credentials, calls the apps' APIs through the proxy and runs ready-made actions; AI agents reach the
same actions over MCP. Patchbay keeps the credentials encrypted and refreshes them.

**Authentication**

- \`POST /oauth/token\` (RFC 8693 token exchange, with the partner's client credentials): your backend
  exchanges a JWT it signed for one end user for an access token (\`pbat_…\`) or a connect session code.
- \`/v1/*\`: \`Authorization: Bearer <access token>\`, acting for that end user; each route needs a scope.
- \`/v1/partner/*\` (the operator API): \`Authorization: Basic\` with the partner's client id and secret.
- \`/mcp\`: a bearer token minted with \`resource=<this URL>/mcp\`.

Errors are \`{ "error": { "code": "PB_ERR_…", "message" } }\` (the \`Error\` schema); the token endpoint
answers in RFC 6749 form. Every answer carries a \`request-id\` header: quote it when reporting a
problem. Timestamps are ISO 8601 (UTC). Lists are pages: \`{ "data": [...], "next_cursor" }\`, where a
null \`next_cursor\` marks the last page.`

const TAGS = [
  { name: 'oauth', description: 'The token endpoint (RFC 8693 token exchange), revocation (RFC 7009) and the server metadata (RFC 8414).' },
  { name: 'me', description: 'The end user an access token acts for.' },
  { name: 'connect', description: 'Connect sessions and the browser entry points that connect an account without the widget.' },
  {
    name: 'connections',
    description: "The end users' connections: list, read, rename, delete, create from credentials, fresh credentials.",
  },
  { name: 'apps', description: 'The app catalog as this partner offers it: auth options and form fields.' },
  { name: 'actions', description: 'Actions of the apps the partner offers: schemas, field options, validation.' },
  { name: 'runs', description: 'Action runs: start (with an Idempotency-Key), long-poll, cancel, logs.' },
  { name: 'proxy', description: "Calls to an app's own API with a connection's credentials injected." },
  { name: 'operator', description: "The partner's operator API (HTTP Basic): every connection, webhook events and redelivery." },
  { name: 'mcp', description: 'The MCP endpoint for AI agents, its metadata and the toolsets that shape it.' },
]

/** @fastify/swagger's options: the document's header, and shared schemas named by their `$id`. */
export function swaggerOptions(publicUrl: string): FastifyDynamicSwaggerOptions {
  return {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Patchbay API',
        version,
        description: DESCRIPTION,
        license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
      },
      servers: [{ url: publicUrl, description: 'This Patchbay' }],
      tags: TAGS,
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', description: 'A Patchbay access token from POST /oauth/token.' },
          basic: { type: 'http', scheme: 'basic', description: "The partner's client_id and client_secret." },
        },
      },
    },
    // Components are named after the schema's `$id` (the default is `def-0`, `def-1`, …).
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`) },
  }
}
