// GET /repos/{owner}/{repo}, from GitHub's REST reference ("Get a repository"):
// https://docs.github.com/en/rest/repos/repos#get-a-repository
import { Type } from '@sinclair/typebox'
import { defineAction } from '../../../src/define-action.js'
import { repoOptions, splitRepo } from './_fields.js'

const NullableString = (description?: string) => Type.Union([Type.String(description ? { description } : {}), Type.Null()])

export default defineAction({
  key: 'get_repository',
  app: 'github',
  version: '1.0.0',
  type: 'read',
  title: 'Get a repository',
  description: 'Reads a repository: its description, visibility, default branch and counts.',
  docs: 'https://docs.github.com/en/rest/repos/repos#get-a-repository',
  annotations: { readOnly: true, destructive: false, idempotent: true },
  scopes: ['repo'],
  input: Type.Object({
    repo: Type.String({ pattern: '^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$', description: 'owner/name, e.g. octocat/hello-world.' }),
  }),
  output: Type.Object({
    id: Type.Integer(),
    full_name: Type.String(),
    owner: Type.String({ description: "The owner's login." }),
    private: Type.Boolean(),
    visibility: NullableString('public, private or internal.'),
    description: NullableString(),
    url: Type.String(),
    default_branch: Type.String(),
    language: NullableString(),
    topics: Type.Array(Type.String()),
    fork: Type.Boolean(),
    archived: Type.Boolean(),
    stargazers_count: Type.Integer(),
    forks_count: Type.Integer(),
    open_issues_count: Type.Integer(),
    created_at: NullableString(),
    updated_at: NullableString(),
    pushed_at: NullableString(),
  }),
  fields: { repo: { searchable: true, options: repoOptions } },
  run: async (ctx, input) => {
    const { owner, name } = splitRepo(input.repo)
    const res = await ctx.http.get<{
      id: number
      full_name: string
      owner: { login: string }
      private: boolean
      visibility?: string
      description: string | null
      html_url: string
      default_branch: string
      language: string | null
      topics?: string[]
      fork: boolean
      archived: boolean
      stargazers_count: number
      forks_count: number
      open_issues_count: number
      created_at: string | null
      updated_at: string | null
      pushed_at: string | null
    }>(`/repos/${owner}/${name}`)
    const r = res.data
    return {
      id: r.id,
      full_name: r.full_name,
      owner: r.owner.login,
      private: r.private,
      visibility: r.visibility ?? null,
      description: r.description ?? null,
      url: r.html_url,
      default_branch: r.default_branch,
      language: r.language ?? null,
      topics: r.topics ?? [],
      fork: r.fork,
      archived: r.archived,
      stargazers_count: r.stargazers_count,
      forks_count: r.forks_count,
      open_issues_count: r.open_issues_count,
      created_at: r.created_at ?? null,
      updated_at: r.updated_at ?? null,
      pushed_at: r.pushed_at ?? null,
    }
  },
})
