// POST /gmail/v1/users/me/messages/send, from the Gmail API reference (users.messages.send):
// https://developers.google.com/workspace/gmail/api/reference/rest/v1/users.messages/send
// The message is sent as `raw`: an RFC 2822 message, base64url encoded (guide "Sending email",
// https://developers.google.com/workspace/gmail/api/guides/sending). Gmail sets From to the account's address.
import { Type } from '@sinclair/typebox'
import { defineAction } from '../../../src/define-action.js'
import { EMAIL, rfc2822 } from './_gmail.js'
import { google } from './_google.js'

export default defineAction({
  key: 'gmail_send_message',
  app: 'google',
  version: '1.0.0',
  type: 'write',
  title: 'Send an email (Gmail)',
  description: 'Sends a plain-text email from the connected Gmail account to the given recipients.',
  docs: 'https://developers.google.com/workspace/gmail/api/reference/rest/v1/users.messages/send',
  annotations: { readOnly: false, destructive: false, idempotent: false },
  scopes: ['https://www.googleapis.com/auth/gmail.send'],
  input: Type.Object({
    to: Type.Array(Type.String({ pattern: EMAIL, maxLength: 320 }), {
      minItems: 1,
      maxItems: 100,
      description: 'Recipient addresses, e.g. ["ada@example.com"].',
    }),
    cc: Type.Optional(
      Type.Array(Type.String({ pattern: EMAIL, maxLength: 320 }), { maxItems: 100, description: 'Carbon-copy addresses.' }),
    ),
    subject: Type.String({ minLength: 1, maxLength: 900, pattern: '^[^\\r\\n]*$', description: 'One line; any Unicode.' }),
    body: Type.String({ maxLength: 1_000_000, description: 'Plain text.' }),
  }),
  output: Type.Object({
    id: Type.String({ description: 'The sent message ID.' }),
    thread_id: Type.String(),
    label_ids: Type.Array(Type.String(), { description: 'Labels of the sent message, e.g. ["SENT"].' }),
  }),
  run: async (ctx, input) => {
    const raw = Buffer.from(rfc2822(input), 'utf8').toString('base64url')
    const res = await google(() =>
      ctx.http.post<{ id: string; threadId: string; labelIds?: string[] }>('/gmail/v1/users/me/messages/send', { raw }),
    )
    return { id: res.data.id, thread_id: res.data.threadId, label_ids: res.data.labelIds ?? [] }
  },
})
