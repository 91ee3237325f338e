import { createRequire } from 'node:module'
import { Readable } from 'node:stream'
import { Type } from '@sinclair/typebox'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { PatchbayError } from '../errors.js'
import { errorResponses, NUL_QUERY } from '../http/error-schema.js'
import { ref } from '../lib/schema-ref.js'
import { apiScopes, MCP_SCOPE } from '../access-tokens/scopes.js'
import type { McpHttpHandler } from '@modelcontextprotocol/server'
import type { McpCaller } from '../mcp/mcp-server.js'
import { bearerToken } from './v1/authenticate.js'

const { version } = createRequire(import.meta.url)('../../package.json') as { version: string }

export const ProtectedResourceMetadata = Type.Object(
  {
    resource: Type.String(),
    authorization_servers: Type.Array(Type.String()),
    scopes_supported: Type.Array(Type.String()),
    bearer_methods_supported: Type.Array(Type.String()),
    resource_name: Type.String(),
    resource_documentation: Type.String(),
  },
  { $id: 'ProtectedResourceMetadata', description: 'RFC 9728 protected resource metadata.' },
)

declare module 'node:http' {
  interface IncomingMessage {
    /** Read by the MCP SDK's Node adapter as the handler's `authInfo`; set only by {@link mcpRoutes}' hook. */
    auth?: { token: string; clientId: string; scopes: string[]; expiresAt: number; extra: { caller: McpCaller } }
  }
}

/**
 * The MCP endpoint (docs/mcp.md): `/mcp` for AI agents, with identity from a bearer token minted for
 * it (RFC 8707 `resource=<public URL>/mcp`) and nothing else, and its protected resource metadata
 * (RFC 9728) at both well-known addresses clients try.
 */
