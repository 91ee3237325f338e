import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http'

/** Hop-by-hop headers (RFC 9110 §7.6.1) and their common non-standard relatives. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'http2-settings',
])

/**
 * Request headers never forwarded: the caller's credentials for Patchbay (`authorization`), browser
 * state (`cookie`), routing (`host`, `forwarded`, `x-forwarded-*`, `x-real-ip`), anything for a proxy
 * (`proxy-*`), `expect` (no 100-continue across the proxy), `content-length` (set by the proxy for the
 * body it actually sends) and Patchbay's own control headers (`patchbay-*`).
 */
function droppedRequestHeader(name: string): boolean {
  if (HOP_BY_HOP.has(name)) return true
  switch (name) {
    case 'authorization':
    case 'cookie':
    case 'host':
    case 'forwarded':
    case 'x-real-ip':
    case 'expect':
    case 'content-length':
      return true
  }
  return name.startsWith('proxy-') || name.startsWith('x-forwarded-') || name.startsWith('patchbay-')
}

/** Names listed in a `Connection` header (`Connection: close, X-Foo`) are hop-by-hop too. */
function connectionTokens(value: string | string[] | undefined): Set<string> | undefined {
  if (value === undefined || value === 'keep-alive' || value === 'close') return undefined
  const text = Array.isArray(value) ? value.join(',') : value
  const tokens = new Set<string>()
  for (const token of text.split(',')) {
    const name = token.trim().toLowerCase()
    if (name) tokens.add(name)
  }
  return tokens.size > 0 ? tokens : undefined
}

/**
 * The headers to send upstream: the caller's, minus everything above and minus any header the app
 * sets itself (injected credentials and `api.headers` always win), plus `injected`.
 */
export function upstreamRequestHeaders(
  incoming: IncomingHttpHeaders,
  injected: Readonly<Record<string, string>>,
): Record<string, string | string[]> {
  const listed = connectionTokens(incoming.connection)
  const out: Record<string, string | string[]> = {}
  for (const name in incoming) {
    const value = incoming[name]
    if (value === undefined || droppedRequestHeader(name) || Object.hasOwn(injected, name)) continue
    if (listed?.has(name)) continue
    out[name] = value
  }
  for (const name in injected) out[name] = injected[name] as string
  return out
}

/** Response headers never passed back: hop-by-hop ones and the provider's cookies. */
function droppedResponseHeader(name: string): boolean {
  return HOP_BY_HOP.has(name) || name === 'set-cookie' || name === 'set-cookie2' || name === 'proxy-authenticate'
}

function containsSecret(value: string | string[], secrets: readonly string[]): boolean {
  if (secrets.length === 0) return false
  const text = Array.isArray(value) ? value.join('\n') : value
  for (const secret of secrets) if (text.includes(secret)) return true
  return false
}

/**
 * The provider's response headers, as passed back to the caller: without hop-by-hop headers, without
 * `Set-Cookie`, and without any header whose value contains one of the connection's credentials
 * (a provider echoing a token or an API key in a header, or in a redirect's Location).
 */
export function downstreamResponseHeaders(
  headers: Record<string, string | string[] | undefined>,
  secrets: readonly string[],
): OutgoingHttpHeaders {
  const listed = connectionTokens(headers.connection)
  const out: OutgoingHttpHeaders = {}
  for (const name in headers) {
    const value = headers[name]
    if (value === undefined || droppedResponseHeader(name) || listed?.has(name)) continue
    if (containsSecret(value, secrets)) continue
    out[name] = value
  }
  return out
}
