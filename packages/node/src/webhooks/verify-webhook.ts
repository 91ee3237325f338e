import type { Run } from '../resources/actions.js'
import { createHmac, timingSafeEqual } from 'node:crypto'
import { WebhookVerificationError } from '../errors.js'
import type { Connection } from '../types.js'

export { WebhookVerificationError, type WebhookVerificationErrorCode } from '../errors.js'

/**
 * Standard Webhooks (https://www.standardwebhooks.com), symmetric scheme: a `whsec_<base64>`
 * secret; every delivery carries `webhook-id`, `webhook-timestamp` (unix seconds) and
 * `webhook-signature: v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">`, space-separated when
 * several secrets sign (rotation).
 */
const SECRET_PREFIX = 'whsec_'

/** Headers as Node's `IncomingMessage.headers`, a fetch `Headers`, or a plain object. */
export type WebhookHeaders = Headers | Record<string, string | readonly string[] | undefined>

export interface VerifyWebhookOptions {
  /** Largest accepted distance between `webhook-timestamp` and now, in seconds (default 300). */
  toleranceSeconds?: number
  /** The current time in epoch milliseconds (default now). */
  now?: number
}

/** The end user a connection event is about (the partner's own ids). */
export interface WebhookEndUser {
  tenant_id: string | null
  user_id: string | null
}

export interface ConnectionEventData {
  connection: Connection
  end_user: WebhookEndUser
  /** `creation` or `reauth` for connection.created / connection.reauthorized; `scope_upgrade` for connection.updated. */
  operation?: 'creation' | 'reauth' | 'scope_upgrade'
  /** connection.updated by a scope upgrade: the scopes it added. */
  added_scopes?: string[]
  /** The connect link the connection was made through, if any (docs/connect-links.md). */
  connect_link_id?: string
  [field: string]: unknown
}

/** `connection.failed`: a connect session ended without a connection (denied, failed, expired). */
export interface ConnectFailedEventData {
  session_id: string
  /** The app being connected, or null when the flow ended before one was chosen. */
  app: string | null
  /** The outcome's error code (`access_denied`, `server_error`, `not_found`, `expired`, …). */
  error: string
  error_description: string
  /** The connection the session was reconnecting, if any. */
  reconnect_id: string | null
  /** The connect link the session was opened from, if any (docs/connect-links.md). */
  connect_link_id?: string
  end_user: WebhookEndUser
}

/** A verified webhook. */
export type WebhookEvent =
  | WebhookEventOf<
      'connection.created' | 'connection.reauthorized' | 'connection.updated' | 'connection.refresh_failed' | 'connection.deleted',
      ConnectionEventData
    >
  | WebhookEventOf<'connection.failed', ConnectFailedEventData>
  | WebhookEventOf<'run.succeeded' | 'run.failed' | 'run.requires_action', RunEventData>

/** `data` of the run events: the run as `GET /v1/runs/{id}` shows it, without its inputs (docs/actions.md, "Webhooks"). */
export interface RunEventData {
  run: Run
  end_user: WebhookEndUser
}

export interface WebhookEventOf<T extends string, D> {
  /** `webhook-id`: the event id, the same on every retry (deduplicate with it). */
  id: string
  type: T
  /** When the event happened (ISO 8601). */
  timestamp: string
  data: D
}

function header(headers: WebhookHeaders, name: string): string | undefined {
  if (typeof Headers !== 'undefined' && headers instanceof Headers) return headers.get(name) ?? undefined
  const record = headers as Record<string, string | readonly string[] | undefined>
  const values: string[] = []
  for (const [key, value] of Object.entries(record)) {
    if (key.toLowerCase() !== name || value === undefined) continue
    if (typeof value === 'string') values.push(value)
    else values.push(...value)
  }
  return values.length ? values.join(' ') : undefined
}

function secretKeys(secret: string | readonly string[]): Buffer[] {
  const secrets = typeof secret === 'string' ? [secret] : [...secret]
  if (secrets.length === 0) throw new TypeError('secret: at least one is required')
  return secrets.map((s, i) => {
    const path = typeof secret === 'string' ? 'secret' : `secret[${i}]`
    if (typeof s !== 'string' || !s.startsWith(SECRET_PREFIX)) throw new TypeError(`${path}: expected "${SECRET_PREFIX}<base64>"`)
    const encoded = s.slice(SECRET_PREFIX.length)
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encoded) || encoded.length % 4 !== 0) {
      throw new TypeError(`${path}: the part after "${SECRET_PREFIX}" is not base64`)
    }
    return Buffer.from(encoded, 'base64')
  })
}

