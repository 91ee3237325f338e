import { tokenActor } from '../../audit/audit-log.js'
import { Type } from '@sinclair/typebox'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { ConnectionJson, connectionJson } from '../../connections/connection-json.js'
import { connectUrl } from '../../connect/sessions/connect-url.js'
import { SessionOptionError, validateSessionOptions } from '../../connect/sessions/session-options.js'
import { createScopeUpgrade } from '../../connections/scope-upgrade.js'
import { PatchbayError } from '../../errors.js'
import { errorResponses } from '../../http/error-schema.js'
import { ref } from '../../lib/schema-ref.js'
import { ConnectSession } from './connect-sessions.js'
import { requireScope } from './authenticate.js'
import { AppKeyQuery, ConnectionPage, ConnectionStatusSchema, CursorQuery, LimitQuery, pageLimit } from './connection-query.js'
import { isoTime } from '../../lib/iso-time.js'

const ListQuery = Type.Object(
  {
    app: Type.Optional(AppKeyQuery),
    status: Type.Optional(ConnectionStatusSchema),
    limit: Type.Optional(LimitQuery),
    cursor: Type.Optional(CursorQuery),
  },
  { additionalProperties: false },
)

const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64, description: 'The connection id.' }) })

const RenameBody = Type.Object(
  {
    name: Type.Union([Type.String({ minLength: 1, maxLength: 200, pattern: '\\S' }), Type.Null()], {
      description: 'Display name (1 to 200 characters), or null to clear it.',
    }),
  },
  { additionalProperties: false },
)

const CreateBody = Type.Object(
  {
    app: Type.String({ minLength: 1, maxLength: 64, description: 'Catalog key of the app (see GET /v1/apps).' }),
    auth_option: Type.Optional(
      Type.String({ minLength: 1, maxLength: 64, description: 'Required when the app takes credentials in several ways.' }),
    ),
    name: Type.Optional(Type.Union([Type.String({ minLength: 1, maxLength: 200, pattern: '\\S' }), Type.Null()])),
    params: Type.Optional(
      Type.Record(Type.String(), Type.String({ maxLength: 1024 }), { description: "Connection parameters (fields of kind 'param')." }),
    ),
    credentials: Type.Record(Type.String(), Type.String({ maxLength: 4096 }), {
      description: 'Credential fields (kind \'credential\'), e.g. `{ "api_key": "…" }`. Checked with the app before anything is stored.',
    }),
    allow_multiple: Type.Optional(
      Type.Boolean({ description: "Keep the user's other connections of this app (default: the new one replaces them)." }),
    ),
  },
  { additionalProperties: false },
)

const security = [{ bearer: [] }]

/**
 * Each listed page's answer, serialized by the route's own response schema. An end user's first page
 * is the same object on every request until a write drops it from the listing's cache
 * (connections/connection-listing.ts), so its answer is built once, not on every call
 * (docs/architecture.md, "The read path"); a page read from the database is a new object each time.
 */
const listingBodies = new WeakMap<object, string>()
const JSON_TYPE = 'application/json; charset=utf-8'

const UpgradeBody = Type.Object(
  {
    scopes: Type.Array(Type.String({ minLength: 1, maxLength: 300 }), {
      minItems: 1,
      maxItems: 50,
      description:
        "Scopes to add to the connection's; each must be one the app offers (its default or optional scopes, or the partner app's).",
    }),
    allowed_origin: Type.Optional(Type.String({ description: 'Registered origin the popup posts its result to.' })),
    redirect_uri: Type.Optional(Type.String({ description: 'Registered URI the browser returns to (redirect mode).' })),
    custom_state: Type.Optional(Type.String({ description: 'Opaque string returned with the result.' })),
  },
  { additionalProperties: false },
)

/**
 * `/v1/connections`: the end user's connections (list, read, rename, delete) and connections made
 * straight from supplied credentials. Handlers are thin: every rule lives in ConnectionService and
 * CredentialConnections, which scope every query by (partner, end user).
 */
