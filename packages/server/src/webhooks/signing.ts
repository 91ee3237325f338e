import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'

/**
 * The Standard Webhooks signature scheme (https://www.standardwebhooks.com), symmetric variant, and
 * nothing else: a `whsec_<base64>` secret, and on every request the headers `webhook-id`,
 * `webhook-timestamp` (unix seconds) and `webhook-signature: v1,<base64 HMAC-SHA256>` computed over
 * `{id}.{timestamp}.{body}` with the base64-decoded secret.
 */
export const WEBHOOK_SECRET_PREFIX = 'whsec_'

/** The spec asks for 24 to 64 random bytes. */
const MIN_SECRET_BYTES = 24
const MAX_SECRET_BYTES = 64
const DEFAULT_TOLERANCE_SECONDS = 5 * 60

export type WebhookVerificationErrorCode =
  | 'PB_WEBHOOK_MISSING_HEADERS'
  | 'PB_WEBHOOK_BAD_TIMESTAMP'
  | 'PB_WEBHOOK_TIMESTAMP_TOO_OLD'
  | 'PB_WEBHOOK_TIMESTAMP_TOO_NEW'
  | 'PB_WEBHOOK_NO_MATCHING_SIGNATURE'

/** A request that does not carry a valid signature of this sender. */
export class WebhookVerificationError extends Error {
  readonly code: WebhookVerificationErrorCode

  constructor(code: WebhookVerificationErrorCode, message: string) {
    super(message)
    this.name = 'WebhookVerificationError'
    this.code = code
  }
}

/** A fresh `whsec_…` secret of `bytes` random bytes (default 32). */
export function generateWebhookSecret(bytes = 32): string {
  if (!Number.isInteger(bytes) || bytes < MIN_SECRET_BYTES || bytes > MAX_SECRET_BYTES) {
    throw new TypeError(`webhook secret: bytes must be an integer from ${MIN_SECRET_BYTES} to ${MAX_SECRET_BYTES}`)
  }
  return `${WEBHOOK_SECRET_PREFIX}${randomBytes(bytes).toString('base64')}`
}

/**
 * The HMAC key of a `whsec_<base64 of 24 to 64 bytes>` secret. Throws a TypeError that never quotes
 * the secret.
 */
export function webhookSecretKey(secret: string): Buffer {
  if (typeof secret !== 'string' || !secret.startsWith(WEBHOOK_SECRET_PREFIX)) {
    throw new TypeError(`webhook secret: expected "${WEBHOOK_SECRET_PREFIX}<base64>"`)
  }
  const encoded = secret.slice(WEBHOOK_SECRET_PREFIX.length)
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encoded) || encoded.length % 4 !== 0) {
    throw new TypeError('webhook secret: the part after "whsec_" is not padded standard base64')
  }
  const key = Buffer.from(encoded, 'base64')
  if (key.length < MIN_SECRET_BYTES || key.length > MAX_SECRET_BYTES) {
    throw new TypeError(`webhook secret: must decode to ${MIN_SECRET_BYTES} to ${MAX_SECRET_BYTES} bytes, got ${key.length}`)
  }
  return key
}

/** True when `secret` is a well-formed `whsec_…` secret. */
export function isWebhookSecret(secret: string): boolean {
  try {
    webhookSecretKey(secret)
    return true
  } catch {
    return false
  }
}

function bodyBytes(body: string | Uint8Array): Buffer {
  return typeof body === 'string' ? Buffer.from(body, 'utf8') : Buffer.from(body.buffer, body.byteOffset, body.byteLength)
}

function hmac(key: Buffer, id: string, timestamp: number, body: string | Uint8Array): Buffer {
  return createHmac('sha256', key).update(`${id}.${timestamp}.`, 'utf8').update(bodyBytes(body)).digest()
}

/** `v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">` with the secret's key. */
export function signWebhook(secret: string, id: string, timestamp: number, body: string | Uint8Array): string {
  if (typeof id !== 'string' || id.length === 0 || id.includes('.')) {
    throw new TypeError('webhook id: must be a non-empty string without "."')
  }
  if (!Number.isSafeInteger(timestamp) || timestamp < 0) throw new TypeError('webhook timestamp: must be unix seconds')
  return `v1,${hmac(webhookSecretKey(secret), id, timestamp, body).toString('base64')}`
}

