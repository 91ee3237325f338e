import { Type } from '@sinclair/typebox'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { errorResponses } from '../../http/error-schema.js'
import { ref } from '../../lib/schema-ref.js'
import { isoTime } from '../../lib/iso-time.js'

export const Me = Type.Object(
  {
    partner_id: Type.String(),
    tenant_id: Type.String(),
    user_id: Type.String({ description: "The partner's own id for the end user." }),
    scopes: Type.Array(Type.String()),
    expires_at: Type.String({ format: 'date-time', description: 'When the access token expires.' }),
  },
  { $id: 'Me', additionalProperties: false, description: 'The end user an access token acts for.' },
)

export const meRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/me',
    {
      schema: {
        operationId: 'getMe',
        summary: 'The end user this access token acts for',
        tags: ['me'],
        security: [{ bearer: [] }],
        response: { 200: ref(Me), ...errorResponses([401]) },
      },
    },
    async (req) => {
      const p = req.principal
      return {
        partner_id: p.partnerId,
        tenant_id: p.tenantId,
        user_id: p.userId,
        scopes: p.scopes,
        expires_at: isoTime(p.expiresAt),
      }
    },
  )
}
