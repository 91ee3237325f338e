import type { TSchema } from '@sinclair/typebox'
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest, type RouteOptions } from 'fastify'
import { sharedSchemas, swaggerOptions } from './openapi.js'

// Hop-by-hop and framing headers of the inner answer: the outer reply sets its own.
const NOT_COPIED = new Set(['connection', 'keep-alive', 'transfer-encoding', 'content-length', 'date'])

/**
 * The OpenAPI document (`/openapi.json`) and the reference page (`/docs`), built the first time either
 * is asked for, not at start: @fastify/swagger, Swagger UI and what they load (a YAML library, a JSON
 * Schema resolver, a static file server) took some 50–100 ms of every start and their memory for as long
 * as the process ran, for pages most processes never serve (docs/operations.md, "Sizing").
 *
 * The app records each route's options as it registers them (what @fastify/swagger's own hook would
 * see). On first use, a second Fastify instance that never listens gets the same shared schemas and
 * the same routes (with handlers that never run), @fastify/swagger and Swagger UI; the document is
 * that instance's `swagger()`, and `/docs/*` requests are answered by injecting them into it.
 */
export class ApiReference {
  private readonly routes: RouteOptions[] = []
  private built: Promise<FastifyInstance> | undefined

  /** `publicUrl` is read on first use: on port 0 it names the port actually bound. */
  constructor(private readonly publicUrl: () => string) {}

  /** An `onRoute` hook for the app: keeps the options of every route the document describes (hidden ones are left out of it). */
  readonly record = (route: RouteOptions): void => {
    if (!(route.schema as { hide?: boolean } | undefined)?.hide) this.routes.push(route)
  }

  /** The document, as @fastify/swagger builds it (cached by the plugin after the first call). */
  async document(): Promise<Record<string, unknown>> {
    return (await this.app()).swagger() as unknown as Record<string, unknown>
  }

  /** Answers a `/docs` request with what Swagger UI answers (a HEAD as its GET, without the body). */
  async serve(req: FastifyRequest, reply: FastifyReply): Promise<Buffer | FastifyReply> {
    // The request's headers but those that describe a body: the GET injected has none.
    const { 'content-length': _length, 'content-type': _type, 'transfer-encoding': _encoding, ...headers } = req.headers
    const inner = await (await this.app()).inject({ method: 'GET', url: req.url, headers })
    // The app's own answer to an unknown route (the inner app's 404 is Fastify's, not Patchbay's error form).
    if (inner.statusCode === 404) {
      reply.callNotFound()
      return reply
    }
    reply.code(inner.statusCode)
    for (const [name, value] of Object.entries(inner.headers)) {
      if (value !== undefined && !NOT_COPIED.has(name)) reply.header(name, value)
    }
    return inner.rawPayload
  }

  async close(): Promise<void> {
    const built = this.built
    this.built = undefined
    if (built) await (await built.catch(() => undefined))?.close()
  }

  private app(): Promise<FastifyInstance> {
    // One build for concurrent first requests; a failed build is tried again by the next request.
    this.built ??= this.build().catch((err: unknown) => {
      this.built = undefined
      throw err
    })
    return this.built
  }

  private async build(): Promise<FastifyInstance> {
    const [{ default: swagger }, { docsRoutes }] = await Promise.all([import('@fastify/swagger'), import('../routes/docs.js')])
    // HEAD routes are replayed as the app registered them (Fastify's own copies of GET routes included).
    const reference = Fastify({ exposeHeadRoutes: false })
    // The schemas were compiled and checked by the app; this instance only reads them.
    reference.setValidatorCompiler(() => () => true)
    reference.setSerializerCompiler(() => (data) => JSON.stringify(data))
    for (const schema of sharedSchemas as TSchema[]) reference.addSchema(schema)
    await reference.register(swagger, swaggerOptions(this.publicUrl()))
    const never = async () => {
      throw new Error('the API reference only describes this route')
    }
    for (const route of this.routes) {
      reference.route({ method: route.method, url: route.url, schema: route.schema, config: route.config, handler: never })
    }
    await reference.register(docsRoutes)
    await reference.ready()
    return reference
  }
}
