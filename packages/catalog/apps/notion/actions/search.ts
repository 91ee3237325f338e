// POST /v1/search, from Notion's API reference ("Search by title"):
// https://developers.notion.com/reference/post-search
// Under Notion-Version 2025-09-03 the results are pages and data sources, and the object filter takes
// "page" or "data_source" (https://developers.notion.com/docs/upgrade-guide-2025-09-03).
import { Type } from '@sinclair/typebox'
import { defineAction } from '../../../src/define-action.js'
import { type NotionList, titleOf } from './_notion.js'

export default defineAction({
  key: 'search',
  app: 'notion',
  version: '1.0.0',
  type: 'search',
  title: 'Search pages and data sources',
  description: 'Finds the pages and data sources shared with the connection whose titles match the query, most recently edited first.',
  docs: 'https://developers.notion.com/reference/post-search',
  annotations: { readOnly: true, destructive: false, idempotent: true },
  // Notion has no OAuth scopes: the user shares pages with the connection when authorizing.
  scopes: [],
  input: Type.Object({
    query: Type.Optional(Type.String({ maxLength: 2000, description: 'Text compared with titles; omit it to list everything shared.' })),
    filter: Type.Optional(
      Type.Union([Type.Literal('page'), Type.Literal('data_source')], { description: 'Only pages, or only data sources.' }),
    ),
    page_size: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 25 })),
    cursor: Type.Optional(Type.String({ minLength: 1, description: "`next_cursor` of a previous answer (Notion's start_cursor)." })),
  }),
  output: Type.Object({
    results: Type.Array(
      Type.Object({ id: Type.String(), object: Type.String(), title: Type.String(), url: Type.Union([Type.String(), Type.Null()]) }),
    ),
    next_cursor: Type.Union([Type.String(), Type.Null()]),
    has_more: Type.Boolean(),
  }),
  run: async (ctx, input) => {
    const res = await ctx.http.post<NotionList>('/search', {
      ...(input.query !== undefined ? { query: input.query } : {}),
      ...(input.filter !== undefined ? { filter: { property: 'object', value: input.filter } } : {}),
      page_size: input.page_size ?? 25,
      ...(input.cursor !== undefined ? { start_cursor: input.cursor } : {}),
    })
    return {
      results: res.data.results.map((r) => ({ id: r.id, object: r.object, title: titleOf(r), url: r.url ?? null })),
      next_cursor: res.data.has_more ? res.data.next_cursor : null,
      has_more: res.data.has_more,
    }
  },
})