// A type alias, not an interface: it must fit `Record<string, string>` (headers objects).
export type WebhookHeaders = {
  'webhook-id': string
  'webhook-timestamp': string
  'webhook-signature': string
}

/**
 * The three Standard Webhooks headers for one delivery attempt. With several secrets (rotation on
 * the sender's side) the signature header lists one signature per secret, space-separated.
 */
export function webhookHeaders(
  secret: string | readonly string[],
  id: string,
  body: string | Uint8Array,
  now: number = Date.now(),
): WebhookHeaders {
  const timestamp = Math.floor(now / 1000)
  const secrets = typeof secret === 'string' ? [secret] : secret
  if (secrets.length === 0) throw new TypeError('webhook secret: at least one is required')
  return {
    'webhook-id': id,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': secrets.map((s) => signWebhook(s, id, timestamp, body)).join(' '),
  }
}

export type HeaderSource = Headers | Record<string, string | readonly string[] | undefined>

function header(headers: HeaderSource, name: string): string | undefined {
  if (typeof Headers !== 'undefined' && headers instanceof Headers) return headers.get(name) ?? undefined
  const record = headers as Record<string, string | readonly string[] | undefined>
  const key = Object.keys(record).find((k) => k.toLowerCase() === name)
  const value = key === undefined ? undefined : record[key]
  return typeof value === 'string' ? value : value?.[0]
}

export interface VerifyWebhookOptions {
  /** Largest accepted distance between the `webhook-timestamp` and now, in seconds (default 300). */
  toleranceSeconds?: number
  /** The current time in epoch milliseconds (tests). */
  now?: number
}

export interface VerifiedWebhook {
  id: string
  /** Unix seconds from `webhook-timestamp`. */
  timestamp: number
}

/**
 * Checks a received webhook: all three headers present, the timestamp within the tolerance, and at
 * least one `v1` signature of the space-separated list matching (compared in constant time) the
 * HMAC of the raw body under one of the given secrets (several during a rotation). Throws
 * {@link WebhookVerificationError} otherwise. Pass the body exactly as received, not re-serialized.
 */
export function verifyWebhook(
  secret: string | readonly string[],
  headers: HeaderSource,
  body: string | Uint8Array,
  options: VerifyWebhookOptions = {},
): VerifiedWebhook {
  const keys = (typeof secret === 'string' ? [secret] : secret).map(webhookSecretKey)
  if (keys.length === 0) throw new TypeError('webhook secret: at least one is required')
  const tolerance = options.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS
  const id = header(headers, 'webhook-id')
  const timestampText = header(headers, 'webhook-timestamp')
  const signatures = header(headers, 'webhook-signature')
  if (!id || !timestampText || !signatures) {
    throw new WebhookVerificationError(
      'PB_WEBHOOK_MISSING_HEADERS',
      'webhook-id, webhook-timestamp and webhook-signature headers are required',
    )
  }
  if (!/^\d{1,15}$/.test(timestampText.trim())) {
    throw new WebhookVerificationError('PB_WEBHOOK_BAD_TIMESTAMP', 'webhook-timestamp is not unix seconds')
  }
  const timestamp = Number(timestampText.trim())
  const now = Math.floor((options.now ?? Date.now()) / 1000)
  if (now - timestamp > tolerance) {
    throw new WebhookVerificationError('PB_WEBHOOK_TIMESTAMP_TOO_OLD', 'webhook-timestamp is too old')
  }
  if (timestamp - now > tolerance) {
    throw new WebhookVerificationError('PB_WEBHOOK_TIMESTAMP_TOO_NEW', 'webhook-timestamp is in the future')
  }
  const expected = keys.map((key) => Buffer.from(hmac(key, id, timestamp, body).toString('base64'), 'utf8'))
  for (const entry of signatures.split(' ')) {
    const comma = entry.indexOf(',')
    if (comma < 0 || entry.slice(0, comma) !== 'v1') continue
    // The canonical base64 text is compared, as the reference libraries do.
    const given = Buffer.from(entry.slice(comma + 1), 'utf8')
    for (const mac of expected) {
      if (given.length === mac.length && timingSafeEqual(given, mac)) return { id, timestamp }
    }
  }
  throw new WebhookVerificationError('PB_WEBHOOK_NO_MATCHING_SIGNATURE', 'no signature matches')
}
