// GET /user/repos, from GitHub's REST reference ("List repositories for the authenticated user"):
// https://docs.github.com/en/rest/repos/repos#list-repositories-for-the-authenticated-user
// Paged with per_page/page; the next page comes from the Link header (_paging.ts).
import { Type } from '@sinclair/typebox'
import { defineAction } from '../../../src/define-action.js'
import { nextPageCursor, PageCursor, pageOf, PerPage } from './_paging.js'

const Repository = Type.Object({
  full_name: Type.String(),
  private: Type.Boolean(),
  url: Type.String(),
  description: Type.Union([Type.String(), Type.Null()]),
  updated_at: Type.Union([Type.String(), Type.Null()]),
})

export default defineAction({
  key: 'list_repositories',
  app: 'github',
  version: '1.0.0',
  type: 'read',
  title: 'List repositories',
  description: 'The repositories the user can access, most recently updated first, a page at a time (pass next_cursor back as cursor).',
  docs: 'https://docs.github.com/en/rest/repos/repos#list-repositories-for-the-authenticated-user',
  annotations: { readOnly: true, destructive: false, idempotent: true },
  scopes: ['repo'],
  input: Type.Object({
    visibility: Type.Optional(Type.Union([Type.Literal('all'), Type.Literal('public'), Type.Literal('private')])),
    per_page: PerPage,
    cursor: PageCursor,
  }),
  output: Type.Object({ repositories: Type.Array(Repository), next_cursor: Type.Union([Type.String(), Type.Null()]) }),
  run: async (ctx, input) => {
    const res = await ctx.http.get<
      { full_name: string; private: boolean; html_url: string; description: string | null; updated_at: string | null }[]
    >('/user/repos', { sort: 'updated', visibility: input.visibility, per_page: input.per_page ?? 30, page: pageOf(input.cursor) })
    return {
      repositories: res.data.map((r) => ({
        full_name: r.full_name,
        private: r.private,
        url: r.html_url,
        description: r.description,
        updated_at: r.updated_at,
      })),
      next_cursor: nextPageCursor(res.headers),
    }
  },
})
