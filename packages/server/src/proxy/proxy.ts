import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http'
import type { Readable } from 'node:stream'
import { setTimeout as sleep } from 'node:timers/promises'
import type { CompiledQuery, Kysely } from 'kysely'
import { Agent, type Dispatcher } from 'undici'
import type { App, AuthOption } from '../catalog/app-schema.js'
import type { Catalog } from '../catalog/load-catalog.js'
import { allowedHostsFor, connectionParamsFor, renderUrl, TemplateError } from '../catalog/template.js'
import type { Config } from '../config/config.js'
import type { Connection, Credentials, Owner } from '../connections/connection-store.js'
import { CredentialRevokedError, type CredentialService, type FreshCredentials } from '../credentials/credential-service.js'
import { credentialValues, injectCredentials } from '../credentials/inject.js'
import type { Database } from '../db/schema.js'
import { PatchbayError } from '../errors.js'
import type { LineLogger } from '../logger.js'
import { type OAuth1SignatureMethod, signedAuthorizationHeader } from '../provider-oauth/oauth1/sign.js'
import { type AddressPolicy, OutboundBlockedError } from '../outbound/address-policy.js'
import type { PartnerApps } from '../partners/partner-apps.js'
import { downstreamResponseHeaders, upstreamRequestHeaders } from './headers.js'
import { ProxyPathError, type ProxyTail, parseProxyTail, upstreamQuery } from './path.js'
import { UpstreamAnswer } from './upstream-answer.js'

export type ProxyConfig = Config['proxy']

export interface ProxyDeps {
  db: Kysely<Database>
  catalog: Catalog
  partnerApps: PartnerApps
  credentials: CredentialService
  addressPolicy: AddressPolicy
  config: ProxyConfig
  /** Patchbay's public URL (read per use: it is only known after listening on port 0). */
  publicUrl(): string
}

export interface ProxyRequest {
  owner: Owner
  connectionId: string
  method: string
  /** What follows `/v1/proxy/{connection_id}` in the raw request target (path and query). */
  tail: string
  headers: IncomingHttpHeaders
  /** The caller's request body stream (read only when the headers announce a body). */
  body: Readable
  /** Opt-in retries of a 429 (`Patchbay-Retry-429`, 0 to 3). */
  retry429: number
  /** True once the caller has gone away (no retry is started then). */
  gone(): boolean
  /** The request's logger (lines carry its `reqId`); made only when something is to be logged. */
  log(): LineLogger
}

export interface ProxyResponse {
  statusCode: number
  headers: OutgoingHttpHeaders
  /** Null when the response has no body (HEAD, 204, 304); otherwise send it with `body.pipeTo(res, maxBytes)`. */
  body: UpstreamAnswer | null
  /** The response body cap (`maxResponseBytes`). */
  maxBytes: number
}

/** Everything needed to call the app for one version of one connection; cached per process. */
interface Target {
  connectionId: string
  partnerId: string
  endUserId: string
  version: number
  expiresAt: number | null
  cachedAt: number
  /** When the connection's status and version were last read from the database. */
  checkedAt: number
  /** When the entry was last moved to the recent end of the cache (at most once a second). */
  touchedAt: number
  /** `https://api.example.com` (no trailing slash). */
  origin: string
  /** The base URL's path without its trailing slash (`''` for the root). */
  basePath: string
  /** The base URL's own query, without `?`. */
  baseQuery: string
  /** Injected credential headers and the app's `api.headers`, lower-cased names. */
  headers: Record<string, string>
  /** Injected credential query parameters. */
  query: Array<[string, string]>
  /** Credential values that must never be passed back in a response header. */
  secrets: string[]
  oauth1:
    { consumer: { key: string; secret: string }; token: string; tokenSecret: string; signatureMethod: OAuth1SignatureMethod } | undefined
  /** The access token in use, for a refresh after a 401. */
  accessToken: string | undefined
  /** An OAuth2 connection that can get a new access token. */
  refreshable: boolean
}

/** What the request body looks like once the proxy has decided how to send it. */
type Body =
  | { kind: 'none' }
  | { kind: 'buffer'; data: Buffer }
  | { kind: 'stream'; stream: Readable | AsyncIterable<Buffer>; length: number | undefined }

