// GET /me/messages with $search or $filter, from the Microsoft Graph v1.0 reference ("List messages"),
// paged by @odata.nextLink:
// https://learn.microsoft.com/en-us/graph/api/user-list-messages?view=graph-rest-1.0
// $search and $filter on messages: https://learn.microsoft.com/en-us/graph/search-query-parameter
import { Type } from '@sinclair/typebox'
import { ActionError, defineAction } from '../../../src/define-action.js'
import { fromCursor, type GraphPage, nextCursor } from './_graph.js'

interface GraphMessage {
  id: string
  subject?: string | null
  bodyPreview?: string | null
  receivedDateTime?: string | null
  isRead?: boolean
  hasAttachments?: boolean
  webLink?: string | null
  conversationId?: string | null
  from?: { emailAddress?: { name?: string; address?: string } } | null
}

const SELECT = 'id,subject,bodyPreview,receivedDateTime,isRead,hasAttachments,webLink,conversationId,from'
const Nullable = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()])

export default defineAction({
  key: 'search_messages',
  app: 'microsoft',
  version: '1.0.0',
  type: 'search',
  title: 'Search emails',
  description: "Finds messages in the signed-in user's Outlook mailbox by search words or an OData filter.",
  docs: 'https://learn.microsoft.com/en-us/graph/api/user-list-messages?view=graph-rest-1.0',
  annotations: { readOnly: true, destructive: false, idempotent: true },
  scopes: ['Mail.Read'],
  input: Type.Object({
    query: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 1000,
        description: 'Search words (KQL), e.g. `pizza` or `from:alex@contoso.com`; sent as $search. Cannot be combined with filter.',
      }),
    ),
    filter: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 2000,
        description:
          'An OData $filter, e.g. `isRead eq false` or `receivedDateTime ge 2024-01-01T00:00:00Z`. Cannot be combined with query.',
      }),
    ),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 25, description: 'Messages per page ($top, 1–1000).' })),
    cursor: Type.Optional(Type.String({ description: 'next_cursor of the previous page; the other inputs are then taken from it.' })),
  }),
  output: Type.Object({
    messages: Type.Array(
      Type.Object({
        id: Type.String(),
        subject: Nullable(Type.String()),
        from_name: Nullable(Type.String()),
        from_address: Nullable(Type.String()),
        received_at: Nullable(Type.String({ description: 'ISO 8601, UTC.' })),
        preview: Nullable(Type.String({ description: 'The first 255 characters of the body, as text.' })),
        is_read: Type.Boolean(),
        has_attachments: Type.Boolean(),
        conversation_id: Nullable(Type.String()),
        web_link: Nullable(Type.String({ description: 'Opens the message in Outlook on the web.' })),
      }),
    ),
    next_cursor: Type.Union([Type.String(), Type.Null()]),
  }),
  run: async (ctx, input) => {
    let path = '/me/messages'
    let query: Record<string, string>
    if (input.cursor !== undefined) {
      ;({ path, query } = fromCursor(input.cursor, /^\/me\/messages$/))
    } else {
      if (input.query !== undefined && input.filter !== undefined) {
        throw new ActionError({
          type: 'validation',
          code: 'search_with_filter',
          message: 'Microsoft Graph does not combine $search with $filter on messages: give query or filter, not both.',
        })
      }
      query = { $select: SELECT, $top: String(input.limit ?? 25) }
      // $search takes the words in double quotes; quotes inside are escaped with a backslash.
      if (input.query !== undefined) query.$search = `"${input.query.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`
      if (input.filter !== undefined) query.$filter = input.filter
    }
    const res = await ctx.http.get<GraphPage<GraphMessage>>(path, query)
    return {
      messages: res.data.value.map((m) => ({
        id: m.id,
        subject: m.subject ?? null,
        from_name: m.from?.emailAddress?.name ?? null,
        from_address: m.from?.emailAddress?.address ?? null,
        received_at: m.receivedDateTime ?? null,
        preview: m.bodyPreview ?? null,
        is_read: m.isRead ?? false,
        has_attachments: m.hasAttachments ?? false,
        conversation_id: m.conversationId ?? null,
        web_link: m.webLink ?? null,
      })),
      next_cursor: nextCursor(res.data['@odata.nextLink']),
    }
  },
})
