import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import type { FastifyRequest } from 'fastify'
import { OAuthError, PatchbayError } from '../errors.js'
import { errorResponses, NUL_QUERY, OAuthErrorBody } from '../http/error-schema.js'
import { ref } from '../lib/schema-ref.js'
import { authenticateClient } from '../token-server/client-auth.js'
import { exchangeToken, type TokenExchangeResponse } from '../token-server/token-exchange.js'
import { ACCESS_TOKEN_TYPE, CONNECT_SESSION_TOKEN_TYPE, JWT_TOKEN_TYPE, TOKEN_EXCHANGE_GRANT } from '../token-server/token-types.js'
import { scopes } from '../access-tokens/scopes.js'

const Param = (description: string) => Type.Optional(Type.String({ description }))

const TokenRequest = Type.Object(
  {
    grant_type: Param(TOKEN_EXCHANGE_GRANT),
    subject_token: Param('The partner-signed JWT naming the end user.'),
    subject_token_type: Param(JWT_TOKEN_TYPE),
    requested_token_type: Param(`${ACCESS_TOKEN_TYPE} (default) or ${CONNECT_SESSION_TOKEN_TYPE}`),
    scope: Param(`Space-separated subset of: ${scopes.join(' ')}`),
    resource: Param('Optional: this Patchbay base URL (the REST API), or its `/mcp` URL for a token of the MCP endpoint (RFC 8707).'),
    audience: Param('Optional; as `resource`.'),
    toolset: Param('MCP tokens only: the toolset the token opens (default: `default`).'),
    client_id: Param('client_secret_post only.'),
    client_secret: Param('client_secret_post only.'),
    apps: Param('Connect session: space-separated app keys the session may connect.'),
    allowed_origin: Param('Connect session: origin the popup may post its result to.'),
    redirect_uri: Param('Connect session: registered URI to return to.'),
    reconnect_id: Param('Connect session: connection to re-authorize.'),
    custom_state: Param('Connect session: opaque string returned with the result.'),
    allow_multiple: Param('Connect session: "true" keeps the user\'s other connections of the same app.'),
  },
  { additionalProperties: Type.String() },
)

export const TokenResponse = Type.Object(
  {
    access_token: Type.String(),
    issued_token_type: Type.String(),
    token_type: Type.String(),
    expires_in: Type.Integer(),
    scope: Type.String(),
    session_id: Type.Optional(Type.String()),
    connect_url: Type.Optional(
      Type.String({
        description: 'Connect sessions: the Connect UI link with the code (`/to/{app}?token=…` for one app, else `/connect?token=…`).',
      }),
    ),
  },
  { $id: 'TokenResponse', description: 'RFC 8693 §2.2.1: an access token, or a connect session code.' },
)

const RevocationRequest = Type.Object(
  {
    token: Type.String({ description: 'The Patchbay access token to revoke.' }),
    token_type_hint: Param('Optional: access_token. Ignored (Patchbay revokes access tokens only).'),
    client_id: Param('client_secret_post only.'),
    client_secret: Param('client_secret_post only.'),
  },
  { additionalProperties: Type.String() },
)

/** The token endpoint's error answers (RFC 6749 §5.2). */
const oauthErrors = {
  400: ref(OAuthErrorBody, { description: 'invalid_request, invalid_grant, invalid_scope, invalid_target, unsupported_grant_type.' }),
  401: ref(OAuthErrorBody, { description: 'invalid_client: client authentication missing or failed.' }),
  429: {
    ...ref(OAuthErrorBody, { description: 'too_many_requests: retry after `Retry-After` seconds.' }),
    headers: { 'Retry-After': Type.Integer({ description: 'Seconds to wait before retrying.' }) },
  },
}

/** The authenticated client of a token request, for the per-client rate limit. */
const authenticatedClient = new WeakMap<FastifyRequest, string>()

/** RFC 8414 metadata, plus the token types Patchbay exchanges (named after RFC 8693's parameters). */
export const AuthorizationServerMetadata = Type.Object(
  {
    issuer: Type.String(),
    token_endpoint: Type.String(),
    token_endpoint_auth_methods_supported: Type.Array(Type.String()),
    revocation_endpoint: Type.String(),
    revocation_endpoint_auth_methods_supported: Type.Array(Type.String()),
    grant_types_supported: Type.Array(Type.String()),
    response_types_supported: Type.Array(Type.String()),
    scopes_supported: Type.Array(Type.String()),
    service_documentation: Type.String(),
    subject_token_types_supported: Type.Array(Type.String()),
    requested_token_types_supported: Type.Array(Type.String()),
  },
  { $id: 'AuthorizationServerMetadata', description: 'RFC 8414 authorization server metadata.' },
)

