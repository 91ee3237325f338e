// Shared by the Zendesk actions. From the Ticketing API reference
// (https://developer.zendesk.com/api-reference/ticketing/tickets/tickets/): a ticket's JSON and its
// enums (status new/open/pending/hold/solved/closed, priority urgent/high/normal/low, type
// problem/incident/question/task). Errors are {error, description, details}: 422 "RecordInvalid", 404
// "RecordNotFound", 429 with Retry-After (https://developer.zendesk.com/api-reference/introduction/requests/).
import { Type } from '@sinclair/typebox'
import type { ActionOption, FieldOptionsContext } from '../../../src/define-action.js'

export const TicketId = Type.Integer({ minimum: 1, description: "The ticket's id (its number in Zendesk)." })

export const Priority = Type.Union(['urgent', 'high', 'normal', 'low'].map((p) => Type.Literal(p)))
export const Status = Type.Union(['new', 'open', 'pending', 'hold', 'solved', 'closed'].map((s) => Type.Literal(s)))
export const TicketType = Type.Union(['problem', 'incident', 'question', 'task'].map((t) => Type.Literal(t)))

/** The fields of a ticket the actions return. */
export const Ticket = Type.Object({
  id: Type.Integer(),
  url: Type.String({ description: "The ticket's API URL." }),
  subject: Type.Union([Type.String(), Type.Null()]),
  description: Type.Union([Type.String(), Type.Null()], { description: 'The first comment.' }),
  status: Type.String(),
  priority: Type.Union([Type.String(), Type.Null()]),
  type: Type.Union([Type.String(), Type.Null()]),
  requester_id: Type.Union([Type.Integer(), Type.Null()]),
  submitter_id: Type.Union([Type.Integer(), Type.Null()]),
  assignee_id: Type.Union([Type.Integer(), Type.Null()]),
  group_id: Type.Union([Type.Integer(), Type.Null()]),
  organization_id: Type.Union([Type.Integer(), Type.Null()]),
  tags: Type.Array(Type.String()),
  created_at: Type.String(),
  updated_at: Type.String(),
})

export interface ZendeskTicket {
  id: number
  url: string
  subject?: string | null
  description?: string | null
  status?: string
  priority?: string | null
  type?: string | null
  requester_id?: number | null
  submitter_id?: number | null
  assignee_id?: number | null
  group_id?: number | null
  organization_id?: number | null
  tags?: string[]
  created_at?: string
  updated_at?: string
}

export function toTicket(t: ZendeskTicket) {
  return {
    id: t.id,
    url: t.url,
    subject: t.subject ?? null,
    description: t.description ?? null,
    status: t.status ?? 'new',
    priority: t.priority ?? null,
    type: t.type ?? null,
    requester_id: t.requester_id ?? null,
    submitter_id: t.submitter_id ?? null,
    assignee_id: t.assignee_id ?? null,
    group_id: t.group_id ?? null,
    organization_id: t.organization_id ?? null,
    tags: t.tags ?? [],
    created_at: t.created_at ?? '',
    updated_at: t.updated_at ?? '',
  }
}

/**
 * The group picker: GET /api/v2/groups.json with cursor pagination (page[size] up to 100, the next page
 * from meta.after_cursor while meta.has_more), https://developer.zendesk.com/api-reference/ticketing/groups/groups/#list-groups.
 */
export async function groupOptions(
  ctx: FieldOptionsContext<{ group_id?: number }>,
): Promise<{ options: ActionOption[]; nextCursor: string | null }> {
  const res = await ctx.http.get<{
    groups: { id: number; name: string; deleted?: boolean }[]
    meta?: { has_more?: boolean; after_cursor?: string | null }
  }>('/groups.json', { 'page[size]': 100, 'page[after]': ctx.cursor })
  return {
    options: res.data.groups.filter((g) => g.deleted !== true).map((g) => ({ label: g.name, value: g.id })),
    nextCursor: res.data.meta?.has_more && res.data.meta.after_cursor ? res.data.meta.after_cursor : null,
  }
}
