import type { SafeHttpClient } from '../../outbound/safe-fetch.js'
import { type OAuth1HttpOptions, type OAuth1Response, parseTokenResponse, send } from './response.js'
import {
  type OAuth1Consumer,
  type OAuth1HttpRequest,
  type OAuth1SignatureMethod,
  parseHttpUrl,
  requireNonEmpty,
  signRequest,
} from './sign.js'

export interface AccessTokenParams {
  /** The provider's token request URL (Trello: https://trello.com/1/OAuthGetAccessToken). */
  url: string
  consumer: OAuth1Consumer
  /** The request token and its secret, from `requestToken`. */
  token: string
  tokenSecret: string
  /** From `readCallback`. */
  verifier: string
  signatureMethod: OAuth1SignatureMethod
}

export interface TokenCredentials {
  token: string
  tokenSecret: string
  /** The other, non-secret response parameters (e.g. Twitter's user_id, screen_name). */
  extra: Record<string, string>
}

/** Names never copied into `extra`: the token pair itself and anything that looks like a secret. */
const SECRET_NAME = /secret|password|session_handle|^oauth_token$|^oauth_callback_confirmed$/i

/** The signed POST exchanging the authorized request token and verifier for token credentials (RFC 5849 §2.3). */
export function buildAccessTokenRequest(p: AccessTokenParams): OAuth1HttpRequest {
  const url = parseHttpUrl(p.url, 'url')
  requireNonEmpty(p.token, 'token')
  requireNonEmpty(p.verifier, 'verifier')
  if (typeof p.tokenSecret !== 'string') throw new TypeError('tokenSecret must be a string')
  const authorization = signRequest({
    method: 'POST',
    url: url.href,
    consumer: p.consumer,
    signatureMethod: p.signatureMethod,
    token: { key: p.token, secret: p.tokenSecret },
    protocolParams: { oauth_verifier: p.verifier },
    path: 'url',
  })
  return {
    url: url.href,
    method: 'POST',
    headers: { Authorization: authorization, 'Content-Type': 'application/x-www-form-urlencoded' },
    body: '',
  }
}

export function processAccessTokenResponse(res: OAuth1Response): TokenCredentials {
  const { token, tokenSecret, params } = parseTokenResponse(res, 'access token')
  const extra = Object.fromEntries([...params].filter(([name]) => !SECRET_NAME.test(name)))
  return { token, tokenSecret, extra }
}

/** buildAccessTokenRequest → SafeHttpClient (64 KiB cap, 10 s default timeout) → processAccessTokenResponse. */
export async function accessToken(http: SafeHttpClient, p: AccessTokenParams & OAuth1HttpOptions): Promise<TokenCredentials> {
  return processAccessTokenResponse(await send(http, buildAccessTokenRequest(p), p))
}
