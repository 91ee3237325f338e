import { Type } from '@sinclair/typebox'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { PatchbayError } from '../../errors.js'

const Status = Type.Union([
  Type.Literal('pending'),
  Type.Literal('delivering'),
  Type.Literal('succeeded'),
  Type.Literal('failed'),
  Type.Literal('skipped'),
])

const Attempt = Type.Object({
  attempt: Type.Integer({ description: '1 for the first attempt.' }),
  url: Type.String({ description: 'The webhook URL the attempt was sent to.' }),
  status_code: Type.Union([Type.Integer(), Type.Null()], { description: 'The HTTP status the receiver answered; null when none.' }),
  error: Type.Union([Type.String(), Type.Null()], { description: 'Why the attempt failed when there is more to say than the status.' }),
  duration_ms: Type.Integer(),
  created_at: Type.String({ format: 'date-time' }),
})

const eventFields = {
  id: Type.String({ description: 'The event id, sent as `webhook-id` (use it to deduplicate).' }),
  type: Type.String({ description: 'e.g. connection.created' }),
  status: Status,
  attempts: Type.Integer({ description: 'Delivery attempts made so far.' }),
  next_attempt_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  created_at: Type.String({ format: 'date-time' }),
  updated_at: Type.String({ format: 'date-time' }),
  payload: Type.Object(
    {
      type: Type.String(),
      timestamp: Type.String({ format: 'date-time' }),
      data: Type.Object({}, { additionalProperties: true }),
    },
    { description: 'The JSON body sent to the webhook URL.' },
  ),
  last_attempt: Type.Union([Attempt, Type.Null()]),
}

const WebhookEvent = Type.Object(eventFields)
const WebhookEventDetail = Type.Object({ ...eventFields, delivery_attempts: Type.Array(Attempt) })

const EventList = Type.Object({
  data: Type.Array(WebhookEvent),
  next_cursor: Type.Union([Type.String(), Type.Null()], { description: 'Pass as `cursor` for the next page; null on the last page.' }),
})

const ListQuery = Type.Object(
  {
    status: Type.Optional(Status),
    type: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 512 })),
    limit: Type.Optional(Type.String({ pattern: '^[0-9]{1,3}$', description: '1 to 100 (default 20).' })),
  },
  { additionalProperties: false },
)

const EventParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) })

const security = [{ basic: [] }]

/** The partner's webhook outbox: list, inspect and redeliver its own events (HTTP Basic, see partner-auth.ts). */
export const partnerWebhookRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const events = app.services.webhookEvents

  app.get(
    '/webhooks/events',
    {
      schema: {
        summary: 'List webhook events',
        description: 'The webhook events queued for this partner, newest first, with their delivery state.',
        tags: ['webhooks'],
        security,
        querystring: ListQuery,
        response: { 200: EventList },
      },
    },
    async (req) => {
      const query = req.query
      const limit = query.limit === undefined ? 20 : Number(query.limit)
      if (limit < 1 || limit > 100) throw new PatchbayError('PB_ERR_VALIDATION', 'querystring.limit must be from 1 to 100')
      return events.list(req.partner.id, { status: query.status, type: query.type, cursor: query.cursor, limit })
    },
  )

  app.get(
    '/webhooks/events/:id',
    {
      schema: {
        summary: 'Show a webhook event',
        description: 'One event with every delivery attempt, oldest first.',
        tags: ['webhooks'],
        security,
        params: EventParams,
        response: { 200: WebhookEventDetail },
      },
    },
    async (req) => {
      const { id } = req.params
      const event = await events.get(req.partner.id, id)
      if (!event) throw new PatchbayError('PB_ERR_NOT_FOUND', `no webhook event ${id}`)
      return event
    },
  )

  app.post(
    '/webhooks/events/:id/redeliver',
    {
      schema: {
        summary: 'Redeliver a webhook event',
        description:
          'Queues the event again, due now, whatever its status; the attempt is recorded like any other. A failed event is tried once more.',
        tags: ['webhooks'],
        security,
        params: EventParams,
        response: { 202: WebhookEvent },
      },
    },
    async (req, reply) => {
      const { id } = req.params
      const event = await events.redeliver(req.partner.id, id)
      reply.code(202)
      return event
    },
  )
}