/** The row fields read on every request: whether the connection may be used and which version it is at. */
interface ConnectionState {
  status: string
  status_reason: string | null
  version: number | string
  expires_at: number | string | null
  refresh_started_at: number | string | null
}

class RequestTooLargeError extends Error {
  override name = 'RequestTooLargeError'
}

/** Credential fields that are secret whatever the option says. */
const SECRET_CREDENTIALS = new Set(['access_token', 'refresh_token', 'id_token', 'client_secret', 'oauth_token', 'oauth_token_secret'])
/** Refresh this long before expiry, as `CredentialService.fresh` does by default. */
const MIN_VALIDITY_MS = 120_000
/** Wait before an opt-in 429 retry when the app gives no Retry-After. */
const DEFAULT_RETRY_AFTER_MS = 1000
const NO_BODY_STATUS = new Set([204, 304])

/**
 * `ANY /v1/proxy/{connection_id}/{path}`: forwards a request to the app's API with the connection's
 * credentials, streaming both bodies. See docs/proxy.md for the behaviour and SECURITY.md for the rules
 * it implements (outbound address policy, no redirects followed, credential and hop-by-hop headers
 * stripped, caps and timeouts).
 */
export class ProxyService {
  private readonly agent: Agent
  private readonly cache = new Map<string, Target>()
  private readonly ttlMs: number
  private readonly statusTtlMs: number
  /** Compiled once (the hot path skips Kysely's builder and compiler); parameters: id, partner, end user. */
  private readonly stateQuery: CompiledQuery<ConnectionState>

  constructor(private readonly deps: ProxyDeps) {
    const { config, addressPolicy } = deps
    this.ttlMs = config.cacheTtlSeconds * 1000
    this.statusTtlMs = Math.min(config.statusTtlMs, 1000)
    this.stateQuery = deps.db
      .selectFrom('connections')
      .select(['status', 'status_reason', 'version', 'expires_at', 'refresh_started_at'])
      .where('id', '=', '')
      .where('partner_id', '=', '')
      .where('end_user_id', '=', '')
      .compile()
    // One keep-alive pool per origin; every new socket resolves through the address policy.
    this.agent = new Agent({
      connect: { lookup: addressPolicy.lookup },
      connections: config.connectionsPerOrigin,
      keepAliveTimeout: 10_000,
      headersTimeout: config.headersTimeoutMs,
      bodyTimeout: config.bodyTimeoutMs,
    })
  }

  async forward(req: ProxyRequest): Promise<ProxyResponse> {
    let tail: ProxyTail
    try {
      tail = parseProxyTail(req.tail)
    } catch (err) {
      if (err instanceof ProxyPathError) throw new PatchbayError('PB_ERR_VALIDATION', `bad proxy path: ${err.message}`)
      throw err
    }
    // The common case (a cached target, a request without a body) takes no promise until the app call.
    let target = this.cachedTarget(req.owner, req.connectionId, Date.now()) ?? (await this.target(req))
    const body = hasNoBody(req) ? NO_BODY : await this.readBody(req, target)
    let refreshed = false
    let retried429 = 0
    for (;;) {
      const res = await this.send(target, req, tail, body)
      const replayable = body.kind !== 'stream'
      if (res.statusCode === 401 && replayable && !refreshed && target.refreshable && !req.gone()) {
        // One refresh (unless a sibling already did one) and one retry with the new token.
        res.discard()
        refreshed = true
        let fresh: FreshCredentials
        try {
          fresh = await this.deps.credentials.fresh(req.owner, req.connectionId, {
            rejectedAccessToken: target.accessToken,
            log: req.log(),
          })
        } catch (err) {
          this.cache.delete(req.connectionId)
          throw err
        }
        target = await this.remember(fresh)
        continue
      }
      if (res.statusCode === 429 && replayable && retried429 < req.retry429) {
        const wait = retryAfterMs(res.headers['retry-after'])
        if (wait <= this.deps.config.retryAfterMaxSeconds * 1000 && !req.gone()) {
          res.discard()
          retried429++
          await sleep(wait)
          if (req.gone()) throw new PatchbayError('PB_ERR_UPSTREAM', 'the caller went away')
          continue
        }
      }
      return this.respond(target, req, tail, res)
    }
  }

