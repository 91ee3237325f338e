// GET /users.lookupByEmail, from Slack's Web API reference ("users.lookupByEmail"):
// https://docs.slack.dev/reference/methods/users.lookupByEmail
// No member with that address answers ok: false, error "users_not_found" (a not_found error here).
import { Type } from '@sinclair/typebox'
import { defineAction } from '../../../src/define-action.js'
import { type SlackEnvelope, type SlackUser, slackCall, toUser } from './_slack.js'
import { User } from './_user.js'

export default defineAction({
  key: 'find_user_by_email',
  app: 'slack',
  version: '1.0.0',
  type: 'read',
  title: 'Find a user by email',
  description: 'Finds the workspace member with a registered email address.',
  docs: 'https://docs.slack.dev/reference/methods/users.lookupByEmail',
  annotations: { readOnly: true, destructive: false, idempotent: true },
  // Slack asks for users:read.email together with users:read.
  scopes: ['users:read', 'users:read.email'],
  input: Type.Object({
    email: Type.String({
      pattern: '^[^\\s@]+@[^\\s@]+$',
      minLength: 3,
      maxLength: 254,
      description: 'An email address of a member of the workspace.',
    }),
  }),
  output: Type.Object({ user: User }),
  run: async (ctx, input) => {
    const body = await slackCall<SlackEnvelope & { user: SlackUser }>(ctx.http, 'users.lookupByEmail', {
      method: 'GET',
      query: { email: input.email },
    })
    return { user: toUser(body.user) }
  },
})
