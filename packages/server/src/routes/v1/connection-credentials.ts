import { tokenActor } from '../../audit/audit-log.js'
import { Type } from '@sinclair/typebox'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { requireScope } from './authenticate.js'

const Credentials = Type.Object(
  {
    connection_id: Type.String(),
    auth_type: Type.String(),
    /** Every secret the connection holds (access_token, refresh_token, api_key, …), by name. */
    credentials: Type.Record(Type.String(), Type.Union([Type.String(), Type.Number(), Type.Null()])),
    expires_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  },
  { additionalProperties: false },
)

/** `GET /v1/connections/{id}/credentials`: fresh credentials for the partner's backend (refreshed first if near expiry). */
export const connectionCredentialsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/connections/:id/credentials',
    {
      preHandler: requireScope('credentials'),
      schema: {
        summary: "A connection's fresh credentials",
        description:
          'Refreshes OAuth tokens first when they expire within `min_validity` seconds, as given (without it: within 120 s, ' +
          "or at half the token's lifetime for tokens living under 4 minutes). `force_refresh=true` refreshes at once, at most " +
          'once per 10 s per connection (sooner: 429 `PB_ERR_RATE_LIMITED` with `Retry-After`).',
        tags: ['connections'],
        security: [{ bearer: [] }],
        params: Type.Object({ id: Type.String({ maxLength: 64 }) }),
        querystring: Type.Object({
          min_validity: Type.Optional(Type.String({ pattern: '^[0-9]{1,4}$', description: 'Seconds, 0 to 3600.' })),
          force_refresh: Type.Optional(
            Type.Union([Type.Literal('true'), Type.Literal('false')], {
              description: 'true: refresh now (OAuth connections with a refresh token, or client credentials).',
            }),
          ),
        }),
        response: { 200: Credentials },
      },
    },
    async (req, reply) => {
      const { id } = req.params
      const { min_validity, force_refresh } = req.query
      const minValidity = min_validity === undefined ? undefined : Math.min(Number(min_validity), 3600)
      const p = req.principal
      const { connection, credentials } = await app.services.credentials.fresh({ partnerId: p.partnerId, endUserId: p.endUserId }, id, {
        ...(minValidity === undefined ? {} : { minValiditySeconds: minValidity }),
        ...(force_refresh === 'true' ? { force: true } : {}),
        log: req.log,
      })
      await app.services.audit.record(app.services.database.db, connection, 'credentials_read', tokenActor(p))
      reply.header('Cache-Control', 'no-store')
      return {
        connection_id: connection.id,
        auth_type: connection.authType,
        credentials,
        expires_at: connection.expiresAt === null ? null : new Date(connection.expiresAt).toISOString(),
      }
    },
  )
}
