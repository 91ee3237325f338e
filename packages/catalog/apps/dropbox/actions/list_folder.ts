// POST /2/files/list_folder, then POST /2/files/list_folder/continue with the returned cursor, from
// Dropbox's HTTP reference: https://www.dropbox.com/developers/documentation/http/documentation#files-list_folder
import { Type } from '@sinclair/typebox'
import { defineAction } from '../../../src/define-action.js'
import { Entry, entry, folderOptions, LIST_PATH, type ListResult, rootless, rpc } from './_dropbox.js'

export default defineAction({
  key: 'list_folder',
  app: 'dropbox',
  version: '1.0.0',
  type: 'read',
  title: 'List a folder',
  description: 'Lists the files and folders in a Dropbox folder, optionally with everything below it.',
  docs: 'https://www.dropbox.com/developers/documentation/http/documentation#files-list_folder',
  annotations: { readOnly: true, destructive: false, idempotent: true },
  scopes: ['files.metadata.read'],
  input: Type.Object({
    path: Type.String({
      pattern: LIST_PATH,
      description: 'The folder: "" (or "/") for the root, a path such as /Homework/math, or an id such as id:a4ayc_80_OEAAAAAAAAAXz.',
    }),
    recursive: Type.Optional(Type.Boolean({ description: 'Also list the contents of every subfolder.' })),
    include_deleted: Type.Optional(Type.Boolean({ description: 'Also list files and folders that were deleted.' })),
    limit: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 2000,
        description: 'Entries per page (approximate; at most 2000). Dropbox picks when left out.',
      }),
    ),
    cursor: Type.Optional(
      Type.String({ minLength: 1, description: 'next_cursor of the previous page; the other inputs are then ignored.' }),
    ),
  }),
  output: Type.Object({ entries: Type.Array(Entry), next_cursor: Type.Union([Type.String(), Type.Null()]) }),
  fields: { path: { searchable: true, options: folderOptions } },
  run: async (ctx, input) => {
    const res = input.cursor
      ? await rpc<ListResult>(ctx.http, 'files/list_folder/continue', { cursor: input.cursor })
      : await rpc<ListResult>(
          ctx.http,
          'files/list_folder',
          {
            path: rootless(input.path),
            ...(input.recursive !== undefined ? { recursive: input.recursive } : {}),
            ...(input.include_deleted !== undefined ? { include_deleted: input.include_deleted } : {}),
            ...(input.limit !== undefined ? { limit: input.limit } : {}),
          },
          rootless(input.path),
        )
    return { entries: res.entries.map(entry), next_cursor: res.has_more ? res.cursor : null }
  },
})
