/** Token type identifiers of RFC 8693 §3, plus Patchbay's own for connect session codes. */
export const TOKEN_EXCHANGE_GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange'
export const JWT_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:jwt'
export const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token'
export const CONNECT_SESSION_TOKEN_TYPE = 'urn:patchbay:params:oauth:token-type:connect_session'
