// POST /2/files/get_metadata, from Dropbox's HTTP reference:
// https://www.dropbox.com/developers/documentation/http/documentation#files-get_metadata
import { Type } from '@sinclair/typebox'
import { defineAction } from '../../../src/define-action.js'
import { Entry, entry, type RawMetadata, READ_PATH, rpc } from './_dropbox.js'

export default defineAction({
  key: 'get_metadata',
  app: 'dropbox',
  version: '1.0.0',
  type: 'read',
  title: 'Get file or folder details',
  description: "Reads a file's or folder's metadata (name, paths, size, revision, dates). The root folder has none.",
  docs: 'https://www.dropbox.com/developers/documentation/http/documentation#files-get_metadata',
  annotations: { readOnly: true, destructive: false, idempotent: true },
  scopes: ['files.metadata.read'],
  input: Type.Object({
    path: Type.String({
      pattern: READ_PATH,
      description: 'A path (/Homework/math), an id (id:a4ayc_80_OEAAAAAAAAAYa) or a file revision (rev:a1c10ce0dd78).',
    }),
    include_deleted: Type.Optional(Type.Boolean({ description: 'Answer a deleted entry instead of "not found" for something deleted.' })),
  }),
  output: Entry,
  run: async (ctx, input) => {
    const res = await rpc<RawMetadata>(
      ctx.http,
      'files/get_metadata',
      { path: input.path, ...(input.include_deleted !== undefined ? { include_deleted: input.include_deleted } : {}) },
      input.path,
    )
    return entry(res)
  },
})
