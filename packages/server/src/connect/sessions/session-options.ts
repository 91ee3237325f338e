import type { Partner } from '../../partners/partner-store.js'

/** What a connect session may be limited to, as the partner asks for it. */
export interface SessionOptionsInput {
  apps?: string[] | undefined
  allowedOrigin?: string | undefined
  redirectUri?: string | undefined
  reconnectId?: string | undefined
  customState?: string | undefined
  allowMultiple?: boolean | undefined
}

export interface SessionOptions {
  apps: string[]
  allowedOrigin: string | null
  redirectUri: string | null
  reconnectId: string | null
  customState: string | null
  /** Keep the user's other connections of the same app instead of replacing them. */
  allowMultiple: boolean
  /** Scopes a scope-upgrade session adds to `reconnectId` (docs/api.md, "Upgrading scopes"). */
  upgradeScopes?: string[] | null
}

export class SessionOptionError extends Error {
  override name = 'SessionOptionError'
  constructor(
    readonly param: 'apps' | 'allowed_origin' | 'redirect_uri' | 'reconnect_id' | 'custom_state',
    message: string,
  ) {
    super(message)
  }
}

export const APP_KEY_PATTERN = /^[a-z0-9][a-z0-9_-]{0,63}$/
const ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/
export const MAX_CUSTOM_STATE = 2048

/**
 * Checks session options against the partner's registration. `redirect_uri` and `allowed_origin`
 * must equal a registered value exactly (no prefix or pattern matching: RFC 9700 §4.1.3).
 */
export function validateSessionOptions(partner: Partner, input: SessionOptionsInput): SessionOptions {
  const apps = input.apps ?? []
  if (apps.length > 50) throw new SessionOptionError('apps', 'apps: at most 50 apps per session')
  for (const app of apps) {
    if (!APP_KEY_PATTERN.test(app)) throw new SessionOptionError('apps', `apps: "${app}" is not a valid app key`)
  }
  if (input.redirectUri !== undefined && !partner.redirectUris.includes(input.redirectUri)) {
    throw new SessionOptionError('redirect_uri', 'redirect_uri does not exactly match a redirect URI registered for this partner')
  }
  if (input.allowedOrigin !== undefined && !partner.allowedOrigins.includes(input.allowedOrigin)) {
    throw new SessionOptionError('allowed_origin', 'allowed_origin does not exactly match an origin registered for this partner')
  }
  if (input.reconnectId !== undefined && !ID_PATTERN.test(input.reconnectId)) {
    throw new SessionOptionError('reconnect_id', 'reconnect_id is not a valid connection id')
  }
  if (input.customState !== undefined && input.customState.length > MAX_CUSTOM_STATE) {
    throw new SessionOptionError('custom_state', `custom_state is longer than ${MAX_CUSTOM_STATE} characters`)
  }
  // One registered origin is the obvious default for where the popup may post its result.
  const allowedOrigin = input.allowedOrigin ?? (partner.allowedOrigins.length === 1 ? (partner.allowedOrigins[0] as string) : null)
  return {
    apps: [...new Set(apps)],
    allowedOrigin,
    redirectUri: input.redirectUri ?? null,
    reconnectId: input.reconnectId ?? null,
    customState: input.customState ?? null,
    allowMultiple: input.allowMultiple ?? false,
  }
}
