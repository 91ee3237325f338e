/** What every request to Patchbay needs: where, how, and the partner's client credentials. */
export interface Transport {
  /** Without a trailing slash. */
  baseUrl: string
  fetch: typeof fetch
  clientId: string
  clientSecret: string
}

/** `Authorization: Basic` as RFC 6749 §2.3.1 wants it: each part form-urlencoded, then base64. */
export function basicAuthorization(clientId: string, clientSecret: string): string {
  const encode = (value: string) => encodeURIComponent(value).replaceAll('%20', '+')
  return `Basic ${Buffer.from(`${encode(clientId)}:${encode(clientSecret)}`, 'utf8').toString('base64')}`
}

/** An absolute http(s) base URL without a trailing slash; a TypeError naming `path` otherwise. */
export function normalizeBaseUrl(value: unknown, path: string): string {
  if (typeof value !== 'string' && !(value instanceof URL)) throw new TypeError(`${path}: must be a URL string`)
  let url: URL
  try {
    url = new URL(String(value))
  } catch {
    throw new TypeError(`${path}: must be an absolute URL`)
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new TypeError(`${path}: must be an http(s) URL`)
  if (url.search || url.hash) throw new TypeError(`${path}: must not have a query or fragment`)
  if (url.username || url.password) throw new TypeError(`${path}: must not carry credentials`)
  return url.href.replace(/\/+$/, '')
}
