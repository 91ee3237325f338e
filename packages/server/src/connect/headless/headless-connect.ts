import type { App, AuthOption } from '../../catalog/app-schema.js'
import type { Owner } from '../../connections/connection-types.js'
import { validateCredentialInput } from '../../credentials/create-from-credentials.js'
import { PatchbayError } from '../../errors.js'
import { randomToken } from '../../lib/random.js'
import type { Partner } from '../../partners/partner-store.js'
import { finishError } from '../flow/finish.js'
import { type ConnectFlowDeps, offeredApp } from '../flow/flow-deps.js'
import { appPage } from '../flow/submit-form.js'
import type { ActiveSession, SessionOutcome } from '../sessions/connect-sessions.js'

// Headless connect (docs/connect-links.md, "Headless connect"): the partner's own UI drives a
// connect session through the REST API. OAuth still runs in the user's browser, started by a
// top-level navigation to Patchbay that binds the session to that browser (docs/security.md);
// typed credentials go from the partner's backend straight to Patchbay, with no browser at all.

export interface HeadlessRequest {
  /** The session code the partner's backend minted (`POST /v1/connect/sessions`). */
  token: string
  app: string
  authOption?: string | undefined
  params?: Record<string, string> | undefined
}

const REDIRECTING = ['oauth2', 'oauth1'] as const
const TYPED = ['api_key', 'basic', 'oauth2_client_credentials'] as const

/** The unredeemed session behind a code, if it is this end user's; else the error the API answers. */
async function ownedSession(deps: ConnectFlowDeps, owner: Owner, code: string): Promise<{ session: ActiveSession; partner: Partner }> {
  const found = await deps.sessions.peek(code)
  if (
    found === 'not_found' ||
    (typeof found !== 'string' && (found.partnerId !== owner.partnerId || found.endUserId !== owner.endUserId))
  ) {
    throw new PatchbayError('PB_ERR_NOT_FOUND', 'token: no such connect session for this end user')
  }
  if (found === 'used') throw new PatchbayError('PB_ERR_CONFLICT', 'token: the connect session was already used')
  if (found === 'expired') throw new PatchbayError('PB_ERR_CONFLICT', 'token: the connect session expired')
  const partner = await deps.partners.get(found.partnerId)
  if (!partner) throw new PatchbayError('PB_ERR_NOT_FOUND', 'token: no such connect session for this end user')
  return { session: found, partner }
}

async function chooseOption(
  deps: ConnectFlowDeps,
  session: ActiveSession,
  partner: Partner,
  req: HeadlessRequest,
  kinds: readonly AuthOption['type'][],
  route: string,
): Promise<{ app: App; option: AuthOption }> {
  const offered = await offeredApp(deps, session, partner, req.app)
  if ('kind' in offered) throw new PatchbayError('PB_ERR_VALIDATION', `app: ${req.app} is not available in this connect session`)
  const options = offered.options.filter((o) => kinds.includes(o.type))
  const option =
    req.authOption === undefined ? (options.length === 1 ? options[0] : undefined) : options.find((o) => o.key === req.authOption)
  if (!option) {
    const keys = options.map((o) => o.key).join(', ') || 'none'
    throw new PatchbayError('PB_ERR_VALIDATION', `auth_option: name one of the ${req.app} options ${route} takes (${keys})`)
  }
  return { app: offered.app, option }
}

function checkInput(app: App, option: AuthOption, params: Record<string, string>, credentials: Record<string, string>) {
  const validated = validateCredentialInput(app, option, { params, credentials })
  if (!validated.ok) {
    throw new PatchbayError('PB_ERR_VALIDATION', validated.errors.map((e) => `${e.in}.${e.key}: ${e.message}`).join('; '))
  }
  return validated
}

/**
 * `POST /v1/connect/sessions/authorize`: checks the choice now (app, auth option, connection
 * parameters) and answers the URL the partner sends the user's browser to. It is Patchbay's own
 * `/to/{app}` URL: opening it redeems the session for that browser (HttpOnly cookie), then redirects
 * at once to the provider with state and PKCE. No Patchbay page is shown.
 */
export async function headlessAuthorizeUrl(
  deps: ConnectFlowDeps,
  owner: Owner,
  req: HeadlessRequest,
): Promise<{ url: string; session: ActiveSession }> {
  const { session, partner } = await ownedSession(deps, owner, req.token)
  const { app, option } = await chooseOption(deps, session, partner, req, REDIRECTING, 'authorize')
  const { params } = checkInput(app, option, req.params ?? {}, {})
  const query = new URLSearchParams({ token: req.token, auth_option: option.key })
  if (Object.keys(params).length > 0) query.set('params', JSON.stringify(params))
  return { url: `${deps.config.publicUrl}/to/${encodeURIComponent(app.key)}?${query}`, session }
}

/**
 * `POST /v1/connect/sessions/credentials`: the partner's backend submits what its own form collected.
 * The session is redeemed here (no browser will ever hold it), the credentials are checked with the
 * app and the connection stored exactly as the Connect UI form does; the session ends either way.
 */
export async function headlessSubmitCredentials(
  deps: ConnectFlowDeps,
  owner: Owner,
  req: HeadlessRequest & { credentials: Record<string, string> },
): Promise<{ session: ActiveSession; outcome: SessionOutcome }> {
  const { session, partner } = await ownedSession(deps, owner, req.token)
  const { app, option } = await chooseOption(deps, session, partner, req, TYPED, 'credentials')
  const { params, credentials } = checkInput(app, option, req.params ?? {}, req.credentials)
  // Counted per end user, as `POST /v1/connections` does, before the session is redeemed (a refused
  // call leaves it usable): the partner's backend calls for all its users from one address, so the
  // Connect UI's per-IP budget would make every user of a busy partner wait (docs/operations.md).
  const attempt = await deps.credentialAttempts.take(`user:${owner.partnerId}:${owner.endUserId}`)
  if (!attempt.allowed) {
    const retry = String(attempt.retryAfterSeconds)
    throw new PatchbayError('PB_ERR_RATE_LIMITED', `too many credential checks for this user, retry in ${retry} seconds`, {
      headers: { 'Retry-After': retry },
    })
  }
  const secret = randomToken('', 32)
  // connection_popup: a rejected credential ends the session with an error instead of a form again.
  const redeemed = await deps.sessions.redeem(session, secret, {
    mode: 'popup',
    returnUrl: null,
    resultFormat: 'connection_popup',
    theme: null,
    app: app.key,
    authOption: option.key,
  })
  if (typeof redeemed === 'string') throw new PatchbayError('PB_ERR_CONFLICT', 'token: the connect session was already used')
  const input = { ...(params as Record<string, string>), ...(credentials as Record<string, string>) }
  const step = await appPage(deps, redeemed.id, app.key, secret, undefined, option.key, input)
  if (step.kind === 'result') return { session: redeemed, outcome: step.outcome }
  if (step.kind === 'error' && step.status === 429) {
    await finishError(deps, redeemed, partner, app, 'rate_limited', 'Too many attempts to connect.')
    throw new PatchbayError('PB_ERR_RATE_LIMITED', `too many credential attempts for ${app.name}; mint a new session later`)
  }
  const message = step.kind === 'error' ? step.message : 'The credentials could not be used.'
  const ended = await finishError(deps, redeemed, partner, app, 'invalid_request', message)
  if (ended.kind === 'result') return { session: redeemed, outcome: ended.outcome }
  throw new PatchbayError('PB_ERR_INTERNAL')
}
