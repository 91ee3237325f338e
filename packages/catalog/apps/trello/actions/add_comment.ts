// POST /1/cards/{id}/actions/comments, from the Trello REST API reference ("Add a new comment to a Card"):
// https://developer.atlassian.com/cloud/trello/rest/api-group-cards/#api-cards-id-actions-comments-post
import { Type } from '@sinclair/typebox'
import { defineAction } from '../../../src/define-action.js'
import { CARD_ID_OR_SHORTLINK } from './_trello.js'

interface CommentAction {
  id: string
  type?: string
  date?: string
  data?: { text?: string; card?: { id?: string } }
  memberCreator?: { id?: string; username?: string; fullName?: string }
}

export default defineAction({
  key: 'add_comment',
  app: 'trello',
  version: '1.0.0',
  type: 'write',
  title: 'Comment on a card',
  description: 'Adds a comment to a card as the connected member.',
  docs: 'https://developer.atlassian.com/cloud/trello/rest/api-group-cards/#api-cards-id-actions-comments-post',
  annotations: { readOnly: false, destructive: false, idempotent: false },
  scopes: [],
  input: Type.Object({
    card: Type.String({ pattern: CARD_ID_OR_SHORTLINK, description: 'The card id, or its short link (the part after /c/ in its URL).' }),
    text: Type.String({ minLength: 1, maxLength: 16384, description: 'The comment (Markdown).' }),
  }),
  output: Type.Object({
    id: Type.String({ description: 'The id of the comment (a commentCard action).' }),
    text: Type.String(),
    date: Type.Union([Type.String(), Type.Null()]),
    card_id: Type.Union([Type.String(), Type.Null()]),
    author: Type.Union([
      Type.Object({
        id: Type.String(),
        username: Type.Union([Type.String(), Type.Null()]),
        full_name: Type.Union([Type.String(), Type.Null()]),
      }),
      Type.Null(),
    ]),
  }),
  run: async (ctx, input) => {
    const res = await ctx.http.request<CommentAction>({
      method: 'POST',
      path: `/cards/${input.card}/actions/comments`,
      query: { text: input.text },
    })
    const a = res.data
    const m = a.memberCreator
    return {
      id: a.id,
      text: a.data?.text ?? input.text,
      date: a.date ?? null,
      card_id: a.data?.card?.id ?? null,
      author: m?.id ? { id: m.id, username: m.username ?? null, full_name: m.fullName ?? null } : null,
    }
  },
})
