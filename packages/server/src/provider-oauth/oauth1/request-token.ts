import type { SafeHttpClient } from '../../outbound/safe-fetch.js'
import { OAuth1Error } from './errors.js'
import { type OAuth1HttpOptions, type OAuth1Response, parseTokenResponse, send } from './response.js'
import { formEncode, type OAuth1Consumer, type OAuth1HttpRequest, type OAuth1SignatureMethod, parseHttpUrl, signRequest } from './sign.js'

export interface RequestTokenParams {
  /** The provider's temporary credential request URL (Trello: https://trello.com/1/OAuthGetRequestToken). */
  url: string
  consumer: OAuth1Consumer
  /** Absolute http(s) URL the provider sends the user back to (`oob` is not supported). */
  callbackUrl: string
  signatureMethod: OAuth1SignatureMethod
  /** Extra parameters some providers take on this request; sent form-encoded in the body and signed. */
  extraParams?: Record<string, string>
}

export interface TemporaryCredentials {
  token: string
  tokenSecret: string
}

/** The signed POST asking for temporary credentials (RFC 5849 §2.1); `oauth_callback` travels in the header. */
export function buildRequestTokenRequest(p: RequestTokenParams): OAuth1HttpRequest {
  const url = parseHttpUrl(p.url, 'url')
  parseHttpUrl(p.callbackUrl, 'callbackUrl')
  const authorization = signRequest({
    method: 'POST',
    url: url.href,
    consumer: p.consumer,
    signatureMethod: p.signatureMethod,
    bodyParams: p.extraParams,
    protocolParams: { oauth_callback: p.callbackUrl },
    path: 'url',
  })
  return {
    url: url.href,
    method: 'POST',
    headers: { Authorization: authorization, 'Content-Type': 'application/x-www-form-urlencoded' },
    body: formEncode(p.extraParams),
  }
}

/**
 * Reads the temporary credentials. RFC 5849 §2.1 requires `oauth_callback_confirmed=true`: without
 * it the provider speaks OAuth 1.0 (no verifier, open to session fixation) and the flow stops.
 */
export function processRequestTokenResponse(res: OAuth1Response): TemporaryCredentials {
  const { token, tokenSecret, params } = parseTokenResponse(res, 'request token')
  if (params.get('oauth_callback_confirmed') !== 'true') {
    throw new OAuth1Error('PB_OAUTH1_CALLBACK_NOT_CONFIRMED')
  }
  return { token, tokenSecret }
}

/** buildRequestTokenRequest → SafeHttpClient (64 KiB cap, 10 s default timeout) → processRequestTokenResponse. */
export async function requestToken(http: SafeHttpClient, p: RequestTokenParams & OAuth1HttpOptions): Promise<TemporaryCredentials> {
  return processRequestTokenResponse(await send(http, buildRequestTokenRequest(p), p))
}
