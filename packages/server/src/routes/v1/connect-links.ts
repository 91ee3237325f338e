import { Type } from '@sinclair/typebox'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { ConnectLink } from '../../connect/links/connect-links.js'
import { revokeLink } from '../../connect/links/revoke-link.js'
import { SessionOptionError, validateSessionOptions } from '../../connect/sessions/session-options.js'
import { PatchbayError } from '../../errors.js'
import { errorResponses } from '../../http/error-schema.js'
import { ref } from '../../lib/schema-ref.js'
import { requireScope } from './authenticate.js'
import { CursorQuery, LimitQuery, pageLimit } from './connection-query.js'
import { isoTime } from '../../lib/iso-time.js'

const LinkStatus = Type.Union([Type.Literal('pending'), Type.Literal('used'), Type.Literal('expired'), Type.Literal('revoked')], {
  description:
    'pending: not opened yet; used: opened by a browser (see `outcome`); expired: not opened in time; revoked: `DELETE` was called.',
})

const CreateLink = Type.Object(
  {
    apps: Type.Optional(Type.Array(Type.String(), { maxItems: 50, description: 'App keys the link may connect; all when empty.' })),
    redirect_uri: Type.Optional(
      Type.String({ description: 'Registered URI (exact match) the browser returns to with the result; without it the result is a page.' }),
    ),
    custom_state: Type.Optional(Type.String({ description: 'Opaque string returned with the result (`state`).' })),
    expires_in: Type.Optional(
      Type.Integer({
        minimum: 60,
        description: 'Lifetime in seconds: `PATCHBAY_LINK_TTL` (1 day) when absent, at most `PATCHBAY_LINK_MAX_TTL` (7 days).',
      }),
    ),
  },
  { additionalProperties: false },
)

const Outcome = Type.Object(
  {
    status: Type.Union([Type.Literal('success'), Type.Literal('error')]),
    app: Type.String(),
    connection_id: Type.Optional(Type.String()),
    operation: Type.Optional(Type.Union([Type.Literal('creation'), Type.Literal('reauth')])),
    error: Type.Optional(Type.String()),
    error_description: Type.Optional(Type.String()),
  },
  { additionalProperties: false, description: "How the link's connect session ended; null until it has." },
)

export const ConnectLinkJson = Type.Object(
  {
    id: Type.String(),
    status: LinkStatus,
    apps: Type.Array(Type.String()),
    redirect_uri: Type.Union([Type.String(), Type.Null()]),
    custom_state: Type.Union([Type.String(), Type.Null()]),
    expires_at: Type.String({ format: 'date-time' }),
    created_at: Type.String({ format: 'date-time' }),
    opened_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    revoked_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    session_id: Type.Union([Type.String(), Type.Null()], { description: 'The connect session the first visit opened.' }),
    connection_id: Type.Union([Type.String(), Type.Null()], { description: 'The connection the link made or re-authorized.' }),
    outcome: Type.Union([Outcome, Type.Null()]),
  },
  { $id: 'ConnectLink', additionalProperties: false, description: 'A hosted connect link for one end user (docs/connect-links.md).' },
)

export const CreatedConnectLink = Type.Object(
  {
    url: Type.String({ description: 'The link to send: `{public URL}/link?token=…`. Shown once; only a hash of the token is stored.' }),
    link: ref(ConnectLinkJson),
  },
  { $id: 'CreatedConnectLink', additionalProperties: false, description: 'A new connect link and its URL.' },
)

export const ConnectLinkPage = Type.Object(
  {
    data: Type.Array(ref(ConnectLinkJson)),
    next_cursor: Type.Union([Type.String(), Type.Null()], { description: 'Pass as `cursor` for the next page; null on the last page.' }),
  },
  { $id: 'ConnectLinkPage', additionalProperties: false, description: 'A page of connect links, oldest first.' },
)

const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64, description: 'The connect link id.' }) })

const iso = (ms: number | null) => (ms === null ? null : isoTime(ms))

function linkJson(link: ConnectLink) {
  return {
    id: link.id,
    status: link.status,
    apps: link.apps,
    redirect_uri: link.redirectUri,
    custom_state: link.customState,
    expires_at: isoTime(link.expiresAt),
    created_at: isoTime(link.createdAt),
    opened_at: iso(link.openedAt),
    revoked_at: iso(link.revokedAt),
    session_id: link.sessionId,
    connection_id: link.outcome?.status === 'success' ? (link.outcome.connection_id ?? null) : null,
    outcome: link.outcome
      ? {
          status: link.outcome.status,
          app: link.outcome.app,
          ...(link.outcome.connection_id ? { connection_id: link.outcome.connection_id } : {}),
          ...(link.outcome.operation ? { operation: link.outcome.operation } : {}),
          ...(link.outcome.error ? { error: link.outcome.error } : {}),
          ...(link.outcome.error_description ? { error_description: link.outcome.error_description } : {}),
        }
      : null,
  }
}

const security = [{ bearer: [] }]

