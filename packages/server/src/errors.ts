/**
 * Every error Patchbay answers with on its REST API has a stable `PB_ERR_*` code, an HTTP status
 * and an entry in docs/errors.md (a test fails when one is missing). The token endpoint answers in
 * RFC 6749 / RFC 8693 form instead: see {@link OAuthError}.
 */
export const errorCodes = {
  PB_ERR_BAD_REQUEST: { status: 400, message: 'The request is malformed.' },
  PB_ERR_VALIDATION: { status: 400, message: 'The request does not match the schema.' },
  PB_ERR_UNAUTHORIZED: { status: 401, message: 'A valid Patchbay access token is required.' },
  PB_ERR_INSUFFICIENT_SCOPE: { status: 403, message: 'The access token lacks the scope this route needs.' },
  PB_ERR_FORBIDDEN: { status: 403, message: 'This operation is not allowed.' },
  PB_ERR_NOT_FOUND: { status: 404, message: 'Not found.' },
  PB_ERR_CONFLICT: { status: 409, message: 'The resource already exists.' },
  PB_ERR_PAYLOAD_TOO_LARGE: { status: 413, message: 'The request body is too large.' },
  PB_ERR_UNSUPPORTED_MEDIA_TYPE: { status: 415, message: 'The content type is not supported.' },
  PB_ERR_RATE_LIMITED: { status: 429, message: 'Too many requests; retry later.' },
  PB_ERR_INVALID_REDIRECT_URI: { status: 400, message: 'redirect_uri is not registered for this partner.' },
  PB_ERR_INVALID_ORIGIN: { status: 400, message: 'allowed_origin is not registered for this partner.' },
  PB_ERR_LINK_USED: { status: 409, message: 'The connect link was already opened.' },
  PB_ERR_LINK_EXPIRED: { status: 409, message: 'The connect link has expired.' },
  PB_ERR_CREDENTIAL_REVOKED: { status: 409, message: 'The connection needs to be reconnected.' },
  PB_ERR_CREDENTIALS_REJECTED: { status: 422, message: 'The app did not accept these credentials.' },
  PB_ERR_UPSTREAM: { status: 502, message: 'The app could not be reached or answered with an error.' },
  PB_ERR_OUTBOUND_BLOCKED: { status: 502, message: "The app's address is not allowed for outbound requests." },
  PB_ERR_INTERNAL: { status: 500, message: 'Internal error.' },
  PB_ERR_NOT_READY: { status: 503, message: 'The server is not ready.' },
} as const satisfies Record<string, { status: number; message: string }>

export type ErrorCode = keyof typeof errorCodes

export interface PatchbayErrorOptions {
  cause?: unknown
  /** Extra response headers, e.g. `Retry-After` or `WWW-Authenticate`. */
  headers?: Record<string, string>
}

export class PatchbayError extends Error {
  readonly code: ErrorCode
  readonly status: number
  readonly headers: Record<string, string> | undefined

  constructor(code: ErrorCode, message?: string, options: PatchbayErrorOptions = {}) {
    super(message ?? errorCodes[code].message, { cause: options.cause })
    this.name = 'PatchbayError'
    this.code = code
    this.status = errorCodes[code].status
    this.headers = options.headers
  }

  toJSON(): { error: { code: ErrorCode; message: string } } {
    return { error: { code: this.code, message: this.message } }
  }
}

/** RFC 6749 §5.2 and RFC 8693 §2.2.2 error codes, plus `too_many_requests` for rate limiting. */
export type OAuthErrorCode =
  | 'invalid_request'
  | 'invalid_client'
  | 'invalid_grant'
  | 'unauthorized_client'
  | 'unsupported_grant_type'
  | 'invalid_scope'
  | 'invalid_target'
  | 'too_many_requests'
  | 'server_error'

const oauthStatus: Record<OAuthErrorCode, number> = {
  invalid_request: 400,
  invalid_client: 401,
  invalid_grant: 400,
  unauthorized_client: 400,
  unsupported_grant_type: 400,
  invalid_scope: 400,
  invalid_target: 400,
  too_many_requests: 429,
  server_error: 500,
}

/** An error of the token endpoint, answered as `{ error, error_description }`. */
export class OAuthError extends Error {
  readonly error: OAuthErrorCode
  readonly status: number
  readonly headers: Record<string, string> | undefined

  constructor(error: OAuthErrorCode, description: string, options: PatchbayErrorOptions = {}) {
    super(description, { cause: options.cause })
    this.name = 'OAuthError'
    this.error = error
    this.status = oauthStatus[error]
    this.headers = options.headers
  }

  toJSON(): { error: OAuthErrorCode; error_description: string } {
    return { error: this.error, error_description: this.message }
  }
}
