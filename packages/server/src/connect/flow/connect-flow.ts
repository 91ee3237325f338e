import type { Kysely } from 'kysely'
import * as oauth from 'oauth4webapi'
import type { App, AuthOption, Field, OAuth1Option, OAuth2Option } from '../../catalog/app-schema.js'
import type { Catalog } from '../../catalog/load-catalog.js'
import { allowedHostsFor, connectionParamsFor, renderUrl } from '../../catalog/template.js'
import { needsNoConnection, usableOptions } from '../../catalog/usable-options.js'
import type { Config } from '../../config/config.js'
import type { ConnectionGrant, ConnectionStore, Credentials, StoredGrant } from '../../connections/connection-store.js'
import { credentialFields, grantFromCredentials, validateCredentialInput } from '../../credentials/create-from-credentials.js'
import { credentialValues } from '../../credentials/inject.js'
import type { Database } from '../../db/schema.js'
import { hashSecret, randomToken, secretMatches } from '../../lib/random.js'
import { buildAuthorizationUrl } from '../../provider-oauth/oauth2/authorization-url.js'
import * as oauth1 from '../../provider-oauth/oauth1/index.js'
import type { DiscoveryCache } from '../../provider-oauth/oauth2/discovery.js'
import { AppNotConfiguredError, endpointUrl, resolveOAuth2Endpoints } from '../../provider-oauth/oauth2/endpoints.js'
import { buildTokenRequest, ProviderTokenError, requestTokens } from '../../provider-oauth/oauth2/token-endpoint.js'
import type { AddressPolicy } from '../../outbound/address-policy.js'
import type { SafeHttpClient } from '../../outbound/safe-fetch.js'
import type { PartnerApp, PartnerApps } from '../../partners/partner-apps.js'
import type { Partner, PartnerStore } from '../../partners/partner-store.js'
import type { ActiveSession, ConnectSessions, SessionContext, SessionOutcome, SessionProblem } from '../sessions/connect-sessions.js'
import { oauthFlowSecretsAad } from '../../vault/associated-data.js'
import type { CredentialAttempts } from '../../rate-limit/credential-attempts.js'
import type { Vault } from '../../vault/vault.js'
import { enqueueConnectFailedEvent, enqueueGrantEvents } from '../../webhooks/connection-events.js'
import { CredentialCheckError, checkCredentials } from './credential-check.js'

export interface ConnectFlowDeps {
  config: Config
  db: Kysely<Database>
  catalog: Catalog
  sessions: ConnectSessions
  partners: PartnerStore
  partnerApps: PartnerApps
  connections: ConnectionStore
  vault: Vault
  http: SafeHttpClient
  addressPolicy: AddressPolicy
  discovery: DiscoveryCache
  credentialAttempts: CredentialAttempts
}

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

/** Rolls back a flow's connection when its session already ended with another outcome. */
class SessionAlreadyEnded extends Error {}

/** What a browser may ask for when it opens the Connect UI with a session code. */
export interface OpenRequest {
  theme?: string | undefined
  redirectUri?: string | undefined
  reconnectId?: string | undefined
  state?: string | undefined
  nonce?: string | undefined
  /** How the result comes back; without it: redirect when a redirect URI is known and no popup nonce is given. */
  mode?: SessionContext['mode'] | undefined
  /** connection-popup extras (seed 004). */
  resultFormat?: SessionContext['resultFormat']
  name?: string | undefined
  authOption?: string | undefined
  params?: Record<string, string> | undefined
  allowMultiple?: boolean | undefined
}

const FLOW_TTL_MS = 15 * 60 * 1000
const NONCE = /^[A-Za-z0-9_-]{16,128}$/
const CONNECTION_ID = /^[A-Za-z0-9_-]{1,64}$/
const THEME_MODES = new Set(['light', 'dark', 'auto'])

export function sessionCookieName(sessionId: string): string {
  return `pb_s_${sessionId}`
}

function isSecretField(field: Field): boolean {
  return field.secret === true
}

const paramFields = connectionParamsFor

function oauthRedirectUri(config: Config, kind: 'oauth2' | 'oauth1', app: App): string {
  return `${config.publicUrl}/${kind}/callback/${app.key}`
}

/**
 * The Connect flow: redeeming a session code, choosing an app and an auth option, running the
 * provider's authorization (OAuth2 code + PKCE, OAuth 1.0a) or checking typed credentials, and
 * storing the connection. Every method returns a {@link FlowStep}; nothing here touches HTTP.
 */
