import * as oauth from 'oauth4webapi'
import type { App, OAuth2Option } from '../../catalog/app-schema.js'
import { allowedHostsFor, isHostAllowed } from '../../catalog/template.js'
import type { Credentials } from '../../connections/connection-types.js'
import { credentialValues } from '../../credentials/inject.js'
import { randomToken } from '../../lib/random.js'
import { upgradedScopes, upgradeRequest } from '../../connections/scope-upgrade.js'
import type { PartnerApp } from '../../partners/partner-apps.js'
import { buildAuthorizationUrl } from '../../provider-oauth/oauth2/authorization-url.js'
import { AppNotConfiguredError, endpointUrl, resolveOAuth2Endpoints } from '../../provider-oauth/oauth2/endpoints.js'
import { buildTokenRequest, ProviderTokenError, requestTokens } from '../../provider-oauth/oauth2/token-endpoint.js'
import type { ActiveSession } from '../sessions/connect-sessions.js'
import { CredentialCheckError, checkCredentials } from './credential-check.js'
import { callbackFailed, finish, finishError } from './finish.js'
import { type ConnectFlowDeps, oauthRedirectUri } from './flow-deps.js'
import { flowDone, takeFlow } from './provider-callback.js'
import { type FlowStep, unknownFlow } from './steps.js'

// OAuth 2.0 authorization code (+ PKCE) with a provider: the start (state, verifier, the
// authorization URL) and the callback (checks, token request, credential check, finish).

/** Saves the flow and returns the provider's authorization URL. */
export async function startOAuth2(
  deps: ConnectFlowDeps,
  session: ActiveSession,
  app: App,
  option: OAuth2Option,
  params: Record<string, string>,
  partnerApp: PartnerApp | undefined,
  browserSecret: string,
): Promise<string> {
  if (!partnerApp?.clientId) throw new AppNotConfiguredError(`${app.name} has no OAuth client configured for this partner.`)
  const ep = await resolveOAuth2Endpoints(app, option, partnerApp, deps)
  const upgrade = await upgradeOf(deps, session, option)
  const state = randomToken('', 32)
  const codeVerifier = oauth.generateRandomCodeVerifier()
  const url = buildAuthorizationUrl({
    app,
    option,
    clientId: partnerApp.clientId,
    redirectUri: oauthRedirectUri(deps.config, 'oauth2', app),
    state,
    ...(option.pkce ? { codeChallenge: await oauth.calculatePKCECodeChallenge(codeVerifier) } : {}),
    ...(upgrade ? { scopes: upgrade.scopes, extraParams: upgrade.extraParams } : partnerApp.scopes ? { scopes: partnerApp.scopes } : {}),
    params,
    settings: partnerApp.settings,
    ...(ep.authorizationEndpoint ? { authorizationEndpoint: ep.authorizationEndpoint } : {}),
    allowedHosts: ep.allowedHosts,
    allowHttp: (host: string) => deps.addressPolicy.allowsPlainHttp(host),
  })
  await deps.oauthFlows.save({
    sessionId: session.id,
    appKey: app.key,
    authOption: option.key,
    state,
    browserSecret,
    secrets: { codeVerifier },
    context: { params, issuer: ep.issuer ?? null, issRequired: ep.issRequired },
  })
  return url.toString()
}