  /** Drops cached targets (all, or one connection's). */
  forget(connectionId?: string): void {
    if (connectionId === undefined) this.cache.clear()
    else this.cache.delete(connectionId)
  }

  /**
   * Called once the HTTP server has closed: an upstream call still open has no caller left (one still
   * waiting for its app's head would otherwise hold shutdown for up to proxy.headersTimeoutMs).
   */
  close(): Promise<void> {
    this.cache.clear()
    return this.agent.destroy()
  }

  /**
   * The connection's target. A cached one serves only its owner. The row's status and version are
   * read (scoped to the owner: another user's id is not found) unless they were read less than
   * `statusTtlMs` (at most 1 s) ago; the prepared target is reused only for the same version, within
   * the cache TTL, while no refresh is pending and the token is not near expiry.
   */
  private async target(req: ProxyRequest): Promise<Target> {
    const { owner, connectionId } = req
    const now = Date.now()
    const hit = this.cachedTarget(owner, connectionId, now)
    if (hit) return hit
    let cached = this.cache.get(connectionId)
    if (cached && (cached.partnerId !== owner.partnerId || cached.endUserId !== owner.endUserId)) cached = undefined
    const { rows } = await this.deps.db.executeQuery<ConnectionState>({
      ...this.stateQuery,
      parameters: [connectionId, owner.partnerId, owner.endUserId],
    })
    const row = rows[0]
    if (!row) {
      if (cached) this.cache.delete(connectionId)
      throw new PatchbayError('PB_ERR_NOT_FOUND', `connection ${connectionId} not found`)
    }
    if (row.status === 'needs_reauth') {
      if (cached) this.cache.delete(connectionId)
      throw new CredentialRevokedError(connectionId, row.status_reason ?? 'refresh failed')
    }
    if (cached) {
      if (cached.version === Number(row.version) && row.refresh_started_at === null && this.usable(cached, now)) {
        cached.checkedAt = now
        return this.touch(cached, now)
      }
      this.cache.delete(connectionId)
    }
    return this.remember(await this.deps.credentials.fresh(owner, connectionId, { log: req.log() }))
  }

  /** Within the cache TTL, and the token (if it expires) is not due for a refresh. */
  private usable(target: Target, now: number): boolean {
    return now - target.cachedAt < this.ttlMs && (target.expiresAt === null || target.expiresAt - now >= MIN_VALIDITY_MS)
  }

  /** The cached target when it may be used without reading the database (its owner's, checked within the status TTL). */
  private cachedTarget(owner: Owner, connectionId: string, now: number): Target | undefined {
    const cached = this.cache.get(connectionId)
    if (!cached || cached.partnerId !== owner.partnerId || cached.endUserId !== owner.endUserId) return undefined
    if (now - cached.checkedAt >= this.statusTtlMs || !this.usable(cached, now)) return undefined
    return this.touch(cached, now)
  }

  /** Marks an entry most recently used (the first key of the map is the one evicted), at most once a second. */
  private touch(target: Target, now: number): Target {
    if (now - target.touchedAt < 1000) return target
    target.touchedAt = now
    this.cache.delete(target.connectionId)
    this.cache.set(target.connectionId, target)
    return target
  }

  private async remember(fresh: FreshCredentials): Promise<Target> {
    const target = await this.build(fresh.connection, fresh.credentials)
    if (this.ttlMs > 0) {
      this.cache.delete(target.connectionId)
      if (this.cache.size >= this.deps.config.cacheMaxEntries) this.cache.delete(this.cache.keys().next().value as string)
      this.cache.set(target.connectionId, target)
    }
    return target
  }

