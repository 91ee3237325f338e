// Shared by the Trello actions (Trello REST API, https://developer.atlassian.com/cloud/trello/rest/):
// - the board picker: GET /1/members/me/boards (filter=open, fields=name); Trello answers every board at once;
// - the list picker: GET /1/boards/{id}/lists (filter=open, fields=name), also unpaged;
// - the trimmed card both create_card and list_cards return.
import { Type } from '@sinclair/typebox'
import type { ActionOption, FieldOptionsContext } from '../../../src/define-action.js'

/** A Trello object id (24 hex digits), as the reference gives it. */
export const TRELLO_ID = '^[0-9a-fA-F]{24}$'
/** A card id or its 8-character short link (the part after /c/ in a card URL). */
export const CARD_ID_OR_SHORTLINK = '^(?:[0-9a-fA-F]{24}|[A-Za-z0-9]{8})$'

export async function boardOptions(ctx: FieldOptionsContext<{ board?: string }>): Promise<{ options: ActionOption[]; nextCursor: null }> {
  const res = await ctx.http.get<{ id: string; name: string }[]>('/members/me/boards', { filter: 'open', fields: 'name' })
  const q = ctx.query?.toLowerCase()
  const boards = res.data.filter((b) => !q || b.name.toLowerCase().includes(q))
  return { options: boards.map((b) => ({ label: b.name, value: b.id })), nextCursor: null }
}

export async function listOptions(ctx: FieldOptionsContext<{ board?: string }>): Promise<{ options: ActionOption[]; nextCursor: null }> {
  const res = await ctx.http.get<{ id: string; name: string }[]>(`/boards/${encodeURIComponent(ctx.inputs.board ?? '')}/lists`, {
    filter: 'open',
    fields: 'name',
  })
  return { options: res.data.map((l) => ({ label: l.name, value: l.id })), nextCursor: null }
}

const Nullable = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()])

export const CardT = Type.Object({
  id: Type.String(),
  name: Type.String(),
  desc: Type.String({ description: 'The description (Markdown).' }),
  url: Type.String(),
  short_url: Nullable(Type.String()),
  list_id: Type.String(),
  board_id: Type.String(),
  closed: Type.Boolean({ description: 'Archived.' }),
  due: Nullable(Type.String()),
  due_complete: Type.Boolean(),
  label_ids: Type.Array(Type.String()),
  member_ids: Type.Array(Type.String()),
  last_activity: Nullable(Type.String()),
})

export interface TrelloCard {
  id: string
  name?: string
  desc?: string
  url?: string
  shortUrl?: string
  idList?: string
  idBoard?: string
  closed?: boolean
  due?: string | null
  dueComplete?: boolean
  idLabels?: unknown[]
  idMembers?: unknown[]
  dateLastActivity?: string
}

function ids(values: unknown[] | undefined): string[] {
  return (values ?? [])
    .map((v) => (typeof v === 'string' ? v : (v as { id?: unknown })?.id))
    .filter((v): v is string => typeof v === 'string')
}

export function card(c: TrelloCard) {
  return {
    id: c.id,
    name: c.name ?? '',
    desc: c.desc ?? '',
    url: c.url ?? '',
    short_url: c.shortUrl ?? null,
    list_id: c.idList ?? '',
    board_id: c.idBoard ?? '',
    closed: c.closed ?? false,
    due: c.due ?? null,
    due_complete: c.dueComplete ?? false,
    label_ids: ids(c.idLabels),
    member_ids: ids(c.idMembers),
    last_activity: c.dateLastActivity ?? null,
  }
}
