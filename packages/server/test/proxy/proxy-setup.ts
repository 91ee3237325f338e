/**
 * Shared setup of the proxy suites: a local upstream standing in for an app's API on 127.0.0.1 (every
 * request recorded raw), custom config apps pointing at it, end users with tokens, and connections
 * stored directly through the ConnectionStore.
 */
import { createHash } from 'node:crypto'
import {
  createServer,
  request as httpRequest,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import type { Credentials } from '../../src/connections/connection-types.js'
import type { DatabaseTarget } from '../helpers/databases.js'
import { startTestServer, type TestServer } from '../helpers/test-server.js'
import { exchange } from '../helpers/token-request.js'

export interface UpstreamRequest {
  method: string
  /** The raw request target, exactly as received. */
  url: string
  headers: IncomingHttpHeaders
  rawHeaders: string[]
  /** Bytes received (the whole body, even when not kept). */
  bytes: number
  /** The body as text, first 64 KiB only. */
  body: string
  sha256: string
  /** When the first body byte arrived (ms since epoch), undefined without a body. */
  firstByteAt: number | undefined
  /** True when the client went away before the body ended. */
  aborted: boolean
}

export type UpstreamHandler = (req: IncomingMessage, res: ServerResponse, recorded: UpstreamRequest) => void | Promise<void>

export interface Upstream {
  url: string
  port: number
  requests: UpstreamRequest[]
  /** TCP connections accepted. */
  connections: number
  /** Replaces the handler; the default echoes the request as JSON. */
  handle(handler: UpstreamHandler | undefined): void
  /** Called with each request as soon as its headers arrive, before the body is read (streaming tests). */
  onHeaders: ((req: IncomingMessage, recorded: UpstreamRequest) => void) | undefined
  reset(): void
  close(): Promise<void>
}

export const echo: UpstreamHandler = (_req, res, recorded) => {
  const body = JSON.stringify({
    method: recorded.method,
    url: recorded.url,
    headers: recorded.headers,
    body: recorded.body,
    bytes: recorded.bytes,
  })
  res.writeHead(200, { 'content-type': 'application/json', 'x-upstream': 'yes' }).end(body)
}

/** A local HTTP server standing in for an app's API. Reads the whole body before calling the handler. */
export async function startUpstream(): Promise<Upstream> {
  let handler: UpstreamHandler = echo
  const sockets = new Set<Socket>()
  const state: Upstream = {
    url: '',
    port: 0,
    requests: [],
    connections: 0,
    onHeaders: undefined,
    handle(h) {
      handler = h ?? echo
    },
    reset() {
      state.requests.length = 0
      state.connections = 0
      state.onHeaders = undefined
      handler = echo
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy()
        server.close(() => resolve())
      }),
  }
  const server: Server = createServer((req, res) => {
    const recorded: UpstreamRequest = {
      method: req.method ?? '',
      url: req.url ?? '',
      headers: req.headers,
      rawHeaders: req.rawHeaders,
      bytes: 0,
      body: '',
      sha256: '',
      firstByteAt: undefined,
      aborted: false,
    }
    state.requests.push(recorded)
    state.onHeaders?.(req, recorded)
    const hash = createHash('sha256')
    const kept: Buffer[] = []
    let keptBytes = 0
    req.on('data', (chunk: Buffer) => {
      recorded.firstByteAt ??= Date.now()
      recorded.bytes += chunk.length
      hash.update(chunk)
      if (keptBytes < 65536) {
        kept.push(chunk)
        keptBytes += chunk.length
      }
    })
    req.on('aborted', () => {
      recorded.aborted = true
    })
    req.on('error', () => {
      recorded.aborted = true
    })
    req.on('end', () => {
      recorded.body = Buffer.concat(kept).subarray(0, 65536).toString('utf8')
      recorded.sha256 = hash.digest('hex')
      Promise.resolve(handler(req, res, recorded)).catch((err: Error) => {
        if (!res.headersSent) res.writeHead(500).end(err.message)
        else res.destroy()
      })
    })
  })
  server.on('connection', (socket: Socket) => {
    state.connections++
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  state.port = (server.address() as AddressInfo).port
  state.url = `http://127.0.0.1:${state.port}`
  return state
}

export interface RawResponse {
  status: number
  headers: IncomingHttpHeaders
  body: string
  /** True when the connection broke before the response ended. */
  aborted: boolean
}

export interface RawRequestOptions {
  method?: string
  /** The request target, sent exactly as given (no normalization, unlike fetch). */
  path: string
  headers?: Record<string, string | string[]>
  body?: string | Buffer
}

/** One HTTP request with node:http, so paths and headers go out exactly as written. */
export function rawRequest(base: string, options: RawRequestOptions): Promise<RawResponse> {
  const url = new URL(base)
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: url.hostname, port: url.port, method: options.method ?? 'GET', path: options.path, headers: options.headers, agent: false },
      (res) => {
        const chunks: Buffer[] = []
        let aborted = false
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('aborted', () => {
          aborted = true
        })
        res.on('error', () => {
          aborted = true
        })
        res.on('close', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8'),
            aborted: aborted || !res.complete,
          }),
        )
      },
    )
    req.on('error', reject)
    req.end(options.body)
  })
}

