// Paging of GitHub's REST list endpoints, from "Using pagination in the REST API"
// (https://docs.github.com/en/rest/using-the-rest-api/using-pagination-in-the-rest-api): a list is paged
// with `per_page` (at most 100) and `page`; the answer's `Link` header carries the URL of the next page
// (rel="next"), absent on the last page. Actions expose the next page number as an opaque cursor.
import { Type } from '@sinclair/typebox'

/** The `cursor` input of a paged GitHub action: the page number from a previous `next_cursor`. */
export const PageCursor = Type.Optional(
  Type.String({ pattern: '^[1-9][0-9]{0,5}$', description: 'next_cursor of the previous page; absent for the first page.' }),
)

/** The `per_page` input: GitHub's page size, 1 to 100 (30 when absent). */
export const PerPage = Type.Optional(
  Type.Integer({ minimum: 1, maximum: 100, default: 30, description: 'Results per page (at most 100).' }),
)

/** The `page` query parameter for a cursor (absent for the first page). */
export function pageOf(cursor: string | undefined): number | undefined {
  return cursor ? Number(cursor) : undefined
}

/** The page number of the `rel="next"` link of a GitHub answer, or null on the last page. */
export function nextPageCursor(headers: Record<string, string>): string | null {
  const link = headers.link ?? headers.Link
  if (!link) return null
  for (const m of link.matchAll(/<([^>]+)>\s*;\s*rel="([^"]+)"/g)) {
    const [, url = '', rels = ''] = m
    if (!rels.split(/\s+/).includes('next')) continue
    try {
      const page = new URL(url).searchParams.get('page')
      return page && /^[1-9][0-9]*$/.test(page) ? page : null
    } catch {
      return null
    }
  }
  return null
}
