// GET /conversations.list, from Slack's Web API reference ("conversations.list"):
// https://docs.slack.dev/reference/methods/conversations.list
import { Type } from '@sinclair/typebox'
import { defineAction } from '../../../src/define-action.js'
import { type ConversationsList, nextCursor, slackCall } from './_slack.js'

const Channel = Type.Object({
  id: Type.String(),
  name: Type.String(),
  is_private: Type.Boolean(),
  is_archived: Type.Boolean(),
  is_member: Type.Boolean(),
  num_members: Type.Union([Type.Integer(), Type.Null()]),
})

export default defineAction({
  key: 'list_channels',
  app: 'slack',
  version: '1.0.0',
  type: 'read',
  title: 'List channels',
  description: "The workspace's public channels, a page at a time (pass next_cursor back as cursor for the next page).",
  docs: 'https://docs.slack.dev/reference/methods/conversations.list',
  annotations: { readOnly: true, destructive: false, idempotent: true },
  scopes: ['channels:read'],
  input: Type.Object({
    exclude_archived: Type.Optional(Type.Boolean({ default: true })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 999, default: 100 })),
    cursor: Type.Optional(Type.String({ minLength: 1 })),
  }),
  output: Type.Object({ channels: Type.Array(Channel), next_cursor: Type.Union([Type.String(), Type.Null()]) }),
  run: async (ctx, input) => {
    const body = await slackCall<ConversationsList>(ctx.http, 'conversations.list', {
      method: 'GET',
      query: { types: 'public_channel', exclude_archived: input.exclude_archived ?? true, limit: input.limit ?? 100, cursor: input.cursor },
    })
    return {
      channels: body.channels.map((c) => ({
        id: c.id,
        name: c.name,
        is_private: c.is_private === true,
        is_archived: c.is_archived === true,
        is_member: c.is_member === true,
        num_members: typeof c.num_members === 'number' ? c.num_members : null,
      })),
      next_cursor: nextCursor(body),
    }
  },
})
