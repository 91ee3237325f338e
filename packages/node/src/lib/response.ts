import { CredentialRevokedError, OAuthError, PatchbayError, type PatchbayErrorOptions } from '../errors.js'

/**
 * The parts of a response every error carries. `sentRequestId` is the id the SDK sent as `request-id`,
 * for an answer that does not echo one (something in front of Patchbay answered).
 */
export function responseMeta(res: Response, sentRequestId?: string): PatchbayErrorOptions {
  return {
    status: res.status,
    // Patchbay sends `request-id` on every answer; `x-request-id` is what some proxies in front add.
    requestId: res.headers.get('request-id') ?? res.headers.get('x-request-id') ?? sentRequestId,
    retryAfter: retryAfterSeconds(res.headers.get('retry-after')),
  }
}

/**
 * `Retry-After` as seconds from now: delta-seconds or an HTTP date (RFC 9110 §10.2.3). The server has
 * its own reader (packages/server/src/lib/retry-after.ts): the SDK is published alone and imports no server code.
 */
export function retryAfterSeconds(value: string | null): number | undefined {
  if (value === null) return undefined
  if (/^\d+$/.test(value.trim())) return Number(value.trim())
  const at = Date.parse(value)
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - Date.now()) / 1000))
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** The response body as JSON, or `PB_ERR_INVALID_RESPONSE`. */
export async function readJson(res: Response, what: string, sentRequestId?: string): Promise<unknown> {
  const text = await res.text()
  try {
    return JSON.parse(text)
  } catch (cause) {
    throw new PatchbayError('PB_ERR_INVALID_RESPONSE', `${what}: Patchbay answered HTTP ${res.status} with a body that is not JSON`, {
      ...responseMeta(res, sentRequestId),
      cause,
    })
  }
}

/** The JSON object of a successful answer, or `PB_ERR_INVALID_RESPONSE`. */
export async function readObject(res: Response, what: string, sentRequestId?: string): Promise<Record<string, unknown>> {
  const body = await readJson(res, what, sentRequestId)
  if (!isRecord(body)) {
    throw new PatchbayError(
      'PB_ERR_INVALID_RESPONSE',
      `${what}: Patchbay answered with JSON that is not an object`,
      responseMeta(res, sentRequestId),
    )
  }
  return body
}

export interface ErrorContext {
  /** What was attempted, for messages ("GET /v1/connections/abc"). */
  what: string
  /** The connection the call was about, for {@link CredentialRevokedError}. */
  connectionId?: string | undefined
  /** The id the SDK sent as `request-id`, for an answer without one. */
  requestId?: string | undefined
}

/**
 * The error of a REST API answer (`{ error: { code, message } }`, docs/errors.md). Reads the body;
 * a body that is not such an error becomes `PB_ERR_INVALID_RESPONSE` with the answer's status.
 */
export async function apiError(res: Response, context: ErrorContext): Promise<PatchbayError> {
  const meta = responseMeta(res, context.requestId)
  let body: unknown
  try {
    body = JSON.parse(await res.text())
  } catch {
    body = undefined
  }
  const error = isRecord(body) && isRecord(body.error) ? body.error : undefined
  if (!error || typeof error.code !== 'string') {
    return new PatchbayError('PB_ERR_INVALID_RESPONSE', `${context.what}: Patchbay answered HTTP ${res.status} without an error body`, meta)
  }
  const message = typeof error.message === 'string' && error.message ? error.message : error.code
  if (error.code === 'PB_ERR_CREDENTIAL_REVOKED') {
    const fromBody = typeof error.connection_id === 'string' ? error.connection_id : undefined
    return new CredentialRevokedError(context.connectionId ?? fromBody ?? '', message, meta)
  }
  return new PatchbayError(error.code, message, meta)
}

/** The error of a token endpoint answer (`{ error, error_description }`, RFC 6749 §5.2). */
export async function oauthError(res: Response, sentRequestId?: string): Promise<PatchbayError> {
  const meta = responseMeta(res, sentRequestId)
  let body: unknown
  try {
    body = JSON.parse(await res.text())
  } catch {
    body = undefined
  }
  if (!isRecord(body) || typeof body.error !== 'string') {
    return new PatchbayError(
      'PB_ERR_INVALID_RESPONSE',
      `token exchange: Patchbay answered HTTP ${res.status} without an OAuth error body`,
      meta,
    )
  }
  const description = typeof body.error_description === 'string' ? body.error_description : undefined
  return new OAuthError(body.error, description, meta)
}

/**
 * fetch, with a failure to get any answer turned into `PB_ERR_NETWORK` carrying `requestId` (the id
 * sent, if any); aborts and timeouts stay as they are (the retry loop tells them apart).
 */
export async function send(fetchFn: typeof fetch, url: string, init: RequestInit, what: string, requestId?: string): Promise<Response> {
  try {
    return await fetchFn(url, init)
  } catch (cause) {
    if (isAbort(cause)) throw cause
    const reason = cause instanceof Error ? (errorCode(cause) ?? cause.message) : String(cause)
    throw new PatchbayError('PB_ERR_NETWORK', `${what}: no answer from Patchbay (${reason})`, { status: 0, requestId, cause })
  }
}

/** An abort or a timeout of a signal, as fetch and body reads report it. */
export function isAbort(err: unknown): boolean {
  return err instanceof Error && (err.name === 'AbortError' || err.name === 'TimeoutError')
}

/** undici's reason for a failed fetch (`ECONNRESET`, `UND_ERR_SOCKET`…), which its message ("fetch failed") hides. */
function errorCode(err: Error): string | undefined {
  const cause = err.cause as { code?: unknown; message?: unknown } | undefined
  if (typeof cause?.code === 'string') return `${err.message}: ${cause.code}`
  return typeof cause?.message === 'string' ? `${err.message}: ${cause.message}` : undefined
}