export const mcpRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { config, accessTokens, toolsets, mcpTools, rateLimits } = app.services
  const resource = () => `${config.publicUrl}/mcp`
  const metadataUrl = () => `${config.publicUrl}/.well-known/oauth-protected-resource/mcp`
  const challenge = (params: string) => `Bearer resource_metadata="${metadataUrl()}"${params}`
  const refuse = (code: 'PB_ERR_UNAUTHORIZED' | 'PB_ERR_INSUFFICIENT_SCOPE' | 'PB_ERR_FORBIDDEN', message: string, params = '') =>
    new PatchbayError(code, message, code === 'PB_ERR_FORBIDDEN' ? {} : { headers: { 'WWW-Authenticate': challenge(params) } })

  // RFC 9728 §3.3: the metadata at a well-known address names the resource that address derives from:
  // `/.well-known/oauth-protected-resource/mcp` is /mcp's, the bare one the base URL's (the REST API).
  const metadata = async () => ({
    resource: resource(),
    authorization_servers: [config.publicUrl],
    scopes_supported: [MCP_SCOPE],
    bearer_methods_supported: ['header'],
    resource_name: 'Patchbay MCP',
    resource_documentation: `${config.publicUrl}/docs`,
  })
  const apiMetadata = async () => ({
    resource: config.publicUrl,
    authorization_servers: [config.publicUrl],
    scopes_supported: [...apiScopes],
    bearer_methods_supported: ['header'],
    resource_name: 'Patchbay REST API',
    resource_documentation: `${config.publicUrl}/docs`,
  })
  const metadataSchema = {
    operationId: 'getMcpResourceMetadata',
    summary: 'Protected resource metadata of /mcp (RFC 9728)',
    description:
      'Tokens come from the token exchange with `resource` set to this `resource` (the partner mints them; docs/mcp.md). No other grant is offered.',
    tags: ['mcp'],
    security: [],
    response: { 200: ref(ProtectedResourceMetadata), ...errorResponses([400], { 400: NUL_QUERY }) },
  }
  app.get(
    '/.well-known/oauth-protected-resource',
    {
      schema: {
        ...metadataSchema,
        operationId: 'getApiResourceMetadata',
        summary: 'Protected resource metadata of the REST API (RFC 9728)',
        description: 'MCP clients: see `/.well-known/oauth-protected-resource/mcp`.',
      },
    },
    apiMetadata,
  )
  app.get('/.well-known/oauth-protected-resource/mcp', { schema: metadataSchema }, metadata)

  /** Every /mcp request: the Origin rule, then the token (audience, expiry, scope), then its toolset. */
  async function authenticate(req: FastifyRequest): Promise<void> {
    const origin = req.headers.origin
    // The MCP spec's DNS-rebinding rule: a browser page of another origin is refused before anything else.
    if (origin !== undefined && origin !== new URL(config.publicUrl).origin && !config.mcp.allowedOrigins.includes(origin)) {
      throw refuse('PB_ERR_FORBIDDEN', `origin ${origin} may not call /mcp (PATCHBAY_MCP_ALLOWED_ORIGINS)`)
    }
    let token: string
    try {
      token = bearerToken(req.headers.authorization)
    } catch {
      throw refuse('PB_ERR_UNAUTHORIZED', `send an access token minted for ${resource()} as "Authorization: Bearer <token>"`)
    }
    const principal = await accessTokens.authenticate(token, Date.now(), 'mcp')
    if (!principal) {
      throw refuse(
        'PB_ERR_UNAUTHORIZED',
        `the access token is invalid, expired, revoked or not minted for ${resource()}`,
        ', error="invalid_token", error_description="the token is not valid for this resource"',
      )
    }
    if (!principal.scopes.includes(MCP_SCOPE)) {
      throw refuse(
        'PB_ERR_INSUFFICIENT_SCOPE',
        `this endpoint needs the "${MCP_SCOPE}" scope`,
        `, error="insufficient_scope", scope="${MCP_SCOPE}"`,
      )
    }
    // Per end user (every call may start a run or mint a connect link), in the store every limit shares.
    const windowMs = config.rateLimit.windowSeconds * 1000
    const key = `mcp:${principal.partnerId}:${principal.endUserId}`
    const hit = rateLimits.hitNow?.(key, windowMs) ?? (await rateLimits.hit(key, windowMs))
    if (hit.count > config.mcp.requestsPerWindow) {
      const seconds = Math.max(1, Math.ceil((hit.resetAt - Date.now()) / 1000))
      throw new PatchbayError('PB_ERR_RATE_LIMITED', `rate limit exceeded, retry in ${seconds} seconds`, {
        headers: { 'Retry-After': String(seconds) },
      })
    }
    const toolset = await toolsets.resolve(principal.partnerId, principal.toolset ?? '')
    if (!toolset) {
      throw refuse(
        'PB_ERR_UNAUTHORIZED',
        `the toolset ${(principal.toolset ?? '').split('@')[0]} of this token no longer exists: mint a new token`,
        ', error="invalid_token", error_description="the toolset no longer exists"',
      )
    }
    req.raw.auth = {
      token,
      clientId: principal.partnerId,
      scopes: principal.scopes,
      expiresAt: Math.floor(principal.expiresAt / 1000),
      extra: { caller: { principal, toolset } },
    }
  }

  // The MCP SDK (and the zod it brings) is loaded by the first /mcp request, not at start (docs/operations.md, "Sizing").
  let endpoint: Promise<McpHttpHandler> | undefined
  const mcpEndpoint = (): Promise<McpHttpHandler> =>
    (endpoint ??= import('../mcp/mcp-server.js').then(({ createMcpEndpoint }) =>
      createMcpEndpoint(mcpTools, { pageSize: config.mcp.pageSize, version, log: app.services.log }),
    ))
  const schema = {
    operationId: 'callMcp',
    summary: 'MCP endpoint (Streamable HTTP)',
    description:
      "The end user's actions as tools for AI agents: MCP 2026-07-28 (stateless) and the 2025 revisions, over POST (GET and DELETE answer 405: no sessions). " +
      'Bearer token from the token exchange with `resource=<public URL>/mcp`; see docs/mcp.md.',
    tags: ['mcp'],
    security: [{ bearer: [] }],
    response: {
      200: Type.Object(
        { jsonrpc: Type.Literal('2.0') },
        { additionalProperties: true, description: 'A JSON-RPC response (2025 clients may get it as an SSE event).' },
      ),
      202: Type.Null({ description: 'A notification, accepted.' }),
      400: Type.Object(
        { jsonrpc: Type.Literal('2.0'), id: Type.Null(), error: Type.Object({ code: Type.Integer(), message: Type.String() }) },
        { description: 'A JSON-RPC batch (not supported).' },
      ),
      ...errorResponses([401, 403, 429], {
        403: 'The token lacks the `mcp` scope (`PB_ERR_INSUFFICIENT_SCOPE`), or a browser page of another origin (`PB_ERR_FORBIDDEN`).',
      }),
    },
  }
  const handler = async (req: FastifyRequest, reply: FastifyReply) => {
    // JSON-RPC batches (2025-03-26 only, dropped since): one request, one call at most.
    if (Array.isArray(req.body)) {
      return reply.code(400).send({
        jsonrpc: '2.0',
        id: null,
        error: { code: -32600, message: 'JSON-RPC batches are not supported: send one message per request' },
      })
    }
    // The SDK's handler is fetch-shaped: a web Request in (the body already parsed by Fastify), a web
    // Response out. A JSON answer is sent whole; a stream (SSE) is piped as it comes.
    const headers = new Headers()
    for (const [name, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value)
    }
    const request = new Request(new URL(req.url, config.publicUrl), { method: req.method, headers })
    const response = await (await mcpEndpoint()).fetch(request, { authInfo: req.raw.auth, parsedBody: req.body })
    // The SDK's own answer, as it wrote it: not one of the route's schemas to serialize.
    const raw = reply as unknown as FastifyReply
    raw.code(response.status)
    response.headers.forEach((value, name) => void raw.header(name, value))
    if (!response.body) return raw.send()
    if (response.headers.get('content-type')?.startsWith('text/event-stream')) return raw.send(Readable.fromWeb(response.body as never))
    return raw.send(await response.text())
  }
  app.route({ method: 'POST', url: '/mcp', onRequest: authenticate, schema, handler })
  // Answered 405 by the MCP SDK (no sessions), after the same checks: not an operation to document.
  app.route({ method: ['GET', 'DELETE'], url: '/mcp', onRequest: authenticate, schema: { hide: true }, handler })
}
