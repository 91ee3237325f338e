// GET /drive/v3/files, from the Drive API reference (files.list):
// https://developers.google.com/workspace/drive/api/reference/rest/v3/files/list
// Filters are Drive query terms joined with "and" (guide "Search for files and folders",
// https://developers.google.com/workspace/drive/api/guides/search-files); `fields` trims the answer
// (files.list returns only a few fields unless asked). pageSize ≤ 1000, pageToken paging.
import { Type } from '@sinclair/typebox'
import { defineAction } from '../../../src/define-action.js'
import { driveQueryString, google } from './_google.js'

interface DriveFile {
  id: string
  name: string
  mimeType: string
  modifiedTime?: string
  webViewLink?: string
  parents?: string[]
  size?: string
}

const FIELDS = 'nextPageToken,files(id,name,mimeType,modifiedTime,webViewLink,parents,size)'

export default defineAction({
  key: 'list_files',
  app: 'google',
  version: '1.0.0',
  type: 'read',
  title: 'List Drive files',
  description: "Lists files in the user's Google Drive, optionally filtered by name, type, folder or a Drive query.",
  docs: 'https://developers.google.com/workspace/drive/api/reference/rest/v3/files/list',
  annotations: { readOnly: true, destructive: false, idempotent: true },
  scopes: ['https://www.googleapis.com/auth/drive.metadata.readonly'],
  input: Type.Object({
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'Files whose name contains this text.' })),
    mime_type: Type.Optional(
      Type.String({
        pattern: '^[\\w.+-]+/[\\w.+-]+$',
        maxLength: 200,
        description: 'Only this MIME type, e.g. application/vnd.google-apps.folder.',
      }),
    ),
    folder_id: Type.Optional(
      Type.String({ pattern: '^[A-Za-z0-9_-]+$', maxLength: 200, description: 'Only files directly in this folder.' }),
    ),
    query: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 2048,
        description: 'A Drive search query added with "and", e.g. modifiedTime > \'2024-01-01T00:00:00\'.',
      }),
    ),
    include_trashed: Type.Optional(Type.Boolean({ description: 'Also list files in the trash (default false).' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, description: 'Files per page (default 100, at most 1000).' })),
    cursor: Type.Optional(Type.String({ description: 'next_cursor of the previous page.' })),
  }),
  output: Type.Object({
    files: Type.Array(
      Type.Object({
        id: Type.String(),
        name: Type.String(),
        mime_type: Type.String(),
        modified_time: Type.Union([Type.String(), Type.Null()]),
        web_view_link: Type.Union([Type.String(), Type.Null()]),
        parent_ids: Type.Array(Type.String()),
        size: Type.Union([Type.Integer(), Type.Null()], { description: 'Bytes; null for Google Docs, Sheets… and folders.' }),
      }),
    ),
    next_cursor: Type.Union([Type.String(), Type.Null()]),
  }),
  run: async (ctx, input) => {
    const terms: string[] = []
    if (input.name !== undefined) terms.push(`name contains ${driveQueryString(input.name)}`)
    if (input.mime_type !== undefined) terms.push(`mimeType = ${driveQueryString(input.mime_type)}`)
    if (input.folder_id !== undefined) terms.push(`${driveQueryString(input.folder_id)} in parents`)
    if (input.query !== undefined) terms.push(`(${input.query})`)
    if (!input.include_trashed) terms.push('trashed = false')
    const res = await google(() =>
      ctx.http.get<{ files?: DriveFile[]; nextPageToken?: string }>('/drive/v3/files', {
        q: terms.join(' and '),
        pageSize: input.limit ?? 100,
        fields: FIELDS,
        ...(input.cursor ? { pageToken: input.cursor } : {}),
      }),
    )
    return {
      files: (res.data.files ?? []).map((f) => ({
        id: f.id,
        name: f.name,
        mime_type: f.mimeType,
        modified_time: f.modifiedTime ?? null,
        web_view_link: f.webViewLink ?? null,
        parent_ids: f.parents ?? [],
        size: f.size !== undefined && /^\d+$/.test(f.size) ? Number(f.size) : null,
      })),
      next_cursor: res.data.nextPageToken ?? null,
    }
  },
})
