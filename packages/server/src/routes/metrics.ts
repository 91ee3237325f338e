import type { FastifyPluginAsync } from 'fastify'
import { scrapeMetrics } from '../metrics/metrics-endpoint.js'

/**
 * `GET /metrics` on the main port, registered only when metrics are on and have no listener of their
 * own (`metrics.token` without `metrics.listen`; docs/operations.md, "Metrics"). An operations
 * endpoint, like `/healthz`: not in the OpenAPI document.
 */
export const metricsRoutes: FastifyPluginAsync = async (app) => {
  const { metrics, config } = app.services
  app.get('/metrics', { schema: { hide: true } }, async (req, reply) => {
    const { contentType, body } = await scrapeMetrics(metrics, config.metrics.token, req.headers.authorization)
    reply.header('content-type', contentType).header('cache-control', 'no-store')
    return body
  })
}
