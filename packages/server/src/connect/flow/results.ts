import type { ActiveSession, SessionOutcome } from '../sessions/connect-sessions.js'

/**
 * Where a redirect-mode session sends the browser back: the registered return URL with the result
 * in the query. Patchbay's own format: connection_id, app, operation, state — or error,
 * error_description, app, state. The `/connection-popup` format (docs/api.md): connectionId — or error
 * and errorData (JSON).
 */
export function returnUrlFor(session: ActiveSession, outcome: SessionOutcome): string | null {
  const target = session.context.returnUrl
  if (!target) return null
  const url = new URL(target)
  const set = (k: string, v: string | null | undefined) => {
    if (v !== undefined && v !== null) url.searchParams.set(k, v)
  }
  if (session.context.resultFormat === 'connection_popup') {
    if (outcome.status === 'success') set('connectionId', outcome.connection_id)
    else {
      set('error', outcome.error_description ?? outcome.error)
      set('errorData', JSON.stringify({ type: outcome.error, message: outcome.error_description, app: outcome.app }))
    }
  } else if (outcome.status === 'success') {
    set('connection_id', outcome.connection_id)
    set('app', outcome.app)
    set('operation', outcome.operation)
  } else {
    set('error', outcome.error)
    set('error_description', outcome.error_description)
    set('app', outcome.app)
  }
  set('state', session.customState)
  return url.toString()
}

/** What the popup posts to its opener: ids and the session nonce, never a secret. */
export function resultMessage(session: ActiveSession, outcome: SessionOutcome) {
  return {
    type: 'patchbay:connect' as const,
    status: outcome.status,
    app: outcome.app,
    ...(outcome.status === 'success'
      ? { connection_id: outcome.connection_id, operation: outcome.operation, account_identifier: outcome.account_identifier ?? null }
      : { error: outcome.error, error_description: outcome.error_description }),
    ...(session.customState ? { state: session.customState } : {}),
    nonce: session.nonce,
    session_id: session.id,
  }
}
