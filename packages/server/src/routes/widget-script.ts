import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { PatchbayError } from '../errors.js'

/** Where the widget's script-tag build lives: `@patchbay/connect/umd`, or undefined when the package is missing. */
function widgetPath(): string | undefined {
  try {
    return fileURLToPath(import.meta.resolve('@patchbay/connect/umd'))
  } catch {
    return undefined
  }
}

/**
 * `GET /connect.js`: the Connect widget's UMD build (global `PatchbayConnect`) for partner pages that load it with a
 * `<script>` tag. Public and cacheable by anyone: the URL is not versioned, so browsers keep it a day and then
 * revalidate with the ETag (an upgrade reaches every page within a day). 404 when the build is missing. `path`
 * overrides where the build is read from (tests).
 */
export const widgetScriptRoutes: FastifyPluginAsyncTypebox<{ path?: string }> = async (app, opts) => {
  const path = opts.path ?? widgetPath()
  let cached: { body: Buffer; etag: string } | undefined
  app.get('/connect.js', { schema: { hide: true } }, async (req, reply) => {
    if (!cached && path) {
      const body = await readFile(path).catch(() => undefined)
      if (body) cached = { body, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"` }
    }
    if (!cached) {
      const message =
        'the Connect widget is not built: run `npm run build -w @patchbay/connect` (packages/connect/dist/patchbay-connect.umd.js)'
      return reply.code(404).header('Cache-Control', 'no-store').send(new PatchbayError('PB_ERR_NOT_FOUND', message).toJSON())
    }
    reply
      .header('Content-Type', 'text/javascript; charset=utf-8')
      .header('Cache-Control', 'public, max-age=86400, stale-while-revalidate=604800')
      .header('ETag', cached.etag)
      .header('Access-Control-Allow-Origin', '*')
      .header('Cross-Origin-Resource-Policy', 'cross-origin')
      .header('X-Content-Type-Options', 'nosniff')
    if (req.headers['if-none-match'] === cached.etag) return reply.code(304).send()
    return reply.send(cached.body)
  })
}
