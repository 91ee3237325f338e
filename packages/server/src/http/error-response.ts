import { OAuthError, PatchbayError } from '../errors.js'

/** The part of a logger this needs (pino's and Fastify's request logger both fit). */
interface ErrorLog {
  warn(obj: object, msg: string): void
  error(obj: object, msg: string): void
}

/** 5xx answers that say something outside Patchbay failed (the app, the address policy, a shutdown): not bugs. */
const EXPECTED_5XX = new Set(['PB_ERR_UPSTREAM', 'PB_ERR_OUTBOUND_BLOCKED', 'PB_ERR_NOT_READY'])

/** What a failure looks like to the error mapping: Fastify's errors carry a status, a code and validation details. */
interface FailureDetails {
  statusCode?: number
  code?: string
  validation?: Array<{ instancePath?: string; message?: string }>
  validationContext?: string
}

/**
 * The error a failure is answered with: Patchbay's `{ error: { code, message } }` form, or RFC 6749's
 * on the token endpoint (`oauth`). Failures that are not ours (a bug, a library throwing) become a
 * 500 that says nothing more and are logged at error level with their stack, like our own unexpected
 * 5xx errors. Expected failures (every 4xx, an app that failed) are logged at warn, with their code
 * and status and no stack (docs/operations.md).
 */
export function answerFor(err: unknown, oauth: boolean, log: ErrorLog): PatchbayError | OAuthError {
  let error: PatchbayError | OAuthError
  if (err instanceof PatchbayError || err instanceof OAuthError) {
    error = err
  } else {
    const failure = (typeof err === 'object' && err !== null ? err : {}) as FailureDetails & { message?: string }
    const message = failure.message ?? String(err)
    if (failure.validation) {
      const detail = failure.validation[0]
      const path = `${failure.validationContext ?? 'body'}${detail?.instancePath?.replaceAll('/', '.') ?? ''}`
      const text = `${path} ${detail?.message ?? 'is invalid'}`
      error = oauth ? new OAuthError('invalid_request', text) : new PatchbayError('PB_ERR_VALIDATION', text)
    } else {
      const status = failure.statusCode ?? 500
      if (status === 413) {
        error = oauth ? new OAuthError('invalid_request', 'request body too large') : new PatchbayError('PB_ERR_PAYLOAD_TOO_LARGE')
      } else if (status === 415) {
        error = oauth
          ? new OAuthError('invalid_request', 'the token request must be application/x-www-form-urlencoded')
          : new PatchbayError('PB_ERR_UNSUPPORTED_MEDIA_TYPE')
      } else if (status === 429) {
        error = oauth ? new OAuthError('too_many_requests', message) : new PatchbayError('PB_ERR_RATE_LIMITED')
      } else if (status >= 400 && status < 500) {
        error = oauth
          ? new OAuthError('invalid_request', message)
          : new PatchbayError('PB_ERR_BAD_REQUEST', `${message}${failure.code ? ` (${failure.code})` : ''}`)
      } else {
        log.error({ err }, 'unhandled error')
        return oauth ? new OAuthError('server_error', 'internal error') : new PatchbayError('PB_ERR_INTERNAL')
      }
    }
  }
  const code = error instanceof PatchbayError ? error.code : error.error
  const ours = err instanceof PatchbayError || err instanceof OAuthError
  if (error.status >= 500 && !EXPECTED_5XX.has(code)) {
    log.error({ err }, 'server error')
  } else {
    // Our messages are written to be shown to the caller; a library's (e.g. a JSON parse error) may quote the input.
    log.warn(
      { code, status: error.status, ...(ours ? { detail: error.message } : {}) },
      error.status >= 500 ? 'request failed' : 'request refused',
    )
  }
  return error
}
