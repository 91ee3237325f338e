import { PatchbayError } from './errors.js'
import type { ApiCaller, ApiRequest } from './lib/api.js'
import { segment } from './lib/api.js'
import { apiError, readObject, responseMeta, send } from './lib/response.js'
import type { Transport } from './lib/transport.js'
import { Actions, Runs } from './resources/actions.js'
import { Apps } from './resources/apps.js'
import { Connections } from './resources/connections.js'
import { proxyError, proxyUrl, replayable } from './resources/proxy.js'
import { processTokenExchangeResponse, tokenExchangeRequest } from './token/exchange-token.js'
import type { TokenCache } from './token/token-cache.js'
import { CONNECT_SESSION_TOKEN_TYPE } from './token/token-types.js'
import type { ConnectSession, McpToken, Me } from './types.js'

export interface ConnectSessionOptions {
  /** App keys the session may connect (a picker when several); every app when absent. */
  apps?: string[]
  /** Registered origin the Connect UI popup posts its result to. */
  allowedOrigin?: string
  /** Registered URI the browser returns to: the session ends in redirect mode unless opened as a popup (`mode=popup`, or the widget's nonce). */
  redirectUri?: string
  /** Connection to re-authorize (it keeps its id). */
  reconnectId?: string
  /** Opaque string handed back with the result. */
  customState?: string
  /** Keep the user's other connections of the same app (default: replace them). */
  allowMultiple?: boolean
}

/** @internal What a {@link PatchbayUser} gets from its {@link Patchbay}. */
export interface UserContext {
  transport: Transport
  cache: TokenCache
  cacheKey: string
  /** A fresh subject token (partner JWT) for this end user. */
  subjectToken(): Promise<string>
  /** Extra token exchange parameters for access tokens (`scope`). */
  accessTokenParams: Record<string, string>
  userId: string
  tenantId: string | undefined
}

const WWW_AUTHENTICATE_PATCHBAY = /^Bearer realm="patchbay"/i

/** Patchbay as one end user: from {@link Patchbay.forUser}. Cheap to create; tokens are cached by the Patchbay instance. */
export class PatchbayUser {
  readonly userId: string
  readonly tenantId: string | undefined
  /** The app catalog. */
  readonly apps: Apps
  /** This end user's connections. */
  readonly connections: Connections
  /** The actions this end user may run (docs/actions.md). */
  readonly actions: Actions
  /** This end user's action runs. */
  readonly runs: Runs

  private readonly ctx: UserContext
  private readonly api: ApiCaller

  /** @internal Use {@link Patchbay.forUser}. */
  constructor(ctx: UserContext) {
    this.ctx = ctx
    this.userId = ctx.userId
    this.tenantId = ctx.tenantId
    this.api = { call: (request) => this.call(request) }
    this.apps = new Apps(this.api)
    this.connections = new Connections(this.api)
    this.actions = new Actions(this.api)
    this.runs = new Runs(this.api)
  }

  /** An access token for this end user: the cached one until shortly before it expires, else a new exchange. */
  async accessToken(): Promise<string> {
    return (await this.token()).token
  }

  /** `GET /v1/me`: the end user the access token acts for. */
  async me(): Promise<Me> {
    return (await this.call({ method: 'GET', path: '/v1/me' })) as unknown as Me
  }

  /**
   * Mints a single-use connect session code for the browser (token exchange with
   * `requested_token_type` connect_session; a fresh partner JWT every time).
   */
  async createConnectSession(options: ConnectSessionOptions = {}): Promise<ConnectSession> {
    const params: Record<string, string> = { requested_token_type: CONNECT_SESSION_TOKEN_TYPE }
    if (options.apps !== undefined) {
      if (!Array.isArray(options.apps) || options.apps.some((a) => typeof a !== 'string' || a === '' || /[\s,]/.test(a))) {
        throw new TypeError('options.apps: must be an array of app keys')
      }
      if (options.apps.length > 0) params.apps = options.apps.join(' ')
    }
    const strings = [
      ['allowedOrigin', 'allowed_origin'],
      ['redirectUri', 'redirect_uri'],
      ['reconnectId', 'reconnect_id'],
      ['customState', 'custom_state'],
    ] as const
    for (const [option, param] of strings) {
      const value = options[option]
      if (value === undefined) continue
      if (typeof value !== 'string') throw new TypeError(`options.${option}: must be a string`)
      params[param] = value
    }
    if (options.allowMultiple !== undefined) {
      if (typeof options.allowMultiple !== 'boolean') throw new TypeError('options.allowMultiple: must be a boolean')
      params.allow_multiple = String(options.allowMultiple)
    }
    const started = Date.now()
    const res = await tokenExchangeRequest(this.ctx.transport, await this.ctx.subjectToken(), params)
    const tokens = await processTokenExchangeResponse(res)
    if (!tokens.session_id) {
      throw new PatchbayError('PB_ERR_INVALID_RESPONSE', 'connect session: the answer has no session_id', responseMeta(res))
    }
    // A server without connect_url (older than the SDK) gets the same link built here.
    const onlyApp = options.apps?.length === 1 ? options.apps[0] : undefined
    const connectUrl =
      tokens.connect_url ??
      `${this.ctx.transport.baseUrl}/${onlyApp ? `to/${encodeURIComponent(onlyApp)}` : 'connect'}?${new URLSearchParams({ token: tokens.access_token })}`
    return {
      token: tokens.access_token,
      connectUrl,
      sessionId: tokens.session_id,
      expiresIn: tokens.expires_in,
      expiresAt: new Date(started + tokens.expires_in * 1000).toISOString(),
    }
  }

