/** One REST API call, as the resources describe it. */
export interface ApiRequest {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE'
  /** Path under the base URL, starting with `/v1/`, segments already encoded. */
  path: string
  query?: Record<string, string | number | boolean | undefined>
  /** Sent as JSON. */
  body?: unknown
  /** Extra request headers (`Idempotency-Key`). */
  headers?: Record<string, string>
  /** The connection the call is about (for CredentialRevokedError). */
  connectionId?: string
}

/** Sends REST API calls as one end user: the parsed JSON object of the answer, undefined for 204. */
export interface ApiCaller {
  call(request: ApiRequest): Promise<Record<string, unknown> | undefined>
}

/** A path segment from a caller-supplied id or key: a TypeError naming `path` unless a non-empty string. */
export function segment(value: unknown, path: string): string {
  if (typeof value !== 'string' || value === '') throw new TypeError(`${path}: must be a non-empty string`)
  return encodeURIComponent(value)
}
