import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http'
import type { Readable } from 'node:stream'
import { setTimeout as sleep } from 'node:timers/promises'
import type { CompiledQuery, Kysely } from 'kysely'
import type { Agent, Dispatcher } from 'undici'
import type { Catalog } from '../catalog/load-catalog.js'
import type { Config } from '../config/config.js'
import type { Owner } from '../connections/connection-types.js'
import { CredentialRevokedError, type CredentialService, type FreshCredentials } from '../credentials/credential-service.js'
import type { Database } from '../db/schema.js'
import { PatchbayError } from '../errors.js'
import { retryAfterMs } from '../lib/retry-after.js'
import { undici } from '../lib/undici.js'
import type { LineLogger } from '../logger.js'
import type { Metrics } from '../metrics/metrics.js'
import type { AddressPolicy } from '../outbound/address-policy.js'
import type { PartnerApps } from '../partners/partner-apps.js'
import { signedAuthorizationHeader } from '../provider-oauth/oauth1/sign.js'
import { downstreamResponseHeaders, upstreamRequestHeaders } from './headers.js'
import { rewriteLocation } from './location.js'
import { ProxyPathError, type ProxyTail, parseProxyTail, upstreamQuery } from './path.js'
import { type Body, hasNoBody, NO_BODY, readBody } from './request-body.js'
import { buildTarget, hostOf, type Target } from './target.js'
import { TargetCache } from './target-cache.js'
import { UpstreamAnswer } from './upstream-answer.js'
import { upstreamError } from './upstream-errors.js'

// The forward loop in one place; what it calls lives beside it: target.ts (what to call and with
// which credentials), target-cache.ts, request-body.ts, location.ts, upstream-errors.ts, headers.ts,
// path.ts and upstream-answer.ts (docs/architecture.md, "Where each flow lives").

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
  /** Counts each call by app and status (docs/operations.md, "Metrics"); none when absent. */
  metrics?: Metrics
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
  /** Aborts the exchange under way (an action run canceled or out of time). */
  signal?: AbortSignal
  /** One of the app's other API base URLs (`api.base_urls`) instead of `base_url` (actions only). */
  base?: string
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

/** The row fields read on every request: whether the connection may be used and which version it is at. */
interface ConnectionState {
  status: string
  status_reason: string | null
  version: number | string
  expires_at: number | string | null
  refresh_started_at: number | string | null
}

/** The app label of a call refused before its connection was read (unknown id, revoked, bad path). */
const UNKNOWN_APP = '(unknown)'
/** Wait before an opt-in 429 retry when the app gives no (readable) Retry-After. */
const DEFAULT_RETRY_AFTER_MS = 1000
const NO_BODY_STATUS = new Set([204, 304])
const REDACTED = '[redacted]'
/** Header names that carry credentials whatever their value (a dry run shows none of them). */
const CREDENTIAL_HEADER = /^(authorization|proxy-authorization|cookie)$|api[-_]?key|token|secret|password|credential|signature/i

/** The caller's path and query, checked (a refusal is the caller's 400). */
function checkedTail(raw: string): ProxyTail {
  try {
    return parseProxyTail(raw)
  } catch (err) {
    if (err instanceof ProxyPathError) throw new PatchbayError('PB_ERR_VALIDATION', `bad proxy path: ${err.message}`)
    throw err
  }
}

/** The target with one of the app's other base URLs in place of its main one. */
function onBase(target: Target, base: string | undefined): Target {
  if (base === undefined) return target
  const other = Object.hasOwn(target.bases, base) ? target.bases[base] : undefined
  if (!other) throw new PatchbayError('PB_ERR_VALIDATION', `the app has no API base URL named "${base}"`)
  return { ...target, ...other }
}

/**
 * `ANY /v1/proxy/{connection_id}/{path}`: forwards a request to the app's API with the connection's
 * credentials, streaming both bodies. See docs/proxy.md for the behaviour and docs/security.md for the rules
 * it implements (outbound address policy, no redirects followed, credential and hop-by-hop headers
 * stripped, caps and timeouts).
 */
export class ProxyService {
  /** Created with the first proxied call (lib/undici.ts); `agentLoading` until then. */
  private agent: Agent | undefined
  private agentLoading: Promise<Agent> | undefined
  private closed = false
  private readonly cache: TargetCache
  /** Compiled once (the hot path skips Kysely's builder and compiler); parameters: id, partner, end user. */
  private readonly stateQuery: CompiledQuery<ConnectionState>

  constructor(private readonly deps: ProxyDeps) {
    const { config } = deps
    this.cache = new TargetCache({
      ttlMs: config.cacheTtlSeconds * 1000,
      statusTtlMs: Math.min(config.statusTtlMs, 1000),
      maxEntries: config.cacheMaxEntries,
    })
    this.stateQuery = deps.db
      .selectFrom('connections')
      .select(['status', 'status_reason', 'version', 'expires_at', 'refresh_started_at'])
      .where('id', '=', '')
      .where('partner_id', '=', '')
      .where('end_user_id', '=', '')
      .compile()
  }

