import { tokenActor } from '../../audit/audit-log.js'
import { Type } from '@sinclair/typebox'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { errorResponses } from '../../http/error-schema.js'
import { ref } from '../../lib/schema-ref.js'
import { requireScope } from './authenticate.js'
import { isoTime } from '../../lib/iso-time.js'

export const ConnectionCredentials = Type.Object(
  {
    connection_id: Type.String(),
    auth_type: Type.String(),
    credentials: Type.Record(Type.String(), Type.Union([Type.String(), Type.Number(), Type.Null()]), {
      description: 'Every secret the connection holds (access_token, refresh_token, api_key, …), by name.',
    }),
    expires_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  },
  {
    $id: 'ConnectionCredentials',
    additionalProperties: false,
    description: "A connection's fresh credentials, for the partner's backend only.",
  },
)

/** `GET /v1/connections/{id}/credentials`: fresh credentials for the partner's backend (refreshed first if near expiry). */
export const connectionCredentialsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/connections/:id/credentials',
    {
      preHandler: requireScope('credentials'),
      schema: {
        operationId: 'getConnectionCredentials',
        summary: "A connection's fresh credentials",
        description:
          'Refreshes OAuth tokens first when they expire within `min_validity` seconds, as given (without it: within 120 s, ' +
          "or at half the token's lifetime for tokens living under 4 minutes). `force_refresh=true` refreshes at once, at most " +
          'once per 10 s per connection (sooner: 429 `PB_ERR_RATE_LIMITED` with `Retry-After`).',
        tags: ['connections'],
        security: [{ bearer: [] }],
        params: Type.Object({ id: Type.String({ maxLength: 64, description: 'The connection id.' }) }),
        querystring: Type.Object({
          min_validity: Type.Optional(
            Type.Integer({ minimum: 0, maximum: 9999, description: 'Seconds, 0 to 3600 (larger values count as 3600).' }),
          ),
          force_refresh: Type.Optional(
            Type.Boolean({ description: 'true: refresh now (OAuth connections with a refresh token, or client credentials).' }),
          ),
        }),
        response: {
          200: ref(ConnectionCredentials),
          ...errorResponses([400, 401, 403, 404, 409, 429, 502], {
            409: 'The connection needs to be reconnected (`PB_ERR_CREDENTIAL_REVOKED`).',
            429: '`force_refresh` within 10 s of the last refresh (`PB_ERR_RATE_LIMITED`); retry after `Retry-After` seconds.',
          }),
        },
      },
    },
    async (req, reply) => {
      const { id } = req.params
      const { min_validity, force_refresh } = req.query
      const minValidity = min_validity === undefined ? undefined : Math.min(min_validity, 3600)
      const p = req.principal
      const { connection, credentials } = await app.services.credentials.fresh({ partnerId: p.partnerId, endUserId: p.endUserId }, id, {
        ...(minValidity === undefined ? {} : { minValiditySeconds: minValidity }),
        ...(force_refresh === true ? { force: true } : {}),
        log: req.log,
      })
      await app.services.audit.record(app.services.database.db, connection, 'credentials_read', tokenActor(p))
      reply.header('Cache-Control', 'no-store')
      return {
        connection_id: connection.id,
        auth_type: connection.authType,
        credentials,
        expires_at: connection.expiresAt === null ? null : isoTime(connection.expiresAt),
      }
    },
  )
}
