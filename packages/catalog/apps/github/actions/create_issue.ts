// POST /repos/{owner}/{repo}/issues, from GitHub's REST reference ("Create an issue"):
// https://docs.github.com/en/rest/issues/issues#create-an-issue
import { Type } from '@sinclair/typebox'
import { defineAction } from '../../../src/define-action.js'
import { assigneeOptions, repoOptions, splitRepo } from './_fields.js'

export default defineAction({
  key: 'create_issue',
  app: 'github',
  version: '1.0.0',
  type: 'write',
  title: 'Create an issue',
  description: 'Opens an issue in a repository the user can write to.',
  docs: 'https://docs.github.com/en/rest/issues/issues#create-an-issue',
  annotations: { readOnly: false, destructive: false, idempotent: false },
  scopes: ['repo'],
  input: Type.Object({
    repo: Type.String({ pattern: '^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$', description: 'owner/name, e.g. octocat/hello-world.' }),
    title: Type.String({ minLength: 1, maxLength: 256 }),
    body: Type.Optional(Type.String({ maxLength: 65536, description: 'Markdown.' })),
    assignee: Type.Optional(Type.String({ description: 'A login that can be assigned in the repository.' })),
    labels: Type.Optional(Type.Array(Type.String(), { maxItems: 20 })),
  }),
  output: Type.Object({ number: Type.Integer(), url: Type.String(), id: Type.Integer() }),
  fields: { repo: { searchable: true, options: repoOptions }, assignee: { dependsOn: ['repo'], options: assigneeOptions } },
  run: async (ctx, input) => {
    const { owner, name } = splitRepo(input.repo)
    const res = await ctx.http.post<{ id: number; number: number; html_url: string }>(`/repos/${owner}/${name}/issues`, {
      title: input.title,
      ...(input.body !== undefined ? { body: input.body } : {}),
      ...(input.assignee !== undefined ? { assignees: [input.assignee] } : {}),
      ...(input.labels !== undefined ? { labels: input.labels } : {}),
    })
    return { number: res.data.number, url: res.data.html_url, id: res.data.id }
  },
})
