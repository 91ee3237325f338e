import type { ProxyTail } from './path.js'
import type { Target } from './target.js'

/**
 * Redirects are never followed. A Location under the base URL becomes the matching proxy URL (so a
 * client that follows it comes back through the proxy, credentials injected by Patchbay); any other
 * Location is passed back as an absolute URL, for the caller to follow or not, with nothing of
 * Patchbay's attached. Injected credential query parameters are removed from it, and a Location that
 * still carries a credential is dropped (see downstreamResponseHeaders).
 */
export function rewriteLocation(location: string, target: Target, tail: ProxyTail, proxyBase: string): string {
  let url: URL
  try {
    url = new URL(location, `${target.origin}${target.basePath}${tail.path || '/'}`)
  } catch {
    return location
  }
  if (url.origin !== target.origin) return location
  for (const [name] of target.query) url.searchParams.delete(name)
  const path = url.pathname
  if (target.basePath === '' || path === target.basePath || path.startsWith(`${target.basePath}/`)) {
    return `${proxyBase}${path.slice(target.basePath.length)}${url.search}`
  }
  return url.href
}
