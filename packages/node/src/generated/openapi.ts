/**
 * Generated from Patchbay's OpenAPI document by packages/node/scripts/openapi-types.mjs: do not edit.
 * `npm run generate:types -w @patchbay/node` writes it again; test/openapi-types.test.ts fails when it
 * differs from what the server's document generates.
 */

export interface paths {
  '/oauth/token': {
    parameters: {
      query?: never
      header?: never
      path?: never
      cookie?: never
    }
    get?: never
    put?: never
    /**
     * Token exchange (RFC 8693)
     * @description Exchanges a partner-signed JWT for a Patchbay access token or a connect session code.
     */
    post: operations['exchangeToken']
    delete?: never
    options?: never
    head?: never
    patch?: never
    trace?: never
  }
  '/oauth/revoke': {
    parameters: {
      query?: never
      header?: never
      path?: never
      cookie?: never
    }
    get?: never
    put?: never
    /**
     * Token revocation (RFC 7009)
     * @description Revokes one of the partner's access tokens at once, in every Patchbay process. Answers 200 also for a token that is unknown, expired, already revoked or another partner's (RFC 7009 §2.2): nothing is revealed about it.
     */
    post: operations['revokeToken']
    delete?: never
    options?: never
    head?: never
    patch?: never
    trace?: never
  }
  '/.well-known/oauth-authorization-server': {
    parameters: {
      query?: never
      header?: never
      path?: never
      cookie?: never
    }
    /** Authorization server metadata (RFC 8414) */
    get: operations['getAuthorizationServerMetadata']
    put?: never
    post?: never
    delete?: never
    options?: never
    head?: never
    patch?: never
    trace?: never
  }
  '/v1/me': {
    parameters: {
      query?: never
      header?: never
      path?: never
      cookie?: never
    }
    /** The end user this access token acts for */
    get: operations['getMe']
    put?: never
    post?: never
    delete?: never
    options?: never
    head?: never
    patch?: never
    trace?: never
  }
  '/v1/connect/sessions': {
    parameters: {
      query?: never
      header?: never
      path?: never
      cookie?: never
    }
    get?: never
    put?: never
    /**
     * Create a connect session
     * @description Mints a single-use code that opens the Connect UI for this end user.
     */
    post: operations['createConnectSession']
    delete?: never
    options?: never
    head?: never
    patch?: never
    trace?: never
  }
  '/v1/connect/links': {
    parameters: {
      query?: never
      header?: never
      path?: never
      cookie?: never
    }
    /**
     * List the end user's connect links
     * @description Oldest first (created_at, then id). Follow `next_cursor` for more pages.
     */
    get: operations['listConnectLinks']
    put?: never
    /**
     * Create a connect link
     * @description Mints a hosted link for this end user to send by email or chat; it works once, until it expires.
     */
    post: operations['createConnectLink']
    delete?: never
    options?: never
    head?: never
    patch?: never
    trace?: never
  }
  '/v1/connect/links/{id}': {
    parameters: {
      query?: never
      header?: never
      path?: never
      cookie?: never
    }
    /**
     * Get a connect link
     * @description The link's status and, once its flow ended, the outcome and connection id.
     */
    get: operations['getConnectLink']
    put?: never
    post?: never
    /**
     * Revoke a connect link
     * @description The link stops working; a flow opened from it and still under way ends with the error `revoked`. Revoking a revoked link answers it again.
     */
    delete: operations['revokeConnectLink']
    options?: never
    head?: never
    patch?: never
    trace?: never
  }
  '/v1/connect/sessions/authorize': {
    parameters: {
      query?: never
      header?: never
      path?: never
      cookie?: never
    }
    get?: never
    put?: never
    /**
     * Start an OAuth flow for a connect session (headless)
     * @description Checks the app, auth option and connection parameters, and answers the URL to send the user's browser to. The result comes back by redirect to the session's `redirect_uri`, by webhook and by `GET /v1/connect/sessions/{id}`.
     */
    post: operations['authorizeConnectSession']
    delete?: never
    options?: never
    head?: never
    patch?: never
    trace?: never
  }
  '/v1/connect/sessions/credentials': {
    parameters: {
      query?: never
      header?: never
      path?: never
      cookie?: never
    }
    get?: never
    put?: never
    /**
     * Connect with typed credentials for a connect session (headless)
     * @description Checks the credentials with the app and stores the connection, as the Connect UI form does; the session ends either way (webhook `connection.created` or `connection.failed`).
     */
    post: operations['submitConnectSessionCredentials']
    delete?: never
    options?: never
    head?: never
    patch?: never
    trace?: never
  }
  '/v1/connect/sessions/{id}': {
    parameters: {
      query?: never
      header?: never
      path?: never
      cookie?: never
    }
    /**
     * Get a connect session
     * @description Where the session stands and, once it ended, its outcome (the partner's backend's view; no code needed).
     */
    get: operations['getConnectSession']
    put?: never
    post?: never
    delete?: never
    options?: never
    head?: never
    patch?: never
    trace?: never
  }
  '/v1/connections/{id}/credentials': {
    parameters: {
      query?: never
      header?: never
      path?: never
      cookie?: never
    }
    /**
     * A connection's fresh credentials
     * @description Refreshes OAuth tokens first when they expire within `min_validity` seconds, as given (without it: within 120 s, or at half the token's lifetime for tokens living under 4 minutes). `force_refresh=true` refreshes at once, at most once per 10 s per connection (sooner: 429 `PB_ERR_RATE_LIMITED` with `Retry-After`).
     */
    get: operations['getConnectionCredentials']
    put?: never
    post?: never
    delete?: never
    options?: never
    head?: never
    patch?: never
    trace?: never
  }
  '/v1/connections': {
    parameters: {
      query?: never
      header?: never
      path?: never
      cookie?: never
    }
    /**
     * List the end user's connections
     * @description Oldest first (created_at, then id). Follow `next_cursor` for more pages.
     */
    get: operations['listConnections']
    put?: never
    /**
     * Create a connection from credentials
     * @description For API-key, basic and client-credentials apps: the values are validated like the Connect UI form, checked with the app, then stored. 422 PB_ERR_CREDENTIALS_REJECTED when the app refuses them; nothing is stored then. When the end user already has a connection of the app for the same account, that connection is re-authorized and keeps its id (200 instead of 201).
     */
    post: operations['createConnection']
    delete?: never
    options?: never
    head?: never
    patch?: never
    trace?: never
  }
  '/v1/connections/{id}': {
    parameters: {
      query?: never
      header?: never
      path?: never
      cookie?: never
    }
    /** Get a connection */
    get: operations['getConnection']
    put?: never
    post?: never
    /**
     * Delete a connection
     * @description Revokes the connection's tokens at the provider where the app supports it (RFC 7009, best effort), deletes it and sends `connection.deleted`.
     */
    delete: operations['deleteConnection']
    options?: never
    head?: never
    /** Rename a connection */
    patch: operations['renameConnection']
    trace?: never
  }
  '/v1/connections/{id}/upgrade': {
    parameters: {
      query?: never
      header?: never
      path?: never
      cookie?: never
    }
    get?: never
    put?: never
    /**
     * Ask for more scopes on a connection
     * @description Mints a connect session that re-authorizes this OAuth 2.0 connection with the given scopes added: the connection keeps its id, its scopes become what the provider granted, and `connection.updated` is sent. Consent given with another provider account is refused (`account_mismatch`) and leaves the connection untouched (docs/api.md, "Upgrading scopes").
     */
    post: operations['upgradeConnectionScopes']
    delete?: never
    options?: never
    head?: never
    patch?: never
    trace?: never
  }
  '/v1/connections/{id}/audit': {
    parameters: {
      query?: never
      header?: never
      path?: never
      cookie?: never
    }
    /**
     * A connection's audit log
     * @description Newest first: created, reauthorized, replaced, refreshed, refresh_failed, credentials_read, deleted, run_created, with who did it (docs/operations.md, "Audit log"). Entries outlive a deleted connection until the retention period ends.
     */
    get: operations['listConnectionAudit']
    put?: never
    post?: never
    delete?: never
    options?: never
    head?: never
    patch?: never
    trace?: never
  }
  '/v1/apps': {
    parameters: {
      query?: never
      header?: never
      path?: never
      cookie?: never
    }
    /**
     * List apps
     * @description Apps the end user can connect (OAuth apps once the partner configured its client) and apps that need no connection (`connect_link: null`), sorted by key, a page at a time (`next_cursor`); `q` and `category` narrow the list.
     */
    get: operations['listApps']
    put?: never
    post?: never
    delete?: never
    options?: never
    head?: never
    patch?: never
    trace?: never
  }
  '/v1/apps/{key}': {
    parameters: {
      query?: never
      header?: never
      path?: never
      cookie?: never
    }
    /** Get an app */
    get: operations['getApp']
    put?: never
    post?: never
    delete?: never
    options?: never
    head?: never
    patch?: never
    trace?: never
  }
  '/v1/actions': {
    parameters: {
      query?: never
      header?: never
      path?: never
      cookie?: never
    }
    /**
     * List actions
     * @description Every action of every app the partner offers (as GET /v1/apps decides), sorted by id; `connected=true` keeps the end user's apps.
     */
    get: operations['listActions']
    put?: never
    post?: never
    delete?: never
    options?: never
    head?: never
    patch?: never
    trace?: never
  }
  '/v1/actions/{id}': {
    parameters: {
      query?: never
      header?: never
      path?: never
      cookie?: never
    }
    /**
     * Get an action
     * @description Its input and output schemas (JSON Schema 2020-12) and per-field UI hints.
     */
    get: operations['getAction']
    put?: never
    post?: never
    delete?: never
    options?: never
    head?: never
    patch?: never
    trace?: never
  }
  '/v1/actions/{id}/fields/{field}/options': {
    parameters: {
      query?: never
      header?: never
      path?: never
      cookie?: never
    }
    get?: never
    put?: never
    /**
     * A dynamic field's options
     * @description Choices from the app for one of the end user's connections (e.g. their repositories), page by page.
     */
    post: operations['listActionFieldOptions']
    delete?: never
    options?: never
    head?: never
    patch?: never
    trace?: never
  }
  '/v1/actions/{id}/schema': {
    parameters: {
      query?: never
      header?: never
      path?: never
      cookie?: never
    }
    get?: never
    put?: never
    /**
     * An action's dynamic input schema
     * @description The properties of the action's dynamic input object (an Airtable table's fields, a Jira issue type's custom fields) for one of the end user's connections.
     */
    post: operations['describeActionInput']
    delete?: never
    options?: never
    head?: never
    patch?: never
    trace?: never
  }
  '/v1/actions/{id}/validate': {
    parameters: {
      query?: never
      header?: never
      path?: never
      cookie?: never
    }
    get?: never
    put?: never
    /**
     * Validate inputs
     * @description Checks the inputs against the schema and the connection (status, scopes); runs nothing.
     */
    post: operations['validateActionInputs']
    delete?: never
    options?: never
    head?: never
    patch?: never
    trace?: never
  }
  '/v1/runs': {
    parameters: {
      query?: never
      header?: never
      path?: never
      cookie?: never
    }
    /**
     * List runs
     * @description Newest first. Follow `next_cursor` for more pages.
     */
    get: operations['listRuns']
    put?: never
    /**
     * Create a run
     * @description Queues the action. With `wait_ms`, answers 200 with the run once it has ended within that time, else 202 with `Location`. An `Idempotency-Key` makes retries safe: the same key and body return the same run; another body is a 409.
     */
    post: operations['createRun']
    delete?: never
    options?: never
    head?: never
    patch?: never
    trace?: never
  }
  '/v1/runs/{id}': {
    parameters: {
      query?: never
      header?: never
      path?: never
      cookie?: never
    }
    /**
     * Get a run
     * @description With `wait_ms`, a long poll: answers as soon as the run ends (200) or when the wait is over (202: read again).
     */
    get: operations['getRun']
    put?: never
    post?: never
    delete?: never
    options?: never
    head?: never
    patch?: never
    trace?: never
  }
  '/v1/runs/{id}/cancel': {
    parameters: {
      query?: never
      header?: never
      path?: never
      cookie?: never
    }
    get?: never
    put?: never
    /**
     * Cancel a run
     * @description A queued or waiting run ends at once; a running one is aborted, its HTTP call too. 409 when it has already ended.
     */
    post: operations['cancelRun']
    delete?: never
    options?: never
    head?: never
    patch?: never
    trace?: never
  }
  '/v1/runs/{id}/logs': {
    parameters: {
      query?: never
      header?: never
      path?: never
      cookie?: never
    }
    /**
     * A run's logs
     * @description Its HTTP exchanges with the app (method, path with secret-looking query values hidden, status, duration; never headers or bodies) and the action's own lines.
     */
    get: operations['getRunLogs']
    put?: never
    post?: never
    delete?: never
    options?: never
    head?: never
    patch?: never
    trace?: never
  }
  '/v1/partner/webhooks/events': {
    parameters: {
      query?: never
      header?: never
      path?: never
      cookie?: never
    }
    /**
     * List webhook events
     * @description The webhook events queued for this partner, newest first, with their delivery state.
     */
    get: operations['listWebhookEvents']
    put?: never
    post?: never
    delete?: never
    options?: never
    head?: never
    patch?: never
    trace?: never
  }
  '/v1/partner/webhooks/events/{id}': {
    parameters: {
      query?: never
      header?: never
      path?: never
      cookie?: never
    }
    /**
     * Show a webhook event
     * @description One event with every delivery attempt, oldest first.
     */
    get: operations['getWebhookEvent']
    put?: never
    post?: never
    delete?: never
    options?: never
    head?: never
    patch?: never
    trace?: never
  }
  '/v1/partner/webhooks/events/{id}/redeliver': {
    parameters: {
      query?: never
      header?: never
      path?: never
      cookie?: never
    }
    get?: never
    put?: never
    /**
     * Redeliver a webhook event
     * @description Queues the event again, due now, whatever its status; the attempt is recorded like any other. A failed event is tried once more.
     */
    post: operations['redeliverWebhookEvent']
    delete?: never
    options?: never
    head?: never
    patch?: never
    trace?: never
  }
  '/v1/partner/connections': {
    parameters: {
      query?: never
      header?: never
      path?: never
      cookie?: never
    }
    /**
     * List all the partner's connections
     * @description Oldest first (created_at, then id), each with `end_user`. Follow `next_cursor` for more pages.
     */
    get: operations['listPartnerConnections']
    put?: never
    post?: never
    delete?: never
    options?: never
    head?: never
    patch?: never
    trace?: never
  }
  '/v1/partner/connections/{id}': {
    parameters: {
      query?: never
      header?: never
      path?: never
      cookie?: never
    }
    /**
     * Get any connection of the partner
     * @description Whichever end user it belongs to, named in `end_user`.
     */
    get: operations['getPartnerConnection']
    put?: never
    post?: never
    /**
     * Delete any connection of the partner
     * @description As `DELETE /v1/connections/{id}` does for its end user: revokes the tokens at the provider where the app supports it (RFC 7009, best effort), deletes the connection and sends `connection.deleted`.
     */
    delete: operations['deletePartnerConnection']
    options?: never
    head?: never
    patch?: never
    trace?: never
  }
  '/v1/partner/connections/{id}/audit': {
    parameters: {
      query?: never
      header?: never
      path?: never
      cookie?: never
    }
    /**
     * A connection's audit log (any end user's)
     * @description Newest first: created, reauthorized, replaced, refreshed, refresh_failed, credentials_read, deleted, run_created, with who did it (docs/operations.md, "Audit log"). Entries outlive a deleted connection until the retention period ends.
     */
    get: operations['listPartnerConnectionAudit']
    put?: never
    post?: never
    delete?: never
    options?: never
    head?: never
    patch?: never
    trace?: never
  }
  '/v1/partner/toolsets': {
    parameters: {
      query?: never
      header?: never
      path?: never
      cookie?: never
    }
    /**
     * List toolsets
     * @description The partner's MCP toolsets by name. The built-in `default` (every offered action, discovery mode) is not listed.
     */
    get: operations['listToolsets']
    put?: never
    post?: never
    delete?: never
    options?: never
    head?: never
    patch?: never
    trace?: never
  }
  '/v1/partner/toolsets/{name}': {
    parameters: {
      query?: never
      header?: never
      path?: never
      cookie?: never
    }
    /**
     * Show a toolset
     * @description The definition, and the actions its tools run for this partner now.
     */
    get: operations['getToolset']
    /**
     * Create or replace a toolset
     * @description Checked before it is stored: the apps and actions exist, pinned versions are available, presets match the inputs, hidden inputs are optional. 201 when created, 200 when replaced; MCP tokens of this toolset see the change at once.
     */
    put: operations['putToolset']
    post?: never
    /**
     * Delete a toolset
     * @description MCP tokens of this toolset are refused from then on (401: mint one for another toolset). Deleting `default` brings back the built-in one.
     */
    delete: operations['deleteToolset']
    options?: never
    head?: never
    patch?: never
    trace?: never
  }
  '/v1/proxy/{connectionId}/{path}': {
    parameters: {
      query?: never
      header?: never
      path?: never
      cookie?: never
    }
    /**
     * GET the app's API with a connection
     * @description Forwards the request to the app's API: the path (and query) after the connection id is appended to the app's API base URL, the connection's credentials are added the app's way, and both bodies stream. Redirects are passed back, never followed. A 401 from the app triggers one token refresh and one retry (for bodies up to `PATCHBAY_PROXY_REPLAY_BYTES`); a 429 comes back with its `Retry-After`, or is retried up to `Patchbay-Retry-429` times (0-3). The answer is the app's own (status, headers, body) except for errors of Patchbay itself, which carry `{ "error": { "code": "PB_ERR_…" } }`. See docs/proxy.md.
     */
    get: operations['proxyGet']
    /**
     * PUT the app's API with a connection
     * @description Forwards the request to the app's API: the path (and query) after the connection id is appended to the app's API base URL, the connection's credentials are added the app's way, and both bodies stream. Redirects are passed back, never followed. A 401 from the app triggers one token refresh and one retry (for bodies up to `PATCHBAY_PROXY_REPLAY_BYTES`); a 429 comes back with its `Retry-After`, or is retried up to `Patchbay-Retry-429` times (0-3). The answer is the app's own (status, headers, body) except for errors of Patchbay itself, which carry `{ "error": { "code": "PB_ERR_…" } }`. See docs/proxy.md.
     */
    put: operations['proxyPut']
    /**
     * POST the app's API with a connection
     * @description Forwards the request to the app's API: the path (and query) after the connection id is appended to the app's API base URL, the connection's credentials are added the app's way, and both bodies stream. Redirects are passed back, never followed. A 401 from the app triggers one token refresh and one retry (for bodies up to `PATCHBAY_PROXY_REPLAY_BYTES`); a 429 comes back with its `Retry-After`, or is retried up to `Patchbay-Retry-429` times (0-3). The answer is the app's own (status, headers, body) except for errors of Patchbay itself, which carry `{ "error": { "code": "PB_ERR_…" } }`. See docs/proxy.md.
     */
    post: operations['proxyPost']
    /**
     * DELETE the app's API with a connection
     * @description Forwards the request to the app's API: the path (and query) after the connection id is appended to the app's API base URL, the connection's credentials are added the app's way, and both bodies stream. Redirects are passed back, never followed. A 401 from the app triggers one token refresh and one retry (for bodies up to `PATCHBAY_PROXY_REPLAY_BYTES`); a 429 comes back with its `Retry-After`, or is retried up to `Patchbay-Retry-429` times (0-3). The answer is the app's own (status, headers, body) except for errors of Patchbay itself, which carry `{ "error": { "code": "PB_ERR_…" } }`. See docs/proxy.md.
     */
    delete: operations['proxyDelete']
    /**
     * OPTIONS the app's API with a connection
     * @description Forwards the request to the app's API: the path (and query) after the connection id is appended to the app's API base URL, the connection's credentials are added the app's way, and both bodies stream. Redirects are passed back, never followed. A 401 from the app triggers one token refresh and one retry (for bodies up to `PATCHBAY_PROXY_REPLAY_BYTES`); a 429 comes back with its `Retry-After`, or is retried up to `Patchbay-Retry-429` times (0-3). The answer is the app's own (status, headers, body) except for errors of Patchbay itself, which carry `{ "error": { "code": "PB_ERR_…" } }`. See docs/proxy.md.
     */
    options: operations['proxyOptions']
    /**
     * HEAD the app's API with a connection
     * @description Forwards the request to the app's API: the path (and query) after the connection id is appended to the app's API base URL, the connection's credentials are added the app's way, and both bodies stream. Redirects are passed back, never followed. A 401 from the app triggers one token refresh and one retry (for bodies up to `PATCHBAY_PROXY_REPLAY_BYTES`); a 429 comes back with its `Retry-After`, or is retried up to `Patchbay-Retry-429` times (0-3). The answer is the app's own (status, headers, body) except for errors of Patchbay itself, which carry `{ "error": { "code": "PB_ERR_…" } }`. See docs/proxy.md.
     */
    head: operations['proxyHead']
    /**
     * PATCH the app's API with a connection
     * @description Forwards the request to the app's API: the path (and query) after the connection id is appended to the app's API base URL, the connection's credentials are added the app's way, and both bodies stream. Redirects are passed back, never followed. A 401 from the app triggers one token refresh and one retry (for bodies up to `PATCHBAY_PROXY_REPLAY_BYTES`); a 429 comes back with its `Retry-After`, or is retried up to `Patchbay-Retry-429` times (0-3). The answer is the app's own (status, headers, body) except for errors of Patchbay itself, which carry `{ "error": { "code": "PB_ERR_…" } }`. See docs/proxy.md.
     */
    patch: operations['proxyPatch']
    trace?: never
  }
  '/.well-known/oauth-protected-resource': {
    parameters: {
      query?: never
      header?: never
      path?: never
      cookie?: never
    }
    /**
     * Protected resource metadata of the REST API (RFC 9728)
     * @description MCP clients: see `/.well-known/oauth-protected-resource/mcp`.
     */
    get: operations['getApiResourceMetadata']
    put?: never
    post?: never
    delete?: never
    options?: never
    head?: never
    patch?: never
    trace?: never
  }
  '/.well-known/oauth-protected-resource/mcp': {
    parameters: {
      query?: never
      header?: never
      path?: never
      cookie?: never
    }
    /**
     * Protected resource metadata of /mcp (RFC 9728)
     * @description Tokens come from the token exchange with `resource` set to this `resource` (the partner mints them; docs/mcp.md). No other grant is offered.
     */
    get: operations['getMcpResourceMetadata']
    put?: never
    post?: never
    delete?: never
    options?: never
    head?: never
    patch?: never
    trace?: never
  }
  '/mcp': {
    parameters: {
      query?: never
      header?: never
      path?: never
      cookie?: never
    }
    get?: never
    put?: never
    /**
     * MCP endpoint (Streamable HTTP)
     * @description The end user's actions as tools for AI agents: MCP 2026-07-28 (stateless) and the 2025 revisions, over POST (GET and DELETE answer 405: no sessions). Bearer token from the token exchange with `resource=<public URL>/mcp`; see docs/mcp.md.
     */
    post: operations['callMcp']
    delete?: never
    options?: never
    head?: never
    patch?: never
    trace?: never
  }
  '/connection-popup': {
    parameters: {
      query?: never
      header?: never
      path?: never
      cookie?: never
    }
    /**
     * Connect an account without the widget (link)
     * @description Connecting without the widget (docs/api.md): the browser arrives with the parameters, the Connect UI flow runs, and the browser is sent back to `redirectUri` with `connectionId`, or `error` and `errorData`.
     */
    get: operations['openConnectionPopup']
    put?: never
    /**
     * Connect an account without the widget (form post)
     * @description Connecting without the widget (docs/api.md): the browser arrives with the parameters, the Connect UI flow runs, and the browser is sent back to `redirectUri` with `connectionId`, or `error` and `errorData`. The parameters come as form fields, a JSON body, a JSON `payload` field, or in the query.
     */
    post: operations['submitConnectionPopup']
    delete?: never
    options?: never
    head?: never
    patch?: never
    trace?: never
  }
  '/connect/outcome': {
    parameters: {
      query?: never
      header?: never
      path?: never
      cookie?: never
    }
    get?: never
    put?: never
    /**
     * A connect session's outcome (widget fallback)
     * @description For the session code the widget holds: the final result, handed out once, or where the session stands.
     */
    post: operations['getConnectOutcome']
    delete?: never
    options?: never
    head?: never
    patch?: never
    trace?: never
  }
}
export type webhooks = Record<string, never>
export interface components {
  schemas: {
    /** @description A Patchbay error. */
    Error: {
      error: {
        /**
         * @description Stable: branch on it (docs/errors.md).
         * @enum {string}
         */
        code:
          | 'PB_ERR_BAD_REQUEST'
          | 'PB_ERR_VALIDATION'
          | 'PB_ERR_UNAUTHORIZED'
          | 'PB_ERR_INSUFFICIENT_SCOPE'
          | 'PB_ERR_FORBIDDEN'
          | 'PB_ERR_NOT_FOUND'
          | 'PB_ERR_CONFLICT'
          | 'PB_ERR_PAYLOAD_TOO_LARGE'
          | 'PB_ERR_UNSUPPORTED_MEDIA_TYPE'
          | 'PB_ERR_RATE_LIMITED'
          | 'PB_ERR_INVALID_REDIRECT_URI'
          | 'PB_ERR_INVALID_ORIGIN'
          | 'PB_ERR_LINK_USED'
          | 'PB_ERR_LINK_EXPIRED'
          | 'PB_ERR_CREDENTIAL_REVOKED'
          | 'PB_ERR_CREDENTIALS_REJECTED'
          | 'PB_ERR_UPSTREAM'
          | 'PB_ERR_OUTBOUND_BLOCKED'
          | 'PB_ERR_INTERNAL'
          | 'PB_ERR_NOT_READY'
        /** @description For people: says what went wrong and names the offending input. */
        message: string
      }
    }
    /** @description An RFC 6749 error. */
    OAuthError: {
      /** @description invalid_request, invalid_client, invalid_grant, invalid_scope, invalid_target, too_many_requests, … */
      error: string
      error_description: string
    }
    /** @description RFC 8693 §2.2.1: an access token, or a connect session code. */
    TokenResponse: {
      access_token: string
      issued_token_type: string
      token_type: string
      expires_in: number
      scope: string
      session_id?: string
      /** @description Connect sessions: the Connect UI link with the code (`/to/{app}?token=…` for one app, else `/connect?token=…`). */
      connect_url?: string
    }
    /** @description RFC 8414 authorization server metadata. */
    AuthorizationServerMetadata: {
      issuer: string
      token_endpoint: string
      token_endpoint_auth_methods_supported: string[]
      revocation_endpoint: string
      revocation_endpoint_auth_methods_supported: string[]
      grant_types_supported: string[]
      response_types_supported: string[]
      scopes_supported: string[]
      service_documentation: string
      subject_token_types_supported: string[]
      requested_token_types_supported: string[]
    }
    /** @description RFC 9728 protected resource metadata. */
    ProtectedResourceMetadata: {
      resource: string
      authorization_servers: string[]
      scopes_supported: string[]
      bearer_methods_supported: string[]
      resource_name: string
      resource_documentation: string
    }
    /** @description The end user an access token acts for. */
    Me: {
      partner_id: string
      tenant_id: string
      /** @description The partner's own id for the end user. */
      user_id: string
      scopes: string[]
      /**
       * Format: date-time
       * @description When the access token expires.
       */
      expires_at: string
    }
    /** @description A single-use code that opens the Connect UI for the end user. */
    ConnectSession: {
      /** @description Single-use session code for the Connect UI. */
      token: string
      /** @description Ready-to-open Connect UI link with the code: `/to/{app}?token=…` when the session allows exactly one app, else `/connect?token=…`. */
      connect_url: string
      session_id: string
      expires_in: number
      /** Format: date-time */
      expires_at: string
    }
    /** @description A connect session's result message, or where the session stands. */
    ConnectOutcome: {
      /** @enum {string} */
      type?: 'patchbay:connect'
      /** @description success or error (the outcome, handed out once); pending, expired or consumed (already handed out). */
      status: 'success' | 'error' | 'pending' | 'expired' | 'consumed'
      app?: string
      connection_id?: string
      operation?: 'creation' | 'reauth'
      account_identifier?: string | null
      error?: string
      error_description?: string
      state?: string
      nonce?: string
      session_id?: string
      /** @description pending: a provider authorization is under way (the user is at the provider, or Patchbay is finishing its callback). */
      in_progress?: boolean
    }
    /** @description A hosted connect link for one end user (docs/connect-links.md). */
    ConnectLink: {
      id: string
      /** @description pending: not opened yet; used: opened by a browser (see `outcome`); expired: not opened in time; revoked: `DELETE` was called. */
      status: 'pending' | 'used' | 'expired' | 'revoked'
      apps: string[]
      redirect_uri: string | null
      custom_state: string | null
      /** Format: date-time */
      expires_at: string
      /** Format: date-time */
      created_at: string
      opened_at: string | null
      revoked_at: string | null
      /** @description The connect session the first visit opened. */
      session_id: string | null
      /** @description The connection the link made or re-authorized. */
      connection_id: string | null
      outcome: {
        status: 'success' | 'error'
        app: string
        connection_id?: string
        operation?: 'creation' | 'reauth'
        error?: string
        error_description?: string
      } | null
    }
    /** @description A new connect link and its URL. */
    CreatedConnectLink: {
      /** @description The link to send: `{public URL}/link?token=…`. Shown once; only a hash of the token is stored. */
      url: string
      link: components['schemas']['ConnectLink']
    }
    /** @description A page of connect links, oldest first. */
    ConnectLinkPage: {
      data: components['schemas']['ConnectLink'][]
      /** @description Pass as `cursor` for the next page; null on the last page. */
      next_cursor: string | null
    }
    /** @description Where a connect session stands (docs/connect-links.md). */
    ConnectSessionStatus: {
      session_id: string
      /** @description pending: code unused; open: redeemed, flow under way; success / error: ended (see `outcome`); expired: never used in time. */
      status: 'pending' | 'open' | 'success' | 'error' | 'expired'
      /** Format: date-time */
      expires_at: string
      connection_id: string | null
      outcome: {
        status: 'success' | 'error'
        app: string
        connection_id?: string
        operation?: 'creation' | 'reauth'
        account_identifier?: string | null
        error?: string
        error_description?: string
      } | null
    }
    /** @description Where to send the browser to authorize at the provider. */
    HeadlessAuthorization: {
      /** @description Send the user's browser here (top-level navigation or a popup): Patchbay binds the session to that browser and redirects it at once to the provider. */
      authorization_url: string
      session_id: string
      /** Format: date-time */
      expires_at: string
    }
    /** @description A connection: one end user's account at one app. Never holds credentials. */
    Connection: {
      id: string
      /** @description Catalog key of the app. */
      app: string
      /** @description The auth option of the app the user connected with. */
      auth_option: string
      /** @description oauth2, oauth2_client_credentials, oauth1, api_key or basic. */
      auth_type: string
      status: 'active' | 'needs_reauth' | 'error'
      /** @description Why the connection is not active, when it is not. */
      status_reason: string | null
      /** @description The account at the provider, when known. */
      account_identifier: string | null
      name: string | null
      scopes: string[]
      /** @description Connection parameters (e.g. a subdomain); never secret. */
      params: {
        [key: string]: string
      }
      metadata: {
        [key: string]: string
      }
      /** @description When the current access token expires (Patchbay refreshes it); null when it does not. */
      expires_at: string | null
      /** Format: date-time */
      created_at: string
      /** Format: date-time */
      updated_at: string
      /** @description The end user it belongs to: in the operator API and webhooks only. */
      end_user?: {
        /** @description The partner's tenant id for the end user. */
        tenant_id: string
        /** @description The partner's own id for the end user. */
        user_id: string
      }
    }
    /** @description A page of connections, oldest first. */
    ConnectionPage: {
      data: components['schemas']['Connection'][]
      /** @description Pass as `cursor` for the next page; null on the last page. */
      next_cursor: string | null
    }
    /** @description A connection's fresh credentials, for the partner's backend only. */
    ConnectionCredentials: {
      connection_id: string
      auth_type: string
      /** @description Every secret the connection holds (access_token, refresh_token, api_key, …), by name. */
      credentials: {
        [key: string]: string | number | null
      }
      expires_at: string | null
    }
    /** @description One change to a connection, and who made it. */
    AuditEntry: {
      id: string
      connection_id: string
      app: string
      action:
        | 'created'
        | 'reauthorized'
        | 'scopes_upgraded'
        | 'replaced'
        | 'refreshed'
        | 'refresh_failed'
        | 'credentials_read'
        | 'deleted'
        | 'run_created'
      actor: {
        type: 'partner' | 'operator' | 'end_user' | 'system'
        /** @description The partner's client id, the operator key's id (or `cli`), the end user's token reference (`tok_…`) or connect session id, or the system job (`refresh`). */
        id: string
        via: 'token' | 'mcp' | 'connect_session' | null
      }
      detail: {
        [key: string]: unknown
      } | null
      /** Format: date-time */
      at: string
    }
    /** @description A page of a connection's audit log, newest first. */
    AuditPage: {
      data: components['schemas']['AuditEntry'][]
      /** @description Pass as `cursor` for the next page; null on the last page. */
      next_cursor: string | null
    }
    /** @description A field the user supplies to connect the app. */
    AppField: {
      key: string
      label: string
      /** @description `param`: a connection parameter (`params` of POST /v1/connections); `credential`: a credential field (`credentials`). */
      kind: 'param' | 'credential'
      help?: string
      /** @description Regular expression the value must match. */
      pattern?: string
      example?: string
      /** @description Render as a password input; the value is never returned by the API. */
      secret: boolean
      optional: boolean
      prefix?: string
      suffix?: string
      /** @description Used when an optional field is left empty. */
      default?: string
    }
    /** @description One way to connect the app. */
    AppAuthOption: {
      key: string
      /** @description oauth2 and oauth1 connect in the Connect UI only; the others also through POST /v1/connections. */
      type: 'oauth2' | 'oauth2_client_credentials' | 'oauth1' | 'api_key' | 'basic' | 'none'
      label: string
      /** @description What the user supplies: connection parameters, then credential fields. */
      fields: components['schemas']['AppField'][]
    }
    /** @description An app of the catalog as the partner offers it. */
    App: {
      key: string
      name: string
      description: string
      categories: string[]
      logo_url: string | null
      brand_color: string | null
      /** @description The provider's developer documentation. */
      docs_url: string
      /** @description The ways this partner offers to connect the app. */
      auth: components['schemas']['AppAuthOption'][]
      /** @description Opens the Connect UI for this app; add `?token=<connect session code>`. Null when the app needs no connection: its actions run without one. */
      connect_link: string | null
    }
    /** @description A page of apps, by key. */
    AppPage: {
      data: components['schemas']['App'][]
      /** @description Pass as `cursor` for the next page; null on the last page. */
      next_cursor: string | null
    }
    /** @description An action, in a list. */
    ActionSummary: {
      id: string
      app: string
      key: string
      /** @description Semantic version. */
      version: string
      type: 'read' | 'write' | 'search'
      title: string
      description: string
      annotations: {
        readOnly: boolean
        destructive: boolean
        idempotent: boolean
      }
    }
    /** @description A page of actions, by id. */
    ActionPage: {
      data: components['schemas']['ActionSummary'][]
      /** @description Pass as `cursor` for the next page; null on the last page. */
      next_cursor: string | null
    }
    /** @description An action with its input and output schemas and field hints. */
    Action: {
      id: string
      app: string
      key: string
      /** @description Semantic version. */
      version: string
      type: 'read' | 'write' | 'search'
      title: string
      description: string
      annotations: {
        readOnly: boolean
        destructive: boolean
        idempotent: boolean
      }
      scopes: string[]
      timeout_ms: number
      /** @description The action can say what it would send (`dry_run: true` on a run); true for every action. */
      dry_run: boolean
      /** @description The provider's API reference for what the action calls. */
      docs_url: string | null
      /** @description JSON Schema 2020-12 of `inputs`. */
      input_schema: {
        [key: string]: unknown
      }
      /** @description JSON Schema 2020-12 of a succeeded run's `output`. */
      output_schema: {
        [key: string]: unknown
      }
      /** @description UI hints per input field. */
      fields: {
        [key: string]: {
          /** @description Choices come from POST /v1/actions/{id}/fields/{field}/options; a typed value is accepted too. */
          dynamic: boolean
          searchable: boolean
          depends_on: string[]
        }
      }
      /** @description Describe `field` for a connection with POST /v1/actions/{id}/schema; any object is accepted without it. */
      dynamic_input: {
        /** @description The input object whose properties depend on the account. */
        field: string
        depends_on: string[]
      } | null
    }
    /** @description A page of a dynamic field's choices. */
    FieldOptionsPage: {
      options: {
        label: string
        value: string | number
      }[]
      /** @description Pass as `cursor` for the next page; null on the last page. */
      next_cursor: string | null
    }
    /** @description The fields of an action's dynamic input for one connection. */
    DynamicInputSchema: {
      field: string
      /** @description JSON Schema 2020-12 of the field's object: one property per field of the account. */
      schema: {
        [key: string]: unknown
      }
    }
    /** @description What is wrong with the inputs, and the state of the connection. */
    InputValidation: {
      valid: boolean
      errors: {
        path: string
        message: string
      }[]
      connection: {
        id: string
        status: string
        missing_scopes: string[]
      }
    }
    /** @description Why a run failed (docs/actions.md, "Errors"). */
    RunError: {
      type: 'validation' | 'auth' | 'permission' | 'not_found' | 'rate_limited' | 'provider' | 'timeout' | 'internal'
      code: string
      message: string
      retryable: boolean
      /** @description Seconds, when the app said when to come back. */
      retry_after?: number
      provider_status?: number
      /** @description validation: the field the app refused, as the app names it. */
      field?: string
      /** @description permission: the scopes the connection lacks for this call, when the app says which. */
      missing_scopes?: string[]
      attribution: 'user' | 'connection' | 'provider' | 'patchbay'
      /** @description requires_action: a Connect UI link that reconnects the connection (minted on read). */
      connect_url?: string
      /** Format: date-time */
      connect_url_expires_at?: string
    }
    /** @description An action run. */
    Run: {
      id: string
      action: string
      action_version: string
      app: string
      connection_id: string
      status: 'queued' | 'running' | 'waiting' | 'succeeded' | 'failed' | 'canceled' | 'timed_out' | 'requires_action'
      /** @description Attempts started so far. */
      attempt: number
      /** @description Inputs as the action's input_schema says. */
      inputs?: {
        [key: string]: unknown
      }
      /** @description The action's result once succeeded (for a dry run: what would be sent). */
      output: unknown
      error: components['schemas']['RunError'] | null
      metadata: {
        [key: string]: unknown
      } | null
      idempotency_key: string | null
      dry_run: boolean
      /** @description The output was over runs.maxOutputBytes: its longest lists were cut. */
      output_truncated: boolean
      retry_at: string | null
      /** Format: date-time */
      created_at: string
      started_at: string | null
      finished_at: string | null
      /** Format: date-time */
      updated_at: string
    }
    /** @description A page of runs, newest first. */
    RunPage: {
      data: components['schemas']['Run'][]
      /** @description Pass as `cursor` for the next page; null on the last page. */
      next_cursor: string | null
    }
    /** @description A run's HTTP exchanges with the app (redacted) and the action's own lines. */
    RunLogs: {
      data: {
        seq: number
        attempt: number
        kind: 'http' | 'log'
        level: string
        message: string
        data: {
          [key: string]: unknown
        } | null
        /** Format: date-time */
        created_at: string
      }[]
    }
    /** @description One delivery attempt of a webhook event. */
    WebhookAttempt: {
      /** @description 1 for the first attempt. */
      attempt: number
      /** @description The webhook URL the attempt was sent to. */
      url: string
      /** @description The HTTP status the receiver answered; null when none. */
      status_code: number | null
      /** @description Why the attempt failed when there is more to say than the status. */
      error: string | null
      duration_ms: number
      /** Format: date-time */
      created_at: string
    }
    /** @description A webhook event and its delivery state. */
    WebhookEvent: {
      /** @description The event id, sent as `webhook-id` (use it to deduplicate). */
      id: string
      /** @description e.g. connection.created */
      type: string
      status: 'pending' | 'delivering' | 'succeeded' | 'failed' | 'skipped'
      /** @description Delivery attempts made so far. */
      attempts: number
      next_attempt_at: string | null
      /** Format: date-time */
      created_at: string
      /** Format: date-time */
      updated_at: string
      /** @description The JSON body sent to the webhook URL. */
      payload: {
        type: string
        /** Format: date-time */
        timestamp: string
        data: {
          [key: string]: unknown
        }
      }
      last_attempt: components['schemas']['WebhookAttempt'] | null
    }
    /** @description A webhook event with every delivery attempt, oldest first. */
    WebhookEventDetail: {
      /** @description The event id, sent as `webhook-id` (use it to deduplicate). */
      id: string
      /** @description e.g. connection.created */
      type: string
      status: 'pending' | 'delivering' | 'succeeded' | 'failed' | 'skipped'
      /** @description Delivery attempts made so far. */
      attempts: number
      next_attempt_at: string | null
      /** Format: date-time */
      created_at: string
      /** Format: date-time */
      updated_at: string
      /** @description The JSON body sent to the webhook URL. */
      payload: {
        type: string
        /** Format: date-time */
        timestamp: string
        data: {
          [key: string]: unknown
        }
      }
      last_attempt: components['schemas']['WebhookAttempt'] | null
      delivery_attempts: components['schemas']['WebhookAttempt'][]
    }
    /** @description A page of webhook events, newest first. */
    WebhookEventPage: {
      data: components['schemas']['WebhookEvent'][]
      /** @description Pass as `cursor` for the next page; null on the last page. */
      next_cursor: string | null
    }
    /** @description Which actions an MCP toolset offers AI agents, and how (docs/mcp.md). */
    ToolsetDefinition: {
      description?: string
      /** @description `direct` (the default): one tool per action. `discovery`: six tools that search, describe and run the actions, for large sets. */
      mode?: 'direct' | 'discovery'
      /** @description Every action of these apps, at the version this server has. */
      apps?: string[]
      /** @description Actions by id, or with settings. An action listed here overrides the same action from `apps`. */
      actions?: (
        | string
        | {
            /** @description The action id, e.g. `github.create_issue`. */
            action: string
            /** @description Pinned version: a major (`1`) or an exact version (`1.2.0`). The tool is left out while this server has another. */
            version?: string
            /** @description Inputs set by the partner: removed from the tool, always sent with these values. */
            preset?: {
              [key: string]: unknown
            }
            /** @description Optional inputs the agent never sees nor sets. */
            hidden?: string[]
            /** @description Replaces the action's description for agents. */
            description?: string
            /** @description Which connection a call uses when the user has several of the app: `ask` (the default) makes the agent pass `connection_id` (one active connection is used without asking), `newest` or `oldest` pick by creation time. */
            connection?: 'ask' | 'newest' | 'oldest'
          }
      )[]
      /** @description Which connection a call uses when the user has several of the app: `ask` (the default) makes the agent pass `connection_id` (one active connection is used without asking), `newest` or `oldest` pick by creation time. */
      connection?: 'ask' | 'newest' | 'oldest'
    }
    /** @description A stored toolset. */
    Toolset: {
      name: string
      definition: components['schemas']['ToolsetDefinition']
      /** Format: date-time */
      created_at: string
      /** Format: date-time */
      updated_at: string
    }
    /** @description A toolset with the actions its tools run now. */
    ToolsetDetail: {
      name: string
      definition: components['schemas']['ToolsetDefinition']
      /** Format: date-time */
      created_at: string
      /** Format: date-time */
      updated_at: string
      mode: 'direct' | 'discovery'
      /** @description The actions its tools run now: of apps the partner offers, at a version the toolset accepts. */
      actions: string[]
    }
    /** @description The partner's toolsets. */
    ToolsetList: {
      data: components['schemas']['Toolset'][]
    }
  }
  responses: never
  parameters: never
  requestBodies: never
  headers: never
  pathItems: never
}
export type $defs = Record<string, never>
export interface operations {
  exchangeToken: {
    parameters: {
      query?: never
      header?: never
      path?: never
      cookie?: never
    }
    requestBody: {
      content: {
        'application/x-www-form-urlencoded': {
          /** @description urn:ietf:params:oauth:grant-type:token-exchange */
          grant_type?: string
          /** @description The partner-signed JWT naming the end user. */
          subject_token?: string
          /** @description urn:ietf:params:oauth:token-type:jwt */
          subject_token_type?: string
          /** @description urn:ietf:params:oauth:token-type:access_token (default) or urn:patchbay:params:oauth:token-type:connect_session */
          requested_token_type?: string
          /** @description Space-separated subset of: connect connections:read connections:write credentials proxy actions mcp */
          scope?: string
          /** @description Optional: this Patchbay base URL (the REST API), or its `/mcp` URL for a token of the MCP endpoint (RFC 8707). */
          resource?: string
          /** @description Optional; as `resource`. */
          audience?: string
          /** @description MCP tokens only: the toolset the token opens (default: `default`). */
          toolset?: string
          /** @description client_secret_post only. */
          client_id?: string
          /** @description client_secret_post only. */
          client_secret?: string
          /** @description Connect session: space-separated app keys the session may connect. */
          apps?: string
          /** @description Connect session: origin the popup may post its result to. */
          allowed_origin?: string
          /** @description Connect session: registered URI to return to. */
          redirect_uri?: string
          /** @description Connect session: connection to re-authorize. */
          reconnect_id?: string
          /** @description Connect session: opaque string returned with the result. */
          custom_state?: string
          /** @description Connect session: "true" keeps the user's other connections of the same app. */
          allow_multiple?: string
        } & {
          [key: string]: string
        }
      }
    }
    responses: {
      /** @description RFC 8693 §2.2.1: an access token, or a connect session code. */
      200: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['TokenResponse']
        }
      }
      /** @description invalid_request, invalid_grant, invalid_scope, invalid_target, unsupported_grant_type. */
      400: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['OAuthError']
        }
      }
      /** @description invalid_client: client authentication missing or failed. */
      401: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['OAuthError']
        }
      }
      /** @description too_many_requests: retry after `Retry-After` seconds. */
      429: {
        headers: {
          /** @description Seconds to wait before retrying. */
          'Retry-After'?: number
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['OAuthError']
        }
      }
    }
  }
  revokeToken: {
    parameters: {
      query?: never
      header?: never
      path?: never
      cookie?: never
    }
    requestBody: {
      content: {
        'application/x-www-form-urlencoded': {
          /** @description The Patchbay access token to revoke. */
          token: string
          /** @description Optional: access_token. Ignored (Patchbay revokes access tokens only). */
          token_type_hint?: string
          /** @description client_secret_post only. */
          client_id?: string
          /** @description client_secret_post only. */
          client_secret?: string
        } & {
          [key: string]: string
        }
      }
    }
    responses: {
      /** @description Revoked (or nothing to revoke); empty body. */
      200: {
        headers: {
          [name: string]: unknown
        }
        content?: never
      }
      /** @description invalid_request, invalid_grant, invalid_scope, invalid_target, unsupported_grant_type. */
      400: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['OAuthError']
        }
      }
      /** @description invalid_client: client authentication missing or failed. */
      401: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['OAuthError']
        }
      }
      /** @description too_many_requests: retry after `Retry-After` seconds. */
      429: {
        headers: {
          /** @description Seconds to wait before retrying. */
          'Retry-After'?: number
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['OAuthError']
        }
      }
    }
  }
  getAuthorizationServerMetadata: {
    parameters: {
      query?: never
      header?: never
      path?: never
      cookie?: never
    }
    requestBody?: never
    responses: {
      /** @description RFC 8414 authorization server metadata. */
      200: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['AuthorizationServerMetadata']
        }
      }
      /** @description A query value holding a NUL character (`PB_ERR_VALIDATION`). */
      400: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
    }
  }
  getMe: {
    parameters: {
      query?: never
      header?: never
      path?: never
      cookie?: never
    }
    requestBody?: never
    responses: {
      /** @description The end user an access token acts for. */
      200: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Me']
        }
      }
      /** @description No valid credentials (`PB_ERR_UNAUTHORIZED`); `WWW-Authenticate` says which. */
      401: {
        headers: {
          /** @description The challenge: `Bearer realm="patchbay"` or `Basic …`. */
          'WWW-Authenticate'?: string
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
    }
  }
  createConnectSession: {
    parameters: {
      query?: never
      header?: never
      path?: never
      cookie?: never
    }
    requestBody: {
      content: {
        'application/json': {
          /** @description App keys the session may connect; all when empty. */
          apps?: string[]
          /** @description Registered origin the popup posts its result to. */
          allowed_origin?: string
          /** @description Registered URI the browser returns to: the session ends in redirect mode unless the opening URL asks for a popup (`mode=popup` or a widget `nonce`). */
          redirect_uri?: string
          /** @description Connection of this end user to re-authorize (it keeps its id); unknown or another user's: 404. */
          reconnect_id?: string
          /** @description Opaque string returned with the result. */
          custom_state?: string
          /** @description Keep the user's other connections of the same app (default: replace them). */
          allow_multiple?: boolean
        }
      }
    }
    responses: {
      /** @description A single-use code that opens the Connect UI for the end user. */
      201: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['ConnectSession']
        }
      }
      /** @description A bad option (`PB_ERR_VALIDATION`), or a `redirect_uri` / `allowed_origin` the partner did not register. */
      400: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
      /** @description No valid credentials (`PB_ERR_UNAUTHORIZED`); `WWW-Authenticate` says which. */
      401: {
        headers: {
          /** @description The challenge: `Bearer realm="patchbay"` or `Basic …`. */
          'WWW-Authenticate'?: string
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
      /** @description The access token lacks the scope this operation needs (`PB_ERR_INSUFFICIENT_SCOPE`). */
      403: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
      /** @description `reconnect_id` names no connection of this end user. */
      404: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
    }
  }
  listConnectLinks: {
    parameters: {
      query?: {
        /** @description pending: not opened yet; used: opened by a browser (see `outcome`); expired: not opened in time; revoked: `DELETE` was called. */
        status?: 'pending' | 'used' | 'expired' | 'revoked'
        /** @description Page size, 1 to 100 (default 25). */
        limit?: number
        /** @description `next_cursor` of the previous page. */
        cursor?: string
      }
      header?: never
      path?: never
      cookie?: never
    }
    requestBody?: never
    responses: {
      /** @description A page of connect links, oldest first. */
      200: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['ConnectLinkPage']
        }
      }
      /** @description The request does not match the schema (`PB_ERR_VALIDATION`, naming the field) or is malformed (`PB_ERR_BAD_REQUEST`). */
      400: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
      /** @description No valid credentials (`PB_ERR_UNAUTHORIZED`); `WWW-Authenticate` says which. */
      401: {
        headers: {
          /** @description The challenge: `Bearer realm="patchbay"` or `Basic …`. */
          'WWW-Authenticate'?: string
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
      /** @description The access token lacks the scope this operation needs (`PB_ERR_INSUFFICIENT_SCOPE`). */
      403: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
    }
  }
  createConnectLink: {
    parameters: {
      query?: never
      header?: never
      path?: never
      cookie?: never
    }
    requestBody: {
      content: {
        'application/json': {
          /** @description App keys the link may connect; all when empty. */
          apps?: string[]
          /** @description Registered URI (exact match) the browser returns to with the result; without it the result is a page. */
          redirect_uri?: string
          /** @description Opaque string returned with the result (`state`). */
          custom_state?: string
          /** @description Lifetime in seconds: `PATCHBAY_LINK_TTL` (1 day) when absent, at most `PATCHBAY_LINK_MAX_TTL` (7 days). */
          expires_in?: number
        }
      }
    }
    responses: {
      /** @description A new connect link and its URL. */
      201: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['CreatedConnectLink']
        }
      }
      /** @description A bad option (`PB_ERR_VALIDATION`: an app key, `expires_in` above the maximum), or a `redirect_uri` the partner did not register (`PB_ERR_INVALID_REDIRECT_URI`). */
      400: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
      /** @description No valid credentials (`PB_ERR_UNAUTHORIZED`); `WWW-Authenticate` says which. */
      401: {
        headers: {
          /** @description The challenge: `Bearer realm="patchbay"` or `Basic …`. */
          'WWW-Authenticate'?: string
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
      /** @description The access token lacks the scope this operation needs (`PB_ERR_INSUFFICIENT_SCOPE`). */
      403: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
    }
  }
  getConnectLink: {
    parameters: {
      query?: never
      header?: never
      path: {
        /** @description The connect link id. */
        id: string
      }
      cookie?: never
    }
    requestBody?: never
    responses: {
      /** @description A hosted connect link for one end user (docs/connect-links.md). */
      200: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['ConnectLink']
        }
      }
      /** @description The request does not match the schema (`PB_ERR_VALIDATION`, naming the field) or is malformed (`PB_ERR_BAD_REQUEST`). */
      400: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
      /** @description No valid credentials (`PB_ERR_UNAUTHORIZED`); `WWW-Authenticate` says which. */
      401: {
        headers: {
          /** @description The challenge: `Bearer realm="patchbay"` or `Basic …`. */
          'WWW-Authenticate'?: string
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
      /** @description The access token lacks the scope this operation needs (`PB_ERR_INSUFFICIENT_SCOPE`). */
      403: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
      /** @description No such resource for this caller (`PB_ERR_NOT_FOUND`): ids of other end users or partners answer the same. */
      404: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
    }
  }
  revokeConnectLink: {
    parameters: {
      query?: never
      header?: never
      path: {
        /** @description The connect link id. */
        id: string
      }
      cookie?: never
    }
    requestBody?: never
    responses: {
      /** @description A hosted connect link for one end user (docs/connect-links.md). */
      200: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['ConnectLink']
        }
      }
      /** @description The request does not match the schema (`PB_ERR_VALIDATION`, naming the field) or is malformed (`PB_ERR_BAD_REQUEST`). */
      400: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
      /** @description No valid credentials (`PB_ERR_UNAUTHORIZED`); `WWW-Authenticate` says which. */
      401: {
        headers: {
          /** @description The challenge: `Bearer realm="patchbay"` or `Basic …`. */
          'WWW-Authenticate'?: string
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
      /** @description The access token lacks the scope this operation needs (`PB_ERR_INSUFFICIENT_SCOPE`). */
      403: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
      /** @description No such resource for this caller (`PB_ERR_NOT_FOUND`): ids of other end users or partners answer the same. */
      404: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
      /** @description The link was used and its flow ended (`PB_ERR_LINK_USED`), or it expired unopened (`PB_ERR_LINK_EXPIRED`). */
      409: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
    }
  }
  authorizeConnectSession: {
    parameters: {
      query?: never
      header?: never
      path?: never
      cookie?: never
    }
    requestBody: {
      content: {
        'application/json': {
          /** @description The session code from `POST /v1/connect/sessions` (`token`). */
          token: string
          /** @description The app to connect (one the session allows). */
          app: string
          /** @description Required when the app offers several options of this kind. */
          auth_option?: string
          /** @description Connection parameters. */
          params?: {
            [key: string]: string
          }
        }
      }
    }
    responses: {
      /** @description Where to send the browser to authorize at the provider. */
      200: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['HeadlessAuthorization']
        }
      }
      /** @description An app the session does not allow, no OAuth option of that key, or bad connection parameters (`PB_ERR_VALIDATION`, naming the field). */
      400: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
      /** @description No valid credentials (`PB_ERR_UNAUTHORIZED`); `WWW-Authenticate` says which. */
      401: {
        headers: {
          /** @description The challenge: `Bearer realm="patchbay"` or `Basic …`. */
          'WWW-Authenticate'?: string
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
      /** @description The access token lacks the scope this operation needs (`PB_ERR_INSUFFICIENT_SCOPE`). */
      403: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
      /** @description `token` is no connect session of this end user (another user's answers the same). */
      404: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
      /** @description The session was already used or expired (`PB_ERR_CONFLICT`). */
      409: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
    }
  }
  submitConnectSessionCredentials: {
    parameters: {
      query?: never
      header?: never
      path?: never
      cookie?: never
    }
    requestBody: {
      content: {
        'application/json': {
          /** @description The session code from `POST /v1/connect/sessions` (`token`). */
          token: string
          /** @description The app to connect (one the session allows). */
          app: string
          /** @description Required when the app offers several options of this kind. */
          auth_option?: string
          /** @description Connection parameters. */
          params?: {
            [key: string]: string
          }
          /** @description Credential fields, e.g. `{ "api_key": "…" }`. Never echoed. */
          credentials: {
            [key: string]: string
          }
        }
      }
    }
    responses: {
      /** @description Where a connect session stands (docs/connect-links.md). */
      201: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['ConnectSessionStatus']
        }
      }
      /** @description An app the session does not allow, no credential option of that key, or a missing or malformed field (`PB_ERR_VALIDATION`, naming it); the session stays usable. */
      400: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
      /** @description No valid credentials (`PB_ERR_UNAUTHORIZED`); `WWW-Authenticate` says which. */
      401: {
        headers: {
          /** @description The challenge: `Bearer realm="patchbay"` or `Basic …`. */
          'WWW-Authenticate'?: string
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
      /** @description The access token lacks the scope this operation needs (`PB_ERR_INSUFFICIENT_SCOPE`). */
      403: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
      /** @description `token` is no connect session of this end user (another user's answers the same). */
      404: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
      /** @description The session was already used or expired (`PB_ERR_CONFLICT`). */
      409: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
      /** @description The app refused the credentials (`PB_ERR_CREDENTIALS_REJECTED`); nothing was stored and the session ended with the error. */
      422: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
      /** @description Too many credential checks for this end user in the window (`PB_ERR_RATE_LIMITED`, `Retry-After`); the app was not asked and the session stays usable. */
      429: {
        headers: {
          /** @description Seconds to wait before retrying. */
          'Retry-After'?: number
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
      /** @description The app could not be asked (unreachable, or it answered with a server error: `PB_ERR_UPSTREAM`); nothing was stored and the session ended with the error `server_error`. */
      502: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
    }
  }
  getConnectSession: {
    parameters: {
      query?: never
      header?: never
      path: {
        id: string
      }
      cookie?: never
    }
    requestBody?: never
    responses: {
      /** @description Where a connect session stands (docs/connect-links.md). */
      200: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['ConnectSessionStatus']
        }
      }
      /** @description The request does not match the schema (`PB_ERR_VALIDATION`, naming the field) or is malformed (`PB_ERR_BAD_REQUEST`). */
      400: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
      /** @description No valid credentials (`PB_ERR_UNAUTHORIZED`); `WWW-Authenticate` says which. */
      401: {
        headers: {
          /** @description The challenge: `Bearer realm="patchbay"` or `Basic …`. */
          'WWW-Authenticate'?: string
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
      /** @description The access token lacks the scope this operation needs (`PB_ERR_INSUFFICIENT_SCOPE`). */
      403: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
      /** @description No such resource for this caller (`PB_ERR_NOT_FOUND`): ids of other end users or partners answer the same. */
      404: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
    }
  }
  getConnectionCredentials: {
    parameters: {
      query?: {
        /** @description Seconds, 0 to 3600 (larger values count as 3600). */
        min_validity?: number
        /** @description true: refresh now (OAuth connections with a refresh token, or client credentials). */
        force_refresh?: boolean
      }
      header?: never
      path: {
        /** @description The connection id. */
        id: string
      }
      cookie?: never
    }
    requestBody?: never
    responses: {
      /** @description A connection's fresh credentials, for the partner's backend only. */
      200: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['ConnectionCredentials']
        }
      }
      /** @description The request does not match the schema (`PB_ERR_VALIDATION`, naming the field) or is malformed (`PB_ERR_BAD_REQUEST`). */
      400: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
      /** @description No valid credentials (`PB_ERR_UNAUTHORIZED`); `WWW-Authenticate` says which. */
      401: {
        headers: {
          /** @description The challenge: `Bearer realm="patchbay"` or `Basic …`. */
          'WWW-Authenticate'?: string
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
      /** @description The access token lacks the scope this operation needs (`PB_ERR_INSUFFICIENT_SCOPE`). */
      403: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
      /** @description No such resource for this caller (`PB_ERR_NOT_FOUND`): ids of other end users or partners answer the same. */
      404: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
      /** @description The connection needs to be reconnected (`PB_ERR_CREDENTIAL_REVOKED`). */
      409: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
      /** @description `force_refresh` within 10 s of the last refresh (`PB_ERR_RATE_LIMITED`); retry after `Retry-After` seconds. */
      429: {
        headers: {
          /** @description Seconds to wait before retrying. */
          'Retry-After'?: number
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
      /** @description The app could not be reached or refused (`PB_ERR_UPSTREAM`), or the outbound rules forbid it (`PB_ERR_OUTBOUND_BLOCKED`). */
      502: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
    }
  }
  listConnections: {
    parameters: {
      query?: {
        /** @description Only connections of this app. */
        app?: string
        status?: 'active' | 'needs_reauth' | 'error'
        /** @description Page size, 1 to 100 (default 25). */
        limit?: number
        /** @description `next_cursor` of the previous page. */
        cursor?: string
      }
      header?: never
      path?: never
      cookie?: never
    }
    requestBody?: never
    responses: {
      /** @description A page of connections, oldest first. */
      200: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['ConnectionPage']
        }
      }
      /** @description The request does not match the schema (`PB_ERR_VALIDATION`, naming the field) or is malformed (`PB_ERR_BAD_REQUEST`). */
      400: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
      /** @description No valid credentials (`PB_ERR_UNAUTHORIZED`); `WWW-Authenticate` says which. */
      401: {
        headers: {
          /** @description The challenge: `Bearer realm="patchbay"` or `Basic …`. */
          'WWW-Authenticate'?: string
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
      /** @description The access token lacks the scope this operation needs (`PB_ERR_INSUFFICIENT_SCOPE`). */
      403: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
    }
  }
  createConnection: {
    parameters: {
      query?: never
      header?: never
      path?: never
      cookie?: never
    }
    requestBody: {
      content: {
        'application/json': {
          /** @description Catalog key of the app (see GET /v1/apps). */
          app: string
          /** @description Required when the app takes credentials in several ways. */
          auth_option?: string
          name?: string | null
          /** @description Connection parameters (fields of kind 'param'). */
          params?: {
            [key: string]: string
          }
          /** @description Credential fields (kind 'credential'), e.g. `{ "api_key": "…" }`. Checked with the app before anything is stored. */
          credentials: {
            [key: string]: string
          }
          /** @description Keep the user's other connections of this app (default: the new one replaces them). */
          allow_multiple?: boolean
        }
      }
    }
    responses: {
      /** @description An existing connection of the same account was re-authorized (same id). */
      200: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Connection']
        }
      }
      /** @description Created. */
      201: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Connection']
        }
      }
      /** @description The request does not match the schema (`PB_ERR_VALIDATION`, naming the field) or is malformed (`PB_ERR_BAD_REQUEST`). */
      400: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
      /** @description No valid credentials (`PB_ERR_UNAUTHORIZED`); `WWW-Authenticate` says which. */
      401: {
        headers: {
          /** @description The challenge: `Bearer realm="patchbay"` or `Basic …`. */
          'WWW-Authenticate'?: string
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
      /** @description The access token lacks the scope this operation needs (`PB_ERR_INSUFFICIENT_SCOPE`). */
      403: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
      /** @description The app refused the supplied credentials (`PB_ERR_CREDENTIALS_REJECTED`); nothing was stored. */
      422: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
      /** @description Too many credential checks for this end user (`PB_ERR_RATE_LIMITED`); retry after `Retry-After` seconds. */
      429: {
        headers: {
          /** @description Seconds to wait before retrying. */
          'Retry-After'?: number
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
      /** @description The app could not be reached or refused (`PB_ERR_UPSTREAM`), or the outbound rules forbid it (`PB_ERR_OUTBOUND_BLOCKED`). */
      502: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
    }
  }
  getConnection: {
    parameters: {
      query?: never
      header?: never
      path: {
        /** @description The connection id. */
        id: string
      }
      cookie?: never
    }
    requestBody?: never
    responses: {
      /** @description A connection: one end user's account at one app. Never holds credentials. */
      200: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Connection']
        }
      }
      /** @description The request does not match the schema (`PB_ERR_VALIDATION`, naming the field) or is malformed (`PB_ERR_BAD_REQUEST`). */
      400: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
      /** @description No valid credentials (`PB_ERR_UNAUTHORIZED`); `WWW-Authenticate` says which. */
      401: {
        headers: {
          /** @description The challenge: `Bearer realm="patchbay"` or `Basic …`. */
          'WWW-Authenticate'?: string
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
      /** @description The access token lacks the scope this operation needs (`PB_ERR_INSUFFICIENT_SCOPE`). */
      403: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
      /** @description No such resource for this caller (`PB_ERR_NOT_FOUND`): ids of other end users or partners answer the same. */
      404: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
    }
  }
  deleteConnection: {
    parameters: {
      query?: never
      header?: never
      path: {
        /** @description The connection id. */
        id: string
      }
      cookie?: never
    }
    requestBody?: never
    responses: {
      /** @description Deleted. */
      204: {
        headers: {
          [name: string]: unknown
        }
        content?: never
      }
      /** @description The request does not match the schema (`PB_ERR_VALIDATION`, naming the field) or is malformed (`PB_ERR_BAD_REQUEST`). */
      400: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
      /** @description No valid credentials (`PB_ERR_UNAUTHORIZED`); `WWW-Authenticate` says which. */
      401: {
        headers: {
          /** @description The challenge: `Bearer realm="patchbay"` or `Basic …`. */
          'WWW-Authenticate'?: string
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
      /** @description The access token lacks the scope this operation needs (`PB_ERR_INSUFFICIENT_SCOPE`). */
      403: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
      /** @description No such resource for this caller (`PB_ERR_NOT_FOUND`): ids of other end users or partners answer the same. */
      404: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
    }
  }
  renameConnection: {
    parameters: {
      query?: never
      header?: never
      path: {
        /** @description The connection id. */
        id: string
      }
      cookie?: never
    }
    requestBody: {
      content: {
        'application/json': {
          /** @description Display name (1 to 200 characters), or null to clear it. */
          name: string | null
        }
      }
    }
    responses: {
      /** @description A connection: one end user's account at one app. Never holds credentials. */
      200: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Connection']
        }
      }
      /** @description The request does not match the schema (`PB_ERR_VALIDATION`, naming the field) or is malformed (`PB_ERR_BAD_REQUEST`). */
      400: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
      /** @description No valid credentials (`PB_ERR_UNAUTHORIZED`); `WWW-Authenticate` says which. */
      401: {
        headers: {
          /** @description The challenge: `Bearer realm="patchbay"` or `Basic …`. */
          'WWW-Authenticate'?: string
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
      /** @description The access token lacks the scope this operation needs (`PB_ERR_INSUFFICIENT_SCOPE`). */
      403: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
      /** @description No such resource for this caller (`PB_ERR_NOT_FOUND`): ids of other end users or partners answer the same. */
      404: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
    }
  }
  upgradeConnectionScopes: {
    parameters: {
      query?: never
      header?: never
      path: {
        /** @description The connection id. */
        id: string
      }
      cookie?: never
    }
    requestBody: {
      content: {
        'application/json': {
          /** @description Scopes to add to the connection's; each must be one the app offers (its default or optional scopes, or the partner app's). */
          scopes: string[]
          /** @description Registered origin the popup posts its result to. */
          allowed_origin?: string
          /** @description Registered URI the browser returns to (redirect mode). */
          redirect_uri?: string
          /** @description Opaque string returned with the result. */
          custom_state?: string
        }
      }
    }
    responses: {
      /** @description A single-use code that opens the Connect UI for the end user. */
      201: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['ConnectSession']
        }
      }
      /** @description A scope the app does not offer, a connection that is not OAuth 2.0 or has no account identifier, or a `redirect_uri` / `allowed_origin` the partner did not register. */
      400: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
      /** @description No valid credentials (`PB_ERR_UNAUTHORIZED`); `WWW-Authenticate` says which. */
      401: {
        headers: {
          /** @description The challenge: `Bearer realm="patchbay"` or `Basic …`. */
          'WWW-Authenticate'?: string
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
      /** @description The access token lacks the scope this operation needs (`PB_ERR_INSUFFICIENT_SCOPE`). */
      403: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
      /** @description No connection of this end user has this id. */
      404: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
    }
  }
  listConnectionAudit: {
    parameters: {
      query?: {
        /** @description Page size, 1 to 100 (default 25). */
        limit?: number
        /** @description `next_cursor` of the previous page. */
        cursor?: string
      }
      header?: never
      path: {
        id: string
      }
      cookie?: never
    }
    requestBody?: never
    responses: {
      /** @description A page of a connection's audit log, newest first. */
      200: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['AuditPage']
        }
      }
      /** @description The request does not match the schema (`PB_ERR_VALIDATION`, naming the field) or is malformed (`PB_ERR_BAD_REQUEST`). */
      400: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
      /** @description No valid credentials (`PB_ERR_UNAUTHORIZED`); `WWW-Authenticate` says which. */
      401: {
        headers: {
          /** @description The challenge: `Bearer realm="patchbay"` or `Basic …`. */
          'WWW-Authenticate'?: string
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
      /** @description The access token lacks the scope this operation needs (`PB_ERR_INSUFFICIENT_SCOPE`). */
      403: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
      /** @description No such resource for this caller (`PB_ERR_NOT_FOUND`): ids of other end users or partners answer the same. */
      404: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
    }
  }
  listApps: {
    parameters: {
      query?: {
        /** @description Words the key, name or description must all hold. */
        q?: string
        /** @description Only apps of this category. */
        category?: string
        /** @description Page size, 1 to 200 (default 100). */
        limit?: number
        /** @description `next_cursor` of the previous page. */
        cursor?: string
      }
      header?: never
      path?: never
      cookie?: never
    }
    requestBody?: never
    responses: {
      /** @description A page of apps, by key. */
      200: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['AppPage']
        }
      }
      /** @description The request does not match the schema (`PB_ERR_VALIDATION`, naming the field) or is malformed (`PB_ERR_BAD_REQUEST`). */
      400: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
      /** @description No valid credentials (`PB_ERR_UNAUTHORIZED`); `WWW-Authenticate` says which. */
      401: {
        headers: {
          /** @description The challenge: `Bearer realm="patchbay"` or `Basic …`. */
          'WWW-Authenticate'?: string
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
    }
  }
  getApp: {
    parameters: {
      query?: never
      header?: never
      path: {
        /** @description Catalog key of the app. */
        key: string
      }
      cookie?: never
    }
    requestBody?: never
    responses: {
      /** @description An app of the catalog as the partner offers it. */
      200: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['App']
        }
      }
      /** @description The request does not match the schema (`PB_ERR_VALIDATION`, naming the field) or is malformed (`PB_ERR_BAD_REQUEST`). */
      400: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
      /** @description No valid credentials (`PB_ERR_UNAUTHORIZED`); `WWW-Authenticate` says which. */
      401: {
        headers: {
          /** @description The challenge: `Bearer realm="patchbay"` or `Basic …`. */
          'WWW-Authenticate'?: string
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
      /** @description No such resource for this caller (`PB_ERR_NOT_FOUND`): ids of other end users or partners answer the same. */
      404: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
    }
  }
  listActions: {
    parameters: {
      query?: {
        /** @description Only connections of this app. */
        app?: string
        type?: 'read' | 'write' | 'search'
        /** @description Words in the id, title or description. */
        q?: string
        /** @description true: only apps the end user has connected. */
        connected?: boolean
        /** @description Page size, 1 to 100 (default 25). */
        limit?: number
        /** @description `next_cursor` of the previous page. */
        cursor?: string
      }
      header?: never
      path?: never
      cookie?: never
    }
    requestBody?: never
    responses: {
      /** @description A page of actions, by id. */
      200: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['ActionPage']
        }
      }
      /** @description The request does not match the schema (`PB_ERR_VALIDATION`, naming the field) or is malformed (`PB_ERR_BAD_REQUEST`). */
      400: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
      /** @description No valid credentials (`PB_ERR_UNAUTHORIZED`); `WWW-Authenticate` says which. */
      401: {
        headers: {
          /** @description The challenge: `Bearer realm="patchbay"` or `Basic …`. */
          'WWW-Authenticate'?: string
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
      /** @description The access token lacks the scope this operation needs (`PB_ERR_INSUFFICIENT_SCOPE`). */
      403: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
    }
  }
  getAction: {
    parameters: {
      query?: never
      header?: never
      path: {
        /** @description `<app>.<key>`, e.g. `github.create_issue`. */
        id: string
      }
      cookie?: never
    }
    requestBody?: never
    responses: {
      /** @description An action with its input and output schemas and field hints. */
      200: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Action']
        }
      }
      /** @description The request does not match the schema (`PB_ERR_VALIDATION`, naming the field) or is malformed (`PB_ERR_BAD_REQUEST`). */
      400: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
      /** @description No valid credentials (`PB_ERR_UNAUTHORIZED`); `WWW-Authenticate` says which. */
      401: {
        headers: {
          /** @description The challenge: `Bearer realm="patchbay"` or `Basic …`. */
          'WWW-Authenticate'?: string
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
      /** @description The access token lacks the scope this operation needs (`PB_ERR_INSUFFICIENT_SCOPE`). */
      403: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
      /** @description No such resource for this caller (`PB_ERR_NOT_FOUND`): ids of other end users or partners answer the same. */
      404: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
    }
  }
  listActionFieldOptions: {
    parameters: {
      query?: never
      header?: never
      path: {
        /** @description `<app>.<key>`, e.g. `github.create_issue`. */
        id: string
        field: string
      }
      cookie?: never
    }
    requestBody: {
      content: {
        'application/json': {
          /** @description One of the end user's connections of the action's app. */
          connection_id: string
          /** @description Inputs as the action's input_schema says. */
          inputs?: {
            [key: string]: unknown
          }
          /** @description What the user typed (searchable fields). */
          query?: string
          /** @description `next_cursor` of the previous page. */
          cursor?: string
        }
      }
    }
    responses: {
      /** @description A page of a dynamic field's choices. */
      200: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['FieldOptionsPage']
        }
      }
      /** @description The request does not match the schema (`PB_ERR_VALIDATION`, naming the field) or is malformed (`PB_ERR_BAD_REQUEST`). */
      400: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
      /** @description No valid credentials (`PB_ERR_UNAUTHORIZED`); `WWW-Authenticate` says which. */
      401: {
        headers: {
          /** @description The challenge: `Bearer realm="patchbay"` or `Basic …`. */
          'WWW-Authenticate'?: string
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
      /** @description The access token lacks the scope this operation needs (`PB_ERR_INSUFFICIENT_SCOPE`). */
      403: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
      /** @description No such resource for this caller (`PB_ERR_NOT_FOUND`): ids of other end users or partners answer the same. */
      404: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
      /** @description The resource is not in a state that allows this (`PB_ERR_CONFLICT`, `PB_ERR_CREDENTIAL_REVOKED`). */
      409: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
      /** @description The app could not be reached or refused (`PB_ERR_UPSTREAM`), or the outbound rules forbid it (`PB_ERR_OUTBOUND_BLOCKED`). */
      502: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
    }
  }
  describeActionInput: {
    parameters: {
      query?: never
      header?: never
      path: {
        /** @description `<app>.<key>`, e.g. `github.create_issue`. */
        id: string
      }
      cookie?: never
    }
    requestBody: {
      content: {
        'application/json': {
          /** @description One of the end user's connections of the action's app. */
          connection_id: string
          /** @description Inputs as the action's input_schema says. */
          inputs?: {
            [key: string]: unknown
          }
        }
      }
    }
    responses: {
      /** @description The fields of an action's dynamic input for one connection. */
      200: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['DynamicInputSchema']
        }
      }
      /** @description The request does not match the schema (`PB_ERR_VALIDATION`, naming the field) or is malformed (`PB_ERR_BAD_REQUEST`). */
      400: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
      /** @description No valid credentials (`PB_ERR_UNAUTHORIZED`); `WWW-Authenticate` says which. */
      401: {
        headers: {
          /** @description The challenge: `Bearer realm="patchbay"` or `Basic …`. */
          'WWW-Authenticate'?: string
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
      /** @description The access token lacks the scope this operation needs (`PB_ERR_INSUFFICIENT_SCOPE`). */
      403: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
      /** @description No such resource for this caller (`PB_ERR_NOT_FOUND`): ids of other end users or partners answer the same. */
      404: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
      /** @description The resource is not in a state that allows this (`PB_ERR_CONFLICT`, `PB_ERR_CREDENTIAL_REVOKED`). */
      409: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
      /** @description The app could not be reached or refused (`PB_ERR_UPSTREAM`), or the outbound rules forbid it (`PB_ERR_OUTBOUND_BLOCKED`). */
      502: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
    }
  }
  validateActionInputs: {
    parameters: {
      query?: never
      header?: never
      path: {
        /** @description `<app>.<key>`, e.g. `github.create_issue`. */
        id: string
      }
      cookie?: never
    }
    requestBody: {
      content: {
        'application/json': {
          /** @description One of the end user's connections of the action's app. */
          connection_id: string
          /** @description Inputs as the action's input_schema says. */
          inputs: {
            [key: string]: unknown
          }
        }
      }
    }
    responses: {
      /** @description What is wrong with the inputs, and the state of the connection. */
      200: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['InputValidation']
        }
      }
      /** @description The request does not match the schema (`PB_ERR_VALIDATION`, naming the field) or is malformed (`PB_ERR_BAD_REQUEST`). */
      400: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
      /** @description No valid credentials (`PB_ERR_UNAUTHORIZED`); `WWW-Authenticate` says which. */
      401: {
        headers: {
          /** @description The challenge: `Bearer realm="patchbay"` or `Basic …`. */
          'WWW-Authenticate'?: string
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
      /** @description The access token lacks the scope this operation needs (`PB_ERR_INSUFFICIENT_SCOPE`). */
      403: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
      /** @description No such resource for this caller (`PB_ERR_NOT_FOUND`): ids of other end users or partners answer the same. */
      404: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
    }
  }
  listRuns: {
    parameters: {
      query?: {
        status?: 'queued' | 'running' | 'waiting' | 'succeeded' | 'failed' | 'canceled' | 'timed_out' | 'requires_action'
        /** @description `<app>.<key>`, e.g. `github.create_issue`. */
        action?: string
        connection_id?: string
        /** @description Page size, 1 to 100 (default 25). */
        limit?: number
        /** @description `next_cursor` of the previous page. */
        cursor?: string
      }
      header?: never
      path?: never
      cookie?: never
    }
    requestBody?: never
    responses: {
      /** @description A page of runs, newest first. */
      200: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['RunPage']
        }
      }
      /** @description The request does not match the schema (`PB_ERR_VALIDATION`, naming the field) or is malformed (`PB_ERR_BAD_REQUEST`). */
      400: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
      /** @description No valid credentials (`PB_ERR_UNAUTHORIZED`); `WWW-Authenticate` says which. */
      401: {
        headers: {
          /** @description The challenge: `Bearer realm="patchbay"` or `Basic …`. */
          'WWW-Authenticate'?: string
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
      /** @description The access token lacks the scope this operation needs (`PB_ERR_INSUFFICIENT_SCOPE`). */
      403: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
    }
  }
  createRun: {
    parameters: {
      query?: never
      header?: {
        /** @description Same key and body: the same run; same key, other body: 409. */
        'idempotency-key'?: string
      }
      path?: never
      cookie?: never
    }
    requestBody: {
      content: {
        'application/json': {
          /** @description `<app>.<key>`, e.g. `github.create_issue`. */
          action: string
          /** @description The version (or major) the caller was written for. */
          version?: string
          /** @description One of the end user's connections of the action's app. */
          connection_id: string
          /** @description Inputs as the action's input_schema says. */
          inputs: {
            [key: string]: unknown
          }
          /** @description Answer 200 with the finished run if it ends within this time, else 202. */
          wait_ms?: number
          /** @description Per attempt; at most the action's own timeout. */
          timeout_ms?: number
          /** @description Check inputs and credentials and say which HTTP requests would be sent; send none. */
          dry_run?: boolean
          /** @description Kept with the run, returned as is. */
          metadata?: {
            [key: string]: unknown
          }
          /** @description Send run.* webhooks for this run (default true). */
          webhook?: boolean
        }
      }
    }
    responses: {
      /** @description The run, ended within `wait_ms`. */
      200: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Run']
        }
      }
      /** @description The run, still going: read it at `Location`. */
      202: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Run']
        }
      }
      /** @description The request does not match the schema (`PB_ERR_VALIDATION`, naming the field) or is malformed (`PB_ERR_BAD_REQUEST`). */
      400: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
      /** @description No valid credentials (`PB_ERR_UNAUTHORIZED`); `WWW-Authenticate` says which. */
      401: {
        headers: {
          /** @description The challenge: `Bearer realm="patchbay"` or `Basic …`. */
          'WWW-Authenticate'?: string
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
      /** @description The access token lacks the scope this operation needs (`PB_ERR_INSUFFICIENT_SCOPE`). */
      403: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
      /** @description No such resource for this caller (`PB_ERR_NOT_FOUND`): ids of other end users or partners answer the same. */
      404: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
      /** @description The `Idempotency-Key` was used with another body (`PB_ERR_CONFLICT`). */
      409: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
    }
  }
  getRun: {
    parameters: {
      query?: {
        /** @description Long poll: wait up to this many ms for the run to end (at most runs.maxWaitMs). */
        wait_ms?: number
      }
      header?: never
      path: {
        /** @description The run id. */
        id: string
      }
      cookie?: never
    }
    requestBody?: never
    responses: {
      /** @description The run, ended. */
      200: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Run']
        }
      }
      /** @description The run, still going. */
      202: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Run']
        }
      }
      /** @description The request does not match the schema (`PB_ERR_VALIDATION`, naming the field) or is malformed (`PB_ERR_BAD_REQUEST`). */
      400: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
      /** @description No valid credentials (`PB_ERR_UNAUTHORIZED`); `WWW-Authenticate` says which. */
      401: {
        headers: {
          /** @description The challenge: `Bearer realm="patchbay"` or `Basic …`. */
          'WWW-Authenticate'?: string
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
      /** @description The access token lacks the scope this operation needs (`PB_ERR_INSUFFICIENT_SCOPE`). */
      403: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
      /** @description No such resource for this caller (`PB_ERR_NOT_FOUND`): ids of other end users or partners answer the same. */
      404: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
    }
  }
  cancelRun: {
    parameters: {
      query?: never
      header?: never
      path: {
        /** @description The run id. */
        id: string
      }
      cookie?: never
    }
    requestBody?: never
    responses: {
      /** @description The run, canceled. */
      200: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Run']
        }
      }
      /** @description The run, being canceled. */
      202: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Run']
        }
      }
      /** @description The request does not match the schema (`PB_ERR_VALIDATION`, naming the field) or is malformed (`PB_ERR_BAD_REQUEST`). */
      400: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
      /** @description No valid credentials (`PB_ERR_UNAUTHORIZED`); `WWW-Authenticate` says which. */
      401: {
        headers: {
          /** @description The challenge: `Bearer realm="patchbay"` or `Basic …`. */
          'WWW-Authenticate'?: string
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
      /** @description The access token lacks the scope this operation needs (`PB_ERR_INSUFFICIENT_SCOPE`). */
      403: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
      /** @description No such resource for this caller (`PB_ERR_NOT_FOUND`): ids of other end users or partners answer the same. */
      404: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
      /** @description The run has already ended (`PB_ERR_CONFLICT`). */
      409: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
    }
  }
  getRunLogs: {
    parameters: {
      query?: never
      header?: never
      path: {
        /** @description The run id. */
        id: string
      }
      cookie?: never
    }
    requestBody?: never
    responses: {
      /** @description A run's HTTP exchanges with the app (redacted) and the action's own lines. */
      200: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['RunLogs']
        }
      }
      /** @description The request does not match the schema (`PB_ERR_VALIDATION`, naming the field) or is malformed (`PB_ERR_BAD_REQUEST`). */
      400: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
      /** @description No valid credentials (`PB_ERR_UNAUTHORIZED`); `WWW-Authenticate` says which. */
      401: {
        headers: {
          /** @description The challenge: `Bearer realm="patchbay"` or `Basic …`. */
          'WWW-Authenticate'?: string
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
      /** @description The access token lacks the scope this operation needs (`PB_ERR_INSUFFICIENT_SCOPE`). */
      403: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
      /** @description No such resource for this caller (`PB_ERR_NOT_FOUND`): ids of other end users or partners answer the same. */
      404: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
    }
  }
  listWebhookEvents: {
    parameters: {
      query?: {
        status?: 'pending' | 'delivering' | 'succeeded' | 'failed' | 'skipped'
        type?: string
        cursor?: string
        /** @description Page size, 1 to 100 (default 20). */
        limit?: number
      }
      header?: never
      path?: never
      cookie?: never
    }
    requestBody?: never
    responses: {
      /** @description A page of webhook events, newest first. */
      200: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['WebhookEventPage']
        }
      }
      /** @description The request does not match the schema (`PB_ERR_VALIDATION`, naming the field) or is malformed (`PB_ERR_BAD_REQUEST`). */
      400: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
      /** @description No valid credentials (`PB_ERR_UNAUTHORIZED`); `WWW-Authenticate` says which. */
      401: {
        headers: {
          /** @description The challenge: `Bearer realm="patchbay"` or `Basic …`. */
          'WWW-Authenticate'?: string
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
      /** @description Too many requests (`PB_ERR_RATE_LIMITED`); retry after `Retry-After` seconds. */
      429: {
        headers: {
          /** @description Seconds to wait before retrying. */
          'Retry-After'?: number
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
    }
  }
  getWebhookEvent: {
    parameters: {
      query?: never
      header?: never
      path: {
        /** @description The event id. */
        id: string
      }
      cookie?: never
    }
    requestBody?: never
    responses: {
      /** @description A webhook event with every delivery attempt, oldest first. */
      200: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['WebhookEventDetail']
        }
      }
      /** @description The request does not match the schema (`PB_ERR_VALIDATION`, naming the field) or is malformed (`PB_ERR_BAD_REQUEST`). */
      400: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
      /** @description No valid credentials (`PB_ERR_UNAUTHORIZED`); `WWW-Authenticate` says which. */
      401: {
        headers: {
          /** @description The challenge: `Bearer realm="patchbay"` or `Basic …`. */
          'WWW-Authenticate'?: string
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
      /** @description No such resource for this caller (`PB_ERR_NOT_FOUND`): ids of other end users or partners answer the same. */
      404: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
      /** @description Too many requests (`PB_ERR_RATE_LIMITED`); retry after `Retry-After` seconds. */
      429: {
        headers: {
          /** @description Seconds to wait before retrying. */
          'Retry-After'?: number
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
    }
  }
  redeliverWebhookEvent: {
    parameters: {
      query?: never
      header?: never
      path: {
        /** @description The event id. */
        id: string
      }
      cookie?: never
    }
    requestBody?: never
    responses: {
      /** @description Queued again, due now. */
      202: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['WebhookEvent']
        }
      }
      /** @description The request does not match the schema (`PB_ERR_VALIDATION`, naming the field) or is malformed (`PB_ERR_BAD_REQUEST`). */
      400: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
      /** @description No valid credentials (`PB_ERR_UNAUTHORIZED`); `WWW-Authenticate` says which. */
      401: {
        headers: {
          /** @description The challenge: `Bearer realm="patchbay"` or `Basic …`. */
          'WWW-Authenticate'?: string
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
      /** @description No such resource for this caller (`PB_ERR_NOT_FOUND`): ids of other end users or partners answer the same. */
      404: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
      /** @description The event is being delivered right now (`PB_ERR_CONFLICT`). */
      409: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
      /** @description Too many requests (`PB_ERR_RATE_LIMITED`); retry after `Retry-After` seconds. */
      429: {
        headers: {
          /** @description Seconds to wait before retrying. */
          'Retry-After'?: number
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
    }
  }
  listPartnerConnections: {
    parameters: {
      query?: {
        /** @description Only this tenant's end users. */
        tenant_id?: string
        /** @description Only this end user (the partner's user id; across tenants without tenant_id). */
        user_id?: string
        /** @description Only connections of this app. */
        app?: string
        status?: 'active' | 'needs_reauth' | 'error'
        /** @description Page size, 1 to 100 (default 25). */
        limit?: number
        /** @description `next_cursor` of the previous page. */
        cursor?: string
      }
      header?: never
      path?: never
      cookie?: never
    }
    requestBody?: never
    responses: {
      /** @description A page of connections, oldest first. */
      200: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['ConnectionPage']
        }
      }
      /** @description The request does not match the schema (`PB_ERR_VALIDATION`, naming the field) or is malformed (`PB_ERR_BAD_REQUEST`). */
      400: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
      /** @description No valid credentials (`PB_ERR_UNAUTHORIZED`); `WWW-Authenticate` says which. */
      401: {
        headers: {
          /** @description The challenge: `Bearer realm="patchbay"` or `Basic …`. */
          'WWW-Authenticate'?: string
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
      /** @description Too many requests (`PB_ERR_RATE_LIMITED`); retry after `Retry-After` seconds. */
      429: {
        headers: {
          /** @description Seconds to wait before retrying. */
          'Retry-After'?: number
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
    }
  }
  getPartnerConnection: {
    parameters: {
      query?: never
      header?: never
      path: {
        /** @description The connection id. */
        id: string
      }
      cookie?: never
    }
    requestBody?: never
    responses: {
      /** @description A connection: one end user's account at one app. Never holds credentials. */
      200: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Connection']
        }
      }
      /** @description The request does not match the schema (`PB_ERR_VALIDATION`, naming the field) or is malformed (`PB_ERR_BAD_REQUEST`). */
      400: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
      /** @description No valid credentials (`PB_ERR_UNAUTHORIZED`); `WWW-Authenticate` says which. */
      401: {
        headers: {
          /** @description The challenge: `Bearer realm="patchbay"` or `Basic …`. */
          'WWW-Authenticate'?: string
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
      /** @description No such resource for this caller (`PB_ERR_NOT_FOUND`): ids of other end users or partners answer the same. */
      404: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
      /** @description Too many requests (`PB_ERR_RATE_LIMITED`); retry after `Retry-After` seconds. */
      429: {
        headers: {
          /** @description Seconds to wait before retrying. */
          'Retry-After'?: number
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
    }
  }
  deletePartnerConnection: {
    parameters: {
      query?: never
      header?: never
      path: {
        /** @description The connection id. */
        id: string
      }
      cookie?: never
    }
    requestBody?: never
    responses: {
      /** @description Deleted. */
      204: {
        headers: {
          [name: string]: unknown
        }
        content?: never
      }
      /** @description The request does not match the schema (`PB_ERR_VALIDATION`, naming the field) or is malformed (`PB_ERR_BAD_REQUEST`). */
      400: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
      /** @description No valid credentials (`PB_ERR_UNAUTHORIZED`); `WWW-Authenticate` says which. */
      401: {
        headers: {
          /** @description The challenge: `Bearer realm="patchbay"` or `Basic …`. */
          'WWW-Authenticate'?: string
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
      /** @description No such resource for this caller (`PB_ERR_NOT_FOUND`): ids of other end users or partners answer the same. */
      404: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
      /** @description Too many requests (`PB_ERR_RATE_LIMITED`); retry after `Retry-After` seconds. */
      429: {
        headers: {
          /** @description Seconds to wait before retrying. */
          'Retry-After'?: number
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
    }
  }
  listPartnerConnectionAudit: {
    parameters: {
      query?: {
        /** @description Page size, 1 to 100 (default 25). */
        limit?: number
        /** @description `next_cursor` of the previous page. */
        cursor?: string
      }
      header?: never
      path: {
        id: string
      }
      cookie?: never
    }
    requestBody?: never
    responses: {
      /** @description A page of a connection's audit log, newest first. */
      200: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['AuditPage']
        }
      }
      /** @description The request does not match the schema (`PB_ERR_VALIDATION`, naming the field) or is malformed (`PB_ERR_BAD_REQUEST`). */
      400: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
      /** @description No valid credentials (`PB_ERR_UNAUTHORIZED`); `WWW-Authenticate` says which. */
      401: {
        headers: {
          /** @description The challenge: `Bearer realm="patchbay"` or `Basic …`. */
          'WWW-Authenticate'?: string
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
      /** @description No such resource for this caller (`PB_ERR_NOT_FOUND`): ids of other end users or partners answer the same. */
      404: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
      /** @description Too many requests (`PB_ERR_RATE_LIMITED`); retry after `Retry-After` seconds. */
      429: {
        headers: {
          /** @description Seconds to wait before retrying. */
          'Retry-After'?: number
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
    }
  }
  listToolsets: {
    parameters: {
      query?: never
      header?: never
      path?: never
      cookie?: never
    }
    requestBody?: never
    responses: {
      /** @description The partner's toolsets. */
      200: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['ToolsetList']
        }
      }
      /** @description No valid credentials (`PB_ERR_UNAUTHORIZED`); `WWW-Authenticate` says which. */
      401: {
        headers: {
          /** @description The challenge: `Bearer realm="patchbay"` or `Basic …`. */
          'WWW-Authenticate'?: string
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
      /** @description Too many requests (`PB_ERR_RATE_LIMITED`); retry after `Retry-After` seconds. */
      429: {
        headers: {
          /** @description Seconds to wait before retrying. */
          'Retry-After'?: number
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
    }
  }
  getToolset: {
    parameters: {
      query?: never
      header?: never
      path: {
        /** @description Lowercase letters, digits, - and _. */
        name: string
      }
      cookie?: never
    }
    requestBody?: never
    responses: {
      /** @description A toolset with the actions its tools run now. */
      200: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['ToolsetDetail']
        }
      }
      /** @description The request does not match the schema (`PB_ERR_VALIDATION`, naming the field) or is malformed (`PB_ERR_BAD_REQUEST`). */
      400: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
      /** @description No valid credentials (`PB_ERR_UNAUTHORIZED`); `WWW-Authenticate` says which. */
      401: {
        headers: {
          /** @description The challenge: `Bearer realm="patchbay"` or `Basic …`. */
          'WWW-Authenticate'?: string
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
      /** @description No such resource for this caller (`PB_ERR_NOT_FOUND`): ids of other end users or partners answer the same. */
      404: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
      /** @description Too many requests (`PB_ERR_RATE_LIMITED`); retry after `Retry-After` seconds. */
      429: {
        headers: {
          /** @description Seconds to wait before retrying. */
          'Retry-After'?: number
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
    }
  }
  putToolset: {
    parameters: {
      query?: never
      header?: never
      path: {
        /** @description Lowercase letters, digits, - and _. */
        name: string
      }
      cookie?: never
    }
    requestBody: {
      content: {
        'application/json': components['schemas']['ToolsetDefinition']
      }
    }
    responses: {
      /** @description Replaced. */
      200: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Toolset']
        }
      }
      /** @description Created. */
      201: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Toolset']
        }
      }
      /** @description The request does not match the schema (`PB_ERR_VALIDATION`, naming the field) or is malformed (`PB_ERR_BAD_REQUEST`). */
      400: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
      /** @description No valid credentials (`PB_ERR_UNAUTHORIZED`); `WWW-Authenticate` says which. */
      401: {
        headers: {
          /** @description The challenge: `Bearer realm="patchbay"` or `Basic …`. */
          'WWW-Authenticate'?: string
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
      /** @description Too many requests (`PB_ERR_RATE_LIMITED`); retry after `Retry-After` seconds. */
      429: {
        headers: {
          /** @description Seconds to wait before retrying. */
          'Retry-After'?: number
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
    }
  }
  deleteToolset: {
    parameters: {
      query?: never
      header?: never
      path: {
        /** @description Lowercase letters, digits, - and _. */
        name: string
      }
      cookie?: never
    }
    requestBody?: never
    responses: {
      /** @description Deleted. */
      204: {
        headers: {
          [name: string]: unknown
        }
        content?: never
      }
      /** @description The request does not match the schema (`PB_ERR_VALIDATION`, naming the field) or is malformed (`PB_ERR_BAD_REQUEST`). */
      400: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
      /** @description No valid credentials (`PB_ERR_UNAUTHORIZED`); `WWW-Authenticate` says which. */
      401: {
        headers: {
          /** @description The challenge: `Bearer realm="patchbay"` or `Basic …`. */
          'WWW-Authenticate'?: string
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
      /** @description No such resource for this caller (`PB_ERR_NOT_FOUND`): ids of other end users or partners answer the same. */
      404: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
      /** @description Too many requests (`PB_ERR_RATE_LIMITED`); retry after `Retry-After` seconds. */
      429: {
        headers: {
          /** @description Seconds to wait before retrying. */
          'Retry-After'?: number
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
    }
  }
  proxyGet: {
    parameters: {
      query?: never
      header?: never
      path: {
        /** @description The connection to use. */
        connectionId: string
        /** @description The app API path relative to its base URL, slashes included (not percent-encoded), e.g. `repos/acme/app/issues`; the query string is passed on too. Empty for the base URL itself. */
        path: string
      }
      cookie?: never
    }
    requestBody?: never
    responses: {
      /** @description No valid credentials (`PB_ERR_UNAUTHORIZED`); `WWW-Authenticate` says which. */
      401: {
        headers: {
          /** @description The challenge: `Bearer realm="patchbay"` or `Basic …`. */
          'WWW-Authenticate'?: string
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
      /** @description The access token lacks the scope this operation needs (`PB_ERR_INSUFFICIENT_SCOPE`). */
      403: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
      /** @description No such connection for this end user (`PB_ERR_NOT_FOUND`); the app's own 404 comes back as it is. */
      404: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
      /** @description The connection needs to be reconnected (`PB_ERR_CREDENTIAL_REVOKED`). */
      409: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
      /** @description The request body is too large (`PB_ERR_PAYLOAD_TOO_LARGE`). */
      413: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
      /** @description The app's 429, with its `Retry-After` (retried first when `Patchbay-Retry-429` asks). */
      429: {
        headers: {
          /** @description Seconds to wait before retrying. */
          'Retry-After'?: number
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
      /** @description The app could not be reached or refused (`PB_ERR_UPSTREAM`), or the outbound rules forbid it (`PB_ERR_OUTBOUND_BLOCKED`). */
      502: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
      /** @description The app's answer: its status, headers and body, streamed. */
      '2XX': {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': unknown
        }
      }
    }
  }
  proxyPut: {
    parameters: {
      query?: never
      header?: never
      path: {
        /** @description The connection to use. */
        connectionId: string
        /** @description The app API path relative to its base URL, slashes included (not percent-encoded), e.g. `repos/acme/app/issues`; the query string is passed on too. Empty for the base URL itself. */
        path: string
      }
      cookie?: never
    }
    requestBody?: never
    responses: {
      /** @description No valid credentials (`PB_ERR_UNAUTHORIZED`); `WWW-Authenticate` says which. */
      401: {
        headers: {
          /** @description The challenge: `Bearer realm="patchbay"` or `Basic …`. */
          'WWW-Authenticate'?: string
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
      /** @description The access token lacks the scope this operation needs (`PB_ERR_INSUFFICIENT_SCOPE`). */
      403: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
      /** @description No such connection for this end user (`PB_ERR_NOT_FOUND`); the app's own 404 comes back as it is. */
      404: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
      /** @description The connection needs to be reconnected (`PB_ERR_CREDENTIAL_REVOKED`). */
      409: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
      /** @description The request body is too large (`PB_ERR_PAYLOAD_TOO_LARGE`). */
      413: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
      /** @description The app's 429, with its `Retry-After` (retried first when `Patchbay-Retry-429` asks). */
      429: {
        headers: {
          /** @description Seconds to wait before retrying. */
          'Retry-After'?: number
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
      /** @description The app could not be reached or refused (`PB_ERR_UPSTREAM`), or the outbound rules forbid it (`PB_ERR_OUTBOUND_BLOCKED`). */
      502: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
      /** @description The app's answer: its status, headers and body, streamed. */
      '2XX': {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': unknown
        }
      }
    }
  }
  proxyPost: {
    parameters: {
      query?: never
      header?: never
      path: {
        /** @description The connection to use. */
        connectionId: string
        /** @description The app API path relative to its base URL, slashes included (not percent-encoded), e.g. `repos/acme/app/issues`; the query string is passed on too. Empty for the base URL itself. */
        path: string
      }
      cookie?: never
    }
    requestBody?: never
    responses: {
      /** @description No valid credentials (`PB_ERR_UNAUTHORIZED`); `WWW-Authenticate` says which. */
      401: {
        headers: {
          /** @description The challenge: `Bearer realm="patchbay"` or `Basic …`. */
          'WWW-Authenticate'?: string
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
      /** @description The access token lacks the scope this operation needs (`PB_ERR_INSUFFICIENT_SCOPE`). */
      403: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
      /** @description No such connection for this end user (`PB_ERR_NOT_FOUND`); the app's own 404 comes back as it is. */
      404: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
      /** @description The connection needs to be reconnected (`PB_ERR_CREDENTIAL_REVOKED`). */
      409: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
      /** @description The request body is too large (`PB_ERR_PAYLOAD_TOO_LARGE`). */
      413: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
      /** @description The app's 429, with its `Retry-After` (retried first when `Patchbay-Retry-429` asks). */
      429: {
        headers: {
          /** @description Seconds to wait before retrying. */
          'Retry-After'?: number
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
      /** @description The app could not be reached or refused (`PB_ERR_UPSTREAM`), or the outbound rules forbid it (`PB_ERR_OUTBOUND_BLOCKED`). */
      502: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
      /** @description The app's answer: its status, headers and body, streamed. */
      '2XX': {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': unknown
        }
      }
    }
  }
  proxyDelete: {
    parameters: {
      query?: never
      header?: never
      path: {
        /** @description The connection to use. */
        connectionId: string
        /** @description The app API path relative to its base URL, slashes included (not percent-encoded), e.g. `repos/acme/app/issues`; the query string is passed on too. Empty for the base URL itself. */
        path: string
      }
      cookie?: never
    }
    requestBody?: never
    responses: {
      /** @description No valid credentials (`PB_ERR_UNAUTHORIZED`); `WWW-Authenticate` says which. */
      401: {
        headers: {
          /** @description The challenge: `Bearer realm="patchbay"` or `Basic …`. */
          'WWW-Authenticate'?: string
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
      /** @description The access token lacks the scope this operation needs (`PB_ERR_INSUFFICIENT_SCOPE`). */
      403: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
      /** @description No such connection for this end user (`PB_ERR_NOT_FOUND`); the app's own 404 comes back as it is. */
      404: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
      /** @description The connection needs to be reconnected (`PB_ERR_CREDENTIAL_REVOKED`). */
      409: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
      /** @description The request body is too large (`PB_ERR_PAYLOAD_TOO_LARGE`). */
      413: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
      /** @description The app's 429, with its `Retry-After` (retried first when `Patchbay-Retry-429` asks). */
      429: {
        headers: {
          /** @description Seconds to wait before retrying. */
          'Retry-After'?: number
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
      /** @description The app could not be reached or refused (`PB_ERR_UPSTREAM`), or the outbound rules forbid it (`PB_ERR_OUTBOUND_BLOCKED`). */
      502: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
      /** @description The app's answer: its status, headers and body, streamed. */
      '2XX': {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': unknown
        }
      }
    }
  }
  proxyOptions: {
    parameters: {
      query?: never
      header?: never
      path: {
        /** @description The connection to use. */
        connectionId: string
        /** @description The app API path relative to its base URL, slashes included (not percent-encoded), e.g. `repos/acme/app/issues`; the query string is passed on too. Empty for the base URL itself. */
        path: string
      }
      cookie?: never
    }
    requestBody?: never
    responses: {
      /** @description No valid credentials (`PB_ERR_UNAUTHORIZED`); `WWW-Authenticate` says which. */
      401: {
        headers: {
          /** @description The challenge: `Bearer realm="patchbay"` or `Basic …`. */
          'WWW-Authenticate'?: string
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
      /** @description The access token lacks the scope this operation needs (`PB_ERR_INSUFFICIENT_SCOPE`). */
      403: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
      /** @description No such connection for this end user (`PB_ERR_NOT_FOUND`); the app's own 404 comes back as it is. */
      404: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
      /** @description The connection needs to be reconnected (`PB_ERR_CREDENTIAL_REVOKED`). */
      409: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
      /** @description The request body is too large (`PB_ERR_PAYLOAD_TOO_LARGE`). */
      413: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
      /** @description The app's 429, with its `Retry-After` (retried first when `Patchbay-Retry-429` asks). */
      429: {
        headers: {
          /** @description Seconds to wait before retrying. */
          'Retry-After'?: number
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
      /** @description The app could not be reached or refused (`PB_ERR_UPSTREAM`), or the outbound rules forbid it (`PB_ERR_OUTBOUND_BLOCKED`). */
      502: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
      /** @description The app's answer: its status, headers and body, streamed. */
      '2XX': {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': unknown
        }
      }
    }
  }
  proxyHead: {
    parameters: {
      query?: never
      header?: never
      path: {
        /** @description The connection to use. */
        connectionId: string
        /** @description The app API path relative to its base URL, slashes included (not percent-encoded), e.g. `repos/acme/app/issues`; the query string is passed on too. Empty for the base URL itself. */
        path: string
      }
      cookie?: never
    }
    requestBody?: never
    responses: {
      /** @description No valid credentials (`PB_ERR_UNAUTHORIZED`); `WWW-Authenticate` says which. */
      401: {
        headers: {
          /** @description The challenge: `Bearer realm="patchbay"` or `Basic …`. */
          'WWW-Authenticate'?: string
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
      /** @description The access token lacks the scope this operation needs (`PB_ERR_INSUFFICIENT_SCOPE`). */
      403: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
      /** @description No such connection for this end user (`PB_ERR_NOT_FOUND`); the app's own 404 comes back as it is. */
      404: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
      /** @description The connection needs to be reconnected (`PB_ERR_CREDENTIAL_REVOKED`). */
      409: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
      /** @description The request body is too large (`PB_ERR_PAYLOAD_TOO_LARGE`). */
      413: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
      /** @description The app's 429, with its `Retry-After` (retried first when `Patchbay-Retry-429` asks). */
      429: {
        headers: {
          /** @description Seconds to wait before retrying. */
          'Retry-After'?: number
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
      /** @description The app could not be reached or refused (`PB_ERR_UPSTREAM`), or the outbound rules forbid it (`PB_ERR_OUTBOUND_BLOCKED`). */
      502: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
      /** @description The app's answer: its status, headers and body, streamed. */
      '2XX': {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': unknown
        }
      }
    }
  }
  proxyPatch: {
    parameters: {
      query?: never
      header?: never
      path: {
        /** @description The connection to use. */
        connectionId: string
        /** @description The app API path relative to its base URL, slashes included (not percent-encoded), e.g. `repos/acme/app/issues`; the query string is passed on too. Empty for the base URL itself. */
        path: string
      }
      cookie?: never
    }
    requestBody?: never
    responses: {
      /** @description No valid credentials (`PB_ERR_UNAUTHORIZED`); `WWW-Authenticate` says which. */
      401: {
        headers: {
          /** @description The challenge: `Bearer realm="patchbay"` or `Basic …`. */
          'WWW-Authenticate'?: string
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
      /** @description The access token lacks the scope this operation needs (`PB_ERR_INSUFFICIENT_SCOPE`). */
      403: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
      /** @description No such connection for this end user (`PB_ERR_NOT_FOUND`); the app's own 404 comes back as it is. */
      404: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
      /** @description The connection needs to be reconnected (`PB_ERR_CREDENTIAL_REVOKED`). */
      409: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
      /** @description The request body is too large (`PB_ERR_PAYLOAD_TOO_LARGE`). */
      413: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
      /** @description The app's 429, with its `Retry-After` (retried first when `Patchbay-Retry-429` asks). */
      429: {
        headers: {
          /** @description Seconds to wait before retrying. */
          'Retry-After'?: number
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
      /** @description The app could not be reached or refused (`PB_ERR_UPSTREAM`), or the outbound rules forbid it (`PB_ERR_OUTBOUND_BLOCKED`). */
      502: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
      /** @description The app's answer: its status, headers and body, streamed. */
      '2XX': {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': unknown
        }
      }
    }
  }
  getApiResourceMetadata: {
    parameters: {
      query?: never
      header?: never
      path?: never
      cookie?: never
    }
    requestBody?: never
    responses: {
      /** @description RFC 9728 protected resource metadata. */
      200: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['ProtectedResourceMetadata']
        }
      }
      /** @description A query value holding a NUL character (`PB_ERR_VALIDATION`). */
      400: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
    }
  }
  getMcpResourceMetadata: {
    parameters: {
      query?: never
      header?: never
      path?: never
      cookie?: never
    }
    requestBody?: never
    responses: {
      /** @description RFC 9728 protected resource metadata. */
      200: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['ProtectedResourceMetadata']
        }
      }
      /** @description A query value holding a NUL character (`PB_ERR_VALIDATION`). */
      400: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
    }
  }
  callMcp: {
    parameters: {
      query?: never
      header?: never
      path?: never
      cookie?: never
    }
    requestBody?: never
    responses: {
      /** @description A JSON-RPC response (2025 clients may get it as an SSE event). */
      200: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': {
            /** @enum {string} */
            jsonrpc: '2.0'
          } & {
            [key: string]: unknown
          }
        }
      }
      /** @description A notification, accepted. */
      202: {
        headers: {
          [name: string]: unknown
        }
        content?: never
      }
      /** @description A JSON-RPC batch (not supported). */
      400: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': {
            /** @enum {string} */
            jsonrpc: '2.0'
            id: null
            error: {
              code: number
              message: string
            }
          }
        }
      }
      /** @description No valid credentials (`PB_ERR_UNAUTHORIZED`); `WWW-Authenticate` says which. */
      401: {
        headers: {
          /** @description The challenge: `Bearer realm="patchbay"` or `Basic …`. */
          'WWW-Authenticate'?: string
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
      /** @description The token lacks the `mcp` scope (`PB_ERR_INSUFFICIENT_SCOPE`), or a browser page of another origin (`PB_ERR_FORBIDDEN`). */
      403: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
      /** @description Too many requests (`PB_ERR_RATE_LIMITED`); retry after `Retry-After` seconds. */
      429: {
        headers: {
          /** @description Seconds to wait before retrying. */
          'Retry-After'?: number
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
    }
  }
  openConnectionPopup: {
    parameters: {
      query: {
        /** @description The app to connect (its catalog key; `integrationId` is read too). */
        integrationKey: string
        /** @description A connect session code (`pbsc_…`) minted for the end user. */
        token?: string
        /** @description A JSON object: the app's connection parameters and, to connect without a form, its credential fields. */
        connectionParameters?: string
        /** @description A connection of the end user to reconnect (it keeps its id). */
        connectionId?: string
        /** @description Display name of the new connection. */
        name?: string
        /** @description The app's auth option, when it has several. */
        authOptionKey?: string
        /** @description Keep the user's other connections of the app. */
        allowMultipleConnections?: boolean
        /** @description Handed back with the result. */
        customState?: string
        /** @description A registered URI the browser returns to, with `connectionId`, or `error` and `errorData`. */
        redirectUri?: string
      }
      header?: never
      path?: never
      cookie?: never
    }
    requestBody?: never
    responses: {
      /** @description A Connect UI page: the form to fill in, or the result. */
      200: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'text/html': string
        }
      }
      /** @description On to the app's sign-in, or back to `redirectUri` with the result. */
      303: {
        headers: {
          Location?: string
          [name: string]: unknown
        }
        content?: never
      }
      /** @description An error page: the parameters are not valid. */
      400: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'text/html': string
        }
      }
      /** @description Too many requests (`PB_ERR_RATE_LIMITED`); retry after `Retry-After` seconds. */
      429: {
        headers: {
          /** @description Seconds to wait before retrying. */
          'Retry-After'?: number
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
    }
  }
  submitConnectionPopup: {
    parameters: {
      query?: never
      header?: never
      path?: never
      cookie?: never
    }
    requestBody: {
      content: {
        'application/x-www-form-urlencoded': {
          /** @description The app to connect (its catalog key; `integrationId` is read too). */
          integrationKey: string
          /** @description A connect session code (`pbsc_…`) minted for the end user. */
          token?: string
          /** @description A JSON object: the app's connection parameters and, to connect without a form, its credential fields. */
          connectionParameters?: string
          /** @description A connection of the end user to reconnect (it keeps its id). */
          connectionId?: string
          /** @description Display name of the new connection. */
          name?: string
          /** @description The app's auth option, when it has several. */
          authOptionKey?: string
          /** @description Keep the user's other connections of the app. */
          allowMultipleConnections?: boolean
          /** @description Handed back with the result. */
          customState?: string
          /** @description A registered URI the browser returns to, with `connectionId`, or `error` and `errorData`. */
          redirectUri?: string
          /** @description All of the parameters as one JSON object. */
          payload?: string
        }
        'application/json': {
          /** @description The app to connect (its catalog key; `integrationId` is read too). */
          integrationKey: string
          /** @description A connect session code (`pbsc_…`) minted for the end user. */
          token?: string
          /** @description A JSON object: the app's connection parameters and, to connect without a form, its credential fields. */
          connectionParameters?: string
          /** @description A connection of the end user to reconnect (it keeps its id). */
          connectionId?: string
          /** @description Display name of the new connection. */
          name?: string
          /** @description The app's auth option, when it has several. */
          authOptionKey?: string
          /** @description Keep the user's other connections of the app. */
          allowMultipleConnections?: boolean
          /** @description Handed back with the result. */
          customState?: string
          /** @description A registered URI the browser returns to, with `connectionId`, or `error` and `errorData`. */
          redirectUri?: string
          /** @description All of the parameters as one JSON object. */
          payload?: string
        }
      }
    }
    responses: {
      /** @description A Connect UI page: the form to fill in, or the result. */
      200: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'text/html': string
        }
      }
      /** @description On to the app's sign-in, or back to `redirectUri` with the result. */
      303: {
        headers: {
          Location?: string
          [name: string]: unknown
        }
        content?: never
      }
      /** @description An error page: the parameters are not valid. */
      400: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'text/html': string
        }
      }
      /** @description Too many requests (`PB_ERR_RATE_LIMITED`); retry after `Retry-After` seconds. */
      429: {
        headers: {
          /** @description Seconds to wait before retrying. */
          'Retry-After'?: number
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
    }
  }
  getConnectOutcome: {
    parameters: {
      query?: never
      header?: never
      path?: never
      cookie?: never
    }
    requestBody: {
      content: {
        'application/json': {
          /** @description The connect session code. */
          token: string
        }
      }
    }
    responses: {
      /** @description A connect session's result message, or where the session stands. */
      200: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['ConnectOutcome']
        }
      }
      /** @description The request does not match the schema (`PB_ERR_VALIDATION`, naming the field) or is malformed (`PB_ERR_BAD_REQUEST`). */
      400: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
      /** @description No such connect session (`PB_ERR_NOT_FOUND`). */
      404: {
        headers: {
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
      /** @description Too many requests (`PB_ERR_RATE_LIMITED`); retry after `Retry-After` seconds. */
      429: {
        headers: {
          /** @description Seconds to wait before retrying. */
          'Retry-After'?: number
          [name: string]: unknown
        }
        content: {
          'application/json': components['schemas']['Error']
        }
      }
    }
  }
}

/** An operation of the REST API: its method, its path template and whether it takes an Idempotency-Key. */
export interface Route {
  method: 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'OPTIONS'
  path: string
  idempotencyKey: boolean
}

/** Every operation of the document, by operationId. */
export const routes = {
  authorizeConnectSession: { method: 'POST', path: '/v1/connect/sessions/authorize', idempotencyKey: false },
  callMcp: { method: 'POST', path: '/mcp', idempotencyKey: false },
  cancelRun: { method: 'POST', path: '/v1/runs/{id}/cancel', idempotencyKey: false },
  createConnectLink: { method: 'POST', path: '/v1/connect/links', idempotencyKey: false },
  createConnectSession: { method: 'POST', path: '/v1/connect/sessions', idempotencyKey: false },
  createConnection: { method: 'POST', path: '/v1/connections', idempotencyKey: false },
  createRun: { method: 'POST', path: '/v1/runs', idempotencyKey: true },
  deleteConnection: { method: 'DELETE', path: '/v1/connections/{id}', idempotencyKey: false },
  deletePartnerConnection: { method: 'DELETE', path: '/v1/partner/connections/{id}', idempotencyKey: false },
  deleteToolset: { method: 'DELETE', path: '/v1/partner/toolsets/{name}', idempotencyKey: false },
  describeActionInput: { method: 'POST', path: '/v1/actions/{id}/schema', idempotencyKey: false },
  exchangeToken: { method: 'POST', path: '/oauth/token', idempotencyKey: false },
  getAction: { method: 'GET', path: '/v1/actions/{id}', idempotencyKey: false },
  getApiResourceMetadata: { method: 'GET', path: '/.well-known/oauth-protected-resource', idempotencyKey: false },
  getApp: { method: 'GET', path: '/v1/apps/{key}', idempotencyKey: false },
  getAuthorizationServerMetadata: { method: 'GET', path: '/.well-known/oauth-authorization-server', idempotencyKey: false },
  getConnectLink: { method: 'GET', path: '/v1/connect/links/{id}', idempotencyKey: false },
  getConnectOutcome: { method: 'POST', path: '/connect/outcome', idempotencyKey: false },
  getConnectSession: { method: 'GET', path: '/v1/connect/sessions/{id}', idempotencyKey: false },
  getConnection: { method: 'GET', path: '/v1/connections/{id}', idempotencyKey: false },
  getConnectionCredentials: { method: 'GET', path: '/v1/connections/{id}/credentials', idempotencyKey: false },
  getMcpResourceMetadata: { method: 'GET', path: '/.well-known/oauth-protected-resource/mcp', idempotencyKey: false },
  getMe: { method: 'GET', path: '/v1/me', idempotencyKey: false },
  getPartnerConnection: { method: 'GET', path: '/v1/partner/connections/{id}', idempotencyKey: false },
  getRun: { method: 'GET', path: '/v1/runs/{id}', idempotencyKey: false },
  getRunLogs: { method: 'GET', path: '/v1/runs/{id}/logs', idempotencyKey: false },
  getToolset: { method: 'GET', path: '/v1/partner/toolsets/{name}', idempotencyKey: false },
  getWebhookEvent: { method: 'GET', path: '/v1/partner/webhooks/events/{id}', idempotencyKey: false },
  listActionFieldOptions: { method: 'POST', path: '/v1/actions/{id}/fields/{field}/options', idempotencyKey: false },
  listActions: { method: 'GET', path: '/v1/actions', idempotencyKey: false },
  listApps: { method: 'GET', path: '/v1/apps', idempotencyKey: false },
  listConnectLinks: { method: 'GET', path: '/v1/connect/links', idempotencyKey: false },
  listConnectionAudit: { method: 'GET', path: '/v1/connections/{id}/audit', idempotencyKey: false },
  listConnections: { method: 'GET', path: '/v1/connections', idempotencyKey: false },
  listPartnerConnectionAudit: { method: 'GET', path: '/v1/partner/connections/{id}/audit', idempotencyKey: false },
  listPartnerConnections: { method: 'GET', path: '/v1/partner/connections', idempotencyKey: false },
  listRuns: { method: 'GET', path: '/v1/runs', idempotencyKey: false },
  listToolsets: { method: 'GET', path: '/v1/partner/toolsets', idempotencyKey: false },
  listWebhookEvents: { method: 'GET', path: '/v1/partner/webhooks/events', idempotencyKey: false },
  openConnectionPopup: { method: 'GET', path: '/connection-popup', idempotencyKey: false },
  proxyDelete: { method: 'DELETE', path: '/v1/proxy/{connectionId}/{path}', idempotencyKey: false },
  proxyGet: { method: 'GET', path: '/v1/proxy/{connectionId}/{path}', idempotencyKey: false },
  proxyHead: { method: 'HEAD', path: '/v1/proxy/{connectionId}/{path}', idempotencyKey: false },
  proxyOptions: { method: 'OPTIONS', path: '/v1/proxy/{connectionId}/{path}', idempotencyKey: false },
  proxyPatch: { method: 'PATCH', path: '/v1/proxy/{connectionId}/{path}', idempotencyKey: false },
  proxyPost: { method: 'POST', path: '/v1/proxy/{connectionId}/{path}', idempotencyKey: false },
  proxyPut: { method: 'PUT', path: '/v1/proxy/{connectionId}/{path}', idempotencyKey: false },
  putToolset: { method: 'PUT', path: '/v1/partner/toolsets/{name}', idempotencyKey: false },
  redeliverWebhookEvent: { method: 'POST', path: '/v1/partner/webhooks/events/{id}/redeliver', idempotencyKey: false },
  renameConnection: { method: 'PATCH', path: '/v1/connections/{id}', idempotencyKey: false },
  revokeConnectLink: { method: 'DELETE', path: '/v1/connect/links/{id}', idempotencyKey: false },
  revokeToken: { method: 'POST', path: '/oauth/revoke', idempotencyKey: false },
  submitConnectSessionCredentials: { method: 'POST', path: '/v1/connect/sessions/credentials', idempotencyKey: false },
  submitConnectionPopup: { method: 'POST', path: '/connection-popup', idempotencyKey: false },
  upgradeConnectionScopes: { method: 'POST', path: '/v1/connections/{id}/upgrade', idempotencyKey: false },
  validateActionInputs: { method: 'POST', path: '/v1/actions/{id}/validate', idempotencyKey: false },
} as const satisfies { [K in keyof operations]: Route }
