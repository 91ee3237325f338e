import AjvCompiler from '@fastify/ajv-compiler'
import SerializerSelector from '@fastify/fast-json-stringify-compiler'
import formbody from '@fastify/formbody'
import rateLimit from '@fastify/rate-limit'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { Socket } from 'node:net'
import type { Logger } from 'pino'
import Fastify, { type FastifyBaseLogger, type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify'
import { answerFor } from './error-response.js'
import { lazyCompilers } from './lazy-compilers.js'
import { ApiReference } from './api-reference.js'
import { sharedSchemas } from './openapi.js'
import { PatchbayError } from '../errors.js'
import { refuseNulBytes } from './nul-bytes.js'
import type { Partner } from '../partners/partner-store.js'
import { requestIdFor } from './request-id.js'
import { requestChildLogger } from '../logger.js'
import { counterStore } from '../rate-limit/fastify-store.js'
import { PROXY_ROUTE, recordHttpRequests } from '../metrics/http-requests.js'
import type { Metrics } from '../metrics/metrics.js'
import { metricsRoutes } from '../routes/metrics.js'
import { connectUiRoutes } from '../routes/connect-ui.js'
import { connectionPopupRoutes } from '../routes/connection-popup.js'
import { consoleRoutes } from '../routes/console.js'
import { healthRoutes } from '../routes/health.js'
import { mcpRoutes } from '../routes/mcp.js'
import { oauthRoutes } from '../routes/oauth.js'
import { v1PartnerRoutes, v1Routes } from '../routes/v1/index.js'
import { proxyUpgradeLink } from '../connections/scope-upgrade.js'
import { createProxyHandler, isProxyRequest, type ProxyHandler, proxyRoutes } from '../routes/v1/proxy.js'
import { widgetScriptRoutes } from '../routes/widget-script.js'
import type { Services } from '../services.js'
import type { Principal } from '../access-tokens/access-tokens.js'

declare module 'fastify' {
  interface FastifyInstance {
    services: Services
    shuttingDown: boolean
    /** Every route registered (method and URL, HEAD included), in order: the OpenAPI test checks each is documented or deliberately hidden. */
    registeredRoutes: ReadonlyArray<{ method: string; url: string }>
    /** Compiles every route schema no request has needed yet (they compile on first use: http/lazy-compilers.ts). */
    compileAllSchemas(): void
    /** The OpenAPI document `/openapi.json` serves (built on first use: http/api-reference.ts). */
    openApiDocument(): Promise<Record<string, unknown>>
  }
  interface FastifyRequest {
    /** Set by the /v1 bearer hook; only routes behind it read it. */
    principal: Principal
    /** Set by the /v1/partner Basic hook (routes/v1/partner-auth.ts); only routes behind it read it. */
    partner: Partner
  }
  interface FastifyContextConfig {
    /** Answer errors in RFC 6749 form instead of Patchbay's `{ error: { code, message } }`. */
    oauthErrors?: boolean
  }
}

export async function buildApp(services: Services): Promise<FastifyInstance> {
  const { config } = services
  const serveProxy = createProxyHandler({
    accessTokens: services.accessTokens,
    proxy: services.proxy,
    log: services.log,
    upgradeLink: (owner, connectionId, scopes) =>
      proxyUpgradeLink(
        {
          db: services.database.db,
          catalog: services.catalog,
          connections: services.connections,
          sessions: services.sessions,
          config: services.config,
        },
        owner,
        connectionId,
        scopes,
      ),
  })
  const countProxiedAnswer = services.metrics.enabled ? countProxied(services.metrics) : undefined
  let closing = false
  // Open connections, each with the last response started on it (ANSWERING): on close each must end.
  // Tracked per connection, not per response: a listener per request showed in the proxy benchmark.
  const connections = new Set<AnsweringSocket>()
  function forget(this: AnsweringSocket): void {
    connections.delete(this)
  }
  // Validators and serializers compile on a route's first request, not at start (http/lazy-compilers.ts).
  const compilers = lazyCompilers(partValidators as never, SerializerSelector() as never)
  const app = Fastify({
    loggerInstance: services.log as FastifyBaseLogger,
    childLoggerFactory: requestChildLogger as never,
    // Proxied calls skip Fastify's request lifecycle (see createProxyHandler); everything else is Fastify's.
    serverFactory: (fastifyHandler, options) => {
      // What Fastify sets on a server it creates itself (its defaults are filled in by then).
      const timeouts = options as { keepAliveTimeout: number; requestTimeout: number; connectionTimeout: number }
      const server = createServer(
        {
          requestTimeout: timeouts.requestTimeout,
          // Node checks request timeouts on this interval (30 s by default): check often enough to keep the bound.
          connectionsCheckingInterval: Math.min(30_000, Math.max(250, Math.floor(timeouts.requestTimeout / 4))),
        },
        (req, res) => {
          ;(req.socket as AnsweringSocket)[ANSWERING] = res
          // Every answer carries the request's id, whoever writes it (a route, Fastify's own 404 or 503, the proxy).
          const reqId = requestIdFor(req.headers)
          if (!isProxyRequest(req)) {
            res.setHeader('request-id', reqId)
            ;(req as IdentifiedRequest)[REQUEST_ID] = reqId
            fastifyHandler(req, res)
          } else if (closing) answerClosing(res, reqId)
          // The proxy puts `request-id` in the one head it writes (cheaper than setHeader then writeHead).
          else proxyRequest(serveProxy, req, res, services.log, reqId, countProxiedAnswer)
        },
      )
      server.on('connection', (socket: AnsweringSocket) => {
        connections.add(socket)
        socket.once('close', forget)
      })
      server.keepAliveTimeout = timeouts.keepAliveTimeout
      server.setTimeout(timeouts.connectionTimeout)
      return server
    },
    // Unbounded by default in Fastify: a client sending half a request would hold its connection forever.
    requestTimeout: config.requestTimeoutMs,
    connectionTimeout: config.connectionTimeoutMs,
    // The client IP that per-IP rate limits count comes from X-Forwarded-For only through trusted proxies.
    // A hop count trusts that many proxies nearest to Patchbay (as Fastify does for a number, which its types leave out).
    trustProxy: typeof config.trustProxy === 'number' ? hopsTrusted(config.trustProxy) : config.trustProxy,
    // Logged as `reqId` on every line of the request and sent back as `request-id` (docs/operations.md).
    genReqId: (req) => (req as IdentifiedRequest)[REQUEST_ID] ?? requestIdFor(req.headers),
    bodyLimit: config.bodyLimitBytes,
    // Keep unknown keys out of bodies instead of failing on them; routes that care set additionalProperties: false.
    // Bodies are JSON and keep their types; the query, path and headers are text, coerced to their schema's types (partValidators).
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false } },
    schemaController: {
      compilersFactory: { buildValidator: compilers.buildValidator as never, buildSerializer: compilers.buildSerializer as never },
    },
    return503OnClosing: true,
  }).withTypeProvider<TypeBoxTypeProvider>()

  // Like Fastify's return503OnClosing, for the requests that do not go through Fastify.
  app.addHook('preClose', async () => {
    closing = true
    endConnectionsOnClose(app, connections, config.shutdownTimeoutMs)
  })
  // PostgreSQL text cannot hold U+0000: refused in every request before it reaches a route (docs/errors.md).
  app.addHook('preValidation', refuseNulBytes)
  // Requests by route pattern and status (docs/operations.md, "Metrics"); proxied calls are counted in proxyRequest.
  if (services.metrics.enabled) app.addHook('onResponse', recordHttpRequests(services.metrics))
  app.decorate('services', services)
  app.decorate('shuttingDown', false)
  const registeredRoutes: Array<{ method: string; url: string }> = []
  app.decorate('registeredRoutes', registeredRoutes)
  app.decorate('compileAllSchemas', compilers.compileAll)
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) registeredRoutes.push({ method, url: route.url })
  })
  const reference = new ApiReference(() => config.publicUrl)
  app.addHook('onRoute', reference.record)
  app.addHook('onClose', () => reference.close())
  app.decorate('openApiDocument', () => reference.document())
  app.decorateRequest('principal', null as unknown as Principal)
  app.decorateRequest('partner', null as unknown as Partner)

  // Schemas shared by several routes (the error body, connections, runs…): one component each in the document.
  for (const schema of sharedSchemas) app.addSchema(schema)
  await app.register(formbody)
  // One store for every limiter: a key has one budget whichever route counts it, across processes on PostgreSQL.
  await app.register(rateLimit, { global: false, store: counterStore(services.rateLimits) })

  app.setErrorHandler(errorHandler)
  app.setNotFoundHandler((req, reply) => {
    reply.code(404).send(new PatchbayError('PB_ERR_NOT_FOUND', `no route ${req.method} ${req.url.split('?')[0]}`).toJSON())
  })

  await app.register(healthRoutes)
  await app.register(oauthRoutes)
  await app.register(v1Routes, { prefix: '/v1' })
  await app.register(v1PartnerRoutes, { prefix: '/v1/partner' })
  await app.register(proxyRoutes, { prefix: '/v1', serve: serveProxy })
  await app.register(mcpRoutes)
  await app.register(connectUiRoutes)
  await app.register(connectionPopupRoutes)
  await app.register(widgetScriptRoutes)
  // On the main port only when no listener of its own serves it (metrics.listen).
  if (services.metrics.enabled && !config.metrics.listen) await app.register(metricsRoutes)
  app.get('/openapi.json', { schema: { hide: true } }, () => reference.document())
  // The reference page (Swagger UI, routes/docs.ts), answered by the app http/api-reference.ts builds on first use.
  for (const url of ['/docs', '/docs/*']) app.get(url, { schema: { hide: true } }, (req, reply) => reference.serve(req, reply))
  await app.register(consoleRoutes)
  return app as unknown as FastifyInstance
}

