// GET /users.list, from Slack's Web API reference ("users.list"):
// https://docs.slack.dev/reference/methods/users.list
// Cursor paging: `cursor` in, response_metadata.next_cursor out ("" on the last page).
import { Type } from '@sinclair/typebox'
import { defineAction } from '../../../src/define-action.js'
import { nextCursor, type SlackEnvelope, type SlackUser, slackCall, toUser } from './_slack.js'
import { User } from './_user.js'

export default defineAction({
  key: 'list_users',
  app: 'slack',
  version: '1.0.0',
  type: 'read',
  title: 'List users',
  description:
    "The workspace's members, deactivated ones included (deleted: true), a page at a time (pass next_cursor back as cursor). Emails need the users:read.email scope.",
  docs: 'https://docs.slack.dev/reference/methods/users.list',
  annotations: { readOnly: true, destructive: false, idempotent: true },
  scopes: ['users:read'],
  input: Type.Object({
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 999, default: 100, description: 'Users per page; Slack may return fewer.' })),
    cursor: Type.Optional(Type.String({ minLength: 1, description: 'next_cursor of the previous page.' })),
  }),
  output: Type.Object({ users: Type.Array(User), next_cursor: Type.Union([Type.String(), Type.Null()]) }),
  run: async (ctx, input) => {
    const body = await slackCall<SlackEnvelope & { members: SlackUser[] }>(ctx.http, 'users.list', {
      method: 'GET',
      query: { limit: input.limit ?? 100, cursor: input.cursor },
    })
    return { users: body.members.map(toUser), next_cursor: nextCursor(body) }
  },
})
