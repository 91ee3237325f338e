import cookie from '@fastify/cookie'
import formbody from '@fastify/formbody'
import rateLimit from '@fastify/rate-limit'
import swagger from '@fastify/swagger'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import Fastify, { type FastifyBaseLogger, type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify'
import { ConnectFlow } from './connect/connect-flow.js'
import { OAuthError, PatchbayError } from './errors.js'
import type { Partner } from './partners/partner-store.js'
import { connectUiRoutes } from './routes/connect-ui.js'
import { connectionPopupRoutes } from './routes/connection-popup.js'
import { docsRoutes } from './routes/docs.js'
import { healthRoutes } from './routes/health.js'
import { oauthRoutes } from './routes/oauth.js'
import { v1PartnerRoutes, v1Routes } from './routes/v1/index.js'
import { widgetScriptRoutes } from './routes/widget-script.js'
import type { Services } from './services.js'
import type { Principal } from './tokens/access-tokens.js'

declare module 'fastify' {
  interface FastifyInstance {
    services: Services
    shuttingDown: boolean
    /** Every route registered (method and URL, HEAD included), in order: the OpenAPI test checks each is documented or deliberately hidden. */
    registeredRoutes: ReadonlyArray<{ method: string; url: string }>
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
  const app = Fastify({
    loggerInstance: services.log as FastifyBaseLogger,
    bodyLimit: config.bodyLimitBytes,
    // Keep unknown keys out of bodies instead of failing on them; routes that care set additionalProperties: false.
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false } },
    return503OnClosing: true,
  }).withTypeProvider<TypeBoxTypeProvider>()

  app.decorate('services', services)
  app.decorate('shuttingDown', false)
  const registeredRoutes: Array<{ method: string; url: string }> = []
  app.decorate('registeredRoutes', registeredRoutes)
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) registeredRoutes.push({ method, url: route.url })
  })
  app.decorateRequest('principal', null as unknown as Principal)
  app.decorateRequest('partner', null as unknown as Partner)

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Patchbay API', version: '0.1.0', description: 'The Patchbay REST API and token endpoint.' },
      servers: [{ url: config.publicUrl }],
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', description: 'A Patchbay access token from /oauth/token.' },
          basic: { type: 'http', scheme: 'basic', description: "The partner's client_id and client_secret (/v1/partner)." },
        },
      },
    },
  })
  await app.register(formbody)
  await app.register(cookie)
  app.decorate(
    'connectFlow',
    new ConnectFlow({
      config,
      db: services.database.db,
      catalog: services.catalog,
      sessions: services.sessions,
      partners: services.partners,
      partnerApps: services.partnerApps,
      connections: services.connections,
      vault: services.vault,
      http: services.http,
      addressPolicy: services.addressPolicy,
      discovery: services.discovery,
    }),
  )
  await app.register(rateLimit, { global: false })

  app.setErrorHandler(errorHandler)
  app.setNotFoundHandler((req, reply) => {
    reply.code(404).send(new PatchbayError('PB_ERR_NOT_FOUND', `no route ${req.method} ${req.url.split('?')[0]}`).toJSON())
  })

  await app.register(healthRoutes)
  await app.register(oauthRoutes)
  await app.register(v1Routes, { prefix: '/v1' })
  await app.register(v1PartnerRoutes, { prefix: '/v1/partner' })
  await app.register(connectUiRoutes)
  await app.register(connectionPopupRoutes)
  await app.register(widgetScriptRoutes)
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger())
  await app.register(docsRoutes)
  return app as unknown as FastifyInstance
}

/** Maps every failure to Patchbay's error shape (or RFC 6749's on the token endpoint). */
function errorHandler(this: FastifyInstance, err: FastifyError | Error, req: FastifyRequest, reply: FastifyReply): void {
  const oauth = req.routeOptions.config?.oauthErrors === true
  let error: PatchbayError | OAuthError
  if (err instanceof PatchbayError || err instanceof OAuthError) {
    error = err
  } else if ('validation' in err && err.validation) {
    const where = (err as FastifyError).validationContext ?? 'body'
    const detail = err.validation[0]
    const path = `${where}${detail?.instancePath?.replaceAll('/', '.') ?? ''}`
    const message = `${path} ${detail?.message ?? 'is invalid'}`
    error = oauth ? new OAuthError('invalid_request', message) : new PatchbayError('PB_ERR_VALIDATION', message)
  } else {
    const status = (err as FastifyError).statusCode ?? 500
    const code = (err as FastifyError).code
    if (status === 413) {
      error = oauth ? new OAuthError('invalid_request', 'request body too large') : new PatchbayError('PB_ERR_PAYLOAD_TOO_LARGE')
    } else if (status === 415) {
      error = oauth
        ? new OAuthError('invalid_request', 'the token request must be application/x-www-form-urlencoded')
        : new PatchbayError('PB_ERR_UNSUPPORTED_MEDIA_TYPE')
    } else if (status === 429) {
      error = oauth ? new OAuthError('too_many_requests', err.message) : new PatchbayError('PB_ERR_RATE_LIMITED')
    } else if (status >= 400 && status < 500) {
      error = oauth
        ? new OAuthError('invalid_request', err.message)
        : new PatchbayError('PB_ERR_BAD_REQUEST', `${err.message}${code ? ` (${code})` : ''}`)
    } else {
      req.log.error({ err }, 'unhandled error')
      error = oauth ? new OAuthError('server_error', 'internal error') : new PatchbayError('PB_ERR_INTERNAL')
    }
  }
  if (error.status >= 500 && (err instanceof PatchbayError || err instanceof OAuthError)) req.log.error({ err }, 'server error')
  if (error.headers) reply.headers(error.headers)
  if (oauth) reply.header('Cache-Control', 'no-store')
  reply.code(error.status).send(error.toJSON())
}
