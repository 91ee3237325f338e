import { parseHttpUrl, requireNonEmpty } from './sign.js'

export interface AuthorizationUrlParams {
  /** The provider's resource owner authorization URL (Trello: https://trello.com/1/OAuthAuthorizeToken). */
  url: string
  /** The request token from `requestToken`. */
  token: string
  /** Extra query parameters, e.g. Trello's `name`, `scope` (read,write,account) and `expiration` (1hour, 1day, 30days, never). */
  extraParams?: Record<string, string>
}

/** Where to send the user (RFC 5849 §2.2): the URL's own query is kept, `oauth_token` is set last and cannot be overridden. */
export function buildAuthorizationUrl(p: AuthorizationUrlParams): string {
  const url = parseHttpUrl(p.url, 'url')
  requireNonEmpty(p.token, 'token')
  for (const [name, value] of Object.entries(p.extraParams ?? {})) {
    if (name === 'oauth_token') throw new TypeError('extraParams.oauth_token: the request token is set by buildAuthorizationUrl')
    url.searchParams.set(name, value)
  }
  url.searchParams.set('oauth_token', p.token)
  return url.href
}