function bodyBytes(body: string | Uint8Array): Buffer {
  if (typeof body === 'string') return Buffer.from(body, 'utf8')
  if (body instanceof Uint8Array) return Buffer.from(body.buffer, body.byteOffset, body.byteLength)
  throw new TypeError('rawBody: must be the body exactly as received, as a string or bytes (not parsed JSON)')
}

/**
 * Verifies a webhook from Patchbay and returns its event. Pass the raw body exactly as received
 * (before any JSON parsing) and the request headers. Throws {@link WebhookVerificationError}
 * unless all three headers are present, the timestamp is within `toleranceSeconds` of now, and one
 * `v1` signature matches (compared in constant time) under one of the secrets (several while
 * rotating). Deduplicate with the returned `id`: retries carry the same one.
 */
export function verifyWebhook(
  secret: string | readonly string[],
  headers: WebhookHeaders,
  rawBody: string | Uint8Array,
  options: VerifyWebhookOptions = {},
): WebhookEvent {
  const keys = secretKeys(secret)
  const body = bodyBytes(rawBody)
  const tolerance = options.toleranceSeconds ?? 300
  if (!Number.isFinite(tolerance) || tolerance < 0) throw new TypeError('options.toleranceSeconds: must be a non-negative number')
  if (typeof headers !== 'object' || headers === null) throw new TypeError('headers: must be the request headers')

  const id = header(headers, 'webhook-id')
  const timestampText = header(headers, 'webhook-timestamp')
  const signatures = header(headers, 'webhook-signature')
  if (!id || !timestampText || !signatures) {
    throw new WebhookVerificationError('PB_WEBHOOK_MISSING_HEADERS', 'webhook-id, webhook-timestamp and webhook-signature are required')
  }
  if (!/^\d{1,15}$/.test(timestampText.trim())) {
    throw new WebhookVerificationError('PB_WEBHOOK_BAD_TIMESTAMP', 'webhook-timestamp is not unix seconds')
  }
  const timestamp = Number(timestampText.trim())
  const now = Math.floor((options.now ?? Date.now()) / 1000)
  if (timestamp < now - tolerance) throw new WebhookVerificationError('PB_WEBHOOK_TIMESTAMP_TOO_OLD', 'webhook-timestamp is too old')
  if (timestamp > now + tolerance) {
    throw new WebhookVerificationError('PB_WEBHOOK_TIMESTAMP_TOO_NEW', 'webhook-timestamp is too far in the future')
  }

  const expected = keys.map((key) => createHmac('sha256', key).update(`${id}.${timestampText.trim()}.`, 'utf8').update(body).digest())
  let matched = false
  for (const entry of signatures.split(' ')) {
    const comma = entry.indexOf(',')
    if (comma < 0 || entry.slice(0, comma) !== 'v1') continue
    const given = Buffer.from(entry.slice(comma + 1), 'base64')
    for (const mac of expected) {
      if (given.length === mac.length && timingSafeEqual(given, mac)) matched = true
    }
  }
  if (!matched) throw new WebhookVerificationError('PB_WEBHOOK_NO_MATCHING_SIGNATURE', 'no webhook-signature matches the body')

  let event: unknown
  try {
    event = JSON.parse(body.toString('utf8'))
  } catch (cause) {
    throw new WebhookVerificationError('PB_WEBHOOK_INVALID_PAYLOAD', 'the signed body is not JSON', { cause })
  }
  if (typeof event !== 'object' || event === null || typeof (event as { type?: unknown }).type !== 'string') {
    throw new WebhookVerificationError('PB_WEBHOOK_INVALID_PAYLOAD', 'the signed body is not a Patchbay event')
  }
  const { type, timestamp: at, data } = event as { type: string; timestamp?: unknown; data?: unknown }
  return { id, type, timestamp: typeof at === 'string' ? at : '', data: (data ?? {}) as ConnectionEventData } as WebhookEvent
}
