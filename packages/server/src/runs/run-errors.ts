import { ActionError, type ActionErrorAttribution, type ActionErrorType, ActionHttpError } from '@patchbay/catalog'
import { CredentialRevokedError } from '../credentials/credential-service.js'
import { PatchbayError } from '../errors.js'
import { retryAfterMs } from '../lib/retry-after.js'

/** The error object of a run (docs/actions.md, "Errors"). */
export interface RunErrorJson {
  type: ActionErrorType
  code: string
  message: string
  retryable: boolean
  /** Seconds, when the app said when to come back. */
  retry_after?: number
  /** The app's HTTP status, when the app answered. */
  provider_status?: number
  attribution: ActionErrorAttribution
}

/** What the engine does with a failed attempt. */
export interface Failure {
  error: RunErrorJson
  /** The run's status when it is not retried. */
  status: 'failed' | 'requires_action' | 'timed_out' | 'canceled'
  /** The app asked to come back later (429 with a readable Retry-After): milliseconds. */
  retryAfterMs?: number
  /** Nothing reached the app: safe to retry whatever the action. */
  neverSent?: boolean
}

// Connection-level failures: the request did not leave this machine, or was refused before any byte
// of it was read (docs/actions.md, "Retries").
const NEVER_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'UND_ERR_CONNECT_TIMEOUT', 'EHOSTUNREACH', 'ENETUNREACH'])

export class RunAbort extends Error {
  constructor(readonly reason: 'canceled' | 'timed_out') {
    super(reason === 'canceled' ? 'the run was canceled' : 'the run took longer than its timeout')
  }
}

/** A short message from an app's error body (`message`, `error.message`, `error_description`, `error`), never its whole body. */
function providerMessage(data: unknown): string | undefined {
  if (typeof data !== 'object' || data === null) return undefined
  const d = data as Record<string, unknown>
  const nested = typeof d.error === 'object' && d.error !== null ? (d.error as Record<string, unknown>).message : undefined
  const found = [d.message, nested, d.error_description, d.error, d.detail].find((v) => typeof v === 'string' && v !== '')
  return typeof found === 'string' ? found.slice(0, 300) : undefined
}

function fromHttp(err: ActionHttpError): Failure {
  const status = err.status
  const said = providerMessage(err.data)
  const message = said ? `${err.message}: ${said}` : err.message
  const base = { message, provider_status: status, retryable: false }
  if (status === 429) {
    const wait = retryAfterMs(err.headers['retry-after'])
    return {
      status: 'failed',
      error: {
        ...base,
        type: 'rate_limited',
        code: 'provider_rate_limited',
        retryable: true,
        attribution: 'provider',
        ...(wait !== undefined ? { retry_after: Math.ceil(wait / 1000) } : {}),
      },
      ...(wait !== undefined ? { retryAfterMs: wait } : {}),
    }
  }
  if (status === 400 || status === 422)
    return { status: 'failed', error: { ...base, type: 'validation', code: 'provider_rejected_input', attribution: 'user' } }
  if (status === 401)
    return { status: 'failed', error: { ...base, type: 'auth', code: 'provider_unauthorized', attribution: 'connection' } }
  if (status === 403)
    return { status: 'failed', error: { ...base, type: 'permission', code: 'provider_forbidden', attribution: 'connection' } }
  if (status === 404 || status === 410)
    return { status: 'failed', error: { ...base, type: 'not_found', code: 'provider_not_found', attribution: 'user' } }
  if (status >= 500)
    return { status: 'failed', error: { ...base, type: 'provider', code: 'provider_error', retryable: true, attribution: 'provider' } }
  return { status: 'failed', error: { ...base, type: 'provider', code: 'provider_refused', attribution: 'provider' } }
}

/** Classifies what an attempt threw (an abort is given by the caller, who knows why it aborted). */
export function classify(err: unknown, abort: RunAbort | undefined): Failure {
  if (abort?.reason === 'canceled') {
    return {
      status: 'canceled',
      error: { type: 'internal', code: 'canceled', message: abort.message, retryable: false, attribution: 'user' },
    }
  }
  if (abort?.reason === 'timed_out') {
    return {
      status: 'timed_out',
      error: { type: 'timeout', code: 'timed_out', message: abort.message, retryable: false, attribution: 'patchbay' },
    }
  }
  if (err instanceof ActionHttpError) return fromHttp(err)
  if (err instanceof ActionError) {
    return {
      status: 'failed',
      error: { type: err.type, code: err.code, message: err.message, retryable: err.retryable, attribution: err.attribution },
    }
  }
  if (err instanceof CredentialRevokedError) {
    return {
      status: 'requires_action',
      error: {
        type: 'auth',
        code: 'connection_needs_reauth',
        message: `the connection needs to be reconnected (${err.reason})`,
        retryable: false,
        attribution: 'connection',
      },
    }
  }
  if (err instanceof PatchbayError) {
    if (err.code === 'PB_ERR_NOT_FOUND') {
      return {
        status: 'failed',
        error: { type: 'not_found', code: 'connection_not_found', message: err.message, retryable: false, attribution: 'user' },
      }
    }
    if (err.code === 'PB_ERR_OUTBOUND_BLOCKED') {
      return {
        status: 'failed',
        error: { type: 'permission', code: 'outbound_blocked', message: err.message, retryable: false, attribution: 'patchbay' },
      }
    }
    if (err.code === 'PB_ERR_UPSTREAM') {
      const cause = (err.cause as { code?: string; cause?: { code?: string } } | undefined) ?? {}
      const neverSent = NEVER_SENT.has(cause.code ?? '') || NEVER_SENT.has(cause.cause?.code ?? '')
      return {
        status: 'failed',
        neverSent,
        error: {
          type: 'provider',
          code: neverSent ? 'provider_unreachable' : 'provider_no_answer',
          message: err.message,
          retryable: true,
          attribution: 'provider',
        },
      }
    }
    if (err.code === 'PB_ERR_PAYLOAD_TOO_LARGE') {
      return {
        status: 'failed',
        error: { type: 'validation', code: 'request_too_large', message: err.message, retryable: false, attribution: 'user' },
      }
    }
  }
  return {
    status: 'failed',
    error: {
      type: 'internal',
      code: 'action_failed',
      message: 'the action failed inside Patchbay',
      retryable: false,
      attribution: 'patchbay',
    },
  }
}