  private async build(connection: Connection, credentials: Credentials): Promise<Target> {
    const app = this.deps.catalog.get(connection.appKey)
    const option = app?.auth.find((o) => o.key === connection.authOption)
    if (!app || !option) throw new PatchbayError('PB_ERR_UPSTREAM', `app ${connection.appKey} is no longer available on this server`)
    const partnerApp = await this.deps.partnerApps.get(connection.partnerId, app.key)
    const settings = partnerApp?.settings ?? {}
    const values = { params: connection.params, metadata: connection.metadata, settings, credentials: credentialValues(credentials) }
    const policy = this.deps.addressPolicy
    let base: URL
    try {
      base = renderUrl(app.api.base_url, values, allowedHostsFor(app, settings), {
        allowHttp: (host) => policy.allowsPlainHttp(host),
        fields: { params: connectionParamsFor(app, option), settings: app.settings ?? [] },
      })
      policy.checkUrl(base)
    } catch (err) {
      if (err instanceof TemplateError || err instanceof OutboundBlockedError) {
        throw new PatchbayError('PB_ERR_OUTBOUND_BLOCKED', `the API base URL of ${app.name} cannot be used: ${err.message}`)
      }
      throw err
    }
    let injection: ReturnType<typeof injectCredentials>
    try {
      injection = injectCredentials(app, option, values)
    } catch (err) {
      if (err instanceof TemplateError)
        throw new PatchbayError(
          'PB_ERR_UPSTREAM',
          `the credentials of connection ${connection.id} cannot be sent to ${app.name}: ${err.message}`,
        )
      throw err
    }
    let oauth1: Target['oauth1']
    if (option.type === 'oauth1') {
      if (!partnerApp?.clientId || !partnerApp.clientSecret)
        throw new PatchbayError('PB_ERR_UPSTREAM', `${app.name} has no OAuth client configured`)
      oauth1 = {
        consumer: { key: partnerApp.clientId, secret: partnerApp.clientSecret },
        token: String(credentials.oauth_token ?? ''),
        tokenSecret: String(credentials.oauth_token_secret ?? ''),
        signatureMethod: option.signature_method,
      }
    }
    const accessToken = typeof credentials.access_token === 'string' ? credentials.access_token : undefined
    return {
      connectionId: connection.id,
      partnerId: connection.partnerId,
      endUserId: connection.endUserId,
      version: connection.version,
      expiresAt: connection.expiresAt,
      cachedAt: Date.now(),
      checkedAt: Date.now(),
      touchedAt: Date.now(),
      origin: base.origin,
      basePath: base.pathname.replace(/\/+$/, ''),
      baseQuery: base.search.slice(1),
      headers: injection.headers,
      query: Object.entries(injection.query),
      secrets: secretsOf(app, option, credentials, injection.headers),
      oauth1,
      accessToken,
      refreshable:
        connection.authType === 'oauth2_client_credentials' ||
        (connection.authType === 'oauth2' && typeof credentials.refresh_token === 'string' && credentials.refresh_token !== ''),
    }
  }