export const connectionRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { services } = app
  const { connectionService: connections, credentialConnections: creator } = services

  app.get(
    '/connections',
    {
      preHandler: requireScope('connections:read'),
      schema: {
        operationId: 'listConnections',
        summary: "List the end user's connections",
        description: 'Oldest first (created_at, then id). Follow `next_cursor` for more pages.',
        tags: ['connections'],
        security,
        querystring: ListQuery,
        response: { 200: ref(ConnectionPage), ...errorResponses([400, 401, 403]) },
      },
    },
    async (req, reply) => {
      const query = req.query
      const page = await connections.list(req.principal, {
        app: query.app,
        status: query.status,
        cursor: query.cursor,
        limit: pageLimit(query.limit),
      })
      let body = listingBodies.get(page)
      if (body === undefined) {
        // The route's response schema compiles to fast-json-stringify, which returns a string.
        body = reply.serialize({ data: page.data.map((connection) => connectionJson(connection)), next_cursor: page.nextCursor }) as string
        listingBodies.set(page, body)
      }
      // Fastify sends a string with a JSON content type as is; the typed send() only knows the page's shape.
      return reply.type(JSON_TYPE).send(body as never)
    },
  )

  app.post(
    '/connections',
    {
      preHandler: requireScope('connections:write'),
      schema: {
        operationId: 'createConnection',
        summary: 'Create a connection from credentials',
        description:
          'For API-key, basic and client-credentials apps: the values are validated like the Connect UI form, checked with the app, ' +
          'then stored. 422 PB_ERR_CREDENTIALS_REJECTED when the app refuses them; nothing is stored then. ' +
          'When the end user already has a connection of the app for the same account, that connection is re-authorized ' +
          'and keeps its id (200 instead of 201).',
        tags: ['connections'],
        security,
        body: CreateBody,
        response: {
          200: ref(ConnectionJson, { description: 'An existing connection of the same account was re-authorized (same id).' }),
          201: ref(ConnectionJson, { description: 'Created.' }),
          ...errorResponses([400, 401, 403, 422, 429, 502], {
            429: 'Too many credential checks for this end user (`PB_ERR_RATE_LIMITED`); retry after `Retry-After` seconds.',
          }),
        },
      },
    },
    async (req, reply) => {
      const body = req.body
      const { connection, operation } = await creator.create(
        req.principal,
        {
          app: body.app,
          authOption: body.auth_option,
          name: body.name,
          params: body.params,
          credentials: body.credentials,
          allowMultiple: body.allow_multiple,
        },
        tokenActor(req.principal),
      )
      reply.code(operation === 'reauth' ? 200 : 201)
      return connectionJson(connection)
    },
  )

  app.get(
    '/connections/:id',
    {
      preHandler: requireScope('connections:read'),
      schema: {
        operationId: 'getConnection',
        summary: 'Get a connection',
        tags: ['connections'],
        security,
        params: IdParams,
        response: { 200: ref(ConnectionJson), ...errorResponses([400, 401, 403, 404]) },
      },
    },
    async (req) => connectionJson(await connections.get(req.principal, req.params.id)),
  )

  app.patch(
    '/connections/:id',
    {
      preHandler: requireScope('connections:write'),
      schema: {
        operationId: 'renameConnection',
        summary: 'Rename a connection',
        tags: ['connections'],
        security,
        params: IdParams,
        body: RenameBody,
        response: { 200: ref(ConnectionJson), ...errorResponses([400, 401, 403, 404]) },
      },
    },
    async (req) => {
      const { id } = req.params
      const { name } = req.body
      return connectionJson(await connections.rename(req.principal, id, name))
    },
  )

  app.delete(
    '/connections/:id',
    {
      preHandler: requireScope('connections:write'),
      schema: {
        operationId: 'deleteConnection',
        summary: 'Delete a connection',
        description:
          "Revokes the connection's tokens at the provider where the app supports it (RFC 7009, best effort), deletes it and " +
          'sends `connection.deleted`.',
        tags: ['connections'],
        security,
        params: IdParams,
        response: { 204: Type.Null({ description: 'Deleted.' }), ...errorResponses([400, 401, 403, 404]) },
      },
    },
    async (req, reply) => {
      await connections.delete(req.principal, req.params.id, tokenActor(req.principal), req.log)
      return reply.code(204).send(null)
    },
  )

  app.post(
    '/connections/:id/upgrade',
    {
      preHandler: requireScope('connect'),
      schema: {
        operationId: 'upgradeConnectionScopes',
        summary: 'Ask for more scopes on a connection',
        description:
          'Mints a connect session that re-authorizes this OAuth 2.0 connection with the given scopes added: the connection keeps its id, ' +
          'its scopes become what the provider granted, and `connection.updated` is sent. Consent given with another provider account ' +
          'is refused (`account_mismatch`) and leaves the connection untouched (docs/api.md, "Upgrading scopes").',
        tags: ['connections'],
        security,
        params: IdParams,
        body: UpgradeBody,
        response: {
          201: ref(ConnectSession),
          ...errorResponses([400, 401, 403, 404], {
            400: 'A scope the app does not offer, a connection that is not OAuth 2.0 or has no account identifier, or a `redirect_uri` / `allowed_origin` the partner did not register.',
            404: 'No connection of this end user has this id.',
          }),
        },
      },
    },
    async (req, reply) => {
      const { partners, sessions, config, catalog, partnerApps, connections: store, database } = services
      const p = req.principal
      const partner = await partners.get(p.partnerId)
      if (!partner) throw new PatchbayError('PB_ERR_UNAUTHORIZED', 'the partner of this token no longer exists')
      let options: ReturnType<typeof validateSessionOptions>
      try {
        options = validateSessionOptions(partner, {
          allowedOrigin: req.body.allowed_origin,
          redirectUri: req.body.redirect_uri,
          customState: req.body.custom_state,
        })
      } catch (err) {
        if (!(err instanceof SessionOptionError)) throw err
        const code =
          err.param === 'redirect_uri'
            ? 'PB_ERR_INVALID_REDIRECT_URI'
            : err.param === 'allowed_origin'
              ? 'PB_ERR_INVALID_ORIGIN'
              : 'PB_ERR_VALIDATION'
        throw new PatchbayError(code, err.message)
      }
      const { session, app: appKey } = await createScopeUpgrade(
        { db: database.db, catalog, partnerApps, connections: store, sessions, config },
        { partnerId: p.partnerId, endUserId: p.endUserId },
        req.params.id,
        req.body.scopes,
        options,
      )
      reply.code(201).header('Cache-Control', 'no-store')
      return {
        token: session.code,
        connect_url: connectUrl(config.publicUrl, session.code, appKey),
        session_id: session.id,
        expires_in: config.sessionTtl,
        expires_at: isoTime(session.expiresAt),
      }
    },
  )
}
