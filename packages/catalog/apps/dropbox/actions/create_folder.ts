// POST /2/files/create_folder_v2, from Dropbox's HTTP reference; a path already taken is a 409
// `path/conflict/...` error: https://www.dropbox.com/developers/documentation/http/documentation#files-create_folder
import { Type } from '@sinclair/typebox'
import { defineAction } from '../../../src/define-action.js'
import { rpc, WRITE_PATH } from './_dropbox.js'

interface CreateFolderResult {
  metadata: { name: string; id: string; path_lower?: string | null; path_display?: string | null }
}

export default defineAction({
  key: 'create_folder',
  app: 'dropbox',
  version: '1.0.0',
  type: 'write',
  title: 'Create a folder',
  description: 'Creates a folder (and any missing parent folders) at a path in Dropbox.',
  docs: 'https://www.dropbox.com/developers/documentation/http/documentation#files-create_folder',
  annotations: { readOnly: false, destructive: false, idempotent: false },
  scopes: ['files.content.write'],
  input: Type.Object({
    path: Type.String({ pattern: WRITE_PATH, description: 'The folder to create, e.g. /Homework/math.' }),
    autorename: Type.Optional(
      Type.Boolean({
        description: 'If something is already at the path, let Dropbox pick a free name (e.g. "math (1)") instead of failing.',
      }),
    ),
  }),
  output: Type.Object({
    id: Type.String({ description: 'e.g. id:a4ayc_80_OEAAAAAAAAAXz.' }),
    name: Type.String(),
    path_lower: Type.Union([Type.String(), Type.Null()]),
    path_display: Type.Union([Type.String(), Type.Null()]),
  }),
  run: async (ctx, input) => {
    const res = await rpc<CreateFolderResult>(
      ctx.http,
      'files/create_folder_v2',
      { path: input.path, ...(input.autorename !== undefined ? { autorename: input.autorename } : {}) },
      input.path,
    )
    const m = res.metadata
    return { id: m.id, name: m.name, path_lower: m.path_lower ?? null, path_display: m.path_display ?? null }
  },
})
