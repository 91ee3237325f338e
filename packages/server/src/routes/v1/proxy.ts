import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http'
import { Type } from '@sinclair/typebox'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { Logger } from 'pino'
import { answerFor } from '../../http/error-response.js'
import { type OAuthError, PatchbayError } from '../../errors.js'
import { errorResponses } from '../../http/error-schema.js'
import type { ProxyResponse, ProxyService } from '../../proxy/proxy.js'
import type { AccessTokens } from '../../access-tokens/access-tokens.js'
import { bearerToken, checkScope, principalForToken } from './authenticate.js'
import type { Owner } from '../../connections/connection-types.js'
import { missingScopesIn } from '@patchbay/catalog'
import { isoTime } from '../../lib/iso-time.js'

const PREFIX = '/v1/proxy/'
const CONNECTION_ID = /^[A-Za-z0-9_-]{1,64}$/
const RETRY_429 = /^[0-3]$/
const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']
const PROXIED_METHODS = new Set(METHODS)

const description = [
  "Forwards the request to the app's API: the path (and query) after the connection id is appended to",
  "the app's API base URL, the connection's credentials are added the app's way, and both bodies stream.",
  'Redirects are passed back, never followed. A 401 from the app triggers one token refresh and one retry',
  '(for bodies up to `PATCHBAY_PROXY_REPLAY_BYTES`); a 429 comes back with its `Retry-After`, or is retried up',
  "to `Patchbay-Retry-429` times (0-3). The answer is the app's own (status, headers, body) except for",
  'errors of Patchbay itself, which carry `{ "error": { "code": "PB_ERR_…" } }`. See docs/proxy.md.',
].join(' ')

const Params = Type.Object({ connectionId: Type.String({ maxLength: 64, description: 'The connection to use.' }) })
const PathParams = Type.Object({
  connectionId: Params.properties.connectionId,
  path: Type.String({
    description:
      'The app API path relative to its base URL, slashes included (not percent-encoded), e.g. `repos/acme/app/issues`; the query string is passed on too. Empty for the base URL itself.',
  }),
})

export interface ProxyHandlerDeps {
  accessTokens: AccessTokens
  proxy: ProxyService
  log: Logger
  /** A scope upgrade link for a call the app refused with RFC 6750 insufficient_scope (docs/proxy.md, "Missing scopes"). */
  upgradeLink?: (owner: Owner, connectionId: string, scopes: string[]) => Promise<{ url: string; expiresAt: number } | undefined>
}

/** Serves one proxied request on Node's own request and response objects; `reqId` is sent back as `request-id`. */
export type ProxyHandler = (req: IncomingMessage, res: ServerResponse, reqId: string) => Promise<void>

/** True for the requests {@link ProxyHandler} serves: a proxied method under `/v1/proxy/`. */
export function isProxyRequest(req: IncomingMessage): boolean {
  return req.url !== undefined && req.url.startsWith(PREFIX) && PROXIED_METHODS.has(req.method as string)
}

/**
 * `ANY /v1/proxy/{connection_id}/{path}` (scope `proxy`), written against `node:http` rather than as a
 * Fastify handler: the HTTP server hands these requests to it directly (see `buildApp`), because a
 * proxied call is on the hot path of every partner and Fastify's per-request work (routing, hooks, a
 * request and reply object, a child logger) was ~15 µs of the ~125 µs a call cost (BENCHMARKS.md). It does
 * the same checks as the `/v1` routes (bearer token, scope) with the same functions and answers
 * errors in the same shape.
 */
export function createProxyHandler(deps: ProxyHandlerDeps): ProxyHandler {
  const { accessTokens, proxy, log, upgradeLink } = deps
  return async function serveProxy(req, res, reqId) {
    const raw = req.url ?? ''
    let connectionId = ''
    let answer: ProxyResponse
    let owner: Owner | undefined
    try {
      const token = bearerToken(req.headers.authorization)
      const principal = accessTokens.cached(token) ?? (await principalForToken(token, accessTokens))
      checkScope(principal, 'proxy')
      const rest = raw.startsWith(PREFIX) ? raw.slice(PREFIX.length) : ''
      let end = rest.length
      for (let i = 0; i < rest.length; i++) {
        const c = rest.charCodeAt(i)
        if (c === 0x2f /* / */ || c === 0x3f /* ? */) {
          end = i
          break
        }
      }
      connectionId = rest.slice(0, end)
      if (!CONNECTION_ID.test(connectionId)) throw new PatchbayError('PB_ERR_NOT_FOUND', 'connection not found')
      const retryHeader = req.headers['patchbay-retry-429']
      let retry429 = 0
      if (retryHeader !== undefined) {
        if (typeof retryHeader !== 'string' || !RETRY_429.test(retryHeader.trim())) {
          throw new PatchbayError('PB_ERR_VALIDATION', 'header Patchbay-Retry-429 must be an integer from 0 to 3')
        }
        retry429 = Number(retryHeader.trim())
      }
      owner = { partnerId: principal.partnerId, endUserId: principal.endUserId }
      answer = await proxy.forward({
        owner,
        connectionId,
        method: req.method as string,
        tail: rest.slice(end),
        headers: req.headers,
        body: req,
        retry429,
        // No abort wiring per request: a caller that leaves mid-response aborts the upstream request
        // (UpstreamAnswer.pipeTo); before a retry the proxy checks it is still there.
        gone: () => req.socket?.destroyed === true || res.destroyed,
        log: () => log.child({ reqId }),
      })
    } catch (err) {
      // A child logger only on this path: the success path stays free of per-request allocations.
      sendError(req, res, answerFor(err, false, log.child({ reqId })), reqId)
      return
    }
    if ((answer.statusCode === 403 || answer.statusCode === 401) && upgradeLink && owner) {
      await addUpgradeLink(answer, upgradeLink, owner, connectionId, log.child({ reqId }))
    }
    // The app's answer goes out as is, straight onto the socket.
    // Patchbay's id, not one the app sent under the same name: it is the one in Patchbay's log.
    answer.headers['request-id'] = reqId
    try {
      res.writeHead(answer.statusCode, answer.headers)
    } catch (err) {
      // Nothing can be answered properly any more (e.g. a header Node refuses): drop both sides.
      log.warn({ reqId, err, connection: connectionId }, 'cannot pass the app response back')
      answer.body?.discard()
      res.destroy()
      return
    }
    if (answer.body === null) res.end()
    else answer.body.pipeTo(res, answer.maxBytes)
  }
}

