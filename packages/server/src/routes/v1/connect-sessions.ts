import { Type } from '@sinclair/typebox'
import type { FastifyPluginAsync } from 'fastify'
import { PatchbayError } from '../../errors.js'
import { SessionOptionError, validateSessionOptions } from '../../sessions/session-options.js'
import { requireScope } from './authenticate.js'

const CreateSession = Type.Object(
  {
    apps: Type.Optional(Type.Array(Type.String(), { maxItems: 50, description: 'App keys the session may connect; all when empty.' })),
    allowed_origin: Type.Optional(Type.String({ description: 'Registered origin the popup posts its result to.' })),
    redirect_uri: Type.Optional(Type.String({ description: 'Registered URI the browser returns to.' })),
    reconnect_id: Type.Optional(Type.String({ description: 'Connection to re-authorize.' })),
    custom_state: Type.Optional(Type.String({ description: 'Opaque string returned with the result.' })),
    allow_multiple: Type.Optional(
      Type.Boolean({ description: "Keep the user's other connections of the same app (default: replace them)." }),
    ),
  },
  { additionalProperties: false },
)

const Session = Type.Object({
  token: Type.String({ description: 'Single-use session code for the Connect UI.' }),
  session_id: Type.String(),
  expires_in: Type.Integer(),
  expires_at: Type.String({ format: 'date-time' }),
})

const optionErrorCode = {
  redirect_uri: 'PB_ERR_INVALID_REDIRECT_URI',
  allowed_origin: 'PB_ERR_INVALID_ORIGIN',
} as const

export const connectSessionRoutes: FastifyPluginAsync = async (app) => {
  app.post(
    '/connect/sessions',
    {
      preHandler: requireScope('connect'),
      schema: {
        summary: 'Create a connect session',
        description: 'Mints a single-use code that opens the Connect UI for this end user.',
        tags: ['connect'],
        body: CreateSession,
        response: { 201: Session },
      },
    },
    async (req, reply) => {
      const { partners, sessions, config } = app.services
      const p = req.principal
      const partner = await partners.get(p.partnerId)
      if (!partner) throw new PatchbayError('PB_ERR_UNAUTHORIZED', 'the partner of this token no longer exists')
      const body = req.body as typeof CreateSession.static
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
        session_id: session.id,
        expires_in: config.sessionTtl,
        expires_at: new Date(session.expiresAt).toISOString(),
      }
    },
  )
}
