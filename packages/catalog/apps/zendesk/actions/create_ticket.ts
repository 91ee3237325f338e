// POST /api/v2/tickets, from Zendesk's Ticketing API reference ("Create Ticket"):
// https://developer.zendesk.com/api-reference/ticketing/tickets/tickets/#create-ticket
// The body is {ticket: {subject, comment: {body, public}, priority, type, status, tags, group_id,
// requester_id | requester: {name, email}}}; a requester given by email is created when unknown. Sent with the
// run's idempotency key (Idempotency-Key header), which the Ticketing API honours for ticket creation
// (https://developer.zendesk.com/api-reference/ticketing/introduction/#idempotency), so a retry creates one ticket.
import { Type } from '@sinclair/typebox'
import { ActionError, defineAction } from '../../../src/define-action.js'
import { groupOptions, Priority, Status, Ticket, TicketType, toTicket, type ZendeskTicket } from './_zendesk.js'

export default defineAction({
  key: 'create_ticket',
  app: 'zendesk',
  version: '1.0.0',
  type: 'write',
  title: 'Create a ticket',
  description:
    'Opens a ticket with a first comment, for an existing requester (requester_id) or one given by email. A retry with the same idempotency key returns the same ticket.',
  docs: 'https://developer.zendesk.com/api-reference/ticketing/tickets/tickets/#create-ticket',
  annotations: { readOnly: false, destructive: false, idempotent: true },
  scopes: ['write'],
  input: Type.Object({
    subject: Type.String({ minLength: 1, maxLength: 255 }),
    body: Type.String({ minLength: 1, maxLength: 65536, description: 'The first comment (plain text); it becomes the description.' }),
    public: Type.Optional(Type.Boolean({ default: true, description: 'Whether the first comment is visible to the requester.' })),
    priority: Type.Optional(Priority),
    type: Type.Optional(TicketType),
    status: Type.Optional(Status),
    tags: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 80, pattern: '^\\S+$' }), { maxItems: 100 })),
    group_id: Type.Optional(Type.Integer({ minimum: 1, description: 'The group the ticket is assigned to.' })),
    requester_id: Type.Optional(Type.Integer({ minimum: 1, description: 'An existing user; use this or requester.' })),
    requester: Type.Optional(
      Type.Object(
        {
          email: Type.String({ pattern: '^[^@\\s]+@[^@\\s]+$', maxLength: 254 }),
          name: Type.Optional(Type.String({ minLength: 1, maxLength: 255, description: 'Used when the user is created.' })),
        },
        { additionalProperties: false, description: 'The requester by email, created when unknown; use this or requester_id.' },
      ),
    ),
  }),
  output: Ticket,
  fields: { group_id: { options: groupOptions } },
  run: async (ctx, input) => {
    if (input.requester_id !== undefined && input.requester !== undefined) {
      throw new ActionError({
        type: 'validation',
        code: 'conflicting_requester',
        message: 'give either requester_id or requester, not both',
      })
    }
    const ticket: Record<string, unknown> = {
      subject: input.subject,
      comment: { body: input.body, ...(input.public !== undefined ? { public: input.public } : {}) },
    }
    for (const name of ['priority', 'type', 'status', 'tags', 'group_id', 'requester_id', 'requester'] as const) {
      if (input[name] !== undefined) ticket[name] = input[name]
    }
    const res = await ctx.http.request<{ ticket: ZendeskTicket }>({
      method: 'POST',
      path: '/tickets.json',
      json: { ticket },
      headers: { 'Idempotency-Key': ctx.idempotencyKey },
    })
    return toTicket(res.data.ticket)
  },
})