  /**
   * Decides how the body travels: none; held in memory (up to `replayBytes`, when a retry may need it
   * or OAuth 1.0a must sign a form body); or streamed once, counted against `maxRequestBytes`.
   */
  private async readBody(req: ProxyRequest, target: Target): Promise<Body> {
    const { headers } = req
    const { maxRequestBytes, replayBytes } = this.deps.config
    if (hasNoBody(req)) return NO_BODY
    const lengthHeader = headers['content-length']
    const chunked = headers['transfer-encoding'] !== undefined
    const declared = chunked ? undefined : Number(lengthHeader)
    if (declared !== undefined && declared > maxRequestBytes) {
      throw new PatchbayError('PB_ERR_PAYLOAD_TOO_LARGE', `the request body exceeds the proxy's ${maxRequestBytes} byte cap`)
    }
    const signsForm = target.oauth1 !== undefined && /^application\/x-www-form-urlencoded\b/i.test(headers['content-type'] ?? '')
    const mayRetry = target.refreshable || req.retry429 > 0 || signsForm
    if (!mayRetry || (declared !== undefined && declared > replayBytes)) {
      if (signsForm)
        throw new PatchbayError('PB_ERR_PAYLOAD_TOO_LARGE', `form bodies signed with OAuth 1.0a are limited to ${replayBytes} bytes`)
      // Through a generator rather than the request itself: undici destroys a stream body when the
      // upstream request fails, which would take the caller's socket (and our error answer) with it.
      return { kind: 'stream', stream: capped(req.body[Symbol.asyncIterator](), [], 0, maxRequestBytes), length: declared }
    }
    // Small enough to keep (or of unknown size): read up to the replay cap.
    const iterator: AsyncIterator<Buffer> = req.body[Symbol.asyncIterator]()
    const chunks: Buffer[] = []
    let size = 0
    for (;;) {
      const next = await iterator.next()
      if (next.done) return { kind: 'buffer', data: chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size) }
      size += next.value.length
      if (size > maxRequestBytes) {
        throw new PatchbayError('PB_ERR_PAYLOAD_TOO_LARGE', `the request body exceeds the proxy's ${maxRequestBytes} byte cap`)
      }
      chunks.push(next.value)
      if (size > replayBytes) {
        if (signsForm) {
          throw new PatchbayError('PB_ERR_PAYLOAD_TOO_LARGE', `form bodies signed with OAuth 1.0a are limited to ${replayBytes} bytes`)
        }
        // Too big to keep: what was read goes first, the rest streams behind it, once.
        return { kind: 'stream', stream: capped(iterator, chunks, size, maxRequestBytes), length: undefined }
      }
    }
  }

  private async send(target: Target, req: ProxyRequest, tail: ProxyTail, body: Body): Promise<UpstreamAnswer> {
    const path = target.basePath + tail.path || '/'
    const query = upstreamQuery(target.baseQuery, tail.query, target.query)
    const pathAndQuery = query === '' ? path : `${path}?${query}`
    const headers = upstreamRequestHeaders(req.headers, target.headers)
    if (target.oauth1) {
      const form = body.kind === 'buffer' && /^application\/x-www-form-urlencoded\b/i.test(req.headers['content-type'] ?? '')
      headers.authorization = signedAuthorizationHeader({
        method: req.method,
        url: target.origin + pathAndQuery,
        ...target.oauth1,
        ...(form ? { bodyParams: Object.fromEntries(new URLSearchParams(body.data.toString('utf8'))) } : {}),
      })
    }
    let payload: Dispatcher.DispatchOptions['body'] = null
    if (body.kind === 'buffer') payload = body.data
    else if (body.kind === 'stream') {
      payload = body.stream as Readable
      if (body.length !== undefined) headers['content-length'] = String(body.length)
    }
    const answer = new UpstreamAnswer()
    this.agent.dispatch(
      { origin: target.origin, path: pathAndQuery, method: req.method as Dispatcher.HttpMethod, headers, body: payload },
      answer,
    )
    try {
      return await answer.head
    } catch (err) {
      throw upstreamError(err, target)
    }
  }

  private respond(target: Target, req: ProxyRequest, tail: ProxyTail, res: UpstreamAnswer): ProxyResponse {
    const { maxResponseBytes } = this.deps.config
    const raw = res.headers
    const location = raw.location
    if (typeof location === 'string' && res.statusCode >= 300 && res.statusCode < 400) {
      raw.location = this.rewriteLocation(location, target, req, tail)
    }
    const headers = downstreamResponseHeaders(raw, target.secrets)
    headers['patchbay-connection-id'] = target.connectionId
    if (req.method === 'HEAD' || NO_BODY_STATUS.has(res.statusCode)) {
      res.discard()
      return { statusCode: res.statusCode, headers, body: null, maxBytes: maxResponseBytes }
    }
    const length = raw['content-length']
    if (length !== undefined && Number(length) > maxResponseBytes) {
      res.discard()
      throw new PatchbayError(
        'PB_ERR_UPSTREAM',
        `the response of ${hostOf(target)} (${length} bytes) exceeds the proxy's ${maxResponseBytes} byte cap`,
      )
    }
    // A declared length is enforced by undici; an undeclared one is counted as the body goes out.
    return { statusCode: res.statusCode, headers, body: res, maxBytes: maxResponseBytes }
  }

  /**
   * Redirects are never followed. A Location under the base URL becomes the matching proxy URL (so a
   * client that follows it comes back through the proxy, credentials injected by Patchbay); any other
   * Location is passed back as an absolute URL, for the caller to follow or not, with nothing of
   * Patchbay's attached. Injected credential query parameters are removed from it, and a Location that
   * still carries a credential is dropped (see downstreamResponseHeaders).
   */
  private rewriteLocation(location: string, target: Target, req: ProxyRequest, tail: ProxyTail): string {
    let url: URL
    try {
      url = new URL(location, `${target.origin}${target.basePath}${tail.path || '/'}`)
    } catch {
      return location
    }
    if (url.origin !== target.origin) return location
    for (const [name] of target.query) url.searchParams.delete(name)
    const path = url.pathname
    if (target.basePath === '' || path === target.basePath || path.startsWith(`${target.basePath}/`)) {
      return `${this.deps.publicUrl()}/v1/proxy/${req.connectionId}${path.slice(target.basePath.length)}${url.search}`
    }
    return url.href
  }
}

