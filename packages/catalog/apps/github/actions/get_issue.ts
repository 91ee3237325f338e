// GET /repos/{owner}/{repo}/issues/{issue_number}, from GitHub's REST reference ("Get an issue"):
// https://docs.github.com/en/rest/issues/issues#get-an-issue
import { Type } from '@sinclair/typebox'
import { defineAction } from '../../../src/define-action.js'
import { repoOptions, splitRepo } from './_fields.js'

export default defineAction({
  key: 'get_issue',
  app: 'github',
  version: '1.0.0',
  type: 'read',
  title: 'Get an issue',
  description: 'Reads one issue (or pull request) of a repository by its number.',
  docs: 'https://docs.github.com/en/rest/issues/issues#get-an-issue',
  annotations: { readOnly: true, destructive: false, idempotent: true },
  scopes: ['repo'],
  input: Type.Object({
    repo: Type.String({ pattern: '^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$', description: 'owner/name, e.g. octocat/hello-world.' }),
    number: Type.Integer({ minimum: 1 }),
  }),
  output: Type.Object({
    number: Type.Integer(),
    title: Type.String(),
    state: Type.String(),
    body: Type.Union([Type.String(), Type.Null()]),
    url: Type.String(),
    comments: Type.Integer(),
  }),
  fields: { repo: { searchable: true, options: repoOptions } },
  run: async (ctx, input) => {
    const { owner, name } = splitRepo(input.repo)
    const res = await ctx.http.get<{
      number: number
      title: string
      state: string
      body: string | null
      html_url: string
      comments: number
    }>(`/repos/${owner}/${name}/issues/${input.number}`)
    const i = res.data
    return { number: i.number, title: i.title, state: i.state, body: i.body ?? null, url: i.html_url, comments: i.comments }
  },
})
