// GET /api/v2/tickets/{ticket_id}, from Zendesk's Ticketing API reference ("Show Ticket"):
// https://developer.zendesk.com/api-reference/ticketing/tickets/tickets/#show-ticket
// The answer has the ticket's properties and its first comment as `description`, not the comment thread.
import { Type } from '@sinclair/typebox'
import { defineAction } from '../../../src/define-action.js'
import { Ticket, TicketId, toTicket, type ZendeskTicket } from './_zendesk.js'

export default defineAction({
  key: 'get_ticket',
  app: 'zendesk',
  version: '1.0.0',
  type: 'read',
  title: 'Get a ticket',
  description: 'Reads one ticket by id: subject, first comment, status, priority, people and tags.',
  docs: 'https://developer.zendesk.com/api-reference/ticketing/tickets/tickets/#show-ticket',
  annotations: { readOnly: true, destructive: false, idempotent: true },
  scopes: ['read'],
  input: Type.Object({ ticket_id: TicketId }),
  output: Ticket,
  run: async (ctx, input) => {
    const res = await ctx.http.get<{ ticket: ZendeskTicket }>(`/tickets/${input.ticket_id}.json`)
    return toTicket(res.data.ticket)
  },
})
