import { Type } from '@sinclair/typebox'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { ConnectionJson, connectionJson } from '../../connections/connection-json.js'
import { errorResponses } from '../../http/error-schema.js'
import { ref } from '../../lib/schema-ref.js'
import { AppKeyQuery, ConnectionPage, ConnectionStatusSchema, CursorQuery, LimitQuery, pageLimit } from './connection-query.js'

const ListQuery = Type.Object(
  {
    tenant_id: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: "Only this tenant's end users." })),
    user_id: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 200,
        description: "Only this end user (the partner's user id; across tenants without tenant_id).",
      }),
    ),
    app: Type.Optional(AppKeyQuery),
    status: Type.Optional(ConnectionStatusSchema),
    limit: Type.Optional(LimitQuery),
    cursor: Type.Optional(CursorQuery),
  },
  { additionalProperties: false },
)

const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64, description: 'The connection id.' }) })
const security = [{ basic: [] }]

/**
 * `/v1/partner/connections`: every connection of the partner, for its operators (HTTP Basic with the
 * partner's client credentials, see partner-auth.ts). Each item names its end user.
 */
export const partnerConnectionRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { services } = app
  const connections = services.connectionService

  app.get(
    '/connections',
    {
      schema: {
        operationId: 'listPartnerConnections',
        summary: "List all the partner's connections",
        description: 'Oldest first (created_at, then id), each with `end_user`. Follow `next_cursor` for more pages.',
        tags: ['operator'],
        security,
        querystring: ListQuery,
        response: { 200: ref(ConnectionPage), ...errorResponses([400, 401, 429]) },
      },
    },
    async (req) => {
      const query = req.query
      const page = await connections.listForPartner(req.partner.id, {
        tenantId: query.tenant_id,
        userId: query.user_id,
        app: query.app,
        status: query.status,
        cursor: query.cursor,
        limit: pageLimit(query.limit),
      })
      return { data: page.data.map((item) => connectionJson(item.connection, item.endUser)), next_cursor: page.nextCursor }
    },
  )

  app.get(
    '/connections/:id',
    {
      schema: {
        operationId: 'getPartnerConnection',
        summary: 'Get any connection of the partner',
        description: 'Whichever end user it belongs to, named in `end_user`.',
        tags: ['operator'],
        security,
        params: IdParams,
        response: { 200: ref(ConnectionJson), ...errorResponses([400, 401, 404, 429]) },
      },
    },
    async (req) => {
      const { connection, endUser } = await connections.getForPartner(req.partner.id, req.params.id)
      return connectionJson(connection, endUser)
    },
  )

  app.delete(
    '/connections/:id',
    {
      schema: {
        operationId: 'deletePartnerConnection',
        summary: 'Delete any connection of the partner',
        description:
          'As `DELETE /v1/connections/{id}` does for its end user: revokes the tokens at the provider where the app supports it ' +
          '(RFC 7009, best effort), deletes the connection and sends `connection.deleted`.',
        tags: ['operator'],
        security,
        params: IdParams,
        response: { 204: Type.Null({ description: 'Deleted.' }), ...errorResponses([400, 401, 404, 429]) },
      },
    },
    async (req, reply) => {
      await connections.deleteForPartner(req.partner.id, req.params.id, { type: 'partner', id: req.partner.clientId }, req.log)
      return reply.code(204).send(null)
    },
  )
}
