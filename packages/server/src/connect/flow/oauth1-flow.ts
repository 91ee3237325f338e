import type { App, OAuth1Option } from '../../catalog/app-schema.js'
import { allowedHostsFor, renderUrl } from '../../catalog/template.js'
import type { Credentials } from '../../connections/connection-types.js'
import { credentialValues } from '../../credentials/inject.js'
import type { PartnerApp } from '../../partners/partner-apps.js'
import * as oauth1 from '../../provider-oauth/oauth1/index.js'
import { AppNotConfiguredError } from '../../provider-oauth/oauth2/endpoints.js'
import type { ActiveSession } from '../sessions/connect-sessions.js'
import { CredentialCheckError, checkCredentials } from './credential-check.js'
import { callbackFailed, finish, finishError } from './finish.js'
import { type ConnectFlowDeps, oauthRedirectUri } from './flow-deps.js'
import { flowDone, takeFlow } from './provider-callback.js'
import { type FlowStep, unknownFlow } from './steps.js'

// OAuth 1.0a with a provider: the start (request token, authorization URL) and the callback
// (verifier, access token, credential check, finish).

/** Gets a request token, saves the flow under it and returns the provider's authorization URL. */
export async function startOAuth1(
  deps: ConnectFlowDeps,
  session: ActiveSession,
  app: App,
  option: OAuth1Option,
  params: Record<string, string>,
  partnerApp: PartnerApp | undefined,
  browserSecret: string,
): Promise<string> {
  if (!partnerApp?.clientId || !partnerApp.clientSecret) {
    throw new AppNotConfiguredError(`${app.name} has no OAuth consumer configured for this partner.`)
  }
  const allowHttp = (host: string) => deps.addressPolicy.allowsPlainHttp(host)
  const hosts = allowedHostsFor(app, partnerApp.settings)
  const values = { params, settings: partnerApp.settings }
  const consumer = { key: partnerApp.clientId, secret: partnerApp.clientSecret }
  const requestToken = await oauth1.requestToken(deps.http, {
    url: renderUrl(option.request_token_url, values, hosts, { allowHttp }).toString(),
    consumer,
    callbackUrl: oauthRedirectUri(deps.config, 'oauth1', app),
    signatureMethod: option.signature_method,
  })
  // The request token is the flow's key: the callback brings it back as oauth_token.
  await deps.oauthFlows.save({
    sessionId: session.id,
    appKey: app.key,
    authOption: option.key,
    state: requestToken.token,
    browserSecret,
    secrets: { tokenSecret: requestToken.tokenSecret },
    context: { params, issuer: null, issRequired: false },
  })
  return oauth1.buildAuthorizationUrl({
    url: renderUrl(option.authorization_url, values, hosts, { allowHttp }).toString(),
    token: requestToken.token,
    ...(option.authorization_params ? { extraParams: option.authorization_params } : {}),
  })
}

/** `GET /oauth1/callback/{app}`: `oauth_token` and `oauth_verifier` are both required. */
export async function oauth1Callback(
  deps: ConnectFlowDeps,
  appKey: string,
  query: Record<string, unknown>,
  cookies: Record<string, string | undefined>,
): Promise<FlowStep> {
  const flow = await takeFlow(deps, query.oauth_token, appKey, cookies)
  if (!flow) return unknownFlow()
  if (flow.done) return flowDone(deps, flow)
  const { session, partner, app, context } = flow
  const option = flow.option as OAuth1Option
  let callback: { token: string; verifier: string }
  try {
    callback = oauth1.readCallback(query)
  } catch (err) {
    const denied = err instanceof oauth1.OAuth1Error && err.code === 'PB_OAUTH1_DENIED'
    return finishError(
      deps,
      session,
      partner,
      app,
      denied ? 'access_denied' : 'invalid_request',
      denied ? 'The authorization was denied.' : 'The authorization response has no oauth_verifier.',
    )
  }
  const partnerApp = await deps.partnerApps.get(partner.id, app.key)
  if (!partnerApp?.clientId || !partnerApp.clientSecret)
    return finishError(deps, session, partner, app, 'server_error', `${app.name} is not configured.`)
  const consumer = { key: partnerApp.clientId, secret: partnerApp.clientSecret }
  const allowHttp = (host: string) => deps.addressPolicy.allowsPlainHttp(host)
  const hosts = allowedHostsFor(app, partnerApp.settings)
  try {
    const access = await oauth1.accessToken(deps.http, {
      url: renderUrl(option.access_token_url, { params: context.params, settings: partnerApp.settings }, hosts, { allowHttp }).toString(),
      consumer,
      token: callback.token,
      tokenSecret: flow.secrets.tokenSecret as string,
      verifier: callback.verifier,
      signatureMethod: option.signature_method,
    })
    const credentials: Credentials = { oauth_token: access.token, oauth_token_secret: access.tokenSecret }
    const checked = await checkCredentials({
      app,
      option,
      values: { params: context.params, credentials: credentialValues(credentials), metadata: access.extra },
      allowedHosts: hosts,
      http: deps.http,
      policy: deps.addressPolicy,
      sign: (method, url) => ({
        authorization: oauth1.signedAuthorizationHeader({
          method,
          url,
          consumer,
          token: access.token,
          tokenSecret: access.tokenSecret,
          signatureMethod: option.signature_method,
        }),
      }),
    })
    return finish(deps, session, partner, app, {
      appKey: app.key,
      authOption: option.key,
      authType: option.type,
      accountIdentifier: checked.accountIdentifier,
      scopes: [],
      params: context.params,
      metadata: { ...access.extra, ...checked.metadata },
      credentials,
      expiresAt: null,
      ...(session.context.name ? { name: session.context.name } : {}),
    })
  } catch (err) {
    if (err instanceof oauth1.OAuth1Error) return finishError(deps, session, partner, app, 'token_exchange_failed', err.message)
    if (err instanceof CredentialCheckError) return finishError(deps, session, partner, app, 'credential_check_failed', err.message)
    return callbackFailed(deps, session, partner, app, err)
  }
}
