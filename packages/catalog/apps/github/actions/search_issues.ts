// GET /search/issues, from GitHub's REST reference ("Search issues and pull requests"):
// https://docs.github.com/en/rest/search/search#search-issues-and-pull-requests
// Paged with per_page/page (the first 1,000 results at most); the next page comes from the Link header (_paging.ts).
import { Type } from '@sinclair/typebox'
import { defineAction } from '../../../src/define-action.js'
import { nextPageCursor, PageCursor, pageOf, PerPage } from './_paging.js'

export default defineAction({
  key: 'search_issues',
  app: 'github',
  version: '1.0.0',
  type: 'search',
  title: 'Search issues',
  description: 'Finds issues and pull requests with GitHub search syntax, e.g. "repo:octocat/hello-world is:open bug", a page at a time.',
  docs: 'https://docs.github.com/en/rest/search/search#search-issues-and-pull-requests',
  annotations: { readOnly: true, destructive: false, idempotent: true },
  scopes: ['repo'],
  input: Type.Object({
    q: Type.String({ minLength: 1, maxLength: 256 }),
    per_page: PerPage,
    cursor: PageCursor,
  }),
  output: Type.Object({
    total_count: Type.Integer(),
    items: Type.Array(Type.Object({ number: Type.Integer(), title: Type.String(), state: Type.String(), url: Type.String() })),
    next_cursor: Type.Union([Type.String(), Type.Null()]),
  }),
  run: async (ctx, input) => {
    const res = await ctx.http.get<{ total_count: number; items: { number: number; title: string; state: string; html_url: string }[] }>(
      '/search/issues',
      { q: input.q, per_page: input.per_page ?? 30, page: pageOf(input.cursor) },
    )
    return {
      total_count: res.data.total_count,
      items: res.data.items.map((i) => ({ number: i.number, title: i.title, state: i.state, url: i.html_url })),
      next_cursor: nextPageCursor(res.headers),
    }
  },
})
