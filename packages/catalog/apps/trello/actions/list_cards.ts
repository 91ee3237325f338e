// GET /1/lists/{id}/cards, from the Trello REST API reference ("Get Cards in a List"):
// https://developer.atlassian.com/cloud/trello/rest/api-group-lists/#api-lists-id-cards-get
// Paging: the reference documents no paging parameters for this endpoint (its `before`/`since`/`limit` paging is
// documented only for actions and notifications), and Trello answers every card of the list in list order. The
// cursor is therefore an offset into that answer: each page asks again and returns `limit` cards from the offset.
import { Type } from '@sinclair/typebox'
import { defineAction } from '../../../src/define-action.js'
import { boardOptions, card, CardT, listOptions, type TrelloCard, TRELLO_ID } from './_trello.js'

export default defineAction({
  key: 'list_cards',
  app: 'trello',
  version: '1.0.0',
  type: 'read',
  title: 'List cards in a list',
  description: 'Lists the cards of a list, in their order on the list.',
  docs: 'https://developer.atlassian.com/cloud/trello/rest/api-group-lists/#api-lists-id-cards-get',
  annotations: { readOnly: true, destructive: false, idempotent: true },
  scopes: [],
  input: Type.Object({
    board: Type.Optional(Type.String({ pattern: TRELLO_ID, description: 'The board to pick the list from (not sent).' })),
    list: Type.String({ pattern: TRELLO_ID, description: 'The id of the list.' }),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, description: 'Cards per page (default 100).' })),
    cursor: Type.Optional(Type.String({ pattern: '^[0-9]+$', description: 'next_cursor of the previous page.' })),
  }),
  output: Type.Object({
    cards: Type.Array(CardT),
    next_cursor: Type.Union([Type.String(), Type.Null()]),
  }),
  fields: {
    board: { searchable: true, options: boardOptions },
    list: { dependsOn: ['board'], options: listOptions },
  },
  run: async (ctx, input) => {
    const res = await ctx.http.get<TrelloCard[]>(`/lists/${input.list}/cards`)
    const start = input.cursor ? Number(input.cursor) : 0
    const limit = input.limit ?? 100
    const all = Array.isArray(res.data) ? res.data : []
    const end = start + limit
    return { cards: all.slice(start, end).map(card), next_cursor: end < all.length ? String(end) : null }
  },
})
