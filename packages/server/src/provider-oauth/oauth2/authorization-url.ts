import type { App, AuthOption, OAuth2Option } from '../../catalog/app-schema.js'
import { connectionParamsFor, renderTemplate, renderUrl } from '../../catalog/template.js'

export interface AuthorizationUrlInput {
  app: App
  /** Must be an `oauth2` option of `app`. */
  option: AuthOption
  /** The partner's OAuth client id for this app. */
  clientId: string
  /** Patchbay's callback URL registered with the provider. */
  redirectUri: string
  state: string
  /** BASE64URL(SHA-256(code_verifier)); required when the option uses PKCE, ignored otherwise. */
  codeChallenge?: string
  /** Overrides the option's default scopes (the partner's configured scopes). */
  scopes?: readonly string[]
  /** Connection parameters, already validated by `validateConnectionParams` (checked again here). */
  params: Readonly<Record<string, string>>
  metadata?: Readonly<Record<string, string>>
  /** The partner's settings for this app (e.g. the OIDC issuer). */
  settings?: Readonly<Record<string, string>>
  /** The authorization endpoint from the issuer's discovery document, for `discovery` options. */
  authorizationEndpoint?: string
  /** Hosts the URL may use; defaults to `app.api.allowed_hosts` (see `allowedHostsFor`). */
  allowedHosts?: readonly string[]
  /** Plain http for hosts the outbound address policy allows (local development and tests only). */
  allowHttp?: (hostname: string) => boolean
  /** More authorization parameters, after the option's own: a scope upgrade's `incremental_authorization` (docs/api.md, "Upgrading scopes"). */
  extraParams?: Readonly<Record<string, string>>
}

/**
 * Builds the URL that sends the user to the provider (RFC 6749 §4.1.1, RFC 7636 §4.3): the option's
 * rendered authorization_url (checked: https, allowed host) plus response_type=code, client_id,
 * redirect_uri, state, the scopes under the option's scope parameter joined by its separator,
 * code_challenge with S256 when the option uses PKCE, and the option's own authorization_params.
 * Every value goes through URLSearchParams; nothing is escaped by hand.
 */
export function buildAuthorizationUrl(input: AuthorizationUrlInput): URL {
  const { app, option } = input
  if (option.type !== 'oauth2') throw new TypeError(`input.option: "${option.key}" is a ${option.type} option, not oauth2`)
  if (!app.auth.some((o) => o.key === option.key && o.type === 'oauth2')) {
    throw new TypeError(`input.option: "${option.key}" is not an auth option of app "${app.key}"`)
  }
  for (const name of ['clientId', 'redirectUri', 'state'] as const) {
    if (typeof input[name] !== 'string' || input[name] === '') throw new TypeError(`input.${name} must be a non-empty string`)
  }
  const oauth2: OAuth2Option = option
  if (oauth2.pkce && !input.codeChallenge) throw new TypeError(`input.codeChallenge is required: option "${oauth2.key}" uses PKCE`)

  const template = oauth2.discovery ? input.authorizationEndpoint : (oauth2.authorization_url ?? input.authorizationEndpoint)
  if (!template) {
    throw new TypeError(
      oauth2.discovery
        ? `input.authorizationEndpoint is required: option "${oauth2.key}" takes its endpoints from discovery`
        : `option "${oauth2.key}" has no authorization_url`,
    )
  }
  const values = { params: input.params, metadata: input.metadata ?? {}, settings: input.settings ?? {} }
  const allowedHosts = input.allowedHosts ?? app.api.allowed_hosts
  const url = renderUrl(template, values, allowedHosts, {
    fields: { params: connectionParamsFor(app, oauth2), settings: app.settings ?? [] },
    ...(input.allowHttp ? { allowHttp: input.allowHttp } : {}),
  })

  const query = url.searchParams
  query.set('response_type', 'code')
  query.set('client_id', input.clientId)
  query.set('redirect_uri', input.redirectUri)
  query.set('state', input.state)
  const scopes = input.scopes ?? oauth2.scopes
  if (scopes.length > 0) query.set(oauth2.scope_param, scopes.join(oauth2.scope_separator))
  if (oauth2.pkce) {
    query.set('code_challenge', input.codeChallenge as string)
    query.set('code_challenge_method', 'S256')
  }
  for (const [name, value] of Object.entries(oauth2.authorization_params ?? {})) {
    query.set(name, renderTemplate(value, values))
  }
  for (const [name, value] of Object.entries(input.extraParams ?? {})) query.set(name, value)
  return url
}
