import { Type } from '@sinclair/typebox'
import type { FastifyPluginAsync, FastifyReply, FastifyRequest, RouteHandlerMethod } from 'fastify'
import { PatchbayError } from '../../errors.js'
import { requireScope } from './authenticate.js'

const PREFIX = '/v1/proxy/'
const CONNECTION_ID = /^[A-Za-z0-9_-]{1,64}$/
const RETRY_429 = /^[0-3]$/
const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']

const description = [
  "Forwards the request to the app's API: the path (and query) after the connection id is appended to",
  "the app's API base URL, the connection's credentials are added the app's way, and both bodies stream.",
  'Redirects are passed back, never followed. A 401 from the app triggers one token refresh and one retry',
  '(for bodies up to `PATCHBAY_PROXY_REPLAY_BYTES`); a 429 comes back with its `Retry-After`, or is retried up',
  "to `Patchbay-Retry-429` times (0-3). The answer is the app's own (status, headers, body) except for",
  'errors of Patchbay itself, which carry `{ "error": { "code": "PB_ERR_…" } }`. See docs/proxy.md.',
].join(' ')

const Params = Type.Object({ connectionId: Type.String({ maxLength: 64, description: 'The connection to use.' }) })

/**
 * `ANY /v1/proxy/{connection_id}/{path}` (scope `proxy`). Registered in its own encapsulated context:
 * no content-type parser reads the body here; the raw request stream goes to the proxy untouched.
 */
export const proxyRoutes: FastifyPluginAsync = async (app) => {
  app.removeAllContentTypeParsers()
  app.addContentTypeParser('*', (_req, _payload, done) => done(null))

  const handler: RouteHandlerMethod = async (req: FastifyRequest, reply: FastifyReply) => {
    const raw = req.raw.url ?? ''
    if (!raw.startsWith(PREFIX)) throw new PatchbayError('PB_ERR_NOT_FOUND', 'no such route')
    const rest = raw.slice(PREFIX.length)
    let end = rest.length
    for (let i = 0; i < rest.length; i++) {
      const c = rest.charCodeAt(i)
      if (c === 0x2f /* / */ || c === 0x3f /* ? */) {
        end = i
        break
      }
    }
    const connectionId = rest.slice(0, end)
    if (!CONNECTION_ID.test(connectionId)) throw new PatchbayError('PB_ERR_NOT_FOUND', 'connection not found')
    const retryHeader = req.headers['patchbay-retry-429']
    let retry429 = 0
    if (retryHeader !== undefined) {
      if (typeof retryHeader !== 'string' || !RETRY_429.test(retryHeader.trim())) {
        throw new PatchbayError('PB_ERR_VALIDATION', 'header Patchbay-Retry-429 must be an integer from 0 to 3')
      }
      retry429 = Number(retryHeader.trim())
    }
    const p = req.principal
    let res: Awaited<ReturnType<typeof app.services.proxy.forward>>
    try {
      res = await app.services.proxy.forward({
        owner: { partnerId: p.partnerId, endUserId: p.endUserId },
        connectionId,
        method: req.method,
        tail: rest.slice(end),
        headers: req.headers,
        body: req.raw,
        retry429,
        // No abort wiring per request: a caller that leaves mid-response destroys the piped upstream
        // body (undici then drops that request); before a retry the proxy checks it is still there.
        gone: () => req.raw.socket?.destroyed === true || reply.raw.destroyed,
      })
    } catch (err) {
      // A body left half-read cannot be drained reliably: close the connection after the error.
      if (!req.raw.complete) reply.header('connection', 'close')
      throw err
    }
    // The app's answer goes out as is, straight onto the socket: no serializer or onSend hook has
    // anything to add to it (Fastify's response logging and onResponse hooks still run on 'finish').
    reply.hijack()
    const out = reply.raw
    try {
      out.writeHead(res.statusCode, res.headers)
    } catch (err) {
      // Nothing can be answered properly any more (e.g. a header Node refuses): drop both sides.
      req.log.warn({ err, connection: connectionId }, 'cannot pass the app response back')
      res.body?.destroy()
      out.destroy()
      return
    }
    if (res.body === null) {
      out.end()
      return
    }
    // pipe() rather than pipeline(): the same wiring without pipeline's per-call AbortController
    // (whose abort() builds a DOMException with a stack trace on every response).
    const body = res.body
    body.on('error', () => out.destroy())
    out.on('close', () => {
      if (!body.readableEnded) body.destroy()
    })
    body.pipe(out)
  }

  const schema = {
    summary: 'Call the app API with a connection',
    description,
    tags: ['proxy'],
    security: [{ bearer: [] }],
    params: Params,
  }
  app.route({ method: METHODS, url: '/proxy/:connectionId', preHandler: requireScope('proxy'), schema, handler })
  app.route({
    method: METHODS,
    url: '/proxy/:connectionId/*',
    preHandler: requireScope('proxy'),
    schema: { ...schema, hide: true },
    handler,
  })
}
