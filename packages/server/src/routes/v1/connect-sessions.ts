import { Type } from '@sinclair/typebox'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { PatchbayError } from '../../errors.js'
import { connectUrl } from '../../connect/sessions/connect-url.js'
import { SessionOptionError, validateSessionOptions } from '../../connect/sessions/session-options.js'
import { errorResponses } from '../../http/error-schema.js'
import { ref } from '../../lib/schema-ref.js'
import { requireScope } from './authenticate.js'
import { isoTime } from '../../lib/iso-time.js'

const CreateSession = Type.Object(
  {
    apps: Type.Optional(Type.Array(Type.String(), { maxItems: 50, description: 'App keys the session may connect; all when empty.' })),
    allowed_origin: Type.Optional(Type.String({ description: 'Registered origin the popup posts its result to.' })),
    redirect_uri: Type.Optional(
      Type.String({
        description:
          'Registered URI the browser returns to: the session ends in redirect mode unless the opening URL asks for a popup (`mode=popup` or a widget `nonce`).',
      }),
    ),
    reconnect_id: Type.Optional(
      Type.String({ description: "Connection of this end user to re-authorize (it keeps its id); unknown or another user's: 404." }),
    ),
    custom_state: Type.Optional(Type.String({ description: 'Opaque string returned with the result.' })),
    allow_multiple: Type.Optional(
      Type.Boolean({ description: "Keep the user's other connections of the same app (default: replace them)." }),
    ),
  },
  { additionalProperties: false },
)

export const ConnectSession = Type.Object(
  {
    token: Type.String({ description: 'Single-use session code for the Connect UI.' }),
    connect_url: Type.String({
      description:
        'Ready-to-open Connect UI link with the code: `/to/{app}?token=…` when the session allows exactly one app, else `/connect?token=…`.',
    }),
    session_id: Type.String(),
    expires_in: Type.Integer(),
    expires_at: Type.String({ format: 'date-time' }),
  },
  { $id: 'ConnectSession', additionalProperties: false, description: 'A single-use code that opens the Connect UI for the end user.' },
)

const optionErrorCode = {
  redirect_uri: 'PB_ERR_INVALID_REDIRECT_URI',
  allowed_origin: 'PB_ERR_INVALID_ORIGIN',
} as const

export const connectSessionRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.post(
    '/connect/sessions',
    {
      preHandler: requireScope('connect'),
      schema: {
        operationId: 'createConnectSession',
        summary: 'Create a connect session',
        description: 'Mints a single-use code that opens the Connect UI for this end user.',
        tags: ['connect'],
        security: [{ bearer: [] }],
        body: CreateSession,
        response: {
          201: ref(ConnectSession),
          ...errorResponses([400, 401, 403, 404], {
            400: 'A bad option (`PB_ERR_VALIDATION`), or a `redirect_uri` / `allowed_origin` the partner did not register.',
            404: '`reconnect_id` names no connection of this end user.',
          }),
        },
      },
    },
    async (req, reply) => {
      const { partners, sessions, config } = app.services
      const p = req.principal
      const partner = await partners.get(p.partnerId)
      if (!partner) throw new PatchbayError('PB_ERR_UNAUTHORIZED', 'the partner of this token no longer exists')
      const body = req.body
      let options: ReturnType<typeof validateSessionOptions>
      try {
        options = validateSessionOptions(partner, {
          apps: body.apps,
          allowedOrigin: body.allowed_origin,
          redirectUri: body.redirect_uri,
          reconnectId: body.reconnect_id,
          customState: body.custom_state,
          allowMultiple: body.allow_multiple,
        })
      } catch (err) {
        if (!(err instanceof SessionOptionError)) throw err
        const code = optionErrorCode[err.param as keyof typeof optionErrorCode] ?? 'PB_ERR_VALIDATION'
        throw new PatchbayError(code, err.message)
      }
      // The token is scoped to this end user, so checking the id now reveals nothing the Connect UI would not (docs/api.md).
      let onlyApp = options.apps.length === 1 ? (options.apps[0] as string) : null
      if (options.reconnectId !== null) {
        const target = await app.services.connections.get({ partnerId: p.partnerId, endUserId: p.endUserId }, options.reconnectId)
        if (!target) throw new PatchbayError('PB_ERR_NOT_FOUND', `reconnect_id: connection ${options.reconnectId} not found`)
        if (options.apps.length > 0 && !options.apps.includes(target.appKey)) {
          throw new PatchbayError(
            'PB_ERR_VALIDATION',
            `reconnect_id: connection ${options.reconnectId} is a ${target.appKey} connection, which apps does not include`,
          )
        }
        onlyApp = target.appKey
      }
      const now = Date.now()
      const session = await sessions.create(app.services.database.db, {
        partnerId: p.partnerId,
        endUserId: p.endUserId,
        options,
        ttlSeconds: config.sessionTtl,
        now,
      })
      reply.code(201).header('Cache-Control', 'no-store')
      return {
        token: session.code,
        connect_url: connectUrl(config.publicUrl, session.code, onlyApp),
        session_id: session.id,
        expires_in: config.sessionTtl,
        expires_at: isoTime(session.expiresAt),
      }
    },
  )
}
