// Shared by the GitHub actions: the repository and assignee pickers (GET /user/repos, GET
// /repos/{owner}/{repo}/assignees in GitHub's REST reference), 100 per page, Link-less paging by `page`.
import type { ActionOption, FieldOptionsContext } from '../../../src/define-action.js'

export function splitRepo(repo: string): { owner: string; name: string } {
  const [owner = '', name = ''] = repo.split('/')
  return { owner: encodeURIComponent(owner), name: encodeURIComponent(name) }
}

const PAGE = 100

function nextPage(cursor: string | undefined, got: number): string | null {
  const page = cursor ? Number(cursor) : 1
  return got === PAGE ? String(page + 1) : null
}

export async function repoOptions(
  ctx: FieldOptionsContext<{ repo?: string }>,
): Promise<{ options: ActionOption[]; nextCursor: string | null }> {
  const page = ctx.cursor ? Number(ctx.cursor) : 1
  const res = await ctx.http.get<{ full_name: string }[]>('/user/repos', { sort: 'updated', per_page: PAGE, page })
  const q = ctx.query?.toLowerCase()
  const repos = res.data.filter((r) => !q || r.full_name.toLowerCase().includes(q))
  return { options: repos.map((r) => ({ label: r.full_name, value: r.full_name })), nextCursor: nextPage(ctx.cursor, res.data.length) }
}

export async function assigneeOptions(
  ctx: FieldOptionsContext<{ repo?: string }>,
): Promise<{ options: ActionOption[]; nextCursor: string | null }> {
  const { owner, name } = splitRepo(ctx.inputs.repo ?? '')
  const page = ctx.cursor ? Number(ctx.cursor) : 1
  const res = await ctx.http.get<{ login: string }[]>(`/repos/${owner}/${name}/assignees`, { per_page: PAGE, page })
  return { options: res.data.map((u) => ({ label: u.login, value: u.login })), nextCursor: nextPage(ctx.cursor, res.data.length) }
}