const bodyValidators = AjvCompiler()
const textValidators = AjvCompiler()

/**
 * Validators per part of the request: a JSON body is checked as sent (`"5"` is not a number), while
 * the query string, path parameters and headers are text, so their values are coerced to the schema's
 * types first (`?limit=50` is the integer 50, `?connected=true` the boolean), as Fastify does by default.
 */
function partValidators(externalSchemas: Record<string, unknown>, options: { customOptions?: Record<string, unknown> } = {}) {
  const body = bodyValidators(externalSchemas as never, options as never)
  const text = textValidators(
    externalSchemas as never,
    { ...options, customOptions: { ...options.customOptions, coerceTypes: 'array' } } as never,
  )
  return (route: AjvCompiler.RouteDefinition) => (route.httpPart === 'body' ? body : text)(route as never)
}

/** Where the server hands a request's id to Fastify's genReqId (set on the raw request before Fastify sees it). */
const REQUEST_ID = Symbol('patchbay.requestId')
type IdentifiedRequest = IncomingMessage & { [REQUEST_ID]?: string }
/** The response last started on a connection (a later pipelined one replaces it). */
const ANSWERING = Symbol('patchbay.answering')
type AnsweringSocket = Socket & { [ANSWERING]?: ServerResponse }

/** When a proxied request arrived (performance.now()), kept on its response for the shared listeners below. */
const STARTED = Symbol('patchbay.proxyStarted')
type TimedResponse = ServerResponse & { [STARTED]?: number; req: IncomingMessage }

