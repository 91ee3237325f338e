// GET /repos/{owner}/{repo}/pulls, from GitHub's REST reference ("List pull requests"):
// https://docs.github.com/en/rest/pulls/pulls#list-pull-requests
// Paged with per_page/page; the next page comes from the Link header (_paging.ts).
import { Type } from '@sinclair/typebox'
import { defineAction } from '../../../src/define-action.js'
import { repoOptions, splitRepo } from './_fields.js'
import { nextPageCursor, PageCursor, pageOf, PerPage } from './_paging.js'

const PullRequest = Type.Object({
  number: Type.Integer(),
  title: Type.String(),
  state: Type.String({ description: 'open or closed.' }),
  draft: Type.Boolean(),
  merged: Type.Boolean({ description: 'Closed by a merge.' }),
  url: Type.String(),
  author: Type.Union([Type.String(), Type.Null()]),
  head: Type.String({ description: 'The branch with the changes.' }),
  base: Type.String({ description: 'The branch the changes go into.' }),
  created_at: Type.String(),
  updated_at: Type.String(),
})

interface GitHubPull {
  number: number
  title: string
  state: string
  draft?: boolean
  merged_at: string | null
  html_url: string
  user: { login: string } | null
  head: { ref: string }
  base: { ref: string }
  created_at: string
  updated_at: string
}

export default defineAction({
  key: 'list_pull_requests',
  app: 'github',
  version: '1.0.0',
  type: 'read',
  title: 'List pull requests',
  description: 'The pull requests of a repository (open ones unless state says otherwise), newest first, a page at a time.',
  docs: 'https://docs.github.com/en/rest/pulls/pulls#list-pull-requests',
  annotations: { readOnly: true, destructive: false, idempotent: true },
  scopes: ['repo'],
  input: Type.Object({
    repo: Type.String({ pattern: '^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$', description: 'owner/name, e.g. octocat/hello-world.' }),
    state: Type.Optional(Type.Union([Type.Literal('open'), Type.Literal('closed'), Type.Literal('all')], { default: 'open' })),
    per_page: PerPage,
    cursor: PageCursor,
  }),
  output: Type.Object({ pull_requests: Type.Array(PullRequest), next_cursor: Type.Union([Type.String(), Type.Null()]) }),
  fields: { repo: { searchable: true, options: repoOptions } },
  run: async (ctx, input) => {
    const { owner, name } = splitRepo(input.repo)
    const res = await ctx.http.get<GitHubPull[]>(`/repos/${owner}/${name}/pulls`, {
      state: input.state ?? 'open',
      per_page: input.per_page ?? 30,
      page: pageOf(input.cursor),
    })
    return {
      pull_requests: res.data.map((p) => ({
        number: p.number,
        title: p.title,
        state: p.state,
        draft: p.draft === true,
        merged: p.merged_at !== null && p.merged_at !== undefined,
        url: p.html_url,
        author: p.user?.login ?? null,
        head: p.head.ref,
        base: p.base.ref,
        created_at: p.created_at,
        updated_at: p.updated_at,
      })),
      next_cursor: nextPageCursor(res.headers),
    }
  },
})
