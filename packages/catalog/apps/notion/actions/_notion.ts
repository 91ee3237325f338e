// Shared by the Notion actions (API version 2025-09-03, the Notion-Version app.yaml sends).
// Search: POST /v1/search, https://developers.notion.com/reference/post-search — answers
// {object: "list", results, next_cursor, has_more}; results are pages and data sources.
// Titles: a page keeps its title in the one property whose type is "title"
// (https://developers.notion.com/reference/page, /reference/page-property-values); a data source
// (and a database before 2025-09-03) has a top-level `title` array of rich text
// (https://developers.notion.com/reference/data-source). Rich text items carry `plain_text`
// (https://developers.notion.com/reference/rich-text).
import type { ActionOption, FieldOptionsContext } from '../../../src/define-action.js'

interface RichText {
  plain_text?: string
}

/** A search result as far as these actions read it. */
export interface NotionObject {
  object: string
  id: string
  url?: string | null
  title?: RichText[]
  properties?: Record<string, { type?: string; title?: RichText[] }>
}

export interface NotionList {
  object: 'list'
  results: NotionObject[]
  next_cursor: string | null
  has_more: boolean
}

function plain(items: RichText[] | undefined): string {
  return (items ?? []).map((t) => t.plain_text ?? '').join('')
}

/** The title of a page (its "title"-typed property) or of a data source / database (top-level `title`). */
export function titleOf(result: NotionObject): string {
  if (Array.isArray(result.title)) return plain(result.title)
  const titleProperty = Object.values(result.properties ?? {}).find((p) => p.type === 'title')
  return plain(titleProperty?.title)
}

/** The pages shared with the connection, for a parent-page picker: searched by title, cursor paging. */
export async function pageOptions(ctx: FieldOptionsContext<object>): Promise<{ options: ActionOption[]; nextCursor: string | null }> {
  const res = await ctx.http.post<NotionList>('/search', {
    ...(ctx.query ? { query: ctx.query } : {}),
    filter: { property: 'object', value: 'page' },
    page_size: 100,
    ...(ctx.cursor ? { start_cursor: ctx.cursor } : {}),
  })
  return {
    options: res.data.results.map((p) => ({ label: titleOf(p) || 'Untitled', value: p.id })),
    nextCursor: res.data.has_more ? res.data.next_cursor : null,
  }
}
