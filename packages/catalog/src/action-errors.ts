import { ActionError, type ActionErrorAttribution, type ActionErrorType, ActionHttpError } from './define-action.js'
import { retryAfterMs } from './lib/retry-after.js'

// How what an action throws becomes a run's error object (docs/actions.md, "Errors"). It lives with the
// authoring contract so the engine and the fixture replay (docs/actions.md, "Fixtures") decide alike.

/** The error object of a run. */
export interface RunError {
  type: ActionErrorType
  code: string
  message: string
  retryable: boolean
  /** Seconds, when the app said when to come back. */
  retry_after?: number
  /** The app's HTTP status, when the app answered. */
  provider_status?: number
  /** validation: the field the app refused, as the app names it. */
  field?: string
  /** permission: the scopes the connection lacks for this call, when the app says which. */
  missing_scopes?: string[]
  attribution: ActionErrorAttribution
}

/** An action's failure as the engine reads it; `retryAfterMs` when the app said when to come back. */
export interface ActionFailure {
  error: RunError
  retryAfterMs?: number
}

/**
 * A short message from an app's error body (`message`, `error.message`, `error_description`, `error`,
 * `detail`; the first entry of a list, as Salesforce answers), never its whole body.
 */
function providerMessage(data: unknown): string | undefined {
  if (Array.isArray(data)) return providerMessage(data[0])
  // A short plain-text answer is the message itself (Trello); an HTML page or a long text is not shown.
  if (typeof data === 'string') return data !== '' && data.length <= 300 && !data.includes('<') ? data.trim() : undefined
  if (typeof data !== 'object' || data === null) return undefined
  const d = data as Record<string, unknown>
  const nested = typeof d.error === 'object' && d.error !== null ? (d.error as Record<string, unknown>).message : undefined
  // Jira: { errorMessages: [...], errors: { field: message } }.
  const jira = Array.isArray(d.errorMessages) ? d.errorMessages[0] : undefined
  const fieldErrors =
    typeof d.errors === 'object' && d.errors !== null && !Array.isArray(d.errors)
      ? Object.entries(d.errors as Record<string, unknown>)
          .map(([k, v]) => `${k}: ${String(v)}`)
          .join('; ')
      : undefined
  const found = [d.message, nested, d.error_description, jira, fieldErrors, d.error, d.detail].find(
    (v) => typeof v === 'string' && v !== '',
  )
  return typeof found === 'string' ? found.slice(0, 300) : undefined
}

/**
 * The field an app's validation error names, from the documented error shapes: GitHub
 * `errors[].field`, Stripe `error.param`, Salesforce `[{ fields: [...] }]`, Jira `errors: { field }`,
 * Zendesk `details: { field }`.
 */
function refusedField(data: unknown): string | undefined {
  const first = (v: unknown) => (typeof v === 'string' && v !== '' ? v.slice(0, 200) : undefined)
  if (Array.isArray(data)) {
    const fields = (data[0] as { fields?: unknown } | undefined)?.fields
    return Array.isArray(fields) ? first(fields[0]) : undefined
  }
  if (typeof data !== 'object' || data === null) return undefined
  const d = data as Record<string, unknown>
  const list = Array.isArray(d.errors) ? (d.errors[0] as { field?: unknown } | undefined)?.field : undefined
  const stripe = typeof d.error === 'object' && d.error !== null ? (d.error as { param?: unknown }).param : undefined
  const keyOf = (v: unknown) => (typeof v === 'object' && v !== null && !Array.isArray(v) ? Object.keys(v)[0] : undefined)
  return first(list) ?? first(stripe) ?? first(keyOf(d.errors)) ?? first(keyOf(d.details))
}

/**
 * The scopes a refused call needed, when the app says: RFC 6750's `WWW-Authenticate: Bearer
 * error="insufficient_scope", scope="…"` (Google and others), or GitHub's `X-Accepted-OAuth-Scopes`
 * (what the endpoint accepts) against `X-OAuth-Scopes` (what the token has). Headers by lower-case
 * name. Undefined when the answer says nothing of scopes; empty when it names none. The proxy reads
 * the same signals (docs/proxy.md, "Missing scopes").
 */
