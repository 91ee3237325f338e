// POST /1/cards, from the Trello REST API reference ("Create a new Card"; its query parameters may be sent as a
// JSON body instead): https://developer.atlassian.com/cloud/trello/rest/api-group-cards/#api-cards-post
// Pickers: GET /1/members/{id}/boards and GET /1/boards/{id}/lists (see _trello.ts).
import { Type } from '@sinclair/typebox'
import { defineAction } from '../../../src/define-action.js'
import { boardOptions, card, CardT, listOptions, type TrelloCard, TRELLO_ID } from './_trello.js'

export default defineAction({
  key: 'create_card',
  app: 'trello',
  version: '1.0.0',
  type: 'write',
  title: 'Create a card',
  description: 'Creates a card in a list, with an optional description, position, due date, labels and members.',
  docs: 'https://developer.atlassian.com/cloud/trello/rest/api-group-cards/#api-cards-post',
  annotations: { readOnly: false, destructive: false, idempotent: false },
  scopes: [],
  input: Type.Object({
    board: Type.Optional(Type.String({ pattern: TRELLO_ID, description: 'The board to pick the list from (not sent: the list decides).' })),
    list: Type.String({ pattern: TRELLO_ID, description: 'The id of the list the card is created in.' }),
    name: Type.String({ minLength: 1, maxLength: 16384 }),
    desc: Type.Optional(Type.String({ maxLength: 16384, description: 'The description (Markdown).' })),
    pos: Type.Optional(
      Type.Union([Type.Literal('top'), Type.Literal('bottom'), Type.Number({ minimum: 0 })], {
        description: 'top, bottom, or a positive number.',
      }),
    ),
    due: Type.Optional(Type.String({ minLength: 1, description: 'A due date, ISO 8601 (e.g. 2026-05-11 or 2026-05-11T17:00:00.000Z).' })),
    label_ids: Type.Optional(Type.Array(Type.String({ pattern: TRELLO_ID }), { maxItems: 50, description: 'Ids of board labels to add.' })),
    member_ids: Type.Optional(
      Type.Array(Type.String({ pattern: TRELLO_ID }), { maxItems: 50, description: 'Ids of board members to add.' }),
    ),
  }),
  output: CardT,
  fields: {
    board: { searchable: true, options: boardOptions },
    list: { dependsOn: ['board'], options: listOptions },
  },
  run: async (ctx, input) => {
    const res = await ctx.http.post<TrelloCard>('/cards', {
      idList: input.list,
      name: input.name,
      ...(input.desc !== undefined ? { desc: input.desc } : {}),
      ...(input.pos !== undefined ? { pos: input.pos } : {}),
      ...(input.due !== undefined ? { due: input.due } : {}),
      ...(input.label_ids !== undefined ? { idLabels: input.label_ids.join(',') } : {}),
      ...(input.member_ids !== undefined ? { idMembers: input.member_ids.join(',') } : {}),
    })
    return card(res.data)
  },
})
