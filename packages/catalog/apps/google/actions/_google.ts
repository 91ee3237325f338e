// Shared by the Google actions. Paths are relative to app.yaml's api.base_url (https://www.googleapis.com):
// Gmail (/gmail/v1), Calendar (/calendar/v3) and Drive (/drive/v3) are served there. The Sheets API is
// documented only at https://sheets.googleapis.com (paths /v4/…): its calls take `base: 'sheets'`, see _sheets.ts.
//
// Google's error bodies are `{ "error": { "code", "message", "errors": [ { "domain", "reason", "message" } ] } }`
// (Gmail https://developers.google.com/workspace/gmail/api/guides/handle-errors, Calendar
// https://developers.google.com/workspace/calendar/api/guides/errors, Drive
// https://developers.google.com/workspace/drive/api/guides/handle-errors). Calendar and Drive answer a
// per-user rate limit with 403 and reason rateLimitExceeded / userRateLimitExceeded: that is a rate limit,
// not a missing permission.
import { ActionError, ActionHttpError } from '../../../src/define-action.js'

const RATE_LIMIT_REASONS = new Set(['rateLimitExceeded', 'userRateLimitExceeded'])

function firstReason(data: unknown): string | undefined {
  const error = (data as { error?: { errors?: { reason?: unknown }[] } } | null)?.error
  const reason = error?.errors?.[0]?.reason
  return typeof reason === 'string' ? reason : undefined
}

/** Runs a Google call, turning a 403 rate-limit answer into a retryable `rate_limited` error. */
export async function google<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call()
  } catch (err) {
    if (err instanceof ActionHttpError && err.status === 403) {
      const reason = firstReason(err.data)
      if (reason !== undefined && RATE_LIMIT_REASONS.has(reason)) {
        throw new ActionError({
          type: 'rate_limited',
          code: 'provider_rate_limited',
          message: `${err.message}: ${reason}`,
          retryable: true,
          attribution: 'provider',
        })
      }
    }
    throw err
  }
}

/** A string literal inside a Drive search query (`q`): backslashes and single quotes escaped. */
export function driveQueryString(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`
}
