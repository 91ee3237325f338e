import { Type } from '@sinclair/typebox'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { connectionJson } from '../../connections/connection-json.js'
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

/**
 * `GET /v1/partner/connections`: every connection of the partner, for its operators (HTTP Basic with
 * the partner's client credentials, see partner-auth.ts). Each item names its end user.
 */
export const partnerConnectionRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { services } = app
  const connections = services.connectionService

  app.get(
    '/connections',
    {
      schema: {
        summary: "List all the partner's connections",
        description: 'Oldest first (created_at, then id), each with `end_user`. Follow `next_cursor` for more pages.',
        tags: ['connections'],
        security: [{ basic: [] }],
        querystring: ListQuery,
        response: { 200: ConnectionPage },
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
}
