import { actionFailure, type RunError } from '@patchbay/catalog'
import { CredentialRevokedError } from '../credentials/credential-service.js'
import { PatchbayError } from '../errors.js'

/** The error object of a run (docs/actions.md, "Errors"); an app's refusal is read by the catalog's `actionFailure`. */
export type RunErrorJson = RunError

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

/** The action declares scopes its connection was not granted (checked before any call). */
export class MissingScopesError extends Error {
  constructor(
    readonly connectionId: string,
    readonly missing: string[],
  ) {
    super(
      `the connection was not granted ${missing.length === 1 ? 'the scope' : 'the scopes'} ${missing.join(', ')} that this action needs`,
    )
  }
}

export class RunAbort extends Error {
  constructor(readonly reason: 'canceled' | 'timed_out') {
    super(reason === 'canceled' ? 'the run was canceled' : 'the run took longer than its timeout')
  }
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
  if (err instanceof MissingScopesError) {
    return {
      status: 'requires_action',
      error: {
        type: 'permission',
        code: 'missing_scope',
        message: err.message,
        retryable: false,
        missing_scopes: err.missing,
        attribution: 'connection',
      },
    }
  }
  const failure = actionFailure(err)
  // The app refused the call for a scope the connection lacks (RFC 6750 insufficient_scope, GitHub's
  // scope headers): only the user can grant it, so the run asks for them (docs/actions.md, "Missing scopes").
  if (failure?.error.code === 'missing_scope') return { status: 'requires_action', ...failure }
  if (failure) return { status: 'failed', ...failure }
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
