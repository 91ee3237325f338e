// POST /repos/{owner}/{repo}/pulls, from GitHub's REST reference ("Create a pull request"):
// https://docs.github.com/en/rest/pulls/pulls#create-a-pull-request
// The branch pickers read GET /repos/{owner}/{repo}/branches ("List branches"):
// https://docs.github.com/en/rest/branches/branches#list-branches
import { Type } from '@sinclair/typebox'
import { defineAction } from '../../../src/define-action.js'
import { branchOptions, repoOptions, splitRepo } from './_fields.js'

export default defineAction({
  key: 'create_pull_request',
  app: 'github',
  version: '1.0.0',
  type: 'write',
  title: 'Create a pull request',
  description: 'Opens a pull request that merges a head branch into a base branch of a repository.',
  docs: 'https://docs.github.com/en/rest/pulls/pulls#create-a-pull-request',
  annotations: { readOnly: false, destructive: false, idempotent: false },
  scopes: ['repo'],
  input: Type.Object({
    repo: Type.String({
      pattern: '^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$',
      description: 'owner/name of the repository the pull request is opened in.',
    }),
    head: Type.String({
      minLength: 1,
      maxLength: 255,
      description: 'The branch with the changes; for a branch of a fork in the same network, username:branch.',
    }),
    base: Type.String({
      minLength: 1,
      maxLength: 255,
      description: 'The existing branch of the repository the changes go into, e.g. main.',
    }),
    title: Type.String({ minLength: 1, maxLength: 256 }),
    body: Type.Optional(Type.String({ maxLength: 65536, description: 'Markdown.' })),
    draft: Type.Optional(Type.Boolean({ default: false, description: 'Open it as a draft.' })),
  }),
  output: Type.Object({
    number: Type.Integer(),
    id: Type.Integer(),
    url: Type.String(),
    state: Type.String(),
    draft: Type.Boolean(),
  }),
  fields: {
    repo: { searchable: true, options: repoOptions },
    head: { dependsOn: ['repo'], searchable: true, options: branchOptions },
    base: { dependsOn: ['repo'], searchable: true, options: branchOptions },
  },
  run: async (ctx, input) => {
    const { owner, name } = splitRepo(input.repo)
    const res = await ctx.http.post<{ id: number; number: number; html_url: string; state: string; draft?: boolean }>(
      `/repos/${owner}/${name}/pulls`,
      {
        title: input.title,
        head: input.head,
        base: input.base,
        ...(input.body !== undefined ? { body: input.body } : {}),
        ...(input.draft !== undefined ? { draft: input.draft } : {}),
      },
    )
    const p = res.data
    return { number: p.number, id: p.id, url: p.html_url, state: p.state, draft: p.draft === true }
  },
})
