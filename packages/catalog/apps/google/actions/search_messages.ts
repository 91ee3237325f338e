// GET /gmail/v1/users/me/messages (users.messages.list: q, maxResults, pageToken), then for each message
// found GET /gmail/v1/users/me/messages/{id}?format=metadata (users.messages.get), from the Gmail API reference:
// https://developers.google.com/workspace/gmail/api/reference/rest/v1/users.messages/list
// https://developers.google.com/workspace/gmail/api/reference/rest/v1/users.messages/get
// messages.list answers only ids and thread ids, so each message's headers and snippet are read after it,
// one after the other: at most 25 messages a page (`limit`), so a page costs at most 26 requests. A message
// deleted between the two (404 on its read) is left out of the page.
import { Type } from '@sinclair/typebox'
import { ActionHttpError, defineAction } from '../../../src/define-action.js'
import { google } from './_google.js'

interface GmailMessage {
  id: string
  threadId: string
  labelIds?: string[]
  snippet?: string
  internalDate?: string
  payload?: { headers?: { name: string; value: string }[] }
}

const Message = Type.Object({
  id: Type.String(),
  thread_id: Type.String(),
  subject: Type.Union([Type.String(), Type.Null()]),
  from: Type.Union([Type.String(), Type.Null()]),
  to: Type.Union([Type.String(), Type.Null()]),
  date: Type.Union([Type.String(), Type.Null()], { description: 'The Date header as sent.' }),
  received_at: Type.Union([Type.String(), Type.Null()], { description: 'When Gmail received the message (ISO 8601), from internalDate.' }),
  snippet: Type.String({ description: 'A short part of the message text.' }),
  label_ids: Type.Array(Type.String()),
})

function header(message: GmailMessage, name: string): string | null {
  const found = message.payload?.headers?.find((h) => h.name.toLowerCase() === name)
  return found ? found.value : null
}

export default defineAction({
  key: 'search_messages',
  app: 'google',
  version: '1.0.0',
  type: 'search',
  title: 'Search emails (Gmail)',
  description:
    'Finds messages with Gmail search syntax (e.g. "from:ada@example.com is:unread") and returns their sender, subject, date and snippet.',
  docs: 'https://developers.google.com/workspace/gmail/api/reference/rest/v1/users.messages/list',
  annotations: { readOnly: true, destructive: false, idempotent: true },
  scopes: ['https://www.googleapis.com/auth/gmail.readonly'],
  input: Type.Object({
    query: Type.String({ minLength: 1, maxLength: 2048, description: 'Gmail search box syntax, e.g. "subject:invoice after:2024/01/01".' }),
    include_spam_trash: Type.Optional(Type.Boolean({ description: 'Also search Spam and Trash (default false).' })),
    limit: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 25, description: 'Messages per page (default 10, at most 25: each is read separately).' }),
    ),
    cursor: Type.Optional(Type.String({ description: 'next_cursor of the previous page.' })),
  }),
  output: Type.Object({
    messages: Type.Array(Message),
    result_size_estimate: Type.Integer({ description: "Gmail's estimate of the total number of matches." }),
    next_cursor: Type.Union([Type.String(), Type.Null()]),
  }),
  timeoutMs: 60_000,
  run: async (ctx, input) => {
    const list = await google(() =>
      ctx.http.get<{ messages?: { id: string; threadId: string }[]; nextPageToken?: string; resultSizeEstimate?: number }>(
        '/gmail/v1/users/me/messages',
        {
          q: input.query,
          maxResults: input.limit ?? 10,
          ...(input.include_spam_trash ? { includeSpamTrash: true } : {}),
          ...(input.cursor ? { pageToken: input.cursor } : {}),
        },
      ),
    )
    const messages = []
    for (const { id } of list.data.messages ?? []) {
      let m: GmailMessage
      try {
        m = (
          await google(() => ctx.http.get<GmailMessage>(`/gmail/v1/users/me/messages/${encodeURIComponent(id)}`, { format: 'metadata' }))
        ).data
      } catch (err) {
        // Deleted between the listing and the read: left out of the page.
        if (err instanceof ActionHttpError && err.status === 404) continue
        throw err
      }
      messages.push({
        id: m.id,
        thread_id: m.threadId,
        subject: header(m, 'subject'),
        from: header(m, 'from'),
        to: header(m, 'to'),
        date: header(m, 'date'),
        received_at: m.internalDate && /^\d+$/.test(m.internalDate) ? new Date(Number(m.internalDate)).toISOString() : null,
        snippet: m.snippet ?? '',
        label_ids: m.labelIds ?? [],
      })
    }
    return { messages, result_size_estimate: list.data.resultSizeEstimate ?? 0, next_cursor: list.data.nextPageToken ?? null }
  },
})
