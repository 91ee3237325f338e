// POST /repos/{owner}/{repo}/issues/{issue_number}/comments, from GitHub's REST reference ("Create an issue comment"):
// https://docs.github.com/en/rest/issues/comments#create-an-issue-comment
// Pull requests are issues too: the same call comments on a pull request's conversation.
import { Type } from '@sinclair/typebox'
import { defineAction } from '../../../src/define-action.js'
import { repoOptions, splitRepo } from './_fields.js'

export default defineAction({
  key: 'add_comment',
  app: 'github',
  version: '1.0.0',
  type: 'write',
  title: 'Comment on an issue',
  description: 'Adds a comment to an issue or pull request of a repository, by its number.',
  docs: 'https://docs.github.com/en/rest/issues/comments#create-an-issue-comment',
  annotations: { readOnly: false, destructive: false, idempotent: false },
  scopes: ['repo'],
  input: Type.Object({
    repo: Type.String({ pattern: '^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$', description: 'owner/name, e.g. octocat/hello-world.' }),
    number: Type.Integer({ minimum: 1, description: 'The issue or pull request number.' }),
    body: Type.String({ minLength: 1, maxLength: 65536, description: 'Markdown.' }),
  }),
  output: Type.Object({
    id: Type.Integer(),
    url: Type.String({ description: 'The comment on github.com.' }),
    created_at: Type.String(),
  }),
  fields: { repo: { searchable: true, options: repoOptions } },
  run: async (ctx, input) => {
    const { owner, name } = splitRepo(input.repo)
    const res = await ctx.http.post<{ id: number; html_url: string; created_at: string }>(
      `/repos/${owner}/${name}/issues/${input.number}/comments`,
      { body: input.body },
    )
    return { id: res.data.id, url: res.data.html_url, created_at: res.data.created_at }
  },
})
