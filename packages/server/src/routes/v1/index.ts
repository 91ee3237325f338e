import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { PatchbayError } from '../../errors.js'
import { actionRoutes } from './actions.js'
import { appRoutes } from './apps.js'
import { authenticateBearer } from './authenticate.js'
import { connectSessionRoutes } from './connect-sessions.js'
import { connectLinkRoutes } from './connect-links.js'
import { connectHeadlessRoutes } from './connect-headless.js'
import { connectionCredentialsRoutes } from './connection-credentials.js'
import { connectionRoutes } from './connections.js'
import { connectionAuditRoutes, partnerConnectionAuditRoutes } from './connection-audit.js'
import { meRoutes } from './me.js'
import { authenticatePartner } from './partner-auth.js'
import { partnerConnectionRoutes } from './partner-connections.js'
import { partnerToolsetRoutes } from './partner-toolsets.js'
import { partnerWebhookRoutes } from './partner-webhooks.js'
import { runRoutes } from './runs.js'

/**
 * The REST API: every route under /v1 acts for the end user its bearer token names. Registered
 * with its own prefix and without fastify-plugin, so the bearer hook stays in this context and
 * does not reach /v1/partner (see {@link v1PartnerRoutes}).
 */
export const v1Routes: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('onRequest', authenticateBearer)
  await app.register(meRoutes)
  await app.register(connectSessionRoutes)
  await app.register(connectLinkRoutes)
  await app.register(connectHeadlessRoutes)
  await app.register(connectionCredentialsRoutes)
  await app.register(connectionRoutes)
  await app.register(connectionAuditRoutes)
  await app.register(appRoutes)
  await app.register(actionRoutes)
  await app.register(runRoutes)
}

/**
 * `/v1/partner/*`: the partner's operator API, registered beside {@link v1Routes} (prefix
 * `/v1/partner`) so it takes the partner's client credentials (HTTP Basic) instead of a bearer
 * token. Guessing secrets is bounded per client IP like on the token endpoint.
 */
export const v1PartnerRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { rateLimit } = app.services.config
  app.addHook(
    'onRequest',
    app.rateLimit({
      max: rateLimit.tokenPerIp,
      timeWindow: rateLimit.windowSeconds * 1000,
      keyGenerator: (req) => `partner-api-ip:${req.ip}`,
      errorResponseBuilder: (_req, ctx) =>
        new PatchbayError('PB_ERR_RATE_LIMITED', `rate limit exceeded, retry in ${ctx.after}`, {
          headers: { 'Retry-After': String(Math.ceil(ctx.ttl / 1000)) },
        }),
    }),
  )
  app.addHook('onRequest', authenticatePartner)
  await app.register(partnerWebhookRoutes)
  await app.register(partnerConnectionRoutes)
  await app.register(partnerConnectionAuditRoutes)
  await app.register(partnerToolsetRoutes)
}
