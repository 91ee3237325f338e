// Shared by the Dropbox actions: one RPC call and its errors, the metadata shape, the folder picker.
// From Dropbox's HTTP reference (https://www.dropbox.com/developers/documentation/http/documentation ):
// RPC endpoints live on api.dropboxapi.com (the app's base URL, .../2), take POST with a JSON body
// (Content-Type: application/json) and answer JSON. An endpoint's own refusals come as HTTP 409 with
// `{ error_summary, error }`, `error` being a tagged union (`.tag`) nested by cause, e.g.
// path → conflict → folder; a 401 `missing_scope` (AuthError) is read as a permission error; 400 (bad
// input, plain text), other 401s, 403, 429 (Retry-After) and 5xx are left to the engine's mapping.
// Content upload/download endpoints live on content.dropboxapi.com, which paths relative to the base
// URL cannot reach: no action here uses them.
import { type TSchema, Type } from '@sinclair/typebox'
import {
  type ActionErrorType,
  type ActionHttp,
  ActionError,
  ActionHttpError,
  type ActionOption,
  type FieldOptionsContext,
} from '../../../src/define-action.js'

export const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()])

/** The tags of a Dropbox error union, outermost first: `{".tag":"path","path":{".tag":"conflict",...}}` → [path, conflict, …]. */
export function errorTags(data: unknown): string[] {
  const tags: string[] = []
  let e: unknown = typeof data === 'object' && data !== null ? (data as { error?: unknown }).error : undefined
  while (typeof e === 'object' && e !== null && typeof (e as Record<string, unknown>)['.tag'] === 'string' && tags.length < 6) {
    const tag = (e as Record<string, unknown>)['.tag'] as string
    tags.push(tag)
    e = (e as Record<string, unknown>)[tag]
  }
  if (tags.length === 0 && typeof data === 'object' && data !== null) {
    const summary = (data as { error_summary?: unknown }).error_summary
    if (typeof summary === 'string') tags.push(...summary.split('/').filter((t) => t !== '' && !/^\.+$/.test(t)))
  }
  return tags
}

interface Mapped {
  type: ActionErrorType
  code: string
  message: string
  retryable?: boolean
  attribution?: 'user' | 'connection' | 'provider'
}

function mapTags(tags: string[], path: string | undefined): Mapped {
  const at = path !== undefined ? ` at ${path === '' ? 'the root' : JSON.stringify(path)}` : ''
  const has = (t: string) => tags.includes(t)
  if (has('not_found')) return { type: 'not_found', code: 'path_not_found', message: `Dropbox has nothing${at}`, attribution: 'user' }
  if (has('conflict')) {
    const what = tags[tags.indexOf('conflict') + 1]
    const thing =
      what === 'file'
        ? 'a file'
        : what === 'folder'
          ? 'a folder'
          : what === 'file_ancestor'
            ? 'a file in place of a parent folder'
            : 'something'
    return { type: 'validation', code: 'path_conflict', message: `Dropbox already has ${thing}${at}` }
  }
  if (has('malformed_path')) return { type: 'validation', code: 'malformed_path', message: `Dropbox refused the path${at} as malformed` }
  if (has('not_folder')) return { type: 'validation', code: 'not_folder', message: `The path${at} is not a folder` }
  if (has('not_file')) return { type: 'validation', code: 'not_file', message: `The path${at} is not a file` }
  if (has('disallowed_name')) return { type: 'validation', code: 'disallowed_name', message: `Dropbox does not allow this name${at}` }
  if (has('reset')) return { type: 'validation', code: 'cursor_reset', message: 'The cursor is no longer valid: start again without it' }
  if (has('invalid_argument'))
    return { type: 'validation', code: 'invalid_argument', message: 'Dropbox refused an argument of the request' }
  if (has('no_write_permission') || has('access_restricted') || has('team_folder') || has('operation_suppressed'))
    return { type: 'permission', code: 'no_write_permission', message: `The account may not write${at}`, attribution: 'user' }
  if (has('restricted_content') || has('locked'))
    return {
      type: 'permission',
      code: tags.includes('locked') ? 'locked' : 'restricted_content',
      message: `Dropbox restricts the item${at}`,
      attribution: 'user',
    }
  if (has('insufficient_space'))
    return { type: 'provider', code: 'insufficient_space', message: 'The Dropbox account is out of space', attribution: 'user' }
  if (has('too_many_write_operations'))
    return {
      type: 'rate_limited',
      code: 'too_many_write_operations',
      message: 'Too many writes in the Dropbox account: try again shortly',
      retryable: true,
    }
  if (has('internal_error')) return { type: 'provider', code: 'internal_error', message: 'Dropbox had an internal error', retryable: true }
  return {
    type: 'provider',
    code:
      tags.length > 0
        ? tags
            .join('_')
            .replace(/[^a-z0-9_]/gi, '')
            .toLowerCase()
        : 'endpoint_error',
    message: 'Dropbox refused the request',
  }
}

