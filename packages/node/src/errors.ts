/**
 * Every error the SDK throws for a failed call is a {@link PatchbayError} with a stable `code`:
 * the server's `PB_ERR_*` code for REST API errors (docs/errors.md), the RFC 6749 `error` for token
 * endpoint failures ({@link OAuthError}), or one of the SDK's own codes when no usable answer came
 * (`PB_ERR_NETWORK`, `PB_ERR_TIMEOUT`, `PB_ERR_INVALID_RESPONSE`). Bad arguments throw a `TypeError` naming the input.
 */

import type { components } from './generated/openapi.js'

/** Every code the REST API answers with, and its HTTP status (docs/errors.md): exactly the codes of the OpenAPI document's Error schema. */
export const errorCodes = {
  PB_ERR_BAD_REQUEST: 400,
  PB_ERR_VALIDATION: 400,
  PB_ERR_UNAUTHORIZED: 401,
  PB_ERR_INSUFFICIENT_SCOPE: 403,
  PB_ERR_FORBIDDEN: 403,
  PB_ERR_NOT_FOUND: 404,
  PB_ERR_CONFLICT: 409,
  PB_ERR_PAYLOAD_TOO_LARGE: 413,
  PB_ERR_UNSUPPORTED_MEDIA_TYPE: 415,
  PB_ERR_CREDENTIALS_REJECTED: 422,
  PB_ERR_RATE_LIMITED: 429,
  PB_ERR_INVALID_REDIRECT_URI: 400,
  PB_ERR_INVALID_ORIGIN: 400,
  PB_ERR_LINK_USED: 409,
  PB_ERR_LINK_EXPIRED: 409,
  PB_ERR_CREDENTIAL_REVOKED: 409,
  PB_ERR_UPSTREAM: 502,
  PB_ERR_OUTBOUND_BLOCKED: 502,
  PB_ERR_INTERNAL: 500,
  PB_ERR_NOT_READY: 503,
} as const satisfies Record<components['schemas']['Error']['error']['code'], number>

/** A code the REST API answers with. */
export type ApiErrorCode = keyof typeof errorCodes

/** Codes the SDK raises itself, never sent by the server. */
export type SdkErrorCode =
  /** The request did not get an answer (DNS, refused connection, reset, abort): see `cause`. */
  | 'PB_ERR_NETWORK'
  /** An answer came but is not what Patchbay sends (not JSON, missing fields, unexpected status). */
  | 'PB_ERR_INVALID_RESPONSE'
  /** No complete answer within the attempt's time limit (`timeoutMs`): see `cause`. */
  | 'PB_ERR_TIMEOUT'

/** RFC 6749 §5.2 / RFC 8693 §2.2.2 errors of the token endpoint, plus `too_many_requests`. */
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

/** Every known code; an unknown string is a code added by a newer server. */
export type PatchbayErrorCode = ApiErrorCode | SdkErrorCode | OAuthErrorCode | (string & {})

export interface PatchbayErrorOptions {
  /** HTTP status of the answer; 0 when none came. */
  status: number
  /**
   * The request's id, to quote in the server's logs: the answer's `request-id` header (`x-request-id`
   * when only that came), else the `request-id` the SDK sent (a network error, a timeout).
   */
  requestId?: string | undefined
  /** `Retry-After`, in seconds, when the server sent one. */
  retryAfter?: number | undefined
  cause?: unknown
}

/** A failed call to Patchbay. Branch on `code`; `message` is for people. */
export class PatchbayError extends Error {
  readonly code: PatchbayErrorCode
  readonly status: number
  readonly requestId: string | undefined
  readonly retryAfter: number | undefined

  constructor(code: PatchbayErrorCode, message: string, options: PatchbayErrorOptions) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.name = 'PatchbayError'
    this.code = code
    this.status = options.status
    this.requestId = options.requestId
    this.retryAfter = options.retryAfter
  }
}

/**
 * The connection is `needs_reauth`: the provider refused its refresh token (revoked grant, changed
 * password). Open the Connect UI with a session minted with `reconnectId: connectionId`; the
 * connection keeps its id.
 */
export class CredentialRevokedError extends PatchbayError {
  readonly connectionId: string

  constructor(connectionId: string, message: string, options: PatchbayErrorOptions) {
    super('PB_ERR_CREDENTIAL_REVOKED', message, options)
    this.name = 'CredentialRevokedError'
    this.connectionId = connectionId
  }
}

/** The token endpoint refused the exchange (`{ error, error_description }`, RFC 6749 §5.2). */
export class OAuthError extends PatchbayError {
  /** The RFC 6749 `error` (also in `code`). */
  readonly error: OAuthErrorCode | (string & {})
  readonly errorDescription: string | undefined

  constructor(error: OAuthErrorCode | (string & {}), errorDescription: string | undefined, options: PatchbayErrorOptions) {
    super(error, errorDescription ? `${error}: ${errorDescription}` : error, options)
    this.name = 'OAuthError'
    this.error = error
    this.errorDescription = errorDescription
  }
}

export type WebhookVerificationErrorCode =
  | 'PB_WEBHOOK_MISSING_HEADERS'
  | 'PB_WEBHOOK_BAD_TIMESTAMP'
  | 'PB_WEBHOOK_TIMESTAMP_TOO_OLD'
  | 'PB_WEBHOOK_TIMESTAMP_TOO_NEW'
  | 'PB_WEBHOOK_NO_MATCHING_SIGNATURE'
  | 'PB_WEBHOOK_INVALID_PAYLOAD'

/** A received webhook that does not carry a valid, fresh signature (answer it with 400 and drop it). */
export class WebhookVerificationError extends Error {
  readonly code: WebhookVerificationErrorCode

  constructor(code: WebhookVerificationErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'WebhookVerificationError'
    this.code = code
  }
}

/** True for a code the REST API documents. */
export function isApiErrorCode(code: string): code is ApiErrorCode {
  return Object.hasOwn(errorCodes, code)
}
