import { createHmac, randomBytes } from 'node:crypto'
import OAuth from 'oauth-1.0a'

export interface OAuth1Consumer {
  key: string
  secret: string
}

export type OAuth1SignatureMethod = 'HMAC-SHA1' | 'HMAC-SHA256'

/** A request ready for `SafeHttpClient.request(url, { method, headers, body, ... })`. */
export interface OAuth1HttpRequest {
  url: string
  method: 'POST'
  headers: Record<string, string>
  body: string
}

export interface SignedAuthorizationHeaderParams {
  /** HTTP method of the API call (any case). */
  method: string
  /** Absolute URL; its query parameters are signed. */
  url: string
  consumer: OAuth1Consumer
  /** The access token and its secret. */
  token: string
  tokenSecret: string
  signatureMethod: OAuth1SignatureMethod
  /** The request's application/x-www-form-urlencoded body parameters, if any (RFC 5849 §3.4.1.3.1). */
  bodyParams?: Record<string, string>
}

const digests: Record<OAuth1SignatureMethod, string> = { 'HMAC-SHA1': 'sha1', 'HMAC-SHA256': 'sha256' }

/**
 * The `Authorization: OAuth …` header value for an API call made with an access token (RFC 5849
 * §3.5.1). Send the body parameters, if any, form-encoded with `formEncode`.
 */
export function signedAuthorizationHeader(p: SignedAuthorizationHeaderParams): string {
  requireNonEmpty(p.token, 'token')
  return signRequest({
    method: p.method,
    url: p.url,
    consumer: p.consumer,
    signatureMethod: p.signatureMethod,
    token: { key: p.token, secret: p.tokenSecret },
    bodyParams: p.bodyParams,
    path: 'url',
  })
}

/** @internal What `signRequest` signs. */
export interface SignInput {
  method: string
  url: string
  consumer: OAuth1Consumer
  signatureMethod: OAuth1SignatureMethod
  token?: { key: string; secret: string } | undefined
  bodyParams?: Record<string, string> | undefined
  /** Protocol parameters besides the standard ones (oauth_callback, oauth_verifier): signed and sent in the header. */
  protocolParams?: Record<string, string> | undefined
  /** The caller's name for `url`, quoted in errors. */
  path: string
}

/**
 * @internal Signs a request with oauth-1.0a (which builds the signature base string of RFC 5849
 * §3.4.1) and node:crypto HMAC, and returns the Authorization header value. The URL's query and the
 * body parameters are signed; protocol parameters travel in the header only.
 */
export function signRequest(input: SignInput): string {
  const target = parseHttpUrl(input.url, input.path)
  requireNonEmpty(input.consumer?.key, 'consumer.key')
  requireNonEmpty(input.consumer?.secret, 'consumer.secret')
  const digest = digests[input.signatureMethod]
  if (!digest) throw new TypeError(`signatureMethod: "${String(input.signatureMethod)}" is not HMAC-SHA1 or HMAC-SHA256`)

  // Signed parameters: the query (decoded as application/x-www-form-urlencoded, RFC 5849 §3.4.1.3.1),
  // the form body, then the extra protocol parameters. Repeated names keep every value.
  const data: Record<string, string | string[]> = {}
  const add = (name: string, value: string, where: string) => {
    if (name.startsWith('oauth_') && where !== 'protocol') {
      throw new TypeError(`${where}: "${name}" is a protocol parameter and cannot be sent there`)
    }
    const existing = data[name]
    data[name] = existing === undefined ? value : [...(Array.isArray(existing) ? existing : [existing]), value]
  }
  for (const [name, value] of target.searchParams) add(name, value, input.path)
  for (const [name, value] of Object.entries(input.bodyParams ?? {})) add(name, value, 'bodyParams')
  for (const [name, value] of Object.entries(input.protocolParams ?? {})) add(name, value, 'protocol')

  const oauth = new OAuth({
    consumer: { key: input.consumer.key, secret: input.consumer.secret },
    signature_method: input.signatureMethod,
    hash_function: (base, key) => createHmac(digest, key).update(base).digest('base64'),
  })
  // oauth-1.0a draws its nonce from Math.random; use the CSPRNG instead.
  oauth.getNonce = () => randomBytes(16).toString('hex')
  const authorized = oauth.authorize(
    { url: `${target.origin}${target.pathname}`, method: input.method.toUpperCase(), data },
    input.token ? { key: input.token.key, secret: input.token.secret } : undefined,
  )
  // toHeader keeps the oauth_* members only; the extra protocol parameters are added explicitly
  // rather than relying on oauth-1.0a copying the signed data into its result.
  return oauth.toHeader({ ...authorized, ...input.protocolParams }).Authorization
}

/** application/x-www-form-urlencoded with RFC 3986 percent-encoding (what RFC 5849 signs). */
export function formEncode(params: Record<string, string> | undefined): string {
  return Object.entries(params ?? {})
    .map(([name, value]) => `${percentEncode(name)}=${percentEncode(value)}`)
    .join('&')
}

function percentEncode(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
}

/** @internal */
export function parseHttpUrl(value: unknown, path: string): URL {
  if (typeof value !== 'string' || value === '') throw new TypeError(`${path} must be a non-empty string`)
  let url: URL
  try {
    url = new URL(value)
  } catch {
    throw new TypeError(`${path}: "${value}" is not an absolute URL`)
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new TypeError(`${path}: "${value}" is not an http(s) URL`)
  if (url.username || url.password) throw new TypeError(`${path} must not contain credentials`)
  url.hash = ''
  return url
}

/** @internal */
export function requireNonEmpty(value: unknown, path: string): asserts value is string {
  if (typeof value !== 'string' || value === '') throw new TypeError(`${path} must be a non-empty string`)
}
