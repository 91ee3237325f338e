import type { App, AuthOption, Field } from '../../catalog/app-schema.js'
import { credentialFields } from '../../credentials/create-from-credentials.js'
import type { Partner } from '../../partners/partner-store.js'
import type { ActiveSession, SessionOutcome, SessionProblem } from '../sessions/connect-sessions.js'

export interface FormState {
  values: Record<string, string>
  errors: Record<string, string>
  formError?: string
  selected?: string
}

/** What the route should do next; routes render pages or redirect, nothing else. */
export type FlowStep =
  | { kind: 'problem'; reason: SessionProblem }
  | { kind: 'error'; status: number; title: string; message: string; app?: App; partner?: Partner }
  | { kind: 'redirect'; url: string; cookie?: { name: string; value: string; sessionId: string } }
  | { kind: 'picker'; session: ActiveSession; partner: Partner; apps: App[] }
  | { kind: 'form'; session: ActiveSession; partner: Partner; app: App; options: AuthOption[]; state: FormState; status: number }
  | { kind: 'redirecting'; session: ActiveSession; partner: Partner; app: App; url: string }
  | {
      kind: 'result'
      session: ActiveSession
      partner: Partner
      app: App | undefined
      outcome: SessionOutcome
      /** An unexpected failure behind an error outcome, for the log (never its message: it may quote a provider). */
      failure?: { name: string; code: unknown }
    }

function isSecretField(field: Field): boolean {
  return field.secret === true
}

export function formStep(
  session: ActiveSession,
  partner: Partner,
  app: App,
  options: AuthOption[],
  state: FormState,
  status = 200,
): FlowStep {
  // Secret values are never sent back to the browser.
  const secretKeys = new Set(
    options.flatMap((o) =>
      credentialFields(o)
        .filter(isSecretField)
        .map((f) => f.key),
    ),
  )
  const values = Object.fromEntries(Object.entries(state.values).filter(([k]) => !secretKeys.has(k)))
  return { kind: 'form', session, partner, app, options, state: { ...state, values }, status }
}

export function errorStep(status: number, title: string, message: string, app?: App, partner?: Partner): FlowStep {
  return { kind: 'error', status, title, message, ...(app ? { app } : {}), ...(partner ? { partner } : {}) }
}

/** A callback that matches no flow of this browser: nothing to finish, nobody to tell. */
export function unknownFlow(): FlowStep {
  return errorStep(
    400,
    'This sign-in cannot be completed',
    'The authorization response is unknown, expired, already used, or was started in another browser.',
  )
}
