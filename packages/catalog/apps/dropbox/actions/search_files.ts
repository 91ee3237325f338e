// POST /2/files/search_v2, then POST /2/files/search/continue_v2 with the returned cursor, from
// Dropbox's HTTP reference: https://www.dropbox.com/developers/documentation/http/documentation#files-search
import { Type } from '@sinclair/typebox'
import { defineAction } from '../../../src/define-action.js'
import { Entry, entry, LIST_PATH, Nullable, rootless, rpc, type SearchResult } from './_dropbox.js'

export default defineAction({
  key: 'search_files',
  app: 'dropbox',
  version: '1.0.0',
  type: 'search',
  title: 'Search files and folders',
  description:
    'Finds files and folders by name (and, where the account allows, content), optionally under one folder. At most 10,000 matches in all.',
  docs: 'https://www.dropbox.com/developers/documentation/http/documentation#files-search',
  annotations: { readOnly: true, destructive: false, idempotent: true },
  scopes: ['files.metadata.read'],
  input: Type.Object({
    query: Type.String({ minLength: 1, maxLength: 1000, description: 'The text to search for.' }),
    path: Type.Optional(Type.String({ pattern: LIST_PATH, description: 'Search only under this folder (a path or an id).' })),
    filename_only: Type.Optional(Type.Boolean({ description: 'Match on file and folder names only.' })),
    file_extensions: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 20 }), {
        maxItems: 50,
        description: 'Only these extensions, e.g. ["pdf", "docx"].',
      }),
    ),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, description: 'Matches per page (at most 1000; Dropbox default 100).' })),
    cursor: Type.Optional(
      Type.String({ minLength: 1, description: 'next_cursor of the previous page; the other inputs are then ignored.' }),
    ),
  }),
  output: Type.Object({
    matches: Type.Array(
      Type.Object({
        entry: Entry,
        match_type: Nullable(Type.String({ description: 'filename, file_content, filename_and_content or image_content.' })),
      }),
    ),
    next_cursor: Type.Union([Type.String(), Type.Null()]),
  }),
  run: async (ctx, input) => {
    const options = {
      ...(input.path !== undefined ? { path: rootless(input.path) } : {}),
      ...(input.limit !== undefined ? { max_results: input.limit } : {}),
      ...(input.filename_only !== undefined ? { filename_only: input.filename_only } : {}),
      ...(input.file_extensions !== undefined ? { file_extensions: input.file_extensions } : {}),
    }
    const res = input.cursor
      ? await rpc<SearchResult>(ctx.http, 'files/search/continue_v2', { cursor: input.cursor })
      : await rpc<SearchResult>(
          ctx.http,
          'files/search_v2',
          { query: input.query, ...(Object.keys(options).length > 0 ? { options } : {}) },
          input.path !== undefined ? rootless(input.path) : undefined,
        )
    return {
      // Matches are a union whose only member today is `metadata`; others are skipped.
      matches: res.matches
        .filter((m) => m.metadata['.tag'] === 'metadata' && m.metadata.metadata)
        .map((m) => ({ entry: entry(m.metadata.metadata), match_type: m.match_type?.['.tag'] ?? null })),
      next_cursor: res.has_more && res.cursor ? res.cursor : null,
    }
  },
})
