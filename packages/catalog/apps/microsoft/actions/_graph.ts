// Shared by the Microsoft Graph actions: OData paging through `@odata.nextLink` (Microsoft Graph
// "Paging Microsoft Graph data in your app": https://learn.microsoft.com/en-us/graph/paging), the
// recipient shape of Outlook messages and events, and the calendar picker (GET /me/calendars:
// https://learn.microsoft.com/en-us/graph/api/user-list-calendars?view=graph-rest-1.0).
import type { ActionOption, FieldOptionsContext } from '../../../src/define-action.js'
import { ActionError } from '../../../src/define-action.js'

/** The app's base URL path (api.base_url is https://graph.microsoft.com/v1.0). */
const VERSION_PREFIX = '/v1.0/'

/** A collection page as Graph returns it. */
export interface GraphPage<T> {
  value: T[]
  '@odata.nextLink'?: string
}

/**
 * The cursor for the next page: the `@odata.nextLink` made relative to the base URL (path and query,
 * e.g. `/me/messages?%24top=10&%24skip=10`), or null on the last page. Graph's link is opaque (it
 * carries `$skip` or `$skiptoken` depending on the API, plus every other query parameter), so the whole
 * path and query are kept rather than one parameter.
 */
export function nextCursor(nextLink: string | undefined): string | null {
  if (nextLink === undefined || nextLink === '') return null
  let url: URL
  try {
    url = new URL(nextLink)
  } catch {
    throw new ActionError({
      type: 'provider',
      code: 'unexpected_next_link',
      message: 'Microsoft Graph returned a next-page link that is not a URL.',
    })
  }
  if (!url.pathname.startsWith(VERSION_PREFIX)) {
    throw new ActionError({
      type: 'provider',
      code: 'unexpected_next_link',
      message: 'Microsoft Graph returned a next-page link outside the v1.0 API.',
    })
  }
  return `${url.pathname.slice(VERSION_PREFIX.length - 1)}${url.search}`
}

/**
 * A cursor from {@link nextCursor} as a `ctx.http` path and query. The path must be one of `allowed`
 * (whole-path patterns), so a cursor can only page the collection the action reads, relative to the
 * base URL.
 */
export function fromCursor(cursor: string, allowed: RegExp): { path: string; query: Record<string, string> } {
  const bad = () =>
    new ActionError({ type: 'validation', code: 'invalid_cursor', message: 'The cursor is not a next_cursor returned by this action.' })
  if (!cursor.startsWith('/') || cursor.startsWith('//') || cursor.includes('\\')) throw bad()
  let url: URL
  try {
    url = new URL(cursor, 'https://graph.invalid')
  } catch {
    throw bad()
  }
  if (url.origin !== 'https://graph.invalid' || !allowed.test(url.pathname)) throw bad()
  // No segment may climb out of the collection, even once the app decodes it (`%2F..%2F`, `%5C`).
  for (const raw of url.pathname.split('/')) {
    let s: string
    try {
      s = decodeURIComponent(raw)
    } catch {
      throw bad()
    }
    if (s.includes('\\') || s.split('/').some((part) => part === '.' || part === '..')) throw bad()
  }
  return { path: url.pathname, query: Object.fromEntries(url.searchParams) }
}

export interface GraphRecipient {
  emailAddress: { address: string; name?: string }
}

export function recipient(address: string, name?: string): GraphRecipient {
  return { emailAddress: { address, ...(name !== undefined ? { name } : {}) } }
}

/** A Graph ID as one path segment. */
export function segment(id: string): string {
  return encodeURIComponent(id)
}

/** The calendar picker: the user's calendars (name, id), paged by `@odata.nextLink`. */
export async function calendarOptions(
  ctx: FieldOptionsContext<{ calendar_id?: string }>,
): Promise<{ options: ActionOption[]; nextCursor: string | null }> {
  const { path, query } = ctx.cursor
    ? fromCursor(ctx.cursor, /^\/me\/calendars$/)
    : { path: '/me/calendars', query: { $select: 'id,name' } }
  const res = await ctx.http.get<GraphPage<{ id: string; name: string }>>(path, query)
  return { options: res.data.value.map((c) => ({ label: c.name, value: c.id })), nextCursor: nextCursor(res.data['@odata.nextLink']) }
}
