// Shared by the Jira actions (Jira Cloud REST API v3, https://developer.atlassian.com/cloud/jira/platform/rest/v3/):
// - the project picker: GET /rest/api/3/project/search (startAt/maxResults paging, at most 100 a page, `query`
//   matches key or name, `action=create` keeps projects the user can create issues in);
// - the issue type picker: GET /rest/api/3/issue/createmeta/{projectIdOrKey}/issuetypes (at most 200 a page);
// - the create fields of a project and issue type: GET /rest/api/3/issue/createmeta/{projectIdOrKey}/issuetypes/{issueTypeId},
//   described as a JSON schema for create_issue's `fields`.
import { Type } from '@sinclair/typebox'
import type { ActionOption, DynamicSchema, FieldOptionsContext } from '../../../src/define-action.js'
import { adfToText } from './_adf.js'

export const ISSUE_KEY_OR_ID = '^(?:[A-Za-z][A-Za-z0-9_]*-[1-9][0-9]*|[1-9][0-9]*)$'

/** A path segment for an issue key or id, or a project key or id. */
export function seg(value: string): string {
  return encodeURIComponent(value)
}

/** `{ id }` for a numeric id, `{ key }` (projects) or `{ name }` (issue types) otherwise. */
export function ref(value: string, otherwise: 'key' | 'name'): Record<string, string> {
  return /^[0-9]+$/.test(value) ? { id: value } : { [otherwise]: value }
}

/** The site's page for an issue, from the API address Jira answers with (`self`). */
export function browseUrl(self: string | undefined, key: string): string | null {
  if (!self) return null
  try {
    return `${new URL(self).origin}/browse/${encodeURIComponent(key)}`
  } catch {
    return null
  }
}

function offset(cursor: string | undefined): number {
  const n = cursor ? Number(cursor) : 0
  return Number.isInteger(n) && n >= 0 ? n : 0
}

interface ProjectPage {
  startAt: number
  isLast?: boolean
  total?: number
  values: { id: string; key: string; name: string }[]
}

export async function projectOptions(
  ctx: FieldOptionsContext<{ project?: string }>,
): Promise<{ options: ActionOption[]; nextCursor: string | null }> {
  const startAt = offset(ctx.cursor)
  const res = await ctx.http.get<ProjectPage>('/rest/api/3/project/search', {
    startAt,
    maxResults: 50,
    action: 'create',
    ...(ctx.query ? { query: ctx.query } : {}),
  })
  const values = res.data.values ?? []
  const next = res.data.isLast === false && values.length > 0 ? String(startAt + values.length) : null
  return { options: values.map((p) => ({ label: `${p.name} (${p.key})`, value: p.key })), nextCursor: next }
}

interface IssueTypePage {
  startAt?: number
  total?: number
  issueTypes?: { id: string; name: string; subtask?: boolean }[]
}

export async function issueTypeOptions(
  ctx: FieldOptionsContext<{ project?: string }>,
): Promise<{ options: ActionOption[]; nextCursor: string | null }> {
  const startAt = offset(ctx.cursor)
  const res = await ctx.http.get<IssueTypePage>(`/rest/api/3/issue/createmeta/${seg(ctx.inputs.project ?? '')}/issuetypes`, {
    startAt,
    maxResults: 200,
  })
  const types = res.data.issueTypes ?? []
  const seen = startAt + types.length
  const next = types.length > 0 && typeof res.data.total === 'number' && seen < res.data.total ? String(seen) : null
  return { options: types.map((t) => ({ label: t.subtask ? `${t.name} (sub-task)` : t.name, value: t.id })), nextCursor: next }
}

interface FieldMeta {
  fieldId: string
  key?: string
  name: string
  required: boolean
  hasDefaultValue?: boolean
  schema?: { type: string; items?: string; system?: string; custom?: string }
  allowedValues?: Record<string, unknown>[]
}

interface FieldPage {
  startAt?: number
  total?: number
  fields?: FieldMeta[]
  results?: FieldMeta[]
}

/** Fields create_issue sets from its own inputs: left out of the dynamic schema. */
export const NAMED_FIELDS = new Set(['project', 'issuetype', 'summary', 'description', 'labels', 'assignee', 'parent'])

/** How an allowed value is named in a request: custom options by `value`, other objects by `name` or `id`. */
function allowedKey(values: Record<string, unknown>[]): 'value' | 'name' | 'id' | null {
  for (const k of ['value', 'name', 'id'] as const) if (values.every((v) => typeof v[k] === 'string')) return k
  return null
}

function oneOf(values: Record<string, unknown>[] | undefined): Record<string, unknown> | null {
  if (!values || values.length === 0) return null
  const key = allowedKey(values)
  if (!key) return null
  return { type: 'object', properties: { [key]: { type: 'string', enum: values.map((v) => v[key] as string) } }, required: [key] }
}

const TEXTAREA = 'com.atlassian.jira.plugin.system.customfieldtypes:textarea'