  /**
   * Forwards one call; with metrics on, counts it once it is decided (the status the caller gets, or
   * the error's) in the same function: no wrapper promise per call (BENCHMARKS.md, "Metrics").
   */
  async forward(req: ProxyRequest): Promise<ProxyResponse> {
    const metrics = this.deps.metrics?.enabled ? this.deps.metrics : undefined
    let app = UNKNOWN_APP
    try {
      const tail = checkedTail(req.tail)
      // The common case (a cached target, a request without a body) takes no promise until the app call.
      let target = this.cache.fresh(req.owner, req.connectionId, Date.now()) ?? (await this.target(req))
      app = target.appKey
      const body = hasNoBody(req) ? NO_BODY : await readBody(req, target, this.deps.config)
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
          const wait = retryAfterMs(res.headers['retry-after']) ?? DEFAULT_RETRY_AFTER_MS
          if (wait <= this.deps.config.retryAfterMaxSeconds * 1000 && !req.gone()) {
            res.discard()
            retried429++
            await sleep(wait)
            if (req.gone()) throw new PatchbayError('PB_ERR_UPSTREAM', 'the caller went away')
            continue
          }
        }
        const answer = this.respond(onBase(target, req.base), req, tail, res)
        metrics?.proxyCall(app, answer.statusCode)
        return answer
      }
    } catch (err) {
      metrics?.proxyCall(app, err instanceof PatchbayError ? err.status : 500)
      throw err
    }
  }

  /**
   * What {@link forward} would send for this request, sending nothing (an action's dry run): the
   * credentials resolved (refreshed when near expiry) and injected as for a real call, then every
   * credential value in the URL and headers replaced by `[redacted]` (docs/actions.md, "Dry runs").
   */
  async describe(
    req: Pick<ProxyRequest, 'owner' | 'connectionId' | 'method' | 'tail' | 'headers' | 'log' | 'base'>,
  ): Promise<{ method: string; url: string; headers: Record<string, string> }> {
    const tail = checkedTail(req.tail)
    const target = onBase(this.cache.fresh(req.owner, req.connectionId, Date.now()) ?? (await this.target(req as ProxyRequest)), req.base)
    const path = target.basePath + tail.path || '/'
    // Injected query credentials are shown by name only, whatever their value.
    const query = upstreamQuery(
      target.baseQuery,
      tail.query,
      target.query.map(([name]) => [name, REDACTED] as const),
    ).replaceAll(encodeURIComponent(REDACTED), REDACTED)
    const hide = (text: string) => target.secrets.reduce((out, secret) => out.split(secret).join(REDACTED), text)
    const injected = new Set(target.credentialHeaders.map((name) => name.toLowerCase()))
    const headers: Record<string, string> = {}
    for (const [name, value] of Object.entries(upstreamRequestHeaders(req.headers, target.headers))) {
      if (value === undefined) continue
      const text = Array.isArray(value) ? value.join(', ') : String(value)
      // A credential header is hidden whole, however short its value; only a known scheme is kept.
      const scheme = /^(Bearer|Basic|Token|Bot|OAuth|Digest) /i.exec(text)?.[0] ?? ''
      headers[name] = injected.has(name) || CREDENTIAL_HEADER.test(name) ? `${scheme}${REDACTED}` : hide(text)
    }
    if (target.oauth1) headers.authorization = 'OAuth [redacted: signed per request]'
    return { method: req.method, url: hide(target.origin + (query === '' ? path : `${path}?${query}`)), headers }
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
    this.closed = true
    return this.agent?.destroy() ?? Promise.resolve()
  }

  /** The agent, once undici is loaded: one keep-alive pool per origin; every new socket resolves through the address policy. */
  private loadAgent(): Promise<Agent> {
    const { config, addressPolicy } = this.deps
    this.agentLoading ??= undici().then(({ Agent }) => {
      if (this.closed) throw new Error('the proxy is closed')
      return (this.agent = new Agent({
        connect: { lookup: addressPolicy.lookup },
        connections: config.connectionsPerOrigin,
        keepAliveTimeout: 10_000,
        headersTimeout: config.headersTimeoutMs,
        bodyTimeout: config.bodyTimeoutMs,
      }))
    })
    return this.agentLoading
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
    const hit = this.cache.fresh(owner, connectionId, now)
    if (hit) return hit
    const cached = this.cache.owned(owner, connectionId)
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
      if (cached.version === Number(row.version) && row.refresh_started_at === null && this.cache.usable(cached, now)) {
        cached.checkedAt = now
        return cached
      }
      this.cache.delete(connectionId)
    }
    return this.remember(await this.deps.credentials.fresh(owner, connectionId, { log: req.log() }))
  }

  private async remember(fresh: FreshCredentials): Promise<Target> {
    const target = await buildTarget(this.deps, fresh.connection, fresh.credentials)
    this.cache.set(target)
    return target
  }

  private async send(main: Target, req: ProxyRequest, tail: ProxyTail, body: Body): Promise<UpstreamAnswer> {
    const target = onBase(main, req.base)
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
    // Before the abort listener below: only the first call ever waits here (undici loading).
    const agent = this.agent ?? (await this.loadAgent())
    const answer = new UpstreamAnswer()
    const { signal } = req
    if (signal) {
      if (signal.aborted) throw upstreamError(signal.reason, target)
      signal.addEventListener('abort', () => answer.cancel(signal.reason instanceof Error ? signal.reason : new Error('aborted')), {
        once: true,
      })
    }
    agent.dispatch(
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
    // A redirect from one of the app's other base URLs has no /v1/proxy form: it is left as the app sent it.
    if (typeof location === 'string' && res.statusCode >= 300 && res.statusCode < 400 && req.base === undefined) {
      raw.location = rewriteLocation(location, target, tail, `${this.deps.publicUrl()}/v1/proxy/${req.connectionId}`)
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
}
