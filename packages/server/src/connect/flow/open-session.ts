import type { App } from '../../catalog/app-schema.js'
import { randomToken } from '../../lib/random.js'
import type { SessionContext } from '../sessions/connect-sessions.js'
import { finishError } from './finish.js'
import { type ConnectFlowDeps, offeredApp, offeredApps, sessionCookieName, sessionFor } from './flow-deps.js'
import { errorStep, type FlowStep } from './steps.js'

/** What a browser may ask for when it opens the Connect UI with a session code. */
export interface OpenRequest {
  theme?: string | undefined
  redirectUri?: string | undefined
  reconnectId?: string | undefined
  state?: string | undefined
  nonce?: string | undefined
  /** How the result comes back; without it: redirect when a redirect URI is known and no popup nonce is given. */
  mode?: SessionContext['mode'] | undefined
  /** `/connection-popup` extras (docs/api.md). */
  resultFormat?: SessionContext['resultFormat']
  name?: string | undefined
  authOption?: string | undefined
  params?: Record<string, string> | undefined
  allowMultiple?: boolean | undefined
}

const NONCE = /^[A-Za-z0-9_-]{16,128}$/
const CONNECTION_ID = /^[A-Za-z0-9_-]{1,64}$/
const THEME_MODES = new Set(['light', 'dark', 'auto'])

/** `GET /to/{app}?token=…` and `GET /connect?token=…`: redeem the code, bind it to this browser. */
export async function openSession(
  deps: ConnectFlowDeps,
  code: string | undefined,
  appKey: string | null,
  req: OpenRequest,
): Promise<FlowStep> {
  if (!code) return { kind: 'problem', reason: 'not_found' }
  const found = await deps.sessions.peek(code)
  if (typeof found === 'string') return { kind: 'problem', reason: found }
  const partner = await deps.partners.get(found.partnerId)
  if (!partner) return { kind: 'problem', reason: 'not_found' }

  let app: App | undefined
  if (appKey !== null) {
    const offered = await offeredApp(deps, found, partner, appKey)
    if ('kind' in offered) return offered
    app = offered.app
  }
  // redirect_uri: exact match with a registered URI (and the session's own, if it fixed one).
  let mode: SessionContext['mode'] = 'popup'
  let returnUrl: string | null = null
  if (req.redirectUri !== undefined) {
    if (!partner.redirectUris.includes(req.redirectUri) || (found.redirectUri !== null && found.redirectUri !== req.redirectUri)) {
      return errorStep(400, 'This link is not valid', 'The return address is not registered for this application.', app, partner)
    }
    if (req.mode === 'popup') return errorStep(400, 'This link is not valid', 'A popup has no return address.', app, partner)
    mode = 'redirect'
    returnUrl = req.redirectUri
  } else if (found.redirectUri !== null && (req.mode === 'redirect' || (req.mode === undefined && req.nonce === undefined))) {
    // A session minted with a redirect URI returns there unless the URL asks for a popup: `mode=popup`,
    // or the `nonce` that only a popup's message carries (the widget sends one) (docs/connect-ui.md).
    mode = 'redirect'
    returnUrl = found.redirectUri
  } else if (req.mode === 'redirect') {
    return errorStep(400, 'This link is not valid', 'Redirect mode needs a registered return address (redirect_uri).', app, partner)
  }
  let reconnectId = found.reconnectId
  if (req.reconnectId !== undefined) {
    if (found.reconnectId !== null && found.reconnectId !== req.reconnectId) {
      return errorStep(400, 'This link is not valid', 'The connection to reconnect does not match this session.', app, partner)
    }
    reconnectId = req.reconnectId
  }
  let targetMissing = false
  if (reconnectId !== null) {
    const target = CONNECTION_ID.test(reconnectId)
      ? await deps.connections.get({ partnerId: found.partnerId, endUserId: found.endUserId }, reconnectId)
      : undefined
    // Another user's connection is answered exactly like one that does not exist: a terminal
    // not_found outcome, reported like a success would be (below, once the session is redeemed).
    if (!target || (app && target.appKey !== app.key)) {
      targetMissing = true
    } else if (!app) {
      const offered = await offeredApp(deps, found, partner, target.appKey)
      if ('kind' in offered) return offered
      app = offered.app
    }
  }
  if (req.state !== undefined && req.state.length > 2048) {
    return errorStep(400, 'This link is not valid', 'state is too long.', app, partner)
  }
  // Own keys only: `__proto__` or `constructor` is not a configured theme.
  const themes = partner.branding.themes ?? {}
  const theme = req.theme && (THEME_MODES.has(req.theme) || Object.hasOwn(themes, req.theme)) ? req.theme : null
  const context: SessionContext = {
    mode,
    returnUrl,
    resultFormat: req.resultFormat ?? 'patchbay',
    theme,
    ...(app ? { app: app.key } : {}),
    ...(req.name ? { name: req.name.slice(0, 200) } : {}),
    ...(req.authOption ? { authOption: req.authOption } : {}),
    ...(req.params ? { params: req.params } : {}),
  }
  const browserSecret = randomToken('', 32)
  const redeemed = await deps.sessions.redeem(found, browserSecret, context, {
    ...(reconnectId !== found.reconnectId ? { reconnectId } : {}),
    ...(req.state !== undefined && found.customState === null ? { customState: req.state } : {}),
    ...(req.nonce !== undefined && NONCE.test(req.nonce) ? { nonce: req.nonce } : {}),
    ...(req.allowMultiple !== undefined ? { allowMultiple: req.allowMultiple } : {}),
  })
  if (typeof redeemed === 'string') return { kind: 'problem', reason: redeemed }
  if (targetMissing) return finishError(deps, redeemed, partner, app, 'not_found', 'The connection to reconnect does not exist.')
  // The code leaves the address bar: the browser goes on at a URL without it.
  const url = app ? `/connect/${redeemed.id}/${app.key}` : `/connect/${redeemed.id}`
  return { kind: 'redirect', url, cookie: { name: sessionCookieName(redeemed.id), value: browserSecret, sessionId: redeemed.id } }
}

/** The app picker, or straight to the app when the session offers one. */
export async function picker(deps: ConnectFlowDeps, sessionId: string, browserSecret: string | undefined): Promise<FlowStep> {
  const ctx = await sessionFor(deps, sessionId, browserSecret)
  if (ctx.kind) return ctx
  const apps = await offeredApps(deps, ctx.session, ctx.partner)
  if (apps.length === 1) return { kind: 'redirect', url: `/connect/${sessionId}/${(apps[0] as App).key}` }
  return { kind: 'picker', session: ctx.session, partner: ctx.partner, apps }
}