/** The ActionError for a 409 endpoint-specific error body. */
export function endpointError(data: unknown, path?: string): ActionError {
  const tags = errorTags(data)
  const m = mapTags(tags, path)
  const summary = typeof data === 'object' && data !== null ? (data as { error_summary?: unknown }).error_summary : undefined
  return new ActionError({
    type: m.type,
    code: m.code,
    message: `${m.message}${typeof summary === 'string' ? ` (${summary.slice(0, 200)})` : ''}`,
    ...(m.retryable ? { retryable: true } : {}),
    ...(m.attribution ? { attribution: m.attribution } : {}),
  })
}

/** POSTs a JSON argument to an RPC route (e.g. "files/list_folder"); a 409 (and a 401 missing_scope) becomes a clear ActionError. */
export async function rpc<T>(http: ActionHttp, route: string, args: unknown, path?: string): Promise<T> {
  try {
    return (await http.post<T>(`/${route}`, args)).data
  } catch (err) {
    if (err instanceof ActionHttpError && err.status === 409) throw endpointError(err.data, path)
    // A 401 `missing_scope` is a token lacking a scope the app did not ask for, not a bad token.
    if (err instanceof ActionHttpError && err.status === 401 && errorTags(err.data)[0] === 'missing_scope') {
      const scope = (err.data as { error?: { required_scope?: unknown } }).error?.required_scope
      throw new ActionError({
        type: 'permission',
        code: 'missing_scope',
        message: `The Dropbox connection lacks the scope ${typeof scope === 'string' ? scope : 'this call needs'}: reconnect asking for it`,
        attribution: 'connection',
        providerStatus: 401,
        ...(typeof scope === 'string' ? { missingScopes: [scope] } : {}),
      })
    }
    throw err
  }
}

/** Dropbox wants the root as "" (never "/"). */
export function rootless(path: string): string {
  return path === '/' ? '' : path
}

export interface RawMetadata {
  '.tag': 'file' | 'folder' | 'deleted'
  name: string
  id?: string
  path_lower?: string | null
  path_display?: string | null
  size?: number
  rev?: string
  client_modified?: string
  server_modified?: string
  content_hash?: string
  is_downloadable?: boolean
}

export const Entry = Type.Object({
  type: Type.Union([Type.Literal('file'), Type.Literal('folder'), Type.Literal('deleted')]),
  id: Nullable(Type.String({ description: 'e.g. id:a4ayc_80_OEAAAAAAAAAXw (null for a deleted entry).' })),
  name: Type.String(),
  path_lower: Nullable(Type.String()),
  path_display: Nullable(Type.String()),
  size: Nullable(Type.Integer({ description: 'Bytes (files only).' })),
  client_modified: Nullable(Type.String()),
  server_modified: Nullable(Type.String()),
  rev: Nullable(Type.String()),
  content_hash: Nullable(Type.String()),
})

export function entry(m: RawMetadata) {
  return {
    type: m['.tag'],
    id: m.id ?? null,
    name: m.name,
    path_lower: m.path_lower ?? null,
    path_display: m.path_display ?? null,
    size: m.size ?? null,
    client_modified: m.client_modified ?? null,
    server_modified: m.server_modified ?? null,
    rev: m.rev ?? null,
    content_hash: m.content_hash ?? null,
  }
}

/** Path input rules, from the spec's path aliases. */
export const LIST_PATH = '^(/.*|id:.+|ns:[0-9]+(/.*)?)?$'
export const READ_PATH = '^(/.+|id:.+|rev:[0-9a-f]{9,}|ns:[0-9]+(/.*)?)$'
export const WRITE_PATH = '^(/.+|ns:[0-9]+(/.*)?)$'

/**
 * Folders to pick: with typed text, a folder-name search (files/search_v2, folders only); without it,
 * the root's folders (files/list_folder). Paged with the endpoint's cursor.
 */
export async function folderOptions(
  ctx: FieldOptionsContext<{ path?: string }>,
): Promise<{ options: ActionOption[]; nextCursor: string | null }> {
  const folders = (entries: RawMetadata[]) =>
    entries
      .filter((e) => e['.tag'] === 'folder')
      .map((e) => ({ label: e.path_display ?? e.name, value: e.path_display ?? e.path_lower ?? e.name }))
  if (ctx.query) {
    const res = ctx.cursor
      ? await rpc<SearchResult>(ctx.http, 'files/search/continue_v2', { cursor: ctx.cursor })
      : await rpc<SearchResult>(ctx.http, 'files/search_v2', {
          query: ctx.query,
          options: { filename_only: true, file_categories: ['folder'], max_results: 100 },
        })
    return { options: folders(res.matches.map((m) => m.metadata.metadata)), nextCursor: res.has_more && res.cursor ? res.cursor : null }
  }
  const res = ctx.cursor
    ? await rpc<ListResult>(ctx.http, 'files/list_folder/continue', { cursor: ctx.cursor })
    : await rpc<ListResult>(ctx.http, 'files/list_folder', { path: '', limit: 500 })
  return {
    options: [{ label: '/ (root)', value: '' }, ...folders(res.entries)].slice(ctx.cursor ? 1 : 0),
    nextCursor: res.has_more ? res.cursor : null,
  }
}

export interface ListResult {
  entries: RawMetadata[]
  cursor: string
  has_more: boolean
}

export interface SearchResult {
  matches: { metadata: { '.tag': string; metadata: RawMetadata }; match_type?: { '.tag': string } | null }[]
  has_more: boolean
  cursor?: string | null
}