export function missingScopesIn(headers: Readonly<Record<string, string | undefined>>): string[] | undefined {
  const challenge = headers['www-authenticate'] ?? ''
  if (/\berror\s*=\s*"?insufficient_scope"?/i.test(challenge)) {
    const scope = /\bscope\s*=\s*"([^"]*)"/i.exec(challenge)?.[1]
    return scope ? scope.split(/\s+/).filter((s) => s !== '') : []
  }
  const accepted = headers['x-accepted-oauth-scopes']
  if (accepted === undefined || accepted.trim() === '') return undefined
  const granted = new Set((headers['x-oauth-scopes'] ?? '').split(',').map((s) => s.trim()))
  const wanted = accepted
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
  // Any one accepted scope is enough; none granted means all of them are candidates.
  return wanted.some((s) => granted.has(s)) ? undefined : wanted
}

function fromHttp(err: ActionHttpError): ActionFailure {
  const status = err.status
  const said = providerMessage(err.data)
  const message = said ? `${err.message}: ${said}` : err.message
  const base = { message, provider_status: status, retryable: false }
  // GitHub and others answer a rate limit with 403 and say when to come back (Retry-After, or the
  // window's reset time in epoch seconds with nothing left in it): a rate limit, not a refusal.
  const limited403 = status === 403 && (err.headers['retry-after'] !== undefined || err.headers['x-ratelimit-remaining'] === '0')
  if (status === 429 || limited403) {
    const reset = Number(err.headers['x-ratelimit-reset'])
    const wait =
      retryAfterMs(err.headers['retry-after']) ??
      (err.headers['x-ratelimit-remaining'] === '0' && Number.isInteger(reset) && reset > 1e9
        ? Math.max(0, reset * 1000 - Date.now())
        : undefined)
    return {
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
  if (status === 400 || status === 422) {
    const field = refusedField(err.data)
    return { error: { ...base, type: 'validation', code: 'provider_rejected_input', attribution: 'user', ...(field ? { field } : {}) } }
  }
  const scopes = status === 401 || status === 403 ? missingScopesIn(err.headers) : undefined
  if (scopes !== undefined) {
    return {
      error: {
        ...base,
        type: 'permission',
        code: 'missing_scope',
        attribution: 'connection',
        ...(scopes.length > 0 ? { missing_scopes: scopes } : {}),
      },
    }
  }
  if (status === 401) return { error: { ...base, type: 'auth', code: 'provider_unauthorized', attribution: 'connection' } }
  if (status === 403) return { error: { ...base, type: 'permission', code: 'provider_forbidden', attribution: 'connection' } }
  if (status === 404 || status === 410) return { error: { ...base, type: 'not_found', code: 'provider_not_found', attribution: 'user' } }
  if (status >= 500) return { error: { ...base, type: 'provider', code: 'provider_error', retryable: true, attribution: 'provider' } }
  return { error: { ...base, type: 'provider', code: 'provider_refused', attribution: 'provider' } }
}

/** The run error for an app's refusal or an action's own {@link ActionError}; undefined for anything else. */
export function actionFailure(err: unknown): ActionFailure | undefined {
  if (err instanceof ActionHttpError) return fromHttp(err)
  if (err instanceof ActionError) {
    const wait = err.retryAfterSeconds
    return {
      error: {
        type: err.type,
        code: err.code,
        message: err.message,
        retryable: err.retryable,
        attribution: err.attribution,
        ...(err.providerStatus !== undefined ? { provider_status: err.providerStatus } : {}),
        ...(wait !== undefined ? { retry_after: Math.ceil(wait) } : {}),
        ...(err.field !== undefined ? { field: err.field } : {}),
        ...(err.missingScopes !== undefined ? { missing_scopes: err.missingScopes } : {}),
      },
      ...(wait !== undefined ? { retryAfterMs: wait * 1000 } : {}),
    }
  }
  return undefined
}
