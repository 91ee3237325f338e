import type { PatchbayError } from '../errors.js'
import { apiError, type ErrorContext } from '../lib/response.js'

/** Patchbay's own error bodies are small; an app's answer is never buffered to look at it. */
const MAX_INSPECTED_BYTES = 16 * 1024

/**
 * `{baseUrl}/v1/proxy/{connectionId}/{path}`. `path` is the app API path (and query) relative to
 * the app's base URL; it may not climb out of the proxy route with `..` segments.
 */
export function proxyUrl(baseUrl: string, connectionId: string, path: string): string {
  if (typeof path !== 'string') throw new TypeError('path: must be a string')
  if (/^[a-z][a-z0-9+.-]*:/i.test(path) || path.startsWith('//')) {
    throw new TypeError('path: must be a path relative to the app API, not a URL')
  }
  const route = `${baseUrl}/v1/proxy/${encodeURIComponent(connectionId)}`
  const relative = path.replace(/^\/+/, '')
  // The app's base URL itself: no trailing slash added.
  if (relative === '' || relative.startsWith('?')) return new URL(route + relative).href
  const prefix = `${route}/`
  const url = new URL(prefix + relative)
  if (!url.href.startsWith(prefix)) {
    throw new TypeError('path: must stay below the connection\'s proxy route (no ".." segments)')
  }
  return url.href
}

/** A body fetch can send twice: none, text, bytes, a Blob, form data. Streams and iterables cannot. */
export function replayable(body: unknown): boolean {
  return (
    body === undefined ||
    body === null ||
    typeof body === 'string' ||
    body instanceof ArrayBuffer ||
    ArrayBuffer.isView(body) ||
    body instanceof Blob ||
    body instanceof URLSearchParams ||
    body instanceof FormData
  )
}

/**
 * Patchbay's own refusal of a proxied call (`{ error: { code: "PB_ERR_…" } }`, e.g. the
 * connection needs reauth), as opposed to the app's answer, which is passed through untouched.
 * Only small JSON error answers are looked at, through a clone.
 */
export async function proxyError(res: Response, context: ErrorContext): Promise<PatchbayError | undefined> {
  if (res.ok) return undefined
  const marked = res.headers.get('x-patchbay-error')
  const type = res.headers.get('content-type') ?? ''
  const length = Number(res.headers.get('content-length') ?? Number.NaN)
  if (!marked && !(/^application\/(problem\+)?json/i.test(type) && length <= MAX_INSPECTED_BYTES)) return undefined
  const copy = res.clone()
  let body: unknown
  try {
    body = JSON.parse(await res.clone().text())
  } catch {
    body = undefined
  }
  const error = typeof body === 'object' && body !== null ? (body as { error?: { code?: unknown } }).error : undefined
  const code = typeof error === 'object' && error !== null ? error.code : undefined
  if (!marked && !(typeof code === 'string' && code.startsWith('PB_ERR_'))) return undefined
  return apiError(copy, context)
}
