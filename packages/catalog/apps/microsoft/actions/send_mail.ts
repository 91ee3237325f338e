// POST /me/sendMail, from the Microsoft Graph v1.0 reference ("user: sendMail"): the message is sent
// and saved in Sent Items; Graph answers 202 Accepted with no body.
// https://learn.microsoft.com/en-us/graph/api/user-sendmail?view=graph-rest-1.0
import { Type } from '@sinclair/typebox'
import { defineAction } from '../../../src/define-action.js'
import { recipient } from './_graph.js'

const Email = Type.String({ pattern: '^[^@\\s]+@[^@\\s]+$', maxLength: 320, description: 'An email address.' })

export default defineAction({
  key: 'send_mail',
  app: 'microsoft',
  version: '1.0.0',
  type: 'write',
  title: 'Send an email',
  description: "Sends an email from the signed-in user's Outlook mailbox.",
  docs: 'https://learn.microsoft.com/en-us/graph/api/user-sendmail?view=graph-rest-1.0',
  annotations: { readOnly: false, destructive: false, idempotent: false },
  scopes: ['Mail.Send'],
  input: Type.Object({
    to: Type.Array(Email, { minItems: 1, maxItems: 500, description: 'Recipients.' }),
    cc: Type.Optional(Type.Array(Email, { maxItems: 500, description: 'Cc recipients.' })),
    bcc: Type.Optional(Type.Array(Email, { maxItems: 500, description: 'Bcc recipients.' })),
    reply_to: Type.Optional(Type.Array(Email, { maxItems: 20, description: 'Addresses replies go to, instead of the sender.' })),
    subject: Type.String({ maxLength: 255, description: 'The subject line.' }),
    body: Type.String({ description: 'The message body.' }),
    body_type: Type.Optional(
      Type.Union([Type.Literal('text'), Type.Literal('html')], { description: 'How the body is written: text (default) or html.' }),
    ),
    save_to_sent_items: Type.Optional(Type.Boolean({ description: 'Keep a copy in Sent Items (Graph default: true).' })),
  }),
  output: Type.Object({
    accepted: Type.Boolean({ description: 'Graph accepted the message for delivery (HTTP 202).' }),
  }),
  run: async (ctx, input) => {
    await ctx.http.post('/me/sendMail', {
      message: {
        subject: input.subject,
        body: { contentType: input.body_type === 'html' ? 'HTML' : 'Text', content: input.body },
        toRecipients: input.to.map((a) => recipient(a)),
        ...(input.cc !== undefined ? { ccRecipients: input.cc.map((a) => recipient(a)) } : {}),
        ...(input.bcc !== undefined ? { bccRecipients: input.bcc.map((a) => recipient(a)) } : {}),
        ...(input.reply_to !== undefined ? { replyTo: input.reply_to.map((a) => recipient(a)) } : {}),
      },
      ...(input.save_to_sent_items !== undefined ? { saveToSentItems: input.save_to_sent_items } : {}),
    })
    return { accepted: true }
  },
})
