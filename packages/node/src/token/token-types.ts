/** RFC 8693 token exchange grant. */
export const TOKEN_EXCHANGE_GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange'
/** The subject token: a partner-signed JWT. */
export const JWT_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:jwt'
/** A Patchbay access token for the REST API (the default). */
export const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token'
/** A single-use connect session code for the browser. */
export const CONNECT_SESSION_TOKEN_TYPE = 'urn:patchbay:params:oauth:token-type:connect_session'

/** Scopes a Patchbay access token may carry; the exchange grants all of them unless fewer are asked for. */
export type Scope = 'connect' | 'connections:read' | 'connections:write' | 'credentials' | 'proxy' | 'actions'
