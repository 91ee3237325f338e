import { Type } from '@sinclair/typebox'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { PatchbayError } from '../../errors.js'
import { errorResponses } from '../../http/error-schema.js'
import { ref } from '../../lib/schema-ref.js'
import { pageSizeQuery } from './connection-query.js'

const Status = Type.Union([
  Type.Literal('pending'),
  Type.Literal('delivering'),
  Type.Literal('succeeded'),
  Type.Literal('failed'),
  Type.Literal('skipped'),
])

export const WebhookAttempt = Type.Object(
  {
    attempt: Type.Integer({ description: '1 for the first attempt.' }),
    url: Type.String({ description: 'The webhook URL the attempt was sent to.' }),
    status_code: Type.Union([Type.Integer(), Type.Null()], { description: 'The HTTP status the receiver answered; null when none.' }),
    error: Type.Union([Type.String(), Type.Null()], { description: 'Why the attempt failed when there is more to say than the status.' }),
    duration_ms: Type.Integer(),
    created_at: Type.String({ format: 'date-time' }),
  },
  { $id: 'WebhookAttempt', description: 'One delivery attempt of a webhook event.' },
)

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
  last_attempt: Type.Union([ref(WebhookAttempt), Type.Null()]),
}

export const WebhookEvent = Type.Object(eventFields, { $id: 'WebhookEvent', description: 'A webhook event and its delivery state.' })
export const WebhookEventDetail = Type.Object(
  { ...eventFields, delivery_attempts: Type.Array(ref(WebhookAttempt)) },
  { $id: 'WebhookEventDetail', description: 'A webhook event with every delivery attempt, oldest first.' },
)

export const WebhookEventPage = Type.Object(
  {
    data: Type.Array(ref(WebhookEvent)),
    next_cursor: Type.Union([Type.String(), Type.Null()], { description: 'Pass as `cursor` for the next page; null on the last page.' }),
  },
  { $id: 'WebhookEventPage', description: 'A page of webhook events, newest first.' },
)

const ListQuery = Type.Object(
  {
    status: Type.Optional(Status),
    type: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 512 })),
    limit: Type.Optional(pageSizeQuery(100, 20)),
  },
  { additionalProperties: false },
)

const EventParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100, description: 'The event id.' }) })

const security = [{ basic: [] }]

/** The partner's webhook outbox: list, inspect and redeliver its own events (HTTP Basic, see partner-auth.ts). */
export const partnerWebhookRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const events = app.services.webhookEvents

  app.get(
    '/webhooks/events',
    {
      schema: {
        operationId: 'listWebhookEvents',
        summary: 'List webhook events',
        description: 'The webhook events queued for this partner, newest first, with their delivery state.',
        tags: ['operator'],
        security,
        querystring: ListQuery,
        response: { 200: ref(WebhookEventPage), ...errorResponses([400, 401, 429]) },
      },
    },
    async (req) => {
      const query = req.query
      return events.list(req.partner.id, { status: query.status, type: query.type, cursor: query.cursor, limit: query.limit ?? 20 })
    },
  )

  app.get(
    '/webhooks/events/:id',
    {
      schema: {
        operationId: 'getWebhookEvent',
        summary: 'Show a webhook event',
        description: 'One event with every delivery attempt, oldest first.',
        tags: ['operator'],
        security,
        params: EventParams,
        response: { 200: ref(WebhookEventDetail), ...errorResponses([400, 401, 404, 429]) },
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
        operationId: 'redeliverWebhookEvent',
        summary: 'Redeliver a webhook event',
        description:
          'Queues the event again, due now, whatever its status; the attempt is recorded like any other. A failed event is tried once more.',
        tags: ['operator'],
        security,
        params: EventParams,
        response: {
          202: ref(WebhookEvent, { description: 'Queued again, due now.' }),
          ...errorResponses([400, 401, 404, 409, 429], { 409: 'The event is being delivered right now (`PB_ERR_CONFLICT`).' }),
        },
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
