import type { RequestOptions } from './lib/api.js'
import { checkRequestOptions, segment } from './lib/api.js'
import { isAbort, send } from './lib/response.js'
import { PatchbayError } from './errors.js'
import { type Authorization, RestClient } from './lib/rest-client.js'
import type { Transport } from './lib/transport.js'
import { Actions, Runs } from './resources/actions.js'
import { Apps } from './resources/apps.js'
import { Connections } from './resources/connections.js'
import { ConnectLinks } from './resources/connect-links.js'
import { proxyError, proxyUrl, replayable } from './resources/proxy.js'
import { exchangeToken } from './token/exchange-token.js'
import type { TokenCache } from './token/token-cache.js'
import { CONNECT_SESSION_TOKEN_TYPE } from './token/token-types.js'
import type { ConnectSession, ConnectSessionStatus, HeadlessAuthorization, McpToken, Me } from './types.js'

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

function headlessBody(options: { token: string; app: string; authOption?: string; params?: Record<string, string> }) {
  if (typeof options.token !== 'string' || options.token === '') throw new TypeError('options.token: must be the session code')
  if (typeof options.app !== 'string' || options.app === '') throw new TypeError('options.app: must be an app key')
  return {
    token: options.token,
    app: options.app,
    ...(options.authOption === undefined ? {} : { auth_option: options.authOption }),
    ...(options.params === undefined ? {} : { params: options.params }),
  }
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
  /** Hosted connect links for this end user, to send by email or chat (docs/connect-links.md). */
  readonly connectLinks: ConnectLinks
  /** The actions this end user may run (docs/actions.md). */
  readonly actions: Actions
  /** This end user's action runs. */
  readonly runs: Runs

  private readonly ctx: UserContext
  private readonly api: RestClient

  /** @internal Use {@link Patchbay.forUser}. */
  constructor(ctx: UserContext) {
    this.ctx = ctx
    this.userId = ctx.userId
    this.tenantId = ctx.tenantId
    this.api = new RestClient(ctx.transport, this.bearer())
    this.apps = new Apps(this.api)
    this.connections = new Connections(this.api)
    this.connectLinks = new ConnectLinks(this.api)
    this.actions = new Actions(this.api)
    this.runs = new Runs(this.api)
  }

  /** An access token for this end user: the cached one until shortly before it expires, else a new exchange. */
  async accessToken(requestOptions?: RequestOptions): Promise<string> {
    return (await abortable(this.token(), checkRequestOptions(requestOptions)?.signal)).token
  }

  /** `GET /v1/me`: the end user the access token acts for. */
  async me(requestOptions?: RequestOptions): Promise<Me> {
    return this.api.call({ operation: 'getMe', options: requestOptions })
  }

  /**
   * Mints a single-use connect session code for the browser (token exchange with
   * `requested_token_type` connect_session; a fresh partner JWT every time).
   */
  async createConnectSession(options: ConnectSessionOptions = {}, requestOptions?: RequestOptions): Promise<ConnectSession> {
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
    const tokens = await exchangeToken(this.ctx.transport, this.ctx.subjectToken, params, checkRequestOptions(requestOptions))
    // A server without connect_url (older than the SDK) gets the same link built here.
    const onlyApp = options.apps?.length === 1 ? options.apps[0] : undefined
    const connectUrl =
      tokens.connect_url ??
      `${this.ctx.transport.baseUrl}/${onlyApp ? `to/${encodeURIComponent(onlyApp)}` : 'connect'}?${new URLSearchParams({ token: tokens.access_token })}`
    return {
      token: tokens.access_token,
      connectUrl,
      sessionId: tokens.session_id as string,
      expiresIn: tokens.expires_in,
      expiresAt: new Date(started + tokens.expires_in * 1000).toISOString(),
    }
  }

  /**
   * `POST /v1/connect/sessions/authorize` (headless connect, docs/connect-links.md): checks the choice
   * and answers `authorization_url`, where your UI sends the user's browser (Patchbay binds the session
   * to it, then redirects to the provider).
   */
  async authorizeConnectSession(
    options: { token: string; app: string; authOption?: string; params?: Record<string, string> },
    requestOptions?: RequestOptions,
  ): Promise<HeadlessAuthorization> {
    return this.api.call({ operation: 'authorizeConnectSession', body: headlessBody(options), options: requestOptions })
  }

  /**
   * `POST /v1/connect/sessions/credentials` (headless connect): connects with credentials your own form
   * collected; `PB_ERR_CREDENTIALS_REJECTED` when the app refuses them (the session has then ended).
   */
  async submitConnectSessionCredentials(
    options: { token: string; app: string; authOption?: string; params?: Record<string, string>; credentials: Record<string, string> },
    requestOptions?: RequestOptions,
  ): Promise<ConnectSessionStatus> {
    if (options.credentials === null || typeof options.credentials !== 'object')
      throw new TypeError('options.credentials: must be an object')
    return this.api.call({
      operation: 'submitConnectSessionCredentials',
      body: { ...headlessBody(options), credentials: options.credentials },
      options: requestOptions,
    })
  }

  /** `GET /v1/connect/sessions/{id}`: where a connect session stands, and its outcome once it ended. */
  async getConnectSession(sessionId: string, requestOptions?: RequestOptions): Promise<ConnectSessionStatus> {
    return this.api.call({ operation: 'getConnectSession', params: { id: segment(sessionId, 'sessionId') }, options: requestOptions })
  }

  /**
   * Mints a token for Patchbay's MCP endpoint, for this end user's AI agent: the token exchange with
   * `resource=<baseUrl>/mcp` and the `mcp` scope (so the REST API refuses it, and /mcp refuses every
   * other token). `toolset` names one of the partner's toolsets (default: `default`). A new token
   * each call: hand it to the agent's MCP client with `url` (docs/mcp.md).
   */
  async mcpToken(options: { toolset?: string } = {}, requestOptions?: RequestOptions): Promise<McpToken> {
    if (options.toolset !== undefined && (typeof options.toolset !== 'string' || !/^[a-z0-9][a-z0-9_-]{0,62}$/.test(options.toolset))) {
      throw new TypeError('options.toolset: must be a toolset name (lowercase letters, digits, - and _)')
    }
    const url = `${this.ctx.transport.baseUrl}/mcp`
    const params: Record<string, string> = { resource: url, scope: 'mcp', ...(options.toolset ? { toolset: options.toolset } : {}) }
    const started = Date.now()
    const tokens = await exchangeToken(this.ctx.transport, this.ctx.subjectToken, params, checkRequestOptions(requestOptions))
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
   * the connection needs to be reconnected, {@link PatchbayError} otherwise. `timeoutMs` (default:
   * the client's) bounds the wait for the answer's headers, not the body's streaming; the SDK never
   * retries a proxied call (the app's answers are yours to act on; `Patchbay-Retry-429` asks Patchbay).
   */
  async proxy(connectionId: string, path: string, init: RequestInit & { timeoutMs?: number } = {}): Promise<Response> {
    segment(connectionId, 'connectionId')
    const url = proxyUrl(this.ctx.transport.baseUrl, connectionId, path)
    const { timeoutMs = this.ctx.transport.policy.timeoutMs, ...fetchInit } = init
    if (!Number.isInteger(timeoutMs) || timeoutMs <= 0) throw new TypeError('init.timeoutMs: must be a positive integer (ms)')
    const headers = new Headers(fetchInit.headers)
    if (headers.has('authorization')) {
      throw new TypeError('init.headers.authorization: Patchbay authenticates the call itself and injects the credentials')
    }
    // Streams (and async iterables) are sent as they come: fetch wants `duplex: 'half'` for them.
    const streaming = !replayable(fetchInit.body)
    const what = `${fetchInit.method ?? 'GET'} /v1/proxy/${connectionId}/…`
    // Only until the answer's headers: a body may stream for as long as the app sends it.
    const headersDue = new AbortController()
    const timer = setTimeout(() => headersDue.abort(new DOMException('timed out', 'TimeoutError')), timeoutMs)
    const signal = fetchInit.signal ? AbortSignal.any([fetchInit.signal, headersDue.signal]) : headersDue.signal
    let res: Response
    try {
      res = await this.authorizedProxy(
        (token) => {
          headers.set('authorization', `Bearer ${token}`)
          const request: RequestInit & { duplex?: 'half' } = { ...fetchInit, headers, signal, ...(streaming ? { duplex: 'half' } : {}) }
          return send(this.ctx.transport.fetch, url, request, what)
        },
        (res) =>
          res.status === 401 && WWW_AUTHENTICATE_PATCHBAY.test(res.headers.get('www-authenticate') ?? '') && replayable(fetchInit.body),
        signal,
      )
    } catch (err) {
      if (headersDue.signal.aborted && !fetchInit.signal?.aborted && isAbort(err)) {
        throw new PatchbayError('PB_ERR_TIMEOUT', `${what}: no answer within ${timeoutMs} ms`, { status: 0, cause: err })
      }
      throw err
    } finally {
      clearTimeout(timer)
    }
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
      // With the client's own retries and time limit: callers share this exchange, each waits with its own signal.
      const tokens = await exchangeToken(transport, this.ctx.subjectToken, accessTokenParams)
      return { token: tokens.access_token, expiresIn: tokens.expires_in }
    })
  }

  /** The end user's access token for REST calls; a refused cached token is dropped and worth one more try. */
  private bearer(): Authorization {
    return {
      header: async (signal) => {
        const cached = await abortable(this.token(), signal)
        return {
          value: `Bearer ${cached.token}`,
          refused: () => {
            if (cached.fresh) return false
            this.ctx.cache.invalidate(this.ctx.cacheKey, cached.token)
            return true
          },
        }
      },
    }
  }

  /**
   * Sends a proxied call with the cached access token; when Patchbay refuses a cached token
   * (revoked, server-side expiry), forgets it and retries once with a new one if `retry(res)` allows.
   */
  private async authorizedProxy(
    sendWith: (token: string) => Promise<Response>,
    retry: (res: Response) => boolean,
    signal: AbortSignal,
  ): Promise<Response> {
    const first = await abortable(this.token(), signal)
    const res = await sendWith(first.token)
    if (first.fresh || !retry(res)) return res
    await res.body?.cancel()
    this.ctx.cache.invalidate(this.ctx.cacheKey, first.token)
    const second = await abortable(this.token(), signal)
    return sendWith(second.token)
  }
}

/** `promise`, or the signal's reason as soon as it aborts (the promise itself goes on: others may share it). */
function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise
  if (signal.aborted) return Promise.reject(signal.reason)
  return new Promise<T>((resolve, reject) => {
    const aborted = () => reject(signal.reason)
    signal.addEventListener('abort', aborted, { once: true })
    promise.then(
      (value) => {
        signal.removeEventListener('abort', aborted)
        resolve(value)
      },
      (err: unknown) => {
        signal.removeEventListener('abort', aborted)
        reject(err)
      },
    )
  })
}
