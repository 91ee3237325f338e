import { Type } from '@sinclair/typebox'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { errorResponses } from '../../http/error-schema.js'
import { ref } from '../../lib/schema-ref.js'
import { requireScope } from './authenticate.js'
import {
  ActionDetail,
  ActionId,
  ActionPage,
  DynamicSchemaAnswer,
  OptionsBody,
  OptionsPage,
  SchemaBody,
  Validation,
  ValidateBody,
} from './action-schemas.js'
import { AppKeyQuery, CursorQuery, LimitQuery, pageLimit } from './connection-query.js'

const security = [{ bearer: [] }]
const IdParams = Type.Object({ id: ActionId })
const FieldParams = Type.Object({ id: ActionId, field: Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_]{0,63}$' }) })

const ListQuery = Type.Object(
  {
    app: Type.Optional(AppKeyQuery),
    type: Type.Optional(Type.Union([Type.Literal('read'), Type.Literal('write'), Type.Literal('search')])),
    q: Type.Optional(Type.String({ maxLength: 100, description: 'Words in the id, title or description.' })),
    connected: Type.Optional(Type.Boolean({ description: 'true: only apps the end user has connected.' })),
    limit: Type.Optional(LimitQuery),
    cursor: Type.Optional(CursorQuery),
  },
  { additionalProperties: false },
)

/** `/v1/actions`: the actions of the apps the partner offers, their inputs, and help to fill them in (docs/actions.md). */
export const actionRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { actionService: actions } = app.services
  const preHandler = requireScope('actions')

  app.get(
    '/actions',
    {
      preHandler,
      schema: {
        operationId: 'listActions',
        summary: 'List actions',
        description:
          "Every action of every app the partner offers (as GET /v1/apps decides), sorted by id; `connected=true` keeps the end user's apps.",
        tags: ['actions'],
        security,
        querystring: ListQuery,
        response: { 200: ref(ActionPage), ...errorResponses([400, 401, 403]) },
      },
    },
    async (req) => {
      const q = req.query
      return actions.list(req.principal, {
        app: q.app,
        type: q.type,
        q: q.q,
        connected: q.connected === true,
        cursor: q.cursor,
        limit: pageLimit(q.limit),
      })
    },
  )

  app.get(
    '/actions/:id',
    {
      preHandler,
      schema: {
        operationId: 'getAction',
        summary: 'Get an action',
        description: 'Its input and output schemas (JSON Schema 2020-12) and per-field UI hints.',
        tags: ['actions'],
        security,
        params: IdParams,
        response: { 200: ref(ActionDetail), ...errorResponses([400, 401, 403, 404]) },
      },
    },
    async (req) => actions.get(req.principal, req.params.id),
  )

  app.post(
    '/actions/:id/fields/:field/options',
    {
      preHandler,
      schema: {
        operationId: 'listActionFieldOptions',
        summary: "A dynamic field's options",
        description: "Choices from the app for one of the end user's connections (e.g. their repositories), page by page.",
        tags: ['actions'],
        security,
        params: FieldParams,
        body: OptionsBody,
        response: { 200: ref(OptionsPage), ...errorResponses([400, 401, 403, 404, 409, 502]) },
      },
    },
    async (req) => {
      const b = req.body
      return actions.options(req.principal, req.params.id, req.params.field, {
        connectionId: b.connection_id,
        inputs: b.inputs ?? {},
        ...(b.query !== undefined ? { query: b.query } : {}),
        ...(b.cursor !== undefined ? { cursor: b.cursor } : {}),
      })
    },
  )

  app.post(
    '/actions/:id/schema',
    {
      preHandler,
      schema: {
        operationId: 'describeActionInput',
        summary: "An action's dynamic input schema",
        description:
          "The properties of the action's dynamic input object (an Airtable table's fields, a Jira issue type's custom fields) for one of the end user's connections.",
        tags: ['actions'],
        security,
        params: IdParams,
        body: SchemaBody,
        response: { 200: ref(DynamicSchemaAnswer), ...errorResponses([400, 401, 403, 404, 409, 502]) },
      },
    },
    async (req) => actions.schema(req.principal, req.params.id, { connectionId: req.body.connection_id, inputs: req.body.inputs ?? {} }),
  )

  app.post(
    '/actions/:id/validate',
    {
      preHandler,
      schema: {
        operationId: 'validateActionInputs',
        summary: 'Validate inputs',
        description: 'Checks the inputs against the schema and the connection (status, scopes); runs nothing.',
        tags: ['actions'],
        security,
        params: IdParams,
        body: ValidateBody,
        response: { 200: ref(Validation), ...errorResponses([400, 401, 403, 404]) },
      },
    },
    async (req) => actions.validate(req.principal, req.params.id, { connectionId: req.body.connection_id, inputs: req.body.inputs }),
  )
}