function itemSchema(type: string | undefined, allowed: Record<string, unknown>[] | undefined): Record<string, unknown> {
  const picked = oneOf(allowed)
  if (picked) return picked
  switch (type) {
    case 'string':
      return { type: 'string' }
    case 'number':
      return { type: 'number' }
    case 'date':
      return { type: 'string', format: 'date' }
    case 'datetime':
      return { type: 'string', format: 'date-time' }
    case 'user':
      return { type: 'object', properties: { accountId: { type: 'string' } }, required: ['accountId'] }
    case 'group':
      return { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] }
    case 'option':
    case 'priority':
    case 'version':
    case 'component':
    case 'securitylevel':
    case 'resolution':
      return { type: 'object', properties: { id: { type: 'string' } }, required: ['id'] }
    case 'issuelink':
    case 'issuelinks':
      return { type: 'object', properties: { key: { type: 'string' } }, required: ['key'] }
    default:
      return {}
  }
}

/** A JSON schema for one create field, from its create metadata. */
export function fieldSchema(f: FieldMeta): Record<string, unknown> {
  const type = f.schema?.type
  let schema: Record<string, unknown>
  let note = ''
  if (f.schema?.custom === TEXTAREA) {
    schema = { type: 'object' }
    note = ': an Atlassian Document Format document ({"type":"doc","version":1,"content":[...]})'
  } else if (type === 'array') {
    schema = { type: 'array', items: itemSchema(f.schema?.items, f.allowedValues) }
  } else {
    schema = itemSchema(type, f.allowedValues)
  }
  const kind = f.schema?.custom ?? f.schema?.system ?? type ?? 'any'
  return { title: f.name, description: `${f.fieldId} (${kind})${note}`, ...schema }
}

/** The create fields of a project's issue type, as a JSON schema (every page of the metadata). */
export async function createFieldsSchema(ctx: FieldOptionsContext<{ project?: string; issue_type?: string }>): Promise<DynamicSchema> {
  const path = `/rest/api/3/issue/createmeta/${seg(ctx.inputs.project ?? '')}/issuetypes/${seg(ctx.inputs.issue_type ?? '')}`
  const properties: Record<string, Record<string, unknown>> = {}
  const required: string[] = []
  let startAt = 0
  for (let page = 0; page < 20; page += 1) {
    const res = await ctx.http.get<FieldPage>(path, { startAt, maxResults: 200 })
    const fields = res.data.fields ?? res.data.results ?? []
    for (const f of fields) {
      if (NAMED_FIELDS.has(f.fieldId)) continue
      properties[f.fieldId] = fieldSchema(f)
      if (f.required && !f.hasDefaultValue) required.push(f.fieldId)
    }
    startAt += fields.length
    if (fields.length === 0 || typeof res.data.total !== 'number' || startAt >= res.data.total) break
  }
  return { type: 'object', properties, ...(required.length > 0 ? { required } : {}) }
}

// The trimmed issue both get_issue and search_issues return.

const Nullable = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()])
const UserT = Type.Union([Type.Object({ account_id: Type.String(), display_name: Nullable(Type.String()) }), Type.Null()])

export const IssueSummaryT = {
  id: Type.String(),
  key: Type.String({ description: 'The issue key, e.g. ED-24.' }),
  url: Nullable(Type.String({ description: 'The issue page on the Jira site.' })),
  summary: Nullable(Type.String()),
  status: Nullable(Type.String()),
  issue_type: Nullable(Type.String()),
  priority: Nullable(Type.String()),
  assignee: UserT,
  updated: Nullable(Type.String()),
}

export const IssueDetailsT = Type.Object({
  ...IssueSummaryT,
  project: Type.Union([Type.Object({ id: Type.String(), key: Type.String(), name: Nullable(Type.String()) }), Type.Null()]),
  reporter: UserT,
  labels: Type.Array(Type.String()),
  created: Nullable(Type.String()),
  description: Nullable(Type.String({ description: 'The description as plain text.' })),
})

export interface JiraIssue {
  id: string
  key: string
  self?: string
  fields?: Record<string, unknown>
}

function str(v: unknown): string | null {
  return typeof v === 'string' ? v : null
}

function named(v: unknown): string | null {
  return typeof v === 'object' && v !== null ? str((v as Record<string, unknown>).name) : null
}

function user(v: unknown): { account_id: string; display_name: string | null } | null {
  if (typeof v !== 'object' || v === null) return null
  const u = v as Record<string, unknown>
  return typeof u.accountId === 'string' ? { account_id: u.accountId, display_name: str(u.displayName) } : null
}

function project(v: unknown): { id: string; key: string; name: string | null } | null {
  if (typeof v !== 'object' || v === null) return null
  const p = v as Record<string, unknown>
  return typeof p.id === 'string' && typeof p.key === 'string' ? { id: p.id, key: p.key, name: str(p.name) } : null
}

export function issueSummary(issue: JiraIssue) {
  const f = issue.fields ?? {}
  return {
    id: issue.id,
    key: issue.key,
    url: browseUrl(issue.self, issue.key),
    summary: str(f.summary),
    status: named(f.status),
    issue_type: named(f.issuetype),
    priority: named(f.priority),
    assignee: user(f.assignee),
    updated: str(f.updated),
  }
}

export function issueDetails(issue: JiraIssue) {
  const f = issue.fields ?? {}
  return {
    ...issueSummary(issue),
    project: project(f.project),
    reporter: user(f.reporter),
    labels: Array.isArray(f.labels) ? f.labels.filter((l): l is string => typeof l === 'string') : [],
    created: str(f.created),
    description: f.description === undefined || f.description === null ? null : adfToText(f.description),
  }
}
