// GET /api/v2/search?query=type:ticket …, from Zendesk's Ticketing API reference ("List Search Results"):
// https://developer.zendesk.com/api-reference/ticketing/ticket-management/search/#list-search-results
// The endpoint documents offset pagination only (page, per_page up to 100, `next_page` a URL or null) and
// at most 1,000 results per query (a page past them answers 422), so the cursor is the next page number
// and stops at the 1,000th result. Query syntax: the same page, "Query syntax".
import { Type } from '@sinclair/typebox'
import { defineAction } from '../../../src/define-action.js'
import { Ticket, toTicket, type ZendeskTicket } from './_zendesk.js'

const MAX_RESULTS = 1000

export default defineAction({
  key: 'search_tickets',
  app: 'zendesk',
  version: '1.0.0',
  type: 'search',
  title: 'Search tickets',
  description:
    'Finds tickets with Zendesk search syntax, e.g. "status:open priority:urgent printer" (up to 1,000 results). Pass next_cursor back as cursor, with the same query and limit, for the next page.',
  docs: 'https://developer.zendesk.com/api-reference/ticketing/ticket-management/search/#list-search-results',
  annotations: { readOnly: true, destructive: false, idempotent: true },
  scopes: ['read'],
  input: Type.Object({
    query: Type.String({ minLength: 1, maxLength: 1000, description: 'Search terms and filters; "type:ticket" is added.' }),
    sort_by: Type.Optional(
      Type.Union(
        ['updated_at', 'created_at', 'priority', 'status', 'ticket_type'].map((s) => Type.Literal(s)),
        {
          description: 'Default: relevance.',
        },
      ),
    ),
    sort_order: Type.Optional(Type.Union([Type.Literal('asc'), Type.Literal('desc')], { default: 'desc' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 100, description: 'Tickets per page.' })),
    cursor: Type.Optional(Type.String({ pattern: '^[1-9][0-9]*$', description: 'next_cursor of the previous page.' })),
  }),
  output: Type.Object({
    count: Type.Integer({ description: 'How many tickets match (only the first 1,000 can be read).' }),
    tickets: Type.Array(Ticket),
    next_cursor: Type.Union([Type.String(), Type.Null()]),
  }),
  run: async (ctx, input) => {
    const perPage = input.limit ?? 100
    const page = input.cursor ? Number(input.cursor) : 1
    const res = await ctx.http.get<{ count: number; next_page: string | null; results: (ZendeskTicket & { result_type?: string })[] }>(
      '/search.json',
      {
        query: `type:ticket ${input.query}`,
        sort_by: input.sort_by,
        sort_order: input.sort_order,
        per_page: perPage,
        page: input.cursor ? page : undefined,
      },
    )
    let next: string | null = null
    if (res.data.next_page) {
      const said = Number(new URL(res.data.next_page).searchParams.get('page'))
      const nextPage = Number.isInteger(said) && said > page ? said : page + 1
      next = (nextPage - 1) * perPage < MAX_RESULTS ? String(nextPage) : null
    }
    return {
      count: res.data.count,
      tickets: res.data.results.filter((r) => r.result_type === undefined || r.result_type === 'ticket').map(toTicket),
      next_cursor: next,
    }
  },
})