/** `GET /oauth2/callback/{app}`. */
export async function oauth2Callback(
  deps: ConnectFlowDeps,
  appKey: string,
  query: Record<string, unknown>,
  cookies: Record<string, string | undefined>,
): Promise<FlowStep> {
  const flow = await takeFlow(deps, query.state, appKey, cookies)
  if (!flow) return unknownFlow()
  if (flow.done) return flowDone(deps, flow)
  const { session, partner, app, context } = flow
  const option = flow.option as OAuth2Option
  const one = (name: string) => (typeof query[name] === 'string' ? (query[name] as string) : undefined)
  // The authorization response is checked here rather than by oauth4webapi's validateAuthResponse:
  // the state was already matched by its hash (single use, bound to this browser's cookie), which
  // an equality check cannot do, and validateAuthResponse wants an authorization server with an
  // issuer while most catalog apps publish no metadata. RFC 9207: the issuer that answered must be
  // the one we sent the user to, and must be named when its metadata says it will be.
  const iss = one('iss')
  if ((iss !== undefined && context.issuer !== null && iss !== context.issuer) || (iss === undefined && context.issRequired)) {
    return finishError(deps, session, partner, app, 'invalid_request', 'The authorization response came from an unexpected issuer.')
  }
  const providerError = one('error')
  if (providerError !== undefined) {
    const code = /^[a-z_]{1,64}$/.test(providerError) ? providerError : 'server_error'
    const description =
      code === 'access_denied'
        ? 'The authorization was denied.'
        : (one('error_description')?.slice(0, 300) ?? `${app.name} returned ${code}.`)
    return finishError(deps, session, partner, app, code, description)
  }
  const code = one('code')
  if (!code) return finishError(deps, session, partner, app, 'invalid_request', 'The authorization response has no code.')
  const partnerApp = await deps.partnerApps.get(partner.id, app.key)
  if (!partnerApp?.clientId) return finishError(deps, session, partner, app, 'server_error', `${app.name} is not configured.`)
  try {
    const upgrade = await upgradeOf(deps, session, option)
    const ep = await resolveOAuth2Endpoints(app, option, partnerApp, deps)
    const tokenUrl = endpointUrl(
      ep.tokenEndpoint as string,
      { params: context.params, settings: partnerApp.settings },
      ep,
      deps.addressPolicy,
    )
    const tokens = await requestTokens(
      deps.http,
      option,
      buildTokenRequest(
        option,
        tokenUrl.toString(),
        { clientId: partnerApp.clientId, clientSecret: partnerApp.clientSecret },
        {
          grant_type: 'authorization_code',
          code,
          redirect_uri: oauthRedirectUri(deps.config, 'oauth2', app),
          ...(option.pkce ? { code_verifier: flow.secrets.codeVerifier as string } : {}),
        },
      ),
    )
    const credentials: Credentials = {
      access_token: tokens.accessToken,
      refresh_token: tokens.refreshToken,
      token_type: tokens.tokenType,
      id_token: tokens.idToken,
    }
    const metadata = checkedMetadata(app, tokens.metadata)
    const checked = await checkCredentials({
      app,
      option,
      values: { params: context.params, credentials: credentialValues(credentials), metadata, settings: partnerApp.settings },
      allowedHosts: ep.allowedHosts,
      http: deps.http,
      policy: deps.addressPolicy,
      ...(ep.userinfoEndpoint ? { userinfoEndpoint: ep.userinfoEndpoint } : {}),
    })
    return finish(deps, session, partner, app, {
      appKey: app.key,
      authOption: option.key,
      authType: option.type,
      accountIdentifier: checked.accountIdentifier,
      scopes: upgrade
        ? upgradedScopes(option, upgrade.current, upgrade.scopes, tokens.scopes)
        : (tokens.scopes ?? partnerApp.scopes ?? option.scopes),
      params: context.params,
      metadata: { ...metadata, ...checked.metadata },
      credentials,
      expiresAt: tokens.expiresAt,
      ...(session.context.name ? { name: session.context.name } : {}),
    })
  } catch (err) {
    if (err instanceof ProviderTokenError) return finishError(deps, session, partner, app, 'token_exchange_failed', err.message)
    if (err instanceof CredentialCheckError) return finishError(deps, session, partner, app, 'credential_check_failed', err.message)
    return callbackFailed(deps, session, partner, app, err)
  }
}

/**
 * A scope-upgrade session's request (docs/api.md, "Upgrading scopes"): the connection's current
 * scopes and what to ask the provider for. Undefined for any other session, or when the connection
 * is gone (the finish then reports not_found).
 */
async function upgradeOf(
  deps: ConnectFlowDeps,
  session: ActiveSession,
  option: OAuth2Option,
): Promise<{ current: string[]; scopes: string[]; extraParams: Record<string, string> } | undefined> {
  if (!session.upgradeScopes || !session.reconnectId) return undefined
  const connection = await deps.connections.get({ partnerId: session.partnerId, endUserId: session.endUserId }, session.reconnectId)
  if (!connection) return undefined
  return { current: connection.scopes, ...upgradeRequest(option, connection.scopes, session.upgradeScopes) }
}

/** Provider-returned URLs kept as metadata (instance URLs) must stay under the app's hosts. */
function checkedMetadata(app: App, metadata: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(metadata)) {
    if (/^https?:\/\//i.test(v)) {
      const url = new URL(v)
      if (url.protocol !== 'https:' || !isHostAllowed(url.hostname, allowedHostsFor(app))) {
        throw new ProviderTokenError('invalid_response', `the provider returned ${k} on a host that is not allowed for ${app.name}`)
      }
    }
    out[k] = v
  }
  return out
}
