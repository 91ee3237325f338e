import { Type } from '@sinclair/typebox'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { auditActions, auditEntryJson } from '../../audit/audit-log.js'
import { PatchbayError } from '../../errors.js'
import { errorResponses } from '../../http/error-schema.js'
import { ref } from '../../lib/schema-ref.js'
import { requireScope } from './authenticate.js'
import { CursorQuery, LimitQuery, pageLimit } from './connection-query.js'

export const AuditEntry = Type.Object(
  {
    id: Type.String(),
    connection_id: Type.String(),
    app: Type.String(),
    action: Type.Union(auditActions.map((a) => Type.Literal(a))),
    actor: Type.Object(
      {
        type: Type.Union([Type.Literal('partner'), Type.Literal('operator'), Type.Literal('end_user'), Type.Literal('system')]),
        id: Type.String({
          description:
            "The partner's client id, the operator key's id (or `cli`), the end user's token reference (`tok_…`) or connect session id, or the system job (`refresh`).",
        }),
        via: Type.Union([Type.Literal('token'), Type.Literal('mcp'), Type.Literal('connect_session'), Type.Null()]),
      },
      { additionalProperties: false },
    ),
    detail: Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()]),
    at: Type.String({ format: 'date-time' }),
  },
  { $id: 'AuditEntry', additionalProperties: false, description: 'One change to a connection, and who made it.' },
)

export const AuditPage = Type.Object(
  {
    data: Type.Array(ref(AuditEntry)),
    next_cursor: Type.Union([Type.String(), Type.Null()], { description: 'Pass as `cursor` for the next page; null on the last page.' }),
  },
  { $id: 'AuditPage', additionalProperties: false, description: "A page of a connection's audit log, newest first." },
)

const AuditQuery = Type.Object({ limit: Type.Optional(LimitQuery), cursor: Type.Optional(CursorQuery) }, { additionalProperties: false })
const IdParams = Type.Object({ id: Type.String({ maxLength: 64 }) })

const description =
  'Newest first: created, reauthorized, replaced, refreshed, refresh_failed, credentials_read, deleted, run_created, with who ' +
  'did it (docs/operations.md, "Audit log"). Entries outlive a deleted connection until the retention period ends.'

/** `GET /v1/connections/{id}/audit`: the end user's own connection's audit log. */
export const connectionAuditRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/connections/:id/audit',
    {
      preHandler: requireScope('connections:read'),
      schema: {
        operationId: 'listConnectionAudit',
        summary: "A connection's audit log",
        description,
        tags: ['connections'],
        security: [{ bearer: [] }],
        params: IdParams,
        querystring: AuditQuery,
        response: { 200: ref(AuditPage), ...errorResponses([400, 401, 403, 404]) },
      },
    },
    async (req) => {
      const p = req.principal
      const page = await app.services.audit.list(p.partnerId, req.params.id, {
        endUserId: p.endUserId,
        cursor: req.query.cursor,
        limit: pageLimit(req.query.limit),
      })
      if (page.data.length === 0 && req.query.cursor === undefined) await notFoundUnlessExists(app, p, req.params.id)
      return { data: page.data.map(auditEntryJson), next_cursor: page.nextCursor }
    },
  )
}

/** `GET /v1/partner/connections/{id}/audit`: any of the partner's connections, for its operators. */
export const partnerConnectionAuditRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/connections/:id/audit',
    {
      schema: {
        operationId: 'listPartnerConnectionAudit',
        summary: "A connection's audit log (any end user's)",
        description,
        tags: ['operator'],
        security: [{ basic: [] }],
        params: IdParams,
        querystring: AuditQuery,
        response: { 200: ref(AuditPage), ...errorResponses([400, 401, 404, 429]) },
      },
    },
    async (req) => {
      const page = await app.services.audit.list(req.partner.id, req.params.id, {
        cursor: req.query.cursor,
        limit: pageLimit(req.query.limit),
      })
      if (page.data.length === 0 && req.query.cursor === undefined) {
        const found = await app.services.connectionService.findForPartner(req.partner.id, req.params.id)
        if (!found) throw new PatchbayError('PB_ERR_NOT_FOUND', `connection ${req.params.id} not found`)
      }
      return { data: page.data.map(auditEntryJson), next_cursor: page.nextCursor }
    },
  )
}

/** A connection with no entries (made before the audit log existed) answers an empty page; an unknown id a 404. */
async function notFoundUnlessExists(
  app: Parameters<FastifyPluginAsyncTypebox>[0],
  owner: { partnerId: string; endUserId: string },
  id: string,
): Promise<void> {
  if (!(await app.services.connections.get(owner, id))) throw new PatchbayError('PB_ERR_NOT_FOUND', `connection ${id} not found`)
}
