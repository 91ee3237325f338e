/**
 * A tiny stand-in for a third-party app's HTTP API on 127.0.0.1 (credential checks, proxied calls, actions).
 * Routes are `'METHOD /path'` keys (`:name` segments match one path segment); every request is recorded so tests
 * can assert exactly what Patchbay sent.
 */
import { randomUUID } from 'node:crypto'
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface FakeApiRequest {
  method: string
  /** Path without the query string. */
  path: string
  query: URLSearchParams
  /** Lower-cased header names, as Node parses them. */
  headers: IncomingHttpHeaders
  /** Raw body text ('' when none). */
  body: string
  /** The parsed body when it was JSON, else undefined. */
  json: unknown
  /** Values of the route's `:name` segments. */
  params: Record<string, string>
}

export interface FakeApiResponse {
  /** Default 200. */
  status?: number
  /** Sent as application/json. */
  json?: unknown
  /** Sent as is (text/plain unless headers say otherwise); ignored when json is set. */
  body?: string
  headers?: Record<string, string>
}

export type FakeApiRoute = (req: FakeApiRequest) => FakeApiResponse | Promise<FakeApiResponse>

export interface FakeApiOptions {
  /** `{ 'GET /v1/account': (req) => ({ status: 200, json: {...} }) }`. */
  routes?: Record<string, FakeApiRoute>
}

export interface FakeApi {
  /** `http://127.0.0.1:<port>`, no trailing slash. */
  readonly url: string
  /** Every request received, in order (also unmatched ones, which got a 404). */
  readonly requests: FakeApiRequest[]
  /** Adds or replaces a route while running. */
  route(key: string, handler: FakeApiRoute): void
  /** Empties `requests`. */
  reset(): void
  close(): Promise<void>
}

interface CompiledRoute {
  method: string
  pattern: RegExp
  names: string[]
  handler: FakeApiRoute
}

function compile(key: string, handler: FakeApiRoute): CompiledRoute {
  const match = /^([A-Z]+)\s+(\/\S*)$/.exec(key.trim())
  if (!match) throw new Error(`route key must look like 'GET /path', got '${key}'`)
  const names: string[] = []
  const source = match[2]!
    .split('/')
    .map((segment) => {
      if (segment.startsWith(':')) {
        names.push(segment.slice(1))
        return '([^/]+)'
      }
      return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
    })
    .join('/')
  return { method: match[1]!, pattern: new RegExp(`^${source}$`), names, handler }
}

const MAX_BODY = 1024 * 1024

export async function startFakeApi(options: FakeApiOptions = {}): Promise<FakeApi> {
  const routes = new Map<string, CompiledRoute>()
  for (const [key, handler] of Object.entries(options.routes ?? {})) routes.set(key, compile(key, handler))
  const requests: FakeApiRequest[] = []

  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = []
    let size = 0
    for await (const chunk of req) {
      size += (chunk as Buffer).length
      if (size > MAX_BODY) {
        res.writeHead(413).end()
        return
      }
      chunks.push(chunk as Buffer)
    }
    const url = new URL(req.url ?? '/', 'http://127.0.0.1')
    const body = Buffer.concat(chunks).toString('utf8')
    let json: unknown
    if (body && /\bjson\b/i.test(req.headers['content-type'] ?? '')) {
      try {
        json = JSON.parse(body)
      } catch {
        json = undefined
      }
    }
    const request: FakeApiRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: url.searchParams,
      headers: req.headers,
      body,
      json,
      params: {},
    }
    requests.push(request)

    let response: FakeApiResponse = { status: 404, json: { error: 'not_found', message: `no route for ${request.method} ${request.path}` } }
    for (const route of routes.values()) {
      if (route.method !== request.method) continue
      const m = route.pattern.exec(request.path)
      if (!m) continue
      route.names.forEach((name, i) => {
        request.params[name] = decodeURIComponent(m[i + 1]!)
      })
      try {
        response = await route.handler(request)
      } catch (err) {
        response = { status: 500, json: { error: 'handler_failed', message: (err as Error).message } }
      }
      break
    }

    const headers: Record<string, string> = { ...response.headers }
    let payload = ''
    if (response.json !== undefined) {
      payload = JSON.stringify(response.json)
      headers['content-type'] ??= 'application/json'
    } else if (response.body !== undefined) {
      payload = response.body
      headers['content-type'] ??= 'text/plain; charset=utf-8'
    }
    res.writeHead(response.status ?? 200, headers).end(payload)
  })

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject)
      resolve()
    })
  })
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`

  return {
    url,
    requests,
    route(key, handler) {
      routes.set(key, compile(key, handler))
    },
    reset() {
      requests.length = 0
    },
    close() {
      return new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()))
        server.closeAllConnections()
      })
    },
  }
}

/** The secret key a request carries, Stripe style: `Authorization: Bearer sk_…` or Basic with the key as username. */
export function stripeKeyOf(req: FakeApiRequest): string | undefined {
  const authorization = req.headers.authorization
  if (!authorization) return undefined
  const [scheme, value] = authorization.split(' ', 2)
  if (!value) return undefined
  if (scheme?.toLowerCase() === 'bearer') return value
  if (scheme?.toLowerCase() === 'basic') return Buffer.from(value, 'base64').toString('utf8').split(':')[0] || undefined
  return undefined
}

function maskKey(key: string): string {
  return key.length <= 12 ? '*'.repeat(key.length) : `${key.slice(0, 8)}${'*'.repeat(key.length - 12)}${key.slice(-4)}`
}

export interface StripeAccountOptions {
  /** The only key that works. */
  validKey: string
  /** Default 'acct_test_patchbay'. */
  id?: string
  /** Default 'owner@example.test'. */
  email?: string
}

/**
 * A Stripe-like `GET /v1/account` handler: 200 `{ id, object: 'account', email }` for the valid key, else 401 with
 * Stripe's error shape `{ error: { type: 'invalid_request_error', message } }`.
 */
export function stripeAccountRoute(options: StripeAccountOptions): FakeApiRoute {
  return (req) => {
    const headers = { 'request-id': `req_${randomUUID().replace(/-/g, '').slice(0, 14)}` }
    const key = stripeKeyOf(req)
    if (!key) {
      return {
        status: 401,
        headers: { ...headers, 'www-authenticate': 'Bearer realm="Stripe"' },
        json: {
          error: {
            type: 'invalid_request_error',
            message:
              "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY').",
          },
        },
      }
    }
    if (key !== options.validKey) {
      return {
        status: 401,
        headers: { ...headers, 'www-authenticate': 'Bearer realm="Stripe"' },
        json: { error: { type: 'invalid_request_error', message: `Invalid API Key provided: ${maskKey(key)}` } },
      }
    }
    return {
      status: 200,
      headers,
      json: { id: options.id ?? 'acct_test_patchbay', object: 'account', email: options.email ?? 'owner@example.test' },
    }
  }
}