export const oauthRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { config } = app.services
  const rateLimitError = (_req: FastifyRequest, ctx: { after: string; ttl: number }) =>
    new OAuthError('too_many_requests', `rate limit exceeded, retry in ${ctx.after}`, {
      headers: { 'Retry-After': String(Math.ceil(ctx.ttl / 1000)) },
    })
  const perIp = app.rateLimit({
    max: config.rateLimit.tokenPerIp,
    timeWindow: config.rateLimit.windowSeconds * 1000,
    keyGenerator: (req) => `ip:${req.ip}`,
    errorResponseBuilder: rateLimitError,
  })
  // Not a second app.rateLimit() hook: those mark the request as limited once the first has run,
  // so a second one on the same route never counts. This limiter is applied by hand, after client
  // authentication: only a client's own requests count against it, so nobody who merely knows a
  // client id can use up its allowance (guessing secrets is bounded by the per-IP limit).
  const perClientLimit = app.createRateLimit({
    max: config.rateLimit.tokenPerClient,
    timeWindow: config.rateLimit.windowSeconds * 1000,
    keyGenerator: (req) => `client:${authenticatedClient.get(req) ?? ''}`,
  })
  const perClient = async (req: FastifyRequest) => {
    const limit = await perClientLimit(req)
    if (!limit.isAllowed && limit.isExceeded) {
      throw new OAuthError('too_many_requests', `rate limit exceeded, retry in ${limit.ttlInSeconds} seconds`, {
        headers: { 'Retry-After': String(limit.ttlInSeconds) },
      })
    }
  }

  /** The form of a token or revocation request, once its client is authenticated and within its rate limit. */
  const formFromClient = async (req: FastifyRequest, what: 'token' | 'revocation') => {
    if (!req.headers['content-type']?.toLowerCase().startsWith('application/x-www-form-urlencoded')) {
      throw new OAuthError('invalid_request', `the ${what} request must be application/x-www-form-urlencoded`)
    }
    // Shared by two routes with their own body schemas (token, revocation): both are flat forms of strings.
    const body = req.body as Record<string, string | undefined>
    const partner = await authenticateClient(app.services.partners, req.headers.authorization, body)
    authenticatedClient.set(req, partner.clientId)
    await perClient(req)
    return { partner, body }
  }

  app.post(
    '/oauth/token',
    {
      onRequest: perIp,
      config: { oauthErrors: true },
      schema: {
        operationId: 'exchangeToken',
        summary: 'Token exchange (RFC 8693)',
        description: 'Exchanges a partner-signed JWT for a Patchbay access token or a connect session code.',
        tags: ['oauth'],
        // client_secret_basic, or client_secret_post with the credentials in the form (no security scheme describes that).
        security: [{ basic: [] }, {}],
        consumes: ['application/x-www-form-urlencoded'],
        body: TokenRequest,
        response: { 200: ref(TokenResponse), ...oauthErrors },
      },
    },
    async (req, reply) => {
      // Counted by outcome once decided (docs/operations.md, "Metrics"): the token type issued, or the error code answered.
      let result: TokenExchangeResponse
      try {
        const { partner, body } = await formFromClient(req, 'token')
        result = await exchangeToken(app.services, partner, body, req.log)
      } catch (err) {
        app.services.metrics.tokenExchange(err instanceof OAuthError ? err.error : err instanceof PatchbayError ? err.code : 'server_error')
        throw err
      }
      app.services.metrics.tokenExchange(result.issued_token_type === CONNECT_SESSION_TOKEN_TYPE ? 'connect_session' : 'access_token')
      reply.header('Cache-Control', 'no-store').header('Pragma', 'no-cache')
      return result
    },
  )

  app.post(
    '/oauth/revoke',
    {
      onRequest: perIp,
      config: { oauthErrors: true },
      schema: {
        operationId: 'revokeToken',
        summary: 'Token revocation (RFC 7009)',
        description:
          "Revokes one of the partner's access tokens at once, in every Patchbay process. Answers 200 also for a token that is unknown, expired, already revoked or another partner's (RFC 7009 §2.2): nothing is revealed about it.",
        tags: ['oauth'],
        security: [{ basic: [] }, {}],
        consumes: ['application/x-www-form-urlencoded'],
        body: RevocationRequest,
        response: { 200: Type.Null({ description: 'Revoked (or nothing to revoke); empty body.' }), ...oauthErrors },
      },
    },
    async (req, reply) => {
      const { partner, body } = await formFromClient(req, 'revocation')
      if (!body.token) throw new OAuthError('invalid_request', 'token is required')
      await app.services.accessTokens.revoke(body.token, Date.now(), partner.id)
      // An empty body (RFC 7009 §2.2): Fastify sends nothing for undefined, where null would be serialized as "null".
      reply
        .header('Cache-Control', 'no-store')
        .header('Pragma', 'no-cache')
        .code(200)
        .send(undefined as unknown as null)
    },
  )

  app.get(
    '/.well-known/oauth-authorization-server',
    {
      schema: {
        operationId: 'getAuthorizationServerMetadata',
        summary: 'Authorization server metadata (RFC 8414)',
        tags: ['oauth'],
        security: [],
        response: { 200: ref(AuthorizationServerMetadata), ...errorResponses([400], { 400: NUL_QUERY }) },
      },
    },
    async () => ({
      issuer: config.publicUrl,
      token_endpoint: `${config.publicUrl}/oauth/token`,
      token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
      revocation_endpoint: `${config.publicUrl}/oauth/revoke`,
      revocation_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
      grant_types_supported: [TOKEN_EXCHANGE_GRANT],
      response_types_supported: [],
      scopes_supported: [...scopes],
      service_documentation: `${config.publicUrl}/docs`,
      // Patchbay's extensions, named after RFC 8693's parameters.
      subject_token_types_supported: [JWT_TOKEN_TYPE],
      requested_token_types_supported: [ACCESS_TOKEN_TYPE, CONNECT_SESSION_TOKEN_TYPE],
    }),
  )
}
