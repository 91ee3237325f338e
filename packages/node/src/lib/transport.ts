import type { RequestOptions } from './api.js'
import type { RetryPolicy } from './retry.js'

/** What every request to Patchbay needs: where, how, the partner's client credentials, and the client's retry policy. */
export interface Transport {
  /** Without a trailing slash. */
  baseUrl: string
  fetch: typeof fetch
  clientId: string
  clientSecret: string
  policy: RetryPolicy
}

/** The client's policy with a call's own options; `waitMs` (a long poll's wait) is added to the time limit. */
export function policyFor(transport: Transport, options: RequestOptions | undefined, waitMs = 0): RetryPolicy {
  return {
    ...transport.policy,
    maxRetries: options?.maxRetries ?? transport.policy.maxRetries,
    timeoutMs: (options?.timeoutMs ?? transport.policy.timeoutMs) + waitMs,
  }
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
