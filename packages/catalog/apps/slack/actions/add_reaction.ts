// POST /reactions.add, from Slack's Web API reference ("reactions.add"):
// https://docs.slack.dev/reference/methods/reactions.add
// "already_reacted" means the message already carries this user's reaction with this emoji: what the
// call asks for is already so, so it is a success (already_reacted: true), which also makes a retry safe.
import { Type } from '@sinclair/typebox'
import { ActionError, defineAction } from '../../../src/define-action.js'
import { channelOptions, type SlackEnvelope, slackCall } from './_slack.js'

export default defineAction({
  key: 'add_reaction',
  app: 'slack',
  version: '1.0.0',
  type: 'write',
  title: 'Add a reaction',
  description: 'Adds an emoji reaction as the connected user to a message, given its channel and timestamp.',
  docs: 'https://docs.slack.dev/reference/methods/reactions.add',
  annotations: { readOnly: false, destructive: false, idempotent: true },
  scopes: ['reactions:write'],
  input: Type.Object({
    channel: Type.String({ minLength: 1, maxLength: 255, description: 'The conversation ID (C…, G…, D…) the message is in.' }),
    timestamp: Type.String({ pattern: '^[0-9]+\\.[0-9]+$', description: "The message's ts, e.g. 1234567890.123456." }),
    name: Type.String({
      pattern: '^[^\\s:]+(::skin-tone-[2-6])?$',
      maxLength: 100,
      description: 'The emoji name without colons, e.g. thumbsup; a skin tone as thumbsup::skin-tone-3.',
    }),
  }),
  output: Type.Object({
    channel: Type.String(),
    timestamp: Type.String(),
    name: Type.String(),
    already_reacted: Type.Boolean({ description: 'The user had already reacted with this emoji; nothing changed.' }),
  }),
  fields: { channel: { searchable: true, options: channelOptions } },
  run: async (ctx, input) => {
    const done = (already: boolean) => ({ channel: input.channel, timestamp: input.timestamp, name: input.name, already_reacted: already })
    try {
      await slackCall<SlackEnvelope>(ctx.http, 'reactions.add', {
        method: 'POST',
        json: { channel: input.channel, timestamp: input.timestamp, name: input.name },
      })
    } catch (err) {
      if (err instanceof ActionError && err.code === 'already_reacted') return done(true)
      throw err
    }
    return done(false)
  },
})
