import type { onResponseHookHandler } from 'fastify'
import type { Metrics } from './metrics.js'

/** The route label of a request no route matched (Fastify's 404): its URL is never a label. */
export const UNMATCHED_ROUTE = '(unmatched)'

/**
 * The route label of proxied calls, which the HTTP server hands to the proxy before Fastify routes
 * them (docs/architecture.md): the pattern of the Fastify route that documents them.
 */
export const PROXY_ROUTE = '/v1/proxy/:connectionId/*'

/**
 * onResponse hook: every request Fastify answered, by method, route pattern (Fastify's
 * `routeOptions.url`, never the URL: no ids or tokens, a bounded set) and status, with its duration.
 */
export function recordHttpRequests(metrics: Metrics): onResponseHookHandler {
  return function recordHttpRequest(req, reply, done) {
    metrics.httpRequest(req.method, req.routeOptions.url ?? UNMATCHED_ROUTE, reply.statusCode, reply.elapsedTime / 1000)
    done()
  }
}