export interface EndUser {
  token: string
  partnerId: string
  endUserId: string
  auth: { authorization: string }
}

/** Exchanges a JWT for `sub` and returns the token and the end user it acts for. */
export async function endUser(t: TestServer, sub: string, scope?: string): Promise<EndUser> {
  const res = await exchange(t, await t.sign({ sub }), scope ? { scope } : {})
  if (res.status !== 200) throw new Error(`exchange failed: ${JSON.stringify(res.json)}`)
  const token = res.json.access_token as string
  const principal = await t.server.services.accessTokens.authenticate(token)
  if (!principal) throw new Error('token does not authenticate')
  return { token, partnerId: principal.partnerId, endUserId: principal.endUserId, auth: { authorization: `Bearer ${token}` } }
}

export interface NewConnection {
  app: string
  authOption?: string
  authType?: string
  credentials: Credentials
  params?: Record<string, string>
  metadata?: Record<string, string>
  expiresAt?: number | null
}

/** Stores a connection for `user` directly (no Connect UI), in a transaction. */
export async function addConnection(t: TestServer, user: EndUser, c: NewConnection): Promise<string> {
  const created = await t.server.services.database.db.transaction().execute((trx) =>
    t.server.services.connections
      .create(
        trx,
        { partnerId: user.partnerId, endUserId: user.endUserId },
        {
          appKey: c.app,
          authOption: c.authOption ?? 'api_key',
          authType: c.authType ?? c.authOption ?? 'api_key',
          accountIdentifier: null,
          scopes: [],
          params: c.params ?? {},
          metadata: c.metadata ?? {},
          credentials: c.credentials,
          expiresAt: c.expiresAt ?? null,
        },
        { allowMultiple: true },
      )
      .then((stored) => stored.connection),
  )
  return created.id
}

/** An API-key app on the upstream: `Authorization: Bearer {api_key}` plus an API version header. */
export function apiKeyApp(key: string, baseUrl: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    key,
    name: `Local API ${key}`,
    description: 'A local stand-in for an app API',
    categories: ['developer-tools'],
    docs_url: 'https://example.test/docs',
    api: { base_url: baseUrl, allowed_hosts: ['127.0.0.1'], headers: { 'X-Api-Version': '2024-01-01' } },
    auth: [
      {
        key: 'api_key',
        type: 'api_key',
        credential_fields: [{ key: 'api_key', label: 'API key', secret: true }],
        inject: { headers: { Authorization: 'Bearer {credentials.api_key}' } },
      },
    ],
    ...extra,
  }
}

export const API_KEY = 'sk_live_proxy_secret_0123456789'

export interface ProxySetup {
  t: TestServer
  upstream: Upstream
  alice: EndUser
  /** alice's connection to `local` (base URL `<upstream>/api`). */
  conn: string
  proxyUrl(connectionId: string, tail?: string): string
  close(): Promise<void>
}

/** Patchbay with an upstream, the `local` API-key app on it, alice and her connection. */
export async function startProxySetup(
  target: DatabaseTarget,
  options: { apps?: (upstream: Upstream) => Array<Record<string, unknown>>; config?: Record<string, unknown> } = {},
): Promise<ProxySetup> {
  const upstream = await startUpstream()
  const apps = [apiKeyApp('local', `${upstream.url}/api`), ...(options.apps?.(upstream) ?? [])]
  const t = await startTestServer({ target, config: { apps, ...options.config } })
  const alice = await endUser(t, 'alice')
  const conn = await addConnection(t, alice, { app: 'local', credentials: { api_key: API_KEY } })
  return {
    t,
    upstream,
    alice,
    conn,
    proxyUrl: (id, tail = '') => `${t.url}/v1/proxy/${id}${tail}`,
    async close() {
      await t.close()
      await upstream.close()
    },
  }
}

/** Resolves once `predicate` holds (polled), or rejects after `ms`. */
export async function until(predicate: () => boolean, ms = 5000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + ms
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}