const NO_BODY: Body = { kind: 'none' }

/** GET and HEAD send no body; nor does a request announcing none (no length or 0, not chunked). */
function hasNoBody(req: ProxyRequest): boolean {
  if (req.method === 'GET' || req.method === 'HEAD') return true
  const length = req.headers['content-length']
  return req.headers['transfer-encoding'] === undefined && (length === undefined || length === '0')
}

function hostOf(target: Target): string {
  return target.origin.replace(/^https?:\/\//, '')
}

/** Maps a failure to reach the app to a Patchbay error; never quotes the URL (it may carry credentials). */
function upstreamError(err: unknown, target: Target): Error {
  if (err instanceof RequestTooLargeError) return new PatchbayError('PB_ERR_PAYLOAD_TOO_LARGE', err.message)
  if (err instanceof PatchbayError) return err
  const e = err as { name?: string; code?: string; message?: string }
  if (err instanceof OutboundBlockedError || e.code === 'PB_OUTBOUND_BLOCKED') {
    return new PatchbayError('PB_ERR_OUTBOUND_BLOCKED', `refusing to connect to ${hostOf(target)}: private, loopback or reserved address`)
  }
  if (e.name === 'AbortError' || e.code === 'UND_ERR_ABORTED')
    return new PatchbayError('PB_ERR_UPSTREAM', 'the request was aborted', { cause: err })
  const timedOut = e.code === 'UND_ERR_HEADERS_TIMEOUT' || e.code === 'UND_ERR_CONNECT_TIMEOUT' || e.code === 'UND_ERR_BODY_TIMEOUT'
  return new PatchbayError(
    'PB_ERR_UPSTREAM',
    timedOut ? `${hostOf(target)} did not answer in time` : `${hostOf(target)} could not be reached`,
    {
      cause: err,
    },
  )
}

/** Streams an iterator's remaining chunks after `prefix`, refusing to go past `max` bytes. */
async function* capped(iterator: AsyncIterator<Buffer>, prefix: Buffer[], already: number, max: number): AsyncGenerator<Buffer> {
  for (const chunk of prefix) yield chunk
  let size = already
  for (;;) {
    const next = await iterator.next()
    if (next.done) return
    size += next.value.length
    if (size > max) {
      throw new RequestTooLargeError(`the request body exceeds the proxy's ${max} byte cap`)
    }
    yield next.value
  }
}

/** Retry-After as milliseconds (delta-seconds or an HTTP date); a default when absent or unreadable. */
export function retryAfterMs(value: string | string[] | undefined, now: number = Date.now()): number {
  const text = Array.isArray(value) ? value[0] : value
  if (text === undefined || text.trim() === '') return DEFAULT_RETRY_AFTER_MS
  if (/^\d+$/.test(text.trim())) return Number(text.trim()) * 1000
  const date = Date.parse(text)
  if (Number.isNaN(date)) return DEFAULT_RETRY_AFTER_MS
  return Math.max(0, date - now)
}

/** The values a response header must never carry: the connection's secrets as sent. */
function secretsOf(app: App, option: AuthOption, credentials: Credentials, injected: Record<string, string>): string[] {
  const secretFields = new Set(SECRET_CREDENTIALS)
  if ('credential_fields' in option) for (const field of option.credential_fields) if (field.secret) secretFields.add(field.key)
  const out = new Set<string>()
  const add = (value: string) => {
    // Short values would match innocent headers; real secrets are longer.
    if (value.length < 8) return
    out.add(value)
    const encoded = encodeURIComponent(value)
    if (encoded !== value) out.add(encoded)
  }
  for (const [key, value] of Object.entries(credentials)) if (secretFields.has(key) && typeof value === 'string') add(value)
  const appHeaders = new Set(Object.keys(app.api.headers ?? {}).map((name) => name.toLowerCase()))
  for (const [name, value] of Object.entries(injected)) if (!appHeaders.has(name)) add(value.replace(/^(Bearer|Basic|Token)\s+/i, ''))
  return [...out]
}