/**
 * Counts a proxied request in the HTTP metrics when its answer ends: one function for every request
 * (no closure per request, BENCHMARKS.md "Metrics"), reading the start time off the response.
 */
function countProxied(metrics: Metrics): (this: TimedResponse) => void {
  return function onFinish(this: TimedResponse) {
    metrics.httpRequest(this.req.method as string, PROXY_ROUTE, this.statusCode, (performance.now() - (this[STARTED] as number)) / 1000)
  }
}

/**
 * Serves a proxied request, logging its completion at level info like Fastify does for its routes and
 * counting it in the HTTP metrics (each only when it is on).
 */
function proxyRequest(
  serve: ProxyHandler,
  req: IncomingMessage,
  res: ServerResponse,
  log: Logger,
  reqId: string,
  counted: ((this: TimedResponse) => void) | undefined,
): void {
  if (counted || log.isLevelEnabled('info')) {
    const started = performance.now()
    ;(res as TimedResponse)[STARTED] = started
    // `on`, not `once`: a response finishes once, and `once` would allocate a wrapper per request.
    if (counted) res.on('finish', counted)
    if (log.isLevelEnabled('info')) {
      res.once('finish', () => {
        log.info(
          {
            reqId,
            req: { method: req.method, url: req.url, ip: req.socket.remoteAddress },
            res: { statusCode: res.statusCode },
            responseTime: performance.now() - started,
          },
          'request completed',
        )
      })
    }
  }
  serve(req, res, reqId).catch((err: unknown) => {
    log.error({ reqId, err }, 'proxy handler failed')
    res.destroy()
  })
}

/**
 * Keeps a graceful close bounded (docs/operations.md). server.close() (which Fastify calls) waits for
 * every connection to end but closes only those idle at that moment: a request in flight is answered
 * on a keep-alive connection its client holds for the server's keep-alive timeout (72 s). So each
 * answer not yet started says `Connection: close`, each one already streaming has its connection
 * closed once finished, and whatever is still open after `shutdownTimeoutMs` is closed.
 */
function endConnectionsOnClose(app: FastifyInstance, connections: Set<AnsweringSocket>, timeoutMs: number): void {
  const server = app.server
  for (const socket of connections) {
    const res = socket[ANSWERING]
    if (!res || res.writableFinished) continue
    if (!res.headersSent) res.setHeader('connection', 'close')
    // Node detaches the socket on 'finish' first; closeIdleConnections() leaves a busy connection (a pipelined request) alone.
    res.once('finish', () => setImmediate(() => server.closeIdleConnections()))
  }
  // Fires only while the server has connections left (its 'close' clears it); never listening, it has none.
  if (!server.listening) return
  const timer = setTimeout(() => {
    app.log.warn({ connections: connections.size, timeoutMs }, 'shutdown timeout: closing the connections still open')
    server.closeAllConnections()
  }, timeoutMs)
  timer.unref()
  server.once('close', () => clearTimeout(timer))
}

/** The answer Fastify gives while closing (`return503OnClosing`). */
function answerClosing(res: ServerResponse, reqId: string): void {
  const body = JSON.stringify(new PatchbayError('PB_ERR_NOT_READY', 'the server is shutting down').toJSON())
  res
    .writeHead(503, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': body.length,
      connection: 'close',
      'request-id': reqId,
    })
    .end(body)
}

/** Maps every failure to Patchbay's error shape (or RFC 6749's on the token endpoint). */
function errorHandler(this: FastifyInstance, err: FastifyError | Error, req: FastifyRequest, reply: FastifyReply): void {
  const oauth = req.routeOptions.config?.oauthErrors === true
  const error = answerFor(err, oauth, req.log)
  if (error.headers) reply.headers(error.headers)
  if (oauth) reply.header('Cache-Control', 'no-store')
  reply.code(error.status).send(error.toJSON())
}

function hopsTrusted(hops: number): (address: string, hop: number) => boolean {
  return (_address, hop) => hop < hops
}
