// POST /chat.postMessage, from Slack's Web API reference ("chat.postMessage"):
// https://docs.slack.dev/reference/methods/chat.postMessage
import { Type } from '@sinclair/typebox'
import { defineAction } from '../../../src/define-action.js'
import { channelOptions, type SlackEnvelope, slackCall } from './_slack.js'

export default defineAction({
  key: 'send_message',
  app: 'slack',
  version: '1.0.0',
  type: 'write',
  title: 'Send a message',
  description: 'Posts a message as the connected user to a channel (by ID, e.g. C1234567890) the user can post in.',
  docs: 'https://docs.slack.dev/reference/methods/chat.postMessage',
  annotations: { readOnly: false, destructive: false, idempotent: false },
  scopes: ['chat:write', 'channels:read'],
  input: Type.Object({
    channel: Type.String({ minLength: 1, maxLength: 255, description: 'A conversation ID (C…, G…, D…) or a channel name.' }),
    text: Type.String({ minLength: 1, maxLength: 40000, description: 'Slack mrkdwn.' }),
  }),
  output: Type.Object({ channel: Type.String(), ts: Type.String({ description: "The message's timestamp: its ID within the channel." }) }),
  fields: { channel: { searchable: true, options: channelOptions } },
  run: async (ctx, input) => {
    const body = await slackCall<SlackEnvelope & { channel: string; ts: string }>(ctx.http, 'chat.postMessage', {
      method: 'POST',
      json: { channel: input.channel, text: input.text },
    })
    return { channel: body.channel, ts: body.ts }
  },
})
