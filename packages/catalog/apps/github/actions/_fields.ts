// Shared by the GitHub actions: the repository, assignee and branch pickers (GET /user/repos,
// GET /repos/{owner}/{repo}/assignees and GET /repos/{owner}/{repo}/branches in GitHub's REST reference),
// 100 per page, the next page found in the answer's Link header (see _paging.ts).
import type { ActionOption, FieldOptionsContext } from '../../../src/define-action.js'
import { nextPageCursor, pageOf } from './_paging.js'

export function splitRepo(repo: string): { owner: string; name: string } {
  const [owner = '', name = ''] = repo.split('/')
  return { owner: encodeURIComponent(owner), name: encodeURIComponent(name) }
}

const PAGE = 100

export async function repoOptions(
  ctx: FieldOptionsContext<{ repo?: string }>,
): Promise<{ options: ActionOption[]; nextCursor: string | null }> {
  const res = await ctx.http.get<{ full_name: string }[]>('/user/repos', { sort: 'updated', per_page: PAGE, page: pageOf(ctx.cursor) ?? 1 })
  const q = ctx.query?.toLowerCase()
  const repos = res.data.filter((r) => !q || r.full_name.toLowerCase().includes(q))
  return { options: repos.map((r) => ({ label: r.full_name, value: r.full_name })), nextCursor: nextPageCursor(res.headers) }
}

export async function assigneeOptions(
  ctx: FieldOptionsContext<{ repo?: string }>,
): Promise<{ options: ActionOption[]; nextCursor: string | null }> {
  const { owner, name } = splitRepo(ctx.inputs.repo ?? '')
  const res = await ctx.http.get<{ login: string }[]>(`/repos/${owner}/${name}/assignees`, {
    per_page: PAGE,
    page: pageOf(ctx.cursor) ?? 1,
  })
  return { options: res.data.map((u) => ({ label: u.login, value: u.login })), nextCursor: nextPageCursor(res.headers) }
}

/** The branches of the chosen repository (GET /repos/{owner}/{repo}/branches), filtered by the typed text. */
export async function branchOptions(
  ctx: FieldOptionsContext<{ repo?: string }>,
): Promise<{ options: ActionOption[]; nextCursor: string | null }> {
  const { owner, name } = splitRepo(ctx.inputs.repo ?? '')
  const res = await ctx.http.get<{ name: string }[]>(`/repos/${owner}/${name}/branches`, { per_page: PAGE, page: pageOf(ctx.cursor) ?? 1 })
  const q = ctx.query?.toLowerCase()
  const branches = res.data.filter((b) => !q || b.name.toLowerCase().includes(q))
  return { options: branches.map((b) => ({ label: b.name, value: b.name })), nextCursor: nextPageCursor(res.headers) }
}