export class ConnectFlow {
  constructor(private readonly deps: ConnectFlowDeps) {}

  // ---- opening -------------------------------------------------------------------------------

  /** `GET /to/{app}?token=…` and `GET /connect?token=…`: redeem the code, bind it to this browser. */
  async open(code: string | undefined, appKey: string | null, req: OpenRequest): Promise<FlowStep> {
    if (!code) return { kind: 'problem', reason: 'not_found' }
    const found = await this.deps.sessions.peek(code)
    if (typeof found === 'string') return { kind: 'problem', reason: found }
    const partner = await this.deps.partners.get(found.partnerId)
    if (!partner) return { kind: 'problem', reason: 'not_found' }

    let app: App | undefined
    if (appKey !== null) {
      const offered = await this.offeredApp(found, partner, appKey)
      if ('kind' in offered) return offered
      app = offered.app
    }
    // redirect_uri: exact match with a registered URI (and the session's own, if it fixed one).
    let mode: SessionContext['mode'] = 'popup'
    let returnUrl: string | null = null
    if (req.redirectUri !== undefined) {
      if (!partner.redirectUris.includes(req.redirectUri) || (found.redirectUri !== null && found.redirectUri !== req.redirectUri)) {
        return this.error(400, 'This link is not valid', 'The return address is not registered for this application.', app, partner)
      }
      if (req.mode === 'popup') return this.error(400, 'This link is not valid', 'A popup has no return address.', app, partner)
      mode = 'redirect'
      returnUrl = req.redirectUri
    } else if (found.redirectUri !== null && (req.mode === 'redirect' || (req.mode === undefined && req.nonce === undefined))) {
      // A session minted with a redirect URI returns there unless the URL asks for a popup: `mode=popup`,
      // or the `nonce` that only a popup's message carries (the widget sends one) (docs/connect-ui.md).
      mode = 'redirect'
      returnUrl = found.redirectUri
    } else if (req.mode === 'redirect') {
      return this.error(400, 'This link is not valid', 'Redirect mode needs a registered return address (redirect_uri).', app, partner)
    }
    let reconnectId = found.reconnectId
    if (req.reconnectId !== undefined) {
      if (found.reconnectId !== null && found.reconnectId !== req.reconnectId) {
        return this.error(400, 'This link is not valid', 'The connection to reconnect does not match this session.', app, partner)
      }
      reconnectId = req.reconnectId
    }
    let targetMissing = false
    if (reconnectId !== null) {
      const target = CONNECTION_ID.test(reconnectId)
        ? await this.deps.connections.get({ partnerId: found.partnerId, endUserId: found.endUserId }, reconnectId)
        : undefined
      // Another user's connection is answered exactly like one that does not exist: a terminal
      // not_found outcome, reported like a success would be (below, once the session is redeemed).
      if (!target || (app && target.appKey !== app.key)) {
        targetMissing = true
      } else if (!app) {
        const offered = await this.offeredApp(found, partner, target.appKey)
        if ('kind' in offered) return offered
        app = offered.app
      }
    }
    if (req.state !== undefined && req.state.length > 2048) {
      return this.error(400, 'This link is not valid', 'state is too long.', app, partner)
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
    const redeemed = await this.deps.sessions.redeem(found, browserSecret, context, {
      ...(reconnectId !== found.reconnectId ? { reconnectId } : {}),
      ...(req.state !== undefined && found.customState === null ? { customState: req.state } : {}),
      ...(req.nonce !== undefined && NONCE.test(req.nonce) ? { nonce: req.nonce } : {}),
      ...(req.allowMultiple !== undefined ? { allowMultiple: req.allowMultiple } : {}),
    })
    if (typeof redeemed === 'string') return { kind: 'problem', reason: redeemed }
    if (targetMissing) return this.finishError(redeemed, partner, app, 'not_found', 'The connection to reconnect does not exist.')
    // The code leaves the address bar: the browser goes on at a URL without it.
    const url = app ? `/connect/${redeemed.id}/${app.key}` : `/connect/${redeemed.id}`
    return { kind: 'redirect', url, cookie: { name: sessionCookieName(redeemed.id), value: browserSecret, sessionId: redeemed.id } }
  }

  // ---- pages ---------------------------------------------------------------------------------

  async picker(sessionId: string, browserSecret: string | undefined): Promise<FlowStep> {
    const ctx = await this.sessionFor(sessionId, browserSecret)
    if (ctx.kind) return ctx
    const apps = await this.offeredApps(ctx.session, ctx.partner)
    if (apps.length === 1) return { kind: 'redirect', url: `/connect/${sessionId}/${(apps[0] as App).key}` }
    return { kind: 'picker', session: ctx.session, partner: ctx.partner, apps }
  }

  /** The app's page: straight to the provider when nothing needs typing, else the form. */
  async appPage(
    sessionId: string,
    appKey: string,
    browserSecret: string | undefined,
    /** The browser's IP, for the per-IP budget of credential checks. */
    clientIp: string,
    optionKey?: string,
    /** Values supplied up front (connection popup): parameters and even credentials, never stored as typed. */
    input: Record<string, string> = {},
  ): Promise<FlowStep> {
    const ctx = await this.sessionFor(sessionId, browserSecret)
    if (ctx.kind) return ctx
    const { session, partner } = ctx
    const offered = await this.offeredApp(session, partner, appKey)
    if ('kind' in offered) return offered
    const { app, options } = offered
    const preferred = optionKey ?? session.context.authOption
    const chosen = preferred ? options.filter((o) => o.key === preferred) : options
    if (chosen.length === 1) {
      const option = chosen[0] as AuthOption
      const fields = [...paramFields(app, option), ...credentialFields(option)]
      const prefilled = { ...(session.context.params ?? {}), ...input }
      const needsInput = fields.some((f) => !f.optional && f.default === undefined && prefilled[f.key] === undefined)
      if (!needsInput) return this.submitOption(session, partner, app, option, prefilled, browserSecret as string, false, clientIp)
    }
    return this.form(session, partner, app, options, {
      values: { ...(session.context.params ?? {}), ...input },
      errors: {},
      ...(preferred ? { selected: preferred } : {}),
    })
  }

  /** `POST /connect/{session}/{app}`: the user submitted the form of one auth option. */
  async submit(
    sessionId: string,
    appKey: string,
    browserSecret: string | undefined,
    body: Record<string, string>,
    clientIp: string,
  ): Promise<FlowStep> {
    const ctx = await this.sessionFor(sessionId, browserSecret)
    if (ctx.kind) return ctx
    const { session, partner } = ctx
    const offered = await this.offeredApp(session, partner, appKey)
    if ('kind' in offered) return offered
    const option =
      offered.options.find((o) => o.key === body.auth_option) ?? (offered.options.length === 1 ? offered.options[0] : undefined)
    if (!option)
      return this.form(
        session,
        partner,
        offered.app,
        offered.options,
        { values: body, errors: {}, formError: 'Choose how to connect.' },
        400,
      )
    return this.submitOption(session, partner, offered.app, option, body, browserSecret as string, true, clientIp)
  }

  private async submitOption(
    session: ActiveSession,
    partner: Partner,
    app: App,
    option: AuthOption,
    input: Record<string, string>,
    browserSecret: string,
    fromForm: boolean,
    clientIp: string,
  ): Promise<FlowStep> {
    const options = (await this.offeredApp(session, partner, app.key)) as { app: App; options: AuthOption[] }
    const fail = (errors: Record<string, string>, formError?: string) =>
      this.form(
        session,
        partner,
        app,
        options.options,
        { values: input, errors, selected: option.key, ...(formError ? { formError } : {}) },
        400,
      )

    // The form holds other values too (auth_option, other options' fields): only this option's are validated.
    const pick = (fields: Field[]) =>
      Object.fromEntries(fields.filter((f) => input[f.key] !== undefined).map((f) => [f.key, input[f.key] as string]))
    const validated = validateCredentialInput(app, option, {
      params: pick(paramFields(app, option)),
      credentials: pick(credentialFields(option)),
    })
    if (!validated.ok) {
      // Parameters first: credential errors are reported once the parameters are right.
      const paramErrors = validated.errors.filter((e) => e.in === 'params')
      return fail(Object.fromEntries((paramErrors.length ? paramErrors : validated.errors).map((e) => [e.key, e.message])))
    }
    const { params, credentials } = validated

    const partnerApp = await this.deps.partnerApps.get(partner.id, app.key)
    try {
      switch (option.type) {
        case 'oauth2': {
          const url = await this.startOAuth2(session, app, option, params, partnerApp, browserSecret)
          return fromForm ? { kind: 'redirecting', session, partner, app, url } : { kind: 'redirect', url }
        }
        case 'oauth1': {
          const url = await this.startOAuth1(session, app, option, params, partnerApp, browserSecret)
          return fromForm ? { kind: 'redirecting', session, partner, app, url } : { kind: 'redirect', url }
        }
        case 'oauth2_client_credentials':
        case 'api_key':
        case 'basic': {
          // Counted before the app is asked, so the form is no key oracle (docs/operations.md, "Rate limits").
          const attempt = await this.deps.credentialAttempts.take(`session:${session.id}`, clientIp)
          if (!attempt.allowed) {
            const wait = `Wait ${attempt.retryAfterSeconds} second${attempt.retryAfterSeconds === 1 ? '' : 's'} and try again.`
            return this.error(429, 'Too many attempts', `Too many attempts to connect ${app.name}. ${wait}`, app, partner)
          }
          const grant = await grantFromCredentials(this.deps, {
            app,
            option,
            params: params,
            credentials,
            partnerApp,
            name: session.context.name,
          })
          return this.finish(session, partner, app, grant)
        }
        case 'none':
          return this.error(400, `${app.name} needs no connection`, `${app.name} can be used without connecting an account.`, app, partner)
      }
    } catch (err) {
      if (err instanceof CredentialCheckError || err instanceof ProviderTokenError) {
        if (!fromForm && session.context.resultFormat === 'connection_popup') {
          return this.finishError(session, partner, app, 'invalid_credentials', err.message)
        }
        return fail({}, err.message)
      }
      if (err instanceof AppNotConfiguredError) return this.error(400, `${app.name} is not available`, err.message, app, partner)
      // The provider refused to start (no oauth_callback_confirmed, an error, unreachable): no flow was saved.
      if (err instanceof oauth1.OAuth1Error) {
        return this.error(502, `${app.name} is not available`, `${app.name} could not start the sign-in. ${err.message}`, app, partner)
      }
      // The issuer's discovery document (or the provider) could not be had: unreachable, refused by
      // the outbound policy, or not a valid document. Programming errors still surface as such.
      if ((option.type === 'oauth2' || option.type === 'oauth1') && !(err instanceof TypeError || err instanceof RangeError)) {
        return this.error(
          502,
          `${app.name} is not available`,
          `${app.name} could not start the sign-in: ${(err as Error).message}`,
          app,
          partner,
        )
      }
      throw err
    }
  }

  // ---- OAuth 2.0 -----------------------------------------------------------------------------

  private endpoints(app: App, option: OAuth2Option, partnerApp: PartnerApp | undefined) {
    return resolveOAuth2Endpoints(app, option, partnerApp, this.deps)
  }

  private async startOAuth2(
    session: ActiveSession,
    app: App,
    option: OAuth2Option,
    params: Record<string, string>,
    partnerApp: PartnerApp | undefined,
    browserSecret: string,
  ): Promise<string> {
    if (!partnerApp?.clientId) throw new AppNotConfiguredError(`${app.name} has no OAuth client configured for this partner.`)
    const ep = await this.endpoints(app, option, partnerApp)
    const state = randomToken('', 32)
    const codeVerifier = oauth.generateRandomCodeVerifier()
    const url = buildAuthorizationUrl({
      app,
      option,
      clientId: partnerApp.clientId,
      redirectUri: oauthRedirectUri(this.deps.config, 'oauth2', app),
      state,
      ...(option.pkce ? { codeChallenge: await oauth.calculatePKCECodeChallenge(codeVerifier) } : {}),
      ...(partnerApp.scopes ? { scopes: partnerApp.scopes } : {}),
      params,
      settings: partnerApp.settings,
      ...(ep.authorizationEndpoint ? { authorizationEndpoint: ep.authorizationEndpoint } : {}),
      allowedHosts: ep.allowedHosts,
      allowHttp: (host: string) => this.deps.addressPolicy.allowsPlainHttp(host),
    })
    await this.saveFlow(
      session,
      app,
      option,
      state,
      browserSecret,
      { codeVerifier },
      { params, issuer: ep.issuer ?? null, issRequired: ep.issRequired },
    )
    return url.toString()
  }

  private async saveFlow(
    session: ActiveSession,
    app: App,
    option: AuthOption,
    state: string,
    browserSecret: string,
    secrets: Record<string, string>,
    context: Record<string, unknown>,
  ): Promise<void> {
    const stateHash = hashSecret(state)
    const now = Date.now()
    await this.deps.db
      .insertInto('oauth_flows')
      .values({
        state_hash: stateHash,
        session_id: session.id,
        app_key: app.key,
        auth_option: option.key,
        browser_hash: hashSecret(browserSecret),
        secrets: this.deps.vault.encryptJson(secrets, oauthFlowSecretsAad(session.id, stateHash)),
        context: JSON.stringify(context),
        expires_at: now + FLOW_TTL_MS,
        used_at: null,
        created_at: now,
      })
      .execute()
  }

  /**
   * Consumes a flow once, for the browser that started it and the provider it was started for
   * (one callback URL per app: a response meant for another provider never matches).
   */
  private async takeFlow(stateOrToken: unknown, appKey: string, cookies: Record<string, string | undefined>) {
    if (typeof stateOrToken !== 'string' || stateOrToken === '' || stateOrToken.length > 512) return undefined
    const stateHash = hashSecret(stateOrToken)
    const flow = await this.deps.db.selectFrom('oauth_flows').selectAll().where('state_hash', '=', stateHash).executeTakeFirst()
    if (!flow || flow.app_key !== appKey) return undefined
    const cookie = cookies[sessionCookieName(flow.session_id)]
    if (!cookie || !secretMatches(cookie, flow.browser_hash)) return undefined
    const now = Date.now()
    const claimed = await this.deps.db
      .updateTable('oauth_flows')
      .set({ used_at: now })
      .where('state_hash', '=', stateHash)
      .where('used_at', 'is', null)
      .where('expires_at', '>', now)
      .executeTakeFirst()
    const expired = claimed.numUpdatedRows === 0n && flow.used_at === null && Number(flow.expires_at) <= now
    if (claimed.numUpdatedRows === 0n && !expired) return undefined
    const session = await this.deps.sessions.byId(flow.session_id)
    const partner = session ? await this.deps.partners.get(session.partnerId) : undefined
    const app = this.deps.catalog.get(flow.app_key)
    const option = app?.auth.find((o) => o.key === flow.auth_option)
    // A session ends with one outcome: another flow of it (a second tab) cannot replace what was reported.
    if (!session || session.outcome !== null || !partner || !app || !option) return undefined
    // The user came back after the flow's lifetime: the session ends in an error the partner hears of.
    if (expired) return { expired: true as const, session, partner, app }
    return {
      expired: false as const,
      session,
      partner,
      app,
      option,
      secrets: this.deps.vault.decryptJson<Record<string, string>>(flow.secrets, oauthFlowSecretsAad(flow.session_id, stateHash)),
      context: JSON.parse(flow.context) as { params: Record<string, string>; issuer: string | null; issRequired: boolean },
    }
  }

  /** `GET /oauth2/callback/{app}`. */
  async oauth2Callback(appKey: string, query: Record<string, unknown>, cookies: Record<string, string | undefined>): Promise<FlowStep> {
    const flow = await this.takeFlow(query.state, appKey, cookies)
    if (!flow) return this.unknownFlow()
    if (flow.expired) return this.flowExpired(flow.session, flow.partner, flow.app)
    const { session, partner, app, context } = flow
    const option = flow.option as OAuth2Option
    const one = (name: string) => (typeof query[name] === 'string' ? (query[name] as string) : undefined)
    // RFC 9207: the issuer that answered must be the one we sent the user to.
    const iss = one('iss')
    if ((iss !== undefined && context.issuer !== null && iss !== context.issuer) || (iss === undefined && context.issRequired)) {
      return this.finishError(session, partner, app, 'invalid_request', 'The authorization response came from an unexpected issuer.')
    }
    const providerError = one('error')
    if (providerError !== undefined) {
      const code = /^[a-z_]{1,64}$/.test(providerError) ? providerError : 'server_error'
      const description =
        code === 'access_denied'
          ? 'The authorization was denied.'
          : (one('error_description')?.slice(0, 300) ?? `${app.name} returned ${code}.`)
      return this.finishError(session, partner, app, code, description)
    }
    const code = one('code')
    if (!code) return this.finishError(session, partner, app, 'invalid_request', 'The authorization response has no code.')
    const partnerApp = await this.deps.partnerApps.get(partner.id, app.key)
    if (!partnerApp?.clientId) return this.finishError(session, partner, app, 'server_error', `${app.name} is not configured.`)
    try {
      const ep = await this.endpoints(app, option, partnerApp)
      const tokenUrl = endpointUrl(
        ep.tokenEndpoint as string,
        { params: context.params, settings: partnerApp.settings },
        ep,
        this.deps.addressPolicy,
      )
      const tokens = await requestTokens(
        this.deps.http,
        option,
        buildTokenRequest(
          option,
          tokenUrl.toString(),
          { clientId: partnerApp.clientId, clientSecret: partnerApp.clientSecret },
          {
            grant_type: 'authorization_code',
            code,
            redirect_uri: oauthRedirectUri(this.deps.config, 'oauth2', app),
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
      const metadata = this.checkedMetadata(app, tokens.metadata)
      const checked = await checkCredentials({
        app,
        option,
        values: { params: context.params, credentials: credentialValues(credentials), metadata, settings: partnerApp.settings },
        allowedHosts: ep.allowedHosts,
        http: this.deps.http,
        policy: this.deps.addressPolicy,
        ...(ep.userinfoEndpoint ? { userinfoEndpoint: ep.userinfoEndpoint } : {}),
      })
      return this.finish(session, partner, app, {
        appKey: app.key,
        authOption: option.key,
        authType: option.type,
        accountIdentifier: checked.accountIdentifier,
        scopes: tokens.scopes ?? partnerApp.scopes ?? option.scopes,
        params: context.params,
        metadata: { ...metadata, ...checked.metadata },
        credentials,
        expiresAt: tokens.expiresAt,
        ...(session.context.name ? { name: session.context.name } : {}),
      })
    } catch (err) {
      if (err instanceof ProviderTokenError) return this.finishError(session, partner, app, 'token_exchange_failed', err.message)
      if (err instanceof CredentialCheckError) return this.finishError(session, partner, app, 'credential_check_failed', err.message)
      return this.callbackFailed(session, partner, app, err)
    }
  }

  /** Provider-returned URLs kept as metadata (instance URLs) must stay under the app's hosts. */
  private checkedMetadata(app: App, metadata: Record<string, string>): Record<string, string> {
    const out: Record<string, string> = {}
    for (const [k, v] of Object.entries(metadata)) {
      if (/^https?:\/\//i.test(v)) {
        const url = new URL(v)
        if (
          url.protocol !== 'https:' ||
          !allowedHostsFor(app).some((h) => h === url.hostname || (h.startsWith('*.') && url.hostname.endsWith(h.slice(1))))
        ) {
          throw new ProviderTokenError('invalid_response', `the provider returned ${k} on a host that is not allowed for ${app.name}`)
        }
      }
      out[k] = v
    }
    return out
  }

  // ---- OAuth 1.0a ----------------------------------------------------------------------------

  private async startOAuth1(
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
    const allowHttp = (host: string) => this.deps.addressPolicy.allowsPlainHttp(host)
    const hosts = allowedHostsFor(app, partnerApp.settings)
    const values = { params, settings: partnerApp.settings }
    const consumer = { key: partnerApp.clientId, secret: partnerApp.clientSecret }
    const requestToken = await oauth1.requestToken(this.deps.http, {
      url: renderUrl(option.request_token_url, values, hosts, { allowHttp }).toString(),
      consumer,
      callbackUrl: oauthRedirectUri(this.deps.config, 'oauth1', app),
      signatureMethod: option.signature_method,
    })
    // The request token is the flow's key: the callback brings it back as oauth_token.
    await this.saveFlow(
      session,
      app,
      option,
      requestToken.token,
      browserSecret,
      { tokenSecret: requestToken.tokenSecret },
      { params, issuer: null, issRequired: false },
    )
    return oauth1.buildAuthorizationUrl({
      url: renderUrl(option.authorization_url, values, hosts, { allowHttp }).toString(),
      token: requestToken.token,
      ...(option.authorization_params ? { extraParams: option.authorization_params } : {}),
    })
  }

  /** `GET /oauth1/callback/{app}`: `oauth_token` and `oauth_verifier` are both required. */
  async oauth1Callback(appKey: string, query: Record<string, unknown>, cookies: Record<string, string | undefined>): Promise<FlowStep> {
    const flow = await this.takeFlow(query.oauth_token, appKey, cookies)
    if (!flow) return this.unknownFlow()
    if (flow.expired) return this.flowExpired(flow.session, flow.partner, flow.app)
    const { session, partner, app, context } = flow
    const option = flow.option as OAuth1Option
    let callback: { token: string; verifier: string }
    try {
      callback = oauth1.readCallback(query)
    } catch (err) {
      const denied = err instanceof oauth1.OAuth1Error && err.code === 'PB_OAUTH1_DENIED'
      return this.finishError(
        session,
        partner,
        app,
        denied ? 'access_denied' : 'invalid_request',
        denied ? 'The authorization was denied.' : 'The authorization response has no oauth_verifier.',
      )
    }
    const partnerApp = await this.deps.partnerApps.get(partner.id, app.key)
    if (!partnerApp?.clientId || !partnerApp.clientSecret)
      return this.finishError(session, partner, app, 'server_error', `${app.name} is not configured.`)
    const consumer = { key: partnerApp.clientId, secret: partnerApp.clientSecret }
    const allowHttp = (host: string) => this.deps.addressPolicy.allowsPlainHttp(host)
    const hosts = allowedHostsFor(app, partnerApp.settings)
    try {
      const access = await oauth1.accessToken(this.deps.http, {
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
        http: this.deps.http,
        policy: this.deps.addressPolicy,
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
      return this.finish(session, partner, app, {
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
      if (err instanceof oauth1.OAuth1Error) return this.finishError(session, partner, app, 'token_exchange_failed', err.message)
      if (err instanceof CredentialCheckError) return this.finishError(session, partner, app, 'credential_check_failed', err.message)
      return this.callbackFailed(session, partner, app, err)
    }
  }

  // ---- finishing -----------------------------------------------------------------------------

  /** Stores the connection (new, replacing, or re-authorized) and the session's outcome together. */
  private async finish(session: ActiveSession, partner: Partner, app: App, grant: ConnectionGrant): Promise<FlowStep> {
    const owner = { partnerId: session.partnerId, endUserId: session.endUserId }
    const result = await this.deps.db
      .transaction()
      .execute(async (trx) => {
        let stored: StoredGrant | undefined
        if (session.reconnectId) {
          const reauthorized = await this.deps.connections.reauthorize(trx, owner, session.reconnectId, grant)
          stored = reauthorized && { connection: reauthorized, operation: 'reauth', replaced: [] }
        } else {
          // The same account connected again keeps its connection's id (docs/api.md, "Connecting again").
          stored = await this.deps.connections.connect(trx, owner, grant, { allowMultiple: session.allowMultiple })
        }
        if (!stored) return undefined
        const { connection, operation } = stored
        await enqueueGrantEvents(trx, stored)
        const outcome: SessionOutcome = {
          status: 'success',
          app: app.key,
          connection_id: connection.id,
          operation,
          account_identifier: connection.accountIdentifier,
        }
        // The session ended meanwhile (another flow of it, the abandoned-session sweep): nothing of
        // this flow is kept, and the browser is shown what was reported.
        if (!(await this.deps.sessions.setOutcome(session.id, outcome, trx))) throw new SessionAlreadyEnded()
        return outcome
      })
      .catch((err: unknown) => {
        if (err instanceof SessionAlreadyEnded) return 'ended' as const
        throw err
      })
    if (result === 'ended') return this.reportedOutcome(session, partner, app)
    if (!result) return this.finishError(session, partner, app, 'not_found', 'The connection to reconnect no longer exists.')
    return { kind: 'result', session, partner, app, outcome: result }
  }

  /** The outcome a session already ended with, for a flow of it that finished too late. */
  private async reportedOutcome(session: ActiveSession, partner: Partner, app: App | undefined): Promise<FlowStep> {
    const outcome = (await this.deps.sessions.byId(session.id))?.outcome
    if (!outcome) throw new Error('connect session has no outcome after it ended')
    return { kind: 'result', session, partner, app, outcome }
  }

  private async finishError(
    session: ActiveSession,
    partner: Partner,
    app: App | undefined,
    error: string,
    description: string,
  ): Promise<FlowStep> {
    const outcome: SessionOutcome = { status: 'error', app: app?.key ?? '', error, error_description: description }
    // The outcome and `connection.failed` together (outbox): the partner's backend learns of every
    // failed session, once; a session that already ended keeps the outcome it was reported with.
    const recorded = await this.deps.db.transaction().execute(async (trx) => {
      if (!(await this.deps.sessions.setOutcome(session.id, outcome, trx))) return false
      await enqueueConnectFailedEvent(trx, {
        partnerId: session.partnerId,
        endUserId: session.endUserId,
        sessionId: session.id,
        app: app?.key ?? null,
        error,
        errorDescription: description,
        reconnectId: session.reconnectId,
      })
      return true
    })
    if (!recorded) return this.reportedOutcome(session, partner, app)
    return { kind: 'result', session, partner, app, outcome }
  }

  /**
   * A callback that failed in a way the provider did not explain (token endpoint unreachable or
   * refused by the outbound policy, discovery failing, a bug): still a terminal error outcome, so
   * the partner hears of it; the page says nothing more than that. `failure` is for the log.
   */
  private async callbackFailed(session: ActiveSession, partner: Partner, app: App, err: unknown): Promise<FlowStep> {
    const step = await this.finishError(
      session,
      partner,
      app,
      'server_error',
      `${app.name} could not complete the sign-in. Try again later.`,
    )
    const e = err instanceof Error ? err : new Error(String(err))
    return step.kind === 'result' ? { ...step, failure: { name: e.name, code: (e as { code?: unknown }).code } } : step
  }

  // ---- helpers -------------------------------------------------------------------------------

  private async sessionFor(
    sessionId: string,
    browserSecret: string | undefined,
  ): Promise<{ kind: 'problem'; reason: SessionProblem } | { kind?: undefined; session: ActiveSession; partner: Partner }> {
    const session = await this.deps.sessions.forBrowser(sessionId, browserSecret)
    if (typeof session === 'string') return { kind: 'problem', reason: session }
    const partner = await this.deps.partners.get(session.partnerId)
    if (!partner) return { kind: 'problem', reason: 'not_found' }
    return { session, partner }
  }

  /** Keys of the connection parameters of an app (all options): the values that may be kept in the session. */
  paramKeys(appKey: string): Set<string> {
    const app = this.deps.catalog.get(appKey)
    return new Set(app ? app.auth.flatMap((o) => paramFields(app, o).map((f) => f.key)) : [])
  }

  /** Apps this session may connect: the session's list (or every app), usable for this partner. */
  async offeredApps(session: ActiveSession, partner: Partner): Promise<App[]> {
    const configured = await this.deps.partnerApps.configuredKeys(partner.id)
    const candidates = session.apps.length
      ? session.apps.map((k) => this.deps.catalog.get(k)).filter((a): a is App => !!a)
      : this.deps.catalog.list()
    return candidates.filter((app) => usableOptions(app, configured).length > 0)
  }

  private async offeredApp(
    session: ActiveSession,
    partner: Partner,
    appKey: string,
  ): Promise<{ app: App; options: AuthOption[] } | FlowStep> {
    const app = this.deps.catalog.get(appKey)
    if (!app || (session.apps.length > 0 && !session.apps.includes(appKey))) {
      return this.error(404, 'App not available', 'This app is not available in this session.', undefined, partner)
    }
    if (needsNoConnection(app)) {
      return this.error(400, `${app.name} needs no connection`, `${app.name} can be used without connecting an account.`, app, partner)
    }
    const options = usableOptions(app, await this.deps.partnerApps.configuredKeys(partner.id))
    if (!options.length)
      return this.error(400, `${app.name} is not available`, `${app.name} is not set up for this application yet.`, app, partner)
    return { app, options }
  }

  private form(session: ActiveSession, partner: Partner, app: App, options: AuthOption[], state: FormState, status = 200): FlowStep {
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

  private flowExpired(session: ActiveSession, partner: Partner, app: App): Promise<FlowStep> {
    return this.finishError(session, partner, app, 'expired', `The sign-in with ${app.name} took too long. Start again.`)
  }

  /** A callback that matches no flow of this browser: nothing to finish, nobody to tell. */
  private unknownFlow(): FlowStep {
    return this.error(
      400,
      'This sign-in cannot be completed',
      'The authorization response is unknown, expired, already used, or was started in another browser.',
    )
  }

  private error(status: number, title: string, message: string, app?: App, partner?: Partner): FlowStep {
    return { kind: 'error', status, title, message, ...(app ? { app } : {}), ...(partner ? { partner } : {}) }
  }
}
