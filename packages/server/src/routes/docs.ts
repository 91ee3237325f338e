import swaggerUi from '@fastify/swagger-ui'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'

/**
 * Nothing but this origin: Swagger UI's bundle, stylesheet and the document itself are served from
 * here (the page works offline); inline styles are Swagger UI's own React style attributes.
 */
const DOCS_CSP = [
  "default-src 'none'",
  "base-uri 'self'",
  "script-src 'self'",
  "script-src-attr 'none'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "object-src 'none'",
].join('; ')

/**
 * `GET /docs`: a human-readable reference of the REST API (Swagger UI over the same OpenAPI
 * document as `/openapi.json`), with every asset served by Patchbay: no CDN.
 */
export const docsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  await app.register(swaggerUi, {
    routePrefix: '/docs',
    staticCSP: DOCS_CSP,
    theme: { title: 'Patchbay API reference' },
    uiConfig: { docExpansion: 'list', deepLinking: true, defaultModelsExpandDepth: 0 },
    // No third-party validator badge: the page makes no request to another origin.
    validatorUrl: false,
  })
}