  /**
   * Mints a token for Patchbay's MCP endpoint, for this end user's AI agent: the token exchange with
   * `resource=<baseUrl>/mcp` and the `mcp` scope (so the REST API refuses it, and /mcp refuses every
   * other token). `toolset` names one of the partner's toolsets (default: `default`). A new token
   * each call: hand it to the agent's MCP client with `url` (docs/mcp.md).
   */
  async mcpToken(options: { toolset?: string } = {}): Promise<McpToken> {
    if (options.toolset !== undefined && (typeof options.toolset !== 'string' || !/^[a-z0-9][a-z0-9_-]{0,62}$/.test(options.toolset))) {
      throw new TypeError('options.toolset: must be a toolset name (lowercase letters, digits, - and _)')
    }
    const url = `${this.ctx.transport.baseUrl}/mcp`
    const params: Record<string, string> = { resource: url, scope: 'mcp', ...(options.toolset ? { toolset: options.toolset } : {}) }
    const started = Date.now()
    const tokens = await processTokenExchangeResponse(await tokenExchangeRequest(this.ctx.transport, await this.ctx.subjectToken(), params))
    return {
      token: tokens.access_token,
      url,
      toolset: options.toolset ?? 'default',
      expiresIn: tokens.expires_in,
      expiresAt: new Date(started + tokens.expires_in * 1000).toISOString(),
    }
  }

  /**
   * Calls the app's API through Patchbay (`/v1/proxy/{connectionId}/{path}`), which injects the
   * connection's credentials (refreshing them first when needed). Like `fetch`: `init` takes method,
   * headers, body (streams too) and signal; the app's answer comes back as a standard `Response`
   * whatever its status. Patchbay's own refusals throw instead: {@link CredentialRevokedError} when
   * the connection needs to be reconnected, {@link PatchbayError} otherwise.
   */
  async proxy(connectionId: string, path: string, init: RequestInit = {}): Promise<Response> {
    segment(connectionId, 'connectionId')
    const url = proxyUrl(this.ctx.transport.baseUrl, connectionId, path)
    const headers = new Headers(init.headers)
    if (headers.has('authorization')) {
      throw new TypeError('init.headers.authorization: Patchbay authenticates the call itself and injects the credentials')
    }
    // Streams (and async iterables) are sent as they come: fetch wants `duplex: 'half'` for them.
    const streaming = !replayable(init.body)
    const what = `${init.method ?? 'GET'} /v1/proxy/${connectionId}/…`
    const res = await this.authorized(
      (token) => {
        headers.set('authorization', `Bearer ${token}`)
        const request: RequestInit & { duplex?: 'half' } = { ...init, headers, ...(streaming ? { duplex: 'half' } : {}) }
        return send(this.ctx.transport.fetch, url, request, what)
      },
      (res) => res.status === 401 && WWW_AUTHENTICATE_PATCHBAY.test(res.headers.get('www-authenticate') ?? '') && replayable(init.body),
    )
    const error = await proxyError(res, { what, connectionId })
    if (error) {
      await res.body?.cancel()
      throw error
    }
    return res
  }

  private token(): ReturnType<TokenCache['get']> {
    const { transport, accessTokenParams } = this.ctx
    return this.ctx.cache.get(this.ctx.cacheKey, async () => {
      const res = await tokenExchangeRequest(transport, await this.ctx.subjectToken(), accessTokenParams)
      const tokens = await processTokenExchangeResponse(res)
      return { token: tokens.access_token, expiresIn: tokens.expires_in }
    })
  }

  /**
   * Sends with the cached access token; when Patchbay refuses a cached token (revoked, server-side
   * expiry), forgets it and retries once with a new one if `retry(res)` allows.
   */
  private async authorized(sendWith: (token: string) => Promise<Response>, retry: (res: Response) => boolean): Promise<Response> {
    const first = await this.token()
    const res = await sendWith(first.token)
    if (first.fresh || !retry(res)) return res
    await res.body?.cancel()
    this.ctx.cache.invalidate(this.ctx.cacheKey, first.token)
    const second = await this.token()
    return sendWith(second.token)
  }

  private async call(request: ApiRequest): Promise<Record<string, unknown> | undefined> {
    const url = new URL(`${this.ctx.transport.baseUrl}${request.path}`)
    for (const [name, value] of Object.entries(request.query ?? {})) {
      if (value !== undefined) url.searchParams.set(name, String(value))
    }
    const what = `${request.method} ${request.path}`
    const headers: Record<string, string> = { ...request.headers, accept: 'application/json' }
    if (request.body !== undefined) headers['content-type'] = 'application/json'
    const body = request.body === undefined ? undefined : JSON.stringify(request.body)
    const res = await this.authorized(
      (token) =>
        send(
          this.ctx.transport.fetch,
          url.href,
          { method: request.method, headers: { ...headers, authorization: `Bearer ${token}` }, ...(body === undefined ? {} : { body }) },
          what,
        ),
      (res) => res.status === 401,
    )
    if (!res.ok) throw await apiError(res, { what, connectionId: request.connectionId })
    if (res.status === 204 || res.headers.get('content-length') === '0') {
      await res.body?.cancel()
      return undefined
    }
    return readObject(res, what)
  }
}