/**
 * An app's refusal for a missing scope (RFC 6750 `insufficient_scope`) goes back as it came, plus
 * `Patchbay-Missing-Scopes` and a `Patchbay-Upgrade-Url` that asks the user for them; any other
 * 401 or 403 is untouched (docs/proxy.md, "Missing scopes").
 */
async function addUpgradeLink(
  answer: ProxyResponse,
  upgradeLink: NonNullable<ProxyHandlerDeps['upgradeLink']>,
  owner: Owner,
  connectionId: string,
  log: Logger,
): Promise<void> {
  const scopes = missingScopesIn({
    'www-authenticate': headerText(answer.headers['www-authenticate']),
    'x-accepted-oauth-scopes': headerText(answer.headers['x-accepted-oauth-scopes']),
    'x-oauth-scopes': headerText(answer.headers['x-oauth-scopes']),
  })
  if (scopes === undefined) return
  if (scopes.length > 0) answer.headers['patchbay-missing-scopes'] = scopes.join(' ')
  try {
    const link = await upgradeLink(owner, connectionId, scopes)
    if (link) {
      answer.headers['patchbay-upgrade-url'] = link.url
      answer.headers['patchbay-upgrade-url-expires-at'] = isoTime(link.expiresAt)
    }
  } catch (err) {
    // The app's answer still goes back; only the link is missing.
    log.warn({ err, connection: connectionId }, 'cannot mint a scope upgrade link')
  }
}

function headerText(value: string | string[] | number | undefined): string | undefined {
  return Array.isArray(value) ? value.join(', ') : value === undefined ? undefined : String(value)
}

function sendError(req: IncomingMessage, res: ServerResponse, error: PatchbayError | OAuthError, reqId: string): void {
  if (res.headersSent) {
    res.destroy()
    return
  }
  const body = JSON.stringify(error.toJSON())
  const headers: OutgoingHttpHeaders = {
    ...error.headers,
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    'request-id': reqId,
  }
  // A body left half-read cannot be drained reliably: close the connection after the error.
  if (!req.complete) headers.connection = 'close'
  res.writeHead(error.status, headers).end(body)
}

/**
 * The proxy's routes as Fastify knows them: documented in the OpenAPI document, and served by the
 * same {@link ProxyHandler} when a request reaches Fastify (e.g. `app.inject`). Registered outside the
 * `/v1` bearer hook, since the handler authenticates itself, and without content-type parsers: the raw
 * request stream goes to the proxy untouched.
 */
export const proxyRoutes: FastifyPluginAsyncTypebox<{ serve: ProxyHandler }> = async (app, { serve }) => {
  app.removeAllContentTypeParsers()
  app.addContentTypeParser('*', (_req, _payload, done) => done(null))
  const handler = async (req: { raw: IncomingMessage; id: string }, reply: { hijack(): void; raw: ServerResponse }) => {
    reply.hijack()
    await serve(req.raw, reply.raw, req.id)
  }
  for (const method of METHODS) {
    // One route per method: each is its own operation in the document, with its own operationId.
    const schema = {
      operationId: `proxy${method.charAt(0)}${method.slice(1).toLowerCase()}`,
      summary: `${method} the app's API with a connection`,
      description,
      tags: ['proxy'],
      security: [{ bearer: [] }],
      params: Params,
      // The app's answer, or Patchbay's own error (docs/proxy.md): the handler writes either, unserialized.
      response: {
        '2xx': { description: "The app's answer: its status, headers and body, streamed." },
        ...errorResponses([401, 403, 404, 409, 413, 429, 502], {
          404: "No such connection for this end user (`PB_ERR_NOT_FOUND`); the app's own 404 comes back as it is.",
          409: 'The connection needs to be reconnected (`PB_ERR_CREDENTIAL_REVOKED`).',
          429: "The app's 429, with its `Retry-After` (retried first when `Patchbay-Retry-429` asks).",
        }),
      },
    }
    // `/v1/proxy/{connectionId}` itself is the app's API base URL: the same operation with an empty path.
    // HEAD is an operation of its own here, not the copy Fastify would add beside GET.
    const exposeHeadRoute = false
    app.route({ method, url: '/proxy/:connectionId', schema: { ...schema, hide: true }, handler, exposeHeadRoute })
    app.route({
      method,
      url: '/proxy/:connectionId/*',
      schema,
      handler,
      exposeHeadRoute,
      // OpenAPI has no wildcard: the rest of the URL is documented as the `path` parameter.
      config: {
        swaggerTransform: ({ url }) => ({ url: url.replace(/\*$/, ':path'), schema: { ...schema, params: PathParams } }),
        // @fastify/swagger leaves HEAD routes out unless asked (they are usually GET's copies).
        swagger: { exposeHeadRoute: method === 'HEAD' },
      },
    })
  }
}
