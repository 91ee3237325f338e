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

/** The data sources shared with the connection, for a data-source picker: searched by title, cursor paging. */
export async function dataSourceOptions(ctx: FieldOptionsContext<object>): Promise<{ options: ActionOption[]; nextCursor: string | null }> {
  const res = await ctx.http.post<NotionList>('/search', {
    ...(ctx.query ? { query: ctx.query } : {}),
    filter: { property: 'object', value: 'data_source' },
    page_size: 100,
    ...(ctx.cursor ? { start_cursor: ctx.cursor } : {}),
  })
  return {
    options: res.data.results.map((d) => ({ label: titleOf(d) || 'Untitled', value: d.id })),
    nextCursor: res.data.has_more ? res.data.next_cursor : null,
  }
}

/** A page property value as a plain value (https://developers.notion.com/reference/page-property-values). */
export type PlainValue = string | number | boolean | string[] | null

interface PropertyValue {
  type?: string
  [key: string]: unknown
}

function named(value: unknown): string | null {
  return typeof value === 'object' && value !== null && typeof (value as { name?: unknown }).name === 'string'
    ? (value as { name: string }).name
    : null
}

/**
 * title and rich_text as their text; number, checkbox, url, email, phone_number as they are; select
 * and status by option name; multi_select as names; date as its start; people and relation as IDs;
 * created/last-edited times as given; formula by its result; other types (files, rollup…) as null.
 */
export function plainValue(p: PropertyValue): PlainValue {
  const v = p.type ? p[p.type] : undefined
  switch (p.type) {
    case 'title':
    case 'rich_text':
      return plain(v as RichText[] | undefined)
    case 'number':
    case 'checkbox':
    case 'url':
    case 'email':
    case 'phone_number':
    case 'created_time':
    case 'last_edited_time':
      return (v as string | number | boolean | null | undefined) ?? null
    case 'select':
    case 'status':
      return named(v)
    case 'multi_select':
      return Array.isArray(v) ? v.map(named).filter((n): n is string => n !== null) : []
    case 'date':
      return (v as { start?: string } | null)?.start ?? null
    case 'people':
    case 'relation':
      return Array.isArray(v) ? v.map((x: { id?: string }) => x.id ?? '').filter((id) => id !== '') : []
    case 'formula': {
      const f = v as PropertyValue | null
      return f ? plainValue(f) : null
    }
    default:
      return null
  }
}
