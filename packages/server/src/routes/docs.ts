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

/** Patchbay's mark (two jacks and a patch cable) and name, white for Swagger UI's dark top bar. */
const LOGO = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 150 32" width="150" height="32" role="img" aria-label="Patchbay">
<g fill="none" stroke="#fff" stroke-width="2.5" stroke-linecap="round"><circle cx="7" cy="8" r="4"/><circle cx="25" cy="24" r="4"/>
<path d="M7 12c0 10 18 2 18 8"/></g>
<text x="38" y="23" fill="#fff" font-family="system-ui,-apple-system,Segoe UI,sans-serif" font-size="20" font-weight="600">Patchbay</text>
</svg>`

/** The same mark as the tab's icon. */
const FAVICON = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32">
<rect width="32" height="32" rx="6" fill="#1f2937"/>
<g fill="none" stroke="#fff" stroke-width="2.5" stroke-linecap="round"><circle cx="9" cy="9" r="4"/><circle cx="23" cy="23" r="4"/>
<path d="M9 13c0 9 14 1 14 6"/></g>
</svg>`

/**
 * `GET /docs`: a human-readable reference of the REST API (Swagger UI over the same OpenAPI
 * document as `/openapi.json`), branded Patchbay, with every asset served by Patchbay: no CDN.
 */
export const docsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  await app.register(swaggerUi, {
    routePrefix: '/docs',
    staticCSP: DOCS_CSP,
    theme: {
      title: 'Patchbay API reference',
      favicon: [{ filename: 'favicon.svg', rel: 'icon', sizes: 'any', type: 'image/svg+xml', content: FAVICON }],
    },
    logo: { type: 'image/svg+xml', content: Buffer.from(LOGO), href: '/docs', target: '_self' },
    uiConfig: { docExpansion: 'list', deepLinking: true, defaultModelsExpandDepth: 0 },
    // No third-party validator badge: the page makes no request to another origin.
    validatorUrl: false,
  })
}
