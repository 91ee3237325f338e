/**
 * Every failure of the OAuth 1.0a client has one stable code. `status` is the provider's HTTP
 * status when the provider answered; `problem` is its `oauth_problem` value when it sent one (the
 * OAuth Problem Reporting extension many OAuth 1.0a providers follow). Neither ever holds a secret.
 */
export const oauth1ErrorCodes = {
  /** The request token response lacked `oauth_callback_confirmed=true` (RFC 5849 §2.1): an OAuth 1.0 (not 1.0a) provider. */
  PB_OAUTH1_CALLBACK_NOT_CONFIRMED: 'The provider did not confirm the callback URL (oauth_callback_confirmed=true is required).',
  /** A 2xx answer that is not a usable form-encoded token response (or is larger than the cap). */
  PB_OAUTH1_BAD_RESPONSE: 'The provider answered with a malformed token response.',
  /** A non-2xx answer, or no answer at all (network error, timeout); `status` is set when the provider answered. */
  PB_OAUTH1_HTTP: 'The provider refused the request or could not be reached.',
  /** The callback lacked a usable `oauth_token` / `oauth_verifier` (missing, empty, repeated or not a string). */
  PB_OAUTH1_MISSING_VERIFIER: 'The callback lacks a valid oauth_token and oauth_verifier.',
  /** The user refused access at the provider (a `denied` / `oauth_problem` parameter, or a callback without a verifier). */
  PB_OAUTH1_DENIED: 'The user denied access at the provider.',
  /** The callback's `oauth_token` is not the request token this session obtained. */
  PB_OAUTH1_TOKEN_MISMATCH: 'The callback oauth_token does not match the request token of this session.',
} as const satisfies Record<string, string>

export type OAuth1ErrorCode = keyof typeof oauth1ErrorCodes

export interface OAuth1ErrorOptions {
  cause?: unknown
  status?: number
  problem?: string
}

export class OAuth1Error extends Error {
  override name = 'OAuth1Error'
  readonly code: OAuth1ErrorCode
  readonly status: number | undefined
  readonly problem: string | undefined

  constructor(code: OAuth1ErrorCode, message?: string, options: OAuth1ErrorOptions = {}) {
    super(message ?? oauth1ErrorCodes[code], { cause: options.cause })
    this.code = code
    this.status = options.status
    this.problem = options.problem
  }
}