/**
 * `/v1/connect/links` (docs/connect-links.md): minted, like connect sessions, with an access token
 * of the end user carrying the `connect` scope, so a link can only ever be for the user the
 * partner's backend exchanged a JWT for. Every read is scoped by (partner, end user).
 */
export const connectLinkRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { links, partners, config, database, sessions } = app.services

  app.post(
    '/connect/links',
    {
      preHandler: requireScope('connect'),
      schema: {
        operationId: 'createConnectLink',
        summary: 'Create a connect link',
        description: 'Mints a hosted link for this end user to send by email or chat; it works once, until it expires.',
        tags: ['connect'],
        security,
        body: CreateLink,
        response: {
          201: ref(CreatedConnectLink),
          ...errorResponses([400, 401, 403], {
            400: 'A bad option (`PB_ERR_VALIDATION`: an app key, `expires_in` above the maximum), or a `redirect_uri` the partner did not register (`PB_ERR_INVALID_REDIRECT_URI`).',
          }),
        },
      },
    },
    async (req, reply) => {
      const p = req.principal
      const partner = await partners.get(p.partnerId)
      if (!partner) throw new PatchbayError('PB_ERR_UNAUTHORIZED', 'the partner of this token no longer exists')
      const body = req.body
      const maxTtl = config.linkMaxTtl
      if (body.expires_in !== undefined && body.expires_in > maxTtl) {
        throw new PatchbayError('PB_ERR_VALIDATION', `expires_in: at most ${maxTtl} seconds`)
      }
      let options: ReturnType<typeof validateSessionOptions>
      try {
        // The same rules as a connect session's: redirect_uri must equal a registered URI exactly.
        options = validateSessionOptions(partner, { apps: body.apps, redirectUri: body.redirect_uri, customState: body.custom_state })
      } catch (err) {
        if (!(err instanceof SessionOptionError)) throw err
        throw new PatchbayError(err.param === 'redirect_uri' ? 'PB_ERR_INVALID_REDIRECT_URI' : 'PB_ERR_VALIDATION', err.message)
      }
      const { token, link } = await links.create({
        partnerId: p.partnerId,
        endUserId: p.endUserId,
        apps: options.apps,
        redirectUri: options.redirectUri,
        customState: options.customState,
        ttlSeconds: body.expires_in ?? Math.min(config.linkTtl, maxTtl),
        now: Date.now(),
      })
      reply.code(201).header('Cache-Control', 'no-store')
      return { url: `${config.publicUrl}/link?${new URLSearchParams({ token })}`, link: linkJson(link) }
    },
  )

  app.get(
    '/connect/links',
    {
      preHandler: requireScope('connect'),
      schema: {
        operationId: 'listConnectLinks',
        summary: "List the end user's connect links",
        description: 'Oldest first (created_at, then id). Follow `next_cursor` for more pages.',
        tags: ['connect'],
        security,
        querystring: Type.Object(
          { status: Type.Optional(LinkStatus), limit: Type.Optional(LimitQuery), cursor: Type.Optional(CursorQuery) },
          { additionalProperties: false },
        ),
        response: { 200: ref(ConnectLinkPage), ...errorResponses([400, 401, 403]) },
      },
    },
    async (req) => {
      const p = req.principal
      const page = await links.list(
        { partnerId: p.partnerId, endUserId: p.endUserId },
        { status: req.query.status, cursor: req.query.cursor, limit: pageLimit(req.query.limit) },
      )
      return { data: page.data.map(linkJson), next_cursor: page.nextCursor }
    },
  )

  app.get(
    '/connect/links/:id',
    {
      preHandler: requireScope('connect'),
      schema: {
        operationId: 'getConnectLink',
        summary: 'Get a connect link',
        description: "The link's status and, once its flow ended, the outcome and connection id.",
        tags: ['connect'],
        security,
        params: IdParams,
        response: { 200: ref(ConnectLinkJson), ...errorResponses([400, 401, 403, 404]) },
      },
    },
    async (req) => {
      const p = req.principal
      const link = await links.get({ partnerId: p.partnerId, endUserId: p.endUserId }, req.params.id)
      if (!link) throw new PatchbayError('PB_ERR_NOT_FOUND', `connect link ${req.params.id} not found`)
      return linkJson(link)
    },
  )

  app.delete(
    '/connect/links/:id',
    {
      preHandler: requireScope('connect'),
      schema: {
        operationId: 'revokeConnectLink',
        summary: 'Revoke a connect link',
        description:
          'The link stops working; a flow opened from it and still under way ends with the error `revoked`. Revoking a revoked link answers it again.',
        tags: ['connect'],
        security,
        params: IdParams,
        response: {
          200: ref(ConnectLinkJson),
          ...errorResponses([400, 401, 403, 404, 409], {
            409: 'The link was used and its flow ended (`PB_ERR_LINK_USED`), or it expired unopened (`PB_ERR_LINK_EXPIRED`).',
          }),
        },
      },
    },
    async (req) => {
      const p = req.principal
      return linkJson(
        await revokeLink({ db: database.db, links, sessions }, { partnerId: p.partnerId, endUserId: p.endUserId }, req.params.id),
      )
    },
  )
}
