import { PatchbayError } from '../errors.js'
import type { RequestOptions } from '../lib/api.js'
import { oauthError, readObject, responseMeta, send } from '../lib/response.js'
import { type Attempt, withRetries } from '../lib/retry.js'
import { basicAuthorization, policyFor, type Transport } from '../lib/transport.js'
import { CONNECT_SESSION_TOKEN_TYPE, JWT_TOKEN_TYPE, TOKEN_EXCHANGE_GRANT } from './token-types.js'

/** The RFC 8693 §2.2.1 response of `POST /oauth/token`. */
export interface TokenExchangeResponse {
  access_token: string
  issued_token_type: string
  /** `Bearer` for access tokens, `N_A` for connect session codes. */
  token_type: string
  expires_in: number
  scope: string
  /** Connect sessions only: the session's public id. */
  session_id?: string
  /** Connect sessions only: the Connect UI link with the code. */
  connect_url?: string
}

/**
 * `POST /oauth/token`: exchanges a partner-signed JWT (`subjectToken`), authenticating with the
 * partner's client credentials (client_secret_basic). `params` are extra form parameters
 * (`requested_token_type`, `scope`, connect session options).
 */
export function tokenExchangeRequest(
  transport: Transport,
  subjectToken: string,
  params: Record<string, string> = {},
  attempt?: Pick<Attempt, 'signal' | 'requestId'>,
): Promise<Response> {
  const body = new URLSearchParams({
    ...params,
    grant_type: TOKEN_EXCHANGE_GRANT,
    subject_token: subjectToken,
    subject_token_type: JWT_TOKEN_TYPE,
  })
  return send(
    transport.fetch,
    `${transport.baseUrl}/oauth/token`,
    {
      method: 'POST',
      headers: {
        accept: 'application/json',
        authorization: basicAuthorization(transport.clientId, transport.clientSecret),
        'content-type': 'application/x-www-form-urlencoded',
        ...(attempt ? { 'request-id': attempt.requestId } : {}),
      },
      body: body.toString(),
      ...(attempt ? { signal: attempt.signal } : {}),
    },
    'token exchange',
    attempt?.requestId,
  )
}

/** The tokens of a successful answer; {@link OAuthError} (or `PB_ERR_INVALID_RESPONSE`) otherwise. */
export async function processTokenExchangeResponse(res: Response, sentRequestId?: string): Promise<TokenExchangeResponse> {
  if (!res.ok) throw await oauthError(res, sentRequestId)
  const body = await readObject(res, 'token exchange', sentRequestId)
  const invalid = (message: string) =>
    new PatchbayError('PB_ERR_INVALID_RESPONSE', `token exchange: ${message}`, responseMeta(res, sentRequestId))
  if (typeof body.access_token !== 'string' || body.access_token === '') throw invalid('the answer has no access_token')
  if (typeof body.expires_in !== 'number' || !Number.isFinite(body.expires_in) || body.expires_in <= 0) {
    throw invalid('the answer has no positive expires_in')
  }
  return {
    access_token: body.access_token,
    issued_token_type: typeof body.issued_token_type === 'string' ? body.issued_token_type : '',
    token_type: typeof body.token_type === 'string' ? body.token_type : '',
    expires_in: body.expires_in,
    scope: typeof body.scope === 'string' ? body.scope : '',
    ...(typeof body.session_id === 'string' ? { session_id: body.session_id } : {}),
    ...(typeof body.connect_url === 'string' ? { connect_url: body.connect_url } : {}),
  }
}

/**
 * A whole token exchange: a fresh subject token for each attempt (a JWT's `jti` is single use), retried
 * like any safe call after a network error, a timeout, a 429 or a 5xx (repeating it only mints one
 * more token or session code, which expires unused). A connect session answer must name its session.
 */
export function exchangeToken(
  transport: Transport,
  subjectToken: () => Promise<string>,
  params: Record<string, string>,
  options?: RequestOptions,
): Promise<TokenExchangeResponse> {
  return withRetries(policyFor(transport, options), true, 'token exchange', options?.signal, async (attempt) => {
    const res = await tokenExchangeRequest(transport, await subjectToken(), params, attempt)
    const tokens = await processTokenExchangeResponse(res, attempt.requestId)
    if (params.requested_token_type === CONNECT_SESSION_TOKEN_TYPE && !tokens.session_id) {
      throw new PatchbayError(
        'PB_ERR_INVALID_RESPONSE',
        'connect session: the answer has no session_id',
        responseMeta(res, attempt.requestId),
      )
    }
    return tokens
  })
}
