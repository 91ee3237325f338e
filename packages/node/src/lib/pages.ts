import { PatchbayError } from '../errors.js'

/** One page of a list: its items and the cursor of the next page (null on the last). */
export interface Page<T> {
  data: T[]
  next_cursor: string | null
}

/**
 * Every item of a paged list, page after page, fetched as the caller iterates (stop early and no more
 * pages are asked for). A cursor seen twice (a server looping) ends it with `PB_ERR_INVALID_RESPONSE`.
 */
export async function* allPages<T>(
  what: string,
  page: (cursor: string | undefined) => Promise<Page<T>>,
): AsyncGenerator<T, void, undefined> {
  const seen = new Set<string>()
  let cursor: string | undefined
  do {
    const { data, next_cursor } = await page(cursor)
    if (!Array.isArray(data)) throw new PatchbayError('PB_ERR_INVALID_RESPONSE', `${what}: the answer has no data array`, { status: 200 })
    yield* data
    cursor = typeof next_cursor === 'string' && next_cursor !== '' ? next_cursor : undefined
    if (cursor !== undefined) {
      if (seen.has(cursor))
        throw new PatchbayError('PB_ERR_INVALID_RESPONSE', `${what}: the server answered the same cursor twice`, { status: 200 })
      seen.add(cursor)
    }
  } while (cursor !== undefined)
}
