// PUT /api/v2/tickets/{ticket_id}, from Zendesk's Ticketing API reference ("Update Ticket"):
// https://developer.zendesk.com/api-reference/ticketing/tickets/tickets/#update-ticket
// A comment is added by updating the ticket with {ticket: {comment: {body, public}}}; the same update may
// set the status (e.g. solved). Comments can't be changed afterwards, so each run adds one more comment.
import { Type } from '@sinclair/typebox'
import { defineAction } from '../../../src/define-action.js'
import { Status, Ticket, TicketId, toTicket, type ZendeskTicket } from './_zendesk.js'

export default defineAction({
  key: 'add_comment',
  app: 'zendesk',
  version: '1.0.0',
  type: 'write',
  title: 'Add a comment to a ticket',
  description: 'Adds a public reply or an internal note to a ticket, optionally changing its status in the same update.',
  docs: 'https://developer.zendesk.com/api-reference/ticketing/tickets/tickets/#update-ticket',
  annotations: { readOnly: false, destructive: false, idempotent: false },
  scopes: ['write'],
  input: Type.Object({
    ticket_id: TicketId,
    body: Type.String({ minLength: 1, maxLength: 65536, description: 'The comment (plain text).' }),
    public: Type.Optional(Type.Boolean({ default: true, description: 'true: a reply the requester sees; false: an internal note.' })),
    status: Type.Optional(Status),
  }),
  output: Ticket,
  run: async (ctx, input) => {
    const res = await ctx.http.put<{ ticket: ZendeskTicket }>(`/tickets/${input.ticket_id}.json`, {
      ticket: {
        comment: { body: input.body, public: input.public ?? true },
        ...(input.status !== undefined ? { status: input.status } : {}),
      },
    })
    return toTicket(res.data.ticket)
  },
})
